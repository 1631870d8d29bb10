"""The consumer side of one connection: authenticate, route, call the service.

A ``Session`` takes one client frame at a time (``handle``), answers it through the
connection's outbox, and logs one line per request. Blocking service calls run on
the server's ``WorkerPool``, so the event loop never waits on storage; each request
crosses to a worker at most once (``hello`` logs in and reads the view in one call).

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
- ``credit_store_purchase`` is not decoded as a command: the client sends the
  product id, the store transaction id and StoreKit's signed transaction (at
  most 16 KiB), and the service verifies it before any command exists. Commands
  only the server issues (``SERVER_COMMANDS``: a store refund) are
  ``unknown_type`` to clients.
- Every request gets exactly one reply, carrying its ``rid``. Exceptions never
  escape ``handle``: known ones map to stable codes, anything else is ``internal``
  with an ``error_id`` that is also in the log, never a traceback on the wire.
- Logs carry the message type, player id, outcome code and duration; never a
  device id, a token or free text from the client. The request's line is written
  from a loop callback scheduled after its reply was queued, so the producer sends
  the reply before the line is rendered; ``duration_ms`` ends when the reply is
  queued.
- The client view is computed on the worker with the load: it runs the engine
  (``advance``), whose cost grows with the game days it crosses.
- Reads (``QUERIES``) run through ``GameService.read``, which puts the text
  writer's bios into ``get_matches`` (docs/dating.md "Bios").
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import structlog

from baolife_core import (
    COMMAND_TYPES,
    SERVER_COMMANDS,
    AchievementUnlocked,
    ConflictError,
    Event,
    GameService,
    PlayerNotFoundError,
    QuestionPosed,
    QuestProgressed,
    WireError,
    client_view,
    command_from_wire,
    to_wire,
    wire_name,
)
from baolife_core.events import MatchMade
from baolife_core.queries import QUERIES, Query

from .auth import TokenError, TokenSigner
from .frames import (
    BAD_REQUEST,
    CONFLICT,
    INTERNAL,
    NOT_FOUND,
    UNAUTHENTICATED,
    UNKNOWN_TYPE,
    FrameError,
    Request,
    RequestError,
    error_message,
    parse_frame,
)
from .locks import KeyedLocks
from .workers import WorkerPool

__all__ = ["LOGGER_NAME", "Outbox", "Runtime", "Session"]

#: Sends one message to the client; ``reply=True`` for answers to requests.
Outbox = Callable[[dict[str, Any], bool], object]

_SESSION_TYPES = frozenset({"hello", "get_state", "ping", *QUERIES})
#: Commands only the server issues (a store refund): unknown to clients.
_SERVER_ONLY = frozenset(wire_name(cls) for cls in SERVER_COMMANDS)
_KNOWN_TYPES = _SESSION_TYPES | ({wire_name(c) for c in COMMAND_TYPES} - _SERVER_ONLY)
#: The client frame of a store purchase; its signed transaction is verified first.
_STORE_PURCHASE = "credit_store_purchase"
#: The longest signed transaction a client may send (characters).
MAX_SIGNED_TRANSACTION = 16 * 1024
_PRODUCT_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_STORE_TRANSACTION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

#: The structlog logger name of this package.
LOGGER_NAME = "baolife_transport_ws"


@attrs.frozen
class Runtime:
    """What every session of a server shares."""

    service: GameService  # the application service (store, engine, catalog)
    signer: TokenSigner  # issues and verifies session tokens
    clock: Callable[[], int]  # wall clock, integer ms (UTC)
    pool: WorkerPool  # the threads that run blocking service calls
    player_locks: KeyedLocks  # one command at a time per player
    device_locks: KeyedLocks  # one login at a time per device


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
        self._pushes: list[dict[str, Any]] = []  # pushes raised by the request
        # A logger per session, not per module: it takes the logging configuration
        # current when the connection opens. Bound once, so a request does not pay
        # for a lazy proxy's look-up.
        self._log = structlog.get_logger(LOGGER_NAME).bind()

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
        pushes, self._pushes = self._pushes, []
        for push in pushes:  # after the reply: the prompts its command raised
            self._outbox(push, False)
        line = functools.partial(
            self._log.info,
            "request",
            type=kind,
            player_id=self.player_id,
            outcome=reply["code"] if reply["type"] == "error" else "ok",
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            **({"error_id": reply["error_id"]} if "error_id" in reply else {}),
        )
        # The producer was woken by the reply: let it send first, log right after.
        asyncio.get_running_loop().call_soon(line)

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
            state = await self._rt.pool.run(self._view, self.player_id, at)
            return {"type": "state", "state": state}
        if request.type in QUERIES:
            at = self._rt.clock()
            return await self._rt.pool.run(
                self._query, QUERIES[request.type], self.player_id, at
            )
        if request.type == _STORE_PURCHASE:
            return await self._store_purchase(self.player_id, request.body)
        if request.type in _SERVER_ONLY:
            raise RequestError(UNKNOWN_TYPE, f"unknown type {request.type!r}")
        return await self._command(self.player_id, request.body)

    async def _hello(self, body: dict[str, Any]) -> dict[str, Any]:
        device_id, token = body.get("device_id"), body.get("token")
        if (device_id is None) == (token is None):
            raise RequestError(
                BAD_REQUEST, "hello needs exactly one of 'device_id' or 'token'"
            )
        rt = self._rt
        try:
            if token is not None:
                player_id = _verify_token(rt.signer, token)
                at = rt.clock()
                state = await rt.pool.run(self._view, player_id, at)
            else:
                device = _canonical_device_id(device_id)
                async with rt.device_locks.hold(device):
                    at = rt.clock()
                    player_id, state = await rt.pool.run(
                        self._login, device, str(uuid.uuid4()), secrets.randbits(63), at
                    )
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
            result = await self._rt.pool.run(
                self._rt.service.execute, player_id, command
            )
        self._pushes.extend(pushes(result.events))
        return to_wire(result.reply)

    async def _store_purchase(
        self, player_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Verify, bind and credit a store purchase (the service does all three).

        The client sends what StoreKit gave it: never the verified fields, which
        only the verifier produces (a frame carrying them is not a command).
        """
        product_id = _store_field(body, "product_id", _PRODUCT_ID)
        transaction_id = _store_field(body, "transaction_id", _STORE_TRANSACTION_ID)
        signed = body.get("signed_transaction")
        if not isinstance(signed, str) or not 0 < len(signed) <= MAX_SIGNED_TRANSACTION:
            raise RequestError(
                BAD_REQUEST,
                "'signed_transaction' must be a string of 1-"
                f"{MAX_SIGNED_TRANSACTION} characters",
            )
        async with self._rt.player_locks.hold(player_id):
            credit = functools.partial(
                self._rt.service.credit_store_purchase,
                player_id,
                product_id=product_id,
                transaction_id=transaction_id,
                signed_transaction=signed,
                at=self._rt.clock(),
            )
            result = await self._rt.pool.run(credit)
        self._pushes.extend(pushes(result.events))
        return to_wire(result.reply)

    def _login(
        self, device_id: str, new_player_id: str, seed: int, at: int
    ) -> tuple[str, dict[str, Any]]:
        """Blocking: the device's player (created if new) and its view at ``at``."""
        player_id = self._rt.service.login_device(
            device_id, new_player_id=new_player_id, seed=seed, at=at
        )
        return player_id, self._view(player_id, at)

    def _query(self, query: Query, player_id: str, at: int) -> dict[str, Any]:
        """Blocking: load the player and answer a read (``check_daily_login`` …)."""
        return to_wire(self._rt.service.read(player_id, query, at))

    def _view(self, player_id: str, at: int) -> dict[str, Any]:
        """Blocking: load the player and compute the client view at ``at``."""
        stored = self._rt.service.load(player_id)
        return client_view(stored.state, at, self._rt.service.catalog)


def _verify_token(signer: TokenSigner, token: object) -> str:
    """The player id of a session token, or ``bad_request``/``unauthenticated``."""
    if not isinstance(token, str):
        raise RequestError(BAD_REQUEST, "'token' must be a string")
    try:
        return signer.verify(token)
    except TokenError:
        raise RequestError(UNAUTHENTICATED, "invalid or expired token") from None


def _store_field(body: dict[str, Any], name: str, shape: re.Pattern[str]) -> str:
    """A store purchase's id field, or ``bad_request`` naming it."""
    value = body.get(name)
    if not isinstance(value, str) or not shape.fullmatch(value):
        raise RequestError(
            BAD_REQUEST, f"{name!r} must be a string matching {shape.pattern}"
        )
    return value


def _canonical_device_id(value: object) -> str:
    """The device id as a canonical lowercase UUID string, or ``bad_request``."""
    if not isinstance(value, str) or len(value) > 64:
        raise RequestError(BAD_REQUEST, "'device_id' must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise RequestError(BAD_REQUEST, "'device_id' must be a UUID string") from None


def pushes(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The pushes a command's events raise, in order: ``event_prompt`` (a question
    posed), ``match_made``, ``achievement_unlocked``, ``quest_progress``."""
    events = tuple(events)
    return [
        *event_prompts(events),
        *(
            {
                "type": "match_made",
                "npc_id": e.npc_id,
                "name": e.name,
                "gender": e.gender,
                "age": e.age,
                "bio": e.bio,
                "compatibility": e.compatibility,
                "reasons": list(e.reasons),
                "day": e.day,
            }
            for e in events
            if isinstance(e, MatchMade)
        ),
        *(
            {
                "type": "achievement_unlocked",
                "achievement": e.achievement,
                "category": e.category,
                "name": e.name,
            }
            for e in events
            if isinstance(e, AchievementUnlocked)
        ),
        *(
            {
                "type": "quest_progress",
                "quest": e.quest,
                "progress": e.progress,
                "target": e.target,
                "completed": e.completed,
            }
            for e in events
            if isinstance(e, QuestProgressed)
        ),
    ]


def event_prompts(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The ``event_prompt`` pushes of the questions a command's events posed."""
    return [
        {
            "type": "event_prompt",
            "question_id": event.question_id,
            "event_id": event.event_id,
            "title": event.title,
            "text": event.text,
            "choices": [{"id": cid, "text": text} for cid, text in event.choices],
            "expires_day": event.expires_day,
        }
        for event in events
        if isinstance(event, QuestionPosed)
    ]
