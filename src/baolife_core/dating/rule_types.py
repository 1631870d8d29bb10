"""The frozen types of the dating content (``dating.rules`` loads them).

Every field is documented where it is declared; ``content/dating.toml``'s header
says the same for content authors.
"""

from __future__ import annotations

from attrs import frozen

from ..life.grammar import Grammar

__all__ = [
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
]


@frozen
class Interest:
    """Something a person likes doing; shared interests raise compatibility."""

    id: str  # content id
    name: str  # display name, e.g. ``hiking``


@frozen
class Trait:
    """A lifestyle trait dealbreakers test (``smoker``, ``employed`` …)."""

    id: str  # content id
    name: str  # display name
    npc_percent: int  # 0..100: the share of NPCs that have it
    flag: str | None  # the story or system flag that gives the character the trait


@frozen
class Dealbreaker:
    """A trait its holder refuses in a partner (or, with ``wants``, requires)."""

    id: str  # content id
    name: str  # display text, e.g. ``won't date a smoker``
    trait: str  # a trait id
    wants: bool  # True: the partner must have the trait; False: must not
    npc_percent: int  # 0..100: the share of NPCs that hold it


@frozen
class Orientation:
    """Whom an NPC dates."""

    id: str  # content id, e.g. ``straight``
    weight: int  # integer weight among orientations
    seeks: str  # ``other`` (another gender), ``same`` (its own gender) or ``any``


@frozen
class CompatibilityWeights:
    """The compatibility formula's points (docs/dating.md "Compatibility")."""

    personality: int  # points for identical Big Five traits
    interests: int  # points for identical interests (Jaccard share)
    chemistry: int  # points for the best per-pair chemistry
    dealbreaker_cap: int  # a score with a dealbreaker hit is at most this


@frozen
class MatchChance:
    """The NPC's own interest: its chance in percent to like back."""

    base: int  # percent at compatibility 0 and looks 50
    compatibility: int  # percent added at compatibility 100 (pro rata)
    looks: int  # percent added per 50 points of the character's looks above 50
    low: int  # the chance is clamped to ``low..high``
    high: int  # see ``low``


@frozen
class BioRules:
    """The bio grammar (``life.grammar``) and its top-level templates."""

    grammar: Grammar  # symbols and their alternatives
    templates: tuple[str, ...]  # one is drawn per bio


@frozen
class DateActivity:
    """One thing to do on a date at a venue."""

    id: str  # content id, unique within its venue
    name: str  # display name
    energy: int  # energy spent
    cost_cents: int  # cash spent
    game_minutes: int  # game time the date lasts (the character is busy)
    stat: str  # the character stat its check rolls against
    difficulty: int  # 0..100
    affection: int  # added to both affections' change, whatever the outcome


@frozen
class Venue:
    """A date venue: a café, a restaurant, a park …"""

    id: str  # content id
    name: str  # display name
    min_age: int  # youngest character age
    activities: tuple[DateActivity, ...]  # at least 3

    def activity(self, activity_id: str) -> DateActivity | None:
        """The activity with this id, or None."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        return None


@frozen
class DateOutcome:
    """An outcome tier of a date, reached from ``min_points`` up."""

    id: str  # ``great``, ``good``, ``awkward``, ``disaster`` …
    min_points: int  # 0..100
    affection: int  # change of the character's affection
    npc_affection: int  # change of the NPC's affection
    happiness: int  # change of the character's happiness
    photo: str | None  # caption template of an album photo (a memorable date)


@frozen
class DateRules:
    """How a date's points are made (shares sum to 100) and what they give."""

    compatibility: int  # share of the points from compatibility
    luck: int  # share from a roll of 0..100
    check: int  # share from passing the activity's stat check
    per_day: int  # dates a game day
    outcomes: tuple[DateOutcome, ...]  # best first (``min_points`` descending)


@frozen
class StageRule:
    """What ``advance_relationship`` needs to reach a stage."""

    id: str  # ``partner``, ``engaged`` or ``married``
    min_affection: int  # the character's affection at least this
    npc_min_affection: int  # the NPC says yes from this affection on
    min_days: int  # game days in the stage before
    cost_cents: int  # cash it costs (a ring, a wedding)
    declined_affection: int  # change of the NPC's affection when it says no
    photo: str | None  # caption template of an album photo when it says yes


@frozen
class RelationshipRules:
    """Affection thresholds and the cost of endings."""

    start_affection: int  # both affections at the match
    leave_below: int  # the NPC ends it when its affection falls below this
    divorce_split_percent: int  # share of the character's cash the ex takes
    breakup_happiness: int  # change of happiness at a break-up
    divorce_happiness: int  # change of happiness at a divorce
    stages: tuple[StageRule, ...]  # ``partner``, ``engaged``, ``married``

    def stage(self, stage_id: str) -> StageRule | None:
        """The rule of this stage, or None."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        return None


@frozen
class DatingRules:
    """All of ``dating.toml``."""

    min_age: int  # youngest age that dates
    pool_size: int  # NPCs drawn per pool
    pool_days: int  # game days a pool lasts; pool index = day // pool_days
    matches_shown: int  # suggestions ``get_matches`` returns
    max_romances: int  # relationships (matched and beyond) kept at once
    age_gap: int  # default preference: ages within the character's ± this
    interests_per_person: tuple[int, int]  # (low, high) interests drawn
    interests: tuple[Interest, ...]  # the interest vocabulary
    traits: tuple[Trait, ...]  # the lifestyle traits
    dealbreakers: tuple[Dealbreaker, ...]  # the dealbreakers
    orientations: tuple[Orientation, ...]  # NPC orientations
    compatibility: CompatibilityWeights  # the formula's weights
    match_chance: MatchChance  # the NPC's chance to like back
    bio: BioRules  # the bio grammar
    venues: tuple[Venue, ...]  # date venues, at least 6
    dates: DateRules  # date points and outcomes
    relationships: RelationshipRules  # stage thresholds and endings

    def venue(self, venue_id: str) -> Venue | None:
        """The venue with this id, or None."""
        for venue in self.venues:
            if venue.id == venue_id:
                return venue
        return None
