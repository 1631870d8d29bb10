"""``do_activity``: an intraday activity costs energy and game time, moves stats.

Rules (issue "Locations and intraday activities"), checked in this order, each a
rejection that changes nothing:

1. a living character (``invalid_state``); 2. a known activity (``not_found``);
3. the character's age within the activity's and its location's ranges
(``age_restricted``); 4. a job or a school if the activity ``requires`` one
(``requirements_not_met``); 5. not busy: the game time has reached the end of the
last activity (``busy``); 6. fewer than ``daily_cap`` of this activity today,
counted per game day (``daily_limit``); 7. enough energy (``no_energy``); 8. enough
cash for the activity's worst-case cost (``insufficient_money``).

On success: energy is spent (read and set at ``at``, keeping regeneration
progress); a check rolls on the stream ``("activity", seq)`` (``life.checks``); the
outcome's effects apply, stats, grades and performance clamped to 0..100 (grades
only at school, performance only in a job); the character moves to the location
and is busy for the activity's game time; with ``meet_percent``, a second draw of
the same stream may introduce a new friend (``ContactMet``). One ``ActivityDone``
event; the reply ``activity_result``.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..clock import game_elapsed_ms
from ..commands import DoActivity
from ..economy.energy import current_energy, with_amount
from ..events import ActivityDone, ContactMet
from ..outcome import Outcome, reject
from ..replies import (
    AGE_RESTRICTED,
    BUSY,
    DAILY_LIMIT,
    INSUFFICIENT_MONEY,
    INVALID_STATE,
    NO_ENERGY,
    NOT_FOUND,
    REQUIREMENTS_NOT_MET,
    ActivityResult,
)
from ..rng import stream
from ..state import Character, PlayerState
from .activity_rules import Activity, Effects
from .checks import check_passes
from .contacts import meet_contacts
from .days import age_on

__all__ = ["apply_stat_effects", "do_activity"]


def apply_stat_effects(
    character: Character, effects: Effects
) -> tuple[Character, tuple[tuple[str, int], ...]]:
    """Apply stat deltas and money, clamped; return the changes actually made."""
    stats = character.stats
    changes: list[tuple[str, int]] = []
    for name, delta in effects.stats:
        before = getattr(stats, name)
        after = min(100, max(0, before + delta))
        stats = evolve(stats, **{name: after})
        changes.append((name, after - before))
    money = max(0, character.money_cents + effects.money_cents)
    career = character.career
    if effects.grades and career.schooling is not None:
        grades = min(100, max(0, career.schooling.grades + effects.grades))
        career = evolve(career, schooling=evolve(career.schooling, grades=grades))
    if effects.performance and career.job is not None:
        performance = min(100, max(0, career.job.performance + effects.performance))
        career = evolve(career, job=evolve(career.job, performance=performance))
    character = evolve(character, stats=stats, money_cents=money, career=career)
    return character, tuple(changes)


def _worst_cost(activity: Activity) -> int:
    outcomes = [activity.effects] + ([activity.failure] if activity.failure else [])
    return max(0, -min(effects.money_cents for effects in outcomes))


def do_activity(state: PlayerState, command: DoActivity, catalog: Catalog) -> Outcome:
    """Apply ``do_activity`` to a state advanced to ``command.at`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    rules = catalog.activities
    activity = rules.activity(command.activity)
    if activity is None:
        return reject(state, NOT_FOUND, f"unknown activity {command.activity!r}")
    day = state.clock.day
    age = age_on(character, day, catalog.life)
    location = rules.location(activity.location)
    if not (
        activity.min_age <= age <= activity.max_age
        and location.min_age <= age <= location.max_age
    ):
        return reject(state, AGE_RESTRICTED, f"{activity.id} is not for age {age}")
    career = character.career
    if (activity.requires == "job" and career.job is None) or (
        activity.requires == "school" and career.schooling is None
    ):
        return reject(
            state, REQUIREMENTS_NOT_MET, f"{activity.id} needs a {activity.requires}"
        )
    clock = state.clock
    now = game_elapsed_ms(
        clock.started_at, clock.now_at, catalog.clock.time_scale, clock.skipped_ms
    )
    if now < character.busy_until:
        return reject(state, BUSY, f"busy for {character.busy_until - now} game ms")
    counts = dict(character.activity_counts) if character.activity_day == day else {}
    if counts.get(activity.id, 0) >= activity.daily_cap:
        return reject(
            state, DAILY_LIMIT, f"{activity.id} done {activity.daily_cap}x today"
        )
    energy = current_energy(state.energy, command.at, catalog.energy)
    if energy < activity.energy:
        return reject(state, NO_ENERGY, f"{activity.id} needs {activity.energy} energy")
    if character.money_cents < _worst_cost(activity):
        return reject(state, INSUFFICIENT_MONEY, f"{activity.id} costs money")
    seq = state.seq + 1
    success: bool | None = None
    effects = activity.effects
    roll = stream(state.seed, "activity", seq)
    if activity.check is not None and activity.failure is not None:
        stat, difficulty = activity.check
        success = check_passes(getattr(character.stats, stat), difficulty, roll)
        effects = activity.effects if success else activity.failure
    character, changes = apply_stat_effects(character, effects)
    counts[activity.id] = counts.get(activity.id, 0) + 1
    character = evolve(
        character,
        location=activity.location,
        busy_until=now + activity.game_ms,
        activity_day=day,
        activity_counts=tuple(sorted(counts.items())),
    )
    met: tuple[ContactMet, ...] = ()
    if activity.meet_percent and roll.chance(activity.meet_percent, 100):
        character, met = meet_contacts(
            character,
            role="friend",
            count=1,
            seed=state.seed,
            key=f"activity:{seq}",
            day=day,
            at=command.at,
            rules=catalog.life,
        )
    left = energy - activity.energy
    done = ActivityDone(
        at=command.at,
        life=character.life,
        activity=activity.id,
        location=activity.location,
        energy=activity.energy,
        success=success,
        stats=changes,
        money_cents=effects.money_cents,
        day=day,
    )
    return Outcome(
        state=evolve(
            state,
            seq=seq,
            character=character,
            energy=with_amount(state.energy, command.at, left, catalog.energy),
        ),
        events=(done, *met),
        reply=ActivityResult(
            activity=activity.id,
            success=success,
            stats=changes,
            money_cents=character.money_cents,
            energy=left,
            busy_until=character.busy_until,
        ),
    )
