"""A/B experiment flags: content, and the stable assignment of a player's variant.

Rules of this module (seed "A/B Testing Architecture"):

- A flag's variants have integer weights summing to 100. A player's bucket for a
  flag is ``int(MD5(player id + flag)) mod 100``; the variant is the one whose
  cumulative weight range holds the bucket, in content order. So the assignment
  is stable for a player, needs no storage, and the same on every server.
- MD5 is used as a hash for bucketing, not for security.
- The engine takes variants as input (``NewPlayer.variants``); this module is
  called where players are created (the service).
- The client's variants (``client_experiments``, the view's ``experiments``):
  ``tutorial_flow`` is the flow the player's state runs (from the genesis), so
  the client can never be told another tutorial than the engine's; every other
  flag is computed from the player id and the current content.
- The first variant of a flag is its control: ``report`` compares each other
  variant with it (``stats.two_proportion_z_test``). ``report`` is pure text;
  the counts come from the analytics tables (the storage adapter).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib.resources.abc import Traversable

from attrs import frozen

from .content_reader import Entry, read_toml
from .errors import ContentError
from .events import EVENT_TYPES
from .state import PlayerState
from .stats import SIGNIFICANCE, two_proportion_z_test
from .wire import wire_name

__all__ = [
    "CONVERSION_EVENTS",
    "FILE",
    "TUTORIAL_FLOW",
    "Experiments",
    "Flag",
    "VariantCounts",
    "assign_variant",
    "assign_variants",
    "client_experiments",
    "load_experiments",
    "report",
]

FILE = "experiments.toml"
#: The flag whose variant the engine runs (recorded in the genesis).
TUTORIAL_FLOW = "tutorial_flow"
#: The analytics rows a report may count as a conversion: every domain event.
CONVERSION_EVENTS = frozenset(wire_name(cls) for cls in EVENT_TYPES)


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


def client_experiments(
    player_id: str, state: PlayerState, experiments: Experiments
) -> dict[str, str]:
    """Every flag's variant for the client, in content order (module rules)."""
    variants = {flag.id: assign_variant(player_id, flag) for flag in experiments.flags}
    flow = state.retention.tutorial.flow
    if TUTORIAL_FLOW in variants and flow:
        variants[TUTORIAL_FLOW] = flow
    return variants


@frozen
class VariantCounts:
    """What the analytics say about one variant of a flag."""

    variant: str  # variant id
    exposed: int  # distinct players with an exposure row for it
    converted: int  # of them, those with the conversion event after exposure

    @property
    def rate(self) -> float:
        """``converted / exposed``; 0 without exposed players."""
        return self.converted / self.exposed if self.exposed else 0.0


def report(
    flag: Flag, event: str, counts: Iterable[VariantCounts], *, since: int | None
) -> tuple[str, ...]:
    """The lines of ``baolife experiments report``: a table of the variants, then
    each variant against the control (module rules; docs/experiments.md)."""
    found = {c.variant: c for c in counts}
    rows = [found.pop(v, VariantCounts(v, 0, 0)) for v, _ in flag.variants]
    retired = [found[v] for v in sorted(found)]  # exposed, no longer in content
    window = "" if since is None else f", exposures at or after {since} ms"
    lines = [
        f"experiment {flag.id}: conversion to {event}{window}",
        f"{'variant':<20} {'exposed':>9} {'converted':>9} {'rate':>8}",
    ]
    lines.extend(_row(row) for row in rows)
    lines.extend(f"{_row(row)}  (no longer in content)" for row in retired)
    control = rows[0]
    for row in rows[1:]:
        lines.extend(_comparison(control, row))
    return tuple(lines)


def _row(row: VariantCounts) -> str:
    """A line of the table: variant, exposed, converted, rate."""
    return (
        f"{row.variant:<20} {row.exposed:>9} {row.converted:>9} "
        f"{100 * row.rate:>6.2f} %"
    )


def _comparison(control: VariantCounts, row: VariantCounts) -> list[str]:
    """Two lines: ``row`` against ``control`` in numbers, then in words."""
    z, p = two_proportion_z_test(
        control.converted, control.exposed, row.converted, row.exposed
    )
    points = 100 * (row.rate - control.rate)
    numbers = (
        f"{row.variant} vs {control.variant} (control): {points:+.2f} points, "
        f"z = {z:.2f}, {'p < 0.0001' if p < 0.0001 else f'p = {p:.4f}'}"
    )
    level = f"{100 * SIGNIFICANCE:g} %"
    if control.exposed == 0 or row.exposed == 0:
        empty = control.variant if control.exposed == 0 else row.variant
        words = f"no test: nobody was exposed to {empty}"
    elif p < SIGNIFICANCE:
        direction = "more" if z > 0 else "less"
        words = (
            f"significant at {level}: {row.variant} converts {direction} "
            f"than {control.variant}"
        )
    else:
        words = f"not significant at {level}: no evidence of a difference"
    return [numbers, f"  {words}"]


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
