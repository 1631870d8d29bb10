"""Dating's catalog tables: date venues, their activities, relationship events.

``catalog_rows.CATALOG_TABLES`` syncs them like every catalog table; this module
turns the content into their rows, and rebuilds the player rows that depend on
``relationship_events`` (docs/storage.md "Dating").

Rules of this module (``catalog_rows`` rules, plus):

- ``date_venues`` and ``date_activities`` hold ``catalog.dating.venues`` in
  content order (``position``); an activity's key is its venue and its id, and
  it refers to its venue by a foreign key (catalog to catalog: the sync deletes
  stale activities before their venue).
- ``relationship_events`` holds the storylets of ``relationship_events.toml``
  (``catalog.storylets.relationship_events``): the title template and the
  relationship stages of its ``relationship`` condition, as canonical JSON.
- ``player_relationship_events`` records the occurrences of the storylets that
  table lists (the store looks each line's storylets up in it). So when a sync
  newly lists a storylet (the first sync after revision 0007, new content, a
  storylet moved into the relationship events), ``rebuild_relationship_events``
  writes that storylet's rows from the journal, exactly as the store would have:
  the lines are the journal's, the NPC the one ``dating_projections.Romances``
  folds from the same journal. It runs inside the sync's transaction, under the
  migration lock; the store reads the table with a shared lock, so a line
  written meanwhile either waits for the sync or is in its journal scan. A
  storylet no longer listed keeps its rows (what happened, happened).
- The rebuild reads the journal's JSON and decodes only the events it needs
  (storylet, match and stage events) through the core's wire format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from attrs import evolve
from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select

from baolife_core import Catalog, LifeEventOccurred, QuestionPosed, event_from_wire
from baolife_core.wire import canonical_json

from .dating_projections import Romances, line_romance, relationship_event_values
from .rows import Origin
from .schema import player_journal, player_relationship_events

__all__ = [
    "activity_rows",
    "rebuild_relationship_events",
    "relationship_event_rows",
    "venue_rows",
]

#: The events the rebuild decodes: the storylets and what ``Romances`` folds.
_KINDS = frozenset(
    {"life_event_occurred", "question_posed", "match_made", "relationship_changed"}
)


def venue_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``date_venues`` row per venue of ``dating.toml``, in content order."""
    for position, venue in enumerate(catalog.dating.venues):
        yield {
            "id": venue.id,
            "name": venue.name,
            "min_age": venue.min_age,
            "position": position,
        }


def activity_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``date_activities`` row per activity of every venue, in content order."""
    for venue in catalog.dating.venues:
        for position, activity in enumerate(venue.activities):
            yield {
                "venue_id": venue.id,
                "activity_id": activity.id,
                "position": position,
                "name": activity.name,
                "energy": activity.energy,
                "cost_cents": activity.cost_cents,
                "game_minutes": activity.game_minutes,
                "stat": activity.stat,
                "difficulty": activity.difficulty,
                "affection": activity.affection,
            }


def relationship_event_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``relationship_events`` row per relationship event, in content order."""
    storylets = catalog.storylets
    for storylet_id in storylets.relationship_events:
        storylet = storylets.storylet(storylet_id)
        if storylet is None:
            raise ValueError(f"relationship event {storylet_id!r} is no storylet")
        yield {
            "storylet_id": storylet.id,
            "title": storylet.title,
            "stages": canonical_json(list(storylet.conditions.relationship)),
        }


def _like_any(names: Sequence[str]) -> ColumnElement[bool]:
    """A journal line whose events name any of ``names`` (filtered after decoding)."""
    return or_(*(player_journal.c.events.like(f'%"{name}"%') for name in names))


def _players(connection: Connection, storylets: Sequence[str]) -> list[str]:
    """The players whose journal may hold one of ``storylets``, in id order."""
    query = (
        select(player_journal.c.player_id)
        .where(_like_any(storylets))
        .group_by(player_journal.c.player_id)
        .order_by(player_journal.c.player_id)
    )
    return [row.player_id for row in connection.execute(query)]


def _player_rows(
    connection: Connection, player_id: str, storylets: frozenset[str]
) -> list[dict[str, object]]:
    """The ``player_relationship_events`` rows of ``storylets`` for one player."""
    query = (
        select(player_journal.c.seq, player_journal.c.events)
        .where(
            player_journal.c.player_id == player_id,
            _like_any(["match_made", "relationship_changed", *sorted(storylets)]),
        )
        .order_by(player_journal.c.seq)
    )
    romances = Romances()
    rows: list[dict[str, object]] = []
    for line in connection.execute(query).all():
        decoded = [
            (index, event_from_wire(data))
            for index, data in enumerate(json.loads(line.events))
            if data.get("type") in _KINDS
        ]
        events = [event for _, event in decoded]
        romances = romances.after(events)
        told = [
            (index, event)
            for index, event in decoded
            if isinstance(event, LifeEventOccurred | QuestionPosed)
            and event.event_id in storylets
        ]
        if not told:
            continue
        life = told[0][1].life
        origin = Origin(
            player_id,
            line.seq,
            relationship_events=frozenset(event.event_id for _, event in told),
            romance=line_romance(romances.current(life), events),
        )
        rows.extend(
            relationship_event_values(evolve(origin, event_index=index), event)
            for index, event in told
        )
    return rows


def rebuild_relationship_events(
    connection: Connection, inserted: Sequence[tuple[object, ...]]
) -> int:
    """Write the rows of the storylets ``relationship_events`` newly lists
    (``inserted`` keys) from the journal (module rules); the rows written."""
    storylets = frozenset(str(key[0]) for key in inserted)
    if not storylets:
        return 0
    table = player_relationship_events
    written = 0
    for player_id in _players(connection, sorted(storylets)):
        connection.execute(
            delete(table).where(
                table.c.player_id == player_id,
                table.c.storylet_id.in_(sorted(storylets)),
            )
        )
        rows = _player_rows(connection, player_id, storylets)
        if rows:
            connection.execute(insert(table), rows)
            written += len(rows)
    return written
