"""Catalog tables: ``sync_catalog`` keeps ``locations`` equal to the content.

On SQLite and MariaDB. The MariaDB database is shared by the session and the
catalog tables hold no player, so every test first syncs the content it starts
from. The rules that need tables of their own (a foreign key into a catalog
table, a failure in a second catalog table) run on a SQLite file with a test
``MetaData``.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    sync_catalog,
)
from baolife_storage_mysql.catalog_rows import location_rows
from baolife_storage_mysql.schema import locations

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
        assert CatalogSync((TableSync("locations", (), (), (), ()),)) == again
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

    def test_only_locations_are_catalog_tables_today(self) -> None:
        """``sync_catalog`` syncs the schema's ``locations`` by default."""
        assert [locations] == [spec.table for spec in CATALOG_TABLES]

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
