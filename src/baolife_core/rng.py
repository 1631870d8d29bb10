"""The project's own PRNG: SplitMix64 streams derived per purpose.

Rules of this module (DESIGN.md "Determinism rules", rule 1):

- Every random draw in the engine comes from a :class:`Stream`, never from the
  ``random`` module, ``hash()`` of a string or the iteration order of a set.
- A stream is derived by hashing ``(player seed, purpose, key)`` with SHA-256, so
  content added for one purpose never shifts the rolls of another.
- All arithmetic is on 64-bit unsigned integers; weighted picks use integer weights
  and unbiased bounded draws (rejection sampling), so results are identical on every
  platform and every Python version.

A ``Stream`` is a small mutable cursor that lives inside one pure function call; it
is never stored in the game state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["MASK64", "Stream", "derive_seed", "splitmix64_next", "stream"]

MASK64 = (1 << 64) - 1
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15

T = TypeVar("T")


def splitmix64_next(state: int) -> tuple[int, int]:
    """Advance a SplitMix64 state; return ``(output, next_state)``.

    The reference algorithm of Steele, Lea and Flood (2014), as published by
    Vigna at prng.di.unimi.it/splitmix64.c.
    """
    state = (state + _GOLDEN_GAMMA) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31), state


def derive_seed(seed: int, purpose: str, key: int | str = 0) -> int:
    """Hash ``(seed, purpose, key)`` into the 64-bit seed of an independent stream.

    The key's type is part of the material, so the integer ``1`` and the string
    ``"1"`` name different streams; a purpose may not contain the separator.
    """
    if "\x1f" in purpose:
        raise ValueError("a stream purpose may not contain the unit separator")
    tag = "i" if isinstance(key, int) else "s"
    material = f"{seed & MASK64}\x1f{purpose}\x1f{tag}{key}".encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


class Stream:
    """A cursor over one SplitMix64 sequence."""

    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        self._state = seed & MASK64

    def next_u64(self) -> int:
        """Return the next 64-bit unsigned output."""
        value, self._state = splitmix64_next(self._state)
        return value

    def below(self, bound: int) -> int:
        """Return an integer uniformly drawn from ``[0, bound)``, without bias."""
        if not 0 < bound <= 1 << 64:
            raise ValueError(f"bound must be within 1..2**64, got {bound}")
        # Reject the top partial bucket so every residue is equally likely.
        limit = (1 << 64) - ((1 << 64) % bound)
        while True:
            value = self.next_u64()
            if value < limit:
                return value % bound

    def between(self, low: int, high: int) -> int:
        """Return an integer uniformly drawn from ``[low, high]`` inclusive."""
        if high < low:
            raise ValueError(f"empty range [{low}, {high}]")
        return low + self.below(high - low + 1)

    def choice(self, items: Sequence[T]) -> T:
        """Pick one item uniformly."""
        return items[self.below(len(items))]

    def chance(self, numerator: int, denominator: int) -> bool:
        """Return True with probability ``numerator / denominator``."""
        return self.below(denominator) < numerator

    def weighted(self, items: Sequence[tuple[T, int]]) -> T:
        """Pick one item by positive integer weight, in the order given."""
        if any(type(weight) is not int or weight < 0 for _, weight in items):
            raise ValueError("weights must be non-negative integers")
        total = sum(weight for _, weight in items)
        if total <= 0:
            raise ValueError("weighted pick needs a positive total weight")
        roll = self.below(total)
        for item, weight in items:
            if roll < weight:
                return item
            roll -= weight
        raise AssertionError("unreachable: roll exceeds total weight")


def stream(seed: int, purpose: str, key: int | str = 0) -> Stream:
    """Open the stream for ``(seed, purpose, key)``."""
    return Stream(derive_seed(seed, purpose, key))
