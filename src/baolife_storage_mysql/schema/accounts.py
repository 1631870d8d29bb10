"""Accounts, snapshots, the journal, the diamond ledger, purchases and idempotency.

The tables of the foundation (revisions 0001-0005); see ``schema`` for the rules.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from .base import DOCUMENT, ID, MYSQL, SERIAL, metadata, player_id_column

__all__ = [
    "diamond_transactions",
    "energy_refill_purchases",
    "player_journal",
    "players",
    "processed_transactions",
    "store_transactions",
    "time_skip_purchases",
    "users",
]

users = Table(
    "users",
    metadata,
    Column("user_id", ID, primary_key=True, comment="the player id"),
    Column(
        "device_id",
        String(128),
        nullable=False,
        unique=True,
        comment="the device that created the player; one player per device",
    ),
    Column("created_at", BigInteger, nullable=False, comment="creation instant, ms"),
    Column(
        "deletion_requested_at",
        BigInteger,
        nullable=True,
        comment="instant the player asked for deletion, ms; NULL if not asked",
    ),
    Column(
        "purge_after",
        BigInteger,
        nullable=True,
        index=True,
        comment="instant from which the account is purged, ms; NULL if not asked",
    ),
    Column(
        "tokens_valid_after",
        BigInteger,
        nullable=False,
        server_default="0",
        comment="session tokens issued before this instant (ms) are revoked",
    ),
    comment="Accounts: one per player, bound to the device that created it.",
    **MYSQL,
)

players = Table(
    "players",
    metadata,
    Column(
        "player_id",
        ID,
        ForeignKey("users.user_id"),
        primary_key=True,
        comment="the player id (= users.user_id)",
    ),
    Column(
        "version",
        Integer,
        nullable=False,
        comment="optimistic-concurrency version, +1 per accepted command",
    ),
    Column("seq", Integer, nullable=False, comment="commands applied (state.seq)"),
    Column(
        "snapshot",
        DOCUMENT,
        nullable=False,
        comment="canonical JSON of state_to_wire(state)",
    ),
    Column("diamonds", BigInteger, nullable=False, comment="denormalized balance"),
    Column(
        "energy",
        BigInteger,
        nullable=False,
        comment="denormalized stored energy amount (at the snapshot's anchor)",
    ),
    Column(
        "updated_at",
        BigInteger,
        nullable=False,
        comment="instant of the last applied command (the life clock), ms",
    ),
    CheckConstraint("diamonds >= 0", name="diamonds_non_negative"),
    CheckConstraint("version >= 1", name="version_positive"),
    comment="The latest snapshot of each player and its denormalized columns.",
    **MYSQL,
)

player_journal = Table(
    "player_journal",
    metadata,
    player_id_column("journal line"),
    Column("seq", Integer, nullable=False, comment="0 for new_player, then state.seq"),
    Column("at", BigInteger, nullable=False, comment="the record's instant, ms"),
    Column("command", DOCUMENT, nullable=False, comment="to_wire(record) as JSON"),
    Column("events", DOCUMENT, nullable=False, comment="JSON array of to_wire(event)"),
    PrimaryKeyConstraint("player_id", "seq"),
    comment="Every accepted command of every player; replaying it gives the state.",
    **MYSQL,
)

diamond_transactions = Table(
    "diamond_transactions",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True, comment="row id"),
    player_id_column("ledger entry", index=True),
    Column("transaction_id", ID, nullable=False, comment="the event's id"),
    Column("seq", Integer, nullable=False, comment="journal seq that wrote it"),
    Column("delta", BigInteger, nullable=False, comment="signed balance change"),
    Column("reason", String(64), nullable=False, comment="e.g. energy_refill"),
    Column("reference", String(128), nullable=False, comment="e.g. the tier id"),
    Column("balance_after", BigInteger, nullable=False, comment="balance after it"),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    comment="The diamond ledger: one row per DiamondsCredited/DiamondsSpent event.",
    **MYSQL,
)

energy_refill_purchases = Table(
    "energy_refill_purchases",
    metadata,
    player_id_column("purchase"),
    Column(
        "transaction_id",
        ID,
        nullable=False,
        comment="id of the matching diamond_transactions debit",
    ),
    Column("refill_type", String(64), nullable=False, comment="the refill tier id"),
    Column("diamonds", BigInteger, nullable=False, comment="price paid"),
    Column("energy_before", BigInteger, nullable=False, comment="energy before"),
    Column("energy_after", BigInteger, nullable=False, comment="energy after"),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    # Transaction ids are minted from (seed, seq), unique per player only.
    PrimaryKeyConstraint("player_id", "transaction_id"),
    comment="Energy refill purchases: one row per EnergyRefilled event.",
    **MYSQL,
)

time_skip_purchases = Table(
    "time_skip_purchases",
    metadata,
    player_id_column("purchase"),
    Column(
        "transaction_id",
        ID,
        nullable=False,
        comment="id of the matching diamond_transactions debit",
    ),
    Column("skip_type", String(64), nullable=False, comment="the time-skip id"),
    Column("diamonds", BigInteger, nullable=False, comment="price paid"),
    Column("game_ms", BigInteger, nullable=False, comment="game milliseconds skipped"),
    Column(
        "day_before",
        BigInteger,
        nullable=False,
        comment="game day index before the skip",
    ),
    Column(
        "day_after", BigInteger, nullable=False, comment="game day index after the skip"
    ),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    # Transaction ids are minted from (seed, seq), unique per player only.
    PrimaryKeyConstraint("player_id", "transaction_id"),
    comment="Time-skip purchases: one row per GameTimeSkipped event.",
    **MYSQL,
)

processed_transactions = Table(
    "processed_transactions",
    metadata,
    player_id_column("idempotency record"),
    Column(
        "key_hash",
        CHAR(64),
        nullable=False,
        comment="SHA-256 hex of (player id, message type, idempotency key)",
    ),
    Column("message_type", String(64), nullable=False, comment="the command's type"),
    Column("reply", Text, nullable=False, comment="to_wire(first reply) as JSON"),
    Column("seq", Integer, nullable=False, comment="journal seq that recorded it"),
    Column("created_at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "key_hash"),
    comment="Idempotency records: a retried key returns the first reply.",
    **MYSQL,
)

store_transactions = Table(
    "store_transactions",
    metadata,
    Column(
        "transaction_id",
        String(128),
        primary_key=True,
        comment="the App Store transaction id (transactionId of the signed JWS)",
    ),
    Column(
        "player_id",
        ID,
        nullable=True,
        index=True,
        comment="the player it was credited to; NULL once that player was purged "
        "(the transaction stays claimed: it is credited once, ever). No foreign "
        "key, so a purge can keep the row",
    ),
    Column(
        "bound_at", BigInteger, nullable=False, comment="instant of the binding, ms"
    ),
    comment=(
        "App Store transactions, each bound to the first player that claimed it: "
        "credited once, ever."
    ),
    **MYSQL,
)
