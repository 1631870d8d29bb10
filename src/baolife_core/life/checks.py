"""Stat checks: the one formula every check in the game uses.

A check of a stat against a difficulty rolls ``r`` in 0..99 from the check's own
stream and succeeds when ``stat + r >= difficulty + 50``. So a stat equal to the
difficulty succeeds half the time, each point of stat above it adds one percent,
and a difficulty of 0 with a stat of 50 always succeeds.
"""

from __future__ import annotations

from ..rng import Stream

__all__ = ["check_passes"]


def check_passes(stat: int, difficulty: int, roll: Stream) -> bool:
    """Roll once on ``roll``; True if ``stat`` beats ``difficulty`` (module rule)."""
    return stat + roll.below(100) >= difficulty + 50
