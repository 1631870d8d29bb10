"""What a storylet did: effect outcomes and story happenings, as frozen records.

``storylets`` returns these so that the engine can turn them into domain events;
they report only real changes (a clamped no-op or an already-set flag reports
nothing), and their texts are already rendered.
"""

from __future__ import annotations

from attrs import frozen

from ..events import Event
from ..state import PendingQuestion

__all__ = [
    "CareerChanged",
    "ClosenessChanged",
    "Died",
    "EffectOutcome",
    "EventHappened",
    "FlagCleared",
    "FlagSet",
    "FollowUpScheduled",
    "MoneyChanged",
    "PhotoTaken",
    "QuestionAsked",
    "QuestionResolved",
    "RelativeDied",
    "RomanceChanged",
    "StatChanged",
    "StoryHappening",
]


@frozen
class StatChanged:
    """A stat moved (by less than asked if it hit 0 or 100)."""

    stat: str  # stat name
    delta: int  # the change applied
    value: int  # the stat after it


@frozen
class MoneyChanged:
    """Cash moved (a cost is capped at what the character has)."""

    delta_cents: int  # the change applied
    balance_cents: int  # cash after it


@frozen
class FlagSet:
    """A story flag was set."""

    flag: str  # flag name


@frozen
class FlagCleared:
    """A story flag was cleared."""

    flag: str  # flag name


@frozen
class ClosenessChanged:
    """A relative's closeness moved."""

    relative_id: str  # the relative
    delta: int  # the change applied
    closeness: int  # closeness after it


@frozen
class RelativeDied:
    """A relative died."""

    relative_id: str  # the relative
    role: str  # their role
    name: str  # their full name


@frozen
class FollowUpScheduled:
    """A follow-up storylet was scheduled."""

    event_id: str  # the storylet
    day: int  # the game day it is due


@frozen
class PhotoTaken:
    """A photo for the album."""

    caption: str  # rendered caption


@frozen
class Died:
    """The character died of a storylet's effect."""

    cause: str  # cause id
    age: int  # age in game years
    epitaph: str  # as on ``Death``


@frozen
class CareerChanged:
    """A career effect changed school or work: the domain events it emitted."""

    events: tuple[Event, ...]  # ``JobStarted``, ``JobEnded``, ``SchoolStarted`` …


@frozen
class RomanceChanged:
    """A dating effect changed the current relationship: the domain events it
    emitted."""

    events: tuple[Event, ...]  # ``AffectionChanged``, ``RelationshipChanged`` …


EffectOutcome = (
    StatChanged
    | MoneyChanged
    | FlagSet
    | FlagCleared
    | ClosenessChanged
    | RelativeDied
    | FollowUpScheduled
    | PhotoTaken
    | Died
    | CareerChanged
    | RomanceChanged
)


@frozen
class EventHappened:
    """An immediate storylet happened."""

    event_id: str  # the storylet
    day: int  # game day
    title: str  # rendered title
    text: str  # rendered text
    outcomes: tuple[EffectOutcome, ...]  # what its effects did


@frozen
class QuestionAsked:
    """A storylet with choices asked its question."""

    question: PendingQuestion  # the queued question
    title: str  # rendered title
    text: str  # rendered text
    choices: tuple[tuple[str, str], ...]  # (choice id, rendered text), content order


@frozen
class QuestionResolved:
    """A question was answered, or expired and took its default."""

    question_id: str  # the question
    event_id: str  # its storylet
    choice_id: str  # the choice applied
    expired: bool  # True when the default was taken on expiry
    passed: bool | None  # the check's result; None without a check
    outcomes: tuple[EffectOutcome, ...]  # what the effects did


StoryHappening = EventHappened | QuestionAsked | QuestionResolved
