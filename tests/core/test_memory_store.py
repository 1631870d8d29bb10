"""Tests of ``baolife_core.memory_store``: the reference ``PlayerStore``."""

from __future__ import annotations

import pytest
from attrs import evolve

from baolife_core.catalog import load_catalog
from baolife_core.commands import NewPlayer, PurchaseEnergyRefill
from baolife_core.engine import start, step
from baolife_core.errors import ConcurrencyError
from baolife_core.memory_store import InMemoryStore
from baolife_core.ports import CommandRecord, Genesis, StoredPlayer
from baolife_core.replies import EnergyUpdated
from baolife_core.state import Energy

CATALOG = load_catalog()
AT = 1_700_000_000_000
PID = "player-1"
DEVICE = "device-1"
GENESIS_RECORD = NewPlayer(at=AT, seed=42)


def genesis(player_id: str = PID, device_id: str = DEVICE) -> Genesis:
    """The creation of a player whose energy is drained, so refills succeed."""
    outcome = start(GENESIS_RECORD, CATALOG)
    state = evolve(outcome.state, energy=Energy(0, AT))
    return Genesis(
        player_id=player_id,
        device_id=device_id,
        record=GENESIS_RECORD,
        outcome=evolve(outcome, state=state),
    )


def record(
    store: InMemoryStore,
    key: str = "k-1",
    *,
    version: int | None = None,
    key_hash: str | None = "hash-1",
) -> CommandRecord:
    """A record of one accepted small refill computed on the stored state."""
    stored = store.players[PID]
    command = PurchaseEnergyRefill(at=AT, refill_type="small", idempotency_key=key)
    return CommandRecord(
        player_id=PID,
        expected_version=stored.version if version is None else version,
        command=command,
        outcome=step(stored.state, command, CATALOG),
        idempotency_key_hash=key_hash,
    )


def copy(store: InMemoryStore) -> InMemoryStore:
    """An independent copy of the store's contents, to compare against later."""
    return InMemoryStore(
        players=dict(store.players),
        devices=dict(store.devices),
        journals={key: list(value) for key, value in store.journals.items()},
        events={key: list(value) for key, value in store.events.items()},
        processed=dict(store.processed),
        store_transactions=dict(store.store_transactions),
        accounts=dict(store.accounts),
        deletion_log=list(store.deletion_log),
    )


class TestCreatePlayer:
    """Creating a player binds its device and starts its journal."""

    def test_writes_snapshot_device_journal_and_events(self) -> None:
        """A new player is at version 1 with its genesis as the first journal line."""
        store = InMemoryStore()
        created = genesis()
        store.create_player(created)
        assert StoredPlayer(PID, created.outcome.state, 1) == store.load(PID)
        assert store.player_for_device(DEVICE) == PID
        assert store.journal(PID) == (GENESIS_RECORD,)
        assert list(created.outcome.events) == store.events[PID]

    def test_duplicate_device(self) -> None:
        """A device that already has a player cannot create another; nothing changes."""
        store = InMemoryStore()
        store.create_player(genesis())
        before = copy(store)
        with pytest.raises(ConcurrencyError):
            store.create_player(genesis(player_id="player-2"))
        assert before == store

    def test_duplicate_player_id(self) -> None:
        """A player id cannot be created twice; the new device stays unbound."""
        store = InMemoryStore()
        store.create_player(genesis())
        before = copy(store)
        with pytest.raises(ConcurrencyError):
            store.create_player(genesis(device_id="device-2"))
        assert before == store
        assert store.player_for_device("device-2") is None

    def test_unknown_lookups(self) -> None:
        """Unknown devices, players and keys read as None or an empty journal."""
        store = InMemoryStore()
        assert (
            store.player_for_device("nope"),
            store.load("nope"),
            store.processed_reply("nope", "hash"),
            store.journal("nope"),
        ) == (None, None, None, ())

    def test_is_ready(self) -> None:
        """The in-memory store is always ready: the probe does not raise."""
        InMemoryStore().check_ready()


class TestAppend:
    """``append`` writes one accepted command atomically, or nothing."""

    def test_writes_everything(self) -> None:
        """Snapshot, version, journal, events and idempotency record are written."""
        store = InMemoryStore()
        created = genesis()
        store.create_player(created)
        appended = record(store)
        store.append(appended)
        assert StoredPlayer(PID, appended.outcome.state, 2) == store.load(PID)
        assert (GENESIS_RECORD, appended.command) == store.journal(PID)
        assert [*created.outcome.events, *appended.outcome.events] == store.events[PID]
        assert appended.outcome.reply == store.processed_reply(PID, "hash-1")

    def test_without_key_records_no_reply(self) -> None:
        """An unkeyed command leaves no idempotency record."""
        store = InMemoryStore()
        store.create_player(genesis())
        store.append(record(store, key_hash=None))
        assert store.processed == {}
        assert store.players[PID].version == 2

    @pytest.mark.parametrize("delta", [-1, 1, 5])
    def test_stale_version(self, delta: int) -> None:
        """A record computed on another version is refused and nothing changes."""
        store = InMemoryStore()
        store.create_player(genesis())
        stale = record(store, version=1 + delta)
        before = copy(store)
        with pytest.raises(ConcurrencyError, match="stale version"):
            store.append(stale)
        assert before == store

    def test_lost_race(self) -> None:
        """Two records computed on one version: the second loses."""
        store = InMemoryStore()
        store.create_player(genesis())
        first, second = (
            record(store, "k-1", key_hash="h1"),
            record(store, "k-2", key_hash="h2"),
        )
        store.append(first)
        before = copy(store)
        with pytest.raises(ConcurrencyError):
            store.append(second)
        assert before == store
        assert (GENESIS_RECORD, first.command) == store.journal(PID)

    def test_unknown_player(self) -> None:
        """Appending for a player that does not exist is refused."""
        store = InMemoryStore()
        store.create_player(genesis())
        orphan = evolve(record(store), player_id="ghost")
        with pytest.raises(ConcurrencyError):
            store.append(orphan)

    def test_key_already_processed(self) -> None:
        """A key hash recorded before is refused and nothing changes."""
        store = InMemoryStore()
        store.create_player(genesis())
        store.append(record(store, "k-1"))
        before = copy(store)
        with pytest.raises(ConcurrencyError, match="already processed"):
            store.append(record(store, "k-1"))
        assert before == store

    def test_journal_order(self) -> None:
        """The journal returns the genesis then commands in the order appended."""
        store = InMemoryStore()
        store.create_player(genesis())
        commands = []
        for index in range(4):
            appended = record(store, f"k-{index}", key_hash=f"h-{index}")
            store.append(appended)
            commands.append(appended.command)
        assert (GENESIS_RECORD, *commands) == store.journal(PID)
        assert store.players[PID].version == 5
        replies = [store.processed_reply(PID, f"h-{index}") for index in range(4)]
        assert all(isinstance(reply, EnergyUpdated) for reply in replies)
        assert [
            1000 - reply.diamonds
            for reply in replies
            if isinstance(reply, EnergyUpdated)
        ] == [10, 20, 30, 40]

    def test_journal_is_a_snapshot(self) -> None:
        """A journal read earlier does not change when more is appended."""
        store = InMemoryStore()
        store.create_player(genesis())
        earlier = store.journal(PID)
        store.append(record(store))
        assert earlier == (GENESIS_RECORD,)

    def test_players_are_independent(self) -> None:
        """Appending for one player leaves another untouched."""
        store = InMemoryStore()
        store.create_player(genesis())
        store.create_player(genesis(player_id="player-2", device_id="device-2"))
        store.append(record(store))
        assert store.players["player-2"].version == 1
        assert store.journal("player-2") == (GENESIS_RECORD,)
