"""Storylets in play: which life event a day offers, and what its effects do.

Rules of this module (DESIGN.md "Determinism rules" 1 and 2; docs/life.md):

- Pure functions over ``Character`` and ``StoryState``; no clock, no I/O. Every draw
  comes from a named stream: ``("story_day", "<life>:<day>")`` for the day's chance
  and weighted pick, ``("check", question id)`` for a choice's stat check,
  ``("story_effect", "<key>:<n>")`` for the n-th effect of a list (which relative
  dies). So each day and each answer rolls on its own, and ``advance`` stays split
  invariant.
- A day (``live_story_day``): first, questions whose ``expires_day`` has come resolve
  with their default choice; then ``pick_event``: a follow-up that is due (scheduled
  on or before the day, earliest first) and eligible fires; otherwise, with
  ``daily_chance_ppm``, one storylet is drawn by integer weight among the eligible
  ones of weight > 0 in the highest eligible priority tier. A due follow-up that is
  not eligible waits while only the question queue holds it back (the queue is full,
  or its own question is pending) and is dropped otherwise.
- Eligible: the character is alive and every condition holds (stage, age, stats,
  flags, living relative); a once-per-life storylet has not happened; a cooldown
  has run out (``day - last >= cooldown_days``); a storylet with choices has no
  question pending and the queue has room (``max_pending``).
- A storylet happens once it is offered: it is marked seen (once) or its day is
  recorded (cooldown), then its effects apply, or its question is queued until
  ``asked_day + expire_days``.
- Checks use the one formula of ``checks.check_passes``: with ``r`` drawn in 0..99,
  a check passes when ``stat + r >= difficulty + 50``.
- Effects keep every stat within 0..100, closeness within 0..100 and cash at or
  above 0; a death ends the list. Outcome records say what actually changed.
- Conditions read the story flags and the career's system flags
  (``careers.system_flags``). Career effects (``job``, ``lose_job``, ``retire``,
  ``enroll``) change school and work through ``careers`` and need a ``Scene`` (the
  catalog and the instant); each is a no-op where the career rules do not allow it
  (a job whose requirements fail, a school the character cannot start).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from string import Formatter

from attrs import asdict, evolve, frozen

from ..catalog import Catalog
from ..events import Event
from ..ids import BAOLIFE_NAMESPACE
from ..rng import stream
from ..state import Character, Death, PendingQuestion, Relative, Stats, StoryState
from .careers import (
    enroll_school,
    hire,
    job_problem,
    leave_job,
    retire_character,
    school_problem,
    system_flags,
)
from .checks import check_passes
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
    StatChanged,
    StoryHappening,
)
from .storylet_rules import (
    Choice,
    DeathEffect,
    Effect,
    EnrollEffect,
    FlagEffect,
    FollowUpEffect,
    JobEffect,
    LoseJobEffect,
    MoneyEffect,
    PhotoEffect,
    RelationshipEffect,
    RelativeDiesEffect,
    RetireEffect,
    StatEffect,
    Storylet,
    StoryletRules,
    UnflagEffect,
)

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


@frozen
class Scene:
    """What career effects need besides the character: the catalog and the instant."""

    catalog: Catalog  # the content (careers, life rules)
    at: int  # the instant events are stamped with, ms


# -- text ---------------------------------------------------------------------------

_FALLBACKS = {"mother": "Mom", "father": "Dad", "sibling": "your sibling"}


def _relative_name(character: Character, role: str) -> str:
    """First name of the first living relative with ``role`` (else any, else a word)."""
    relatives = [r for r in character.family if r.role == role]
    living = [r for r in relatives if r.alive]
    chosen = living or relatives
    return chosen[0].name.split()[0] if chosen else _FALLBACKS[role]


def render(template: str, character: Character, age: int) -> str:
    """Fill a content template's placeholders (``storylet_rules.PLACEHOLDERS``)."""
    words = character.name.split()
    values = {
        "name": character.name,
        "first_name": words[0],
        "surname": words[-1],
        "age": str(age),
        "mother": _relative_name(character, "mother"),
        "father": _relative_name(character, "father"),
        "sibling": _relative_name(character, "sibling"),
    }
    parts: list[str] = []
    for literal, field, _, _ in Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            if field not in values:
                raise ValueError(f"unknown placeholder {{{field}}}")
            parts.append(values[field])
    return "".join(parts)


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
    return role is None or any(r.role == role and r.alive for r in character.family)


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


# -- effects ------------------------------------------------------------------------


def _clamp(value: int) -> int:
    return min(100, max(0, value))


def _with_stat(character: Character, stat: str, value: int) -> Character:
    values: dict[str, int] = asdict(character.stats)
    values[stat] = value
    return evolve(character, stats=Stats(**values))


def _with_relative(character: Character, relative: Relative) -> Character:
    family = tuple(relative if r.id == relative.id else r for r in character.family)
    return evolve(character, family=family)


def _apply_one(
    character: Character,
    story: StoryState,
    effect: Effect,
    key: str,
    seed: int,
    day: int,
    age: int,
    scene: Scene | None,
) -> tuple[Character, StoryState, list[EffectOutcome]]:
    outcomes: list[EffectOutcome] = []
    if isinstance(effect, JobEffect | LoseJobEffect | RetireEffect | EnrollEffect):
        if scene is None:
            raise ValueError("career effects need a Scene (catalog and instant)")
        character, events = _career_effect(character, effect, seed, day, age, scene)
        if events:
            outcomes.append(CareerChanged(events))
        return character, story, outcomes
    match effect:
        case StatEffect(stat=stat, delta=delta):
            before = getattr(character.stats, stat)
            after = _clamp(before + delta)
            if after != before:
                character = _with_stat(character, stat, after)
                outcomes.append(StatChanged(stat, after - before, after))
        case MoneyEffect(cents=cents):
            after = max(0, character.money_cents + cents)
            if after != character.money_cents:
                outcomes.append(MoneyChanged(after - character.money_cents, after))
                character = evolve(character, money_cents=after)
        case FlagEffect(flag=flag) if flag not in story.flags:
            story = evolve(story, flags=tuple(sorted((*story.flags, flag))))
            outcomes.append(FlagSet(flag))
        case UnflagEffect(flag=flag) if flag in story.flags:
            story = evolve(story, flags=tuple(f for f in story.flags if f != flag))
            outcomes.append(FlagCleared(flag))
        case RelationshipEffect(role=role, closeness=delta):
            for relative in character.family:
                if relative.role != role or not relative.alive:
                    continue
                after = _clamp(relative.closeness + delta)
                if after != relative.closeness:
                    changed = evolve(relative, closeness=after)
                    character = _with_relative(character, changed)
                    outcomes.append(
                        ClosenessChanged(relative.id, after - relative.closeness, after)
                    )
        case RelativeDiesEffect(role=role):
            living = [r for r in character.family if r.role == role and r.alive]
            if living:
                dying = stream(seed, "story_effect", key).choice(living)
                character = _with_relative(character, evolve(dying, alive=False))
                outcomes.append(RelativeDied(dying.id, dying.role, dying.name))
        case FollowUpEffect(event_id=event_id, in_days=in_days):
            entry = (day + in_days, event_id)
            story = evolve(story, scheduled=tuple(sorted((*story.scheduled, entry))))
            outcomes.append(FollowUpScheduled(event_id, day + in_days))
        case PhotoEffect(caption=caption):
            outcomes.append(PhotoTaken(render(caption, character, age)))
        case DeathEffect(cause=cause):
            epitaph = f"{character.name}, {age} years: {cause.replace('_', ' ')}."
            death = Death(day=day, age=age, cause=cause, epitaph=epitaph)
            character = evolve(character, death=death)
            outcomes.append(Died(cause, age, epitaph))
    return character, story, outcomes


def _career_effect(
    character: Character,
    effect: JobEffect | LoseJobEffect | RetireEffect | EnrollEffect,
    seed: int,
    day: int,
    age: int,
    scene: Scene,
) -> tuple[Character, tuple[Event, ...]]:
    """Apply a career effect where the career rules allow it (module rules)."""
    careers = scene.catalog.careers
    match effect:
        case JobEffect(job=job_id):
            job = careers.job(job_id)
            if (
                job is None
                or character.career.job is not None
                or job_problem(character, job, age, careers.settings) is not None
            ):
                return character, ()
            return hire(
                character, job, seed=seed, day=day, at=scene.at, catalog=scene.catalog
            )
        case LoseJobEffect(reason=reason):
            return leave_job(character, reason, day, scene.at)
        case RetireEffect():
            return retire_character(character, day, scene.at, careers)
        case EnrollEffect(school=school_id):
            school = careers.school(school_id)
            if (
                school is None
                or character.career.schooling is not None
                or school_problem(character, school, age) is not None
            ):
                return character, ()
            character, started = enroll_school(character, school, 0, day, scene.at)
            return character, (started,)


def apply_effects(
    character: Character,
    story: StoryState,
    effects: Sequence[Effect],
    seed: int,
    key: str,
    day: int,
    age: int,
    scene: Scene | None = None,
) -> tuple[Character, StoryState, tuple[EffectOutcome, ...]]:
    """Apply ``effects`` in order; ``key`` names this application's streams.

    Nothing happens to a dead character, and nothing after a death.
    """
    outcomes: list[EffectOutcome] = []
    for n, effect in enumerate(effects):
        if character.death is not None:
            break
        character, story, done = _apply_one(
            character, story, effect, f"{key}:{n}", seed, day, age, scene
        )
        outcomes.extend(done)
    return character, story, tuple(outcomes)


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
