"""Events of the metagame: login rewards, quests, achievements, statistics, the
tutorial, items and the UTC offset.

See ``baolife_core.events`` for the rules every event follows.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "AchievementUnlocked",
    "EnergyGranted",
    "ItemGranted",
    "ItemUsed",
    "LoginRewardClaimed",
    "QuestProgressed",
    "QuestRewardPaid",
    "QuestsRolled",
    "StatisticsChanged",
    "TutorialAdvanced",
    "UtcOffsetSet",
]


@frozen
class UtcOffsetSet:
    """The player's local time offset changed."""

    at: int  # instant, ms
    minutes: int  # the new offset


@frozen
class EnergyGranted:
    """A reward or an item added energy (up to the overfill cap)."""

    at: int  # instant, ms
    amount: int  # energy actually added
    energy_after: int  # energy right after
    reason: str  # the reward's source, e.g. ``daily_reward``


@frozen
class ItemGranted:
    """A reward put items into the inventory."""

    at: int  # instant, ms
    item: str  # item id
    count: int  # items added
    reason: str  # the reward's source


@frozen
class ItemUsed:
    """An item was used up for its effects."""

    at: int  # instant, ms
    item: str  # item id
    remaining: int  # items of this id left


@frozen
class LoginRewardClaimed:
    """The daily login reward of the cycle's day was claimed."""

    at: int  # instant, ms
    local_day: int  # the player's local day index (days since 1970-01-01)
    cycle_day: int  # 1..7
    streak: int  # the streak after this claim
    reward: str  # human text, e.g. ``15 diamonds + 50 energy``


@frozen
class QuestsRolled:
    """A local day's daily quests were drawn."""

    at: int  # instant, ms
    local_day: int  # the player's local day index
    quests: tuple[tuple[str, int], ...]  # (quest id, target), in offer order


@frozen
class QuestProgressed:
    """A daily quest moved forward (pushed as ``quest_progress``)."""

    at: int  # instant, ms
    quest: str  # quest id
    progress: int  # progress now (at most ``target``)
    target: int  # progress needed
    completed: bool  # progress reached the target with this event


@frozen
class QuestRewardPaid:
    """A completed daily quest's reward was claimed."""

    at: int  # instant, ms
    local_day: int  # the quest's local day
    quest: str  # quest id


@frozen
class AchievementUnlocked:
    """An achievement was unlocked (pushed as ``achievement_unlocked``)."""

    at: int  # instant, ms
    achievement: str  # achievement id
    category: str  # its category
    name: str  # display name


@frozen
class StatisticsChanged:
    """Lifetime statistics moved; the values after the change."""

    at: int  # instant, ms
    values: tuple[tuple[str, int], ...]  # (statistic, value after), changed ones


@frozen
class TutorialAdvanced:
    """A tutorial step was completed (or the tutorial skipped or finished)."""

    at: int  # instant, ms
    flow: str  # the flow
    step: str  # the step completed; ``skipped`` when skipped
    finished: bool  # the last step: the tutorial is done
