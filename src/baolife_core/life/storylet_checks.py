"""The reference check of storylets: every id a storylet names exists elsewhere.

Rules of this module (DESIGN.md "Content is data": "a content check flags dangling
ids and unreachable events"):

- The loader (``storylet_rules``) refuses malformed storylets one error at a time;
  ``check_storylets`` then lists *every* dangling reference of the loaded ones — a
  stage, stat, role, cause, job, school or follow-up target that does not exist —
  and every weight-0 storylet no follow-up leads to, located by file (the life or
  the relationship events), entry and field.
- The career rules' system flags may be read by conditions, never set by effects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import ContentError
from .storylet_rules import (
    FILE,
    RELATIONSHIP_FILE,
    DeathEffect,
    Effect,
    EnrollEffect,
    FlagEffect,
    FollowUpEffect,
    JobEffect,
    RelationshipEffect,
    RelativeDiesEffect,
    StatEffect,
    Storylet,
    StoryletRules,
    UnflagEffect,
)

__all__ = ["check_storylets"]


def _effect_lists(storylet: Storylet) -> Iterable[tuple[str, tuple[Effect, ...]]]:
    yield "effects", storylet.effects
    for choice in storylet.choices:
        for name in ("effects", "success", "failure"):
            yield f"choices[{choice.id}].{name}", getattr(choice, name)


def check_storylets(
    rules: StoryletRules,
    stage_ids: Sequence[str],
    stat_names: Sequence[str],
    roles: Sequence[str],
    causes: Sequence[str],
    *,
    jobs: Sequence[str] = (),
    schools: Sequence[str] = (),
    system_flags: Sequence[str] = (),
) -> list[str]:
    """Every dangling id and unreachable storylet, as located messages.

    A storylet with weight 0 is never drawn, so some follow-up must lead to it.
    The ``system_flags`` (set by the career rules) may be read, never set.
    """
    problems: list[str] = []
    known = {storylet.id for storylet in rules.events}
    targets = {
        effect.event_id
        for storylet in rules.events
        for _, effects in _effect_lists(storylet)
        for effect in effects
        if isinstance(effect, FollowUpEffect)
    }
    romantic = set(rules.relationship_events)

    def report(storylet: Storylet, field: str, problem: str) -> None:
        file = RELATIONSHIP_FILE if storylet.id in romantic else FILE
        problems.append(
            str(ContentError(file, f"events[{storylet.id}]", field, problem))
        )

    for storylet in rules.events:
        conditions = storylet.conditions
        for stage in conditions.stages:
            if stage not in stage_ids:
                report(storylet, "stages", f"names no stage: {stage!r}")
        for stat, _, _ in conditions.stats:
            if stat not in stat_names:
                report(storylet, f"stats.{stat}", "names no stat")
        if (
            conditions.requires_role is not None
            and conditions.requires_role not in roles
        ):
            report(
                storylet,
                "requires_role",
                f"names no role: {conditions.requires_role!r}",
            )
        for choice in storylet.choices:
            if choice.check is not None and choice.check.stat not in stat_names:
                report(storylet, f"choices[{choice.id}].check.stat", "names no stat")
        for path, effects in _effect_lists(storylet):
            for n, effect in enumerate(effects):
                field = f"{path}[{n}]"
                match effect:
                    case FollowUpEffect(event_id=target) if target not in known:
                        report(
                            storylet,
                            f"{field}.follow_up",
                            f"names no event: {target!r}",
                        )
                    case DeathEffect(cause=cause) if cause not in causes:
                        report(storylet, f"{field}.death", f"names no cause: {cause!r}")
                    case StatEffect(stat=stat) if stat not in stat_names:
                        report(storylet, f"{field}.stat", f"names no stat: {stat!r}")
                    case (
                        RelationshipEffect(role=role) | RelativeDiesEffect(role=role)
                    ) if role not in roles:
                        report(storylet, field, f"names no role: {role!r}")
                    case JobEffect(job=job) if job not in jobs:
                        report(storylet, f"{field}.job", f"names no job: {job!r}")
                    case EnrollEffect(school=school) if school not in schools:
                        report(
                            storylet, f"{field}.enroll", f"names no school: {school!r}"
                        )
                    case FlagEffect(flag=flag) | UnflagEffect(flag=flag) if (
                        flag in system_flags
                    ):
                        report(
                            storylet,
                            field,
                            f"{flag!r} is a system flag of the career rules: use "
                            "the job, lose_job, retire or enroll effects",
                        )
        if storylet.weight == 0 and storylet.id not in targets:
            report(storylet, "weight", "is 0 and no follow_up leads here: unreachable")
    return problems
