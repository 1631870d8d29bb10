"""App Store transactions, each bound to the first player that claimed it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.

No store purchase was credited before this revision, so there is nothing to
backfill.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade() -> None:
    op.create_table(
        "store_transactions",
        sa.Column(
            "transaction_id",
            sa.String(length=128),
            nullable=False,
            comment="the App Store transaction id (transactionId of the signed JWS)",
        ),
        sa.Column(
            "player_id",
            sa.String(length=36),
            nullable=False,
            comment="the player this store transaction belongs to",
        ),
        sa.Column(
            "bound_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the binding, ms",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_store_transactions_player_id_players"),
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_store_transactions")),
        comment=(
            "App Store transactions, each bound to the first player that claimed "
            "it: credited once, ever."
        ),
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_store_transactions_player_id"),
        "store_transactions",
        ["player_id"],
        unique=False,
    )


def downgrade() -> None:
    # Dropping the table drops its index; MySQL refuses to drop the index alone
    # while the foreign key needs it.
    op.drop_table("store_transactions")
