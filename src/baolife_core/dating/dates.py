"""``go_on_date``: a venue's activity with a match or the partner.

Rules (issue "Dating" 5; docs/dating.md "Dates"), checked in this order, each a
rejection that changes nothing:

1. a living character (``invalid_state``); 2. the character at least the dating
``min_age`` (``age_restricted``); 3. the NPC one of the character's relationships
(``not_found``); 4. a known venue and activity (``not_found``); 5. the character at
least the venue's ``min_age`` (``age_restricted``); 6. no current (committed)
relationship with another NPC (``invalid_state``: one love at a time); 7. not busy,
the rule of ``do_activity`` (``busy``); 8. fewer than ``per_day`` dates this game
day, counted in ``activity_counts`` under ``DATE_KEY`` (``daily_limit``); 9. enough
energy (``no_energy``); 10. enough cash for the activity (``insufficient_money``).

On success: energy, cash and game time are spent as for an activity; the activity's
stat check rolls on the stream ``("date", seq)`` (``life.checks``) and a second draw
of the same stream is the luck roll of 0..100. The date's points are
``compatibility * share / 100 + luck * share / 100 + (check share if the check
passed)`` and its outcome the best tier whose ``min_points`` they reach. Both
affections move by the tier's change plus the activity's ``affection`` and
happiness by the tier's (all clamped to 0..100); a memorable tier (one with a
photo) puts a photo in the album. Then the NPC leaves if its affection fell below
``leave_below`` (``endings``); otherwise a first date moves ``matched`` to
``dating``. (An NPC leaving after a first date was never dating: ``matched`` ends,
an unmatch.) Events: ``DateWent``, ``PhotoAdded``, ``RelationshipChanged``; the
reply ``date_result``.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..clock import MS_PER_MINUTE, game_elapsed_ms
from ..commands import GoOnDate
from ..economy.energy import current_energy, with_amount
from ..events import DateWent, Event
from ..life.calendar import age_on
from ..life.checks import check_passes
from ..outcome import Outcome, reject
from ..replies import (
    AGE_RESTRICTED,
    BUSY,
    DAILY_LIMIT,
    INSUFFICIENT_MONEY,
    INVALID_STATE,
    NO_ENERGY,
    NOT_FOUND,
    DateResult,
)
from ..rng import stream
from ..state import Photo, PlayerState
from .endings import (
    caption,
    clamp,
    leave_if_unloved,
    photo_added,
    replace_romance,
    shift,
)
from .rules import DateOutcome, DateRules
from .stages import TRANSITIONS, current_romance, find_romance

__all__ = ["DATE_KEY", "date_points", "go_on_date", "outcome_tier"]

#: The ``activity_counts`` key that counts a game day's dates (no activity id has
#: a colon, so it never meets one).
DATE_KEY = "date:"


def date_points(
    rules: DateRules, compatibility: int, luck: int, check_passed: bool
) -> int:
    """A date's points (module rules): 0..100 when the shares sum to 100."""
    return (
        compatibility * rules.compatibility // 100
        + luck * rules.luck // 100
        + (rules.check if check_passed else 0)
    )


def outcome_tier(rules: DateRules, points: int) -> DateOutcome:
    """The best tier whose ``min_points`` ``points`` reach (the last is at 0)."""
    for tier in rules.outcomes:
        if points >= tier.min_points:
            return tier
    return rules.outcomes[-1]


def go_on_date(state: PlayerState, command: GoOnDate, catalog: Catalog) -> Outcome:
    """Apply ``go_on_date`` to a state advanced to ``command.at`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    rules = catalog.dating
    day = state.clock.day
    age = age_on(character, day, catalog.life)
    if age < rules.min_age:
        return reject(state, AGE_RESTRICTED, f"dating starts at {rules.min_age}")
    romance = find_romance(character, command.npc_id)
    if romance is None:
        return reject(state, NOT_FOUND, "no relationship with this npc")
    venue = rules.venue(command.venue)
    activity = None if venue is None else venue.activity(command.activity)
    if venue is None or activity is None:
        return reject(
            state, NOT_FOUND, f"no date {command.venue!r}/{command.activity!r}"
        )
    if age < venue.min_age:
        return reject(state, AGE_RESTRICTED, f"{venue.id} is not for age {age}")
    current = current_romance(character)
    if current is not None and current.npc.id != romance.npc.id:
        return reject(state, INVALID_STATE, f"in a relationship ({current.stage})")
    clock = state.clock
    now = game_elapsed_ms(
        clock.started_at, clock.now_at, catalog.clock.time_scale, clock.skipped_ms
    )
    if now < character.busy_until:
        return reject(state, BUSY, f"busy for {character.busy_until - now} game ms")
    counts = dict(character.activity_counts) if character.activity_day == day else {}
    if counts.get(DATE_KEY, 0) >= rules.dates.per_day:
        return reject(state, DAILY_LIMIT, f"{rules.dates.per_day} dates a day")
    energy = current_energy(state.energy, command.at, catalog.energy)
    if energy < activity.energy:
        return reject(state, NO_ENERGY, f"{activity.id} needs {activity.energy} energy")
    if character.money_cents < activity.cost_cents:
        return reject(state, INSUFFICIENT_MONEY, f"{activity.id} costs money")

    seq = state.seq + 1
    roll = stream(state.seed, "date", seq)
    passed = check_passes(
        getattr(character.stats, activity.stat), activity.difficulty, roll
    )
    luck = roll.below(101)
    tier = outcome_tier(
        rules.dates, date_points(rules.dates, romance.compatibility, luck, passed)
    )
    dated = evolve(
        romance,
        affection=clamp(romance.affection + tier.affection + activity.affection),
        npc_affection=clamp(
            romance.npc_affection + tier.npc_affection + activity.affection
        ),
        dates=romance.dates + 1,
    )
    counts[DATE_KEY] = counts.get(DATE_KEY, 0) + 1
    stats = character.stats
    character = replace_romance(
        evolve(
            character,
            stats=evolve(stats, happiness=clamp(stats.happiness + tier.happiness)),
            money_cents=character.money_cents - activity.cost_cents,
            busy_until=now + activity.game_minutes * MS_PER_MINUTE,
            activity_day=day,
            activity_counts=tuple(sorted(counts.items())),
        ),
        dated,
    )
    events: list[Event] = [
        DateWent(
            at=command.at,
            life=character.life,
            npc_id=dated.npc.id,
            venue=venue.id,
            activity=activity.id,
            outcome=tier.id,
            energy=activity.energy,
            money_cents=activity.cost_cents,
            affection=dated.affection,
            npc_affection=dated.npc_affection,
            day=day,
        )
    ]
    photos: tuple[Photo, ...] = ()
    text = None if tier.photo is None else caption(tier.photo, dated, venue.name)
    if text is not None:
        photos = (Photo(life=character.life, day=day, caption=text),)
        events.append(photo_added(character, text, at=command.at, day=day))
    character, left = leave_if_unloved(
        character, dated, at=command.at, day=day, rules=rules.relationships
    )
    events.extend(left)
    stage = left[0].to_stage if left else dated.stage
    if not left and (dated.stage, "date") in TRANSITIONS:
        character, _, changed = shift(
            character, dated, "date", by="character", at=command.at, day=day
        )
        events.append(changed)
        stage = changed.to_stage
    left_energy = energy - activity.energy
    return Outcome(
        state=evolve(
            state,
            seq=seq,
            character=character,
            energy=with_amount(state.energy, command.at, left_energy, catalog.energy),
            album=state.album + photos,
        ),
        events=tuple(events),
        reply=DateResult(
            npc_id=dated.npc.id,
            venue=venue.id,
            activity=activity.id,
            outcome=tier.id,
            affection=dated.affection,
            npc_affection=dated.npc_affection,
            stage=stage,
            photo=text,
            energy=left_energy,
            money_cents=character.money_cents,
            busy_until=character.busy_until,
        ),
    )
