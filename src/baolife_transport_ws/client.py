"""``GameClient``: the asyncio client of the BaoLife protocol, with reconnect and an
offline queue.

Tests, bots and ``examples/play_cli.py`` talk to a server through it::

    async with GameClient("ws://127.0.0.1:8001/", device_id=device) as client:
        reply = await client.request("get_state")          # a read: the reply dict
        action = await client.act("do_activity", activity="rest")  # sent or queued
        result = await action                               # its reply, or error
        async for push in client.pushes():                  # time_update, ...
            ...

Rules of this module (PROTOCOL.md "Envelope", "Session", "Offline sync";
docs/client.md):

- One API for errors: an ``error`` reply is returned as a dict like any other
  reply (``reply["type"] == "error"``, switch on ``code``); the client raises only
  for what ends a request or the client itself (``ClientError`` and subclasses).
- Every request carries a fresh ``rid``; a message carrying a ``rid`` is the
  reply of that request (``batch`` frames are unwrapped first), one without is a
  push. A reply whose request is gone (cancelled) is dropped, never pushed.
- Pushes wait in a bounded buffer (``push_buffer``, 1,000 by default) read by
  ``pushes()`` or ``drain_pushes()``; when it is full the oldest push is dropped
  and logged (``push_dropped``): the client view is recovered with ``get_state``.
- ``state`` is the last full client view the server sent: ``welcome``, ``state``
  or ``sync_result``. ``token`` is the newest from a ``welcome``; every reconnect
  says ``hello`` with it (the device id only before the first welcome).
- The connection drops (any close but the ones below): the client reconnects with
  exponential backoff (``backoff`` = (first, cap) seconds, doubled per attempt,
  equal jitter: between half and all of it), until ``close()``. A request in
  flight fails with ``ConnectionLostError`` (its outcome is unknown).
- The client ends for good, with ``SessionEndedError``, on a 1000 close whose
  reason is ``session revoked`` or ``account deleted``, and on a ``hello``
  answered ``unauthenticated`` or ``bad_request``. Requests waiting or made
  afterwards raise it, and ``pushes()`` raises it once drained.
- ``act`` is for game commands (``COMMAND_TYPES`` a client may send). Connected,
  it sends the command as a request. Disconnected, it queues it with ``at`` (the
  injected clock, ms) and, for a keyed command, an ``idempotency_key`` (uuid4;
  keyed commands get one online too). A store purchase is not allowed offline
  (``NotAllowedOfflineError``); more than ``MAX_OFFLINE_ACTIONS`` queued is
  ``OfflineQueueFullError``. Neither changes anything.
- On reconnect, after ``welcome`` and before any other request, the queue is sent
  as ``sync_offline`` — one frame, or several in ``at`` order when it exceeds
  1,000 actions or ``MAX_SYNC_FRAME_BYTES`` — and each handle resolves with its
  ``results[i]``; an error answering the whole frame resolves every handle of it.
  Actions older than ``MAX_OFFLINE_AGE_MS`` are dropped locally with a logged
  reason (``offline_action_dropped``) and resolve with a ``stale_action`` error.
- An action whose connection drops before its reply (sent live, or in a sync
  frame) goes back to the queue if it is keyed (a repeat of its key returns the
  first reply); otherwise its handle fails with ``ConnectionLostError``.
- Logs (structlog, ``baolife_transport_ws.client``) carry message types, codes,
  counts and delays; never a token, a device id or a field's value.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

import attrs
import structlog
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .client_types import (
    CLIENT_COMMANDS,
    FINAL_CLOSE_REASONS,
    FINAL_HELLO_CODES,
    KEYED_COMMANDS,
    MAX_OFFLINE_ACTIONS,
    MAX_OFFLINE_AGE_MS,
    MAX_SYNC_FRAME_BYTES,
    ONLINE_ONLY,
    Action,
    ClientClosedError,
    ClientError,
    ConnectionLostError,
    NotAllowedOfflineError,
    OfflineQueueFullError,
    SessionEndedError,
)

__all__ = [
    "CLIENT_COMMANDS",
    "KEYED_COMMANDS",
    "MAX_OFFLINE_ACTIONS",
    "MAX_OFFLINE_AGE_MS",
    "MAX_SYNC_FRAME_BYTES",
    "Action",
    "ClientClosedError",
    "ClientError",
    "ConnectionLostError",
    "GameClient",
    "NotAllowedOfflineError",
    "OfflineQueueFullError",
    "SessionEndedError",
]

#: Replies that carry the full client view in ``state``.
_VIEW_REPLIES = frozenset({"welcome", "state", "sync_result"})


#: What a reconnect attempt may fail with before the next one is tried.
_RETRYABLE = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed)


LOGGER_NAME = "baolife_transport_ws.client"


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@attrs.define(eq=False)
class _Pending:
    """A request waiting for its reply (``action`` for ``act``'s commands)."""

    future: asyncio.Future[dict[str, Any]]
    action: Action | None = None


class GameClient:
    """One device's connection to a BaoLife server (module rules)."""

    def __init__(
        self,
        url: str,
        *,
        device_id: str | None = None,
        token: str | None = None,
        reconnect: bool = True,
        backoff: tuple[float, float] = (0.1, 10.0),
        push_buffer: int = 1000,
        clock: Callable[[], int] | None = None,
        rng: random.Random | None = None,
        **connect_options: Any,
    ) -> None:
        first, cap = backoff
        if not 0 < first <= cap:
            raise ValueError(
                f"backoff must be (first, cap) with 0 < first <= cap, got {backoff!r}"
            )
        if push_buffer < 1:
            raise ValueError(f"push_buffer must be >= 1, got {push_buffer!r}")
        self.url = url
        self.device_id = device_id or (None if token else str(uuid.uuid4()))
        self.token = token  # the newest session token (module rules)
        self.player_id: str | None = None  # from the first welcome
        self.state: dict[str, Any] | None = None  # the last full client view
        self.reconnect = reconnect
        self.backoff = backoff
        self._clock = clock or _wall_ms
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._options: dict[str, Any] = {"max_size": 2**24, **connect_options}
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = False  # welcomed and synced: requests go out
        self._ready = asyncio.Event()  # set while connected, or once finished
        self._error: ClientError | None = None  # why the client finished
        self._pending: dict[str, _Pending] = {}  # requests by rid
        self._rids = itertools.count(1)
        self._seqs = itertools.count(1)
        self._queue: list[Action] = []  # the offline queue, in ``act`` order
        self._pushes: deque[dict[str, Any]] = deque()
        self._push_max = push_buffer
        self._push_signal = asyncio.Event()  # a push arrived, or the client finished
        self._log = structlog.get_logger(LOGGER_NAME).bind()

    # -- lifecycle ----------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect and say ``hello``; raises if this first attempt fails
        (``OSError``, ``SessionEndedError``, …): there is no backoff before a
        first welcome."""
        if self._runner is not None or self._error is not None:
            raise RuntimeError("the client was already started")
        await self._open()
        self._runner = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Close the connection, stop reconnecting; pending requests and queued
        actions fail with ``ClientClosedError`` (idempotent)."""
        self._finish(ClientClosedError("the client was closed"))
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        ws = self._ws
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    @property
    def connected(self) -> bool:
        """True while welcomed and synced: ``act`` sends instead of queueing."""
        return self._connected

    @property
    def finished(self) -> ClientError | None:
        """Why the client stopped (``ClientClosedError``, ``SessionEndedError``,
        …), or None while it runs."""
        return self._error

    @property
    def queued(self) -> int:
        """Actions waiting in the offline queue."""
        return len(self._queue)

    # -- requests -----------------------------------------------------------------

    async def request(self, type: str, /, **fields: Any) -> dict[str, Any]:
        """Send a request; its reply (an ``error`` reply included), without ``rid``.

        While disconnected it waits for the reconnect. Raises
        ``ConnectionLostError`` if the connection drops before the reply, and the
        client's end (``SessionEndedError``, ``ClientClosedError``) once finished.
        """
        frame = _frame(type, fields)
        await self._wait_ready()
        pending = _Pending(asyncio.get_running_loop().create_future())
        return await self._exchange(frame, pending)

    async def act(self, type: str, /, **fields: Any) -> Action:
        """Give a game command: sent now if connected, else queued (module rules).

        Returns once the command is sent or queued; await the ``Action`` for
        its answer. Bad arguments raise ``ValueError`` and nothing is sent.
        """
        if type not in CLIENT_COMMANDS:
            raise ValueError(f"act() takes a game command, not {type!r}")
        if "at" in fields:
            raise ValueError("'at' is stamped by the client's clock")
        _frame(type, fields)  # the same checks as request()
        self._check_running()
        if type in KEYED_COMMANDS and "idempotency_key" not in fields:
            fields["idempotency_key"] = str(uuid.uuid4())
        loop = asyncio.get_running_loop()
        action = Action(
            type, fields, self._clock(), next(self._seqs), loop.create_future()
        )
        action.future.add_done_callback(self._settled)
        if self._connected:
            pending = _Pending(action.future, action)
            rid = self._register(pending)
            try:
                await self._send({"type": type, **fields, "rid": rid})
            except ConnectionClosed:  # not sent: it waits for the reconnect
                if self._pending.pop(rid, None) is None:
                    return action  # the lost connection already requeued or failed it
            else:
                return action
        self._enqueue(action)
        return action

    async def pushes(self) -> AsyncIterator[dict[str, Any]]:
        """The pushes, in arrival order (one reader at a time). Ends after
        ``close()``; raises the client's end (e.g. ``SessionEndedError``) once
        drained when the server or a lost connection ended it."""
        while True:
            while self._pushes:
                yield self._pushes.popleft()
            error = self._error
            if error is not None:
                if isinstance(error, ClientClosedError):
                    return
                raise error
            self._push_signal.clear()
            await self._push_signal.wait()

    def drain_pushes(self) -> list[dict[str, Any]]:
        """The pushes waiting now, oldest first, taken out of the buffer (for a
        caller that polls between requests instead of iterating ``pushes()``)."""
        drained = list(self._pushes)
        self._pushes.clear()
        return drained

    # -- the connection -----------------------------------------------------------

    async def _open(self) -> None:
        """Connect, say hello, sync the offline queue: connected (or raise)."""
        ws = await connect(self.url, **self._options)
        self._ws = ws
        self._reader = reader = asyncio.create_task(self._read(ws))
        auth = "token" if self.token else "device"
        hello: dict[str, Any] = {"type": "hello"}
        if self.token:
            hello["token"] = self.token
        else:
            hello["device_id"] = self.device_id
        try:
            loop = asyncio.get_running_loop()
            welcome = await self._exchange(hello, _Pending(loop.create_future()))
            if welcome["type"] != "welcome":
                code, message = welcome.get("code"), welcome.get("message", "")
                self._log.warning("client_hello_refused", code=code, auth=auth)
                if code in FINAL_HELLO_CODES:
                    raise SessionEndedError(str(code), str(message))
                raise ConnectionLostError(f"hello refused: {code}")
            self.player_id = welcome["player_id"]
            self.token = welcome["token"]
            self._log.info("client_connected", auth=auth, player_id=self.player_id)
            await self._sync()
        except BaseException:
            await ws.close()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            raise
        self._connected = True
        self._ready.set()

    async def _run(self) -> None:
        """Watch the connection; reconnect when it drops (module rules)."""
        while self._error is None:
            reader, ws = self._reader, self._ws
            assert reader is not None  # noqa: S101 - set by _open
            assert ws is not None  # noqa: S101 - set by _open
            await reader
            if self._error is not None:
                return
            code, reason = ws.close_code, ws.close_reason
            self._log.info("client_disconnected", code=code, reason=reason)
            if code == 1000 and reason in FINAL_CLOSE_REASONS:
                self._finish(SessionEndedError(code, reason))
                return
            if not self.reconnect:
                self._finish(ConnectionLostError(f"connection closed ({code})"))
                return
            await self._reconnect()

    async def _reconnect(self) -> None:
        """Try ``_open`` with backoff until it succeeds or the client finishes."""
        for attempt in itertools.count():
            if self._error is not None:
                return
            delay = self._delay(attempt)
            self._log.info("client_reconnecting", attempt=attempt + 1, delay_s=delay)
            await asyncio.sleep(delay)
            try:
                await self._open()
            except SessionEndedError as ended:
                self._finish(ended)
                return
            except (*_RETRYABLE, ConnectionLostError) as error:
                self._log.info("client_connect_failed", error=type(error).__name__)
            else:
                return

    def _delay(self, attempt: int) -> float:
        """Seconds before reconnect ``attempt`` (0-based): doubled, capped, jittered."""
        first, cap = self.backoff
        delay = min(cap, first * 2.0 ** min(attempt, 32))
        return delay / 2 + self._rng.random() * delay / 2

    async def _read(self, ws: ClientConnection) -> None:
        """Dispatch every message until the connection closes, then fail what
        waited on it (module rules)."""
        try:
            async for data in ws:
                self._dispatch(data)
        except ConnectionClosed:
            pass
        finally:
            self._lost(ws)

    def _dispatch(self, data: str | bytes) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            self._log.warning("client_bad_frame", reason="not JSON")
            return
        messages = frame.get("messages") if isinstance(frame, dict) else None
        if not (isinstance(frame, dict) and frame.get("type") == "batch"):
            messages = [frame]
        for message in messages if isinstance(messages, list) else []:
            if not isinstance(message, dict):
                self._log.warning("client_bad_frame", reason="not an object")
                continue
            if "rid" not in message:
                self._push(message)
                continue
            pending = self._pending.pop(str(message.pop("rid")), None)
            if pending is None:
                self._log.debug("client_reply_unclaimed", type=message.get("type"))
                continue
            state = message.get("state")
            if message.get("type") in _VIEW_REPLIES and isinstance(state, dict):
                self.state = state
            if not pending.future.done():
                pending.future.set_result(message)

    def _push(self, message: dict[str, Any]) -> None:
        if len(self._pushes) >= self._push_max:
            dropped = self._pushes.popleft()
            self._log.warning(
                "push_dropped", type=dropped.get("type"), reason="push buffer full"
            )
        self._pushes.append(message)
        self._push_signal.set()

    def _lost(self, ws: ClientConnection) -> None:
        """The connection is gone: requeue keyed actions, fail other requests."""
        if ws is not self._ws:  # an older connection: nothing of it waits
            return
        self._connected = False
        if self._error is None:
            self._ready.clear()
        pending, self._pending = self._pending, {}
        back: list[Action] = []
        for entry in pending.values():
            action = entry.action
            if action is not None and action.key is not None and self._error is None:
                back.append(action)
            elif not entry.future.done():
                entry.future.set_exception(
                    self._error
                    or ConnectionLostError("connection lost before the reply")
                )
        for action in back:
            action.offline = True
        self._queue = sorted([*back, *self._queue], key=lambda a: a.seq)

    # -- offline sync -------------------------------------------------------------

    def _enqueue(self, action: Action) -> None:
        if action.type in ONLINE_ONLY:
            action.future.cancel()
            raise NotAllowedOfflineError(f"{action.type} is not allowed offline")
        if len(self._queue) >= MAX_OFFLINE_ACTIONS:
            action.future.cancel()
            raise OfflineQueueFullError(
                f"{MAX_OFFLINE_ACTIONS} actions already wait for the connection"
            )
        action.offline = True
        self._queue.append(action)
        self._log.info(
            "offline_action_queued", type=action.type, queued=len(self._queue)
        )

    async def _sync(self) -> None:
        """Send the offline queue as ``sync_offline`` frames (module rules)."""
        while self._queue:
            now = self._clock()
            fresh: list[Action] = []
            for action in self._queue:
                if now - action.at > MAX_OFFLINE_AGE_MS:
                    self._log.warning(
                        "offline_action_dropped",
                        type=action.type,
                        reason="older than 7 days",
                    )
                    action.future.set_result(
                        {
                            "type": "error",
                            "code": "stale_action",
                            "message": "dropped by the client: older than 7 days",
                        }
                    )
                else:
                    fresh.append(action)
            fresh.sort(key=lambda a: a.at)
            batch = _chunk(fresh)
            self._queue = fresh[len(batch) :]
            if not batch:
                continue
            loop = asyncio.get_running_loop()
            frame = {
                "type": "sync_offline",
                "actions": [a._offline_frame() for a in batch],
            }
            try:
                reply = await self._exchange(frame, _Pending(loop.create_future()))
            except ConnectionLostError:
                for action in batch:
                    if action.key is None:
                        action.future.set_exception(
                            ConnectionLostError("connection lost during sync_offline")
                        )
                keyed = [a for a in batch if a.key is not None]
                self._queue = sorted([*keyed, *self._queue], key=lambda a: a.seq)
                raise
            except BaseException:  # closed or cancelled: the batch is nobody's now
                for action in batch:
                    if not action.future.done():
                        action.future.set_exception(
                            self._error or ClientClosedError("the client was closed")
                        )
                raise
            results = reply.get("results")
            if (
                reply["type"] == "sync_result"
                and isinstance(results, list)
                and len(results) == len(batch)
            ):
                for action, result in zip(batch, results, strict=True):
                    action.future.set_result(result if isinstance(result, dict) else {})
            else:  # the whole frame was refused: every action gets that answer
                for action in batch:
                    action.future.set_result(dict(reply))
            self._log.info(
                "offline_synced",
                sent=len(batch),
                applied=reply.get("applied"),
                outcome=reply.get("code", "ok"),
            )

    # -- plumbing -----------------------------------------------------------------

    def _register(self, pending: _Pending) -> str:
        rid = str(next(self._rids))
        self._pending[rid] = pending
        return rid

    async def _exchange(
        self, frame: dict[str, Any], pending: _Pending
    ) -> dict[str, Any]:
        """Send ``frame`` with a fresh rid on the current connection; its reply."""
        rid = self._register(pending)
        try:
            try:
                await self._send({**frame, "rid": rid})
            except ConnectionClosed:
                raise ConnectionLostError("connection lost before the reply") from None
            return await pending.future
        finally:
            self._pending.pop(rid, None)

    async def _send(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        assert ws is not None  # noqa: S101 - only called once connected
        await ws.send(json.dumps(frame))

    async def _wait_ready(self) -> None:
        while True:
            self._check_running()
            if self._connected:
                return
            await self._ready.wait()

    def _check_running(self) -> None:
        if self._error is not None:
            raise self._error

    def _finish(self, error: ClientError) -> None:
        """Stop for good: fail what waits, wake every waiter (idempotent)."""
        if self._error is not None:
            return
        self._error = error
        self._connected = False
        self._ready.set()
        self._push_signal.set()
        if not isinstance(error, ClientClosedError):
            self._log.warning("client_finished", reason=str(error))
        queued, self._queue = self._queue, []
        pending, self._pending = self._pending, {}
        for future in [a.future for a in queued] + [p.future for p in pending.values()]:
            if not future.done():
                future.set_exception(error)

    def _settled(self, future: asyncio.Future[dict[str, Any]]) -> None:
        """An action's failure is logged here, so an unawaited handle is not an
        'exception never retrieved'."""
        if not future.cancelled() and (error := future.exception()) is not None:
            self._log.info("action_failed", error=type(error).__name__)


def _frame(kind: object, fields: dict[str, Any]) -> dict[str, Any]:
    """A request frame without ``rid``, or ``ValueError``."""
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"type must be a non-empty string, got {kind!r}")
    reserved = {"type", "rid"} & fields.keys()
    if reserved:
        raise ValueError(f"{sorted(reserved)} are set by the client")
    return {"type": kind, **fields}


def _chunk(actions: list[Action]) -> list[Action]:
    """The first actions that fit one ``sync_offline`` frame (at least one)."""
    size = len('{"type": "sync_offline", "actions": [], "rid": "0000000000"}')
    for count, action in enumerate(actions):
        size += len(json.dumps(action._offline_frame())) + 2
        if count and (count >= MAX_OFFLINE_ACTIONS or size > MAX_SYNC_FRAME_BYTES):
            return actions[:count]
    return actions
