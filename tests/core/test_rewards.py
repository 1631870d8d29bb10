"""Tests of ``baolife_core.retention.rewards`` and ``reward_rules``: rewards."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ClaimDailyReward,
    ContentError,
    DailyRewardClaimed,
    DiamondsCredited,
    DiamondsSpent,
    Energy,
    EnergyGranted,
    ItemGranted,
    PlayerState,
    PurchaseEnergyRefill,
    Rejection,
    UseItem,
    current_energy,
    load_catalog,
    new_player,
    step,
)
from baolife_core.content_reader import Entry
from baolife_core.ids import BAOLIFE_NAMESPACE
from baolife_core.retention.reward_rules import Grant, Reward, read_reward
from baolife_core.retention.rewards import (
    add_items,
    grant_reward,
    reward_id,
    reward_text,
)
from baolife_core.rng import stream
from content_packs import edited_file

CATALOG = load_catalog()
SEED = 21
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z
NAMES = CATALOG.items.names

#: A reward whose one roll picks 1 or 2 diamonds with equal weight.
COIN = Reward(rolls=(((Grant(diamonds=1), 1), (Grant(diamonds=2), 1)),))


def content_error(file: str, *edits: tuple[str, str]) -> ContentError:
    """The ``ContentError`` that ``edited_file(file, *edits)`` raises."""
    with pytest.raises(ContentError) as caught:
        edited_file(file, *edits)
    return caught.value


def player(seed: int = SEED) -> PlayerState:
    """A fresh player created at ``T0`` (1000 diamonds, 100 energy)."""
    return new_player(seed=seed, at=T0, catalog=CATALOG)


def pay(
    state: PlayerState, reward: Reward, key: str = "test:1", at: int = T0
) -> tuple[PlayerState, tuple[Any, ...], str]:
    """``grant_reward`` with the bundled energy rules and item names."""
    return grant_reward(
        state,
        reward,
        at=at,
        reason="test",
        key=key,
        energy_rules=CATALOG.energy,
        item_names=NAMES,
    )


def reward_of(data: object, file: str = "quests.toml") -> Reward:
    """``read_reward`` of ``{"reward": data}`` in an entry ``quests[q1]``."""
    return read_reward(Entry(file, "quests[q1]", {"reward": data}))


def reward_error(data: object) -> ContentError:
    """The ``ContentError`` that ``reward_of(data)`` raises."""
    with pytest.raises(ContentError) as caught:
        reward_of(data)
    return caught.value


class TestReadReward:
    """``read_reward`` reads fixed grants and weighted rolls."""

    def test_full_form(self) -> None:
        """Every part of the content form lands in the right place, items sorted."""
        data = {
            "diamonds": 15,
            "energy": 50,
            "items": {"time_crystal": 1, "lucky_charm": 2},
            "rolls": [
                [{"weight": 3, "diamonds": 5}, {"weight": 1, "items": {"a": 1}}],
                [{"weight": 1, "energy": 10}],
            ],
        }
        expected = Reward(
            fixed=Grant(15, 50, (("lucky_charm", 2), ("time_crystal", 1))),
            rolls=(
                ((Grant(diamonds=5), 3), (Grant(items=(("a", 1),)), 1)),
                ((Grant(energy=10), 1),),
            ),
        )
        assert expected == reward_of(data)

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            ({"diamonds": 5}, Reward(Grant(diamonds=5))),
            ({"energy": 1}, Reward(Grant(energy=1))),
            ({"items": {"x": 1000}}, Reward(Grant(items=(("x", 1000),)))),
            ({"diamonds": 1_000_000}, Reward(Grant(diamonds=1_000_000))),
            (
                {"rolls": [[{"weight": 1}, {"weight": 1, "diamonds": 1}]]},
                Reward(rolls=(((Grant(), 1), (Grant(diamonds=1), 1)),)),
            ),
            (
                {"diamonds": 0, "rolls": [[{"weight": 1_000_000, "diamonds": 2}]]},
                Reward(rolls=(((Grant(diamonds=2), 1_000_000),),)),
            ),
        ],
    )
    def test_every_part_is_optional(self, data: object, expected: Reward) -> None:
        """Any one non-empty part makes a reward; bounds are inclusive."""
        assert expected == reward_of(data)

    def test_marks_the_field_seen(self) -> None:
        """The entry's ``done`` accepts the reward field it read."""
        entry = Entry("quests.toml", "quests[q1]", {"prize": {"diamonds": 1}})
        read_reward(entry, "prize")
        entry.done()
        assert {"prize"} == entry.seen

    def test_names_file_entry_and_field(self) -> None:
        """The error names the file, the entry and the full field path."""
        error = reward_error({"diamonds": -1})
        assert ("quests.toml", "quests[q1]", "reward.diamonds") == (
            error.file,
            error.entry,
            error.field,
        )
        assert str(error).startswith("quests.toml: quests[q1].reward.diamonds: ")

    @pytest.mark.parametrize(
        ("data", "field", "problem"),
        [
            (None, "reward", "must be a table"),
            (15, "reward", "must be a table"),
            ([{"diamonds": 1}], "reward", "must be a table"),
            ({}, "reward", "must give something"),
            ({"diamonds": 0}, "reward", "must give something"),
            ({"items": {}}, "reward", "must give something"),
            ({"rolls": []}, "reward", "must give something"),
            ({"diamonds": -1}, "reward.diamonds", "must be an integer 0..1000000"),
            ({"diamonds": 1_000_001}, "reward.diamonds", "0..1000000"),
            ({"diamonds": 1.5}, "reward.diamonds", "must be an integer"),
            ({"diamonds": "5"}, "reward.diamonds", "must be an integer"),
            ({"diamonds": True}, "reward.diamonds", "must be an integer"),
            ({"energy": -3}, "reward.energy", "must be an integer"),
            ({"energy": False}, "reward.energy", "must be an integer"),
            ({"diamond": 5}, "reward.diamond", "is not a known field"),
            ({"weight": 1, "diamonds": 5}, "reward.weight", "is not a known field"),
            ({"items": ["coffee"]}, "reward.items", "must be a table id = count"),
            ({"items": {"coffee": 0}}, "reward.items.coffee", "within 1..1000"),
            ({"items": {"coffee": 1001}}, "reward.items.coffee", "within 1..1000"),
            ({"items": {"coffee": -1}}, "reward.items.coffee", "within 1..1000"),
            ({"items": {"coffee": "1"}}, "reward.items.coffee", "within 1..1000"),
            ({"items": {"coffee": True}}, "reward.items.coffee", "within 1..1000"),
            ({"rolls": {"weight": 1}}, "reward.rolls", "must be an array"),
            ({"rolls": [[]]}, "reward.rolls[0]", "must be a non-empty array"),
            ({"rolls": [{"weight": 1}]}, "reward.rolls[0]", "non-empty array"),
            (
                {"rolls": [[{"weight": 1, "diamonds": 1}], []]},
                "reward.rolls[1]",
                "non-empty array",
            ),
            ({"rolls": [[{"diamonds": 1}]]}, "reward.rolls[0][0].weight", "1..1000000"),
            ({"rolls": [[{"weight": 0}]]}, "reward.rolls[0][0].weight", "1..1000000"),
            ({"rolls": [[{"weight": -2}]]}, "reward.rolls[0][0].weight", "1..1000000"),
            (
                {"rolls": [[{"weight": 1_000_001}]]},
                "reward.rolls[0][0].weight",
                "1..1000000",
            ),
            ({"rolls": [[{"weight": 1.0}]]}, "reward.rolls[0][0].weight", "1..1000000"),
            (
                {"rolls": [[{"weight": True}]]},
                "reward.rolls[0][0].weight",
                "1..1000000",
            ),
            ({"rolls": [[5]]}, "reward.rolls[0][0].weight", "1..1000000"),
            (
                {"rolls": [[{"weight": 1}, {"weight": 1, "diamonds": -1}]]},
                "reward.rolls[0][1].diamonds",
                "must be an integer",
            ),
            (
                {"rolls": [[{"weight": 1, "luck": 1}]]},
                "reward.rolls[0][0].luck",
                "is not a known field",
            ),
            (
                {"rolls": [[{"weight": 1, "rolls": []}]]},
                "reward.rolls[0][0].rolls",
                "is not a known field",
            ),
            (
                {"rolls": [[{"weight": 1, "items": {"a": 0}}]]},
                "reward.rolls[0][0].items.a",
                "within 1..1000",
            ),
        ],
    )
    def test_rejects(self, data: object, field: str, problem: str) -> None:
        """Every malformed reward names the field at fault and the problem."""
        error = reward_error(data)
        assert ("quests.toml", "quests[q1]", field) == (
            error.file,
            error.entry,
            error.field,
        )
        assert problem in error.problem

    def test_custom_field_name_in_errors(self) -> None:
        """A reward read from another field is located under that field."""
        entry = Entry("a.toml", "things[t]", {"prize": {"energy": -1}})
        with pytest.raises(ContentError) as caught:
            read_reward(entry, "prize")
        assert "prize.energy" == caught.value.field

    def test_error_through_the_catalog(self) -> None:
        """A bad reward in a content file fails ``load_catalog`` with its location."""
        error = content_error(
            "daily_rewards.toml",
            ("reward = { diamonds = 15, energy = 50 }", "reward = { energy = -5 }"),
        )
        assert ("daily_rewards.toml", "days[3]", "reward.energy") == (
            error.file,
            error.entry,
            error.field,
        )


class TestRewardShape:
    """``Grant`` truthiness and the ``Reward`` summaries."""

    @pytest.mark.parametrize(
        ("grant", "expected"),
        [
            (Grant(), False),
            (Grant(diamonds=1), True),
            (Grant(energy=1), True),
            (Grant(items=(("a", 1),)), True),
        ],
    )
    def test_grant_truthiness(self, grant: Grant, expected: bool) -> None:
        """A grant is true exactly when it gives something."""
        assert expected == bool(grant)

    def test_diamond_bounds_and_items(self) -> None:
        """``max``/``min_diamonds`` add the fixed part to each roll's extremes."""
        reward = Reward(
            Grant(diamonds=10, items=(("a", 1),)),
            (
                ((Grant(diamonds=5), 1), (Grant(diamonds=50, items=(("b", 1),)), 1)),
                ((Grant(), 3), (Grant(diamonds=7), 1), (Grant(items=(("c", 2),)), 1)),
            ),
        )
        assert (67, 15) == (reward.max_diamonds, reward.min_diamonds)
        assert {"a", "b", "c"} == reward.item_ids()

    def test_fixed_only_bounds(self) -> None:
        """Without rolls both bounds are the fixed diamonds."""
        reward = Reward(Grant(diamonds=30))
        assert (30, 30, set()) == (
            reward.max_diamonds,
            reward.min_diamonds,
            reward.item_ids(),
        )


class TestRewardId:
    """``reward_id``: a uuid5 of the seed and the key."""

    def test_is_uuid5_of_seed_and_key(self) -> None:
        """The id is derived, not random, so a replay mints the same one."""
        expected = str(uuid.uuid5(BAOLIFE_NAMESPACE, "21/reward/login:7"))
        assert expected == reward_id(21, "login:7")
        assert 5 == uuid.UUID(reward_id(21, "login:7")).version

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ((21, "login:7"), (21, "login:8")),
            ((21, "login:7"), (22, "login:7")),
            ((21, "tutorial"), (21, "tutorial/debt")),
        ],
    )
    def test_differs_by_seed_and_key(
        self, a: tuple[int, str], b: tuple[int, str]
    ) -> None:
        """Two different (seed, key) pairs never share a transaction id."""
        assert reward_id(*a) != reward_id(*b)


class TestAddItems:
    """``add_items`` merges counts, keeps the inventory sorted and drops zeros."""

    @pytest.mark.parametrize(
        ("inventory", "items", "expected"),
        [
            ((), (), ()),
            ((), [("b", 1), ("a", 2)], (("a", 2), ("b", 1))),
            ((("a", 1),), [("a", 2)], (("a", 3),)),
            ((("a", 1), ("c", 1)), [("b", 1)], (("a", 1), ("b", 1), ("c", 1))),
            ((("a", 2),), [("a", -1)], (("a", 1),)),
            ((("a", 1), ("b", 1)), [("a", -1)], (("b", 1),)),
            ((("a", 1),), [("a", -1), ("a", 1)], (("a", 1),)),
            ((), [("a", 0)], ()),
            ((("a", 1),), [("b", 0)], (("a", 1),)),
            ((("a", 1),), [("a", -5)], ()),
            ((), [("a", 1), ("a", 1), ("a", 1)], (("a", 3),)),
        ],
    )
    def test_cases(
        self,
        inventory: tuple[tuple[str, int], ...],
        items: list[tuple[str, int]],
        expected: tuple[tuple[str, int], ...],
    ) -> None:
        """Counts add up; entries at zero (or below) vanish."""
        assert expected == add_items(inventory, items)

    @given(
        st.lists(st.tuples(st.sampled_from("abcde"), st.integers(-3, 3)), max_size=20),
    )
    def test_only_positive_sorted_counts(self, items: list[tuple[str, int]]) -> None:
        """The result is sorted by id, with strictly positive counts only."""
        result = add_items((("c", 2),), items)
        assert sorted(result) == list(result)
        assert all(count > 0 for _, count in result)
        assert len({item for item, _ in result}) == len(result)


class TestRewardText:
    """``reward_text``: the human text of a grant."""

    @pytest.mark.parametrize(
        ("grant", "names", "expected"),
        [
            (Grant(), None, "nothing"),
            (Grant(diamonds=5), None, "5 diamonds"),
            (Grant(diamonds=15, energy=50), None, "15 diamonds + 50 energy"),
            (Grant(energy=30), None, "30 energy"),
            (Grant(items=(("lucky_charm", 1),)), NAMES, "1 Lucky charm"),
            (Grant(items=(("lucky_charm", 1),)), None, "1 lucky_charm"),
            (Grant(items=(("mystery", 2),)), NAMES, "2 mystery"),
            (
                Grant(30, 0, (("lucky_charm", 1), ("time_crystal", 1))),
                NAMES,
                "30 diamonds + 1 Lucky charm + 1 Time crystal",
            ),
            (
                Grant(1, 2, (("energy_drink", 3),)),
                NAMES,
                "1 diamonds + 2 energy + 3 Energy drink",
            ),
        ],
    )
    def test_text(
        self, grant: Grant, names: dict[str, str] | None, expected: str
    ) -> None:
        """Diamonds, then energy, then items (display names where known)."""
        assert expected == reward_text(grant, names)


class TestGrantDiamonds:
    """Diamonds go through the ledger with a deterministic transaction id."""

    def test_credits_through_the_ledger(self) -> None:
        """One ``DiamondsCredited`` with the reason, key and uuid5 id."""
        state = player()
        after, events, text = pay(state, Reward(Grant(diamonds=15)), key="login:9")
        expected = DiamondsCredited(
            at=T0,
            amount=15,
            reason="test",
            reference="login:9",
            balance_after=1015,
            transaction_id=reward_id(SEED, "login:9"),
        )
        assert (expected,) == events
        assert "15 diamonds" == text
        assert (
            evolve(
                state.wallet,
                diamonds=1015,
                earned=state.wallet.earned + 15,
                entries=state.wallet.entries + 1,
            )
            == after.wallet
        )

    def test_only_the_wallet_changes(self) -> None:
        """A diamond-only grant touches nothing but the wallet (seq is the caller's)."""
        state = player()
        after, _, _ = pay(state, Reward(Grant(diamonds=15)))
        assert evolve(state, wallet=after.wallet) == after

    def test_same_key_same_id(self) -> None:
        """Paying the same key twice mints the same transaction id: replay-stable."""
        first = pay(player(), Reward(Grant(diamonds=3)), key="k")[1]
        second = pay(player(), Reward(Grant(diamonds=3)), key="k")[1]
        assert first == second

    def test_no_diamonds_no_ledger_entry(self) -> None:
        """A grant without diamonds writes nothing to the ledger."""
        state = player()
        after, events, _ = pay(state, Reward(Grant(items=(("a", 1),))))
        assert state.wallet == after.wallet
        assert [] == [e for e in events if isinstance(e, DiamondsCredited)]


def indebted(debt: int) -> PlayerState:
    """A player whose refund left ``debt`` owed and an empty, ledger-true balance."""
    state = player()
    wallet = evolve(
        state.wallet,
        diamonds=0,
        spent=state.wallet.earned,
        entries=state.wallet.entries + 1,
        debt=debt,
    )
    return evolve(state, wallet=wallet)


class TestDebtRepayment:
    """A refund's debt is repaid at the end of an accepted command, never by a grant."""

    def test_a_grant_leaves_the_debt(self) -> None:
        """``grant_reward`` only credits; the debt stays for the command to repay."""
        state = indebted(30)
        after, events, _ = pay(state, Reward(Grant(diamonds=50)), key="q:1")
        assert [DiamondsCredited] == [type(e) for e in events]
        assert (50, 30) == (after.wallet.diamonds, after.wallet.debt)

    @pytest.mark.parametrize(
        ("debt", "repaid", "left"), [(3, 3, 0), (10, 10, 0), (30, 10, 20)]
    )
    def test_a_command_repays_what_the_balance_covers(
        self, debt: int, repaid: int, left: int
    ) -> None:
        """Day 1 pays 5 and ``welcome`` 5: one ``refund_debt`` of min(debt, 10)."""
        state = indebted(debt)
        outcome = step(state, ClaimDailyReward(at=T0 + 1, idempotency_key="k"), CATALOG)
        repayments = [
            e
            for e in outcome.events
            if isinstance(e, DiamondsSpent) and e.reason == "refund_debt"
        ]
        assert [repaid] == [e.amount for e in repayments]
        assert outcome.events[-1] == repayments[0]
        wallet = outcome.state.wallet
        assert (10 - repaid, left) == (wallet.diamonds, wallet.debt)
        assert wallet.earned - wallet.spent == wallet.diamonds
        assert isinstance(outcome.reply, DailyRewardClaimed)
        assert wallet.diamonds == outcome.reply.diamonds

    def test_a_rejected_command_repays_nothing(self) -> None:
        """A refused command changes nothing, the debt included."""
        state = indebted(30)
        outcome = step(state, UseItem(at=T0 + 1, item="energy_drink"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert state == outcome.state


def with_energy(amount: int) -> PlayerState:
    """A fresh player whose meter reads ``amount`` at ``T0``."""
    return evolve(player(), energy=Energy(amount=amount, anchor_at=T0))


class TestGrantEnergy:
    """Energy is added up to the overfill cap; an event only when something was."""

    @pytest.mark.parametrize(
        ("before", "grant", "after"),
        [
            (0, 50, 50),
            (40, 50, 90),
            (100, 50, 150),
            (120, 50, 150),
            (149, 50, 150),
            (60, 200, 150),
        ],
    )
    def test_adds_and_caps(self, before: int, grant: int, after: int) -> None:
        """``min(overfill_cap, now + energy)`` with ``EnergyGranted(added, after)``."""
        state, events, text = pay(with_energy(before), Reward(Grant(energy=grant)))
        assert (EnergyGranted(T0, after - before, after, "test"),) == events
        assert after == current_energy(state.energy, T0, CATALOG.energy)
        assert f"{grant} energy" == text

    def test_at_the_cap_no_event(self) -> None:
        """At the overfill cap nothing is added and no ``EnergyGranted`` is emitted."""
        state, events, _ = pay(with_energy(150), Reward(Grant(energy=50)))
        assert () == events
        assert 150 == current_energy(state.energy, T0, CATALOG.energy)

    def test_at_the_cap_after_a_played_overcharge(self) -> None:
        """A player who bought an overcharge (150) gains nothing from a grant."""
        bought = step(
            player(),
            PurchaseEnergyRefill(at=T0, refill_type="overcharge", idempotency_key="o"),
            CATALOG,
        ).state
        state, events, _ = pay(bought, Reward(Grant(energy=50)), at=T0 + 1000)
        assert () == events
        assert 150 == current_energy(state.energy, T0 + 1000, CATALOG.energy)

    def test_counts_regenerated_energy(self) -> None:
        """The grant adds to the energy regenerated by ``at``, keeping its progress."""
        tick = CATALOG.energy.regen_interval_ms
        state = evolve(player(), energy=Energy(amount=10, anchor_at=T0))
        at = T0 + 5 * tick + tick // 2
        after, events, _ = pay(state, Reward(Grant(energy=20)), at=at)
        assert (EnergyGranted(at, 20, 35, "test"),) == events
        assert 36 == current_energy(after.energy, T0 + 6 * tick, CATALOG.energy)


class TestGrantItems:
    """Items go into the inventory with one ``ItemGranted`` per item."""

    def test_items_into_inventory(self) -> None:
        """Each item is added to the sorted inventory and announced."""
        reward = Reward(Grant(items=(("lucky_charm", 1), ("time_crystal", 2))))
        state, events, text = pay(player(), reward)
        assert (
            ItemGranted(T0, "lucky_charm", 1, "test"),
            ItemGranted(T0, "time_crystal", 2, "test"),
        ) == events
        assert (("lucky_charm", 1), ("time_crystal", 2)) == state.retention.inventory
        assert "1 Lucky charm + 2 Time crystal" == text

    def test_adds_to_held_items(self) -> None:
        """Items already held are counted up, not replaced."""
        reward = Reward(Grant(items=(("energy_drink", 2),)))
        once, _, _ = pay(player(), reward, key="a")
        twice, events, _ = pay(once, reward, key="b")
        assert (("energy_drink", 4),) == twice.retention.inventory
        assert (ItemGranted(T0, "energy_drink", 2, "test"),) == events

    def test_everything_at_once(self) -> None:
        """Diamonds, energy and items in one grant: ledger, meter and inventory."""
        reward = Reward(Grant(15, 50, (("lucky_charm", 1),)))
        state, events, text = pay(player(), reward, key="all")
        assert [DiamondsCredited, EnergyGranted, ItemGranted] == [
            type(e) for e in events
        ]
        assert "15 diamonds + 50 energy + 1 Lucky charm" == text
        assert (1015, 150, (("lucky_charm", 1),)) == (
            state.wallet.diamonds,
            current_energy(state.energy, T0, CATALOG.energy),
            state.retention.inventory,
        )

    def test_nothing_changes_nothing(self) -> None:
        """A grant that rolls nothing returns the state as it was."""
        state = player()
        empty = Reward(rolls=(((Grant(), 1),),))
        assert (state, (), "nothing") == pay(state, empty)


class TestRolls:
    """Weighted rolls are deterministic per key and vary across keys."""

    def test_same_key_same_roll(self) -> None:
        """The same seed and key always roll the same."""
        assert pay(player(), COIN, key="x:1") == pay(player(), COIN, key="x:1")

    def test_uses_the_reward_stream_of_the_key(self) -> None:
        """The roll is the stream ``("reward", key)``'s weighted pick."""
        for n in range(20):
            key = f"achievement:{n}"
            roll = stream(SEED, "reward", key).weighted(list(COIN.rolls[0]))
            _, events, _ = pay(player(), COIN, key=key)
            credited = events[0]
            assert isinstance(credited, DiamondsCredited)
            assert roll.diamonds == credited.amount

    def test_varies_across_keys(self) -> None:
        """Over many keys both options come up."""
        amounts = {
            pay(player(), COIN, key=f"k:{n}")[0].wallet.diamonds for n in range(64)
        }
        assert {1001, 1002} == amounts

    def test_varies_across_seeds(self) -> None:
        """Over many seeds one key rolls both options too."""
        amounts = {
            pay(player(seed), COIN, key="k")[0].wallet.diamonds for seed in range(64)
        }
        assert {1001, 1002} == amounts

    def test_follows_the_weights(self) -> None:
        """A 3:1 roll picks its first option about three times in four."""
        reward = Reward(
            rolls=(((Grant(items=(("a", 1),)), 3), (Grant(items=(("b", 1),)), 1)),)
        )
        picks = Counter(
            pay(player(), reward, key=f"k:{n}")[0].retention.inventory[0][0]
            for n in range(400)
        )
        assert 250 <= picks["a"] <= 350
        assert 400 == picks["a"] + picks["b"]

    def test_rolls_merge_with_the_fixed_grant(self) -> None:
        """Fixed and rolled grants are summed: one ledger entry, one item event."""
        reward = Reward(
            Grant(diamonds=5, items=(("a", 1),)),
            (((Grant(diamonds=7, items=(("a", 2),)), 1),),),
        )
        state, events, text = pay(player(), reward, key="m")
        assert (
            DiamondsCredited(
                at=T0,
                amount=12,
                reason="test",
                reference="m",
                balance_after=1012,
                transaction_id=reward_id(SEED, "m"),
            ),
            ItemGranted(T0, "a", 3, "test"),
        ) == events
        assert "12 diamonds + 3 a" == text
        assert (("a", 3),) == state.retention.inventory

    def test_several_rolls_each_pick_one(self) -> None:
        """Each roll contributes exactly one of its options."""
        reward = Reward(rolls=(COIN.rolls[0], COIN.rolls[0], COIN.rolls[0]))
        for n in range(30):
            state = pay(player(), reward, key=f"r:{n}")[0]
            assert 3 <= state.wallet.diamonds - 1000 <= 6

    @given(st.integers(0, 2**63 - 1), st.text(min_size=1, max_size=20))
    def test_deterministic_and_ledger_true(self, seed: int, key: str) -> None:
        """Any seed and key: a repeat pays the same and the ledger stays true."""
        first = pay(player(seed), COIN, key=key)
        assert first == pay(player(seed), COIN, key=key)
        wallet = first[0].wallet
        assert wallet.earned - wallet.spent == wallet.diamonds
        assert wallet.diamonds in (1001, 1002)
