"""Rebuilding the projection tables from the journal (``baolife db
rebuild-projections``).

The journal is the truth and the projection tables are a function of it
(``projections`` rules). After a projector bug is fixed, a table was damaged by
hand, or a backup restored only the journal, ``rebuild_projections`` writes every
projection row again from the stored events, for one player or for all of them.
docs/storage.md "Rebuilding projections" is the operator's guide.

Rules of this module:

- ``PROJECTION_TABLES`` lists every table a projector writes; a row for any other
  table is a ``RebuildError`` (a test holds the list equal to the schema's player
  tables minus those the store writes itself). The store's own tables (``users``,
  ``players``, ``player_journal``, ``processed_transactions``,
  ``store_transactions``), the catalog tables (``sync_catalog``) and the
  operations tables (analytics, ``deletion_log``) are never touched, nor the
  snapshot, so the store's snapshot cache stays valid.
- One player, one transaction: the player's ``players`` row is locked first
  (``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite), so a command of the
  player waits for the rebuild, or the rebuild for the command, and the rows
  committed are exactly the projection of the journal committed. Then the
  storylets the ``relationship_events`` catalog table lists are read with a
  shared lock, as the store reads them; then the player's rows of every
  projection table are deleted and written again. Players are rebuilt one after
  the other, each committed on its own: never a cross-player transaction. A player
  purged (GDPR) between the listing and its turn is skipped.
- On MySQL/MariaDB the rebuild runs in ``READ COMMITTED``: the player's row lock
  already serializes it with the player's commands, and without the gap locks of
  ``REPEATABLE READ`` its ``DELETE`` does not hold up other players' inserts next
  to the player's key range. A lost race (``is_transient``) retries the player's
  transaction, at most ``MAX_ATTEMPTS`` times.
- Each journal line's stored events go through ``projections.project`` in journal
  order with the ``Origin`` the store gave them, computed from the journal alone:
  ``quest_day`` is the last ``QuestsRolled`` day so far, the relationship events
  are the line's storylets that the catalog table lists, and the NPC they are
  about is ``line_romance`` of the ``dating_projections.Romances`` fold (which a
  test holds equal to the state's current relationship).
- The rows are folded in memory exactly as the store's statements apply them
  (``_Fold``): an insert of a key already there, or an update that matches no
  row, is a ``RebuildError`` naming the player and the journal line, and that
  player's transaction is rolled back (nothing of it changed). The result is
  inserted in bulk, one ``INSERT`` per table and batch, instead of replaying
  every ``UPDATE``.
- A surrogate key (``diamond_transactions.id``) is renumbered, in journal order;
  nothing refers to it.
- ``player_relationship_events`` is rebuilt for the storylets the catalog table
  lists now (the sync keeps it so): rows of a storylet content no longer lists
  are not written again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from attrs import evolve, frozen
from sqlalchemy import Connection, Engine, Table, delete, insert, select
from sqlalchemy.exc import DBAPIError

from baolife_core import (
    BaolifeError,
    Event,
    LifeEventOccurred,
    PlayerNotFoundError,
    QuestionPosed,
    QuestsRolled,
    event_from_wire,
)

from .database import WRITE, is_transient
from .dating_projections import Romances, line_romance
from .migrate import alembic_config
from .projections import InsertRow, Origin, Row, UpdateRow, project
from .schema import (
    characters,
    dating_compatibility,
    diamond_transactions,
    energy_refill_purchases,
    npc_bios,
    player_achievements,
    player_daily_quests,
    player_dates,
    player_inventory,
    player_journal,
    player_login_streak,
    player_photo_album,
    player_relationship_events,
    player_relationships,
    player_statistics,
    players,
    relationship_events,
    time_skip_purchases,
)

__all__ = [
    "MAX_ATTEMPTS",
    "PROJECTION_TABLES",
    "RebuildError",
    "Rebuilt",
    "rebuild_player",
    "rebuild_projections",
]

#: Every table the projectors write (module rules), in ``MetaData`` order.
PROJECTION_TABLES: tuple[Table, ...] = (
    characters,
    dating_compatibility,
    diamond_transactions,
    energy_refill_purchases,
    npc_bios,
    player_achievements,
    player_daily_quests,
    player_dates,
    player_inventory,
    player_login_streak,
    player_photo_album,
    player_relationship_events,
    player_relationships,
    player_statistics,
    time_skip_purchases,
)
_BY_NAME = {table.name: table for table in PROJECTION_TABLES}

#: Attempts of one player's transaction that lose a race before giving up (as
#: ``GameService``'s retries of a command).
MAX_ATTEMPTS = 8
#: Journal lines read per query, and rows per bulk ``INSERT``.
_BATCH = 1_000
#: Players listed per query when rebuilding them all.
_PLAYER_PAGE = 1_000


class RebuildError(BaolifeError):
    """A player's journal cannot be projected (a bug to fix, not a race)."""


@frozen
class Rebuilt:
    """What a rebuild wrote: players rebuilt and rows per projection table."""

    players: int  # players whose rows were written again
    rows: Mapping[str, int]  # table name -> rows written, every projection table

    @property
    def total(self) -> int:
        """Rows written, all tables together."""
        return sum(self.rows.values())


#: A table's rows, by primary key (or insertion number for a surrogate key).
_Rows = dict[tuple[object, ...], dict[str, object]]


class _Fold:
    """One player's projection rows, applied in memory as the store's SQL does."""

    def __init__(self) -> None:
        self.tables: dict[str, _Rows] = {table.name: {} for table in PROJECTION_TABLES}

    def apply(self, row: Row) -> None:
        table = _BY_NAME.get(row.table.name)
        if table is None:
            raise RebuildError(f"{row.table.name} is not a projection table")
        rows = self.tables[table.name]
        if isinstance(row, UpdateRow):
            key = tuple(row.key[column.name] for column in table.primary_key.columns)
            existing = rows.get(key)
            if existing is None:
                raise RebuildError(f"{table.name}: no row {dict(row.key)} to update")
            _set(existing, row.values, row.add)
            return
        values = dict(row.values)
        if _surrogate(table) is not None:
            key = (len(rows),)
        else:
            key = tuple(values.get(column.name) for column in table.primary_key.columns)
        existing = rows.get(key)
        if existing is None:
            rows[key] = values
        elif isinstance(row, InsertRow):
            raise RebuildError(f"{table.name}: row {key} inserted twice")
        else:
            primary_key = set(table.primary_key.columns.keys())
            others = {k: v for k, v in values.items() if k not in primary_key}
            _set(existing, others, row.add)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def _surrogate(table: Table) -> str | None:
    """The autoincrement surrogate key's column, if the table has one."""
    column = table.autoincrement_column
    return None if column is None else column.name


def _set(
    row: dict[str, object], values: Mapping[str, object], add: frozenset[str]
) -> None:
    """Set ``values`` on ``row``, adding the ``add`` columns (``dates + 1``)."""
    for name, value in values.items():
        if name in add:
            before, delta = row.get(name), value
            if not isinstance(before, int) or not isinstance(delta, int):
                raise RebuildError(f"cannot add {delta!r} to {name} = {before!r}")
            row[name] = before + delta
        else:
            row[name] = value


def _listed(connection: Connection) -> frozenset[str]:
    """The storylets ``relationship_events`` lists, read with a shared lock as the
    store reads them (so a ``sync_catalog`` in progress is waited for)."""
    query = select(relationship_events.c.storylet_id).with_for_update(read=True)
    return frozenset(str(row.storylet_id) for row in connection.execute(query))


def _lines(connection: Connection, player_id: str) -> Iterator[tuple[int, Any]]:
    """The player's journal lines, ``(seq, events JSON)``, in keyset pages."""
    after = -1
    while True:
        page = connection.execute(
            select(player_journal.c.seq, player_journal.c.events)
            .where(
                player_journal.c.player_id == player_id,
                player_journal.c.seq > after,
            )
            .order_by(player_journal.c.seq)
            .limit(_BATCH)
        ).all()
        yield from ((line.seq, line.events) for line in page)
        if len(page) < _BATCH:
            return
        after = page[-1].seq


def _origins(
    player_id: str,
    lines: Iterator[tuple[int, Any]],
    listed: frozenset[str],
) -> Iterator[tuple[Origin, Sequence[Event]]]:
    """Each line's decoded events with the ``Origin`` the store gave them (module
    rules)."""
    quest_day: int | None = None
    romances = Romances()
    for seq, text in lines:
        try:
            events = [event_from_wire(data) for data in json.loads(text)]
        except (BaolifeError, TypeError, ValueError) as error:
            raise RebuildError(
                f"player {player_id}, journal seq {seq}: undecodable events: {error}"
            ) from error
        for rolled in (event for event in events if isinstance(event, QuestsRolled)):
            quest_day = rolled.local_day
        romances = romances.after(events)
        origin = Origin(player_id, seq, quest_day=quest_day)
        told = [
            event
            for event in events
            if isinstance(event, LifeEventOccurred | QuestionPosed)
            and event.event_id in listed
        ]
        if told:
            origin = evolve(
                origin,
                relationship_events=frozenset(event.event_id for event in told),
                romance=line_romance(romances.current(told[0].life), events),
            )
        yield origin, events


def _columns(table: Table) -> tuple[str, ...]:
    """The columns a rebuilt row lists: every one but the surrogate key."""
    surrogate = _surrogate(table)
    return tuple(column.name for column in table.columns if column.name != surrogate)


def _insert(connection: Connection, table: Table, rows: _Rows) -> None:
    """Insert ``rows`` in bulk; a column a projector left out is ``NULL``."""
    columns = _columns(table)
    full = [{name: row.get(name) for name in columns} for row in rows.values()]
    for start in range(0, len(full), _BATCH):
        connection.execute(insert(table), full[start : start + _BATCH])


def rebuild_player(connection: Connection, player_id: str) -> dict[str, int]:
    """Write ``player_id``'s projection rows again, inside the caller's write
    transaction (module rules); the rows written per table.

    Raises ``PlayerNotFoundError`` for an unknown player and ``RebuildError`` for a
    journal the projectors refuse; the caller rolls back.
    """
    locked = connection.execute(
        select(players.c.player_id)
        .where(players.c.player_id == player_id)
        .with_for_update()
    ).first()
    if locked is None:
        raise PlayerNotFoundError(player_id)
    listed = _listed(connection)
    fold = _Fold()
    for origin, events in _origins(player_id, _lines(connection, player_id), listed):
        try:
            rows = project(origin, events)
            for row in rows:
                fold.apply(row)
        except (BaolifeError, TypeError) as error:
            raise RebuildError(
                f"player {player_id}, journal seq {origin.seq}: {error}"
            ) from error
    for table in PROJECTION_TABLES:
        connection.execute(delete(table).where(table.c.player_id == player_id))
        _insert(connection, table, fold.tables[table.name])
    return fold.counts()


def _writer(engine: Engine) -> Engine:
    """The engine of a rebuild transaction (module rules)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**WRITE)
    return engine.execution_options(isolation_level="READ COMMITTED")


def _rebuild_one(engine: Engine, player_id: str) -> dict[str, int]:
    """One player's rebuild in its own transaction, retried on a lost race."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                return rebuild_player(connection, player_id)
        except DBAPIError as error:
            if not is_transient(error) or attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_revision(engine: Engine) -> None:
    """Refuse a database that is not at the latest schema (nothing is written)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise RebuildError(
            f"the database is at schema revision {current or 'none'}, not {head}: "
            "run `baolife db upgrade` first"
        )


def _all_players(engine: Engine) -> Iterator[str]:
    """Every player id, in id order, in keyset pages (each its own short read)."""
    after: str | None = None
    while True:
        query = select(players.c.player_id).order_by(players.c.player_id)
        if after is not None:
            query = query.where(players.c.player_id > after)
        with engine.connect() as connection:
            page = [
                row.player_id for row in connection.execute(query.limit(_PLAYER_PAGE))
            ]
        yield from page
        if len(page) < _PLAYER_PAGE:
            return
        after = page[-1]


def rebuild_projections(
    engine: Engine,
    player_id: str | None = None,
    *,
    progress: Callable[[str, Mapping[str, int]], None] | None = None,
) -> Rebuilt:
    """Rebuild the projection rows of ``player_id``, or of every player.

    Each player is one transaction (module rules); ``progress`` is called after
    each commit with the player and its rows per table. A player purged between
    the listing and its turn is skipped. A player that fails stops
    the rebuild with its error: the players before it stay rebuilt, its own rows
    are unchanged. A database not at the latest schema revision is refused
    (``RebuildError``) before anything is written.
    """
    _check_revision(engine)
    writer = _writer(engine)
    totals = dict.fromkeys(_BY_NAME, 0)
    done = 0
    ids = iter((player_id,)) if player_id is not None else _all_players(engine)
    for player in ids:
        try:
            counts = _rebuild_one(writer, player)
        except PlayerNotFoundError:
            if player_id is not None:
                raise
            continue  # purged since it was listed: nothing left to rebuild
        for name, count in counts.items():
            totals[name] += count
        done += 1
        if progress is not None:
            progress(player, counts)
    return Rebuilt(players=done, rows=totals)
