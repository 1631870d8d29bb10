"""Stage moves: ``advance_relationship``, ``break_up``, and what storylets do to a
relationship (being written)."""

from __future__ import annotations

from ..catalog import Catalog
from ..commands import AdvanceRelationship, BreakUp
from ..events import Event
from ..outcome import Outcome
from ..replies import RelationshipList
from ..state import Character, PlayerState
from .rules import DatingRules

__all__ = [
    "advance_relationship",
    "affect",
    "break_up",
    "move",
    "relationship_list",
]


def advance_relationship(
    state: PlayerState, command: AdvanceRelationship, catalog: Catalog
) -> Outcome:
    """Apply ``advance_relationship``."""
    raise NotImplementedError


def break_up(state: PlayerState, command: BreakUp, catalog: Catalog) -> Outcome:
    """Apply ``break_up``."""
    raise NotImplementedError


def affect(
    character: Character,
    *,
    affection: int,
    npc_affection: int,
    at: int,
    day: int,
    rules: DatingRules,
) -> tuple[Character, tuple[Event, ...]]:
    """The current relationship's affections moved by the deltas (clamped 0..100,
    ``AffectionChanged``); the NPC leaves when its affection falls below
    ``leave_below`` (``RelationshipChanged`` by ``npc``, a divorce splitting the
    assets). No current relationship: nothing happens."""
    raise NotImplementedError


def move(
    character: Character, trigger: str, *, at: int, day: int, rules: DatingRules
) -> tuple[Character, tuple[Event, ...]]:
    """The current relationship moved by ``trigger`` (a storylet's ``romance``
    effect, ``by`` ``event``) if the transition table allows it; endings apply
    their costs. Otherwise nothing happens."""
    raise NotImplementedError


def relationship_list(
    state: PlayerState, at: int, catalog: Catalog
) -> RelationshipList:
    """``get_relationships``: every relationship of the character."""
    raise NotImplementedError
