"""The relational schema: one SQLAlchemy Core ``MetaData`` for SQLite and MariaDB.

The table names are those of the game's seed diagram (DESIGN.md "Storage: journal,
snapshot, projections"). The journal and the snapshot are the truth; the ledger,
purchase, character, album and metagame tables (achievements, login streak, daily
quests, statistics, inventory) are projections of the events, kept in the same
transaction so they can be queried, exported (GDPR) and audited with plain SQL.
Catalog tables (``locations``, ``achievements``, ``daily_login_rewards``,
``daily_quest_templates``) hold the content the server runs, written by
``catalog_rows.sync_catalog`` at startup, never by a player's command.

Rules of this module:

- Types behave identically on SQLite and MariaDB: instants are ``BigInteger``
  milliseconds (UTC), ids are ``String(36)``, JSON is canonical text (not a native
  JSON type, whose comparison and formatting differ between the two engines).
- Every player table is keyed by player id first, so the schema shards by player
  (Vitess, TiDB) and no query needs a cross-player transaction. Nothing minted by
  the core is unique across players: transaction ids derive from the player's seed
  and ``seq``, and two players may share a seed, so they are keyed with the player.
  The one table keyed otherwise is ``store_transactions``, by the App Store's
  transaction id: a purchase is credited to one player ever, a fact across
  players. It is written alone (one single-row ``INSERT``), never inside a
  player's transaction, so on a sharded engine it lives unsharded or is sharded by
  its own key (a Vitess lookup table).
  Catalog tables have no player id: they are small, identical on every shard
  (Vitess "reference tables") and only written by ``sync_catalog``. No player
  table refers to a catalog table by a foreign key: a projection is a function of
  the journal alone, so it must write whatever content the catalog table holds
  (a rolling deploy, a store whose catalog was never synced).
- Columns the write path fills (the projections) have types without bind
  processing (``statements``): a flag is an instant or ``NULL``
  (``player_daily_quests.claimed_at``), never a ``Boolean``. Catalog tables are
  written by ``sync_catalog`` through Core and may use ``Boolean``.
- Constraint and index names come from ``NAMING_CONVENTION``, so migrations can
  name them and later migrations can drop them on every backend.
- On MySQL/MariaDB every table is InnoDB with ``utf8mb4`` and the binary collation,
  so string comparison is exact and case-sensitive, as on SQLite.
- This is the *current* shape; a change here needs a new migration in
  ``migrations/versions`` (a test compares the migrated database with it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

__all__ = [
    "NAMING_CONVENTION",
    "STATISTIC_COLUMNS",
    "achievements",
    "characters",
    "daily_login_rewards",
    "daily_quest_templates",
    "diamond_transactions",
    "energy_refill_purchases",
    "locations",
    "metadata",
    "player_achievements",
    "player_daily_quests",
    "player_inventory",
    "player_journal",
    "player_login_streak",
    "player_photo_album",
    "player_statistics",
    "players",
    "processed_transactions",
    "store_transactions",
    "time_skip_purchases",
    "users",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Table options for MySQL/MariaDB (ignored by SQLite).
_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

#: An opaque id minted outside the core (a uuid in its 36-character text form).
_ID = String(36)
#: Canonical JSON that may grow with the game (TEXT caps at 64 KiB on MySQL).
_DOCUMENT = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
#: An autoincrement surrogate key (SQLite only autoincrements INTEGER PRIMARY KEY).
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def _player_id(row: str, *, index: bool = False) -> Column[str]:
    return Column(
        "player_id",
        _ID,
        ForeignKey("players.player_id"),
        nullable=False,
        index=index,
        comment=f"the player this {row} belongs to",
    )


users = Table(
    "users",
    metadata,
    Column("user_id", _ID, primary_key=True, comment="the player id"),
    Column(
        "device_id",
        String(128),
        nullable=False,
        unique=True,
        comment="the device that created the player; one player per device",
    ),
    Column("created_at", BigInteger, nullable=False, comment="creation instant, ms"),
    comment="Accounts: one per player, bound to the device that created it.",
    **_MYSQL,
)

players = Table(
    "players",
    metadata,
    Column(
        "player_id",
        _ID,
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
        _DOCUMENT,
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
    **_MYSQL,
)

player_journal = Table(
    "player_journal",
    metadata,
    _player_id("journal line"),
    Column("seq", Integer, nullable=False, comment="0 for new_player, then state.seq"),
    Column("at", BigInteger, nullable=False, comment="the record's instant, ms"),
    Column("command", _DOCUMENT, nullable=False, comment="to_wire(record) as JSON"),
    Column("events", _DOCUMENT, nullable=False, comment="JSON array of to_wire(event)"),
    PrimaryKeyConstraint("player_id", "seq"),
    comment="Every accepted command of every player; replaying it gives the state.",
    **_MYSQL,
)

diamond_transactions = Table(
    "diamond_transactions",
    metadata,
    Column("id", _SERIAL, primary_key=True, autoincrement=True, comment="row id"),
    _player_id("ledger entry", index=True),
    Column("transaction_id", _ID, nullable=False, comment="the event's id"),
    Column("seq", Integer, nullable=False, comment="journal seq that wrote it"),
    Column("delta", BigInteger, nullable=False, comment="signed balance change"),
    Column("reason", String(64), nullable=False, comment="e.g. energy_refill"),
    Column("reference", String(128), nullable=False, comment="e.g. the tier id"),
    Column("balance_after", BigInteger, nullable=False, comment="balance after it"),
    Column("at", BigInteger, nullable=False, comment="instant, ms"),
    comment="The diamond ledger: one row per DiamondsCredited/DiamondsSpent event.",
    **_MYSQL,
)

energy_refill_purchases = Table(
    "energy_refill_purchases",
    metadata,
    _player_id("purchase"),
    Column(
        "transaction_id",
        _ID,
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
    **_MYSQL,
)

time_skip_purchases = Table(
    "time_skip_purchases",
    metadata,
    _player_id("purchase"),
    Column(
        "transaction_id",
        _ID,
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
    **_MYSQL,
)

processed_transactions = Table(
    "processed_transactions",
    metadata,
    _player_id("idempotency record"),
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
    **_MYSQL,
)

characters = Table(
    "characters",
    metadata,
    _player_id("life"),
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
    **_MYSQL,
)

player_photo_album = Table(
    "player_photo_album",
    metadata,
    _player_id("photo"),
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
    **_MYSQL,
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
    _player_id("store transaction", index=True),
    Column(
        "bound_at", BigInteger, nullable=False, comment="instant of the binding, ms"
    ),
    comment=(
        "App Store transactions, each bound to the first player that claimed it: "
        "credited once, ever."
    ),
    **_MYSQL,
)

locations = Table(
    "locations",
    metadata,
    Column("id", String(64), primary_key=True, comment="location id from content"),
    Column("name", String(128), nullable=False, comment="display name"),
    Column("min_age", Integer, nullable=False, comment="open from this age, years"),
    Column("max_age", Integer, nullable=False, comment="open up to this age, years"),
    comment="Catalog: the activity locations of the content the server runs.",
    **_MYSQL,
)

# -- the metagame: catalog tables ------------------------------------------------

achievements = Table(
    "achievements",
    metadata,
    Column("id", String(64), primary_key=True, comment="achievement id from content"),
    Column("category", String(64), nullable=False, comment="its category id"),
    Column("name", String(128), nullable=False, comment="display name"),
    Column("description", String(255), nullable=False, comment="what to do"),
    Column(
        "hidden",
        Boolean,
        nullable=False,
        comment="name and description stay secret until unlocked",
    ),
    Column(
        "predicate",
        String(255),
        nullable=False,
        comment="when it unlocks, e.g. lives_lived >= 5 or stage_entered where ...",
    ),
    Column("reward", String(255), nullable=False, comment="the reward, as text"),
    comment="Catalog: the achievements of the content the server runs.",
    **_MYSQL,
)

daily_login_rewards = Table(
    "daily_login_rewards",
    metadata,
    Column(
        "day",
        Integer,
        primary_key=True,
        autoincrement=False,
        comment="the cycle day, 1..7",
    ),
    Column("diamonds", Integer, nullable=False, comment="diamonds credited"),
    Column("energy", Integer, nullable=False, comment="energy added"),
    Column(
        "items",
        String(255),
        nullable=False,
        comment="items given, canonical JSON {item id: count}",
    ),
    Column("reward", String(255), nullable=False, comment="the reward, as text"),
    comment="Catalog: the 7-day login reward cycle of the content the server runs.",
    **_MYSQL,
)

daily_quest_templates = Table(
    "daily_quest_templates",
    metadata,
    Column("id", String(64), primary_key=True, comment="quest id from content"),
    Column(
        "name",
        String(128),
        nullable=False,
        comment="display name; {target} is the day's target",
    ),
    Column("event", String(64), nullable=False, comment="wire name of the event"),
    Column(
        "event_filter",
        String(255),
        nullable=True,
        comment="the event fields it must have, e.g. expired = false; NULL: any",
    ),
    Column(
        "measure",
        String(64),
        nullable=False,
        comment="count, or the event's integer field summed",
    ),
    Column("target_low", Integer, nullable=False, comment="the least target drawn"),
    Column("target_high", Integer, nullable=False, comment="the largest target drawn"),
    Column("weight", Integer, nullable=False, comment="weight in the daily draw"),
    Column("reward", String(255), nullable=False, comment="the reward, as text"),
    comment="Catalog: the daily quest templates of the content the server runs.",
    **_MYSQL,
)

# -- the metagame: player projections ------------------------------------------

player_achievements = Table(
    "player_achievements",
    metadata,
    _player_id("unlocked achievement"),
    Column(
        "achievement_id",
        String(64),
        nullable=False,
        comment="the achievement (achievements.id, not a foreign key)",
    ),
    Column("unlocked_at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "achievement_id"),
    comment="Achievements unlocked: one row per AchievementUnlocked event.",
    **_MYSQL,
)

player_login_streak = Table(
    "player_login_streak",
    metadata,
    Column(
        "player_id",
        _ID,
        ForeignKey("players.player_id"),
        primary_key=True,
        comment="the player this streak belongs to",
    ),
    Column(
        "streak",
        Integer,
        nullable=False,
        comment="consecutive local days claimed, ending at last_local_day",
    ),
    Column(
        "last_local_day",
        Integer,
        nullable=True,
        comment="local day index of the last claim; NULL before the first",
    ),
    Column(
        "claimed_at",
        BigInteger,
        nullable=True,
        comment="instant of the last claim, ms; NULL before the first",
    ),
    comment=(
        "The daily login streak: one row per player, inserted by PlayerCreated, "
        "updated by LoginRewardClaimed."
    ),
    **_MYSQL,
)

player_daily_quests = Table(
    "player_daily_quests",
    metadata,
    _player_id("daily quest"),
    Column("local_day", Integer, nullable=False, comment="the player's local day"),
    Column(
        "quest_id",
        String(64),
        nullable=False,
        comment="the quest (daily_quest_templates.id, not a foreign key)",
    ),
    Column("slot", Integer, nullable=False, comment="position in the day's offer"),
    Column("target", Integer, nullable=False, comment="progress needed"),
    Column("progress", Integer, nullable=False, comment="progress so far"),
    Column(
        "claimed_at",
        BigInteger,
        nullable=True,
        comment="instant its reward was claimed, ms; NULL until claimed",
    ),
    PrimaryKeyConstraint("player_id", "local_day", "quest_id"),
    comment=(
        "Daily quests: rows inserted by QuestsRolled, updated by QuestProgressed "
        "and QuestRewardPaid."
    ),
    **_MYSQL,
)

#: The 16 lifetime statistics and what each counts, in the order of the core's
#: ``Statistics`` fields (``baolife_core.retention.statistics.STATISTIC_NAMES``;
#: a test holds them equal, so a new statistic needs a migration).
_STATISTICS: dict[str, str] = {
    "lives_lived": "characters born",
    "years_lived": "birthdays passed, every life together",
    "activities_done": "activities done",
    "energy_spent": "energy spent on activities",
    "events_seen": "life events and questions that happened",
    "questions_answered": "questions answered (not expired)",
    "photos_taken": "photos added to the album",
    "friends_made": "friends and colleagues met",
    "conversations_held": "conversations replied to",
    "jobs_held": "jobs started (hired or promoted into)",
    "promotions": "promotions",
    "degrees_earned": "schools finished with a degree",
    "dates_gone_on": "dates (0 until dating counts them)",
    "diamonds_earned": "diamonds credited",
    "diamonds_spent": "diamonds debited",
    "login_days": "daily login rewards claimed",
}
#: The statistic columns of ``player_statistics``, in order.
STATISTIC_COLUMNS: tuple[str, ...] = tuple(_STATISTICS)

player_statistics = Table(
    "player_statistics",
    metadata,
    Column(
        "player_id",
        _ID,
        ForeignKey("players.player_id"),
        primary_key=True,
        comment="the player these statistics belong to",
    ),
    *(
        Column(name, BigInteger, nullable=False, comment=counts)
        for name, counts in _STATISTICS.items()
    ),
    Column(
        "updated_at",
        BigInteger,
        nullable=False,
        comment="instant of the last change (creation until one), ms",
    ),
    comment=(
        "Lifetime statistics: one row per player, inserted by PlayerCreated, "
        "updated by StatisticsChanged (the values after)."
    ),
    **_MYSQL,
)

player_inventory = Table(
    "player_inventory",
    metadata,
    _player_id("inventory entry"),
    Column("item_id", String(64), nullable=False, comment="item id from content"),
    Column(
        "count",
        Integer,
        nullable=False,
        comment="items held; 0 once used up (the row stays)",
    ),
    Column(
        "updated_at",
        BigInteger,
        nullable=False,
        comment="instant of the last grant or use, ms",
    ),
    PrimaryKeyConstraint("player_id", "item_id"),
    CheckConstraint("count >= 0", name="count_non_negative"),
    comment=(
        "The inventory: one row per item a player was ever granted; ItemGranted "
        "adds to count, ItemUsed sets the count remaining."
    ),
    **_MYSQL,
)
