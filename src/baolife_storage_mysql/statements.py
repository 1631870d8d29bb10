"""The statements the store issues, as Core constructs, and the write path's SQL.

Every statement is built with SQLAlchemy Core from ``schema.metadata``, so one
definition serves SQLite and MySQL/MariaDB (DESIGN.md "Storage").

Rules of this module:

- Reads run as Core constructs (``Connection.execute``): they are off the hot path
  once the snapshot cache answers ``load``.
- The write path (``DriverStatements``) compiles each write once per dialect and
  set of columns and runs the SQL text with ``Connection.exec_driver_sql``. That is
  still SQLAlchemy's connection, transaction, events and error wrapping
  (``IntegrityError``, disconnect detection); what it skips is the per-execution
  compiled-cache lookup and parameter processing: about 35 µs of Python per
  statement, 180 µs of a purchase's five, which moved ``bench/storage.py``'s
  service figure from 0.46x to 0.53x of the raw driver loop on a loaded machine.
  Skipping parameter processing is only correct for types that have none, so
  compiling refuses a statement whose parameters have a bind processor, and one
  that needs a parameter the caller did not pass.
- Bound parameter names of ``BUMP_VERSION`` and of the ``WHERE`` clause of
  ``update_by_key`` are prefixed (``p_``) so they never collide with the column
  names that SQLAlchemy turns into its SET clauses.
- An upsert (``upsert_into``) is the dialect's own ``INSERT``: ``ON CONFLICT (key)
  DO UPDATE`` on SQLite, ``ON DUPLICATE KEY UPDATE`` on MySQL/MariaDB, so it is
  one statement under the row lock on both, with no read before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from attrs import frozen
from sqlalchemy import (
    Connection,
    CursorResult,
    Insert,
    Integer,
    Table,
    Update,
    bindparam,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Dialect

from .schema import (
    player_journal,
    players,
    processed_transactions,
    relationship_events,
    store_transactions,
    users,
)

__all__ = [
    "BUMP_VERSION",
    "DEVICE",
    "JOURNAL",
    "LOAD",
    "PARAM_PREFIX",
    "READY",
    "RELATIONSHIP_EVENT",
    "REPLY",
    "STORE_OWNER",
    "DriverSql",
    "DriverStatements",
    "insert_into",
    "key_parameters",
    "update_by_key",
    "upsert_into",
]

#: Prefix of bound parameter names that are not column values (module rules).
PARAM_PREFIX = "p_"

#: Step 1 and 3: the version check, row lock and new snapshot, in one ``UPDATE``.
BUMP_VERSION = (
    update(players)
    .where(
        players.c.player_id == bindparam("p_player_id"),
        players.c.version == bindparam("p_expected_version"),
    )
    .values(version=players.c.version + literal_column("1", Integer))
)
LOAD = select(players.c.snapshot, players.c.version).where(
    players.c.player_id == bindparam("p_player_id")
)
DEVICE = select(users.c.user_id).where(users.c.device_id == bindparam("p_device_id"))
REPLY = select(processed_transactions.c.reply).where(
    processed_transactions.c.player_id == bindparam("p_player_id"),
    processed_transactions.c.key_hash == bindparam("p_key_hash"),
)
JOURNAL = (
    select(player_journal.c.command)
    .where(player_journal.c.player_id == bindparam("p_player_id"))
    .order_by(player_journal.c.seq)
)
READY = select(literal(1))
#: Is this storylet a relationship event? Read inside a write transaction, with a
#: shared lock, so a ``sync_catalog`` listing it either waits for the write or
#: sees its journal line (``dating_catalog``).
RELATIONSHIP_EVENT = (
    select(relationship_events.c.storylet_id)
    .where(relationship_events.c.storylet_id == bindparam("p_storylet_id"))
    .with_for_update(read=True)
)
STORE_OWNER = select(store_transactions.c.player_id).where(
    store_transactions.c.transaction_id == bindparam("p_transaction_id")
)


@cache
def insert_into(table: Table) -> Insert:
    """One ``INSERT`` construct per table (the columns come with the values)."""
    return insert(table)


@cache
def update_by_key(table: Table, add: frozenset[str] = frozenset()) -> Update:
    """One ``UPDATE`` of the row with a given primary key, per table and ``add``.

    The key's parameters come from ``key_parameters``; the columns to set come
    with the values, as for ``insert_into``; the ``add`` columns are added to
    (``dates = dates + :dates``), their values passed under their own names.
    """
    statement = update(table).where(
        *(
            column == bindparam(PARAM_PREFIX + column.name)
            for column in table.primary_key.columns
        )
    )
    if not add:
        return statement
    return statement.values(
        {
            name: table.c[name] + bindparam(name, type_=table.c[name].type)
            for name in sorted(add)
        }
    )


@cache
def upsert_into(
    table: Table, dialect: str, columns: tuple[str, ...], add: frozenset[str]
) -> Insert:
    """One ``INSERT`` of ``columns`` that updates the row whose key exists, cached.

    On a duplicate primary key the other ``columns`` are set to the values given,
    and the ``add`` columns have them added (``count = count + :count``).
    ``dialect`` is the dialect's name (``sqlite``, ``mysql`` or ``mariadb``).
    """
    key = table.primary_key.columns
    others = [name for name in columns if name not in key]
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        excluded = lite.excluded
        return lite.on_conflict_do_update(
            index_elements=list(key),
            set_={
                name: table.c[name] + excluded[name] if name in add else excluded[name]
                for name in others
            },
        )
    if dialect in ("mysql", "mariadb"):
        my = mysql.insert(table)
        inserted = my.inserted
        return my.on_duplicate_key_update(
            {
                name: table.c[name] + inserted[name] if name in add else inserted[name]
                for name in others
            }
        )
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


def key_parameters(key: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``update_by_key``'s ``WHERE`` clause for ``key``."""
    return {PARAM_PREFIX + name: value for name, value in key.items()}


#: Parameters as the driver takes them: by name, or by position.
DriverParams = Mapping[str, Any] | Sequence[Any]


@frozen
class DriverSql:
    """A write statement compiled for one dialect and one set of columns."""

    sql: str  # the SQL text in the driver's paramstyle
    positions: tuple[str, ...] | None  # parameter order, for positional styles

    @classmethod
    def compile(
        cls, statement: Insert | Update, keys: Sequence[str], dialect: Dialect
    ) -> DriverSql:
        """Compile ``statement`` for values with ``keys`` (see the module rules)."""
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        missing = set(compiled.binds) - set(keys)
        if missing:
            raise TypeError(f"parameters {sorted(missing)} have no value")
        for name, bind in compiled.binds.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {name!r} needs bind processing")
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(sql=compiled.string, positions=positions)

    def parameters(self, values: Mapping[str, Any]) -> DriverParams:
        """``values`` in the driver's paramstyle."""
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)


class DriverStatements:
    """Write statements compiled once per set of columns, run as driver SQL.

    Shared by the store's threads: a compilation two threads race for is done
    twice, with the same result, and the dict keeps either.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[tuple[Insert | Update, tuple[str, ...]], DriverSql] = {}

    def execute(
        self,
        connection: Connection,
        statement: Insert | Update,
        values: Mapping[str, Any],
    ) -> CursorResult[Any]:
        """Run ``statement`` with ``values`` on ``connection``."""
        key = (statement, tuple(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = DriverSql.compile(statement, key[1], self.dialect)
            self._compiled[key] = compiled
        return connection.exec_driver_sql(compiled.sql, compiled.parameters(values))
