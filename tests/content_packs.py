"""Content packs for tests: the bundled content with a few values changed."""

from __future__ import annotations

import re
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


def life_catalog(
    *, daily_ppm: int | None = None, story_chance_ppm: int | None = None
) -> Catalog:
    """The bundled content with every death band's hazard and/or the storylets'
    daily chance replaced (``None`` keeps the bundled value)."""
    source = resources.files("baolife_core") / "content"
    edits = {
        "life.toml": (r"(?m)^daily_ppm = \d+$", f"daily_ppm = {daily_ppm}", daily_ppm),
        "life_events.toml": (
            r"(?m)^daily_chance_ppm = \d+$",
            f"daily_chance_ppm = {story_chance_ppm}",
            story_chance_ppm,
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for entry in source.iterdir():
            if entry.name.endswith(".toml"):
                text = entry.read_text(encoding="utf-8")
                pattern, replacement, value = edits.get(entry.name, ("", "", None))
                if value is not None:
                    text, count = re.subn(pattern, replacement, text)
                    assert count > 0, f"{entry.name}: nothing matched {pattern}"
                (directory / entry.name).write_text(text, encoding="utf-8")
        return load_catalog(directory)


#: Nobody dies and no storylet happens: ageing and activities alone.
IMMORTAL = life_catalog(daily_ppm=0, story_chance_ppm=0)
#: Everybody dies on their first game day; no storylet happens.
DOOMED = life_catalog(daily_ppm=1_000_000, story_chance_ppm=0)
