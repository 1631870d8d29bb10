"""Time-skip purchases: one row per GameTimeSkipped event.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "time_skip_purchases",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this purchase belongs to",
        ),
        sa.Column(
            "transaction_id",
            _ID,
            nullable=False,
            comment="id of the matching diamond_transactions debit",
        ),
        sa.Column(
            "skip_type",
            sa.String(length=64),
            nullable=False,
            comment="the time-skip id",
        ),
        sa.Column("diamonds", sa.BigInteger(), nullable=False, comment="price paid"),
        sa.Column(
            "game_ms",
            sa.BigInteger(),
            nullable=False,
            comment="game milliseconds skipped",
        ),
        sa.Column(
            "day_before",
            sa.BigInteger(),
            nullable=False,
            comment="game day index before the skip",
        ),
        sa.Column(
            "day_after",
            sa.BigInteger(),
            nullable=False,
            comment="game day index after the skip",
        ),
        sa.Column("at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_time_skip_purchases_player_id_players"),
        ),
        sa.PrimaryKeyConstraint(
            "player_id", "transaction_id", name=op.f("pk_time_skip_purchases")
        ),
        comment="Time-skip purchases: one row per GameTimeSkipped event.",
        **_MYSQL,
    )


def downgrade() -> None:
    op.drop_table("time_skip_purchases")
