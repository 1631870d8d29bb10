"""Write statements compiled to driver SQL: both paramstyles, and what is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Column, Integer, MetaData, PickleType, Table, create_engine
from sqlalchemy.engine import Dialect

from baolife_storage_mysql import CATALOG_TABLES, metadata
from baolife_storage_mysql.schema import (
    characters,
    player_inventory,
    player_relationships,
)
from baolife_storage_mysql.statements import (
    BUMP_VERSION,
    DriverSql,
    insert_into,
    key_parameters,
    update_by_key,
    upsert_into,
)

#: The parameters ``SqlPlayerStore.append`` passes to ``BUMP_VERSION``.
BUMP_KEYS = (
    "p_player_id",
    "p_expected_version",
    "seq",
    "snapshot",
    "diamonds",
    "energy",
    "updated_at",
)


#: The tables the store writes as driver SQL: all but the catalog tables, which
#: ``sync_catalog`` writes through Core (so ``achievements.hidden`` may be a
#: ``Boolean``).
WRITTEN = set(metadata.tables) - {spec.table.name for spec in CATALOG_TABLES}


def _dialect(url: str) -> Dialect:
    """The dialect of an engine that never connects."""
    return create_engine(url).dialect


@pytest.fixture(
    params=["sqlite://", "mysql+pymysql://root@localhost/db"], ids=["sqlite", "mysql"]
)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    """Each backend's dialect: SQLite is positional (qmark), PyMySQL named."""
    return _dialect(request.param)


class TestCompile:
    """``DriverSql.compile`` and the parameters it passes on."""

    def test_bump_version_binds_only_what_the_store_passes(
        self, dialect: Dialect
    ) -> None:
        """The version increment is literal SQL; every parameter has a value."""
        compiled = DriverSql.compile(BUMP_VERSION, BUMP_KEYS, dialect)
        named = re.findall(r"%\((\w+)\)s", compiled.sql)
        assert "version + 1" in compiled.sql
        assert sorted(BUMP_KEYS) == sorted(compiled.positions or named)

    def test_positional_parameters_follow_the_sql(self) -> None:
        """On SQLite, values become a tuple in the statement's order."""
        compiled = DriverSql.compile(
            insert_into(metadata.tables["users"]),
            ("device_id", "user_id", "created_at"),
            _dialect("sqlite://"),
        )
        values = {"device_id": "d", "user_id": "u", "created_at": 1}
        assert ("u", "d", 1) == compiled.parameters(values)
        assert compiled.sql.startswith("INSERT INTO users (user_id, device_id")

    @pytest.mark.parametrize("table", sorted(WRITTEN))
    def test_every_table_compiles(self, dialect: Dialect, table: str) -> None:
        """No column the store writes needs bind processing on either backend."""
        columns = metadata.tables[table].columns
        serial = metadata.tables[table].autoincrement_column
        keys = tuple(column.name for column in columns if column is not serial)
        compiled = DriverSql.compile(insert_into(columns[0].table), keys, dialect)
        assert compiled.sql.startswith(f"INSERT INTO {table} ")

    def test_update_by_key_sets_columns_of_the_keyed_row(
        self, dialect: Dialect
    ) -> None:
        """The key's parameters are prefixed, so they never clash with SET columns."""
        key = key_parameters({"player_id": "p", "life": 1})
        assert {"p_player_id": "p", "p_life": 1} == key
        values = {**key, "stage": "teen", "updated_at": 9}
        compiled = DriverSql.compile(update_by_key(characters), tuple(values), dialect)
        where = compiled.sql.split(" WHERE ", 1)[1]
        assert compiled.sql.startswith("UPDATE characters SET stage=")
        assert "characters.player_id = " in where
        assert "characters.life = " in where
        if compiled.positions is not None:
            assert ("teen", 9, "p", 1) == compiled.parameters(values)

    def test_update_by_key_adds_to_the_add_columns(self, dialect: Dialect) -> None:
        """``dates = dates + :dates`` in SQL, the other columns set; cached."""
        add = frozenset({"dates"})
        statement = update_by_key(player_relationships, add)
        assert statement is update_by_key(player_relationships, add)
        keys = ("p_player_id", "p_life", "p_npc_id", "dates", "updated_at")
        compiled = DriverSql.compile(statement, keys, dialect)
        assert "dates=(player_relationships.dates + " in compiled.sql
        assert "updated_at=" in compiled.sql
        if compiled.positions is not None:
            values = dict.fromkeys(keys, 0) | {"dates": 1, "updated_at": 9}
            assert (1, 9, 0, 0, 0) == compiled.parameters(values)

    def test_update_by_key_needs_the_whole_key(self, dialect: Dialect) -> None:
        """Without a key column the update would touch several rows: refused."""
        with pytest.raises(TypeError, match="p_life"):
            DriverSql.compile(
                update_by_key(characters),
                ("p_player_id", "stage"),
                dialect,
            )

    def test_missing_parameter_is_refused(self, dialect: Dialect) -> None:
        """A parameter without a value would be sent as NULL: refused."""
        with pytest.raises(TypeError, match="p_expected_version"):
            DriverSql.compile(
                BUMP_VERSION,
                tuple(key for key in BUMP_KEYS if key != "p_expected_version"),
                dialect,
            )

    def test_bind_processing_is_refused(self, dialect: Dialect) -> None:
        """A type that converts its values cannot be sent as driver SQL."""
        pickled = Table(
            "pickled",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("value", PickleType),
        )
        with pytest.raises(TypeError, match="bind processing"):
            DriverSql.compile(insert_into(pickled), ("id", "value"), dialect)


class TestUpsert:
    """``upsert_into``: one statement that inserts, or sets and adds."""

    INVENTORY = ("player_id", "item_id", "count", "updated_at")

    def test_sqlite_updates_on_conflict_of_the_primary_key(self) -> None:
        """``ON CONFLICT (key) DO UPDATE``: ``add`` columns add, the others are set."""
        dialect = _dialect("sqlite://")
        statement = upsert_into(
            player_inventory, dialect.name, self.INVENTORY, frozenset({"count"})
        )
        compiled = DriverSql.compile(statement, self.INVENTORY, dialect)
        assert compiled.sql.endswith(
            "ON CONFLICT (player_id, item_id) DO UPDATE SET "
            "count = (player_inventory.count + excluded.count), "
            "updated_at = excluded.updated_at"
        )
        assert self.INVENTORY == compiled.positions

    def test_mysql_updates_on_a_duplicate_key(self) -> None:
        """``ON DUPLICATE KEY UPDATE``: the same, in MySQL's words."""
        dialect = _dialect("mysql+pymysql://root@localhost/db")
        statement = upsert_into(
            player_inventory, dialect.name, self.INVENTORY, frozenset({"count"})
        )
        compiled = DriverSql.compile(statement, self.INVENTORY, dialect)
        assert compiled.sql.endswith(
            "ON DUPLICATE KEY UPDATE "
            "count = (player_inventory.count + VALUES(count)), "
            "updated_at = VALUES(updated_at)"
        )

    def test_one_statement_per_table_columns_and_add(self) -> None:
        """Built once and cached, like ``insert_into``."""
        add = frozenset({"count"})
        first = upsert_into(player_inventory, "sqlite", self.INVENTORY, add)
        assert first is upsert_into(player_inventory, "sqlite", self.INVENTORY, add)

    def test_another_dialect_is_refused(self) -> None:
        """Only SQLite and MySQL/MariaDB have an upsert here."""
        with pytest.raises(NotImplementedError, match="postgresql"):
            upsert_into(player_inventory, "postgresql", self.INVENTORY, frozenset())
