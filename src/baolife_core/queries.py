"""Reads: what the client asks without changing anything (``check_daily_login`` …).

Rules of this module:

- A query is a pure function of the state, the instant and the catalog; it never
  changes the state and is not journaled. The state is first advanced to ``at``
  (like the client view), so what it reports is what the player sees now.
- ``QUERIES`` maps each query's wire name to its function; the transport routes
  by it, and ``docs/protocol.md`` documents every name (a test holds both).
"""

from __future__ import annotations

from collections.abc import Callable

from attrs import astuple

from .catalog import Catalog
from .dating.matching import match_list
from .dating.relationships import relationship_list
from .engine import advance
from .replies import (
    AchievementEntry,
    AchievementList,
    DailyLoginStatus,
    Inventory,
    PhotoAlbum,
    QuestEntry,
    QuestList,
    Reply,
    StatisticsReport,
)
from .retention.achievements import achievement_views
from .retention.login import daily_login_status, local_day
from .retention.rewards import reward_text
from .retention.statistics import STATISTIC_NAMES
from .state import PlayerState

__all__ = [
    "QUERIES",
    "Query",
    "achievements",
    "check_daily_login",
    "inventory",
    "photo_album",
    "quests",
    "statistics",
]

Query = Callable[[PlayerState, int, Catalog], Reply]


def check_daily_login(
    state: PlayerState, at: int, catalog: Catalog
) -> DailyLoginStatus:
    """``check_daily_login``: the streak and cycle day a claim now gives."""
    return daily_login_status(state, at)


def achievements(state: PlayerState, at: int, catalog: Catalog) -> AchievementList:
    """``get_achievements``: every achievement with its progress."""
    state = advance(state, at, catalog)
    retention = state.retention
    views = achievement_views(
        catalog.achievements, retention.achievements, retention.statistics
    )
    entries = tuple(
        AchievementEntry(
            id=v.id,
            category=v.category,
            name=v.name,
            description=v.description,
            hidden=v.hidden,
            unlocked=v.unlocked,
            progress=v.progress,
            target=v.target,
        )
        for v in views
    )
    return AchievementList(
        unlocked=len(retention.achievements),
        total=len(catalog.achievements.achievements),
        achievements=entries,
    )


def statistics(state: PlayerState, at: int, catalog: Catalog) -> StatisticsReport:
    """``get_statistics``: the 16 lifetime statistics."""
    stats = advance(state, at, catalog).retention.statistics
    values = astuple(stats)
    return StatisticsReport(statistics=tuple(zip(STATISTIC_NAMES, values, strict=True)))


def photo_album(state: PlayerState, at: int, catalog: Catalog) -> PhotoAlbum:
    """``get_photo_album``: every photo of every life, oldest first."""
    album = advance(state, at, catalog).album
    return PhotoAlbum(photos=tuple((p.life, p.day, p.caption) for p in album))


def quests(state: PlayerState, at: int, catalog: Catalog) -> QuestList:
    """``get_quests``: the daily quests in force (empty until the day's first
    command)."""
    retention = state.retention
    today = local_day(at, retention.utc_offset_minutes)
    held = retention.quests
    if held.day is None or held.day < today:
        return QuestList(local_day=today, quests=())
    # The set in force: today's, or a later day's after the offset moved back
    # (a day's quests are rolled once; engine rules).
    entries = []
    for slot in held.slots:
        template = catalog.quests.quest(slot.quest)
        name = (
            slot.quest if template is None else template.name.format(target=slot.target)
        )
        reward = (
            ""
            if template is None
            else reward_text(template.reward.fixed, catalog.items.names)
        )
        entries.append(
            QuestEntry(
                quest=slot.quest,
                name=name,
                progress=slot.progress,
                target=slot.target,
                claimed=slot.claimed,
                reward=reward,
            )
        )
    return QuestList(local_day=held.day, quests=tuple(entries))


def inventory(state: PlayerState, at: int, catalog: Catalog) -> Inventory:
    """``get_inventory``: the items held."""
    return Inventory(items=state.retention.inventory)


QUERIES: dict[str, Query] = {
    "check_daily_login": check_daily_login,
    "get_achievements": achievements,
    "get_statistics": statistics,
    "get_photo_album": photo_album,
    "get_quests": quests,
    "get_inventory": inventory,
    "get_matches": match_list,
    "get_relationships": relationship_list,
}
