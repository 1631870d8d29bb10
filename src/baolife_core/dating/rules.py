"""Dating content, loaded from ``content/dating.toml``.

Rules of this module (DESIGN.md "Content is data"; docs/dating.md):

- Everything a designer tunes about dating is here: who is in the pool and how
  often it is redrawn, the interest, trait and dealbreaker vocabularies, the
  compatibility weights (which sum to 100), the NPC's chance to like back, the bio
  grammar, the venues and their activities, the date outcome tiers and the
  thresholds of the relationship stages.
- The types live in ``rule_types`` and are re-exported here.
- The loader raises ``ContentError`` (file, entry, field) on the first problem;
  unknown fields are errors; ids are unique; every reference (a dealbreaker's
  trait, an activity's stat, a trait's flag) names something that exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources.abc import Traversable

from ..content_reader import Entry, entries, read_toml
from ..errors import ContentError
from ..life.grammar import Grammar, check_template
from .rule_types import (
    BioRules,
    CompatibilityWeights,
    DateActivity,
    DateOutcome,
    DateRules,
    DatingRules,
    Dealbreaker,
    Interest,
    MatchChance,
    Orientation,
    RelationshipRules,
    StageRule,
    Trait,
    Venue,
)
from .stages import ADVANCE_TRIGGER, TRANSITIONS

__all__ = [
    "ADVANCED_STAGES",
    "BIO_PLACEHOLDERS",
    "DATE_PHOTO_PLACEHOLDERS",
    "FILE",
    "MIN_ACTIVITIES",
    "MIN_VENUES",
    "SEEKS",
    "STAGE_PHOTO_PLACEHOLDERS",
    "BioRules",
    "CompatibilityWeights",
    "DateActivity",
    "DateOutcome",
    "DateRules",
    "DatingRules",
    "Dealbreaker",
    "Interest",
    "MatchChance",
    "Orientation",
    "RelationshipRules",
    "StageRule",
    "Trait",
    "Venue",
    "load_dating_rules",
]

FILE = "dating.toml"

#: The placeholders a bio template may use (two of the NPC's interests, by name).
BIO_PLACEHOLDERS = ("first_name", "age", "interest", "other_interest")
#: The placeholders of a date outcome's photo caption.
DATE_PHOTO_PLACEHOLDERS = ("partner", "venue")
#: The placeholders of a stage's photo caption.
STAGE_PHOTO_PLACEHOLDERS = ("partner",)
#: Whom an orientation seeks: another gender, its own, or anyone.
SEEKS = ("other", "same", "any")
#: The stages ``advance_relationship`` reaches, in order (one ``StageRule`` each).
ADVANCED_STAGES = tuple(TRANSITIONS[s, t] for s, t in ADVANCE_TRIGGER.items())
#: The fewest venues, and activities per venue (issue "Dating" 5).
MIN_VENUES = 6
MIN_ACTIVITIES = 3

_TOP = "(top level)"
_WEIGHTS = ("personality", "interests", "chemistry")
_SHARES = ("compatibility", "luck", "check")


def _tables(parent: Entry, field: str) -> Iterable[Entry]:
    """The array of tables ``field`` of ``parent``, its entries named
    ``parent.field[id]`` (or ``field[id]`` at the top level)."""
    parent.seen.add(field)
    name = field if parent.entry == _TOP else f"{parent.entry}.{field}"
    return entries(FILE, name, parent.data.get(field))


def _table(parent: Entry, field: str) -> Entry:
    parent.seen.add(field)
    name = field if parent.entry == _TOP else f"{parent.entry}.{field}"
    if field not in parent.data:
        raise parent.error(field, "is required")
    return Entry(FILE, name, parent.data[field])


def _template(
    entry: Entry, field: str, template: str, grammar: Grammar, names: tuple[str, ...]
) -> None:
    try:
        check_template(template, grammar, names)
    except ValueError as error:
        raise entry.error(field, f"{template!r}: {error}") from None


def _photo(entry: Entry, placeholders: tuple[str, ...]) -> str | None:
    """An optional caption template that may use ``placeholders`` only."""
    if not entry.has("photo"):
        entry.seen.add("photo")
        return None
    caption = entry.text("photo")
    _template(entry, "photo", caption, Grammar(symbols=()), placeholders)
    return caption


def _percent(entry: Entry, field: str) -> int:
    return entry.integer(field, low=0, high=100)


def _delta(entry: Entry, field: str) -> int:
    return entry.integer(field, low=-100, high=100)


def _vocabularies(
    root: Entry, flags: tuple[str, ...]
) -> tuple[tuple[Interest, ...], tuple[Trait, ...], tuple[Dealbreaker, ...]]:
    interests = []
    for entry in _tables(root, "interests"):
        interests.append(Interest(id=entry.text("id"), name=entry.text("name")))
        entry.done()
    traits: list[Trait] = []
    for entry in _tables(root, "traits"):
        flag = entry.text("flag") if entry.has("flag") else None
        entry.seen.add("flag")
        if flag is not None and flag not in flags:
            raise entry.error("flag", f"names no story or system flag: {flag!r}")
        traits.append(
            Trait(
                id=entry.text("id"),
                name=entry.text("name"),
                npc_percent=_percent(entry, "npc_percent"),
                flag=flag,
            )
        )
        entry.done()
    trait_ids = {trait.id for trait in traits}
    dealbreakers = []
    for entry in _tables(root, "dealbreakers"):
        trait = entry.text("trait")
        if trait not in trait_ids:
            raise entry.error("trait", f"names no trait: {trait!r}")
        dealbreakers.append(
            Dealbreaker(
                id=entry.text("id"),
                name=entry.text("name"),
                trait=trait,
                wants=entry.flag("wants", default=True),
                npc_percent=_percent(entry, "npc_percent"),
            )
        )
        entry.done()
    return tuple(interests), tuple(traits), tuple(dealbreakers)


def _orientations(root: Entry) -> tuple[Orientation, ...]:
    orientations = []
    for entry in _tables(root, "orientations"):
        seeks = entry.text("seeks")
        if seeks not in SEEKS:
            raise entry.error("seeks", f"must be one of {', '.join(SEEKS)}")
        orientations.append(
            Orientation(
                id=entry.text("id"),
                weight=entry.integer("weight", low=0, high=1_000_000),
                seeks=seeks,
            )
        )
        entry.done()
    if not any(orientation.weight for orientation in orientations):
        raise ContentError(FILE, "orientations", "weight", "must not all be 0")
    return tuple(orientations)


def _shares(entry: Entry, fields: tuple[str, ...]) -> tuple[int, ...]:
    """Integer shares 0..100 of ``fields`` that sum to 100."""
    shares = tuple(_percent(entry, field) for field in fields)
    if sum(shares) != 100:
        raise entry.error(fields[-1], f"{' + '.join(fields)} must sum to 100")
    return shares


def _scoring(root: Entry) -> tuple[CompatibilityWeights, MatchChance]:
    entry = _table(root, "compatibility")
    personality, interests, chemistry = _shares(entry, _WEIGHTS)
    weights = CompatibilityWeights(
        personality=personality,
        interests=interests,
        chemistry=chemistry,
        dealbreaker_cap=_percent(entry, "dealbreaker_cap"),
    )
    entry.done()
    entry = _table(root, "match_chance")
    low = _percent(entry, "low")
    chance = MatchChance(
        base=_percent(entry, "base"),
        compatibility=_delta(entry, "compatibility"),
        looks=_delta(entry, "looks"),
        low=low,
        high=entry.integer("high", low=low, high=100),
    )
    entry.done()
    return weights, chance


def _bio(root: Entry) -> BioRules:
    bio = _table(root, "bio")
    symbols_entry = _table(bio, "grammar")
    names = sorted(symbols_entry.data)
    grammar = Grammar(symbols=tuple((n, symbols_entry.texts(n)) for n in names))
    for name in names:
        if name in BIO_PLACEHOLDERS:
            raise symbols_entry.error(name, "is a placeholder name, not a symbol")
        for option in grammar.alternatives(name) or ():
            _template(symbols_entry, name, option, grammar, BIO_PLACEHOLDERS)
    templates = bio.texts("templates")
    for template in templates:
        _template(bio, "templates", template, grammar, BIO_PLACEHOLDERS)
        if "{interest}" not in template and "{other_interest}" not in template:
            raise bio.error("templates", f"{template!r} names no interest")
    bio.done()
    return BioRules(grammar=grammar, templates=templates)


def _venues(root: Entry, stats: tuple[str, ...]) -> tuple[Venue, ...]:
    venues = []
    for entry in _tables(root, "venues"):
        activities = []
        for item in _tables(entry, "activities"):
            stat = item.text("stat")
            if stat not in stats:
                raise item.error("stat", f"must be one of {', '.join(stats)}")
            activities.append(
                DateActivity(
                    id=item.text("id"),
                    name=item.text("name"),
                    energy=item.integer("energy", low=0, high=1000),
                    cost_cents=item.integer("cost_cents", low=0, high=100_000_000),
                    game_minutes=item.integer("game_minutes", low=1, high=24 * 60),
                    stat=stat,
                    difficulty=_percent(item, "difficulty"),
                    affection=_delta(item, "affection"),
                )
            )
            item.done()
        if len(activities) < MIN_ACTIVITIES:
            raise entry.error("activities", f"give at least {MIN_ACTIVITIES}")
        venues.append(
            Venue(
                id=entry.text("id"),
                name=entry.text("name"),
                min_age=entry.integer("min_age", low=0, high=150),
                activities=tuple(activities),
            )
        )
        entry.done()
    if len(venues) < MIN_VENUES:
        raise ContentError(FILE, "venues", "", f"give at least {MIN_VENUES} venues")
    return tuple(venues)


def _dates(root: Entry) -> DateRules:
    entry = _table(root, "dates")
    compatibility, luck, check = _shares(entry, _SHARES)
    per_day = entry.integer("per_day", low=1, high=100)
    outcomes: list[DateOutcome] = []
    for item in _tables(entry, "outcomes"):
        points = _percent(item, "min_points")
        if outcomes and points >= outcomes[-1].min_points:
            raise item.error("min_points", "must be below the tier before (best first)")
        outcomes.append(
            DateOutcome(
                id=item.text("id"),
                min_points=points,
                affection=_delta(item, "affection"),
                npc_affection=_delta(item, "npc_affection"),
                happiness=_delta(item, "happiness"),
                photo=_photo(item, DATE_PHOTO_PLACEHOLDERS),
            )
        )
        item.done()
    if outcomes[-1].min_points != 0:
        raise ContentError(
            FILE, f"dates.outcomes[{outcomes[-1].id}]", "min_points", "the last is 0"
        )
    entry.done()
    return DateRules(
        compatibility=compatibility,
        luck=luck,
        check=check,
        per_day=per_day,
        outcomes=tuple(outcomes),
    )


def _relationships(root: Entry) -> RelationshipRules:
    entry = _table(root, "relationships")
    start = _percent(entry, "start_affection")
    leave_below = entry.integer("leave_below", low=0, high=start)
    split = _percent(entry, "divorce_split_percent")
    breakup, divorce = (
        _delta(entry, "breakup_happiness"),
        _delta(entry, "divorce_happiness"),
    )
    stages = []
    for item in _tables(entry, "stages"):
        stages.append(
            StageRule(
                id=item.text("id"),
                min_affection=_percent(item, "min_affection"),
                npc_min_affection=_percent(item, "npc_min_affection"),
                min_days=item.integer("min_days", low=0, high=100_000),
                cost_cents=item.integer("cost_cents", low=0, high=1_000_000_000),
                declined_affection=_delta(item, "declined_affection"),
                photo=_photo(item, STAGE_PHOTO_PLACEHOLDERS),
            )
        )
        item.done()
    ids = tuple(stage.id for stage in stages)
    if ids != ADVANCED_STAGES:
        raise ContentError(
            FILE,
            "relationships.stages",
            "id",
            f"must be exactly {', '.join(ADVANCED_STAGES)} in order, got {ids}",
        )
    entry.done()
    return RelationshipRules(
        start_affection=start,
        leave_below=leave_below,
        divorce_split_percent=split,
        breakup_happiness=breakup,
        divorce_happiness=divorce,
        stages=tuple(stages),
    )


def load_dating_rules(
    directory: Traversable, *, stats: tuple[str, ...], flags: tuple[str, ...]
) -> DatingRules:
    """Load and validate ``dating.toml``; ``ContentError`` names file, entry, field.

    ``stats`` and ``flags`` (the system flags and every story flag an effect can
    set) are what an activity's check and a trait's flag may name.
    """
    root = Entry(FILE, _TOP, read_toml(directory, FILE))
    settings = _table(root, "dating")
    min_age = settings.integer("min_age", low=0, high=150)
    pool_size = settings.integer("pool_size", low=1, high=100)
    pool_days = settings.integer("pool_days", low=1, high=3650)
    matches_shown = settings.integer("matches_shown", low=1, high=pool_size)
    max_romances = settings.integer("max_romances", low=1, high=100)
    age_gap = settings.integer("age_gap", low=0, high=100)
    interests, traits, dealbreakers = _vocabularies(root, flags)
    per_person = settings.integer_range(
        "interests_per_person", low=2, high=len(interests)
    )
    settings.done()
    compatibility, match_chance = _scoring(root)
    rules = DatingRules(
        min_age=min_age,
        pool_size=pool_size,
        pool_days=pool_days,
        matches_shown=matches_shown,
        max_romances=max_romances,
        age_gap=age_gap,
        interests_per_person=per_person,
        interests=interests,
        traits=traits,
        dealbreakers=dealbreakers,
        orientations=_orientations(root),
        compatibility=compatibility,
        match_chance=match_chance,
        bio=_bio(root),
        venues=_venues(root, stats),
        dates=_dates(root),
        relationships=_relationships(root),
    )
    root.done()
    return rules
