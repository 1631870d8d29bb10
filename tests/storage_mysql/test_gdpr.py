"""GDPR on the SQL store: the export, the delayed deletion, the purge (``gdpr``).

Every test runs on SQLite and MariaDB. The tables that hold a player are found
here from ``metadata`` by their columns (``player_id``, ``users.user_id``), not
from the module under test, and a player with rows in every one of them (the
bot's dating life, purchases, a store transaction, analytics) is exported and
purged, so a new table cannot be forgotten by either.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)

from baolife_core import (
    Catalog,
    GameService,
    PlayerNotFoundError,
    PlayerStore,
    Rejection,
)
from baolife_core.ports import Account, Tombstone
from baolife_core.service import DELETION_GRACE_MS
from baolife_core.testing import BotLife
from baolife_storage_mysql import (
    CATALOG_TABLES,
    SqlPlayerStore,
    gdpr,
    make_engine,
    metadata,
    sync_catalog,
)
from baolife_storage_mysql.schema import (
    analytics_events,
    analytics_sessions,
    deletion_log,
    store_transactions,
    users,
)

from .conftest import MYSQL_URL_VAR
from .dating_support import play_dating
from .support import (
    OPERATIONS_TABLES,
    PLAYER_TABLES,
    PURCHASE_GAP_MS,
    T0,
    Ids,
    genesis,
    new_ids,
    new_store_transaction_id,
    purchase,
    record_for,
)

#: An instant after every grace a test schedules (and a valid command instant).
FAR = T0 + 10 * DELETION_GRACE_MS
#: When the simple players of these tests ask for deletion.
ASKED = T0 + 10 * PURCHASE_GAP_MS


def _player_columns() -> list[tuple[Table, Column[Any]]]:
    """Every table of ``metadata`` with a player id column, and that column."""
    found = []
    for table in metadata.sorted_tables:
        for name in ("player_id", "user_id"):
            if name in table.columns:
                found.append((table, table.c[name]))
    return found


PLAYER_COLUMNS = _player_columns()


def _rows(engine: Engine, player_id: str) -> dict[str, list[dict[str, object]]]:
    """Every row that holds ``player_id``, by table, in a comparable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (
                    dict(row)
                    for row in connection.execute(
                        select(table).where(column == player_id)
                    ).mappings()
                ),
                key=lambda row: json.dumps(row, sort_keys=True, default=str),
            )
            for table, column in PLAYER_COLUMNS
        }


def _left(engine: Engine, player_id: str) -> dict[str, list[dict[str, object]]]:
    """The tables that still hold a row of ``player_id``, with those rows."""
    return {name: rows for name, rows in _rows(engine, player_id).items() if rows}


def _mentions(engine: Engine, text: str) -> dict[str, int]:
    """Rows of any table with a text column containing ``text`` (journal JSON,
    analytics properties, ids …), by table; tables without any left out."""
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            condition = columns[0].contains(text, autoescape=True)
            for column in columns[1:]:
                condition |= column.contains(text, autoescape=True)
            count = connection.execute(
                select(func.count()).select_from(table).where(condition)
            ).scalar_one()
            if count:
                found[table.name] = count
    return found


def _tombstones(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [
            dict(row)
            for row in connection.execute(
                select(deletion_log).order_by(deletion_log.c.tombstone_id)
            ).mappings()
        ]


def _device(engine: Engine, player_id: str) -> str:
    with engine.connect() as connection:
        device: str = connection.execute(
            select(users.c.device_id).where(users.c.user_id == player_id)
        ).scalar_one()
    return device


def _analytics(engine: Engine, player_id: str, at: int) -> None:
    """A session and two events of the player, as the analytics sink writes them."""
    session = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(analytics_sessions),
            {
                "session_id": session,
                "player_id": player_id,
                "connected_at": at,
                "disconnected_at": at + 60_000,
                "duration_ms": 60_000,
                "messages": 12,
            },
        )
        connection.execute(
            insert(analytics_events),
            [
                {
                    "player_id": player_id,
                    "session_id": session,
                    "name": name,
                    "properties": json.dumps({"player": player_id}),
                    "at": at + 1,
                }
                for name in ("energy_refilled", "diamonds_spent")
            ],
        )


def _simple(store: SqlPlayerStore, service: GameService) -> str:
    """A player with a purchase, a store transaction and analytics."""
    ids = new_ids()
    player = service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )
    reply = service.execute(player, purchase(T0 + 1, "k-1")).reply
    assert not isinstance(reply, Rejection), reply
    store.bind_store_transaction(new_store_transaction_id(), player, at=T0 + 2)
    _analytics(store.engine, player, T0 + 3)
    return player


@pytest.fixture(scope="module", autouse=True)
def _unbound_rows_removed() -> Iterator[None]:
    """After the module, remove from the session's MariaDB the store transactions
    its purges left unbound: the downgrades of ``test_migrate`` (revision 0008
    makes ``player_id`` NOT NULL again) run on the same database later."""
    yield
    url = os.environ.get(MYSQL_URL_VAR)
    if not url:
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(store_transactions).where(
                    store_transactions.c.player_id.is_(None)
                )
            )
    finally:
        engine.dispose()


@pytest.fixture
def gdpr_store(sql_store: SqlPlayerStore) -> Iterator[SqlPlayerStore]:
    """The SQL store, with no deletion scheduled before or after the test (the
    MariaDB database is shared by the session)."""
    sql_store.purge_due(at=FAR, limit=1_000_000)
    yield sql_store
    sql_store.purge_due(at=FAR, limit=1_000_000)


@pytest.fixture
def service(gdpr_store: SqlPlayerStore, catalog: Catalog) -> GameService:
    return GameService(gdpr_store, catalog)


@pytest.fixture
def rich(
    gdpr_store: SqlPlayerStore,
    service: GameService,
    catalog: Catalog,
    dating_life: BotLife,
) -> str:
    """A player with rows in every player table: the bot's dating life (lives,
    dates, achievements, quests, energy refills and time skips …), a store
    transaction, analytics."""
    sync_catalog(gdpr_store.engine, catalog)
    player = play_dating(service, dating_life).player_id
    last = dating_life.journal[-1].at
    gdpr_store.bind_store_transaction(new_store_transaction_id(), player, at=last + 1)
    _analytics(gdpr_store.engine, player, last + 2)
    empty = [
        name for name, rows in _rows(gdpr_store.engine, player).items() if not rows
    ]
    assert [] == empty, "the rich player must have rows in every player table"
    return player


@pytest.fixture
def any_store(store: PlayerStore) -> Iterator[PlayerStore]:
    """A store of each backend (memory too), with no deletion scheduled before
    or after the test."""
    store.purge_due(at=FAR, limit=1_000_000)
    yield store
    store.purge_due(at=FAR, limit=1_000_000)


def _created(store: PlayerStore, catalog: Catalog) -> Ids:
    ids = new_ids()
    store.create_player(genesis(ids, catalog))
    return ids


class TestContract:
    """The ``AccountStore`` port, identical on every backend (memory included)."""

    def test_a_new_account(self, any_store: PlayerStore, catalog: Catalog) -> None:
        """Created with its genesis instant, no token revoked, nothing scheduled."""
        ids = _created(any_store, catalog)
        expected = Account(ids.player_id, T0, 0, None, None)
        assert expected == any_store.account(ids.player_id)
        assert any_store.account(new_ids().player_id) is None

    def test_schedule_revoke_and_cancel(
        self, any_store: PlayerStore, catalog: Catalog
    ) -> None:
        """A schedule keeps its first instants; a cancel within the grace clears
        them and leaves the tokens revoked; a second cancel finds nothing."""
        ids = _created(any_store, catalog)
        player = ids.player_id
        first = any_store.schedule_deletion(player, at=ASKED, purge_after=ASKED + 9)
        assert Account(player, T0, ASKED, ASKED, ASKED + 9) == first
        again = any_store.schedule_deletion(player, at=ASKED + 5, purge_after=FAR)
        assert Account(player, T0, ASKED + 5, ASKED, ASKED + 9) == again
        assert any_store.cancel_deletion(player, at=ASKED + 8)
        assert not any_store.cancel_deletion(player, at=ASKED + 8)
        expected = Account(player, T0, ASKED + 5, None, None)
        assert expected == any_store.account(player)

    @pytest.mark.parametrize("late", [0, 1])
    def test_no_cancel_once_due(
        self, any_store: PlayerStore, catalog: Catalog, late: int
    ) -> None:
        """At or after ``purge_after`` a cancel matches nothing."""
        player = _created(any_store, catalog).player_id
        any_store.schedule_deletion(player, at=ASKED, purge_after=ASKED + 9)
        assert not any_store.cancel_deletion(player, at=ASKED + 9 + late)
        account = any_store.account(player)
        assert account is not None
        assert ASKED + 9 == account.purge_after

    def test_unknown_players(self, any_store: PlayerStore) -> None:
        """Nobody to schedule, cancel or export."""
        player = new_ids().player_id
        with pytest.raises(PlayerNotFoundError):
            any_store.schedule_deletion(player, at=ASKED, purge_after=FAR)
        assert not any_store.cancel_deletion(player, at=ASKED)
        assert any_store.export_player(player) is None
        assert any_store.account(player) is None

    def test_the_export_holds_the_player_s_records(
        self, any_store: PlayerStore, catalog: Catalog
    ) -> None:
        """The account, the snapshot, the journal, the idempotency records and
        the store transactions, each of the player only."""
        ids, other = _created(any_store, catalog), _created(any_store, catalog)
        player = ids.player_id
        any_store.append(record_for(any_store, player, purchase(T0 + 1, "k"), catalog))
        store_id = new_store_transaction_id()
        any_store.bind_store_transaction(store_id, player, at=T0 + 2)
        tables = any_store.export_player(player)
        assert tables is not None
        assert [(player, ids.device_id, T0)] == [
            (row["user_id"], row["device_id"], row["created_at"])
            for row in tables["users"]
        ]
        assert [1] == [row["seq"] for row in tables["players"]]
        assert [0, 1] == [row["seq"] for row in tables["player_journal"]]
        assert 1 == len(tables["processed_transactions"])
        assert [store_id] == [
            row["transaction_id"] for row in tables["store_transactions"]
        ]
        assert other.player_id not in json.dumps(tables)

    def test_the_purge(self, any_store: PlayerStore, catalog: Catalog) -> None:
        """Not before ``purge_after``; then the player is gone from every read,
        its device is free, its store transaction is claimed by nobody, and the
        tombstone has the instants."""
        ids, other = _created(any_store, catalog), _created(any_store, catalog)
        player = ids.player_id
        store_id = new_store_transaction_id()
        any_store.bind_store_transaction(store_id, player, at=T0 + 1)
        any_store.schedule_deletion(player, at=ASKED, purge_after=ASKED + 9)
        assert () == tuple(any_store.purge_due(at=ASKED + 8, limit=10))
        (purged,) = any_store.purge_due(at=ASKED + 9, limit=10)
        assert (player, ASKED, ASKED + 9) == (
            purged.player_id,
            purged.tombstone.requested_at,
            purged.tombstone.purged_at,
        )
        counts = dict(purged.tombstone.rows_deleted)
        assert (1, 1, 1) == (
            counts["users"],
            counts["players"],
            counts["player_journal"],
        )
        assert 1 == counts["store_transactions"]
        assert (None, None, None, ()) == (
            any_store.account(player),
            any_store.load(player, fresh=True),
            any_store.player_for_device(ids.device_id),
            tuple(any_store.journal(player)),
        )
        assert any_store.store_transaction_owner(store_id) is None
        assert (
            any_store.bind_store_transaction(store_id, other.player_id, at=FAR) is None
        )
        assert any_store.bind_store_transaction(store_id, player, at=FAR) is None
        with pytest.raises(PlayerNotFoundError):
            any_store.bind_store_transaction(new_store_transaction_id(), player, at=FAR)
        assert () == tuple(any_store.purge_due(at=FAR, limit=10))
        assert other.player_id == any_store.player_for_device(other.device_id)


class TestTables:
    """Which tables hold a player, derived from the metadata."""

    def test_every_table_holds_players_or_content(self) -> None:
        """A table is a player table, a catalog table or the tombstones: a table
        that names players another way fails here until ``gdpr`` knows it."""
        catalog = {entry.table.name for entry in CATALOG_TABLES}
        players = {table.name for table in gdpr.PLAYER_TABLES}
        assert set(metadata.tables) == players | catalog | {"deletion_log"}
        assert not players & catalog

    def test_the_player_tables_are_those_with_a_player_column(self) -> None:
        """``gdpr``'s list is the tables with a player or user id column,
        analytics included."""
        expected = {table.name for table, _ in PLAYER_COLUMNS}
        assert expected == {table.name for table in gdpr.PLAYER_TABLES}
        assert expected == {t.name for t in PLAYER_TABLES} | OPERATIONS_TABLES

    def test_the_tombstones_have_no_player_column(self) -> None:
        """``deletion_log`` holds instants and counts only."""
        expected = {"tombstone_id", "requested_at", "purged_at", "rows_deleted"}
        assert expected == set(deletion_log.columns.keys())


class TestExport:
    """``export_data``: every row of every table that holds the player."""

    def test_every_row_of_every_table(
        self, gdpr_store: SqlPlayerStore, service: GameService, rich: str
    ) -> None:
        """The document's tables are the player's rows exactly, ledger and
        purchases included, and the ledger adds up to the balance."""
        document = service.export_data(rich, at=FAR)
        assert {"format", "player_id", "exported_at", "tables"} == set(document)
        assert (1, rich, FAR) == (
            document["format"],
            document["player_id"],
            document["exported_at"],
        )
        tables = document["tables"]
        assert isinstance(tables, dict)
        exported = {
            name: sorted(
                rows, key=lambda row: json.dumps(row, sort_keys=True, default=str)
            )
            for name, rows in tables.items()
        }
        assert _rows(gdpr_store.engine, rich) == exported
        ledger = sum(row["delta"] for row in tables["diamond_transactions"])
        assert tables["players"][0]["diamonds"] == ledger

    def test_rows_come_in_key_order(
        self, gdpr_store: SqlPlayerStore, service: GameService, rich: str
    ) -> None:
        """Each table is sorted by its primary key (the journal by ``seq``)."""
        tables = service.export_data(rich, at=FAR)["tables"]
        assert isinstance(tables, dict)
        for table in gdpr.PLAYER_TABLES:
            keys = [
                tuple(row[c.name] for c in table.primary_key.columns)
                for row in tables[table.name]
            ]
            assert sorted(keys) == keys, table.name

    def test_the_document_is_json(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """It encodes to JSON and decodes to itself."""
        document = service.export_data(_simple(gdpr_store, service), at=T0)
        assert document == json.loads(json.dumps(document))

    def test_no_other_player_s_rows(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """Two players with the same kinds of rows: each export is its own."""
        first, second = (_simple(gdpr_store, service) for _ in range(2))
        tables = service.export_data(first, at=T0)["tables"]
        assert isinstance(tables, dict)
        owners = {
            table.name: {row[column.name] for row in tables[table.name]}
            for table, column in PLAYER_COLUMNS
        }
        assert {first} == set().union(*owners.values())
        assert second not in json.dumps(tables)

    def test_an_unknown_player_has_none(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """No player, no document: ``PlayerNotFoundError``."""
        assert gdpr_store.export_player(new_ids().player_id) is None
        with pytest.raises(PlayerNotFoundError):
            service.export_data(new_ids().player_id, at=T0)


class TestDeletion:
    """``request_account_deletion`` and ``cancel_account_deletion``."""

    def test_a_request_revokes_tokens_and_schedules_the_purge(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """``purge_after`` is 30 days after the request; tokens stamped up to the
        request are revoked; the ``users`` row says so."""
        player = _simple(gdpr_store, service)
        account = service.request_account_deletion(player, at=ASKED)
        assert (ASKED, ASKED + DELETION_GRACE_MS, ASKED) == (
            account.deletion_requested_at,
            account.purge_after,
            account.tokens_valid_after,
        )
        assert account == gdpr_store.account(player)
        assert not account.accepts_token(ASKED // 1000 * 1000, ASKED + 1)
        assert account.accepts_token(ASKED + 1000, ASKED + 1000)

    def test_asking_again_keeps_the_first_schedule(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """A second request revokes again but never extends the grace."""
        player = _simple(gdpr_store, service)
        first = service.request_account_deletion(player, at=ASKED)
        again = service.request_account_deletion(player, at=ASKED + 5_000)
        assert (first.deletion_requested_at, first.purge_after) == (
            again.deletion_requested_at,
            again.purge_after,
        )
        assert ASKED + 5_000 == again.tokens_valid_after

    def test_a_cancel_within_the_grace_keeps_everything(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """Cancelled a millisecond before the grace ends: no purge ever takes
        the player, and every row is as before (the tokens stay revoked)."""
        player = _simple(gdpr_store, service)
        before = _rows(gdpr_store.engine, player)
        account = service.request_account_deletion(player, at=ASKED)
        assert account.purge_after is not None
        assert service.cancel_account_deletion(player, at=account.purge_after - 1)
        assert [] == service.purge_due_accounts(at=FAR)
        after = _rows(gdpr_store.engine, player)
        assert ASKED == after["users"][0].pop("tokens_valid_after")
        assert 0 == before["users"][0].pop("tokens_valid_after")
        assert before == after

    def test_cancelling_nothing_is_harmless(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """With no deletion scheduled a cancel answers False and writes nothing."""
        player = _simple(gdpr_store, service)
        before = _rows(gdpr_store.engine, player)
        assert not service.cancel_account_deletion(player, at=ASKED)
        assert before == _rows(gdpr_store.engine, player)

    def test_after_the_grace_there_is_nothing_to_cancel(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """At ``purge_after`` the account is as good as gone: the service refuses
        a cancel or a new request, and the store's cancel matches no row."""
        player = _simple(gdpr_store, service)
        purge_after = service.request_account_deletion(player, at=ASKED).purge_after
        assert purge_after is not None
        with pytest.raises(PlayerNotFoundError):
            service.cancel_account_deletion(player, at=purge_after)
        with pytest.raises(PlayerNotFoundError):
            service.request_account_deletion(player, at=purge_after)
        assert not gdpr_store.cancel_deletion(player, at=purge_after)
        account = gdpr_store.account(player)
        assert account is not None
        assert purge_after == account.purge_after

    @pytest.mark.parametrize(
        "call",
        [
            lambda s, p: s.request_account_deletion(p, at=ASKED),
            lambda s, p: s.cancel_account_deletion(p, at=ASKED),
        ],
        ids=["request", "cancel"],
    )
    def test_an_unknown_player(
        self, gdpr_store: SqlPlayerStore, service: GameService, call: Any
    ) -> None:
        """Deleting or cancelling for nobody is ``PlayerNotFoundError``, and
        writes nothing."""
        player = new_ids().player_id
        with pytest.raises(PlayerNotFoundError):
            call(service, player)
        assert gdpr_store.account(player) is None


class TestPurge:
    """``purge_due_accounts``: every row goes, one tombstone stays."""

    def test_no_row_of_the_player_remains_anywhere(
        self, gdpr_store: SqlPlayerStore, service: GameService, rich: str
    ) -> None:
        """After the purge no table has a row with the player's id, and no text
        column of any table mentions the player or its device."""
        engine = gdpr_store.engine
        device = _device(engine, rich)
        assert _mentions(engine, rich)
        account = service.request_account_deletion(rich, at=T0)
        assert account.purge_after is not None
        purged = service.purge_due_accounts(at=account.purge_after)
        assert [rich] == [done.player_id for done in purged]
        assert {} == _left(engine, rich)
        assert {} == _mentions(engine, rich)
        assert {} == _mentions(engine, device)
        assert gdpr_store.load(rich) is None
        assert gdpr_store.account(rich) is None
        assert gdpr_store.export_player(rich) is None

    def test_one_tombstone_without_pii(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """Exactly one ``deletion_log`` row: the request and purge instants and
        the rows removed per table, nothing that names the player."""
        player = _simple(gdpr_store, service)
        device = _device(gdpr_store.engine, player)
        before = _tombstones(gdpr_store.engine)
        service.request_account_deletion(player, at=ASKED)
        at = ASKED + DELETION_GRACE_MS + 7
        (purged,) = service.purge_due_accounts(at=at)
        rows = _tombstones(gdpr_store.engine)[len(before) :]
        assert 1 == len(rows)
        (row,) = rows
        expected = {
            "analytics_events": 2,
            "analytics_sessions": 1,
            "diamond_transactions": 2,
            "energy_refill_purchases": 1,
            "player_daily_quests": 3,
            "player_journal": 2,
            "player_login_streak": 1,
            "player_statistics": 1,
            "players": 1,
            "processed_transactions": 1,
            "store_transactions": 1,
            "users": 1,
        }
        assert Tombstone(ASKED, at, tuple(sorted(expected.items()))) == (
            purged.tombstone
        )
        assert purged.tombstone == gdpr.tombstone_from_row(row)
        assert (ASKED, at) == (row["requested_at"], row["purged_at"])
        text = json.dumps(row)
        assert player not in text
        assert device not in text

    def test_a_store_transaction_stays_claimed_by_nobody(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """The purged player's store transaction keeps its row, unbound: nobody
        owns it, and nobody can bind it again."""
        player = _simple(gdpr_store, service)
        other = _simple(gdpr_store, service)
        store_id = new_store_transaction_id()
        assert player == gdpr_store.bind_store_transaction(store_id, player, at=T0)
        service.request_account_deletion(player, at=ASKED)
        service.purge_due_accounts(at=FAR)
        assert gdpr_store.store_transaction_owner(store_id) is None
        assert gdpr_store.bind_store_transaction(store_id, other, at=FAR) is None
        assert gdpr_store.store_transaction_owner(store_id) is None

    def test_nothing_is_purged_before_the_grace_ends(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """A millisecond before ``purge_after``: no row changes, no tombstone."""
        player = _simple(gdpr_store, service)
        account = service.request_account_deletion(player, at=ASKED)
        assert account.purge_after is not None
        before = _rows(gdpr_store.engine, player), _tombstones(gdpr_store.engine)
        assert [] == service.purge_due_accounts(at=account.purge_after - 1)
        assert before == (
            _rows(gdpr_store.engine, player),
            _tombstones(gdpr_store.engine),
        )

    def test_other_players_are_untouched(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """Players not due, scheduled or not, keep every row."""
        player, bystander, waiting = (_simple(gdpr_store, service) for _ in range(3))
        service.request_account_deletion(player, at=ASKED)
        service.request_account_deletion(waiting, at=ASKED + 1)
        kept = {p: _rows(gdpr_store.engine, p) for p in (bystander, waiting)}
        purged = service.purge_due_accounts(at=ASKED + DELETION_GRACE_MS)
        assert [player] == [done.player_id for done in purged]
        assert kept == {p: _rows(gdpr_store.engine, p) for p in (bystander, waiting)}

    def test_oldest_due_first_in_batches(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """The store purges at most ``limit`` accounts, the longest due first;
        the service runs batches until none is left."""
        players = [_simple(gdpr_store, service) for _ in range(3)]
        for index, player in reversed(list(enumerate(players))):
            service.request_account_deletion(player, at=ASKED + index)
        first = gdpr_store.purge_due(at=FAR, limit=2)
        assert players[:2] == [done.player_id for done in first]
        assert [] == service.purge_due_accounts(at=ASKED)  # nothing due yet
        rest = service.purge_due_accounts(at=FAR, batch=1)
        assert players[2:] == [done.player_id for done in rest]

    def test_purging_twice_writes_one_tombstone(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """A second round finds nothing due and writes nothing."""
        player = _simple(gdpr_store, service)
        service.request_account_deletion(player, at=ASKED)
        before = len(_tombstones(gdpr_store.engine))
        assert 1 == len(service.purge_due_accounts(at=FAR))
        assert [] == service.purge_due_accounts(at=FAR)
        assert before + 1 == len(_tombstones(gdpr_store.engine))

    def test_a_cancelled_account_is_skipped_by_a_racing_purge(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """An account found due but cancelled before its transaction (here: a
        cancel that ran first) is left whole (``purge_player`` re-checks)."""
        player = _simple(gdpr_store, service)
        service.request_account_deletion(player, at=ASKED)
        assert service.cancel_account_deletion(player, at=ASKED + 1)
        before = _rows(gdpr_store.engine, player)
        with gdpr_store.engine.begin() as connection:
            assert gdpr.purge_player(connection, player, FAR) is None
        assert before == _rows(gdpr_store.engine, player)

    def test_the_device_starts_over(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """After the purge the device is free: it logs in as a new player."""
        player = _simple(gdpr_store, service)
        device = _device(gdpr_store.engine, player)
        service.request_account_deletion(player, at=ASKED)
        service.purge_due_accounts(at=FAR)
        assert gdpr_store.player_for_device(device) is None
        again = service.login_device(
            device, new_player_id=new_ids().player_id, seed=1, at=FAR
        )
        assert player != again

    def test_a_cached_snapshot_does_not_revive_the_player(
        self, gdpr_store: SqlPlayerStore, service: GameService
    ) -> None:
        """A command on a stale cached snapshot (another process purged the
        player) finds no player, and writes nothing."""
        player = _simple(gdpr_store, service)
        other_process = SqlPlayerStore(gdpr_store.engine, reader=gdpr_store.reader)
        assert other_process.load(player) is not None  # cached there
        service.request_account_deletion(player, at=ASKED)
        service.purge_due_accounts(at=FAR)
        with pytest.raises(PlayerNotFoundError):
            GameService(other_process, service.catalog).execute(
                player, purchase(FAR, "late")
            )
        assert {} == _left(gdpr_store.engine, player)


class TestRace:
    """Two server processes: one writes for the player while the other purges."""

    def test_writes_racing_the_purge_leave_no_row(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        catalog: Catalog,
    ) -> None:
        """Purchases and store bindings racing the purge either land before it
        (and go with the player) or find no player: nothing is left behind."""
        writer_store, purger_store = store_pair
        writer = GameService(writer_store, catalog)
        player = _simple(writer_store, writer)
        purger = GameService(purger_store, catalog)
        purger.request_account_deletion(player, at=ASKED)
        started = threading.Event()
        refused: list[str] = []

        def write() -> None:
            for index in range(15):
                if index == 3:
                    started.set()
                at = ASKED + (index + 1) * PURCHASE_GAP_MS
                try:
                    writer_store.bind_store_transaction(
                        new_store_transaction_id(), player, at=at
                    )
                    writer.execute(player, purchase(at, f"race-{index}"))
                except PlayerNotFoundError:
                    refused.append("not found")
            started.set()

        thread = threading.Thread(target=write)
        thread.start()
        try:
            assert started.wait(timeout=30)
            assert [player] == [
                done.player_id for done in purger.purge_due_accounts(at=FAR)
            ]
        finally:
            thread.join(timeout=60)
        assert not thread.is_alive()
        engine = purger_store.engine
        assert {} == _left(engine, player)
        assert {} == _mentions(engine, player)
