"""Education and careers: schools, degrees, jobs, paydays, reviews, retirement.

Rules of this module (issue "Characters"; docs/life.md "Education and careers"):

- A character attends at most one school and holds at most one job at a time.
  Compulsory schools start by themselves on the first day the character is old
  enough and holds the prerequisite degree; the others by ``enroll`` (tuition paid
  in full) or a storylet's ``enroll`` effect (no tuition: a scholarship).
- A school ends ``years`` game years after it started: a compulsory school always
  awards its degree, another only with grades at or above ``pass_grade``. Grades
  start at the character's smarts and slip on every school anniversary.
- Every ``month_days`` game days after a job's start is a payday: the salary is
  paid, performance slips, then the review: at or past the mandatory retirement
  age the character retires; below ``fire_below`` it is fired; at or above
  ``promote_at`` after ``promote_after_months`` paydays, with the next job's
  requirements met, it is promoted (a new role: performance and months restart).
- A retiree holds no job and is paid its pension on every ``month_days``-th day of
  its life; retiring is once per life.
- Nothing here draws from a stream except the job interview (``("job", seq)``)
  and the colleagues met (``contacts``). Salaries and pensions are integer cents.
- Storylets may not set the system flags (``system_flags``); they read them in
  conditions and change careers only through the ``job``, ``lose_job``,
  ``retire`` and ``enroll`` effects.
"""

from __future__ import annotations

from typing import Any

from attrs import evolve

from ..catalog import Catalog
from ..commands import ApplyForJob, Enroll, QuitJob, Retire
from ..economy.energy import current_energy, with_amount
from ..events import (
    CharacterRetired,
    Event,
    JobApplicationFailed,
    JobEnded,
    JobStarted,
    PensionPaid,
    Promoted,
    SalaryPaid,
    SchoolFinished,
    SchoolStarted,
)
from ..outcome import Outcome, reject
from ..replies import (
    INSUFFICIENT_MONEY,
    INVALID_STATE,
    NO_ENERGY,
    NOT_FOUND,
    REQUIREMENTS_NOT_MET,
    Enrolled,
    JobApplicationResult,
    JobQuit,
    RetirementStarted,
)
from ..rng import stream
from ..state import Career, Character, Job, PlayerState, Schooling
from .calendar import age_on
from .career_rules import CareerRules, CareerSettings, JobSpec, School
from .checks import check_passes
from .contacts import meet_contacts

__all__ = [
    "apply_for_job",
    "career_day",
    "enroll",
    "enroll_school",
    "hire",
    "job_problem",
    "leave_job",
    "quit_job",
    "retire",
    "retire_character",
    "school_problem",
    "system_flags",
]


def system_flags(career: Career) -> frozenset[str]:
    """The flags the career state implies now (``career_rules.system_flag_names``)."""
    flags = {f"degree_{degree}" for degree in career.degrees}
    if career.job is not None:
        flags.add("employed")
    if career.retired:
        flags.add("retired")
    if career.schooling is not None:
        flags.update(("studying", f"in_{career.schooling.school}"))
    return frozenset(flags)


def _with_career(character: Character, **changes: Any) -> Character:
    return evolve(character, career=evolve(character.career, **changes))


# -- requirements -------------------------------------------------------------------


def job_problem(
    character: Character, job: JobSpec, age: int, settings: CareerSettings
) -> str | None:
    """Why the character cannot take ``job`` now, or None."""
    career = character.career
    if career.retired:
        return "retired"
    if age < job.min_age:
        return f"{job.id} hires from age {job.min_age}"
    if age >= settings.mandatory_retirement_age:
        return f"nobody is hired from age {settings.mandatory_retirement_age}"
    if job.degree is not None and job.degree not in career.degrees:
        return f"{job.id} needs a {job.degree} degree"
    if character.stats.smarts < job.min_smarts:
        return f"{job.id} needs smarts {job.min_smarts}"
    return None


def school_problem(character: Character, school: School, age: int) -> str | None:
    """Why the character cannot start ``school`` now, or None."""
    career = character.career
    if not school.min_age <= age <= school.max_age:
        return f"{school.id} takes ages {school.min_age}-{school.max_age}"
    if school.id in career.degrees:
        return f"already holds a {school.id} degree"
    if school.requires is not None and school.requires not in career.degrees:
        return f"{school.id} needs a {school.requires} degree"
    if character.stats.smarts < school.min_smarts:
        return f"{school.id} needs smarts {school.min_smarts}"
    return None


# -- transitions (shared by commands, the day loop and storylet effects) ------------


def enroll_school(
    character: Character, school: School, tuition: int, day: int, at: int
) -> tuple[Character, SchoolStarted]:
    """Start ``school`` today, paying ``tuition`` (the caller checked the cash)."""
    schooling = Schooling(
        school=school.id, since_day=day, grades=character.stats.smarts
    )
    character = evolve(
        _with_career(character, schooling=schooling),
        money_cents=character.money_cents - tuition,
    )
    event = SchoolStarted(
        at=at, life=character.life, school=school.id, tuition_cents=tuition, day=day
    )
    return character, event


def hire(
    character: Character,
    job: JobSpec,
    *,
    seed: int,
    day: int,
    at: int,
    catalog: Catalog,
) -> tuple[Character, tuple[Event, ...]]:
    """Start ``job`` today and meet its colleagues (requirements checked by caller)."""
    settings = catalog.careers.settings
    held = Job(
        id=job.id, since_day=day, performance=settings.performance_start, months=0
    )
    character = _with_career(character, job=held, last_job=job.id)
    started = JobStarted(
        at=at, life=character.life, job=job.id, salary_cents=job.salary_cents, day=day
    )
    character, met = meet_contacts(
        character,
        role="colleague",
        count=settings.colleagues,
        seed=seed,
        key=f"job:{job.id}",
        day=day,
        at=at,
        rules=catalog.life,
    )
    return character, (started, *met)


def leave_job(
    character: Character, reason: str, day: int, at: int
) -> tuple[Character, tuple[Event, ...]]:
    """End the current job (no-op without one)."""
    job = character.career.job
    if job is None:
        return character, ()
    ended = JobEnded(at=at, life=character.life, job=job.id, reason=reason, day=day)
    return _with_career(character, job=None), (ended,)


def retire_character(
    character: Character, day: int, at: int, rules: CareerRules
) -> tuple[Character, tuple[Event, ...]]:
    """Retire: leave the job and fix the pension from the last job's salary."""
    if character.career.retired:
        return character, ()
    character, events = leave_job(character, "retired", day, at)
    last = character.career.last_job
    spec = None if last is None else rules.job(last)
    salary = 0 if spec is None else spec.salary_cents
    pension = salary * rules.settings.pension_percent // 100
    character = _with_career(character, retired=True, pension_cents=pension)
    retired = CharacterRetired(
        at=at, life=character.life, pension_cents=pension, day=day
    )
    return character, (*events, retired)


# -- the day loop -------------------------------------------------------------------


def _school_day(
    character: Character, day: int, at: int, age: int, catalog: Catalog
) -> tuple[Character, list[Event]]:
    rules = catalog.careers
    events: list[Event] = []
    schooling = character.career.schooling
    if schooling is not None:
        school = rules.school(schooling.school)
        year = catalog.life.days_per_year
        elapsed = day - schooling.since_day
        if school is None:  # the school left the content: the schooling ends
            character = _with_career(character, schooling=None)
        elif elapsed >= school.years * year:
            earned = school.compulsory or schooling.grades >= rules.education.pass_grade
            degrees = character.career.degrees + ((school.id,) if earned else ())
            character = _with_career(character, schooling=None, degrees=degrees)
            events.append(
                SchoolFinished(
                    at=at,
                    life=character.life,
                    school=school.id,
                    grades=schooling.grades,
                    degree=earned,
                    day=day,
                )
            )
        elif elapsed > 0 and elapsed % year == 0:
            grades = max(0, schooling.grades - rules.education.grade_decay_per_year)
            character = _with_career(
                character, schooling=evolve(schooling, grades=grades)
            )
    if character.career.schooling is None:
        for school in rules.schools:
            if school.compulsory and school_problem(character, school, age) is None:
                character, started = enroll_school(character, school, 0, day, at)
                events.append(started)
                break
    return character, events


def _payday(
    character: Character,
    job: Job,
    seed: int,
    day: int,
    at: int,
    age: int,
    catalog: Catalog,
) -> tuple[Character, list[Event]]:
    rules = catalog.careers
    settings = rules.settings
    spec = rules.job(job.id)
    if spec is None:  # the job left the content: it ends
        character, ended = leave_job(character, "laid_off", day, at)
        return character, list(ended)
    performance = max(0, job.performance - settings.performance_decay)
    job = evolve(job, performance=performance, months=job.months + 1)
    character = evolve(
        _with_career(character, job=job),
        money_cents=character.money_cents + spec.salary_cents,
    )
    events: list[Event] = [
        SalaryPaid(
            at=at,
            life=character.life,
            job=job.id,
            amount_cents=spec.salary_cents,
            performance=performance,
            day=day,
        )
    ]
    if age >= settings.mandatory_retirement_age:
        character, retired = retire_character(character, day, at, rules)
        events.extend(retired)
    elif performance < settings.fire_below:
        character, ended = leave_job(character, "fired", day, at)
        events.extend(ended)
    elif (
        performance >= settings.promote_at
        and job.months >= settings.promote_after_months
        and spec.promotes_to is not None
    ):
        target = rules.job(spec.promotes_to)
        if target is not None and job_problem(character, target, age, settings) is None:
            new = Job(
                id=target.id,
                since_day=day,
                performance=settings.performance_start,
                months=0,
            )
            character = _with_career(character, job=new, last_job=target.id)
            events.append(
                Promoted(
                    at=at,
                    life=character.life,
                    from_job=spec.id,
                    to_job=target.id,
                    salary_cents=target.salary_cents,
                    day=day,
                )
            )
    return character, events


def career_day(
    character: Character, seed: int, day: int, at: int, age: int, catalog: Catalog
) -> tuple[Character, tuple[Event, ...]]:
    """One game day of school and work for a living character (module rules)."""
    character, events = _school_day(character, day, at, age, catalog)
    career = character.career
    month = catalog.careers.settings.month_days
    job = career.job
    if job is not None and day > job.since_day and (day - job.since_day) % month == 0:
        character, paid = _payday(character, job, seed, day, at, age, catalog)
        events.extend(paid)
    elif (
        career.retired
        and career.pension_cents > 0
        and (day - character.born_day) % month == 0
    ):
        character = evolve(
            character, money_cents=character.money_cents + career.pension_cents
        )
        events.append(
            PensionPaid(
                at=at, life=character.life, amount_cents=career.pension_cents, day=day
            )
        )
    return character, tuple(events)


# -- command handlers ---------------------------------------------------------------


def apply_for_job(
    state: PlayerState, command: ApplyForJob, catalog: Catalog
) -> Outcome:
    """``apply_for_job``: requirements, energy, then the interview check."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    job = catalog.careers.job(command.job)
    if job is None:
        return reject(state, NOT_FOUND, f"unknown job {command.job!r}")
    if character.career.job is not None:
        return reject(state, INVALID_STATE, "already employed; quit first")
    day = state.clock.day
    problem = job_problem(
        character, job, age_on(character, day, catalog.life), catalog.careers.settings
    )
    if problem is not None:
        return reject(state, REQUIREMENTS_NOT_MET, problem)
    cost = catalog.careers.settings.apply_energy
    energy = current_energy(state.energy, command.at, catalog.energy)
    if energy < cost:
        return reject(state, NO_ENERGY, f"applying needs {cost} energy")
    seq = state.seq + 1
    settings = catalog.careers.settings
    stat = getattr(character.stats, settings.interview_stat)
    hired = check_passes(stat, job.difficulty, stream(state.seed, "job", seq))
    events: tuple[Event, ...]
    if hired:
        character, events = hire(
            character, job, seed=state.seed, day=day, at=command.at, catalog=catalog
        )
    else:
        events = (
            JobApplicationFailed(
                at=command.at, life=character.life, job=job.id, day=day
            ),
        )
    left = energy - cost
    return Outcome(
        state=evolve(
            state,
            seq=seq,
            character=character,
            energy=with_amount(state.energy, command.at, left, catalog.energy),
        ),
        events=events,
        reply=JobApplicationResult(
            job=job.id,
            hired=hired,
            salary_cents=job.salary_cents if hired else 0,
            energy=left,
        ),
    )


def quit_job(state: PlayerState, command: QuitJob, catalog: Catalog) -> Outcome:
    """``quit_job``: leave the current job."""
    character = state.living
    if character is None or character.career.job is None:
        return reject(state, INVALID_STATE, "there is no job to quit")
    job = character.career.job.id
    character, events = leave_job(character, "quit", state.clock.day, command.at)
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=events,
        reply=JobQuit(job=job),
    )


def retire(state: PlayerState, command: Retire, catalog: Catalog) -> Outcome:
    """``retire``: from the minimum retirement age, once per life."""
    character = state.living
    if character is None or character.career.retired:
        return reject(state, INVALID_STATE, "there is no working life to retire from")
    rules = catalog.careers
    age = age_on(character, state.clock.day, catalog.life)
    if age < rules.settings.retirement_min_age:
        return reject(
            state,
            REQUIREMENTS_NOT_MET,
            f"retirement starts at age {rules.settings.retirement_min_age}",
        )
    character, events = retire_character(character, state.clock.day, command.at, rules)
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=events,
        reply=RetirementStarted(pension_cents=character.career.pension_cents),
    )


def enroll(state: PlayerState, command: Enroll, catalog: Catalog) -> Outcome:
    """``enroll``: start a non-compulsory school, paying its tuition."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    school = catalog.careers.school(command.school)
    if school is None or school.compulsory:
        return reject(
            state, NOT_FOUND, f"no school takes enrolments as {command.school!r}"
        )
    if character.career.schooling is not None:
        return reject(state, INVALID_STATE, "already at school")
    day = state.clock.day
    problem = school_problem(character, school, age_on(character, day, catalog.life))
    if problem is not None:
        return reject(state, REQUIREMENTS_NOT_MET, problem)
    if character.money_cents < school.tuition_cents:
        return reject(state, INSUFFICIENT_MONEY, f"tuition is {school.tuition_cents}")
    character, started = enroll_school(
        character, school, school.tuition_cents, day, command.at
    )
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=(started,),
        reply=Enrolled(
            school=school.id,
            tuition_cents=school.tuition_cents,
            ends_day=day + school.years * catalog.life.days_per_year,
            money_cents=character.money_cents,
        ),
    )
