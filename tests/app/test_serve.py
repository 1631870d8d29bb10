"""End to end: ``baolife serve`` in a subprocess, spoken to over a real WebSocket."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

STARTUP_DEADLINE_S = 30.0
SHUTDOWN_DEADLINE_S = 10.0


class Server:
    """A ``baolife serve`` child process on a free port."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return await asyncio.wait_for(self.process.wait(), SHUTDOWN_DEADLINE_S)


async def start_server(db_url: str) -> Server:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "baolife_app.cli",
        "serve",
        "--port",
        "0",
        "--db",
        db_url,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None

    async def port() -> int:
        assert process.stderr is not None
        async for line in process.stderr:
            record = json.loads(line)
            if record.get("event") == "server_started":
                return int(record["port"])
        raise AssertionError(f"server exited early with {await process.wait()}")

    try:
        return Server(process, await asyncio.wait_for(port(), STARTUP_DEADLINE_S))
    except BaseException:
        process.kill()
        await process.wait()
        raise


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'e2e.db'}"


async def request(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send one request and return the reply carrying its rid (batches flattened)."""
    rid = uuid.uuid4().hex
    await ws.send(json.dumps({**message, "rid": rid}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        messages = frame["messages"] if frame["type"] == "batch" else [frame]
        for reply in messages:
            if reply.get("rid") == rid:
                return dict(reply)


async def http_get(port: int, path: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(status_line.split()[1]), status_line.decode()


class TestServe:
    """The server a new user starts with ``uv run baolife serve``."""

    async def test_purchase_survives_a_restart(self, db_url: str) -> None:
        """A purchase is persisted: after SIGTERM and restart the device sees it."""
        device = str(uuid.uuid4())
        server = await start_server(db_url)
        try:
            async with connect(server.url) as ws:
                welcome = await request(ws, {"type": "hello", "device_id": device})
                assert "welcome" == welcome["type"]
                assert 1000 == welcome["state"]["account"]["diamonds"]
                bought = await request(
                    ws,
                    {
                        "type": "purchase_energy_refill",
                        "refill_type": "overcharge",
                        "idempotency_key": "e2e-1",
                    },
                )
                assert ("energy_updated", 150, 950) == (
                    bought["type"],
                    bought["energy"],
                    bought["diamonds"],
                )
        finally:
            assert 0 == await server.stop(signal.SIGTERM)

        server = await start_server(db_url)
        try:
            async with connect(server.url) as ws:
                welcome = await request(ws, {"type": "hello", "device_id": device})
                assert 950 == welcome["state"]["account"]["diamonds"]
                again = await request(
                    ws,
                    {
                        "type": "purchase_energy_refill",
                        "refill_type": "overcharge",
                        "idempotency_key": "e2e-1",
                    },
                )
                assert bought == {**again, "rid": bought["rid"]}
        finally:
            assert 0 == await server.stop(signal.SIGINT)

    async def test_health_probes(self, db_url: str) -> None:
        """/health/live and /health/ready answer 200 on the WebSocket port."""
        server = await start_server(db_url)
        try:
            assert 200 == (await http_get(server.port, "/health/live"))[0]
            assert 200 == (await http_get(server.port, "/health/ready"))[0]
        finally:
            assert 0 == await server.stop()

    async def test_shutdown_closes_clients_promptly(self, db_url: str) -> None:
        """SIGTERM with a client connected exits 0 within the deadline."""
        server = await start_server(db_url)
        async with connect(server.url) as ws:
            await request(ws, {"type": "hello", "device_id": str(uuid.uuid4())})
            assert 0 == await server.stop()
