"""Tests of ``baolife_core.life``: characters, stages, ageing, death, new lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    CharacterBorn,
    CharacterCreated,
    CharacterDied,
    ContentError,
    CreateCharacter,
    DiamondsCredited,
    PlayerState,
    PurchaseTimeSkip,
    Rejection,
    StageEntered,
    advance,
    load_catalog,
    new_player,
    replay,
    step,
    tick,
)
from baolife_core.clock import MS_PER_DAY
from baolife_core.life.days import age_on, daily_hazard_ppm, next_stage
from baolife_core.life.rules import STAT_NAMES
from content_packs import DOOMED, IMMORTAL, edited_catalog
from events import own_events

CATALOG = load_catalog()
RULES = CATALOG.life
T0 = 1_798_761_600_000
#: Wall ms per game day at the default time scale (24 real minutes).
WALL_DAY = MS_PER_DAY // CATALOG.clock.time_scale
YEAR = RULES.days_per_year


def born(seed: int = 3, catalog: object = CATALOG, **fields: str) -> PlayerState:
    """A player created at ``T0`` with a character born the same instant."""
    state = new_player(seed=seed, at=T0, catalog=catalog)  # type: ignore[arg-type]
    outcome = step(state, CreateCharacter(at=T0, **fields), catalog)  # type: ignore[arg-type]
    assert isinstance(outcome.reply, CharacterCreated)
    return outcome.state


def at_day(day: int) -> int:
    """The wall instant on which game day ``day`` starts (no skips)."""
    return T0 + day * WALL_DAY


class TestRules:
    """``life.toml`` loads and is validated."""

    def test_bundled_rules(self) -> None:
        """Six stages from baby to senior, 36 days a year."""
        assert 36 == YEAR
        assert ["baby", "child", "teen", "young_adult", "adult", "senior"] == [
            s.id for s in RULES.stages
        ]
        assert [0, 3, 13, 18, 30, 65] == [s.min_age for s in RULES.stages]

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field"),
        [
            ("days_per_year = 36", "days_per_year = 0", "calendar", "days_per_year"),
            (
                'id = "baby"\nmin_age = 0',
                'id = "baby"\nmin_age = 1',
                "stages[baby]",
                "min_age",
            ),
            (
                'id = "teen"\nmin_age = 13',
                'id = "teen"\nmin_age = 2',
                "stages[teen]",
                "min_age",
            ),
            (
                "gender_weights = [48, 48, 4]",
                "gender_weights = [1, 2]",
                "character",
                "gender_weights",
            ),
            ("health = [70, 100]", "health = [90, 70]", "character", "health"),
            ("smarts = [10, 90]", "smarts = [10, 101]", "character", "smarts"),
            ("max_age = 200", "max_age = 120", "death.bands", "max_age"),
            ("max_siblings = 2", "max_sibling = 2", "character", "max_siblings"),
        ],
    )
    def test_errors_name_entry_and_field(
        self, tmp_path: Path, old: str, new: str, entry: str, field: str
    ) -> None:
        """Each broken value is reported with ``life.toml``, its entry and field."""
        with pytest.raises(ContentError) as caught:
            edited_catalog((old, new))
        assert ("life.toml", entry, field) == (
            caught.value.file,
            caught.value.entry,
            caught.value.field,
        )

    def test_every_gender_needs_names(self) -> None:
        """A gender without a names list is an error naming it."""
        with pytest.raises(ContentError) as caught:
            edited_catalog(
                ('"female", "male", "nonbinary"]', '"female", "male", "other"]')
            )
        assert ("names", "other") == (caught.value.entry, caught.value.field)


class TestCreateCharacter:
    """``create_character`` begins a life drawn from the player's stream."""

    def test_first_character(self) -> None:
        """A baby born today, stats and traits within content ranges, a family."""
        state = born()
        character = state.character
        assert character is not None
        assert (1, "baby", 0, None, 0) == (
            character.life,
            character.stage,
            character.born_day,
            character.death,
            character.money_cents,
        )
        for name, (low, high) in zip(
            STAT_NAMES, RULES.character.stat_ranges, strict=True
        ):
            assert low <= getattr(character.stats, name) <= high
        roles = [r.role for r in character.family]
        assert ["mother", "father"] == roles[:2]
        assert set(roles[2:]) <= {"sibling"}
        assert len(roles) <= 2 + RULES.character.max_siblings
        surname = character.name.split()[-1]
        assert all(r.name.endswith(surname) for r in character.family)
        assert all(r.born_day < 0 for r in character.family)

    def test_events_and_reply(self) -> None:
        """One ``CharacterBorn`` event; the reply names the life."""
        state = new_player(seed=3, at=T0, catalog=CATALOG)
        outcome = step(
            state, CreateCharacter(at=T0, name="Ada Lovelace", gender="female"), CATALOG
        )
        assert (
            CharacterBorn(
                at=T0,
                life=1,
                name="Ada Lovelace",
                gender="female",
                stage="baby",
                day=0,
            ),
        ) == own_events(outcome.events)
        assert CharacterCreated(
            life=1, name="Ada Lovelace", gender="female", stage="baby"
        ) == (outcome.reply)
        assert outcome.state.character is not None
        assert all(r.name.endswith("Lovelace") for r in outcome.state.character.family)

    def test_deterministic_per_seed(self) -> None:
        """The same seed draws the same character; another seed another one."""
        assert born(seed=5).character == born(seed=5).character
        assert born(seed=5).character != born(seed=6).character

    def test_second_living_character_is_invalid_state(self) -> None:
        """One life at a time."""
        state = born()
        outcome = step(state, CreateCharacter(at=T0 + 1), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert "invalid_state" == outcome.reply.code
        assert state == outcome.state

    def test_unknown_gender_is_not_found(self) -> None:
        """A gender the content does not know is refused."""
        state = new_player(seed=3, at=T0, catalog=CATALOG)
        outcome = step(state, CreateCharacter(at=T0, gender="dragon"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert "not_found" == outcome.reply.code
        assert state == outcome.state

    @pytest.mark.parametrize("name", ["", " Ada", "Ada ", "4da", "A" * 41, "Ada\n"])
    def test_bad_names_are_refused_on_decoding(self, name: str) -> None:
        """Names are 1-40 letters, spaces, apostrophes, dots or hyphens."""
        with pytest.raises(ValueError, match="name must be"):
            CreateCharacter(at=T0, name=name)

    @pytest.mark.parametrize("name", ["Ada", "Zoë O'Neil-Díaz", "李 小龙", "J. Doe"])
    def test_good_names_are_accepted(self, name: str) -> None:
        """Letters of any script and the usual punctuation pass."""
        assert name == CreateCharacter(at=T0, name=name).name


class TestAgeing:
    """Ageing, stages and health drift follow the calendar."""

    def test_age_counts_game_years(self) -> None:
        """Age is whole game years since the birth day."""
        character = born().character
        assert character is not None
        assert [0, 0, 1, 1, 10] == [
            age_on(character, d, RULES)
            for d in (0, YEAR - 1, YEAR, 2 * YEAR - 1, 10 * YEAR)
        ]

    def test_stage_transition_table(self) -> None:
        """Each stage leads to the next at its min_age; the last leads nowhere."""
        assert ("child", 3) == next_stage("baby", RULES)
        assert ("senior", 65) == next_stage("adult", RULES)
        assert next_stage("senior", RULES) is None

    def test_stages_are_entered_on_their_birthdays(self) -> None:
        """Crossing 66 years enters every stage once, in order, on the right day."""
        state = born(catalog=IMMORTAL)
        later, events = tick(state, at_day(66 * YEAR), IMMORTAL)
        entered = [e for e in events if isinstance(e, StageEntered)]
        assert [
            ("child", 3),
            ("teen", 13),
            ("young_adult", 18),
            ("adult", 30),
            ("senior", 65),
        ] == [(e.stage, e.age) for e in entered]
        assert [3 * YEAR, 13 * YEAR, 18 * YEAR, 30 * YEAR, 65 * YEAR] == [
            e.day for e in entered
        ]
        assert later.character is not None
        assert "senior" == later.character.stage

    def test_health_declines_from_fifty(self) -> None:
        """One health point a year from the 50th birthday on, never below 0."""
        state = born(catalog=IMMORTAL)
        assert state.character is not None
        health = state.character.stats.health
        at_49 = advance(state, at_day(49 * YEAR + 1), IMMORTAL)
        at_60 = advance(state, at_day(60 * YEAR + 1), IMMORTAL)
        assert at_49.character is not None
        assert at_60.character is not None
        assert health == at_49.character.stats.health
        assert max(0, health - 11) == at_60.character.stats.health

    def test_a_time_skip_lives_the_days_it_crosses(self) -> None:
        """Skipping a week on the eve of a birthday enters the stage."""
        state = advance(born(catalog=IMMORTAL), at_day(3 * YEAR - 2), IMMORTAL)
        outcome = step(
            state,
            PurchaseTimeSkip(
                at=at_day(3 * YEAR - 2), skip_type="one_week", idempotency_key="k"
            ),
            IMMORTAL,
        )
        entered = [e for e in outcome.events if isinstance(e, StageEntered)]
        assert ["child"] == [e.stage for e in entered]


class TestDeath:
    """Death: a daily hazard by age and health, a cause, an epitaph, a new life."""

    def test_hazard_by_band_and_health(self) -> None:
        """The band's rate, multiplied while health is poor."""
        character = born().character
        assert character is not None
        assert 4 == daily_hazard_ppm(character, 10, RULES)
        assert 4000 == daily_hazard_ppm(character, 95, RULES)
        assert 40000 == daily_hazard_ppm(character, 100, RULES)
        sick = evolve(
            character, stats=evolve(character.stats, health=RULES.poor_health - 1)
        )
        assert 16 == daily_hazard_ppm(sick, 10, RULES)

    def test_doomed_character_dies_the_next_day(self) -> None:
        """With a certain hazard, the first day crossed is the last."""
        state = born(catalog=DOOMED)
        later, events = tick(state, at_day(5), DOOMED)
        assert 1 == len(events)
        died = events[0]
        assert isinstance(died, CharacterDied)
        assert (1, 1, 0) == (died.day, died.life, died.age)
        assert died.cause in {"accident", "illness"}  # the causes allowed at age 0
        assert later.character is not None
        assert later.character.death is not None
        assert died.epitaph == later.character.death.epitaph

    def test_the_dead_do_not_age(self) -> None:
        """After death, time passes without events and the character is unchanged."""
        dead, _ = tick(born(catalog=DOOMED), at_day(5), DOOMED)
        much_later, events = tick(dead, at_day(50 * YEAR), DOOMED)
        assert () == events
        assert dead.character == much_later.character

    def test_a_new_life_after_death(self) -> None:
        """``create_character`` after a death starts life 2; diamonds carry over, and
        the second life pays its achievement (``second_chance``, 20 diamonds)."""
        dead, _ = tick(born(catalog=DOOMED), at_day(5), DOOMED)
        outcome = step(dead, CreateCharacter(at=at_day(5)), DOOMED)
        assert isinstance(outcome.reply, CharacterCreated)
        assert 2 == outcome.reply.life
        assert outcome.state.character is not None
        assert 5 == outcome.state.character.born_day
        credits = [e for e in outcome.events if isinstance(e, DiamondsCredited)]
        assert [("achievement", "achievement:second_chance", 20)] == [
            (e.reason, e.reference, e.amount) for e in credits
        ]
        wallet = dead.wallet
        assert (
            evolve(
                wallet,
                diamonds=wallet.diamonds + 20,
                earned=wallet.earned + 20,
                entries=wallet.entries + 1,
            )
            == outcome.state.wallet
        )

    def test_lives_end_at_plausible_ages(self) -> None:
        """Over 40 seeds with the bundled hazard, deaths come at plausible ages."""
        ages = []
        for seed in range(40):
            state, _ = tick(born(seed=seed), at_day(120 * YEAR), CATALOG)
            assert state.character is not None
            assert state.character.death is not None
            ages.append(state.character.death.age)
        ages.sort()
        assert 55 <= ages[len(ages) // 2] <= 95, ages
        assert max(ages) <= 120


class TestProperties:
    """Stats stay in bounds and ``advance`` stays split invariant across stages."""

    @given(
        seed=st.integers(min_value=0, max_value=2**63 - 1),
        t1=st.integers(min_value=0, max_value=100 * YEAR * WALL_DAY),
        t2=st.integers(min_value=0, max_value=100 * YEAR * WALL_DAY),
    )
    def test_split_invariance_over_a_lifetime(
        self, seed: int, t1: int, t2: int
    ) -> None:
        """Crossing days in one step or two gives the same state."""
        state = born(seed=seed)
        early, late = sorted((T0 + t1, T0 + t2))
        assert advance(state, late, CATALOG) == advance(
            advance(state, early, CATALOG), late, CATALOG
        )

    @given(
        seed=st.integers(min_value=0, max_value=2**63 - 1),
        years=st.integers(min_value=0, max_value=110),
    )
    def test_stats_stay_in_bounds(self, seed: int, years: int) -> None:
        """Every stat and trait stays within 0..100 however long the life."""
        state = advance(born(seed=seed), at_day(years * YEAR), CATALOG)
        assert state.character is not None
        stats = state.character.stats
        traits = state.character.personality
        values = [getattr(stats, n) for n in STAT_NAMES] + [
            traits.openness,
            traits.conscientiousness,
            traits.extraversion,
            traits.agreeableness,
            traits.neuroticism,
        ]
        assert all(0 <= v <= 100 for v in values)

    def test_replay_of_a_life(self) -> None:
        """A journal with a character, skips and a new life replays exactly."""
        from baolife_core import NewPlayer, start

        genesis = NewPlayer(at=T0, seed=9)
        journal = [
            genesis,
            CreateCharacter(at=T0),
            PurchaseTimeSkip(at=T0 + 1, skip_type="one_week", idempotency_key="a"),
            CreateCharacter(at=at_day(200 * YEAR)),
        ]
        state = start(genesis, CATALOG).state
        for command in journal[1:]:
            state = step(state, command, CATALOG).state  # type: ignore[arg-type]
        assert state == replay(journal, CATALOG)
        assert state.character is not None
        assert 2 == state.character.life
