"""Durability: a command acknowledged to a client is committed (issue 6).

The real server (``baolife serve`` in a subprocess, on the test's database and the
storm content) takes a purchase storm from several WebSocket clients and is killed
with SIGKILL in the middle of it: no shutdown, no flush, requests in flight. Every
purchase acknowledged before the kill must be in the journal when the database is
read afterwards, and once a restarted server has taken every client's retries the
ledger is consistent: diamonds = ledger sum, one debit per idempotency key, and
every reply a client saw for a key is the key's first reply.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from baolife_storage_mysql import make_engine
from baolife_storage_mysql.schema import player_journal

from .storm_support import (
    Acked,
    check_player,
    database_url,
    storm_catalog,
    write_storm_content,
)
from .support import SQL_BACKENDS

#: Players of the storm, each on ``CONNECTIONS_PER_PLAYER`` connections.
PLAYERS = 2
CONNECTIONS_PER_PLAYER = 2
#: Purchases each connection would send if the server lived.
PURCHASES = 150
#: Requests a connection keeps in flight.
WINDOW = 8
#: Acknowledged purchases (all connections) after which the server is killed.
KILL_AFTER = 60
#: Deadlines, s (failures, never pauses).
STARTUP_DEADLINE_S = 60.0
REPLY_DEADLINE_S = 30.0
#: How often the server's log is polled for its start line, s.
LOG_POLL_S = 0.05
#: Every reply a purchase gets when it is accepted.
ACCEPTED = frozenset({"energy_updated", "time_skipped"})


class Server:
    """A ``baolife serve`` child process, logging to a file."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"


async def _started_port(log: Path, process: asyncio.subprocess.Process) -> int:
    """The port in the server's ``server_started`` line, polled with a deadline."""
    async with asyncio.timeout(STARTUP_DEADLINE_S):
        while True:
            for line in log.read_text(encoding="utf-8").splitlines():
                if '"server_started"' in line:
                    return int(json.loads(line)["port"])
            assert process.returncode is None, log.read_text(encoding="utf-8")
            await asyncio.sleep(LOG_POLL_S)


@asynccontextmanager
async def serving(db_url: str, content: Path, log: Path) -> AsyncIterator[Server]:
    """Run the server until the block ends; kill it then if it still runs.

    Its log goes to a file, not a pipe: a storm logs a line per request, and a
    pipe nobody drains would stop the server.
    """
    with log.open("w", encoding="utf-8") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "baolife_app.cli",
            "serve",
            "--port",
            "0",
            "--db",
            db_url,
            "--content",
            str(content),
            stderr=sink,
            env={**os.environ, "BAOLIFE_TOKEN_SECRET": "durability-test-secret-0123"},
        )
    try:
        yield Server(process, await _started_port(log, process))
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


class Tally:
    """Replies counted across the clients; ``enough`` is set at ``KILL_AFTER``."""

    def __init__(self) -> None:
        self.count = 0
        self.enough = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        if self.count >= KILL_AFTER:
            self.enough.set()


class Client:
    """One connection of a player, pipelining purchases (``WINDOW`` in flight)."""

    def __init__(self, player: int, connection: int) -> None:
        self.player = player
        self.connection = connection
        self.sent: list[dict[str, Any]] = []  # every purchase sent, in order
        self.acked: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (sent, reply)
        self._pending: dict[str, dict[str, Any]] = {}  # rid -> purchase

    def purchases(self) -> list[dict[str, Any]]:
        """This connection's purchases: refills and time skips, every third one
        keyed as the player's other connection keys it (the same key twice)."""
        plan = []
        for index in range(PURCHASES):
            owner = "shared" if index % 3 == 0 else f"c{self.connection}"
            key = f"p{self.player}-{owner}-{index}"
            if index % 2:
                plan.append({"type": "purchase_time_skip", "skip_type": "one_hour"})
            else:
                plan.append(
                    {"type": "purchase_energy_refill", "refill_type": "overcharge"}
                )
            plan[-1]["idempotency_key"] = key
        return plan

    def record(self, reply: dict[str, Any]) -> None:
        """Keep an accepted reply to one of this client's purchases."""
        purchase = self._pending.pop(reply.pop("rid"))
        assert reply["type"] in ACCEPTED, reply
        self.acked.append((purchase, reply))

    async def storm(self, ws: ClientConnection, tally: Tally) -> None:
        """Send every purchase, ``WINDOW`` at a time, until the server dies."""
        window = asyncio.Semaphore(WINDOW)

        async def send() -> None:
            for purchase in self.purchases():
                await window.acquire()
                rid = uuid.uuid4().hex
                self._pending[rid] = purchase
                self.sent.append(purchase)
                await ws.send(json.dumps({**purchase, "rid": rid}))

        sender = asyncio.create_task(send())
        try:
            async for frame in ws:
                for message in _messages(frame):
                    if message.get("rid") in self._pending:
                        self.record(message)
                        window.release()
                        tally.add()
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    async def retry(self, ws: ClientConnection) -> None:
        """Send every purchase again, one at a time, as a client whose connection
        died retries what it sent (the keys make it safe)."""
        for purchase in self.sent:
            rid = uuid.uuid4().hex
            self._pending[rid] = purchase
            await ws.send(json.dumps({**purchase, "rid": rid}))
            while rid in self._pending:
                async with asyncio.timeout(REPLY_DEADLINE_S):
                    frame = await ws.recv()
                for message in _messages(frame):
                    if message.get("rid") == rid:
                        self.record(message)


def _messages(frame: str | bytes) -> list[dict[str, Any]]:
    """The messages of one frame (a ``batch`` flattened)."""
    data = json.loads(frame)
    return list(data["messages"]) if data["type"] == "batch" else [data]


async def _hello(ws: ClientConnection, login: dict[str, str]) -> dict[str, Any]:
    """Log in and return the welcome."""
    await ws.send(json.dumps({"type": "hello", **login, "rid": "hello"}))
    while True:
        async with asyncio.timeout(REPLY_DEADLINE_S):
            for message in _messages(await ws.recv()):
                if message.get("rid") == "hello":
                    assert "welcome" == message["type"], message
                    return message


def _journaled_keys(db_url: str, player_id: str) -> set[str]:
    """The idempotency keys in the player's journal."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            commands = connection.execute(
                select(player_journal.c.command).where(
                    player_journal.c.player_id == player_id
                )
            ).scalars()
            keys = {json.loads(command).get("idempotency_key") for command in commands}
    finally:
        engine.dispose()
    return keys - {None}


class TestSigkill:
    """A server killed mid-storm loses no acknowledged purchase."""

    @pytest.mark.parametrize("backend", SQL_BACKENDS)
    async def test_acknowledged_purchases_survive_sigkill(
        self, backend: str, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        """Kill -9 with requests in flight; restart; retry: nothing lost or twice."""
        db_url = database_url(backend, request, tmp_path)
        content = write_storm_content(tmp_path / "content")
        clients = [
            Client(player, connection)
            for player in range(PLAYERS)
            for connection in range(CONNECTIONS_PER_PLAYER)
        ]
        devices = [str(uuid.uuid4()) for _ in range(PLAYERS)]
        player_ids: dict[int, str] = {}
        tokens: dict[int, str] = {}
        tally = Tally()

        async with serving(db_url, content, tmp_path / "first.log") as server:
            sockets = [await connect(server.url) for _ in clients]
            for client, ws in zip(clients, sockets, strict=True):
                login = (
                    {"token": tokens[client.player]}
                    if client.player in tokens
                    else {"device_id": devices[client.player]}
                )
                welcome = await _hello(ws, login)
                player_ids[client.player] = welcome["player_id"]
                tokens[client.player] = welcome["token"]
            storms = [
                asyncio.create_task(client.storm(ws, tally))
                for client, ws in zip(clients, sockets, strict=True)
            ]
            async with asyncio.timeout(REPLY_DEADLINE_S):
                await tally.enough.wait()
            server.process.send_signal(signal.SIGKILL)
            assert -signal.SIGKILL == await server.process.wait()
            async with asyncio.timeout(REPLY_DEADLINE_S):
                await asyncio.gather(*storms)
            for ws in sockets:
                await ws.close()

        # In flight at the kill: sent, never answered (committed or not).
        assert sum(len(c.sent) - len(c.acked) for c in clients) > 0
        # Every purchase acknowledged before the kill is committed.
        for player, player_id in player_ids.items():
            acked = {
                purchase["idempotency_key"]
                for client in clients
                if client.player == player
                for purchase, _ in client.acked
            }
            assert acked <= _journaled_keys(db_url, player_id)

        async with serving(db_url, content, tmp_path / "second.log") as server:
            for client in clients:
                async with connect(server.url) as ws:
                    await _hello(ws, {"token": tokens[client.player]})
                    await client.retry(ws)
            server.process.send_signal(signal.SIGTERM)
            assert 0 == await server.process.wait()

        catalog = storm_catalog()
        engine = make_engine(db_url)
        try:
            for player, player_id in player_ids.items():
                acks = [
                    Acked(player_id, purchase, reply, duplicate=False)
                    for client in clients
                    if client.player == player
                    for purchase, reply in client.acked
                ]
                check_player(engine, player_id, acks, catalog)
        finally:
            engine.dispose()
