"""Characters: one row per life, from CharacterBorn, StageEntered and CharacterDied.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
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
        "characters",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this life belongs to",
        ),
        sa.Column(
            "life",
            sa.Integer(),
            nullable=False,
            comment="the life's number, 1 for the first",
        ),
        sa.Column("name", sa.String(length=128), nullable=False, comment="full name"),
        sa.Column(
            "gender",
            sa.String(length=64),
            nullable=False,
            comment="gender id from content",
        ),
        sa.Column(
            "born_day",
            sa.BigInteger(),
            nullable=False,
            comment="game day index of birth",
        ),
        sa.Column(
            "stage",
            sa.String(length=64),
            nullable=False,
            comment="current life stage id",
        ),
        sa.Column(
            "died_day",
            sa.BigInteger(),
            nullable=True,
            comment="game day index of death",
        ),
        sa.Column(
            "death_age",
            sa.Integer(),
            nullable=True,
            comment="age at death, game years",
        ),
        sa.Column(
            "cause",
            sa.String(length=64),
            nullable=True,
            comment="cause of death id from content",
        ),
        sa.Column(
            "epitaph",
            sa.String(length=255),
            nullable=True,
            comment="the gravestone's line",
        ),
        sa.Column(
            "born_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of birth, ms",
        ),
        sa.Column(
            "updated_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the last event applied to the row, ms",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_characters_player_id_players"),
        ),
        sa.PrimaryKeyConstraint("player_id", "life", name=op.f("pk_characters")),
        comment=(
            "Lives: one row per CharacterBorn event, updated by StageEntered and "
            "CharacterDied."
        ),
        **_MYSQL,
    )


def downgrade() -> None:
    op.drop_table("characters")
