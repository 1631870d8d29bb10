"""Lives and the photo album (player projections) and the locations catalog.

See ``schema`` for the rules.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from .base import MYSQL, metadata, player_id_column

__all__ = ["characters", "locations", "player_photo_album"]

characters = Table(
    "characters",
    metadata,
    player_id_column("life"),
    Column(
        "life", Integer, nullable=False, comment="the life's number, 1 for the first"
    ),
    Column("name", String(128), nullable=False, comment="full name"),
    Column("gender", String(64), nullable=False, comment="gender id from content"),
    Column("born_day", BigInteger, nullable=False, comment="game day index of birth"),
    Column("stage", String(64), nullable=False, comment="current life stage id"),
    Column("died_day", BigInteger, nullable=True, comment="game day index of death"),
    Column("death_age", Integer, nullable=True, comment="age at death, game years"),
    Column(
        "cause", String(64), nullable=True, comment="cause of death id from content"
    ),
    Column("epitaph", String(255), nullable=True, comment="the gravestone's line"),
    Column("born_at", BigInteger, nullable=False, comment="instant of birth, ms"),
    Column(
        "updated_at",
        BigInteger,
        nullable=False,
        comment="instant of the last event applied to the row, ms",
    ),
    PrimaryKeyConstraint("player_id", "life"),
    comment=(
        "Lives: one row per CharacterBorn event, updated by StageEntered and "
        "CharacterDied."
    ),
    **MYSQL,
)

player_photo_album = Table(
    "player_photo_album",
    metadata,
    player_id_column("photo"),
    Column(
        "seq",
        Integer,
        nullable=False,
        comment="journal seq of the command that added the photo",
    ),
    Column(
        "event_index",
        Integer,
        nullable=False,
        comment="position of the PhotoAdded event in that journal line's events",
    ),
    Column("life", Integer, nullable=False, comment="the life the photo was taken in"),
    Column("day", BigInteger, nullable=False, comment="game day index of the photo"),
    Column("caption", Text, nullable=False, comment="the rendered caption"),
    Column("taken_at", BigInteger, nullable=False, comment="instant, ms"),
    # A pure function of the journal: (seq, event_index) names the PhotoAdded
    # event in player_journal.events, and orders the album as the state does.
    PrimaryKeyConstraint("player_id", "seq", "event_index"),
    comment="The photo album: one row per PhotoAdded event, kept across lives.",
    **MYSQL,
)

locations = Table(
    "locations",
    metadata,
    Column("id", String(64), primary_key=True, comment="location id from content"),
    Column("name", String(128), nullable=False, comment="display name"),
    Column("min_age", Integer, nullable=False, comment="open from this age, years"),
    Column("max_age", Integer, nullable=False, comment="open up to this age, years"),
    comment="Catalog: the activity locations of the content the server runs.",
    **MYSQL,
)
