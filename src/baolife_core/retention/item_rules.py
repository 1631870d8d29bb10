"""Inventory items, loaded from ``content/items.toml`` (DESIGN.md "Content is data").

An item has at least one effect: energy, stat deltas (known stats), game minutes.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..clock import MS_PER_MINUTE
from ..content_reader import Entry, read_toml
from ..life.rules import STAT_NAMES

__all__ = ["FILE", "ItemRules", "ItemSpec", "load_items"]

FILE = "items.toml"


@frozen
class ItemSpec:
    """An inventory item and its effects."""

    id: str  # wire id (``item``)
    name: str  # display name
    energy: int  # energy added
    stats: tuple[tuple[str, int], ...]  # (stat, delta) for the living character
    game_ms: int  # game time skipped


@frozen
class ItemRules:
    """Everything ``items.toml`` says."""

    items: tuple[ItemSpec, ...]  # in content order

    def item(self, item_id: str) -> ItemSpec | None:
        """The item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def names(self) -> dict[str, str]:
        """Display names by id (for reward texts)."""
        return {i.id: i.name for i in self.items}


def _item(entry: Entry) -> ItemSpec:
    stats: list[tuple[str, int]] = []
    entry.seen.add("stats")
    if entry.has("stats"):
        # Not ``entry.table``: its errors would name the entry ``stats`` and lose
        # the item's id (DESIGN.md "Content is data": errors name file, entry, field).
        table = Entry(entry.file, f"{entry.entry}.stats", entry.data["stats"])
        for stat in list(table.data):
            if stat not in STAT_NAMES:
                raise entry.error(f"stats.{stat}", "is not a stat")
            stats.append((stat, table.integer(stat, low=-100, high=100)))
        table.done()
    item = ItemSpec(
        id=entry.text("id"),
        name=entry.text("name"),
        energy=entry.integer("energy", low=0, high=1000, default=0),
        stats=tuple(stats),
        game_ms=entry.integer("game_minutes", low=0, high=7 * 24 * 60, default=0)
        * MS_PER_MINUTE,
    )
    if not (item.energy or item.stats or item.game_ms):
        raise entry.error("energy", "an item must have an effect")
    entry.done()
    return item


def load_items(directory: Traversable) -> ItemRules:
    """Load and validate ``items.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    rules = ItemRules(items=tuple(_item(e) for e in root.tables("items")))
    root.done()
    return rules
