"""Daily quest templates, loaded from ``content/quests.toml`` (DESIGN.md "Content is
data": quest templates (11)).

Rules of this module (issue 4 "Daily quests"):

- ``[settings] per_day`` is the size of a player's daily set: that many distinct
  templates are drawn by ``weight`` each local day (``quests.roll_quests``).
- A template counts one kind of event (``event``, a wire name, with an optional
  ``where`` filter, as for achievements: ``achievement_rules.EventFilter``).
  ``measure`` is ``"count"`` (each matching event adds 1) or the name of an
  integer amount field of that event whose value is added (e.g. ``"energy"`` of
  ``activity_done``); ids, instants, days and lives are not amounts.
- ``target = [low, high]``: the day's target is drawn within it, inclusive.
- ``weight = 0`` keeps a template out of every daily set (``go_on_date`` until
  the dating feature lands); at least ``per_day`` templates must have a weight.
- ``name`` may use ``{target}`` and no other placeholder.
- The reward is the one reward format; item ids must be known. The diamonds on
  offer a day — the sum over a daily set — must lie within ``DAILY_DIAMONDS``
  for every set that can be drawn: the ``per_day`` smallest ``min_diamonds``
  among the offered templates and the ``per_day`` largest ``max_diamonds`` are
  checked; otherwise a located ``ContentError``.
- Content only, like ``achievement_rules``: the catalog imports this module.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from ..errors import ContentError
from ..events import Event
from .achievement_rules import (
    DEFAULT_ITEMS,
    EventFilter,
    check_items,
    event_field_types,
    read_event_filter,
)
from .reward_rules import Reward, read_reward

__all__ = [
    "COUNT",
    "DAILY_DIAMONDS",
    "FILE",
    "QuestRules",
    "QuestTemplate",
    "load_quests",
]

FILE = "quests.toml"

#: The ``measure`` that counts matching events.
COUNT = "count"

#: The least and the most diamonds a daily set may offer (issue 4: 15-100 a day).
DAILY_DIAMONDS = (15, 100)

_MAX_TARGET = 100_000
_NOT_AMOUNTS = frozenset({"at", "day", "life", "local_day", "expires_day"})


@frozen
class QuestTemplate:
    """A daily quest template."""

    id: str  # wire id (``quest``)
    name: str  # display name; ``{target}`` is replaced by the day's target
    trigger: EventFilter  # the events that move it
    measure: str  # ``count``, or the integer event field summed
    target_low: int  # the least target drawn
    target_high: int  # the largest target drawn
    weight: int  # integer weight in the daily draw; 0: never offered
    reward: Reward  # paid on claiming

    def title(self, target: int) -> str:
        """The display name for a day's ``target``."""
        return self.name.replace("{target}", str(target))

    def amount(self, event: Event) -> int:
        """How far ``event`` moves this quest: 0 unless it matches."""
        if not self.trigger.matches(event):
            return 0
        if self.measure == COUNT:
            return 1
        return max(0, int(getattr(event, self.measure)))


@frozen
class QuestRules:
    """Everything ``quests.toml`` says."""

    per_day: int  # templates offered each local day
    quests: tuple[QuestTemplate, ...]  # in content order

    def quest(self, quest_id: str) -> QuestTemplate | None:
        """The template with this id, or None."""
        return next((q for q in self.quests if q.id == quest_id), None)

    @property
    def offered(self) -> tuple[QuestTemplate, ...]:
        """The templates a daily set may draw (weight > 0), in content order."""
        return tuple(q for q in self.quests if q.weight > 0)

    @property
    def daily_diamonds(self) -> tuple[int, int]:
        """The fewest and the most diamonds a daily set can offer."""
        least = sorted(q.reward.min_diamonds for q in self.offered)
        most = sorted((q.reward.max_diamonds for q in self.offered), reverse=True)
        return sum(least[: self.per_day]), sum(most[: self.per_day])


def _name(entry: Entry) -> str:
    name = entry.text("name")
    rest = name.replace("{target}", "")
    if "{" in rest or "}" in rest:
        raise entry.error(
            "name", f"may use {{target}} and no other placeholder: {name!r}"
        )
    return name


def _measure(entry: Entry, trigger: EventFilter) -> str:
    measure = entry.text("measure")
    if measure == COUNT:
        return measure
    amounts = [
        name
        for name, kind in event_field_types(trigger.event).items()
        if kind is int and name not in _NOT_AMOUNTS
    ]
    if measure not in amounts:
        raise entry.error(
            "measure",
            f"must be {COUNT!r} or an integer amount of {trigger.event} "
            f"({', '.join(amounts) or 'it has none'}), got {measure!r}",
        )
    return measure


def _target(entry: Entry) -> tuple[int, int]:
    entry.seen.add("target")
    value = entry.data.get("target")
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(type(v) is not int for v in value)
        or not 1 <= value[0] <= value[1] <= _MAX_TARGET
    ):
        raise entry.error(
            "target", f"must be [low, high] with 1 <= low <= high <= {_MAX_TARGET}"
        )
    return value[0], value[1]


def _template(entry: Entry, known_items: Collection[str]) -> QuestTemplate:
    trigger = read_event_filter(entry)
    low, high = _target(entry)
    template = QuestTemplate(
        id=entry.text("id"),
        name=_name(entry),
        trigger=trigger,
        measure=_measure(entry, trigger),
        target_low=low,
        target_high=high,
        weight=entry.integer("weight", low=0, high=1_000_000),
        reward=read_reward(entry),
    )
    check_items(entry, template.reward, known_items)
    entry.done()
    return template


def _check_offer(rules: QuestRules) -> None:
    """Every daily set offers ``DAILY_DIAMONDS`` (module rules)."""
    offered = rules.offered
    if len(offered) < rules.per_day:
        raise ContentError(
            FILE,
            "settings",
            "per_day",
            f"is {rules.per_day} but only {len(offered)} quests have a weight",
        )
    low, high = DAILY_DIAMONDS
    least, most = rules.daily_diamonds
    if least < low:
        cheapest = sorted(offered, key=lambda q: q.reward.min_diamonds)
        names = ", ".join(q.id for q in cheapest[: rules.per_day])
        raise ContentError(
            FILE,
            "quests",
            "reward",
            f"the {rules.per_day} cheapest quests ({names}) offer {least} diamonds "
            f"a day; every daily set must offer {low}..{high}",
        )
    if most > high:
        dearest = sorted(offered, key=lambda q: -q.reward.max_diamonds)
        names = ", ".join(q.id for q in dearest[: rules.per_day])
        raise ContentError(
            FILE,
            "quests",
            "reward",
            f"the {rules.per_day} richest quests ({names}) offer up to {most} "
            f"diamonds a day; every daily set must offer {low}..{high}",
        )


def load_quests(
    directory: Traversable, *, known_items: Collection[str] = DEFAULT_ITEMS
) -> QuestRules:
    """Load and validate ``quests.toml`` (module rules)."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    settings = root.table("settings")
    per_day = settings.integer("per_day", low=1, high=20)
    settings.done()
    quests = tuple(_template(entry, known_items) for entry in root.tables("quests"))
    root.done()
    rules = QuestRules(per_day=per_day, quests=quests)
    _check_offer(rules)
    return rules
