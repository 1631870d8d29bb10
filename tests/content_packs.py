"""Content packs for tests: the bundled content with a few values changed."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from baolife_core import Catalog, load_catalog


def edited_catalog(*edits: tuple[str, str]) -> Catalog:
    """Load the bundled content with each ``(old, new)`` text edit applied once."""
    source = resources.files("baolife_core") / "content"
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for entry in source.iterdir():
            if entry.name.endswith(".toml"):
                text = entry.read_text(encoding="utf-8")
                for old, new in edits:
                    text = text.replace(old, new, 1)
                (directory / entry.name).write_text(text, encoding="utf-8")
        return load_catalog(directory)


#: Energy caps raised so a player can buy ``overcharge`` (+1) many times, while the
#: 1000-diamond grant still runs out after 20 purchases.
MANY_PURCHASES = edited_catalog(
    ("overfill_cap = 150\n", "overfill_cap = 1000\n"),
    ("energy = 150\noverfill = true", "energy = 1\noverfill = true"),
)
