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
  again later): it may reconnect and resynchronise from ``welcome``.
- ``stop()`` stops accepting, closes every connection with 1001 (going away), waits
  for the handlers (in-flight commands finish; their replies are not sent), then
  shuts the worker pool down. A peer that does not answer the close is dropped
  after ``close_timeout_seconds``.
- A handler never lets an exception escape to websockets: it logs and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import structlog
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from baolife_core import GameService

from .auth import TokenSigner
from .batcher import OutgoingBatcher, OutgoingQueueFullError
from .config import ServerConfig
from .health import http_routes
from .locks import KeyedLocks
from .session import LOGGER_NAME, Runtime, Session
from .workers import WorkerPool

__all__ = ["READY_TIMEOUT_SECONDS", "GameServer"]

#: A readiness check slower than this counts as "not ready".
READY_TIMEOUT_SECONDS = 2.0


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class _Link:
    """One open connection: its socket, its batcher and who it belongs to."""

    def __init__(
        self, websocket: ServerConnection, batcher: OutgoingBatcher, log: Any
    ) -> None:
        self.websocket = websocket
        self.batcher = batcher
        self.player_id: str | None = None
        self.closer: asyncio.Task[None] | None = None  # set once closing started
        self.log = log

    @property
    def open(self) -> bool:
        return self.closer is None and not self.batcher.closed

    def send(self, message: dict[str, Any], reply: bool) -> bool:
        """Queue a message; on overflow close the connection. True if queued."""
        if not self.open:
            return False
        try:
            self.batcher.offer(message, reply=reply)
        except OutgoingQueueFullError:
            self.log.warning(
                "client_too_slow",
                player_id=self.player_id,
                queued=len(self.batcher),
                reason="outgoing queue full",
            )
            self.close(CloseCode.TRY_AGAIN_LATER, "client too slow")
            return False
        return True

    def close(self, code: int, reason: str) -> None:
        """Drop the queue and start closing the connection (idempotent)."""
        self.batcher.abort()
        if self.closer is None:
            self.closer = asyncio.create_task(self.websocket.close(code, reason))


class GameServer:
    """Serves the BaoLife WebSocket protocol for one ``GameService``."""

    def __init__(
        self,
        service: GameService,
        config: ServerConfig,
        *,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.service = service
        self.config = config
        self._clock = clock or _wall_ms
        self._signer = TokenSigner(
            config.token_secret, ttl_seconds=config.token_ttl_seconds, clock=self._clock
        )
        self._pool: WorkerPool | None = None
        self._server: Server | None = None
        self._runtime: Runtime | None = None
        self._links: dict[str, set[_Link]] = {}  # open connections by player id
        self._log = structlog.get_logger(LOGGER_NAME)

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
        )
        try:
            self._server = await serve(
                self._handle,
                config.host,
                config.port,
                process_request=http_routes(self._ready),
                max_size=config.max_frame_bytes,
                compression="deflate" if config.compression else None,
                close_timeout=config.close_timeout_seconds,
            )
        except BaseException:  # e.g. the port is taken: leave nothing running
            self._pool = self._runtime = None
            await pool.shutdown()
            raise
        self._log.info("server_started", host=config.host, port=self.port)

    async def stop(self) -> None:
        """Close every connection with 1001, wait for handlers, free the pool."""
        server, pool = self._server, self._pool
        if server is None or pool is None:
            return
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
            ),
            self._log,
        )

        def on_login(player_id: str) -> None:
            link.player_id = player_id
            self._links.setdefault(player_id, set()).add(link)

        session = Session(runtime, link.send, on_login=on_login)
        producer = asyncio.create_task(link.batcher.run())
        producer.add_done_callback(lambda task: self._producer_done(link, task))
        try:
            async for data in websocket:
                await session.handle(data)
        except ConnectionClosed:
            pass  # 1009, 1002, a dropped socket…: websockets has closed it
        finally:
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
