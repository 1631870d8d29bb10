"""What a projector yields: rows to insert, update or upsert, and where an event
happened (``Origin``).

The projectors are in ``projections`` (and ``dating_projections``), which
re-exports these names; the store writes the rows (``store._write_row``).

Rules of this module:

- A row is an ``InsertRow`` (a new row), an ``UpdateRow`` (columns to set, or
  add to, on the one row with a primary key) or an ``UpsertRow`` (insert the
  row, or, if its key exists, set its columns and add to its ``add`` columns).
  The classes check their own shape (a key that is the primary key, some column
  to write, ``add`` columns among the values) so a projector's mistake fails
  where it is made, not in SQL.
- An ``add`` column makes a row depend on every earlier event of its key, as a
  ledger balance does: the tables are rebuilt by replaying the whole journal in
  order (never one event twice), which is how the store writes them anyway.
- ``Origin`` holds what the store knows of where the events came from and a
  projector may not read from the database itself; every field but the player,
  the seq and the event's position says which journal facts it summarises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import frozen
from sqlalchemy import Table

from baolife_core import BaolifeError

__all__ = [
    "InsertRow",
    "Origin",
    "ProjectionError",
    "Projector",
    "Row",
    "UpdateRow",
    "UpsertRow",
    "no_rows",
]


class ProjectionError(BaolifeError):
    """A projected row could not be written as the journal says (a bug, not a race)."""


def _check_add(table: Table, add: frozenset[str], settable: set[str]) -> None:
    if not add <= settable:
        raise TypeError(
            f"{table.name}: add {sorted(add)} must name columns of the values "
            "outside the key"
        )


@frozen
class InsertRow:
    """One row to insert."""

    table: Table
    values: Mapping[str, object]  # column values; a column left out is NULL


@frozen
class UpdateRow:
    """Columns to set on the existing row of ``table`` with primary key ``key``.

    The ``add`` columns have their value added instead (``dates = dates + 1``).
    The store runs it as one ``UPDATE`` (``statements.update_by_key``) that must
    match exactly one row.
    """

    table: Table
    key: Mapping[str, object]  # exactly the primary key's columns and their values
    values: Mapping[str, object]  # the columns to set, none of the key's
    add: frozenset[str] = frozenset()  # columns of ``values`` added to, not set

    def __attrs_post_init__(self) -> None:
        primary_key = set(self.table.primary_key.columns.keys())
        if set(self.key) != primary_key:
            raise TypeError(
                f"{self.table.name}: key {sorted(self.key)} is not the primary key "
                f"{sorted(primary_key)}"
            )
        if not self.values or primary_key & set(self.values):
            raise TypeError(f"{self.table.name}: set some columns, none of the key's")
        _check_add(self.table, self.add, set(self.values))


@frozen
class UpsertRow:
    """Insert the row; if its primary key exists, update that row instead.

    On a key that exists, every column of ``values`` outside the key is set,
    except the ``add`` columns, to which the value is added (``count = count +
    3``). The store runs it as one statement (``statements.upsert_into``).
    """

    table: Table
    values: Mapping[str, object]  # every column to insert, the key's included
    add: frozenset[str] = frozenset()  # columns added to rather than set

    def __attrs_post_init__(self) -> None:
        primary_key = set(self.table.primary_key.columns.keys())
        if not primary_key <= set(self.values):
            raise TypeError(
                f"{self.table.name}: values {sorted(self.values)} lack the primary "
                f"key {sorted(primary_key)}"
            )
        if not set(self.values) - primary_key:
            raise TypeError(f"{self.table.name}: an upsert must set some column")
        _check_add(self.table, self.add, set(self.values) - primary_key)


Row = InsertRow | UpdateRow | UpsertRow


@frozen
class Origin:
    """Where an event was emitted: the player, the journal line, its position."""

    player_id: str  # whose events
    seq: int  # the journal seq of the record that emitted them
    # The event's position in that record's events (0 for the first); ``project``
    # sets it for each event, so it indexes ``player_journal.events``.
    event_index: int = 0
    # The local day of the player's daily quests after the record
    # (``state.retention.quests.day``; None before the first roll): the day a
    # ``QuestProgressed`` of the record belongs to, which the event lacks.
    quest_day: int | None = None
    # The storylets of the record that the ``relationship_events`` catalog table
    # lists (which storylets are relationship events is content, not journal).
    relationship_events: frozenset[str] = frozenset()
    # The NPC the record's relationship events are about
    # (``dating_projections.line_romance``), which the storylet events lack.
    romance: str | None = None


#: ``(origin, event) -> rows``; the event is the class the projector is keyed by.
Projector = Callable[[Origin, Any], Iterable[Row]]


def no_rows(origin: Origin, event: object) -> Iterable[Row]:
    """An event that is only kept in the journal."""
    return ()
