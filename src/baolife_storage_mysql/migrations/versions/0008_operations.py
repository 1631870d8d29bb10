"""Operations: analytics events and sessions, deletion tombstones, account deletion
and token revocation columns; store transactions that outlive a purged player.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

A migration is a frozen copy of the schema at its revision: it must not import
``schema``, which keeps moving with later revisions.

Nothing to backfill: analytics start with this revision, no account has asked
for deletion yet, and every store transaction keeps its player. The foreign key
from ``store_transactions`` to ``players`` is dropped and ``player_id`` made
nullable, so that a purge can forget the player and keep the transaction
claimed (it is credited once, ever). SQLite alters the table by copying it
(alembic's batch mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _users_0007() -> sa.Table:
    """``users`` as revision 0007 left it: SQLite's batch mode copies the table,
    and offline (``--sql``) it cannot reflect it, so it is given."""
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
        sa.UniqueConstraint("device_id", name="uq_users_device_id"),
    )


def _store_transactions_0007() -> sa.Table:
    """``store_transactions`` as revision 0007 left it (see ``_users_0007``)."""
    return sa.Table(
        "store_transactions",
        sa.MetaData(),
        sa.Column("transaction_id", sa.String(length=128), nullable=False),
        sa.Column("player_id", _ID, nullable=False),
        sa.Column("bound_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", name="pk_store_transactions"),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name="fk_store_transactions_player_id_players",
        ),
        sa.Index("ix_store_transactions_player_id", "player_id"),
    )


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("event_id", _SERIAL, nullable=False, comment="surrogate key"),
        sa.Column(
            "player_id",
            _ID,
            nullable=True,
            comment="the player it is about (no foreign key: written after the "
            "fact, purged with the player); NULL for a server-level event",
        ),
        sa.Column(
            "session_id",
            _ID,
            nullable=True,
            comment="the connection it happened on (analytics_sessions); NULL "
            "outside one",
        ),
        sa.Column(
            "name",
            sa.String(length=64),
            nullable=False,
            comment="event name, e.g. date_went",
        ),
        sa.Column(
            "properties",
            sa.Text(),
            nullable=False,
            comment="canonical JSON object of the event's fields (never PII)",
        ),
        sa.Column(
            "at", sa.BigInteger(), nullable=False, comment="instant it happened, ms"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_analytics_events")),
        comment="Analytics: one row per domain event or exposure, written in batches.",
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_analytics_events_player_id_at"),
        "analytics_events",
        ["player_id", "at"],
    )
    op.create_index(
        op.f("ix_analytics_events_name_at"), "analytics_events", ["name", "at"]
    )
    op.create_table(
        "analytics_sessions",
        sa.Column(
            "session_id", _ID, nullable=False, comment="one WebSocket connection"
        ),
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player connected (no foreign key, purged with the player)",
        ),
        sa.Column(
            "connected_at", sa.BigInteger(), nullable=False, comment="instant, ms"
        ),
        sa.Column(
            "disconnected_at",
            sa.BigInteger(),
            nullable=True,
            comment="instant, ms; NULL while connected (or if the server died)",
        ),
        sa.Column(
            "duration_ms",
            sa.BigInteger(),
            nullable=True,
            comment="disconnected_at - connected_at; NULL while connected",
        ),
        sa.Column(
            "messages", sa.Integer(), nullable=False, comment="client frames received"
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_analytics_sessions")),
        comment="Analytics: connections, from connect to disconnect.",
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_analytics_sessions_player_id_connected_at"),
        "analytics_sessions",
        ["player_id", "connected_at"],
    )
    op.create_table(
        "deletion_log",
        sa.Column("tombstone_id", _SERIAL, nullable=False, comment="surrogate key"),
        sa.Column(
            "requested_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant the deletion was requested, ms",
        ),
        sa.Column(
            "purged_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the purge, ms",
        ),
        sa.Column(
            "rows_deleted",
            sa.Text(),
            nullable=False,
            comment="canonical JSON object: table -> rows deleted (no ids, no PII)",
        ),
        sa.PrimaryKeyConstraint("tombstone_id", name=op.f("pk_deletion_log")),
        comment="GDPR tombstones: that an account was purged, when, and how much; "
        "nothing that identifies it.",
        **_MYSQL,
    )
    with op.batch_alter_table("users", copy_from=_users_0007()) as batch:
        batch.add_column(
            sa.Column(
                "deletion_requested_at",
                sa.BigInteger(),
                nullable=True,
                comment="instant the player asked for deletion, ms; NULL if not asked",
            )
        )
        batch.add_column(
            sa.Column(
                "purge_after",
                sa.BigInteger(),
                nullable=True,
                comment="instant from which the account is purged, ms; NULL if not "
                "asked",
            )
        )
        batch.add_column(
            sa.Column(
                "tokens_valid_after",
                sa.BigInteger(),
                nullable=False,
                server_default="0",
                comment="session tokens issued before this instant (ms) are revoked",
            )
        )
        batch.create_index(op.f("ix_users_purge_after"), ["purge_after"])
    with op.batch_alter_table(
        "store_transactions", copy_from=_store_transactions_0007()
    ) as batch:
        batch.drop_constraint(
            op.f("fk_store_transactions_player_id_players"), type_="foreignkey"
        )
        batch.alter_column(
            "player_id",
            existing_type=_ID,
            nullable=True,
            comment="the player it was credited to; NULL once that player was "
            "purged (the transaction stays claimed: it is credited once, ever). No "
            "foreign key, so a purge can keep the row",
        )


def downgrade() -> None:
    if not context.is_offline_mode():
        purged = (
            op.get_bind()
            .execute(
                sa.text(
                    "SELECT COUNT(*) FROM store_transactions WHERE player_id IS NULL"
                )
            )
            .scalar_one()
        )
        if purged:
            # Before 0008 a store transaction needs its player; these belong to
            # purged players and must stay claimed, so refuse rather than lose them.
            raise RuntimeError(
                f"cannot downgrade below 0008: {purged} store transactions belong "
                "to purged players and would no longer be claimed"
            )
    with op.batch_alter_table("store_transactions") as batch:
        batch.alter_column(
            "player_id",
            existing_type=_ID,
            nullable=False,
            comment="the player this store transaction belongs to",
        )
        batch.create_foreign_key(
            op.f("fk_store_transactions_player_id_players"),
            "players",
            ["player_id"],
            ["player_id"],
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_purge_after"))
        batch.drop_column("tokens_valid_after")
        batch.drop_column("purge_after")
        batch.drop_column("deletion_requested_at")
    op.drop_table("deletion_log")
    op.drop_index(
        op.f("ix_analytics_sessions_player_id_connected_at"),
        table_name="analytics_sessions",
    )
    op.drop_table("analytics_sessions")
    op.drop_index(op.f("ix_analytics_events_name_at"), table_name="analytics_events")
    op.drop_index(
        op.f("ix_analytics_events_player_id_at"), table_name="analytics_events"
    )
    op.drop_table("analytics_events")
