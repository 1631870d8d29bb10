"""Storylets in play: which life event a day offers, how it starts and is answered.

Rules of this module (DESIGN.md "Determinism rules" 1 and 2; docs/life.md):

- Pure functions over ``Character`` and ``StoryState``; no clock, no I/O. Every draw
  comes from a named stream: ``("story_day", "<life>:<day>")`` for the day's chance
  and weighted pick, ``("check", question id)`` for a choice's stat check (and
  ``("story_effect", …)`` in ``story_effects`` for which relative dies). So each day
  and each answer rolls on its own, and ``advance`` stays split invariant.
- A day (``live_story_day``): first, questions whose ``expires_day`` has come resolve
  with their default choice; then ``pick_event``: a follow-up that is due (scheduled
  on or before the day, earliest first) and eligible fires; otherwise, with
  ``daily_chance_ppm``, one storylet is drawn by integer weight among the eligible
  ones of weight > 0 in the highest eligible priority tier. A due follow-up that is
  not eligible waits while only the question queue holds it back (the queue is full,
  or its own question is pending) and is dropped otherwise.
- Eligible: the character is alive and every condition holds (stage, age, stats,
  flags, living relative, the stage of the current relationship:
  ``dating.stages.relationship_stage``, ``single`` without one); a once-per-life
  storylet has not happened; a cooldown has run out (``day - last >=
  cooldown_days``); a storylet with choices has no question pending and the queue
  has room (``max_pending``).
- A storylet happens once it is offered: it is marked seen (once) or its day is
  recorded (cooldown), then its effects apply, or its question is queued until
  ``asked_day + expire_days``.
- Checks use the one formula of ``checks.check_passes``: with ``r`` drawn in 0..99,
  a check passes when ``stat + r >= difficulty + 50``.
- Effects (``apply_effects``, with ``Scene`` and ``render``) are applied by
  ``story_effects``, whose rules say what each does; they are re-exported here.
- Conditions read the story flags and the career's system flags
  (``careers.system_flags``).
"""

from __future__ import annotations

import uuid

from attrs import evolve

from ..dating.stages import relationship_stage
from ..ids import BAOLIFE_NAMESPACE
from ..rng import stream
from ..state import Character, PendingQuestion, StoryState
from .careers import system_flags
from .checks import check_passes
from .story_effects import Scene, apply_effects, render
from .story_results import (
    CareerChanged,
    ClosenessChanged,
    Died,
    EffectOutcome,
    EventHappened,
    FlagCleared,
    FlagSet,
    FollowUpScheduled,
    MoneyChanged,
    PhotoTaken,
    QuestionAsked,
    QuestionResolved,
    RelativeDied,
    RomanceChanged,
    StatChanged,
    StoryHappening,
)
from .storylet_rules import Choice, Storylet, StoryletRules

__all__ = [
    "CareerChanged",
    "ClosenessChanged",
    "Died",
    "EffectOutcome",
    "EventHappened",
    "FlagCleared",
    "FlagSet",
    "FollowUpScheduled",
    "MoneyChanged",
    "PendingQuestion",
    "PhotoTaken",
    "QuestionAsked",
    "QuestionResolved",
    "RelativeDied",
    "RomanceChanged",
    "Scene",
    "StatChanged",
    "StoryHappening",
    "StoryState",
    "apply_effects",
    "eligible",
    "expire_questions",
    "find_question",
    "live_story_day",
    "pick_event",
    "question_id",
    "render",
    "resolve_choice",
    "start_event",
]


# -- eligibility and the day's pick ---------------------------------------------


def _conditions_hold(
    storylet: Storylet, character: Character, story: StoryState, age: int
) -> bool:
    conditions = storylet.conditions
    if character.death is not None:
        return False
    if conditions.stages and character.stage not in conditions.stages:
        return False
    if not conditions.min_age <= age <= conditions.max_age:
        return False
    for stat, low, high in conditions.stats:
        if not low <= getattr(character.stats, stat) <= high:
            return False
    if conditions.flags_all or conditions.flags_none:
        flags = system_flags(character.career).union(story.flags)
        if any(flag not in flags for flag in conditions.flags_all):
            return False
        if any(flag in flags for flag in conditions.flags_none):
            return False
    role = conditions.requires_role
    if role is not None and not any(
        r.role == role and r.alive for r in character.family
    ):
        return False
    return (
        not conditions.relationship
        or relationship_stage(character) in conditions.relationship
    )


def _rested(storylet: Storylet, story: StoryState, day: int) -> bool:
    """The once-per-life and cooldown rules allow ``storylet`` on ``day``."""
    if storylet.once:
        return storylet.id not in story.seen_once
    last = dict(story.last_seen).get(storylet.id)
    return last is None or day - last >= storylet.cooldown_days


def _queue_room(storylet: Storylet, story: StoryState, rules: StoryletRules) -> bool:
    """A question can be queued for ``storylet`` (always, for immediate ones)."""
    if not storylet.choices:
        return True
    if any(q.event_id == storylet.id for q in story.pending):
        return False
    return len(story.pending) < rules.settings.max_pending


def eligible(
    rules: StoryletRules, character: Character, story: StoryState, day: int, age: int
) -> list[Storylet]:
    """The storylets that may happen on ``day`` (module rules), in content order."""
    return [
        s
        for s in rules.events
        if _conditions_hold(s, character, story, age)
        and _rested(s, story, day)
        and _queue_room(s, story, rules)
    ]


def pick_event(
    rules: StoryletRules,
    character: Character,
    story: StoryState,
    seed: int,
    day: int,
    age: int,
) -> Storylet | None:
    """The storylet ``day`` offers, if any: a due follow-up, else a weighted draw."""
    if character.death is not None:
        return None
    due = [event_id for when, event_id in story.scheduled if when <= day]
    if due:
        by_id = {s.id: s for s in eligible(rules, character, story, day, age)}
        for event_id in due:
            if event_id in by_id:
                return by_id[event_id]
    roll = stream(seed, "story_day", f"{character.life}:{day}")
    if not roll.chance(rules.settings.daily_chance_ppm, 1_000_000):
        return None
    # Only a day that offers an event pays for the eligibility scan.
    drawn = [s for s in eligible(rules, character, story, day, age) if s.weight > 0]
    if not drawn:
        return None
    tier = max(s.priority for s in drawn)
    return roll.weighted([(s, s.weight) for s in drawn if s.priority == tier])


# -- starting, answering and expiring -------------------------------------------


def question_id(seed: int, life: int, day: int) -> str:
    """The id of the question asked on ``day`` of ``life`` (one storylet a day)."""
    return str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{seed}/question/{life}/{day}"))


def find_question(story: StoryState, question: str) -> PendingQuestion | None:
    """The pending question with this id, or None."""
    return next((q for q in story.pending if q.id == question), None)


def _mark_seen(story: StoryState, storylet: Storylet, day: int) -> StoryState:
    if storylet.once:
        return evolve(story, seen_once=tuple(sorted((*story.seen_once, storylet.id))))
    last = dict(story.last_seen)
    last[storylet.id] = day
    return evolve(story, last_seen=tuple(sorted(last.items())))


def start_event(
    rules: StoryletRules,
    character: Character,
    story: StoryState,
    storylet: Storylet,
    seed: int,
    day: int,
    age: int,
    scene: Scene | None = None,
) -> tuple[Character, StoryState, EventHappened | QuestionAsked]:
    """Let ``storylet`` happen on ``day``: apply its effects or queue its question.

    A due follow-up of this storylet is consumed (the earliest one).
    """
    due = [entry for entry in story.scheduled if entry[0] <= day]
    consumed = next((e for e in due if e[1] == storylet.id), None)
    if consumed is not None:
        scheduled = list(story.scheduled)
        scheduled.remove(consumed)
        story = evolve(story, scheduled=tuple(scheduled))
    story = _mark_seen(story, storylet, day)
    title = render(storylet.title, character, age)
    text = render(storylet.text, character, age)
    if not storylet.choices:
        key = f"{character.life}:{day}:{storylet.id}"
        character, story, outcomes = apply_effects(
            character, story, storylet.effects, seed, key, day, age, scene
        )
        return character, story, EventHappened(storylet.id, day, title, text, outcomes)
    question = PendingQuestion(
        id=question_id(seed, character.life, day),
        event_id=storylet.id,
        asked_day=day,
        expires_day=day + rules.settings.expire_days,
    )
    story = evolve(story, pending=(*story.pending, question))
    choices = tuple((c.id, render(c.text, character, age)) for c in storylet.choices)
    return character, story, QuestionAsked(question, title, text, choices)


def _resolve(
    character: Character,
    story: StoryState,
    question: PendingQuestion,
    choice: Choice,
    seed: int,
    day: int,
    age: int,
    *,
    expired: bool,
    scene: Scene | None,
) -> tuple[Character, StoryState, QuestionResolved]:
    story = evolve(story, pending=tuple(q for q in story.pending if q != question))
    passed: bool | None = None
    effects = choice.effects
    if choice.check is not None:
        stat = getattr(character.stats, choice.check.stat)
        passed = check_passes(
            stat, choice.check.difficulty, stream(seed, "check", question.id)
        )
        effects = choice.success if passed else choice.failure
    character, story, outcomes = apply_effects(
        character, story, effects, seed, question.id, day, age, scene
    )
    resolved = QuestionResolved(
        question.id, question.event_id, choice.id, expired, passed, outcomes
    )
    return character, story, resolved


def resolve_choice(
    rules: StoryletRules,
    character: Character,
    story: StoryState,
    question: PendingQuestion,
    choice_id: str,
    seed: int,
    day: int,
    age: int,
    scene: Scene | None = None,
) -> tuple[Character, StoryState, QuestionResolved]:
    """Answer a pending question: run the choice's check and apply its effects.

    ValueError if the storylet or the choice does not exist: a command handler
    checks ``rules.storylet(question.event_id).choice(choice_id)`` first.
    """
    storylet = rules.storylet(question.event_id)
    choice = None if storylet is None else storylet.choice(choice_id)
    if choice is None:
        raise ValueError(f"{question.event_id!r} has no choice {choice_id!r}")
    return _resolve(
        character, story, question, choice, seed, day, age, expired=False, scene=scene
    )


def expire_questions(
    rules: StoryletRules,
    character: Character,
    story: StoryState,
    seed: int,
    day: int,
    age: int,
    scene: Scene | None = None,
) -> tuple[Character, StoryState, tuple[QuestionResolved, ...]]:
    """Resolve every question whose ``expires_day`` has come with its default choice.

    A question whose storylet left the content is dropped without effects.
    """
    resolved: list[QuestionResolved] = []
    for question in story.pending:
        if question.expires_day > day:
            continue
        storylet = rules.storylet(question.event_id)
        choice = None if storylet is None else storylet.default_choice
        if choice is None:
            story = evolve(
                story, pending=tuple(q for q in story.pending if q != question)
            )
            continue
        character, story, done = _resolve(
            character,
            story,
            question,
            choice,
            seed,
            day,
            age,
            expired=True,
            scene=scene,
        )
        resolved.append(done)
    return character, story, tuple(resolved)


def _prune_follow_ups(
    rules: StoryletRules, character: Character, story: StoryState, day: int, age: int
) -> StoryState:
    """Drop due follow-ups that are not eligible for a reason other than the queue."""
    kept: list[tuple[int, str]] = []
    for entry in story.scheduled:
        storylet = rules.storylet(entry[1])
        if entry[0] > day or (
            storylet is not None
            and _conditions_hold(storylet, character, story, age)
            and _rested(storylet, story, day)
        ):
            kept.append(entry)
    return evolve(story, scheduled=tuple(kept))


def live_story_day(
    rules: StoryletRules,
    character: Character,
    story: StoryState,
    seed: int,
    day: int,
    age: int,
    scene: Scene | None = None,
) -> tuple[Character, StoryState, tuple[StoryHappening, ...]]:
    """One game day of storylets (module rules): expire, then pick and start."""
    if character.death is not None:
        return character, story, ()
    character, story, resolved = expire_questions(
        rules, character, story, seed, day, age, scene
    )
    happenings: list[StoryHappening] = list(resolved)
    storylet = pick_event(rules, character, story, seed, day, age)
    if storylet is not None:
        character, story, started = start_event(
            rules, character, story, storylet, seed, day, age, scene
        )
        happenings.append(started)
    if character.death is None:
        story = _prune_follow_ups(rules, character, story, day, age)
    return character, story, tuple(happenings)
