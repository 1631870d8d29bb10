"""Rebuilding the projection tables from the journal (``rebuild``).

Real lives — the reference bot's dating life, the metagame sequence, a run of
purchases and time skips — are played through the service into a database of
their own (a SQLite file, or a private MariaDB database), with the catalog synced
as a server does. Every projection table's rows are snapshotted, then truncated
or corrupted, and a rebuild from the journal gives exactly the snapshotted rows
back: the projections are a pure function of the journal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pymysql
import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from baolife_core import (
    Catalog,
    CreateCharacter,
    GameService,
    PlayerCreated,
    PlayerNotFoundError,
    Rejection,
)
from baolife_core.testing import BotLife
from baolife_storage_mysql import (
    PROJECTIONS,
    Origin,
    SqlPlayerStore,
    create_store,
    make_engine,
    sync_catalog,
)
from baolife_storage_mysql import rebuild as rebuild_module
from baolife_storage_mysql.projections import InsertRow
from baolife_storage_mysql.rebuild import (
    MAX_ATTEMPTS,
    PROJECTION_TABLES,
    RebuildError,
    Rebuilt,
    rebuild_projections,
)
from baolife_storage_mysql.schema import (
    diamond_transactions,
    player_achievements,
    player_dates,
    player_journal,
    player_relationships,
    player_statistics,
    players,
)

from .dating_support import play_dating
from .support import (
    PROJECTION_TABLES as PLAYER_PROJECTION_TABLES,
)
from .support import (
    PURCHASE_GAP_MS,
    SQL_BACKENDS,
    T0,
    YEAR_MS,
    Rows,
    journal_lines,
    live_years,
    new_ids,
    play_metagame,
    projected_rows,
    purchase,
    stored_rows,
)

#: Every projection table's rows of every played player, by player.
Snapshot = dict[str, dict[str, Rows]]
#: Purchases and yearly time skips of the shopping player.
PURCHASES = 12
YEARS = 6


class Lives:
    """The store the lives were played on, and their players."""

    def __init__(self, store: SqlPlayerStore, shop: GameService) -> None:
        self.store = store
        self.shop = shop  # on the roomy content: purchases never run out
        self.players: list[str] = []

    @property
    def engine(self) -> Engine:
        return self.store.engine

    def snapshot(self) -> Snapshot:
        """Every projection row of every player."""
        return {
            player: stored_rows(self.engine, player, PROJECTION_TABLES)
            for player in self.players
        }


def _shopper(service: GameService) -> str:
    """A character who buys refills, then a time skip a year for ``YEARS`` years."""
    ids = new_ids()
    player = service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )
    service.execute(player, CreateCharacter(at=T0 + 1))
    for index in range(PURCHASES):
        at = T0 + 2 + index * PURCHASE_GAP_MS
        result = service.execute(player, purchase(at, f"buy-{index}"))
        assert not isinstance(result.reply, Rejection), result.reply
    live_years(service, player, T0 + 1, YEARS)
    return player


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def private_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module's own, so that "every player" is its players: a
    SQLite file, or a private database on the session's MariaDB server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('rebuild') / 'rebuild.db'}"
        return
    shared = make_url(request.getfixturevalue("mariadb_url"))
    name = f"{shared.database}_rebuild"
    server = make_engine(shared)
    try:
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        yield shared.set(database=name).render_as_string(hide_password=False)
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    finally:
        server.dispose()


@pytest.fixture(scope="module")
def lives(
    private_url: str, catalog: Catalog, roomy_catalog: Catalog, dating_life: BotLife
) -> Iterator[Lives]:
    """The bot's dating life, the metagame sequence and a shopper (on the roomy
    content), played once per backend on a migrated store whose catalog is
    synced."""
    store = create_store(private_url)
    sync_catalog(store.engine, catalog)
    service = GameService(store, catalog)
    played = Lives(store, GameService(store, roomy_catalog))
    played.players.append(play_dating(service, dating_life).player_id)
    played.players.append(play_metagame(service, catalog).player_id)
    played.players.append(_shopper(played.shop))
    yield played
    store.close()


@pytest.fixture
def snapshot(lives: Lives) -> Iterator[Snapshot]:
    """The rows as the store wrote them; every test leaves them so again."""
    before = lives.snapshot()
    yield before
    rebuild_projections(lives.engine)
    assert before == lives.snapshot()


def _counts(snapshot: Snapshot) -> dict[str, int]:
    return {
        table.name: sum(len(rows[table.name]) for rows in snapshot.values())
        for table in PROJECTION_TABLES
    }


def _truncate(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in PROJECTION_TABLES:
            connection.execute(delete(table))


class TestTheTables:
    """The rebuild knows every projection table, and the lives fill them all."""

    def test_every_projection_table_is_rebuilt(self) -> None:
        """The schema's player tables that the store does not write itself."""
        assert [t.name for t in PLAYER_PROJECTION_TABLES] == [
            t.name for t in PROJECTION_TABLES
        ]

    def test_the_lives_write_every_projection_table(self, snapshot: Snapshot) -> None:
        """No table is empty, so no table's rebuild goes untested."""
        assert [] == [name for name, count in _counts(snapshot).items() if not count]


class TestRebuildAll:
    """Every player's rows are written again, equal to what the store wrote."""

    def test_truncated_tables_come_back_identical(
        self, lives: Lives, snapshot: Snapshot
    ) -> None:
        """Every projection table emptied, then rebuilt: the same rows, counted."""
        _truncate(lives.engine)
        assert all(not rows for rows in lives.snapshot()[lives.players[0]].values())
        rebuilt = rebuild_projections(lives.engine)
        assert snapshot == lives.snapshot()
        assert Rebuilt(players=len(lives.players), rows=_counts(snapshot)) == rebuilt

    def test_intact_tables_are_written_as_they_were(
        self, lives: Lives, snapshot: Snapshot
    ) -> None:
        """A rebuild of correct tables changes no row."""
        rebuild_projections(lives.engine)
        assert snapshot == lives.snapshot()

    def test_the_rows_are_the_journal_s(self, lives: Lives, catalog: Catalog) -> None:
        """Rebuilt rows equal the projectors' rows of the stored journal."""
        _truncate(lives.engine)
        rebuild_projections(lives.engine)
        for player in lives.players:
            expected = projected_rows(
                journal_lines(lives.engine, player, catalog), PROJECTION_TABLES
            )
            assert expected == stored_rows(lives.engine, player, PROJECTION_TABLES)

    def test_progress_is_reported_per_player(
        self, lives: Lives, snapshot: Snapshot
    ) -> None:
        """Each committed player is reported with its own rows per table."""
        reported: dict[str, dict[str, int]] = {}
        rebuild_projections(
            lives.engine, progress=lambda p, rows: reported.update({p: dict(rows)})
        )
        assert {
            player: {name: len(rows) for name, rows in tables.items()}
            for player, tables in snapshot.items()
        } == reported


def _damages() -> dict[str, Callable[[str], list[object]]]:
    """Statements that damage a player's rows, by name (changed, missing, extra
    rows; in tables with inserts, updates, adds and upserts)."""
    return {
        "ledger_amounts_changed": lambda p: [
            update(diamond_transactions)
            .where(diamond_transactions.c.player_id == p)
            .values(delta=diamond_transactions.c.delta + 1)
        ],
        "statistics_zeroed": lambda p: [
            update(player_statistics)
            .where(player_statistics.c.player_id == p)
            .values(activities_done=0, diamonds_spent=0, updated_at=0)
        ],
        "ledger_rows_missing": lambda p: [
            delete(diamond_transactions).where(
                diamond_transactions.c.player_id == p,
                diamond_transactions.c.seq % 2 == 0,
            )
        ],
        "an_extra_achievement": lambda p: [
            insert(player_achievements).values(
                player_id=p, achievement_id="never_earned", unlocked_at=1
            )
        ],
        "dates_and_relationships_damaged": lambda p: [
            delete(player_dates).where(player_dates.c.player_id == p),
            update(player_relationships)
            .where(player_relationships.c.player_id == p)
            .values(dates=99, stage="married"),
        ],
    }


DAMAGES = _damages()


def _damage(engine: Engine, name: str, player: str) -> None:
    with engine.begin() as connection:
        for statement in DAMAGES[name](player):
            connection.execute(statement)


class TestRebuildOne:
    """``player_id`` rebuilds one player and leaves every other alone."""

    @pytest.mark.parametrize("damage", sorted(DAMAGES))
    def test_damaged_rows_come_back_identical(
        self, lives: Lives, snapshot: Snapshot, damage: str
    ) -> None:
        """Changed, missing and extra rows of the player are mended."""
        player = lives.players[0]
        _damage(lives.engine, damage, player)
        assert snapshot[player] != stored_rows(lives.engine, player, PROJECTION_TABLES)
        rebuilt = rebuild_projections(lives.engine, player)
        assert snapshot == lives.snapshot()
        assert 1 == rebuilt.players
        assert {name: len(rows) for name, rows in snapshot[player].items()} == dict(
            rebuilt.rows
        )

    def test_other_players_rows_are_untouched(
        self, lives: Lives, snapshot: Snapshot
    ) -> None:
        """Two players damaged, one rebuilt: the other keeps its damage."""
        mended, other = lives.players[0], lives.players[2]
        for player in (mended, other):
            _damage(lives.engine, "ledger_amounts_changed", player)
        damaged = stored_rows(lives.engine, other, PROJECTION_TABLES)
        rebuild_projections(lives.engine, mended)
        assert snapshot[mended] == stored_rows(lives.engine, mended, PROJECTION_TABLES)
        assert damaged == stored_rows(lives.engine, other, PROJECTION_TABLES)


class TestPurgedMeanwhile:
    """A player gone between the listing and its turn (a GDPR purge) is skipped."""

    def test_a_vanished_player_is_skipped(
        self, lives: Lives, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Listed but gone: the others are rebuilt and counted, no error."""
        real = rebuild_module._all_players
        monkeypatch.setattr(
            rebuild_module,
            "_all_players",
            lambda engine: iter(["0-purged-meanwhile", *real(engine)]),
        )
        _truncate(lives.engine)
        rebuilt = rebuild_projections(lives.engine)
        assert len(lives.players) == rebuilt.players
        assert snapshot == lives.snapshot()


class TestRefusals:
    """What cannot be rebuilt raises a clear error and changes nothing."""

    def test_an_unknown_player(self, lives: Lives, snapshot: Snapshot) -> None:
        """``PlayerNotFoundError`` names it; no row of anyone changed."""
        with pytest.raises(PlayerNotFoundError, match="no-such-player"):
            rebuild_projections(lives.engine, "no-such-player")
        assert snapshot == lives.snapshot()

    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            ("drop_genesis", r"journal seq \d+: player_statistics: no row"),
            ("garble_events", r"journal seq 1: undecodable events"),
        ],
    )
    def test_a_journal_the_projectors_refuse(
        self, lives: Lives, snapshot: Snapshot, edit: str, message: str
    ) -> None:
        """A journal without its genesis, or with events no longer decodable: a
        ``RebuildError`` naming the player and the line, and the player's damaged
        rows are left as they were (its transaction rolled back)."""
        player = lives.players[2]
        journal = player_journal.c
        line = 0 if edit == "drop_genesis" else 1
        where = (journal.player_id == player, journal.seq == line)
        with lives.engine.begin() as connection:
            kept = connection.execute(select(player_journal).where(*where)).one()
            if edit == "drop_genesis":
                connection.execute(delete(player_journal).where(*where))
            else:
                garbled = '[{"type": "no_such_event"}]'
                connection.execute(
                    update(player_journal).where(*where).values(events=garbled)
                )
        _damage(lives.engine, "ledger_rows_missing", player)
        damaged = lives.snapshot()
        try:
            with pytest.raises(RebuildError, match=f"player {player}, {message}"):
                rebuild_projections(lives.engine, player)
            assert damaged == lives.snapshot()
        finally:
            with lives.engine.begin() as connection:
                connection.execute(delete(player_journal).where(*where))
                connection.execute(insert(player_journal).values(**kept._mapping))

    def test_a_projector_writing_another_table(
        self, lives: Lives, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A row for a table the rebuild does not own (here ``players``) is a
        ``RebuildError``: the rebuild would not have deleted it first."""

        def stray(origin: Origin, event: object) -> list[InsertRow]:
            return [InsertRow(players, {"player_id": origin.player_id})]

        monkeypatch.setitem(PROJECTIONS, PlayerCreated, stray)
        player = lives.players[1]
        with pytest.raises(RebuildError, match="players is not a projection table"):
            rebuild_projections(lives.engine, player)
        assert snapshot == lives.snapshot()

    def test_all_players_stop_at_the_first_refusal(
        self, lives: Lives, snapshot: Snapshot
    ) -> None:
        """Players before the refused one are rebuilt (each committed); it and
        the players after it keep their rows."""
        ordered = sorted(lives.players)
        broken = ordered[1]
        journal = player_journal.c
        where = (journal.player_id == broken, journal.seq == 0)
        with lives.engine.begin() as connection:
            kept = connection.execute(select(player_journal).where(*where)).one()
            connection.execute(delete(player_journal).where(*where))
        for player in ordered:
            _damage(lives.engine, "ledger_amounts_changed", player)
        damaged = lives.snapshot()
        try:
            with pytest.raises(RebuildError, match=broken):
                rebuild_projections(lives.engine)
            after = lives.snapshot()
            assert snapshot[ordered[0]] == after[ordered[0]]
            assert damaged[broken] == after[broken]
            assert damaged[ordered[2]] == after[ordered[2]]
        finally:
            with lives.engine.begin() as connection:
                connection.execute(insert(player_journal).values(**kept._mapping))


def _transient() -> OperationalError:
    """A MySQL deadlock (1213) as SQLAlchemy raises it."""
    return OperationalError(
        "DELETE", {}, pymysql.err.OperationalError(1213, "Deadlock found")
    )


class TestLostRaces:
    """A deadlock or lock wait retries the player's transaction, a bounded number
    of times."""

    @pytest.mark.parametrize("losses", [1, MAX_ATTEMPTS - 1])
    def test_a_lost_race_is_retried(
        self,
        lives: Lives,
        snapshot: Snapshot,
        monkeypatch: pytest.MonkeyPatch,
        losses: int,
    ) -> None:
        """The first ``losses`` attempts lose; the next one rebuilds."""
        real = rebuild_module.rebuild_player
        attempts: list[str] = []

        def losing(connection: Connection, player_id: str) -> dict[str, int]:
            attempts.append(player_id)
            if len(attempts) <= losses:
                raise _transient()
            return real(connection, player_id)

        monkeypatch.setattr(rebuild_module, "rebuild_player", losing)
        player = lives.players[1]
        _damage(lives.engine, "statistics_zeroed", player)
        rebuild_projections(lives.engine, player)
        assert [player] * (losses + 1) == attempts
        assert snapshot == lives.snapshot()

    def test_too_many_lost_races_give_up(
        self, lives: Lives, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``MAX_ATTEMPTS`` losses raise the last error; nothing was written."""
        calls: list[str] = []

        def losing(connection: Connection, player_id: str) -> dict[str, int]:
            calls.append(player_id)
            raise _transient()

        monkeypatch.setattr(rebuild_module, "rebuild_player", losing)
        with pytest.raises(OperationalError, match="Deadlock"):
            rebuild_projections(lives.engine, lives.players[1])
        assert MAX_ATTEMPTS == len(calls)
        assert snapshot == lives.snapshot()


class TestBesideTheServer:
    """A rebuild runs while the game writes: commands and rebuilds of the same
    player take turns on its row lock, and the rows stay the journal's."""

    def test_purchases_during_rebuilds(
        self, lives: Lives, snapshot: Snapshot, catalog: Catalog
    ) -> None:
        """Purchases of a player while another thread rebuilds it, repeatedly:
        afterwards its rows are the projection of its journal."""
        player = lives.players[2]
        done = threading.Event()
        errors: list[BaseException] = []

        def rebuild_repeatedly() -> None:
            try:
                for _ in range(5):
                    rebuild_projections(lives.engine, player)
            except BaseException as error:  # reported to the main thread
                errors.append(error)
            finally:
                done.set()

        worker = threading.Thread(target=rebuild_repeatedly)
        worker.start()
        bought = 0
        while not done.is_set() or bought < 3:
            at = T0 + (YEARS + 1) * YEAR_MS + bought * PURCHASE_GAP_MS
            command = purchase(at, f"during-rebuild-{bought}")
            result = lives.shop.execute(player, command)
            assert not isinstance(result.reply, Rejection), result.reply
            bought += 1
        worker.join()
        assert [] == errors
        expected = projected_rows(
            journal_lines(lives.engine, player, catalog), PROJECTION_TABLES
        )
        assert expected == stored_rows(lives.engine, player, PROJECTION_TABLES)
        with lives.engine.connect() as connection:
            seq = connection.execute(
                select(func.max(player_journal.c.seq)).where(
                    player_journal.c.player_id == player
                )
            ).scalar_one()
            assert (
                seq
                == connection.execute(
                    select(players.c.seq).where(players.c.player_id == player)
                ).scalar_one()
            )
        snapshot[player] = stored_rows(lives.engine, player, PROJECTION_TABLES)


class TestSchemaRevision:
    """A database behind the code is refused before anything is read or written."""

    @pytest.mark.parametrize("revision", ["0007"])
    def test_an_older_revision(self, older_engine: Engine, revision: str) -> None:
        """The error names the revision and what to run."""
        with pytest.raises(RebuildError, match=f"revision {revision}, not .*upgrade"):
            rebuild_projections(older_engine)
