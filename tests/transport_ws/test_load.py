"""Load: 500 concurrent clients play against one real server, every one served.

Each client opens its own WebSocket, logs in as a new device, and — while all 500
are connected — plays a short session: reads, a character, a purchase and its
retry, a daily-login check. Then one round of the game tick pushes to all of them.
The test asserts what every client was answered and that the server stays
healthy; it asserts nothing about speed (``bench/ws_roundtrip.py`` measures that).

Sized for CI on 2 cores: about 4,500 requests on the in-memory store. Each side
of a connection holds a file descriptor, so the soft limit is raised (up to the
hard limit) when it is below what 500 connections need.
"""

from __future__ import annotations

import asyncio
import json
import resource
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from websockets.asyncio.client import ClientConnection, connect

from baolife_core import InMemoryStore
from baolife_transport_ws import GameServer

from .support import http_get

CLIENTS = 500
#: Connections opened at once: below the listen backlog (100), so no handshake
#: waits for a SYN retry.
OPENING = 50
#: File descriptors the test needs: both ends of every connection, and spare.
FDS_NEEDED = 2 * CLIENTS + 200
#: The bound on the whole run: a hung server fails the test, it never hangs it.
RUN_DEADLINE = 120.0
#: A new player's diamonds (content: the starting grant) and the refill bought.
START_DIAMONDS = 1_000
REFILL, REFILL_PRICE, REFILL_ENERGY = "overcharge", 50, 150
#: What the server may push unasked (the commands' retention pushes, the tick).
PUSHES = {"time_update", "event_prompt", "achievement_unlocked", "quest_progress"}


@pytest.fixture
def enough_file_descriptors() -> Iterator[None]:
    """Raise the soft ``RLIMIT_NOFILE`` to what the test needs, then restore it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FDS_NEEDED if hard == resource.RLIM_INFINITY else min(FDS_NEEDED, hard)
    assert wanted >= FDS_NEEDED, f"the hard limit of open files is {hard}"
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Player:
    """One load client: a connection and what it was told, pushes set aside."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.pending: list[dict[str, Any]] = []
        self.pushes: list[dict[str, Any]] = []
        self._rids = 0

    async def receive(self) -> dict[str, Any]:
        """The next message, unwrapped from a ``batch`` if need be."""
        while not self.pending:
            frame = json.loads(await self.connection.recv())
            is_batch = frame.get("type") == "batch"
            self.pending.extend(frame["messages"] if is_batch else [frame])
        return self.pending.pop(0)

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send with a fresh ``rid``; its reply (pushes before it are kept)."""
        self._rids += 1
        rid = f"r{self._rids}"
        await self.connection.send(json.dumps({**message, "rid": rid}))
        while (reply := await self.receive()).get("rid") != rid:
            assert "rid" not in reply, reply  # only pushes come unasked
            self.pushes.append(reply)
        return reply


async def log_in(port: int, opening: asyncio.Semaphore) -> tuple[Player, str]:
    """Connect as a new device; the client and its player id."""
    async with opening:
        connection = await connect(f"ws://127.0.0.1:{port}/", open_timeout=None)
    player = Player(connection)
    welcome = await player.request({"type": "hello", "device_id": str(uuid.uuid4())})
    assert "welcome" == welcome["type"], welcome
    assert START_DIAMONDS == welcome["state"]["account"]["diamonds"]
    return player, welcome["player_id"]


async def play(player: Player) -> list[str]:
    """A short session; the reply types, in order (each reply checked)."""
    replies = []
    created = await player.request({"type": "create_character", "name": "Ada Load"})
    assert ("character_created", 1) == (created["type"], created["life"]), created
    key = str(uuid.uuid4())
    purchase = {"type": "purchase_energy_refill", "refill_type": REFILL}
    bought = await player.request({**purchase, "idempotency_key": key})
    assert "energy_updated" == bought["type"], bought
    assert (REFILL_ENERGY, START_DIAMONDS - REFILL_PRICE) == (
        bought["energy"],
        bought["diamonds"],
    )
    again = await player.request({**purchase, "idempotency_key": key})
    assert bought == {**again, "rid": bought["rid"]}  # the first reply, again
    full = await player.request({**purchase, "idempotency_key": str(uuid.uuid4())})
    assert ("error", "energy_full") == (full["type"], full["code"]), full
    login = await player.request({"type": "check_daily_login"})
    assert (True, 1) == (login["claimable"], login["streak"]), login
    state = (await player.request({"type": "get_state"}))["state"]
    assert START_DIAMONDS - REFILL_PRICE == state["account"]["diamonds"]
    assert "Ada Load" == state["character"]["name"]
    pong = await player.request({"type": "ping"})
    for reply in (created, bought, again, full, login, pong):
        replies.append(reply["code"] if reply["type"] == "error" else reply["type"])
    return replies


class TestLoad:
    """Hundreds of concurrent clients against one server."""

    async def test_500_concurrent_clients_are_all_served(
        self,
        server: GameServer,
        store: InMemoryStore,
        enough_file_descriptors: None,
    ) -> None:
        """Every client gets every reply right; the tick reaches all; still healthy."""
        opening = asyncio.Semaphore(OPENING)
        with structlog.testing.capture_logs() as logs:
            async with asyncio.timeout(RUN_DEADLINE):
                logged_in = await asyncio.gather(
                    *(log_in(server.port, opening) for _ in range(CLIENTS))
                )
                players = [player for player, _ in logged_in]
                try:  # all 500 are connected: now they play at once
                    sessions = await asyncio.gather(*(play(p) for p in players))
                    assert CLIENTS == await server.tick()
                    for player in players:
                        pong = await player.request({"type": "ping"})
                        assert "pong" == pong["type"]
                finally:
                    await asyncio.gather(*(p.connection.close() for p in players))
        expected = [
            "character_created",
            "energy_updated",
            "energy_updated",
            "energy_full",
            "daily_login_status",
            "pong",
        ]
        assert [expected] * CLIENTS == sessions
        assert CLIENTS == len({player_id for _, player_id in logged_in})
        assert CLIENTS == len(store.players)
        for player in players:  # one tick round: one time update each
            kinds = [push["type"] for push in player.pushes]
            assert 1 == kinds.count("time_update")
            assert PUSHES >= set(kinds)
        outcomes = Counter(e["outcome"] for e in logs if e["event"] == "request")
        assert {"ok": CLIENTS * 8, "energy_full": CLIENTS} == dict(outcomes)
        # Errors and dropped clients, not slow-operation warnings: no timing here.
        assert [] == [
            e
            for e in logs
            if e["log_level"] in {"error", "critical"}
            or e["event"] == "client_too_slow"
        ]
        assert (200, "ready\n") == await http_get(server.port, "/health/ready")
