"""Concurrency across server processes: isolation, lost races, no lost update.

Issue 6, "Concurrency": two processes on one database never lose an update or
double-spend. ``TestTwoProcesses`` runs two real OS processes (spawn context),
each with its own store, cache and ``GameService``, against the same players; the
other classes provoke on MariaDB, with real locks, each race the store turns into
a retry: a write transaction's isolation, a lock wait timeout (1205) and a
deadlock (1213).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError

from baolife_core import (
    Catalog,
    ConcurrencyError,
    CreateCharacter,
    EnergyUpdated,
    GameService,
    Result,
    to_wire,
)
from baolife_storage_mysql import (
    SqlPlayerStore,
    create_store,
    is_transient,
    make_engine,
    make_reader,
)
from baolife_storage_mysql.schema import player_journal, players

from .storm_support import (
    Acked,
    Plan,
    check_player,
    database_url,
    set_start_line,
    storm,
    storm_catalog,
)
from .support import (
    SQL_BACKENDS,
    T0,
    genesis,
    ledger,
    new_ids,
    purchase,
    record_for,
    row_counts,
)

#: Players both processes hammer.
PLAYERS = 3
#: Rounds each process plays: one command to every player per round.
ROUNDS = 60
#: Seconds the storm may take before the test fails (it takes a few).
STORM_DEADLINE_S = 120.0
#: Seconds to wait for a transaction to show up waiting for a lock.
LOCK_WAIT_DEADLINE_S = 10.0
#: Lines a deadlock's holder inserts first, so that InnoDB picks the store's
#: lighter transaction as the victim (it rolls back the one with less undo).
HOLDER_WEIGHT = 50


@pytest.fixture(scope="module")
def storm_content() -> Catalog:
    """The storm content: caps and rate limits raised (``storm_support``)."""
    return storm_catalog()


@pytest.fixture(scope="module")
def storm_pool() -> Iterator[ProcessPoolExecutor]:
    """Two spawned worker processes, started once for the module's storms (a
    child takes seconds to import the packages); they wait for each other at a
    start line before every storm."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=2,
        mp_context=spawn,
        initializer=set_start_line,
        initargs=(spawn.Barrier(2),),
    ) as pool:
        yield pool


def _players(service: GameService) -> tuple[list[str], list[Acked]]:
    """``PLAYERS`` new players with a character each, and their setup replies."""
    player_ids, setup = [], []
    for _ in range(PLAYERS):
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        command = CreateCharacter(at=T0)
        result = service.execute(player, command)
        setup.append(Acked(player, to_wire(command), to_wire(result.reply), False))
        player_ids.append(player)
    return player_ids, setup


class TestTwoProcesses:
    """Two OS processes hammer the same players: nothing lost, nothing twice."""

    @pytest.mark.parametrize("backend", SQL_BACKENDS)
    def test_no_lost_update_and_no_double_spend(
        self,
        backend: str,
        request: pytest.FixtureRequest,
        tmp_path: Path,
        storm_content: Catalog,
        storm_pool: ProcessPoolExecutor,
    ) -> None:
        """Purchases, shared keys and unkeyed commands from both: the ledger, the
        journal and every acknowledged reply agree."""
        url = database_url(backend, request, tmp_path)
        store = create_store(url, upgrade=False)
        try:
            player_ids, setup = _players(GameService(store, storm_content))
            plans = [
                Plan(url, tuple(player_ids), process, ROUNDS, T0 + 1_000)
                for process in (0, 1)
            ]
            futures = [storm_pool.submit(storm, plan) for plan in plans]
            reports = [future.result(STORM_DEADLINE_S) for future in futures]
            acked = [*setup, *(ack for report in reports for ack in report.acked)]
            for player in player_ids:
                mine = [ack for ack in acked if ack.player_id == player]
                check_player(store.engine, player, mine, storm_content)
        finally:
            store.close()
        # The processes really raced: stale caches and lost version checks, and
        # the keys both sent were answered twice, the second time as duplicates.
        assert sum(report.conflicts for report in reports) > 0
        # (A command that lost all 8 races was answered ``conflict``, wrote nothing
        # and is not acknowledged: rare, and allowed.)
        assert sum(ack.duplicate for ack in acked) > 0


# -- MariaDB: real locks ----------------------------------------------------------


def _waiting_for_lock(engine: Engine, statement: str) -> dict[str, Any]:
    """The InnoDB transaction whose ``statement`` (the start of its SQL) waits for
    a lock, polled with a deadline."""
    reader = make_reader(engine)
    deadline = time.monotonic() + LOCK_WAIT_DEADLINE_S
    try:
        with reader.connect() as probe:
            while True:
                rows = probe.execute(
                    text(
                        "SELECT trx_isolation_level, trx_query"
                        " FROM information_schema.INNODB_TRX"
                        " WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE :query"
                    ),
                    {"query": f"{statement}%"},
                ).all()
                if rows:
                    return dict(rows[0]._mapping)
                assert time.monotonic() < deadline, f"{statement!r} never waited"
    finally:
        reader.dispose()


def _hold_player(holder: Connection, player_id: str) -> None:
    """Take ``player_id``'s row lock in ``holder``'s open transaction."""
    holder.execute(
        players.update()
        .where(players.c.player_id == player_id)
        .values(updated_at=players.c.updated_at)
    )


class ErrorCodes:
    """The MySQL error codes an engine's statements raise (``handle_error``)."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.raised = threading.Event()  # set at the first one

    def __call__(self, context: Any) -> None:
        args = getattr(context.original_exception, "args", ())
        self.codes.append(args[0] if args and isinstance(args[0], int) else -1)
        self.raised.set()


@contextmanager
def error_codes(engine: Engine) -> Iterator[ErrorCodes]:
    """Record the error codes ``engine`` raises inside the block."""
    codes = ErrorCodes()
    event.listen(engine, "handle_error", codes)
    try:
        yield codes
    finally:
        event.remove(engine, "handle_error", codes)


@pytest.fixture
def mariadb_store(mariadb_url: str) -> Iterator[SqlPlayerStore]:
    """A store on the session's MariaDB whose writers wait 1 s for a lock."""
    engine = make_engine(mariadb_url, lock_timeout_ms=1)
    store = SqlPlayerStore(engine, reader=make_reader(engine))
    yield store
    store.close()


@pytest.fixture
def patient_store(mariadb_url: str) -> Iterator[SqlPlayerStore]:
    """A store whose writers wait ``LOCK_WAIT_DEADLINE_S`` for a lock: a test that
    needs a deadlock, not a lock wait timeout, cannot race a 1 s timeout on a busy
    machine (InnoDB detects the cycle as soon as it closes)."""
    engine = make_engine(mariadb_url, lock_timeout_ms=int(LOCK_WAIT_DEADLINE_S * 1000))
    store = SqlPlayerStore(engine, reader=make_reader(engine))
    yield store
    store.close()


@pytest.fixture
def holder(mariadb_url: str) -> Iterator[Connection]:
    """Another connection, as another server process, with its own transaction."""
    engine = make_engine(mariadb_url)
    try:
        with engine.connect() as connection:
            yield connection
            connection.rollback()
    finally:
        engine.dispose()


def _in_thread(work: Any) -> Future[Any]:
    """Run ``work()`` in a new thread; its result or exception as a future."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # handed to the test through the future
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future


@pytest.mark.mariadb
class TestIsolation:
    """Write transactions run in REPEATABLE READ, as the server sees them."""

    def test_a_waiting_append_is_repeatable_read(
        self, mariadb_store: SqlPlayerStore, holder: Connection, catalog: Catalog
    ) -> None:
        """InnoDB reports the store's open write transaction's isolation level."""
        ids = new_ids()
        mariadb_store.create_player(genesis(ids, catalog))
        record = record_for(
            mariadb_store, ids.player_id, purchase(T0 + 1, "k-1"), catalog
        )
        _hold_player(holder, ids.player_id)
        appended = _in_thread(lambda: mariadb_store.append(record))
        waiting = _waiting_for_lock(mariadb_store.engine, "UPDATE players")
        holder.rollback()
        appended.result(LOCK_WAIT_DEADLINE_S)
        assert "REPEATABLE READ" == waiting["trx_isolation_level"]


@pytest.mark.mariadb
class TestLockWaitTimeout:
    """A lock held past ``innodb_lock_wait_timeout`` (1205) is a retried race."""

    def test_the_service_retries_a_lock_wait_timeout(
        self, mariadb_store: SqlPlayerStore, holder: Connection, catalog: Catalog
    ) -> None:
        """The first attempt times out, the retry after the lock is gone commits."""
        service = GameService(mariadb_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        with error_codes(mariadb_store.engine) as errors:
            _hold_player(holder, player)
            bought = _in_thread(
                lambda: service.execute(player, purchase(T0 + 1, "k-1"))
            )
            assert errors.raised.wait(LOCK_WAIT_DEADLINE_S), "no lock wait timeout"
            holder.rollback()
            result: Result = bought.result(LOCK_WAIT_DEADLINE_S)
        assert [1205] == errors.codes
        assert isinstance(result.reply, EnergyUpdated)
        assert (950, 950, 2) == ledger(mariadb_store.engine, player)
        assert 2 == len(mariadb_store.journal(player))


@pytest.mark.mariadb
class TestDeadlock:
    """A deadlock (1213) rolls the store's transaction back as a retried race."""

    def test_a_deadlock_victim_writes_nothing_and_its_retry_commits(
        self,
        patient_store: SqlPlayerStore,
        holder: Connection,
        catalog: Catalog,
    ) -> None:
        """The holder blocks the journal insert, then waits for the player's row."""
        ids, heavy = new_ids(), new_ids()
        patient_store.create_player(genesis(ids, catalog))
        patient_store.create_player(genesis(heavy, catalog))
        record = record_for(
            patient_store, ids.player_id, purchase(T0 + 1, "k-1"), catalog
        )
        before = row_counts(patient_store.engine, ids.player_id)
        # The holder's undo outweighs the store's, so the store is the victim.
        holder.execute(
            player_journal.insert(),
            [
                {
                    "player_id": heavy.player_id,
                    "seq": seq,
                    "at": T0,
                    "command": "{}",
                    "events": "[]",
                }
                for seq in range(1, HOLDER_WEIGHT + 1)
            ],
        )
        # A next-key lock on the gap where the store's journal line goes.
        holder.execute(
            player_journal.select()
            .where(
                player_journal.c.player_id == ids.player_id,
                player_journal.c.seq == 1,
            )
            .with_for_update()
        )
        with error_codes(patient_store.engine) as errors:
            appended = _in_thread(lambda: patient_store.append(record))
            _waiting_for_lock(patient_store.engine, "INSERT INTO player_journal")
            _hold_player(holder, ids.player_id)  # closes the cycle
            holder.rollback()
            with pytest.raises(ConcurrencyError, match="transient") as caught:
                appended.result(LOCK_WAIT_DEADLINE_S)
        cause = caught.value.__cause__
        assert isinstance(cause, DBAPIError)
        assert ([1213], True) == (errors.codes, is_transient(cause))
        assert before == row_counts(patient_store.engine, ids.player_id)
        patient_store.append(record)  # the same record commits once the race is over
        assert (950, 950, 2) == ledger(patient_store.engine, ids.player_id)
