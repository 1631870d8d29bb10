"""Tests of ``baolife_core.ids``: ids minted from seed and seq (DESIGN.md rule 3)."""

from __future__ import annotations

import uuid

import pytest

from baolife_core.ids import BAOLIFE_NAMESPACE, mint_id


class TestMintId:
    """``mint_id`` is a stable uuid5 of ``(seed, seq, purpose)``."""

    @pytest.mark.parametrize(
        ("seed", "seq", "purpose", "expected"),
        [
            (42, 1, "purchase", "41cbc007-c162-5e49-a58f-b845bfebd83c"),
            (42, 0, "starting_grant", "5c376401-38c1-52bc-abf0-463a866bf383"),
        ],
    )
    def test_regression_vectors(
        self, seed: int, seq: int, purpose: str, expected: str
    ) -> None:
        """Regression vectors computed once: a change here renames every ledger id."""
        assert expected == mint_id(seed, seq, purpose)

    def test_namespace_is_fixed(self) -> None:
        """The namespace constant never changes."""
        assert uuid.UUID("6f1c1a43-7d8e-4f55-9a51-2b0f3c9d8e10") == BAOLIFE_NAMESPACE

    def test_is_uuid5_in_the_namespace(self) -> None:
        """The id is uuid5 of ``seed/seq/purpose`` in the BaoLife namespace."""
        expected = str(uuid.uuid5(BAOLIFE_NAMESPACE, "7/3/purchase"))
        assert expected == mint_id(7, 3, "purchase")

    def test_version_and_variant(self) -> None:
        """Minted ids are RFC 4122 version-5 UUIDs in canonical text."""
        value = uuid.UUID(mint_id(1, 2, "x"))
        assert (value.version, value.variant) == (5, uuid.RFC_4122)
        assert str(value) == mint_id(1, 2, "x")

    def test_stable(self) -> None:
        """Minting twice gives the same id."""
        assert mint_id(99, 5, "purchase") == mint_id(99, 5, "purchase")

    def test_differs_per_seed_seq_and_purpose(self) -> None:
        """Each combination of seed, seq and purpose has its own id."""
        combos = [
            (seed, seq, purpose)
            for seed in (0, 1, 12, 123, 2**63 - 1)
            for seq in (0, 1, 2, 3, 23)
            for purpose in ("purchase", "starting_grant", "npc")
        ]
        assert len(combos) == len({mint_id(*combo) for combo in combos})
