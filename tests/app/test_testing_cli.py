"""``baolife content check DIR --machine``: the invariant machine and minting probe."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from baolife_app import cli
from baolife_app.cli import main
from baolife_core import ClaimDailyReward
from baolife_core.catalog import Catalog
from baolife_core.engine import _HANDLERS
from baolife_core.testing.content import machine_violations
from content_packs import copy_content, forgets_the_claim


class TestContentCheckMachine:
    """``--machine`` adds the laws and the probe to the content check."""

    def test_bundled_content_passes(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A copy of the bundled content exits 0 with nothing found."""
        directory = copy_content(tmp_path)
        assert 0 == main(["content", "check", str(directory), "--machine"])
        out = capsys.readouterr().out
        assert "machine: 0 invariant violations; minting probe: 0 exploits" in out

    def test_a_reward_that_pays_twice_exits_1(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A broken daily reward is reported as a law and an exploit (exit 1)."""
        monkeypatch.setitem(_HANDLERS, ClaimDailyReward, forgets_the_claim)
        # Fewer examples than the default: shrinking the failure takes the time.
        monkeypatch.setattr(
            cli, "machine_violations", partial(machine_violations, examples=20)
        )
        directory = copy_content(tmp_path)
        assert 1 == main(["content", "check", str(directory), "--machine"])
        out, err = capsys.readouterr()
        assert "machine: 1 invariant violations; minting probe: 1 exploits" in out
        assert "baolife: invariant no_reward_pays_twice: " in err
        assert "baolife: exploit: claim_daily_reward mints " in err

    def test_without_hypothesis_exits_2(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Without the ``testing`` extra, ``--machine`` says what to install."""

        def missing(catalog: Catalog) -> None:
            raise ModuleNotFoundError("No module named 'hypothesis'", name="hypothesis")

        monkeypatch.setattr(cli, "machine_violations", missing)
        directory = copy_content(tmp_path)
        assert 2 == main(["content", "check", str(directory), "--machine"])
        err = capsys.readouterr().err
        assert "baolife: --machine needs hypothesis: install 'baolife[testing]'" in err
