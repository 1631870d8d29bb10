"""Players with a character of a given age, for the life tests (played, not built).

Every helper plays commands through the engine from a new player, so each state is
one the game can reach. ``IMMORTAL`` content (``content_packs``) keeps a character
alive for as long as a test needs it.
"""

from __future__ import annotations

from baolife_core import CreateCharacter, PlayerState, advance, new_player, step
from baolife_core.catalog import Catalog
from baolife_core.clock import MS_PER_DAY
from content_packs import IMMORTAL

__all__ = ["T0", "WALL_DAY", "YEAR", "aged", "at_day", "born"]

#: The instant every test player is created at (2027-01-01T00:00:00Z).
T0 = 1_798_761_600_000
#: Wall milliseconds of one game day at the bundled time scale.
WALL_DAY = MS_PER_DAY // IMMORTAL.clock.time_scale
#: Game days in a game year.
YEAR = IMMORTAL.life.days_per_year


def at_day(day: int) -> int:
    """The wall instant at which game ``day`` (counted from ``T0``) begins."""
    return T0 + day * WALL_DAY


def born(seed: int = 4, catalog: Catalog = IMMORTAL) -> PlayerState:
    """A player whose character is born at ``T0`` (game day 0)."""
    state = new_player(seed=seed, at=T0, catalog=catalog)
    return step(state, CreateCharacter(at=T0), catalog).state


def aged(years: int, seed: int = 4, catalog: Catalog = IMMORTAL) -> PlayerState:
    """A player whose character was born at ``T0`` and is now ``years`` old."""
    return advance(born(seed, catalog), at_day(years * YEAR), catalog)
