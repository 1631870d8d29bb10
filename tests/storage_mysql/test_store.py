"""The ``PlayerStore`` contract on every backend.

``TestContract*`` classes run on ``memory`` (the core's reference implementation),
``sqlite`` and ``mariadb`` and observe only through the port, so the SQL store is
held to exactly the in-memory semantics. ``test_store_tables`` looks at the rows.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from baolife_core import (
    Catalog,
    CommandRecord,
    ConcurrencyError,
    Energy,
    EnergyUpdated,
    GameService,
    NewPlayer,
    PlayerStore,
    Rejection,
    StoredPlayer,
    idempotency_key_hash,
    replay,
    step,
)
from baolife_core.experiments import assign_variants

from .support import T0, genesis, new_ids, port_view, purchase, record_for


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
        # The service records the player's experiment variants in the genesis.
        variants = assign_variants(player, catalog.experiments)
        assert variants
        genesis_record = NewPlayer(at=T0, seed=ids.seed, variants=variants)
        assert (genesis_record, command) == tuple(store.journal(player))
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
        before = port_view(store, ids.player_id)
        with pytest.raises(ConcurrencyError):
            store.append(stale)
        assert before == port_view(store, ids.player_id)
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
        before = port_view(store, ids.player_id)
        reused = record_for(
            store, ids.player_id, purchase(T0 + 2, "k-same"), roomy_catalog
        )
        with pytest.raises(ConcurrencyError):
            store.append(reused)
        assert before == port_view(store, ids.player_id)


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
        before = port_view(store, player)
        command = purchase(T0 + 1, "k-full", tier="full")  # energy is already full
        result = service.execute(player, command)
        assert isinstance(result.reply, Rejection)
        assert result.reply.code == "energy_full"
        assert before == port_view(store, player)
        key = idempotency_key_hash(player, command)
        assert key is not None
        assert None is store.processed_reply(player, key)

    def test_players_with_the_same_seed_can_both_buy(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """Two players of one seed mint the same transaction ids; both buy."""
        service = GameService(store, catalog)
        first, second = new_ids(), new_ids()
        results = []
        for ids in (first, second):
            player = service.login_device(
                ids.device_id, new_player_id=ids.player_id, seed=first.seed, at=T0
            )
            results.append(service.execute(player, purchase(T0 + 1, "k-1")))
        replies = [result.reply for result in results]
        assert all(isinstance(reply, EnergyUpdated) for reply in replies)
        assert replies[0] == replies[1]  # the same transaction id, twice

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
