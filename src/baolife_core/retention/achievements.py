"""Achievements in play: which unlock, what ``get_achievements`` lists, paying them.

Rules of this module (issue 4 "Achievements"; the content is ``achievement_rules``):

- An achievement unlocks once per player, ever (it is kept across lives in
  ``Retention.achievements``, a sorted tuple of ids).
- A statistic achievement unlocks when the statistic, after the events of the
  command or the days lived have been counted, reaches its threshold; an event
  achievement unlocks when a matching event is among those events. So the caller
  counts the statistics first, then asks ``newly_unlocked`` with the same events.
- Unlocks come in content order. Each emits ``AchievementUnlocked`` (pushed as
  ``achievement_unlocked``) and then the events of its reward, paid with
  ``grant_reward`` under the key ``achievement:<id>``, so a replay pays the same.
- The list for the client shows a hidden achievement that is still locked as
  ``???`` with no description; its progress still counts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from attrs import evolve, frozen

from ..events import AchievementUnlocked, Event
from ..state import PlayerState, Statistics
from .achievement_rules import Achievement, AchievementRules, StatThreshold
from .rewards import grant_reward

if TYPE_CHECKING:
    from ..catalog import EnergyRules

__all__ = [
    "HIDDEN_NAME",
    "AchievementView",
    "achievement_views",
    "newly_unlocked",
    "progress_of",
    "unlock",
]

#: The name a hidden achievement shows until it is unlocked.
HIDDEN_NAME = "???"


@frozen
class AchievementView:
    """One achievement as ``get_achievements`` lists it."""

    id: str  # achievement id
    category: str  # category id
    name: str  # display name; ``???`` while hidden and locked
    description: str  # what to do; empty while hidden and locked
    hidden: bool  # a hidden achievement (secret until unlocked)
    unlocked: bool  # unlocked by this player
    progress: int  # progress towards ``target`` (at most ``target``)
    target: int  # the threshold, or 1 for an event achievement


def progress_of(achievement: Achievement, unlocked: bool, stats: Statistics) -> int:
    """Progress towards the target: ``min(value, threshold)``, or 0/1 for an event.

    An unlocked achievement shows its full target.
    """
    if unlocked:
        return achievement.target
    predicate = achievement.predicate
    if isinstance(predicate, StatThreshold):
        value: int = getattr(stats, predicate.stat)
        return min(value, predicate.at_least)
    return 0


def _holds(
    achievement: Achievement, stats: Statistics, events: Sequence[Event]
) -> bool:
    predicate = achievement.predicate
    if isinstance(predicate, StatThreshold):
        return bool(getattr(stats, predicate.stat) >= predicate.at_least)
    return any(predicate.matches(event) for event in events)


def newly_unlocked(
    rules: AchievementRules,
    unlocked: tuple[str, ...],
    stats: Statistics,
    events: Sequence[Event],
    moved: Collection[str] | None = None,
) -> tuple[Achievement, ...]:
    """The achievements not in ``unlocked`` that ``stats`` or ``events`` unlock.

    ``stats`` are the statistics with ``events`` already counted; content order.
    ``moved``, when given, names the statistics that changed: thresholds on other
    statistics cannot have been crossed and are not checked (a fast path).
    """
    done = set(unlocked)
    found: dict[str, Achievement] = {}
    for achievement in rules.thresholds:
        predicate = achievement.predicate
        if (
            moved is not None
            and isinstance(predicate, StatThreshold)
            and predicate.stat not in moved
        ):
            continue
        if achievement.id not in done and _holds(achievement, stats, events):
            found[achievement.id] = achievement
    for event in events:
        for achievement in rules.by_event.get(type(event), ()):
            if (
                achievement.id not in done
                and achievement.id not in found
                and _holds(achievement, stats, (event,))
            ):
                found[achievement.id] = achievement
    return tuple(sorted(found.values(), key=lambda a: rules.order[a.id]))


def achievement_views(
    rules: AchievementRules, unlocked: tuple[str, ...], stats: Statistics
) -> tuple[AchievementView, ...]:
    """Every achievement with the player's progress, in content order."""
    done = set(unlocked)
    views = []
    for achievement in rules.achievements:
        is_unlocked = achievement.id in done
        secret = achievement.hidden and not is_unlocked
        views.append(
            AchievementView(
                id=achievement.id,
                category=achievement.category,
                name=HIDDEN_NAME if secret else achievement.name,
                description="" if secret else achievement.description,
                hidden=achievement.hidden,
                unlocked=is_unlocked,
                progress=progress_of(achievement, is_unlocked, stats),
                target=achievement.target,
            )
        )
    return tuple(views)


def unlock(
    state: PlayerState,
    achievements: Sequence[Achievement],
    *,
    at: int,
    catalog_energy_rules: EnergyRules,
    item_names: dict[str, str] | None = None,
) -> tuple[PlayerState, tuple[Event, ...]]:
    """Record ``achievements`` as unlocked and pay their rewards (module rules).

    One already unlocked is skipped, so unlocking twice pays once.
    """
    events: list[Event] = []
    for achievement in achievements:
        retention = state.retention
        if achievement.id in retention.achievements:
            continue
        ids = tuple(sorted((*retention.achievements, achievement.id)))
        state = evolve(state, retention=evolve(retention, achievements=ids))
        events.append(
            AchievementUnlocked(
                at=at,
                achievement=achievement.id,
                category=achievement.category,
                name=achievement.name,
            )
        )
        state, paid, _ = grant_reward(
            state,
            achievement.reward,
            at=at,
            reason="achievement",
            key=f"achievement:{achievement.id}",
            energy_rules=catalog_energy_rules,
            item_names=item_names,
        )
        events.extend(paid)
    return state, tuple(events)
