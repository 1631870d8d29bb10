"""Tests of ``baolife_core.stats``: the pooled two-proportion z-test."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.stats import SIGNIFICANCE, two_proportion_z_test


@st.composite
def variant(draw: st.DrawFn) -> tuple[int, int]:
    """``(conversions, players)`` of one variant: 0 <= conversions <= players."""
    players = draw(st.integers(min_value=0, max_value=10**6))
    return draw(st.integers(min_value=0, max_value=players)), players


class TestTextbook:
    """Values worked out by hand from the formula (docstring of each case)."""

    def test_200_of_1000_against_250_of_1000(self) -> None:
        """p = 450/2000 = 0.225; se = sqrt(0.225 * 0.775 * (2/1000)) = 0.018675;
        z = 0.05 / se = 2.677; p = erfc(2.677 / sqrt 2) = 0.0074."""
        z, p = two_proportion_z_test(200, 1000, 250, 1000)
        assert 2.677 == pytest.approx(z, abs=1e-3)
        assert 0.0074 == pytest.approx(p, abs=1e-4)
        assert p < SIGNIFICANCE

    def test_45_of_100_against_60_of_100(self) -> None:
        """p = 0.525; se = sqrt(0.525 * 0.475 * 0.02) = 0.070622; z = 0.15 / se =
        2.124; the normal table gives Φ(2.124) = 0.9832, so p = 0.0337."""
        z, p = two_proportion_z_test(45, 100, 60, 100)
        assert 2.124 == pytest.approx(z, abs=1e-3)
        assert 0.0337 == pytest.approx(p, abs=1e-4)

    def test_a_small_difference_is_not_significant(self) -> None:
        """250/1000 against 260/1000: z = 0.01 / 0.019492 = 0.513, p = 0.608."""
        z, p = two_proportion_z_test(250, 1000, 260, 1000)
        assert 0.513 == pytest.approx(z, abs=1e-3)
        assert 0.608 == pytest.approx(p, abs=1e-3)
        assert p > SIGNIFICANCE

    def test_one_variant_never_converts(self) -> None:
        """0/100 against 10/100: the pooled rate 0.05 still has variance; se =
        sqrt(0.05 * 0.95 * 0.02) = 0.030822, z = 3.244, p = 0.0012."""
        z, p = two_proportion_z_test(0, 100, 10, 100)
        assert 3.244 == pytest.approx(z, abs=1e-3)
        assert 0.0012 == pytest.approx(p, abs=1e-4)

    def test_at_the_critical_value(self) -> None:
        """The p-value is erfc(|z| / sqrt 2): z = 1.959964 is p = 0.05.
        2450 of 5000 against 2548 of 5000: p = 4998/10000 = 0.4998;
        se = sqrt(0.4998 * 0.5002 * (2/5000)) = 0.0099999992; z = 0.0196 / se
        = 1.9600002; p = 0.05 (two-sided, either direction)."""
        assert 0.05 == pytest.approx(math.erfc(1.959964 / math.sqrt(2)), abs=1e-6)
        z, p = two_proportion_z_test(2450, 5000, 2548, 5000)
        assert 1.96 == pytest.approx(z, abs=1e-6)
        assert 0.05 == pytest.approx(p, abs=1e-4)
        assert (-z, p) == pytest.approx(two_proportion_z_test(2548, 5000, 2450, 5000))


class TestUndefined:
    """Without players or without variance the answer is z = 0, p = 1."""

    @pytest.mark.parametrize(
        "counts",
        [
            (0, 0, 0, 0),
            (0, 0, 5, 10),
            (5, 10, 0, 0),
            (0, 100, 0, 50),
            (100, 100, 50, 50),
            (1, 1, 1, 1),
        ],
    )
    def test_no_evidence(self, counts: tuple[int, int, int, int]) -> None:
        """No players in a variant, or all or none converting in both."""
        assert (0.0, 1.0) == two_proportion_z_test(*counts)

    def test_equal_rates(self) -> None:
        """The same rate in both variants is z = 0, p = 1."""
        assert (0.0, 1.0) == two_proportion_z_test(20, 100, 40, 200)


class TestBadInput:
    """Counts that cannot be counts are refused, naming the variant."""

    @pytest.mark.parametrize(
        ("counts", "message"),
        [
            ((-1, 10, 0, 10), "variant a: counts must not be negative, got -1 of 10"),
            ((0, -10, 0, 10), "variant a: counts must not be negative, got 0 of -10"),
            ((0, 10, 0, -1), "variant b: counts must not be negative, got 0 of -1"),
            ((11, 10, 0, 10), "variant a: 11 conversions of 10 players"),
            ((0, 10, 3, 2), "variant b: 3 conversions of 2 players"),
        ],
    )
    def test_refused(self, counts: tuple[int, int, int, int], message: str) -> None:
        """A ``ValueError`` that says which count is wrong."""
        with pytest.raises(ValueError, match=message):
            two_proportion_z_test(*counts)


class TestProperties:
    """What holds for any counts."""

    @given(variant(), variant())
    def test_defined_everywhere(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        """z is finite and p is a probability, for any valid counts."""
        z, p = two_proportion_z_test(*a, *b)
        assert math.isfinite(z)
        assert 0.0 <= p <= 1.0

    @given(variant(), variant())
    def test_antisymmetric(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        """Swapping the variants negates z and keeps p."""
        z, p = two_proportion_z_test(*a, *b)
        z_swapped, p_swapped = two_proportion_z_test(*b, *a)
        assert z == pytest.approx(-z_swapped)
        assert p == pytest.approx(p_swapped)

    @given(variant(), variant())
    def test_the_sign_follows_the_rates(
        self, a: tuple[int, int], b: tuple[int, int]
    ) -> None:
        """z has the sign of b's rate minus a's (0 when a variant has no players)."""
        z, _ = two_proportion_z_test(*a, *b)
        if a[1] == 0 or b[1] == 0:
            assert 0.0 == z
        else:
            difference = b[0] * a[1] - a[0] * b[1]  # of the rates, times a[1] b[1]
            assert (difference > 0, difference < 0) == (z > 0, z < 0)
