"""Tests of ``baolife_core.economy.energy``: the meter computed on read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.catalog import EnergyRules, load_catalog
from baolife_core.economy.energy import (
    current_energy,
    next_regen_at,
    settle,
    with_amount,
)
from baolife_core.state import Energy

RULES = load_catalog().energy  # max 100, one point per 3 minutes, overfill cap 150
TICK = RULES.regen_interval_ms
#: Small rules where one step adds several points, to test the cap on crossing max.
CHUNKY = EnergyRules(max=10, regen_interval_ms=1_000, regen_amount=3, overfill_cap=15)

instants = st.integers(min_value=0, max_value=1_000 * TICK)
amounts = st.integers(min_value=0, max_value=RULES.overfill_cap)
meters = st.builds(Energy, amount=amounts, anchor_at=instants)


class TestCurrentEnergy:
    """Energy regenerates one step per whole interval, up to ``max``."""

    @pytest.mark.parametrize(
        ("amount", "elapsed", "expected"),
        [
            (40, 0, 40),
            (40, TICK - 1, 40),
            (40, TICK, 41),
            (40, 2 * TICK - 1, 41),
            (40, 10 * TICK + 5, 50),
            (0, 99 * TICK, 99),
            (0, 100 * TICK, 100),
            (99, TICK, 100),
            (0, 1_000 * TICK, 100),
        ],
    )
    def test_regenerates_per_whole_interval(
        self, amount: int, elapsed: int, expected: int
    ) -> None:
        """One point arrives at the end of each whole interval after the anchor."""
        anchor = 5_000
        assert expected == current_energy(
            Energy(amount, anchor), anchor + elapsed, RULES
        )

    def test_reading_before_the_anchor_is_the_stored_amount(self) -> None:
        """An instant before the anchor sees no regeneration (and no negative one)."""
        assert current_energy(Energy(40, 10 * TICK), 0, RULES) == 40

    @pytest.mark.parametrize(
        ("amount", "steps", "expected"),
        [(0, 1, 3), (6, 1, 9), (8, 1, 10), (9, 1, 10), (0, 4, 10), (0, 3, 9)],
    )
    def test_a_step_crossing_max_stops_at_max(
        self, amount: int, steps: int, expected: int
    ) -> None:
        """A regeneration step of several points is cut off at ``max``."""
        energy = Energy(amount, 0)
        assert expected == current_energy(energy, steps * 1_000, CHUNKY)

    @pytest.mark.parametrize("amount", [101, 120, 150])
    @pytest.mark.parametrize("elapsed", [0, TICK, 1_000 * TICK])
    def test_overfill_neither_regenerates_nor_decays(
        self, amount: int, elapsed: int
    ) -> None:
        """Energy above ``max`` stays exactly where an overfill refill put it."""
        assert amount == current_energy(Energy(amount, 0), elapsed, RULES)

    @given(energy=meters, at=instants)
    def test_regeneration_never_exceeds_max(self, energy: Energy, at: int) -> None:
        """Below max, regeneration never lifts energy above ``max``."""
        value = current_energy(energy, at, RULES)
        assert value <= max(RULES.max, energy.amount)
        assert value >= energy.amount

    @given(energy=meters, t1=instants, t2=instants)
    def test_never_decreases_with_time(self, energy: Energy, t1: int, t2: int) -> None:
        """Reading later never shows less energy."""
        early, late = sorted((t1, t2))
        assert current_energy(energy, early, RULES) <= current_energy(
            energy, late, RULES
        )


class TestSettle:
    """``settle`` re-anchors the meter at an instant, keeping partial progress."""

    def test_keeps_partial_progress(self) -> None:
        """Half an interval of progress survives the re-anchoring."""
        expected = Energy(amount=42, anchor_at=2 * TICK)
        assert expected == settle(Energy(40, 0), 2 * TICK + TICK // 2, RULES)

    def test_full_meter_anchors_at_the_instant(self) -> None:
        """Once full, the anchor moves to the settling instant."""
        assert Energy(100, 5 * TICK + 7) == settle(Energy(99, 0), 5 * TICK + 7, RULES)

    def test_overfilled_meter_keeps_its_amount(self) -> None:
        """An overfilled meter keeps its amount and re-anchors."""
        assert Energy(130, 9 * TICK) == settle(Energy(130, 0), 9 * TICK, RULES)

    @pytest.mark.parametrize("at", [0, 3 * TICK - 1, 3 * TICK])
    def test_not_after_the_anchor_is_a_no_op(self, at: int) -> None:
        """Settling at or before the anchor returns the meter unchanged."""
        energy = Energy(40, 3 * TICK)
        assert energy == settle(energy, at, RULES)

    @given(energy=meters, t1=instants, t2=instants)
    def test_settling_early_changes_no_future_value(
        self, energy: Energy, t1: int, t2: int
    ) -> None:
        """Energy read at any ``t2 >= t1`` is the same whether or not settled at t1."""
        t1, t2 = sorted((t1, t2))
        expected = current_energy(energy, t2, RULES)
        assert expected == current_energy(settle(energy, t1, RULES), t2, RULES)

    @given(energy=meters, t1=instants, t2=instants)
    def test_settle_is_split_invariant(self, energy: Energy, t1: int, t2: int) -> None:
        """Settling at t1 then t2 equals settling at t2 directly."""
        t1, t2 = sorted((t1, t2))
        expected = settle(energy, t2, RULES)
        assert expected == settle(settle(energy, t1, RULES), t2, RULES)

    @given(energy=meters, t1=instants, t2=instants)
    def test_settling_keeps_the_next_regeneration_instant(
        self, energy: Energy, t1: int, t2: int
    ) -> None:
        """The next point arrives at the same instant whether or not settled."""
        t1, t2 = sorted((t1, t2))
        expected = next_regen_at(energy, t2, RULES)
        assert expected == next_regen_at(settle(energy, t1, RULES), t2, RULES)

    @given(energy=meters, at=instants)
    def test_settled_value_is_the_current_value(self, energy: Energy, at: int) -> None:
        """The settled amount is the energy read at that instant."""
        settled = settle(energy, at, RULES)
        assert current_energy(energy, at, RULES) == current_energy(settled, at, RULES)


class TestWithAmount:
    """``with_amount`` sets energy at an instant without losing regeneration."""

    def test_below_max_keeps_the_regeneration_phase(self) -> None:
        """Setting energy below max keeps progress towards the next point."""
        energy = with_amount(Energy(40, 0), 2 * TICK + TICK // 2, 65, RULES)
        assert Energy(65, 2 * TICK) == energy
        assert next_regen_at(energy, 2 * TICK + TICK // 2, RULES) == 3 * TICK

    def test_drawing_down_a_full_meter_starts_regeneration_now(self) -> None:
        """Regeneration of a full meter that is drawn down counts from that instant."""
        energy = with_amount(Energy(100, 0), 50 * TICK + 1, 60, RULES)
        assert Energy(60, 50 * TICK + 1) == energy
        assert next_regen_at(energy, 50 * TICK + 1, RULES) == 51 * TICK + 1

    def test_drawing_down_an_overfilled_meter_starts_regeneration_now(self) -> None:
        """Dropping from overfill below max regenerates from that instant."""
        assert Energy(90, 7 * TICK) == with_amount(Energy(150, 0), 7 * TICK, 90, RULES)

    def test_overfill_amount_is_stored_as_given(self) -> None:
        """An amount above max is kept as it is and then does not move."""
        energy = with_amount(Energy(40, 0), TICK, 150, RULES)
        assert current_energy(energy, 1_000 * TICK, RULES) == 150

    @given(energy=meters, at=instants, amount=amounts)
    def test_reads_back_the_amount(self, energy: Energy, at: int, amount: int) -> None:
        """The energy read at ``at`` right after setting it is the amount set."""
        later = max(at, energy.anchor_at)
        updated = with_amount(energy, later, amount, RULES)
        assert amount == current_energy(updated, later, RULES)


class TestNextRegenAt:
    """``next_regen_at`` is the instant the next point arrives, or None."""

    @pytest.mark.parametrize("amount", [100, 120, 150])
    def test_none_at_or_above_max(self, amount: int) -> None:
        """A full or overfilled meter has no next point."""
        assert next_regen_at(Energy(amount, 0), 5 * TICK, RULES) is None

    def test_none_once_regenerated_to_max(self) -> None:
        """A meter that has regenerated to max has no next point."""
        assert next_regen_at(Energy(99, 0), TICK, RULES) is None

    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (0, TICK),
            (1, TICK),
            (TICK - 1, TICK),
            (TICK, 2 * TICK),
            (2 * TICK + TICK // 2, 3 * TICK),
        ],
    )
    def test_end_of_the_current_interval(self, at: int, expected: int) -> None:
        """The next point arrives at the end of the interval ``at`` falls in."""
        assert expected == next_regen_at(Energy(40, 0), at, RULES)

    @given(energy=meters, at=instants)
    def test_the_point_arrives_exactly_then(self, energy: Energy, at: int) -> None:
        """Energy is unchanged just before the announced instant and grows at it."""
        at = max(at, energy.anchor_at)
        arrives = next_regen_at(energy, at, RULES)
        now = current_energy(energy, at, RULES)
        if arrives is None:
            assert now >= RULES.max
            return
        assert arrives > at
        assert now == current_energy(energy, arrives - 1, RULES)
        expected = min(RULES.max, now + RULES.regen_amount)
        assert expected == current_energy(energy, arrives, RULES)
