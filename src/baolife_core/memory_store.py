"""An in-memory ``PlayerStore``: the fake adapter for tests, examples and replay.

It keeps the same contract as the SQL store (atomic append, version check,
idempotency records, device and store-transaction binding) in plain dicts and keeps
nothing across processes. It takes no locks (the core has no threading): it is safe
from several threads only while calls for one player, and logins of one device, are
serialized by the caller — as the WebSocket server does — so that concurrent calls
touch different keys, each dict operation being atomic in CPython.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import define, field

from .commands import Command, NewPlayer
from .errors import ConcurrencyError, PlayerNotFoundError
from .events import Event
from .ports import CommandRecord, Genesis, StoredPlayer
from .replies import Reply

__all__ = ["InMemoryStore"]


@define
class InMemoryStore:
    """Players in dicts; the reference implementation of ``PlayerStore``."""

    players: dict[str, StoredPlayer] = field(factory=dict)
    devices: dict[str, str] = field(factory=dict)
    journals: dict[str, list[NewPlayer | Command]] = field(factory=dict)
    events: dict[str, list[Event]] = field(factory=dict)
    processed: dict[tuple[str, str], Reply] = field(factory=dict)
    store_transactions: dict[str, str] = field(factory=dict)  # store id -> player

    def create_player(self, genesis: Genesis) -> None:
        if genesis.device_id in self.devices or genesis.player_id in self.players:
            raise ConcurrencyError("device or player already exists")
        self.devices[genesis.device_id] = genesis.player_id
        self.players[genesis.player_id] = StoredPlayer(
            player_id=genesis.player_id, state=genesis.outcome.state, version=1
        )
        self.journals[genesis.player_id] = [genesis.record]
        self.events[genesis.player_id] = list(genesis.outcome.events)

    def player_for_device(self, device_id: str) -> str | None:
        return self.devices.get(device_id)

    def load(self, player_id: str, *, fresh: bool = False) -> StoredPlayer | None:
        return self.players.get(player_id)

    def processed_reply(self, player_id: str, key_hash: str) -> Reply | None:
        return self.processed.get((player_id, key_hash))

    def append(self, record: CommandRecord) -> None:
        current = self.players.get(record.player_id)
        if current is None or current.version != record.expected_version:
            raise ConcurrencyError("stale version")
        key = record.idempotency_key_hash
        if key is not None and (record.player_id, key) in self.processed:
            raise ConcurrencyError("idempotency key already processed")
        reply = record.outcome.reply
        if key is not None and reply is not None:
            self.processed[(record.player_id, key)] = reply
        self.players[record.player_id] = StoredPlayer(
            player_id=record.player_id,
            state=record.outcome.state,
            version=current.version + 1,
        )
        self.journals[record.player_id].append(record.command)
        self.events[record.player_id].extend(record.outcome.events)

    def journal(self, player_id: str) -> Sequence[NewPlayer | Command]:
        return tuple(self.journals.get(player_id, ()))

    def check_ready(self) -> None:
        return None

    def store_transaction_owner(self, transaction_id: str) -> str | None:
        return self.store_transactions.get(transaction_id)

    def bind_store_transaction(
        self, transaction_id: str, player_id: str, *, at: int
    ) -> str:
        owner = self.store_transactions.get(transaction_id)
        if owner is not None:
            return owner
        if player_id not in self.players:
            raise PlayerNotFoundError(player_id)
        # ``setdefault`` is one atomic dict operation: the first binder wins.
        return self.store_transactions.setdefault(transaction_id, player_id)
