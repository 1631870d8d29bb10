"""Storylets in the engine: happenings become domain events; ``answer_question``.

Rules of this module (issue "Life events as storylets"; DESIGN.md "Names"):

- ``storylets`` decides what happens; this module turns its records into events:
  an immediate storylet is ``LifeEventOccurred``, a question ``QuestionPosed`` (the
  transport pushes it as ``event_prompt``), an answer or an expiry
  ``QuestionAnswered``; effect outcomes add ``PhotoAdded`` (and a photo in the
  player's album), ``FamilyMemberDied``, ``CharacterDied``, the career events
  of career effects and the dating events (``AffectionChanged``,
  ``RelationshipChanged``) of dating effects.
- ``answer_question`` resolves a pending question with the player's choice:
  ``invalid_state`` without a living character, ``not_found`` for an unknown
  question or choice. The choice's check rolls on ``("check", question id)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import evolve

from ..catalog import Catalog
from ..commands import AnswerQuestion
from ..events import (
    CharacterDied,
    Event,
    FamilyMemberDied,
    LifeEventOccurred,
    PhotoAdded,
    QuestionAnswered,
    QuestionPosed,
)
from ..outcome import Outcome, reject
from ..replies import INVALID_STATE, NOT_FOUND, AnswerResult
from ..state import Photo, PlayerState
from .calendar import age_on
from .story_results import (
    CareerChanged,
    Died,
    EffectOutcome,
    EventHappened,
    PhotoTaken,
    QuestionAsked,
    RelativeDied,
    RomanceChanged,
    StoryHappening,
)
from .storylets import Scene, find_question, resolve_choice

__all__ = ["answer_question", "photos", "story_events"]


def _outcome_events(
    outcomes: Iterable[EffectOutcome], at: int, life: int, day: int
) -> list[Event]:
    events: list[Event] = []
    for outcome in outcomes:
        if isinstance(outcome, PhotoTaken):
            events.append(
                PhotoAdded(at=at, life=life, caption=outcome.caption, day=day)
            )
        elif isinstance(outcome, RelativeDied):
            events.append(
                FamilyMemberDied(
                    at=at,
                    life=life,
                    relative_id=outcome.relative_id,
                    role=outcome.role,
                    name=outcome.name,
                    day=day,
                )
            )
        elif isinstance(outcome, CareerChanged | RomanceChanged):
            events.extend(outcome.events)
        elif isinstance(outcome, Died):
            events.append(
                CharacterDied(
                    at=at,
                    life=life,
                    day=day,
                    age=outcome.age,
                    cause=outcome.cause,
                    epitaph=outcome.epitaph,
                )
            )
    return events


def story_events(
    happenings: Iterable[StoryHappening], at: int, life: int, day: int
) -> list[Event]:
    """The domain events of a day's (or an answer's) storylet happenings."""
    events: list[Event] = []
    for happening in happenings:
        if isinstance(happening, EventHappened):
            events.append(
                LifeEventOccurred(
                    at=at,
                    life=life,
                    event_id=happening.event_id,
                    title=happening.title,
                    text=happening.text,
                    day=day,
                )
            )
            events.extend(_outcome_events(happening.outcomes, at, life, day))
        elif isinstance(happening, QuestionAsked):
            question = happening.question
            events.append(
                QuestionPosed(
                    at=at,
                    life=life,
                    question_id=question.id,
                    event_id=question.event_id,
                    title=happening.title,
                    text=happening.text,
                    choices=happening.choices,
                    expires_day=question.expires_day,
                    day=day,
                )
            )
        else:
            events.append(
                QuestionAnswered(
                    at=at,
                    life=life,
                    question_id=happening.question_id,
                    event_id=happening.event_id,
                    choice=happening.choice_id,
                    expired=happening.expired,
                    passed=happening.passed,
                    day=day,
                )
            )
            events.extend(_outcome_events(happening.outcomes, at, life, day))
    return events


def photos(events: Iterable[Event]) -> tuple[Photo, ...]:
    """The album photos of ``PhotoAdded`` events."""
    return tuple(
        Photo(life=e.life, day=e.day, caption=e.caption)
        for e in events
        if isinstance(e, PhotoAdded)
    )


def answer_question(
    state: PlayerState, command: AnswerQuestion, catalog: Catalog
) -> Outcome:
    """Resolve a pending question with the player's choice (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    question = find_question(character.story, command.question_id)
    if question is None:
        return reject(state, NOT_FOUND, "no such pending question")
    rules = catalog.storylets
    storylet = rules.storylet(question.event_id)
    if storylet is None or storylet.choice(command.choice) is None:
        return reject(state, NOT_FOUND, f"no choice {command.choice!r}")
    day = state.clock.day
    age = age_on(character, day, catalog.life)
    answered, story, resolved = resolve_choice(
        rules,
        character,
        character.story,
        question,
        command.choice,
        state.seed,
        day,
        age,
        Scene(catalog, command.at),
    )
    character = evolve(answered, story=story)
    events = story_events((resolved,), command.at, character.life, day)
    return Outcome(
        state=evolve(
            state,
            seq=state.seq + 1,
            character=character,
            album=state.album + photos(events),
        ),
        events=tuple(events),
        reply=AnswerResult(
            question_id=question.id,
            choice=command.choice,
            passed=resolved.passed,
            alive=character.death is None,
        ),
    )
