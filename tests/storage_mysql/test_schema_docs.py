"""``docs/schema.md``: every table of the seed, documented from the metadata, with
the keys, foreign keys and indexes its queries need, as the database has them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Table, UniqueConstraint, inspect

from baolife_storage_mysql import make_engine, metadata, upgrade_database

from .support import MARIADB

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator() -> ModuleType:
    """``docs/_generate_schema.py``, imported from its file."""
    spec = importlib.util.spec_from_file_location(
        "_generate_schema", DOCS / "_generate_schema.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
SCHEMA_MD = (DOCS / "schema.md").read_text(encoding="utf-8")

#: The tables the seed's diagram names (issue 6, "Schema"), and the store's own.
SEED_TABLES = (
    "users",
    "characters",
    "locations",
    "energy_refill_purchases",
    "time_skip_purchases",
    "diamond_transactions",
    "processed_transactions",
    "achievements",
    "player_achievements",
    "daily_login_rewards",
    "player_login_streak",
    "daily_quest_templates",
    "player_daily_quests",
    "player_statistics",
    "player_photo_album",
    "player_inventory",
    "npc_bios",
    "dating_compatibility",
    "relationship_events",
    "date_venues",
    "date_activities",
    "analytics_events",
    "analytics_sessions",
    "deletion_log",
    "players",
    "player_journal",
    "store_transactions",
    "player_relationships",
    "player_dates",
    "player_relationship_events",
)
TABLES = sorted(metadata.tables)


def _player_column(table: Table) -> str | None:
    for name in ("player_id", "user_id"):
        if name in table.columns:
            return name
    return None


def _leading_columns(table: Table) -> list[list[str]]:
    """The columns of the primary key, each unique constraint and each index."""
    keys = [list(table.primary_key.columns.keys())]
    keys += [
        list(constraint.columns.keys())
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [[column.name for column in index.columns] for index in table.indexes]
    return keys


class TestTheReference:
    """The committed reference is what the generator writes from the metadata."""

    def test_the_file_is_up_to_date(self) -> None:
        """Regenerate with ``uv run python docs/_generate_schema.py``."""
        assert GENERATOR.generate() == SCHEMA_MD

    def test_every_key_and_index_says_what_it_serves(self) -> None:
        """``SERVES`` names exactly the metadata's keys and indexes."""
        names = sorted(
            name
            for table in metadata.tables.values()
            for name in GENERATOR.key_names(table)
        )
        assert names == sorted(GENERATOR.SERVES)

    @pytest.mark.parametrize("table", TABLES)
    def test_every_table_has_its_section(self, table: str) -> None:
        """Its purpose, columns and keys, under its own heading."""
        assert f"### `{table}`" in SCHEMA_MD
        assert metadata.tables[table].comment
        assert all(column.comment for column in metadata.tables[table].columns)

    @pytest.mark.parametrize("table", TABLES)
    def test_every_table_is_in_a_group(self, table: str) -> None:
        """Store, projection, catalog or operations: who writes it is known."""
        assert GENERATOR.group_of(metadata.tables[table]) in GENERATOR.GROUPS


class TestSeedTables:
    """Every table the seed names exists with the keys its queries need."""

    @pytest.mark.parametrize("table", SEED_TABLES)
    def test_it_exists_with_a_primary_key(self, table: str) -> None:
        """In the metadata (so in every migrated database), with a primary key."""
        assert table in metadata.tables
        assert list(metadata.tables[table].primary_key.columns)

    @pytest.mark.parametrize(
        "table",
        [name for name in TABLES if _player_column(metadata.tables[name])],
    )
    def test_a_player_s_rows_are_one_index_range(self, table: str) -> None:
        """Some key or index leads with the player column: a player's rows (the
        export, the purge, the rebuild) are one index range, on every shard."""
        column = _player_column(metadata.tables[table])
        assert any(key[0] == column for key in _leading_columns(metadata.tables[table]))

    @pytest.mark.parametrize(
        "table", [name for name in TABLES if metadata.tables[name].foreign_keys]
    )
    def test_every_foreign_key_leads_an_index(self, table: str) -> None:
        """A foreign key's columns lead a key or index (InnoDB would add one)."""
        found = metadata.tables[table]
        for foreign in found.foreign_key_constraints:
            columns = list(foreign.column_keys)
            assert any(
                key[: len(columns)] == columns for key in _leading_columns(found)
            ), foreign.name


@pytest.fixture(params=["sqlite", MARIADB])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database upgraded to head: a new SQLite file, or the session's MariaDB."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'schema.db'}"
        upgrade_database(url)
        return url
    mariadb_url: str = request.getfixturevalue("mariadb_url")
    return mariadb_url


class TestTheMigratedDatabase:
    """The migrated database has the documented keys, foreign keys and indexes."""

    def test_every_documented_key_exists(self, migrated_url: str) -> None:
        """Primary keys, foreign keys and indexes as the database reports them."""
        engine = make_engine(migrated_url)
        try:
            with engine.connect() as connection:
                inspector = inspect(connection)
                found = {
                    name: (
                        inspector.get_pk_constraint(name)["constrained_columns"],
                        sorted(
                            (fk["constrained_columns"], fk["referred_table"])
                            for fk in inspector.get_foreign_keys(name)
                        ),
                        sorted(
                            tuple(index["column_names"])
                            for index in inspector.get_indexes(name)
                            if not index.get("unique")
                        ),
                    )
                    for name in SEED_TABLES
                }
        finally:
            engine.dispose()
        expected = {
            name: (
                list(table.primary_key.columns.keys()),
                sorted(
                    (list(fk.column_keys), fk.referred_table.name)
                    for fk in table.foreign_key_constraints
                ),
                sorted(
                    tuple(column.name for column in index.columns)
                    for index in table.indexes
                    if not index.unique
                ),
            )
            for name, table in ((name, metadata.tables[name]) for name in SEED_TABLES)
        }
        assert expected == found
