"""Dating: venues, activities and relationship events (catalog); NPC bios, likes,
relationships, dates and relationship events (player projections).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11

A migration is a frozen copy of the schema at its revision: it must not import
``schema``, which keeps moving with later revisions.

Catalog tables (``date_venues``, ``date_activities``, ``relationship_events``)
are left empty for ``sync_catalog``: a migration does not know which content the
server runs.

The player tables are projections of the journal. The dating events of a
journal written before this revision (by code that mapped them to no rows) are
backfilled into ``npc_bios``, ``dating_compatibility``, ``player_relationships``
and ``player_dates`` exactly as the projectors write them: the events are read
as this revision's wire format (JSON objects with a ``"type"``), never through
the core, whose format may move on.

``player_relationship_events`` is created empty: which storylets are
relationship events is content, which a migration does not know, and the
``relationship_events`` table that says so is new here and empty. The first
``sync_catalog`` lists them, and rebuilds the rows of every storylet it newly
lists from the journal (``dating_catalog``). Offline (``--sql``) there is no
journal to read and no backfill.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from baolife_storage_mysql.backfill_0007 import backfill

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)
#: Journal lines read per backfill query.


def _player_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["player_id"],
        ["players.player_id"],
        name=op.f(f"fk_{table}_player_id_players"),
    )


def _player_id(row: str) -> sa.Column[Any]:
    return sa.Column(
        "player_id", _ID, nullable=False, comment=f"the player this {row} belongs to"
    )


def _npc_key(row: str) -> tuple[sa.Column[Any], ...]:
    return (
        _player_id(row),
        sa.Column("life", sa.Integer(), nullable=False, comment="the character's life"),
        sa.Column("npc_id", _ID, nullable=False, comment="the NPC (uuid5 of the seed)"),
    )


def _journal_position(row: str) -> tuple[sa.Column[Any], ...]:
    return (
        _player_id(row),
        sa.Column(
            "seq",
            sa.Integer(),
            nullable=False,
            comment=f"journal seq of the command that wrote the {row}",
        ),
        sa.Column(
            "event_index",
            sa.Integer(),
            nullable=False,
            comment="position of the event in that journal line's events",
        ),
    )


def _catalog_tables() -> None:
    op.create_table(
        "date_venues",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="venue id from content"
        ),
        sa.Column(
            "name", sa.String(length=128), nullable=False, comment="display name"
        ),
        sa.Column(
            "min_age", sa.Integer(), nullable=False, comment="youngest character age"
        ),
        sa.Column(
            "position",
            sa.Integer(),
            nullable=False,
            comment="order in content, 0 first",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_date_venues")),
        comment="Catalog: the date venues of the content the server runs.",
        **_MYSQL,
    )
    op.create_table(
        "date_activities",
        sa.Column(
            "venue_id",
            sa.String(length=64),
            nullable=False,
            comment="the venue it is done at",
        ),
        sa.Column(
            "activity_id",
            sa.String(length=64),
            nullable=False,
            comment="activity id from content, unique within its venue",
        ),
        sa.Column(
            "position",
            sa.Integer(),
            nullable=False,
            comment="order within its venue, 0 first",
        ),
        sa.Column(
            "name", sa.String(length=128), nullable=False, comment="display name"
        ),
        sa.Column("energy", sa.Integer(), nullable=False, comment="energy spent"),
        sa.Column(
            "cost_cents", sa.Integer(), nullable=False, comment="cash spent, cents"
        ),
        sa.Column(
            "game_minutes", sa.Integer(), nullable=False, comment="game time it lasts"
        ),
        sa.Column(
            "stat",
            sa.String(length=64),
            nullable=False,
            comment="the stat its check rolls",
        ),
        sa.Column(
            "difficulty", sa.Integer(), nullable=False, comment="the check's 0..100"
        ),
        sa.Column(
            "affection",
            sa.Integer(),
            nullable=False,
            comment="added to both affections' change, whatever the outcome",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["date_venues.id"],
            name=op.f("fk_date_activities_venue_id_date_venues"),
        ),
        sa.PrimaryKeyConstraint(
            "venue_id", "activity_id", name=op.f("pk_date_activities")
        ),
        comment="Catalog: the activities of each date venue of the content.",
        **_MYSQL,
    )
    op.create_table(
        "relationship_events",
        sa.Column(
            "storylet_id",
            sa.String(length=64),
            nullable=False,
            comment="the storylet id (relationship_events.toml)",
        ),
        sa.Column(
            "title",
            sa.String(length=255),
            nullable=False,
            comment="the title template",
        ),
        sa.Column(
            "stages",
            sa.String(length=255),
            nullable=False,
            comment="relationship stages it happens in, canonical JSON array; []: any",
        ),
        sa.PrimaryKeyConstraint("storylet_id", name=op.f("pk_relationship_events")),
        comment=(
            "Catalog: the storylets of the content that are relationship events; "
            "player_relationship_events records the ones it lists."
        ),
        **_MYSQL,
    )


def _npc_tables() -> None:
    op.create_table(
        "npc_bios",
        *_npc_key("match's NPC"),
        sa.Column("name", sa.String(length=128), nullable=False, comment="full name"),
        sa.Column(
            "gender",
            sa.String(length=64),
            nullable=False,
            comment="gender id from content",
        ),
        sa.Column(
            "age", sa.Integer(), nullable=False, comment="age at the match, game years"
        ),
        sa.Column("bio", sa.Text(), nullable=False, comment="the profile text"),
        sa.Column("created_at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("npc_bios"),
        sa.PrimaryKeyConstraint(
            "player_id", "life", "npc_id", name=op.f("pk_npc_bios")
        ),
        comment="The NPCs matched: one row per MatchMade event, with the bio shown.",
        **_MYSQL,
    )
    op.create_table(
        "dating_compatibility",
        *_npc_key("like or pass"),
        sa.Column("compatibility", sa.Integer(), nullable=False, comment="0..100"),
        sa.Column(
            "choice", sa.String(length=8), nullable=False, comment="like or pass"
        ),
        sa.Column(
            "matched_at",
            sa.BigInteger(),
            nullable=True,
            comment="instant the NPC liked back, ms; NULL: no match",
        ),
        sa.Column(
            "reasons",
            sa.Text(),
            nullable=True,
            comment="a match's top reasons, canonical JSON array; NULL: no match",
        ),
        sa.Column(
            "at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the like or pass",
        ),
        sa.CheckConstraint(
            "choice IN ('like', 'pass')",
            name=op.f("ck_dating_compatibility_choice_like_or_pass"),
        ),
        sa.CheckConstraint(
            "compatibility BETWEEN 0 AND 100",
            name=op.f("ck_dating_compatibility_compatibility_percent"),
        ),
        _player_fk("dating_compatibility"),
        sa.PrimaryKeyConstraint(
            "player_id", "life", "npc_id", name=op.f("pk_dating_compatibility")
        ),
        comment=(
            "Likes and passes: one row per NpcLiked/NpcPassed event; MatchMade adds "
            "the reasons."
        ),
        **_MYSQL,
    )
    op.create_table(
        "player_relationships",
        *_npc_key("relationship"),
        sa.Column(
            "stage",
            sa.String(length=16),
            nullable=False,
            comment="matched … married, or the ending: ended, divorced",
        ),
        sa.Column(
            "since_day",
            sa.BigInteger(),
            nullable=False,
            comment="game day it entered stage",
        ),
        sa.Column(
            "affection",
            sa.Integer(),
            nullable=False,
            comment="the character's affection, 0..100",
        ),
        sa.Column(
            "npc_affection",
            sa.Integer(),
            nullable=False,
            comment="the NPC's affection, 0..100",
        ),
        sa.Column(
            "dates", sa.Integer(), nullable=False, comment="dates gone on together"
        ),
        sa.Column(
            "updated_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the last event applied to the row, ms",
        ),
        sa.CheckConstraint(
            "dates >= 0", name=op.f("ck_player_relationships_dates_non_negative")
        ),
        _player_fk("player_relationships"),
        sa.PrimaryKeyConstraint(
            "player_id", "life", "npc_id", name=op.f("pk_player_relationships")
        ),
        comment=(
            "Relationships: one row per MatchMade, updated by DateWent, "
            "RelationshipChanged, RelationshipAdvanceDeclined and AffectionChanged; "
            "an ended one keeps its row."
        ),
        **_MYSQL,
    )


def _journal_tables() -> None:
    op.create_table(
        "player_relationship_events",
        *_journal_position("relationship event"),
        sa.Column("life", sa.Integer(), nullable=False, comment="the character's life"),
        sa.Column(
            "npc_id",
            _ID,
            nullable=True,
            comment="the NPC of the relationship it was about; NULL if none is known",
        ),
        sa.Column(
            "storylet_id",
            sa.String(length=64),
            nullable=False,
            comment="the storylet (relationship_events.storylet_id, not a foreign key)",
        ),
        sa.Column("day", sa.BigInteger(), nullable=False, comment="game day index"),
        sa.Column("at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("player_relationship_events"),
        sa.PrimaryKeyConstraint(
            "player_id",
            "seq",
            "event_index",
            name=op.f("pk_player_relationship_events"),
        ),
        comment=(
            "Relationship events that happened: one row per LifeEventOccurred or "
            "QuestionPosed of a storylet relationship_events lists."
        ),
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_player_relationship_events_player_id_life_npc_id"),
        "player_relationship_events",
        ["player_id", "life", "npc_id"],
        unique=False,
    )
    op.create_table(
        "player_dates",
        *_journal_position("date"),
        sa.Column("life", sa.Integer(), nullable=False, comment="the character's life"),
        sa.Column("npc_id", _ID, nullable=False, comment="the NPC dated"),
        sa.Column(
            "venue_id", sa.String(length=64), nullable=False, comment="the venue"
        ),
        sa.Column(
            "activity_id", sa.String(length=64), nullable=False, comment="the activity"
        ),
        sa.Column(
            "outcome",
            sa.String(length=64),
            nullable=False,
            comment="the outcome tier id",
        ),
        sa.Column("energy", sa.Integer(), nullable=False, comment="energy spent"),
        sa.Column(
            "money_cents", sa.BigInteger(), nullable=False, comment="cash spent, cents"
        ),
        sa.Column(
            "affection", sa.Integer(), nullable=False, comment="the character's, after"
        ),
        sa.Column(
            "npc_affection", sa.Integer(), nullable=False, comment="the NPC's, after"
        ),
        sa.Column("day", sa.BigInteger(), nullable=False, comment="game day index"),
        sa.Column("at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        _player_fk("player_dates"),
        sa.PrimaryKeyConstraint(
            "player_id", "seq", "event_index", name=op.f("pk_player_dates")
        ),
        comment="Dates: one row per DateWent event.",
        **_MYSQL,
    )
    op.create_index(
        op.f("ix_player_dates_player_id_life_npc_id"),
        "player_dates",
        ["player_id", "life", "npc_id"],
        unique=False,
    )


def upgrade() -> None:
    _catalog_tables()
    _npc_tables()
    _journal_tables()
    if not context.is_offline_mode():
        backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index(
        op.f("ix_player_dates_player_id_life_npc_id"), table_name="player_dates"
    )
    op.drop_index(
        op.f("ix_player_relationship_events_player_id_life_npc_id"),
        table_name="player_relationship_events",
    )
    for table in (
        "player_dates",
        "player_relationship_events",
        "player_relationships",
        "dating_compatibility",
        "npc_bios",
        "relationship_events",
        "date_activities",
        "date_venues",
    ):
        op.drop_table(table)
