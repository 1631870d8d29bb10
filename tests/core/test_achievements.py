"""Tests of ``baolife_core.retention.achievement_rules`` and ``achievements``.

The bundled content is checked for its shape (44 in 5 categories) and for
reachability: every ``where`` value names real content, and lives the reference
bot plays unlock the life, career, family and collector achievements a life can
reach. The rules are checked one at a time; content errors name file, entry and
field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import attrs
import pytest
from attrs import evolve

from baolife_core import load_catalog, new_player
from baolife_core.engine import replay_outcomes, tick
from baolife_core.errors import ContentError
from baolife_core.events import (
    EVENT_TYPES,
    AchievementUnlocked,
    ActivityDone,
    Birthday,
    DiamondsCredited,
    Event,
    ItemGranted,
    StageEntered,
)
from baolife_core.retention.achievement_rules import (
    DEFAULT_ITEMS,
    EVENT_NAMES,
    FILE,
    Achievement,
    AchievementRules,
    EventFilter,
    StatThreshold,
    load_achievements,
)
from baolife_core.retention.achievements import (
    HIDDEN_NAME,
    achievement_views,
    newly_unlocked,
    unlock,
)
from baolife_core.retention.rewards import reward_id
from baolife_core.retention.statistics import STATISTIC_NAMES, count_events
from baolife_core.state import PlayerState, Statistics
from baolife_core.testing import PACES, play_life

CONTENT = resources.files("baolife_core") / "content"
RULES = load_achievements(CONTENT)
CATALOG = load_catalog()
T0 = 1_798_761_600_000


def by_id(achievement_id: str) -> Achievement:
    """The bundled achievement with this id."""
    achievement = RULES.achievement(achievement_id)
    assert achievement is not None
    return achievement


def stage_entered(stage: str) -> StageEntered:
    """The event of entering ``stage``."""
    return StageEntered(at=T0, life=1, stage=stage, age=65, day=2340)


def player() -> PlayerState:
    """A new player with the bundled content."""
    return new_player(seed=7, at=T0, catalog=CATALOG)


# -- content ------------------------------------------------------------------------


def content_values(field: str, where: Mapping[str, object]) -> set[str] | None:
    """The values the content allows for a ``where`` field, or None if any goes."""
    life, careers = CATALOG.life, CATALOG.careers
    storylets = {s.id: s for s in CATALOG.storylets.events}
    if field == "choice":
        storylet = storylets[str(where["event_id"])]
        return {c.id for c in storylet.choices}
    return {
        "stage": {s.id for s in life.stages},
        "cause": {c.id for c in life.causes},
        "job": {j.id for j in careers.jobs},
        "to_job": {j.id for j in careers.jobs if j.id in _promoted_into()},
        "school": {s.id for s in careers.schools},
        "event_id": set(storylets),
        "activity": {a.id for a in CATALOG.activities.activities},
        "role": {"friend", "colleague"},
    }.get(field)


def _promoted_into() -> set[str]:
    return {j.promotes_to for j in CATALOG.careers.jobs if j.promotes_to is not None}


class TestBundledContent:
    """``achievements.toml`` has the shape the issue asks for, and loads."""

    def test_forty_four_in_five_categories(self) -> None:
        """44 achievements in 5 categories, 8 or 9 in each."""
        counts = Counter(a.category for a in RULES.achievements)
        assert (44, 5) == (len(RULES.achievements), len(RULES.categories))
        assert [c.id for c in RULES.categories] == list(counts)
        assert all(8 <= n <= 9 for n in counts.values())

    def test_categories(self) -> None:
        """The five categories, in display order."""
        assert [
            ("life", "Life"),
            ("career_wealth", "Career & Wealth"),
            ("love_family", "Love & Family"),
            ("collector", "Collector"),
            ("dedication", "Dedication"),
        ] == [(c.id, c.name) for c in RULES.categories]

    def test_some_hidden_some_with_progress_some_with_items(self) -> None:
        """Hidden ones, statistic ones with progress, and item rewards all occur."""
        assert any(a.hidden for a in RULES.achievements)
        assert any(a.target > 1 for a in RULES.achievements)
        items = set().union(*(a.reward.item_ids() for a in RULES.achievements))
        assert set(DEFAULT_ITEMS) == items

    def test_items_are_the_item_catalog(self) -> None:
        """The default item ids are exactly those of ``items.toml``."""
        assert sorted(DEFAULT_ITEMS) == sorted(i.id for i in CATALOG.items.items)

    def test_statistics_are_known(self) -> None:
        """Every statistic threshold names one of the 16 statistics."""
        stats = {
            a.predicate.stat
            for a in RULES.achievements
            if isinstance(a.predicate, StatThreshold)
        }
        assert stats <= set(STATISTIC_NAMES)

    def test_where_values_name_content(self) -> None:
        """Every ``where`` value names a stage, job, school, storylet … that exists."""
        for achievement in RULES.achievements:
            predicate = achievement.predicate
            if not isinstance(predicate, EventFilter):
                continue
            where = dict(predicate.where)
            for field, value in predicate.where:
                allowed = content_values(field, where)
                assert allowed is None or value in allowed, (achievement.id, field)

    def test_passed_filters_name_choices_with_a_check(self) -> None:
        """``passed = true`` is only asked of a choice that has a check."""
        storylets = {s.id: s for s in CATALOG.storylets.events}
        for achievement in RULES.achievements:
            predicate = achievement.predicate
            where = dict(predicate.where) if isinstance(predicate, EventFilter) else {}
            if "passed" in where:
                storylet = storylets[str(where["event_id"])]
                choice = next(c for c in storylet.choices if c.id == where["choice"])
                assert choice.check is not None, achievement.id

    def test_bot_lives_unlock_what_a_life_reaches(self) -> None:
        """Three bot lives (one per pace) together unlock every life-bound goal.

        What stays locked needs more than one life (second life, 100 years …),
        the retention features (logins, quests, items), or a focused career the
        bot does not play (promotions).
        """
        unlocked: set[str] = set()
        for seed, pace in enumerate(PACES, start=1):
            life = play_life(CATALOG, seed=seed, bot_seed=seed, pace=pace)
            outcomes = list(replay_outcomes(life.journal, CATALOG))
            _, lived = tick(outcomes[-1].state, life.end_at, CATALOG)
            events = [e for o in outcomes for e in o.events] + list(lived)
            stats = count_events(Statistics(), events)
            unlocked |= {a.id for a in newly_unlocked(RULES, (), stats, events)}
        assert {
            "first_breath",
            "teenage_years",
            "coming_of_age",
            "grown_up",
            "golden_years",
            "full_life",
            "first_job",
            "first_paycheck",
            "cap_and_gown",
            "gold_watch",
            "new_friend",
            "work_friends",
            "social_butterfly",
            "good_talk",
            "tied_the_knot",
            "pet_parent",
            "say_cheese",
            "photo_album",
            "storyteller",
            "scholar",
            "busy_bee",
            "deep_thought",
        } <= unlocked


# -- validation ---------------------------------------------------------------------

BASE = """
[[categories]]
id = "life"
name = "Life"

[[achievements]]
id = "born"
name = "Born"
description = "Be born."
category = "life"
{predicate}
reward = {reward}
"""

WHERE = "achievements[born]"


def write(directory: Path, predicate: str, reward: str = "{ diamonds = 5 }") -> Path:
    """A content directory holding one achievement with ``predicate``."""
    text = BASE.format(predicate=predicate, reward=reward)
    (directory / FILE).write_text(text, encoding="utf-8")
    return directory


def load_error(directory: Path) -> ContentError:
    """The ``ContentError`` loading ``directory`` raises."""
    with pytest.raises(ContentError) as caught:
        load_achievements(directory)
    return caught.value


class TestValidation:
    """Invalid content fails with an error naming file, entry and field."""

    def test_minimal_pack_loads(self, tmp_path: Path) -> None:
        """The base pack of the tests is valid."""
        rules = load_achievements(write(tmp_path, 'stat = "lives_lived"\nat_least = 1'))
        assert StatThreshold("lives_lived", 1) == rules.achievements[0].predicate

    def test_dates_may_be_a_threshold(self, tmp_path: Path) -> None:
        """``dates_gone_on`` is counted since dating landed, so it loads."""
        pack = write(tmp_path, 'stat = "dates_gone_on"\nat_least = 3')
        rules = load_achievements(pack)
        assert StatThreshold("dates_gone_on", 3) == rules.achievements[0].predicate

    @pytest.mark.parametrize(
        ("predicate", "field", "problem"),
        [
            ('stat = "lives_lovd"\nat_least = 1', "stat", "not a statistic"),
            ('stat = "lives_lived"\nat_least = 0', "at_least", "within"),
            ('stat = "lives_lived"', "at_least", "required"),
            ('event = "stage_entred"', "event", "not an event"),
            ('event = "achievement_unlocked"', "event", "derived"),
            ('event = "statistics_changed"', "event", "derived"),
            (
                'event = "stage_entered"\nwhere = { stag = "teen" }',
                "where.stag",
                "field",
            ),
            ('event = "birthday"\nwhere = { age = "ninety" }', "where.age", "integer"),
            ('event = "birthday"\nwhere = { age = true }', "where.age", "integer"),
            (
                'event = "school_finished"\nwhere = { degree = 1 }',
                "where.degree",
                "true",
            ),
            ('event = "activity_done"\nwhere = { stats = 1 }', "where.stats", "filter"),
            ('event = "birthday"\nwhere = {}', "where", "non-empty"),
            ('event = "birthday"\nwhere = 3', "where", "table"),
            ('stat = "lives_lived"\nat_least = 1\nevent = "birthday"', "stat", "one"),
            ("", "stat", "exactly one"),
            ('event = "birthday"\nat_least = 3', "at_least", "with stat"),
            (
                'stat = "lives_lived"\nat_least = 1\nwhere = { age = 3 }',
                "where",
                "event",
            ),
            ('stat = "lives_lived"\nat_least = 1\nhiden = true', "hiden", "known"),
            ('stat = "lives_lived"\nat_least = 1\nhidden = "yes"', "hidden", "true"),
        ],
    )
    def test_bad_predicate(
        self, tmp_path: Path, predicate: str, field: str, problem: str
    ) -> None:
        """A bad predicate names the entry and the field at fault."""
        error = load_error(write(tmp_path, predicate))
        assert (FILE, WHERE, field) == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_unknown_item(self, tmp_path: Path) -> None:
        """A reward item the item catalog does not define is an error."""
        directory = write(
            tmp_path,
            'stat = "lives_lived"\nat_least = 1',
            "{ items = { golden_goose = 1 } }",
        )
        error = load_error(directory)
        assert (WHERE, "reward") == (error.entry, error.field)
        assert "golden_goose" in error.problem

    def test_known_items_are_a_parameter(self, tmp_path: Path) -> None:
        """The loader checks items against the ids it is given."""
        directory = write(
            tmp_path, 'stat = "lives_lived"\nat_least = 1', "{ items = { goose = 1 } }"
        )
        rules = load_achievements(directory, known_items={"goose"})
        assert {"goose"} == rules.achievements[0].reward.item_ids()

    def test_bad_reward(self, tmp_path: Path) -> None:
        """The reward is read by the one reward format, with its errors."""
        error = load_error(write(tmp_path, 'event = "birthday"', "{ diamonds = -1 }"))
        assert (WHERE, "reward.diamonds") == (error.entry, error.field)

    @pytest.mark.parametrize(
        "reward",
        [
            "{ diamonds = 5, energy = 10 }",
            "{ rolls = [[{ weight = 1, diamonds = 5 }, { weight = 1, energy = 5 }]] }",
        ],
    )
    def test_no_energy(self, tmp_path: Path, reward: str) -> None:
        """An achievement's reward gives no energy, fixed or rolled."""
        error = load_error(write(tmp_path, 'event = "birthday"', reward))
        assert (WHERE, "reward.energy") == (error.entry, error.field)

    def test_undeclared_category(self, tmp_path: Path) -> None:
        """An achievement's category must be declared."""
        directory = write(tmp_path, 'event = "birthday"')
        path = directory / FILE
        path.write_text(path.read_text().replace('category = "life"', 'category = "x"'))
        error = load_error(directory)
        assert (WHERE, "category") == (error.entry, error.field)

    def test_empty_category(self, tmp_path: Path) -> None:
        """A declared category with no achievement is an error."""
        directory = write(tmp_path, 'event = "birthday"')
        path = directory / FILE
        path.write_text(
            '[[categories]]\nid = "career"\nname = "Career"\n' + path.read_text()
        )
        error = load_error(directory)
        assert ("categories[career]", "id") == (error.entry, error.field)

    def test_duplicate_id(self, tmp_path: Path) -> None:
        """Achievement ids are unique."""
        directory = write(tmp_path, 'event = "birthday"')
        path = directory / FILE
        text = path.read_text()
        path.write_text(text + text[text.index("[[achievements]]") :])
        error = load_error(directory)
        assert ("achievements[born]", "id") == (error.entry, error.field)

    def test_missing_file(self, tmp_path: Path) -> None:
        """Without the file, the error names it."""
        assert FILE == load_error(tmp_path).file

    def test_loads_after_cattrs_resolved_the_event_types(self) -> None:
        """Field types are read resolved, so decoding events first changes nothing.

        ``attrs.resolve_types`` (which cattrs calls) turns the annotation strings
        of ``attrs.fields`` into types in place.
        """
        for cls in EVENT_TYPES:
            attrs.resolve_types(cls)
        assert RULES == load_achievements(CONTENT)

    def test_event_names_are_wire_names(self) -> None:
        """Predicates use the wire names of ``EVENT_TYPES``."""
        assert {"stage_entered", "promoted", "character_retired"} <= set(EVENT_NAMES)


# -- unlocking ----------------------------------------------------------------------


class TestNewlyUnlocked:
    """Which achievements a batch of events and the statistics unlock."""

    def test_statistic_reaches_threshold(self) -> None:
        """A statistic at its threshold unlocks; one below does not."""
        below = Statistics(lives_lived=1, activities_done=99)
        at = evolve(below, activities_done=100)
        assert "busy_bee" not in {a.id for a in newly_unlocked(RULES, (), below, ())}
        assert "busy_bee" in {a.id for a in newly_unlocked(RULES, (), at, ())}

    def test_event_with_matching_fields(self) -> None:
        """An event unlocks the achievement whose ``where`` it matches, only that."""
        found = newly_unlocked(RULES, (), Statistics(), [stage_entered("senior")])
        assert ("golden_years",) == tuple(a.id for a in found)

    def test_event_must_be_among_the_events(self) -> None:
        """An event achievement needs its event in this batch."""
        assert () == newly_unlocked(RULES, (), Statistics(), [Birthday(T0, 1, 89, 3)])
        found = newly_unlocked(RULES, (), Statistics(), [Birthday(T0, 1, 90, 3)])
        assert ("ninety_candles",) == tuple(a.id for a in found)

    def test_already_unlocked_are_left_out(self) -> None:
        """An unlocked achievement never unlocks again."""
        stats = Statistics(lives_lived=2)
        found = newly_unlocked(RULES, ("first_breath",), stats, ())
        assert ("second_chance",) == tuple(a.id for a in found)

    def test_content_order(self) -> None:
        """Several unlocks come in content order."""
        stats = Statistics(lives_lived=1, activities_done=100)
        events = [stage_entered("teen")]
        found = [a.id for a in newly_unlocked(RULES, (), stats, events)]
        order = [a.id for a in RULES.achievements]
        assert ["first_breath", "teenage_years", "busy_bee"] == found
        assert sorted(found, key=order.index) == found

    def test_other_event_kinds_do_not_match(self) -> None:
        """A filter matches its own event kind only."""
        work = ActivityDone(T0, 1, "work_shift", "work", 30, True, (), 0, 9)
        assert not EventFilter("stage_entered").matches(work)
        assert EventFilter("activity_done", (("activity", "work_shift"),)).matches(work)
        assert not EventFilter("activity_done", (("activity", "study"),)).matches(work)


class TestViews:
    """``achievement_views`` lists every achievement with the player's progress."""

    def test_every_achievement_in_content_order(self) -> None:
        """One view per achievement, in content order."""
        views = achievement_views(RULES, (), Statistics())
        assert [a.id for a in RULES.achievements] == [v.id for v in views]

    def test_hidden_and_locked_is_secret(self) -> None:
        """A hidden achievement shows ``???`` and no description until unlocked."""
        view = next(v for v in achievement_views(RULES, (), Statistics()) if v.hidden)
        assert (HIDDEN_NAME, "", False) == (view.name, view.description, view.unlocked)

    def test_hidden_and_unlocked_is_shown(self) -> None:
        """Once unlocked, a hidden achievement shows its name and description."""
        full_life = by_id("full_life")
        views = achievement_views(RULES, ("full_life",), Statistics())
        view = next(v for v in views if v.id == "full_life")
        assert (full_life.name, full_life.description, True, 1, 1) == (
            view.name,
            view.description,
            view.unlocked,
            view.progress,
            view.target,
        )

    @pytest.mark.parametrize(("done", "progress"), [(0, 0), (42, 42), (5000, 100)])
    def test_statistic_progress(self, done: int, progress: int) -> None:
        """Progress is the statistic, capped at the threshold."""
        stats = Statistics(activities_done=done)
        view = next(
            v for v in achievement_views(RULES, (), stats) if v.id == "busy_bee"
        )
        assert (progress, 100) == (view.progress, view.target)

    def test_event_progress_is_zero_until_unlocked(self) -> None:
        """An event achievement is 0 of 1, then 1 of 1."""
        before = achievement_views(RULES, (), Statistics())
        after = achievement_views(RULES, ("first_job",), Statistics())
        assert [(0, 1), (1, 1)] == [
            next((v.progress, v.target) for v in views if v.id == "first_job")
            for views in (before, after)
        ]


class TestUnlock:
    """``unlock`` records achievements and pays their rewards."""

    def test_records_and_emits_then_pays(self) -> None:
        """The id is recorded, ``AchievementUnlocked`` comes first, then the pay."""
        state = player()
        golden = by_id("golden_years")
        after, events = unlock(
            state, [golden], at=T0 + 5, catalog_energy_rules=CATALOG.energy
        )
        assert ("golden_years",) == after.retention.achievements
        credit = DiamondsCredited(
            at=T0 + 5,
            amount=25,
            reason="achievement",
            reference="achievement:golden_years",
            balance_after=state.wallet.diamonds + 25,
            transaction_id=reward_id(state.seed, "achievement:golden_years"),
        )
        expected: tuple[Event, ...] = (
            AchievementUnlocked(T0 + 5, "golden_years", "life", "Golden years"),
            credit,
            ItemGranted(T0 + 5, "time_crystal", 1, "achievement"),
        )
        assert expected == events
        assert (("time_crystal", 1),) == after.retention.inventory

    def test_ids_stay_sorted(self) -> None:
        """Unlocked ids are kept sorted whatever the unlock order."""
        state, _ = unlock(
            player(),
            [by_id("say_cheese"), by_id("busy_bee")],
            at=T0,
            catalog_energy_rules=CATALOG.energy,
        )
        assert ("busy_bee", "say_cheese") == state.retention.achievements

    def test_unlocking_twice_pays_once(self) -> None:
        """An achievement already unlocked is skipped."""
        once, _ = unlock(
            player(), [by_id("busy_bee")], at=T0, catalog_energy_rules=CATALOG.energy
        )
        twice, events = unlock(
            once, [by_id("busy_bee")], at=T0, catalog_energy_rules=CATALOG.energy
        )
        assert (once, ()) == (twice, events)

    def test_rolled_reward_is_deterministic(self) -> None:
        """A reward with a roll pays the same on every replay."""
        full_week = by_id("full_week")
        runs = [
            unlock(player(), [full_week], at=T0, catalog_energy_rules=CATALOG.energy)
            for _ in range(2)
        ]
        assert runs[0] == runs[1]

    def test_item_names_make_no_difference_to_state(self) -> None:
        """Item names only shape the reward text, never the state."""
        rules = AchievementRules(RULES.categories, (by_id("golden_years"),))
        plain = unlock(
            player(), rules.achievements, at=T0, catalog_energy_rules=CATALOG.energy
        )
        named = unlock(
            player(),
            rules.achievements,
            at=T0,
            catalog_energy_rules=CATALOG.energy,
            item_names=CATALOG.items.names,
        )
        assert plain == named
