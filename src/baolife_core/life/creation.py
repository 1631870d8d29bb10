"""``create_character``: begin a life, the first or a new one after death.

Rules of this module (issue "Characters"; DESIGN.md "Determinism rules"):

- Refused with ``invalid_state`` while a character is alive; after a death it starts
  a new life (``life`` + 1). Account progress (diamonds, energy, seq) carries over.
- What the command does not give is drawn from the stream
  ``("character", life)``, in this order: gender (by the content's weights), first
  name, surname, the seven stats, the five personality traits, then the family —
  mother, father, and 0..``max_siblings`` older siblings. Changing that order changes
  every new character, so it is pinned by the golden journal.
- A given ``gender`` must be one of the content's genders (else ``not_found``); a given
  ``name`` is used as it is, and its last word becomes the family's surname.
- The character is born today (the clock's game day), as a baby, with no money.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import CreateCharacter
from ..events import CharacterBorn
from ..ids import mint_id
from ..outcome import Outcome, reject
from ..replies import INVALID_STATE, NOT_FOUND, CharacterCreated
from ..rng import Stream, stream
from ..state import Character, Personality, PlayerState, Relative, Stats, StoryState
from .rules import LifeRules

__all__ = ["create_character"]


def _gender(rng: Stream, rules: LifeRules) -> str:
    weights = zip(rules.character.genders, rules.character.gender_weights, strict=True)
    return rng.weighted([(gender, weight) for gender, weight in weights if weight])


def _relative(
    rng: Stream,
    rules: LifeRules,
    *,
    relative_id: str,
    role: str,
    gender: str,
    surname: str,
    born_day: int,
) -> Relative:
    return Relative(
        id=relative_id,
        role=role,
        name=f"{rng.choice(rules.first_names(gender))} {surname}",
        gender=gender,
        born_day=born_day,
        closeness=rng.between(50, 95),
        alive=True,
    )


def _family(
    rng: Stream, rules: LifeRules, state: PlayerState, seq: int, surname: str
) -> tuple[Relative, ...]:
    today, year = state.clock.day, rules.days_per_year
    parents = [
        _relative(
            rng,
            rules,
            relative_id=mint_id(state.seed, seq, f"relative/{n}"),
            role=role,
            gender=gender,
            surname=surname,
            born_day=today - rng.between(20, 40) * year,
        )
        for n, (role, gender) in enumerate((("mother", "female"), ("father", "male")))
        if gender in rules.character.genders
    ]
    siblings = [
        _relative(
            rng,
            rules,
            relative_id=mint_id(state.seed, seq, f"relative/{2 + n}"),
            role="sibling",
            gender=_gender(rng, rules),
            surname=surname,
            born_day=today - rng.between(1, 10) * year,
        )
        for n in range(rng.between(0, rules.character.max_siblings))
    ]
    return (*parents, *siblings)


def create_character(
    state: PlayerState, command: CreateCharacter, catalog: Catalog
) -> Outcome:
    """Begin a life for the player (see the module rules)."""
    previous = state.character
    if previous is not None and previous.death is None:
        return reject(state, INVALID_STATE, "a life is being lived; it must end first")
    rules = catalog.life
    if command.gender is not None and command.gender not in rules.character.genders:
        return reject(state, NOT_FOUND, f"unknown gender {command.gender!r}")
    life = 1 if previous is None else previous.life + 1
    seq = state.seq + 1
    rng = stream(state.seed, "character", life)
    gender = _gender(rng, rules) if command.gender is None else command.gender
    first, surname = rng.choice(rules.first_names(gender)), rng.choice(rules.surnames)
    if command.name is not None:
        surname = command.name.split()[-1]
    name = command.name or f"{first} {surname}"
    stats = Stats(
        *(rng.between(low, high) for low, high in rules.character.stat_ranges)
    )
    low, high = rules.character.personality
    personality = Personality(*(rng.between(low, high) for _ in range(5)))
    character = Character(
        life=life,
        name=name,
        gender=gender,
        born_day=state.clock.day,
        stage=rules.stages[0].id,
        stats=stats,
        personality=personality,
        money_cents=0,
        family=_family(rng, rules, state, seq, surname),
        location=catalog.activities.locations[0].id,
        busy_until=0,
        activity_day=state.clock.day,
        activity_counts=(),
        story=StoryState(),
        death=None,
    )
    born = CharacterBorn(
        at=command.at,
        life=life,
        name=name,
        gender=gender,
        stage=character.stage,
        day=state.clock.day,
    )
    return Outcome(
        state=evolve(state, seq=seq, character=character),
        events=(born,),
        reply=CharacterCreated(
            life=life, name=name, gender=gender, stage=character.stage
        ),
    )
