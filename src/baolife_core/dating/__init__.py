"""Dating: NPCs and bios, compatibility, matching, dates and relationships.

The package root re-exports the content rules and the stage table only; the engine
modules (``npcs``, ``compatibility``, ``matching``, ``dates``, ``relationships``)
are imported by their full names, because ``catalog`` loads ``rules`` while it is
itself being imported and they depend on ``catalog``.
"""

from __future__ import annotations

from .rules import DateActivity, DatingRules, Venue, load_dating_rules
from .stages import STAGES, TRANSITIONS, current_romance, find_romance

__all__ = [
    "STAGES",
    "TRANSITIONS",
    "DateActivity",
    "DatingRules",
    "Venue",
    "current_romance",
    "find_romance",
    "load_dating_rules",
]
