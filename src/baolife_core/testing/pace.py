"""How a bot player plays: its ``Pace`` and the ``Limits`` of its life.

Rules of this module (docs/life.md "The reference bot"):

- The ``Pace`` sets how busy the player is: wall time per command, the weight of
  activities and time skips, and how long it waits. ``PACES`` are three players —
  busy, casual and idle — whose stats end up far apart, so their lives meet
  different storylets and pass or fail different checks.
- ``Limits`` bound a life (turns and age), so every bot life ends.
- Both are frozen records checked on construction; ``with_tastes`` draws its tastes
  from the project's PRNG, so the same seed gives the same pace.

They live apart from ``bot`` because the move table (``moves``) reads the pace and
``bot`` reads the move table.
"""

from __future__ import annotations

from attrs import Attribute, evolve, field, frozen

from ..catalog import Catalog
from ..clock import MS_PER_MINUTE
from ..rng import stream

__all__ = [
    "CASUAL_PACE",
    "DEFAULT_LIMITS",
    "DEFAULT_PACE",
    "IDLE_PACE",
    "PACES",
    "Limits",
    "Pace",
    "with_tastes",
]


def _check_waits(_: object, __: object, value: tuple[tuple[int, int], ...]) -> None:
    if not value or any(
        type(hours) is not int or type(weight) is not int or hours < 1 or weight < 1
        for hours, weight in value
    ):
        raise ValueError("waits must be non-empty (game hours >= 1, weight >= 1) pairs")


def _check_tastes(_: object, __: object, value: tuple[tuple[str, int], ...]) -> None:
    if any(type(weight) is not int or weight < 0 for _, weight in value):
        raise ValueError("taste weights must be non-negative integers")


def _non_negative(_: object, attribute: Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(
            f"{attribute.name} must be a non-negative integer, got {value!r}"
        )


@frozen
class Pace:
    """How busy the bot is: time per command, what it likes doing, how it waits."""

    #: Wall ms that pass after every command (20 real minutes: 20 game hours).
    command_ms: int = field(default=20 * MS_PER_MINUTE, validator=_non_negative)
    #: Weight of each activity it may do (0: it never does one).
    activity_weight: int = field(default=10, validator=_non_negative)
    #: Per-activity weights that replace ``activity_weight``: (activity id, weight).
    tastes: tuple[tuple[str, int], ...] = field(default=(), validator=_check_tastes)
    #: Weight of each time skip it may buy (0: it never buys one).
    skip_weight: int = field(default=1, validator=_non_negative)
    #: Weight of each job, school, quitting and retiring it may choose (0: never).
    career_weight: int = field(default=2, validator=_non_negative)
    #: Weight of starting a conversation, with the next person in turn (0: never).
    talk_weight: int = field(default=2, validator=_non_negative)
    #: Weight of dating: likes, dates, stages and endings (0: it never dates).
    dating_weight: int = field(default=2, validator=_non_negative)
    #: The waits it may choose, as (game hours, weight) pairs.
    waits: tuple[tuple[int, int], ...] = field(
        default=((2, 4), (12, 3), (48, 2)), validator=_check_waits
    )


@frozen
class Limits:
    """Bounds that make every bot life end."""

    max_turns: int = field(default=200_000, validator=_non_negative)  # turns played
    max_age: int = field(default=150, validator=_non_negative)  # ended past this age


#: A busy player: an activity whenever one is allowed, now and then a time skip.
DEFAULT_PACE = Pace()
#: A casual player: some activities, long waits.
CASUAL_PACE = Pace(
    activity_weight=1,
    career_weight=1,
    talk_weight=1,
    dating_weight=1,
    waits=((24, 10), (72, 10)),
)
#: An idle player: it only answers questions and waits.
IDLE_PACE = Pace(
    activity_weight=0,
    skip_weight=0,
    career_weight=0,
    talk_weight=0,
    dating_weight=0,
    waits=((24, 1), (72, 1)),
)
#: The three players, busy first.
PACES = (DEFAULT_PACE, CASUAL_PACE, IDLE_PACE)
DEFAULT_LIMITS = Limits()


def with_tastes(pace: Pace, catalog: Catalog, seed: int) -> Pace:
    """``pace`` with a taste per activity drawn from ``seed``: some activities never
    (weight 0), some as usual, some three times as often — so the stats of bot lives
    end up far apart. Stream ``(seed, "bot_tastes")``, activities in content order.
    """
    rng = stream(seed, "bot_tastes")
    return evolve(
        pace,
        tastes=tuple(
            (activity.id, pace.activity_weight * rng.choice((0, 1, 1, 3)))
            for activity in catalog.activities.activities
        ),
    )
