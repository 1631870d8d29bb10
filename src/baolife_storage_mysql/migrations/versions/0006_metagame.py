"""The metagame: achievements, login streak, daily quests, statistics, inventory.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.

Catalog tables (``achievements``, ``daily_login_rewards``,
``daily_quest_templates``) are left empty for ``sync_catalog``: a migration does
not know which content the server runs.

The player tables are projections of the journal, and every player created
before this revision needs them: the statistics and login-streak rows that
``PlayerCreated`` inserts (later events only update them), and the rows of any
metagame event already journaled (the engine emitted them before this revision
mapped them to rows). So the upgrade backfills them from ``player_journal``,
exactly as the projectors write them: the events are read as this revision's
wire format (JSON objects with a ``"type"``), never through the core, whose
format may move on. A ``quest_progressed`` event belongs to the quests of the
last ``quests_rolled`` before it in the player's journal (the projector's
``Origin.quest_day``). Offline (``--sql``) there is no journal to read and no
backfill.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)
#: Journal lines read per backfill query.
_BATCH = 500

#: The 16 lifetime statistics of this revision, in column order, with comments.
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


def _player_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["player_id"],
        ["players.player_id"],
        name=op.f(f"fk_{table}_player_id_players"),
    )


def _catalog_tables() -> None:
    op.create_table(
        "achievements",
        sa.Column(
            "id",
            sa.String(length=64),
            nullable=False,
            comment="achievement id from content",
        ),
        sa.Column(
            "category", sa.String(length=64), nullable=False, comment="its category id"
        ),
        sa.Column(
            "name", sa.String(length=128), nullable=False, comment="display name"
        ),
        sa.Column(
            "description", sa.String(length=255), nullable=False, comment="what to do"
        ),
        sa.Column(
            "hidden",
            sa.Boolean(),
            nullable=False,
            comment="name and description stay secret until unlocked",
        ),
        sa.Column(
            "predicate",
            sa.String(length=255),
            nullable=False,
            comment="when it unlocks, e.g. lives_lived >= 5 or stage_entered where ...",
        ),
        sa.Column(
            "reward",
            sa.String(length=255),
            nullable=False,
            comment="the reward, as text",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        comment="Catalog: the achievements of the content the server runs.",
        **_MYSQL,
    )
    op.create_table(
        "daily_login_rewards",
        sa.Column(
            "day",
            sa.Integer(),
            autoincrement=False,
            nullable=False,
            comment="the cycle day, 1..7",
        ),
        sa.Column(
            "diamonds", sa.Integer(), nullable=False, comment="diamonds credited"
        ),
        sa.Column("energy", sa.Integer(), nullable=False, comment="energy added"),
        sa.Column(
            "items",
            sa.String(length=255),
            nullable=False,
            comment="items given, canonical JSON {item id: count}",
        ),
        sa.Column(
            "reward",
            sa.String(length=255),
            nullable=False,
            comment="the reward, as text",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_login_rewards")),
        comment="Catalog: the 7-day login reward cycle of the content the server runs.",
        **_MYSQL,
    )
    op.create_table(
        "daily_quest_templates",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="quest id from content"
        ),
        sa.Column(
            "name",
            sa.String(length=128),
            nullable=False,
            comment="display name; {target} is the day's target",
        ),
        sa.Column(
            "event",
            sa.String(length=64),
            nullable=False,
            comment="wire name of the event",
        ),
        sa.Column(
            "event_filter",
            sa.String(length=255),
            nullable=True,
            comment="the event fields it must have, e.g. expired = false; NULL: any",
        ),
        sa.Column(
            "measure",
            sa.String(length=64),
            nullable=False,
            comment="count, or the event's integer field summed",
        ),
        sa.Column(
            "target_low", sa.Integer(), nullable=False, comment="the least target drawn"
        ),
        sa.Column(
            "target_high",
            sa.Integer(),
            nullable=False,
            comment="the largest target drawn",
        ),
        sa.Column(
            "weight", sa.Integer(), nullable=False, comment="weight in the daily draw"
        ),
        sa.Column(
            "reward",
            sa.String(length=255),
            nullable=False,
            comment="the reward, as text",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_quest_templates")),
        comment="Catalog: the daily quest templates of the content the server runs.",
        **_MYSQL,
    )


def _player_tables() -> None:
    op.create_table(
        "player_achievements",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this unlocked achievement belongs to",
        ),
        sa.Column(
            "achievement_id",
            sa.String(length=64),
            nullable=False,
            comment="the achievement (achievements.id, not a foreign key)",
        ),
        sa.Column(
            "unlocked_at", sa.BigInteger(), nullable=False, comment="instant, ms"
        ),
        _player_fk("player_achievements"),
        sa.PrimaryKeyConstraint(
            "player_id", "achievement_id", name=op.f("pk_player_achievements")
        ),
        comment="Achievements unlocked: one row per AchievementUnlocked event.",
        **_MYSQL,
    )
    op.create_table(
        "player_login_streak",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this streak belongs to",
        ),
        sa.Column(
            "streak",
            sa.Integer(),
            nullable=False,
            comment="consecutive local days claimed, ending at last_local_day",
        ),
        sa.Column(
            "last_local_day",
            sa.Integer(),
            nullable=True,
            comment="local day index of the last claim; NULL before the first",
        ),
        sa.Column(
            "claimed_at",
            sa.BigInteger(),
            nullable=True,
            comment="instant of the last claim, ms; NULL before the first",
        ),
        _player_fk("player_login_streak"),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_player_login_streak")),
        comment=(
            "The daily login streak: one row per player, inserted by PlayerCreated, "
            "updated by LoginRewardClaimed."
        ),
        **_MYSQL,
    )
    op.create_table(
        "player_daily_quests",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this daily quest belongs to",
        ),
        sa.Column(
            "local_day", sa.Integer(), nullable=False, comment="the player's local day"
        ),
        sa.Column(
            "quest_id",
            sa.String(length=64),
            nullable=False,
            comment="the quest (daily_quest_templates.id, not a foreign key)",
        ),
        sa.Column(
            "slot", sa.Integer(), nullable=False, comment="position in the day's offer"
        ),
        sa.Column("target", sa.Integer(), nullable=False, comment="progress needed"),
        sa.Column("progress", sa.Integer(), nullable=False, comment="progress so far"),
        sa.Column(
            "claimed_at",
            sa.BigInteger(),
            nullable=True,
            comment="instant its reward was claimed, ms; NULL until claimed",
        ),
        _player_fk("player_daily_quests"),
        sa.PrimaryKeyConstraint(
            "player_id", "local_day", "quest_id", name=op.f("pk_player_daily_quests")
        ),
        comment=(
            "Daily quests: rows inserted by QuestsRolled, updated by QuestProgressed "
            "and QuestRewardPaid."
        ),
        **_MYSQL,
    )
    op.create_table(
        "player_statistics",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player these statistics belong to",
        ),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False, comment=counts)
            for name, counts in _STATISTICS.items()
        ),
        sa.Column(
            "updated_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the last change (creation until one), ms",
        ),
        _player_fk("player_statistics"),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_player_statistics")),
        comment=(
            "Lifetime statistics: one row per player, inserted by PlayerCreated, "
            "updated by StatisticsChanged (the values after)."
        ),
        **_MYSQL,
    )
    op.create_table(
        "player_inventory",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this inventory entry belongs to",
        ),
        sa.Column(
            "item_id",
            sa.String(length=64),
            nullable=False,
            comment="item id from content",
        ),
        sa.Column(
            "count",
            sa.Integer(),
            nullable=False,
            comment="items held; 0 once used up (the row stays)",
        ),
        sa.Column(
            "updated_at",
            sa.BigInteger(),
            nullable=False,
            comment="instant of the last grant or use, ms",
        ),
        sa.CheckConstraint(
            "count >= 0", name=op.f("ck_player_inventory_count_non_negative")
        ),
        _player_fk("player_inventory"),
        sa.PrimaryKeyConstraint(
            "player_id", "item_id", name=op.f("pk_player_inventory")
        ),
        comment=(
            "The inventory: one row per item a player was ever granted; ItemGranted "
            "adds to count, ItemUsed sets the count remaining."
        ),
        **_MYSQL,
    )


def upgrade() -> None:
    _catalog_tables()
    _player_tables()
    if not context.is_offline_mode():
        _backfill(op.get_bind())


# -- the backfill ----------------------------------------------------------------

#: The wire names of the events that write rows of these tables.
_EVENTS = (
    "player_created",
    "login_reward_claimed",
    "quests_rolled",
    "quest_progressed",
    "quest_reward_paid",
    "achievement_unlocked",
    "statistics_changed",
    "item_granted",
    "item_used",
)

_journal = sa.table(
    "player_journal",
    sa.column("player_id", _ID),
    sa.column("seq", sa.Integer()),
    sa.column("events", sa.Text()),
)


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column) for column in columns))


_TABLES = {
    "player_achievements": _table(
        "player_achievements", "player_id", "achievement_id", "unlocked_at"
    ),
    "player_login_streak": _table(
        "player_login_streak", "player_id", "streak", "last_local_day", "claimed_at"
    ),
    "player_daily_quests": _table(
        "player_daily_quests",
        "player_id",
        "local_day",
        "quest_id",
        "slot",
        "target",
        "progress",
        "claimed_at",
    ),
    "player_statistics": _table(
        "player_statistics", "player_id", *_STATISTICS, "updated_at"
    ),
    "player_inventory": _table(
        "player_inventory", "player_id", "item_id", "count", "updated_at"
    ),
}


def _journal_lines(connection: sa.Connection) -> Iterator[Sequence[Any]]:
    """Batches of the journal lines that may write these tables, in (player, seq)
    order: every genesis (``player_created``) and every line naming an event.

    Keyset pages, so no result set stays open while the rows are written.
    """
    mentions = sa.or_(
        _journal.c.seq == 0,
        *(_journal.c.events.like(f'%"{name}"%') for name in _EVENTS[1:]),
    )
    after: tuple[str, int] | None = None
    while True:
        query = sa.select(_journal.c.player_id, _journal.c.seq, _journal.c.events)
        query = query.where(mentions)
        if after is not None:
            player_id, seq = after
            query = query.where(
                sa.or_(
                    _journal.c.player_id > player_id,
                    sa.and_(_journal.c.player_id == player_id, _journal.c.seq > seq),
                )
            )
        query = query.order_by(_journal.c.player_id, _journal.c.seq).limit(_BATCH)
        lines = connection.execute(query).all()
        if not lines:
            return
        yield lines
        after = (lines[-1].player_id, lines[-1].seq)


class _Player:
    """One player's rows, folded from the journal as the projectors write them."""

    def __init__(self, player_id: str) -> None:
        self.player_id = player_id
        self.quest_day: int | None = None  # the last quests_rolled's local day
        # Rows by table, then by primary key, in insertion order.
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            name: {} for name in _TABLES
        }

    def _insert(self, table: str, key: tuple[Any, ...], row: dict[str, Any]) -> None:
        if key in self.rows[table]:
            raise RuntimeError(f"{table}: {self.player_id} has {key} twice")
        self.rows[table][key] = {"player_id": self.player_id, **row}

    def _update(self, table: str, key: tuple[Any, ...], values: dict[str, Any]) -> None:
        row = self.rows[table].get(key)
        if row is None:
            raise RuntimeError(f"{table}: {self.player_id} has no row {key} to update")
        row.update(values)

    def apply(self, event: dict[str, Any]) -> None:
        """The rows one event writes (``projections`` of revision 0006)."""
        kind, at = event["type"], event["at"]
        if kind == "player_created":
            self._insert(
                "player_login_streak",
                (),
                {"streak": 0, "last_local_day": None, "claimed_at": None},
            )
            self._insert(
                "player_statistics",
                (),
                {**dict.fromkeys(_STATISTICS, 0), "updated_at": at},
            )
        elif kind == "login_reward_claimed":
            self._update(
                "player_login_streak",
                (),
                {
                    "streak": event["streak"],
                    "last_local_day": event["local_day"],
                    "claimed_at": at,
                },
            )
        elif kind == "statistics_changed":
            values = dict(event["values"])
            self._update("player_statistics", (), {**values, "updated_at": at})
        elif kind == "achievement_unlocked":
            self._insert(
                "player_achievements",
                (event["achievement"],),
                {"achievement_id": event["achievement"], "unlocked_at": at},
            )
        elif kind == "quests_rolled":
            day = event["local_day"]
            self.quest_day = day
            for slot, (quest, target) in enumerate(event["quests"]):
                self._insert(
                    "player_daily_quests",
                    (day, quest),
                    {
                        "local_day": day,
                        "quest_id": quest,
                        "slot": slot,
                        "target": target,
                        "progress": 0,
                        "claimed_at": None,
                    },
                )
        elif kind == "quest_progressed":
            key: tuple[Any, ...] = (self.quest_day, event["quest"])
            self._update("player_daily_quests", key, {"progress": event["progress"]})
        elif kind == "quest_reward_paid":
            key = (event["local_day"], event["quest"])
            self._update("player_daily_quests", key, {"claimed_at": at})
        elif kind == "item_granted":
            key = (event["item"],)
            row = self.rows["player_inventory"].get(key)
            if row is None:
                self._insert(
                    "player_inventory",
                    key,
                    {
                        "item_id": event["item"],
                        "count": event["count"],
                        "updated_at": at,
                    },
                )
            else:
                row.update(count=row["count"] + event["count"], updated_at=at)
        elif kind == "item_used":
            self._update(
                "player_inventory",
                (event["item"],),
                {"count": event["remaining"], "updated_at": at},
            )

    def write(self, connection: sa.Connection) -> None:
        for name, rows in self.rows.items():
            if rows:
                connection.execute(sa.insert(_TABLES[name]), list(rows.values()))


def _backfill(connection: sa.Connection) -> None:
    """The rows the projectors would have written for the journal so far."""
    player: _Player | None = None
    for lines in _journal_lines(connection):
        for line in lines:
            if player is None or player.player_id != line.player_id:
                if player is not None:
                    player.write(connection)
                player = _Player(line.player_id)
            for event in json.loads(line.events):
                if event.get("type") in _EVENTS:
                    player.apply(event)
    if player is not None:
        player.write(connection)


def downgrade() -> None:
    for table in (
        "player_inventory",
        "player_statistics",
        "player_daily_quests",
        "player_login_streak",
        "player_achievements",
        "daily_quest_templates",
        "daily_login_rewards",
        "achievements",
    ):
        op.drop_table(table)
