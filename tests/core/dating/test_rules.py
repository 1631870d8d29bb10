"""Tests of ``baolife_core.dating.rules``: the bundled ``dating.toml`` and the
loader's located errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baolife_core import ContentError, load_catalog
from baolife_core.dating.rules import (
    ADVANCED_STAGES,
    MIN_ACTIVITIES,
    MIN_VENUES,
    SEEKS,
    load_dating_rules,
)
from baolife_core.life.careers import system_flags
from baolife_core.life.effect_rules import FlagEffect
from baolife_core.life.rules import STAT_NAMES
from baolife_core.state import Career, Job
from content_packs import copy_content, edited_file

CATALOG = load_catalog()
RULES = CATALOG.dating
JOB = Job(id="retail_clerk", since_day=0, performance=50, months=0)


class TestBundledContent:
    """The bundled ``dating.toml`` holds what the issue asks for."""

    def test_settings(self) -> None:
        """The pool and the limits are the documented ones."""
        assert (18, 8, 7, 5, 12, 8, (3, 5)) == (
            RULES.min_age,
            RULES.pool_size,
            RULES.pool_days,
            RULES.matches_shown,
            RULES.max_romances,
            RULES.age_gap,
            RULES.interests_per_person,
        )

    def test_vocabularies(self) -> None:
        """At least 16 interests, 8 traits and 8 dealbreakers, and three
        orientations that seek each of ``SEEKS``."""
        assert len(RULES.interests) >= 16
        assert len(RULES.traits) >= 8
        assert len(RULES.dealbreakers) >= 8
        assert set(SEEKS) == {o.seeks for o in RULES.orientations}

    def test_flagless_traits_exist(self) -> None:
        """Some traits have no flag (a character never has them), most have one."""
        flagless = {t.id for t in RULES.traits if t.flag is None}
        assert {"smoker", "wants_kids"} == flagless

    def test_trait_flags_are_career_or_story_flags(self) -> None:
        """Every trait flag is a career flag or one a storylet effect sets."""
        story = {
            effect.flag
            for storylet in CATALOG.storylets.events
            for effects in (
                storylet.effects,
                *(c.effects for c in storylet.choices),
                *(c.success for c in storylet.choices),
                *(c.failure for c in storylet.choices),
            )
            for effect in effects
            if isinstance(effect, FlagEffect)
        }
        career = system_flags(Career(degrees=("university",), job=JOB))
        flags = {t.flag for t in RULES.traits if t.flag is not None}
        assert {"employed", "degree_university"} == flags & career
        assert flags - career <= story

    def test_weights_and_shares_sum_to_100(self) -> None:
        """The compatibility weights and the date shares sum to 100."""
        weights = RULES.compatibility
        dates = RULES.dates
        assert 100 == weights.personality + weights.interests + weights.chemistry
        assert 100 == dates.compatibility + dates.luck + dates.check

    def test_venues(self) -> None:
        """At least six venues, each with at least three activities on life stats."""
        assert len(RULES.venues) >= MIN_VENUES
        assert {"cafe", "restaurant", "park", "cinema", "museum", "club"} <= {
            v.id for v in RULES.venues
        }
        for venue in RULES.venues:
            assert len(venue.activities) >= MIN_ACTIVITIES
            assert all(a.stat in STAT_NAMES for a in venue.activities)

    def test_lookups(self) -> None:
        """``venue``, ``activity`` and ``stage`` find by id, or give None."""
        cafe = RULES.venue("cafe")
        assert cafe is not None
        assert "coffee" == getattr(cafe.activity("coffee"), "id", None)
        assert None is cafe.activity("dinner")
        assert None is RULES.venue("moon")
        assert 300000 == getattr(RULES.relationships.stage("engaged"), "cost_cents", 0)
        assert None is RULES.relationships.stage("dating")

    def test_outcomes_best_first(self) -> None:
        """Outcome tiers descend to 0; only ``great`` takes a photo."""
        points = [o.min_points for o in RULES.dates.outcomes]
        assert ["great", "good", "awkward", "disaster"] == [
            o.id for o in RULES.dates.outcomes
        ]
        assert sorted(points, reverse=True) == points
        assert 0 == points[-1]
        assert ["great"] == [o.id for o in RULES.dates.outcomes if o.photo]

    def test_stages(self) -> None:
        """The three stage rules, in the transition table's order."""
        assert ("partner", "engaged", "married") == ADVANCED_STAGES
        assert ADVANCED_STAGES == tuple(s.id for s in RULES.relationships.stages)

    def test_loader_is_the_catalogs(self, tmp_path: Path) -> None:
        """Loading ``dating.toml`` alone gives the catalog's rules."""
        directory = copy_content(tmp_path)
        flags = tuple(sorted({t.flag for t in RULES.traits if t.flag is not None}))
        assert RULES == load_dating_rules(directory, stats=STAT_NAMES, flags=flags)


#: (old, new, entry, field, problem): one broken value of ``dating.toml`` each.
BROKEN = [
    ("pool_size = 8", "pool_size = 0", "dating", "pool_size", "within"),
    ("matches_shown = 5", "matches_shown = 9", "dating", "matches_shown", "within"),
    ("[3, 5]", "[1, 5]", "dating", "interests_per_person", "[low, high]"),
    ("[3, 5]", "[4, 3]", "dating", "interests_per_person", "[low, high]"),
    ("age_gap = 8", "age_gap = 8\nage_gapp = 3", "dating", "age_gapp", "not a known"),
    ('id = "cooking"', 'id = "hiking"', "interests[hiking]", "id", "duplicates"),
    ('flag = "employed"', 'flag = "astronaut"', "traits[employed]", "flag", "no story"),
    (
        "npc_percent = 18",
        "npc_percent = 101",
        "traits[smoker]",
        "npc_percent",
        "within",
    ),
    (
        'trait = "smoker"',
        'trait = "vampire"',
        "dealbreakers[no_smokers]",
        "trait",
        "names no trait",
    ),
    (
        "wants = false",
        "wants = 0",
        "dealbreakers[no_smokers]",
        "wants",
        "true or false",
    ),
    (
        'seeks = "other"',
        'seeks = "nobody"',
        "orientations[straight]",
        "seeks",
        "one of",
    ),
    ("chemistry = 50", "chemistry = 40", "compatibility", "chemistry", "sum to 100"),
    (
        "dealbreaker_cap = 20",
        "dealbreaker_cap = -1",
        "compatibility",
        "dealbreaker_cap",
        "within",
    ),
    ("high = 95", "high = 1", "match_chance", "high", "within"),
    (
        "[match_chance]\nbase",
        "[match_chancy]\nbase",
        "(top level)",
        "match_chance",
        "required",
    ),
    (
        '"Not great at bios.',
        '"Not great at {bios}.',
        "bio",
        "templates",
        "unknown symbol",
    ),
    (
        '"{first_name}, {age}. {selfie} {into} {interest}. {ask}"',
        '"{first_name}, {age}. {selfie} {ask}"',
        "bio",
        "templates",
        "names no interest",
    ),
    ("greeting = [", 'age = ["x"]\ngreeting = [', "bio.grammar", "age", "placeholder"),
    ('adj2 = ["soft",', 'adj2 = ["{adj2}",', "bio.grammar", "adj2", "deeper"),
    (
        '"Hi!", "Hey there."',
        '"Hi!", "Hey {there!r}."',
        "bio.grammar",
        "greeting",
        "format",
    ),
    (
        'stat = "happiness"\ndifficulty = 30',
        'stat = "charm"\ndifficulty = 30',
        "venues[cafe].activities[coffee]",
        "stat",
        "one of",
    ),
    (
        'id = "brunch"',
        'id = "coffee"',
        "venues[cafe].activities[coffee]",
        "id",
        "duplicates",
    ),
    (
        'game_minutes = 60\nstat = "happiness"',
        'game_minutes = 0\nstat = "happiness"',
        "venues[cafe].activities[coffee]",
        "game_minutes",
        "within",
    ),
    (
        '[[venues.activities]]\nid = "board_game"',
        '[venues.extra]\nid = "board_game"',
        "venues[cafe]",
        "activities",
        f"at least {MIN_ACTIVITIES}",
    ),
    ("luck = 30", "luck = 31", "dates", "check", "sum to 100"),
    ("per_day = 2", "per_day = 0", "dates", "per_day", "within"),
    (
        "min_points = 45",
        "min_points = 75",
        "dates.outcomes[good]",
        "min_points",
        "below",
    ),
    ("min_points = 0", "min_points = 5", "dates.outcomes[disaster]", "min_points", "0"),
    (
        "{partner} at the {venue}",
        "{partner} at the {place}",
        "dates.outcomes[great]",
        "photo",
        "unknown symbol",
    ),
    (
        'photo = "{partner} said yes!"',
        'photo = "{partner} said yes at the {venue}!"',
        "relationships.stages[engaged]",
        "photo",
        "unknown symbol",
    ),
    ('id = "engaged"', 'id = "betrothed"', "relationships.stages", "id", "exactly"),
    ("leave_below = 15", "leave_below = 40", "relationships", "leave_below", "within"),
    (
        "divorce_split_percent = 50",
        "divorce_split_percent = 150",
        "relationships",
        "divorce_split_percent",
        "within",
    ),
]


class TestErrors:
    """A broken ``dating.toml`` fails with file, entry and field named."""

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        BROKEN,
        ids=[f"{entry}.{field}:{new[:16]}" for _, new, entry, field, _ in BROKEN],
    )
    def test_errors_name_entry_and_field(
        self, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken value is reported where it is, with the problem."""
        with pytest.raises(ContentError) as caught:
            edited_file("dating.toml", (old, new))
        error = caught.value
        assert ("dating.toml", entry, field) == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_orientation_weights_not_all_zero(self) -> None:
        """Some orientation must be drawable."""
        with pytest.raises(ContentError, match="must not all be 0") as caught:
            edited_file(
                "dating.toml",
                ("weight = 80", "weight = 0"),
                ("weight = 8\n", "weight = 0\n"),
                ("weight = 12", "weight = 0"),
            )
        assert ("orientations", "weight") == (caught.value.entry, caught.value.field)

    def test_at_least_six_venues(self, tmp_path: Path) -> None:
        """Fewer than ``MIN_VENUES`` venues are refused."""

        def drop_three(name: str, text: str) -> str:
            if name != "dating.toml":
                return text
            cut = re.compile(r'\[\[venues\]\]\nid = "museum".*?(?=# -+ dates)', re.S)
            text, count = cut.subn("", text)
            assert 1 == count
            return text

        with pytest.raises(ContentError, match="at least 6 venues") as caught:
            load_catalog(copy_content(tmp_path, drop_three))
        assert ("dating.toml", "venues") == (caught.value.file, caught.value.entry)

    def test_missing_file(self, tmp_path: Path) -> None:
        """Without ``dating.toml`` the catalog does not load."""
        directory = copy_content(tmp_path)
        (directory / "dating.toml").unlink()
        with pytest.raises(ContentError, match="file is missing"):
            load_catalog(directory)
