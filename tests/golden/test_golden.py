"""The committed golden journal replays to its committed fingerprint.

A change of game behaviour changes these hashes: regenerate them with
``uv run python tests/golden/fingerprint.py`` and let the diff be reviewed.
"""

from __future__ import annotations

import json

from golden.fingerprint import HERE, fingerprint


class TestGoldenJournal:
    """Replaying ``journal.jsonl`` gives ``expected.json``."""

    def test_fingerprint_matches(self) -> None:
        """The final state hash and the outcomes hash are the committed ones."""
        expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
        actual = fingerprint((HERE / "journal.jsonl").read_text(encoding="utf-8"))
        assert expected == actual
