"""GDPR on the SQL store: accounts, the export of a player, the purge, tombstones.

The SQL behind ``SqlPlayerStore``'s ``AccountStore`` methods (``baolife_core.ports``),
as functions over a connection: the store opens the transactions, turns transient
errors into ``ConcurrencyError`` and keeps its snapshot cache in step.

Rules of this module (DESIGN.md "Storage", GDPR; issue 6 item 5):

- The tables that hold a player are derived from ``schema.metadata``: every table
  with a ``player_id`` column, and ``users`` (whose ``user_id`` is the player id).
  A new player table is exported and purged with no change here; a test holds
  every other table to be catalog content (``catalog_rows.CATALOG_TABLES``) or
  ``deletion_log``, so a table that names players another way cannot slip by.
- The export reads every player table in one transaction (a consistent snapshot
  on both backends) and returns the rows exactly as stored, JSON columns as their
  canonical text, each table in primary-key order: what the player gets is what
  the database holds, journal, ledger, purchases, idempotency records and
  analytics included.
- A purge is one transaction per account: the ``users`` row is locked
  (``FOR UPDATE``) and checked still due, then the ``players`` row is locked, so
  a command racing the purge waits for it and then finds no player. Rows go
  children first (``metadata.sorted_tables`` reversed), so foreign keys hold on
  both backends. ``store_transactions`` rows stay with ``player_id`` set to
  ``NULL`` (``KEPT_TABLES``): an App Store transaction is credited once, ever.
- The tombstone (``deletion_log``) holds the request and purge instants and the
  rows removed per table (the store transactions unbound counted too), nothing
  that identifies the player: no id, no device, no name.
- Finding the due accounts (``users.purge_after <= at``, oldest first, on its
  index) is the one cross-player read of the store; on a sharded engine it runs
  per shard. Each purge itself is keyed by one player.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Delete,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from baolife_core import PlayerNotFoundError
from baolife_core.ports import Account, Tombstone
from baolife_core.wire import canonical_json

from .schema import deletion_log, metadata, players, store_transactions, users

__all__ = [
    "ACCOUNT",
    "CANCEL_DELETION",
    "KEPT_TABLES",
    "PLAYER_TABLES",
    "USER_SHARED",
    "account_from_row",
    "cancel_deletion",
    "due_accounts",
    "export_rows",
    "player_column",
    "purge_player",
    "schedule_deletion",
    "tombstone_from_row",
]


def player_column(table: Table) -> Column[Any] | None:
    """The column of ``table`` that holds a player id, or None (module rules)."""
    if table is users:
        return users.c.user_id
    return table.c.get("player_id")


#: Every table that holds players' rows, in dependency order (parents first).
PLAYER_TABLES: tuple[Table, ...] = tuple(
    table for table in metadata.sorted_tables if player_column(table) is not None
)
#: Player tables whose rows a purge keeps, unbound (``player_id`` set to NULL).
KEPT_TABLES: frozenset[Table] = frozenset({store_transactions})

_ACCOUNT_COLUMNS = (
    users.c.user_id,
    users.c.created_at,
    users.c.tokens_valid_after,
    users.c.deletion_requested_at,
    users.c.purge_after,
)
#: The account of a player (on the reader).
ACCOUNT = select(*_ACCOUNT_COLUMNS).where(users.c.user_id == bindparam("p_player_id"))
#: The account, locked for a write of it (a deletion scheduled, a purge).
_ACCOUNT_FOR_UPDATE = ACCOUNT.with_for_update()
#: Does the player exist? With a shared lock, so a purge waits for the caller's
#: transaction (``bind_store_transaction``) and then sees what it wrote.
USER_SHARED = (
    select(users.c.user_id)
    .where(users.c.user_id == bindparam("p_player_id"))
    .with_for_update(read=True)
)
_PLAYER_FOR_UPDATE = (
    select(players.c.player_id)
    .where(players.c.player_id == bindparam("p_player_id"))
    .with_for_update()
)
#: Unschedule a deletion whose grace still runs; one row matched, or none.
CANCEL_DELETION = (
    update(users)
    .where(
        users.c.user_id == bindparam("p_player_id"),
        users.c.purge_after.is_not(None),
        users.c.purge_after > bindparam("p_at"),
    )
    .values(deletion_requested_at=None, purge_after=None)
)


def account_from_row(row: Any) -> Account:
    """The ``Account`` of a row of ``_ACCOUNT_COLUMNS``."""
    return Account(
        player_id=row.user_id,
        created_at=row.created_at,
        tokens_valid_after=row.tokens_valid_after,
        deletion_requested_at=row.deletion_requested_at,
        purge_after=row.purge_after,
    )


def export_rows(
    connection: Connection, player_id: str
) -> dict[str, list[dict[str, object]]] | None:
    """Every row of every player table for ``player_id``, or None if unknown.

    Run it inside one transaction (module rules).
    """
    tables: dict[str, list[dict[str, object]]] = {}
    for table in PLAYER_TABLES:
        column = player_column(table)
        assert column is not None  # noqa: S101 - PLAYER_TABLES have one
        query = (
            select(table)
            .where(column == player_id)
            .order_by(*table.primary_key.columns)
        )
        rows = [dict(row) for row in connection.execute(query).mappings()]
        if table is users and not rows:
            return None
        tables[table.name] = rows
    return tables


def schedule_deletion(
    connection: Connection, player_id: str, *, at: int, purge_after: int
) -> Account:
    """Revoke the tokens stamped up to ``at``; schedule the purge unless scheduled.

    ``PlayerNotFoundError`` if the player does not exist.
    """
    row = connection.execute(_ACCOUNT_FOR_UPDATE, {"p_player_id": player_id}).first()
    if row is None:
        raise PlayerNotFoundError(player_id)
    account = account_from_row(row)
    values: dict[str, int] = {"tokens_valid_after": max(account.tokens_valid_after, at)}
    if account.purge_after is None:  # asking again never extends the grace
        values |= {"deletion_requested_at": at, "purge_after": purge_after}
    connection.execute(update(users).where(users.c.user_id == player_id), values)
    return Account(
        player_id=player_id,
        created_at=account.created_at,
        tokens_valid_after=values["tokens_valid_after"],
        deletion_requested_at=values.get(
            "deletion_requested_at", account.deletion_requested_at
        ),
        purge_after=values.get("purge_after", account.purge_after),
    )


def cancel_deletion(connection: Connection, player_id: str, *, at: int) -> bool:
    """Unschedule the deletion if its grace runs at ``at``; True if one was."""
    result = connection.execute(CANCEL_DELETION, {"p_player_id": player_id, "p_at": at})
    return result.rowcount == 1


def due_accounts(at: int, limit: int) -> Select[Any]:
    """The ids of up to ``limit`` accounts due at ``at``, oldest due first."""
    return (
        select(users.c.user_id)
        .where(users.c.purge_after <= at)
        .order_by(users.c.purge_after, users.c.user_id)
        .limit(limit)
    )


def purge_player(connection: Connection, player_id: str, at: int) -> Tombstone | None:
    """Delete every row of ``player_id`` and write its tombstone (module rules).

    None, and nothing written, when the account is gone or no longer due (a
    cancel, or another purger, came first). Run it inside one write transaction.
    """
    row = connection.execute(_ACCOUNT_FOR_UPDATE, {"p_player_id": player_id}).first()
    if row is None or not account_from_row(row).due(at):
        return None
    connection.execute(_PLAYER_FOR_UPDATE, {"p_player_id": player_id}).all()
    removed: dict[str, int] = {}
    for table in reversed(PLAYER_TABLES):  # children first
        column = player_column(table)
        assert column is not None  # noqa: S101 - PLAYER_TABLES have one
        statement: Update | Delete
        if table in KEPT_TABLES:
            statement = (
                update(table).where(column == player_id).values({column.name: None})
            )
        else:
            statement = delete(table).where(column == player_id)
        count = connection.execute(statement).rowcount
        if count:
            removed[table.name] = count
    tombstone = Tombstone(
        requested_at=row.deletion_requested_at,
        purged_at=at,
        rows_deleted=tuple(sorted(removed.items())),
    )
    connection.execute(
        insert(deletion_log),
        {
            "requested_at": tombstone.requested_at,
            "purged_at": tombstone.purged_at,
            "rows_deleted": canonical_json(dict(tombstone.rows_deleted)),
        },
    )
    return tombstone


def tombstone_from_row(row: Mapping[str, Any]) -> Tombstone:
    """A ``deletion_log`` row as a ``Tombstone``."""
    counts = json.loads(row["rows_deleted"])
    return Tombstone(
        requested_at=row["requested_at"],
        purged_at=row["purged_at"],
        rows_deleted=tuple(sorted((str(k), int(v)) for k, v in counts.items())),
    )
