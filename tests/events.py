"""A command's own events: the engine's events without the metagame's bookkeeping.

Since issue 4 the engine observes every event it emits (engine.py's module rules):
it counts them into the statistics (``StatisticsChanged``), rolls and moves the
daily quests (``QuestsRolled``, ``QuestProgressed``) and unlocks achievements
(``AchievementUnlocked`` and the reward they pay, with reason ``achievement``).
A test about something else — an activity, a purchase, a career — compares the
events its command caused precisely with ``own_events``, and leaves those to the
retention tests (test_statistics, test_quests, test_achievements).
"""

from __future__ import annotations

from collections.abc import Iterable

from baolife_core import (
    AchievementUnlocked,
    Birthday,
    DiamondsCredited,
    Event,
    ItemGranted,
    QuestProgressed,
    QuestsRolled,
    StatisticsChanged,
)

__all__ = ["RETENTION_EVENTS", "is_achievement_reward", "own_events"]

#: Events the engine adds to any command's or day's events by observing them.
RETENTION_EVENTS = (
    StatisticsChanged,
    QuestsRolled,
    QuestProgressed,
    AchievementUnlocked,
)
#: The ``reason`` of the ledger entries and items an achievement pays.
ACHIEVEMENT = "achievement"


def is_achievement_reward(event: Event) -> bool:
    """True for the diamonds or items an unlocked achievement paid."""
    return (
        isinstance(event, DiamondsCredited | ItemGranted)
        and event.reason == ACHIEVEMENT
    )


def own_events(events: Iterable[Event], *, birthdays: bool = True) -> tuple[Event, ...]:
    """``events`` without ``RETENTION_EVENTS`` and achievement rewards, in order.

    ``birthdays=False`` also drops ``Birthday``, for a test about something else
    that lives through a game year.
    """
    return tuple(
        event
        for event in events
        if not isinstance(event, RETENTION_EVENTS)
        and not is_achievement_reward(event)
        and (birthdays or not isinstance(event, Birthday))
    )
