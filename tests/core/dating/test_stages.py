"""Tests of ``baolife_core.dating.stages``: the relationship transition table.

Every row of ``TRANSITIONS`` is played through the command or the storylet
function that uses it, every pair of a stage and a trigger that is no row is
refused (or does nothing), and a Hypothesis property plays random dating
commands: affections stay within 0..100 and at most one relationship is
committed. Characters live on ``content_packs.IMMORTAL`` content and find their
matches by liking suggestions; ``couple`` is this module's one fixture helper.
"""

from __future__ import annotations

import itertools

import pytest
from attrs import evolve
from hypothesis import event, given, note
from hypothesis import strategies as st

from baolife_core import PlayerState, advance, step
from baolife_core.commands import (
    AdvanceRelationship,
    BreakUp,
    Command,
    GoOnDate,
    Like,
)
from baolife_core.dating.matching import match_list
from baolife_core.dating.relationships import affect, move
from baolife_core.dating.stages import (
    ADVANCE_TRIGGER,
    COMMITTED,
    ENDINGS,
    SINGLE,
    STAGES,
    TRANSITIONS,
    current_romance,
    next_stage,
    relationship_stage,
)
from baolife_core.events import RelationshipChanged
from baolife_core.outcome import Outcome
from baolife_core.replies import LikeResult, Rejection
from baolife_core.state import Character
from content_packs import IMMORTAL
from lives import WALL_DAY, aged

RULES = IMMORTAL.dating
ENDS = RULES.relationships
TRIGGERS = sorted({trigger for _, trigger in TRANSITIONS})
NON_ROWS = [
    (stage, trigger)
    for stage, trigger in itertools.product(STAGES, TRIGGERS)
    if (stage, trigger) not in TRANSITIONS
]
RICH = 10_000_000


# -- helpers ------------------------------------------------------------------------


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def matches(state: PlayerState, count: int) -> tuple[PlayerState, list[str]]:
    """``state`` after liking the best suggestions until ``count`` matched."""
    found: list[str] = []
    for entry in match_list(state, state.clock.now_at, IMMORTAL).matches:
        outcome = step(
            state, Like(at=state.clock.now_at, npc_id=entry.npc_id), IMMORTAL
        )
        state = outcome.state
        assert isinstance(outcome.reply, LikeResult)
        if outcome.reply.matched:
            found.append(entry.npc_id)
            if len(found) == count:
                break
    assert count == len(found)
    return state, found


def couple(
    stage: str,
    *,
    affection: int = 100,
    npc_affection: int = 100,
    money_cents: int = RICH,
) -> tuple[PlayerState, str]:
    """The fixture helper: a 20-year-old's played match put at ``stage`` a year
    ago, with the affections and the cash given."""
    state, (npc_id,) = matches(aged(20), 1)
    character = hero(state)
    romances = tuple(
        evolve(
            r,
            stage=stage,
            since_day=state.clock.day - 36,
            affection=affection,
            npc_affection=npc_affection,
        )
        for r in character.dating.romances
    )
    character = evolve(
        character,
        money_cents=money_cents,
        dating=evolve(character.dating, romances=romances),
    )
    return evolve(state, character=character), npc_id


def changed(events: tuple[object, ...]) -> list[tuple[str, str, str]]:
    """``(from, to, trigger)`` of every ``RelationshipChanged``."""
    return [
        (e.from_stage, e.to_stage, e.trigger)
        for e in events
        if isinstance(e, RelationshipChanged)
    ]


def play_row(stage: str, trigger: str) -> tuple[str, str, str]:
    """Play the row ``(stage, trigger)`` the way the game does; the move made."""
    if trigger == "date" or (trigger == "leave" and stage == "matched"):
        # A date moves a match; a date so bad the NPC leaves ends it.
        state, npc_id = couple(stage, npc_affection=0 if trigger == "leave" else 50)
        command = GoOnDate(
            at=state.clock.now_at, npc_id=npc_id, venue="cafe", activity="coffee"
        )
        outcome = step(state, command, IMMORTAL)
    elif trigger in ("commit", "propose", "wed"):
        state, npc_id = couple(stage)
        command_ = AdvanceRelationship(at=state.clock.now_at, npc_id=npc_id)
        outcome = step(state, command_, IMMORTAL)
    elif trigger == "break_up":
        state, npc_id = couple(stage)
        outcome = step(state, BreakUp(at=state.clock.now_at, npc_id=npc_id), IMMORTAL)
    else:  # the NPC leaves a committed relationship a storylet made unhappy
        state, _ = couple(stage, npc_affection=ENDS.leave_below)
        _, events = affect(
            hero(state), affection=0, npc_affection=-1, at=1, day=1, rules=RULES
        )
        (move_made,) = changed(events)
        return move_made
    assert not outcome.rejected, outcome.reply
    (move_made,) = changed(outcome.events)
    return move_made


# -- tests --------------------------------------------------------------------------


class TestTable:
    """The table's shape: a ladder of stages, two ways out of each."""

    def test_every_stage_ends_both_ways(self) -> None:
        """Each stage ends by ``break_up`` and by ``leave``; only marriage divorces."""
        for stage in STAGES:
            ending = "divorced" if stage == "married" else "ended"
            assert (ending, ending) == (
                TRANSITIONS[stage, "break_up"],
                TRANSITIONS[stage, "leave"],
            )

    def test_endings_are_final(self) -> None:
        """No row leaves an ending."""
        assert not [row for row in TRANSITIONS if row[0] in ENDINGS]

    def test_the_ladder(self) -> None:
        """``date`` then the advance triggers climb the stages in order."""
        climb = [("matched", "date"), *ADVANCE_TRIGGER.items()]
        assert list(STAGES[1:]) == [TRANSITIONS[row] for row in climb]
        assert [*STAGES[2:], None, None] == [next_stage(s) for s in STAGES[1:]] + [
            next_stage("matched")
        ]

    def test_relationship_stage(self) -> None:
        """A character with only a match is single; else its committed stage."""
        state, _ = couple("matched")
        assert SINGLE == relationship_stage(hero(state))
        state, _ = couple("engaged")
        assert "engaged" == relationship_stage(hero(state))


class TestRows:
    """Every row is a move the game makes."""

    @pytest.mark.parametrize(("stage", "trigger"), sorted(TRANSITIONS))
    def test_row(self, stage: str, trigger: str) -> None:
        """The command (or the storylet) moves the stage as the row says."""
        assert (stage, TRANSITIONS[stage, trigger], trigger) == play_row(stage, trigger)

    @pytest.mark.parametrize(
        ("stage", "trigger"),
        sorted(row for row in TRANSITIONS if row[0] in COMMITTED and row[1] != "date"),
    )
    def test_row_by_a_storylet(self, stage: str, trigger: str) -> None:
        """``move`` makes every row of a committed stage, ``by`` ``event``."""
        state, npc_id = couple(stage, affection=0, npc_affection=20, money_cents=0)
        _, events = move(hero(state), trigger, at=1, day=1, rules=RULES)
        made = [e for e in events if isinstance(e, RelationshipChanged)]
        assert [(npc_id, stage, TRANSITIONS[stage, trigger], trigger, "event")] == [
            (e.npc_id, e.from_stage, e.to_stage, e.trigger, e.by) for e in made
        ]


class TestNonRows:
    """Every pair that is no row is refused, or does nothing."""

    @pytest.mark.parametrize(("stage", "trigger"), NON_ROWS)
    def test_a_storylet_does_nothing(self, stage: str, trigger: str) -> None:
        """``move`` by a trigger the stage has no row for changes nothing."""
        state, _ = couple(stage)
        assert (hero(state), ()) == move(hero(state), trigger, at=1, day=1, rules=RULES)

    @pytest.mark.parametrize("stage", [s for s in STAGES if s not in ADVANCE_TRIGGER])
    def test_no_advance(self, stage: str) -> None:
        """A match (it dates first) and a marriage have no next stage to ask for."""
        state, npc_id = couple(stage)
        command = AdvanceRelationship(at=state.clock.now_at, npc_id=npc_id)
        outcome = step(state, command, IMMORTAL)
        assert isinstance(outcome.reply, Rejection)
        assert ("invalid_state", state) == (outcome.reply.code, outcome.state)

    @pytest.mark.parametrize("stage", COMMITTED)
    def test_a_date_is_no_move_past_matched(self, stage: str) -> None:
        """``date`` is a row of ``matched`` only: later dates keep the stage."""
        state, npc_id = couple(stage)
        command = GoOnDate(
            at=state.clock.now_at, npc_id=npc_id, venue="park", activity="walk"
        )
        outcome = step(state, command, IMMORTAL)
        assert [] == changed(outcome.events)
        current = current_romance(hero(outcome.state))
        assert current is not None
        assert stage == current.stage


# -- the property -------------------------------------------------------------------

VENUES = [(v.id, a.id) for v in RULES.venues for a in v.activities]
#: The triggers a storylet moves by, the climbing ones weighted up so that random
#: plays reach every stage.
CLIMB = [*TRIGGERS, *ADVANCE_TRIGGER.values(), *ADVANCE_TRIGGER.values()]


@st.composite
def plays(draw: st.DrawFn) -> list[tuple[str, int, int, int]]:
    """Random dating moves: ``(kind, whom, what, wall ms waited before)``."""
    kinds = st.sampled_from(
        ["date", "date", "date", "advance", "advance", "break_up", "like", "affect"]
        + ["move"] * 2
    )
    return draw(
        st.lists(
            st.tuples(
                kinds,
                st.integers(0, 3),
                st.integers(0, len(VENUES) - 1),
                st.sampled_from(
                    [0, 1, WALL_DAY // 8, WALL_DAY, 10 * WALL_DAY, 40 * WALL_DAY]
                ),
            ),
            min_size=8,
            max_size=40,
        )
    )


def _command(state: PlayerState, kind: str, whom: int, what: int) -> Command | None:
    """The command of one move (None where nobody is there to name)."""
    at = state.clock.now_at
    if kind == "like":
        suggested = match_list(state, at, IMMORTAL).matches
        return Like(at=at, npc_id=suggested[0].npc_id) if suggested else None
    romances = hero(state).dating.romances
    if not romances:
        return None
    npc_id = romances[whom % len(romances)].npc.id
    if kind == "date":
        venue, activity = VENUES[what]
        return GoOnDate(at=at, npc_id=npc_id, venue=venue, activity=activity)
    if kind == "advance":
        return AdvanceRelationship(at=at, npc_id=npc_id)
    return BreakUp(at=at, npc_id=npc_id)


def _check(state: PlayerState) -> None:
    """The invariants: affections within 0..100 (the NPC's at least ``leave_below``)
    and at most one committed relationship."""
    romances = hero(state).dating.romances
    assert all(0 <= r.affection <= 100 for r in romances)
    assert all(ENDS.leave_below <= r.npc_affection <= 100 for r in romances)
    assert len([r for r in romances if r.stage in COMMITTED]) <= 1


class TestProperty:
    """Any sequence of dating commands keeps the invariants."""

    @given(
        plays(),
        st.integers(ENDS.leave_below, 100),
        st.integers(0, 100),
        st.integers(-40, 40),
    )
    def test_invariants(
        self,
        moves: list[tuple[str, int, int, int]],
        start: int,
        compatibility: int,
        delta: int,
    ) -> None:
        """Affections stay within 0..100 and one love at a time; a refused command
        changes nothing."""
        state, _ = matches(aged(20), 3)
        character = hero(state)
        romances = tuple(
            evolve(r, affection=start, npc_affection=start, compatibility=compatibility)
            for r in character.dating.romances
        )
        state = evolve(
            state,
            character=evolve(
                character,
                money_cents=RICH,
                dating=evolve(character.dating, romances=romances),
            ),
        )
        for kind, whom, what, wait in moves:
            note(f"{kind} {whom} {what} +{wait}")
            state = advance(state, state.clock.now_at + wait, IMMORTAL)
            if kind in ("affect", "move"):
                day = state.clock.day
                moved, _ = (
                    affect(
                        hero(state),
                        affection=delta,
                        npc_affection=-delta,
                        at=state.clock.now_at,
                        day=day,
                        rules=RULES,
                    )
                    if kind == "affect"
                    else move(
                        hero(state),
                        CLIMB[what % len(CLIMB)],
                        at=state.clock.now_at,
                        day=day,
                        rules=RULES,
                    )
                )
                state = evolve(state, character=moved)
            else:
                command = _command(state, kind, whom, what)
                if command is None:
                    continue
                outcome: Outcome = step(state, command, IMMORTAL)
                if outcome.rejected:
                    assert state == outcome.state
                state = outcome.state
            _check(state)
            event(f"reached {relationship_stage(hero(state))}")
