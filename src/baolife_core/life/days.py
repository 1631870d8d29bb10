"""The day loop: what happens to a living character on each game day crossed.

Rules of this module (DESIGN.md "Determinism rules" 1 and 4):

- ``live_days`` runs every game day from the clock's day + 1 to ``to_day``, one at a
  time, each with its own streams (``("death", "<life>:<day>")``), so crossing days
  in one call or in several gives the same character: ``advance`` stays split
  invariant.
- On a birthday (every ``days_per_year`` days after birth; a ``Birthday`` event):
  health drifts from
  ``aging.from_age`` on, and the character enters the stage that starts at that
  age (``StageEntered``). Stages follow the content's order: a transition table
  from each stage to the next, taken when the age reaches the next stage's
  ``min_age``.
- Then the day's school and work (``careers.career_day``): schools start and end,
  paydays pay and review.
- Then the day's storylets (``storylets.live_story_day``): expired questions take
  their default choice, and the day may offer a life event or a question; their
  effects may end the life too.
- Every day a living character may die: the day's hazard (parts per million, by age
  band, multiplied while health is poor) against one draw. A death picks a cause by
  weight among the causes allowed at that age and ends the loop.
- Stats stay within 0..100.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..events import Birthday, CharacterDied, Event, StageEntered
from ..rng import stream
from ..state import Character, Death, PlayerState
from .calendar import age_on
from .careers import career_day
from .rules import LifeRules
from .story import photos, story_events
from .storylets import Scene, live_story_day

__all__ = ["age_on", "daily_hazard_ppm", "live_days", "next_stage"]


def next_stage(stage: str, rules: LifeRules) -> tuple[str, int] | None:
    """The transition out of ``stage``: ``(next stage, its min_age)``, or None."""
    ids = [s.id for s in rules.stages]
    index = ids.index(stage)
    if index + 1 == len(ids):
        return None
    following = rules.stages[index + 1]
    return following.id, following.min_age


def daily_hazard_ppm(character: Character, age: int, rules: LifeRules) -> int:
    """The chance of dying today, in parts per million."""
    band = next(b for b in rules.death_bands if age <= b.max_age)
    ppm = band.daily_ppm
    if character.stats.health < rules.poor_health:
        ppm *= rules.poor_health_factor
    return min(ppm, 1_000_000)


def _birthday(
    character: Character, day: int, at: int, rules: LifeRules
) -> tuple[Character, list[Event]]:
    age = age_on(character, day, rules)
    events: list[Event] = [Birthday(at=at, life=character.life, age=age, day=day)]
    if age >= rules.aging_from_age and rules.aging_health_per_year:
        health = min(100, max(0, character.stats.health + rules.aging_health_per_year))
        character = evolve(character, stats=evolve(character.stats, health=health))
    transition = next_stage(character.stage, rules)
    while transition is not None and age >= transition[1]:
        character = evolve(character, stage=transition[0])
        events.append(
            StageEntered(
                at=at, life=character.life, stage=transition[0], age=age, day=day
            )
        )
        transition = next_stage(character.stage, rules)
    return character, events


def _death(
    character: Character, seed: int, day: int, at: int, rules: LifeRules
) -> tuple[Character, CharacterDied] | None:
    age = age_on(character, day, rules)
    roll = stream(seed, "death", f"{character.life}:{day}")
    if roll.below(1_000_000) >= daily_hazard_ppm(character, age, rules):
        return None
    causes = [(c.id, c.weight) for c in rules.causes if c.min_age <= age]
    cause = roll.weighted(causes)
    epitaph = f"{character.name}, {age} years: {cause.replace('_', ' ')}."
    died = evolve(
        character, death=Death(day=day, age=age, cause=cause, epitaph=epitaph)
    )
    event = CharacterDied(
        at=at, life=character.life, day=day, age=age, cause=cause, epitaph=epitaph
    )
    return died, event


def live_days(
    state: PlayerState, to_day: int, at: int, catalog: Catalog
) -> tuple[PlayerState, tuple[Event, ...]]:
    """The state after the character lives days ``state.clock.day + 1 .. to_day``.

    Only the character and the album change; the caller moves the clock. Each day:
    the birthday (if it is one), school and work, the storylets, the death roll.
    """
    character = state.living
    if character is None:
        return state, ()
    rules = catalog.life
    events: list[Event] = []
    scene = Scene(catalog, at)
    for day in range(state.clock.day + 1, to_day + 1):
        lived = day - character.born_day
        if lived > 0 and lived % rules.days_per_year == 0:
            character, entered = _birthday(character, day, at, rules)
            events.extend(entered)
        age = age_on(character, day, rules)
        character, worked = career_day(character, state.seed, day, at, age, catalog)
        events.extend(worked)
        character, story, happenings = live_story_day(
            catalog.storylets,
            character,
            character.story,
            state.seed,
            day,
            age,
            scene,
        )
        if story is not character.story:
            character = evolve(character, story=story)
        events.extend(story_events(happenings, at, character.life, day))
        if character.death is not None:
            break
        death = _death(character, state.seed, day, at, rules)
        if death is not None:
            character = death[0]
            events.append(death[1])
            break
    lived_events = tuple(events)
    album = state.album + photos(lived_events)
    return evolve(state, character=character, album=album), lived_events
