"""Initial schema: users, players, journal, ledger, refill purchases, idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)
_DOCUMENT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _player_id(row: str) -> sa.Column[str]:
    return sa.Column(
        "player_id",
        _ID,
        nullable=False,
        comment=f"the player this {row} belongs to",
    )


def _player_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["player_id"],
        ["players.player_id"],
        name=op.f(f"fk_{table}_player_id_players"),
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", _ID, nullable=False, comment="the player id"),
        sa.Column(
            "device_id",
            sa.String(length=128),
            nullable=False,
            comment="the device that created the player; one player per device",
        ),
        sa.Column(
            "created_at",
            sa.BigInteger(),
            nullable=False,
            comment="creation instant, ms",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("device_id", name=op.f("uq_users_device_id")),
        comment="Accounts: one per player, bound to the device that created it.",
        **_MYSQL,
    )
    op.create_table(
        "players",
        sa.Column(
            "player_id", _ID, nullable=False, comment="the player id (= users.user_id)"
        ),
        sa.Column(
            "version",
            sa.Integer(),
            nullable=False,
            comment="optimistic-concurrency version, +1 per accepted command",
        ),
        sa.Column(
            "seq", sa.Integer(), nullable=False, comment="commands applied (state.seq)"
        ),
        sa.Column(
            "snapshot",
            _DOCUMENT,
            nullable=False,
            comment="canonical JSON of state_to_wire(state)",
        ),
        sa.Column(
            "diamonds", sa.BigInteger(), nullable=False, comment="denormalized balance"
        ),
        sa.Column(
            "energy",
            sa.BigInteger(),
            nullable=False,
            comment="denormalized stored energy amount (at the snapshot's anchor)",
        ),
        sa.Column(
            "updated_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the last applied command (the life clock), ms",
        ),
        sa.CheckConstraint(
            "diamonds >= 0", name=op.f("ck_players_diamonds_non_negative")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_players_version_positive")),
        sa.ForeignKeyConstraint(
            ["player_id"], ["users.user_id"], name=op.f("fk_players_player_id_users")
        ),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_players")),
        comment="The latest snapshot of each player and its denormalized columns.",
        **_MYSQL,
    )
    op.create_table(
        "diamond_transactions",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False, comment="row id"),
        _player_id("ledger entry"),
        sa.Column("transaction_id", _ID, nullable=False, comment="the event's id"),
        sa.Column(
            "seq", sa.Integer(), nullable=False, comment="journal seq that wrote it"
        ),
        sa.Column(
            "delta", sa.BigInteger(), nullable=False, comment="signed balance change"
        ),
        sa.Column(
            "reason", sa.String(length=64), nullable=False, comment="e.g. energy_refill"
        ),
        sa.Column(
            "reference",
            sa.String(length=128),
            nullable=False,
            comment="e.g. the tier id",
        ),
        sa.Column(
            "balance_after",
            sa.BigInteger(),
            nullable=False,
            comment="balance after it",
        ),
        sa.Column("at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("diamond_transactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diamond_transactions")),
        comment="The diamond ledger: one row per DiamondsCredited/DiamondsSpent event.",
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_diamond_transactions_player_id"),
        "diamond_transactions",
        ["player_id"],
        unique=False,
    )
    op.create_table(
        "energy_refill_purchases",
        _player_id("purchase"),
        sa.Column(
            "transaction_id",
            _ID,
            nullable=False,
            comment="id of the matching diamond_transactions debit",
        ),
        sa.Column(
            "refill_type",
            sa.String(length=64),
            nullable=False,
            comment="the refill tier id",
        ),
        sa.Column("diamonds", sa.BigInteger(), nullable=False, comment="price paid"),
        sa.Column(
            "energy_before", sa.BigInteger(), nullable=False, comment="energy before"
        ),
        sa.Column(
            "energy_after", sa.BigInteger(), nullable=False, comment="energy after"
        ),
        sa.Column("at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("energy_refill_purchases"),
        sa.PrimaryKeyConstraint(
            "player_id", "transaction_id", name=op.f("pk_energy_refill_purchases")
        ),
        comment="Energy refill purchases: one row per EnergyRefilled event.",
        **_MYSQL,
    )
    op.create_table(
        "player_journal",
        _player_id("journal line"),
        sa.Column(
            "seq",
            sa.Integer(),
            nullable=False,
            comment="0 for new_player, then state.seq",
        ),
        sa.Column(
            "at", sa.BigInteger(), nullable=False, comment="the record's instant, ms"
        ),
        sa.Column(
            "command", _DOCUMENT, nullable=False, comment="to_wire(record) as JSON"
        ),
        sa.Column(
            "events", _DOCUMENT, nullable=False, comment="JSON array of to_wire(event)"
        ),
        _player_fk("player_journal"),
        sa.PrimaryKeyConstraint("player_id", "seq", name=op.f("pk_player_journal")),
        comment="Every accepted command of every player; replaying it gives the state.",
        **_MYSQL,
    )
    op.create_table(
        "processed_transactions",
        _player_id("idempotency record"),
        sa.Column(
            "key_hash",
            sa.CHAR(length=64),
            nullable=False,
            comment="SHA-256 hex of (player id, message type, idempotency key)",
        ),
        sa.Column(
            "message_type",
            sa.String(length=64),
            nullable=False,
            comment="the command's type",
        ),
        sa.Column(
            "reply", sa.Text(), nullable=False, comment="to_wire(first reply) as JSON"
        ),
        sa.Column(
            "seq", sa.Integer(), nullable=False, comment="journal seq that recorded it"
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("processed_transactions"),
        sa.PrimaryKeyConstraint(
            "player_id", "key_hash", name=op.f("pk_processed_transactions")
        ),
        comment="Idempotency records: a retried key returns the first reply.",
        **_MYSQL,
    )


def downgrade() -> None:
    op.drop_table("processed_transactions")
    op.drop_table("player_journal")
    op.drop_table("energy_refill_purchases")
    op.drop_index(
        op.f("ix_diamond_transactions_player_id"), table_name="diamond_transactions"
    )
    op.drop_table("diamond_transactions")
    op.drop_table("players")
    op.drop_table("users")
