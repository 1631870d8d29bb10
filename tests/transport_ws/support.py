"""Test helpers for the transport: a fake clock, a protocol client, HTTP GET, a
recording analytics sink and a client that never reads.

``ProtocolClient`` hides batching: it flattens ``batch`` envelopes, so a test reads
one message at a time whatever the server coalesced into one frame.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any

import attrs
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from baolife_core import AnalyticsEvent, Catalog, load_catalog
from baolife_core.analytics import EXPOSURE

SECRET = "test-secret-0123456789abcdef"
START_MS = 1_700_000_000_000
#: Upper bound for any single wait in these tests (a failure, never a pause).
DEADLINE = 5.0


class FakeClock:
    """A settable wall clock in ms, injected into the server."""

    def __init__(self, now: int = START_MS) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@attrs.define
class RecordingSink:
    """An ``AnalyticsSink`` that remembers every call, in order.

    Each call is ``(method name, args)``; ``record``'s args are
    ``(tuple of events,)``. With ``fail`` every call raises after it is remembered.
    """

    calls: list[tuple[str, tuple[Any, ...]]] = attrs.field(factory=list)
    fail: bool = False  # raise from every call

    def record(self, events: Sequence[AnalyticsEvent]) -> None:
        self._call("record", (tuple(events),))

    def session_started(self, session_id: str, player_id: str, *, at: int) -> None:
        self._call("session_started", (session_id, player_id, at))

    def session_ended(self, session_id: str, *, at: int, messages: int) -> None:
        self._call("session_ended", (session_id, at, messages))

    def _call(self, name: str, args: tuple[Any, ...]) -> None:
        self.calls.append((name, args))
        if self.fail:
            raise RuntimeError("analytics database down")

    def of(self, name: str) -> list[tuple[Any, ...]]:
        """The args of every call of method ``name``, in order."""
        return [args for called, args in self.calls if called == name]

    def sessions(self) -> list[str]:
        """The session ids started, in order."""
        return [args[0] for args in self.of("session_started")]

    def exposures(self) -> list[AnalyticsEvent]:
        """The ``experiment_exposure`` rows recorded, in order."""
        return [
            row for (rows,) in self.of("record") for row in rows if row.name == EXPOSURE
        ]


class ProtocolClient:
    """A test client: sends JSON, reads messages with batches flattened."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.pending: deque[dict[str, Any]] = deque()
        self.frames: list[dict[str, Any]] = []  # every frame as received
        self._rids = 0

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        """Send a message (a dict is JSON-encoded; str and bytes go raw)."""
        data = json.dumps(message) if isinstance(message, dict) else message
        await self.connection.send(data)

    async def receive(self) -> dict[str, Any]:
        """The next message, unwrapped from a ``batch`` if need be."""
        while not self.pending:
            async with asyncio.timeout(DEADLINE):
                frame = json.loads(await self.connection.recv())
            self.frames.append(frame)
            if frame.get("type") == "batch":
                assert 2 <= len(frame["messages"]) <= 10
                self.pending.extend(frame["messages"])
            else:
                self.pending.append(frame)
        return self.pending.popleft()

    def next_rid(self) -> str:
        self._rids += 1
        return f"r{self._rids}"

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send with a fresh ``rid`` and return the reply, without the ``rid``."""
        rid = self.next_rid()
        await self.send({**message, "rid": rid})
        reply = await self.receive()
        assert rid == reply.pop("rid")
        return reply

    async def exchange(
        self, message: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Send a request; its reply and the pushes it raised, in order.

        A session answers one frame at a time and queues a request's pushes right
        after its reply, so everything between the reply and the answer to a
        following ``ping`` was pushed by the request.
        """
        reply = await self.request(message)
        rid = self.next_rid()
        await self.send({"type": "ping", "rid": rid})
        pushes = []
        while (pushed := await self.receive()).get("rid") != rid:
            pushes.append(pushed)
        assert "pong" == pushed["type"]
        return reply, pushes

    async def hello(self, device_id: str | None = None) -> dict[str, Any]:
        """Log in as a device (a new one by default) and return the welcome."""
        welcome = await self.request(
            {"type": "hello", "device_id": device_id or str(uuid.uuid4())}
        )
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def purchase(
        self, refill_type: str, key: str | None = None
    ) -> dict[str, Any]:
        """Buy an energy refill with a (fresh by default) idempotency key."""
        return await self.request(
            {
                "type": "purchase_energy_refill",
                "refill_type": refill_type,
                "idempotency_key": key or str(uuid.uuid4()),
            }
        )

    async def diamonds(self) -> int:
        """The current diamond balance from ``get_state``."""
        reply = await self.request({"type": "get_state"})
        balance: int = reply["state"]["account"]["diamonds"]
        return balance


def roomy_catalog() -> Catalog:
    """The bundled content with room for many purchases (overcharge adds 1)."""
    catalog = load_catalog()
    return attrs.evolve(
        catalog,
        energy=attrs.evolve(catalog.energy, max=10_000, overfill_cap=100_000),
        refills=tuple(
            attrs.evolve(tier, energy=1) if tier.id == "overcharge" else tier
            for tier in catalog.refills
        ),
    )


async def http_get_with_headers(port: int, path: str) -> tuple[int, str, bytes]:
    """A minimal HTTP/1.1 GET over a raw socket: (status, content type, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        writer.write(f"{request}\r\n".encode())
        async with asyncio.timeout(DEADLINE):
            response = await reader.read()
    finally:
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers.get("Content-Type", ""), body


async def http_get(port: int, path: str) -> tuple[int, str]:
    """A minimal HTTP/1.1 GET over a raw socket: (status, body as text)."""
    status, _, body = await http_get_with_headers(port, path)
    return status, body.decode()


async def close_code(connection: ClientConnection) -> int:
    """Read until the server closes; the close code it sent (1006 if none)."""
    try:
        async with asyncio.timeout(DEADLINE):
            while True:
                await connection.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006


async def unread_client(port: int) -> ClientConnection:
    """A client with a tiny receive buffer that never reads (max_queue=1)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return await connect(
        f"ws://127.0.0.1:{port}/", sock=sock, compression=None, max_queue=1
    )
