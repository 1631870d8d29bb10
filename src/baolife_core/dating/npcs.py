"""NPCs: the candidate pool, the grammar bio and the preference filters.

Rules of this module (DESIGN.md "Determinism rules" 1 and 3; docs/dating.md "NPCs
and the candidate pool"):

- The pool of game day ``d`` has index ``k = d // pool_days``; it is redrawn every
  ``pool_days`` game days. Its NPC ``n`` (``0 .. pool_size-1``) has the key
  ``f"{life}:{k}:{n}"``, the id ``uuid5(BAOLIFE_NAMESPACE, f"{seed}/npc/{key}")``,
  and every field drawn from the stream ``("npc", key)`` — its bio from
  ``("bio", npc_id)``. The pool is computed on read, never stored, so ``advance``
  stays split invariant.
- Every field is a function of the seed, the key and the character's birth day:
  ages are drawn around the character's age on the pool's first day (within
  ``age_gap``, never below ``min_age``), so one pool stays the same all its days.
- An NPC is drawn in this order: gender (the life rules' weights), first name
  and surname, orientation, age, looks and the Big Five (the life rules'
  ranges), interests, traits, dealbreakers (each by its content percentage).
- A *suggestion* is an NPC of the current pool both ways eligible: its gender is
  one the character seeks (any when none is set) and the character's gender one
  it seeks; each one's age is within the other's range (a preference, or the own
  age ± ``age_gap``, never below ``min_age``); it is no relationship of the
  character and was not liked or passed in this pool (``Dating.seen``).
- The character's interests are its chosen ones, else a draw from the stream
  ``("interests", life)``; its traits are the content traits whose flag it holds
  (a system flag of its career or a story flag).
"""

from __future__ import annotations

import uuid

from attrs import evolve

from ..catalog import Catalog
from ..ids import BAOLIFE_NAMESPACE
from ..life.calendar import age_on
from ..life.careers import system_flags
from ..life.grammar import expand
from ..life.rules import STAT_NAMES, LifeRules
from ..rng import Stream, stream
from ..state import Character, Npc, Personality, PlayerState
from .compatibility import Profile
from .rules import DatingRules
from .stages import find_romance

__all__ = [
    "age_range",
    "character_id",
    "character_interests",
    "character_profile",
    "character_traits",
    "grammar_bio",
    "npc_age",
    "npc_id",
    "npc_pool",
    "npc_profile",
    "pool_index",
    "suggestion",
    "suggestions",
]


def pool_index(day: int, rules: DatingRules) -> int:
    """The index of the pool of game day ``day``."""
    return day // rules.pool_days


def npc_id(seed: int, key: str) -> str:
    """The id of the NPC drawn under ``key`` (module rules)."""
    return str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{seed}/npc/{key}"))


def npc_age(npc: Npc, day: int, life_rules: LifeRules) -> int:
    """The NPC's age in game years on game day ``day``."""
    return max(0, day - npc.born_day) // life_rules.days_per_year


def character_id(seed: int, character: Character) -> str:
    """The character's id in the chemistry hash: ``f"{seed}/{life}"``."""
    return f"{seed}/{character.life}"


def _interests(rng: Stream, rules: DatingRules) -> tuple[str, ...]:
    """Between ``interests_per_person`` distinct interests, sorted."""
    left = [interest.id for interest in rules.interests]
    count = rng.between(*rules.interests_per_person)
    return tuple(sorted(left.pop(rng.below(len(left))) for _ in range(count)))


def _seeking(gender: str, seeks: str, genders: tuple[str, ...]) -> tuple[str, ...]:
    if seeks == "same":
        return (gender,)
    if seeks == "other":
        return tuple(sorted(g for g in genders if g != gender))
    return tuple(sorted(genders))


def grammar_bio(seed: int, npc: Npc, age: int, rules: DatingRules) -> str:
    """The default bio of ``npc`` (its ``bio`` field is ignored), from the stream
    ``("bio", npc.id)``; every template names one of the NPC's interests."""
    rng = stream(seed, "bio", npc.id)
    names = {interest.id: interest.name for interest in rules.interests}
    interests = [names[i] for i in npc.interests]
    first = interests.pop(rng.below(len(interests)))
    values = {
        "first_name": npc.name.split()[0],
        "age": str(age),
        "interest": first,
        "other_interest": rng.choice(interests),
    }
    return expand(rng.choice(rules.bio.templates), rules.bio.grammar, rng, values)


def _npc(
    seed: int, key: str, age: int, start: int, rules: DatingRules, life: LifeRules
) -> Npc:
    """The NPC drawn under ``key`` for a character ``age`` years old on game day
    ``start`` (the pool's first day)."""
    identifier = npc_id(seed, key)
    rng = stream(seed, "npc", key)
    genders = life.character.genders
    weights = zip(genders, life.character.gender_weights, strict=True)
    gender = rng.weighted([(g, w) for g, w in weights if w])
    name = f"{rng.choice(life.first_names(gender))} {rng.choice(life.surnames)}"
    orientation = rng.weighted([(o, o.weight) for o in rules.orientations if o.weight])
    low = max(rules.min_age, age - rules.age_gap)
    drawn_age = rng.between(low, max(low, age + rules.age_gap))
    # The birthday falls outside the pool's days, so its age (and its bio's) holds
    # on every day the pool is suggested.
    birthday_room = max(1, life.days_per_year - rules.pool_days + 1)
    born_day = start - drawn_age * life.days_per_year - rng.below(birthday_room)
    looks = rng.between(*life.character.stat_ranges[STAT_NAMES.index("looks")])
    trait_range = life.character.personality
    personality = Personality(*(rng.between(*trait_range) for _ in range(5)))
    interests = _interests(rng, rules)
    traits = tuple(sorted(t.id for t in rules.traits if rng.chance(t.npc_percent, 100)))
    dealbreakers = tuple(
        sorted(d.id for d in rules.dealbreakers if rng.chance(d.npc_percent, 100))
    )
    npc = Npc(
        id=identifier,
        name=name,
        gender=gender,
        seeking=_seeking(gender, orientation.seeks, genders),
        born_day=born_day,
        looks=looks,
        personality=personality,
        interests=interests,
        traits=traits,
        dealbreakers=dealbreakers,
        bio="",
    )
    return evolve(npc, bio=grammar_bio(seed, npc, drawn_age, rules))


def npc_pool(
    seed: int, character: Character, day: int, rules: DatingRules, life: LifeRules
) -> tuple[Npc, ...]:
    """The pool of game day ``day`` for ``character``, in draw order (module rules)."""
    k = pool_index(day, rules)
    start = k * rules.pool_days
    age = age_on(character, start, life)
    return tuple(
        _npc(seed, f"{character.life}:{k}:{n}", age, start, rules, life)
        for n in range(rules.pool_size)
    )


def character_interests(
    seed: int, character: Character, rules: DatingRules
) -> tuple[str, ...]:
    """The character's chosen interests, else those drawn for its life."""
    chosen = character.dating.interests
    if chosen is not None:
        return chosen
    return _interests(stream(seed, "interests", character.life), rules)


def character_traits(character: Character, rules: DatingRules) -> tuple[str, ...]:
    """The traits whose flag the character holds, sorted."""
    flags = system_flags(character.career).union(character.story.flags)
    return tuple(
        sorted(t.id for t in rules.traits if t.flag is not None and t.flag in flags)
    )


def character_profile(seed: int, character: Character, rules: DatingRules) -> Profile:
    """What compatibility reads of the character."""
    return Profile(
        id=character_id(seed, character),
        personality=character.personality,
        interests=character_interests(seed, character, rules),
        traits=character_traits(character, rules),
        dealbreakers=character.dating.dealbreakers,
    )


def npc_profile(npc: Npc) -> Profile:
    """What compatibility reads of an NPC."""
    return Profile(
        id=npc.id,
        personality=npc.personality,
        interests=npc.interests,
        traits=npc.traits,
        dealbreakers=npc.dealbreakers,
    )


def _around(age: int, rules: DatingRules) -> tuple[int, int]:
    """``age`` ± ``age_gap``, never below ``min_age``."""
    return max(rules.min_age, age - rules.age_gap), age + rules.age_gap


def age_range(character: Character, age: int, rules: DatingRules) -> tuple[int, int]:
    """The NPC ages the character dates: its preference, else its age ± ``age_gap``
    (never below ``min_age``)."""
    low, high = _around(age, rules)
    dating = character.dating
    return (
        low if dating.min_age is None else dating.min_age,
        high if dating.max_age is None else dating.max_age,
    )


def _eligible(
    character: Character, age: int, npc: Npc, their_age: int, rules: DatingRules
) -> bool:
    """Each one seeks the other's gender and fits the other's age range."""
    low, high = age_range(character, age, rules)
    their_low, their_high = _around(their_age, rules)
    seeking = character.dating.seeking
    return (
        (not seeking or npc.gender in seeking)
        and character.gender in npc.seeking
        and low <= their_age <= high
        and their_low <= age <= their_high
    )


def suggestions(state: PlayerState, catalog: Catalog) -> tuple[Npc, ...]:
    """The NPCs of the current pool the character may like or pass (module rules);
    none for a dead character or one younger than ``min_age``."""
    character = state.living
    rules, life = catalog.dating, catalog.life
    day = state.clock.day
    if character is None:
        return ()
    age = age_on(character, day, life)
    if age < rules.min_age:
        return ()
    dating = character.dating
    seen = dating.seen if dating.pool == pool_index(day, rules) else ()
    return tuple(
        npc
        for npc in npc_pool(state.seed, character, day, rules, life)
        if _eligible(character, age, npc, npc_age(npc, day, life), rules)
        and find_romance(character, npc.id) is None
        and npc.id not in seen
    )


def suggestion(state: PlayerState, npc_id: str, catalog: Catalog) -> Npc | None:
    """The suggestion with this id, or None."""
    return next((n for n in suggestions(state, catalog) if n.id == npc_id), None)
