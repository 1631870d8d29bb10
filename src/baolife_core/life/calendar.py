"""The calendar: a character's age in game years."""

from __future__ import annotations

from ..state import Character
from .rules import LifeRules

__all__ = ["age_on"]


def age_on(character: Character, day: int, rules: LifeRules) -> int:
    """The character's age in game years on game day ``day``."""
    return max(0, day - character.born_day) // rules.days_per_year
