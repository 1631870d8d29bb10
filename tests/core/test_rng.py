"""Tests of ``baolife_core.rng``: SplitMix64 streams (DESIGN.md determinism rule 1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest

from baolife_core.rng import MASK64, Stream, derive_seed, splitmix64_next, stream


class _Scripted(Stream):
    """A stream whose 64-bit outputs are given, to pin how draws map to results."""

    def __init__(self, outputs: Iterable[int]) -> None:
        super().__init__(0)
        self.outputs = iter(outputs)
        self.calls = 0

    def next_u64(self) -> int:
        self.calls += 1
        value = next(self.outputs, None)
        if value is None:
            raise AssertionError(f"kept drawing after {self.calls - 1} outputs")
        return value


class TestSplitMix64:
    """The generator reproduces the reference algorithm bit for bit."""

    def test_published_vector_seed_1234567(self) -> None:
        """Seed 1234567 yields the five outputs published with SplitMix64."""
        expected = [
            6457827717110365317,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ]
        source = Stream(1234567)
        assert expected == [source.next_u64() for _ in range(5)]

    def test_published_vector_seed_0(self) -> None:
        """Seed 0 yields the reference outputs of splitmix64.c (0xE220A8397B1DCDAF…)."""
        expected = [16294208416658607535, 7960286522194355700, 487617019471545679]
        source = Stream(0)
        assert expected == [source.next_u64() for _ in range(3)]

    def test_next_function_returns_output_and_state(self) -> None:
        """``splitmix64_next`` advances the state by the golden gamma."""
        output, state = splitmix64_next(1234567)
        assert (output, state) == (6457827717110365317, 1234567 + 0x9E3779B97F4A7C15)

    def test_state_wraps_at_64_bits(self) -> None:
        """The state stays a 64-bit unsigned integer when the addition overflows."""
        _, state = splitmix64_next(MASK64)
        assert state == (MASK64 + 0x9E3779B97F4A7C15) & MASK64

    def test_outputs_are_64_bit(self) -> None:
        """Every output lies in ``[0, 2**64)``."""
        source = Stream(99)
        assert all(0 <= source.next_u64() <= MASK64 for _ in range(1000))

    def test_seed_is_reduced_modulo_2_64(self) -> None:
        """A negative or oversized seed is the same stream as its 64-bit residue."""
        a, b, c = Stream(-1), Stream(MASK64), Stream(MASK64 + (1 << 64))
        assert [a.next_u64() for _ in range(3)] == [b.next_u64() for _ in range(3)]
        assert Stream(MASK64).next_u64() == c.next_u64()


class TestDeriveSeed:
    """Streams are keyed by ``(seed, purpose, key)`` with a stable hash."""

    @pytest.mark.parametrize(
        ("seed", "purpose", "key", "expected"),
        [
            (42, "day_event", 0, 8277790186138990214),
            (42, "day_event", 1, 14581295209930606669),
            (42, "command", 0, 16526107504203625962),
            (0, "x", 0, 13631215724721799859),
        ],
    )
    def test_regression_vectors(
        self, seed: int, purpose: str, key: int, expected: int
    ) -> None:
        """Regression vectors computed once: a change here shifts every saved game."""
        assert expected == derive_seed(seed, purpose, key)

    def test_integer_and_string_keys_differ(self) -> None:
        """The key 1 and the key "1" open different streams."""
        assert derive_seed(7, "npc", 1) != derive_seed(7, "npc", "1")

    def test_purpose_may_not_contain_the_separator(self) -> None:
        """A purpose with the unit separator could collide, so it is refused."""
        with pytest.raises(ValueError, match="unit separator"):
            derive_seed(7, "a\x1fb")

    def test_key_defaults_to_zero(self) -> None:
        """Omitting the key is the key 0."""
        assert derive_seed(7, "npc") == derive_seed(7, "npc", 0)

    def test_is_64_bit(self) -> None:
        """A derived seed fits in 64 unsigned bits."""
        seeds = [derive_seed(s, "p", k) for s in range(20) for k in range(20)]
        assert all(0 <= value <= MASK64 for value in seeds)

    def test_differs_per_seed_purpose_and_key(self) -> None:
        """Distinct seeds, purposes and keys give distinct streams."""
        combos = [
            (seed, purpose, key)
            for seed in (0, 1, 42)
            for purpose in ("day_event", "command", "npc_name")
            for key in (0, 1, 2, "a", "b")
        ]
        seeds = {derive_seed(*combo) for combo in combos}
        assert len(combos) == len(seeds)

    def test_stream_is_the_stream_of_the_derived_seed(self) -> None:
        """``stream(seed, purpose, key)`` opens ``Stream(derive_seed(...))``."""
        a, b = stream(42, "day_event", 3), Stream(derive_seed(42, "day_event", 3))
        assert [a.next_u64() for _ in range(5)] == [b.next_u64() for _ in range(5)]

    def test_stream_regression_vector(self) -> None:
        """Regression vector computed once: the first output of a derived stream."""
        assert stream(42, "day_event", 0).next_u64() == 6492636365392357618

    def test_purposes_are_independent(self) -> None:
        """Two purposes of one player do not share their sequence."""
        a, b = stream(42, "day_event", 0), stream(42, "command", 0)
        assert [a.next_u64() for _ in range(5)] != [b.next_u64() for _ in range(5)]


class TestBelow:
    """``below`` draws uniformly from ``[0, bound)``."""

    @pytest.mark.parametrize("bound", [1, 2, 3, 7, 10, 1000, 2**32 + 1, 2**64])
    def test_in_range(self, bound: int) -> None:
        """Every draw lies in ``[0, bound)``."""
        source = Stream(bound)
        assert all(0 <= source.below(bound) < bound for _ in range(500))

    @pytest.mark.parametrize("bound", [0, -1, -(2**64)])
    def test_rejects_non_positive_bound(self, bound: int) -> None:
        """A bound of zero or less is a programming error."""
        with pytest.raises(ValueError, match="bound must be within"):
            Stream(1).below(bound)

    def test_bound_one_is_always_zero(self) -> None:
        """The only value below 1 is 0."""
        source = Stream(5)
        assert {0} == {source.below(1) for _ in range(100)}

    @pytest.mark.parametrize("bound", [2, 3, 6, 7, 13])
    def test_every_residue_appears_evenly(self, bound: int) -> None:
        """Over many draws each value appears, each within 15 % of its share."""
        draws = 600 * bound
        source = Stream(2024 + bound)
        counts = Counter(source.below(bound) for _ in range(draws))
        assert set(range(bound)) == set(counts)
        assert all(510 <= count <= 690 for count in counts.values()), counts

    def test_rejects_the_partial_top_bucket(self) -> None:
        """Outputs in the top partial bucket are redrawn, so no residue is favoured."""
        # 2**64 % 3 == 1: the single output 2**64 - 1 would favour residue 0.
        source = _Scripted([MASK64, 5])
        assert (source.below(3), source.calls) == (2, 2)

    def test_accepts_the_last_full_bucket(self) -> None:
        """The largest output below the partial bucket is used as it is."""
        source = _Scripted([MASK64 - 1])
        assert (source.below(3), source.calls) == ((MASK64 - 1) % 3, 1)

    def test_power_of_two_bounds_never_redraw(self) -> None:
        """A power-of-two bound divides 2**64, so every output is accepted."""
        source = _Scripted([MASK64])
        assert (source.below(8), source.calls) == (MASK64 % 8, 1)

    def test_bound_beyond_64_bits_is_refused(self) -> None:
        """A bound above 2**64 raises ValueError instead of looping forever."""
        real = Stream(3)
        source = _Scripted(real.next_u64() for _ in range(1000))
        with pytest.raises(ValueError, match="bound must be within"):
            source.below(2**64 + 1)

    def test_bound_of_exactly_64_bits_is_accepted(self) -> None:
        """``below(2**64)`` returns the raw output."""
        assert Stream(5).below(2**64) == Stream(5).next_u64()


class TestBetween:
    """``between`` draws uniformly from an inclusive range."""

    def test_covers_the_inclusive_range(self) -> None:
        """Both ends appear and nothing outside them."""
        source = Stream(11)
        assert set(range(-2, 4)) == {source.between(-2, 3) for _ in range(600)}

    def test_single_value_range(self) -> None:
        """A range of one value always yields it."""
        assert Stream(1).between(5, 5) == 5

    def test_rejects_empty_range(self) -> None:
        """``high < low`` is a programming error."""
        with pytest.raises(ValueError, match="empty range"):
            Stream(1).between(4, 3)

    def test_offsets_below(self) -> None:
        """``between(low, high)`` is ``low + below(high - low + 1)``."""
        assert _Scripted([7]).between(10, 19) == 10 + 7


class TestChance:
    """``chance(n, d)`` is true with probability ``n / d``."""

    def test_zero_is_never(self) -> None:
        """A zero numerator never succeeds."""
        source = Stream(3)
        assert not any(source.chance(0, 10) for _ in range(500))

    def test_certain_is_always(self) -> None:
        """``n == d`` always succeeds."""
        source = Stream(3)
        assert all(source.chance(10, 10) for _ in range(500))

    @pytest.mark.parametrize(("roll", "expected"), [(0, True), (2, True), (3, False)])
    def test_compares_the_roll(self, roll: int, expected: bool) -> None:
        """The roll below ``d`` succeeds exactly when it is below ``n``."""
        assert expected == _Scripted([roll]).chance(3, 10)

    def test_frequency(self) -> None:
        """One in four succeeds about a quarter of the time."""
        source = Stream(8)
        hits = sum(source.chance(1, 4) for _ in range(4000))
        assert 850 <= hits <= 1150

    def test_rejects_non_positive_denominator(self) -> None:
        """A zero denominator is a programming error."""
        with pytest.raises(ValueError, match="bound must be within"):
            Stream(1).chance(0, 0)


class TestWeighted:
    """``weighted`` picks by integer weight, in the order given."""

    @pytest.mark.parametrize(
        ("roll", "expected"),
        [(0, "a"), (1, "a"), (2, "b"), (4, "b"), (5, "c"), (9, "c")],
    )
    def test_maps_rolls_to_items_in_order(self, roll: int, expected: str) -> None:
        """Each item owns a run of rolls as long as its weight, in list order."""
        items = [("a", 2), ("b", 3), ("c", 5)]
        assert expected == _Scripted([roll]).weighted(items)

    def test_zero_weight_is_never_picked(self) -> None:
        """An item of weight zero is excluded; every positive item appears."""
        items = [("a", 0), ("b", 3), ("c", 0), ("d", 1)]
        source = Stream(5)
        assert {"b", "d"} == {source.weighted(items) for _ in range(1000)}

    def test_rejects_non_integer_weights(self) -> None:
        """Float weights are refused: weighted picks use integers only."""
        with pytest.raises(ValueError, match="non-negative integers"):
            Stream(1).weighted([("a", 1.5), ("b", 1)])  # type: ignore[list-item]

    def test_single_item(self) -> None:
        """One positive item is always the pick."""
        assert Stream(1).weighted([("only", 7)]) == "only"

    @pytest.mark.parametrize(
        "items",
        [[], [("a", 0)], [("a", 0), ("b", 0)], [("a", -1)], [("a", -2), ("b", 2)]],
    )
    def test_rejects_non_positive_total(self, items: list[tuple[str, int]]) -> None:
        """A total of zero, or any negative weight, is a programming error."""
        pattern = r"positive total weight|non-negative integers"
        with pytest.raises(ValueError, match=pattern):
            Stream(1).weighted(items)

    def test_frequencies_follow_weights(self) -> None:
        """A 1:3 split lands near a quarter and three quarters."""
        source = Stream(77)
        counts = Counter(source.weighted([("a", 1), ("b", 3)]) for _ in range(4000))
        assert 850 <= counts["a"] <= 1150
        assert counts["a"] + counts["b"] == 4000

    def test_same_seed_same_picks(self) -> None:
        """Two streams of one seed pick the same sequence."""
        items = [(name, weight) for weight, name in enumerate("abcdef", start=1)]
        a, b = stream(1, "pick"), stream(1, "pick")
        assert [a.weighted(items) for _ in range(50)] == [
            b.weighted(items) for _ in range(50)
        ]
