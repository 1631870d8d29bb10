"""Dating: the venues, activities and relationship events of the content, and the
NPCs, likes, relationships, dates and relationship events of each player.

See ``schema`` for the rules. Catalog tables (``date_venues``,
``date_activities``, ``relationship_events``) are written by ``sync_catalog``;
the player tables are projections of the dating events
(``baolife_core.events.dating``) and of the storylets the catalog lists as
relationship events.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from .base import ID, MYSQL, metadata, player_id_column

__all__ = [
    "date_activities",
    "date_venues",
    "dating_compatibility",
    "npc_bios",
    "player_dates",
    "player_relationship_events",
    "player_relationships",
    "relationship_events",
]

#: A relationship stage (``matched`` … ``married``) or ending (``divorced``).
_STAGE = String(16)


# -- catalog tables ----------------------------------------------------------------

date_venues = Table(
    "date_venues",
    metadata,
    Column("id", String(64), primary_key=True, comment="venue id from content"),
    Column("name", String(128), nullable=False, comment="display name"),
    Column("min_age", Integer, nullable=False, comment="youngest character age"),
    Column("position", Integer, nullable=False, comment="order in content, 0 first"),
    comment="Catalog: the date venues of the content the server runs.",
    **MYSQL,
)

date_activities = Table(
    "date_activities",
    metadata,
    Column(
        "venue_id",
        String(64),
        ForeignKey("date_venues.id"),
        nullable=False,
        comment="the venue it is done at",
    ),
    Column(
        "activity_id",
        String(64),
        nullable=False,
        comment="activity id from content, unique within its venue",
    ),
    Column(
        "position", Integer, nullable=False, comment="order within its venue, 0 first"
    ),
    Column("name", String(128), nullable=False, comment="display name"),
    Column("energy", Integer, nullable=False, comment="energy spent"),
    Column("cost_cents", Integer, nullable=False, comment="cash spent, cents"),
    Column("game_minutes", Integer, nullable=False, comment="game time it lasts"),
    Column("stat", String(64), nullable=False, comment="the stat its check rolls"),
    Column("difficulty", Integer, nullable=False, comment="the check's 0..100"),
    Column(
        "affection",
        Integer,
        nullable=False,
        comment="added to both affections' change, whatever the outcome",
    ),
    PrimaryKeyConstraint("venue_id", "activity_id"),
    comment="Catalog: the activities of each date venue of the content.",
    **MYSQL,
)

relationship_events = Table(
    "relationship_events",
    metadata,
    Column(
        "storylet_id",
        String(64),
        primary_key=True,
        comment="the storylet id (relationship_events.toml)",
    ),
    Column("title", String(255), nullable=False, comment="the title template"),
    Column(
        "stages",
        String(255),
        nullable=False,
        comment="relationship stages it happens in, canonical JSON array; []: any",
    ),
    comment=(
        "Catalog: the storylets of the content that are relationship events; "
        "player_relationship_events records the ones it lists."
    ),
    **MYSQL,
)


# -- player projections ------------------------------------------------------------


def _npc_key(row: str) -> tuple[Column[str], Column[int], Column[str]]:
    """``player_id``, ``life`` and ``npc_id``: the key of a per-NPC table."""
    return (
        player_id_column(row),
        Column("life", Integer, nullable=False, comment="the character's life"),
        Column("npc_id", ID, nullable=False, comment="the NPC (uuid5 of the seed)"),
    )


npc_bios = Table(
    "npc_bios",
    metadata,
    *_npc_key("match's NPC"),
    Column("name", String(128), nullable=False, comment="full name"),
    Column("gender", String(64), nullable=False, comment="gender id from content"),
    Column("age", Integer, nullable=False, comment="age at the match, game years"),
    Column("bio", Text, nullable=False, comment="the profile text"),
    Column("created_at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "life", "npc_id"),
    comment="The NPCs matched: one row per MatchMade event, with the bio shown.",
    **MYSQL,
)

dating_compatibility = Table(
    "dating_compatibility",
    metadata,
    *_npc_key("like or pass"),
    Column("compatibility", Integer, nullable=False, comment="0..100"),
    Column("choice", String(8), nullable=False, comment="like or pass"),
    Column(
        "matched_at",
        BigInteger,
        nullable=True,
        comment="instant the NPC liked back, ms; NULL: no match",
    ),
    Column(
        "reasons",
        Text,
        nullable=True,
        comment="a match's top reasons, canonical JSON array; NULL: no match",
    ),
    Column("at", BigInteger, nullable=False, comment="instant of the like or pass"),
    PrimaryKeyConstraint("player_id", "life", "npc_id"),
    CheckConstraint("choice IN ('like', 'pass')", name="choice_like_or_pass"),
    CheckConstraint("compatibility BETWEEN 0 AND 100", name="compatibility_percent"),
    comment=(
        "Likes and passes: one row per NpcLiked/NpcPassed event; MatchMade adds "
        "the reasons."
    ),
    **MYSQL,
)

player_relationships = Table(
    "player_relationships",
    metadata,
    *_npc_key("relationship"),
    Column(
        "stage",
        _STAGE,
        nullable=False,
        comment="matched … married, or the ending: ended, divorced",
    ),
    Column(
        "since_day",
        BigInteger,
        nullable=False,
        comment="game day it entered stage",
    ),
    Column(
        "affection",
        Integer,
        nullable=False,
        comment="the character's affection, 0..100",
    ),
    Column(
        "npc_affection",
        Integer,
        nullable=False,
        comment="the NPC's affection, 0..100",
    ),
    Column("dates", Integer, nullable=False, comment="dates gone on together"),
    Column(
        "updated_at",
        BigInteger,
        nullable=False,
        comment="instant of the last event applied to the row, ms",
    ),
    PrimaryKeyConstraint("player_id", "life", "npc_id"),
    CheckConstraint("dates >= 0", name="dates_non_negative"),
    comment=(
        "Relationships: one row per MatchMade, updated by DateWent, "
        "RelationshipChanged, RelationshipAdvanceDeclined and AffectionChanged; "
        "an ended one keeps its row."
    ),
    **MYSQL,
)


def _journal_position(row: str) -> tuple[Column[str], Column[int], Column[int]]:
    """``player_id``, ``seq`` and ``event_index``: where the journal has the event."""
    return (
        player_id_column(row),
        Column(
            "seq",
            Integer,
            nullable=False,
            comment=f"journal seq of the command that wrote the {row}",
        ),
        Column(
            "event_index",
            Integer,
            nullable=False,
            comment="position of the event in that journal line's events",
        ),
    )


player_relationship_events = Table(
    "player_relationship_events",
    metadata,
    *_journal_position("relationship event"),
    Column("life", Integer, nullable=False, comment="the character's life"),
    Column(
        "npc_id",
        ID,
        nullable=True,
        comment="the NPC of the relationship it was about; NULL if none is known",
    ),
    Column(
        "storylet_id",
        String(64),
        nullable=False,
        comment="the storylet (relationship_events.storylet_id, not a foreign key)",
    ),
    Column("day", BigInteger, nullable=False, comment="game day index"),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "seq", "event_index"),
    Index(None, "player_id", "life", "npc_id"),
    comment=(
        "Relationship events that happened: one row per LifeEventOccurred or "
        "QuestionPosed of a storylet relationship_events lists."
    ),
    **MYSQL,
)

player_dates = Table(
    "player_dates",
    metadata,
    *_journal_position("date"),
    Column("life", Integer, nullable=False, comment="the character's life"),
    Column("npc_id", ID, nullable=False, comment="the NPC dated"),
    Column("venue_id", String(64), nullable=False, comment="the venue"),
    Column("activity_id", String(64), nullable=False, comment="the activity"),
    Column("outcome", String(64), nullable=False, comment="the outcome tier id"),
    Column("energy", Integer, nullable=False, comment="energy spent"),
    Column("money_cents", BigInteger, nullable=False, comment="cash spent, cents"),
    Column("affection", Integer, nullable=False, comment="the character's, after"),
    Column("npc_affection", Integer, nullable=False, comment="the NPC's, after"),
    Column("day", BigInteger, nullable=False, comment="game day index"),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "seq", "event_index"),
    Index(None, "player_id", "life", "npc_id"),
    comment="Dates: one row per DateWent event.",
    **MYSQL,
)
