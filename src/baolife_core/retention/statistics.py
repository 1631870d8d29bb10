"""The 16 lifetime statistics, counted from the events the engine emits.

Rules of this module (issue 4 "Statistics"; DESIGN.md "events … drive
achievements/quest progress"):

- Statistics are a pure fold over events: ``count_events(count_events(s, e1), e2)
  == count_events(s, e1 + e2)``, so counting per command, per batch of days or
  over a replayed journal gives the same numbers.
- Every counter only grows: an event adds 1, or a non-negative amount it carries;
  no event takes anything away (a refund is its own ``DiamondsSpent``).
- Which event feeds which counter (``counts_of``; an event not listed counts
  nothing), in the order of ``Statistics``' fields:

  ======================  ========================================================
  ``lives_lived``         ``CharacterBorn``
  ``years_lived``         ``Birthday`` (every life together)
  ``activities_done``     ``ActivityDone``
  ``energy_spent``        ``ActivityDone.energy`` and ``DateWent.energy`` (job
                          applications and talks are not counted yet)
  ``events_seen``         ``LifeEventOccurred`` and ``QuestionPosed``
  ``questions_answered``  ``QuestionAnswered`` with ``expired`` False
  ``photos_taken``        ``PhotoAdded``
  ``friends_made``        ``ContactMet`` (friends and colleagues)
  ``conversations_held``  ``ConversationEnded``
  ``jobs_held``           ``JobStarted`` and ``Promoted`` (a promotion starts a job)
  ``promotions``          ``Promoted``
  ``degrees_earned``      ``SchoolFinished`` with ``degree`` True
  ``dates_gone_on``       ``DateWent`` (its energy counts in ``energy_spent``)
  ``diamonds_earned``     ``DiamondsCredited.amount`` (every credit)
  ``diamonds_spent``      ``DiamondsSpent.amount`` (every debit)
  ``login_days``          ``LoginRewardClaimed`` (one per local day claimed)
  ======================  ========================================================
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import evolve, fields

from ..events import (
    ActivityDone,
    Birthday,
    CharacterBorn,
    ContactMet,
    ConversationEnded,
    DateWent,
    DiamondsCredited,
    DiamondsSpent,
    Event,
    JobStarted,
    LifeEventOccurred,
    LoginRewardClaimed,
    PhotoAdded,
    Promoted,
    QuestionAnswered,
    QuestionPosed,
    SchoolFinished,
)
from ..state import Statistics

__all__ = ["STATISTIC_NAMES", "UNCOUNTED", "changed", "count_events", "counts_of"]

#: The 16 statistics, in the order of ``Statistics``' fields.
STATISTIC_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Statistics))

#: Statistics no event counts (they would stay 0, so an achievement on one could
#: never unlock and the loader refuses it); every statistic is counted now.
UNCOUNTED: frozenset[str] = frozenset()


def counts_of(event: Event) -> tuple[tuple[str, int], ...]:
    """What one event adds: ``(statistic, amount)`` pairs (the table above)."""
    match event:
        case CharacterBorn():
            return (("lives_lived", 1),)
        case Birthday():
            return (("years_lived", 1),)
        case ActivityDone(energy=energy):
            return ("activities_done", 1), ("energy_spent", max(0, energy))
        case DateWent(energy=energy):
            return ("dates_gone_on", 1), ("energy_spent", max(0, energy))
        case LifeEventOccurred() | QuestionPosed():
            return (("events_seen", 1),)
        case QuestionAnswered(expired=False):
            return (("questions_answered", 1),)
        case PhotoAdded():
            return (("photos_taken", 1),)
        case ContactMet():
            return (("friends_made", 1),)
        case ConversationEnded():
            return (("conversations_held", 1),)
        case JobStarted():
            return (("jobs_held", 1),)
        case Promoted():
            return ("jobs_held", 1), ("promotions", 1)
        case SchoolFinished(degree=True):
            return (("degrees_earned", 1),)
        case DiamondsCredited(amount=amount):
            return (("diamonds_earned", max(0, amount)),)
        case DiamondsSpent(amount=amount):
            return (("diamonds_spent", max(0, amount)),)
        case LoginRewardClaimed():
            return (("login_days", 1),)
    return ()


def count_events(stats: Statistics, events: Iterable[Event]) -> Statistics:
    """``stats`` with every event of ``events`` counted (a pure fold)."""
    added: dict[str, int] = {}
    for event in events:
        for name, amount in counts_of(event):
            if amount:
                added[name] = added.get(name, 0) + amount
    if not added:
        return stats
    return evolve(stats, **{n: getattr(stats, n) + a for n, a in added.items()})


def changed(before: Statistics, after: Statistics) -> tuple[tuple[str, int], ...]:
    """The ``(statistic, value after)`` pairs that differ, in field order.

    The payload of ``StatisticsChanged``.
    """
    return tuple(
        (name, getattr(after, name))
        for name in STATISTIC_NAMES
        if getattr(before, name) != getattr(after, name)
    )
