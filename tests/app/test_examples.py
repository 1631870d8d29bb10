"""The examples in ``examples/`` run as they are written."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from baolife_core import GameService, InMemoryStore, load_catalog
from baolife_transport_ws import GameServer, ServerConfig

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

    async def test_play_cli(self) -> None:
        """play_cli.py --auto plays seeded moves against a server and sums them up."""
        service = GameService(InMemoryStore(), load_catalog())
        config = ServerConfig(port=0, token_secret="examples-test-secret-0123456789")
        async with GameServer(service, config) as server:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(EXAMPLES / "play_cli.py"),
                f"ws://127.0.0.1:{server.port}/",
                "--auto",
                "30",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            async with asyncio.timeout(120):
                out, err = await process.communicate()
        assert 0 == process.returncode, err.decode()
        lines = out.decode().splitlines()
        assert "moves: 30" in lines
        kinds = next(line for line in lines if line.startswith("by kind: "))
        assert "create_character 1" in kinds
        assert any(line.startswith("status: ") for line in lines)

    def test_custom_event(self) -> None:
        """custom_event.py adds a storylet and tests it with the toolkit: all pass."""
        out = run("custom_event.py")
        assert "street_busker added" in out
        assert "property: a drawn player meets the busker at most once: ok" in out
        assert "busker_at_most_once_a_life, 10 examples: ok" in out
        assert "met the busker" in out
        assert "economy exploits: 0" in out
        assert "street_busker: reached" in out

    @pytest.mark.parametrize(
        "name", ["simulate.py", "ws_server.py", "play_cli.py", "custom_event.py"]
    )
    def test_examples_are_listed_in_the_readme(self, name: str) -> None:
        """The README points new users at every example."""
        readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
        assert f"examples/{name}" in readme
