"""``SqlPlayerStore``: the ``PlayerStore`` port over SQLAlchemy Core.

It keeps exactly the contract of the core's ``InMemoryStore`` (the reference
implementation), on SQLite or MySQL/MariaDB with the same code and schema.

Rules of this module (DESIGN.md "Storage: journal, snapshot, projections"):

- One accepted command is one database transaction: the version-checked
  ``UPDATE players`` first (step 1; it also takes the row lock, so the rest of the
  transaction cannot race another writer of the player), then the journal line
  (step 2), the snapshot and denormalized columns (step 3, in the same ``UPDATE``),
  the event projections (step 4: inserts, updates of rows that earlier events
  inserted, and upserts) and the idempotency record (step 5).
- A projected update that matches no row raises ``ProjectionError`` and rolls the
  transaction back: the tables disagree with the journal, which is a bug to fix,
  not a race to retry.
- A stale version, a duplicate idempotency key, an existing device or player, and
  every transient database error (deadlock, lock wait timeout, "database is
  locked") roll the transaction back and raise ``ConcurrencyError``: the service
  then retries on fresh state. Nothing is ever half-written.
- Every statement is keyed by one player id (the shard key); nothing here needs a
  cross-player transaction. ``bind_store_transaction`` is keyed by the App Store's
  transaction id instead: one single-row ``INSERT``, alone in its transaction,
  after a shared lock on the binder's ``users`` row proves the player exists
  (there is no foreign key: a purge keeps the row, unbound) and makes a racing
  purge wait and then unbind it. A transaction id bound to a purged player
  (``player_id`` NULL) stays claimed: binding it again returns None, so it is
  never bound, nor credited, again. The purge's search for due accounts is the
  one cross-player read (``gdpr``).
- Accounts (``AccountStore``: export, deletion, the purge) are ``gdpr``'s SQL; a
  purge evicts the player from the snapshot cache, and another process's stale
  entry is harmless (the version check finds no row, the fresh load none).
- JSON columns hold the core's wire format (``to_wire`` / ``state_to_wire``) as
  canonical text: a journal line decodes with ``record_from_wire`` exactly as a
  client frame or an offline action does.
- Reads are single statements, so they need no multi-statement isolation; they
  run on the reader engine (``database.make_reader``). The exception is the GDPR
  export, every player table read in one transaction on the writer engine so
  the tables agree. Writes run as driver SQL compiled once from Core constructs
  (``statements`` says why and what it skips). The one read inside a command's
  write transaction is step 4's look-up of the line's storylets in the
  ``relationship_events`` catalog table (a shared lock, only for a line with
  storylet events): which storylets are relationship events is content, which
  the projectors do not know (``projections`` rules). Account writes lock the
  ``users`` row they read (``gdpr``).
- ``load`` answers from a per-process ``SnapshotCache`` unless ``fresh=True`` (see
  ``cache`` for why a stale entry is safe, whatever its TTL). The cache only learns
  from the database: a fresh load, a committed ``create_player`` or ``append``
  (version + 1); a failed ``append``, whatever the error, evicts the player.
- A connection lost before ``COMMIT`` is a ``ConcurrencyError``: the server rolls
  an orphaned transaction back, so nothing was written and the retry is safe for
  every command, keyed or not. A connection lost during ``COMMIT`` is ambiguous
  (the commit may have landed), so that error propagates and is never retried
  here: retrying an unkeyed command could apply it twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from attrs import evolve
from sqlalchemy import Connection, Engine, Executable
from sqlalchemy.engine import Row as ResultRow
from sqlalchemy.exc import DBAPIError, IntegrityError

from baolife_core import (
    Command,
    CommandRecord,
    ConcurrencyError,
    Event,
    Genesis,
    LifeEventOccurred,
    NewPlayer,
    PlayerNotFoundError,
    PlayerState,
    QuestionPosed,
    Reply,
    StoredPlayer,
    record_from_wire,
    reply_from_wire,
    state_from_wire,
    state_to_wire,
    to_wire,
    wire_name,
)
from baolife_core.dating.stages import current_romance
from baolife_core.ports import Account, ExportTables, PurgedAccount
from baolife_core.wire import canonical_json

from . import gdpr
from .cache import DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL_S, SnapshotCache
from .database import WRITE, is_transient, make_engine, make_reader
from .dating_projections import line_romance
from .migrate import run_migrations
from .projections import (
    InsertRow,
    Origin,
    ProjectionError,
    Row,
    UpsertRow,
    project,
)
from .schema import (
    player_journal,
    players,
    processed_transactions,
    store_transactions,
    users,
)
from .statements import (
    BUMP_VERSION,
    DEVICE,
    JOURNAL,
    LOAD,
    READY,
    RELATIONSHIP_EVENT,
    REPLY,
    STORE_OWNER,
    DriverStatements,
    insert_into,
    key_parameters,
    update_by_key,
    upsert_into,
)

__all__ = ["SqlPlayerStore", "create_store"]


@contextmanager
def _transient_as_conflict() -> Iterator[None]:
    """Turn a transient database error into ``ConcurrencyError`` (module rules)."""
    try:
        yield
    except DBAPIError as error:
        if is_transient(error):
            raise ConcurrencyError(f"transient database error: {error.orig}") from error
        raise


@contextmanager
def _lost_as_conflict() -> Iterator[None]:
    """Turn a connection lost before ``COMMIT`` into ``ConcurrencyError``.

    SQLAlchemy has already invalidated the connection (and the pool's older ones),
    so the retry runs on a new connection (module rules).
    """
    try:
        yield
    except DBAPIError as error:
        if error.connection_invalidated:
            raise ConcurrencyError(f"connection lost: {error.orig}") from error
        raise


def _snapshot_columns(state: PlayerState) -> dict[str, object]:
    """The snapshot and its denormalized columns (step 3)."""
    return {
        "seq": state.seq,
        "snapshot": canonical_json(state_to_wire(state)),
        "diamonds": state.wallet.diamonds,
        "energy": state.energy.amount,
        "updated_at": state.clock.now_at,
    }


def _journal_line(
    player_id: str,
    state: PlayerState,
    record: NewPlayer | Command,
    events: Sequence[Event],
) -> dict[str, object]:
    """The journal row of one record (step 2); its ``seq`` is the state's."""
    return {
        "player_id": player_id,
        "seq": state.seq,
        "at": record.at,
        "command": canonical_json(to_wire(record)),
        "events": canonical_json([to_wire(event) for event in events]),
    }


def _relationship_events(
    connection: Connection, events: Sequence[Event]
) -> frozenset[str]:
    """The storylets of ``events`` that the ``relationship_events`` catalog table
    lists (step 4; no statement for a line without storylet events)."""
    storylets = sorted(
        {
            event.event_id
            for event in events
            if isinstance(event, LifeEventOccurred | QuestionPosed)
        }
    )
    return frozenset(
        storylet
        for storylet in storylets
        if connection.execute(RELATIONSHIP_EVENT, {"p_storylet_id": storylet}).first()
        is not None
    )


class SqlPlayerStore:
    """Players in a SQL database: journal, snapshot, projections, idempotency."""

    def __init__(
        self,
        engine: Engine,
        *,
        reader: Engine | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
    ) -> None:
        """A store writing through ``engine`` and reading through ``reader``.

        ``reader`` defaults to ``engine``; ``create_store`` passes ``make_reader``'s.
        ``cache_size`` players are kept in the snapshot cache (0 disables it), each
        for at most ``cache_ttl_s`` seconds.
        """
        self.engine = engine
        self.reader = engine if reader is None else reader
        self.cache = SnapshotCache(cache_size, ttl_s=cache_ttl_s)
        self._writer = engine.execution_options(**WRITE)
        self._statements = DriverStatements(engine.dialect)

    # -- writes ------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, committed at the end or rolled back on error.

        Every checkout of the writer pool ends here with an explicit ``COMMIT`` or
        ``ROLLBACK`` (the pool does no reset of its own, see ``database``); a
        connection whose ``COMMIT`` or ``ROLLBACK`` failed is in an unknown state,
        so it is discarded rather than pooled.
        """
        with _transient_as_conflict(), self._writer.connect() as connection:
            transaction = connection.begin()
            try:
                with _lost_as_conflict():
                    yield connection
            except BaseException:
                try:
                    transaction.rollback()
                except Exception:
                    connection.invalidate()
                raise
            try:
                transaction.commit()  # a connection lost here is ambiguous
            except BaseException:
                connection.invalidate()
                raise

    def create_player(self, genesis: Genesis) -> None:
        state = genesis.outcome.state
        player_id = genesis.player_id
        try:
            with self._write() as connection:
                self._statements.execute(
                    connection,
                    insert_into(users),
                    {
                        "user_id": player_id,
                        "device_id": genesis.device_id,
                        "created_at": genesis.record.at,
                    },
                )
                self._statements.execute(
                    connection,
                    insert_into(players),
                    {"player_id": player_id, "version": 1, **_snapshot_columns(state)},
                )
                self._append_lines(
                    connection, player_id, state, genesis.record, genesis.outcome.events
                )
        except IntegrityError as error:
            raise ConcurrencyError("device or player already exists") from error
        self.cache.put(StoredPlayer(player_id=player_id, state=state, version=1))

    def append(self, record: CommandRecord) -> None:
        try:
            self._append(record)
        except BaseException:
            self.cache.evict(record.player_id)
            raise
        self.cache.put(
            StoredPlayer(
                player_id=record.player_id,
                state=record.outcome.state,
                version=record.expected_version + 1,
            )
        )

    def _append(self, record: CommandRecord) -> None:
        """Steps 1-5 in one transaction (module rules)."""
        outcome = record.outcome
        state = outcome.state
        with self._write() as connection:
            bumped = self._statements.execute(
                connection,
                BUMP_VERSION,
                {
                    "p_player_id": record.player_id,
                    "p_expected_version": record.expected_version,
                    **_snapshot_columns(state),
                },
            )
            if bumped.rowcount != 1:
                raise ConcurrencyError("stale version")
            self._append_lines(
                connection, record.player_id, state, record.command, outcome.events
            )
            key = record.idempotency_key_hash
            if key is not None and outcome.reply is not None:
                self._record_key(connection, record, key, outcome.reply)

    def _append_lines(
        self,
        connection: Connection,
        player_id: str,
        state: PlayerState,
        record: NewPlayer | Command,
        events: Sequence[Event],
    ) -> None:
        """Steps 2 and 4: the journal line and the events' projections."""
        self._statements.execute(
            connection,
            insert_into(player_journal),
            _journal_line(player_id, state, record, events),
        )
        origin = Origin(
            player_id=player_id,
            seq=state.seq,
            quest_day=state.retention.quests.day,
        )
        listed = _relationship_events(connection, events)
        if listed:
            character = state.character
            romance = None if character is None else current_romance(character)
            current = None if romance is None else romance.npc.id
            origin = evolve(
                origin,
                relationship_events=listed,
                romance=line_romance(current, events),
            )
        for row in project(origin, events):
            self._write_row(connection, row)

    def _write_row(self, connection: Connection, row: Row) -> None:
        """Step 4 for one projected row (module rules)."""
        if isinstance(row, InsertRow):
            self._statements.execute(connection, insert_into(row.table), row.values)
            return
        if isinstance(row, UpsertRow):
            statement = upsert_into(
                row.table, self.engine.dialect.name, tuple(row.values), row.add
            )
            self._statements.execute(connection, statement, row.values)
            return
        updated = self._statements.execute(
            connection,
            update_by_key(row.table, row.add),
            {**key_parameters(row.key), **row.values},
        )
        if updated.rowcount != 1:
            raise ProjectionError(
                f"{row.table.name}: no row {dict(row.key)} to update "
                f"({updated.rowcount} matched)"
            )

    def _record_key(
        self, connection: Connection, record: CommandRecord, key: str, reply: Reply
    ) -> None:
        """Step 5: the idempotency record; a duplicate key lost a race."""
        try:
            self._statements.execute(
                connection,
                insert_into(processed_transactions),
                {
                    "player_id": record.player_id,
                    "key_hash": key,
                    "message_type": wire_name(type(record.command)),
                    "reply": canonical_json(to_wire(reply)),
                    "seq": record.outcome.state.seq,
                    "created_at": record.outcome.state.clock.now_at,
                },
            )
        except IntegrityError as error:
            raise ConcurrencyError("idempotency key already processed") from error

    def store_transaction_owner(self, transaction_id: str) -> str | None:
        """The player the store transaction is bound to; None if never bound or
        bound to a player since purged."""
        rows = self._read(STORE_OWNER, p_transaction_id=transaction_id)
        owner: str | None = rows[0].player_id if rows else None
        return owner

    def bind_store_transaction(
        self, transaction_id: str, player_id: str, *, at: int
    ) -> str | None:
        """Bind the store transaction to the player unless bound; return the owner.

        One transaction: a shared lock on the player's ``users`` row, then one
        single-row ``INSERT`` (the module rules' exception to "keyed by one player
        id": see ``schema``). A duplicate key means an earlier binding, whose
        owner is read back (None: purged). An unknown player binds nothing: an
        existing binding's owner is still returned, else ``PlayerNotFoundError``.
        """
        try:
            with self._write() as connection:
                known = connection.execute(
                    gdpr.USER_SHARED, {"p_player_id": player_id}
                ).first()
                if known is None:
                    raise PlayerNotFoundError(player_id)
                self._statements.execute(
                    connection,
                    insert_into(store_transactions),
                    {
                        "transaction_id": transaction_id,
                        "player_id": player_id,
                        "bound_at": at,
                    },
                )
        except (IntegrityError, PlayerNotFoundError):
            rows = self._read(STORE_OWNER, p_transaction_id=transaction_id)
            if not rows:
                raise  # only an unknown player leaves no row to read back
            owner: str | None = rows[0].player_id
            return owner
        return player_id

    # -- accounts (``AccountStore``; the SQL is ``gdpr``'s) -------------------------

    def account(self, player_id: str) -> Account | None:
        rows = self._read(gdpr.ACCOUNT, p_player_id=player_id)
        return gdpr.account_from_row(rows[0]) if rows else None

    def export_player(self, player_id: str) -> ExportTables | None:
        """Every row of every player table, read in one transaction (``gdpr``)."""
        with _transient_as_conflict(), self.engine.begin() as connection:
            return gdpr.export_rows(connection, player_id)

    def schedule_deletion(
        self, player_id: str, *, at: int, purge_after: int
    ) -> Account:
        with self._write() as connection:
            return gdpr.schedule_deletion(
                connection, player_id, at=at, purge_after=purge_after
            )

    def cancel_deletion(self, player_id: str, *, at: int) -> bool:
        with self._write() as connection:
            return gdpr.cancel_deletion(connection, player_id, at=at)

    def purge_due(self, *, at: int, limit: int) -> Sequence[PurgedAccount]:
        """Purge up to ``limit`` due accounts, one transaction each (``gdpr``).

        An account whose purge loses a race (a transient error) is left for the
        next call; the ones purged before it stay purged and are returned.
        """
        due = self._read(gdpr.due_accounts(at, limit))
        purged = []
        for row in due:
            player_id: str = row.user_id
            try:
                with self._write() as connection:
                    tombstone = gdpr.purge_player(connection, player_id, at)
            except ConcurrencyError:
                continue
            finally:
                self.cache.evict(player_id)
            if tombstone is not None:
                purged.append(PurgedAccount(player_id=player_id, tombstone=tombstone))
        return tuple(purged)

    # -- reads -------------------------------------------------------------------

    def _read(
        self, statement: Executable, **params: object
    ) -> Sequence[ResultRow[Any]]:
        """All rows of one read-only statement (its own short transaction)."""
        with _transient_as_conflict(), self.reader.connect() as connection:
            return connection.execute(statement, params).all()

    def player_for_device(self, device_id: str) -> str | None:
        rows = self._read(DEVICE, p_device_id=device_id)
        return rows[0].user_id if rows else None

    def load(self, player_id: str, *, fresh: bool = False) -> StoredPlayer | None:
        if not fresh:
            cached = self.cache.get(player_id)
            if cached is not None:
                return cached
        rows = self._read(LOAD, p_player_id=player_id)
        if not rows:
            self.cache.evict(player_id)
            return None
        row = rows[0]
        stored = StoredPlayer(
            player_id=player_id,
            state=state_from_wire(json.loads(row.snapshot)),
            version=row.version,
        )
        self.cache.put(stored)
        return stored

    def processed_reply(self, player_id: str, key_hash: str) -> Reply | None:
        rows = self._read(REPLY, p_player_id=player_id, p_key_hash=key_hash)
        return reply_from_wire(json.loads(rows[0].reply)) if rows else None

    def journal(self, player_id: str) -> Sequence[NewPlayer | Command]:
        rows = self._read(JOURNAL, p_player_id=player_id)
        return tuple(record_from_wire(json.loads(row.command)) for row in rows)

    def check_ready(self) -> None:
        self._read(READY)

    def close(self) -> None:
        """Close every pooled connection and empty the cache."""
        self.cache.clear()
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()


def create_store(
    url: str,
    *,
    upgrade: bool = True,
    cache_size: int = DEFAULT_CACHE_SIZE,
    cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
) -> SqlPlayerStore:
    """A store on the database at ``url``, first migrated to the latest schema.

    ``upgrade=False`` is for deployments that migrate in a separate release step
    (``upgrade_database``) and start servers against an already current schema.
    ``cache_size`` bounds the snapshot cache (0 disables it) and ``cache_ttl_s`` the
    seconds an entry is kept.
    """
    engine = make_engine(url)
    try:
        if upgrade:
            run_migrations(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlPlayerStore(
        engine,
        reader=make_reader(engine),
        cache_size=cache_size,
        cache_ttl_s=cache_ttl_s,
    )
