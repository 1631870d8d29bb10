"""The consumer side of one connection: authenticate, route, call the service.

A ``Session`` takes one client frame at a time (``handle``), answers it through the
connection's outbox, and logs one line per request. Blocking service calls run on
the server's thread pool, so the event loop never waits on storage.

Rules of this module (PROTOCOL.md "Session", DESIGN.md "Transport"):

- Until a ``hello`` succeeds, every request except ``hello`` is answered
  ``unauthenticated``; a second ``hello`` is ``bad_request``.
- ``hello`` carries exactly one of ``device_id`` (a UUID, compared in canonical
  lowercase form) and ``token``. New devices get a player id from ``uuid4`` and a
  seed from ``secrets.randbits(63)``, minted here: the core mints nothing random.
- Engine commands get ``at`` from the server clock, stamped while the player's lock
  is held, so a client cannot choose it and ``at`` never runs backwards in a
  player's journal. ``rid`` is removed before decoding.
- Commands of one player run one at a time (``KeyedLocks``); so do logins of one
  device, so two racing ``hello`` frames of a new device create one player.
- Every request gets exactly one reply, carrying its ``rid``. Exceptions never
  escape ``handle``: known ones map to stable codes, anything else is ``internal``
  with an ``error_id`` that is also in the log, never a traceback on the wire.
- Logs carry the message type, player id, outcome code and duration; never a
  device id, a token or free text from the client.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import attrs
import structlog

from baolife_core import (
    COMMAND_TYPES,
    ConflictError,
    GameService,
    PlayerNotFoundError,
    WireError,
    client_view,
    command_from_wire,
    to_wire,
    wire_name,
)

from .auth import TokenError, TokenSigner
from .frames import (
    BAD_REQUEST,
    CONFLICT,
    INTERNAL,
    NOT_FOUND,
    UNAUTHENTICATED,
    FrameError,
    Request,
    RequestError,
    error_message,
    parse_frame,
)
from .locks import KeyedLocks

__all__ = ["LOGGER_NAME", "Outbox", "Runtime", "Session"]

T = TypeVar("T")

#: Sends one message to the client; ``reply=True`` for answers to requests.
Outbox = Callable[[dict[str, Any], bool], object]

_SESSION_TYPES = frozenset({"hello", "get_state", "ping"})
_KNOWN_TYPES = _SESSION_TYPES | {wire_name(cls) for cls in COMMAND_TYPES}

#: The structlog logger name of this package.
LOGGER_NAME = "baolife_transport_ws"


@attrs.frozen
class Runtime:
    """What every session of a server shares."""

    service: GameService  # the application service (store, engine, catalog)
    signer: TokenSigner  # issues and verifies session tokens
    clock: Callable[[], int]  # wall clock, integer ms (UTC)
    executor: Executor  # thread pool for blocking service calls
    player_locks: KeyedLocks  # one command at a time per player
    device_locks: KeyedLocks  # one login at a time per device

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call on the thread pool and await its result."""
        loop = asyncio.get_running_loop()
        bound = functools.partial(function, *args, **kwargs)
        return await loop.run_in_executor(self.executor, bound)


class Session:
    """One connection's consumer: its login state and request handling."""

    def __init__(
        self,
        runtime: Runtime,
        outbox: Outbox,
        *,
        on_login: Callable[[str], None] = lambda _: None,
    ) -> None:
        self._rt = runtime
        self._outbox = outbox
        self._on_login = on_login  # called once, with the player id, after hello
        self.player_id: str | None = None  # set by a successful hello
        # A logger per session, not per module: a lazy proxy caches the logging
        # configuration at first use, and a session must see the current one.
        self._log = structlog.get_logger(LOGGER_NAME)

    async def handle(self, data: str | bytes) -> None:
        """Answer one client frame (never raises, except on cancellation)."""
        started = time.perf_counter()
        kind = "invalid"  # the logged type: a known type, "unknown" or "invalid"
        rid: str | None = None
        try:
            request = parse_frame(data)
            rid = request.rid
            kind = request.type if request.type in _KNOWN_TYPES else "unknown"
            reply = await self._route(request)
        except FrameError as error:
            rid = error.rid
            reply = error_message(error.code, error.message)
        except RequestError as error:
            reply = error_message(error.code, error.message)
        except ConflictError:
            reply = error_message(CONFLICT, "too many concurrent writes; retry")
        except PlayerNotFoundError:
            reply = error_message(NOT_FOUND, "player not found")
        except Exception:
            reply = self._internal(kind)
        if rid is not None:
            reply["rid"] = rid
        try:
            self._outbox(reply, True)
        except Exception:  # the reply cannot be encoded: a bug, answer internal
            reply = self._internal(kind)
            self._outbox({**reply, "rid": rid} if rid is not None else reply, True)
        self._log.info(
            "request",
            type=kind,
            player_id=self.player_id,
            outcome=reply["code"] if reply["type"] == "error" else "ok",
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            **({"error_id": reply["error_id"]} if "error_id" in reply else {}),
        )

    def _internal(self, kind: str) -> dict[str, Any]:
        """Log the exception being handled; the ``internal`` error to send."""
        error_id = uuid.uuid4().hex
        self._log.exception(
            "internal_error", error_id=error_id, type=kind, player_id=self.player_id
        )
        return error_message(INTERNAL, "internal error", error_id=error_id)

    async def _route(self, request: Request) -> dict[str, Any]:
        if self.player_id is None:
            if request.type != "hello":
                raise RequestError(UNAUTHENTICATED, "send hello first")
            return await self._hello(request.body)
        if request.type == "hello":
            raise RequestError(BAD_REQUEST, "already authenticated")
        if request.type == "ping":
            return {"type": "pong", "server_time": self._rt.clock()}
        if request.type == "get_state":
            at = self._rt.clock()
            state = await self._rt.call(self._view, self.player_id, at)
            return {"type": "state", "state": state}
        return await self._command(self.player_id, request.body)

    async def _hello(self, body: dict[str, Any]) -> dict[str, Any]:
        device_id, token = body.get("device_id"), body.get("token")
        if (device_id is None) == (token is None):
            raise RequestError(
                BAD_REQUEST, "hello needs exactly one of 'device_id' or 'token'"
            )
        rt = self._rt
        if token is not None:
            if not isinstance(token, str):
                raise RequestError(BAD_REQUEST, "'token' must be a string")
            try:
                player_id = rt.signer.verify(token)
            except TokenError:
                raise RequestError(
                    UNAUTHENTICATED, "invalid or expired token"
                ) from None
        else:
            device = _canonical_device_id(device_id)
            async with rt.device_locks.hold(device):
                player_id = await rt.call(
                    rt.service.login_device,
                    device,
                    new_player_id=str(uuid.uuid4()),
                    seed=secrets.randbits(63),
                    at=rt.clock(),
                )
        at = rt.clock()
        try:
            state = await rt.call(self._view, player_id, at)
        except PlayerNotFoundError:  # a valid token of a deleted player
            raise RequestError(UNAUTHENTICATED, "session revoked") from None
        self.player_id = player_id
        self._on_login(player_id)
        return {
            "type": "welcome",
            "player_id": player_id,
            "token": rt.signer.issue(player_id),
            "server_time": at,
            "state": state,
        }

    async def _command(self, player_id: str, body: dict[str, Any]) -> dict[str, Any]:
        fields = {key: value for key, value in body.items() if key != "rid"}
        async with self._rt.player_locks.hold(player_id):
            fields["at"] = self._rt.clock()  # overwrites any client-sent "at"
            try:  # decoding does not yield, so holding the lock costs nothing
                command = command_from_wire(fields)
            except WireError as error:
                raise RequestError.from_wire(error) from None
            result = await self._rt.call(self._rt.service.execute, player_id, command)
        return to_wire(result.reply)

    def _view(self, player_id: str, at: int) -> dict[str, Any]:
        """Blocking: load the player and compute the client view at ``at``."""
        stored = self._rt.service.load(player_id)
        return client_view(stored.state, at, self._rt.service.catalog)


def _canonical_device_id(value: object) -> str:
    """The device id as a canonical lowercase UUID string, or ``bad_request``."""
    if not isinstance(value, str) or len(value) > 64:
        raise RequestError(BAD_REQUEST, "'device_id' must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise RequestError(BAD_REQUEST, "'device_id' must be a UUID string") from None
