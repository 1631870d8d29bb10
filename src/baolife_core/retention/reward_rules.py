"""The one reward format, as content: fixed grants plus weighted rolls.

``read_reward`` reads ``reward = { diamonds = 15, energy = 50, items = { coffee = 1 },
rolls = [[{ weight = 3, diamonds = 5 }, { weight = 1, items = { charm = 1 } }]] }``
(every part optional, at least one non-empty) with located errors. Paying a reward
is ``rewards.grant_reward``; this module holds only the content types, so the
catalog can load rewards without importing the engine.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from ..content_reader import Entry
from ..errors import ContentError

__all__ = ["Grant", "Reward", "read_reward"]

_MAX = 1_000_000


@frozen
class Grant:
    """Diamonds, energy and items given at once."""

    diamonds: int = 0  # diamonds credited
    energy: int = 0  # energy added (up to the overfill cap)
    items: tuple[tuple[str, int], ...] = ()  # (item id, count), sorted

    def __bool__(self) -> bool:
        return bool(self.diamonds or self.energy or self.items)


@frozen
class Reward:
    """A fixed grant and weighted rolls."""

    fixed: Grant = Grant()  # always given
    rolls: tuple[tuple[tuple[Grant, int], ...], ...] = ()  # each: (grant, weight)

    @property
    def max_diamonds(self) -> int:
        """The most diamonds this reward can pay."""
        best = sum(max(g.diamonds for g, _ in roll) for roll in self.rolls)
        return self.fixed.diamonds + best

    @property
    def min_diamonds(self) -> int:
        """The fewest diamonds this reward can pay."""
        least = sum(min(g.diamonds for g, _ in roll) for roll in self.rolls)
        return self.fixed.diamonds + least

    def item_ids(self) -> set[str]:
        """Every item id this reward may give."""
        ids = {item for item, _ in self.fixed.items}
        ids.update(item for roll in self.rolls for g, _ in roll for item, _ in g.items)
        return ids


def _grant(file: str, entry: str, path: str, data: Any, *, weighted: bool) -> Grant:
    if not isinstance(data, dict):
        raise ContentError(file, entry, path, "must be a table")
    allowed = {"diamonds", "energy", "items"} | ({"weight"} if weighted else set())
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(file, entry, f"{path}.{unknown[0]}", "is not a known field")
    numbers = {}
    for field in ("diamonds", "energy"):
        value = data.get(field, 0)
        if type(value) is not int or not 0 <= value <= _MAX:
            raise ContentError(
                file, entry, f"{path}.{field}", f"must be an integer 0..{_MAX}"
            )
        numbers[field] = value
    items_data = data.get("items", {})
    if not isinstance(items_data, dict):
        raise ContentError(file, entry, f"{path}.items", "must be a table id = count")
    items = []
    for item, count in sorted(items_data.items()):
        if type(count) is not int or not 1 <= count <= 1000:
            raise ContentError(
                file, entry, f"{path}.items.{item}", "must be a count within 1..1000"
            )
        items.append((item, count))
    return Grant(numbers["diamonds"], numbers["energy"], tuple(items))


def read_reward(entry: Entry, field: str = "reward") -> Reward:
    """The reward in ``entry[field]``, validated (see the module rules)."""
    data = entry.data.get(field)
    entry.seen.add(field)
    if not isinstance(data, dict):
        raise entry.error(field, "must be a table (diamonds, energy, items, rolls)")
    fixed = _grant(
        entry.file,
        entry.entry,
        field,
        {k: v for k, v in data.items() if k != "rolls"},
        weighted=False,
    )
    rolls_data = data.get("rolls", [])
    if not isinstance(rolls_data, list):
        raise entry.error(f"{field}.rolls", "must be an array of weighted options")
    rolls = []
    for n, roll in enumerate(rolls_data):
        where = f"{field}.rolls[{n}]"
        if not isinstance(roll, list) or not roll:
            raise entry.error(where, "must be a non-empty array of options")
        options = []
        for m, option in enumerate(roll):
            weight = option.get("weight") if isinstance(option, dict) else None
            if type(weight) is not int or not 1 <= weight <= _MAX:
                raise entry.error(f"{where}[{m}].weight", f"must be within 1..{_MAX}")
            grant = _grant(
                entry.file, entry.entry, f"{where}[{m}]", option, weighted=True
            )
            options.append((grant, weight))
        rolls.append(tuple(options))
    reward = Reward(fixed, tuple(rolls))
    if not fixed and not rolls:
        raise entry.error(field, "must give something")
    return reward
