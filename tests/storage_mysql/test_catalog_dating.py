"""Dating's catalog tables, and the relationship event rows a sync rebuilds.

``date_venues``, ``date_activities`` and ``relationship_events`` follow the
content like every catalog table; a storylet ``relationship_events`` newly lists
gets its ``player_relationship_events`` rows rebuilt from the journal, exactly
as a store synced all along would have written them. On SQLite and MariaDB; the
MariaDB database is shared by the session, so every test syncs the content it
starts from and leaves the bundled content synced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from attrs import evolve
from sqlalchemy import Engine, Table, select

from baolife_core import Catalog, GameService
from baolife_core.dating.stages import COMMITTED
from baolife_core.testing import BotLife
from baolife_storage_mysql import SqlPlayerStore, TableSync, sync_catalog
from baolife_storage_mysql.dating_catalog import (
    activity_rows,
    relationship_event_rows,
    venue_rows,
)
from baolife_storage_mysql.schema import (
    date_activities,
    date_venues,
    player_relationship_events,
    relationship_events,
)

from .dating_support import play_dating, storylet_events
from .support import projected_rows, replayed_lines, stored_rows

Rows = list[dict[str, object]]


def _table(engine: Engine, table: Table) -> Rows:
    """Every row of a catalog table, in primary-key order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(table).order_by(*table.primary_key.columns)
        ).all()
    return [dict(row._mapping) for row in rows]


def _by_key(table: Table, rows: Iterable[Mapping[str, object]]) -> Rows:
    """Content rows in primary-key order."""
    keys = [column.name for column in table.primary_key.columns]
    return sorted(
        (dict(row) for row in rows), key=lambda row: [str(row[k]) for k in keys]
    )


def _listing(catalog: Catalog, *storylets: str) -> Catalog:
    """``catalog`` whose relationship events are only ``storylets``."""
    return evolve(
        catalog, storylets=evolve(catalog.storylets, relationship_events=storylets)
    )


def _events(engine: Engine, player_id: str) -> Rows:
    """The player's ``player_relationship_events`` rows, comparable."""
    rows = stored_rows(engine, player_id, (player_relationship_events,))
    return rows["player_relationship_events"]


def _expected(store: SqlPlayerStore, player_id: str, catalog: Catalog) -> Rows:
    """The rows a store synced with ``catalog`` all along writes for the player."""
    rows = projected_rows(
        replayed_lines(store, player_id, catalog), (player_relationship_events,)
    )
    return rows["player_relationship_events"]


class TestTables:
    """The venues, their activities and the relationship events of the content."""

    def test_the_tables_hold_the_content(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Column for column: at least 6 venues of 3 activities, 30 events."""
        sync_catalog(sql_store.engine, catalog)
        expected = {
            date_venues: _by_key(date_venues, venue_rows(catalog)),
            date_activities: _by_key(date_activities, activity_rows(catalog)),
            relationship_events: _by_key(
                relationship_events, relationship_event_rows(catalog)
            ),
        }
        stored = {table: _table(sql_store.engine, table) for table in expected}
        assert expected == stored
        venues = catalog.dating.venues
        assert (len(venues), sum(len(v.activities) for v in venues)) == (
            len(stored[date_venues]),
            len(stored[date_activities]),
        )
        assert len(venues) >= 6
        assert min(len(v.activities) for v in venues) >= 3
        assert len(stored[relationship_events]) >= 30

    def test_a_venue_and_its_activities_in_content_order(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """``position`` is the content order; an activity row has every field."""
        sync_catalog(sql_store.engine, catalog)
        venues = _table(sql_store.engine, date_venues)
        assert [v.id for v in catalog.dating.venues] == [
            row["id"] for row in sorted(venues, key=lambda row: str(row["position"]))
        ]
        cafe = catalog.dating.venues[0]
        first = cafe.activities[0]
        [row] = [
            row
            for row in _table(sql_store.engine, date_activities)
            if (row["venue_id"], row["activity_id"]) == (cafe.id, first.id)
        ]
        assert {
            "venue_id": cafe.id,
            "activity_id": first.id,
            "position": 0,
            "name": first.name,
            "energy": first.energy,
            "cost_cents": first.cost_cents,
            "game_minutes": first.game_minutes,
            "stat": first.stat,
            "difficulty": first.difficulty,
            "affection": first.affection,
        } == row

    def test_relationship_events_name_their_stages(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The ``relationship`` condition as JSON: stages of a current relationship."""
        sync_catalog(sql_store.engine, catalog)
        rows = _table(sql_store.engine, relationship_events)
        storylets = catalog.storylets
        assert sorted(storylets.relationship_events) == [
            row["storylet_id"] for row in rows
        ]
        for row in rows:
            storylet = storylets.storylet(str(row["storylet_id"]))
            assert storylet is not None
            stages = json.loads(str(row["stages"]))
            assert (storylet.title, list(storylet.conditions.relationship)) == (
                row["title"],
                stages,
            )
            assert set(stages) <= set(COMMITTED)

    def test_a_venue_gone_from_content_goes_with_its_activities(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The activities (children) are deleted before the venue they name."""
        sync_catalog(sql_store.engine, catalog)
        gone = catalog.dating.venues[-1]
        fewer = evolve(
            catalog,
            dating=evolve(catalog.dating, venues=catalog.dating.venues[:-1]),
        )
        report = sync_catalog(sql_store.engine, fewer)
        assert TableSync("date_venues", (), (), ((gone.id,),), ()) == report.table(
            "date_venues"
        )
        assert sorted((gone.id, activity.id) for activity in gone.activities) == (
            sorted(report.table("date_activities").deleted)
        )
        assert gone.id not in {
            row["venue_id"] for row in _table(sql_store.engine, date_activities)
        }
        sync_catalog(sql_store.engine, catalog)  # the shared database's content


class TestRebuild:
    """A storylet newly listed gets the rows a synced store would have written."""

    def test_a_first_sync_rebuilds_what_an_unsynced_store_did_not_write(
        self, sql_store: SqlPlayerStore, catalog: Catalog, dating_life: BotLife
    ) -> None:
        """Played with no relationship event listed: no rows; synced: all of them,
        once (a second sync rebuilds nothing)."""
        engine = sql_store.engine
        sync_catalog(engine, _listing(catalog))
        dated = play_dating(GameService(sql_store, catalog), dating_life)
        assert [] == _events(engine, dated.player_id)

        report = sync_catalog(engine, catalog).table("relationship_events")

        expected = _expected(sql_store, dated.player_id, catalog)
        told = storylet_events(dated, catalog.storylets.relationship_events)
        assert len(told) == len(expected) > 0
        assert expected == _events(engine, dated.player_id)
        assert report.rebuilt >= len(expected)
        assert report.rebuilt == report.counts()["rebuilt"]
        again = sync_catalog(engine, catalog).table("relationship_events")
        assert (0, False) == (again.rebuilt, again.changed)
        assert expected == _events(engine, dated.player_id)

    def test_a_storylet_unlisted_keeps_its_rows_and_relisted_is_not_doubled(
        self, sql_store: SqlPlayerStore, catalog: Catalog, dating_life: BotLife
    ) -> None:
        """What happened, happened; listing it again rebuilds the same rows."""
        engine = sql_store.engine
        sync_catalog(engine, catalog)
        dated = play_dating(GameService(sql_store, catalog), dating_life)
        rows = _events(engine, dated.player_id)
        storylet = str(rows[0]["storylet_id"])
        others = tuple(
            s for s in catalog.storylets.relationship_events if s != storylet
        )

        unlisted = sync_catalog(engine, _listing(catalog, *others))
        assert ((storylet,),) == unlisted.table("relationship_events").deleted
        assert rows == _events(engine, dated.player_id)

        relisted = sync_catalog(engine, catalog).table("relationship_events")
        mine = [row for row in rows if row["storylet_id"] == storylet]
        assert ((storylet,),) == relisted.inserted
        assert relisted.rebuilt >= len(mine) > 0
        assert rows == _events(engine, dated.player_id)
