"""Operations: analytics events and sessions, and the deletion tombstones.

Tables of revision 0008; see ``schema`` for the rules. None of them is a
projection of the journal: analytics are written in batches beside gameplay
(never inside a player's transaction, so gameplay never waits on them), and a
``deletion_log`` row outlives the player it records.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from .base import ID, MYSQL, SERIAL, metadata

__all__ = ["analytics_events", "analytics_sessions", "deletion_log"]

analytics_events = Table(
    "analytics_events",
    metadata,
    Column("event_id", SERIAL, primary_key=True, comment="surrogate key"),
    Column(
        "player_id",
        ID,
        nullable=True,
        comment="the player it is about (no foreign key: written after the fact, "
        "purged with the player); NULL for a server-level event",
    ),
    Column(
        "session_id",
        ID,
        nullable=True,
        comment="the connection it happened on (analytics_sessions); NULL outside one",
    ),
    Column("name", String(64), nullable=False, comment="event name, e.g. date_went"),
    Column(
        "properties",
        Text,
        nullable=False,
        comment="canonical JSON object of the event's fields (never PII)",
    ),
    Column("at", BigInteger, nullable=False, comment="instant it happened, ms"),
    Index(None, "player_id", "at"),
    Index(None, "name", "at"),
    comment="Analytics: one row per domain event or exposure, written in batches.",
    **MYSQL,
)

analytics_sessions = Table(
    "analytics_sessions",
    metadata,
    Column("session_id", ID, primary_key=True, comment="one WebSocket connection"),
    Column(
        "player_id",
        ID,
        nullable=False,
        comment="the player connected (no foreign key, purged with the player)",
    ),
    Column("connected_at", BigInteger, nullable=False, comment="instant, ms"),
    Column(
        "disconnected_at",
        BigInteger,
        nullable=True,
        comment="instant, ms; NULL while connected (or if the server died)",
    ),
    Column(
        "duration_ms",
        BigInteger,
        nullable=True,
        comment="disconnected_at - connected_at; NULL while connected",
    ),
    Column("messages", Integer, nullable=False, comment="client frames received"),
    Index(None, "player_id", "connected_at"),
    comment="Analytics: connections, from connect to disconnect.",
    **MYSQL,
)

deletion_log = Table(
    "deletion_log",
    metadata,
    Column("tombstone_id", SERIAL, primary_key=True, comment="surrogate key"),
    Column(
        "requested_at",
        BigInteger,
        nullable=False,
        comment="instant the deletion was requested, ms",
    ),
    Column("purged_at", BigInteger, nullable=False, comment="instant of the purge, ms"),
    Column(
        "rows_deleted",
        Text,
        nullable=False,
        comment="canonical JSON object: table -> rows deleted (no ids, no PII)",
    ),
    comment="GDPR tombstones: that an account was purged, when, and how much; "
    "nothing that identifies it.",
    **MYSQL,
)
