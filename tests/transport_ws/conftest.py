"""Fixtures for the transport tests: a real server on a free port, real clients.

Every test talks to a ``GameServer`` bound to 127.0.0.1 port 0 through real
``websockets`` clients (``support.ProtocolClient``). Tests that need another
service or config override the ``service`` or ``config`` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import structlog
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from baolife_core import GameService, InMemoryStore, load_catalog
from baolife_transport_ws import GameServer, ServerConfig

from .support import SECRET, FakeClock, ProtocolClient

Connect = Callable[..., Awaitable[ProtocolClient]]


@pytest.fixture(autouse=True)
def default_logging() -> Iterator[None]:
    """Each test logs through structlog's defaults, whatever ran before it."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def service(store: InMemoryStore) -> GameService:
    return GameService(store, load_catalog())


@pytest.fixture
def config() -> ServerConfig:
    """A free port; no tick task (tests call ``GameServer.tick`` when they need
    one, so no ``time_update`` lands between a request and its reply)."""
    return ServerConfig(port=0, token_secret=SECRET, tick_interval_seconds=None)


@pytest.fixture
async def server(
    service: GameService, config: ServerConfig, clock: FakeClock
) -> AsyncIterator[GameServer]:
    async with GameServer(service, config, clock=clock) as running:
        yield running


@pytest.fixture
async def connect(server: GameServer) -> AsyncIterator[Connect]:
    """Open clients to ``server``; they are closed after the test."""
    opened: list[ClientConnection] = []

    async def open_client(**options: Any) -> ProtocolClient:
        connection = await ws_connect(f"ws://127.0.0.1:{server.port}/", **options)
        opened.append(connection)
        return ProtocolClient(connection)

    yield open_client
    for connection in opened:
        await connection.close()


@pytest.fixture
async def client(connect: Connect) -> ProtocolClient:
    """One connected client, not yet logged in."""
    return await connect()
