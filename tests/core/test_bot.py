"""The seeded reference bot (``baolife_core.testing``): whole lives through ``step``.

The bot proposes only commands it judges valid, so any rejection is a bug of the
bot or of the engine; a bot life's journal replays to its final state. The
100-life property runs ``BOT_LIVES`` lives: 100 under the ``ci`` Hypothesis
profile, fewer by default to keep ``uv run pytest`` quick (see tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from baolife_core import (
    Catalog,
    CreateCharacter,
    DoActivity,
    PlayerState,
    advance,
    command_from_wire,
    load_catalog,
    new_player,
    replay,
    state_hash,
    step,
    to_wire,
)
from baolife_core.testing import (
    CASUAL_PACE,
    DEFAULT_PACE,
    IDLE_PACE,
    MOVES,
    PACES,
    START_AT,
    BotLife,
    Limits,
    MoveKind,
    Pace,
    Turn,
    candidates,
    make_turn,
    play,
    play_life,
    with_tastes,
)
from content_packs import DOOMED, IMMORTAL

CATALOG = load_catalog()
#: Lives of the 100-life property: all of them in CI, a sample locally.
BOT_LIVES = 100 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 12

seeds = st.integers(min_value=0, max_value=2**63 - 1)


def replayed(life: BotLife, catalog: Catalog = CATALOG) -> PlayerState:
    """The journal replayed, then advanced to the instant the bot last looked."""
    return advance(replay(life.journal, catalog), life.end_at, catalog)


class TestLives:
    """Whole lives: from birth to death, never refused, replayable."""

    @settings(max_examples=BOT_LIVES, deadline=None)
    @given(seed=seeds, bot_seed=seeds, pace=st.sampled_from(PACES))
    def test_random_lives_end_in_death_and_replay(
        self, seed: int, bot_seed: int, pace: Pace
    ) -> None:
        """Any seeds: the life ends (by death here), with no command refused, and
        the journal replays to exactly the bot's final state."""
        life = play_life(CATALOG, seed=seed, bot_seed=bot_seed, pace=pace)
        assert () == life.rejections
        assert "death" == life.ended
        character = life.state.character
        assert character is not None
        assert character.death is not None
        assert state_hash(life.state) == state_hash(replayed(life))

    def test_the_same_seeds_play_the_same_life(self) -> None:
        """Same player seed, bot seed, start and pace: the same journal and state."""
        first = play_life(CATALOG, seed=11, bot_seed=5, pace=CASUAL_PACE)
        second = play_life(CATALOG, seed=11, bot_seed=5, pace=CASUAL_PACE)
        assert first == second
        other = play_life(CATALOG, seed=11, bot_seed=6, pace=CASUAL_PACE)
        assert first.journal != other.journal

    def test_a_busy_life_does_every_kind_of_move(self) -> None:
        """The busy pace answers, does activities, buys skips, works, talks, waits."""
        life = play_life(CATALOG, seed=3, bot_seed=3, pace=DEFAULT_PACE)
        kinds = dict(life.moves)
        assert 1 == kinds["create_character"]
        for kind in (
            "answer_question",
            "do_activity",
            "purchase_time_skip",
            "career",
            "conversation",
        ):
            assert kinds[kind] > 0, kind
        assert life.commands == sum(kinds.values()) == len(life.journal) - 1
        assert life.turns > life.commands  # the other turns were waits
        assert len(life.storylets) > 50

    def test_an_idle_life_does_no_activity(self) -> None:
        """The idle pace only creates, answers and waits; most turns are idle."""
        life = play_life(CATALOG, seed=3, bot_seed=3, pace=IDLE_PACE)
        assert {"create_character", "answer_question"} == dict(life.moves).keys()
        assert () == life.rejections
        assert life.died

    def test_journal_lines_survive_the_wire(self) -> None:
        """Every command the bot makes is a valid wire message, and back."""
        life = play_life(CATALOG, seed=8, bot_seed=1, limits=Limits(max_turns=400))
        for command in life.journal[1:]:
            assert command == command_from_wire(to_wire(command))


class TestBounds:
    """Every bot life ends; a bound says so instead of a death."""

    def test_an_immortal_life_stops_at_the_age_bound(self) -> None:
        """Nobody dies: the life stops past ``max_age`` and replays all the same."""
        life = play_life(IMMORTAL, seed=1, bot_seed=1, limits=Limits(max_age=4))
        assert "age_limit" == life.ended
        assert not life.died
        assert () == life.rejections
        assert state_hash(life.state) == state_hash(replayed(life, IMMORTAL))

    def test_the_turn_bound(self) -> None:
        """``max_turns`` turns, then ``turn_limit``."""
        life = play_life(CATALOG, seed=1, bot_seed=1, limits=Limits(max_turns=50))
        assert ("turn_limit", 50) == (life.ended, life.turns)

    def test_a_life_that_ends_on_its_first_day(self) -> None:
        """Dying at once is a whole life: create, then death."""
        life = play_life(DOOMED, seed=1, bot_seed=1)
        assert "death" == life.ended
        assert [CreateCharacter(at=START_AT)] == list(life.journal[1:2])

    def test_after_a_death_the_bot_plays_the_next_life(self) -> None:
        """From a state whose character is dead, the bot starts life 2."""
        first = play_life(DOOMED, seed=4, bot_seed=4)
        second = play(first.state, DOOMED, bot_seed=4, at=first.end_at)
        assert second.died
        character = second.state.character
        assert character is not None
        assert 2 == character.life
        assert isinstance(second.journal[0], CreateCharacter)


class TestMoves:
    """The move table: candidates, the known-questions filter, bug reporting."""

    def test_rejections_are_recorded_not_raised(self) -> None:
        """A move kind that proposes refused commands shows up in ``rejections``."""

        def skydive(turn: Turn) -> list[tuple[object, int]]:
            if turn.character is None:
                return []
            return [(DoActivity(at=turn.at, activity="skydive"), 1000)]

        table = (*MOVES, MoveKind("skydive", skydive))  # type: ignore[arg-type]
        life = play_life(
            CATALOG, seed=2, bot_seed=2, moves=table, limits=Limits(max_turns=30)
        )
        assert life.rejections
        assert {"skydive"} == {r.kind for r in life.rejections}
        assert {"not_found"} == {r.code for r in life.rejections}

    def test_only_questions_the_player_was_told_of_are_answered(self) -> None:
        """With ``known``, pending questions outside it are not candidates."""
        state = new_player(seed=21, at=START_AT, catalog=CATALOG)
        state = step(state, CreateCharacter(at=START_AT), CATALOG).state
        at = START_AT
        while True:  # live until a question waits
            at += 24 * 60_000
            state = advance(state, at, CATALOG)
            assert state.character is not None
            if state.character.story.pending:
                break
        question = state.character.story.pending[0].id

        def answers(known: frozenset[str] | None) -> set[str]:
            turn = make_turn(state, at, CATALOG, known=known)
            return {
                move.question_id  # type: ignore[union-attr]
                for (kind, move), _ in candidates(turn)
                if kind == "answer_question"
            }

        assert question in answers(None)
        assert question in answers(frozenset({question}))
        assert set() == answers(frozenset())

    def test_waiting_is_the_only_move_while_busy_and_broke(self) -> None:
        """No energy, no diamonds: only waits are candidates (an idle turn)."""
        state = new_player(seed=5, at=START_AT, catalog=CATALOG)
        state = step(state, CreateCharacter(at=START_AT), CATALOG).state
        state = evolve(
            state,
            energy=evolve(state.energy, amount=0, anchor_at=START_AT),
            wallet=evolve(state.wallet, diamonds=0),
        )
        turn = make_turn(state, START_AT, CATALOG)
        kinds = {kind for (kind, _), _ in candidates(turn)}
        assert {"wait"} == kinds

    def test_tastes_are_drawn_per_seed(self) -> None:
        """``with_tastes`` gives every activity a weight; seeds differ."""
        one = with_tastes(DEFAULT_PACE, CATALOG, 1)
        assert [a.id for a in CATALOG.activities.activities] == [
            activity for activity, _ in one.tastes
        ]
        assert {w for _, w in one.tastes} <= {0, 10, 30}
        assert one == with_tastes(DEFAULT_PACE, CATALOG, 1)
        assert any(
            with_tastes(DEFAULT_PACE, CATALOG, s).tastes != one.tastes
            for s in range(2, 6)
        )

    @pytest.mark.parametrize(
        "bad",
        [
            {"command_ms": -1},
            {"waits": ()},
            {"waits": ((0, 1),)},
            {"activity_weight": -2},
            {"tastes": (("rest", -1),)},
        ],
    )
    def test_pace_is_validated(self, bad: dict[str, object]) -> None:
        """Negative times and weights, or no way to wait, are refused."""
        with pytest.raises(ValueError, match="must"):
            Pace(**bad)  # type: ignore[arg-type]
