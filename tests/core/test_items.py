"""Tests of ``baolife_core.retention.items`` and ``item_rules``: the inventory."""

from __future__ import annotations

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    BAD_REQUEST,
    INVALID_STATE,
    NOT_FOUND,
    Birthday,
    Catalog,
    ClaimDailyReward,
    ContentError,
    CreateCharacter,
    Energy,
    EnergyGranted,
    ItemGranted,
    ItemUsed,
    ItemUseResult,
    PlayerState,
    PurchaseTimeSkip,
    Rejection,
    TutorialStep,
    UseItem,
    WireError,
    advance,
    command_from_wire,
    current_energy,
    load_catalog,
    new_player,
    step,
)
from baolife_core.clock import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE
from baolife_core.retention.item_rules import ItemSpec
from baolife_core.retention.items import use_item
from baolife_core.retention.rewards import add_items
from content_packs import DOOMED, IMMORTAL, edited_file

CATALOG = load_catalog()
SEED = 9
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z
#: Wall milliseconds of one game day.
WALL_DAY = MS_PER_DAY // CATALOG.clock.time_scale
#: The instant the seventh daily claim is made (noon UTC, six days after ``T0``).
WEEK = T0 + 6 * MS_PER_DAY + 12 * MS_PER_HOUR


def content_error(file: str, *edits: tuple[str, str]) -> ContentError:
    """The ``ContentError`` that ``edited_file(file, *edits)`` raises."""
    with pytest.raises(ContentError) as caught:
        edited_file(file, *edits)
    return caught.value


def week(catalog: Catalog = CATALOG, seed: int = SEED) -> PlayerState:
    """A player who claimed the login reward on seven consecutive days (at noon).

    Day 5 gave an energy drink, day 7 a lucky charm and a time crystal; day 3's
    energy left the meter at 150.
    """
    state = new_player(seed=seed, at=T0, catalog=catalog)
    for day in range(7):
        at = T0 + day * MS_PER_DAY + 12 * MS_PER_HOUR
        outcome = step(
            state, ClaimDailyReward(at=at, idempotency_key=f"d{day}"), catalog
        )
        assert not outcome.rejected, outcome.reply
        state = outcome.state
    return state


def tutored(state: PlayerState, at: int, catalog: Catalog = CATALOG) -> PlayerState:
    """``state`` after completing its tutorial at ``at`` (two energy drinks)."""
    for name in catalog.tutorial.steps(state.retention.tutorial.flow):
        outcome = step(state, TutorialStep(at=at, step=name), catalog)
        assert not outcome.rejected, outcome.reply
        state = outcome.state
    return state


def fresh_tutored() -> PlayerState:
    """A new player at ``T0`` with the tutorial's two energy drinks, 100 energy."""
    return tutored(new_player(seed=SEED, at=T0, catalog=CATALOG), T0)


def living(catalog: Catalog = IMMORTAL, at: int = WEEK + 1) -> PlayerState:
    """A week's items, then a character born at ``at``."""
    return step(week(catalog), CreateCharacter(at=at), catalog).state


def use(item: str, at: int) -> UseItem:
    """A ``use_item`` command."""
    return UseItem(at=at, item=item)


def code(outcome: object) -> str | None:
    """The rejection code of an outcome's reply, or None if it was accepted."""
    reply = getattr(outcome, "reply", None)
    return reply.code if isinstance(reply, Rejection) else None


def held(state: PlayerState) -> dict[str, int]:
    """The inventory as a dict."""
    return dict(state.retention.inventory)


class TestContent:
    """The bundled items: an energy drink, a lucky charm and a time crystal."""

    def test_items(self) -> None:
        """Each item's effects, in content order."""
        expected = (
            ItemSpec("energy_drink", "Energy drink", 30, (), 0),
            ItemSpec(
                "lucky_charm", "Lucky charm", 0, (("happiness", 5), ("karma", 2)), 0
            ),
            ItemSpec("time_crystal", "Time crystal", 0, (), 60 * MS_PER_MINUTE),
        )
        assert expected == CATALOG.items.items

    def test_names(self) -> None:
        """Display names by id, for reward texts."""
        assert {
            "energy_drink": "Energy drink",
            "lucky_charm": "Lucky charm",
            "time_crystal": "Time crystal",
        } == CATALOG.items.names

    @pytest.mark.parametrize("item_id", ["", "espresso", "Energy_drink"])
    def test_unknown_item(self, item_id: str) -> None:
        """Looking up an unknown id gives None."""
        assert CATALOG.items.item(item_id) is None

    def test_every_reward_item_exists(self) -> None:
        """Items that rewards give are all known to ``items.toml``."""
        known = {item.id for item in CATALOG.items.items}
        for reward in (*CATALOG.login.rewards, CATALOG.tutorial.reward):
            assert reward.item_ids() <= known


class TestContentErrors:
    """A broken ``items.toml`` fails to load, naming file, entry and field."""

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        [
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = { happiness = 5, strength = 2 }",
                "items[lucky_charm]",
                "stats.strength",
                "is not a stat",
            ),
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = { happiness = 500 }",
                "items[lucky_charm].stats",
                "happiness",
                "must be within -100..100",
            ),
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = { happiness = -101 }",
                "items[lucky_charm].stats",
                "happiness",
                "must be within -100..100",
            ),
            (
                "stats = { happiness = 5, karma = 2 }",
                'stats = { happiness = "5" }',
                "items[lucky_charm].stats",
                "happiness",
                "must be an integer",
            ),
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = 5",
                "items[lucky_charm].stats",
                "",
                "must be a table",
            ),
            (
                "energy = 30",
                "energy = 0",
                "items[energy_drink]",
                "energy",
                "must have an effect",
            ),
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = {}",
                "items[lucky_charm]",
                "energy",
                "must have an effect",
            ),
            (
                "energy = 30",
                "energy = 1001",
                "items[energy_drink]",
                "energy",
                "must be within 0..1000",
            ),
            (
                "energy = 30",
                "energy = -1",
                "items[energy_drink]",
                "energy",
                "must be within",
            ),
            (
                "game_minutes = 60",
                "game_minutes = 10081",
                "items[time_crystal]",
                "game_minutes",
                "must be within 0..10080",
            ),
            (
                "game_minutes = 60",
                "game_minutes = 1.5",
                "items[time_crystal]",
                "game_minutes",
                "must be an integer",
            ),
            (
                'name = "Energy drink"',
                'name = "Energy drink"\nprice = 3',
                "items[energy_drink]",
                "price",
                "is not a known field",
            ),
            (
                'name = "Energy drink"\n',
                "",
                "items[energy_drink]",
                "name",
                "is required",
            ),
            (
                'id = "lucky_charm"',
                'id = "energy_drink"',
                "items[energy_drink]",
                "id",
                "duplicates an earlier entry",
            ),
        ],
    )
    def test_rejected(
        self, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken rule is reported where it is."""
        error = content_error("items.toml", (old, new))
        assert ("items.toml", entry, field) == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_stat_error_names_the_item(self) -> None:
        """The message of a bad stat delta says which item holds it."""
        error = content_error(
            "items.toml",
            ("stats = { happiness = 5, karma = 2 }", "stats = { karma = 200 }"),
        )
        assert str(error).startswith("items.toml: items[lucky_charm].stats.karma: ")


class TestBadInput:
    """Malformed ``use_item`` commands never reach the engine."""

    @pytest.mark.parametrize("item", ["", "Energy drink", "DRINK", "a" * 65, None, 3])
    def test_invalid_item_token(self, item: object) -> None:
        """The item id must be a lowercase identifier."""
        with pytest.raises(ValueError, match="item"):
            UseItem(at=T0, item=item)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "frame",
        [
            {"type": "use_item", "at": T0},
            {"type": "use_item", "at": T0, "item": 5},
            {"type": "use_item", "at": T0, "item": "Bad Item"},
            {"type": "use_item", "at": -1, "item": "energy_drink"},
        ],
    )
    def test_wire_bad_request(self, frame: dict[str, object]) -> None:
        """On the wire it is a ``bad_request``."""
        with pytest.raises(WireError) as caught:
            command_from_wire(frame)
        assert BAD_REQUEST == caught.value.code


class TestRejections:
    """``not_found`` and ``invalid_state`` leave the state as it was."""

    @pytest.mark.parametrize("item", ["espresso", "energy_drink", "time_crystal"])
    def test_not_held_is_not_found(self, item: str) -> None:
        """A new player holds nothing: unknown and known items alike are not found."""
        state = new_player(seed=SEED, at=T0, catalog=CATALOG)
        outcome = step(state, use(item, T0), CATALOG)
        assert (NOT_FOUND, state, ()) == (code(outcome), outcome.state, outcome.events)

    def test_unknown_to_the_content_is_not_found(self) -> None:
        """An id the content does not know is not found even with a full inventory."""
        state = week()
        outcome = step(state, use("espresso", WEEK), CATALOG)
        assert (NOT_FOUND, state) == (code(outcome), outcome.state)

    def test_stat_item_without_character(self) -> None:
        """A lucky charm needs a character to act on."""
        state = week()
        outcome = step(state, use("lucky_charm", WEEK), CATALOG)
        assert (INVALID_STATE, state) == (code(outcome), outcome.state)

    def test_stat_item_with_a_dead_character(self) -> None:
        """A lucky charm cannot help a character who has died."""
        state = living(DOOMED)
        state = advance(state, WEEK + 1 + 2 * WALL_DAY, DOOMED)
        assert state.character is not None
        assert state.character.death is not None
        outcome = step(state, use("lucky_charm", WEEK + 2 + 2 * WALL_DAY), DOOMED)
        assert (INVALID_STATE, state) == (code(outcome), outcome.state)

    @pytest.mark.parametrize("item", ["energy_drink", "time_crystal"])
    def test_other_items_need_no_character(self, item: str) -> None:
        """Items without stat effects work with no living character."""
        at = WEEK + 2 * WALL_DAY
        dead = advance(living(DOOMED), at, DOOMED)
        for state, catalog in ((week(), CATALOG), (dead, DOOMED)):
            outcome = step(state, use(item, at), catalog)
            assert isinstance(outcome.reply, ItemUseResult)

    def test_used_up_is_not_found(self) -> None:
        """Once the last one is used, the item is not found."""
        state = living()
        count = held(state)["lucky_charm"]
        for n in range(count):
            state = step(state, use("lucky_charm", WEEK + 2 + n), IMMORTAL).state
        outcome = step(state, use("lucky_charm", WEEK + 2 + count), IMMORTAL)
        assert (NOT_FOUND, state) == (code(outcome), outcome.state)


def spent(state: PlayerState, item: str) -> tuple[tuple[str, int], ...]:
    """``state``'s inventory with one ``item`` fewer."""
    return add_items(state.retention.inventory, [(item, -1)])


def with_energy(state: PlayerState, amount: int, at: int) -> PlayerState:
    """``state`` with its meter reading ``amount`` at ``at``."""
    return evolve(state, energy=Energy(amount=amount, anchor_at=at))


class TestEnergyDrink:
    """An energy drink adds 30 energy, capped at the overfill cap."""

    def test_events_and_reply(self) -> None:
        """``ItemUsed`` first, then ``EnergyGranted``; the reply has the totals."""
        state = fresh_tutored()
        left = held(state)["energy_drink"] - 1
        outcome = use_item(state, use("energy_drink", T0), CATALOG)
        assert (
            ItemUsed(T0, "energy_drink", left),
            EnergyGranted(T0, 30, 130, "item"),
        ) == outcome.events
        assert (
            ItemUseResult(
                item="energy_drink",
                remaining=left,
                energy=130,
                diamonds=state.wallet.diamonds,
            )
            == outcome.reply
        )
        assert (
            evolve(
                state,
                seq=state.seq + 1,
                energy=outcome.state.energy,
                retention=evolve(
                    state.retention, inventory=spent(state, "energy_drink")
                ),
            )
            == outcome.state
        )

    @pytest.mark.parametrize(
        ("before", "after"),
        [(0, 30), (40, 70), (99, 129), (100, 130), (120, 150), (149, 150)],
    )
    def test_adds_and_caps(self, before: int, after: int) -> None:
        """``min(overfill_cap, energy + 30)``."""
        state = with_energy(fresh_tutored(), before, T0)
        outcome = step(state, use("energy_drink", T0), CATALOG)
        assert [EnergyGranted(T0, after - before, after, "item")] == [
            e for e in outcome.events if isinstance(e, EnergyGranted)
        ]
        assert after == current_energy(outcome.state.energy, T0, CATALOG.energy)

    def test_two_in_a_row_hit_the_cap(self) -> None:
        """100 → 130 → 150: the second drink adds only 20."""
        state = fresh_tutored()
        first = use_item(state, use("energy_drink", T0), CATALOG).state
        second = use_item(first, use("energy_drink", T0), CATALOG)
        left = held(state)["energy_drink"] - 2
        assert (
            ItemUseResult("energy_drink", left, 150, state.wallet.diamonds)
            == second.reply
        )
        assert (
            ItemUsed(T0, "energy_drink", left),
            EnergyGranted(T0, 20, 150, "item"),
        ) == second.events

    def test_at_the_cap_spends_without_event(self) -> None:
        """At 150 the drink is still used up, with no ``EnergyGranted``."""
        state = week()  # day 3's 50 energy left the meter at 150
        assert 150 == current_energy(state.energy, WEEK, CATALOG.energy)
        outcome = use_item(state, use("energy_drink", WEEK), CATALOG)
        left = held(state)["energy_drink"] - 1
        assert (ItemUsed(WEEK, "energy_drink", left),) == outcome.events
        assert 150 == current_energy(outcome.state.energy, WEEK, CATALOG.energy)
        assert spent(state, "energy_drink") == outcome.state.retention.inventory

    def test_keeps_regeneration_progress(self) -> None:
        """The drink adds to regenerated energy and keeps the partial interval."""
        tick = CATALOG.energy.regen_interval_ms
        state = with_energy(fresh_tutored(), 10, T0)
        at = T0 + 4 * tick + tick // 2
        outcome = step(state, use("energy_drink", at), CATALOG)
        assert 44 == current_energy(outcome.state.energy, at, CATALOG.energy)
        assert 45 == current_energy(outcome.state.energy, T0 + 5 * tick, CATALOG.energy)


class TestLuckyCharm:
    """A lucky charm changes the living character's stats, clamped to 0..100."""

    def test_adds_its_deltas(self) -> None:
        """Happiness +5 and karma +2 (clamped); nothing else changes."""
        state = living()
        character = state.character
        assert character is not None
        stats = character.stats
        outcome = use_item(state, use("lucky_charm", WEEK + 1), IMMORTAL)
        expected = evolve(
            stats,
            happiness=min(100, stats.happiness + 5),
            karma=min(100, stats.karma + 2),
        )
        after = outcome.state.character
        assert after is not None
        assert evolve(character, stats=expected) == after
        left = held(state)["lucky_charm"] - 1
        assert (ItemUsed(WEEK + 1, "lucky_charm", left),) == outcome.events
        assert (state.energy, state.wallet) == (
            outcome.state.energy,
            outcome.state.wallet,
        )

    @pytest.mark.parametrize(
        ("happiness", "karma", "expected"),
        [
            (0, 0, (5, 2)),
            (50, 50, (55, 52)),
            (95, 98, (100, 100)),
            (98, 99, (100, 100)),
            (100, 100, (100, 100)),
        ],
    )
    def test_clamped_at_100(
        self, happiness: int, karma: int, expected: tuple[int, int]
    ) -> None:
        """Stats never pass 100."""
        state = living()
        character = state.character
        assert character is not None
        stats = evolve(character.stats, happiness=happiness, karma=karma)
        state = evolve(state, character=evolve(character, stats=stats))
        after = step(state, use("lucky_charm", WEEK + 1), IMMORTAL).state.character
        assert after is not None
        assert expected == (after.stats.happiness, after.stats.karma)

    def test_clamped_at_0(self) -> None:
        """A negative delta stops at 0."""
        catalog = edited_file(
            "items.toml",
            (
                "stats = { happiness = 5, karma = 2 }",
                "stats = { happiness = -100, karma = -100 }",
            ),
        )
        state = step(week(catalog), CreateCharacter(at=WEEK + 1), catalog).state
        after = step(state, use("lucky_charm", WEEK + 1), catalog).state.character
        assert after is not None
        assert (0, 0) == (after.stats.happiness, after.stats.karma)


def birthday_eve(state: PlayerState) -> int:
    """The instant 30 game minutes before the character's first birthday."""
    character = state.character
    assert character is not None
    scale = IMMORTAL.clock.time_scale
    birthday = character.born_day + IMMORTAL.life.days_per_year
    game_ms = birthday * MS_PER_DAY - 30 * MS_PER_MINUTE - state.clock.skipped_ms
    assert game_ms % scale == 0
    return state.clock.started_at + game_ms // scale


class TestTimeCrystal:
    """A time crystal skips 60 game minutes, living the days crossed."""

    def test_without_a_character(self) -> None:
        """The clock moves an hour of game time; only ``ItemUsed`` is emitted."""
        state = week()
        outcome = use_item(state, use("time_crystal", WEEK), CATALOG)
        left = held(state)["time_crystal"] - 1
        assert (ItemUsed(WEEK, "time_crystal", left),) == outcome.events
        clock = outcome.state.clock
        assert evolve(state.clock, skipped_ms=MS_PER_HOUR) == clock
        assert (
            ItemUseResult("time_crystal", left, 150, state.wallet.diamonds)
            == outcome.reply
        )

    def test_lives_the_day_crossed(self) -> None:
        """Used 30 game minutes before a birthday, the birthday happens."""
        state = living()
        at = birthday_eve(state)
        state = advance(state, at, IMMORTAL)
        character = state.character
        assert character is not None
        day = state.clock.day
        outcome = use_item(state, use("time_crystal", at), IMMORTAL)
        assert day + 1 == outcome.state.clock.day
        assert (
            ItemUsed(at, "time_crystal", held(state)["time_crystal"] - 1),
            Birthday(at=at, life=character.life, age=1, day=day + 1),
        ) == outcome.events
        through_step = step(state, use("time_crystal", at), IMMORTAL)
        assert outcome.state.character == through_step.state.character

    def test_same_as_an_hour_skip(self) -> None:
        """The crystal moves the life exactly as the ``one_hour`` purchase does."""
        state = living()
        at = birthday_eve(state)
        crystal = step(state, use("time_crystal", at), IMMORTAL)
        bought = step(
            state,
            PurchaseTimeSkip(at=at, skip_type="one_hour", idempotency_key="s"),
            IMMORTAL,
        )
        assert (bought.state.clock, bought.state.character) == (
            crystal.state.clock,
            crystal.state.character,
        )
        lived = [e for e in bought.events if isinstance(e, Birthday)]
        assert lived == [e for e in crystal.events if isinstance(e, Birthday)]
        assert 1 == len(lived)

    def test_within_a_day(self) -> None:
        """Early in a game day the crystal crosses no day."""
        state = living()
        day = state.clock.day
        outcome = use_item(state, use("time_crystal", WEEK + 1), IMMORTAL)
        assert day == outcome.state.clock.day
        left = held(state)["time_crystal"] - 1
        assert (ItemUsed(WEEK + 1, "time_crystal", left),) == outcome.events


class TestCounts:
    """One item is spent per use; a count of zero leaves the inventory."""

    def test_counts_down_and_vanishes(self) -> None:
        """The tutorial's and day 5's drinks count down to 0, then are not found."""
        state = tutored(week(), WEEK)
        count = held(state)["energy_drink"]
        assert count >= 3
        others = {k: v for k, v in held(state).items() if k != "energy_drink"}
        remaining = []
        for _ in range(count):
            outcome = use_item(state, use("energy_drink", WEEK), CATALOG)
            reply = outcome.reply
            assert isinstance(reply, ItemUseResult)
            remaining.append(reply.remaining)
            assert state.seq + 1 == outcome.state.seq
            state = outcome.state
        assert list(range(count - 1, -1, -1)) == remaining
        assert others == held(state)
        assert NOT_FOUND == code(step(state, use("energy_drink", WEEK + 9), CATALOG))

    @given(
        st.lists(
            st.sampled_from(
                ["energy_drink", "lucky_charm", "time_crystal", "espresso"]
            ),
            max_size=8,
        )
    )
    def test_any_sequence_of_uses(self, items: list[str]) -> None:
        """Through ``step``: each accepted use spends one (besides what other rewards
        grant), rejections change nothing, counts stay positive, energy in bounds."""
        state = tutored(living(), WEEK + 1, IMMORTAL)
        at = WEEK + 1
        for n, item in enumerate(items):
            outcome = step(state, use(item, at + n), IMMORTAL)
            if outcome.rejected:
                assert NOT_FOUND == code(outcome)
                assert 0 == held(state).get(item, 0)
                assert state == outcome.state
            else:
                granted = [
                    (e.item, e.count)
                    for e in outcome.events
                    if isinstance(e, ItemGranted)
                ]
                expected = add_items(state.retention.inventory, [(item, -1), *granted])
                assert expected == outcome.state.retention.inventory
                used = [e for e in outcome.events if isinstance(e, ItemUsed)]
                assert [ItemUsed(at + n, item, held(state)[item] - 1)] == used
            assert all(count > 0 for count in held(outcome.state).values())
            energy = current_energy(outcome.state.energy, at + n, IMMORTAL.energy)
            assert 0 <= energy <= IMMORTAL.energy.overfill_cap
            state = outcome.state
