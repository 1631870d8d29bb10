"""The content check: what ``baolife content check`` reports beyond validation.

Rules of this module (DESIGN.md "Content is data": "a content check flags dangling
ids and unreachable events"; docs/content.md "Checking content"):

- Loading the catalog already refuses malformed content and dangling ids (a
  follow-up to an unknown event, an unknown stage, role, cause, job or school);
  ``load_problems`` lists the located messages of such an error one by one.
- ``static_findings`` is a cheap pass over a loaded catalog: a storylet whose age
  window misses every one of its stages, that needs a relative no character has, a
  flag that no effect sets, or that can only follow storylets which themselves
  cannot happen (a fixed point over flags and follow-ups); an activity whose age
  range misses its location's, or that costs more energy than a player can hold.
- ``coverage`` proves reachability by play: seeded reference-bot lives
  (``testing.bot``) until every storylet has happened or the budget of lives is
  spent. The lives cycle through ``CHECK_PACES`` — mostly idle players, whose
  stats stay middling so that checks fail and failure branches happen, and busy
  and casual players with a taste per activity (``with_tastes``), who keep jobs,
  finish university and live long. A storylet that never
  happened is reported; the static pass names why when it can. Lives stop early
  once every storylet the static pass did not rule out has been seen.
- Pure and deterministic: the same catalog, budget and seed give the same report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from attrs import frozen

from .catalog import Catalog
from .dating.stages import ENDINGS, STAGES
from .errors import ContentError
from .life.career_rules import system_flag_names
from .life.storylet_rules import Effect, FlagEffect, FollowUpEffect, Storylet
from .rng import derive_seed
from .testing.bot import (
    CASUAL_PACE,
    DEFAULT_PACE,
    IDLE_PACE,
    Pace,
    Rejected,
    play_life,
    with_tastes,
)

__all__ = [
    "CHECK_PACES",
    "CHECK_SEED",
    "DEFAULT_LIVES",
    "ContentReport",
    "Coverage",
    "Finding",
    "check_content",
    "coverage",
    "load_problems",
    "static_findings",
]

#: The most bot lives a check plays by default.
DEFAULT_LIVES = 200
#: The seed the check derives its players' and bots' seeds from.
CHECK_SEED = 2026
#: The paces of the check's lives, in turn (measured on the bundled content: every
#: storylet happened within 5 to 32 lives for each of 30 seeds).
CHECK_PACES = (IDLE_PACE, IDLE_PACE, DEFAULT_PACE, IDLE_PACE, IDLE_PACE, CASUAL_PACE)

_EVENTS = "life_events.toml"
_RELATIONSHIP_EVENTS = "relationship_events.toml"
_ACTIVITIES = "activities.toml"
_DATING = "dating.toml"


@frozen
class Finding:
    """One problem, located like a ``ContentError``: file, entry, field."""

    file: str  # e.g. ``life_events.toml``
    entry: str  # e.g. ``events[grounded]``
    field: str  # e.g. ``flags_all``; empty for the whole entry
    problem: str  # what is wrong

    def __str__(self) -> str:
        return str(ContentError(self.file, self.entry, self.field, self.problem))


@frozen
class Coverage:
    """What the bot lives of a check reached."""

    lives: int  # lives played (fewer than the budget when all was seen early)
    budget: int  # the most lives the check would play
    seen: tuple[str, ...]  # ids of the storylets that happened, content order
    unreached: tuple[str, ...]  # ids of those that never did, content order
    bounded: int  # lives that ended by a bound (age, turns), not by death
    rejections: tuple[Rejected, ...]  # commands the bots had judged valid (bugs)
    undated: tuple[str, ...] = ()  # ``venue/activity`` never dated, content order
    unreached_stages: tuple[str, ...] = ()  # stages and endings never reached


@frozen
class ContentReport:
    """Everything ``content check`` says about a loaded catalog."""

    findings: tuple[Finding, ...]  # the static pass
    coverage: Coverage  # the bot lives

    relationship_events: tuple[str, ...] = ()  # storylets of the relationship file

    @property
    def problems(self) -> tuple[Finding, ...]:
        """The static findings, then every unreached storylet they do not explain,
        every date activity never dated and every relationship stage never reached
        (dating is reached by play too, not only by validation)."""
        explained = {
            f.entry for f in self.findings if f.file in (_EVENTS, _RELATIONSHIP_EVENTS)
        }
        coverage = self.coverage
        lives = coverage.lives
        never = f"in {lives} bot {'life' if lives == 1 else 'lives'}"
        relationship = set(self.relationship_events)
        unreached = tuple(
            Finding(
                _RELATIONSHIP_EVENTS if event_id in relationship else _EVENTS,
                f"events[{event_id}]",
                "",
                f"never happened {never}",
            )
            for event_id in coverage.unreached
            if f"events[{event_id}]" not in explained
        )
        explained_dates = {f.entry for f in self.findings if f.file == _DATING}
        undated = tuple(
            Finding(_DATING, entry, "", f"never dated {never}")
            for entry in (
                "venues[{}].activities[{}]".format(*pair.split("/"))
                for pair in coverage.undated
            )
            if entry not in explained_dates
        )
        stages = tuple(
            Finding(
                _DATING, "relationships", "stages", f"{stage!r} never reached {never}"
            )
            for stage in coverage.unreached_stages
        )
        return self.findings + unreached + undated + stages

    @property
    def ok(self) -> bool:
        """True when there is no problem."""
        return not self.problems


def load_problems(error: ContentError) -> list[str]:
    """The located messages of a load error, one per problem.

    The catalog joins every dangling id of ``life_events.toml`` into one error; the
    other errors are a single problem.
    """
    if error.file == _EVENTS and not error.entry and not error.field:
        return error.problem.split("; ")
    return [str(error)]


# -- the static pass ----------------------------------------------------------------


def _effects(storylet: Storylet) -> Iterable[Effect]:
    yield from storylet.effects
    for choice in storylet.choices:
        yield from choice.effects
        yield from choice.success
        yield from choice.failure


def _stage_ages(catalog: Catalog) -> dict[str, tuple[int, int]]:
    """Each stage's ages: from its ``min_age`` to the next stage's, or to 150."""
    stages = catalog.life.stages
    ends = [stage.min_age - 1 for stage in stages[1:]] + [150]
    spans = zip(stages, ends, strict=True)
    return {stage.id: (stage.min_age, end) for stage, end in spans}


def _possible_roles(catalog: Catalog) -> set[str]:
    """The family roles a new character can have (``life.creation``)."""
    genders = catalog.life.character.genders
    roles = {
        role for role, g in (("mother", "female"), ("father", "male")) if g in genders
    }
    if catalog.life.character.max_siblings > 0:
        roles.add("sibling")
    return roles


def _window_problem(storylet: Storylet, ages: dict[str, tuple[int, int]]) -> str | None:
    low, high = storylet.conditions.min_age, storylet.conditions.max_age
    stages = storylet.conditions.stages
    if not stages:
        return None
    if any(ages[s][0] <= high and low <= ages[s][1] for s in stages if s in ages):
        return None
    spans = ", ".join(f"{s} {ages[s][0]}-{ages[s][1]}" for s in stages if s in ages)
    return f"ages {low}-{high} fall in none of its stages ({spans})"


def _storylet_findings(catalog: Catalog) -> list[Finding]:
    events = catalog.storylets.events
    ages = _stage_ages(catalog)
    roles = _possible_roles(catalog)
    system = system_flag_names(catalog.careers)
    set_anywhere = {
        e.flag for s in events for e in _effects(s) if isinstance(e, FlagEffect)
    }
    findings: dict[str, Finding] = {}

    def report(storylet: Storylet, field: str, problem: str) -> None:
        findings.setdefault(
            storylet.id, Finding(_EVENTS, f"events[{storylet.id}]", field, problem)
        )

    for storylet in events:
        conditions = storylet.conditions
        window = _window_problem(storylet, ages)
        if window is not None:
            report(storylet, "stages", window)
        role = conditions.requires_role
        if role is not None and role not in roles:
            report(storylet, "requires_role", f"no character ever has a {role}")
        for flag in conditions.flags_all:
            if flag not in set_anywhere and flag not in system:
                report(
                    storylet, "flags_all", f"needs flag {flag!r}, which no effect sets"
                )

    # The fixed point: what can happen, given the flags and follow-ups of what can.
    possible: set[str] = set()
    flags = set(system)
    leads: set[str] = set()
    changed = True
    while changed:
        changed = False
        for storylet in events:
            if storylet.id in findings or storylet.id in possible:
                continue
            if storylet.weight == 0 and storylet.id not in leads:
                continue
            if any(flag not in flags for flag in storylet.conditions.flags_all):
                continue
            possible.add(storylet.id)
            changed = True
            for effect in _effects(storylet):
                if isinstance(effect, FlagEffect):
                    flags.add(effect.flag)
                elif isinstance(effect, FollowUpEffect):
                    leads.add(effect.event_id)
    for storylet in events:
        if storylet.id in findings or storylet.id in possible:
            continue
        missing = [f for f in storylet.conditions.flags_all if f not in flags]
        if missing:
            report(
                storylet,
                "flags_all",
                f"needs flag {missing[0]!r}, set only by storylets that cannot happen",
            )
        else:
            report(
                storylet,
                "weight",
                "is 0 and only storylets that cannot happen lead here",
            )
    return [findings[s.id] for s in events if s.id in findings]


def _activity_findings(catalog: Catalog) -> list[Finding]:
    rules = catalog.activities
    findings: list[Finding] = []
    most_energy = max(catalog.energy.max, catalog.energy.overfill_cap)
    for activity in rules.activities:
        entry = f"activities[{activity.id}]"
        location = rules.location(activity.location)
        if not (
            activity.min_age <= location.max_age
            and location.min_age <= activity.max_age
        ):
            findings.append(
                Finding(
                    _ACTIVITIES,
                    entry,
                    "min_age",
                    f"ages {activity.min_age}-{activity.max_age} miss the ages "
                    f"{location.min_age}-{location.max_age} of {location.id!r}",
                )
            )
        if activity.energy > most_energy:
            findings.append(
                Finding(
                    _ACTIVITIES,
                    entry,
                    "energy",
                    f"costs {activity.energy}, more than energy ever holds "
                    f"({most_energy})",
                )
            )
    return findings


def _date_findings(catalog: Catalog) -> list[Finding]:
    """Date activities no character can afford in energy, ever."""
    most_energy = max(catalog.energy.max, catalog.energy.overfill_cap)
    return [
        Finding(
            _DATING,
            f"venues[{venue.id}].activities[{activity.id}]",
            "energy",
            f"costs {activity.energy}, more than energy ever holds ({most_energy})",
        )
        for venue in catalog.dating.venues
        for activity in venue.activities
        if activity.energy > most_energy
    ]


def static_findings(catalog: Catalog) -> tuple[Finding, ...]:
    """The cheap pass (module rules): storylets, activities, then date venues."""
    return (
        *_storylet_findings(catalog),
        *_activity_findings(catalog),
        *_date_findings(catalog),
    )


# -- coverage by bot lives ----------------------------------------------------------


def _seed(seed: int, purpose: str, life: int) -> int:
    return derive_seed(seed, purpose, life) >> 1  # a player seed: below 2**63


def coverage(
    catalog: Catalog,
    *,
    lives: int = DEFAULT_LIVES,
    seed: int = CHECK_SEED,
    paces: Sequence[Pace] = CHECK_PACES,
    skip: Iterable[str] = (),
) -> Coverage:
    """Play up to ``lives`` bot lives until every storylet has happened, every date
    activity was dated and every relationship stage and ending was reached.

    Life ``n`` is played by player seed and bot seed derived from ``(seed, n)`` at
    pace ``paces[n % len(paces)]``, with tastes drawn from ``(seed, n)`` too. The
    storylets in ``skip`` (known to be unreachable) are not waited for.
    """
    ids = [storylet.id for storylet in catalog.storylets.events]
    wanted = set(ids) - set(skip)
    seen: set[str] = set()
    pairs = [f"{v.id}/{a.id}" for v in catalog.dating.venues for a in v.activities]
    stages = [*STAGES[1:], *ENDINGS]
    dated: set[str] = set()
    reached: set[str] = set()
    rejections: list[Rejected] = []
    played = bounded = 0
    while played < lives and not (
        wanted <= seen and set(pairs) <= dated and set(stages) <= reached
    ):
        life = play_life(
            catalog,
            seed=_seed(seed, "content_check_player", played),
            bot_seed=_seed(seed, "content_check_bot", played),
            pace=with_tastes(
                paces[played % len(paces)],
                catalog,
                _seed(seed, "content_check_tastes", played),
            ),
        )
        played += 1
        seen.update(life.storylets)
        dated.update(life.dates)
        reached.update(life.stages)
        rejections.extend(life.rejections)
        bounded += not life.died
    return Coverage(
        lives=played,
        budget=lives,
        seen=tuple(i for i in ids if i in seen),
        unreached=tuple(i for i in ids if i not in seen),
        undated=tuple(p for p in pairs if p not in dated),
        unreached_stages=tuple(s for s in stages if s not in reached),
        bounded=bounded,
        rejections=tuple(rejections),
    )


def check_content(
    catalog: Catalog, *, lives: int = DEFAULT_LIVES, seed: int = CHECK_SEED
) -> ContentReport:
    """The static pass, then bot lives that need not wait for what it ruled out."""
    findings = static_findings(catalog)
    ruled_out = [f.entry[len("events[") : -1] for f in findings if f.file == _EVENTS]
    return ContentReport(
        findings=findings,
        coverage=coverage(catalog, lives=lives, seed=seed, skip=ruled_out),
        relationship_events=catalog.storylets.relationship_events,
    )
