"""Time units and the life clock's pure arithmetic.

Wall time enters the core only as integer milliseconds (UTC) carried by commands
(DESIGN.md rule "Everything non-deterministic enters the core as command data").
Game time is a pure function of wall time plus purchased skips:
``game_ms = elapsed_wall_ms * scale + skipped_ms``.
"""

from __future__ import annotations

__all__ = [
    "MAX_INSTANT_MS",
    "MS_PER_DAY",
    "MS_PER_HOUR",
    "MS_PER_MINUTE",
    "MS_PER_SECOND",
    "game_day_index",
    "game_elapsed_ms",
]

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE
MS_PER_DAY = 24 * MS_PER_HOUR

#: The largest instant accepted anywhere: 9999-12-31T23:59:59.999Z.
MAX_INSTANT_MS = 253_402_300_799_999


def game_elapsed_ms(started_at: int, at: int, scale: int, skipped_ms: int = 0) -> int:
    """Game milliseconds lived between ``started_at`` and ``at``, skips included."""
    return max(0, at - started_at) * scale + skipped_ms


def game_day_index(started_at: int, at: int, scale: int, skipped_ms: int = 0) -> int:
    """The index of the game day that ``at`` falls in (day 0 starts at creation)."""
    return game_elapsed_ms(started_at, at, scale, skipped_ms) // MS_PER_DAY
