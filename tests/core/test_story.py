"""Storylets in the engine: life events, questions, answers, expiry and the album."""

from __future__ import annotations

import pytest

from baolife_core import (
    AnswerQuestion,
    AnswerResult,
    ContentError,
    CreateCharacter,
    LifeEventOccurred,
    PhotoAdded,
    PlayerState,
    QuestionAnswered,
    QuestionPosed,
    Rejection,
    advance,
    load_catalog,
    new_player,
    replay,
    step,
    tick,
)
from baolife_core.clock import MS_PER_DAY
from content_packs import edited_catalog

CATALOG = load_catalog()
T0 = 1_798_761_600_000
WALL_DAY = MS_PER_DAY // CATALOG.clock.time_scale
YEAR = CATALOG.life.days_per_year


def born(seed: int) -> PlayerState:
    """A player whose character is born at ``T0``."""
    state = new_player(seed=seed, at=T0, catalog=CATALOG)
    return step(state, CreateCharacter(at=T0), CATALOG).state


def first_question(seed: int) -> tuple[PlayerState, QuestionPosed]:
    """Advance day by day until a question is posed; that state and the question."""
    state = born(seed)
    for day in range(1, 40 * YEAR):
        state, events = tick(state, T0 + day * WALL_DAY, CATALOG)
        posed = [e for e in events if isinstance(e, QuestionPosed)]
        if posed:
            return state, posed[0]
    raise AssertionError("no question in 40 years")


class TestLifeEvents:
    """Living days offers storylets from the bundled content."""

    def test_a_childhood_has_events_and_questions(self) -> None:
        """Ten game years bring immediate events and questions."""
        _, events = tick(born(1), T0 + 10 * YEAR * WALL_DAY, CATALOG)
        assert any(isinstance(e, LifeEventOccurred) for e in events)
        assert any(isinstance(e, QuestionPosed) for e in events)

    def test_pending_questions_are_capped(self) -> None:
        """Never more questions waiting than ``max_pending``."""
        state = born(2)
        for year in range(1, 30):
            state = advance(state, T0 + year * YEAR * WALL_DAY, CATALOG)
            assert state.character is not None
            assert len(state.character.story.pending) <= 3

    def test_photos_go_to_the_album_and_survive_a_new_life(self) -> None:
        """Milestone photos collect across lives."""
        state, events = tick(born(3), T0 + 120 * YEAR * WALL_DAY, CATALOG)
        photos = [e for e in events if isinstance(e, PhotoAdded)]
        assert [(p.life, p.day, p.caption) for p in photos] == [
            (p.life, p.day, p.caption) for p in state.album
        ]
        assert photos
        again = step(state, CreateCharacter(at=state.clock.now_at), CATALOG).state
        assert state.album == again.album


class TestAnswers:
    """``answer_question`` resolves a pending question."""

    def test_answer_with_a_choice(self) -> None:
        """The reply, the event, and the question leaves the queue."""
        state, posed = first_question(4)
        choice = posed.choices[-1][0]
        outcome = step(
            state,
            AnswerQuestion(
                at=state.clock.now_at, question_id=posed.question_id, choice=choice
            ),
            CATALOG,
        )
        assert isinstance(outcome.reply, AnswerResult)
        assert (posed.question_id, choice) == (
            outcome.reply.question_id,
            outcome.reply.choice,
        )
        answered = [e for e in outcome.events if isinstance(e, QuestionAnswered)]
        assert [(posed.question_id, choice, False)] == [
            (e.question_id, e.choice, e.expired) for e in answered
        ]
        assert outcome.state.character is not None
        assert posed.question_id not in {
            q.id for q in outcome.state.character.story.pending
        }

    @pytest.mark.parametrize(
        ("question", "choice"), [("no-such-question", None), (None, "no_such_choice")]
    )
    def test_unknown_question_or_choice_is_not_found(
        self, question: str | None, choice: str | None
    ) -> None:
        """Both are ``not_found`` and change nothing."""
        state, posed = first_question(5)
        command = AnswerQuestion(
            at=state.clock.now_at,
            question_id=question or posed.question_id,
            choice=choice or posed.choices[0][0],
        )
        outcome = step(state, command, CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert "not_found" == outcome.reply.code
        assert state == outcome.state

    def test_no_character_is_invalid_state(self) -> None:
        """Without a living character there is nobody to answer."""
        state = new_player(seed=6, at=T0, catalog=CATALOG)
        outcome = step(
            state, AnswerQuestion(at=T0, question_id="q", choice="c"), CATALOG
        )
        assert isinstance(outcome.reply, Rejection)
        assert "invalid_state" == outcome.reply.code

    def test_unanswered_questions_expire_to_their_default(self) -> None:
        """After ``expire_days`` the default choice is taken."""
        state, posed = first_question(7)
        _, events = tick(state, T0 + (posed.expires_day + 1) * WALL_DAY, CATALOG)
        expired = [
            e
            for e in events
            if isinstance(e, QuestionAnswered) and e.question_id == posed.question_id
        ]
        assert 1 == len(expired)
        assert expired[0].expired
        assert posed.expires_day == expired[0].day

    def test_a_life_with_answers_replays_exactly(self) -> None:
        """Answers are journaled commands: replay gives the live state."""
        from baolife_core import NewPlayer

        state, posed = first_question(8)
        genesis = NewPlayer(at=T0, seed=8)
        command = AnswerQuestion(
            at=state.clock.now_at,
            question_id=posed.question_id,
            choice=posed.choices[0][0],
        )
        live = step(state, command, CATALOG).state
        journal = [genesis, CreateCharacter(at=T0), command]
        assert live == replay(journal, CATALOG)


class TestContentCheck:
    """Dangling references in ``life_events.toml`` stop the catalog from loading."""

    def test_a_dangling_follow_up_is_an_error(self) -> None:
        """A follow-up to an unknown event names it."""
        with pytest.raises(ContentError, match=r"no_such_event") as caught:
            edited_catalog(
                ('{ follow_up = "baby_cold_better"', '{ follow_up = "no_such_event"')
            )
        assert "life_events.toml" == caught.value.file
