"""How a relationship changes stage, ends, and is remembered in the album.

Rules of this module (issue "Dating" 6; docs/dating.md "Relationships"):

- Every stage change goes through ``TRANSITIONS`` (``stages``); ``shift`` moves a
  romance to a next stage (``since_day`` restarts), ``end`` to an ending, which
  removes the romance from the character (its events stay in the journal).
- The consequences of an ending are the same whoever causes it (the character's
  ``break_up``, the NPC's ``leave``, a storylet): a marriage ends in ``divorced``
  and the ex takes ``divorce_split_percent`` of the character's cash at that moment
  (integer floor), happiness ``+= divorce_happiness``; any other committed stage
  ends in ``ended`` with happiness ``+= breakup_happiness``; a mere match ends with
  no happiness change (unmatching is not heartbreak).
- The NPC leaves as soon as its affection is below ``leave_below``
  (``leave_if_unloved``), so every romance in a state has at least that much.
- Affections and happiness are clamped to 0..100, cash never goes below 0.
- Captions of album photos fill ``{partner}`` (the NPC's first name) and
  ``{venue}`` (the venue's name); ``dating.toml`` allows no other placeholder.
"""

from __future__ import annotations

from attrs import evolve

from ..events import PhotoAdded, RelationshipChanged
from ..life.grammar import fill
from ..state import Character, Romance
from .rules import RelationshipRules
from .stages import ENDINGS, TRANSITIONS

__all__ = [
    "caption",
    "clamp",
    "end",
    "leave_if_unloved",
    "photo_added",
    "replace_romance",
    "shift",
]


def clamp(value: int) -> int:
    """``value`` within 0..100 (affections, happiness)."""
    return min(100, max(0, value))


def replace_romance(character: Character, romance: Romance) -> Character:
    """``character`` with its romance with the same NPC replaced by ``romance``."""
    dating = character.dating
    romances = tuple(
        romance if held.npc.id == romance.npc.id else held for held in dating.romances
    )
    return evolve(character, dating=evolve(dating, romances=romances))


def _with_happiness(character: Character, delta: int) -> Character:
    stats = character.stats
    return evolve(
        character, stats=evolve(stats, happiness=clamp(stats.happiness + delta))
    )


def shift(
    character: Character,
    romance: Romance,
    trigger: str,
    *,
    by: str,
    at: int,
    day: int,
) -> tuple[Character, Romance, RelationshipChanged]:
    """Move ``romance`` by ``trigger`` to a next stage (not an ending): the
    character, the romance after and the event. The table must allow the move."""
    to_stage = TRANSITIONS[romance.stage, trigger]
    if to_stage in ENDINGS:
        raise ValueError(f"{trigger!r} ends a relationship: use end()")
    moved = evolve(romance, stage=to_stage, since_day=day)
    changed = RelationshipChanged(
        at=at,
        life=character.life,
        npc_id=romance.npc.id,
        from_stage=romance.stage,
        to_stage=to_stage,
        trigger=trigger,
        by=by,
        money_cents=0,
        day=day,
    )
    return replace_romance(character, moved), moved, changed


def _costs(
    character: Character, from_stage: str, to_stage: str, rules: RelationshipRules
) -> tuple[int, int]:
    """``(split, happiness change)`` of an ending: the cash the ex takes, and what
    the character feels (module rules)."""
    if to_stage == "divorced":
        split = character.money_cents * rules.divorce_split_percent // 100
        return split, rules.divorce_happiness
    return 0, 0 if from_stage == "matched" else rules.breakup_happiness


def end(
    character: Character,
    romance: Romance,
    trigger: str,
    *,
    by: str,
    at: int,
    day: int,
    rules: RelationshipRules,
) -> tuple[Character, RelationshipChanged]:
    """End ``romance`` by ``trigger`` (``break_up`` or ``leave``): the romance is
    removed, the assets split and happiness moved (module rules)."""
    to_stage = TRANSITIONS[romance.stage, trigger]
    if to_stage not in ENDINGS:
        raise ValueError(f"{trigger!r} does not end a relationship: use shift()")
    split, happiness = _costs(character, romance.stage, to_stage, rules)
    dating = character.dating
    kept = tuple(held for held in dating.romances if held.npc.id != romance.npc.id)
    character = _with_happiness(
        evolve(
            character,
            money_cents=character.money_cents - split,
            dating=evolve(dating, romances=kept),
        ),
        happiness,
    )
    changed = RelationshipChanged(
        at=at,
        life=character.life,
        npc_id=romance.npc.id,
        from_stage=romance.stage,
        to_stage=to_stage,
        trigger=trigger,
        by=by,
        money_cents=split,
        day=day,
    )
    return character, changed


def leave_if_unloved(
    character: Character,
    romance: Romance,
    *,
    at: int,
    day: int,
    rules: RelationshipRules,
) -> tuple[Character, tuple[RelationshipChanged, ...]]:
    """The NPC of ``romance`` (as it is in ``character``) leaves, ``by`` ``npc``, if
    its affection is below ``leave_below``; otherwise nothing happens."""
    if romance.npc_affection >= rules.leave_below:
        return character, ()
    character, changed = end(
        character, romance, "leave", by="npc", at=at, day=day, rules=rules
    )
    return character, (changed,)


def caption(template: str, romance: Romance, venue: str = "") -> str:
    """Fill a photo caption's placeholders (module rules)."""
    values = {"partner": romance.npc.name.split()[0], "venue": venue}
    return fill(template, values)


def photo_added(character: Character, text: str, *, at: int, day: int) -> PhotoAdded:
    """The ``PhotoAdded`` event of an album photo of this life."""
    return PhotoAdded(at=at, life=character.life, caption=text, day=day)
