"""Ports: what the application service needs from the outside, as Protocols.

Rules of this module (DESIGN.md "Storage: journal, snapshot, projections"):

- ``PlayerStore.append`` writes one accepted command atomically: the journal line,
  the new snapshot with ``version + 1``, the projections of its events and the
  idempotency record, or nothing at all.
- ``append`` raises ``ConcurrencyError`` when ``expected_version`` is stale or the
  database reports a transient conflict (deadlock, lock wait timeout); the service
  then retries on fresh state.
- ``load`` may answer from a cache of snapshots unless ``fresh=True``. A stale cached
  snapshot is safe: ``append`` checks the version, and the service confirms every
  rejection on fresh state before it answers.
- Every call is keyed by one player id, so a store can shard by player; except
  ``bind_store_transaction``, keyed by the store's transaction id: it is the one
  fact shared across players (a purchase is credited once, ever), written on its
  own before the player's command, never inside a player's transaction.
- ``TextWriter.write_line`` and ``write_bio`` may do I/O (an LLM over HTTP); what
  they return enters the engine as command data (DESIGN.md "The core"), so replay
  never calls them.
- ``AccountStore`` (DESIGN.md "Storage", GDPR): a player's export is every record
  the store holds for it; a deletion revokes its session tokens at once and
  schedules the purge, which hard-deletes every record and leaves a ``Tombstone``
  with counts and instants only. A store transaction id outlives the purge:
  still claimed, bound to no player (``bind_store_transaction`` returns None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from attrs import frozen

from .commands import Command, NewPlayer
from .dating.bios import BioRequest
from .errors import BaolifeError
from .life.conversations import LineRequest
from .outcome import Outcome
from .replies import Reply
from .state import PlayerState

__all__ = [
    "Account",
    "AccountStore",
    "AnalyticsEvent",
    "AnalyticsSink",
    "BioRequest",
    "CommandRecord",
    "ExportTables",
    "Genesis",
    "LineRequest",
    "PlayerStore",
    "PurgedAccount",
    "ReceiptError",
    "ReceiptVerifier",
    "StoredPlayer",
    "TextWriter",
    "Tombstone",
    "VerifiedPurchase",
]


@frozen
class StoredPlayer:
    """A player's snapshot and its optimistic-concurrency version."""

    player_id: str  # opaque id minted outside the core
    state: PlayerState  # the latest snapshot
    version: int  # incremented by every append


@frozen
class Genesis:
    """Everything the creation of a player writes."""

    player_id: str  # the new player's id
    device_id: str  # the device that created it
    record: NewPlayer  # the journal's first line
    outcome: Outcome  # the state and events of the genesis


@frozen
class CommandRecord:
    """Everything one accepted command writes, in one transaction."""

    player_id: str  # whose command
    expected_version: int  # the version the command was computed on
    command: Command  # the journal line
    outcome: Outcome  # new state, events (projected), reply
    idempotency_key_hash: str | None  # SHA-256 hex, recorded with the reply


#: A player's records by table: each a list of rows, column -> value as stored
#: (ints, strings, None), in key order (``AccountStore.export_player``).
ExportTables = Mapping[str, Sequence[Mapping[str, object]]]


@frozen
class Account:
    """A player's account: its deletion schedule and session-token revocation."""

    player_id: str  # the player (``users.user_id``)
    created_at: int  # ms, the genesis instant
    tokens_valid_after: int  # ms; a token stamped at or before it is revoked
    deletion_requested_at: int | None  # ms; None unless a deletion is scheduled
    purge_after: int | None  # ms the purge may run from; None: not scheduled

    @property
    def deletion_scheduled(self) -> bool:
        """True while a deletion is scheduled (its grace running or ended)."""
        return self.purge_after is not None

    def due(self, at: int) -> bool:
        """True once the grace has ended at ``at``: the account is as good as gone."""
        return self.purge_after is not None and self.purge_after <= at

    def accepts_token(self, issued_at: int, at: int) -> bool:
        """Whether a token stamped at ``issued_at`` (ms) still opens the account.

        Tokens are stamped in whole seconds, so a token stamped in the very second
        of a revocation counts as issued before it (revocation errs on revoking).
        """
        return issued_at > self.tokens_valid_after and not self.due(at)


@frozen
class Tombstone:
    """What a purge leaves of an account: instants and counts, nothing identifying."""

    requested_at: int  # ms, when the player asked for the deletion
    purged_at: int  # ms, when its records were deleted
    rows_deleted: tuple[tuple[str, int], ...]  # (table, rows), by table name


@frozen
class PurgedAccount:
    """One purged account: its id (for the caller only, never stored) and tombstone."""

    player_id: str  # the id that was purged: close its connections, never log it
    tombstone: Tombstone  # the row written to ``deletion_log``


class AccountStore(Protocol):
    """Accounts (GDPR): export, delayed deletion, token revocation, the purge."""

    def account(self, player_id: str) -> Account | None:
        """The player's account, or None (never created, or purged)."""

    def export_player(self, player_id: str) -> ExportTables | None:
        """Every record the store holds for the player, by table; None if unknown.

        Read in one transaction, so the tables agree with each other.
        """

    def schedule_deletion(
        self, player_id: str, *, at: int, purge_after: int
    ) -> Account:
        """Revoke the player's tokens stamped up to ``at`` and schedule its purge.

        A deletion already scheduled keeps its first ``requested_at`` and
        ``purge_after`` (asking again never extends the grace); the tokens are
        revoked again. Returns the account after; ``PlayerNotFoundError`` if none.
        """

    def cancel_deletion(self, player_id: str, *, at: int) -> bool:
        """Unschedule a deletion whose grace runs at ``at`` (``purge_after > at``).

        True if one was cancelled; False when none is scheduled, the grace has
        ended or the player is unknown. Revoked tokens stay revoked.
        """

    def purge_due(self, *, at: int, limit: int) -> Sequence[PurgedAccount]:
        """Hard-delete up to ``limit`` accounts due at ``at`` (``purge_after <= at``).

        One transaction per account: every record of the player goes, a store
        transaction it claimed stays claimed by nobody, and one ``Tombstone``
        is kept. An account cancelled meanwhile is skipped. Oldest due first.
        """


class PlayerStore(AccountStore, Protocol):
    """Persistence of players: journal, snapshot, projections, idempotency, and
    their accounts (``AccountStore``)."""

    def create_player(self, genesis: Genesis) -> None:
        """Write a new player; ``ConcurrencyError`` if the device already has one."""

    def player_for_device(self, device_id: str) -> str | None:
        """The player id bound to a device, or None."""

    def load(self, player_id: str, *, fresh: bool = False) -> StoredPlayer | None:
        """The player's snapshot and version, or None; ``fresh`` bypasses caches."""

    def processed_reply(self, player_id: str, key_hash: str) -> Reply | None:
        """The first reply recorded under an idempotency key hash, or None."""

    def append(self, record: CommandRecord) -> None:
        """Write one accepted command atomically (see the module rules)."""

    def journal(self, player_id: str) -> Sequence[NewPlayer | Command]:
        """The player's journal from its genesis, in ``seq`` order."""

    def check_ready(self) -> None:
        """Raise if the store cannot serve requests (the readiness probe)."""

    def bind_store_transaction(
        self, transaction_id: str, player_id: str, *, at: int
    ) -> str | None:
        """Bind a store transaction id to a player, once ever; return its owner.

        The first binder owns the id for good: binding it again, by the same or
        another player, changes nothing and returns the first player, or None
        once that player was purged (the id stays claimed for ever: it is never
        bound, nor credited, again). ``at`` is the instant of the first binding
        (ms). A new binding for an unknown player raises ``PlayerNotFoundError``;
        a transient database error raises ``ConcurrencyError`` (binding is
        idempotent, so the caller retries).
        """

    def store_transaction_owner(self, transaction_id: str) -> str | None:
        """The player a store transaction id is bound to, or None (for a refund):
        never bound, or bound to a player since purged."""


class TextWriter(Protocol):
    """Writes an NPC's words: a line of dialogue, a dating profile's bio.

    The default (no writer) is the content's template grammar. Return None to let
    the grammar write the text (the fallback of any adapter that fails or times
    out).
    """

    def write_line(self, request: LineRequest) -> str | None:
        """One line for ``request``, or None for the grammar's."""

    def write_bio(self, request: BioRequest) -> str | None:
        """A dating bio for ``request``, or None for the grammar's."""


class ReceiptError(BaolifeError):
    """A signed store transaction failed verification (the reason is the message)."""


@frozen
class VerifiedPurchase:
    """What a ``ReceiptVerifier`` vouches for in a signed store transaction."""

    product_id: str  # the store product id
    transaction_id: str  # the store's transaction id
    original_transaction_id: str  # the first transaction of the purchase
    environment: str  # ``production``, ``sandbox`` or ``development``
    purchased_at: int  # ms UTC, as the store signed it
    revoked: bool  # True when the store says it was refunded or revoked


class ReceiptVerifier(Protocol):
    """Checks a signed store transaction (App Store JWS, or a development one)."""

    def verify(self, signed_transaction: str, *, at: int) -> VerifiedPurchase:
        """The verified purchase, or ``ReceiptError`` saying why not."""


@frozen
class AnalyticsEvent:
    """One analytics row: a domain event or an exposure, without PII."""

    player_id: str | None  # the player it is about; None for a server-level event
    session_id: str | None  # the connection it happened on; None outside one
    name: str  # e.g. ``date_went``, ``experiment_exposure``
    properties: str  # canonical JSON object of the event's fields (never PII)
    at: int  # ms UTC


class AnalyticsSink(Protocol):
    """Where analytics go (DESIGN.md "Observability"): buffered, batched, lossy.

    Gameplay never waits on analytics: every method returns at once and never
    raises; a sink that cannot keep up drops and counts what it drops.
    """

    def record(self, events: Sequence[AnalyticsEvent]) -> None:
        """Queue ``events`` for writing."""

    def session_started(self, session_id: str, player_id: str, *, at: int) -> None:
        """A connection of ``player_id`` began at ``at`` (ms)."""

    def session_ended(self, session_id: str, *, at: int, messages: int) -> None:
        """The connection ended at ``at`` (ms) after ``messages`` client frames."""
