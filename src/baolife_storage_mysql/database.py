"""Engines for SQLite and MySQL/MariaDB, and which database errors are transient.

The store is called from the worker threads of the WebSocket server, so both
backends must be safe to share across threads and must give real transactions.

Rules of this module:

- SQLite (the embedded default): one file shared by pooled connections
  (``check_same_thread=False``), WAL journal so readers never block the writer,
  ``busy_timeout`` so a writer waits for the lock instead of failing at once, and
  foreign keys on. pysqlite's own transaction handling is switched off and
  SQLAlchemy emits ``BEGIN`` itself (SQLAlchemy's documented recipe, "Enabling
  Non-Legacy SQLite Transactional Modes"): reads use a deferred ``BEGIN``; a write
  path opts into ``BEGIN IMMEDIATE`` with the ``WRITE`` execution options, so it
  takes the write lock up front instead of failing to upgrade a read lock.
- MySQL/MariaDB: PyMySQL, ``utf8mb4``, ``pool_recycle`` (servers close idle
  connections), and a short ``innodb_lock_wait_timeout``: a player's row is only
  contended by that player's own commands, so a long wait means a stuck writer,
  and the service retries. Reads are single statements (each consistent by
  itself), so ``make_reader`` gives them an autocommit engine of their own and
  they cost no ``ROLLBACK`` round trip.
- Write transactions run in ``REPEATABLE READ`` (``WRITE_ISOLATION``, DESIGN.md
  "Storage"), set by SQLAlchemy on every new connection of the writer pool
  (``SET SESSION TRANSACTION ISOLATION LEVEL``), so a server whose default is
  another level (``READ-COMMITTED`` is common on managed MySQL) runs BaoLife's
  writes the same way. It is InnoDB's default and what the locking reads inside
  a write rely on: the first statement, the version-checked ``UPDATE players``,
  takes the player's row lock and sees the latest committed version whatever the
  level (a locking read), so a stale writer always loses there; the rest of the
  transaction (journal, projections, the idempotency record, the shared-lock
  read of the ``relationship_events`` catalog) runs under next-key locks, so no
  concurrent transaction can insert into the ranges it read or wrote.
- The writer pool spends no round trip outside the transaction itself, so a
  purchase costs what a bare driver loop pays: its statements and one ``COMMIT``.
  Each of the two settings below saved about 35 µs per append on the bench's
  local MariaDB (``bench/storage.py``; a round trip costs more over a network).

  * ``pool_reset_on_return=None``: SQLAlchemy's default sends a ``ROLLBACK`` at
    every checkin, even after a ``COMMIT``. Every checkout of the writer ends its
    own transaction: ``SqlPlayerStore._write`` commits or rolls back explicitly
    (and discards a connection whose ``COMMIT`` or ``ROLLBACK`` failed),
    ``run_migrations`` uses ``Engine.begin()``, and any other ``Engine.connect()``
    user gets the autobegun transaction rolled back by ``Connection.close()``.
    Never check out the writer's raw DB-API connection: nothing would reset it.
  * No ``pool_pre_ping`` (SQLAlchemy's "pessimistic" disconnect handling, one
    ``COM_PING`` round trip per checkout); disconnects are handled the documented
    "optimistic" way instead: a statement failing on a dead connection invalidates
    it and the pool's older connections, and the store turns it into a
    ``ConcurrencyError``, so the service retries on a fresh connection. That is
    safe for every command, keyed or not, because nothing commits before
    ``COMMIT``: the server rolls back the transaction of a lost connection. A
    connection lost *during* ``COMMIT`` is ambiguous (it may have landed) and is
    not retried: the error propagates, as it did with pre-ping, which only
    checks a connection before its first statement. The cost is one lost
    attempt per in-flight writer after a server restart or failover.
  * The reader keeps ``pool_pre_ping``: the service's retry loads fresh through
    it, and a read has no transaction to make a lost connection harmless.
- ``is_transient`` is the one place that knows which errors mean "lost a race,
  retry on fresh state": MySQL 1213 (deadlock: InnoDB rolled back the victim's
  whole transaction) and 1205 (lock wait timeout: InnoDB rolled back only the
  statement, so the store rolls back the rest), SQLite ``SQLITE_BUSY``/
  ``SQLITE_LOCKED`` ("database is locked"). The store raises them as
  ``ConcurrencyError`` after its ``ROLLBACK``, and ``GameService`` retries the
  command on fresh state (at most 8 attempts in all).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError

__all__ = [
    "DEFAULT_DB_URL",
    "DEFAULT_LOCK_TIMEOUT_MS",
    "WRITE",
    "WRITE_ISOLATION",
    "is_transient",
    "make_engine",
    "make_reader",
    "missing_database_file",
]

#: The embedded default database: a SQLite file in the working directory.
DEFAULT_DB_URL = "sqlite:///baolife.db"
#: How long a writer waits for a lock before the attempt counts as lost.
DEFAULT_LOCK_TIMEOUT_MS = 5_000
#: Seconds after which a pooled MySQL connection is replaced (below wait_timeout).
POOL_RECYCLE_S = 1_800
#: The isolation level of MySQL/MariaDB write transactions (module rules).
WRITE_ISOLATION = "REPEATABLE READ"

_BEGIN = "baolife_begin"
#: Execution options of a write transaction (``BEGIN IMMEDIATE`` on SQLite).
WRITE: Mapping[str, Any] = MappingProxyType({_BEGIN: "BEGIN IMMEDIATE"})

_MYSQL_TRANSIENT = frozenset({1205, 1213})  # lock wait timeout, deadlock
_SQLITE_TRANSIENT = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)


def missing_database_file(url: str | URL) -> str | None:
    """The file a SQLite ``url`` names if it does not exist, else None.

    Connecting to it would create an empty database, so a read-only tool asks
    first and changes nothing. Other backends and in-memory SQLite: None.
    """
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    return None if Path(database).is_file() else database


def make_engine(
    url: str | URL, *, lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS
) -> Engine:
    """An engine for ``url`` configured as the module rules say."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, lock_timeout_ms)
    if backend in {"mysql", "mariadb"}:
        return _mysql_engine(parsed, lock_timeout_ms)
    raise ValueError(f"unsupported database {backend!r}: use sqlite or mysql+pymysql")


def _sqlite_engine(url: URL, lock_timeout_ms: int) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(
            connection.get_execution_options().get(_BEGIN, "BEGIN")
        )

    return engine


def _mysql_engine(
    url: URL, lock_timeout_ms: int, *, autocommit: bool = False
) -> Engine:
    if url.get_driver_name() != "pymysql":
        raise ValueError(f"use mysql+pymysql://, not {url.drivername}://")
    lock_wait_s = max(1, math.ceil(lock_timeout_ms / 1000))
    connect_args: dict[str, Any] = {
        "init_command": f"SET SESSION innodb_lock_wait_timeout = {lock_wait_s}",
    }
    if "charset" not in url.query:
        connect_args["charset"] = "utf8mb4"
    options: dict[str, Any] = {
        "pool_recycle": POOL_RECYCLE_S,
        "connect_args": connect_args,
    }
    if autocommit:
        return create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            skip_autocommit_rollback=True,
            pool_pre_ping=True,
            **options,
        )
    return create_engine(
        url,
        isolation_level=WRITE_ISOLATION,
        pool_pre_ping=False,
        pool_reset_on_return=None,
        **options,
    )


def make_reader(engine: Engine) -> Engine:
    """The engine for single-statement reads next to the writer ``engine``.

    On MySQL/MariaDB, a separate autocommit pool on the same database; on SQLite,
    ``engine`` itself (its reads take a deferred ``BEGIN``, which costs nothing).
    """
    if engine.dialect.name == "sqlite":
        return engine
    return _mysql_engine(engine.url, DEFAULT_LOCK_TIMEOUT_MS, autocommit=True)


def is_transient(error: BaseException) -> bool:
    """True if ``error`` means a lost race: roll back and retry on fresh state."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_TRANSIENT
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in _MYSQL_TRANSIENT
    return "database is locked" in str(orig)
