"""The relationship stages: a transition table (DESIGN.md "Names").

Rules of this module (issue "Dating" 6; docs/dating.md "Relationships"):

- A relationship lives in one of ``STAGES``; ``ENDINGS`` are where it stops (the
  relationship leaves the character's state, its events stay in the journal).
- ``TRANSITIONS`` maps ``(stage, trigger)`` to the next stage. Anything not in the
  table is not a move: the handlers refuse it, a storylet effect does nothing.
- Triggers: ``date`` (the first date of a match), ``commit``, ``propose`` and
  ``wed`` (``advance_relationship``, each with its ``StageRule`` thresholds),
  ``break_up`` (the character; a marriage ends in ``divorced``) and ``leave``
  (the NPC, when its affection falls below ``leave_below``).
- The *current* relationship of a character is its most advanced one past
  ``matched``; a character has at most one (a date with another match is refused
  while it lasts). A character with none is ``single`` for storylet conditions.
"""

from __future__ import annotations

from ..state import Character, Romance

__all__ = [
    "ADVANCE_TRIGGER",
    "COMMITTED",
    "ENDINGS",
    "SINGLE",
    "STAGES",
    "TRANSITIONS",
    "current_romance",
    "find_romance",
    "next_stage",
    "relationship_stage",
]

#: The stages of a relationship, in order.
STAGES = ("matched", "dating", "partner", "engaged", "married")
#: Where a relationship ends.
ENDINGS = ("ended", "divorced")
#: The stages that make a relationship the character's current one.
COMMITTED = ("dating", "partner", "engaged", "married")
#: The storylet condition's name for a character with no current relationship.
SINGLE = "single"

#: ``(stage, trigger) -> next stage``.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("matched", "date"): "dating",
    ("dating", "commit"): "partner",
    ("partner", "propose"): "engaged",
    ("engaged", "wed"): "married",
    ("matched", "break_up"): "ended",
    ("dating", "break_up"): "ended",
    ("partner", "break_up"): "ended",
    ("engaged", "break_up"): "ended",
    ("married", "break_up"): "divorced",
    ("matched", "leave"): "ended",
    ("dating", "leave"): "ended",
    ("partner", "leave"): "ended",
    ("engaged", "leave"): "ended",
    ("married", "leave"): "divorced",
}

#: The ``advance_relationship`` trigger of each stage that has a next one.
ADVANCE_TRIGGER: dict[str, str] = {
    "dating": "commit",
    "partner": "propose",
    "engaged": "wed",
}


def next_stage(stage: str) -> str | None:
    """The stage ``advance_relationship`` asks for from ``stage``, or None."""
    trigger = ADVANCE_TRIGGER.get(stage)
    return None if trigger is None else TRANSITIONS[stage, trigger]


def find_romance(character: Character, npc_id: str) -> Romance | None:
    """The character's relationship with ``npc_id``, or None."""
    for romance in character.dating.romances:
        if romance.npc.id == npc_id:
            return romance
    return None


def current_romance(character: Character) -> Romance | None:
    """The most advanced relationship past ``matched`` (module rules), or None."""
    best: Romance | None = None
    for romance in character.dating.romances:
        if romance.stage in COMMITTED and (
            best is None or STAGES.index(romance.stage) > STAGES.index(best.stage)
        ):
            best = romance
    return best


def relationship_stage(character: Character) -> str:
    """The current relationship's stage, or ``single``."""
    romance = current_romance(character)
    return SINGLE if romance is None else romance.stage
