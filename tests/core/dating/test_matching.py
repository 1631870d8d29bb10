"""Tests of ``baolife_core.dating.matching``: ``set_dating_preferences``, ``like``,
``pass`` and ``get_matches``.

Characters live on content where nobody dies and no storylet happens
(``content_packs.IMMORTAL``); every command is played through ``step``.
"""

from __future__ import annotations

from typing import Any

import pytest
from attrs import evolve

from baolife_core import Rejection, advance, new_player, replay, step
from baolife_core.commands import (
    Command,
    CreateCharacter,
    Like,
    NewPlayer,
    Pass,
    SetDatingPreferences,
)
from baolife_core.dating.compatibility import compatibility
from baolife_core.dating.matching import (
    REASONS_SHOWN,
    like_chance,
    match_list,
)
from baolife_core.dating.npcs import (
    character_profile,
    npc_age,
    npc_pool,
    npc_profile,
    pool_index,
    suggestions,
)
from baolife_core.events import (
    DatingPreferencesSet,
    MatchMade,
    NpcLiked,
    NpcPassed,
)
from baolife_core.outcome import Outcome
from baolife_core.replies import (
    AGE_RESTRICTED,
    INVALID_STATE,
    NOT_FOUND,
    DatingPreferencesUpdated,
    LikeResult,
    MatchList,
    Passed,
)
from baolife_core.rng import stream
from baolife_core.state import Character, Npc, PlayerState, Romance
from content_packs import DOOMED, IMMORTAL
from events import own_events
from lives import T0, WALL_DAY, aged, at_day

RULES = IMMORTAL.dating
LIFE = IMMORTAL.life


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def now(state: PlayerState) -> int:
    """The state's clock instant."""
    return state.clock.now_at


def top(state: PlayerState) -> Npc:
    """The first suggestion."""
    found = suggestions(state, IMMORTAL)
    assert found
    return found[0]


def play(state: PlayerState, command: Command) -> Outcome:
    """``command`` through the engine on ``IMMORTAL`` content."""
    return step(state, command, IMMORTAL)


def liked(seed: int, *, matched: bool) -> tuple[PlayerState, Outcome]:
    """A 24-year-old's like of some suggestion with the given result."""
    for s in range(seed, seed + 60):
        state = aged(24, s)
        for npc in suggestions(state, IMMORTAL):
            outcome = play(state, Like(at=now(state), npc_id=npc.id))
            reply = outcome.reply
            assert isinstance(reply, LikeResult)
            if reply.matched == matched:
                return state, outcome
    raise AssertionError("no like with that result")


def rejected(state: PlayerState, command: Command, code: str) -> None:
    """``command`` is refused with ``code`` and changes nothing."""
    outcome = play(state, command)
    assert isinstance(outcome.reply, Rejection)
    assert (code, state, ()) == (outcome.reply.code, outcome.state, outcome.events)


def with_romances(state: PlayerState, count: int) -> PlayerState:
    """``state`` with ``count`` matches of NPCs from long-gone pools."""
    character = hero(state)
    others = [
        npc
        for day in range(0, 7 * count, 7)
        for npc in npc_pool(state.seed, character, day, RULES, LIFE)
    ][:count]
    romances = tuple(Romance(n, "matched", 0, 35, 35, 50, 0) for n in others)
    dating = evolve(character.dating, romances=romances)
    return evolve(state, character=evolve(character, dating=dating))


# -- set_dating_preferences -------------------------------------------------------


class TestPreferences:
    """``set_dating_preferences`` validates and stores whom the character dates."""

    def test_defaults_resolved(self) -> None:
        """An empty command keeps the drawn interests and the age ± gap."""
        state = aged(24)
        outcome = play(state, SetDatingPreferences(at=now(state)))
        interests = character_profile(state.seed, hero(state), RULES).interests
        expected = DatingPreferencesUpdated((), 18, 32, interests, ())
        assert expected == outcome.reply
        event = DatingPreferencesSet(now(state), 1, (), 18, 32, interests, ())
        assert (event,) == own_events(outcome.events)
        assert state.seq + 1 == outcome.state.seq

    def test_choices_stored_sorted(self) -> None:
        """Genders, interests and dealbreakers are stored sorted."""
        state = aged(30)
        command = SetDatingPreferences(
            at=now(state),
            seeking=("male", "female"),
            min_age=25,
            max_age=40,
            interests=("jazz", "cooking"),
            dealbreakers=("no_smokers", "needs_job"),
        )
        outcome = play(state, command)
        dating = hero(outcome.state).dating
        assert (("female", "male"), 25, 40, ("cooking", "jazz")) == (
            dating.seeking,
            dating.min_age,
            dating.max_age,
            dating.interests,
        )
        assert ("needs_job", "no_smokers") == dating.dealbreakers
        assert (
            DatingPreferencesUpdated(
                ("female", "male"),
                25,
                40,
                ("cooking", "jazz"),
                ("needs_job", "no_smokers"),
            )
            == outcome.reply
        )

    def test_one_age_given(self) -> None:
        """One bound given, the other follows the character's age."""
        state = aged(30)
        outcome = play(state, SetDatingPreferences(at=now(state), max_age=33))
        reply = outcome.reply
        assert isinstance(reply, DatingPreferencesUpdated)
        assert (22, 33) == (reply.min_age, reply.max_age)
        assert (None, 33) == (
            hero(outcome.state).dating.min_age,
            hero(outcome.state).dating.max_age,
        )

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"seeking": ("robot",)}, NOT_FOUND),
            ({"interests": ("jazz", "knitting")}, NOT_FOUND),
            ({"dealbreakers": ("no_vampires",)}, NOT_FOUND),
            ({"min_age": 40, "max_age": 30}, INVALID_STATE),
            ({"min_age": 40}, INVALID_STATE),
            ({"min_age": 16, "max_age": 30}, INVALID_STATE),
            ({"max_age": 17}, INVALID_STATE),
        ],
    )
    def test_rejections(self, changes: dict[str, Any], code: str) -> None:
        """Unknown ids are ``not_found``; a bad age range ``invalid_state``."""
        state = aged(24)
        command = evolve(SetDatingPreferences(at=now(state)), **changes)
        rejected(state, command, code)

    def test_too_young(self) -> None:
        """Before ``min_age`` a character does not date."""
        state = aged(17)
        rejected(state, SetDatingPreferences(at=now(state)), AGE_RESTRICTED)

    def test_no_living_character(self) -> None:
        """No character, or a dead one, cannot set preferences."""
        state = new_player(seed=1, at=T0, catalog=IMMORTAL)
        rejected(state, SetDatingPreferences(at=T0), INVALID_STATE)
        dead = step(state, CreateCharacter(at=T0), DOOMED).state
        dead = advance(dead, T0 + 2 * WALL_DAY, DOOMED)
        assert hero(dead).death is not None
        outcome = step(dead, SetDatingPreferences(at=now(dead)), DOOMED)
        assert isinstance(outcome.reply, Rejection)
        assert (INVALID_STATE, dead) == (outcome.reply.code, outcome.state)


# -- like -------------------------------------------------------------------------


class TestLike:
    """``like``: the NPC's own interest decides a match."""

    def test_both_outcomes_occur(self) -> None:
        """Across seeds, some likes are returned and some are not."""
        results = set()
        for seed in range(12):
            state = aged(24, seed)
            npc = top(state)
            reply = play(state, Like(at=now(state), npc_id=npc.id)).reply
            assert isinstance(reply, LikeResult)
            results.add(reply.matched)
        assert {True, False} == results

    def test_roll_is_the_documented_stream(self) -> None:
        """The match is a roll of the chance on ``("like", "life:npc_id")``."""
        for seed in range(8):
            state = aged(24, seed)
            npc = top(state)
            profile = character_profile(state.seed, hero(state), RULES)
            score = compatibility(profile, npc_profile(npc), RULES).score
            chance = like_chance(score, hero(state).stats.looks, RULES)
            roll = stream(state.seed, "like", f"1:{npc.id}")
            reply = play(state, Like(at=now(state), npc_id=npc.id)).reply
            assert LikeResult(npc.id, roll.chance(chance, 100), score) == reply

    def test_deterministic_and_replayable(self) -> None:
        """The same like gives the same outcome, and a journal replays it."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=T0, seed=9),
            CreateCharacter(at=T0),
        ]
        later = at_day(24 * LIFE.days_per_year)
        aged_state = advance(replay(journal, IMMORTAL), later, IMMORTAL)
        npc = top(aged_state)
        journal.append(Like(at=later, npc_id=npc.id))
        first = play(aged_state, Like(at=later, npc_id=npc.id))
        assert first == play(aged_state, Like(at=later, npc_id=npc.id))
        assert first.state == replay(journal, IMMORTAL)

    def test_match(self) -> None:
        """A match adds a ``Romance`` and emits ``NpcLiked`` and ``MatchMade``."""
        state, outcome = liked(0, matched=True)
        reply = outcome.reply
        assert isinstance(reply, LikeResult)
        npc = next(n for n in suggestions(state, IMMORTAL) if n.id == reply.npc_id)
        profile = character_profile(state.seed, hero(state), RULES)
        fit = compatibility(profile, npc_profile(npc), RULES)
        day = state.clock.day
        start = RULES.relationships.start_affection
        romance = Romance(npc, "matched", day, start, start, fit.score, 0)
        dating = hero(outcome.state).dating
        assert (romance,) == dating.romances
        assert ((npc.id,), pool_index(day, RULES)) == (dating.seen, dating.pool)
        made = MatchMade(
            at=now(state),
            life=1,
            npc_id=npc.id,
            name=npc.name,
            gender=npc.gender,
            age=npc_age(npc, day, LIFE),
            bio=npc.bio,
            compatibility=fit.score,
            reasons=fit.top(REASONS_SHOWN),
            affection=RULES.relationships.start_affection,
            npc_affection=RULES.relationships.start_affection,
            day=day,
        )
        liked_event = NpcLiked(now(state), 1, npc.id, fit.score, True)
        assert (liked_event, made) == own_events(outcome.events)
        assert state.seq + 1 == outcome.state.seq
        assert npc not in suggestions(outcome.state, IMMORTAL)

    def test_no_match(self) -> None:
        """An unreturned like is seen, and nothing else changes."""
        state, outcome = liked(0, matched=False)
        reply = outcome.reply
        assert isinstance(reply, LikeResult)
        dating = hero(outcome.state).dating
        assert ((), (reply.npc_id,)) == (dating.romances, dating.seen)
        events = own_events(outcome.events)
        assert (NpcLiked(now(state), 1, reply.npc_id, reply.compatibility, False),) == (
            events
        )
        assert state.seq + 1 == outcome.state.seq

    def test_writer_bio_kept(self) -> None:
        """A like's ``bio`` is the NPC's bio in the match and its push."""
        state, outcome = liked(0, matched=True)
        reply = outcome.reply
        assert isinstance(reply, LikeResult)
        command = Like(at=now(state), npc_id=reply.npc_id, bio="Written elsewhere.")
        again = play(state, command)
        romance = hero(again.state).dating.romances[0]
        made = next(e for e in again.events if isinstance(e, MatchMade))
        assert ("Written elsewhere.", "Written elsewhere.") == (
            romance.npc.bio,
            made.bio,
        )

    def test_seen_resets_with_the_pool(self) -> None:
        """A like in a new pool forgets the NPCs seen in the last one."""
        state, outcome = liked(0, matched=False)
        later_at = now(state) + RULES.pool_days * WALL_DAY
        later = step(outcome.state, SetDatingPreferences(at=later_at), IMMORTAL).state
        npc = top(later)
        after = play(later, Like(at=now(later), npc_id=npc.id)).state
        dating = hero(after).dating
        assert ((npc.id,), pool_index(later.clock.day, RULES)) == (
            dating.seen,
            dating.pool,
        )

    def test_rejections(self) -> None:
        """Unknown, seen and matched NPCs are ``not_found``; a full heart is
        ``invalid_state``; a child ``age_restricted``; no life ``invalid_state``."""
        state = aged(24, 3)
        rejected(state, Like(at=now(state), npc_id="nobody"), NOT_FOUND)
        npc = top(state)
        seen = play(state, Pass(at=now(state), npc_id=npc.id)).state
        rejected(seen, Like(at=now(seen), npc_id=npc.id), NOT_FOUND)
        full = with_romances(state, RULES.max_romances)
        rejected(full, Like(at=now(full), npc_id=npc.id), INVALID_STATE)
        _, outcome = liked(3, matched=True)
        reply = outcome.reply
        assert isinstance(reply, LikeResult)
        after = outcome.state
        rejected(after, Like(at=now(after), npc_id=reply.npc_id), NOT_FOUND)
        child = aged(17)
        npc_of_child = npc_pool(child.seed, hero(child), child.clock.day, RULES, LIFE)[
            0
        ]
        rejected(child, Like(at=now(child), npc_id=npc_of_child.id), AGE_RESTRICTED)
        nobody = new_player(seed=1, at=T0, catalog=IMMORTAL)
        rejected(nobody, Like(at=T0, npc_id=npc.id), INVALID_STATE)

    def test_one_below_the_limit(self) -> None:
        """With one relationship fewer than ``max_romances`` a like is taken."""
        state = with_romances(aged(24, 3), RULES.max_romances - 1)
        outcome = play(state, Like(at=now(state), npc_id=top(state).id))
        assert isinstance(outcome.reply, LikeResult)

    @pytest.mark.parametrize(
        ("score", "looks", "expected"),
        [(0, 50, 20), (100, 50, 80), (50, 90, 62), (0, 0, 5), (100, 100, 95)],
    )
    def test_like_chance(self, score: int, looks: int, expected: int) -> None:
        """base + score * 60 / 100 + (looks - 50) * 15 / 50, within 5..95."""
        assert expected == like_chance(score, looks, RULES)


# -- pass -------------------------------------------------------------------------


class TestPass:
    """``pass``: an NPC is not suggested again in this pool."""

    def test_pass(self) -> None:
        """A pass records the NPC as seen and emits ``NpcPassed``."""
        state = aged(24, 5)
        npc = top(state)
        outcome = play(state, Pass(at=now(state), npc_id=npc.id))
        profile = character_profile(state.seed, hero(state), RULES)
        score = compatibility(profile, npc_profile(npc), RULES).score
        assert Passed(npc.id) == outcome.reply
        assert (NpcPassed(now(state), 1, npc.id, score),) == own_events(outcome.events)
        assert (npc.id,) == hero(outcome.state).dating.seen
        assert npc not in suggestions(outcome.state, IMMORTAL)
        assert state.seq + 1 == outcome.state.seq

    def test_pass_with_a_full_heart(self) -> None:
        """Passing is allowed at ``max_romances``."""
        state = with_romances(aged(24, 5), RULES.max_romances)
        outcome = play(state, Pass(at=now(state), npc_id=top(state).id))
        assert isinstance(outcome.reply, Passed)

    def test_rejections(self) -> None:
        """Unknown or seen NPCs, children and no life are refused."""
        state = aged(24, 5)
        npc = top(state)
        rejected(state, Pass(at=now(state), npc_id="nobody"), NOT_FOUND)
        seen = play(state, Pass(at=now(state), npc_id=npc.id)).state
        rejected(seen, Pass(at=now(seen), npc_id=npc.id), NOT_FOUND)
        child = aged(16)
        rejected(child, Pass(at=now(child), npc_id=npc.id), AGE_RESTRICTED)
        nobody = new_player(seed=1, at=T0, catalog=IMMORTAL)
        rejected(nobody, Pass(at=T0, npc_id=npc.id), INVALID_STATE)


# -- get_matches ------------------------------------------------------------------


class TestMatchList:
    """``get_matches``: the best suggestions of the current pool."""

    def test_top_by_compatibility(self) -> None:
        """At most ``matches_shown``, best first then by id, with their reasons."""
        for seed in range(5):
            state = aged(24, seed)
            result = match_list(state, now(state), IMMORTAL)
            profile = character_profile(state.seed, hero(state), RULES)
            scored = sorted(
                (
                    (compatibility(profile, npc_profile(n), RULES), n)
                    for n in suggestions(state, IMMORTAL)
                ),
                key=lambda pair: (-pair[0].score, pair[1].id),
            )[: RULES.matches_shown]
            assert [(n.id, f.score, f.top(REASONS_SHOWN)) for f, n in scored] == [
                (m.npc_id, m.compatibility, m.reasons) for m in result.matches
            ]
            assert len(result.matches) <= RULES.matches_shown

    def test_entry_fields(self) -> None:
        """An entry shows the NPC: name, age, looks, bio, interest names."""
        state = aged(24, 1)
        entry = match_list(state, now(state), IMMORTAL).matches[0]
        npc = next(n for n in suggestions(state, IMMORTAL) if n.id == entry.npc_id)
        names = {i.id: i.name for i in RULES.interests}
        assert (
            npc.name,
            npc.gender,
            npc_age(npc, state.clock.day, LIFE),
            npc.looks,
            npc.bio,
            tuple(names[i] for i in npc.interests),
        ) == (
            entry.name,
            entry.gender,
            entry.age,
            entry.looks,
            entry.bio,
            entry.interests,
        )

    def test_refreshes_day(self) -> None:
        """The next pool is drawn on ``(k + 1) * pool_days``."""
        state = aged(24, 1)
        k = pool_index(state.clock.day, RULES)
        result = match_list(state, now(state), IMMORTAL)
        assert (k + 1) * RULES.pool_days == result.refreshes_day

    def test_advances_to_at(self) -> None:
        """The query reads the pool of ``at``, not of the stored clock."""
        state = aged(24, 1)
        later = now(state) + RULES.pool_days * WALL_DAY
        result = match_list(state, later, IMMORTAL)
        k = pool_index(state.clock.day + RULES.pool_days, RULES)
        assert (k + 1) * RULES.pool_days == result.refreshes_day
        before = {m.npc_id for m in match_list(state, now(state), IMMORTAL).matches}
        assert not before & {m.npc_id for m in result.matches}

    def test_empty_without_a_dater(self) -> None:
        """No character, a child and the dead get an empty list."""
        nobody = new_player(seed=1, at=T0, catalog=IMMORTAL)
        assert MatchList(RULES.pool_days, ()) == match_list(nobody, T0, IMMORTAL)
        child = aged(17)
        assert () == match_list(child, now(child), IMMORTAL).matches
        dead = step(nobody, CreateCharacter(at=T0), DOOMED).state
        assert () == match_list(dead, T0 + 30 * WALL_DAY, DOOMED).matches

    def test_liked_leave_the_list(self) -> None:
        """A liked or passed NPC is no longer listed."""
        state = aged(24, 1)
        first = match_list(state, now(state), IMMORTAL).matches[0]
        after = play(state, Pass(at=now(state), npc_id=first.npc_id)).state
        listed = match_list(after, now(after), IMMORTAL).matches
        assert first.npc_id not in {m.npc_id for m in listed}
