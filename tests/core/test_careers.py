"""Tests of ``baolife_core.life.careers`` and ``career_rules``: schools and jobs.

States are reached by playing: ``aged`` lives a character from birth on content
where nobody dies and no storylet happens (``content_packs.IMMORTAL``), so only the
career rules move it. Where playing there would take a long grind (a job's
performance after months of shifts, a degree), a real state is changed with
``attrs.evolve`` into one the game can reach, and the test says so.
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from attrs import evolve

from baolife_core import (
    ActivityDone,
    ActivityResult,
    AnswerQuestion,
    AnswerResult,
    ApplyForJob,
    Career,
    Catalog,
    Character,
    CharacterRetired,
    Command,
    ContactMet,
    ContentError,
    CreateCharacter,
    DoActivity,
    Enroll,
    Enrolled,
    Event,
    Job,
    JobApplicationFailed,
    JobApplicationResult,
    JobEnded,
    JobQuit,
    JobStarted,
    NewPlayer,
    Outcome,
    PensionPaid,
    PhotoAdded,
    PlayerState,
    Promoted,
    QuestionAnswered,
    QuitJob,
    Rejection,
    Retire,
    RetirementStarted,
    SalaryPaid,
    SchoolFinished,
    Schooling,
    SchoolStarted,
    StoryState,
    advance,
    load_catalog,
    new_player,
    replay,
    step,
    tick,
)
from baolife_core.life.career_rules import JobSpec, School, system_flag_names
from baolife_core.life.careers import system_flags
from baolife_core.life.checks import check_passes
from baolife_core.life.contacts import CLOSENESS_AT_MEETING
from baolife_core.life.storylet_rules import (
    Conditions,
    Effect,
    EnrollEffect,
    JobEffect,
    LoseJobEffect,
    RetireEffect,
    StatEffect,
    Storylet,
    StoryletRules,
)
from baolife_core.life.storylets import (
    CareerChanged,
    EffectOutcome,
    PendingQuestion,
    Scene,
    apply_effects,
    eligible,
    question_id,
)
from baolife_core.rng import stream
from content_packs import DOOMED, IMMORTAL, copy_content, edited_catalog
from events import own_events
from lives import T0, YEAR, aged, at_day, born

CATALOG = load_catalog()
RULES = IMMORTAL.careers
SETTINGS = RULES.settings
EDUCATION = RULES.education
MONTH = SETTINGS.month_days
START = SETTINGS.performance_start
DECAY = SETTINGS.performance_decay
#: Paydays without a single shift until a review fires (performance < fire_below).
FIRED_AT = (START - SETTINGS.fire_below) // DECAY + 1

E = TypeVar("E")


# -- helpers ------------------------------------------------------------------------


def job_spec(job_id: str) -> JobSpec:
    """A job of the content."""
    spec = RULES.job(job_id)
    assert spec is not None
    return spec


def school_spec(school_id: str) -> School:
    """A school of the content."""
    spec = RULES.school(school_id)
    assert spec is not None
    return spec


def pension_of(salary_cents: int) -> int:
    """The monthly pension after a job with this salary."""
    return salary_cents * SETTINGS.pension_percent // 100


def gain(activity: str, field: str, *, success: bool) -> int:
    """An activity's ``grades`` or ``performance`` effect on success or failure."""
    spec = IMMORTAL.activities.activity(activity)
    assert spec is not None
    effects = spec.effects if success or spec.failure is None else spec.failure
    return int(getattr(effects, field))


CLERK_PAY = job_spec("retail_clerk").salary_cents
SUPERVISOR_PAY = job_spec("shift_supervisor").salary_cents
PRIMARY = school_spec("primary")
SECONDARY = school_spec("secondary")
TRADE = school_spec("trade_school")
UNIVERSITY = school_spec("university")


def immortal_with(*edits: tuple[str, str]) -> Catalog:
    """``IMMORTAL`` content with each ``(old, new)`` text edit applied once."""
    unused = list(edits)

    def edit(name: str, text: str) -> str:
        if name == "life.toml":
            text = re.sub(r"(?m)^daily_ppm = \d+$", "daily_ppm = 0", text)
        if name == "life_events.toml":
            text = re.sub(r"(?m)^daily_chance_ppm = \d+$", "daily_chance_ppm = 0", text)
        for old, new in edits:
            if old in text:
                text = text.replace(old, new, 1)
                unused.remove((old, new))
        return text

    with tempfile.TemporaryDirectory() as tmp:
        catalog = load_catalog(copy_content(Path(tmp), edit))
    assert not unused, f"edits matched nothing: {unused}"
    return catalog


def live_until(
    state: PlayerState, day: int, catalog: Catalog = IMMORTAL
) -> tuple[PlayerState, tuple[Event, ...]]:
    """Live up to the start of game ``day``; the state and the events of the days."""
    return tick(state, at_day(day), catalog)


def run(
    state: PlayerState, make: Callable[[int], Command], catalog: Catalog = IMMORTAL
) -> Outcome:
    """Step the command ``make(at)`` at the state's clock (no game time passes)."""
    return step(state, make(state.clock.now_at), catalog)


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def code(outcome: Outcome) -> str:
    """The rejection code of an outcome."""
    assert isinstance(outcome.reply, Rejection), outcome.reply
    return outcome.reply.code


def of_type(events: Sequence[object], kind: type[E]) -> list[E]:
    """The events of one kind, in order."""
    return [e for e in events if isinstance(e, kind)]


def hired(state: PlayerState, job: str = "retail_clerk") -> PlayerState:
    """``state`` after applying for ``job`` until an interview goes well."""
    for _ in range(8):
        outcome = run(state, lambda at: ApplyForJob(at=at, job=job))
        assert isinstance(outcome.reply, JobApplicationResult), outcome.reply
        state = outcome.state
        if outcome.reply.hired:
            return state
    raise AssertionError(f"eight interviews for {job} went badly")


@functools.cache
def smarts_of(seed: int) -> int:
    """The smarts a character of ``seed`` is born with (IMMORTAL keeps them)."""
    return hero(born(seed)).stats.smarts


def seed_with(smarts: Callable[[int], bool]) -> int:
    """The first seed whose character's smarts pass the predicate."""
    return next(seed for seed in range(1000) if smarts(smarts_of(seed)))


def earned(seed: int) -> PlayerState:
    """An 18-year-old who worked as a retail clerk from 16 until fired (no shifts)."""
    state, _ = live_until(hired(aged(16, seed)), 18 * YEAR)
    assert hero(state).career.job is None
    return state


def with_career(state: PlayerState, **changes: Any) -> PlayerState:
    """``state`` with its character's career changed."""
    character = hero(state)
    career = evolve(character.career, **changes)
    return evolve(state, character=evolve(character, career=career))


def with_performance(state: PlayerState, performance: int) -> PlayerState:
    """``state`` with the job's performance set, as daily shifts could have made it."""
    job = hero(state).career.job
    assert job is not None
    return with_career(state, job=evolve(job, performance=performance))


def paydays(state: PlayerState, count: int) -> tuple[PlayerState, tuple[Event, ...]]:
    """Live until the ``count``-th payday of the current job (inclusive)."""
    job = hero(state).career.job
    assert job is not None
    return live_until(state, job.since_day + count * MONTH)


# -- content ------------------------------------------------------------------------


class TestContent:
    """``careers.toml`` loads and is validated with located errors."""

    def test_bundled(self) -> None:
        """Four schools, prerequisites first; every promotion names a later job."""
        rules = CATALOG.careers
        assert ["primary", "secondary", "trade_school", "university"] == [
            s.id for s in rules.schools
        ]
        ids = [j.id for j in rules.jobs]
        for index, job in enumerate(rules.jobs):
            if job.promotes_to is not None:
                assert job.promotes_to in ids[index + 1 :]

    def test_system_flag_names(self) -> None:
        """The three state flags, and ``in_`` and ``degree_`` per school."""
        schools = [s.id for s in CATALOG.careers.schools]
        expected = {"employed", "retired", "studying"}
        expected |= {f"in_{s}" for s in schools} | {f"degree_{s}" for s in schools}
        assert frozenset(expected) == system_flag_names(CATALOG.careers)

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field"),
        [
            (  # a school requiring an unknown school
                'requires = "primary"\ntuition_cents = 400000',
                'requires = "kindergarten"\ntuition_cents = 400000',
                "schools[trade_school]",
                "requires",
            ),
            (  # a school requiring a later school: prerequisites cannot loop
                "years = 7\ncompulsory = true\n",
                'years = 7\ncompulsory = true\nrequires = "secondary"\n',
                "schools[primary]",
                "requires",
            ),
            (
                "min_age = 17\nmax_age = 60",
                "min_age = 17\nmax_age = 16",
                "schools[university]",
                "max_age",
            ),
            (  # a promotion back to an earlier job: a loop
                'difficulty = 55\n\n[[jobs]]\nid = "baker_apprentice"',
                'difficulty = 55\npromotes_to = "retail_clerk"\n\n'
                '[[jobs]]\nid = "baker_apprentice"',
                "jobs[store_manager]",
                "promotes_to",
            ),
            (  # a promotion to itself
                'difficulty = 50\n\n[[jobs]]\nid = "office_assistant"',
                'difficulty = 50\npromotes_to = "head_baker"\n\n'
                '[[jobs]]\nid = "office_assistant"',
                "jobs[head_baker]",
                "promotes_to",
            ),
            (
                'promotes_to = "shift_supervisor"',
                'promotes_to = "astronaut"',
                "jobs[retail_clerk]",
                "promotes_to",
            ),
            (
                'degree = "trade_school"\nsalary_cents = 200000',
                'degree = "mba"\nsalary_cents = 200000',
                "jobs[electrician_apprentice]",
                "degree",
            ),
            (
                'interview_stat = "smarts"',
                'interview_stat = "luck"',
                "careers",
                "interview_stat",
            ),
            (
                "mandatory_retirement_age = 70",
                "mandatory_retirement_age = 55",
                "careers",
                "mandatory_retirement_age",
            ),
            ("fire_below = 15", "fire_below = 80", "careers", "fire_below"),
            ("month_days = 3", "month_days = 0", "careers", "month_days"),
            (
                "pass_grade = 40",
                "pass_grade = 40\npass_mark = 40",
                "education",
                "pass_mark",
            ),
        ],
    )
    def test_errors_name_entry_and_field(
        self, old: str, new: str, entry: str, field: str
    ) -> None:
        """Each broken value is reported with its file, entry and field."""
        with pytest.raises(ContentError) as caught:
            edited_catalog((old, new))
        assert ("careers.toml", entry, field) == (
            caught.value.file,
            caught.value.entry,
            caught.value.field,
        )

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field"),
        [
            (
                'requires = "job"\nenergy',
                'requires = "car"\nenergy',
                "activities[work_shift]",
                "requires",
            ),
            (
                "success = { smarts = 2, grades = 2 }",
                "success = { smarts = 2, grades = 200 }",
                "activities[study]",
                "success.grades",
            ),
            (
                "success = { performance = 6,",
                "success = { performance = -101,",
                "activities[work_shift]",
                "success.performance",
            ),
            (
                "meet_percent = 30",
                "meet_percent = 130",
                "activities[socialize]",
                "meet_percent",
            ),
        ],
    )
    def test_activity_errors_name_entry_and_field(
        self, old: str, new: str, entry: str, field: str
    ) -> None:
        """``requires``, ``grades``, ``performance``, ``meet_percent`` are checked."""
        with pytest.raises(ContentError) as caught:
            edited_catalog((old, new))
        assert ("activities.toml", entry, field) == (
            caught.value.file,
            caught.value.entry,
            caught.value.field,
        )

    @pytest.mark.parametrize(
        ("effect", "problem"),
        [
            ('{ flag = "employed" }', "'employed' is a system flag"),
            ('{ flag = "retired" }', "'retired' is a system flag"),
            ('{ flag = "studying" }', "'studying' is a system flag"),
            ('{ unflag = "in_university" }', "'in_university' is a system flag"),
            ('{ flag = "degree_university" }', "'degree_university' is a system flag"),
            ('{ job = "astronaut" }', "names no job: 'astronaut'"),
            ('{ enroll = "hogwarts" }', "names no school: 'hogwarts'"),
        ],
    )
    def test_storylet_career_errors(self, effect: str, problem: str) -> None:
        """Storylets may not set system flags nor name unknown jobs or schools."""
        with pytest.raises(ContentError) as caught:
            edited_catalog(('{ job = "retail_clerk" }', effect))
        assert "life_events.toml" == caught.value.file
        where = "events[job_hunt].choices[apply_everywhere].success[0]"
        assert where in caught.value.problem
        assert problem in caught.value.problem

    def test_storylets_may_read_system_flags(self) -> None:
        """The bundled storylets read ``employed`` and ``studying`` in conditions."""
        read = {
            flag
            for s in CATALOG.storylets.events
            for flag in (*s.conditions.flags_all, *s.conditions.flags_none)
        }
        assert {"employed", "retired", "studying"} <= read


class TestSystemFlags:
    """``system_flags``: what the career state implies, for storylet conditions."""

    @pytest.mark.parametrize(
        ("career", "flags"),
        [
            (Career(), set()),
            (
                Career(schooling=Schooling(school="primary", since_day=1, grades=3)),
                {"studying", "in_primary"},
            ),
            (
                Career(
                    degrees=("primary", "secondary"),
                    job=Job(id="baker", since_day=1, performance=50, months=0),
                    last_job="baker",
                ),
                {"degree_primary", "degree_secondary", "employed"},
            ),
            (
                Career(degrees=("primary",), last_job="baker", retired=True),
                {"degree_primary", "retired"},
            ),
        ],
    )
    def test_flags(self, career: Career, flags: set[str]) -> None:
        """Degrees, the school attended, a job and retirement each set flags."""
        assert frozenset(flags) == system_flags(career)


# -- schools ------------------------------------------------------------------------


class TestCompulsorySchool:
    """Compulsory schools start by themselves and always award their degree."""

    def test_primary_starts_at_its_min_age(self) -> None:
        """Not the day before the birthday of ``min_age``; on it, grades = smarts."""
        day = PRIMARY.min_age * YEAR
        state, _ = live_until(born(), day - 1)
        assert hero(state).career.schooling is None
        state, events = live_until(state, day)
        started = SchoolStarted(
            at=at_day(day), life=1, school="primary", tuition_cents=0, day=day
        )
        assert [started] == of_type(events, SchoolStarted)
        smarts = hero(state).stats.smarts
        expected = Schooling(school="primary", since_day=day, grades=smarts)
        assert expected == hero(state).career.schooling

    def test_primary_ends_with_its_degree_and_secondary_follows(self) -> None:
        """After its years: the primary degree, and secondary starts that day."""
        day = (PRIMARY.min_age + PRIMARY.years) * YEAR
        assert "primary" == SECONDARY.requires
        state, events = live_until(aged(day // YEAR - 1), day)
        assert [("primary", True, day)] == [
            (e.school, e.degree, e.day) for e in of_type(events, SchoolFinished)
        ]
        assert [("secondary", 0, day)] == [
            (e.school, e.tuition_cents, e.day) for e in of_type(events, SchoolStarted)
        ]
        career = hero(state).career
        assert ("primary",) == career.degrees
        assert "secondary" == career.schooling.school  # type: ignore[union-attr]

    def test_low_grades_still_earn_a_compulsory_degree(self) -> None:
        """Seed 2 (smarts 11) leaves primary with grades 0 and its degree."""
        assert 11 == smarts_of(2)
        day = (PRIMARY.min_age + PRIMARY.years) * YEAR
        _, events = live_until(born(seed=2), day)
        finished = of_type(events, SchoolFinished)
        assert [("primary", 0, True)] == [
            (e.school, e.grades, e.degree) for e in finished
        ]

    def test_schooling_ends_with_secondary(self) -> None:
        """After secondary both degrees are held, and no school starts by itself."""
        done = (PRIMARY.min_age + PRIMARY.years + SECONDARY.years) * YEAR
        state, events = live_until(born(), done)
        assert [("primary", True), ("secondary", True)] == [
            (e.school, e.degree) for e in of_type(events, SchoolFinished)
        ]
        career = hero(state).career
        assert (("primary", "secondary"), None) == (career.degrees, career.schooling)
        later, events = live_until(state, done + 10 * YEAR)
        assert [] == of_type(events, SchoolStarted)
        assert career == hero(later).career


class TestGrades:
    """Grades start at smarts, slip every school year, rise with studying."""

    @pytest.mark.parametrize("years", [1, 2, 3, 6])
    def test_decay_on_every_anniversary(self, years: int) -> None:
        """``grade_decay_per_year`` is lost on each anniversary, not before."""
        start = PRIMARY.min_age * YEAR
        state = aged(PRIMARY.min_age)
        smarts = hero(state).stats.smarts
        state, _ = live_until(state, start + years * YEAR - 1)
        before = hero(state).career.schooling
        state, _ = live_until(state, start + years * YEAR)
        after = hero(state).career.schooling
        assert before is not None
        assert after is not None
        decay = EDUCATION.grade_decay_per_year
        assert (smarts - (years - 1) * decay, smarts - years * decay) == (
            before.grades,
            after.grades,
        )

    def test_grades_never_drop_below_zero(self) -> None:
        """Low smarts (seed 2: 11) bottom out at grades 0 within three years."""
        start = PRIMARY.min_age * YEAR
        assert 3 * EDUCATION.grade_decay_per_year > smarts_of(2)
        state, _ = live_until(born(seed=2), start + 3 * YEAR)
        assert Schooling(school="primary", since_day=start, grades=0) == (
            hero(state).career.schooling
        )

    @pytest.mark.parametrize("activity", ["study", "attend_class"])
    @pytest.mark.parametrize("seed", [0, 3, 4, 5])
    def test_activities_raise_grades_at_school(self, activity: str, seed: int) -> None:
        """``study`` and ``attend_class`` add their ``grades`` effect at school."""
        state = aged(8, seed)
        before = hero(state).career.schooling
        assert before is not None
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity=activity))
        assert isinstance(outcome.reply, ActivityResult)
        assert outcome.reply.success is not None
        after = hero(outcome.state).career.schooling
        assert after is not None
        added = gain(activity, "grades", success=outcome.reply.success)
        assert min(100, max(0, before.grades + added)) == after.grades

    @pytest.mark.parametrize("activity", ["study", "attend_class"])
    def test_both_check_outcomes_are_covered(self, activity: str) -> None:
        """Seeds 0 and 5 pass the check, 3 and 4 fail it (the seeds used above)."""
        passed = []
        for seed in (0, 5, 3, 4):
            state = aged(8, seed)
            outcome = run(state, lambda at: DoActivity(at=at + 1, activity=activity))
            assert isinstance(outcome.reply, ActivityResult)
            passed.append(outcome.reply.success)
        assert [True, True, False, False] == passed

    def test_grades_are_clamped_at_100(self) -> None:
        """Grades of 99 (reachable by studying) rise to 100, not past it."""
        state = aged(8, seed=0)
        schooling = hero(state).career.schooling
        assert schooling is not None
        state = with_career(state, schooling=evolve(schooling, grades=99))
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity="attend_class"))
        assert isinstance(outcome.reply, ActivityResult)
        assert outcome.reply.success
        assert 100 == hero(outcome.state).career.schooling.grades  # type: ignore[union-attr]

    def test_studying_out_of_school_changes_no_career(self) -> None:
        """At 20, ``study`` still works but has no grades to raise."""
        state = aged(20, seed=0)
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity="study"))
        assert isinstance(outcome.reply, ActivityResult)
        assert outcome.reply.success
        assert hero(state).career == hero(outcome.state).career

    @pytest.mark.parametrize(
        ("years", "activity", "needs"),
        [(20, "attend_class", "school"), (20, "work_shift", "job")],
    )
    def test_requires_is_requirements_not_met(
        self, years: int, activity: str, needs: str
    ) -> None:
        """Without a school or a job, ``requires`` refuses the activity."""
        state = aged(years)
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity=activity))
        assert (
            Rejection(
                code="requirements_not_met", message=f"{activity} needs a {needs}"
            )
            == outcome.reply
        )
        assert state == outcome.state


class TestEnroll:
    """``enroll``: a non-compulsory school, tuition paid in full."""

    def test_enrolls_and_debits_tuition(self) -> None:
        """Money earned at work pays the trade school; the reply says when it ends."""
        state = earned(seed=4)
        money = hero(state).money_cents
        assert FIRED_AT * CLERK_PAY == money
        day = 18 * YEAR
        outcome = run(state, lambda at: Enroll(at=at, school="trade_school"))
        tuition = TRADE.tuition_cents
        assert 0 < tuition <= money
        assert (
            Enrolled(
                school="trade_school",
                tuition_cents=tuition,
                ends_day=day + TRADE.years * YEAR,
                money_cents=money - tuition,
            )
            == outcome.reply
        )
        assert (
            SchoolStarted(
                at=state.clock.now_at,
                life=1,
                school="trade_school",
                tuition_cents=tuition,
                day=day,
            ),
        ) == own_events(outcome.events)
        character = hero(outcome.state)
        assert money - tuition == character.money_cents
        assert (
            Schooling(
                school="trade_school", since_day=day, grades=character.stats.smarts
            )
            == character.career.schooling
        )
        assert state.seq + 1 == outcome.state.seq

    def test_school_ends_on_the_day_the_reply_named(self) -> None:
        """The school is attended until ``ends_day`` and over on it."""
        outcome = run(earned(seed=4), lambda at: Enroll(at=at, school="trade_school"))
        assert isinstance(outcome.reply, Enrolled)
        end = outcome.reply.ends_day
        state, _ = live_until(outcome.state, end - 1)
        assert hero(state).career.schooling is not None
        state, events = live_until(state, end)
        assert [end] == [e.day for e in of_type(events, SchoolFinished)]
        assert hero(state).career.schooling is None

    @pytest.mark.parametrize(
        ("margin", "degree"),
        [(0, True), (-1, False), (20, True), (-10, False)],
    )
    def test_degree_at_or_above_the_pass_grade(self, margin: int, degree: bool) -> None:
        """Final grades ``margin`` away from ``pass_grade``: a degree from 0 up."""
        anniversaries = TRADE.years - 1
        decay = anniversaries * EDUCATION.grade_decay_per_year
        grades = EDUCATION.pass_grade + margin
        seed = seed_with(lambda smarts: smarts - decay == grades)
        state = run(earned(seed), lambda at: Enroll(at=at, school="trade_school")).state
        end = 18 * YEAR + TRADE.years * YEAR
        state, events = live_until(state, end)
        finished = SchoolFinished(
            at=at_day(end),
            life=1,
            school="trade_school",
            grades=grades,
            degree=degree,
            day=end,
        )
        assert [finished] == of_type(events, SchoolFinished)
        earned_degrees = ("trade_school",) if degree else ()
        assert ("primary", "secondary", *earned_degrees) == hero(state).career.degrees

    def test_a_degree_opens_its_jobs(self) -> None:
        """After trade school, an electrician's apprenticeship is possible."""
        state = run(
            earned(seed=4), lambda at: Enroll(at=at, school="trade_school")
        ).state
        state, _ = live_until(state, 18 * YEAR + TRADE.years * YEAR)
        outcome = run(
            state, lambda at: ApplyForJob(at=at, job="electrician_apprentice")
        )
        assert isinstance(outcome.reply, JobApplicationResult)

    def test_a_held_degree_cannot_be_taken_again(self) -> None:
        """``requirements_not_met`` after graduating from the same school."""
        state = run(
            earned(seed=4), lambda at: Enroll(at=at, school="trade_school")
        ).state
        state, _ = live_until(state, 18 * YEAR + TRADE.years * YEAR)
        outcome = run(state, lambda at: Enroll(at=at, school="trade_school"))
        assert (
            Rejection(
                code="requirements_not_met",
                message="already holds a trade_school degree",
            )
            == outcome.reply
        )

    @pytest.mark.parametrize("school", ["primary", "secondary", "moon_academy"])
    def test_not_found(self, school: str) -> None:
        """Unknown and compulsory schools take no enrolments."""
        state = aged(20)
        outcome = run(state, lambda at: Enroll(at=at, school=school))
        assert "not_found" == code(outcome)
        assert state == outcome.state

    def test_already_at_school(self) -> None:
        """At 16 the character is at secondary school: ``invalid_state``."""
        state = aged(16)
        outcome = run(state, lambda at: Enroll(at=at, school="trade_school"))
        assert Rejection(code="invalid_state", message="already at school") == (
            outcome.reply
        )
        assert state == outcome.state

    @pytest.mark.parametrize("school", [TRADE, UNIVERSITY], ids=lambda s: s.id)
    def test_too_old(self, school: School) -> None:
        """Past the school's ``max_age``: ``requirements_not_met``, before the money."""
        state = aged(school.max_age + 1)
        outcome = run(state, lambda at: Enroll(at=at, school=school.id))
        message = f"{school.id} takes ages {school.min_age}-{school.max_age}"
        assert Rejection(code="requirements_not_met", message=message) == (
            outcome.reply
        )
        assert state == outcome.state

    @pytest.mark.parametrize(
        ("margin", "code_"), [(-1, "requirements_not_met"), (0, "insufficient_money")]
    )
    def test_min_smarts(self, margin: int, code_: str) -> None:
        """Smarts just below the minimum refuse; at it, the money is checked next."""
        seed = seed_with(lambda smarts: smarts == UNIVERSITY.min_smarts + margin)
        state = aged(18, seed)
        outcome = run(state, lambda at: Enroll(at=at, school="university"))
        assert code_ == code(outcome)
        assert state == outcome.state

    def test_a_missing_degree(self) -> None:
        """Content where university needs trade school refuses an 18-year-old."""
        catalog = immortal_with(
            (
                'requires = "secondary"\nmin_smarts = 40',
                'requires = "trade_school"\nmin_smarts = 40',
            )
        )
        state = aged(18, catalog=catalog)
        outcome = step(
            state, Enroll(at=state.clock.now_at, school="university"), catalog
        )
        assert (
            Rejection(
                code="requirements_not_met",
                message="university needs a trade_school degree",
            )
            == outcome.reply
        )

    def test_insufficient_money(self) -> None:
        """An 18-year-old who never worked cannot pay the tuition."""
        state = aged(18)
        assert 0 == hero(state).money_cents
        outcome = run(state, lambda at: Enroll(at=at, school="trade_school"))
        message = f"tuition is {TRADE.tuition_cents}"
        assert Rejection(code="insufficient_money", message=message) == outcome.reply
        assert state == outcome.state


# -- jobs ---------------------------------------------------------------------------


class TestApplyForJob:
    """``apply_for_job``: requirements, energy, then the interview."""

    def test_hired(self) -> None:
        """The reply, the job, and two colleagues met with ``ContactMet`` events."""
        state = aged(16)
        outcome = run(state, lambda at: ApplyForJob(at=at, job="retail_clerk"))
        day = 16 * YEAR
        assert (
            JobApplicationResult(
                job="retail_clerk",
                hired=True,
                salary_cents=CLERK_PAY,
                energy=100 - SETTINGS.apply_energy,
            )
            == outcome.reply
        )
        career = hero(outcome.state).career
        expected_job = Job(
            id="retail_clerk",
            since_day=day,
            performance=SETTINGS.performance_start,
            months=0,
        )
        assert (expected_job, "retail_clerk") == (career.job, career.last_job)
        at = state.clock.now_at
        started, *met = own_events(outcome.events)
        assert (
            JobStarted(
                at=at, life=1, job="retail_clerk", salary_cents=CLERK_PAY, day=day
            )
            == started
        )
        contacts = hero(outcome.state).contacts
        assert SETTINGS.colleagues == len(met)
        assert [
            ContactMet(
                at=at, life=1, contact_id=c.id, role=c.role, name=c.name, day=day
            )
            for c in contacts
        ] == met
        assert [("colleague", day)] * SETTINGS.colleagues == [
            (c.role, c.met_day) for c in contacts
        ]
        low, high = CLOSENESS_AT_MEETING
        assert all(low <= c.closeness <= high for c in contacts)
        assert len({c.id for c in contacts}) == len(contacts)

    def test_interview_is_the_check_formula(self) -> None:
        """Hired iff ``check_passes(smarts, difficulty, ("job", seq))``; both happen."""
        difficulty = job_spec("shift_supervisor").difficulty
        results = []
        for seed in range(30):
            state = aged(18, seed)
            smarts = hero(state).stats.smarts
            roll = stream(seed, "job", state.seq + 1)
            expected = check_passes(smarts, difficulty, roll)
            outcome = run(state, lambda at: ApplyForJob(at=at, job="shift_supervisor"))
            assert isinstance(outcome.reply, JobApplicationResult)
            assert expected == outcome.reply.hired
            results.append(outcome.reply.hired)
        assert {True, False} == set(results)

    @staticmethod
    def interviews(*outcomes: bool) -> int:
        """A seed whose first supervisor interviews go as given (seq 2, 3 …)."""
        difficulty = job_spec("shift_supervisor").difficulty
        return next(
            seed
            for seed in range(200)
            if all(
                passed
                == check_passes(smarts_of(seed), difficulty, stream(seed, "job", 2 + n))
                for n, passed in enumerate(outcomes)
            )
        )

    def test_a_failed_interview(self) -> None:
        """Energy is spent and the command counted; the career is unchanged."""
        state = aged(18, self.interviews(False))
        outcome = run(state, lambda at: ApplyForJob(at=at, job="shift_supervisor"))
        assert (
            JobApplicationResult(
                job="shift_supervisor",
                hired=False,
                salary_cents=0,
                energy=100 - SETTINGS.apply_energy,
            )
            == outcome.reply
        )
        assert (
            JobApplicationFailed(
                at=state.clock.now_at, life=1, job="shift_supervisor", day=18 * YEAR
            ),
        ) == own_events(outcome.events)
        assert hero(state).career == hero(outcome.state).career
        assert () == hero(outcome.state).contacts
        assert state.seq + 1 == outcome.state.seq

    def test_a_new_interview_rolls_again(self) -> None:
        """Applying again after a failure rolls on the next ``seq``'s stream."""
        state = aged(18, self.interviews(False, True))
        first = run(state, lambda at: ApplyForJob(at=at, job="shift_supervisor"))
        second = run(first.state, lambda at: ApplyForJob(at=at, job="shift_supervisor"))
        assert isinstance(first.reply, JobApplicationResult)
        assert isinstance(second.reply, JobApplicationResult)
        assert (False, True, 100 - 2 * SETTINGS.apply_energy) == (
            first.reply.hired,
            second.reply.hired,
            second.reply.energy,
        )

    def test_no_energy(self) -> None:
        """Below ``apply_energy`` the application is refused before the interview."""
        state = aged(18)
        drained = evolve(
            state,
            energy=evolve(
                state.energy,
                amount=SETTINGS.apply_energy - 1,
                anchor_at=state.clock.now_at,
            ),
        )
        outcome = run(drained, lambda at: ApplyForJob(at=at, job="retail_clerk"))
        assert "no_energy" == code(outcome)
        assert drained == outcome.state

    def test_exactly_enough_energy(self) -> None:
        """With exactly ``apply_energy`` left, the application goes ahead."""
        state = aged(18)
        drained = evolve(
            state,
            energy=evolve(
                state.energy, amount=SETTINGS.apply_energy, anchor_at=state.clock.now_at
            ),
        )
        outcome = run(drained, lambda at: ApplyForJob(at=at, job="retail_clerk"))
        assert isinstance(outcome.reply, JobApplicationResult)
        assert 0 == outcome.reply.energy

    def test_no_character(self) -> None:
        """Before ``create_character``: ``invalid_state``."""
        state = new_player(seed=1, at=T0, catalog=IMMORTAL)
        outcome = run(state, lambda at: ApplyForJob(at=at, job="retail_clerk"))
        assert "invalid_state" == code(outcome)

    def test_unknown_job(self) -> None:
        """An unknown job is ``not_found``."""
        outcome = run(aged(18), lambda at: ApplyForJob(at=at, job="astronaut"))
        assert "not_found" == code(outcome)

    def test_already_employed(self) -> None:
        """One job at a time: ``invalid_state`` until quitting."""
        state = hired(aged(18))
        outcome = run(state, lambda at: ApplyForJob(at=at, job="baker_apprentice"))
        message = "already employed; quit first"
        assert Rejection(code="invalid_state", message=message) == outcome.reply
        assert state == outcome.state

    @pytest.mark.parametrize("job", ["retail_clerk", "office_assistant"])
    def test_too_young(self, job: str) -> None:
        """The year before a job's ``min_age``: ``requirements_not_met``."""
        spec = job_spec(job)
        state = aged(spec.min_age - 1)
        outcome = run(state, lambda at: ApplyForJob(at=at, job=job))
        message = f"{job} hires from age {spec.min_age}"
        assert Rejection(code="requirements_not_met", message=message) == (
            outcome.reply
        )
        assert state == outcome.state

    @pytest.mark.parametrize("job", ["junior_developer", "electrician", "nurse"])
    def test_missing_degree(self, job: str) -> None:
        """At the hiring age without the job's degree: ``requirements_not_met``."""
        spec = job_spec(job)
        state = aged(spec.min_age)
        outcome = run(state, lambda at: ApplyForJob(at=at, job=job))
        message = f"{job} needs a {spec.degree} degree"
        assert Rejection(code="requirements_not_met", message=message) == (
            outcome.reply
        )
        assert state == outcome.state

    @pytest.mark.parametrize(("margin", "refused"), [(-1, True), (0, False)])
    def test_min_smarts(self, margin: int, refused: bool) -> None:
        """Just below a job's ``min_smarts`` refuses; at it, the interview runs."""
        spec = job_spec("junior_developer")
        seed = seed_with(lambda smarts: smarts == spec.min_smarts + margin)
        state = aged(spec.min_age + 2, seed)
        # The degree the game grants after four years of university.
        state = with_career(state, degrees=("primary", "secondary", "university"))
        outcome = run(state, lambda at: ApplyForJob(at=at, job="junior_developer"))
        message = f"junior_developer needs smarts {spec.min_smarts}"
        expected = Rejection(code="requirements_not_met", message=message)
        assert refused == (expected == outcome.reply)
        assert refused != isinstance(outcome.reply, JobApplicationResult)

    def test_retired_characters_are_not_hired(self) -> None:
        """Retirement is for good: ``requirements_not_met``."""
        state = run(aged(60), lambda at: Retire(at=at)).state
        outcome = run(state, lambda at: ApplyForJob(at=at, job="retail_clerk"))
        assert Rejection(code="requirements_not_met", message="retired") == (
            outcome.reply
        )

    def test_rehiring_the_same_day_meets_nobody_twice(self) -> None:
        """Quitting and rejoining a workplace on one day keeps contact ids unique."""
        state = hired(aged(18))
        state = run(state, lambda at: QuitJob(at=at)).state
        state = hired(state)
        ids = [c.id for c in hero(state).contacts]
        assert sorted(set(ids)) == sorted(ids)


class TestQuitJob:
    """``quit_job`` leaves the job; the last job is remembered."""

    def test_quit(self) -> None:
        """The reply, a ``JobEnded`` with reason ``quit``, and no more salary."""
        state = hired(aged(18))
        outcome = run(state, lambda at: QuitJob(at=at))
        assert JobQuit(job="retail_clerk") == outcome.reply
        assert (
            JobEnded(
                at=state.clock.now_at,
                life=1,
                job="retail_clerk",
                reason="quit",
                day=18 * YEAR,
            ),
        ) == outcome.events
        career = hero(outcome.state).career
        assert (None, "retail_clerk") == (career.job, career.last_job)
        _, events = live_until(outcome.state, 19 * YEAR)
        assert [] == of_type(events, SalaryPaid)

    @pytest.mark.parametrize("years", [0, 18])
    def test_without_a_job(self, years: int) -> None:
        """Nothing to quit: ``invalid_state``."""
        state = aged(years)
        outcome = run(state, lambda at: QuitJob(at=at))
        assert "invalid_state" == code(outcome)
        assert state == outcome.state


class TestDeadOrAbsentCharacters:
    """Career commands need a living character."""

    @pytest.mark.parametrize(
        "make",
        [
            lambda at: ApplyForJob(at=at, job="retail_clerk"),
            lambda at: QuitJob(at=at),
            lambda at: Retire(at=at),
            lambda at: Enroll(at=at, school="trade_school"),
        ],
        ids=["apply_for_job", "quit_job", "retire", "enroll"],
    )
    @pytest.mark.parametrize("dead", [False, True], ids=["no_character", "dead"])
    def test_invalid_state(self, make: Callable[[int], Command], dead: bool) -> None:
        """Before the first life and after a death: ``invalid_state``."""
        if dead:
            state = aged(1, catalog=DOOMED)
            assert hero(state).death is not None
        else:
            state = new_player(seed=4, at=T0, catalog=DOOMED)
        outcome = run(state, make, DOOMED)
        assert "invalid_state" == code(outcome)
        assert state == outcome.state


class TestPayday:
    """Every ``month_days`` after hiring: salary, performance decay, review."""

    def test_first_payday(self) -> None:
        """Nothing in between; on the day, the salary and the decayed performance."""
        state = hired(aged(16))
        hire_day = 16 * YEAR
        state, events = live_until(state, hire_day + MONTH - 1)
        assert [] == of_type(events, SalaryPaid)
        state, events = live_until(state, hire_day + MONTH)
        performance = SETTINGS.performance_start - SETTINGS.performance_decay
        assert (
            SalaryPaid(
                at=at_day(hire_day + MONTH),
                life=1,
                job="retail_clerk",
                amount_cents=CLERK_PAY,
                performance=performance,
                day=hire_day + MONTH,
            ),
        ) == own_events(events)
        assert CLERK_PAY == hero(state).money_cents
        assert (
            Job(
                id="retail_clerk",
                since_day=hire_day,
                performance=performance,
                months=1,
            )
            == hero(state).career.job
        )

    @pytest.mark.parametrize("months", [2, 5, FIRED_AT - 1])
    def test_performance_slips_every_month(self, months: int) -> None:
        """After ``n`` paydays without a shift: n decays, n salaries, still employed."""
        state, events = paydays(hired(aged(16)), months)
        job = hero(state).career.job
        assert job is not None
        assert (START - months * DECAY, months, months * CLERK_PAY) == (
            job.performance,
            job.months,
            hero(state).money_cents,
        )
        assert months == len(of_type(events, SalaryPaid))

    def test_fired_below_fire_below(self) -> None:
        """The first review below ``fire_below`` pays the month, then fires."""
        state, events = paydays(hired(aged(16)), FIRED_AT)
        day = 16 * YEAR + FIRED_AT * MONTH
        last_pay = of_type(events, SalaryPaid)[-1]
        performance = START - FIRED_AT * DECAY
        assert performance < SETTINGS.fire_below <= performance + DECAY
        assert (day, performance) == (last_pay.day, last_pay.performance)
        fired = JobEnded(
            at=at_day(day), life=1, job="retail_clerk", reason="fired", day=day
        )
        assert [fired] == of_type(events, JobEnded)
        assert events.index(last_pay) + 1 == events.index(fired)
        career = hero(state).career
        assert (None, "retail_clerk") == (career.job, career.last_job)
        assert FIRED_AT * CLERK_PAY == hero(state).money_cents

    def test_the_day_loop_is_split_invariant(self) -> None:
        """Crossing paydays day by day or at once gives the same state."""
        state = hired(aged(16))
        end = at_day(17 * YEAR)
        stepwise = state
        for day in range(16 * YEAR + 1, 17 * YEAR + 1):
            stepwise = advance(stepwise, at_day(day), IMMORTAL)
        assert advance(state, end, IMMORTAL) == stepwise


class TestPromotion:
    """A review at ``promote_at`` after ``promote_after_months`` promotes."""

    AFTER = SETTINGS.promote_after_months

    def test_promoted_at_the_thresholds(self) -> None:
        """Exactly ``promote_at`` after the decay, at the month: promoted."""
        hire_day = 18 * YEAR
        state, _ = paydays(hired(aged(18)), self.AFTER - 1)
        state = with_performance(state, SETTINGS.promote_at + DECAY)
        state, events = paydays(state, self.AFTER)
        day = hire_day + self.AFTER * MONTH
        assert [
            Promoted(
                at=at_day(day),
                life=1,
                from_job="retail_clerk",
                to_job="shift_supervisor",
                salary_cents=SUPERVISOR_PAY,
                day=day,
            )
        ] == of_type(events, Promoted)
        career = hero(state).career
        new_role = Job(
            id="shift_supervisor", since_day=day, performance=START, months=0
        )
        assert (new_role, "shift_supervisor") == (career.job, career.last_job)
        # That day's salary is the old job's.
        assert self.AFTER * CLERK_PAY == hero(state).money_cents

    def test_the_new_role_pays_its_salary(self) -> None:
        """The next payday, a month after the promotion, pays the new salary."""
        state, _ = paydays(hired(aged(18)), self.AFTER - 1)
        state, _ = paydays(with_performance(state, 100), self.AFTER)
        state, events = paydays(state, 1)
        assert [("shift_supervisor", SUPERVISOR_PAY)] == [
            (e.job, e.amount_cents) for e in of_type(events, SalaryPaid)
        ]

    def test_not_below_promote_at(self) -> None:
        """One point short of ``promote_at`` after the decay: no promotion."""
        state, _ = paydays(hired(aged(18)), self.AFTER - 1)
        state = with_performance(state, SETTINGS.promote_at + DECAY - 1)
        state, events = paydays(state, self.AFTER)
        assert [] == of_type(events, Promoted)
        assert "retail_clerk" == hero(state).career.job.id  # type: ignore[union-attr]

    def test_not_before_promote_after_months(self) -> None:
        """Top performance a month early is not promoted; at the month it is."""
        state, _ = paydays(hired(aged(18)), self.AFTER - 2)
        state = with_performance(state, 100)
        state, early = paydays(state, self.AFTER - 1)
        job = hero(state).career.job
        assert job is not None
        assert ([], 100 - DECAY, self.AFTER - 1) == (
            of_type(early, Promoted),
            job.performance,
            job.months,
        )
        _, due = paydays(state, self.AFTER)
        assert ["shift_supervisor"] == [e.to_job for e in of_type(due, Promoted)]

    def test_not_without_the_next_jobs_requirements(self) -> None:
        """A clerk too young for the supervisor's ``min_age`` stays a clerk."""
        assert 16 + (self.AFTER * MONTH) // YEAR < job_spec("shift_supervisor").min_age
        state, _ = paydays(hired(aged(16)), self.AFTER - 1)
        state, events = paydays(with_performance(state, 100), self.AFTER)
        assert [] == of_type(events, Promoted)
        expected = Job(
            id="retail_clerk",
            since_day=16 * YEAR,
            performance=100 - DECAY,
            months=self.AFTER,
        )
        assert expected == hero(state).career.job

    def test_not_past_the_top_of_the_track(self) -> None:
        """A store manager (no ``promotes_to``) stays one."""
        assert job_spec("store_manager").promotes_to is None
        state, _ = paydays(hired(aged(22), "store_manager"), self.AFTER - 1)
        state, events = paydays(with_performance(state, 100), self.AFTER)
        assert [] == of_type(events, Promoted)
        assert "store_manager" == hero(state).career.job.id  # type: ignore[union-attr]


class TestRetirement:
    """Retirement: by command from 60, by force at 70; a monthly pension."""

    MIN_AGE = SETTINGS.retirement_min_age
    FORCED_AGE = SETTINGS.mandatory_retirement_age

    def test_mandatory_retirement(self) -> None:
        """The first payday at the mandatory age pays, then retires."""
        hire_day = (self.FORCED_AGE - 1) * YEAR + YEAR // 2
        state, _ = live_until(aged(self.FORCED_AGE - 1), hire_day)
        state = hired(state)
        month = -(-(self.FORCED_AGE * YEAR - hire_day) // MONTH)  # ceiling division
        assert month < FIRED_AT
        state, _ = paydays(state, month - 1)
        assert hero(state).career.job is not None
        state, events = paydays(state, month)
        day = hire_day + month * MONTH
        assert self.FORCED_AGE == day // YEAR
        pension = pension_of(CLERK_PAY)
        at = at_day(day)
        assert [
            JobEnded(at=at, life=1, job="retail_clerk", reason="retired", day=day),
            CharacterRetired(at=at, life=1, pension_cents=pension, day=day),
        ] == [e for e in events if isinstance(e, JobEnded | CharacterRetired)]
        assert [SalaryPaid, JobEnded, CharacterRetired] == [
            type(e) for e in own_events(events, birthdays=False)
        ]
        career = hero(state).career
        assert (None, True, pension) == (
            career.job,
            career.retired,
            career.pension_cents,
        )

    def test_too_young_to_retire(self) -> None:
        """Below ``retirement_min_age``: ``requirements_not_met``."""
        state = hired(aged(self.MIN_AGE - 1))
        outcome = run(state, lambda at: Retire(at=at))
        message = f"retirement starts at age {self.MIN_AGE}"
        assert Rejection(code="requirements_not_met", message=message) == (
            outcome.reply
        )
        assert state == outcome.state

    def test_retire_from_a_job(self) -> None:
        """At the minimum age: the job ends, the pension is a share of its salary."""
        state = hired(aged(self.MIN_AGE))
        outcome = run(state, lambda at: Retire(at=at))
        pension = pension_of(CLERK_PAY)
        assert RetirementStarted(pension_cents=pension) == outcome.reply
        at, day = state.clock.now_at, self.MIN_AGE * YEAR
        assert (
            JobEnded(at=at, life=1, job="retail_clerk", reason="retired", day=day),
            CharacterRetired(at=at, life=1, pension_cents=pension, day=day),
        ) == own_events(outcome.events)
        career = hero(outcome.state).career
        assert (None, "retail_clerk", True, pension) == (
            career.job,
            career.last_job,
            career.retired,
            career.pension_cents,
        )

    def test_the_pension_follows_the_last_job(self) -> None:
        """A supervisor who quit still gets a supervisor's pension."""
        state = hired(aged(self.MIN_AGE - 2), "shift_supervisor")
        state = run(state, lambda at: QuitJob(at=at)).state
        state, _ = live_until(state, self.MIN_AGE * YEAR)
        outcome = run(state, lambda at: Retire(at=at))
        assert RetirementStarted(pension_of(SUPERVISOR_PAY)) == outcome.reply

    def test_retire_without_ever_working(self) -> None:
        """No last job: a pension of 0, never paid."""
        state = aged(self.MIN_AGE)
        outcome = run(state, lambda at: Retire(at=at))
        assert RetirementStarted(pension_cents=0) == outcome.reply
        assert [CharacterRetired] == [type(e) for e in own_events(outcome.events)]
        _, events = live_until(outcome.state, (self.MIN_AGE + 1) * YEAR)
        assert [] == of_type(events, PensionPaid)

    def test_once_per_life(self) -> None:
        """A second ``retire`` is ``invalid_state``."""
        state = run(hired(aged(self.MIN_AGE)), lambda at: Retire(at=at)).state
        outcome = run(state, lambda at: Retire(at=at))
        assert "invalid_state" == code(outcome)
        assert state == outcome.state

    def test_pension_is_paid_monthly(self) -> None:
        """Every ``month_days``-th day of the life, the pension is paid."""
        first, last = self.MIN_AGE * YEAR, (self.MIN_AGE + 1) * YEAR
        state = run(hired(aged(self.MIN_AGE)), lambda at: Retire(at=at)).state
        money = hero(state).money_cents
        pension = hero(state).career.pension_cents
        assert pension_of(CLERK_PAY) == pension
        state, events = live_until(state, last)
        days = [d for d in range(first + 1, last + 1) if d % MONTH == 0]
        assert [
            PensionPaid(at=at_day(last), life=1, amount_cents=pension, day=d)
            for d in days
        ] == list(own_events(events, birthdays=False))
        assert money + len(days) * pension == hero(state).money_cents


class TestStoryletCareerEffects:
    """The ``job``, ``lose_job``, ``retire`` and ``enroll`` storylet effects."""

    @staticmethod
    def apply(
        state: PlayerState, effect: Effect
    ) -> tuple[Character, tuple[EffectOutcome, ...]]:
        """Apply one effect to the state's character today; the character, outcomes."""
        character = hero(state)
        day = state.clock.day
        changed, _, outcomes = apply_effects(
            character,
            character.story,
            (effect,),
            state.seed,
            "test",
            day,
            day // YEAR,
            Scene(IMMORTAL, state.clock.now_at),
        )
        return changed, outcomes

    def test_job_hires_and_meets_colleagues(self) -> None:
        """Hired without an interview: ``JobStarted`` and the colleagues met."""
        character, outcomes = self.apply(aged(18), JobEffect("office_assistant"))
        assert 1 == len(outcomes)
        changed = outcomes[0]
        assert isinstance(changed, CareerChanged)
        assert [JobStarted, ContactMet, ContactMet] == [type(e) for e in changed.events]
        assert "office_assistant" == character.career.job.id  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("years", "employed", "job"),
        [
            (18, False, "astronaut"),  # no such job
            (18, True, "office_assistant"),  # already employed
            (17, False, "office_assistant"),  # hires from 18
            (20, False, "junior_developer"),  # needs a university degree
        ],
    )
    def test_job_no_ops(self, years: int, employed: bool, job: str) -> None:
        """Where the career rules refuse, the effect does nothing."""
        state = aged(years)
        if employed:
            state = hired(state)
        character, outcomes = self.apply(state, JobEffect(job))
        assert (hero(state), ()) == (character, outcomes)

    def test_job_not_for_the_retired(self) -> None:
        """A retiree takes no job from a storylet."""
        state = run(aged(SETTINGS.retirement_min_age), lambda at: Retire(at=at)).state
        character, outcomes = self.apply(state, JobEffect("retail_clerk"))
        assert (hero(state), ()) == (character, outcomes)

    def test_lose_job(self) -> None:
        """The job ends with the effect's reason; a second time does nothing."""
        state = hired(aged(30))
        character, outcomes = self.apply(state, LoseJobEffect("laid_off"))
        assert [
            CareerChanged(
                (
                    JobEnded(
                        at=state.clock.now_at,
                        life=1,
                        job="retail_clerk",
                        reason="laid_off",
                        day=30 * YEAR,
                    ),
                )
            )
        ] == list(outcomes)
        assert character.career.job is None
        again = evolve(state, character=character)
        assert (character, ()) == self.apply(again, LoseJobEffect("laid_off"))

    def test_retire_at_any_age(self) -> None:
        """An early retirement at 30, with the pension of the job left."""
        state = hired(aged(30))
        character, outcomes = self.apply(state, RetireEffect())
        assert 1 == len(outcomes)
        changed = outcomes[0]
        assert isinstance(changed, CareerChanged)
        assert [JobEnded, CharacterRetired] == [type(e) for e in changed.events]
        assert (True, pension_of(CLERK_PAY), None) == (
            character.career.retired,
            character.career.pension_cents,
            character.career.job,
        )
        again = evolve(state, character=character)
        assert () == self.apply(again, RetireEffect())[1]

    def test_enroll_is_a_scholarship(self) -> None:
        """No tuition is paid; the school starts today."""
        state = aged(18)
        character, outcomes = self.apply(state, EnrollEffect("university"))
        assert [
            CareerChanged(
                (
                    SchoolStarted(
                        at=state.clock.now_at,
                        life=1,
                        school="university",
                        tuition_cents=0,
                        day=18 * YEAR,
                    ),
                )
            )
        ] == list(outcomes)
        assert hero(state).money_cents == character.money_cents
        assert "university" == character.career.schooling.school  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("years", "dull", "school"),
        [
            (16, False, "university"),  # already at secondary school
            (18, True, "university"),  # smarts below min_smarts
            (18, False, "primary"),  # too old for it
            (18, False, "hogwarts"),  # no such school
        ],
    )
    def test_enroll_no_ops(self, years: int, dull: bool, school: str) -> None:
        """Where the character may not start the school, nothing happens."""
        seed = seed_with(lambda smarts: smarts < UNIVERSITY.min_smarts) if dull else 4
        state = aged(years, seed)
        character, outcomes = self.apply(state, EnrollEffect(school))
        assert (hero(state), ()) == (character, outcomes)

    @pytest.mark.parametrize(
        "effect",
        [
            JobEffect("retail_clerk"),
            LoseJobEffect("fired"),
            RetireEffect(),
            EnrollEffect("university"),
        ],
    )
    def test_career_effects_need_a_scene(self, effect: Effect) -> None:
        """Without a ``Scene`` a career effect is a programming error."""
        character = hero(aged(18))
        with pytest.raises(ValueError, match="Scene"):
            apply_effects(
                character,
                character.story,
                (effect,),
                4,
                "test",
                18 * YEAR,
                18,
            )

    def test_an_answer_hires_through_the_engine(self) -> None:
        """Answering ``first_job`` with ``office``: the job and its events."""
        state = aged(19)
        day = state.clock.day
        # The question ``first_job`` asks from 19 (a storylet draw, off in IMMORTAL).
        question = PendingQuestion(
            id=question_id(state.seed, 1, day),
            event_id="first_job",
            asked_day=day,
            expires_day=day + IMMORTAL.storylets.settings.expire_days,
        )
        character = hero(state)
        asked = evolve(
            state,
            character=evolve(character, story=StoryState(pending=(question,))),
        )
        outcome = run(
            asked,
            lambda at: AnswerQuestion(at=at, question_id=question.id, choice="office"),
        )
        assert isinstance(outcome.reply, AnswerResult)
        assert "office_assistant" == hero(outcome.state).career.job.id  # type: ignore[union-attr]
        assert [QuestionAnswered, JobStarted, ContactMet, ContactMet, PhotoAdded] == [
            type(e) for e in own_events(outcome.events)
        ]


class TestSystemFlagsInConditions:
    """Storylet conditions read the career's system flags."""

    @staticmethod
    def reading(
        flags_all: tuple[str, ...], flags_none: tuple[str, ...]
    ) -> StoryletRules:
        """Rules with one storylet whose conditions are these flags."""
        storylet = Storylet(
            id="probe",
            title="t",
            text="t",
            conditions=Conditions(
                stages=(),
                min_age=0,
                max_age=150,
                stats=(),
                flags_all=flags_all,
                flags_none=flags_none,
                requires_role=None,
            ),
            weight=1,
            priority=0,
            once=False,
            cooldown_days=0,
            effects=(StatEffect("happiness", 1),),
            choices=(),
        )
        return StoryletRules(settings=CATALOG.storylets.settings, events=(storylet,))

    @staticmethod
    def holds(state: PlayerState, rules: StoryletRules) -> bool:
        """The probe storylet is eligible today."""
        character = hero(state)
        day = state.clock.day
        return bool(eligible(rules, character, character.story, day, day // YEAR))

    @pytest.mark.parametrize(
        ("build", "flag"),
        [
            (lambda: aged(8), "studying"),
            (lambda: aged(8), "in_primary"),
            (lambda: aged(13), "in_secondary"),
            (lambda: aged(13), "degree_primary"),
            (lambda: aged(20), "degree_secondary"),
            (lambda: hired(aged(18)), "employed"),
            (
                lambda: (
                    run(
                        aged(SETTINGS.retirement_min_age), lambda at: Retire(at=at)
                    ).state
                ),
                "retired",
            ),
        ],
    )
    def test_flag_set_by_the_career(
        self, build: Callable[[], PlayerState], flag: str
    ) -> None:
        """``flags_all`` holds and ``flags_none`` fails once the career sets a flag."""
        state = build()
        baby = aged(0)
        assert (True, False) == (
            self.holds(state, self.reading((flag,), ())),
            self.holds(state, self.reading((), (flag,))),
        )
        assert (False, True) == (
            self.holds(baby, self.reading((flag,), ())),
            self.holds(baby, self.reading((), (flag,))),
        )

    def test_story_and_system_flags_combine(self) -> None:
        """A condition may need a story flag and a system flag together."""
        state = hired(aged(18))
        character = hero(state)
        flagged = evolve(
            state,
            character=evolve(character, story=StoryState(flags=("met_mentor",))),
        )
        rules = self.reading(("employed", "met_mentor"), ())
        assert (False, True) == (self.holds(state, rules), self.holds(flagged, rules))


class TestActivities:
    """Activities that feed careers: shifts raise performance; friends are met."""

    @pytest.mark.parametrize("seed", [0, 3, 4, 5])
    def test_work_shift_raises_performance(self, seed: int) -> None:
        """A shift adds its ``performance`` effect, by the check's outcome."""
        state = hired(aged(18, seed))
        before = hero(state).career.job
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity="work_shift"))
        assert isinstance(outcome.reply, ActivityResult)
        assert outcome.reply.success is not None
        after = hero(outcome.state).career.job
        assert before is not None
        added = gain("work_shift", "performance", success=outcome.reply.success)
        assert evolve(before, performance=before.performance + added) == after

    def test_performance_is_clamped_at_100(self) -> None:
        """A shift at performance 99 (reachable by shifts) ends at 100."""
        state = with_performance(hired(aged(18, seed=0)), 99)
        outcome = run(state, lambda at: DoActivity(at=at + 1, activity="work_shift"))
        assert 100 == hero(outcome.state).career.job.performance  # type: ignore[union-attr]

    def test_socialize_meets_friends_at_meet_percent(self) -> None:
        """A friend is met exactly when the activity's stream draws under the chance."""
        socialize = IMMORTAL.activities.activity("socialize")
        assert socialize is not None
        state, _ = paydays(hired(aged(18)), 1)  # a salary pays for the café
        results = []
        for day in range(18 * YEAR + MONTH, 18 * YEAR + MONTH + 6):
            state, _ = live_until(state, day)
            for n in range(socialize.daily_cap):
                busy = socialize.game_ms // IMMORTAL.clock.time_scale
                at = state.clock.now_at + 1 + n * (busy + 1)
                outcome = step(state, DoActivity(at=at, activity="socialize"), IMMORTAL)
                assert isinstance(outcome.reply, ActivityResult), outcome.reply
                seq = state.seq + 1
                roll = stream(state.seed, "activity", seq)
                expected = roll.chance(socialize.meet_percent, 100)
                met = of_type(outcome.events, ContactMet)
                assert expected == bool(met)
                assert all(m.role == "friend" for m in met)
                friends = {c.id for c in hero(outcome.state).contacts}
                assert {m.contact_id for m in met} <= friends
                assert 1 == len(of_type(outcome.events, ActivityDone))
                results.append(expected)
                state = outcome.state
        assert {True, False} == set(results)


class TestReplay:
    """A career is journaled commands and days: replay gives the live state."""

    def test_a_working_life_replays(self) -> None:
        """Hire, enrol, quit and retire replay to the same state."""
        genesis = NewPlayer(at=T0, seed=4)
        journal: list[NewPlayer | Command] = [genesis, CreateCharacter(at=T0)]
        state = born()
        graduated = (18 + TRADE.years) * YEAR
        plan: list[tuple[int, Callable[[int], Command]]] = [
            (16 * YEAR, lambda at: ApplyForJob(at=at, job="retail_clerk")),
            (18 * YEAR, lambda at: Enroll(at=at, school="trade_school")),
            (graduated, lambda at: ApplyForJob(at=at, job="electrician_apprentice")),
            (graduated + 5, lambda at: QuitJob(at=at)),
            (31 * YEAR, lambda at: ApplyForJob(at=at, job="baker_apprentice")),
            (62 * YEAR, lambda at: Retire(at=at)),
        ]
        for day, make in plan:
            command = make(at_day(day))
            outcome = step(state, command, IMMORTAL)
            assert not isinstance(outcome.reply, Rejection), outcome.reply
            journal.append(command)
            state = outcome.state
        assert hero(state).career.retired
        assert state == replay(journal, IMMORTAL)
