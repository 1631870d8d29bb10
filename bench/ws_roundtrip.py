"""Benchmark: BaoLife's WebSocket server beside bare ``websockets`` servers.

    uv run python bench/ws_roundtrip.py [--parts roundtrip,tick,memory]
        [--seconds 2.0] [--rounds 5] [--clients 1,10,100,1000]
        [--players 1000] [--tick-rounds 10] [--connections 1000]
        [--memory-rounds 2] [--no-compression]

Three parts (``--parts``, default all); each prints its measurements, then a
table of its figures beside their baselines with the targets of issue 7, item 12,
marked "met" or "NOT met".

``roundtrip``: for ``purchase_energy_refill`` and ``get_state`` at 1, 10, 100 and
1,000 concurrent clients (``--clients``), each client does sequential request →
reply round trips. Three servers are measured: BaoLife with the ``ServerConfig``
defaults (batching on: up to 10 messages a frame, pushes within 100 ms; the
periodic tick on too, pushing a ``time_update`` to every client every 5 s, which
the clients read past), BaoLife
with batching off (``batch_max_messages=1``: one message a frame), and the
baseline, a bare ``websockets`` server that parses each frame as JSON and sends it
back dumped as JSON (it gets the very same client frames). A round trip counts
toward the rate when it ends within the measured window, which opens once every
client has had a reply and a warm-up of ``WARMUP_SECONDS`` has passed (at 1,000
clients a reply takes longer than that) and lasts ``--seconds / --rounds``;
latencies are those of the round trips that started within it. Targets, at 10
and 100 clients, for both BaoLife servers: round trips per second >= 0.6x the
echo server's; p99 <= 2x the echo's p99. The 1 and 1,000 client rows are shown
without a target: one client measures the bare path, and at 1,000 the client
process is the bottleneck. Each server's CPU time per round trip (user + system,
every thread, from ``/proc/<pid>/stat``) is printed too, and the floor of the rate
target (``print_floor``): the CPU per request the target leaves a server that is
the bottleneck (1 / (0.6 x the echo's rate)), beside the least a game server
spends: the echo server's own CPU per round trip, plus the game's work and its
reply's encoding (``engine_us``), plus the request's log line (``log_line_us``),
each measured warm in the client process. A floor above the budget means no
transport work can meet the target for that operation.

``tick``: ``--players`` (1,000) connections, logged in to BaoLife with new device
ids, and as many connections to a bare ``websockets`` server. A round is
triggered by a line on the server subprocess' stdin: BaoLife runs
``GameServer.tick()`` (the public coroutine of one game-tick round: advance every
connected player, queue its ``time_update``, flushed at once), the baseline calls
``websockets.broadcast`` over all its connections with a payload of the same JSON
size (the very frame a BaoLife client received in the warm-up round). The
figure is the time from writing the trigger until every client has received its
frame (the clients parse it); rounds alternate the servers (``--tick-rounds``
each, after one warm-up round each), the figure is the median round and the ratio
the median of paired rounds' ratios. Target: <= 1.5x the broadcast. Each server
also reports how long its own part took (``await server.tick()``, which returns
once every message is queued; the ``broadcast`` call); BaoLife's per player is
the tick's cost per connected player.

``memory``: the resident set (``VmRSS`` of ``/proc/<pid>/status``, read by the
server after ``gc.collect()``) of a fresh server subprocess before and after
opening ``--connections`` (1,000) idle connections; before is measured after 20
connections were opened, used and closed, so first-use allocations are not
counted. A BaoLife connection is logged in (``hello``, new device) and ticked
once (an idle player in production is ticked every interval, and the tick keeps
the state it ticked per player); a bare one has echoed one message. The figure
is (after - before) / connections for each, and the difference. A BaoLife player
also has a record in the store; the store here (``InMemoryStore``) holds it in
the server process, while production's SQL store keeps it in the database (and
its snapshot cache), so a third subprocess measures the same number of players
created through ``GameService.login_device`` alone (what ``hello`` does, no
connection), and the table shows the connection without that record too.
Target: <= 25 KiB per idle connection beyond the bare server. Rounds
(``--memory-rounds``) alternate the servers; each figure is its median round.

How it is run: each server runs in its own subprocess (its own interpreter and
GIL, like a production worker), with ``RLIMIT_NOFILE`` raised to its hard limit
(as in the client process); the clients run in this process on one event loop,
opening connections 50 at a time; everything on 127.0.0.1. The servers use the
same ``websockets`` settings: the 64 KiB frame limit and permessage-deflate
(negotiated by every client), or no compression at all with
``--no-compression``; the output says which. BaoLife's server is built as
production builds it, with the ``ServerConfig`` defaults (worker threads
included; the tick part switches the periodic tick off,
``tick_interval_seconds=None``, and triggers rounds itself) and the production
logging configuration (``baolife_app.configure_logging``, rendered JSON written
to /dev/null), and runs the full path: envelope checks, ``command_from_wire``,
the per-player lock, ``GameService.execute`` on a worker thread against an
``InMemoryStore`` (treated as blocking like any store), the outgoing batcher, and
one log line per request. Measurements alternate the servers round by round (and
which goes first), so a noisy neighbour hits all alike. On a small machine the
client process can be the bottleneck, which flattens the ratios at high
concurrency: the baseline's figures are a floor for "what websockets alone can
do", not a ceiling.

New players start at maximum energy, so the game server loads the shared bench
content pack (``bench_content``: energy caps raised, an ``overcharge`` tier adding
one point for 50 of the 1,000,000 diamonds a player starts with): every purchase
succeeds, each with a fresh idempotency key, up to 20,000 purchases per client
and cell (each cell opens its clients as new players).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import resource
import statistics
import sys
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, TextIO

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

PARTS = ("roundtrip", "tick", "memory")
CONCURRENCY = (1, 10, 100, 1000)
TARGET_CONCURRENCY = (10, 100)  # the clients at which the round-trip targets apply
OPERATIONS = ("purchase_energy_refill", "get_state")
WARMUP_SECONDS = 0.2
MAX_FRAME_BYTES = 65536
CONNECT_AT_ONCE = 50  # connections opening at once (under the listen backlog)
SETTLE_CONNECTIONS = 20  # opened, used and closed before the memory baseline
RATE_TARGET = 0.6  # round trips per second, BaoLife / echo, at 10-100 clients
P99_TARGET = 2.0  # p99, BaoLife / echo, at 10-100 clients
TICK_TARGET = 1.5  # tick fan-out / broadcast
MEMORY_TARGET_KIB = 25.0  # per idle connection, beyond the bare server
TIMEOUT_SECONDS = 120.0  # for any one step (a round, opening a pool): a hang fails
Command = Callable[[str], Awaitable[str]]


def raise_fd_limit() -> None:
    """Raise the open-files limit to the hard limit (1,000 sockets and more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1 << 16 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# --- the servers (run with --serve, in a subprocess) -----------------------------


async def serve_game(
    ready: Callable[[int], None], compression: bool, batch: int, tick: bool
) -> None:
    """BaoLife's ``GameServer`` on the bench content, until stdin closes.

    Commands on stdin: ``tick`` (one round; answers its seconds and players),
    ``players N`` (creates N players as ``hello`` does, without connections) and
    ``rss``.
    """
    from bench_content import bench_catalog

    from baolife_app import freeze_startup_heap
    from baolife_core import GameService, InMemoryStore
    from baolife_transport_ws import GameServer, ServerConfig

    log_to(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    catalog = bench_catalog()
    assert catalog.energy.max == 10_000, catalog.energy
    service = GameService(InMemoryStore(), catalog)
    settings: dict[str, Any] = {"batch_max_messages": batch}
    if not tick:
        settings["tick_interval_seconds"] = None
    config = ServerConfig(
        port=0,
        token_secret="bench-secret-0123456789abcdef",
        compression=compression,
        **settings,
    )

    async with GameServer(service, config) as server:
        freeze_startup_heap()  # as ``baolife serve`` does once started

        async def tick_round(_: str) -> str:
            started = time.perf_counter()
            pushed = await server.tick()
            return f"{time.perf_counter() - started} {pushed}"

        async def players(count: str) -> str:
            at = time.time_ns() // 1_000_000
            for seed in range(int(count)):
                service.login_device(
                    str(uuid.uuid4()), new_player_id=str(uuid.uuid4()), seed=seed, at=at
                )
            return count

        ready(server.port)
        await obey_stdin({"tick": tick_round, "players": players, "rss": rss})


def log_to(sink: TextIO) -> None:
    """Production's logging configuration (``configure_logging``: its processors,
    JSON lines), writing to ``sink``: only the sink differs."""
    import structlog

    from baolife_app import configure_logging

    configure_logging()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))


async def serve_echo(ready: Callable[[int], None], compression: bool) -> None:
    """The baseline: parse JSON, dump JSON back; same websockets settings.

    Commands on stdin: ``payload TEXT`` (what to broadcast), ``broadcast`` (to
    every connection; answers the call's seconds and the connections) and ``rss``.
    """

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
        payload = [""]

        async def set_payload(text: str) -> str:
            payload[0] = text
            return str(len(text))

        async def broadcast_round(_: str) -> str:
            started = time.perf_counter()
            connections = server.connections
            broadcast(connections, payload[0])
            return f"{time.perf_counter() - started} {len(connections)}"

        ready(server.sockets[0].getsockname()[1])
        await obey_stdin(
            {"payload": set_payload, "broadcast": broadcast_round, "rss": rss}
        )


def _compression(enabled: bool) -> str | None:
    """The ``compression`` argument of websockets' ``serve`` and ``connect``."""
    return "deflate" if enabled else None


async def obey_stdin(commands: dict[str, Command]) -> None:
    """Run each ``NAME [ARGUMENT]`` line of stdin; print the answer; until EOF."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := await reader.readline():
        name, _, argument = line.decode().rstrip("\n").partition(" ")
        print(await commands[name](argument), flush=True)


async def rss(_: str) -> str:
    """This process' resident set in KiB, after a full garbage collection."""
    gc.collect()
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return line.split()[1]  # "VmRSS:   123456 kB"
    raise RuntimeError("no VmRSS in /proc/self/status")


def run_server(kind: str, compression: bool, batch: int, tick: bool) -> None:
    raise_fd_limit()

    def ready(port: int) -> None:
        print(port, flush=True)

    if kind == "game":
        asyncio.run(serve_game(ready, compression, batch, tick))
    else:
        asyncio.run(serve_echo(ready, compression))


# --- the clients (this process) -----------------------------------------------


class ServerProcess:
    """A server subprocess; ``port`` once it listens, ``command`` to control it."""

    def __init__(
        self,
        label: str,
        kind: str,
        compression: bool,
        *,
        batch: int = 10,
        tick: bool = True,
    ) -> None:
        self.label = label  # how the output names it
        self.kind = kind  # "game" or "echo"
        self.compression = compression
        self.port = 0
        self._flags = [] if compression else ["--no-compression"]
        if kind == "game":
            self._flags += ["--batch", str(batch)] + ([] if tick else ["--no-tick"])
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> ServerProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            self.kind,
            *self._flags,
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

    async def command(self, line: str) -> str:
        """Send one command line to the server; its one-line answer."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(line.encode() + b"\n")
        await process.stdin.drain()
        answer = await process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the {self.label} server died on {line[:20]!r}")
        return answer.decode().strip()

    def cpu_seconds(self) -> float:
        """The CPU time the server process has used so far (user + system)."""
        assert self._process is not None
        with open(f"/proc/{self._process.pid}/stat", encoding="ascii") as stat:
            # Fields 14 and 15 (utime, stime), counted after the ")" closing comm.
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def rss_kib(self) -> int:
        return int(await self.command("rss"))


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


def messages_of(text: str | bytes) -> list[dict[str, Any]]:
    """The messages of one frame: a bare message or a batch."""
    frame = json.loads(text)
    return list(frame["messages"]) if frame.get("type") == "batch" else [frame]


async def await_reply(connection: ClientConnection, rid: str) -> dict[str, Any]:
    """The message answering ``rid``, from a bare frame or a batch."""
    while True:
        for message in messages_of(await connection.recv()):
            if message.get("rid") == rid:
                if message.get("type") == "error":
                    raise RuntimeError(f"server refused the request: {message}")
                return message


async def open_clients(server: ServerProcess, count: int) -> list[ClientConnection]:
    """``count`` connections, each logged in (BaoLife) or having echoed once."""
    url = f"ws://127.0.0.1:{server.port}/"
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def one() -> ClientConnection:
        async with gate:
            connection = await connect(
                url, max_size=None, compression=_compression(server.compression)
            )
            try:
                assert connection.response is not None
                negotiated = connection.response.headers.get("Sec-WebSocket-Extensions")
                assert bool(negotiated) == server.compression, negotiated
                first = {"type": "hello", "device_id": str(uuid.uuid4()), "rid": "0"}
                if server.kind != "game":
                    first = {"type": "ping", "rid": "0"}  # echoed
                await connection.send(json.dumps(first))
                reply = await await_reply(connection, "0")
                assert server.kind != "game" or reply["type"] == "welcome", reply
            except BaseException:
                await connection.close()
                raise
            return connection

    async with asyncio.timeout(TIMEOUT_SECONDS):
        opened = await asyncio.gather(
            *(one() for _ in range(count)), return_exceptions=True
        )
    clients = [c for c in opened if isinstance(c, ClientConnection)]
    failed = [e for e in opened if not isinstance(e, ClientConnection)]
    if failed:
        await close_clients(clients)
        raise RuntimeError(f"{len(failed)} of {count} connections failed: {failed[0]}")
    return clients


async def close_clients(clients: Sequence[ClientConnection]) -> None:
    await asyncio.gather(*(c.close() for c in clients))


class Row(NamedTuple):
    """One figure of a part's target table."""

    figure: str
    value: str  # as printed
    baseline: str  # as printed
    ratio: float  # value / baseline
    target: str
    met: bool


# --- part 1: round trips --------------------------------------------------------


class Window:
    """The measured window of one round: it opens once every client has had a
    reply and ``WARMUP_SECONDS`` have passed, and lasts ``seconds``."""

    def __init__(self, clients: int, seconds: float) -> None:
        self.waiting = clients  # clients without a reply yet
        self.seconds = seconds
        self.earliest = time.perf_counter() + WARMUP_SECONDS
        self.start = float("inf")  # set when it opens
        self.end = float("inf")

    def replied(self, at: float) -> None:
        """A client had its first reply at ``at``."""
        self.waiting -= 1
        if not self.waiting:
            self.start = max(at, self.earliest)
            self.end = self.start + self.seconds


async def client_loop(
    connection: ClientConnection,
    operation: str,
    window: Window,
    spans: list[tuple[float, float]],
) -> None:
    """Sequential round trips until the window ends; each one's (start, end)."""
    count = 0
    while True:
        started = time.perf_counter()
        if started >= window.end:
            return
        count += 1
        rid = str(count)
        await connection.send(request_frame(operation, rid))
        await await_reply(connection, rid)
        ended = time.perf_counter()
        spans.append((started, ended))
        if count == 1:
            window.replied(ended)


class Cell:
    """One (operation, clients) measurement: rounds of every server."""

    def __init__(self, operation: str, clients: int, labels: Sequence[str]) -> None:
        self.operation = operation
        self.clients = clients
        self.rates: dict[str, list[float]] = {k: [] for k in labels}  # per round
        self.cpu: dict[str, list[float]] = {k: [] for k in labels}  # s per rt, round
        self.latencies: dict[str, list[float]] = {k: [] for k in labels}  # pooled

    async def measure(
        self, server: ServerProcess, clients: Sequence[ClientConnection], seconds: float
    ) -> None:
        """One round: every client loops through a warm-up and the window."""
        spans: list[tuple[float, float]] = []
        window = Window(len(clients), seconds)
        cpu = server.cpu_seconds()
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await asyncio.gather(
                *(client_loop(c, self.operation, window, spans) for c in clients)
            )
        self.cpu[server.label].append((server.cpu_seconds() - cpu) / len(spans))
        ended = sum(window.start <= end < window.end for _, end in spans)
        self.rates[server.label].append(ended / seconds)
        self.latencies[server.label] += [
            end - start for start, end in spans if start >= window.start
        ]

    def rate(self, label: str) -> float:
        """Round trips per second of the median round."""
        return statistics.median(self.rates[label])

    def ratio(self, label: str, baseline: str) -> float:
        """The median over rounds of ``label``'s rate over ``baseline``'s."""
        pairs = zip(self.rates[label], self.rates[baseline], strict=True)
        return statistics.median(ours / base if base else 0.0 for ours, base in pairs)

    def cpu_us(self, label: str) -> float:
        """The server's CPU time (every thread) per round trip, median round, µs."""
        return 1e6 * statistics.median(self.cpu[label])

    def percentiles(self, label: str) -> tuple[float, float]:
        """(p50, p99) in ms over every round."""
        return percentile(self.latencies[label], 0.5), percentile(
            self.latencies[label], 0.99
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile of seconds, in ms (nan if there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def roundtrip_part(
    seconds: float, rounds: int, concurrency: Sequence[int], compression: bool
) -> list[Row]:
    share = seconds / rounds
    cells = []
    async with (
        ServerProcess("baolife", "game", compression) as batched,
        ServerProcess("unbatched", "game", compression, batch=1) as unbatched,
        ServerProcess("echo", "echo", compression) as echo,
    ):
        servers = (batched, unbatched, echo)
        labels = [s.label for s in servers]
        for operation in OPERATIONS:
            for clients in concurrency:
                cell = Cell(operation, clients, labels)
                pools = [await open_clients(s, clients) for s in servers]
                try:
                    for round_ in range(rounds):  # interleaved: noise hits all alike
                        turn = round_ % len(servers)
                        order = list(zip(servers, pools, strict=True))
                        for server, pool in order[turn:] + order[:turn]:
                            await cell.measure(server, pool, share)
                finally:
                    for pool in pools:
                        await close_clients(pool)
                cells.append(cell)
    print(
        f"round trips: {rounds} rounds of {WARMUP_SECONDS:.2f} s warm-up + "
        f"{share:.2f} s per cell and server; rt/s of the median round, "
        "latencies of every round\n"
    )
    heads = "".join(
        f" | {label + ' rt/s':>14}{'p50 ms':>8}{'p99 ms':>8}" for label in labels
    )
    print(f"{'operation':<24}{'clients':>8}{heads} | {'ratios':>11}")
    print("-" * (32 + 33 * len(labels) + 14))
    for cell in cells:
        line = f"{cell.operation:<24}{cell.clients:>8}"
        for label in labels:
            p50, p99 = cell.percentiles(label)
            line += f" | {cell.rate(label):>14.0f}{p50:>8.2f}{p99:>8.2f}"
        ratios = (cell.ratio(label, "echo") for label in labels[:-1])
        print(line + " | " + " ".join(f"{r:>4.2f}x" for r in ratios))
    print(
        "\nserver CPU per round trip (user + system, every thread; µs, median "
        "round): what each server spends on one request"
    )
    print(f"{'operation':<24}{'clients':>8}" + "".join(f"{s:>12}" for s in labels))
    for cell in cells:
        line = f"{cell.operation:<24}{cell.clients:>8}"
        print(line + "".join(f"{cell.cpu_us(label):>12.0f}" for label in labels))
    print_floor(cells, compression)
    rows = []
    for cell in cells:
        if cell.clients not in TARGET_CONCURRENCY:
            continue
        echo_p99 = cell.percentiles("echo")[1]
        for label in labels[:-1]:
            name = f"{cell.operation} x{cell.clients} {label}"
            ours = cell.rate(label)
            ratio = cell.ratio(label, "echo")
            rows.append(
                Row(
                    f"{name} rt/s",
                    f"{ours:.0f}",
                    f"{cell.rate('echo'):.0f}",
                    ratio,
                    f">= {RATE_TARGET}x",
                    ratio >= RATE_TARGET,
                )
            )
            p99 = cell.percentiles(label)[1]
            rows.append(
                Row(
                    f"{name} p99 ms",
                    f"{p99:.2f}",
                    f"{echo_p99:.2f}",
                    p99 / echo_p99,
                    f"<= {P99_TARGET}x",
                    p99 <= P99_TARGET * echo_p99,
                )
            )
    return rows


def engine_us(operation: str, compression: bool) -> float:
    """µs of the game's own work for one ``operation``, warm, in this process.

    What no transport can skip: for a purchase, ``GameService.execute`` on an
    ``InMemoryStore`` (the engine step, achievements, quests, statistics, the
    store's append); for ``get_state``, the load and ``client_view``. Then the
    reply's JSON text and, with ``compression``, its deflate (a compressor that
    keeps its context, as permessage-deflate does): a view is kilobytes where the
    echo sends back tens of bytes. Not counted: parsing the request and framing
    (the echo does those too). Over ten players, timed by ``best_us``.
    """
    from bench_content import bench_catalog

    from baolife_core import GameService, InMemoryStore, PurchaseEnergyRefill, to_wire
    from baolife_core.view import client_view
    from baolife_transport_ws.batcher import encode

    catalog = bench_catalog()
    service = GameService(InMemoryStore(), catalog)
    at = time.time_ns() // 1_000_000
    players = [
        service.login_device(str(n), new_player_id=str(n), seed=n, at=at)
        for n in range(10)
    ]
    step = itertools.count()

    deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)

    def send(reply: dict[str, Any]) -> None:
        text = encode(reply).encode()  # the text the server's batcher sends
        if compression:
            deflate.compress(text)
            deflate.flush(zlib.Z_SYNC_FLUSH)

    def purchase() -> None:
        n = next(step)
        command = PurchaseEnergyRefill(
            at=at + n, refill_type="overcharge", idempotency_key=str(n)
        )
        send(to_wire(service.execute(players[n % 10], command).reply))

    def view() -> None:
        n = next(step)
        send(client_view(service.load(players[n % 10]).state, at + n, catalog))

    return best_us(purchase if operation == "purchase_energy_refill" else view)


def best_us(run: Callable[[], None], calls: int = 3000, repeat: int = 5) -> float:
    """µs per call of ``run``: the best of ``repeat`` runs of ``calls`` calls."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(calls):
            run()
        best = min(best, time.perf_counter() - started)
    return 1e6 * best / calls


def log_line_us() -> float:
    """µs of the one log line a request writes (issue 7 item 6), warm: the
    production processors (``configure_logging``) rendering to /dev/null, with the
    fields ``Session.handle`` logs."""
    import structlog

    with open(os.devnull, "w") as sink:
        log_to(sink)
        log = structlog.get_logger("bench").bind()
        player = str(uuid.uuid4())

        def line() -> None:
            log.info(
                "request",
                type="get_state",
                player_id=player,
                outcome="ok",
                duration_ms=1.2,
            )

        cost = best_us(line, calls=20_000)
    structlog.reset_defaults()
    return cost


def print_floor(cells: Sequence[Cell], compression: bool) -> None:
    """The CPU budget a rate target leaves a request, beside the least any game
    server spends: the echo's own CPU per round trip plus the game's work."""
    print(
        f"\nfloor of a {RATE_TARGET}x rate target (µs of server CPU per request): "
        "budget = 1 / (target x echo rt/s), the most a server that is the\n"
        "bottleneck may spend; floor = the echo server's CPU per round trip + "
        "the game's own work and its reply's encoding (engine_us) + the\n"
        "request's log line (log_line_us), both warm; not counted: metrics, rate "
        "limits, session lock, worker hop, batching"
    )
    print(
        f"{'operation':<24}{'clients':>8}{'budget':>10}{'echo':>8}{'game':>8}"
        f"{'log':>8}{'floor':>8}  verdict"
    )
    engine = {op: engine_us(op, compression) for op in {c.operation for c in cells}}
    log = log_line_us()
    for cell in cells:
        if cell.clients not in TARGET_CONCURRENCY:
            continue
        budget = 1e6 / (RATE_TARGET * cell.rate("echo"))
        echo = cell.cpu_us("echo")
        floor = echo + engine[cell.operation] + log
        verdict = "reachable" if floor <= budget else "below the floor"
        print(
            f"{cell.operation:<24}{cell.clients:>8}{budget:>10.0f}{echo:>8.0f}"
            f"{engine[cell.operation]:>8.0f}{log:>8.0f}{floor:>8.0f}  {verdict}"
        )


# --- part 2: tick fan-out --------------------------------------------------------


async def fan_out(
    server: ServerProcess, clients: Sequence[ClientConnection], trigger: str
) -> tuple[float, float, str]:
    """Trigger one round; (seconds until every client had its ``time_update``,
    the server's own seconds, one client's frame)."""

    async def receive(connection: ClientConnection) -> tuple[float, str]:
        while True:
            text = await connection.recv()
            if any(m.get("type") == "time_update" for m in messages_of(text)):
                return time.perf_counter(), str(text)

    async with asyncio.timeout(TIMEOUT_SECONDS):
        waiting = [asyncio.create_task(receive(c)) for c in clients]
        await asyncio.sleep(0)  # every receiver is now waiting in ``recv``
        started = time.perf_counter()
        answer = await server.command(trigger)
        received = await asyncio.gather(*waiting)
    own, count = answer.split()
    assert int(count) == len(clients), (answer, len(clients))
    return max(at for at, _ in received) - started, float(own), received[0][1]


async def tick_part(players: int, rounds: int, compression: bool) -> list[Row]:
    async with (
        ServerProcess("baolife", "game", compression, tick=False) as game,
        ServerProcess("broadcast", "echo", compression) as bare,
    ):
        game_clients = await open_clients(game, players)
        bare_clients = await open_clients(bare, players)
        try:
            _, _, frame = await fan_out(game, game_clients, "tick")  # warm-up
            await bare.command(f"payload {frame}")
            await fan_out(bare, bare_clients, "broadcast")
            times: dict[str, list[float]] = {"tick": [], "broadcast": []}
            own: dict[str, list[float]] = {"tick": [], "broadcast": []}
            for round_ in range(rounds):
                order = [
                    (game, game_clients, "tick"),
                    (bare, bare_clients, "broadcast"),
                ]
                for server, clients, trigger in (
                    order[round_ % 2 :] + order[: round_ % 2]
                ):
                    seconds, server_seconds, _ = await fan_out(server, clients, trigger)
                    times[trigger].append(seconds)
                    own[trigger].append(server_seconds)
        finally:
            await close_clients(game_clients)
            await close_clients(bare_clients)
    ratios = [t / b for t, b in zip(times["tick"], times["broadcast"], strict=True)]
    tick_ms = 1000 * statistics.median(times["tick"])
    broadcast_ms = 1000 * statistics.median(times["broadcast"])
    tick_own = statistics.median(own["tick"])
    print(
        f"tick fan-out: {players} connections per server, frame {len(frame)} B "
        f"({frame[:60]}…); {rounds} rounds each after a warm-up round\n"
    )
    print(f"{'server':<12}{'trigger → all received ms':>28}{'server side ms':>16}")
    print("-" * 56)
    for name, trigger in (("baolife", "tick"), ("broadcast", "broadcast")):
        rendered = " ".join(f"{1000 * t:.0f}" for t in times[trigger])
        print(
            f"{name:<12}{1000 * statistics.median(times[trigger]):>28.1f}"
            f"{1000 * statistics.median(own[trigger]):>16.1f}   rounds: {rendered}"
        )
    print(
        f"\nthe tick's own cost (await server.tick()): {1000 * tick_own:.1f} ms a "
        f"round, {1e6 * tick_own / players:.1f} µs per player"
    )
    ratio = statistics.median(ratios)
    return [
        Row(
            f"tick fan-out to {players} ms",
            f"{tick_ms:.1f}",
            f"{broadcast_ms:.1f}",
            ratio,
            f"<= {TICK_TARGET}x",
            ratio <= TICK_TARGET,
        )
    ]


# --- part 3: idle memory --------------------------------------------------------


async def idle_kib(server: ServerProcess, connections: int) -> float:
    """KiB of resident set per idle connection (module docstring)."""
    settle = await open_clients(server, SETTLE_CONNECTIONS)
    if server.kind == "game":
        await fan_out(server, settle, "tick")
    await close_clients(settle)
    before = await server.rss_kib()
    clients = await open_clients(server, connections)
    try:
        if server.kind == "game":
            await fan_out(server, clients, "tick")
        after = await server.rss_kib()
    finally:
        await close_clients(clients)
    return (after - before) / connections


async def store_kib(compression: bool, players: int) -> float:
    """KiB of resident set per player record in the ``InMemoryStore``."""
    async with ServerProcess("store", "game", compression, tick=False) as server:
        await server.command(f"players {SETTLE_CONNECTIONS}")
        before = await server.rss_kib()
        await server.command(f"players {players}")
        return (await server.rss_kib() - before) / players


async def memory_part(connections: int, rounds: int, compression: bool) -> list[Row]:
    per: dict[str, list[float]] = {"baolife": [], "bare": [], "store": []}
    for round_ in range(rounds):
        order = ["baolife", "bare", "store"]
        for label in order[round_ % 3 :] + order[: round_ % 3]:
            if label == "store":
                per[label].append(await store_kib(compression, connections))
                continue
            kind = "game" if label == "baolife" else "echo"
            async with ServerProcess(label, kind, compression, tick=False) as server:
                per[label].append(await idle_kib(server, connections))
    ours, bare, store = (
        statistics.median(per[k]) for k in ("baolife", "bare", "store")
    )
    print(
        f"idle memory: {connections} connections per fresh server, {rounds} rounds;"
        " KiB of resident set per connection (median round)\n"
    )
    print(f"{'what':<48}{'KiB':>8}   rounds")
    print("-" * 72)
    for text, value, key in (
        ("baolife: logged in, ticked once", ours, "baolife"),
        ("bare websockets: echoed one message", bare, "bare"),
        ("a player record in the InMemoryStore alone", store, "store"),
    ):
        rendered = " ".join(f"{v:.1f}" for v in per[key])
        print(f"{text:<48}{value:>8.1f}   {rendered}")
    return [
        Row(
            "idle connection KiB",
            f"{ours:.1f}",
            f"{bare:.1f}",
            ours / bare,
            f"<= +{MEMORY_TARGET_KIB:.0f} KiB",
            ours - bare <= MEMORY_TARGET_KIB,
        ),
        Row(
            "idle connection KiB, store record excluded",
            f"{ours - store:.1f}",
            f"{bare:.1f}",
            (ours - store) / bare,
            f"<= +{MEMORY_TARGET_KIB:.0f} KiB",
            ours - store - bare <= MEMORY_TARGET_KIB,
        ),
    ]


# --- the tables -------------------------------------------------------------------


def print_targets(rows: Sequence[Row]) -> None:
    print(
        f"\n{'figure':<50}{'value':>10}{'baseline':>10}{'ratio':>8}  "
        f"{'target':<14}verdict"
    )
    print("-" * 100)
    for row in rows:
        print(
            f"{row.figure:<50}{row.value:>10}{row.baseline:>10}{row.ratio:>7.2f}x  "
            f"{row.target:<14}{'met' if row.met else 'NOT met'}"
        )


async def main(arguments: argparse.Namespace) -> int:
    """Run the chosen parts, each with its own servers, and print."""
    raise_fd_limit()
    compression = arguments.compression
    deflate = "on, negotiated by every client" if compression else "off"
    print(
        f"servers: websockets, max frame {MAX_FRAME_BYTES} B, "
        f"permessage-deflate {deflate}\n"
    )
    missed = 0
    for part in arguments.parts:
        print(f"=== {part} ===\n")
        if part == "roundtrip":
            rows = await roundtrip_part(
                arguments.seconds, arguments.rounds, arguments.clients, compression
            )
        elif part == "tick":
            rows = await tick_part(
                arguments.players, arguments.tick_rounds, compression
            )
        else:
            rows = await memory_part(
                arguments.connections, arguments.memory_rounds, compression
            )
        print_targets(rows)
        missed += sum(not row.met for row in rows)
        print()
    print(f"targets NOT met: {missed}" if missed else "every target met")
    return 0


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown parts {unknown}; choose {PARTS}")
    return names


def _counts(text: str) -> list[int]:
    return [int(count) for count in text.split(",")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", type=_names, default=list(PARTS), help=",".join(PARTS)
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="per cell, server")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--clients", type=_counts, default=list(CONCURRENCY), help="e.g. 1,10,100,1000"
    )
    parser.add_argument("--players", type=int, default=1000, help="tick fan-out")
    parser.add_argument("--tick-rounds", type=int, default=10, help="per server")
    parser.add_argument("--connections", type=int, default=1000, help="idle memory")
    parser.add_argument("--memory-rounds", type=int, default=2, help="fresh servers")
    parser.add_argument(
        "--no-compression",
        dest="compression",
        action="store_false",
        help="no permessage-deflate on any server or client",
    )
    parser.add_argument("--serve", choices=("game", "echo"), help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-tick", dest="tick", action="store_false", help=argparse.SUPPRESS
    )
    arguments = parser.parse_args()
    if arguments.serve:
        with contextlib.suppress(KeyboardInterrupt):
            run_server(
                arguments.serve, arguments.compression, arguments.batch, arguments.tick
            )
    else:
        sys.exit(asyncio.run(main(arguments)))
