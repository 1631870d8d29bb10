"""Benchmark: energy purchases per second through the store vs a raw driver loop.

    uv run python bench/storage.py [--url mysql+pymysql://root@127.0.0.1:3306/test]
    uv run python bench/storage.py --url sqlite:////tmp/baolife-bench.db

Two measurements, each beside the same baseline:

- ``service``: ``GameService.execute(PurchaseEnergyRefill)`` on ``SqlPlayerStore``
  (the first attempt runs on the store's snapshot cache, so it reads nothing:
  engine step, then one write transaction);
- ``append``: ``SqlPlayerStore.append`` alone, on records computed beforehand
  (the adapter's own cost).

The baseline is the bare driver (PyMySQL, or ``sqlite3`` for a SQLite URL) issuing
the same write statements with precomputed values: ``UPDATE players`` and
``INSERT`` journal line, ledger row, refill purchase and idempotency record, one
commit per purchase. It writes to its own database (``baolife_bench`` on MySQL,
dropped at the end; a temporary file for SQLite), so it never touches the store's
tables.

The three alternate in short rounds and each figure is its median round; the ratio
is the median over rounds of figure / baseline within the same round, so a noisy
neighbour on a shared machine skews both sides alike. New players start at full
energy, so the bench loads the shared bench content pack (``bench_content``), in
which the ``overcharge`` tier adds one point for 50 diamonds under a high cap.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
from bench_content import bench_catalog
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from baolife_core import (
    Catalog,
    CommandRecord,
    GameService,
    PurchaseEnergyRefill,
    idempotency_key_hash,
    step,
)
from baolife_storage_mysql import (
    SqlPlayerStore,
    create_store,
    make_engine,
    run_migrations,
)

DEFAULT_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
RAW_DATABASE = "baolife_bench"
PLAYERS = 10
START_AT = 1_700_000_000_000
PRICE = 50  # the overcharge tier's price in the bundled content

_CALLS = itertools.count()  # numbers every purchase, so no key is ever reused


def checked_catalog() -> Catalog:
    """The bench content pack, checked to sell ``overcharge`` as the raw loop does."""
    catalog = bench_catalog()
    tier = catalog.refill("overcharge")
    if tier is None or (tier.energy, tier.diamonds) != (1, PRICE):
        raise SystemExit("bench_content: overcharge is no longer 1 energy for 50")
    return catalog


def rate(run: Callable[[int], None], seconds: float, limit: int) -> float:
    """Calls of ``run`` per second over ``seconds`` (or ``limit`` calls)."""
    start = time.perf_counter()
    deadline = start + seconds
    count = 0
    while count < limit and time.perf_counter() < deadline:
        run(next(_CALLS))
        count += 1
    return count / (time.perf_counter() - start)


def _command(i: int) -> PurchaseEnergyRefill:
    return PurchaseEnergyRefill(
        at=START_AT + 1 + i, refill_type="overcharge", idempotency_key=f"bench-{i}"
    )


def _players(service: GameService) -> list[str]:
    """Players created outside the timed sections."""
    run = uuid.uuid4().hex[:8]
    return [
        service.login_device(
            f"bench-{run}-{index}",
            new_player_id=str(uuid.uuid4()),
            seed=random.getrandbits(63),
            at=START_AT,
        )
        for index in range(PLAYERS)
    ]


def service_purchase(store: SqlPlayerStore, catalog: Catalog) -> Callable[[int], None]:
    """One purchase through ``GameService`` per call."""
    service = GameService(store, catalog)
    players = _players(service)

    def purchase(i: int) -> None:
        result = service.execute(players[i % PLAYERS], _command(i))
        if not result.events:
            raise SystemExit(f"purchase {i} was not applied: {result.reply}")

    return purchase


def store_append(
    store: SqlPlayerStore, catalog: Catalog, count: int
) -> Callable[[int], None]:
    """One ``append`` of a record computed beforehand per call."""
    service = GameService(store, catalog)
    player = _players(service)[0]
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
    queue = iter(records)

    def append(_: int) -> None:
        store.append(next(queue))

    return append


# -- the raw baseline ----------------------------------------------------------------

UPDATE = (
    "UPDATE players SET version = version + 1, seq = {p}, snapshot = {p},"
    " diamonds = {p}, energy = {p}, updated_at = {p}"
    " WHERE player_id = {p} AND version = {p}"
)
INSERTS = (
    "INSERT INTO player_journal (player_id, seq, at, command, events)"
    " VALUES ({p}, {p}, {p}, {p}, {p})",
    "INSERT INTO diamond_transactions (player_id, transaction_id, seq, delta, reason,"
    " reference, balance_after, at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
    "INSERT INTO energy_refill_purchases (transaction_id, player_id, refill_type,"
    " diamonds, energy_before, energy_after, at)"
    " VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
    "INSERT INTO processed_transactions (player_id, key_hash, message_type, reply,"
    " seq, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
)
CREATE_USER = (
    "INSERT INTO users (user_id, device_id, created_at) VALUES ({p}, {p}, {p})"
)
CREATE_PLAYER = (
    "INSERT INTO players (player_id, version, seq, snapshot, diamonds, energy,"
    " updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
# Payloads of about the sizes the store writes.
SNAPSHOT = '{"padding":"' + "x" * 300 + '"}'
COMMAND = '{"padding":"' + "x" * 110 + '"}'
EVENTS = '[{"padding":"' + "x" * 180 + '"},{"padding":"' + "x" * 180 + '"}]'
REPLY = '{"padding":"' + "x" * 100 + '"}'


def raw_purchase(connection: Any, placeholder: str) -> Callable[[int], None]:
    """One purchase's five statements and commit on a bare DB-API connection."""
    update = UPDATE.format(p=placeholder)
    journal, ledger, refill, key = (sql.format(p=placeholder) for sql in INSERTS)
    cursor = connection.cursor()
    run = uuid.uuid4().hex[:8]
    players = [f"raw-{run}-{index}" for index in range(PLAYERS)]
    for player in players:
        cursor.execute(CREATE_USER.format(p=placeholder), (player, player, START_AT))
        cursor.execute(
            CREATE_PLAYER.format(p=placeholder),
            (player, 1, 0, SNAPSHOT, 1_000_000, 10_000, START_AT),
        )
    connection.commit()
    versions = dict.fromkeys(players, 1)

    def purchase(i: int) -> None:
        player = players[i % PLAYERS]
        seq = versions[player]
        tx = f"{run}-{i:027d}"
        at = START_AT + 1 + i
        balance = 1_000_000 - PRICE * seq
        cursor.execute(update, (seq, SNAPSHOT, balance, 10_000 + seq, at, player, seq))
        if cursor.rowcount != 1:
            raise SystemExit("the raw baseline lost its version check")
        cursor.execute(journal, (player, seq, at, COMMAND, EVENTS))
        cursor.execute(
            ledger,
            (player, tx, seq, -PRICE, "energy_refill", "overcharge", balance, at),
        )
        cursor.execute(
            refill, (tx, player, "overcharge", PRICE, 9_999 + seq, 10_000 + seq, at)
        )
        cursor.execute(
            key, (player, tx.rjust(64, "0"), "purchase_energy_refill", REPLY, seq, at)
        )
        connection.commit()
        versions[player] = seq + 1

    return purchase


@contextmanager
def raw_connection(url: URL) -> Iterator[tuple[Any, str]]:
    """A bare driver connection to a migrated database of its own, and its
    placeholder."""
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="baolife-bench-raw-") as tmp:
            path = Path(tmp) / "raw.db"
            engine = make_engine(f"sqlite:///{path}")
            run_migrations(engine)
            engine.dispose()
            # Legacy transaction control opens "BEGIN IMMEDIATE" before the UPDATE,
            # as the store does.
            connection = sqlite3.connect(path, isolation_level="IMMEDIATE")
            connection.execute("PRAGMA foreign_keys=ON")
            try:
                yield connection, "?"
            finally:
                connection.close()
        return
    server = make_engine(url.set(database=None))
    try:
        with server.begin() as connection:
            connection.execute(text(f"CREATE DATABASE IF NOT EXISTS {RAW_DATABASE}"))
        try:
            engine = make_engine(url.set(database=RAW_DATABASE))
            run_migrations(engine)
            engine.dispose()
            connection = pymysql.connect(
                host=url.host or "127.0.0.1",
                port=url.port or 3306,
                user=url.username or "root",
                password=url.password or "",
                database=RAW_DATABASE,
                charset="utf8mb4",
            )
            try:
                yield connection, "%s"
            finally:
                connection.close()
        finally:
            with server.begin() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {RAW_DATABASE}"))
    finally:
        server.dispose()


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


def paired_ratio(values: list[float], baseline: list[float]) -> float:
    """The median over rounds of value / baseline measured in the same round."""
    return statistics.median(v / b for v, b in zip(values, baseline, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="the store's database URL")
    parser.add_argument("--seconds", type=float, default=6.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds")
    parser.add_argument("--limit", type=int, default=20_000, help="max purchases each")
    args = parser.parse_args()
    url = make_url(args.url)
    driver = "sqlite3" if url.get_backend_name() == "sqlite" else "PyMySQL"
    catalog = checked_catalog()
    store = create_store(args.url)
    try:
        with raw_connection(url) as (connection, mark):
            samples = measure(
                {
                    "service": service_purchase(store, catalog),
                    "append": store_append(store, catalog, args.limit + 200),
                    "raw": raw_purchase(connection, mark),
                },
                args.rounds,
                args.seconds,
                args.limit,
            )
    finally:
        store.close()
    raw = statistics.median(samples["raw"])
    print(f"database: {url.render_as_string(hide_password=True)}")
    print(f"baseline: raw {driver} loop, the same five statements, one commit each")
    print(f"rounds: {args.rounds} alternating, {args.seconds / args.rounds:.2f} s each")
    print(
        f"{'measurement (median round)':<42} {'per s':>7} {'baseline':>9} {'ratio':>6}"
    )
    for name, label in (
        ("service", "purchase via GameService + SqlPlayerStore"),
        ("append", "SqlPlayerStore.append (records ready)"),
    ):
        value = statistics.median(samples[name])
        ratio = paired_ratio(samples[name], samples["raw"])
        print(f"{label:<42} {value:>7.0f} {raw:>9.0f} {ratio:>5.2f}x")


if __name__ == "__main__":
    main()
