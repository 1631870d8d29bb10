"""Life simulation: characters, the calendar, stages, ageing and death.

``rules`` (the content) is re-exported here; the engine modules ``creation`` and
``days`` are imported by their full names, because ``catalog`` loads ``rules``
while it is itself being imported and they depend on ``catalog``.
"""

from __future__ import annotations

from .rules import STAT_NAMES, CharacterRules, DeathBand, DeathCause, LifeRules, Stage

__all__ = [
    "STAT_NAMES",
    "CharacterRules",
    "DeathBand",
    "DeathCause",
    "LifeRules",
    "Stage",
]
