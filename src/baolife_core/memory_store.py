"""An in-memory ``PlayerStore``: the fake adapter for tests, examples and replay.

It keeps the same contract as the SQL store (atomic append, version check,
idempotency records, device and store-transaction binding, accounts: export,
delayed deletion, token revocation, the purge and its tombstones) in plain dicts
and keeps nothing across processes. Its export names its dicts as tables
(``users``, ``players``, ``player_journal``, ``events``,
``processed_transactions``, ``store_transactions``); the SQL store's export
names its real tables.

It takes no locks (the core has no threading): it is safe from several threads
only while calls for one player, and logins of one device, are serialized by the
caller — as the WebSocket server does — so that concurrent calls touch different
keys, each dict operation being atomic in CPython. Scans across players (the
export's and the purge's) read a copy of a dict, taken in one operation.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import define, evolve, field

from .commands import Command, NewPlayer
from .errors import ConcurrencyError, PlayerNotFoundError
from .events import Event
from .ports import (
    Account,
    CommandRecord,
    ExportTables,
    Genesis,
    PurgedAccount,
    StoredPlayer,
    Tombstone,
)
from .replies import Reply
from .wire import canonical_json, state_to_wire, to_wire

__all__ = ["InMemoryStore"]


@define
class InMemoryStore:
    """Players in dicts; the reference implementation of ``PlayerStore``."""

    players: dict[str, StoredPlayer] = field(factory=dict)
    devices: dict[str, str] = field(factory=dict)
    journals: dict[str, list[NewPlayer | Command]] = field(factory=dict)
    events: dict[str, list[Event]] = field(factory=dict)
    processed: dict[tuple[str, str], Reply] = field(factory=dict)
    # store id -> player; None once that player was purged (claimed for ever)
    store_transactions: dict[str, str | None] = field(factory=dict)
    accounts: dict[str, Account] = field(factory=dict)
    deletion_log: list[Tombstone] = field(factory=list)  # one per purged account

    def create_player(self, genesis: Genesis) -> None:
        if genesis.device_id in self.devices or genesis.player_id in self.players:
            raise ConcurrencyError("device or player already exists")
        self.devices[genesis.device_id] = genesis.player_id
        self.accounts[genesis.player_id] = Account(
            player_id=genesis.player_id,
            created_at=genesis.record.at,
            tokens_valid_after=0,
            deletion_requested_at=None,
            purge_after=None,
        )
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
    ) -> str | None:
        if transaction_id in self.store_transactions:
            return self.store_transactions[transaction_id]  # None: owner purged
        if player_id not in self.players:
            raise PlayerNotFoundError(player_id)
        # ``setdefault`` is one atomic dict operation: the first binder wins.
        return self.store_transactions.setdefault(transaction_id, player_id)

    # -- accounts ----------------------------------------------------------------

    def account(self, player_id: str) -> Account | None:
        return self.accounts.get(player_id)

    def export_player(self, player_id: str) -> ExportTables | None:
        account = self.accounts.get(player_id)
        stored = self.players.get(player_id)
        if account is None or stored is None:
            return None
        devices = [d for d, owner in tuple(self.devices.items()) if owner == player_id]
        return {
            "users": [
                {
                    "user_id": player_id,
                    "device_id": devices[0] if devices else None,
                    "created_at": account.created_at,
                    "deletion_requested_at": account.deletion_requested_at,
                    "purge_after": account.purge_after,
                    "tokens_valid_after": account.tokens_valid_after,
                }
            ],
            "players": [
                {
                    "player_id": player_id,
                    "version": stored.version,
                    "seq": stored.state.seq,
                    "snapshot": canonical_json(state_to_wire(stored.state)),
                }
            ],
            "player_journal": [
                {"player_id": player_id, "seq": seq, "command": canonical_json(line)}
                for seq, line in enumerate(
                    to_wire(record) for record in self.journals[player_id]
                )
            ],
            "events": [
                {"player_id": player_id, "index": index, "event": canonical_json(e)}
                for index, e in enumerate(
                    to_wire(event) for event in self.events[player_id]
                )
            ],
            "processed_transactions": [
                {
                    "player_id": player_id,
                    "key_hash": key_hash,
                    "reply": canonical_json(to_wire(reply)),
                }
                for (owner, key_hash), reply in sorted(
                    self.processed.items(), key=lambda item: item[0]
                )
                if owner == player_id
            ],
            "store_transactions": [
                {"transaction_id": transaction_id, "player_id": player_id}
                for transaction_id, owner in sorted(self.store_transactions.items())
                if owner == player_id
            ],
        }

    def schedule_deletion(
        self, player_id: str, *, at: int, purge_after: int
    ) -> Account:
        account = self.accounts.get(player_id)
        if account is None:
            raise PlayerNotFoundError(player_id)
        if account.purge_after is None:
            account = evolve(account, deletion_requested_at=at, purge_after=purge_after)
        account = evolve(
            account, tokens_valid_after=max(account.tokens_valid_after, at)
        )
        self.accounts[player_id] = account
        return account

    def cancel_deletion(self, player_id: str, *, at: int) -> bool:
        account = self.accounts.get(player_id)
        if account is None or account.purge_after is None or account.due(at):
            return False
        self.accounts[player_id] = evolve(
            account, deletion_requested_at=None, purge_after=None
        )
        return True

    def purge_due(self, *, at: int, limit: int) -> Sequence[PurgedAccount]:
        due = sorted(
            (account.purge_after, player_id)
            for player_id, account in tuple(self.accounts.items())
            if account.purge_after is not None and account.due(at)
        )
        return tuple(self._purge(player_id, at) for _, player_id in due[:limit])

    def _purge(self, player_id: str, at: int) -> PurgedAccount:
        """Delete every record of the player; its store ids stay claimed."""
        account = self.accounts.pop(player_id)
        keys = [key for key in tuple(self.processed) if key[0] == player_id]
        for key in keys:
            del self.processed[key]
        claimed = [
            t for t, owner in self.store_transactions.items() if owner == player_id
        ]
        for transaction_id in claimed:
            self.store_transactions[transaction_id] = None
        for device in [d for d, owner in self.devices.items() if owner == player_id]:
            del self.devices[device]
        counts = {
            "users": 1,
            "players": int(self.players.pop(player_id, None) is not None),
            "player_journal": len(self.journals.pop(player_id, ())),
            "events": len(self.events.pop(player_id, ())),
            "processed_transactions": len(keys),
            "store_transactions": len(claimed),
        }
        requested_at = account.deletion_requested_at
        tombstone = Tombstone(
            requested_at=at if requested_at is None else requested_at,
            purged_at=at,
            rows_deleted=tuple(sorted((t, n) for t, n in counts.items() if n)),
        )
        self.deletion_log.append(tombstone)
        return PurgedAccount(player_id=player_id, tombstone=tombstone)
