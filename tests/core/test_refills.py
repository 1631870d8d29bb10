"""Tests of ``baolife_core.economy.refills``: buying energy with diamonds."""

from __future__ import annotations

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.catalog import load_catalog
from baolife_core.commands import PurchaseEnergyRefill
from baolife_core.economy.energy import current_energy
from baolife_core.economy.refills import purchase_energy_refill
from baolife_core.engine import advance, new_player
from baolife_core.events import DiamondsSpent, EnergyRefilled
from baolife_core.ids import mint_id
from baolife_core.replies import EnergyUpdated, Rejection
from baolife_core.state import Energy, PlayerState

CATALOG = load_catalog()
SEED = 7
TICK = CATALOG.energy.regen_interval_ms


def player(*, energy: int = 100, diamonds: int = 1000) -> PlayerState:
    """A fresh player at instant 0 with the given energy and balance."""
    state = new_player(seed=SEED, at=0, catalog=CATALOG)
    wallet = evolve(
        state.wallet,
        diamonds=diamonds,
        earned=max(diamonds, 1000),
        spent=max(diamonds, 1000) - diamonds,
    )
    return evolve(state, energy=Energy(energy, 0), wallet=wallet)


def buy(refill_type: str, at: int = 0) -> PurchaseEnergyRefill:
    """A purchase command of ``refill_type`` at ``at``."""
    return PurchaseEnergyRefill(at=at, refill_type=refill_type, idempotency_key="k-1")


class TestSuccessfulPurchase:
    """A valid purchase debits once, refills energy and replies ``energy_updated``."""

    def test_full_from_40(self) -> None:
        """The seed's example: full from 40 energy and 1000 diamonds gives 100 / 965."""
        state = player(energy=40)
        outcome = purchase_energy_refill(state, buy("full"), CATALOG)
        tx = mint_id(SEED, 1, "purchase")
        expected_events = (
            DiamondsSpent(
                at=0,
                amount=35,
                reason="energy_refill",
                reference="full",
                balance_after=965,
                transaction_id=tx,
            ),
            EnergyRefilled(
                at=0,
                refill_type="full",
                energy_before=40,
                energy_after=100,
                diamonds=35,
                transaction_id=tx,
            ),
        )
        assert expected_events == outcome.events
        assert EnergyUpdated(energy=100, diamonds=965, transaction_id=tx) == (
            outcome.reply
        )
        assert outcome.state.wallet.diamonds == 965
        assert current_energy(outcome.state.energy, 0, CATALOG.energy) == 100

    def test_state_changes_only_seq_wallet_and_energy(self) -> None:
        """Seq grows by one; the wallet ledger totals follow the debit."""
        state = player(energy=40)
        after = purchase_energy_refill(state, buy("full"), CATALOG).state
        expected_wallet = evolve(
            state.wallet, diamonds=965, spent=state.wallet.spent + 35, entries=2
        )
        assert evolve(state, seq=1, wallet=expected_wallet, energy=after.energy) == (
            after
        )

    @pytest.mark.parametrize(
        ("tier", "before", "after", "price"),
        [
            ("small", 0, 25, 10),
            ("small", 40, 65, 10),
            ("small", 75, 100, 10),
            ("small", 90, 100, 10),
            ("small", 99, 100, 10),
            ("half", 40, 90, 20),
            ("half", 50, 100, 20),
            ("half", 60, 100, 20),
            ("full", 0, 100, 35),
            ("full", 99, 100, 35),
            ("overcharge", 0, 150, 50),
            ("overcharge", 40, 150, 50),
            ("overcharge", 100, 150, 50),
            ("overcharge", 149, 150, 50),
        ],
    )
    def test_adds_and_caps(
        self, tier: str, before: int, after: int, price: int
    ) -> None:
        """Each tier adds its energy, capped at max (or overfill cap when it may)."""
        outcome = purchase_energy_refill(player(energy=before), buy(tier), CATALOG)
        refilled = outcome.events[1]
        assert isinstance(refilled, EnergyRefilled)
        assert (before, after, price) == (
            refilled.energy_before,
            refilled.energy_after,
            refilled.diamonds,
        )
        assert after == current_energy(outcome.state.energy, 0, CATALOG.energy)
        assert 1000 - price == outcome.state.wallet.diamonds

    def test_exactly_one_debit_and_one_refill_event(self) -> None:
        """A purchase emits one ``DiamondsSpent`` then one ``EnergyRefilled``."""
        outcome = purchase_energy_refill(player(energy=10), buy("half"), CATALOG)
        kinds = [type(event) for event in outcome.events]
        assert [DiamondsSpent, EnergyRefilled] == kinds

    def test_spending_the_last_diamonds(self) -> None:
        """A balance equal to the price is enough and leaves zero."""
        outcome = purchase_energy_refill(
            player(energy=40, diamonds=35), buy("full"), CATALOG
        )
        assert not outcome.rejected
        assert outcome.state.wallet.diamonds == 0

    def test_transaction_ids_agree(self) -> None:
        """Reply, ledger entry and refill event carry one transaction id."""
        outcome = purchase_energy_refill(player(energy=40), buy("small"), CATALOG)
        reply = outcome.reply
        assert isinstance(reply, EnergyUpdated)
        spent, refilled = outcome.events
        assert isinstance(spent, DiamondsSpent)
        assert isinstance(refilled, EnergyRefilled)
        ids = {spent.transaction_id, refilled.transaction_id}
        assert {reply.transaction_id} == ids

    def test_counts_regenerated_energy(self) -> None:
        """Energy before the refill includes what regenerated since the anchor."""
        at = 10 * TICK + 1
        state = advance(player(energy=40), at, CATALOG)
        outcome = purchase_energy_refill(state, buy("small", at), CATALOG)
        refilled = outcome.events[1]
        assert isinstance(refilled, EnergyRefilled)
        assert (refilled.energy_before, refilled.energy_after) == (50, 75)

    def test_keeps_regeneration_progress(self) -> None:
        """A refill below max does not reset the progress towards the next point."""
        at = 2 * TICK + TICK // 2
        state = advance(player(energy=40), at, CATALOG)
        energy = purchase_energy_refill(state, buy("small", at), CATALOG).state.energy
        rules = CATALOG.energy
        read = (
            current_energy(energy, 3 * TICK - 1, rules),
            current_energy(energy, 3 * TICK, rules),
        )
        assert read == (67, 68)

    def test_overfill_above_max_does_not_regenerate(self) -> None:
        """Overcharged energy stays at its level as time passes."""
        energy = purchase_energy_refill(
            player(energy=100), buy("overcharge"), CATALOG
        ).state.energy
        assert current_energy(energy, 1_000 * TICK, CATALOG.energy) == 150


class TestRejections:
    """A refused purchase has a stable code and changes nothing."""

    @pytest.mark.parametrize(
        ("energy", "diamonds", "tier", "code"),
        [
            (40, 1000, "mega", "not_found"),
            (40, 1000, "fulll", "not_found"),
            (100, 1000, "small", "energy_full"),
            (100, 1000, "half", "energy_full"),
            (100, 1000, "full", "energy_full"),
            (120, 1000, "full", "energy_full"),
            (150, 1000, "small", "energy_full"),
            (150, 1000, "overcharge", "energy_full"),
            (40, 34, "full", "insufficient_diamonds"),
            (40, 9, "small", "insufficient_diamonds"),
            (40, 0, "small", "insufficient_diamonds"),
            (100, 49, "overcharge", "insufficient_diamonds"),
        ],
    )
    def test_rejection_leaves_state_identical(
        self, energy: int, diamonds: int, tier: str, code: str
    ) -> None:
        """The code is stable, no event is emitted and the state is unchanged."""
        state = player(energy=energy, diamonds=diamonds)
        outcome = purchase_energy_refill(state, buy(tier), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert code == outcome.reply.code
        assert outcome.reply.message
        assert outcome.events == ()
        assert state == outcome.state
        assert outcome.rejected

    def test_regenerated_to_max_is_full(self) -> None:
        """A meter that regenerated to max refuses a regular refill."""
        at = 3 * TICK
        state = advance(player(energy=97), at, CATALOG)
        outcome = purchase_energy_refill(state, buy("full", at), CATALOG)
        assert Rejection(
            code="energy_full", message="energy 100 is already at 100"
        ) == (outcome.reply)

    @pytest.mark.parametrize(
        ("energy", "diamonds", "tier", "code"),
        [
            (100, 0, "mega", "not_found"),
            (100, 0, "full", "energy_full"),
        ],
    )
    def test_check_order(
        self, energy: int, diamonds: int, tier: str, code: str
    ) -> None:
        """Unknown tier is checked first, then energy, then the balance."""
        outcome = purchase_energy_refill(
            player(energy=energy, diamonds=diamonds), buy(tier), CATALOG
        )
        assert isinstance(outcome.reply, Rejection)
        assert code == outcome.reply.code


class TestRefillProperties:
    """The refill rules hold for every energy level, balance and tier."""

    @given(
        energy=st.integers(min_value=0, max_value=CATALOG.energy.overfill_cap),
        diamonds=st.integers(min_value=0, max_value=100),
        tier_id=st.sampled_from([tier.id for tier in CATALOG.refills] + ["mega"]),
        elapsed=st.integers(min_value=0, max_value=200 * TICK),
    )
    def test_rules(
        self, energy: int, diamonds: int, tier_id: str, elapsed: int
    ) -> None:
        """Exactly the documented outcome: one debit of the price, capped energy."""
        state = advance(player(energy=energy, diamonds=diamonds), elapsed, CATALOG)
        outcome = purchase_energy_refill(state, buy(tier_id, elapsed), CATALOG)
        tier = CATALOG.refill(tier_id)
        rules = CATALOG.energy
        before = current_energy(state.energy, elapsed, rules)
        if tier is None:
            expected_code = "not_found"
        else:
            cap = rules.overfill_cap if tier.overfill else rules.max
            if before >= cap:
                expected_code = "energy_full"
            elif diamonds < tier.diamonds:
                expected_code = "insufficient_diamonds"
            else:
                expected_code = ""
        if expected_code:
            assert isinstance(outcome.reply, Rejection)
            assert (expected_code, state, ()) == (
                outcome.reply.code,
                outcome.state,
                outcome.events,
            )
            return
        assert tier is not None
        after = min(cap, before + tier.energy)
        assert (
            EnergyUpdated(
                energy=after,
                diamonds=diamonds - tier.diamonds,
                transaction_id=mint_id(SEED, 1, "purchase"),
            )
            == outcome.reply
        )
        assert after == current_energy(outcome.state.energy, elapsed, rules)
        assert outcome.state.wallet.diamonds >= 0
        wallet = outcome.state.wallet
        assert wallet.diamonds == wallet.earned - wallet.spent
        assert [tier.diamonds] == [
            e.amount for e in outcome.events if isinstance(e, DiamondsSpent)
        ]
