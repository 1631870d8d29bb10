"""The application service: load → step → persist, with bounded retries.

Rules of this module (DESIGN.md "Storage", steps 1-5):

- One command is one ``PlayerStore.append``; a ``ConcurrencyError`` retries the whole
  command on freshly loaded state, at most ``max_attempts`` times, then raises
  ``ConflictError`` (the protocol's ``conflict``).
- The first attempt may run on a cached snapshot (``load(fresh=False)``), so the
  common path reads nothing from the database. That is safe: ``append`` checks the
  version, and a rejection is only answered once confirmed on fresh state.
- A command with an ``idempotency_key`` is keyed by SHA-256 over
  ``(player id, message type, key)``; a key already processed returns the first
  reply and changes nothing. The store's unique idempotency record makes a replayed
  key fail ``append``; the retry then finds and returns the first reply.
- Rejections are not persisted: they change nothing, and a rejected key is not
  consumed, so the client may retry it once the cause is gone.
- A conversation command without a ``line`` asks the ``TextWriter`` (if one is
  given) before the engine runs; its text, cleaned to one printable line of at
  most ``MAX_TEXT`` characters, becomes the command's ``line`` and is journaled,
  so a replay needs no writer. A writer that returns None leaves the line to the
  grammar.
- Bios (docs/dating.md "Bios"): with a writer, ``read`` replaces each bio of a
  ``get_matches`` reply by the writer's text and remembers, per (player, NPC),
  the bio it showed (``BioCache``, a bounded LRU; None: the grammar's). A ``like``
  without a ``bio`` takes the remembered one, so the bio journaled with the match
  is the one the player saw; an NPC not remembered (evicted, another process)
  asks the writer then. Without a writer, bios are the grammar's and nothing is
  asked or remembered.
- Before anything else a command is counted against the player's rate limits
  (``rate_limits``, content ``rate_limits.toml``); over a limit it is refused with
  ``rate_limited`` and ``retry_after_ms``, and nothing is written — except that
  an idempotency key already processed still answers its first reply.
- A store purchase is verified by the ``ReceiptVerifier`` before anything is
  written (a failure, a mismatch with the request or a revoked transaction is
  ``invalid_receipt``), then its transaction id is bound to the player for good
  (``PlayerStore.bind_store_transaction``; another player's id is
  ``already_claimed``), then the verified fields run as ``CreditStorePurchase``,
  keyed by the transaction id: a retry by the owner returns the first reply.
  A transaction id whose owner was purged stays claimed by nobody
  (``bind_store_transaction`` returns None): it is ``already_claimed`` for
  everyone, never credited again.
- Accounts (DESIGN.md "Storage", GDPR): ``export_data`` is every record the store
  holds for the player, as one JSON-able document. ``request_account_deletion``
  revokes the player's session tokens at once and schedules the purge
  ``deletion_grace_ms`` (30 days) later; asking again keeps the first schedule.
  ``cancel_account_deletion`` unschedules it while the grace runs. Once the
  grace has ended the account is as good as gone (``PlayerNotFoundError`` for
  a request or a cancel) until ``purge_due_accounts`` hard-deletes it.
  Account writes retry transient conflicts like commands, then ``ConflictError``.
- Offline sync (PROTOCOL.md "Offline sync", rules in ``offline``):
  ``sync_offline`` applies a client's queued actions in ``at`` order, each
  through ``execute`` with a result of its own, so one refused action never
  stops the rest.
- This module is synchronous and does no I/O itself; adapters are passed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from attrs import evolve, frozen

from ._fields import MAX_TEXT
from .bio_cache import BioCache
from .catalog import Catalog
from .commands import (
    Command,
    CreditStorePurchase,
    Like,
    NewPlayer,
    ReplyConversation,
    RevokeStorePurchase,
    StartConversation,
)
from .dating.bios import bio_request
from .engine import advance, start, step
from .errors import ConcurrencyError, ConflictError, PlayerNotFoundError
from .events import Event
from .experiments import assign_variants
from .life.conversations import line_request
from .offline import SYNC_MESSAGE, offline_refusal, sync_order
from .ports import (
    Account,
    CommandRecord,
    Genesis,
    PlayerStore,
    PurgedAccount,
    ReceiptError,
    ReceiptVerifier,
    StoredPlayer,
    TextWriter,
    VerifiedPurchase,
)
from .queries import Query
from .rate_limits import Bucket, admit, full_bucket
from .replies import (
    ALREADY_CLAIMED,
    INVALID_RECEIPT,
    RATE_LIMITED,
    MatchList,
    Rejection,
    Reply,
)
from .state import PlayerState
from .wire import wire_name

__all__ = [
    "DELETION_GRACE_MS",
    "EXPORT_FORMAT",
    "PURGE_BATCH",
    "GameService",
    "Result",
    "clean_line",
    "idempotency_key_hash",
]

#: The grace between a deletion request and the purge (DESIGN.md: 30 days), ms.
DELETION_GRACE_MS = 30 * 24 * 60 * 60 * 1000
#: The version of the export document's shape (``GameService.export_data``).
EXPORT_FORMAT = 1
#: Accounts purged per store call (one transaction each) by ``purge_due_accounts``.
PURGE_BATCH = 100

_T = TypeVar("_T")


@frozen
class Result:
    """What executing one command produced."""

    reply: Reply  # the reply to send (the first reply again for a duplicate key)
    events: tuple[Event, ...]  # events emitted now (empty for rejections, duplicates)
    state: PlayerState  # the player's state after the command
    duplicate: bool  # True when an idempotency key was replayed


def idempotency_key_hash(player_id: str, command: Command) -> str | None:
    """SHA-256 hex over (player, message type, key), or None if unkeyed."""
    key = getattr(command, "idempotency_key", None)
    if key is None:
        return None
    material = f"{player_id}\x1f{wire_name(type(command))}\x1f{key}"
    return hashlib.sha256(material.encode()).hexdigest()


def clean_line(text: str) -> str | None:
    """``text`` as one printable line of at most ``MAX_TEXT`` characters, or None."""
    words = "".join(ch if ch.isprintable() else " " for ch in text).split()
    line = " ".join(words)[:MAX_TEXT].strip()
    return line or None


class GameService:
    """Runs commands for players against a store, the engine and a catalog."""

    def __init__(
        self,
        store: PlayerStore,
        catalog: Catalog,
        *,
        max_attempts: int = 8,
        writer: TextWriter | None = None,
        verifier: ReceiptVerifier | None = None,
        deletion_grace_ms: int = DELETION_GRACE_MS,
    ):
        self.store = store
        self.catalog = catalog
        self.max_attempts = max_attempts
        self.deletion_grace_ms = deletion_grace_ms  # request -> purge (module rules)
        self.writer = writer
        self.verifier = verifier  # checks signed store transactions; None: no store
        # Rate-limit buckets, per (player, limit), in this process's memory: the
        # policy is pure (``rate_limits``); several processes each keep their own.
        self._buckets: dict[tuple[str, str], Bucket] = {}
        # The bios the writer wrote for players' suggestions (module rules).
        self.bios = BioCache()

    def _written(self, player_id: str, state: PlayerState, command: Command) -> Command:
        """``command`` with the writer's text: a conversation's line, a like's bio."""
        if self.writer is None:
            return command
        if isinstance(command, Like):
            return self._with_bio(player_id, state, command)
        if not isinstance(command, StartConversation | ReplyConversation):
            return command
        if command.line is not None:
            return command
        advanced = advance(state, command.at, self.catalog)
        request = line_request(advanced, command, self.catalog)
        if request is None:
            return command
        text = self.writer.write_line(request)
        line = None if text is None else clean_line(text)
        return command if line is None else evolve(command, line=line)

    def _with_bio(self, player_id: str, state: PlayerState, command: Like) -> Like:
        """``command`` with the bio the player was shown (module rules)."""
        if command.bio is not None:
            return command
        key = (player_id, command.npc_id)
        known, bio = self.bios.shown(key)
        if not known:
            advanced = advance(state, command.at, self.catalog)
            bio = self._bio(key, advanced, command)
        return command if bio is None else evolve(command, bio=bio)

    def _bio(
        self, key: tuple[str, str], advanced: PlayerState, command: Like
    ) -> str | None:
        """The writer's bio for the NPC ``command`` likes, remembered; None for the
        grammar's (the engine would refuse the like, or the writer declined)."""
        if self.writer is None:
            return None
        request = bio_request(advanced, command, self.catalog)
        if request is None:
            return None  # not remembered: the NPC is not likeable now
        text = self.writer.write_bio(request)
        bio = None if text is None else clean_line(text)
        self.bios.remember(key, bio)
        return bio

    def read(self, player_id: str, query: Query, at: int) -> Reply:
        """Answer a read (``queries``) for ``player_id`` at ``at``; a
        ``get_matches`` reply shows the writer's bios (module rules)."""
        state = self.load(player_id, fresh=False).state
        reply = query(state, at, self.catalog)
        if self.writer is None or not isinstance(reply, MatchList):
            return reply
        advanced = advance(state, at, self.catalog)
        entries = []
        for entry in reply.matches:
            key = (player_id, entry.npc_id)
            known, bio = self.bios.shown(key)
            if not known:
                bio = self._bio(key, advanced, Like(at=at, npc_id=entry.npc_id))
            entries.append(entry if bio is None else evolve(entry, bio=bio))
        return evolve(reply, matches=tuple(entries))

    def login_device(
        self, device_id: str, *, new_player_id: str, seed: int, at: int
    ) -> str:
        """The player of ``device_id``, created with the given id and seed if new."""
        for _ in range(self.max_attempts):
            existing = self.store.player_for_device(device_id)
            if existing is not None:
                return existing
            variants = assign_variants(new_player_id, self.catalog.experiments)
            record = NewPlayer(at=at, seed=seed, variants=variants)
            genesis = Genesis(
                player_id=new_player_id,
                device_id=device_id,
                record=record,
                outcome=start(record, self.catalog),
            )
            try:
                self.store.create_player(genesis)
            except ConcurrencyError:
                continue  # another connection created it first: load theirs
            return new_player_id
        raise ConflictError(
            f"could not register device after {self.max_attempts} tries"
        )

    def load(self, player_id: str, *, fresh: bool = True) -> StoredPlayer:
        """The stored player, or ``PlayerNotFoundError``; fresh unless told not to."""
        stored = self.store.load(player_id, fresh=fresh)
        if stored is None:
            raise PlayerNotFoundError(player_id)
        return stored

    def _throttled(
        self,
        player_id: str,
        command: Command,
        buckets: dict[tuple[str, str], Bucket] | None = None,
    ) -> int | None:
        """Count ``command`` against the player's limits: None, or the wait in ms.

        Every limit that counts the command takes its token, so a refusal by one
        limit still spends the others' (a client pushing hard is slowed on all).
        ``buckets`` defaults to the live ones (an offline sync passes its own).
        """
        return self._admit(player_id, wire_name(type(command)), command.at, buckets)

    def _admit(
        self,
        player_id: str,
        message: str,
        at: int,
        buckets: dict[tuple[str, str], Bucket] | None = None,
    ) -> int | None:
        """Count a ``message`` at ``at``: None (admitted), or the wait in ms."""
        rules = self.catalog.rate_limits
        buckets = self._buckets if buckets is None else buckets
        waits = []
        for limit in rules.limits:
            if not limit.counts(message):
                continue
            key = (player_id, limit.id)
            bucket = buckets.get(key) or full_bucket(limit, at)
            bucket, wait = admit(bucket, at, limit, rules.max_backoff_ms)
            buckets[key] = bucket
            if wait is not None:
                waits.append(wait)
        return max(waits) if waits else None

    def execute(
        self,
        player_id: str,
        command: Command,
        *,
        buckets: dict[tuple[str, str], Bucket] | None = None,
    ) -> Result:
        """Apply ``command`` for ``player_id`` and persist it (see module rules).

        ``buckets``: the rate-limit buckets to count it in (default: the live ones).
        """
        key_hash = idempotency_key_hash(player_id, command)
        wait = self._throttled(player_id, command, buckets)
        if wait is not None:
            # A retried key still gets its first reply: only new work is throttled.
            prior = None
            if key_hash is not None:
                prior = self.store.processed_reply(player_id, key_hash)
            return Result(
                reply=prior
                or Rejection(RATE_LIMITED, "too many requests; slow down", wait),
                events=(),
                state=self.load(player_id, fresh=False).state,
                duplicate=prior is not None,
            )
        asked = command
        for attempt in range(self.max_attempts):
            fresh = attempt > 0
            stored = self.load(player_id, fresh=fresh)
            if fresh and key_hash is not None:
                prior = self.store.processed_reply(player_id, key_hash)
                if prior is not None:
                    return Result(
                        reply=prior, events=(), state=stored.state, duplicate=True
                    )
            # Each attempt asks the writer on the state it runs on, so the line
            # fits the outcome (a check's result) even after a lost race.
            command = self._written(player_id, stored.state, asked)
            outcome = step(stored.state, command, self.catalog)
            reply = outcome.reply
            if reply is None:  # pragma: no cover - only the genesis has no reply
                raise TypeError("a command outcome must carry a reply")
            if outcome.rejected:
                if not fresh:
                    continue  # confirm the rejection (and the key) on fresh state
                return Result(
                    reply=reply, events=(), state=stored.state, duplicate=False
                )
            record = CommandRecord(
                player_id=player_id,
                expected_version=stored.version,
                command=command,
                outcome=outcome,
                idempotency_key_hash=key_hash,
            )
            try:
                self.store.append(record)
            except ConcurrencyError:
                continue
            return Result(
                reply=reply, events=outcome.events, state=outcome.state, duplicate=False
            )
        raise ConflictError(
            f"command lost {self.max_attempts} races for player; giving up"
        )

    def sync_offline(
        self, player_id: str, commands: Sequence[Command], *, now: int
    ) -> tuple[Result, ...]:
        """Apply a client's offline actions; a result per command, in the order given.

        The commands apply in ``at`` order (``offline.sync_order``), each through
        ``execute``, unless ``offline.offline_refusal`` refuses it (module rules:
        "Offline sync"). A keyed command already processed answers its first
        reply whatever its ``at``. The actions count against rate-limit buckets of
        their own, judged by their ``at``: the limits hold per minute of the
        player's offline time, and a sync neither drains nor is starved by the
        live buckets. The sync itself counts once against the live limits (as
        the message ``sync_offline``): over them, every command is answered
        ``rate_limited`` and nothing applies.
        """
        wait = self._admit(player_id, SYNC_MESSAGE, now)
        if wait is not None:
            stored = self.load(player_id, fresh=False)
            limited = Rejection(RATE_LIMITED, "too many requests; slow down", wait)
            return tuple(_refused(limited, stored) for _ in commands)
        results: list[Result | None] = [None] * len(commands)
        buckets: dict[tuple[str, str], Bucket] = {}
        for index in sync_order([command.at for command in commands]):
            command = commands[index]
            stored = self.load(player_id, fresh=False)
            key_hash = idempotency_key_hash(player_id, command)
            prior = None
            if key_hash is not None:
                prior = self.store.processed_reply(player_id, key_hash)
            if prior is not None:
                results[index] = Result(
                    reply=prior, events=(), state=stored.state, duplicate=True
                )
                continue
            refusal = offline_refusal(
                command, last_at=stored.state.clock.now_at, now=now
            )
            if refusal is not None:
                results[index] = _refused(refusal, stored)
                continue
            results[index] = self.execute(player_id, command, buckets=buckets)
        return tuple(result for result in results if result is not None)

    def credit_store_purchase(
        self,
        player_id: str,
        *,
        product_id: str,
        transaction_id: str,
        signed_transaction: str,
        at: int,
    ) -> Result:
        """Verify a signed store transaction, bind it, credit it (module rules)."""
        stored = self.load(player_id, fresh=False)
        verified = self._verified(signed_transaction, at)
        if isinstance(verified, Rejection):
            return _refused(verified, stored)
        if (verified.product_id, verified.transaction_id) != (
            product_id,
            transaction_id,
        ):
            return _refused(
                Rejection(
                    INVALID_RECEIPT,
                    "the signed transaction is for another product or transaction",
                ),
                stored,
            )
        if verified.revoked:
            return _refused(
                Rejection(INVALID_RECEIPT, "the store revoked this transaction"),
                stored,
            )
        try:
            command = CreditStorePurchase(
                at=at,
                product_id=verified.product_id,
                transaction_id=verified.transaction_id,
                original_transaction_id=verified.original_transaction_id,
                environment=verified.environment,
                purchased_at=verified.purchased_at,
            )
        except ValueError as error:
            return _refused(Rejection(INVALID_RECEIPT, str(error)), stored)
        owner = self._bind(transaction_id, player_id, at)
        if owner != player_id:
            return _refused(
                Rejection(
                    ALREADY_CLAIMED, "this store transaction belongs to another player"
                ),
                stored,
            )
        return self.execute(player_id, command)

    def refund_store_transaction(
        self, transaction_id: str, reason: str, at: int
    ) -> tuple[str, Result] | None:
        """Take back a store transaction, whoever bought it: (owner, result), or None
        when no player ever claimed it (an operator's refund, ``baolife store
        refund``; an App Store notification endpoint would call this too)."""
        owner = self.store.store_transaction_owner(transaction_id)
        if owner is None:
            return None
        return owner, self.revoke_store_purchase(owner, transaction_id, reason, at)

    def revoke_store_purchase(
        self, player_id: str, transaction_id: str, reason: str, at: int
    ) -> Result:
        """Take back a refunded or revoked purchase (a store notification)."""
        return self.execute(
            player_id,
            RevokeStorePurchase(at=at, transaction_id=transaction_id, reason=reason),
        )

    def _verified(
        self, signed_transaction: str, at: int
    ) -> VerifiedPurchase | Rejection:
        """The verifier's purchase, or the ``invalid_receipt`` rejection."""
        if self.verifier is None:
            return Rejection(INVALID_RECEIPT, "store purchases are not configured")
        try:
            return self.verifier.verify(signed_transaction, at=at)
        except ReceiptError as error:
            return Rejection(INVALID_RECEIPT, str(error))

    def _bind(self, transaction_id: str, player_id: str, at: int) -> str | None:
        """The owner of the store transaction (None: purged); binding retries
        transient errors."""
        return self._retrying(
            "bind a store transaction",
            lambda: self.store.bind_store_transaction(transaction_id, player_id, at=at),
        )

    def _retrying(self, what: str, write: Callable[[], _T]) -> _T:
        """``write()``, retried on ``ConcurrencyError`` (idempotent writes only)."""
        for _ in range(self.max_attempts):
            try:
                return write()
            except ConcurrencyError:
                continue
        raise ConflictError(f"could not {what} after {self.max_attempts} tries")

    # -- accounts (module rules) ---------------------------------------------------

    def account(self, player_id: str) -> Account:
        """The player's account, or ``PlayerNotFoundError`` (unknown or purged)."""
        account = self.store.account(player_id)
        if account is None:
            raise PlayerNotFoundError(player_id)
        return account

    def export_data(self, player_id: str, *, at: int) -> dict[str, object]:
        """Every record the store holds for the player, as one JSON-able document:
        ``format``, ``player_id``, ``exported_at`` and ``tables`` (table name ->
        rows as stored, column -> value)."""
        tables = self.store.export_player(player_id)
        if tables is None:
            raise PlayerNotFoundError(player_id)
        return {
            "format": EXPORT_FORMAT,
            "player_id": player_id,
            "exported_at": at,
            "tables": {
                name: [dict(row) for row in rows] for name, rows in tables.items()
            },
        }

    def request_account_deletion(self, player_id: str, *, at: int) -> Account:
        """Revoke every session token of the player and schedule the purge
        ``deletion_grace_ms`` after ``at`` (a second request keeps the first
        schedule); the account after."""
        if self.account(player_id).due(at):
            raise PlayerNotFoundError(player_id)  # the grace is over: as good as gone
        return self._retrying(
            "schedule an account deletion",
            lambda: self.store.schedule_deletion(
                player_id, at=at, purge_after=at + self.deletion_grace_ms
            ),
        )

    def cancel_account_deletion(self, player_id: str, *, at: int) -> bool:
        """Unschedule the player's deletion within its grace: True if one was
        scheduled, False if none was (cancelling is idempotent)."""
        if self.account(player_id).due(at):
            raise PlayerNotFoundError(player_id)  # the grace is over: as good as gone
        return self._retrying(
            "cancel an account deletion",
            lambda: self.store.cancel_deletion(player_id, at=at),
        )

    def purge_due_accounts(
        self, *, at: int, batch: int = PURGE_BATCH
    ) -> list[PurgedAccount]:
        """Hard-delete every account whose grace ended by ``at``, ``batch`` per
        store call; what was purged (the ids are for the caller, never logged)."""
        purged: list[PurgedAccount] = []
        while True:
            done = self._retrying(
                "purge accounts", lambda: self.store.purge_due(at=at, limit=batch)
            )
            purged.extend(done)
            if len(done) < batch:
                return purged


def _refused(rejection: Rejection, stored: StoredPlayer) -> Result:
    """A rejection that changed nothing."""
    return Result(reply=rejection, events=(), state=stored.state, duplicate=False)
