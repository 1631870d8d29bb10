"""Tests of ``baolife_core.dating.npcs``: the pool, its keys and streams, the
character's profile and the suggestion filters.

Characters live on content where nobody dies and no storylet happens
(``content_packs.IMMORTAL``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.dating.npcs import (
    age_range,
    character_id,
    character_interests,
    character_profile,
    character_traits,
    grammar_bio,
    npc_age,
    npc_id,
    npc_pool,
    npc_profile,
    pool_index,
    suggestion,
    suggestions,
)
from baolife_core.ids import BAOLIFE_NAMESPACE
from baolife_core.life.calendar import age_on
from baolife_core.rng import stream
from baolife_core.state import (
    Career,
    Character,
    Dating,
    Death,
    Job,
    Npc,
    PlayerState,
    Romance,
    StoryState,
)
from content_packs import IMMORTAL
from lives import aged, born

RULES = IMMORTAL.dating
LIFE = IMMORTAL.life
JOB = Job(id="retail_clerk", since_day=0, performance=50, months=0)


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def with_dating(state: PlayerState, **changes: Any) -> PlayerState:
    """``state`` with the character's ``Dating`` changed."""
    character = hero(state)
    dating = evolve(character.dating, **changes)
    return evolve(state, character=evolve(character, dating=dating))


def pool_of(state: PlayerState) -> tuple[Npc, ...]:
    """The pool of the state's day."""
    return npc_pool(state.seed, hero(state), state.clock.day, RULES, LIFE)


class TestPool:
    """The pool is drawn from the documented keys and streams."""

    def test_size_and_keys(self) -> None:
        """``pool_size`` NPCs, ids uuid5 of ``seed/npc/life:k:n``."""
        state = aged(20)
        k = pool_index(state.clock.day, RULES)
        expected = [
            str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{state.seed}/npc/1:{k}:{n}"))
            for n in range(RULES.pool_size)
        ]
        assert expected == [npc.id for npc in pool_of(state)]
        assert expected[0] == npc_id(state.seed, f"1:{k}:0")

    def test_deterministic(self) -> None:
        """The same seed, character and day give the same pool."""
        assert pool_of(aged(20)) == pool_of(aged(20))

    def test_same_all_days_of_a_pool(self) -> None:
        """A pool is the same on each of its days, across a birthday too."""
        state = aged(20)
        start = pool_index(state.clock.day, RULES) * RULES.pool_days
        pools = {
            npc_pool(state.seed, hero(state), day, RULES, LIFE)
            for day in range(start, start + RULES.pool_days)
        }
        assert 1 == len(pools)

    @pytest.mark.parametrize("seed", range(1, 6))
    def test_no_birthday_within_a_pool(self, seed: int) -> None:
        """An NPC's age is the same on every day of its pool, so the age its bio
        states is the age ``get_matches`` shows."""
        state = evolve(aged(25), seed=seed)
        start = pool_index(state.clock.day, RULES) * RULES.pool_days
        for npc in pool_of(state):
            ages = {
                npc_age(npc, day, LIFE) for day in range(start, start + RULES.pool_days)
            }
            assert 1 == len(ages)

    def test_next_pool_and_next_life_differ(self) -> None:
        """Another pool, or another life, meets other NPCs."""
        state = aged(20)
        day = state.clock.day
        first = {n.id for n in pool_of(state)}
        later = npc_pool(state.seed, hero(state), day + RULES.pool_days, RULES, LIFE)
        other_life = npc_pool(state.seed, evolve(hero(state), life=2), day, RULES, LIFE)
        assert not first & {n.id for n in later}
        assert not first & {n.id for n in other_life}

    @pytest.mark.parametrize("years", [18, 30, 55])
    def test_ages_around_the_character(self, years: int) -> None:
        """NPC ages are within the character's age ± ``age_gap``, never below
        ``min_age``, and the birth day makes the age right on the pool's start."""
        state = aged(years)
        start = pool_index(state.clock.day, RULES) * RULES.pool_days
        age = age_on(hero(state), start, LIFE)
        for npc in pool_of(state):
            drawn = npc_age(npc, start, LIFE)
            assert max(RULES.min_age, age - RULES.age_gap) <= drawn
            assert drawn <= max(RULES.min_age, age + RULES.age_gap)

    def test_seventeen_year_olds_meet_adults(self) -> None:
        """A pool of a character under ``min_age`` holds adults only."""
        state = aged(15)
        assert all(
            npc_age(n, state.clock.day, LIFE) >= RULES.min_age for n in pool_of(state)
        )

    @given(seed=st.integers(min_value=0, max_value=2**63 - 1))
    def test_fields_within_content(self, seed: int) -> None:
        """Every field is drawn from the content's vocabularies and ranges."""
        character = hero(aged(25))
        genders = LIFE.character.genders
        interests = [i.id for i in RULES.interests]
        low, high = RULES.interests_per_person
        for npc in npc_pool(seed, character, 900, RULES, LIFE):
            assert npc.gender in genders
            assert npc.name.split()[0] in LIFE.first_names(npc.gender)
            assert npc.name.split()[1] in LIFE.surnames
            assert npc.seeking
            assert set(npc.seeking) <= set(genders)
            assert 10 <= npc.looks <= 90
            assert low <= len(npc.interests) <= high
            assert set(npc.interests) <= set(interests)
            assert tuple(sorted(set(npc.interests))) == npc.interests
            assert tuple(sorted(npc.traits)) == npc.traits
            assert tuple(sorted(npc.dealbreakers)) == npc.dealbreakers
            age = npc_age(npc, pool_index(900, RULES) * RULES.pool_days, LIFE)
            assert npc.bio == grammar_bio(seed, npc, age, RULES)

    def test_orientations_and_traits_occur(self) -> None:
        """Over many NPCs, every orientation, trait and dealbreaker occurs."""
        character = hero(aged(25))
        npcs = [
            npc
            for seed in range(40)
            for npc in npc_pool(seed, character, 900, RULES, LIFE)
        ]
        seeking = Counter(
            "same"
            if n.seeking == (n.gender,)
            else "any"
            if len(n.seeking) == len(LIFE.character.genders)
            else "other"
            for n in npcs
        )
        assert {"same", "any", "other"} == set(seeking)
        assert {t.id for t in RULES.traits} == {t for n in npcs for t in n.traits}
        assert {d.id for d in RULES.dealbreakers} == {
            d for n in npcs for d in n.dealbreakers
        }

    def test_orientation_seeks(self) -> None:
        """``other`` seeks every other gender, ``same`` its own, ``any`` all."""
        character = hero(aged(25))
        genders = set(LIFE.character.genders)
        for npc in npc_pool(3, character, 900, RULES, LIFE):
            assert npc.seeking in (
                (npc.gender,),
                tuple(sorted(genders)),
                tuple(sorted(genders - {npc.gender})),
            )


class TestCharacterProfile:
    """The character's interests, traits and id."""

    def test_drawn_interests(self) -> None:
        """Without a choice, interests are drawn from ``("interests", life)``."""
        state = aged(20)
        interests = character_interests(state.seed, hero(state), RULES)
        low, high = RULES.interests_per_person
        assert low <= len(interests) <= high
        assert interests == character_interests(state.seed, hero(state), RULES)
        other = character_interests(state.seed, evolve(hero(state), life=2), RULES)
        assert interests != other
        rng = stream(state.seed, "interests", 1)
        assert rng.between(low, high) == len(interests)

    def test_chosen_interests(self) -> None:
        """Chosen interests replace the drawn ones, even none."""
        state = with_dating(aged(20), interests=("jazz",))
        assert ("jazz",) == character_interests(state.seed, hero(state), RULES)
        state = with_dating(state, interests=())
        assert () == character_interests(state.seed, hero(state), RULES)

    def test_traits_from_flags(self) -> None:
        """Career and story flags give traits; a trait without a flag never."""
        character = hero(aged(20))
        assert () == character_traits(character, RULES)
        character = evolve(
            character,
            career=Career(degrees=("university",), job=JOB),
            story=StoryState(flags=("driver", "has_pet", "smoker")),
        )
        assert ("driver", "employed", "has_degree", "has_pet") == character_traits(
            character, RULES
        )

    def test_profiles(self) -> None:
        """The character's id is ``seed/life``; an NPC's profile is its fields."""
        state = with_dating(aged(20), dealbreakers=("no_smokers",))
        profile = character_profile(state.seed, hero(state), RULES)
        assert (f"{state.seed}/1", ("no_smokers",)) == (
            profile.id,
            profile.dealbreakers,
        )
        assert character_id(state.seed, hero(state)) == profile.id
        npc = pool_of(state)[0]
        them = npc_profile(npc)
        assert (npc.id, npc.interests, npc.traits) == (
            them.id,
            them.interests,
            them.traits,
        )


class TestSuggestions:
    """Suggestions are the pool's NPCs eligible both ways."""

    def test_none_before_min_age_or_without_a_life(self) -> None:
        """A child, a dead character and no character have none."""
        assert () == suggestions(aged(17), IMMORTAL)
        state = aged(20)
        assert suggestions(state, IMMORTAL)
        death = Death(day=state.clock.day, age=20, cause="accident", epitaph="-")
        dead = evolve(state, character=evolve(hero(state), death=death))
        assert () == suggestions(dead, IMMORTAL)
        assert () == suggestions(evolve(state, character=None), IMMORTAL)

    def test_both_ways_eligible(self) -> None:
        """Each suggestion seeks the character's gender, and both ages fit."""
        for seed in range(6):
            state = aged(24, seed)
            character = hero(state)
            age = age_on(character, state.clock.day, LIFE)
            low, high = age_range(character, age, RULES)
            found = suggestions(state, IMMORTAL)
            assert found
            for npc in found:
                their_age = npc_age(npc, state.clock.day, LIFE)
                assert character.gender in npc.seeking
                assert low <= their_age <= high
                assert abs(their_age - age) <= RULES.age_gap
            excluded = [n for n in pool_of(state) if n not in found]
            assert all(character.gender not in n.seeking for n in excluded)

    def test_seeking_preference(self) -> None:
        """A character seeking one gender is suggested that gender only."""
        for gender in LIFE.character.genders:
            state = with_dating(aged(24, 2), seeking=(gender,))
            assert all(n.gender == gender for n in suggestions(state, IMMORTAL))

    def test_age_preference(self) -> None:
        """An age range narrows the suggestions to it."""
        state = aged(24, 2)
        wide = suggestions(state, IMMORTAL)
        narrow = suggestions(with_dating(state, min_age=24, max_age=25), IMMORTAL)
        day = state.clock.day
        assert set(narrow) <= set(wide)
        assert all(24 <= npc_age(n, day, LIFE) <= 25 for n in narrow)

    def test_seen_and_romances_excluded(self) -> None:
        """An NPC seen in this pool or in a relationship is not suggested; one
        seen in another pool does not count."""
        state = aged(24, 2)
        first, second = suggestions(state, IMMORTAL)[:2]
        k = pool_index(state.clock.day, RULES)
        seen = with_dating(state, pool=k, seen=(first.id,))
        assert first not in suggestions(seen, IMMORTAL)
        assert first in suggestions(
            with_dating(state, pool=k - 1, seen=(first.id,)), IMMORTAL
        )
        romance = Romance(second, "matched", 0, 35, 35, 50, 0)
        loved = with_dating(state, romances=(romance,))
        assert second not in suggestions(loved, IMMORTAL)
        assert None is suggestion(loved, second.id, IMMORTAL)
        assert first == suggestion(loved, first.id, IMMORTAL)

    def test_age_range_defaults(self) -> None:
        """The default range is the age ± ``age_gap``, never below ``min_age``;
        a preference wins."""
        character = hero(born())
        assert (18, 28) == age_range(character, 20, RULES)
        assert (22, 38) == age_range(character, 30, RULES)
        chosen = evolve(character, dating=Dating(min_age=40, max_age=None))
        assert (40, 38) == age_range(chosen, 30, RULES)

    def test_pool_changes_with_the_week(self) -> None:
        """Suggestions come from the pool of the state's own day."""
        state = aged(24, 2)
        later = evolve(
            state,
            clock=evolve(state.clock, day=state.clock.day + RULES.pool_days),
        )
        assert not {n.id for n in suggestions(state, IMMORTAL)} & {
            n.id for n in suggestions(later, IMMORTAL)
        }
