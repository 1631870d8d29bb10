"""``GameServer``: the asyncio WebSocket server around a ``GameService``.

It binds the port, serves the health probes (``health``), and runs two tasks per
connection: the consumer (``Session``, one frame at a time) and the producer
(``OutgoingBatcher``). Blocking service calls of every connection share one
``WorkerPool`` of ``ServerConfig.workers`` threads. The composition root builds the
service and passes it in; this package never imports a storage adapter.

Lifecycle::

    async with GameServer(service, config) as server:   # start() ... stop()
        print(server.port)
        await server.serve_forever()                     # until stop() or cancel

Rules of this module:

- Frames above ``max_frame_bytes`` close the connection with 1009 and protocol
  violations with 1002 (websockets does both); every other problem is answered
  with an ``error`` message and the connection stays open.
- A client whose outgoing queue overflows is logged and closed with 1013 (try
  again later): it may reconnect and resynchronise from ``welcome``. Before
  reading the next frame the consumer waits (at most
  ``BACKPRESSURE_TIMEOUT_SECONDS``) while the queue is over half full
  (``OutgoingBatcher.room``): a client pipelining a burst of requests is read
  at the pace it reads its replies (TCP holds the rest), so only a client
  that stops reading is closed.
- ``stop()`` stops accepting, closes every connection with 1001 (going away), waits
  for the handlers (in-flight commands finish; their replies are not sent), then
  shuts the worker pool down. A peer that does not answer the close is dropped
  after ``close_timeout_seconds``.
- A handler never lets an exception escape to websockets: it logs and closes.
- After the reply to ``request_account_deletion`` (the player's tokens are
  revoked), every connection of the player on this server is revoked
  (``Session.revoke``: nothing more is answered), sent what it has queued —
  the others an ``account_deletion_scheduled`` push first — and closed with
  1000 ("session revoked"). Connections held by other server processes end
  when they next authenticate: their tokens are refused.
- The purge task (``purge_interval_s``, hourly by default; None: off) runs
  ``GameService.purge_due_accounts`` on the worker pool at start and then
  every interval, closes the connections of the accounts it purged (1000,
  "account deleted") and logs ``accounts_purged`` with a count, never an id. A
  failed round is logged (``purge_failed``) and the next one runs as planned.
- Analytics go to the ``AnalyticsSink`` given (``NullAnalyticsSink`` by
  default): sessions report their start, commands and end (``session``).
- The game tick (``tick``, every ``tick_interval_seconds``; DESIGN.md rule 4)
  advances every connected player to the wall clock with the engine's ``tick``,
  never journaled, and pushes ``time_update`` and an ``event_prompt`` for each
  question the game days it crossed posed. It continues from the state it
  ticked last while the stored version is unchanged (split invariance makes
  that the same as advancing the stored state), so a round costs the days
  crossed since the last round, not since the last command. Players are
  ticked on the worker pool in chunks of ``TICK_CHUNK``, all queued at once
  (workers compute the next chunks while the loop writes the frames of the
  one done), so requests interleave with a long round. Its pushes leave at
  once, not after the batch interval (a round's messages are all there is to
  batch): written straight to the socket as ``websockets.broadcast`` writes
  (one synchronous pass, no task switch per connection) when the connection's
  batcher is idle, so nothing queued is overtaken; queued to flush promptly
  otherwise. A question id is pushed at most once per connection: a command
  that later crosses the same day poses the same question again (the engine
  is deterministic), and the link drops the repeat.
- Metrics: one ``ServerMetrics`` per server (``metrics``, its own registry,
  served at ``/metrics``): sessions time every request, connections count
  themselves open and closed, batchers report each frame, links count pushes and
  slow-client disconnects, and the game tick reports each round once
  (``metrics.tick``, ``metrics.tick_frames``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import structlog
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from baolife_core import (
    AnalyticsSink,
    GameService,
    PlayerNotFoundError,
    PlayerState,
    time_status,
)
from baolife_core import tick as engine_tick

from .auth import TokenSigner
from .batcher import OutgoingBatcher, OutgoingQueueFullError
from .config import ServerConfig
from .frames import PURGED_REASON, REVOKED_REASON
from .health import http_routes
from .locks import KeyedLocks
from .metrics import ServerMetrics
from .session import LOGGER_NAME, NullAnalyticsSink, Runtime, Session, event_prompts
from .workers import WorkerPool

__all__ = [
    "BACKPRESSURE_TIMEOUT_SECONDS",
    "DEFAULT_PURGE_INTERVAL_S",
    "READY_TIMEOUT_SECONDS",
    "TICK_CHUNK",
    "GameServer",
]

#: A readiness check slower than this counts as "not ready".
READY_TIMEOUT_SECONDS = 2.0
#: Seconds between two rounds of the purge task (module rules).
DEFAULT_PURGE_INTERVAL_S = 3600.0
#: How long the consumer waits for a half-full outgoing queue to drain before it
#: reads the next frame anyway (module rules).
BACKPRESSURE_TIMEOUT_SECONDS = 5.0
#: Players ticked per worker call (module rules).
TICK_CHUNK = 100


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class _Link:
    """One open connection: its socket, its batcher and who it belongs to."""

    def __init__(
        self,
        websocket: ServerConnection,
        batcher: OutgoingBatcher,
        log: Any,
        metrics: ServerMetrics,
    ) -> None:
        self.websocket = websocket
        self.batcher = batcher
        self.metrics = metrics
        self.player_id: str | None = None
        self.closer: asyncio.Task[None] | None = None  # set once closing started
        self.log = log
        self.session: Session | None = None  # the consumer, once created
        self.prompted: set[str] = set()  # question ids pushed (module rules)
        self.producer: asyncio.Task[None] | None = None  # ``batcher.run``

    @property
    def open(self) -> bool:
        return self.closer is None and not self.batcher.closed

    def push_round(
        self, messages: list[dict[str, Any]], pushed: collections.Counter[str]
    ) -> int:
        """Push a tick round's messages (module rules): written at once, as
        ``websockets.broadcast`` writes, when the batcher is idle (nothing queued
        or being sent, so nothing is overtaken); else queued to flush at once.
        The frames written here are returned, and their messages counted in
        ``pushed`` by type (the round reports both to the metrics once)."""
        if not self.open:
            return 0
        if not self.batcher.idle:
            for message in messages:  # ``send`` drops the prompts already sent
                self.send(message, False, prompt=True)
            return 0
        fresh = [m for m in messages if self._first_prompt(m)]
        if not fresh:
            return 0
        frames = self.batcher.frames(fresh)
        for frame in frames:
            broadcast((self.websocket,), frame)
        pushed.update(message["type"] for message in fresh)
        return len(frames)

    def _first_prompt(self, message: dict[str, Any]) -> bool:
        """False for an ``event_prompt`` this connection was already sent."""
        if message["type"] != "event_prompt":
            return True
        if message["question_id"] in self.prompted:
            return False
        self.prompted.add(message["question_id"])
        return True

    def send(
        self, message: dict[str, Any], reply: bool, *, prompt: bool = False
    ) -> bool:
        """Queue a message; on overflow close the connection. True if queued.

        ``prompt``: flush it without waiting for the batch interval (the tick's).
        """
        if not self.open:
            return False
        if not self._first_prompt(message):
            return False
        try:
            self.batcher.offer(message, reply=reply, prompt=prompt)
        except OutgoingQueueFullError:
            self.log.warning(
                "client_too_slow",
                player_id=self.player_id,
                queued=len(self.batcher),
                reason="outgoing queue full",
            )
            self.metrics.slow_client()
            self.close(CloseCode.TRY_AGAIN_LATER, "client too slow")
            return False
        if not reply:
            self.metrics.push(message["type"])
        return True

    def close(self, code: int, reason: str) -> None:
        """Drop the queue and start closing the connection (idempotent)."""
        self.batcher.abort()
        if self.closer is None:
            self.closer = asyncio.create_task(self.websocket.close(code, reason))

    def finish(self, code: int, reason: str, timeout: float) -> None:
        """Send what is queued (for at most ``timeout`` seconds), then close the
        connection; accept nothing more (idempotent)."""
        self.batcher.close()
        if self.closer is None:
            self.closer = asyncio.create_task(self._finish(code, reason, timeout))

    async def _finish(self, code: int, reason: str, timeout: float) -> None:
        if self.producer is not None:
            await asyncio.wait([self.producer], timeout=timeout)
        await self.websocket.close(code, reason)


class GameServer:
    """Serves the BaoLife WebSocket protocol for one ``GameService``."""

    def __init__(
        self,
        service: GameService,
        config: ServerConfig,
        *,
        clock: Callable[[], int] | None = None,
        analytics: AnalyticsSink | None = None,
        purge_interval_s: float | None = DEFAULT_PURGE_INTERVAL_S,
    ) -> None:
        if purge_interval_s is not None and not purge_interval_s > 0:
            raise ValueError(
                f"purge_interval_s must be > 0 or None, got {purge_interval_s!r}"
            )
        self.service = service
        self.config = config
        self.analytics = analytics or NullAnalyticsSink()
        self.purge_interval_s = purge_interval_s  # None: no purge task
        self._purger: asyncio.Task[None] | None = None
        self._clock = clock or _wall_ms
        self._signer = TokenSigner(
            config.token_secret, ttl_seconds=config.token_ttl_seconds, clock=self._clock
        )
        self._pool: WorkerPool | None = None
        self._server: Server | None = None
        self._runtime: Runtime | None = None
        self._links: dict[str, set[_Link]] = {}  # open connections by player id
        self._ticker: asyncio.Task[None] | None = None  # the game tick task
        # The state each connected player was ticked to, with the stored version
        # it was ticked from (module rules); only the tick's worker calls use
        # it, each for players of its own chunk.
        self._ticked: dict[str, tuple[int, PlayerState]] = {}
        self._log = structlog.get_logger(LOGGER_NAME)
        # Prometheus metrics at ``/metrics``; the game tick reports to
        # ``metrics.tick(seconds, players)``.
        self.metrics = ServerMetrics()

    @property
    def port(self) -> int:
        """The bound TCP port (after ``start``)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        """Bind and start accepting connections."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        config = self.config
        self._pool = pool = WorkerPool(config.workers, name="baolife-ws")
        self._runtime = Runtime(
            service=self.service,
            signer=self._signer,
            clock=self._clock,
            pool=pool,
            player_locks=KeyedLocks(),
            device_locks=KeyedLocks(),
            analytics=self.analytics,
            metrics=self.metrics,
        )
        try:
            self._server = await serve(
                self._handle,
                config.host,
                config.port,
                process_request=http_routes(self._ready, self.metrics),
                max_size=config.max_frame_bytes,
                compression="deflate" if config.compression else None,
                close_timeout=config.close_timeout_seconds,
            )
        except BaseException:  # e.g. the port is taken: leave nothing running
            self._pool = self._runtime = None
            await pool.shutdown()
            raise
        if self.purge_interval_s is not None:
            self._purger = asyncio.create_task(self._purge_forever())
        if config.tick_interval_seconds is not None:
            self._ticker = asyncio.create_task(
                self._tick_forever(config.tick_interval_seconds)
            )
        self._log.info("server_started", host=config.host, port=self.port)

    async def stop(self) -> None:
        """Close every connection with 1001, wait for handlers, free the pool."""
        server, pool = self._server, self._pool
        if server is None or pool is None:
            return
        for task in (self._purger, self._ticker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._purger = self._ticker = None
        server.close(code=CloseCode.GOING_AWAY)
        await server.wait_closed()
        await pool.shutdown()
        self._server = self._pool = self._runtime = None
        self._log.info("server_stopped")

    async def serve_forever(self) -> None:
        """Start if needed, then serve until ``stop()``; cancelling it stops too."""
        if self._server is None:
            await self.start()
        server = self._server
        assert server is not None  # noqa: S101 - set by start()
        try:
            await server.wait_closed()
        finally:
            await asyncio.shield(self.stop())

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def push(self, player_id: str, message: dict[str, Any]) -> int:
        """Queue a push for every open connection of a player; how many took it."""
        links = tuple(self._links.get(player_id, ()))
        return sum(link.send(message, False) for link in links)

    async def purge(self) -> int:
        """One round of the purge task: purge every account due now, close their
        connections; how many were purged."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("the server is not started")
        purge = functools.partial(self.service.purge_due_accounts, at=self._clock())
        purged = await pool.run(purge)
        for account in purged:
            self._end_links(account.player_id, PURGED_REASON)
        if purged:
            self._log.info("accounts_purged", count=len(purged))
        return len(purged)

    async def _purge_forever(self) -> None:
        """The purge task: a round at start, then one every interval."""
        interval = self.purge_interval_s
        assert interval is not None  # noqa: S101 - only started with one
        while True:
            try:
                await self.purge()
            except Exception as error:  # logged; the next round runs as planned
                self._log.error("purge_failed", error=type(error).__name__)
            await asyncio.sleep(interval)

    async def tick(self) -> int:
        """One round of the game tick (module rules); how many players it pushed to."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("the server is not started")
        players = sorted(self._links)
        for gone in self._ticked.keys() - set(players):
            del self._ticked[gone]
        started = time.perf_counter()
        at = self._clock()
        pushed = 0
        frames = 0
        messages_by_type: collections.Counter[str] = collections.Counter()
        # Every chunk is queued at once: workers compute the next chunks while
        # the loop writes the frames of the one done.
        chunks = [
            pool.run(self._tick_players, players[first : first + TICK_CHUNK], at)
            for first in range(0, len(players), TICK_CHUNK)
        ]
        try:
            for chunk in chunks:
                for player_id, messages in await chunk:
                    links = tuple(self._links.get(player_id, ()))
                    for link in links:
                        frames += link.push_round(messages, messages_by_type)
                    pushed += bool(links)
        finally:
            for chunk in chunks:  # after a failure: none left unobserved
                if not chunk.done():
                    chunk.cancel()
                elif not chunk.cancelled():
                    chunk.exception()
        self.metrics.tick_frames(frames, messages_by_type)
        self.metrics.tick(time.perf_counter() - started, pushed)
        return pushed

    def _tick_players(
        self, players: list[str], at: int
    ) -> list[tuple[str, list[dict[str, Any]]]]:
        """Blocking: advance ``players`` to ``at``; the messages for each."""
        service = self.service
        catalog = service.catalog
        out = []
        for player_id in players:
            try:
                stored = service.load(player_id, fresh=False)
            except PlayerNotFoundError:
                continue  # purged while connected: its links are closing
            known = self._ticked.get(player_id)
            base = stored.state
            if known is not None and known[0] == stored.version:
                base = known[1]
            state, events = engine_tick(base, at, catalog)
            self._ticked[player_id] = (stored.version, state)
            update = {"type": "time_update", "server_time": at}
            update.update(time_status(state, at, catalog))
            out.append((player_id, [update, *event_prompts(events)]))
        return out

    async def _tick_forever(self, interval: float) -> None:
        """The tick task: a round every ``interval`` seconds, after the first."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.tick()
            except Exception:  # logged; the next round runs as planned
                self._log.exception("tick_failed")

    def _revoke(self, player_id: str, purge_at: int, origin: _Link) -> None:
        """The player's tokens were revoked (module rules): tell its other
        connections why, then close them all once their queues are sent."""
        notice = {"type": "account_deletion_scheduled", "purge_at": purge_at}
        for link in tuple(self._links.get(player_id, ())):
            if link is not origin:
                link.send(notice, False)
        self._end_links(player_id, REVOKED_REASON, also=origin)

    def _end_links(
        self, player_id: str, reason: str, *, also: _Link | None = None
    ) -> None:
        """Revoke the sessions of the player's connections (and ``also``), then
        close each with 1000 after its queue is sent."""
        links = set(self._links.get(player_id, ()))
        if also is not None:
            links.add(also)
        for link in links:
            if link.session is not None:
                link.session.revoke()
            link.finish(
                CloseCode.NORMAL_CLOSURE, reason, self.config.close_timeout_seconds
            )

    async def _ready(self) -> bool:
        pool = self._pool
        if pool is None:
            return False
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await pool.run(self.service.store.check_ready)
        except Exception as error:  # any failure means "not ready"
            self._log.warning("not_ready", error=type(error).__name__)
            return False
        return True

    async def _handle(self, websocket: ServerConnection) -> None:
        """One connection: run the consumer here and the producer in a task."""
        runtime = self._runtime
        assert runtime is not None  # noqa: S101 - handlers run between start and stop
        config = self.config
        link = _Link(
            websocket,
            OutgoingBatcher(
                websocket.send,
                max_messages=config.batch_max_messages,
                interval=config.batch_interval_ms / 1000,
                queue_max=config.outgoing_queue_max,
                on_frame=self.metrics.frame_sent,
            ),
            self._log,
            self.metrics,
        )

        def on_login(player_id: str) -> None:
            link.player_id = player_id
            self._links.setdefault(player_id, set()).add(link)

        def on_revoke(player_id: str, purge_at: int) -> None:
            self._revoke(player_id, purge_at, link)

        session = Session(runtime, link.send, on_login=on_login, on_revoke=on_revoke)
        link.session = session
        producer = asyncio.create_task(link.batcher.run())
        link.producer = producer
        producer.add_done_callback(lambda task: self._producer_done(link, task))
        self.metrics.connection_opened()
        try:
            async for data in websocket:
                await session.handle(data)
                await link.batcher.room(BACKPRESSURE_TIMEOUT_SECONDS)
        except ConnectionClosed:
            pass  # 1009, 1002, a dropped socket…: websockets has closed it
        finally:
            self.metrics.connection_closed()
            session.ended(self._clock())
            self._forget(link)
            link.batcher.abort()
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await producer
            if link.closer is not None:
                await link.closer

    def _producer_done(self, link: _Link, task: asyncio.Task[None]) -> None:
        """If the producer died of a bug, close the connection instead of hanging."""
        if task.cancelled() or isinstance(task.exception(), ConnectionClosed | None):
            return
        self._log.error(
            "producer_failed", player_id=link.player_id, exc_info=task.exception()
        )
        link.close(CloseCode.INTERNAL_ERROR, "internal error")

    def _forget(self, link: _Link) -> None:
        if link.player_id is None:
            return
        links = self._links.get(link.player_id)
        if links is not None:
            links.discard(link)
            if not links:
                del self._links[link.player_id]
