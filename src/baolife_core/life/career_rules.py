"""Schools and jobs, loaded from ``content/careers.toml`` (DESIGN.md "Content is data").

Validated with located errors: a school's ``requires`` names an earlier school (so
prerequisites cannot loop), a job's ``degree`` names a school, ``promotes_to`` names
a later job (so promotions cannot loop), and the interview stat is a stat.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from .rules import STAT_NAMES

__all__ = [
    "FILE",
    "CareerRules",
    "CareerSettings",
    "EducationSettings",
    "JobSpec",
    "School",
    "load_career_rules",
    "system_flag_names",
]

FILE = "careers.toml"


@frozen
class School:
    """A school: compulsory ones start by themselves, the others by enrolment."""

    id: str  # wire id (``school``)
    name: str  # display name
    min_age: int  # enters at (compulsory) or from (enrolment) this age
    max_age: int  # no enrolment after this age
    years: int  # game years until it ends
    compulsory: bool  # entered by itself; always awards its degree
    requires: str | None  # the degree (school id) needed first, or None
    min_smarts: int  # smarts needed to enrol
    tuition_cents: int  # paid in full on enrolment by the command


@frozen
class JobSpec:
    """A job of a career track."""

    id: str  # wire id (``job``)
    title: str  # display name
    track: str  # career track label
    min_age: int  # hiring age
    degree: str | None  # required degree (school id), or None
    min_smarts: int  # smarts needed
    salary_cents: int  # paid every game month
    difficulty: int  # the interview check's difficulty, 0..100
    promotes_to: str | None  # the next job of the track, or None


@frozen
class EducationSettings:
    """Grades."""

    pass_grade: int  # grades at or above this earn a non-compulsory degree
    grade_decay_per_year: int  # grades lost on every school anniversary


@frozen
class CareerSettings:
    """Paydays, reviews, retirement."""

    month_days: int  # game days in a game month (the pay period)
    performance_start: int  # performance in a new role
    performance_decay: int  # performance lost at every review
    promote_at: int  # performance needed for a promotion
    promote_after_months: int  # months in the role before a promotion
    fire_below: int  # performance below this at a review: fired
    retirement_min_age: int  # may retire from this age
    mandatory_retirement_age: int  # retired at the first payday from this age
    pension_percent: int  # of the last salary, paid monthly to a retiree
    apply_energy: int  # energy a job application costs
    interview_stat: str  # the stat the interview checks
    colleagues: int  # colleagues met in a new workplace


@frozen
class CareerRules:
    """Everything ``careers.toml`` says."""

    education: EducationSettings  # grades
    schools: tuple[School, ...]  # in content order (prerequisites first)
    settings: CareerSettings  # paydays and reviews
    jobs: tuple[JobSpec, ...]  # in content order (promotions later)

    def school(self, school_id: str) -> School | None:
        """The school with this id, or None."""
        return next((s for s in self.schools if s.id == school_id), None)

    def job(self, job_id: str) -> JobSpec | None:
        """The job with this id, or None."""
        return next((j for j in self.jobs if j.id == job_id), None)


def system_flag_names(rules: CareerRules) -> frozenset[str]:
    """Every flag the career state implies (``careers.system_flags``).

    ``employed``, ``retired`` and ``studying``, and per school ``in_<school>`` and
    ``degree_<school>``: storylet conditions read them, effects may not set them.
    """
    names = {"employed", "retired", "studying"}
    for school in rules.schools:
        names.update((f"degree_{school.id}", f"in_{school.id}"))
    return frozenset(names)


def _optional_id(entry: Entry, field: str, known: set[str], what: str) -> str | None:
    if not entry.has(field):
        entry.seen.add(field)
        return None
    value = entry.text(field)
    if value not in known:
        raise entry.error(field, f"names no earlier {what}: {value!r}")
    return value


def _schools(root: Entry) -> tuple[School, ...]:
    schools: list[School] = []
    for entry in root.tables("schools"):
        known = {s.id for s in schools}
        school = School(
            id=entry.text("id"),
            name=entry.text("name"),
            min_age=entry.integer("min_age", low=0, high=150),
            max_age=entry.integer("max_age", low=0, high=150),
            years=entry.integer("years", low=1, high=20),
            compulsory=entry.flag("compulsory", default=False),
            requires=_optional_id(entry, "requires", known, "school"),
            min_smarts=entry.integer("min_smarts", low=0, high=100, default=0),
            tuition_cents=entry.integer("tuition_cents", low=0, high=100_000_000),
        )
        if school.max_age < school.min_age:
            raise entry.error("max_age", "must not be below min_age")
        entry.done()
        schools.append(school)
    return tuple(schools)


def _jobs(root: Entry, schools: set[str]) -> tuple[JobSpec, ...]:
    listed = list(root.tables("jobs"))
    ids = [entry.data["id"] for entry in listed]
    jobs: list[JobSpec] = []
    for index, entry in enumerate(listed):
        later = set(ids[index + 1 :])
        job = JobSpec(
            id=entry.text("id"),
            title=entry.text("title"),
            track=entry.text("track"),
            min_age=entry.integer("min_age", low=0, high=150),
            degree=_optional_id(entry, "degree", schools, "school"),
            min_smarts=entry.integer("min_smarts", low=0, high=100, default=0),
            salary_cents=entry.integer("salary_cents", low=0, high=100_000_000),
            difficulty=entry.integer("difficulty", low=0, high=100),
            promotes_to=_optional_id(entry, "promotes_to", later, "job after it"),
        )
        entry.done()
        jobs.append(job)
    return tuple(jobs)


def _settings(root: Entry) -> CareerSettings:
    entry = root.table("careers")
    settings = CareerSettings(
        month_days=entry.integer("month_days", low=1, high=366),
        performance_start=entry.integer("performance_start", low=0, high=100),
        performance_decay=entry.integer("performance_decay", low=0, high=100),
        promote_at=entry.integer("promote_at", low=0, high=100),
        promote_after_months=entry.integer("promote_after_months", low=0, high=1200),
        fire_below=entry.integer("fire_below", low=0, high=100),
        retirement_min_age=entry.integer("retirement_min_age", low=0, high=150),
        mandatory_retirement_age=entry.integer(
            "mandatory_retirement_age", low=0, high=150
        ),
        pension_percent=entry.integer("pension_percent", low=0, high=100),
        apply_energy=entry.integer("apply_energy", low=0, high=1000),
        interview_stat=entry.text("interview_stat"),
        colleagues=entry.integer("colleagues", low=0, high=10),
    )
    if settings.interview_stat not in STAT_NAMES:
        raise entry.error("interview_stat", f"must be one of {', '.join(STAT_NAMES)}")
    if settings.mandatory_retirement_age < settings.retirement_min_age:
        raise entry.error(
            "mandatory_retirement_age", "must not be below retirement_min_age"
        )
    if settings.fire_below > settings.promote_at:
        raise entry.error("fire_below", "must not be above promote_at")
    entry.done()
    return settings


def load_career_rules(directory: Traversable) -> CareerRules:
    """Load and validate ``careers.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    education = root.table("education")
    grades = EducationSettings(
        pass_grade=education.integer("pass_grade", low=0, high=100),
        grade_decay_per_year=education.integer("grade_decay_per_year", low=0, high=100),
    )
    education.done()
    schools = _schools(root)
    rules = CareerRules(
        education=grades,
        schools=schools,
        settings=_settings(root),
        jobs=_jobs(root, {s.id for s in schools}),
    )
    root.done()
    return rules
