"""Engines and transient errors: pragmas, isolation, pooled connections, lock waits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from pymysql.constants import SERVER_STATUS
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from baolife_core import Catalog, ConcurrencyError
from baolife_storage_mysql import (
    SqlPlayerStore,
    is_transient,
    make_engine,
    make_reader,
    run_migrations,
)
from baolife_storage_mysql.schema import players

from .support import MARIADB, T0, genesis, new_ids, purchase, record_for, row_counts


def _wrapped(orig: Exception) -> DBAPIError:
    """``orig`` as SQLAlchemy raises it from a statement."""
    return OperationalError("UPDATE players ...", {}, orig)


def _busy_sqlite_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5  # type: ignore[attr-defined]  # SQLITE_BUSY
    return error


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

    def test_pool_rolls_back_a_transaction_left_open(
        self, mariadb_engines: tuple[Engine, Engine]
    ) -> None:
        """A DBAPI connection returned mid-transaction is rolled back by the pool."""
        engine, _ = mariadb_engines
        raw = engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute(
            str(_TOUCH.compile(engine, compile_kwargs={"literal_binds": True}))
        )
        cursor.close()
        assert _status_in_transaction(raw.dbapi_connection.server_status)
        raw.close()
        assert _in_transaction(engine) is False


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
