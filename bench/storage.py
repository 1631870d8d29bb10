"""Benchmark: the store on a real database, each figure beside a baseline of the
same run.

    uv run python bench/storage.py [--url mysql+pymysql://root@127.0.0.1:3306/test]
    uv run python bench/storage.py --url sqlite:////tmp/baolife-bench.db

Three parts (``--parts``, default all):

``one``: energy purchases per second on one connection.

- ``service``: ``GameService.execute(PurchaseEnergyRefill)`` on ``SqlPlayerStore``
  (the first attempt runs on the store's snapshot cache, so it reads nothing:
  engine step, then one write transaction);
- ``append``: ``SqlPlayerStore.append`` alone, on records computed beforehand
  (the adapter's own cost);
- the baseline: the bare driver (PyMySQL, or ``sqlite3`` for a SQLite URL) running
  *the very statements the store runs for a purchase*: they are captured from the
  store (the SQL text compiled as the store compiles it, and every value, so the
  snapshot, journal and reply payloads have the store's sizes), then replayed
  with fresh keys, one ``COMMIT`` per purchase. Target: service >= 0.8x.
- two floors, each the raw loop plus one thing any service must add: ``sqlalchemy``
  runs the same statements through SQLAlchemy's ``Connection`` as the store's
  write path does (``ThroughSqlAlchemy``: the library the store is built on, with
  none of the store's work), ``engine`` runs the raw loop plus the engine step of
  the same purchase and the JSON text of what it journals. The last line sets
  their costs over the raw loop beside what the target allows (``print_floor``).

``workers``: the same purchases by 1 and by 4 workers at once, each worker with
its own connection and its own players, through the store and through the raw
loop: worker *processes* (each its own interpreter and store: server processes)
and worker *threads* (one store shared by the threads: one server's worker
pool). Target: 4 workers >= 2x one.

``journal``: a player with a 10,000-command journal (``--journal``), appended
through the store; then the time to read it (``SqlPlayerStore.journal``: the
``SELECT`` and the decoding) and replay it through the engine, beside the engine
replay alone on the records in memory, and beside loading the snapshot instead
(what a server does).

The baseline writes to a database of its own (``baolife_bench`` on MySQL, dropped
at the end; a temporary file for SQLite), so it never touches the store's tables.
Measurements alternate in short rounds and each figure is its median round; a
ratio is the median over rounds of figure / baseline within the same round, so a
noisy neighbour on a shared machine skews both sides alike. New players start at
full energy, so the bench loads the shared bench content pack (``bench_content``),
in which the ``overcharge`` tier adds one point for 50 diamonds under a high cap.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any
from unittest import mock

import pymysql
from bench_content import bench_catalog
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.engine import URL, Dialect, make_url

from baolife_core import (
    Catalog,
    CommandRecord,
    GameService,
    PurchaseEnergyRefill,
    idempotency_key_hash,
    new_player,
    replay,
    step,
    to_wire,
)
from baolife_core.wire import canonical_json
from baolife_storage_mysql import (
    SqlPlayerStore,
    create_store,
    make_engine,
    run_migrations,
)
from baolife_storage_mysql.database import WRITE
from baolife_storage_mysql.schema import (
    STATISTIC_COLUMNS,
    player_statistics,
    players,
    users,
)
from baolife_storage_mysql.statements import DriverSql, DriverStatements
from baolife_storage_mysql.store import _journal_line, _snapshot_columns

DEFAULT_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
RAW_DATABASE = "baolife_bench"
PLAYERS = 10
WORKERS = 4
START_AT = 1_700_000_000_000
PRICE = 50  # the overcharge tier's price in the bench content
ONE_TARGET = 0.8
WORKERS_TARGET = 2.0

_CALLS = itertools.count()  # numbers every purchase, so no key is ever reused


def checked_catalog() -> Catalog:
    """The bench content pack, checked to sell ``overcharge`` as the raw loop does."""
    catalog = bench_catalog()
    tier = catalog.refill("overcharge")
    if tier is None or (tier.energy, tier.diamonds) != (1, PRICE):
        raise SystemExit("bench_content: overcharge is no longer 1 energy for 50")
    return catalog


def timed(run: Callable[[int], None], seconds: float, limit: int) -> tuple[int, float]:
    """Calls of ``run`` within ``seconds`` (at most ``limit``), and the time taken."""
    start = time.perf_counter()
    deadline = start + seconds
    count = 0
    while count < limit and time.perf_counter() < deadline:
        run(next(_CALLS))
        count += 1
    return count, time.perf_counter() - start


def rate(run: Callable[[int], None], seconds: float, limit: int) -> float:
    """Calls of ``run`` per second over ``seconds`` (or ``limit`` calls)."""
    count, elapsed = timed(run, seconds, limit)
    return count / elapsed


def _command(i: int) -> PurchaseEnergyRefill:
    return PurchaseEnergyRefill(
        at=START_AT + 1 + i, refill_type="overcharge", idempotency_key=f"bench-{i}"
    )


def _players(service: GameService, count: int = PLAYERS) -> list[str]:
    """Players created outside the timed sections."""
    run = uuid.uuid4().hex[:8]
    return [
        service.login_device(
            f"bench-{run}-{index}",
            new_player_id=str(uuid.uuid4()),
            seed=random.getrandbits(63),
            at=START_AT,
        )
        for index in range(count)
    ]


def service_purchase(
    service: GameService, players: Sequence[str]
) -> Callable[[int], None]:
    """One purchase through ``GameService`` per call, round robin over ``players``."""

    def purchase(i: int) -> None:
        result = service.execute(players[i % len(players)], _command(i))
        if not result.events:
            raise SystemExit(f"purchase {i} was not applied: {result.reply}")

    return purchase


def _records(
    service: GameService, catalog: Catalog, player: str, count: int
) -> list[CommandRecord]:
    """``count`` purchases of ``player``, stepped in memory, ready to append."""
    stored = service.load(player)
    state, version = stored.state, stored.version
    records = []
    for offset in range(count):
        command = _command(next(_CALLS))
        outcome = step(state, command, catalog)
        records.append(
            CommandRecord(
                player_id=player,
                expected_version=version + offset,
                command=command,
                outcome=outcome,
                idempotency_key_hash=idempotency_key_hash(player, command),
            )
        )
        state = outcome.state
    return records


def store_append(
    store: SqlPlayerStore, catalog: Catalog, count: int
) -> Callable[[int], None]:
    """One ``append`` of a record computed beforehand per call."""
    service = GameService(store, catalog)
    queue = iter(_records(service, catalog, _players(service, 1)[0], count))

    def append(_: int) -> None:
        store.append(next(queue))

    return append


# -- the raw baseline ----------------------------------------------------------------

#: One statement of a purchase as the store ran it: its driver SQL and values.
Captured = tuple[DriverSql, dict[str, Any]]


def capture_purchase(store: SqlPlayerStore, catalog: Catalog) -> list[Captured]:
    """The write statements the store runs for one purchase, with their values.

    The player's second purchase is captured (its first of the day rolls the daily
    quests), through ``DriverStatements``, which runs every write of the store;
    each statement is compiled for the driver exactly as the store compiles it.
    """
    service = GameService(store, catalog)
    player = _players(service, 1)[0]
    service.execute(player, _command(next(_CALLS)))
    seen: list[tuple[Any, dict[str, Any]]] = []
    real = DriverStatements.execute

    def recording(
        self: DriverStatements, connection: Any, statement: Any, values: Any
    ) -> Any:
        seen.append((statement, dict(values)))
        return real(self, connection, statement, values)

    with mock.patch.object(DriverStatements, "execute", recording):
        service.execute(player, _command(next(_CALLS)))
    dialect = store.engine.dialect
    return [
        (DriverSql.compile(statement, tuple(values), dialect), values)
        for statement, values in seen
    ]


#: The values that differ between purchases, by parameter name.
_PLAYER = ("player_id", "p_player_id")
_INSTANTS = ("at", "updated_at", "created_at")


def _raw_players(
    cursor: Any, dialect: Dialect, run: str, captured: Sequence[Captured]
) -> list[str]:
    """Players in the raw database, with the rows the captured statements update."""
    snapshot = next(
        values["snapshot"] for _, values in captured if "snapshot" in values
    )
    created = [f"raw-{run}-{index}" for index in range(PLAYERS)]
    for player in created:
        for table, values in (
            (users, {"user_id": player, "device_id": player, "created_at": START_AT}),
            (
                players,
                {
                    "player_id": player,
                    "version": 1,
                    "seq": 0,
                    "snapshot": snapshot,
                    "diamonds": 1_000_000,
                    "energy": 10_000,
                    "updated_at": START_AT,
                },
            ),
            (
                player_statistics,
                {
                    "player_id": player,
                    **dict.fromkeys(STATISTIC_COLUMNS, 0),
                    "updated_at": START_AT,
                },
            ),
        ):
            sql = DriverSql.compile(insert(table), tuple(values), dialect)
            cursor.execute(sql.sql, sql.parameters(values))
    return created


def raw_purchase(
    connection: Any, dialect: Dialect, captured: Sequence[Captured]
) -> Callable[[int], None]:
    """One purchase's captured statements and a commit on a bare DB-API connection,
    with fresh keys (player, version, seq, transaction id, key hash, instants)."""
    cursor = connection.cursor()
    run = uuid.uuid4().hex[:8]
    created = _raw_players(cursor, dialect, run, captured)
    connection.commit()
    versions = dict.fromkeys(created, 1)
    statements = [
        (sql, values, [name for name in (*_PLAYER, *_INSTANTS) if name in values])
        for sql, values in captured
    ]

    def purchase(i: int) -> None:
        player = created[i % PLAYERS]
        version = versions[player]
        fresh = {
            "player_id": player,
            "p_player_id": player,
            "p_expected_version": version,
            "seq": version,
            "transaction_id": f"{run}-{i:027d}",
            "key_hash": f"{run}-{i:027d}".rjust(64, "0"),
            "at": START_AT + 1 + i,
            "updated_at": START_AT + 1 + i,
            "created_at": START_AT + 1 + i,
        }
        for index, (sql, values, _) in enumerate(statements):
            cursor.execute(
                sql.sql,
                sql.parameters(
                    {name: fresh.get(name, value) for name, value in values.items()}
                ),
            )
            if index == 0 and cursor.rowcount != 1:
                raise SystemExit("the raw baseline lost its version check")
        connection.commit()
        versions[player] = version + 1

    return purchase


class ThroughSqlAlchemy:
    """The DB-API surface ``raw_purchase`` uses (``cursor``, ``execute``,
    ``rowcount``, ``commit``) over a SQLAlchemy ``Engine``: each purchase checks a
    connection out, begins, runs each statement with ``exec_driver_sql`` (the
    store's write path, ``statements.DriverStatements``), commits and checks the
    connection back in. The raw loop through it is the floor of any store built on
    SQLAlchemy Core: the same statements, none of the store's own work."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine.execution_options(**WRITE)  # as the store's writer
        self._connection: Connection | None = None
        self._transaction: Any = None
        self.rowcount = -1

    def cursor(self) -> ThroughSqlAlchemy:
        return self

    def execute(self, sql: str, parameters: Any) -> None:
        if self._connection is None:
            self._connection = self._engine.connect()
            self._transaction = self._connection.begin()
        self.rowcount = self._connection.exec_driver_sql(sql, parameters).rowcount

    def commit(self) -> None:
        if self._connection is not None:
            self._transaction.commit()
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self.commit()
        self._engine.dispose()


def engine_purchase(
    run: Callable[[int], None], catalog: Catalog
) -> Callable[[int], None]:
    """``run`` (the raw loop) plus the engine step of the same purchase, on ten
    players' states kept in memory (as the store's snapshot cache keeps them), and
    the JSON text of what it writes (the snapshot, the journal line's command and
    events, the reply kept for its key): the floor of any service that computes
    the game and journals it before it writes."""
    states = [
        new_player(seed=random.getrandbits(63), at=START_AT, catalog=catalog)
        for _ in range(PLAYERS)
    ]

    def purchase(i: int) -> None:
        command = _command(i)
        outcome = step(states[i % PLAYERS], command, catalog)
        if not outcome.events:
            raise SystemExit(f"purchase {i} was refused: {outcome.reply}")
        states[i % PLAYERS] = outcome.state
        _snapshot_columns(outcome.state)  # the store's own encoding of each
        _journal_line("bench", outcome.state, command, outcome.events)
        canonical_json(to_wire(outcome.reply))
        run(i)

    return purchase


def _sqlite_connect(path: str) -> Any:
    # Legacy transaction control opens "BEGIN IMMEDIATE" before the first write,
    # as the store does.
    connection = sqlite3.connect(
        path, isolation_level="IMMEDIATE", timeout=30, check_same_thread=False
    )
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def raw_connect(raw: str) -> Any:
    """A bare driver connection to the raw database ``raw`` (a URL)."""
    url = make_url(raw)
    if url.get_backend_name() == "sqlite":
        return _sqlite_connect(url.database or "")
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.database,
        charset="utf8mb4",
    )


@contextmanager
def raw_database(url: URL) -> Iterator[str]:
    """A migrated database of the baseline's own; its URL."""
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="baolife-bench-raw-") as tmp:
            raw = f"sqlite:///{Path(tmp) / 'raw.db'}"
            engine = make_engine(raw)
            run_migrations(engine)
            engine.dispose()
            yield raw
        return
    server = make_engine(url.set(database=None))
    try:
        with server.begin() as connection:
            connection.execute(text(f"CREATE DATABASE IF NOT EXISTS {RAW_DATABASE}"))
        try:
            raw = url.set(database=RAW_DATABASE)
            engine = make_engine(raw)
            run_migrations(engine)
            engine.dispose()
            yield raw.render_as_string(hide_password=False)
        finally:
            with server.begin() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {RAW_DATABASE}"))
    finally:
        server.dispose()


# -- part one: one connection ------------------------------------------------------


def measure(
    runs: dict[str, Callable[[int], None]], rounds: int, seconds: float, limit: int
) -> dict[str, list[float]]:
    """Each run's rate in ``rounds`` alternating rounds (after a warm-up)."""
    for run in runs.values():
        rate(run, 0.2, 100)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(rate(run, seconds / rounds, limit // rounds))
    return samples


def paired_ratio(values: Sequence[float], baseline: Sequence[float]) -> float:
    """The median over rounds of value / baseline measured in the same round."""
    return statistics.median(v / b for v, b in zip(values, baseline, strict=True))


def part_one(
    store: SqlPlayerStore,
    catalog: Catalog,
    raw: str,
    captured: Sequence[Captured],
    args: argparse.Namespace,
) -> None:
    service = GameService(store, catalog)
    dialect = store.engine.dialect
    connection = raw_connect(raw)
    floor = raw_connect(raw)
    through = ThroughSqlAlchemy(make_engine(raw))
    try:
        samples = measure(
            {
                "service": service_purchase(service, _players(service)),
                "append": store_append(store, catalog, args.limit + 200),
                "raw": raw_purchase(connection, dialect, captured),
                "sqlalchemy": raw_purchase(through, dialect, captured),
                "engine": engine_purchase(
                    raw_purchase(floor, dialect, captured), catalog
                ),
            },
            args.rounds,
            args.seconds,
            args.limit,
        )
    finally:
        connection.close()
        floor.close()
        through.close()
    baseline = statistics.median(samples["raw"])
    print(f"\none connection: {args.rounds} alternating rounds of ", end="")
    print(f"{args.seconds / args.rounds:.2f} s; the median round")
    print(f"{'':<48}{'per s':>8}{'raw':>8}{'ratio':>8}")
    for name, label in (
        ("service", "purchase via GameService + SqlPlayerStore"),
        ("append", "SqlPlayerStore.append (records ready)"),
        ("sqlalchemy", "raw statements through SQLAlchemy's Connection"),
        ("engine", "raw loop + the engine step and its JSON"),
    ):
        value = statistics.median(samples[name])
        ratio = paired_ratio(samples[name], samples["raw"])
        print(f"{label:<48}{value:>8.0f}{baseline:>8.0f}{ratio:>7.2f}x")
    ratio = paired_ratio(samples["service"], samples["raw"])
    verdict = "meets" if ratio >= ONE_TARGET else "misses"
    print(f"service {ratio:.2f}x raw: {verdict} the {ONE_TARGET}x target")
    print_floor(samples)


def print_floor(samples: Mapping[str, Sequence[float]]) -> None:
    """What the target leaves the service per purchase, beside its floor: the
    statements through SQLAlchemy (the library the store must use) plus the
    engine step and the JSON it journals (the game it must compute and record),
    each as µs over the raw loop."""
    raw, sqlalchemy, engine, service = (
        1e6 / statistics.median(samples[name])
        for name in ("raw", "sqlalchemy", "engine", "service")
    )
    budget = raw / ONE_TARGET - raw
    floor = (sqlalchemy - raw) + (engine - raw)
    print(
        f"µs per purchase over the raw loop's {raw:.0f}: the {ONE_TARGET}x target "
        f"allows {budget:.0f}; SQLAlchemy's Connection takes {sqlalchemy - raw:.0f}, "
        f"the engine step and its JSON {engine - raw:.0f} (floor {floor:.0f}, "
        f"{'within' if floor <= budget else 'ABOVE'} the budget); the service takes "
        f"{service - raw:.0f}, {service - raw - floor:.0f} of it the store's and the "
        "service's own work"
    )


# -- part two: workers -------------------------------------------------------------


class Worker:
    """One worker: its own players, through the store and through the raw loop."""

    def __init__(
        self,
        service: GameService,
        raw: str,
        dialect: Dialect,
        captured: Sequence[Captured],
    ) -> None:
        self.runs = {"service": service_purchase(service, _players(service))}
        self._raw = raw_connect(raw)
        self.runs["raw"] = raw_purchase(self._raw, dialect, captured)
        for run in self.runs.values():  # warm-up: connections, caches, compiles
            timed(run, 0.1, 30)

    def run(self, kind: str, seconds: float, limit: int) -> tuple[int, float]:
        return timed(self.runs[kind], seconds, limit)

    def close(self) -> None:
        self._raw.close()


def _process_main(
    pipe: Pipe,
    url: str,
    raw: str,
    captured: Sequence[Captured],
    barriers: Mapping[int, Any],
) -> None:
    """A worker process: its own store; runs rounds until told to stop."""
    store = create_store(url, upgrade=False)
    worker = Worker(
        GameService(store, checked_catalog()), raw, store.engine.dialect, captured
    )
    pipe.send("ready")
    try:
        while (order := pipe.recv()) is not None:
            kind, workers, seconds, limit = order
            barriers[workers].wait()
            pipe.send(worker.run(kind, seconds, limit))
    finally:
        worker.close()
        store.close()


class Processes:
    """``WORKERS`` worker processes (spawned: each its own interpreter)."""

    def __init__(self, url: str, raw: str, captured: Sequence[Captured]) -> None:
        context = multiprocessing.get_context("spawn")
        barriers = {n: context.Barrier(n) for n in (1, WORKERS)}
        self.pipes: list[Pipe] = []
        self.processes = []
        for _ in range(WORKERS):
            parent, child = context.Pipe()
            process = context.Process(
                target=_process_main, args=(child, url, raw, captured, barriers)
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        for pipe in self.pipes:
            if pipe.recv() != "ready":
                raise SystemExit("a worker process failed to start")

    def rate(self, kind: str, workers: int, seconds: float, limit: int) -> float:
        for pipe in self.pipes[:workers]:
            pipe.send((kind, workers, seconds, limit))
        results = [pipe.recv() for pipe in self.pipes[:workers]]
        return sum(count / elapsed for count, elapsed in results)

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join()


class Threads:
    """``WORKERS`` worker threads sharing one store and service (a server's pool)."""

    def __init__(
        self,
        store: SqlPlayerStore,
        catalog: Catalog,
        raw: str,
        captured: Sequence[Captured],
    ) -> None:
        service = GameService(store, catalog)
        dialect = store.engine.dialect
        self.workers = [Worker(service, raw, dialect, captured) for _ in range(WORKERS)]

    def rate(self, kind: str, workers: int, seconds: float, limit: int) -> float:
        barrier = threading.Barrier(workers)
        results: list[tuple[int, float]] = []

        def work(worker: Worker) -> None:
            barrier.wait()
            results.append(worker.run(kind, seconds, limit))

        threads = [
            threading.Thread(target=work, args=(worker,))
            for worker in self.workers[:workers]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if len(results) != workers:
            raise SystemExit("a worker thread failed")
        return sum(count / elapsed for count, elapsed in results)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def part_workers(
    store: SqlPlayerStore,
    catalog: Catalog,
    url: str,
    raw: str,
    captured: Sequence[Captured],
    args: argparse.Namespace,
) -> None:
    seconds = args.worker_seconds
    pools: dict[str, Processes | Threads] = {
        "processes": Processes(url, raw, captured),
        "threads": Threads(store, catalog, raw, captured),
    }
    cells = [
        (mode, kind, workers)
        for mode in pools
        for kind in ("service", "raw")
        for workers in (1, WORKERS)
    ]
    samples: dict[tuple[str, str, int], list[float]] = {cell: [] for cell in cells}
    try:
        for _ in range(args.worker_rounds):
            for mode, kind, workers in cells:
                rate_ = pools[mode].rate(kind, workers, seconds, args.limit)
                samples[mode, kind, workers].append(rate_)
    finally:
        for pool in pools.values():
            pool.close()
    print(
        f"\n{WORKERS} workers, each its own connection and players: "
        f"{args.worker_rounds} alternating rounds of {seconds:.2f} s; the median round"
    )
    print(f"{'purchases per s':<36}{'1 worker':>10}{f'{WORKERS} workers':>11}", end="")
    print(f"{'scaling':>9}")
    for mode in pools:
        for kind, label in (("service", "via GameService + store"), ("raw", "raw")):
            one = samples[mode, kind, 1]
            many = samples[mode, kind, WORKERS]
            scaling = paired_ratio(many, one)
            print(
                f"{mode + ': ' + label:<36}{statistics.median(one):>10.0f}"
                f"{statistics.median(many):>11.0f}{scaling:>8.2f}x"
            )
        ratio = paired_ratio(
            samples[mode, "service", WORKERS], samples[mode, "raw", WORKERS]
        )
        scaling = paired_ratio(
            samples[mode, "service", WORKERS], samples[mode, "service", 1]
        )
        verdict = "meets" if scaling >= WORKERS_TARGET else "misses"
        print(
            f"{mode}: service {scaling:.2f}x one worker ({verdict} the "
            f"{WORKERS_TARGET}x target); {ratio:.2f}x raw at {WORKERS} workers"
        )


# -- part three: a long journal ----------------------------------------------------


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def part_journal(
    store: SqlPlayerStore, catalog: Catalog, args: argparse.Namespace
) -> None:
    service = GameService(store, catalog)
    player = _players(service, 1)[0]
    began = time.perf_counter()
    for record in _records(service, catalog, player, args.journal):
        store.append(record)
    written = time.perf_counter() - began
    records = store.journal(player)
    final = replay(records, catalog)
    stored = store.load(player, fresh=True)
    if stored is None or final != stored.state or len(records) != args.journal + 1:
        raise SystemExit("the replayed journal does not give the stored state")
    read_s = best_of(args.repeat, lambda: store.journal(player))
    replay_s = best_of(args.repeat, lambda: replay(records, catalog))
    both_s = best_of(args.repeat, lambda: replay(store.journal(player), catalog))
    snapshot_s = best_of(args.repeat, lambda: store.load(player, fresh=True))
    count = len(records) - 1
    print(
        f"\na journal of {count:,} commands (appended through the store in "
        f"{written:.1f} s: {count / written:.0f}/s); best of {args.repeat}"
    )
    print(f"{'':<44}{'seconds':>9}{'commands/s':>12}")
    for label, seconds in (
        ("read it (SELECT + decode)", read_s),
        ("replay it through the engine (in memory)", replay_s),
        ("read + replay", both_s),
    ):
        print(f"{label:<44}{seconds:>9.3f}{count / seconds:>12,.0f}")
    print(f"{'load the snapshot instead':<44}{snapshot_s:>9.4f}")
    print(
        f"read + replay takes {both_s / replay_s:.2f}x the engine replay alone "
        f"(reading is {read_s / both_s:.0%} of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="the store's database URL")
    parser.add_argument(
        "--parts", default="one,workers,journal", help="comma-separated parts to run"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="one: per run")
    parser.add_argument("--rounds", type=int, default=12, help="one: rounds")
    parser.add_argument("--limit", type=int, default=20_000, help="max purchases each")
    parser.add_argument(
        "--worker-seconds", type=float, default=1.0, help="workers: per round"
    )
    parser.add_argument("--worker-rounds", type=int, default=5, help="workers: rounds")
    parser.add_argument("--journal", type=int, default=10_000, help="journal: length")
    parser.add_argument("--repeat", type=int, default=5, help="journal: best of")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    url = make_url(args.url)
    driver = "sqlite3" if url.get_backend_name() == "sqlite" else "PyMySQL"
    catalog = checked_catalog()
    store = create_store(args.url)
    try:
        captured = capture_purchase(store, catalog)
        print(f"database: {url.render_as_string(hide_password=True)}")
        print(
            f"baseline: raw {driver} running the store's {len(captured)} statements "
            "of a purchase (captured), one commit each"
        )
        with raw_database(url) as raw:
            if "one" in parts:
                part_one(store, catalog, raw, captured, args)
            if "workers" in parts:
                part_workers(store, catalog, args.url, raw, captured, args)
        if "journal" in parts:
            part_journal(store, catalog, args)
    finally:
        store.close()


if __name__ == "__main__":
    main()
