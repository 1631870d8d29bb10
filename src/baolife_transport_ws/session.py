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
  player's journal. ``rid`` is removed before decoding, and so are ``bio``
  (``like``) and ``line`` (conversations): the server's text writer fills them,
  so the journal never holds text a client wrote for an NPC.
- Commands of one player run one at a time (``KeyedLocks``); so do logins of one
  device, so two racing ``hello`` frames of a new device create one player.
- ``sync_offline`` (PROTOCOL.md "Offline sync", rules in ``baolife_core.offline``)
  decodes each action with its own client ``at`` (refused when later than the
  server's clock plus ``CLOCK_SKEW_MS``), answers the ones that cannot be
  commands with their own error (``bad_request``, ``unknown_type``,
  ``not_allowed_offline``), and runs the rest in one worker call, under the
  player's lock, through ``GameService.sync_offline``; ``results[i]`` answers
  ``actions[i]``.
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
  queued. A request slower than ``SLOW_REQUEST_SECONDS`` (1 s) also logs a
  ``slow_request`` warning with the same type, player id and duration.
- Every request is also counted in ``Runtime.metrics`` (latency by type, count by
  type and outcome) under the same bounded ``type`` as its log line: a known
  type, ``"unknown"`` or ``"invalid"``, never the client's text (``metrics``).
- The client view is computed on the worker with the load: it runs the engine
  (``advance``), whose cost grows with the game days it crosses.
- Reads (``QUERIES``) run through ``GameService.read``, which puts the text
  writer's bios into ``get_matches`` (docs/dating.md "Bios").
- Accounts (DESIGN.md "Storage", GDPR): a token ``hello`` is refused
  (``unauthenticated``) when the account no longer accepts the token: stamped
  at or before its ``tokens_valid_after`` (a deletion request revoked it), or
  the deletion's grace has ended. A device ``hello`` still opens an account
  whose deletion is scheduled, within the grace, so the player can cancel it;
  the ``welcome`` then carries ``purge_at``. ``export_data``,
  ``request_account_deletion`` and ``cancel_account_deletion`` run under the
  player's lock; after the deletion reply is queued, ``on_revoke`` lets the
  server close every connection of the player, and a revoked session answers
  nothing more (``revoke``).
- Analytics (``AnalyticsSink``, called on the event loop only, never awaited):
  ``session_started`` once the connection is authenticated, with a fresh uuid4
  session id, then one ``experiment_exposure`` row per A/B flag with the
  variant the welcome's view carried (``state.experiments``); the rows of
  every executed command's events (``analytics_events``, computed on the
  worker); ``session_ended`` with the frames received, when
  the connection closes (``ended``). A player whose deletion is scheduled is
  not tracked: no session is started until a cancel, so no analytics row can
  be written after the purge. A sink that raises is logged, never propagated.
  With the server's default ``NullAnalyticsSink`` nothing is computed at all.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import structlog

from baolife_core import (
    COMMAND_TYPES,
    NOT_ALLOWED_OFFLINE,
    SERVER_COMMANDS,
    AchievementUnlocked,
    AnalyticsEvent,
    AnalyticsSink,
    Command,
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
from baolife_core.analytics import analytics_events, exposure
from baolife_core.events import MatchMade
from baolife_core.experiments import client_experiments
from baolife_core.offline import CLOCK_SKEW_MS, MAX_OFFLINE_ACTIONS
from baolife_core.ports import Account
from baolife_core.queries import QUERIES, Query
from baolife_core.service import Result

from .auth import SessionClaims, TokenError, TokenSigner
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
from .metrics import OK, ServerMetrics
from .workers import WorkerPool

__all__ = [
    "LOGGER_NAME",
    "SLOW_REQUEST_SECONDS",
    "NullAnalyticsSink",
    "Outbox",
    "Runtime",
    "Session",
]

#: Sends one message to the client; ``reply=True`` for answers to requests.
Outbox = Callable[[dict[str, Any], bool], object]

#: The account requests (GDPR): export, delayed deletion and its cancel.
_EXPORT = "export_data"
_REQUEST_DELETION = "request_account_deletion"
_CANCEL_DELETION = "cancel_account_deletion"
_ACCOUNT_TYPES = frozenset({_EXPORT, _REQUEST_DELETION, _CANCEL_DELETION})
#: The offline queue's replay (PROTOCOL.md "Offline sync").
_SYNC = "sync_offline"
_SESSION_TYPES = frozenset(
    {"hello", "get_state", "ping", _SYNC, *QUERIES, *_ACCOUNT_TYPES}
)
#: Commands only the server issues (a store refund): unknown to clients.
_SERVER_ONLY = frozenset(wire_name(cls) for cls in SERVER_COMMANDS)
_KNOWN_TYPES = _SESSION_TYPES | ({wire_name(c) for c in COMMAND_TYPES} - _SERVER_ONLY)
#: Command fields only the server's text writer fills: a client's are dropped.
_WRITER_FIELDS = frozenset({"rid", "bio", "line"})
#: The client frame of a store purchase; its signed transaction is verified first.
_STORE_PURCHASE = "credit_store_purchase"
#: The longest signed transaction a client may send (characters).
MAX_SIGNED_TRANSACTION = 16 * 1024
_PRODUCT_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_STORE_TRANSACTION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

#: The structlog logger name of this package.
LOGGER_NAME = "baolife_transport_ws"
#: A request slower than this (seconds) also logs a ``slow_request`` warning.
SLOW_REQUEST_SECONDS = 1.0


class NullAnalyticsSink:
    """An ``AnalyticsSink`` that keeps nothing: the server's default."""

    def record(self, events: Sequence[AnalyticsEvent]) -> None:
        """Drop ``events``."""

    def session_started(self, session_id: str, player_id: str, *, at: int) -> None:
        """Forget the session."""

    def session_ended(self, session_id: str, *, at: int, messages: int) -> None:
        """Forget the session."""


@attrs.frozen
class Runtime:
    """What every session of a server shares."""

    service: GameService  # the application service (store, engine, catalog)
    signer: TokenSigner  # issues and verifies session tokens
    clock: Callable[[], int]  # wall clock, integer ms (UTC)
    pool: WorkerPool  # the threads that run blocking service calls
    player_locks: KeyedLocks  # one command at a time per player
    device_locks: KeyedLocks  # one login at a time per device
    analytics: AnalyticsSink = attrs.field(factory=NullAnalyticsSink)  # never waits
    metrics: ServerMetrics = attrs.field(factory=ServerMetrics)  # at ``/metrics``


class Session:
    """One connection's consumer: its login state and request handling."""

    def __init__(
        self,
        runtime: Runtime,
        outbox: Outbox,
        *,
        on_login: Callable[[str], None] = lambda _: None,
        on_revoke: Callable[[str, int], None] = lambda _, __: None,
    ) -> None:
        self._rt = runtime
        self._outbox = outbox
        self._on_login = on_login  # called once, with the player id, after hello
        # Called with the player id and purge instant after the reply to a
        # deletion request was queued: the server closes the player's connections.
        self._on_revoke = on_revoke
        self.player_id: str | None = None  # set by a successful hello
        self.session_id: str | None = None  # the analytics session, while tracked
        self.experiments: dict[str, str] = {}  # flag -> variant, of the last view
        # With the do-nothing sink no session starts, so no rows are computed
        # (about 70 µs of a purchase's four events, on the worker).
        self._analysed = not isinstance(runtime.analytics, NullAnalyticsSink)
        self.messages = 0  # client frames received
        self.revoked = False  # set by ``revoke``: nothing more is answered
        self._pushes: list[dict[str, Any]] = []  # pushes raised by the request
        self._after: list[Callable[[], None]] = []  # run after the reply is queued
        # A logger per session, not per module: it takes the logging configuration
        # current when the connection opens. Bound once, so a request does not pay
        # for a lazy proxy's look-up.
        self._log = structlog.get_logger(LOGGER_NAME).bind()

    async def handle(self, data: str | bytes) -> None:
        """Answer one client frame (never raises, except on cancellation)."""
        started = time.perf_counter()
        self.messages += 1
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
        after, self._after = self._after, []
        for call in after:  # e.g. close the player's connections after a deletion
            call()
        seconds = time.perf_counter() - started
        outcome = reply["code"] if reply["type"] == "error" else OK
        self._rt.metrics.request(kind, outcome, seconds)
        fields = {
            "type": kind,
            "player_id": self.player_id,
            "duration_ms": round(seconds * 1000, 3),
        }
        line = functools.partial(
            self._log.info,
            "request",
            outcome=outcome,
            **fields,
            **({"error_id": reply["error_id"]} if "error_id" in reply else {}),
        )
        # The producer was woken by the reply: let it send first, log right after.
        loop = asyncio.get_running_loop()
        loop.call_soon(line)
        if seconds > SLOW_REQUEST_SECONDS:
            loop.call_soon(
                functools.partial(self._log.warning, "slow_request", **fields)
            )

    def _internal(self, kind: str) -> dict[str, Any]:
        """Log the exception being handled; the ``internal`` error to send."""
        error_id = uuid.uuid4().hex
        self._log.exception(
            "internal_error", error_id=error_id, type=kind, player_id=self.player_id
        )
        return error_message(INTERNAL, "internal error", error_id=error_id)

    def revoke(self) -> None:
        """The player's tokens were revoked: answer nothing more (the server is
        closing the connection)."""
        self.revoked = True

    def ended(self, at: int) -> None:
        """The connection closed at ``at``: end the analytics session, if any."""
        session_id, self.session_id = self.session_id, None
        if session_id is not None:
            self._analytics("session_ended", session_id, at=at, messages=self.messages)

    def _analytics(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Call the sink; a sink that raises is logged, never propagated."""
        try:
            getattr(self._rt.analytics, method)(*args, **kwargs)
        except Exception:
            self._log.exception("analytics_failed", method=method)

    def _track(self, player_id: str, at: int) -> None:
        """Start the analytics session of this connection (module rules)."""
        if self._analysed and self.session_id is None:
            self.session_id = str(uuid.uuid4())
            self._analytics("session_started", self.session_id, player_id, at=at)
            # The variants of the view ``hello`` computed (on the worker).
            self._record(
                tuple(
                    exposure(player_id, self.session_id, flag=f, variant=v, at=at)
                    for f, v in self.experiments.items()
                )
            )

    async def _route(self, request: Request) -> dict[str, Any]:
        if self.revoked:
            raise RequestError(UNAUTHENTICATED, "session revoked")
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
        if request.type in _ACCOUNT_TYPES:
            return await self._account(request.type, self.player_id)
        if request.type == _STORE_PURCHASE:
            return await self._store_purchase(self.player_id, request.body)
        if request.type == _SYNC:
            return await self._sync(self.player_id, request.body)
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
                claims = _verify_token(rt.signer, token)
                player_id = claims.player_id
                # Under the player's lock: a deletion request ran before (the
                # token is refused) or runs after (and closes this connection).
                async with rt.player_locks.hold(player_id):
                    at = rt.clock()
                    account, state = await rt.pool.run(self._resume, claims, at)
                    self._logged_in(player_id)
            else:
                device = _canonical_device_id(device_id)
                async with rt.device_locks.hold(device):
                    at = rt.clock()
                    player_id, account, state = await rt.pool.run(
                        self._login, device, str(uuid.uuid4()), secrets.randbits(63), at
                    )
                self._logged_in(player_id)
        except PlayerNotFoundError:  # a valid token of a purged player
            raise RequestError(UNAUTHENTICATED, "session revoked") from None
        if not account.deletion_scheduled:
            self._track(player_id, at)
        welcome = {
            "type": "welcome",
            "player_id": player_id,
            "token": rt.signer.issue(player_id),
            "server_time": at,
            "state": state,
        }
        if account.purge_after is not None:
            welcome["purge_at"] = account.purge_after
        return welcome

    def _logged_in(self, player_id: str) -> None:
        self.player_id = player_id
        self._on_login(player_id)

    async def _command(self, player_id: str, body: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in body.items() if k not in _WRITER_FIELDS}
        async with self._rt.player_locks.hold(player_id):
            self._check_revoked()
            fields["at"] = self._rt.clock()  # overwrites any client-sent "at"
            try:  # decoding does not yield, so holding the lock costs nothing
                command = command_from_wire(fields)
            except WireError as error:
                raise RequestError.from_wire(error) from None
            result, rows = await self._rt.pool.run(
                self._execute, player_id, command, self.session_id
            )
        self._record(rows)
        self._pushes.extend(pushes(result.events))
        return to_wire(result.reply)

    async def _sync(self, player_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replay the client's offline queue (module rules, ``offline``)."""
        actions = body.get("actions")
        if not isinstance(actions, list):
            raise RequestError(BAD_REQUEST, "'actions' must be an array")
        if len(actions) > MAX_OFFLINE_ACTIONS:
            raise RequestError(
                BAD_REQUEST, f"at most {MAX_OFFLINE_ACTIONS} actions per sync"
            )
        rt = self._rt
        async with rt.player_locks.hold(player_id):
            self._check_revoked()
            now = rt.clock()
            answers: list[dict[str, Any] | None] = [None] * len(actions)
            commands: list[Command] = []
            positions: list[int] = []
            for index, action in enumerate(actions):
                try:
                    commands.append(_offline_command(action, now))
                except RequestError as error:
                    answers[index] = error_message(error.code, error.message)
                    continue
                positions.append(index)
            results, rows, state = await rt.pool.run(
                self._sync_blocking, player_id, commands, now, self.session_id
            )
        for index, result in zip(positions, results, strict=True):
            answers[index] = to_wire(result.reply)
            self._pushes.extend(pushes(result.events))
        self._record(rows)
        return {
            "type": "sync_result",
            "applied": sum(bool(result.events) for result in results),
            "results": answers,
            "state": state,
        }

    def _sync_blocking(
        self,
        player_id: str,
        commands: Sequence[Command],
        now: int,
        session_id: str | None,
    ) -> tuple[tuple[Result, ...], tuple[AnalyticsEvent, ...], dict[str, Any]]:
        """Blocking: apply the offline commands; results, analytics rows, view."""
        results = self._rt.service.sync_offline(player_id, commands, now=now)
        rows: tuple[AnalyticsEvent, ...] = ()
        if session_id is not None:
            rows = tuple(
                row
                for result in results
                if result.events
                for row in analytics_events(player_id, session_id, result.events)
            )
        return results, rows, self._view(player_id, now)

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
            self._check_revoked()
            credit = functools.partial(
                self._rt.service.credit_store_purchase,
                player_id,
                product_id=product_id,
                transaction_id=transaction_id,
                signed_transaction=signed,
                at=self._rt.clock(),
            )
            result, rows = await self._rt.pool.run(
                _with_analytics, credit, player_id, self.session_id
            )
        self._record(rows)
        self._pushes.extend(pushes(result.events))
        return to_wire(result.reply)

    async def _account(self, kind: str, player_id: str) -> dict[str, Any]:
        """``export_data``, ``request_account_deletion``, ``cancel_account_deletion``
        (module rules), one at a time with the player's commands."""
        rt = self._rt
        service = rt.service
        async with rt.player_locks.hold(player_id):
            self._check_revoked()
            at = rt.clock()
            if kind == _EXPORT:
                export = functools.partial(service.export_data, player_id, at=at)
                return {"type": "data_export", "data": await rt.pool.run(export)}
            if kind == _REQUEST_DELETION:
                request = functools.partial(
                    service.request_account_deletion, player_id, at=at
                )
                account: Account = await rt.pool.run(request)
                purge_at = account.purge_after
                assert purge_at is not None  # noqa: S101 - it was just scheduled
                # Nothing more is answered here, and once the reply is queued the
                # server closes every connection of the player (module rules).
                self.revoked = True
                self._after.append(lambda: self._on_revoke(player_id, purge_at))
                return {"type": "account_deletion_scheduled", "purge_at": purge_at}
            cancel = functools.partial(
                service.cancel_account_deletion, player_id, at=at
            )
            was_scheduled: bool = await rt.pool.run(cancel)
        self._track(player_id, at)  # a player no longer leaving is tracked again
        return {"type": "account_deletion_cancelled", "was_scheduled": was_scheduled}

    def _check_revoked(self) -> None:
        """Refuse a request that waited for the player's lock past a revocation."""
        if self.revoked:
            raise RequestError(UNAUTHENTICATED, "session revoked")

    def _record(self, rows: tuple[AnalyticsEvent, ...]) -> None:
        """Hand a command's analytics rows to the sink (none: nothing to do)."""
        if rows:
            self._analytics("record", rows)

    def _execute(
        self, player_id: str, command: Command, session_id: str | None
    ) -> tuple[Result, tuple[AnalyticsEvent, ...]]:
        """Blocking: run the command; its result and analytics rows."""
        execute = functools.partial(self._rt.service.execute, player_id, command)
        return _with_analytics(execute, player_id, session_id)

    def _resume(self, claims: SessionClaims, at: int) -> tuple[Account, dict[str, Any]]:
        """Blocking: the account a token opens, checked, and its view at ``at``."""
        account = self._rt.service.account(claims.player_id)
        if account.due(at):
            raise RequestError(UNAUTHENTICATED, "account deleted")
        if not account.accepts_token(claims.issued_at, at):
            raise RequestError(UNAUTHENTICATED, "session revoked")
        return account, self._view(claims.player_id, at)

    def _login(
        self, device_id: str, new_player_id: str, seed: int, at: int
    ) -> tuple[str, Account, dict[str, Any]]:
        """Blocking: the device's player (created if new), its account and its
        view at ``at``; an account whose deletion grace has ended is refused."""
        service = self._rt.service
        player_id = service.login_device(
            device_id, new_player_id=new_player_id, seed=seed, at=at
        )
        account = service.account(player_id)
        if account.due(at):
            raise RequestError(UNAUTHENTICATED, "account deleted")
        return player_id, account, self._view(player_id, at)

    def _query(self, query: Query, player_id: str, at: int) -> dict[str, Any]:
        """Blocking: load the player and answer a read (``check_daily_login`` …)."""
        return to_wire(self._rt.service.read(player_id, query, at))

    def _view(self, player_id: str, at: int) -> dict[str, Any]:
        """Blocking: load the player and compute the client view at ``at``."""
        stored = self._rt.service.load(player_id)
        catalog = self._rt.service.catalog
        view = client_view(stored.state, at, catalog)
        if not self.experiments:  # a player's variants never change: once each
            self.experiments = client_experiments(
                player_id, stored.state, catalog.experiments
            )
        view["experiments"] = dict(self.experiments)
        return view


def _verify_token(signer: TokenSigner, token: object) -> SessionClaims:
    """What a session token says, or ``bad_request``/``unauthenticated``."""
    if not isinstance(token, str):
        raise RequestError(BAD_REQUEST, "'token' must be a string")
    try:
        return signer.claims(token)
    except TokenError:
        raise RequestError(UNAUTHENTICATED, "invalid or expired token") from None


def _with_analytics(
    call: Callable[[], Result], player_id: str, session_id: str | None
) -> tuple[Result, tuple[AnalyticsEvent, ...]]:
    """Blocking: ``call()``'s result and the analytics rows of its events (none
    outside an analytics session)."""
    result = call()
    if session_id is None or not result.events:
        return result, ()
    return result, analytics_events(player_id, session_id, result.events)


def _offline_command(action: object, now: int) -> Command:
    """One offline action as a command stamped with its own ``at``, or the
    ``RequestError`` that answers it (module rules)."""
    if not isinstance(action, dict):
        raise RequestError(BAD_REQUEST, "an action must be an object")
    kind = action.get("type")
    if not isinstance(kind, str):
        raise RequestError(BAD_REQUEST, "an action needs a string 'type'")
    if kind in _SESSION_TYPES or kind == _STORE_PURCHASE:
        raise RequestError(NOT_ALLOWED_OFFLINE, f"{kind!r} needs a connection")
    if kind not in _KNOWN_TYPES or kind in _SERVER_ONLY:
        raise RequestError(UNKNOWN_TYPE, f"unknown type {kind!r}")
    at = action.get("at")
    if type(at) is not int:
        raise RequestError(BAD_REQUEST, "an action needs an integer 'at' (ms)")
    if at > now + CLOCK_SKEW_MS:
        raise RequestError(BAD_REQUEST, "'at' is later than the server's clock")
    fields = {k: v for k, v in action.items() if k not in _WRITER_FIELDS}
    try:
        return command_from_wire(fields)
    except WireError as error:
        raise RequestError.from_wire(error) from None


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
