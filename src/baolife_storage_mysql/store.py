"""``SqlPlayerStore``: the ``PlayerStore`` port over SQLAlchemy Core.

It keeps exactly the contract of the core's ``InMemoryStore`` (the reference
implementation), on SQLite or MySQL/MariaDB with the same code and schema.

Rules of this module (DESIGN.md "Storage: journal, snapshot, projections"):

- One accepted command is one database transaction: the version-checked
  ``UPDATE players`` first (step 1; it also takes the row lock, so the rest of the
  transaction cannot race another writer of the player), then the journal line
  (step 2), the snapshot and denormalized columns (step 3, in the same ``UPDATE``),
  the event projections (step 4) and the idempotency record (step 5).
- A stale version, a duplicate idempotency key, an existing device or player, and
  every transient database error (deadlock, lock wait timeout, "database is
  locked") roll the transaction back and raise ``ConcurrencyError``: the service
  then retries on fresh state. Nothing is ever half-written.
- Every statement is keyed by one player id (the shard key); nothing here needs a
  cross-player transaction.
- JSON columns hold the core's wire format (``to_wire`` / ``state_to_wire``) as
  canonical text: a journal line decodes with ``record_from_wire`` exactly as a
  client frame or an offline action does.
- Reads are single statements, so they need no multi-statement isolation; they
  run on the reader engine (``database.make_reader``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Insert,
    Table,
    bindparam,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Row as ResultRow
from sqlalchemy.exc import DBAPIError, IntegrityError

from baolife_core import (
    Command,
    CommandRecord,
    ConcurrencyError,
    Event,
    Genesis,
    NewPlayer,
    PlayerState,
    Reply,
    StoredPlayer,
    record_from_wire,
    reply_from_wire,
    state_from_wire,
    state_to_wire,
    to_wire,
    wire_name,
)
from baolife_core.wire import canonical_json

from .database import WRITE, is_transient, make_engine, make_reader
from .migrate import run_migrations
from .projections import Origin, Row, project
from .schema import (
    player_journal,
    players,
    processed_transactions,
    users,
)

__all__ = ["SqlPlayerStore", "create_store"]

# Bound parameter names are prefixed so they never collide with the column names
# that SQLAlchemy turns into SET clauses of ``_BUMP_VERSION``.
_BUMP_VERSION = (
    update(players)
    .where(
        players.c.player_id == bindparam("p_player_id"),
        players.c.version == bindparam("p_expected_version"),
    )
    .values(version=players.c.version + 1)
)
_LOAD = select(players.c.snapshot, players.c.version).where(
    players.c.player_id == bindparam("p_player_id")
)
_DEVICE = select(users.c.user_id).where(users.c.device_id == bindparam("p_device_id"))
_REPLY = select(processed_transactions.c.reply).where(
    processed_transactions.c.player_id == bindparam("p_player_id"),
    processed_transactions.c.key_hash == bindparam("p_key_hash"),
)
_JOURNAL = (
    select(player_journal.c.command)
    .where(player_journal.c.player_id == bindparam("p_player_id"))
    .order_by(player_journal.c.seq)
)
_READY = select(literal(1))


@contextmanager
def _transient_as_conflict() -> Iterator[None]:
    """Turn a transient database error into ``ConcurrencyError`` (module rules)."""
    try:
        yield
    except DBAPIError as error:
        if is_transient(error):
            raise ConcurrencyError(f"transient database error: {error.orig}") from error
        raise


@cache
def _insert(table: Table) -> Insert:
    """One ``INSERT`` construct per table, so its cache key is computed once."""
    return insert(table)


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


class SqlPlayerStore:
    """Players in a SQL database: journal, snapshot, projections, idempotency."""

    def __init__(self, engine: Engine, *, reader: Engine | None = None) -> None:
        """A store writing through ``engine`` and reading through ``reader``.

        ``reader`` defaults to ``engine``; ``create_store`` passes ``make_reader``'s.
        """
        self.engine = engine
        self.reader = engine if reader is None else reader
        self._writer = engine.execution_options(**WRITE)

    # -- writes ------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, committed at the end or rolled back on error."""
        with _transient_as_conflict(), self._writer.begin() as connection:
            yield connection

    def create_player(self, genesis: Genesis) -> None:
        state = genesis.outcome.state
        player_id = genesis.player_id
        try:
            with self._write() as connection:
                connection.execute(
                    _insert(users),
                    {
                        "user_id": player_id,
                        "device_id": genesis.device_id,
                        "created_at": genesis.record.at,
                    },
                )
                connection.execute(
                    _insert(players),
                    {"player_id": player_id, "version": 1, **_snapshot_columns(state)},
                )
                self._append_lines(
                    connection, player_id, state, genesis.record, genesis.outcome.events
                )
        except IntegrityError as error:
            raise ConcurrencyError("device or player already exists") from error

    def append(self, record: CommandRecord) -> None:
        outcome = record.outcome
        state = outcome.state
        with self._write() as connection:
            bumped = connection.execute(
                _BUMP_VERSION,
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
        connection.execute(
            _insert(player_journal), _journal_line(player_id, state, record, events)
        )
        rows: list[Row] = project(Origin(player_id=player_id, seq=state.seq), events)
        for table, values in rows:
            connection.execute(_insert(table), values)

    def _record_key(
        self, connection: Connection, record: CommandRecord, key: str, reply: Reply
    ) -> None:
        """Step 5: the idempotency record; a duplicate key lost a race."""
        try:
            connection.execute(
                _insert(processed_transactions),
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

    # -- reads -------------------------------------------------------------------

    def _read(
        self, statement: Executable, **params: object
    ) -> Sequence[ResultRow[Any]]:
        """All rows of one read-only statement (its own short transaction)."""
        with _transient_as_conflict(), self.reader.connect() as connection:
            return connection.execute(statement, params).all()

    def player_for_device(self, device_id: str) -> str | None:
        rows = self._read(_DEVICE, p_device_id=device_id)
        return rows[0].user_id if rows else None

    def load(self, player_id: str, *, fresh: bool = False) -> StoredPlayer | None:
        rows = self._read(_LOAD, p_player_id=player_id)
        if not rows:
            return None
        row = rows[0]
        return StoredPlayer(
            player_id=player_id,
            state=state_from_wire(json.loads(row.snapshot)),
            version=row.version,
        )

    def processed_reply(self, player_id: str, key_hash: str) -> Reply | None:
        rows = self._read(_REPLY, p_player_id=player_id, p_key_hash=key_hash)
        return reply_from_wire(json.loads(rows[0].reply)) if rows else None

    def journal(self, player_id: str) -> Sequence[NewPlayer | Command]:
        rows = self._read(_JOURNAL, p_player_id=player_id)
        return tuple(record_from_wire(json.loads(row.command)) for row in rows)

    def check_ready(self) -> None:
        self._read(_READY)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()


def create_store(url: str, *, upgrade: bool = True) -> SqlPlayerStore:
    """A store on the database at ``url``, first migrated to the latest schema.

    ``upgrade=False`` is for deployments that migrate in a separate release step
    (``upgrade_database``) and start servers against an already current schema.
    """
    engine = make_engine(url)
    try:
        if upgrade:
            run_migrations(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlPlayerStore(engine, reader=make_reader(engine))
