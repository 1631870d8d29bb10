"""The bench content pack: the bundled content with energy caps raised.

New players start at full energy, so with the bundled content only one overfill
refill succeeds per player. The benches need thousands of successful purchases per
player, so they load this pack: energy max 10,000, overfill cap 100,000, a
1,000,000-diamond grant, and an ``overcharge`` tier that adds 1 point for 50. The
per-player rate limits are raised to 60,000 a minute: a bench measures throughput,
which the production limits (10 energy purchases a minute) would cap at once.
"""

from __future__ import annotations

import re
import tempfile
from importlib import resources
from pathlib import Path

from baolife_core import Catalog, load_catalog

__all__ = ["bench_catalog", "write_bench_content"]

_EDITS = (
    ("starting_diamonds = 1000\n", "starting_diamonds = 1000000\n"),
    ("max = 100\n", "max = 10000\n"),
    ("overfill_cap = 150\n", "overfill_cap = 100000\n"),
    ("energy = 150\noverfill = true", "energy = 1\noverfill = true"),
)


def write_bench_content(directory: Path) -> Path:
    """Write the bench pack into ``directory`` and return it."""
    source = resources.files("baolife_core") / "content"
    for entry in source.iterdir():
        if entry.name.endswith(".toml"):
            (directory / entry.name).write_text(entry.read_text(encoding="utf-8"))
    economy = directory / "economy.toml"
    text = economy.read_text(encoding="utf-8")
    for old, new in _EDITS:
        if old not in text:
            raise RuntimeError(f"bench content edit no longer applies: {old!r}")
        text = text.replace(old, new)
    economy.write_text(text, encoding="utf-8")
    limits = directory / "rate_limits.toml"
    text = limits.read_text(encoding="utf-8")
    if "per_minute = 10\n" not in text:
        raise RuntimeError("bench content edit no longer applies: rate limits")
    text = re.sub(r"per_minute = \d+\n", "per_minute = 60000\n", text)
    limits.write_text(text, encoding="utf-8")
    return directory


def bench_catalog() -> Catalog:
    """Load the bench pack (written to a temporary directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        return load_catalog(write_bench_content(Path(tmp)))
