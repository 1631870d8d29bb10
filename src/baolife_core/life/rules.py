"""The rules of a life, loaded from ``content/life.toml`` (DESIGN.md "Content is data").

The calendar (game days per year), the life stages, how new characters and their
families are drawn, how health drifts with age, and the daily hazard of death.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from ..errors import ContentError

__all__ = [
    "FAMILY_ROLES",
    "STAT_NAMES",
    "CharacterRules",
    "DeathBand",
    "DeathCause",
    "LifeRules",
    "Stage",
    "load_life_rules",
]

FILE = "life.toml"

#: The roles of a character's family, as storylet conditions and effects name them.
FAMILY_ROLES = ("mother", "father", "sibling")

#: The character stats, in a fixed order: five visible, two hidden.
STAT_NAMES = (
    "health",
    "happiness",
    "smarts",
    "looks",
    "fitness",
    "karma",
    "discipline",
)


@frozen
class Stage:
    """A life stage, entered at ``min_age``."""

    id: str  # e.g. ``teen``
    min_age: int  # the age in game years the stage starts at


@frozen
class CharacterRules:
    """How a new character is drawn."""

    genders: tuple[str, ...]  # the genders a character may have
    gender_weights: tuple[int, ...]  # integer weights, one per gender
    stat_ranges: tuple[tuple[int, int], ...]  # [low, high] per ``STAT_NAMES`` entry
    personality: tuple[int, int]  # [low, high] of every Big Five trait
    max_siblings: int  # siblings at birth: 0..max_siblings


@frozen
class DeathBand:
    """The daily hazard of death up to an age."""

    id: str  # label
    max_age: int  # the band covers ages up to this one
    daily_ppm: int  # chance of dying on one game day, parts per million


@frozen
class DeathCause:
    """A cause of death and its weight."""

    id: str  # e.g. ``illness``
    weight: int  # integer weight among the causes allowed at the age
    min_age: int  # not drawn below this age


@frozen
class LifeRules:
    """Everything ``life.toml`` says."""

    days_per_year: int  # game days per game year
    stages: tuple[Stage, ...]  # youngest first; the first starts at 0
    character: CharacterRules  # drawing new characters
    names: tuple[tuple[str, tuple[str, ...]], ...]  # (gender, first names)
    surnames: tuple[str, ...]  # family names
    aging_from_age: int  # health drifts every birthday from this age on
    aging_health_per_year: int  # the drift (negative: decline)
    death_bands: tuple[DeathBand, ...]  # by ascending ``max_age``
    poor_health: int  # below this health the hazard is multiplied
    poor_health_factor: int  # by this factor
    causes: tuple[DeathCause, ...]  # causes of death

    def first_names(self, gender: str) -> tuple[str, ...]:
        """The first names for ``gender`` (validated to exist on load)."""
        return dict(self.names)[gender]


def _stages(root: Entry) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for entry in root.tables("stages"):
        stage = Stage(
            id=entry.text("id"), min_age=entry.integer("min_age", low=0, high=150)
        )
        entry.done()
        if stages and stage.min_age <= stages[-1].min_age:
            raise entry.error("min_age", "stages must be listed by increasing min_age")
        if not stages and stage.min_age != 0:
            raise entry.error("min_age", "the first stage must start at age 0")
        stages.append(stage)
    return tuple(stages)


def _character(root: Entry) -> CharacterRules:
    entry = root.table("character")
    genders = entry.texts("genders")
    weights = entry.data.get("gender_weights")
    entry.seen.add("gender_weights")
    if (
        not isinstance(weights, list)
        or len(weights) != len(genders)
        or any(type(w) is not int or w < 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise entry.error(
            "gender_weights", "must be one non-negative integer per gender, not all 0"
        )
    rules = CharacterRules(
        genders=genders,
        gender_weights=tuple(weights),
        stat_ranges=tuple(
            entry.integer_range(stat, low=0, high=100) for stat in STAT_NAMES
        ),
        personality=entry.integer_range("personality", low=0, high=100),
        max_siblings=entry.integer("max_siblings", low=0, high=10),
    )
    entry.done()
    return rules


def _death(
    root: Entry,
) -> tuple[tuple[DeathBand, ...], int, int, tuple[DeathCause, ...]]:
    death = root.table("death")
    bands: list[DeathBand] = []
    for entry in death.tables("bands"):
        band = DeathBand(
            id=entry.text("id"),
            max_age=entry.integer("max_age", low=0, high=200),
            daily_ppm=entry.integer("daily_ppm", low=0, high=1_000_000),
        )
        entry.done()
        if bands and band.max_age <= bands[-1].max_age:
            raise entry.error("max_age", "bands must be listed by increasing max_age")
        bands.append(band)
    if bands[-1].max_age < 150:
        raise ContentError(
            FILE, "death.bands", "max_age", "the last band must reach 150"
        )
    health = death.table("health")
    poor = health.integer("poor_health", low=0, high=100)
    factor = health.integer("poor_health_factor", low=1, high=1000)
    health.done()
    causes = []
    for entry in death.tables("causes"):
        causes.append(
            DeathCause(
                id=entry.text("id"),
                weight=entry.integer("weight", low=1, high=1_000_000),
                min_age=entry.integer("min_age", low=0, high=150),
            )
        )
        entry.done()
    if not any(cause.min_age == 0 for cause in causes):
        raise ContentError(
            FILE, "death.causes", "min_age", "one cause must allow age 0"
        )
    death.done()
    return tuple(bands), poor, factor, tuple(causes)


def load_life_rules(directory: Traversable) -> LifeRules:
    """Load and validate ``life.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    calendar = root.table("calendar")
    days_per_year = calendar.integer("days_per_year", low=1, high=366)
    calendar.done()
    character = _character(root)
    names = root.table("names")
    first_names = tuple((gender, names.texts(gender)) for gender in character.genders)
    surnames = names.texts("surnames")
    names.done()
    aging = root.table("aging")
    from_age = aging.integer("from_age", low=0, high=150)
    per_year = aging.integer("health_per_year", low=-100, high=100)
    aging.done()
    bands, poor, factor, causes = _death(root)
    rules = LifeRules(
        days_per_year=days_per_year,
        stages=_stages(root),
        character=character,
        names=first_names,
        surnames=surnames,
        aging_from_age=from_age,
        aging_health_per_year=per_year,
        death_bands=bands,
        poor_health=poor,
        poor_health_factor=factor,
        causes=causes,
    )
    root.done()
    return rules
