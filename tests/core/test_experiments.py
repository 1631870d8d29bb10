"""Tests of ``baolife_core.experiments``: A/B flags and stable variant assignment."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ContentError,
    GameService,
    InMemoryStore,
    NewPlayer,
    Tutorial,
    load_catalog,
    replay,
    start,
)
from baolife_core.experiments import (
    Experiments,
    Flag,
    assign_variant,
    assign_variants,
    bucket,
)
from content_packs import edited_file

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
        error = content_error(
            ("[[flags]]\n", replacement),
            ('id = "tutorial_flow"\n', ""),
            (VARIANTS_LINE, ""),
        )
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
