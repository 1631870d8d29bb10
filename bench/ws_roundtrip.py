"""Benchmark: WebSocket round trips through ``GameServer`` vs a bare echo server.

    uv run python bench/ws_roundtrip.py [--seconds 2.0] [--rounds 5] [--no-compression]

For ``purchase_energy_refill`` and ``get_state`` at 1, 10 and 100 concurrent
clients, each client does sequential request → reply round trips (after a short
warm-up that is not counted). The table shows round trips per second and p50/p99
latency for BaoLife, the same for the baseline, and their ratio (target: BaoLife
>= 0.5x the baseline).

The baseline is a bare ``websockets`` server that parses each frame as JSON and
sends it back dumped as JSON; it gets the very same client frames. Both servers use
the same ``websockets`` settings: the 64 KiB frame limit and permessage-deflate
(negotiated by every client), or no compression at all with ``--no-compression``;
the output says which. BaoLife's server is built as production builds it, with the
``ServerConfig`` defaults (worker threads included) and the production logging
configuration (``baolife_app.configure_logging``, rendered JSON written to
/dev/null), and runs the full path: envelope checks, ``command_from_wire``, the
per-player lock, ``GameService.execute`` on a worker thread against an
``InMemoryStore`` (treated as blocking like any store), the outgoing batcher, and
one log line per request.

How it is run: each server runs in its own subprocess (its own interpreter and
GIL, like a production worker), the clients in this process on one event loop;
everything on 127.0.0.1. Each cell is measured in ``--rounds`` short rounds that
alternate the two servers (and which goes first), so a noisy neighbour hits both
alike; round trips per second are the median round's, the ratio is the median of
the rounds' ratios, and p50/p99 pool every round's latencies. On a small machine
the client process can be the bottleneck, which flatters the ratio at high
concurrency: the baseline's figures are a floor for "what websockets alone can
do", not a ceiling.

New players start at maximum energy, so the game server loads the shared bench
content pack (``bench_content``: energy caps raised, an ``overcharge`` tier adding
one point): every purchase succeeds, each with a fresh idempotency key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

CONCURRENCY = (1, 10, 100)
OPERATIONS = ("purchase_energy_refill", "get_state")
WARMUP_SECONDS = 0.2
MAX_FRAME_BYTES = 65536
TARGET_RATIO = 0.5


# --- the servers (run with --serve, in a subprocess) -----------------------------


async def serve_game(ready: Callable[[int], None], compression: bool) -> None:
    """BaoLife's ``GameServer`` on the bench content, until stdin closes."""
    import structlog
    from bench_content import bench_catalog

    from baolife_app import configure_logging
    from baolife_core import GameService, InMemoryStore
    from baolife_transport_ws import GameServer, ServerConfig

    configure_logging()  # production's processors; only the sink differs
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))
    catalog = bench_catalog()
    assert catalog.energy.max == 10_000, catalog.energy
    service = GameService(InMemoryStore(), catalog)
    config = ServerConfig(
        port=0, token_secret="bench-secret-0123456789abcdef", compression=compression
    )
    async with GameServer(service, config) as server:
        ready(server.port)
        await _until_stdin_closes()


async def serve_echo(ready: Callable[[int], None], compression: bool) -> None:
    """The baseline: parse JSON, dump JSON back; same websockets settings."""

    async def echo(websocket: ServerConnection) -> None:
        async for message in websocket:
            await websocket.send(json.dumps(json.loads(message)))

    async with serve(
        echo,
        "127.0.0.1",
        0,
        max_size=MAX_FRAME_BYTES,
        compression=_compression(compression),
    ) as server:
        ready(server.sockets[0].getsockname()[1])
        await _until_stdin_closes()


def _compression(enabled: bool) -> str | None:
    """The ``compression`` argument of websockets' ``serve`` and ``connect``."""
    return "deflate" if enabled else None


async def _until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def run_server(kind: str, compression: bool) -> None:
    def ready(port: int) -> None:
        print(port, flush=True)

    serve_kind = serve_game if kind == "game" else serve_echo
    asyncio.run(serve_kind(ready, compression))


# --- the clients (this process) -----------------------------------------------


class ServerProcess:
    """A server subprocess; ``port`` once it listens."""

    def __init__(self, kind: str, compression: bool) -> None:
        self.kind = kind
        self.compression = compression
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> ServerProcess:
        flags = [] if self.compression else ["--no-compression"]
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            self.kind,
            *flags,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        async with asyncio.timeout(30):
            self.port = int(await self._process.stdout.readline())
        return self

    async def __aexit__(self, *_: object) -> None:
        process = self._process
        assert process is not None
        assert process.stdin is not None
        process.stdin.close()
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def request_frame(operation: str, rid: str) -> str:
    if operation == "get_state":
        return json.dumps({"type": "get_state", "rid": rid})
    return json.dumps(
        {
            "type": "purchase_energy_refill",
            "refill_type": "overcharge",
            "idempotency_key": str(uuid.uuid4()),
            "rid": rid,
        }
    )


async def await_reply(connection: ClientConnection, rid: str) -> dict[str, Any]:
    """The message answering ``rid``, from a bare frame or a batch."""
    while True:
        frame = json.loads(await connection.recv())
        messages = frame["messages"] if frame.get("type") == "batch" else [frame]
        for message in messages:
            if message.get("rid") == rid:
                if message.get("type") == "error":
                    raise RuntimeError(f"server refused the request: {message}")
                return dict(message)


async def client_loop(
    connection: ClientConnection,
    operation: str,
    warmup_until: float,
    stop_at: float,
    latencies: list[float],
) -> None:
    count = 0
    while True:
        started = time.perf_counter()
        if started >= stop_at:
            return
        count += 1
        rid = str(count)
        await connection.send(request_frame(operation, rid))
        await await_reply(connection, rid)
        if started >= warmup_until:
            latencies.append(time.perf_counter() - started)


async def measure(
    server: ServerProcess, operation: str, clients: int, seconds: float
) -> list[float]:
    """Round-trip latencies (s) of ``clients`` concurrent loops over ``seconds``."""
    url = f"ws://127.0.0.1:{server.port}/"
    compression = _compression(server.compression)
    connections = [
        await connect(url, max_size=None, compression=compression)
        for _ in range(clients)
    ]
    try:
        for connection in connections:
            negotiated = connection.response.headers.get("Sec-WebSocket-Extensions")
            assert bool(negotiated) == server.compression, negotiated
            if server.kind == "game":
                await connection.send(
                    json.dumps({"type": "hello", "device_id": str(uuid.uuid4())})
                )
                reply = json.loads(await connection.recv())
                assert reply["type"] == "welcome", reply
        latencies: list[float] = []
        start = time.perf_counter()
        warmup_until = start + WARMUP_SECONDS
        stop_at = warmup_until + seconds
        await asyncio.gather(
            *(
                client_loop(c, operation, warmup_until, stop_at, latencies)
                for c in connections
            )
        )
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    return latencies


class Cell:
    """One (operation, clients) measurement: rounds of both servers."""

    def __init__(self, operation: str, clients: int) -> None:
        self.operation = operation
        self.clients = clients
        self.rates: dict[str, list[float]] = {"game": [], "echo": []}  # per round
        self.latencies: dict[str, list[float]] = {"game": [], "echo": []}  # pooled

    def add(self, kind: str, latencies: list[float], seconds: float) -> None:
        self.rates[kind].append(len(latencies) / seconds)
        self.latencies[kind] += latencies

    def rate(self, kind: str) -> float:
        """Round trips per second of the median round."""
        return statistics.median(self.rates[kind])

    def ratio(self) -> float:
        """The median over rounds of BaoLife's rate over the baseline's."""
        pairs = zip(self.rates["game"], self.rates["echo"], strict=True)
        return statistics.median(ours / base for ours, base in pairs)

    def percentiles(self, kind: str) -> tuple[float, float]:
        """(p50, p99) in ms over every round."""
        ordered = sorted(self.latencies[kind])
        p50 = ordered[len(ordered) // 2]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return 1000 * p50, 1000 * p99


async def main(seconds: float, rounds: int, compression: bool) -> int:
    """Measure every cell, alternating servers round by round, and print."""
    cells = []
    share = seconds / rounds
    async with (
        ServerProcess("game", compression) as game,
        ServerProcess("echo", compression) as echo,
    ):
        for operation in OPERATIONS:
            for clients in CONCURRENCY:
                cell = Cell(operation, clients)
                for round_ in range(rounds):  # interleaved: noise hits both alike
                    order = (game, echo) if round_ % 2 == 0 else (echo, game)
                    for server in order:
                        latencies = await measure(server, operation, clients, share)
                        cell.add(server.kind, latencies, share)
                cells.append(cell)
    deflate = "on, negotiated by every client" if compression else "off"
    print(
        f"both servers: websockets, max frame {MAX_FRAME_BYTES} B, "
        f"permessage-deflate {deflate}; {rounds} rounds of {share:.2f} s per cell"
        " and server\n"
    )
    print_table(cells)
    worst = min(cell.ratio() for cell in cells)
    print(f"\nworst ratio {worst:.2f} (target >= {TARGET_RATIO})")
    return 0


def print_table(cells: Sequence[Cell]) -> None:
    print(
        f"{'operation':<24}{'clients':>8} | {'baolife rt/s':>12}{'p50 ms':>8}"
        f"{'p99 ms':>8} | {'echo rt/s':>10}{'p50 ms':>8}{'p99 ms':>8} | {'ratio':>6}"
    )
    print("-" * 104)
    for cell in cells:
        ours, base = cell.percentiles("game"), cell.percentiles("echo")
        print(
            f"{cell.operation:<24}{cell.clients:>8} | {cell.rate('game'):>12.0f}"
            f"{ours[0]:>8.2f}{ours[1]:>8.2f} | {cell.rate('echo'):>10.0f}"
            f"{base[0]:>8.2f}{base[1]:>8.2f} | {cell.ratio():>5.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per cell, server")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--no-compression",
        dest="compression",
        action="store_false",
        help="no permessage-deflate on either server or any client",
    )
    parser.add_argument("--serve", choices=("game", "echo"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        with contextlib.suppress(KeyboardInterrupt):
            run_server(arguments.serve, arguments.compression)
    else:
        sys.exit(
            asyncio.run(
                main(arguments.seconds, arguments.rounds, arguments.compression)
            )
        )
