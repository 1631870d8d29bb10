"""What a storylet's effects do to a character and its story, and its texts.

Rules of this module (DESIGN.md "Determinism rules" 1 and 2; docs/life.md):

- Pure functions over ``Character`` and ``StoryState``; no clock, no I/O. The one
  draw, which relative dies, comes from the stream ``("story_effect", "<key>:<n>")``
  for the n-th effect of a list, so each application rolls on its own.
- Effects keep every stat within 0..100, closeness within 0..100 and cash at or
  above 0; a death ends the list. Outcome records say what actually changed.
- Career effects (``job``, ``lose_job``, ``retire``, ``enroll``) change school and
  work through ``careers`` and need a ``Scene`` (the catalog and the instant); each
  is a no-op where the career rules do not allow it (a job whose requirements fail,
  a school the character cannot start).
- Dating effects (``affection``, ``romance``) change the current relationship
  through ``dating.relationships`` (``affect``, ``move``) and need a ``Scene`` too;
  without a current relationship, or where the transition table has no such move,
  they do nothing.
- ``render`` fills a template's placeholders (``storylet_rules.PLACEHOLDERS``): the
  photo effect renders its caption with it, and ``storylets`` its titles and texts.
  ``{partner}`` is the current partner's first name, "your partner" without one.

Apart from ``storylets`` (which day offers what, questions and answers) because the
effect family grows with each system that storylets reach; ``storylets`` re-exports
``Scene``, ``apply_effects`` and ``render``.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import asdict, evolve, frozen

from ..catalog import Catalog
from ..dating.relationships import affect, move
from ..dating.stages import current_romance
from ..events import Event
from ..rng import stream
from ..state import Character, Death, Relative, Stats, StoryState
from .careers import (
    enroll_school,
    hire,
    job_problem,
    leave_job,
    retire_character,
    school_problem,
)
from .effect_rules import (
    AffectionEffect,
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
    RomanceEffect,
    StatEffect,
    UnflagEffect,
)
from .grammar import fill
from .story_results import (
    CareerChanged,
    ClosenessChanged,
    Died,
    EffectOutcome,
    FlagCleared,
    FlagSet,
    FollowUpScheduled,
    MoneyChanged,
    PhotoTaken,
    RelativeDied,
    RomanceChanged,
    StatChanged,
)

__all__ = ["Scene", "apply_effects", "render"]


@frozen
class Scene:
    """What career effects need besides the character: the catalog and the instant."""

    catalog: Catalog  # the content (careers, dating, life rules)
    at: int  # the instant events are stamped with, ms


# -- text ---------------------------------------------------------------------------

_FALLBACKS = {"mother": "Mom", "father": "Dad", "sibling": "your sibling"}
_NO_PARTNER = "your partner"


def _relative_name(character: Character, role: str) -> str:
    """First name of the first living relative with ``role`` (else any, else a word)."""
    relatives = [r for r in character.family if r.role == role]
    living = [r for r in relatives if r.alive]
    chosen = living or relatives
    return chosen[0].name.split()[0] if chosen else _FALLBACKS[role]


def _partner_name(character: Character) -> str:
    """First name of the current partner, or a word without one."""
    romance = current_romance(character)
    return _NO_PARTNER if romance is None else romance.npc.name.split()[0]


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
        "partner": _partner_name(character),
    }
    return fill(template, values)


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
    if isinstance(effect, AffectionEffect | RomanceEffect):
        if scene is None:
            raise ValueError("dating effects need a Scene (catalog and instant)")
        character, events = _dating_effect(character, effect, day, scene)
        if events:
            outcomes.append(RomanceChanged(events))
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


def _dating_effect(
    character: Character,
    effect: AffectionEffect | RomanceEffect,
    day: int,
    scene: Scene,
) -> tuple[Character, tuple[Event, ...]]:
    """Apply a dating effect to the current relationship (module rules)."""
    rules = scene.catalog.dating
    if isinstance(effect, AffectionEffect):
        return affect(
            character,
            affection=effect.affection,
            npc_affection=effect.npc,
            at=scene.at,
            day=day,
            rules=rules,
        )
    return move(character, effect.trigger, at=scene.at, day=day, rules=rules)


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
