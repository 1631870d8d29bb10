"""Achievements, loaded from ``content/achievements.toml``.

Rules of this module (issue 4 "Achievements"; DESIGN.md "Content is data"):

- An achievement is content: an id, a name, a description, a declared category,
  ``hidden`` (its name and description stay secret until unlocked), one predicate
  and a reward in the one reward format (``reward_rules.read_reward``).
- A predicate is either a statistic threshold — ``stat = "<statistic>"`` with
  ``at_least = N``, whose progress is ``min(value, N)`` of ``N`` — or an event
  filter — ``event = "<event wire name>"`` with an optional ``where = { field =
  value }`` that every named field of the event must equal. An event achievement
  has a target of 1.
- Validation names file, entry and field (``content_reader.Entry``): an unknown
  statistic, event, event field or item id is an error, and so is a ``where``
  value of the wrong type for its field. A statistic that no event counts yet
  (``statistics.UNCOUNTED``, empty since dating counts ``dates_gone_on``) is refused,
  because an achievement on it could never unlock. Events derived from progress
  itself (``DERIVED_EVENTS``) cannot be predicates: they are emitted after
  achievements and quests are evaluated.
- A reward gives no energy (fixed or rolled): achievements also unlock while game
  days are lived (``advance``), where an energy grant would depend on the wall
  instant and break split invariance (DESIGN.md rule 4); diamonds and items do
  not depend on it.
- ``EventFilter`` is shared with the daily quests (``quest_rules``).
- Content only: the catalog imports this module, so it imports no engine module
  (rewards are read with ``reward_rules``; paying them is ``achievements``).
"""

from __future__ import annotations

from collections.abc import Collection
from importlib.resources.abc import Traversable
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

from attrs import field, fields, frozen

from ..content_reader import Entry, read_toml
from ..errors import ContentError
from ..events import EVENT_TYPES, Event
from ..wire import wire_name
from .reward_rules import Reward, read_reward
from .statistics import STATISTIC_NAMES, UNCOUNTED

__all__ = [
    "DEFAULT_ITEMS",
    "DERIVED_EVENTS",
    "EVENT_NAMES",
    "FILE",
    "Achievement",
    "AchievementRules",
    "Category",
    "EventFilter",
    "FilterValue",
    "StatThreshold",
    "check_items",
    "event_field_types",
    "load_achievements",
    "read_event_filter",
]

FILE = "achievements.toml"

#: The item ids a reward may name when the loader is not told otherwise: the
#: inventory item catalog defines exactly these three.
DEFAULT_ITEMS: tuple[str, ...] = ("energy_drink", "lucky_charm", "time_crystal")

#: Events emitted from progress itself; a predicate or a quest may not count them.
DERIVED_EVENTS = frozenset(
    {"achievement_unlocked", "quest_progressed", "statistics_changed"}
)

_EVENT_CLASSES: dict[str, type[Event]] = {wire_name(cls): cls for cls in EVENT_TYPES}
_WIRE_NAMES: dict[type, str] = {cls: name for name, cls in _EVENT_CLASSES.items()}

#: Every event wire name, in ``EVENT_TYPES`` order.
EVENT_NAMES: tuple[str, ...] = tuple(_EVENT_CLASSES)

FilterValue = str | int | bool

# The resolved type of every event field, by wire name and field, in field order.
# ``get_type_hints`` rather than ``attrs.fields(...).type``: the latter is the
# annotation string until something (cattrs) resolves it in place.
_FIELD_TYPES: dict[str, dict[str, object]] = {
    name: {f.name: get_type_hints(cls)[f.name] for f in fields(cls)}
    for name, cls in _EVENT_CLASSES.items()
}
_SCALARS: tuple[type, ...] = (str, int, bool)
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


@frozen
class EventFilter:
    """Matches the events of one kind whose named fields equal the given values."""

    event: str  # the event's wire name, e.g. ``stage_entered``
    where: tuple[tuple[str, FilterValue], ...] = ()  # (field, value), sorted by field

    def matches(self, event: Event) -> bool:
        """True when ``event`` is of this kind and has every ``where`` value."""
        if _WIRE_NAMES.get(type(event)) != self.event:
            return False
        return all(getattr(event, name) == value for name, value in self.where)


@frozen
class StatThreshold:
    """Unlocks when a lifetime statistic reaches ``at_least``."""

    stat: str  # a ``Statistics`` field name
    at_least: int  # the threshold, >= 1


Predicate = StatThreshold | EventFilter


@frozen
class Category:
    """A category achievements are listed under."""

    id: str  # wire id
    name: str  # display name


@frozen
class Achievement:
    """One achievement."""

    id: str  # wire id (``achievement``)
    name: str  # display name
    description: str  # what to do, shown once unlocked or when not hidden
    category: str  # a category id
    hidden: bool  # name and description stay secret until unlocked
    predicate: Predicate  # when it unlocks
    reward: Reward  # paid on unlocking

    @property
    def target(self) -> int:
        """The progress that unlocks it: the threshold, or 1 for an event."""
        if isinstance(self.predicate, StatThreshold):
            return self.predicate.at_least
        return 1


@frozen
class AchievementRules:
    """Everything ``achievements.toml`` says, in content order."""

    categories: tuple[Category, ...]  # in display order
    achievements: tuple[Achievement, ...]  # in content order
    # Indexes for ``achievements.newly_unlocked`` (derived; not part of equality):
    # the statistic thresholds, the event filters by event class, content order.
    thresholds: tuple[Achievement, ...] = field(init=False, eq=False, repr=False)
    by_event: dict[type, tuple[Achievement, ...]] = field(
        init=False, eq=False, repr=False
    )
    order: dict[str, int] = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        thresholds = tuple(
            a for a in self.achievements if isinstance(a.predicate, StatThreshold)
        )
        by_event: dict[type, list[Achievement]] = {}
        for achievement in self.achievements:
            if isinstance(achievement.predicate, EventFilter):
                cls = _EVENT_CLASSES[achievement.predicate.event]
                by_event.setdefault(cls, []).append(achievement)
        object.__setattr__(self, "thresholds", thresholds)
        object.__setattr__(
            self, "by_event", {cls: tuple(a) for cls, a in by_event.items()}
        )
        object.__setattr__(
            self, "order", {a.id: n for n, a in enumerate(self.achievements)}
        )

    def achievement(self, achievement_id: str) -> Achievement | None:
        """The achievement with this id, or None."""
        return next((a for a in self.achievements if a.id == achievement_id), None)


def _event_class(entry: Entry, field: str) -> type[Event]:
    name = entry.text(field)
    cls = _EVENT_CLASSES.get(name)
    if cls is None:
        raise entry.error(field, f"is not an event: {name!r}")
    if name in DERIVED_EVENTS:
        raise entry.error(field, f"{name!r} is derived from progress; name its cause")
    return cls


def event_field_types(event: str) -> dict[str, object]:
    """The type of every field of the event with this wire name, in field order."""
    return dict(_FIELD_TYPES[event])


def _scalar(kind: object) -> type | None:
    """``str``, ``int`` or ``bool`` for a field of that type (or it or None)."""
    if kind in _SCALARS:
        return kind
    args = [arg for arg in get_args(kind) if arg is not type(None)]
    if get_origin(kind) in (Union, UnionType) and len(args) == 1:
        return _scalar(args[0])
    return None


def read_event_filter(
    entry: Entry, *, event_field: str = "event", where_field: str = "where"
) -> EventFilter:
    """The event filter of ``entry`` (module rules), validated."""
    cls = _event_class(entry, event_field)
    name = _WIRE_NAMES[cls]
    entry.seen.add(where_field)
    data = entry.data.get(where_field, {})
    if not isinstance(data, dict) or (where_field in entry.data and not data):
        raise entry.error(where_field, "must be a non-empty table field = value")
    types = event_field_types(name)
    where: list[tuple[str, FilterValue]] = []
    for key, value in sorted(data.items()):
        at = f"{where_field}.{key}"
        if key not in types:
            raise entry.error(
                at, f"is not a field of {name}; it has {', '.join(types)}"
            )
        expected = _scalar(types[key])
        if expected is None:
            raise entry.error(at, f"cannot be filtered on (it is {types[key]})")
        if type(value) is not expected or not isinstance(value, str | int | bool):
            raise entry.error(at, f"must be {_TYPE_NAMES[expected]}, got {value!r}")
        where.append((key, value))
    return EventFilter(event=name, where=tuple(where))


def check_items(entry: Entry, reward: Reward, known_items: Collection[str]) -> None:
    """Refuse a reward that names an item the item catalog does not define."""
    unknown = sorted(reward.item_ids() - set(known_items))
    if unknown:
        raise entry.error(
            "reward",
            f"names an unknown item {unknown[0]!r}; items are "
            f"{', '.join(sorted(known_items))}",
        )


def _check_no_energy(entry: Entry, reward: Reward) -> None:
    """Refuse energy in an achievement's reward (module rules)."""
    grants = [reward.fixed, *(grant for roll in reward.rolls for grant, _ in roll)]
    if any(grant.energy for grant in grants):
        raise entry.error("reward.energy", "an achievement's reward gives no energy")


def _predicate(entry: Entry) -> Predicate:
    has_stat, has_event = entry.has("stat"), entry.has("event")
    if has_stat == has_event:
        raise entry.error("stat", "give exactly one of stat (with at_least) and event")
    if has_event:
        if entry.has("at_least"):
            raise entry.error("at_least", "goes with stat, not with event")
        return read_event_filter(entry)
    if entry.has("where"):
        raise entry.error("where", "goes with event, not with stat")
    stat = entry.text("stat")
    if stat not in STATISTIC_NAMES:
        raise entry.error("stat", f"is not a statistic: {stat!r}")
    if stat in UNCOUNTED:
        raise entry.error("stat", f"{stat!r} is not counted yet: it could never unlock")
    return StatThreshold(stat, entry.integer("at_least", low=1, high=1_000_000_000))


def _categories(root: Entry) -> tuple[Category, ...]:
    categories = []
    for entry in root.tables("categories"):
        categories.append(Category(id=entry.text("id"), name=entry.text("name")))
        entry.done()
    return tuple(categories)


def load_achievements(
    directory: Traversable, *, known_items: Collection[str] = DEFAULT_ITEMS
) -> AchievementRules:
    """Load and validate ``achievements.toml`` (module rules).

    ``known_items`` are the item ids a reward may give (the item catalog's ids).
    """
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    categories = _categories(root)
    category_ids = [c.id for c in categories]
    achievements = []
    for entry in root.tables("achievements"):
        category = entry.text("category")
        if category not in category_ids:
            raise entry.error(
                "category", f"is not a category: {category!r}; declare it first"
            )
        achievement = Achievement(
            id=entry.text("id"),
            name=entry.text("name"),
            description=entry.text("description"),
            category=category,
            hidden=entry.flag("hidden", default=False),
            predicate=_predicate(entry),
            reward=read_reward(entry),
        )
        check_items(entry, achievement.reward, known_items)
        _check_no_energy(entry, achievement.reward)
        entry.done()
        achievements.append(achievement)
    root.done()
    used = {a.category for a in achievements}
    for declared in categories:
        if declared.id not in used:
            raise ContentError(
                FILE, f"categories[{declared.id}]", "id", "has no achievement"
            )
    return AchievementRules(categories=categories, achievements=tuple(achievements))
