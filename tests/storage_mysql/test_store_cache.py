"""The SQL store's snapshot cache: hits read nothing, and staleness is never lost.

``TestTwoProcesses`` runs two stores on one database, as two server processes each
with its own cache: a stale cache costs a retry, never an update, a debit or a
correct answer (``cache`` module rules).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError

from baolife_core import (
    Catalog,
    ConcurrencyError,
    EnergyRefilled,
    EnergyUpdated,
    GameService,
    Rejection,
    replay,
)
from baolife_storage_mysql import SnapshotCache, SqlPlayerStore, create_store

from .support import (
    PURCHASE_GAP_MS,
    T0,
    genesis,
    ledger,
    ledger_by_reason,
    new_ids,
    purchase,
    record_for,
    recorded,
    verbs,
)
from .test_cache import FakeTimer

#: Purchases each of the two stores makes, alternating.
ROUNDS = 5
#: The tables a purchase writes, by the start of each statement's SQL.
_TARGETS = {
    "UPDATE players": "bump",
    "INSERT INTO player_journal": "journal",
    "INSERT INTO player_daily_quests": "quest",
    "INSERT INTO diamond_transactions": "ledger",
    "INSERT INTO energy_refill_purchases": "refill",
    "UPDATE player_statistics": "statistics",
    "INSERT INTO processed_transactions": "key",
}


def _target(sql: str) -> str:
    """What a write statement writes (``_TARGETS``), or its SQL if unknown."""
    return next((name for head, name in _TARGETS.items() if sql.startswith(head)), sql)


def _new_player(service: GameService) -> str:
    ids = new_ids()
    return service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )


class TestLoad:
    """``load`` answers from the cache unless told ``fresh``."""

    def test_cache_hit_issues_no_statement(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A created player loads from the cache: not one statement is run."""
        ids = new_ids()
        created = genesis(ids, catalog)
        sql_store.create_player(created)
        with recorded(sql_store.engine, sql_store.reader) as executed:
            stored = sql_store.load(ids.player_id)
        assert [] == executed
        assert stored is not None
        assert (created.outcome.state, 1) == (stored.state, stored.version)

    def test_fresh_load_reads_and_refreshes_the_entry(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """``fresh=True`` reads the database and replaces a wrong cached entry."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        truth = sql_store.load(ids.player_id)
        assert truth is not None
        wrong = evolve(truth, state=evolve(truth.state, seq=99))
        sql_store.cache.put(wrong)
        assert wrong == sql_store.load(ids.player_id)
        with recorded(sql_store.engine, sql_store.reader) as executed:
            fresh = sql_store.load(ids.player_id, fresh=True)
        assert (["SELECT"], truth) == (verbs(executed), fresh)
        assert truth == sql_store.load(ids.player_id)

    def test_unknown_player_is_read_every_time(self, sql_store: SqlPlayerStore) -> None:
        """A player that does not exist is not cached as missing."""
        player_id = new_ids().player_id
        with recorded(sql_store.engine, sql_store.reader) as executed:
            assert None is sql_store.load(player_id)
            assert None is sql_store.load(player_id)
        assert ["SELECT", "SELECT"] == verbs(executed)

    def test_append_caches_the_committed_snapshot(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """After an append the cache holds version + 1, equal to a fresh read."""
        service = GameService(sql_store, catalog)
        player = _new_player(service)
        service.execute(player, purchase(T0 + 1, "k-1"))
        with recorded(sql_store.engine, sql_store.reader) as executed:
            cached = sql_store.load(player)
        assert [] == executed
        assert cached is not None
        assert (cached, 2) == (sql_store.load(player, fresh=True), cached.version)

    def test_failed_appends_evict_the_player(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """A stale version and a failing projection both evict the entry."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, roomy_catalog))
        first = record_for(
            sql_store, ids.player_id, purchase(T0 + 1, "k-1"), roomy_catalog
        )
        sql_store.append(first)
        with pytest.raises(ConcurrencyError):
            sql_store.append(first)  # its version is now stale
        after_stale = ids.player_id in sql_store.cache
        sql_store.load(ids.player_id)
        second = record_for(
            sql_store, ids.player_id, purchase(T0 + 2, "k-2"), roomy_catalog
        )
        # The first purchase's transaction id again: a duplicate refill row.
        clashing = tuple(
            evolve(event, transaction_id=first.outcome.events[1].transaction_id)
            if isinstance(event, EnergyRefilled)
            else event
            for event in second.outcome.events
        )
        broken = evolve(second, outcome=evolve(second.outcome, events=clashing))
        with pytest.raises(IntegrityError):
            sql_store.append(broken)
        assert (False, False) == (after_stale, ids.player_id in sql_store.cache)

    def test_lru_bounds_the_players_kept(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """With ``cache_size=2`` the third player created evicts the first."""
        store = SqlPlayerStore(sql_store.engine, reader=sql_store.reader, cache_size=2)
        players = [new_ids() for _ in range(3)]
        for ids in players:
            store.create_player(genesis(ids, catalog))
        reads = []
        for ids in reversed(players):  # most recently used first: no reshuffle
            with recorded(store.engine, store.reader) as executed:
                store.load(ids.player_id)
            reads.append(verbs(executed))
        assert [[], [], ["SELECT"]] == reads

    def test_size_zero_reads_every_time(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """``cache_size=0`` disables the cache."""
        store = SqlPlayerStore(sql_store.engine, reader=sql_store.reader, cache_size=0)
        player = _new_player(GameService(store, catalog))
        with recorded(store.engine, store.reader) as executed:
            store.load(player)
            store.load(player)
        assert (["SELECT", "SELECT"], 0) == (verbs(executed), len(store.cache))

    def test_create_store_passes_the_size_and_ttl(self, tmp_path: Path) -> None:
        """``create_store(cache_size=..., cache_ttl_s=...)`` configures the cache."""
        store = create_store(
            f"sqlite:///{tmp_path / 'sized.db'}", cache_size=7, cache_ttl_s=60
        )
        try:
            assert (7, 60) == (store.cache.size, store.cache.ttl_s)
        finally:
            store.close()

    def test_expired_entry_is_read_again(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Past its TTL a cached player is read from the database and re-cached."""
        timer = FakeTimer()
        store = SqlPlayerStore(sql_store.engine, reader=sql_store.reader)
        store.cache = SnapshotCache(4, ttl_s=300, timer=timer)
        player = _new_player(GameService(store, catalog))
        reads = []
        for now in (299.0, 300.0, 301.0):
            timer.now = now
            with recorded(store.engine, store.reader) as executed:
                store.load(player)
            reads.append(verbs(executed))
        assert [[], ["SELECT"], []] == reads

    @pytest.mark.parametrize("bad", [{"cache_size": -1}, {"cache_ttl_s": 0}])
    def test_bad_cache_settings_are_refused(
        self, tmp_path: Path, bad: dict[str, float]
    ) -> None:
        """A negative size or a TTL of 0 fails at once, before any connection."""
        with pytest.raises(ValueError, match="cache"):
            SqlPlayerStore(
                create_engine(f"sqlite:///{tmp_path / 'unused.db'}"),
                **bad,  # type: ignore[arg-type]
            )


class TestService:
    """``GameService.execute`` on a cached player."""

    def test_cached_purchase_reads_nothing(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """The first attempt runs on the cache: it writes, and reads nothing.

        The day's first command also rolls its 3 daily quests; after that a
        purchase is six statements: the version bump, the journal line, the
        debit, the refill, the statistics (diamonds spent) and the key.
        """
        service = GameService(sql_store, roomy_catalog)
        player = _new_player(service)
        steady = [
            "ledger",
            "refill",
            "statistics",
            "key",
        ]
        expected = [
            ["bump", "journal", "quest", "quest", "quest", *steady],
            ["bump", "journal", *steady],
        ]
        for index, want in enumerate(expected):
            with recorded(sql_store.engine, sql_store.reader) as executed:
                command = purchase(T0 + index * PURCHASE_GAP_MS, f"k-{index}")
                result = service.execute(player, command)
            assert isinstance(result.reply, EnergyUpdated), result.reply
            assert want == [
                _target(line.sql) for line in executed if line.verb != "BEGIN"
            ]


class TestTwoProcesses:
    """Two stores on one database, each with its own cache, serve one player."""

    def test_alternating_stores_lose_no_update(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        roomy_catalog: Catalog,
    ) -> None:
        """Each stale cache costs one retry; every purchase is journaled once."""
        first, second = (GameService(store, roomy_catalog) for store in store_pair)
        player = _new_player(first)
        keys = []
        with recorded(*(store.engine for store in store_pair)) as executed:
            for index in range(2 * ROUNDS):
                service = (first, second)[index % 2]
                key = f"k-{index}"
                at = T0 + index * PURCHASE_GAP_MS
                result = service.execute(player, purchase(at, key))
                assert isinstance(result.reply, EnergyUpdated)
                keys.append(key)
        stale = [
            line
            for line in executed
            if _target(line.sql) == "bump" and not line.rowcount
        ]
        # Only each store's first command found its cache current (or empty).
        assert 2 * ROUNDS - 2 == len(stale)
        journal = store_pair[0].journal(player)
        assert keys == [command.idempotency_key for command in journal[1:]]
        # The starting million unlocks treasure_trove (earn 5,000): 50 diamonds.
        balance = 1_000_000 + 50 - 50 * 2 * ROUNDS
        assert (balance, balance, 2 + 2 * ROUNDS) == ledger(
            store_pair[0].engine, player
        )
        assert {
            ("starting_grant", "new_player"): (1, 1_000_000),
            ("achievement", "achievement:treasure_trove"): (1, 50),
            ("energy_refill", "overcharge"): (2 * ROUNDS, -50 * 2 * ROUNDS),
        } == ledger_by_reason(store_pair[0].engine, player)
        for store in store_pair:
            stored = store.load(player, fresh=True)
            assert stored is not None
            assert stored.state == replay(journal, roomy_catalog)

    def test_a_stale_cache_costs_a_retry_never_an_update(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        roomy_catalog: Catalog,
    ) -> None:
        """A caches the player, B buys, A buys from its stale cache: A's first
        append loses its version check, the retry on fresh state commits, and both
        purchases are in the journal, the ledger and the snapshot."""
        store_a, store_b = store_pair
        first, second = (GameService(store, roomy_catalog) for store in store_pair)
        player = _new_player(first)
        cached = store_a.load(player)  # A's cache: version 1
        second.execute(player, purchase(T0 + 1, "k-b"))
        with recorded(store_a.engine, store_a.reader) as executed:
            result = first.execute(player, purchase(T0 + 2, "k-a"))
        assert isinstance(result.reply, EnergyUpdated)
        bumps = [line.rowcount for line in executed if _target(line.sql) == "bump"]
        assert [0, 1] == bumps  # stale, then fresh
        assert cached is not None
        assert 1 == cached.version
        journal = store_b.journal(player)
        assert ["k-b", "k-a"] == [command.idempotency_key for command in journal[1:]]
        stored = store_b.load(player, fresh=True)
        assert stored is not None
        assert (3, replay(journal, roomy_catalog)) == (stored.version, stored.state)
        assert stored == store_a.load(player)  # A's cache is current again
        # The grant, treasure_trove's 50 diamonds (earn 5,000), and both debits.
        balance = 1_000_000 + 50 - 2 * 50
        assert (balance, balance, 4) == ledger(store_a.engine, player)

    def test_replayed_key_through_a_stale_store_returns_the_first_reply(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        catalog: Catalog,
    ) -> None:
        """The other store's cache predates the key: first reply, one debit."""
        first, second = (GameService(store, catalog) for store in store_pair)
        player = _new_player(first)
        second.load(player, fresh=False)  # the second store caches version 1
        original = first.execute(player, purchase(T0 + 1, "k-same"))
        replayed = second.execute(player, purchase(T0 + 2, "k-same"))
        assert (original.reply, True) == (replayed.reply, replayed.duplicate)
        assert (950, 950, 2) == ledger(store_pair[0].engine, player)
        assert 2 == len(store_pair[1].journal(player))

    @pytest.mark.parametrize(
        ("starting_diamonds", "code"),
        [(None, "energy_full"), (50, "insufficient_diamonds")],
    )
    def test_stale_acceptance_is_rejected_on_fresh_state(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        catalog: Catalog,
        roomy_catalog: Catalog,
        starting_diamonds: int | None,
        code: str,
    ) -> None:
        """The other store already spent the energy room or the diamonds."""
        content = (
            catalog
            if starting_diamonds is None
            else evolve(roomy_catalog, starting_diamonds=starting_diamonds)
        )
        first, second = (GameService(store, content) for store in store_pair)
        player = _new_player(first)
        second.load(player, fresh=False)  # caches the state before the purchase
        first.execute(player, purchase(T0 + 1, "k-first"))
        before = ledger(store_pair[0].engine, player)
        with recorded(store_pair[1].engine) as executed:
            result = second.execute(player, purchase(T0 + 2, "k-second"))
        # Accepted on the stale cache, the append lost its version check.
        assert [0] == [line.rowcount for line in executed if line.verb == "UPDATE"]
        assert isinstance(result.reply, Rejection)
        assert code == result.reply.code
        assert before == ledger(store_pair[0].engine, player)
        assert 2 == len(store_pair[1].journal(player))

    def test_cached_rejection_is_confirmed_on_fresh_state(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A cache that says "no diamonds" is not believed: the fresh state buys."""
        service = GameService(sql_store, catalog)
        player = _new_player(service)
        stored = sql_store.load(player)
        assert stored is not None
        broke = evolve(stored.state.wallet, diamonds=0)
        sql_store.cache.put(evolve(stored, state=evolve(stored.state, wallet=broke)))
        result = service.execute(player, purchase(T0 + 1, "k-1"))
        assert isinstance(result.reply, EnergyUpdated)
        assert (950, 950, 2) == ledger(sql_store.engine, player)
