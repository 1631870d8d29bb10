"""Events of dating: preferences, likes and passes, matches, dates and the stages
of a relationship.

See ``baolife_core.events`` for the rules every event follows.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "AffectionChanged",
    "DateWent",
    "DatingPreferencesSet",
    "MatchMade",
    "NpcLiked",
    "NpcPassed",
    "RelationshipAdvanceDeclined",
    "RelationshipChanged",
]


@frozen
class DatingPreferencesSet:
    """The character said whom it dates."""

    at: int  # instant, ms
    life: int  # the character's life
    seeking: tuple[str, ...]  # genders dated, sorted; (): any
    min_age: int  # youngest NPC age wanted (the default resolved)
    max_age: int  # oldest NPC age wanted (the default resolved)
    interests: tuple[str, ...]  # the character's interests, sorted
    dealbreakers: tuple[str, ...]  # dealbreaker ids held, sorted


@frozen
class NpcLiked:
    """The character liked a suggested NPC; ``matched`` says if the NPC liked back."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    compatibility: int  # 0..100
    matched: bool  # the NPC's own interest said yes


@frozen
class NpcPassed:
    """The character passed on a suggested NPC."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    compatibility: int  # 0..100


@frozen
class MatchMade:
    """A like was returned: the NPC is a match (pushed as ``match_made``)."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    name: str  # full name
    gender: str  # gender
    age: int  # age in game years today
    bio: str  # the profile text
    compatibility: int  # 0..100
    reasons: tuple[str, ...]  # the top reasons of the compatibility, best first
    affection: int  # the character's affection at the match
    npc_affection: int  # the NPC's affection at the match
    day: int  # game day index


@frozen
class DateWent:
    """The character went on a date."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    venue: str  # venue id
    activity: str  # date activity id
    outcome: str  # outcome tier id (``great``, ``good`` …)
    energy: int  # energy spent
    money_cents: int  # cash spent (positive)
    affection: int  # the character's affection after the date
    npc_affection: int  # the NPC's affection after the date
    day: int  # game day index


@frozen
class RelationshipChanged:
    """A relationship moved to another stage of the transition table.

    ``to_stage`` ``ended`` or ``divorced`` ends it; a divorce's asset split is
    ``money_cents`` (cash the character gave up, positive).
    """

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    from_stage: str  # the stage before
    to_stage: str  # the stage after
    trigger: str  # the transition table's trigger (``date``, ``propose`` …)
    by: str  # ``character``, ``npc`` or ``event`` (a storylet)
    money_cents: int  # cash given up in a divorce; 0 otherwise
    day: int  # game day index


@frozen
class RelationshipAdvanceDeclined:
    """The NPC said no to the next stage (not yet in love enough)."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    stage: str  # the stage asked for
    npc_affection: int  # the NPC's affection after the refusal
    day: int  # game day index


@frozen
class AffectionChanged:
    """A storylet moved a relationship's affection."""

    at: int  # instant, ms
    life: int  # the character's life
    npc_id: str  # the NPC
    affection: int  # the character's affection after
    npc_affection: int  # the NPC's affection after
    day: int  # game day index
