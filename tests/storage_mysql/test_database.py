"""Engines and transient errors: pragmas, isolation, pools, lock waits, disconnects."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from pymysql.constants import SERVER_STATUS
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from baolife_core import Catalog, ConcurrencyError, EnergyUpdated, GameService
from baolife_storage_mysql import (
    SqlPlayerStore,
    create_store,
    is_transient,
    make_engine,
    make_reader,
    run_migrations,
)
from baolife_storage_mysql.schema import players

from .support import (
    MARIADB,
    T0,
    genesis,
    ledger,
    new_ids,
    purchase,
    record_for,
    row_counts,
)


def _wrapped(orig: Exception) -> DBAPIError:
    """``orig`` as SQLAlchemy raises it from a statement."""
    return OperationalError("UPDATE players ...", {}, orig)


def _busy_sqlite_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5  # type: ignore[attr-defined]  # SQLITE_BUSY
    return error


#: Appends whose round trips are counted.
APPENDS = 3
#: How long a killed connection may linger in the server's process list.
KILL_DEADLINE_S = 10

#: A write that changes nothing but opens a transaction (MySQL reports it).
_TOUCH = players.update().where(players.c.player_id == "").values(version=1)


def _status_in_transaction(status: int) -> bool:
    """The protocol's "in transaction" bit (PyMySQL updates it on OK packets)."""
    return bool(status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)


def _in_transaction(engine: Engine) -> bool:
    """Whether the next pooled MySQL connection is inside a transaction."""
    with engine.connect() as connection:
        status = connection.connection.dbapi_connection.server_status
    return _status_in_transaction(status)


def _session_counters(engine: Engine) -> dict[str, int]:
    """Statement counters of the next pooled MySQL connection's session."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SHOW SESSION STATUS WHERE Variable_name IN"
            " ('Com_admin_commands', 'Com_commit', 'Com_rollback', 'Questions')"
        ).all()
    return {name: int(value) for name, value in rows}


def _connection_id(engine: Engine) -> int:
    """The server's id of the next pooled connection (the pool holds one)."""
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())


def _kill(url: str, connection_id: int) -> None:
    """Kill a server connection, as a restart would, and wait until it is gone."""
    engine = make_engine(url)
    reader = make_reader(engine)
    try:
        with reader.connect() as connection:
            connection.exec_driver_sql(f"KILL CONNECTION {int(connection_id)}")
            deadline = time.monotonic() + KILL_DEADLINE_S
            while connection.exec_driver_sql(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s",
                (connection_id,),
            ).scalar_one():
                assert time.monotonic() < deadline, "the killed connection lingers"
    finally:
        reader.dispose()
        engine.dispose()


class TestIsTransient:
    """Which database errors mean "lost a race, retry on fresh state"."""

    @pytest.mark.parametrize(
        ("orig", "expected"),
        [
            (pymysql.err.OperationalError(1213, "Deadlock found"), True),
            (pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), True),
            (pymysql.err.IntegrityError(1062, "Duplicate entry"), False),
            (pymysql.err.OperationalError(2013, "Lost connection"), False),
            (_busy_sqlite_error(), True),
            (sqlite3.OperationalError("database is locked"), True),
            (sqlite3.OperationalError("no such table: players"), False),
        ],
        ids=["deadlock", "lock-wait", "duplicate", "lost", "busy", "locked", "other"],
    )
    def test_classifies_driver_errors(self, orig: Exception, expected: bool) -> None:
        """Deadlocks, lock waits and a busy SQLite file are transient; others not."""
        assert expected == is_transient(_wrapped(orig))

    def test_non_database_errors_are_not_transient(self) -> None:
        """Only database errors can be transient."""
        assert is_transient(RuntimeError("database is locked")) is False


class TestMakeEngine:
    """``make_engine`` configures SQLite for threads and refuses other databases."""

    @pytest.mark.parametrize(
        "url", ["postgresql://localhost/db", "mysql+mysqldb://root@localhost/db"]
    )
    def test_rejects_other_databases_and_drivers(self, url: str) -> None:
        """An unsupported URL fails early with a clear error."""
        with pytest.raises(ValueError, match="use"):
            make_engine(url)

    def test_sqlite_uses_wal_busy_timeout_and_foreign_keys(
        self, tmp_path: Path
    ) -> None:
        """Every pooled SQLite connection is configured as the module says."""
        engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}", lock_timeout_ms=1234)
        try:
            with engine.connect() as connection:
                settings = tuple(
                    connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                    for name in ("journal_mode", "busy_timeout", "foreign_keys")
                )
        finally:
            engine.dispose()
        assert ("wal", 1234, 1) == settings

    def test_sqlite_reads_share_the_writer_engine(self, tmp_path: Path) -> None:
        """On SQLite the reader is the writer engine itself."""
        engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
        try:
            assert engine is make_reader(engine)
        finally:
            engine.dispose()


@pytest.fixture
def mariadb_engines(mariadb_url: str) -> Iterator[tuple[Engine, Engine]]:
    """The writer and reader engines on the session's MariaDB."""
    engine = make_engine(mariadb_url)
    reader = make_reader(engine)
    yield engine, reader
    reader.dispose()
    engine.dispose()


@pytest.mark.mariadb
class TestMariadbEngines:
    """Writes in REPEATABLE READ, reads in autocommit, nothing left open."""

    def test_writer_is_repeatable_read_and_reader_autocommits(
        self, mariadb_engines: tuple[Engine, Engine]
    ) -> None:
        """The two pools are configured for their jobs."""
        engine, reader = mariadb_engines
        with engine.connect() as connection:
            level = connection.get_isolation_level()
            writer_autocommit = connection.connection.dbapi_connection.get_autocommit()
        with reader.connect() as connection:
            reader_autocommit = connection.connection.dbapi_connection.get_autocommit()
        assert ("REPEATABLE READ", False, True) == (
            level,
            writer_autocommit,
            reader_autocommit,
        )

    def test_commit_and_rollback_leave_no_open_transaction(
        self, mariadb_engines: tuple[Engine, Engine]
    ) -> None:
        """A connection goes back to the pool outside any transaction."""
        engine, _ = mariadb_engines
        with engine.begin() as connection:
            connection.execute(_TOUCH)
        committed = _in_transaction(engine)
        with engine.connect() as connection:
            connection.execute(_TOUCH)  # closed without commit: rolled back
        abandoned = _in_transaction(engine)
        assert (False, False) == (committed, abandoned)

    def test_store_writes_leave_no_open_transaction(
        self, mariadb_url: str, catalog: Catalog
    ) -> None:
        """The writer pool does no reset: every write path ends its transaction."""
        store = create_store(mariadb_url, upgrade=False)
        try:
            ids = new_ids()
            store.create_player(genesis(ids, catalog))
            states = [_in_transaction(store.engine)]
            record = record_for(store, ids.player_id, purchase(T0 + 1, "k-1"), catalog)
            store.append(record)
            states.append(_in_transaction(store.engine))
            with pytest.raises(ConcurrencyError):
                store.append(record)  # stale version: rolled back
            states.append(_in_transaction(store.engine))
            with pytest.raises(ConcurrencyError):
                store.create_player(genesis(ids, catalog))  # duplicate: rolled back
            states.append(_in_transaction(store.engine))
        finally:
            store.close()
        assert [False] * 4 == states

    def test_append_costs_its_statements_and_one_commit(
        self, mariadb_url: str, roomy_catalog: Catalog
    ) -> None:
        """No ping before and no rollback after a write (the session's counters)."""
        store = create_store(mariadb_url, upgrade=False)
        try:
            ids = new_ids()
            store.create_player(genesis(ids, roomy_catalog))
            before = _session_counters(store.engine)
            for index in range(APPENDS):
                command = purchase(T0 + index, f"k-{index}")
                store.append(record_for(store, ids.player_id, command, roomy_catalog))
            after = _session_counters(store.engine)
        finally:
            store.close()
        delta = {name: after[name] - before[name] for name in before}
        # The first probe's own read is rolled back when it closes: one ROLLBACK.
        # Questions: six statements (version bump, journal line, debit, refill,
        # statistics, key) and the COMMIT per append, the 3 daily quests the
        # day's first command rolls, and that probe.
        expected = {
            "Com_admin_commands": 0,
            "Com_commit": APPENDS,
            "Com_rollback": 1,
            "Questions": 7 * APPENDS + 3 + 2,
        }
        assert expected == delta


@pytest.mark.mariadb
class TestMariadbDisconnects:
    """The writer handles lost connections optimistically (``database`` rules)."""

    def test_connection_lost_before_commit_is_a_conflict(
        self, mariadb_url: str, catalog: Catalog
    ) -> None:
        """A dead pooled connection fails the append, which wrote nothing."""
        store = create_store(mariadb_url, upgrade=False)
        probe = make_engine(mariadb_url)
        try:
            ids = new_ids()
            store.create_player(genesis(ids, catalog))
            record = record_for(store, ids.player_id, purchase(T0 + 1, "k-1"), catalog)
            before = row_counts(probe, ids.player_id)
            _kill(mariadb_url, _connection_id(store.engine))
            with pytest.raises(ConcurrencyError, match="connection lost"):
                store.append(record)
            assert before == row_counts(probe, ids.player_id)
            store.append(record)  # the same record commits on a new connection
            assert 2 == len(store.journal(ids.player_id))
        finally:
            probe.dispose()
            store.close()

    def test_service_retries_a_connection_lost_before_commit(
        self, mariadb_url: str, catalog: Catalog
    ) -> None:
        """The service's retry makes a server restart invisible to the player."""
        store = create_store(mariadb_url, upgrade=False)
        try:
            service = GameService(store, catalog)
            ids = new_ids()
            player = service.login_device(
                ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
            )
            _kill(mariadb_url, _connection_id(store.engine))
            result = service.execute(player, purchase(T0 + 1, "k-1"))
            assert isinstance(result.reply, EnergyUpdated)
            assert (950, 950, 2) == ledger(store.engine, player)
        finally:
            store.close()

    def test_connection_lost_during_commit_is_not_retried(
        self, mariadb_url: str, catalog: Catalog
    ) -> None:
        """An ambiguous COMMIT propagates, once, and evicts the cached player."""
        store = create_store(mariadb_url, upgrade=False)
        try:
            service = GameService(store, catalog)
            ids = new_ids()
            player = service.login_device(
                ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
            )
            victim = _connection_id(store.engine)
            kills = []

            def kill_before_commit(connection: Connection) -> None:
                kills.append(victim)
                _kill(mariadb_url, victim)

            event.listen(store.engine, "commit", kill_before_commit)
            try:
                with pytest.raises(DBAPIError) as caught:
                    service.execute(player, purchase(T0 + 1, "k-1"))
            finally:
                event.remove(store.engine, "commit", kill_before_commit)
            assert caught.value.connection_invalidated
            assert ([victim], False) == (kills, player in store.cache)
            # Here the COMMIT never reached the server; the client's retry of the
            # same key is applied once either way.
            result = service.execute(player, purchase(T0 + 2, "k-1"))
            assert isinstance(result.reply, EnergyUpdated)
            assert (950, 950, 2) == ledger(store.engine, player)
        finally:
            store.close()


def _lock_store(
    backend: str, request: pytest.FixtureRequest, tmp: Path
) -> SqlPlayerStore:
    """A store whose writers give up on a lock after a short wait."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / 'locks.db'}", lock_timeout_ms=50)
        run_migrations(engine)
    else:
        engine = make_engine(request.getfixturevalue("mariadb_url"), lock_timeout_ms=1)
    return SqlPlayerStore(engine, reader=make_reader(engine))


class TestLockTimeouts:
    """A writer that cannot get the lock in time loses the race and writes nothing."""

    @pytest.mark.parametrize("backend", ["sqlite", MARIADB])
    def test_lock_wait_is_a_concurrency_error(
        self,
        backend: str,
        request: pytest.FixtureRequest,
        tmp_path: Path,
        catalog: Catalog,
    ) -> None:
        """Another transaction holding the player's lock makes ``append`` lose."""
        store = _lock_store(backend, request, tmp_path)
        try:
            ids = new_ids()
            store.create_player(genesis(ids, catalog))
            record = record_for(store, ids.player_id, purchase(T0 + 1, "k-1"), catalog)
            before = row_counts(store.engine, ids.player_id)
            with store.engine.connect() as holder:
                holder.execute(
                    players.update()
                    .where(players.c.player_id == ids.player_id)
                    .values(updated_at=players.c.updated_at)
                )
                with pytest.raises(ConcurrencyError):
                    store.append(record)
                holder.rollback()
            assert before == row_counts(store.engine, ids.player_id)
            store.append(record)  # the same record wins once the lock is gone
        finally:
            store.close()
