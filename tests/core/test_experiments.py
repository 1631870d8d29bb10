"""Tests of ``baolife_core.experiments``: A/B flags and stable variant assignment."""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ContentError,
    GameService,
    InMemoryStore,
    NewPlayer,
    PlayerState,
    Tutorial,
    load_catalog,
    replay,
    start,
)
from baolife_core.experiments import (
    Experiments,
    Flag,
    VariantCounts,
    assign_variant,
    assign_variants,
    bucket,
    client_experiments,
    report,
)
from content_packs import copy_content, edited_file

CATALOG = load_catalog()
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z
TUTORIAL_FLOW = CATALOG.experiments.flag("tutorial_flow")
VARIANTS_LINE = (
    'variants = [{ id = "classic", weight = 50 }, { id = "guided", weight = 50 }]'
)
#: Player ids for the statistical tests: deterministic, so never flaky.
IDS = [f"player-{n}" for n in range(10_000)]


def content_error(*edits: tuple[str, str]) -> ContentError:
    """The ``ContentError`` of the bundled content with ``experiments.toml`` edited."""
    with pytest.raises(ContentError) as caught:
        edited_file("experiments.toml", *edits)
    return caught.value


def md5_bucket(player_id: str, flag: str) -> int:
    """The seed's bucketing formula, written out independently."""
    digest = hashlib.md5((player_id + flag).encode(), usedforsecurity=False)
    return int(digest.hexdigest(), 16) % 100


def first_id_with(flow: str) -> str:
    """The first of ``IDS`` assigned the ``tutorial_flow`` variant ``flow``."""
    assert TUTORIAL_FLOW is not None
    return next(pid for pid in IDS if assign_variant(pid, TUTORIAL_FLOW) == flow)


class TestContent:
    """The bundled flags."""

    def test_tutorial_flow_flag(self) -> None:
        """``tutorial_flow`` splits players 50/50 between the two flows."""
        assert Flag("tutorial_flow", (("classic", 50), ("guided", 50))) == (
            TUTORIAL_FLOW
        )

    def test_every_flag_sums_to_100(self) -> None:
        """Each bundled flag's weights sum to 100, with distinct variants."""
        for flag in CATALOG.experiments.flags:
            assert 100 == sum(weight for _, weight in flag.variants)
            assert len(flag.variants) == len({v for v, _ in flag.variants})

    @pytest.mark.parametrize("flag_id", ["", "paywall", "Tutorial_flow"])
    def test_unknown_flag(self, flag_id: str) -> None:
        """An unknown flag id gives None."""
        assert CATALOG.experiments.flag(flag_id) is None


class TestContentErrors:
    """A broken ``experiments.toml`` fails to load, naming file, entry and field."""

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        [
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = 60 }',
                "flags[tutorial_flow]",
                "variants",
                "weights must sum to 100",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = 40 }',
                "flags[tutorial_flow]",
                "variants",
                "weights must sum to 100",
            ),
            (
                VARIANTS_LINE,
                'variants = [{ id = "classic", weight = 100 }, '
                '{ id = "classic", weight = 0 }]',
                "flags[tutorial_flow]",
                "variants",
                "variant ids must be distinct",
            ),
            (
                VARIANTS_LINE,
                "variants = []",
                "flags[tutorial_flow]",
                "variants",
                "must be an array",
            ),
            (
                VARIANTS_LINE,
                'variants = { id = "classic", weight = 100 }',
                "flags[tutorial_flow]",
                "variants",
                "must be an array",
            ),
            (
                VARIANTS_LINE,
                "",
                "flags[tutorial_flow]",
                "variants",
                "must be an array",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = 150 }',
                "flags[tutorial_flow].variants[1]",
                "weight",
                "must be within 0..100",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = -50 }',
                "flags[tutorial_flow].variants[1]",
                "weight",
                "must be within 0..100",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = 50.0 }',
                "flags[tutorial_flow].variants[1]",
                "weight",
                "must be an integer",
            ),
            (
                '{ id = "guided", weight = 50 }',
                "{ weight = 50 }",
                "flags[tutorial_flow].variants[1]",
                "id",
                "is required",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "guided", weight = 50, share = 1 }',
                "flags[tutorial_flow].variants[1]",
                "share",
                "is not a known field",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '"guided"',
                "flags[tutorial_flow].variants[1]",
                "",
                "must be a table",
            ),
            (
                '{ id = "guided", weight = 50 }',
                '{ id = "turbo", weight = 50 }',
                "flags[tutorial_flow]",
                "variants",
                "'turbo' is no flow of tutorial.toml",
            ),
            (
                'id = "tutorial_flow"',
                'id = "tutorial_flow"\nowner = "growth"',
                "flags[tutorial_flow]",
                "owner",
                "is not a known field",
            ),
        ],
    )
    def test_rejected(
        self, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken rule is reported where it is."""
        error = content_error((old, new))
        assert ("experiments.toml", entry, field) == (
            error.file,
            error.entry,
            error.field,
        )
        assert problem in error.problem

    def test_duplicate_flag(self) -> None:
        """Two flags with one id are refused."""
        error = content_error(
            (VARIANTS_LINE, f'{VARIANTS_LINE}\n\n[[flags]]\nid = "tutorial_flow"\n')
        )
        assert ("experiments.toml", "flags[tutorial_flow]", "id") == (
            error.file,
            error.entry,
            error.field,
        )
        assert "duplicates" in error.problem

    @pytest.mark.parametrize(
        ("replacement", "entry", "field", "problem"),
        [
            ("", "(top level)", "flags", "is required"),
            ("flags = []\n", "flags", "", "must be a non-empty array of tables"),
        ],
    )
    def test_no_flags(
        self, replacement: str, entry: str, field: str, problem: str
    ) -> None:
        """A file without flags is refused."""

        def without_flags(name: str, text: str) -> str:
            if name != "experiments.toml":
                return text
            return text[: text.index("[[flags]]")] + replacement

        with tempfile.TemporaryDirectory() as tmp, pytest.raises(ContentError) as e:
            load_catalog(copy_content(Path(tmp), without_flags))
        error = e.value
        assert ("experiments.toml", entry, field, problem) == (
            error.file,
            error.entry,
            error.field,
            error.problem,
        )

    def test_other_flags_need_no_flow(self) -> None:
        """Only ``tutorial_flow`` variants must name tutorial flows."""
        catalog = edited_file(
            "experiments.toml",
            (
                VARIANTS_LINE,
                f'{VARIANTS_LINE}\n\n[[flags]]\nid = "paywall"\n'
                'variants = [{ id = "soft", weight = 30 }, '
                '{ id = "hard", weight = 70 }]\n',
            ),
        )
        assert Flag("paywall", (("soft", 30), ("hard", 70))) == (
            catalog.experiments.flag("paywall")
        )

    def test_a_zero_weight_variant_loads(self) -> None:
        """A variant may be switched off with weight 0."""
        catalog = edited_file(
            "experiments.toml",
            (
                VARIANTS_LINE,
                'variants = [{ id = "classic", weight = 100 }, '
                '{ id = "guided", weight = 0 }]',
            ),
        )
        flag = catalog.experiments.flag("tutorial_flow")
        assert flag is not None
        assert {"classic"} == {assign_variant(pid, flag) for pid in IDS[:500]}


class TestBucket:
    """``bucket``: MD5 of player id + flag, as an integer, mod 100."""

    @pytest.mark.parametrize(
        ("player_id", "flag", "expected"),
        [
            ("player-1", "tutorial_flow", 91),
            ("player-2", "tutorial_flow", 97),
            ("a", "tutorial_flow", 70),
            ("", "tutorial_flow", 75),
        ],
    )
    def test_vectors(self, player_id: str, flag: str, expected: int) -> None:
        """Pinned values: a change of formula would reshuffle every player."""
        assert expected == bucket(player_id, flag)

    @given(st.text(max_size=40), st.text(min_size=1, max_size=20))
    def test_formula(self, player_id: str, flag: str) -> None:
        """The bucket is the seed's formula, within 0..99."""
        value = bucket(player_id, flag)
        assert md5_bucket(player_id, flag) == value
        assert 0 <= value <= 99

    def test_flags_bucket_independently(self) -> None:
        """The flag is part of the hash: another flag puts a player elsewhere."""
        pairs = {(bucket(pid, "a"), bucket(pid, "b")) for pid in IDS[:200]}
        assert any(x != y for x, y in pairs)


class TestAssignVariant:
    """The variant is the one whose cumulative weight range holds the bucket."""

    @pytest.mark.parametrize(
        ("variants", "point", "expected"),
        [
            ((("a", 50), ("b", 50)), 0, "a"),
            ((("a", 50), ("b", 50)), 49, "a"),
            ((("a", 50), ("b", 50)), 50, "b"),
            ((("a", 50), ("b", 50)), 99, "b"),
            ((("a", 30), ("b", 70)), 29, "a"),
            ((("a", 30), ("b", 70)), 30, "b"),
            ((("a", 0), ("b", 100)), 0, "b"),
            ((("a", 100), ("b", 0)), 99, "a"),
            ((("a", 10), ("b", 0), ("c", 90)), 10, "c"),
            ((("a", 33), ("b", 33), ("c", 34)), 65, "b"),
            ((("a", 33), ("b", 33), ("c", 34)), 66, "c"),
        ],
    )
    def test_ranges(
        self, variants: tuple[tuple[str, int], ...], point: int, expected: str
    ) -> None:
        """Content order, half-open ranges: ``[0, w1)``, ``[w1, w1 + w2)`` …"""
        pid = next(p for p in IDS if bucket(p, "f") == point)
        assert expected == assign_variant(pid, Flag("f", variants))

    @given(st.text(max_size=40))
    def test_stable(self, player_id: str) -> None:
        """The same player always gets the same variant."""
        assert TUTORIAL_FLOW is not None
        first = assign_variant(player_id, TUTORIAL_FLOW)
        assert first == assign_variant(player_id, TUTORIAL_FLOW)
        expected = (
            "classic" if md5_bucket(player_id, "tutorial_flow") < 50 else "guided"
        )
        assert expected == first

    def test_split_close_to_half(self) -> None:
        """Over 10 000 ids the 50/50 split lands within 2 % of half."""
        assert TUTORIAL_FLOW is not None
        counts = Counter(assign_variant(pid, TUTORIAL_FLOW) for pid in IDS)
        assert {"classic", "guided"} == set(counts)
        assert 4800 <= counts["guided"] <= 5200

    def test_uneven_split(self) -> None:
        """A 30/70 flag splits close to 30/70."""
        flag = Flag("paywall", (("soft", 30), ("hard", 70)))
        counts = Counter(assign_variant(pid, flag) for pid in IDS)
        assert 2800 <= counts["soft"] <= 3200

    def test_assign_variants(self) -> None:
        """Every flag's variant, as (flag, variant) pairs sorted by flag."""
        experiments = Experiments(
            (
                Flag("zeta", (("on", 100),)),
                Flag("alpha", (("x", 0), ("y", 100))),
                Flag("tutorial_flow", (("classic", 50), ("guided", 50))),
            )
        )
        pid = first_id_with("guided")
        assert (("alpha", "y"), ("tutorial_flow", "guided"), ("zeta", "on")) == (
            assign_variants(pid, experiments)
        )


class TestGenesis:
    """``NewPlayer.variants`` sets the player's tutorial flow in ``engine.start``."""

    @pytest.mark.parametrize(
        ("variants", "flow"),
        [
            ((), "classic"),
            ((("tutorial_flow", "classic"),), "classic"),
            ((("tutorial_flow", "guided"),), "guided"),
            ((("paywall", "hard"), ("tutorial_flow", "guided")), "guided"),
            ((("tutorial_flow", "turbo"),), "classic"),
            ((("paywall", "guided"),), "classic"),
        ],
    )
    def test_flow(self, variants: tuple[tuple[str, str], ...], flow: str) -> None:
        """The ``tutorial_flow`` variant names the flow; otherwise the default."""
        state = start(NewPlayer(at=T0, seed=1, variants=variants), CATALOG).state
        assert Tutorial(flow=flow) == state.retention.tutorial

    def test_replay_keeps_the_flow(self) -> None:
        """The variants are part of the genesis record, so a replay agrees."""
        genesis = NewPlayer(at=T0, seed=1, variants=(("tutorial_flow", "guided"),))
        assert start(genesis, CATALOG).state == replay([genesis], CATALOG)


class TestLoginDevice:
    """``GameService.login_device`` assigns the variants of a new player."""

    @pytest.mark.parametrize("flow", ["classic", "guided"])
    def test_assigns_variants(self, flow: str) -> None:
        """The genesis records the assignment and the tutorial follows it."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        pid = first_id_with(flow)
        assert pid == service.login_device("device-1", new_player_id=pid, seed=3, at=T0)
        genesis = store.journal(pid)[0]
        assert isinstance(genesis, NewPlayer)
        expected = assign_variants(pid, CATALOG.experiments)
        assert (("tutorial_flow", flow),) == tuple(
            pair for pair in expected if pair[0] == "tutorial_flow"
        )
        assert NewPlayer(at=T0, seed=3, variants=expected) == genesis
        assert flow == service.load(pid).state.retention.tutorial.flow

    def test_known_device_keeps_its_player(self) -> None:
        """A second login returns the first player, not a new assignment."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        first = service.login_device("d", new_player_id="p-1", seed=3, at=T0)
        again = service.login_device("d", new_player_id="p-2", seed=4, at=T0 + 1)
        assert ("p-1", "p-1") == (first, again)
        assert ["p-1"] == list(store.players)

    def test_both_flows_occur(self) -> None:
        """Across many new players both tutorial flows are handed out."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        flows = Counter(
            service.load(
                service.login_device(f"d-{n}", new_player_id=f"p-{n}", seed=n, at=T0)
            ).state.retention.tutorial.flow
            for n in range(200)
        )
        assert {"classic", "guided"} == set(flows)
        assert 70 <= flows["guided"] <= 130


#: The flags the iOS client reads, in content order (docs/experiments.md).
BUNDLED_FLAGS = (
    "tutorial_flow",
    "store_layout",
    "refill_offer",
    "daily_reward_presentation",
    "quest_board",
    "dating_onboarding",
    "push_copy",
)


class TestBundledFlags:
    """The seven flags of ``experiments.toml``."""

    def test_the_seven_flags(self) -> None:
        """Seven flags, ``tutorial_flow`` first, each with a control and more."""
        assert BUNDLED_FLAGS == tuple(f.id for f in CATALOG.experiments.flags)
        assert all(len(f.variants) >= 2 for f in CATALOG.experiments.flags)

    @pytest.mark.parametrize("flag_id", BUNDLED_FLAGS)
    def test_weights_respected(self, flag_id: str) -> None:
        """Over 10 000 ids each variant's share is within 2 points of its weight."""
        flag = CATALOG.experiments.flag(flag_id)
        assert flag is not None
        counts = Counter(assign_variant(pid, flag) for pid in IDS)
        for variant, weight in flag.variants:
            assert abs(counts[variant] - 100 * weight) <= 200, (variant, counts)

    def test_flags_are_independent(self) -> None:
        """Knowing a player's tutorial flow says nothing of their store layout."""
        store_layout = CATALOG.experiments.flag("store_layout")
        assert store_layout is not None
        assert TUTORIAL_FLOW is not None
        pairs = Counter(
            (assign_variant(pid, TUTORIAL_FLOW), assign_variant(pid, store_layout))
            for pid in IDS
        )
        assert 4 == len(pairs)
        assert all(2300 <= n <= 2700 for n in pairs.values())


def state_of(player_id: str) -> PlayerState:
    """A new player's state, created as ``login_device`` creates it."""
    variants = assign_variants(player_id, CATALOG.experiments)
    return start(NewPlayer(at=T0, seed=1, variants=variants), CATALOG).state


def with_flow(state: PlayerState, flow: str) -> PlayerState:
    """``state`` with its tutorial flow replaced."""
    retention = evolve(state.retention, tutorial=Tutorial(flow=flow))
    return evolve(state, retention=retention)


class TestClientExperiments:
    """``client_experiments``: every flag's variant, as the client view says it."""

    def test_every_flag(self) -> None:
        """One variant per bundled flag, in content order, each assigned."""
        pid = IDS[7]
        shown = client_experiments(pid, state_of(pid), CATALOG.experiments)
        assert BUNDLED_FLAGS == tuple(shown)
        expected = {f.id: assign_variant(pid, f) for f in CATALOG.experiments.flags}
        assert expected == shown

    @given(st.text(max_size=40))
    def test_stable_and_in_range(self, player_id: str) -> None:
        """The same player gets the same variants, each one of the flag's."""
        state = state_of(player_id)
        first = client_experiments(player_id, state, CATALOG.experiments)
        assert first == client_experiments(player_id, state, CATALOG.experiments)
        for flag in CATALOG.experiments.flags:
            assert first[flag.id] in dict(flag.variants)

    @pytest.mark.parametrize("n", range(0, 2_000, 97))
    def test_tutorial_flow_agrees_with_the_engine(self, n: int) -> None:
        """The view's ``tutorial_flow`` is the flow the player's tutorial runs."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        pid = service.login_device("d", new_player_id=IDS[n], seed=n, at=T0)
        state = service.load(pid).state
        shown = client_experiments(pid, state, CATALOG.experiments)
        assert state.retention.tutorial.flow == shown["tutorial_flow"]

    def test_the_state_wins_over_the_hash(self) -> None:
        """A player whose genesis recorded another flow (weights changed since)
        is shown the flow the engine runs, not today's assignment."""
        pid = first_id_with("classic")
        state = with_flow(state_of(pid), "guided")
        assert (
            "guided"
            == (client_experiments(pid, state, CATALOG.experiments)["tutorial_flow"])
        )

    def test_no_flow_yet_falls_back_to_the_hash(self) -> None:
        """A state without a flow (none assigned) shows the assignment."""
        pid = first_id_with("guided")
        state = with_flow(state_of(pid), "")
        assert (
            "guided"
            == (client_experiments(pid, state, CATALOG.experiments)["tutorial_flow"])
        )

    def test_only_content_flags(self) -> None:
        """Flags are those of the content: none invented, a removed one gone."""
        experiments = Experiments((Flag("store_layout", (("grid", 100),)),))
        pid = IDS[3]
        assert {"store_layout": "grid"} == (
            client_experiments(pid, state_of(pid), experiments)
        )


#: The textbook example: 200 of 1000 against 250 of 1000.
TEXTBOOK = (VariantCounts("classic", 1000, 200), VariantCounts("guided", 1000, 250))


class TestVariantCounts:
    """``VariantCounts.rate``."""

    @pytest.mark.parametrize(
        ("exposed", "converted", "rate"),
        [(1000, 200, 0.2), (3, 3, 1.0), (5, 0, 0.0), (0, 0, 0.0)],
    )
    def test_rate(self, exposed: int, converted: int, rate: float) -> None:
        """Converted over exposed; 0 without players."""
        assert rate == VariantCounts("v", exposed, converted).rate


class TestReport:
    """``report``: the table and each variant against the control."""

    def test_textbook(self) -> None:
        """The table, then the difference, z, p and the verdict in words."""
        assert TUTORIAL_FLOW is not None
        assert (
            "experiment tutorial_flow: conversion to tutorial_advanced",
            "variant                exposed converted     rate",
            "classic                   1000       200  20.00 %",
            "guided                    1000       250  25.00 %",
            "guided vs classic (control): +5.00 points, z = 2.68, p = 0.0074",
            "  significant at 5 %: guided converts more than classic",
        ) == report(TUTORIAL_FLOW, "tutorial_advanced", TEXTBOOK, since=None)

    def test_worse_and_not_significant(self) -> None:
        """A variant converting less is said so; a small gap is no evidence."""
        flag = Flag("f", (("a", 34), ("b", 33), ("c", 33)))
        counts = (
            VariantCounts("a", 1000, 250),
            VariantCounts("b", 1000, 200),
            VariantCounts("c", 1000, 260),
        )
        lines = report(flag, "date_went", counts, since=1_000)
        header = "experiment f: conversion to date_went, exposures at or after 1000 ms"
        assert header == lines[0]
        assert (
            "b vs a (control): -5.00 points, z = -2.68, p = 0.0074",
            "  significant at 5 %: b converts less than a",
            "c vs a (control): +1.00 points, z = 0.51, p = 0.6079",
            "  not significant at 5 %: no evidence of a difference",
        ) == lines[-4:]

    def test_content_order_zeros_and_retired_variants(self) -> None:
        """Variants in content order, absent ones as zeros, exposed variants no
        longer in content after them, never compared."""
        flag = Flag("f", (("a", 50), ("b", 50)))
        counts = (VariantCounts("old", 4, 1), VariantCounts("b", 10, 5))
        assert (
            "a                            0         0   0.00 %",
            "b                           10         5  50.00 %",
            "old                          4         1  25.00 %  (no longer in content)",
            "b vs a (control): +50.00 points, z = 0.00, p = 1.0000",
            "  no test: nobody was exposed to a",
        ) == report(flag, "date_went", counts, since=None)[2:]

    def test_tiny_p(self) -> None:
        """A p-value below 0.0001 is printed as such."""
        flag = Flag("f", (("a", 50), ("b", 50)))
        counts = (VariantCounts("a", 10_000, 1_000), VariantCounts("b", 10_000, 2_000))
        assert (
            "b vs a (control): +10.00 points, z = 19.80, p < 0.0001"
            == (report(flag, "date_went", counts, since=None)[-2])
        )

    def test_one_variant_flag(self) -> None:
        """A flag with only its control has a table and no comparison."""
        flag = Flag("f", (("on", 100),))
        lines = report(flag, "date_went", (VariantCounts("on", 2, 1),), since=None)
        assert 3 == len(lines)
