"""The SQL store's tables: snapshot, journal, ledger, purchases, keys; threads.

These tests look at the rows behind the port (``test_store`` holds the contract),
on SQLite and MariaDB.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from attrs import evolve
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from baolife_core import (
    Catalog,
    ConcurrencyError,
    ConflictError,
    EnergyRefilled,
    GameService,
    Rejection,
    replay,
    state_to_wire,
    to_wire,
)
from baolife_core.wire import canonical_json
from baolife_storage_mysql import SqlPlayerStore
from baolife_storage_mysql.schema import player_journal, players, processed_transactions

from .support import (
    DATING_TABLES,
    T0,
    genesis,
    ledger,
    ledger_by_reason,
    new_ids,
    port_view,
    purchase,
    record_for,
    row_counts,
)

THREADS = 4
PURCHASES_PER_THREAD = 25
#: Attempts of one key by a "client" whose service gave up with ``ConflictError``.
RETRIES = 10


class TestTables:
    """The SQL store's rows: snapshot, journal, ledger, purchases, keys."""

    def test_purchase_writes_one_row_per_table(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Genesis plus one purchase: every table holds what the events say."""
        service = GameService(sql_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        service.execute(player, purchase(T0 + 1, "k-1"))
        expected = {
            "users": 1,
            "players": 1,
            "player_journal": 2,
            "diamond_transactions": 2,  # the starting grant and the debit
            "energy_refill_purchases": 1,
            "processed_transactions": 1,
            "time_skip_purchases": 0,
            "characters": 0,
            "player_photo_album": 0,
            "store_transactions": 0,
            "player_achievements": 0,
            "player_login_streak": 1,  # every player has one, from PlayerCreated
            "player_daily_quests": 3,  # the purchase's local day rolled 3 quests
            "player_statistics": 1,  # every player has one, from PlayerCreated
            "player_inventory": 0,
            **dict.fromkeys(DATING_TABLES, 0),
        }
        assert expected == row_counts(sql_store.engine, player)

    def test_snapshot_and_journal_hold_the_canonical_wire_format(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The JSON columns decode to ``state_to_wire`` and ``to_wire`` values."""
        service = GameService(sql_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        command = purchase(T0 + 1, "k-1")
        result = service.execute(player, command)
        with sql_store.engine.connect() as connection:
            snapshot, diamonds, energy = connection.execute(
                select(players.c.snapshot, players.c.diamonds, players.c.energy).where(
                    players.c.player_id == player
                )
            ).one()
            line = connection.execute(
                select(player_journal.c.command, player_journal.c.events).where(
                    player_journal.c.player_id == player, player_journal.c.seq == 1
                )
            ).one()
            reply = connection.execute(
                select(processed_transactions.c.reply).where(
                    processed_transactions.c.player_id == player
                )
            ).scalar_one()
        assert state_to_wire(result.state) == json.loads(snapshot)
        assert (diamonds, energy) == (950, 150)
        assert to_wire(command) == json.loads(line.command)
        assert canonical_json([to_wire(event) for event in result.events]) == (
            line.events
        )
        assert to_wire(result.reply) == json.loads(reply)

    def test_diamonds_column_equals_ledger_sum_and_port_view(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """``players.diamonds`` == SUM(delta) == the snapshot's balance.

        An achievement's diamonds are a ledger row like any other: the starting
        million unlocks ``treasure_trove`` (earn 5,000) at creation, paying 50.
        """
        service = GameService(sql_store, roomy_catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        for index in range(4):
            service.execute(player, purchase(T0 + index, f"k-{index}"))
        stored = sql_store.load(player)
        assert stored is not None
        balance = stored.state.wallet.diamonds
        assert (balance, balance, 6) == ledger(sql_store.engine, player)
        assert {
            ("starting_grant", "new_player"): (1, 1_000_000),
            ("achievement", "achievement:treasure_trove"): (1, 50),
            ("energy_refill", "overcharge"): (4, -4 * 50),
        } == ledger_by_reason(sql_store.engine, player)
        assert balance == 1_000_000 + 50 - 4 * 50

    def test_same_seed_players_each_have_their_purchase_rows(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Transaction ids are unique per player, not across players."""
        service = GameService(sql_store, catalog)
        first, second = new_ids(), new_ids()
        counts = []
        for ids in (first, second):
            player = service.login_device(
                ids.device_id, new_player_id=ids.player_id, seed=first.seed, at=T0
            )
            service.execute(player, purchase(T0 + 1, "k-1"))
            rows = row_counts(sql_store.engine, player)
            counts.append(
                (rows["diamond_transactions"], rows["energy_refill_purchases"])
            )
        assert [(2, 1), (2, 1)] == counts

    def test_same_key_twice_writes_one_ledger_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A retried key adds no debit, no purchase and no second key row."""
        service = GameService(sql_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        service.execute(player, purchase(T0 + 1, "k-retry"))
        before = row_counts(sql_store.engine, player)
        service.execute(player, purchase(T0 + 2, "k-retry"))
        assert before == row_counts(sql_store.engine, player)
        assert ledger(sql_store.engine, player) == (950, 950, 2)

    def test_stale_version_leaves_every_table_unchanged(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A lost version check writes no row anywhere."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        stale = record_for(sql_store, ids.player_id, purchase(T0 + 1, "k-a"), catalog)
        sql_store.append(
            record_for(sql_store, ids.player_id, purchase(T0 + 2, "k-b"), catalog)
        )
        before = row_counts(sql_store.engine, ids.player_id)
        with pytest.raises(ConcurrencyError):
            sql_store.append(stale)
        assert before == row_counts(sql_store.engine, ids.player_id)

    def test_rejected_command_leaves_every_table_unchanged(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A refused purchase writes no row anywhere."""
        service = GameService(sql_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        before = row_counts(sql_store.engine, player)
        result = service.execute(player, purchase(T0 + 1, "k-x", tier="no_such_tier"))
        assert isinstance(result.reply, Rejection)
        assert before == row_counts(sql_store.engine, player)

    def test_failure_after_the_version_bump_rolls_everything_back(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """A projection that fails mid-transaction undoes the snapshot and journal."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, roomy_catalog))
        first = record_for(
            sql_store, ids.player_id, purchase(T0 + 1, "k-1"), roomy_catalog
        )
        sql_store.append(first)
        good = record_for(
            sql_store, ids.player_id, purchase(T0 + 2, "k-2"), roomy_catalog
        )
        # Reuse the first purchase's transaction id: its refill row is a duplicate.
        [reused] = [e for e in first.outcome.events if isinstance(e, EnergyRefilled)]
        clashing = tuple(
            evolve(event, transaction_id=reused.transaction_id)
            if isinstance(event, EnergyRefilled)
            else event
            for event in good.outcome.events
        )
        broken = evolve(good, outcome=evolve(good.outcome, events=clashing))
        before = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(IntegrityError, match="INSERT INTO energy_refill_purchases"):
            sql_store.append(broken)
        after = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        assert before == after


class TestThreads:
    """The store shared by worker threads, as the WebSocket server uses it."""

    @pytest.fixture
    def unthrottled(self, roomy_catalog: Catalog) -> Catalog:
        """``roomy_catalog`` without rate limits.

        Racing threads send instants out of order, and a token bucket refills
        nothing for an instant earlier than its last (``rate_limits``), so any
        spacing would still refuse some purchases; the limits are not what this
        test is about.
        """
        limits = evolve(roomy_catalog.rate_limits, limits=())
        return evolve(roomy_catalog, rate_limits=limits)

    def test_racing_purchases_on_one_player_debit_once_per_key(
        self, sql_store: SqlPlayerStore, unthrottled: Catalog
    ) -> None:
        """4 threads x 25 purchases: one debit per key, balance == ledger."""
        service = GameService(sql_store, unthrottled, max_attempts=100)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )

        def buy(thread: int) -> None:
            for index in range(PURCHASES_PER_THREAD):
                command = purchase(T0 + index, f"t{thread}-{index}")
                for _ in range(RETRIES):
                    try:
                        service.execute(player, command)
                        break
                    except ConflictError:  # the client would retry the same key
                        continue
                else:
                    raise AssertionError(f"{command} kept conflicting")

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(buy, range(THREADS)))

        purchases = THREADS * PURCHASES_PER_THREAD
        stored = sql_store.load(player)
        assert stored is not None
        # Two achievements pay 50 each: treasure_trove (the starting million) and
        # big_spender (1,000 diamonds spent, at the 20th purchase).
        balance = 1_000_000 + 2 * 50 - 50 * purchases
        assert (balance, balance, 3 + purchases) == ledger(sql_store.engine, player)
        assert {
            ("starting_grant", "new_player"): (1, 1_000_000),
            ("achievement", "achievement:treasure_trove"): (1, 50),
            ("achievement", "achievement:big_spender"): (1, 50),
            ("energy_refill", "overcharge"): (purchases, -50 * purchases),
        } == ledger_by_reason(sql_store.engine, player)
        assert balance == stored.state.wallet.diamonds
        counts = row_counts(sql_store.engine, player)
        assert (purchases, purchases, 1 + purchases) == (
            counts["processed_transactions"],
            counts["energy_refill_purchases"],
            counts["player_journal"],
        )
        assert stored.state == replay(sql_store.journal(player), unthrottled)
