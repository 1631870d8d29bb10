"""``GameServer``: lifecycle, HTTP probes, slow clients, pushes and concurrency."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import connect

from baolife_core import GameService, InMemoryStore, PlayerStore
from baolife_transport_ws import GameServer, ServerConfig

from .conftest import Connect
from .support import (
    DEADLINE,
    SECRET,
    ProtocolClient,
    close_code,
    http_get,
    roomy_catalog,
    unread_client,
)


class TestLifecycle:
    """``start``, ``stop``, ``serve_forever`` and the context manager."""

    async def test_port_is_bound_after_start(self, service: GameService) -> None:
        """Port 0 binds a free port, reported by ``.port``; stop is idempotent."""
        server = GameServer(service, ServerConfig(port=0, token_secret=SECRET))
        with pytest.raises(RuntimeError):
            _ = server.port
        await server.start()
        assert server.port > 0
        await server.stop()
        await server.stop()

    async def test_start_on_a_taken_port_raises_and_can_retry(
        self, server: GameServer, service: GameService
    ) -> None:
        """Binding a port in use fails cleanly; the same object can start later."""
        config = ServerConfig(port=server.port, token_secret=SECRET)
        clash = GameServer(service, config)
        with pytest.raises(OSError, match="in use"):
            await clash.start()
        await server.stop()
        async with clash:
            assert clash.port == config.port

    async def test_stop_closes_clients_with_1001_promptly(
        self, server: GameServer, connect: Connect
    ) -> None:
        """Every connection is closed with 1001 (going away) and stop returns."""
        clients = [await connect() for _ in range(3)]
        await clients[0].hello()
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(DEADLINE):
            await server.stop()
        assert loop.time() - started < 3.0
        assert [await close_code(c.connection) for c in clients] == [1001, 1001, 1001]

    async def test_serve_forever_stops_when_cancelled(
        self, service: GameService
    ) -> None:
        """Cancelling ``serve_forever`` stops the server and closes its clients."""
        server = GameServer(service, ServerConfig(port=0, token_secret=SECRET))
        await server.start()
        task = asyncio.create_task(server.serve_forever())
        client = await connect(f"ws://127.0.0.1:{server.port}/")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await close_code(client) == 1001


class TestCompression:
    """permessage-deflate is negotiated unless the config turns it off."""

    @pytest.mark.parametrize("compression", [True, False])
    async def test_deflate_follows_the_config(
        self, service: GameService, compression: bool
    ) -> None:
        """A client offering deflate gets it only from a server that allows it."""
        config = ServerConfig(port=0, token_secret=SECRET, compression=compression)
        async with GameServer(service, config) as server:
            client = await connect(f"ws://127.0.0.1:{server.port}/")
            try:
                extensions = client.response.headers.get("Sec-WebSocket-Extensions")
                assert compression == (extensions is not None)
                reply = await ProtocolClient(client).request({"type": "ping"})
                assert "unauthenticated" == reply["code"]
            finally:
                await client.close()


class FailingStore(InMemoryStore):
    """A store whose database is unreachable."""

    def check_ready(self) -> None:
        raise ConnectionError("database unreachable")


class TestHttp:
    """Plain HTTP probes on the WebSocket port."""

    @pytest.mark.parametrize(
        ("path", "status", "body"),
        [
            ("/health/live", 200, "ok\n"),
            ("/health/ready", 200, "ready\n"),
            ("/health/ready?verbose=1", 200, "ready\n"),
            ("/metrics/extra", 404, "not found\n"),
            ("/favicon.ico", 404, "not found\n"),
        ],
    )
    async def test_routes(
        self, server: GameServer, path: str, status: int, body: str
    ) -> None:
        """Health paths answer; other paths are 404."""
        assert (status, body) == await http_get(server.port, path)

    async def test_plain_get_on_websocket_path_is_426(self, server: GameServer) -> None:
        """The WebSocket path without an upgrade asks for one."""
        status, _ = await http_get(server.port, "/")
        assert status == 426

    @pytest.mark.parametrize("store", [FailingStore()])
    async def test_ready_is_503_when_the_store_fails(
        self, server: GameServer, store: PlayerStore
    ) -> None:
        """A failing readiness check makes ``/health/ready`` answer 503."""
        assert await http_get(server.port, "/health/ready") == (503, "not ready\n")
        assert await http_get(server.port, "/health/live") == (200, "ok\n")


class TestPush:
    """``push`` sends unsolicited messages to every connection of a player."""

    async def test_push_reaches_every_connection_of_the_player(
        self, server: GameServer, connect: Connect
    ) -> None:
        """Both devices of a player get the push, bare; others get nothing."""
        device = str(uuid.uuid4())
        first, second, stranger = await connect(), await connect(), await connect()
        player = (await first.hello(device))["player_id"]
        await second.hello(device)
        await stranger.hello()
        notice = {"type": "notification", "text": "hi"}
        assert server.push(player, notice) == 2
        assert [notice, notice] == [await first.receive(), await second.receive()]
        assert [notice, notice] == [first.frames[-1], second.frames[-1]]
        assert server.push(str(uuid.uuid4()), notice) == 0

    async def test_closed_connection_gets_no_pushes(
        self, server: GameServer, connect: Connect
    ) -> None:
        """A connection is forgotten when it closes."""
        client = await connect()
        player = (await client.hello())["player_id"]
        await client.connection.close()
        await _until(lambda: server.push(player, {"type": "notification"}) == 0)


class TestSlowClient:
    """A client that does not read is disconnected, not buffered without end."""

    @pytest.fixture
    def config(self) -> ServerConfig:
        return ServerConfig(
            port=0, token_secret=SECRET, outgoing_queue_max=8, batch_max_messages=4
        )

    async def test_reading_client_keeps_up(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """The same pushes to a client that reads never overflow its queue."""
        player = (await client.hello())["player_id"]
        message = {"type": "notification", "text": "x" * 16_384}
        received = 0

        async def read() -> None:
            nonlocal received
            while received < 300:
                await client.receive()
                received += 1

        reader = asyncio.create_task(read())
        for _ in range(300):
            assert server.push(player, message) == 1
            await asyncio.sleep(0)  # a yield, not a wait: let the producer run
        async with asyncio.timeout(DEADLINE):
            await reader

    async def test_client_that_stops_reading_is_closed_with_1013(
        self, server: GameServer
    ) -> None:
        """Its queue overflows, the server logs it and closes with 1013."""
        slow = await unread_client(server.port)
        player = (await ProtocolClient(slow).hello())["player_id"]
        message = {"type": "notification", "text": "x" * 16_384}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while server.push(player, message) == 1:  # ~3 MB fill the socket buffers
            assert loop.time() < deadline, "the queue never overflowed"
            await asyncio.sleep(0)  # a yield, not a wait: let the producer run
        assert await close_code(slow) == 1013


class TestPipelining:
    """A client that sends a burst of requests and reads the replies keeps up."""

    async def test_a_burst_beyond_the_queue_is_answered(
        self, config: ServerConfig, client: ProtocolClient
    ) -> None:
        """Four times the outgoing queue's size of pings, sent before reading any
        reply, are all answered in order; the connection stays open."""
        await client.hello()
        count = 4 * config.outgoing_queue_max
        for n in range(count):  # no reply is read until every frame is written
            await client.connection.send(f'{{"type": "ping", "rid": "p{n}"}}')
        rids = [(await client.receive())["rid"] for _ in range(count)]
        assert [f"p{n}" for n in range(count)] == rids
        assert "pong" == (await client.request({"type": "ping"}))["type"]


class TestConcurrency:
    """Commands of one player apply one at a time, across connections."""

    @pytest.fixture
    def service(self, store: InMemoryStore) -> GameService:
        return GameService(store, roomy_catalog())

    async def test_two_connections_buying_at_once_stay_consistent(
        self, connect: Connect, store: InMemoryStore
    ) -> None:
        """30 pipelined purchases on two sockets: the player's 10-a-minute limit
        admits 10, across both sockets; balances never repeat."""
        device = str(uuid.uuid4())
        clients = [await connect(), await connect()]
        player = (await clients[0].hello(device))["player_id"]
        await clients[1].hello(device)
        for client in clients:
            for n in range(15):
                await client.send(
                    {
                        "type": "purchase_energy_refill",
                        "refill_type": "overcharge",
                        "idempotency_key": str(uuid.uuid4()),
                        "rid": str(n),
                    }
                )
        replies = [await c.receive() for c in clients for _ in range(15)]
        bought = [r for r in replies if r["type"] == "energy_updated"]
        refused = [r["code"] for r in replies if r["type"] == "error"]
        assert len(bought) == 10
        assert refused == ["rate_limited"] * 20
        assert all(r["retry_after_ms"] > 0 for r in replies if r["type"] == "error")
        assert list(range(950, 450, -50)) == sorted(
            (r["diamonds"] for r in bought), reverse=True
        )
        assert 1000 - 50 * len(bought) == await clients[0].diamonds()
        assert store.players[player].state.wallet.diamonds == 500
        assert [str(n) for n in range(15)] * 2 == [r["rid"] for r in replies]


async def _until(condition: Any) -> None:
    """Poll ``condition`` on each loop turn until true, failing after DEADLINE."""
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.001)
