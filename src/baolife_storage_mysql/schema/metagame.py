"""The metagame: achievements, login rewards, daily quests, statistics, inventory.

Catalog tables (``achievements``, ``daily_login_rewards``,
``daily_quest_templates``) and the player projections of the retention events;
see ``schema`` for the rules.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from .base import ID, MYSQL, metadata, player_id_column

__all__ = [
    "STATISTIC_COLUMNS",
    "achievements",
    "daily_login_rewards",
    "daily_quest_templates",
    "player_achievements",
    "player_daily_quests",
    "player_inventory",
    "player_login_streak",
    "player_statistics",
]

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
    **MYSQL,
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
    **MYSQL,
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
    **MYSQL,
)

# -- the metagame: player projections ------------------------------------------

player_achievements = Table(
    "player_achievements",
    metadata,
    player_id_column("unlocked achievement"),
    Column(
        "achievement_id",
        String(64),
        nullable=False,
        comment="the achievement (achievements.id, not a foreign key)",
    ),
    Column("unlocked_at", BigInteger, nullable=False, comment="instant, ms"),
    PrimaryKeyConstraint("player_id", "achievement_id"),
    comment="Achievements unlocked: one row per AchievementUnlocked event.",
    **MYSQL,
)

player_login_streak = Table(
    "player_login_streak",
    metadata,
    Column(
        "player_id",
        ID,
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
    **MYSQL,
)

player_daily_quests = Table(
    "player_daily_quests",
    metadata,
    player_id_column("daily quest"),
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
    **MYSQL,
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
        ID,
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
    **MYSQL,
)

player_inventory = Table(
    "player_inventory",
    metadata,
    player_id_column("inventory entry"),
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
    **MYSQL,
)
