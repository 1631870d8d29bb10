"""The content catalog: immutable, validated game data loaded from TOML.

Rules of this module (DESIGN.md "Content is data"):

- Content lives in ``baolife_core/content/*.toml`` and is read with the stdlib
  ``tomllib``; a game team may point ``load_catalog`` at its own directory.
- Every value is validated on load. A ``ContentError`` names the file, the entry and
  the field, so a content author never needs to read Python to fix a typo.
- Unknown keys are errors too: a misspelt optional field must not pass silently.
- The catalog is frozen; the engine only reads it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from attrs import frozen

from .clock import MS_PER_HOUR, MS_PER_MINUTE
from .errors import ContentError

__all__ = [
    "Catalog",
    "ClockRules",
    "EnergyRules",
    "RefillTier",
    "TimeSkip",
    "load_catalog",
]


@frozen
class EnergyRules:
    """How energy is capped and regenerates."""

    max: int  # regular maximum; regeneration stops here
    regen_interval_ms: int  # wall ms per regeneration step
    regen_amount: int  # points per step
    overfill_cap: int  # hard cap an overfill refill may reach


@frozen
class RefillTier:
    """One energy refill product."""

    id: str  # wire id, e.g. ``full``
    name: str  # display name
    diamonds: int  # price
    energy: int  # points added
    overfill: bool  # may exceed ``EnergyRules.max`` up to ``overfill_cap``


@frozen
class TimeSkip:
    """One time-skip product: game time bought with diamonds."""

    id: str  # wire id (``skip_type``), e.g. ``one_hour``
    name: str  # display name
    diamonds: int  # price
    game_ms: int | None  # game milliseconds skipped; None for ``until_next_day``
    until_next_day: bool  # skip to the start of the next game day


@frozen
class ClockRules:
    """How game time relates to wall time."""

    time_scale: int  # game ms per wall ms


@frozen
class Catalog:
    """Everything the engine reads: the validated content."""

    starting_diamonds: int  # grant ledgered at player creation
    energy: EnergyRules  # the energy meter's rules
    refills: tuple[RefillTier, ...]  # refill tiers in content order
    time_skips: tuple[TimeSkip, ...]  # time-skip products in content order
    clock: ClockRules  # the life clock's rules

    def refill(self, refill_id: str) -> RefillTier | None:
        """Return the refill tier with this id, or None."""
        for tier in self.refills:
            if tier.id == refill_id:
                return tier
        return None

    def time_skip(self, skip_id: str) -> TimeSkip | None:
        """Return the time skip with this id, or None."""
        for skip in self.time_skips:
            if skip.id == skip_id:
                return skip
        return None


class _Entry:
    """Typed access to one TOML table, raising errors that name where it failed."""

    def __init__(self, file: str, entry: str, data: Any) -> None:
        self.file = file
        self.entry = entry
        if not isinstance(data, dict):
            raise ContentError(file, entry, "", "must be a table")
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()

    def error(self, field: str, problem: str) -> ContentError:
        return ContentError(self.file, self.entry, field, problem)

    def _get(self, field: str, default: Any) -> Any:
        self.seen.add(field)
        if field in self.data:
            return self.data[field]
        if default is _REQUIRED:
            raise self.error(field, "is required")
        return default

    def integer(self, field: str, *, low: int, high: int, default: Any = None) -> int:
        value = self._get(field, _REQUIRED if default is None else default)
        if type(value) is not int:
            raise self.error(field, f"must be an integer, got {value!r}")
        if not low <= value <= high:
            raise self.error(field, f"must be within {low}..{high}, got {value}")
        return value

    def text(self, field: str) -> str:
        value = self._get(field, _REQUIRED)
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {value!r}")
        return value

    def flag(self, field: str, *, default: bool) -> bool:
        value = self._get(field, default)
        if type(value) is not bool:
            raise self.error(field, f"must be true or false, got {value!r}")
        return value

    def table(self, field: str) -> _Entry:
        return _Entry(self.file, field, self._get(field, _REQUIRED))

    def done(self) -> None:
        """Reject keys that no reader asked for (most likely typos)."""
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(unknown[0], "is not a known field")


_REQUIRED = object()


def _read_toml(directory: Traversable, name: str) -> dict[str, Any]:
    source = directory / name
    if not source.is_file():
        raise ContentError(name, "", "", "file is missing")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ContentError(name, "", "", f"is not valid TOML: {error}") from None


def _entries(file: str, name: str, data: Any) -> Iterable[_Entry]:
    if not isinstance(data, list) or not data:
        raise ContentError(file, name, "", "must be a non-empty array of tables")
    ids: set[str] = set()
    for index, item in enumerate(data):
        label = item.get("id", index) if isinstance(item, Mapping) else index
        entry = _Entry(file, f"{name}[{label}]", item)
        identifier = entry.text("id")
        if identifier in ids:
            raise entry.error("id", f"duplicates an earlier entry {identifier!r}")
        ids.add(identifier)
        yield entry


def _load_economy(
    directory: Traversable,
) -> tuple[int, EnergyRules, tuple[RefillTier, ...], tuple[TimeSkip, ...]]:
    file = "economy.toml"
    root = _Entry(file, "(top level)", _read_toml(directory, file))
    wallet = root.table("wallet")
    starting = wallet.integer("starting_diamonds", low=0, high=1_000_000)
    wallet.done()

    energy = root.table("energy")
    maximum = energy.integer("max", low=1, high=10_000)
    rules = EnergyRules(
        max=maximum,
        regen_interval_ms=energy.integer("regen_interval_minutes", low=1, high=24 * 60)
        * MS_PER_MINUTE,
        regen_amount=energy.integer("regen_amount", low=1, high=maximum),
        overfill_cap=energy.integer("overfill_cap", low=maximum, high=10 * maximum),
    )
    energy.done()

    root.seen.add("energy_refills")
    tiers = []
    for entry in _entries(file, "energy_refills", root.data.get("energy_refills")):
        tier = RefillTier(
            id=entry.text("id"),
            name=entry.text("name"),
            diamonds=entry.integer("diamonds", low=1, high=100_000),
            energy=entry.integer("energy", low=1, high=rules.overfill_cap),
            overfill=entry.flag("overfill", default=False),
        )
        entry.done()
        tiers.append(tier)
    root.seen.add("time_skips")
    skips = [
        _time_skip(entry)
        for entry in _entries(file, "time_skips", root.data.get("time_skips"))
    ]
    root.done()
    return starting, rules, tuple(tiers), tuple(skips)


def _time_skip(entry: _Entry) -> TimeSkip:
    """One ``[[time_skips]]`` entry: exactly one of ``game_hours`` and ``until``."""
    has_hours, has_until = "game_hours" in entry.data, "until" in entry.data
    if has_hours == has_until:
        raise entry.error("game_hours", "give exactly one of game_hours and until")
    hours = entry.integer("game_hours", low=1, high=24 * 365) if has_hours else None
    if has_until and entry.text("until") != "next_day":
        raise entry.error("until", f'must be "next_day", got {entry.data["until"]!r}')
    skip = TimeSkip(
        id=entry.text("id"),
        name=entry.text("name"),
        diamonds=entry.integer("diamonds", low=1, high=100_000),
        game_ms=None if hours is None else hours * MS_PER_HOUR,
        until_next_day=has_until,
    )
    entry.done()
    return skip


def _load_clock(directory: Traversable) -> ClockRules:
    file = "clock.toml"
    root = _Entry(file, "(top level)", _read_toml(directory, file))
    clock = root.table("clock")
    rules = ClockRules(time_scale=clock.integer("time_scale", low=1, high=10_000))
    clock.done()
    root.done()
    return rules


def load_catalog(directory: Path | Traversable | None = None) -> Catalog:
    """Load and validate the content; the bundled content when no directory is given.

    Raises ``ContentError`` naming file, entry and field on the first problem.
    """
    source: Traversable = (
        resources.files("baolife_core") / "content" if directory is None else directory
    )
    starting, energy, refills, time_skips = _load_economy(source)
    return Catalog(
        starting_diamonds=starting,
        energy=energy,
        refills=refills,
        time_skips=time_skips,
        clock=_load_clock(source),
    )
