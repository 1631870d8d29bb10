"""The examples in ``examples/`` run as they are written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == completed.returncode, completed.stderr
    return completed.stdout


class TestExamples:
    """Each example exits 0 and prints what its docstring promises."""

    def test_simulate(self) -> None:
        """simulate.py buys energy, lets time pass and replays to the same state."""
        out = run("simulate.py")
        assert "new player: 1000 diamonds" in out
        assert '"type": "energy_updated", "energy": 150, "diamonds": 950' in out
        assert '"code": "energy_full"' in out
        assert '"code": "not_found"' in out
        assert "replay hash: " in out

    def test_ws_server(self) -> None:
        """ws_server.py serves a session: welcome, a purchase, its retry, a refusal."""
        out = run("ws_server.py")
        assert "welcome: diamonds 1000" in out
        assert "'type': 'energy_updated', 'energy': 150, 'diamonds': 950" in out
        first, again = (
            line.split("'transaction_id': ")[1].split(",")[0]
            for line in out.splitlines()
            if line.startswith(("purchase:", "again, same key:"))
        )
        assert first == again
        assert "'code': 'energy_full'" in out

    @pytest.mark.parametrize("name", ["simulate.py", "ws_server.py"])
    def test_examples_are_listed_in_the_readme(self, name: str) -> None:
        """The README points new users at every example."""
        readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
        assert f"examples/{name}" in readme
