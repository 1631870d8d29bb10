"""Storylet effects, and the loader pieces they share with ``storylet_rules``.

Rules of this module (DESIGN.md "Content is data"):

- Effects are a closed union, one record per kind; the loader tells them apart by
  their key (``stat``, ``money_cents``, ``flag``, ``unflag``, ``relationship``,
  ``relative_dies``, ``follow_up``, ``photo``, ``job``, ``lose_job``, ``retire``,
  ``enroll``, ``affection``, ``romance``, ``death``). A death may only be the last
  effect of a list.
- Dating effects (``affection``, ``romance``) act on the character's current
  relationship (``dating.stages.current_romance``); a ``romance`` trigger must be
  one of ``ROMANCE_TRIGGERS``, the transition table's storylet triggers.
- Texts are templates over the closed ``PLACEHOLDERS``; any other placeholder, a
  format spec or a conversion is a content error.
- Parsing raises ``ContentError`` (file, entry, field path) on the first structural
  error; unknown fields are errors. Ids that point elsewhere (roles, causes, jobs,
  schools, follow-up targets) are checked by ``storylet_checks.check_storylets``.

The effects are apart from ``storylet_rules`` because they are a family of their
own that grows with each system storylets reach. The template check and the
nested-table reader live here because effects need them too; ``storylet_rules``
builds on them (``Part``, ``id_value``, ``template_text``, ``read_effects``) and
re-exports every name of ``__all__``.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any

from attrs import frozen

from ..content_reader import Entry
from ..errors import ContentError
from .rules import STAT_NAMES

__all__ = [
    "PLACEHOLDERS",
    "ROMANCE_TRIGGERS",
    "AffectionEffect",
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
    "UnflagEffect",
    "template_fields",
]

#: The placeholders a storylet text may use (rendered by ``storylets.render``).
PLACEHOLDERS = (
    "name",
    "first_name",
    "surname",
    "age",
    "mother",
    "father",
    "sibling",
    "partner",
)

#: The transition-table triggers a ``romance`` effect may pull: every trigger but
#: ``date`` (a match is never the current relationship, so it has nothing to date).
ROMANCE_TRIGGERS = ("commit", "propose", "wed", "break_up", "leave")

_ID = re.compile(r"[a-z][a-z0-9_]*")
_MAX_MONEY = 1_000_000_000


@frozen
class StatEffect:
    """Add ``delta`` to a stat (clamped to 0..100)."""

    stat: str  # one of ``STAT_NAMES``
    delta: int  # -100..100


@frozen
class MoneyEffect:
    """Add ``cents`` to the character's cash; cash never goes below 0."""

    cents: int  # negative: a cost


@frozen
class FlagEffect:
    """Set a story flag."""

    flag: str  # flag name


@frozen
class UnflagEffect:
    """Clear a story flag."""

    flag: str  # flag name


@frozen
class RelationshipEffect:
    """Change the closeness of every living relative with a role (clamped 0..100)."""

    role: str  # ``mother``, ``father``, ``sibling``
    closeness: int  # -100..100


@frozen
class RelativeDiesEffect:
    """One living relative with a role dies (picked from the effect's stream)."""

    role: str  # ``mother``, ``father``, ``sibling``


@frozen
class FollowUpEffect:
    """Schedule another storylet ``in_days`` game days later."""

    event_id: str  # the storylet to offer
    in_days: int  # 1..3650


@frozen
class PhotoEffect:
    """Add a photo to the album."""

    caption: str  # a template, like storylet texts


@frozen
class JobEffect:
    """The character takes a job, if it holds none and meets its requirements."""

    job: str  # a job id of ``careers.toml``


@frozen
class LoseJobEffect:
    """The character loses its job, if it holds one."""

    reason: str  # ``laid_off``, ``fired`` …, recorded on the ``job_ended`` event


@frozen
class RetireEffect:
    """The character retires, if it has not yet (from any age: an early retirement)."""


@frozen
class EnrollEffect:
    """The character starts a school without tuition, if it may (a scholarship)."""

    school: str  # a school id of ``careers.toml``


@frozen
class AffectionEffect:
    """Move both affections of the current relationship (clamped 0..100).

    With no current relationship nothing happens; an NPC whose affection falls
    below ``leave_below`` leaves (``dating.relationships.affect``).
    """

    affection: int  # -100..100: the character's affection for the NPC
    npc: int  # -100..100: the NPC's affection for the character


@frozen
class RomanceEffect:
    """Move the current relationship by a trigger of the transition table.

    Nothing happens where the table has no such move from the current stage (or
    there is no current relationship).
    """

    trigger: str  # one of ``ROMANCE_TRIGGERS``


@frozen
class DeathEffect:
    """The character dies; effects after it are not applied."""

    cause: str  # a cause id of ``life.toml``


Effect = (
    StatEffect
    | MoneyEffect
    | FlagEffect
    | UnflagEffect
    | RelationshipEffect
    | RelativeDiesEffect
    | FollowUpEffect
    | PhotoEffect
    | JobEffect
    | LoseJobEffect
    | RetireEffect
    | EnrollEffect
    | AffectionEffect
    | RomanceEffect
    | DeathEffect
)


def template_fields(template: str) -> tuple[str, ...]:
    """The placeholders ``template`` uses; ValueError if it is malformed."""
    fields: list[str] = []
    for _, field, spec, conversion in Formatter().parse(template):
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{field}}}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{field}}} takes no format or conversion")
        fields.append(field)
    return tuple(fields)


class Part(Entry):
    """An ``Entry`` for a table nested in a storylet: fields carry their path."""

    def __init__(self, file: str, entry: str, path: str, data: Any) -> None:
        self.path = path
        if not isinstance(data, dict):
            raise ContentError(file, entry, path, "must be a table")
        super().__init__(file, entry, data)

    def error(self, field: str, problem: str) -> ContentError:
        return ContentError(self.file, self.entry, f"{self.path}.{field}", problem)


def template_text(entry: Entry, field: str) -> str:
    """The text of ``field``, checked as a template (``template_fields``)."""
    value = entry.text(field)
    try:
        template_fields(value)
    except ValueError as error:
        raise entry.error(field, str(error)) from None
    return value


def id_value(entry: Entry, field: str, value: Any) -> str:
    """``value`` of ``field``, checked as a lower_snake_case id."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise entry.error(field, f"must be a lower_snake_case id, got {value!r}")
    return value


#: The key that names each kind of effect, in the order errors list them.
_EFFECT_KEYS = (
    "stat",
    "money_cents",
    "flag",
    "unflag",
    "relationship",
    "relative_dies",
    "follow_up",
    "photo",
    "job",
    "lose_job",
    "retire",
    "enroll",
    "affection",
    "romance",
    "death",
)


def _effect(entry: Entry, path: str, data: Any) -> Effect:
    part = Part(entry.file, entry.entry, path, data)
    keys = [key for key in _EFFECT_KEYS if part.has(key)]
    if len(keys) != 1:
        kinds = ", ".join(_EFFECT_KEYS)
        raise ContentError(
            entry.file, entry.entry, path, f"must have exactly one of {kinds}"
        )
    effect: Effect
    match keys[0]:
        case "stat":
            stat = part.text("stat")
            if stat not in STAT_NAMES:
                raise part.error("stat", f"must be one of {', '.join(STAT_NAMES)}")
            effect = StatEffect(stat, part.integer("delta", low=-100, high=100))
        case "money_cents":
            cents = part.integer("money_cents", low=-_MAX_MONEY, high=_MAX_MONEY)
            effect = MoneyEffect(cents)
        case "flag":
            effect = FlagEffect(id_value(part, "flag", part.text("flag")))
        case "unflag":
            effect = UnflagEffect(id_value(part, "unflag", part.text("unflag")))
        case "relationship":
            role = part.text("relationship")
            effect = RelationshipEffect(
                role, part.integer("closeness", low=-100, high=100)
            )
        case "relative_dies":
            effect = RelativeDiesEffect(part.text("relative_dies"))
        case "follow_up":
            target = id_value(part, "follow_up", part.text("follow_up"))
            effect = FollowUpEffect(target, part.integer("in_days", low=1, high=3650))
        case "photo":
            effect = PhotoEffect(template_text(part, "photo"))
        case "job":
            effect = JobEffect(id_value(part, "job", part.text("job")))
        case "lose_job":
            effect = LoseJobEffect(id_value(part, "lose_job", part.text("lose_job")))
        case "retire":
            if part.data["retire"] is not True:
                raise part.error("retire", "must be true")
            part.seen.add("retire")
            effect = RetireEffect()
        case "enroll":
            effect = EnrollEffect(id_value(part, "enroll", part.text("enroll")))
        case "affection":
            delta = part.integer("affection", low=-100, high=100)
            effect = AffectionEffect(
                delta, part.integer("npc", low=-100, high=100, default=delta)
            )
        case "romance":
            trigger = part.text("romance")
            if trigger not in ROMANCE_TRIGGERS:
                raise part.error(
                    "romance",
                    f"must be one of {', '.join(ROMANCE_TRIGGERS)}, got {trigger!r}",
                )
            effect = RomanceEffect(trigger)
        case _:
            effect = DeathEffect(part.text("death"))
    part.done()
    return effect


def read_effects(
    entry: Entry, field: str, path: str, *, required: bool
) -> tuple[Effect, ...]:
    """An array of effects; a death may only be the last one."""
    entry.seen.add(field)
    where = f"{path}{field}"
    data = entry.data.get(field)
    if data is None and not required:
        return ()
    if not isinstance(data, list) or (required and not data):
        raise ContentError(
            entry.file, entry.entry, where, "must be an array of effects"
        )
    effects = tuple(
        _effect(entry, f"{where}[{n}]", item) for n, item in enumerate(data)
    )
    for n, effect in enumerate(effects[:-1]):
        if isinstance(effect, DeathEffect):
            raise ContentError(
                entry.file,
                entry.entry,
                f"{where}[{n}]",
                "a death must be the last effect",
            )
    return effects
