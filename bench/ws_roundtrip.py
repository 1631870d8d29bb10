"""Benchmark: WebSocket round trips through ``GameServer`` vs a bare echo server.

    uv run python bench/ws_roundtrip.py [--seconds 2.0]

For ``purchase_energy_refill`` and ``get_state`` at 1, 10 and 100 concurrent
clients, each client does sequential request → reply round trips for ``--seconds``
(after a short warm-up that is not counted). The table shows round trips per second
and p50/p99 latency for BaoLife, the same for the baseline, and their ratio
(target: BaoLife >= 0.5x the baseline).

The baseline is a bare ``websockets`` server with the same settings that parses
each frame as JSON and sends it back dumped as JSON; it gets the very same client
frames. BaoLife's server runs the full path: envelope checks, ``command_from_wire``,
the per-player lock, ``GameService.execute`` on the thread pool against an
``InMemoryStore``, the outgoing batcher, and one JSON log line per request
(rendered, written to /dev/null).

How it is run: each server runs in its own subprocess (its own interpreter and
GIL, like a production worker), the clients in this process on one event loop;
everything on 127.0.0.1. On a small machine the client process can be the
bottleneck, which flatters the ratio at high concurrency: the baseline's figures
are a floor for "what websockets alone can do", not a ceiling.

New players start at maximum energy, so the game server loads a bench content
directory (the bundled content copied to a temporary directory, with energy
``max = 10000``, ``overfill_cap = 100000``, ``starting_diamonds = 1000000`` and the
``overcharge`` tier adding ``energy = 1``): every purchase succeeds, each with a
fresh idempotency key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

CONCURRENCY = (1, 10, 100)
OPERATIONS = ("purchase_energy_refill", "get_state")
WARMUP_SECONDS = 0.2
MAX_FRAME_BYTES = 65536
TARGET_RATIO = 0.5

# economy.toml edits, by (table, entry id or None, key) → new value
_ECONOMY_EDITS = {
    ("wallet", None, "starting_diamonds"): "1000000",
    ("energy", None, "max"): "10000",
    ("energy", None, "overfill_cap"): "100000",
    ("energy_refills", "overcharge", "energy"): "1",
}


# --- the servers (run with --serve, in a subprocess) -----------------------------


def write_bench_content(target: Path) -> Path:
    """Copy the bundled content to ``target`` and raise the economy's caps."""
    with resources.as_file(resources.files("baolife_core") / "content") as source:
        shutil.copytree(source, target, dirs_exist_ok=True)
    economy = target / "economy.toml"
    table, entry, done, lines = "", None, set(), []
    for line in economy.read_text(encoding="utf-8").splitlines(keepends=True):
        header = re.match(r"^\s*\[\[?([\w.]+)\]\]?\s*$", line)
        pair = re.match(r"^(\s*)(\w+)(\s*=\s*)([^#\n]*?)(\s*(#.*)?)$", line)
        if header:
            table, entry = header.group(1), None
        elif pair:
            key = pair.group(2)
            if key == "id":
                entry = pair.group(4).strip().strip('"')
            edit = _ECONOMY_EDITS.get((table, entry, key))
            if edit is not None:
                line = f"{pair.group(1)}{key}{pair.group(3)}{edit}{pair.group(5)}\n"
                done.add((table, entry, key))
        lines.append(line)
    missing = set(_ECONOMY_EDITS) - done
    if missing:
        wanted = sorted(missing, key=str)
        raise SystemExit(f"bench content: economy.toml has no {wanted}")
    economy.write_text("".join(lines), encoding="utf-8")
    return target


async def serve_game(ready: Callable[[int], None]) -> None:
    """BaoLife's ``GameServer`` on the bench content, until stdin closes."""
    import structlog

    from baolife_core import GameService, InMemoryStore, load_catalog
    from baolife_transport_ws import GameServer, ServerConfig

    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(file=sink),
        cache_logger_on_first_use=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        catalog = load_catalog(write_bench_content(Path(tmp)))
    assert catalog.energy.max == 10_000, catalog.energy
    service = GameService(InMemoryStore(), catalog)
    config = ServerConfig(port=0, token_secret="bench-secret-0123456789abcdef")
    async with GameServer(service, config) as server:
        ready(server.port)
        await _until_stdin_closes()


async def serve_echo(ready: Callable[[int], None]) -> None:
    """The baseline: parse JSON, dump JSON back; same websockets settings."""

    async def echo(websocket: ServerConnection) -> None:
        async for message in websocket:
            await websocket.send(json.dumps(json.loads(message)))

    async with serve(echo, "127.0.0.1", 0, max_size=MAX_FRAME_BYTES) as server:
        ready(server.sockets[0].getsockname()[1])
        await _until_stdin_closes()


async def _until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def run_server(kind: str) -> None:
    def ready(port: int) -> None:
        print(port, flush=True)

    asyncio.run(serve_game(ready) if kind == "game" else serve_echo(ready))


# --- the clients (this process) -----------------------------------------------


class ServerProcess:
    """A server subprocess; ``port`` once it listens."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> ServerProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            self.kind,
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
    port: int, hello: bool, operation: str, clients: int, seconds: float
) -> list[float]:
    """Round-trip latencies (s) of ``clients`` concurrent loops over ``seconds``."""
    url = f"ws://127.0.0.1:{port}/"
    connections = [await connect(url, max_size=None) for _ in range(clients)]
    try:
        if hello:
            for connection in connections:
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


def summary(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    """(round trips/s, p50 ms, p99 ms)."""
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / seconds, 1000 * p50, 1000 * p99


async def main(seconds: float, rounds: int) -> int:
    """Measure every cell, alternating servers round by round, and print."""
    rows = []
    share = seconds / rounds
    async with ServerProcess("game") as game, ServerProcess("echo") as echo:
        for operation in OPERATIONS:
            for clients in CONCURRENCY:
                ours: list[float] = []
                base: list[float] = []
                for _ in range(rounds):  # interleaved, so noise hits both alike
                    ours += await measure(game.port, True, operation, clients, share)
                    base += await measure(echo.port, False, operation, clients, share)
                rows.append(
                    (operation, clients, summary(ours, seconds), summary(base, seconds))
                )
    print_table(rows)
    worst = min(ours[0] / base[0] for _, _, ours, base in rows)
    print(f"\nworst ratio {worst:.2f} (target >= {TARGET_RATIO})")
    return 0


def print_table(rows: Sequence[tuple[str, int, Any, Any]]) -> None:
    print(
        f"{'operation':<24}{'clients':>8} | {'baolife rt/s':>12}{'p50 ms':>8}"
        f"{'p99 ms':>8} | {'echo rt/s':>10}{'p50 ms':>8}{'p99 ms':>8} | {'ratio':>6}"
    )
    print("-" * 104)
    for operation, clients, ours, base in rows:
        print(
            f"{operation:<24}{clients:>8} | {ours[0]:>12.0f}{ours[1]:>8.2f}"
            f"{ours[2]:>8.2f} | {base[0]:>10.0f}{base[1]:>8.2f}{base[2]:>8.2f} | "
            f"{ours[0] / base[0]:>5.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per cell, server")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--serve", choices=("game", "echo"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        with contextlib.suppress(KeyboardInterrupt):
            run_server(arguments.serve)
    else:
        sys.exit(asyncio.run(main(arguments.seconds, arguments.rounds)))
