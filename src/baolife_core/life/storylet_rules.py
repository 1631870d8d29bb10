"""Storylets (life events), loaded from ``content/life_events.toml`` and
``content/relationship_events.toml``.

Rules of this module (DESIGN.md "Content is data"):

- A storylet is data: conditions from a closed vocabulary (stages, age range, stat
  ranges, flags, a living relative's role, the stage of the current relationship),
  an integer weight, a priority tier, a once-per-life or cooldown rule, and either
  immediate effects or 1-4 choices (one of them the default) with an optional stat
  check and declarative effects.
- Two files hold them, read as one list (life events first): ``life_events.toml``
  (with the ``[settings]``) and ``relationship_events.toml``, whose every storylet
  is a relationship event: its ``relationship`` condition names stages of a
  current relationship and never ``single``. Ids are unique across both files;
  ``StoryletRules.relationship_events`` lists the second file's.
- Effects are a closed union, one record per kind, parsed by ``effect_rules``; its
  records, ``PLACEHOLDERS`` and ``template_fields`` are re-exported here.
- Texts are templates over the closed ``PLACEHOLDERS``; any other placeholder, a
  format spec or a conversion is a content error.
- The loader raises ``ContentError`` (file, entry, field) on the first structural
  error; unknown fields are errors. Ids that point elsewhere (stages, roles, causes,
  jobs, schools, follow-up targets) are checked by ``storylet_checks``, which
  returns every problem, each named with the file its storylet came from.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from attrs import frozen

from ..content_reader import Entry, read_toml
from ..dating.stages import COMMITTED, SINGLE
from .effect_rules import (
    PLACEHOLDERS,
    ROMANCE_TRIGGERS,
    AffectionEffect,
    DeathEffect,
    Effect,
    EnrollEffect,
    FlagEffect,
    FollowUpEffect,
    JobEffect,
    LoseJobEffect,
    MoneyEffect,
    Part,
    PhotoEffect,
    RelationshipEffect,
    RelativeDiesEffect,
    RetireEffect,
    RomanceEffect,
    StatEffect,
    UnflagEffect,
    id_value,
    read_effects,
    template_fields,
    template_text,
)
from .rules import STAT_NAMES

__all__ = [
    "FILE",
    "PLACEHOLDERS",
    "RELATIONSHIPS",
    "RELATIONSHIP_FILE",
    "ROMANCE_TRIGGERS",
    "AffectionEffect",
    "Check",
    "Choice",
    "Conditions",
    "DeathEffect",
    "Effect",
    "EnrollEffect",
    "FlagEffect",
    "FollowUpEffect",
    "JobEffect",
    "LoseJobEffect",
    "MoneyEffect",
    "PhotoEffect",
    "RelationshipEffect",
    "RelativeDiesEffect",
    "RetireEffect",
    "RomanceEffect",
    "StatEffect",
    "StorySettings",
    "Storylet",
    "StoryletRules",
    "UnflagEffect",
    "load_life_events",
    "template_fields",
]

FILE = "life_events.toml"
#: The file of the relationship events.
RELATIONSHIP_FILE = "relationship_events.toml"
#: What the ``relationship`` condition may name: ``single`` (no current
#: relationship) or the stage of the current one (``dating.stages``).
RELATIONSHIPS = (SINGLE, *COMMITTED)


@frozen
class Conditions:
    """When a storylet may happen; every condition must hold."""

    stages: tuple[str, ...]  # stage ids; empty: any stage
    min_age: int  # inclusive
    max_age: int  # inclusive
    stats: tuple[tuple[str, int, int], ...]  # (stat, low, high), inclusive
    flags_all: tuple[str, ...]  # every one of these flags is set
    flags_none: tuple[str, ...]  # none of these flags is set
    requires_role: str | None  # a living relative with this role exists
    relationship: tuple[str, ...] = ()  # ``RELATIONSHIPS`` entries; empty: any


@frozen
class Check:
    """A stat check: see ``checks.check_passes`` for the formula."""

    stat: str  # one of ``STAT_NAMES``
    difficulty: int  # 0..100; a stat equal to it passes half the time


@frozen
class Choice:
    """One answer to a storylet's question."""

    id: str  # wire id, unique within the storylet
    text: str  # template
    default: bool  # what an expired question resolves to (exactly one per storylet)
    check: Check | None  # None: ``effects`` apply
    success: tuple[Effect, ...]  # with a check: applied when it passes
    failure: tuple[Effect, ...]  # with a check: applied when it fails
    effects: tuple[Effect, ...]  # without a check: applied (may be empty)


@frozen
class Storylet:
    """A life event."""

    id: str  # content id
    title: str  # template
    text: str  # template
    conditions: Conditions  # when it may happen
    weight: int  # integer weight in its tier; 0: only reached as a follow-up
    priority: int  # tier; the highest tier with an eligible storylet is drawn from
    once: bool  # at most once per life
    cooldown_days: int  # game days before it may happen again (0 with ``once``)
    effects: tuple[Effect, ...]  # immediate effects (no choices)
    choices: tuple[Choice, ...]  # 1-4 choices, or empty for an immediate event

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, or None."""
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        return None

    @property
    def default_choice(self) -> Choice | None:
        """The default choice; None for an immediate event."""
        for choice in self.choices:
            if choice.default:
                return choice
        return None


@frozen
class StorySettings:
    """How often storylets come and how long questions wait."""

    daily_chance_ppm: int  # chance per game day of a drawn storylet, ppm
    max_pending: int  # questions waiting at once; more are not asked
    expire_days: int  # an unanswered question takes its default after this


@frozen
class StoryletRules:
    """Everything ``life_events.toml`` and ``relationship_events.toml`` say."""

    settings: StorySettings  # rates and limits
    events: tuple[Storylet, ...]  # in content order, life events first
    relationship_events: tuple[str, ...] = ()  # ids from ``RELATIONSHIP_FILE``

    def storylet(self, event_id: str) -> Storylet | None:
        """The storylet with this id, or None."""
        for storylet in self.events:
            if storylet.id == event_id:
                return storylet
        return None


def _ids(entry: Entry, field: str) -> tuple[str, ...]:
    if not entry.has(field):
        entry.seen.add(field)
        return ()
    values = entry.texts(field)
    return tuple(id_value(entry, field, value) for value in values)


def _conditions(entry: Entry) -> Conditions:
    stages = _ids(entry, "stages")
    min_age = entry.integer("min_age", low=0, high=150, default=0)
    max_age = entry.integer("max_age", low=0, high=150, default=150)
    if max_age < min_age:
        raise entry.error("max_age", "must not be below min_age")
    stats: list[tuple[str, int, int]] = []
    entry.seen.add("stats")
    table = entry.data.get("stats", {})
    if not isinstance(table, dict):
        raise entry.error("stats", "must be a table of stat = [low, high]")
    for stat, value in table.items():
        field = f"stats.{stat}"
        if stat not in STAT_NAMES:
            raise entry.error(field, f"must be one of {', '.join(STAT_NAMES)}")
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(type(v) is not int for v in value)
            or not 0 <= value[0] <= value[1] <= 100
        ):
            raise entry.error(
                field, f"must be [low, high] within 0..100, got {value!r}"
            )
        stats.append((stat, value[0], value[1]))
    flags_all, flags_none = _ids(entry, "flags_all"), _ids(entry, "flags_none")
    if set(flags_all) & set(flags_none):
        raise entry.error("flags_none", "must not repeat a flag of flags_all")
    role = entry.text("requires_role") if entry.has("requires_role") else None
    entry.seen.add("requires_role")
    relationship = entry.texts("relationship") if entry.has("relationship") else ()
    entry.seen.add("relationship")
    for stage in relationship:
        if stage not in RELATIONSHIPS:
            raise entry.error(
                "relationship",
                f"must hold some of {', '.join(RELATIONSHIPS)}, got {stage!r}",
            )
    return Conditions(
        stages=stages,
        min_age=min_age,
        max_age=max_age,
        stats=tuple(stats),
        flags_all=flags_all,
        flags_none=flags_none,
        requires_role=role,
        relationship=relationship,
    )


def _check(part: Part) -> Check | None:
    if not part.has("check"):
        return None
    part.seen.add("check")
    check = Part(part.file, part.entry, f"{part.path}.check", part.data["check"])
    stat = check.text("stat")
    if stat not in STAT_NAMES:
        raise check.error("stat", f"must be one of {', '.join(STAT_NAMES)}")
    result = Check(stat, check.integer("difficulty", low=0, high=100))
    check.done()
    return result


def _choice(entry: Entry, path: str, data: Any) -> Choice:
    part = Part(entry.file, entry.entry, path, data)
    choice_id = id_value(part, "id", part.text("id"))
    text = template_text(part, "text")
    default = part.flag("default", default=False)
    check = _check(part)
    prefix = f"{path}."
    if check is None:
        if part.has("success") or part.has("failure"):
            field = "success" if part.has("success") else "failure"
            raise part.error(field, "needs a check")
        success: tuple[Effect, ...] = ()
        failure: tuple[Effect, ...] = ()
        effects = read_effects(part, "effects", prefix, required=False)
    else:
        if part.has("effects"):
            raise part.error("effects", "with a check, give success and failure")
        success = read_effects(part, "success", prefix, required=False)
        failure = read_effects(part, "failure", prefix, required=False)
        if not part.has("success") or not part.has("failure"):
            field = "failure" if part.has("success") else "success"
            raise part.error(field, "is required with a check")
        effects = ()
    part.done()
    return Choice(choice_id, text, default, check, success, failure, effects)


def _choices(entry: Entry) -> tuple[Choice, ...]:
    entry.seen.add("choices")
    data = entry.data["choices"]
    if not isinstance(data, list) or not 1 <= len(data) <= 4:
        raise entry.error("choices", "must be an array of 1-4 tables")
    choices: list[Choice] = []
    for n, item in enumerate(data):
        label = item.get("id", n) if isinstance(item, dict) else n
        choice = _choice(entry, f"choices[{label}]", item)
        if any(c.id == choice.id for c in choices):
            raise entry.error(f"choices[{label}].id", "duplicates an earlier choice")
        choices.append(choice)
    if sum(c.default for c in choices) != 1:
        raise entry.error("choices", "exactly one choice must be the default")
    return tuple(choices)


def _storylet(entry: Entry) -> Storylet:
    event_id = id_value(entry, "id", entry.text("id"))
    title, text = template_text(entry, "title"), template_text(entry, "text")
    conditions = _conditions(entry)
    weight = entry.integer("weight", low=0, high=1_000_000)
    priority = entry.integer("priority", low=0, high=100, default=0)
    once = entry.flag("once", default=False)
    if once == entry.has("cooldown_days"):
        raise entry.error("cooldown_days", "give exactly one of once and cooldown_days")
    cooldown = 0 if once else entry.integer("cooldown_days", low=0, high=36_500)
    if entry.has("effects") == entry.has("choices"):
        raise entry.error("choices", "give exactly one of effects and choices")
    effects: tuple[Effect, ...] = ()
    choices: tuple[Choice, ...] = ()
    if entry.has("effects"):
        effects = read_effects(entry, "effects", "", required=True)
    else:
        choices = _choices(entry)
    entry.done()
    return Storylet(
        id=event_id,
        title=title,
        text=text,
        conditions=conditions,
        weight=weight,
        priority=priority,
        once=once,
        cooldown_days=cooldown,
        effects=effects,
        choices=choices,
    )


def _relationship_event(entry: Entry) -> Storylet:
    """A storylet of ``RELATIONSHIP_FILE``: it needs a current relationship."""
    storylet = _storylet(entry)
    stages = storylet.conditions.relationship
    if not stages or SINGLE in stages:
        raise entry.error(
            "relationship",
            f"a relationship event names stages of {', '.join(COMMITTED)}, "
            f"never {SINGLE}",
        )
    return storylet


def load_life_events(directory: Traversable) -> StoryletRules:
    """Load and validate ``life_events.toml`` and ``relationship_events.toml``;
    raise ``ContentError`` on a problem."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    table = root.table("settings")
    settings = StorySettings(
        daily_chance_ppm=table.integer("daily_chance_ppm", low=0, high=1_000_000),
        max_pending=table.integer("max_pending", low=1, high=20),
        expire_days=table.integer("expire_days", low=1, high=3650),
    )
    table.done()
    events = [_storylet(entry) for entry in root.tables("events")]
    root.done()
    extra = Entry(
        RELATIONSHIP_FILE, "(top level)", read_toml(directory, RELATIONSHIP_FILE)
    )
    life_ids = {storylet.id for storylet in events}
    romantic: list[Storylet] = []
    for entry in extra.tables("events"):
        storylet = _relationship_event(entry)
        if storylet.id in life_ids:
            raise entry.error("id", f"duplicates an event of {FILE}")
        romantic.append(storylet)
    extra.done()
    return StoryletRules(
        settings=settings,
        events=(*events, *romantic),
        relationship_events=tuple(s.id for s in romantic),
    )
