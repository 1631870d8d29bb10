"""Tests of ``baolife_core.life.activities``: locations and intraday activities."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve

from baolife_core import (
    ActivityDone,
    ActivityResult,
    ApplyForJob,
    ContentError,
    DoActivity,
    EnergyUpdated,
    JobApplicationResult,
    PlayerState,
    PurchaseEnergyRefill,
    Rejection,
    load_catalog,
    new_player,
    step,
)
from baolife_core.clock import MS_PER_MINUTE
from baolife_core.life.checks import check_passes
from baolife_core.rng import Stream
from content_packs import IMMORTAL, edited_catalog
from events import own_events
from lives import T0, WALL_DAY, aged

CATALOG = load_catalog()


def employed(years: int) -> PlayerState:
    """A character of ``years`` hired as a retail clerk (applying until hired)."""
    state = aged(years)
    for _ in range(8):
        outcome = step(
            state, ApplyForJob(at=state.clock.now_at + 1, job="retail_clerk"), IMMORTAL
        )
        state = outcome.state
        if isinstance(outcome.reply, JobApplicationResult) and outcome.reply.hired:
            return state
    raise AssertionError("eight interviews failed")


def do(
    state: PlayerState, activity: str, after_ms: int = 1
) -> tuple[PlayerState, object]:
    """Do ``activity`` ``after_ms`` after the state's clock; the state and reply."""
    outcome = step(
        state, DoActivity(at=state.clock.now_at + after_ms, activity=activity), IMMORTAL
    )
    return outcome.state, outcome.reply


def code(reply: object) -> str:
    """The rejection code of a reply."""
    assert isinstance(reply, Rejection), reply
    return reply.code


class TestContent:
    """``activities.toml`` loads and is validated."""

    def test_bundled(self) -> None:
        """Eight locations and nine activities, each at a known location."""
        rules = CATALOG.activities
        assert 8 == len(rules.locations)
        assert 9 == len(rules.activities)
        ids = {loc.id for loc in rules.locations}
        assert all(a.location in ids for a in rules.activities)

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field"),
        [
            (
                'location = "gym"',
                'location = "moon"',
                "activities[work_out]",
                "location",
            ),
            (
                "effects = { happiness = 4",
                "effects = { charm = 4",
                "activities[socialize]",
                "effects.charm",
            ),
            (
                "daily_cap = 1\neffects = { health = 4 }",
                "daily_cap = 0\neffects = { health = 4 }",
                "activities[see_doctor]",
                "daily_cap",
            ),
            ('check = { stat = "fitness"', 'check = { stat = "luck"', "check", "stat"),
            (
                "success = { fitness = 3",
                "effects = { fitness = 1 }\nsuccess = { fitness = 3",
                "activities[work_out]",
                "effects",
            ),
        ],
    )
    def test_errors_name_entry_and_field(
        self, tmp_path: Path, old: str, new: str, entry: str, field: str
    ) -> None:
        """Each broken value is reported with its file, entry and field."""
        with pytest.raises(ContentError) as caught:
            edited_catalog((old, new))
        assert ("activities.toml", entry, field) == (
            caught.value.file,
            caught.value.entry,
            caught.value.field,
        )


class TestChecks:
    """One check formula: ``stat + roll(0..99) >= difficulty + 50``."""

    def test_formula_bounds(self) -> None:
        """A stat 50 above the difficulty always passes; 50 below never does."""
        assert all(check_passes(90, 40, Stream(s)) for s in range(200))
        assert not any(check_passes(0, 51, Stream(s)) for s in range(200))

    def test_even_odds_at_equal_stat(self) -> None:
        """At stat == difficulty about half the rolls pass."""
        passed = sum(check_passes(50, 50, Stream(s)) for s in range(2000))
        assert 850 <= passed <= 1150


class TestDoActivity:
    """A valid activity spends energy and game time and changes stats."""

    def test_rest_as_a_baby(self) -> None:
        """Resting: 5 energy, +2 happiness, +1 health (clamped), 2 game hours busy."""
        state = aged(0)
        assert state.character is not None
        before = state.character.stats
        after, reply = do(state, "rest")
        assert isinstance(reply, ActivityResult)
        assert after.character is not None
        assert 95 == reply.energy
        assert min(100, before.happiness + 2) == after.character.stats.happiness
        assert min(100, before.health + 1) == after.character.stats.health
        assert "home" == after.character.location
        assert (("rest", 1),) == after.character.activity_counts
        assert reply.busy_until == after.character.busy_until

    def test_work_shift_raises_performance_by_the_check(self) -> None:
        """A shift adds 6 or 2 performance depending on the discipline check."""
        before = employed(20)
        assert before.character is not None
        assert before.character.career.job
        state, reply = do(before, "work_shift")
        assert isinstance(reply, ActivityResult)
        assert reply.success is not None
        assert state.character is not None
        assert state.character.career.job
        gained = (
            state.character.career.job.performance
            - before.character.career.job.performance
        )
        assert (6 if reply.success else 2) == gained
        assert before.character.money_cents == reply.money_cents

    @pytest.mark.parametrize(("activity", "needs"), [("work_shift", "job")])
    def test_requires_a_job(self, activity: str, needs: str) -> None:
        """Without a job, ``work_shift`` is refused and nothing changes."""
        state = aged(20)
        after, reply = do(state, activity)
        assert "requirements_not_met" == code(reply)
        assert needs in str(getattr(reply, "message", ""))
        assert state == after

    def test_attend_class_requires_a_school(self) -> None:
        """A 30-year-old out of school cannot attend class; a 7-year-old can."""
        state = aged(30)
        after, reply = do(state, "attend_class")
        assert "requirements_not_met" == code(reply)
        assert state == after
        assert isinstance(do(aged(7), "attend_class")[1], ActivityResult)

    def test_one_event_per_activity(self) -> None:
        """``ActivityDone`` records the outcome."""
        state = aged(20)
        outcome = step(
            state, DoActivity(at=state.clock.now_at + 1, activity="work_out"), IMMORTAL
        )
        (done,) = own_events(outcome.events)
        assert isinstance(done, ActivityDone)
        assert ("work_out", "gym", 25) == (done.activity, done.location, done.energy)

    def test_the_seed_purchase_example(self) -> None:
        """Spend energy, then buy the full refill: 35 diamonds off, energy 100.

        Growing up to 20 paid two achievements (``teenage_years`` 10 diamonds,
        ``coming_of_age`` 15), so the refill takes 1025 down to 990.
        """
        state, _ = do(aged(20), "work_out")
        assert ("coming_of_age", "first_breath", "teenage_years") == (
            state.retention.achievements
        )
        assert 1000 + 10 + 15 == state.wallet.diamonds
        outcome = step(
            state,
            PurchaseEnergyRefill(
                at=state.clock.now_at + 1, refill_type="full", idempotency_key="k"
            ),
            IMMORTAL,
        )
        assert isinstance(outcome.reply, EnergyUpdated)
        assert (100, 1025 - 35) == (outcome.reply.energy, outcome.reply.diamonds)


class TestRejections:
    """Each rule refuses with its own code and changes nothing."""

    def test_no_character(self) -> None:
        """Before ``create_character`` there is nobody to act."""
        state = new_player(seed=1, at=T0, catalog=IMMORTAL)
        outcome = step(state, DoActivity(at=T0, activity="rest"), IMMORTAL)
        assert "invalid_state" == code(outcome.reply)
        assert state == outcome.state

    def test_unknown_activity(self) -> None:
        """An unknown id is ``not_found``."""
        assert "not_found" == code(do(aged(5), "skydive")[1])

    @pytest.mark.parametrize(
        ("years", "activity"),
        [
            (0, "play"),
            (4, "attend_class"),
            (15, "work_shift"),
            (80, "work_shift"),
            (11, "work_out"),
        ],
    )
    def test_age_restricted(self, years: int, activity: str) -> None:
        """Age limits of the activity and of its location apply."""
        state = aged(years)
        after, reply = do(state, activity)
        assert "age_restricted" == code(reply)
        assert state == after

    def test_the_location_age_range_applies_too(self) -> None:
        """A gym open from 30 refuses a 20-year-old whom ``work_out`` (12+) allows."""
        late_gym = edited_catalog(
            (
                'id = "gym"\nname = "Gym"\nmin_age = 12',
                'id = "gym"\nname = "Gym"\nmin_age = 30',
            ),
            *(
                (f"daily_ppm = {b.daily_ppm}\n", "daily_ppm = 0\n")
                for b in CATALOG.life.death_bands
            ),
        )
        state = aged(20)
        outcome = step(
            state, DoActivity(at=state.clock.now_at + 1, activity="work_out"), late_gym
        )
        assert "age_restricted" == code(outcome.reply)
        assert isinstance(do(state, "work_out")[1], ActivityResult)

    def test_busy_until_the_activity_ends(self) -> None:
        """A second activity waits for the first's game time to pass."""
        state, _ = do(aged(20), "study")  # 2 game hours = 2 real minutes
        assert "busy" == code(do(state, "rest", after_ms=MS_PER_MINUTE)[1])
        assert isinstance(
            do(state, "rest", after_ms=2 * MS_PER_MINUTE + 1)[1], ActivityResult
        )

    def test_daily_limit_resets_the_next_game_day(self) -> None:
        """``see_doctor`` once a day: refused again today, allowed tomorrow."""
        state, _ = do(aged(30), "see_doctor")
        assert "daily_limit" == code(
            do(state, "see_doctor", after_ms=2 * MS_PER_MINUTE)[1]
        )
        tomorrow = do(state, "see_doctor", after_ms=WALL_DAY)[1]
        assert isinstance(tomorrow, ActivityResult)

    def test_no_energy(self) -> None:
        """Below the activity's cost, ``no_energy``."""
        state = aged(20)
        drained = evolve(
            state, energy=evolve(state.energy, amount=10, anchor_at=state.clock.now_at)
        )
        after, reply = do(drained, "work_out")
        assert "no_energy" == code(reply)
        assert drained == after

    def test_insufficient_money(self) -> None:
        """Meeting friends costs money the character may not have."""
        state = aged(20)
        assert state.character is not None
        assert 0 == state.character.money_cents
        assert "insufficient_money" == code(do(state, "socialize")[1])

    def test_the_dead_do_nothing(self) -> None:
        """After death, ``invalid_state``."""
        from baolife_core import Death

        state = aged(30)
        assert state.character is not None
        dead = evolve(
            state,
            character=evolve(
                state.character,
                death=Death(day=1, age=30, cause="illness", epitaph="x"),
            ),
        )
        assert "invalid_state" == code(do(dead, "rest")[1])
