"""Locations and activities, loaded from ``content/activities.toml``.

Validated with located errors (DESIGN.md "Content is data"): every activity names a
known location, every effect a known stat, ``money_cents``, ``grades`` or
``performance``, and a check comes with both ``success`` and ``failure`` effects
(and then no plain ``effects``). ``requires`` is one of ``REQUIREMENTS``.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from .rules import STAT_NAMES

__all__ = [
    "REQUIREMENTS",
    "Activity",
    "ActivityRules",
    "Effects",
    "Location",
    "load_activity_rules",
]

FILE = "activities.toml"

#: What an activity may require besides age: a job held, or a school attended.
REQUIREMENTS = ("job", "school")


@frozen
class Effects:
    """Stat deltas and a money change."""

    stats: tuple[tuple[str, int], ...]  # (stat name, delta), in content order
    money_cents: int  # added to the character's cash (negative: a cost)
    grades: int = 0  # added to the school grades, when at school
    performance: int = 0  # added to the job performance, when employed


@frozen
class Location:
    """A place where activities happen."""

    id: str  # e.g. ``gym``
    name: str  # display name
    min_age: int  # open from this age
    max_age: int  # up to this age


@frozen
class Activity:
    """An intraday activity."""

    id: str  # wire id (``activity``)
    name: str  # display name
    location: str  # location id
    min_age: int  # allowed from this age
    max_age: int  # up to this age
    energy: int  # energy it costs
    game_ms: int  # game time it takes
    daily_cap: int  # times per game day
    check: tuple[str, int] | None  # (stat, difficulty), or None
    effects: Effects  # without a check: the effects; with one: on success
    failure: Effects | None  # with a check: the effects on failure
    requires: str | None = None  # ``job`` or ``school``: refused without it
    meet_percent: int = 0  # chance in percent of meeting a new friend


@frozen
class ActivityRules:
    """Everything ``activities.toml`` says."""

    locations: tuple[Location, ...]  # in content order
    activities: tuple[Activity, ...]  # in content order

    def activity(self, activity_id: str) -> Activity | None:
        """The activity with this id, or None."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        return None

    def location(self, location_id: str) -> Location:
        """The location with this id (validated to exist on load)."""
        return next(loc for loc in self.locations if loc.id == location_id)


def _effects(entry: Entry, field: str) -> Effects:
    data = entry.data.get(field)
    entry.seen.add(field)
    if not isinstance(data, dict) or not data:
        raise entry.error(field, "must be a non-empty table of effects")
    stats: list[tuple[str, int]] = []
    money = grades = performance = 0
    for key, value in data.items():
        if type(value) is not int:
            raise entry.error(f"{field}.{key}", f"must be an integer, got {value!r}")
        if key == "money_cents":
            if not -10_000_000 <= value <= 10_000_000:
                raise entry.error(f"{field}.{key}", "must be within ±10,000,000")
            money = value
        elif key in ("grades", "performance"):
            if not -100 <= value <= 100:
                raise entry.error(f"{field}.{key}", "must be within -100..100")
            grades, performance = (
                (value, performance) if key == "grades" else (grades, value)
            )
        elif key in STAT_NAMES:
            if not -100 <= value <= 100:
                raise entry.error(f"{field}.{key}", "must be within -100..100")
            stats.append((key, value))
        else:
            raise entry.error(
                f"{field}.{key}", "is not a stat, money_cents, grades or performance"
            )
    return Effects(
        stats=tuple(stats), money_cents=money, grades=grades, performance=performance
    )


def _check(entry: Entry) -> tuple[str, int] | None:
    if not entry.has("check"):
        return None
    check = entry.table("check")
    stat = check.text("stat")
    if stat not in STAT_NAMES:
        raise check.error("stat", f"must be one of {', '.join(STAT_NAMES)}")
    difficulty = check.integer("difficulty", low=0, high=100)
    check.done()
    return stat, difficulty


def _requires(entry: Entry) -> str | None:
    if not entry.has("requires"):
        entry.seen.add("requires")
        return None
    value = entry.text("requires")
    if value not in REQUIREMENTS:
        raise entry.error("requires", f"must be one of {', '.join(REQUIREMENTS)}")
    return value


def _activity(entry: Entry, locations: dict[str, Location]) -> Activity:
    location = entry.text("location")
    if location not in locations:
        raise entry.error("location", f"names no location: {location!r}")
    check = _check(entry)
    if check is not None:
        if entry.has("effects"):
            raise entry.error("effects", "with a check, give success and failure")
        effects, failure = _effects(entry, "success"), _effects(entry, "failure")
    else:
        effects, failure = _effects(entry, "effects"), None
    activity = Activity(
        id=entry.text("id"),
        name=entry.text("name"),
        location=location,
        min_age=entry.integer("min_age", low=0, high=200),
        max_age=entry.integer("max_age", low=0, high=200),
        energy=entry.integer("energy", low=0, high=1000),
        game_ms=entry.integer("game_minutes", low=1, high=24 * 60) * 60_000,
        daily_cap=entry.integer("daily_cap", low=1, high=100),
        check=check,
        effects=effects,
        failure=failure,
        requires=_requires(entry),
        meet_percent=entry.integer("meet_percent", low=0, high=100, default=0),
    )
    if activity.max_age < activity.min_age:
        raise entry.error("max_age", "must not be below min_age")
    entry.done()
    return activity


def load_activity_rules(directory: Traversable) -> ActivityRules:
    """Load and validate ``activities.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    locations: dict[str, Location] = {}
    for entry in root.tables("locations"):
        location = Location(
            id=entry.text("id"),
            name=entry.text("name"),
            min_age=entry.integer("min_age", low=0, high=200),
            max_age=entry.integer("max_age", low=0, high=200),
        )
        entry.done()
        locations[location.id] = location
    activities = tuple(_activity(e, locations) for e in root.tables("activities"))
    root.done()
    return ActivityRules(locations=tuple(locations.values()), activities=activities)
