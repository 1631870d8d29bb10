"""Migrations: the migrated database is exactly ``schema.metadata``, idempotently."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from baolife_core import (
    AchievementUnlocked,
    Catalog,
    ClaimDailyReward,
    CreateCharacter,
    GameService,
    ItemGranted,
    ItemUsed,
    LoginRewardClaimed,
    PhotoAdded,
    PlayerCreated,
    PlayerStore,
    QuestProgressed,
    QuestRewardPaid,
    QuestsRolled,
    StatisticsChanged,
    replay_outcomes,
)
from baolife_storage_mysql import (
    PROJECTIONS,
    MigrationLockError,
    Origin,
    SqlPlayerStore,
    alembic_config,
    create_store,
    make_engine,
    metadata,
    run_migrations,
    upgrade_database,
)
from baolife_storage_mysql.migrate import MIGRATION_LOCK
from baolife_storage_mysql.projections import InsertRow, no_rows, project
from baolife_storage_mysql.schema import player_photo_album

from .migrate_support import HEAD, differences, revision_of
from .support import (
    DATING_TABLES,
    DAY_MS,
    LOGIN_DAYS,
    MARIADB,
    METAGAME_TABLES,
    STORIED,
    T0,
    as_before_0007,
    genesis,
    journal_lines,
    live_years,
    new_ids,
    new_store_transaction_id,
    play_metagame,
    projected_rows,
    purchase,
    record_for,
    replayed_lines,
    row_counts,
    stored_rows,
    time_skip,
)

#: The first revision: the schema before time skips.
INITIAL = "0001"
#: The schema before characters.
TIME_SKIPS = "0002"
#: The schema before the photo album and the locations catalog.
CHARACTERS = "0003"
#: The tables 0004 adds.
ALBUM_AND_LOCATIONS = {"player_photo_album", "locations"}
#: The schema before the store transactions.
ALBUM = "0004"
#: The table 0005 adds.
STORE_TRANSACTIONS = "store_transactions"
#: The schema before the metagame.
STORE = "0005"
#: The catalog tables 0006 adds (its player tables are ``METAGAME_TABLES``).
METAGAME_CATALOG = {"achievements", "daily_login_rewards", "daily_quest_templates"}
#: The catalog tables 0007 adds (its player tables are ``DATING_TABLES``).
DATING_CATALOG = {"date_venues", "date_activities", "relationship_events"}
#: The dating rows of a player who never dated: none in any table.
NO_DATING = dict.fromkeys(DATING_TABLES, 0)
#: The events whose rows 0006 adds: before it, they wrote none.
METAGAME_EVENTS = (
    PlayerCreated,
    LoginRewardClaimed,
    QuestsRolled,
    QuestProgressed,
    QuestRewardPaid,
    AchievementUnlocked,
    StatisticsChanged,
    ItemGranted,
    ItemUsed,
)


def _as_before_0006(monkeypatch: pytest.MonkeyPatch) -> None:
    """Project as the code before 0006 did: no metagame rows (undo to restore).

    Nor the dating rows of 0007, whose relationship events the store looks up in
    a catalog table an older revision lacks.
    """
    for kind in METAGAME_EVENTS:
        monkeypatch.setitem(PROJECTIONS, kind, no_rows)
    as_before_0007(monkeypatch)


def _backfilled(
    engine: Engine, store: PlayerStore, player: str, catalog: Catalog
) -> dict[str, int]:
    """Check 0006's backfill of ``player``; the metagame rows it wrote, per table.

    The rows are those the projectors write for the stored journal, and for the
    journal's commands replayed through the engine.
    """
    tables = [metadata.tables[name] for name in METAGAME_TABLES]
    rows = stored_rows(engine, player, tables)
    assert rows == projected_rows(journal_lines(engine, player), tables)
    assert rows == projected_rows(replayed_lines(store, player, catalog), tables)
    assert 1 == len(rows["player_statistics"]) == len(rows["player_login_streak"])
    return {name: len(table_rows) for name, table_rows in rows.items()}


def _schema(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, keys and indexes, as the database reports them."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        return {
            name: (
                [column["name"] for column in inspector.get_columns(name)],
                inspector.get_pk_constraint(name)["constrained_columns"],
                sorted(fk["name"] or "" for fk in inspector.get_foreign_keys(name)),
                sorted(index["name"] or "" for index in inspector.get_indexes(name)),
            )
            for name in inspector.get_table_names()
        }


@pytest.fixture(params=["sqlite", MARIADB])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database upgraded to head: a new SQLite file, or the session's MariaDB."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        upgrade_database(url)
        return url
    mariadb_url: str = request.getfixturevalue("mariadb_url")
    return mariadb_url


class TestUpgrade:
    """``upgrade_database`` creates exactly the metadata and is idempotent."""

    def test_creates_exactly_the_metadata_tables(self, migrated_url: str) -> None:
        """The migrated tables are the metadata's plus alembic's version table."""
        engine = make_engine(migrated_url)
        try:
            expected = {*metadata.tables, "alembic_version"}
            assert expected == set(inspect(engine).get_table_names())
            assert [] == differences(engine)
            assert HEAD == revision_of(engine)
        finally:
            engine.dispose()

    def test_columns_match_the_metadata(self, migrated_url: str) -> None:
        """Every table has the metadata's columns, in order."""
        engine = make_engine(migrated_url)
        try:
            schema = _schema(engine)
        finally:
            engine.dispose()
        expected = {
            table.name: [column.name for column in table.columns]
            for table in metadata.sorted_tables
        }
        assert expected == {name: schema[name][0] for name in expected}

    def test_second_upgrade_is_a_no_op(
        self, migrated_url: str, catalog: Catalog
    ) -> None:
        """Upgrading again changes neither the schema nor the data."""
        ids = new_ids()
        store = create_store(migrated_url, upgrade=False)
        try:
            store.create_player(genesis(ids, catalog))
            before = (_schema(store.engine), revision_of(store.engine))
            upgrade_database(migrated_url)
            assert before == (_schema(store.engine), revision_of(store.engine))
            assert ids.player_id == store.player_for_device(ids.device_id)
        finally:
            store.close()


class TestFromOlder:
    """A database at an older revision with players in it, upgraded to head.

    The players are written by today's code projecting as the code of their
    revision did (``_as_before_0006``, and no album before 0004); 0006 then
    backfills the metagame tables from their journals.
    """

    @pytest.mark.parametrize("revision", [INITIAL])
    def test_upgrade_from_0001_adds_the_later_tables_and_keeps_the_data(
        self,
        older_engine: Engine,
        catalog: Catalog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """0001 -> head adds the tables, keeps old rows, and matches the metadata."""
        later = {
            "time_skip_purchases",
            "characters",
            *ALBUM_AND_LOCATIONS,
            STORE_TRANSACTIONS,
            *METAGAME_CATALOG,
            *METAGAME_TABLES,
            *DATING_CATALOG,
            *DATING_TABLES,
        }
        assert INITIAL == revision_of(older_engine)
        assert not later & set(inspect(older_engine).get_table_names())
        _as_before_0006(monkeypatch)
        ids = new_ids()
        store = SqlPlayerStore(older_engine)
        store.create_player(genesis(ids, catalog))
        refill = purchase(T0 + 1, "k-1")
        store.append(record_for(store, ids.player_id, refill, catalog))
        before = row_counts(older_engine, ids.player_id, exclude=later)
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert later <= set(inspect(older_engine).get_table_names())
        assert [] == differences(older_engine)
        after = row_counts(older_engine, ids.player_id)
        added = {
            "time_skip_purchases": 0,
            "characters": 0,
            "player_photo_album": 0,
            STORE_TRANSACTIONS: 0,
            **_backfilled(older_engine, store, ids.player_id, catalog),
            **NO_DATING,
        }
        assert {**before, **added} == after
        skip = time_skip(T0 + 2, "k-2")
        store.append(record_for(store, ids.player_id, skip, catalog))
        assert 1 == row_counts(older_engine, ids.player_id)["time_skip_purchases"]

    @pytest.mark.parametrize("revision", [TIME_SKIPS])
    def test_upgrade_from_0002_adds_characters_and_keeps_the_data(
        self,
        older_engine: Engine,
        catalog: Catalog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """0002 -> head adds ``characters``; a life can then be created."""
        assert TIME_SKIPS == revision_of(older_engine)
        assert "characters" not in inspect(older_engine).get_table_names()
        _as_before_0006(monkeypatch)
        ids = new_ids()
        store = SqlPlayerStore(older_engine)
        store.create_player(genesis(ids, catalog))
        for bought in (purchase(T0 + 1, "k-1"), time_skip(T0 + 2, "k-2")):
            store.append(record_for(store, ids.player_id, bought, catalog))
        later = {
            "characters",
            *ALBUM_AND_LOCATIONS,
            STORE_TRANSACTIONS,
            *METAGAME_TABLES,
            *DATING_TABLES,
        }
        before = row_counts(older_engine, ids.player_id, exclude=later)
        assert 1 == before["time_skip_purchases"]
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert [] == differences(older_engine)
        after = row_counts(older_engine, ids.player_id)
        added = {
            "characters": 0,
            "player_photo_album": 0,
            STORE_TRANSACTIONS: 0,
            **_backfilled(older_engine, store, ids.player_id, catalog),
            **NO_DATING,
        }
        assert {**before, **added} == after
        born = CreateCharacter(at=T0 + 3)
        store.append(record_for(store, ids.player_id, born, catalog))
        assert 1 == row_counts(older_engine, ids.player_id)["characters"]

    @pytest.mark.parametrize("revision", [CHARACTERS])
    def test_upgrade_from_0003_backfills_the_album_from_the_journal(
        self, older_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Photos journaled before 0004 become the rows the projector would write."""
        assert CHARACTERS == revision_of(older_engine)
        tables = set(inspect(older_engine).get_table_names())
        assert not ALBUM_AND_LOCATIONS & tables
        monkeypatch.setitem(PROJECTIONS, PhotoAdded, no_rows)  # as 0003's code did
        _as_before_0006(monkeypatch)
        store = SqlPlayerStore(older_engine)
        service = GameService(store, STORIED)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        service.execute(player, CreateCharacter(at=T0 + 1))
        photos = live_years(service, player, T0 + 1, 3)
        assert len(photos) >= 2
        later = {
            *ALBUM_AND_LOCATIONS,
            STORE_TRANSACTIONS,
            *METAGAME_TABLES,
            *DATING_TABLES,
        }
        before = row_counts(older_engine, player, exclude=later)
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert [] == differences(older_engine)
        after = row_counts(older_engine, player)
        added = {
            "player_photo_album": len(photos),
            STORE_TRANSACTIONS: 0,
            **_backfilled(older_engine, store, player, STORIED),
            **NO_DATING,
        }
        assert {**before, **added} == after
        with older_engine.connect() as connection:
            rows = [
                dict(row._mapping)
                for row in connection.execute(
                    select(player_photo_album)
                    .where(player_photo_album.c.player_id == player)
                    .order_by(
                        player_photo_album.c.seq, player_photo_album.c.event_index
                    )
                )
            ]
        projected = [
            dict(row.values)
            for outcome in replay_outcomes(store.journal(player), STORIED)
            for row in project(Origin(player, outcome.state.seq), outcome.events)
            if isinstance(row, InsertRow) and row.table is player_photo_album
        ]
        assert projected == rows
        stored = store.load(player, fresh=True)
        assert stored is not None
        assert [(p.life, p.day, p.caption) for p in stored.state.album] == [
            (row["life"], row["day"], row["caption"]) for row in rows
        ]

    @pytest.mark.parametrize("revision", [ALBUM])
    def test_upgrade_from_0004_adds_store_transactions_and_keeps_the_data(
        self,
        older_engine: Engine,
        catalog: Catalog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """0004 -> head adds ``store_transactions``; a purchase can then be bound."""
        assert ALBUM == revision_of(older_engine)
        assert STORE_TRANSACTIONS not in inspect(older_engine).get_table_names()
        _as_before_0006(monkeypatch)
        ids = new_ids()
        store = SqlPlayerStore(older_engine)
        store.create_player(genesis(ids, catalog))
        store.append(record_for(store, ids.player_id, purchase(T0 + 1, "k"), catalog))
        later = {STORE_TRANSACTIONS, *METAGAME_TABLES, *DATING_TABLES}
        before = row_counts(older_engine, ids.player_id, exclude=later)
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert [] == differences(older_engine)
        after = row_counts(older_engine, ids.player_id)
        added = {
            STORE_TRANSACTIONS: 0,
            **_backfilled(older_engine, store, ids.player_id, catalog),
            **NO_DATING,
        }
        assert {**before, **added} == after
        store_id = new_store_transaction_id()
        bound = store.bind_store_transaction(store_id, ids.player_id, at=T0 + 2)
        assert ids.player_id == bound
        assert 1 == row_counts(older_engine, ids.player_id)[STORE_TRANSACTIONS]

    @pytest.mark.parametrize("revision", [STORE])
    def test_upgrade_from_0005_backfills_the_metagame_from_the_journal(
        self,
        older_engine: Engine,
        catalog: Catalog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A metagame played before 0006 becomes the rows the projectors write.

        Then play goes on over the backfilled rows: a claim the next local day
        updates the streak and statistics rows the backfill inserted.
        """
        assert STORE == revision_of(older_engine)
        tables = set(inspect(older_engine).get_table_names())
        assert not (METAGAME_CATALOG | set(METAGAME_TABLES)) & tables
        _as_before_0006(monkeypatch)
        store = SqlPlayerStore(older_engine)
        service = GameService(store, catalog)
        played = play_metagame(service, catalog)
        player = played.player_id
        before = row_counts(
            older_engine, player, exclude=(*METAGAME_TABLES, *DATING_TABLES)
        )
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert [] == differences(older_engine)
        backfilled = _backfilled(older_engine, store, player, catalog)
        assert all(backfilled.values()), backfilled
        assert {**before, **backfilled, **NO_DATING} == row_counts(older_engine, player)
        at = played.login_at[-1] + DAY_MS
        result = service.execute(player, ClaimDailyReward(at=at, idempotency_key="n"))
        [claim] = [e for e in result.events if isinstance(e, LoginRewardClaimed)]
        assert LOGIN_DAYS + 1 == claim.streak
        rows = stored_rows(older_engine, player)
        assert rows == projected_rows(journal_lines(older_engine, player))
        [streak] = rows["player_login_streak"]
        [statistics] = rows["player_statistics"]
        assert (LOGIN_DAYS + 1, at, LOGIN_DAYS + 1) == (
            streak["streak"],
            streak["claimed_at"],
            statistics["login_days"],
        )


class TestRevisions:
    """The migration scripts themselves, on a throwaway SQLite file."""

    def test_empty_database_has_no_tables_until_upgraded(self, tmp_path: Path) -> None:
        """``create_store(upgrade=False)`` leaves an empty database empty."""
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        store = create_store(url, upgrade=False)
        try:
            assert [] == inspect(store.engine).get_table_names()
        finally:
            store.close()

    def test_downgrade_to_base_then_upgrade_again(self, tmp_path: Path) -> None:
        """Every revision's ``downgrade`` undoes its ``upgrade``."""
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            config = alembic_config()
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "base")
            assert ["alembic_version"] == inspect(engine).get_table_names()
            upgrade_database(url)
            assert [] == differences(engine)
        finally:
            engine.dispose()

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("sqlite://", "CREATE TABLE players"),
            ("mysql+pymysql://", "COLLATE utf8mb4_bin"),
        ],
        ids=["sqlite", "mysql"],
    )
    def test_offline_mode_prints_the_ddl(self, url: str, expected: str) -> None:
        """``upgrade --sql`` renders the migrations for a DBA to review."""
        config = alembic_config()
        config.set_main_option("sqlalchemy.url", url)
        config.output_buffer = io.StringIO()
        command.upgrade(config, "head", sql=True)
        assert expected in config.output_buffer.getvalue()


@pytest.mark.mariadb
class TestMariadbMigrationLock:
    """Concurrent upgrades on MariaDB take turns under a named lock."""

    def test_upgrade_gives_up_while_another_process_holds_the_lock(
        self, mariadb_url: str
    ) -> None:
        """A held lock makes ``run_migrations`` fail clearly after its timeout."""
        engine = make_engine(mariadb_url)
        try:
            with engine.connect() as holder:
                holder.execute(
                    text("SELECT GET_LOCK(:name, 0)"), {"name": MIGRATION_LOCK}
                )
                with pytest.raises(MigrationLockError):
                    run_migrations(engine, lock_timeout_s=0)
                holder.execute(
                    text("SELECT RELEASE_LOCK(:name)"), {"name": MIGRATION_LOCK}
                )
            run_migrations(engine, lock_timeout_s=0)
            assert HEAD == revision_of(engine)
        finally:
            engine.dispose()
