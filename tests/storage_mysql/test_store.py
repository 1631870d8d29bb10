"""The ``PlayerStore`` contract on every backend, and the SQL store's tables.

``TestContract*`` classes run on ``memory`` (the core's reference implementation),
``sqlite`` and ``mariadb`` and observe only through the port, so the SQL store is
held to exactly the in-memory semantics. ``TestTables`` looks at the rows.
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
    CommandRecord,
    ConcurrencyError,
    ConflictError,
    Energy,
    EnergyRefilled,
    EnergyUpdated,
    GameService,
    NewPlayer,
    PlayerStore,
    Rejection,
    StoredPlayer,
    idempotency_key_hash,
    replay,
    state_to_wire,
    step,
    to_wire,
)
from baolife_storage_mysql import SqlPlayerStore
from baolife_storage_mysql.schema import player_journal, players, processed_transactions

from .support import T0, genesis, ledger, new_ids, purchase, record_for, row_counts

THREADS = 4
PURCHASES_PER_THREAD = 25
#: Attempts of one key by a "client" whose service gave up with ``ConflictError``.
RETRIES = 10


def _snapshot(store: PlayerStore, player_id: str) -> tuple[object, ...]:
    """Everything the port shows of a player (to prove nothing changed)."""
    return (store.load(player_id), tuple(store.journal(player_id)))


class TestContractCreation:
    """``create_player``, ``load`` and ``player_for_device``."""

    def test_created_player_loads_at_version_one(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A new player loads with the genesis state and version 1."""
        ids = new_ids()
        created = genesis(ids, catalog)
        store.create_player(created)
        expected = StoredPlayer(
            player_id=ids.player_id, state=created.outcome.state, version=1
        )
        assert expected == store.load(ids.player_id)

    def test_device_is_bound_to_its_player(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """The creating device finds its player; another device finds none."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        assert ids.player_id == store.player_for_device(ids.device_id)
        assert None is store.player_for_device(new_ids().device_id)

    def test_journal_starts_with_the_genesis(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A new player's journal is its ``new_player`` record alone."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        assert (NewPlayer(at=T0, seed=ids.seed),) == tuple(store.journal(ids.player_id))

    def test_duplicate_device_raises_and_creates_nothing(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A second player for a bound device is a ``ConcurrencyError``."""
        first, second = new_ids(), new_ids()
        store.create_player(genesis(first, catalog))
        clash = evolve(second, device_id=first.device_id)
        with pytest.raises(ConcurrencyError):
            store.create_player(genesis(clash, catalog))
        assert None is store.load(second.player_id)
        assert first.player_id == store.player_for_device(first.device_id)

    def test_duplicate_player_id_raises_and_binds_nothing(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """Creating an existing player id again is a ``ConcurrencyError``."""
        first, second = new_ids(), new_ids()
        store.create_player(genesis(first, catalog))
        clash = evolve(second, player_id=first.player_id)
        with pytest.raises(ConcurrencyError):
            store.create_player(genesis(clash, catalog))
        assert None is store.player_for_device(second.device_id)
        assert len(store.journal(first.player_id)) == 1

    def test_unknown_player_has_no_state_journal_or_reply(
        self, store: PlayerStore
    ) -> None:
        """Reads of an unknown player return None or an empty journal."""
        ids = new_ids()
        assert None is store.load(ids.player_id)
        assert tuple(store.journal(ids.player_id)) == ()
        assert None is store.processed_reply(ids.player_id, "0" * 64)

    def test_check_ready_passes(self, store: PlayerStore) -> None:
        """A reachable store is ready."""
        assert None is store.check_ready()


class TestContractAppend:
    """``append``: the version check, atomicity and idempotency records."""

    def test_purchase_through_the_service_is_stored(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """The service's purchase is loadable, journaled and keyed by its reply."""
        service = GameService(store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        command = purchase(T0 + 1_000, "k-1")
        result = service.execute(player, command)
        reply = result.reply
        assert isinstance(reply, EnergyUpdated)
        assert (reply.energy, reply.diamonds) == (150, 950)
        expected = StoredPlayer(player_id=player, state=result.state, version=2)
        assert expected == store.load(player)
        assert (NewPlayer(at=T0, seed=ids.seed), command) == tuple(
            store.journal(player)
        )
        key = idempotency_key_hash(player, command)
        assert key is not None
        assert reply == store.processed_reply(player, key)

    def test_lower_energy_state_appends_a_plain_refill(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A ``full`` refill on a drained meter (built with evolve) is stored."""
        ids = new_ids()
        created = genesis(ids, catalog)
        store.create_player(created)
        drained = evolve(created.outcome.state, energy=Energy(amount=10, anchor_at=T0))
        command = purchase(T0 + 1, "k-full", tier="full")
        record = CommandRecord(
            player_id=ids.player_id,
            expected_version=1,
            command=command,
            outcome=step(drained, command, catalog),
            idempotency_key_hash=idempotency_key_hash(ids.player_id, command),
        )
        store.append(record)
        stored = store.load(ids.player_id)
        assert stored is not None
        assert (
            stored.state.energy.amount,
            stored.state.wallet.diamonds,
            stored.version,
        ) == (100, 965, 2)

    def test_stale_version_raises_and_writes_nothing(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """An append computed on an old version loses and changes nothing."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        stale = record_for(store, ids.player_id, purchase(T0 + 1, "k-a"), catalog)
        store.append(record_for(store, ids.player_id, purchase(T0 + 2, "k-b"), catalog))
        before = _snapshot(store, ids.player_id)
        with pytest.raises(ConcurrencyError):
            store.append(stale)
        assert before == _snapshot(store, ids.player_id)
        assert stale.idempotency_key_hash is not None
        assert None is store.processed_reply(ids.player_id, stale.idempotency_key_hash)

    def test_unknown_player_append_raises(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """Appending for a player that does not exist is a ``ConcurrencyError``."""
        ids = new_ids()
        command = purchase(T0 + 1, "k-ghost")
        record = CommandRecord(
            player_id=ids.player_id,
            expected_version=1,
            command=command,
            outcome=step(genesis(ids, catalog).outcome.state, command, catalog),
            idempotency_key_hash=None,
        )
        with pytest.raises(ConcurrencyError):
            store.append(record)
        assert None is store.load(ids.player_id)

    def test_recorded_key_raises_and_writes_nothing(
        self, store: PlayerStore, roomy_catalog: Catalog
    ) -> None:
        """An append reusing a recorded key hash (a lost race) changes nothing."""
        ids = new_ids()
        store.create_player(genesis(ids, roomy_catalog))
        command = purchase(T0 + 1, "k-same")
        store.append(record_for(store, ids.player_id, command, roomy_catalog))
        before = _snapshot(store, ids.player_id)
        reused = record_for(
            store, ids.player_id, purchase(T0 + 2, "k-same"), roomy_catalog
        )
        with pytest.raises(ConcurrencyError):
            store.append(reused)
        assert before == _snapshot(store, ids.player_id)


class TestContractService:
    """What the service sees: idempotency, rejections and replay."""

    def test_same_key_twice_debits_once_with_the_same_reply(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A retried key returns the first reply and writes nothing more."""
        service = GameService(store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        first = service.execute(player, purchase(T0 + 1, "k-retry"))
        again = service.execute(player, purchase(T0 + 2, "k-retry"))
        assert (first.reply, True) == (again.reply, again.duplicate)
        stored = store.load(player)
        assert stored is not None
        assert (
            stored.state.wallet.diamonds,
            stored.version,
            len(store.journal(player)),
        ) == (950, 2, 2)

    def test_rejected_command_writes_nothing(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A refused purchase leaves the state, journal and keys as they were."""
        service = GameService(store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        before = _snapshot(store, player)
        command = purchase(T0 + 1, "k-full", tier="full")  # energy is already full
        result = service.execute(player, command)
        assert isinstance(result.reply, Rejection)
        assert result.reply.code == "energy_full"
        assert before == _snapshot(store, player)
        key = idempotency_key_hash(player, command)
        assert key is not None
        assert None is store.processed_reply(player, key)

    def test_journal_replays_to_the_stored_state(
        self, store: PlayerStore, roomy_catalog: Catalog
    ) -> None:
        """Replaying the stored journal gives the stored snapshot."""
        service = GameService(store, roomy_catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        for index in range(5):
            service.execute(player, purchase(T0 + 60_000 * index, f"k-{index}"))
        stored = store.load(player)
        assert stored is not None
        assert stored.state == replay(store.journal(player), roomy_catalog)
        assert stored.state.seq == 5


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
        assert [to_wire(event) for event in result.events] == json.loads(line.events)
        assert to_wire(result.reply) == json.loads(reply)

    def test_diamonds_column_equals_ledger_sum_and_snapshot(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """``players.diamonds`` == SUM(delta) == the snapshot's balance."""
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
        assert (balance, balance, 5) == ledger(sql_store.engine, player)
        assert balance == 1_000_000 - 4 * 50

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
        clashing = tuple(
            evolve(event, transaction_id=first.outcome.events[1].transaction_id)
            if isinstance(event, EnergyRefilled)
            else event
            for event in good.outcome.events
        )
        broken = evolve(good, outcome=evolve(good.outcome, events=clashing))
        before = (
            _snapshot(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(IntegrityError, match="INSERT INTO energy_refill_purchases"):
            sql_store.append(broken)
        after = (
            _snapshot(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        assert before == after


class TestThreads:
    """The store shared by worker threads, as the WebSocket server uses it."""

    def test_racing_purchases_on_one_player_debit_once_per_key(
        self, sql_store: SqlPlayerStore, roomy_catalog: Catalog
    ) -> None:
        """4 threads x 25 purchases: one debit per key, balance == ledger."""
        service = GameService(sql_store, roomy_catalog, max_attempts=100)
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
        balance = 1_000_000 - 50 * purchases
        assert (balance, balance, 1 + purchases) == ledger(sql_store.engine, player)
        assert balance == stored.state.wallet.diamonds
        counts = row_counts(sql_store.engine, player)
        assert (purchases, purchases, 1 + purchases) == (
            counts["processed_transactions"],
            counts["energy_refill_purchases"],
            counts["player_journal"],
        )
        assert stored.state == replay(sql_store.journal(player), roomy_catalog)
