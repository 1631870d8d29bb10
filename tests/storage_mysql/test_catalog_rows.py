"""Catalog tables: ``sync_catalog`` keeps them equal to the content.

``locations`` shows the generic rules; ``achievements``, ``daily_login_rewards``
and ``daily_quest_templates`` (the metagame's) are checked column for column.

On SQLite and MariaDB. The MariaDB database is shared by the session and the
catalog tables hold no player, so every test first syncs the content it starts
from. The rules that need tables of their own (a foreign key into a catalog
table, a failure in a second catalog table) run on a SQLite file with a test
``MetaData``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from attrs import evolve
from sqlalchemy import (
    CheckConstraint,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from baolife_core import Catalog
from baolife_storage_mysql import (
    CATALOG_TABLES,
    CatalogSync,
    CatalogTable,
    SqlPlayerStore,
    TableSync,
    make_engine,
    metadata,
    sync_catalog,
)
from baolife_storage_mysql.catalog_rows import (
    achievement_rows,
    location_rows,
    login_reward_rows,
    quest_template_rows,
)
from baolife_storage_mysql.schema import (
    achievements,
    daily_login_rewards,
    daily_quest_templates,
    date_activities,
    date_venues,
    locations,
    relationship_events,
)

from .support import recorded, verbs

THREADS = 4


def _with_locations(catalog: Catalog, *ids: str, **names: str) -> Catalog:
    """``catalog`` with only the locations ``ids`` (all if none), some renamed."""
    kept = tuple(
        evolve(location, name=names.get(location.id, location.name))
        for location in catalog.activities.locations
        if not ids or location.id in ids
    )
    return evolve(catalog, activities=evolve(catalog.activities, locations=kept))


def _rows(engine: Engine, table: Table = locations) -> list[dict[str, object]]:
    """Every row of a catalog table, by id."""
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).all()
    return [dict(row._mapping) for row in rows]


def _content(catalog: Catalog) -> list[dict[str, object]]:
    """The rows ``catalog`` asks for, by id."""
    return sorted(location_rows(catalog), key=lambda row: str(row["id"]))


def _ids(*ids: str) -> tuple[tuple[object, ...], ...]:
    return tuple((location,) for location in ids)


class TestSync:
    """``locations`` follows the content: inserts, updates, deletions, nothing else."""

    def test_the_table_holds_the_content_s_locations(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Every location of the bundled content, column for column."""
        sync_catalog(sql_store.engine, catalog)
        assert _content(catalog) == _rows(sql_store.engine)
        assert len(catalog.activities.locations) == len(_rows(sql_store.engine)) > 1

    def test_a_location_new_in_content_is_inserted(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Only the new key is written."""
        sync_catalog(sql_store.engine, _with_locations(catalog, "home", "park"))
        report = sync_catalog(
            sql_store.engine, _with_locations(catalog, "home", "park", "gym")
        )
        assert TableSync("locations", _ids("gym"), (), (), ()) == report.table(
            "locations"
        )
        assert ["gym", "home", "park"] == [row["id"] for row in _rows(sql_store.engine)]

    def test_a_renamed_location_is_updated(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A changed name updates that row and leaves the others alone."""
        sync_catalog(sql_store.engine, catalog)
        renamed = _with_locations(catalog, park="City Park")
        report = sync_catalog(sql_store.engine, renamed)
        assert TableSync("locations", (), _ids("park"), (), ()) == report.table(
            "locations"
        )
        rows = _rows(sql_store.engine)
        assert _content(renamed) == rows
        assert {"City Park"} == {row["name"] for row in rows if row["id"] == "park"}

    def test_a_changed_age_limit_is_updated(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Every column counts, not only the name."""
        sync_catalog(sql_store.engine, catalog)
        school = next(loc for loc in catalog.activities.locations if loc.id == "school")
        later = evolve(school, max_age=school.max_age + 1)
        changed = evolve(
            catalog,
            activities=evolve(
                catalog.activities,
                locations=tuple(
                    later if loc.id == "school" else loc
                    for loc in catalog.activities.locations
                ),
            ),
        )
        report = sync_catalog(sql_store.engine, changed)
        assert _ids("school") == report.table("locations").updated
        assert _content(changed) == _rows(sql_store.engine)

    def test_a_location_gone_from_content_is_deleted(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Nothing refers to locations by a foreign key, so it goes."""
        sync_catalog(sql_store.engine, catalog)
        smaller = _with_locations(catalog, "home", "park")
        report = sync_catalog(sql_store.engine, smaller)
        ids = [loc.id for loc in catalog.activities.locations]
        gone = sorted(set(ids) - {"home", "park"})
        assert TableSync("locations", (), (), _ids(*gone), ()) == report.table(
            "locations"
        )
        assert _content(smaller) == _rows(sql_store.engine)

    def test_a_second_sync_writes_nothing(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Idempotent: the same content again reads and changes nothing."""
        sync_catalog(sql_store.engine, _with_locations(catalog, "home"))
        assert sync_catalog(sql_store.engine, catalog).changed
        before = _rows(sql_store.engine)
        with recorded(sql_store.engine) as executed:
            again = sync_catalog(sql_store.engine, catalog)
        assert not again.changed
        unchanged = (  # in MetaData.sorted_tables order: parents first
            "achievements",
            "daily_login_rewards",
            "daily_quest_templates",
            "date_venues",
            "locations",
            "relationship_events",
            "date_activities",
        )
        assert CatalogSync(tuple(TableSync(t, (), (), (), ()) for t in unchanged)) == (
            again
        )
        assert {"SELECT"} == set(verbs(executed))
        assert before == _rows(sql_store.engine)

    def test_content_that_does_not_fit_writes_nothing(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A name longer than its column fails on every backend, before any write."""
        sync_catalog(sql_store.engine, _with_locations(catalog, "home"))
        before = _rows(sql_store.engine)
        too_long = _with_locations(catalog, park="P" * 129)
        with (
            recorded(sql_store.engine) as executed,
            pytest.raises(ValueError, match=r"locations\.name holds at most 128"),
        ):
            sync_catalog(sql_store.engine, too_long)
        assert [] == executed
        assert before == _rows(sql_store.engine)

    def test_duplicate_ids_in_content_are_refused(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Two rows for one key would make the sync depend on their order."""
        home = catalog.activities.locations[0]
        doubled = evolve(
            catalog,
            activities=evolve(
                catalog.activities, locations=(home, evolve(home, name="Other"))
            ),
        )
        with pytest.raises(ValueError, match="duplicate key"):
            sync_catalog(sql_store.engine, doubled)

    def test_servers_starting_together_sync_once(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Concurrent syncs take turns: one inserts, the others find it done."""
        sync_catalog(sql_store.engine, _with_locations(catalog, "home"))
        with ThreadPoolExecutor(THREADS) as pool:
            reports = list(
                pool.map(
                    lambda _: sync_catalog(sql_store.engine, catalog), range(THREADS)
                )
            )
        assert [1, 0, 0, 0] == sorted(
            (int(report.changed) for report in reports), reverse=True
        )
        inserted = [
            key for report in reports for key in report.table("locations").inserted
        ]
        assert len(catalog.activities.locations) - 1 == len(inserted)
        assert _content(catalog) == _rows(sql_store.engine)


class TestCatalogTables:
    """The generic rules, on catalog tables of a test ``MetaData``."""

    def test_the_schema_s_catalog_tables(self) -> None:
        """``sync_catalog`` syncs these by default: locations, the metagame's and
        dating's."""
        assert [
            locations,
            achievements,
            daily_login_rewards,
            daily_quest_templates,
            date_venues,
            date_activities,
            relationship_events,
        ] == [spec.table for spec in CATALOG_TABLES]

    def test_no_player_table_refers_to_a_catalog_table(self) -> None:
        """Player rows name catalog ids without a foreign key (``schema`` rules).

        So a stale catalog row is deleted even while players name it; the one
        reference is between catalog tables: an activity names its venue.
        """
        catalog_tables = {spec.table for spec in CATALOG_TABLES}
        assert [("date_activities", "date_venues")] == [
            (table.name, constraint.referred_table.name)
            for table in metadata.tables.values()
            for constraint in table.foreign_key_constraints
            if constraint.referred_table in catalog_tables
        ]
        assert catalog_tables.isdisjoint(
            table for table in metadata.tables.values() if "player_id" in table.c
        )

    @pytest.fixture
    def engine(self, tmp_path: Path) -> Iterator[Engine]:
        engine = make_engine(f"sqlite:///{tmp_path / 'catalog.db'}")
        yield engine
        engine.dispose()

    def test_a_referenced_location_is_kept(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        """A row some table refers to stays; the unreferenced stale ones go."""
        schema = MetaData()
        places = locations.to_metadata(schema)
        visits = Table(
            "visits",
            schema,
            Column("id", Integer, primary_key=True),
            Column("location_id", String(64), ForeignKey("locations.id")),
        )
        schema.create_all(engine)
        spec = CatalogTable(places, location_rows)
        sync_catalog(engine, catalog, [spec])
        with engine.begin() as connection:
            connection.execute(insert(visits), {"id": 1, "location_id": "gym"})

        smaller = _with_locations(catalog, "home", "school")
        report = sync_catalog(engine, smaller, [spec]).table("locations")

        assert _ids("gym") == report.kept
        gone = {loc.id for loc in catalog.activities.locations} - {"home", "school"}
        assert _ids(*sorted(gone - {"gym"})) == report.deleted
        assert ["gym", "home", "school"] == [row["id"] for row in _rows(engine, places)]
        again = sync_catalog(engine, smaller, [spec]).table("locations")
        assert (_ids("gym"), False) == (again.kept, again.changed)

    def test_a_failure_in_one_table_rolls_back_every_table(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        """One transaction: the locations written before the failure are undone."""
        schema = MetaData()
        places = locations.to_metadata(schema)
        venues = Table(
            "venues",
            schema,
            Column("id", String(64), primary_key=True),
            Column("capacity", Integer, nullable=False),
            CheckConstraint("capacity > 0", name="ck_venues_capacity"),
        )
        schema.create_all(engine)
        specs = [
            CatalogTable(venues, lambda _: [{"id": "bar", "capacity": -1}]),
            CatalogTable(places, location_rows),
        ]
        with pytest.raises(IntegrityError):
            sync_catalog(engine, catalog, specs)
        assert ([], []) == (_rows(engine, places), _rows(engine, venues))

    def test_a_row_must_have_every_column(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        """A row function that forgets a column is refused, not half-written."""
        spec = CatalogTable(locations, lambda _: [{"id": "home", "name": "Home"}])
        with pytest.raises(ValueError, match="exactly the columns"):
            sync_catalog(engine, catalog, [spec])


def _rows_by_key(engine: Engine, table: Table) -> list[dict[str, object]]:
    """Every row of a catalog table, in primary-key order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(table).order_by(*table.primary_key.columns)
        ).all()
    return [dict(row._mapping) for row in rows]


def _by_key(
    table: Table, rows: Iterable[Mapping[str, object]]
) -> list[dict[str, object]]:
    """Content rows in primary-key order."""
    keys = [column.name for column in table.primary_key.columns]
    return sorted((dict(row) for row in rows), key=lambda r: [r[k] for k in keys])


class TestMetagameCatalog:
    """The achievements, the login reward cycle and the daily quest templates."""

    def test_the_tables_hold_the_content(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """44 achievements, 7 login days, 11 quest templates, column for column."""
        sync_catalog(sql_store.engine, catalog)
        expected = {
            achievements: _by_key(achievements, achievement_rows(catalog)),
            daily_login_rewards: _by_key(
                daily_login_rewards, login_reward_rows(catalog)
            ),
            daily_quest_templates: _by_key(
                daily_quest_templates, quest_template_rows(catalog)
            ),
        }
        stored = {table: _rows_by_key(sql_store.engine, table) for table in expected}
        assert expected == stored
        assert [44, 7, 11] == [len(rows) for rows in stored.values()]

    def test_an_achievement_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A hidden one, an event predicate, a reward with a weighted roll."""
        sync_catalog(sql_store.engine, catalog)
        rows = {row["id"]: row for row in _rows_by_key(sql_store.engine, achievements)}
        assert {
            "id": "full_week",
            "category": "dedication",
            "name": "Full week",
            "description": "Log in 7 days in a row.",
            "hidden": False,
            "predicate": "login_reward_claimed where streak = 7",
            "reward": "20 diamonds + one of [1 Energy drink (weight 3) | "
            "1 Lucky charm (weight 1)]",
        } == rows["full_week"]
        assert (True, "questions_answered >= 42", "42 diamonds") == (
            rows["deep_thought"]["hidden"],
            rows["deep_thought"]["predicate"],
            rows["deep_thought"]["reward"],
        )
        assert (
            'stage_entered where stage = "teen"' == rows["teenage_years"]["predicate"]
        )
        assert sorted(a.id for a in catalog.achievements.achievements) == sorted(
            map(str, rows)
        )

    def test_the_login_reward_cycle(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Day by day: diamonds, energy, items as JSON, the text a claim shows."""
        sync_catalog(sql_store.engine, catalog)
        rows = _rows_by_key(sql_store.engine, daily_login_rewards)
        assert list(range(1, 8)) == [row["day"] for row in rows]
        assert catalog.login.week_diamonds == sum(
            int(str(row["diamonds"])) for row in rows
        )
        assert {
            "day": 3,
            "diamonds": 15,
            "energy": 50,
            "items": "{}",
            "reward": "15 diamonds + 50 energy",
        } == rows[2]
        assert {
            "day": 7,
            "diamonds": 30,
            "energy": 0,
            "items": '{"lucky_charm":1,"time_crystal":1}',
            "reward": "30 diamonds + 1 Lucky charm + 1 Time crystal",
        } == rows[6]

    def test_the_daily_quest_templates(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The event, its filter, the measure, the target range, weight, reward."""
        sync_catalog(sql_store.engine, catalog)
        rows = {
            row["id"]: row
            for row in _rows_by_key(sql_store.engine, daily_quest_templates)
        }
        assert {
            "id": "answer_questions",
            "name": "Answer {target} questions",
            "event": "question_answered",
            "event_filter": "expired = false",
            "measure": "count",
            "target_low": 2,
            "target_high": 4,
            "weight": 8,
            "reward": "10 diamonds",
        } == rows["answer_questions"]
        assert (None, "energy", 60, 150) == (
            rows["spend_energy"]["event_filter"],
            rows["spend_energy"]["measure"],
            rows["spend_energy"]["target_low"],
            rows["spend_energy"]["target_high"],
        )
        assert 0 == rows["go_on_date"]["weight"]  # never offered, still content
        assert (
            "15 diamonds + one of [20 energy (weight 3) | 1 Lucky charm "
            + ("(weight 1)]")
            == rows["meet_someone"]["reward"]
        )

    def test_changed_content_changes_only_its_rows(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A renamed achievement is updated, a removed quest template deleted.

        No player table refers to a catalog table, so a template goes from the
        catalog even while ``player_daily_quests`` rows still name it.
        """
        sync_catalog(sql_store.engine, catalog)
        renamed = tuple(
            evolve(a, name="Hello again") if a.id == "first_breath" else a
            for a in catalog.achievements.achievements
        )
        fewer = tuple(q for q in catalog.quests.quests if q.id != "rest_up")
        changed = evolve(
            catalog,
            achievements=evolve(catalog.achievements, achievements=renamed),
            quests=evolve(catalog.quests, quests=fewer),
        )
        report = sync_catalog(sql_store.engine, changed)
        assert TableSync("achievements", (), (("first_breath",),), (), ()) == (
            report.table("achievements")
        )
        assert TableSync("daily_quest_templates", (), (), (("rest_up",),), ()) == (
            report.table("daily_quest_templates")
        )
        assert not report.table("daily_login_rewards").changed
        assert "rest_up" not in {
            row["id"] for row in _rows_by_key(sql_store.engine, daily_quest_templates)
        }
        sync_catalog(sql_store.engine, catalog)  # the shared database's content
