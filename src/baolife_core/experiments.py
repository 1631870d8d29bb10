"""A/B experiment flags: content, and the stable assignment of a player's variant.

Rules of this module (seed "A/B Testing Architecture"):

- A flag's variants have integer weights summing to 100. A player's bucket for a
  flag is ``int(MD5(player id + flag)) mod 100``; the variant is the one whose
  cumulative weight range holds the bucket, in content order. So the assignment
  is stable for a player, needs no storage, and the same on every server.
- MD5 is used as a hash for bucketing, not for security.
- The engine takes variants as input (``NewPlayer.variants``); this module is
  called where players are created (the service).
"""

from __future__ import annotations

import hashlib
from importlib.resources.abc import Traversable

from attrs import frozen

from .content_reader import Entry, read_toml
from .errors import ContentError

__all__ = [
    "FILE",
    "Experiments",
    "Flag",
    "assign_variant",
    "assign_variants",
    "load_experiments",
]

FILE = "experiments.toml"


@frozen
class Flag:
    """An experiment flag and its weighted variants."""

    id: str  # flag id, e.g. ``tutorial_flow``
    variants: tuple[tuple[str, int], ...]  # (variant id, weight), weights sum to 100


@frozen
class Experiments:
    """Everything ``experiments.toml`` says."""

    flags: tuple[Flag, ...]  # in content order

    def flag(self, flag_id: str) -> Flag | None:
        """The flag with this id, or None."""
        return next((f for f in self.flags if f.id == flag_id), None)


def bucket(player_id: str, flag: str) -> int:
    """The player's bucket 0..99 for ``flag``."""
    digest = hashlib.md5((player_id + flag).encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big") % 100


def assign_variant(player_id: str, flag: Flag) -> str:
    """The variant of ``flag`` for ``player_id`` (module rules)."""
    point = bucket(player_id, flag.id)
    upto = 0
    for variant, weight in flag.variants:
        upto += weight
        if point < upto:
            return variant
    raise AssertionError("weights are validated to sum to 100")


def assign_variants(
    player_id: str, experiments: Experiments
) -> tuple[tuple[str, str], ...]:
    """Every flag's variant for ``player_id``, as (flag, variant) pairs, sorted."""
    return tuple(
        sorted((f.id, assign_variant(player_id, f)) for f in experiments.flags)
    )


def load_experiments(directory: Traversable) -> Experiments:
    """Load and validate ``experiments.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    flags = []
    for entry in root.tables("flags"):
        data = entry.data.get("variants")
        entry.seen.add("variants")
        if not isinstance(data, list) or not data:
            raise entry.error("variants", "must be an array of { id, weight }")
        variants = []
        for n, item in enumerate(data):
            part = Entry(FILE, f"{entry.entry}.variants[{n}]", item)
            variants.append((part.text("id"), part.integer("weight", low=0, high=100)))
            part.done()
        if len({v for v, _ in variants}) != len(variants):
            raise entry.error("variants", "variant ids must be distinct")
        if sum(w for _, w in variants) != 100:
            raise entry.error("variants", "weights must sum to 100")
        flags.append(Flag(entry.text("id"), tuple(variants)))
        entry.done()
    root.done()
    if not flags:
        raise ContentError(FILE, "flags", "", "must list at least one flag")
    return Experiments(tuple(flags))
