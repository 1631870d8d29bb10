"""Preferences, suggestions, likes and passes (being written)."""

from __future__ import annotations

from ..catalog import Catalog
from ..commands import Like, Pass, SetDatingPreferences
from ..outcome import Outcome
from ..replies import MatchList
from ..state import PlayerState

__all__ = ["like", "match_list", "pass_npc", "set_dating_preferences"]


def set_dating_preferences(
    state: PlayerState, command: SetDatingPreferences, catalog: Catalog
) -> Outcome:
    """Apply ``set_dating_preferences``."""
    raise NotImplementedError


def like(state: PlayerState, command: Like, catalog: Catalog) -> Outcome:
    """Apply ``like``."""
    raise NotImplementedError


def pass_npc(state: PlayerState, command: Pass, catalog: Catalog) -> Outcome:
    """Apply ``pass``."""
    raise NotImplementedError


def match_list(state: PlayerState, at: int, catalog: Catalog) -> MatchList:
    """``get_matches``: the top suggestions of the current pool."""
    raise NotImplementedError
