"""Stage moves: ``advance_relationship``, ``break_up``, what storylets do to a
relationship (``affect``, ``move``), and the ``get_relationships`` read.

Rules of this module (issue "Dating" 6; docs/dating.md "Relationships"):

- Every move is a row of the transition table (``stages.TRANSITIONS``); what a
  move and an ending do is in ``endings`` (an ending removes the relationship, a
  divorce splits the assets, the NPC leaves below ``leave_below``).
- ``advance_relationship`` checks, in order, each a rejection that changes
  nothing: a living character (``invalid_state``); the relationship exists
  (``not_found``); its stage has a next one (``invalid_state``: a match dates
  first, a marriage has none); the character's affection at least the next
  stage's ``min_affection`` and ``min_days`` game days in the stage
  (``requirements_not_met``); cash for its ``cost_cents`` (``insufficient_money``).
  Then the NPC answers: yes iff its affection is at least ``npc_min_affection``
  (the stage moves, the cost is paid, a photo if the stage has one); no is an
  accepted command too (``RelationshipAdvanceDeclined``, the NPC's affection
  ``+= declined_affection``, and it may leave).
- At most one relationship is committed (``stages.COMMITTED``): only a committed
  one advances, and only a date makes a match committed, which ``go_on_date``
  refuses while another one is.
- ``break_up`` ends a relationship of any stage by the table's ``break_up`` row
  (a marriage ends in ``divorced``); ``invalid_state`` without a living character,
  ``not_found`` for an unknown NPC.
- ``affect`` and ``move`` are what storylet effects do to the current
  relationship, ``by`` ``event``: the same consequences as the commands, without
  their costs and thresholds (a storylet's proposal is the story's decision). A
  photo is a ``PhotoAdded`` event; the caller puts it in the album.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import AdvanceRelationship, BreakUp
from ..events import AffectionChanged, Event, RelationshipAdvanceDeclined
from ..outcome import Outcome, reject
from ..replies import (
    INSUFFICIENT_MONEY,
    INVALID_STATE,
    NOT_FOUND,
    REQUIREMENTS_NOT_MET,
    BreakUpResult,
    RelationshipEntry,
    RelationshipList,
    RelationshipResult,
)
from ..state import Character, Photo, PlayerState
from .endings import (
    caption,
    clamp,
    end,
    leave_if_unloved,
    photo_added,
    replace_romance,
    shift,
)
from .npcs import npc_age
from .rules import DatingRules
from .stages import (
    ADVANCE_TRIGGER,
    ENDINGS,
    TRANSITIONS,
    current_romance,
    find_romance,
    next_stage,
)

__all__ = [
    "advance_relationship",
    "affect",
    "break_up",
    "move",
    "relationship_entries",
    "relationship_list",
]


def advance_relationship(
    state: PlayerState, command: AdvanceRelationship, catalog: Catalog
) -> Outcome:
    """Apply ``advance_relationship`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    romance = find_romance(character, command.npc_id)
    if romance is None:
        return reject(state, NOT_FOUND, "no relationship with this npc")
    rules = catalog.dating.relationships
    trigger = ADVANCE_TRIGGER.get(romance.stage)
    rule = None if trigger is None else rules.stage(TRANSITIONS[romance.stage, trigger])
    if trigger is None or rule is None:
        return reject(state, INVALID_STATE, f"no stage after {romance.stage}")
    day = state.clock.day
    if romance.affection < rule.min_affection or (
        day - romance.since_day < rule.min_days
    ):
        return reject(
            state,
            REQUIREMENTS_NOT_MET,
            f"{rule.id} needs affection {rule.min_affection} "
            f"and {rule.min_days} days as {romance.stage}",
        )
    if character.money_cents < rule.cost_cents:
        return reject(state, INSUFFICIENT_MONEY, f"{rule.id} costs money")
    at = command.at
    events: list[Event] = []
    photos: tuple[Photo, ...] = ()
    accepted = romance.npc_affection >= rule.npc_min_affection
    if accepted:
        paid = evolve(character, money_cents=character.money_cents - rule.cost_cents)
        character, moved, changed = shift(
            paid, romance, trigger, by="character", at=at, day=day
        )
        events.append(changed)
        stage = moved.stage
        if rule.photo is not None:
            text = caption(rule.photo, moved)
            photos = (Photo(life=character.life, day=day, caption=text),)
            events.append(photo_added(character, text, at=at, day=day))
    else:
        declined = evolve(
            romance,
            npc_affection=clamp(romance.npc_affection + rule.declined_affection),
        )
        character = replace_romance(character, declined)
        events.append(
            RelationshipAdvanceDeclined(
                at=at,
                life=character.life,
                npc_id=romance.npc.id,
                stage=rule.id,
                npc_affection=declined.npc_affection,
                day=day,
            )
        )
        character, left = leave_if_unloved(
            character, declined, at=at, day=day, rules=rules
        )
        events.extend(left)
        stage = left[0].to_stage if left else romance.stage
    return Outcome(
        state=evolve(
            state, seq=state.seq + 1, character=character, album=state.album + photos
        ),
        events=tuple(events),
        reply=RelationshipResult(
            npc_id=romance.npc.id,
            accepted=accepted,
            stage=stage,
            money_cents=character.money_cents,
        ),
    )


def break_up(state: PlayerState, command: BreakUp, catalog: Catalog) -> Outcome:
    """Apply ``break_up`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    romance = find_romance(character, command.npc_id)
    if romance is None:
        return reject(state, NOT_FOUND, "no relationship with this npc")
    character, changed = end(
        character,
        romance,
        "break_up",
        by="character",
        at=command.at,
        day=state.clock.day,
        rules=catalog.dating.relationships,
    )
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=(changed,),
        reply=BreakUpResult(
            npc_id=romance.npc.id,
            stage=changed.to_stage,
            assets_split_cents=changed.money_cents,
            money_cents=character.money_cents,
        ),
    )


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
    assets). No current relationship, or nothing moved: nothing happens."""
    romance = current_romance(character)
    if romance is None:
        return character, ()
    moved = evolve(
        romance,
        affection=clamp(romance.affection + affection),
        npc_affection=clamp(romance.npc_affection + npc_affection),
    )
    if moved == romance:
        return character, ()
    character = replace_romance(character, moved)
    changed = AffectionChanged(
        at=at,
        life=character.life,
        npc_id=moved.npc.id,
        affection=moved.affection,
        npc_affection=moved.npc_affection,
        day=day,
    )
    character, left = leave_if_unloved(
        character, moved, at=at, day=day, rules=rules.relationships
    )
    return character, (changed, *left)


def move(
    character: Character, trigger: str, *, at: int, day: int, rules: DatingRules
) -> tuple[Character, tuple[Event, ...]]:
    """The current relationship moved by ``trigger`` (a storylet's ``romance``
    effect, ``by`` ``event``) if the transition table allows it; endings apply
    their consequences (the asset split, happiness), a next stage its photo.
    Otherwise nothing happens."""
    romance = current_romance(character)
    to_stage = None if romance is None else TRANSITIONS.get((romance.stage, trigger))
    if romance is None or to_stage is None:
        return character, ()
    if to_stage in ENDINGS:
        character, ended = end(
            character,
            romance,
            trigger,
            by="event",
            at=at,
            day=day,
            rules=rules.relationships,
        )
        return character, (ended,)
    character, moved, changed = shift(
        character, romance, trigger, by="event", at=at, day=day
    )
    rule = rules.relationships.stage(to_stage)
    if rule is None or rule.photo is None:
        return character, (changed,)
    photo = photo_added(character, caption(rule.photo, moved), at=at, day=day)
    return character, (changed, photo)


def relationship_entries(
    character: Character, day: int, catalog: Catalog
) -> tuple[RelationshipEntry, ...]:
    """Every relationship of ``character`` as the client sees it on game ``day``,
    oldest match first (``get_relationships`` and the client view)."""
    return tuple(
        RelationshipEntry(
            npc_id=romance.npc.id,
            name=romance.npc.name,
            gender=romance.npc.gender,
            age=npc_age(romance.npc, day, catalog.life),
            bio=romance.npc.bio,
            stage=romance.stage,
            since_day=romance.since_day,
            affection=romance.affection,
            npc_affection=romance.npc_affection,
            compatibility=romance.compatibility,
            dates=romance.dates,
            next_stage=next_stage(romance.stage),
        )
        for romance in character.dating.romances
    )


def relationship_list(
    state: PlayerState, at: int, catalog: Catalog
) -> RelationshipList:
    """``get_relationships``: every relationship of the character (the living one,
    or the last life's), read at ``at`` like every query."""
    # Imported here: the engine imports this module's handlers.
    from ..engine import advance

    state = advance(state, at, catalog)
    character = state.character
    entries = (
        ()
        if character is None
        else relationship_entries(character, state.clock.day, catalog)
    )
    return RelationshipList(relationships=entries)
