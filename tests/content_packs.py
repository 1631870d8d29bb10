"""Content packs for tests: the bundled content with a few values changed."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from attrs import evolve

from baolife_core import Catalog, ClaimDailyReward, Command, PlayerState, load_catalog
from baolife_core.outcome import Outcome
from baolife_core.retention.login import claim_daily_reward
from baolife_core.state import LoginStreak


def copy_content(
    directory: Path, edit: Callable[[str, str], str] = lambda name, text: text
) -> Path:
    """Write the bundled content files into ``directory``, each passed through
    ``edit(file name, text)``; return ``directory``."""
    source = resources.files("baolife_core") / "content"
    for entry in source.iterdir():
        if entry.name.endswith(".toml"):
            text = edit(entry.name, entry.read_text(encoding="utf-8"))
            (directory / entry.name).write_text(text, encoding="utf-8")
    return directory


def edited_catalog(*edits: tuple[str, str]) -> Catalog:
    """Load the bundled content with each ``(old, new)`` text edit applied once."""

    def edit(_: str, text: str) -> str:
        for old, new in edits:
            text = text.replace(old, new, 1)
        return text

    with tempfile.TemporaryDirectory() as tmp:
        return load_catalog(copy_content(Path(tmp), edit))


def edited_file(file: str, *edits: tuple[str, str]) -> Catalog:
    """The bundled content with each ``(old, new)`` applied once to ``file`` only;
    an edit that does not apply fails the test (content moved under it)."""

    def edit(name: str, text: str) -> str:
        if name != file:
            return text
        for old, new in edits:
            assert old in text, f"{old!r} is not in {file}"
            text = text.replace(old, new, 1)
        return text

    with tempfile.TemporaryDirectory() as tmp:
        return load_catalog(copy_content(Path(tmp), edit))


def forgets_the_claim(
    state: PlayerState, command: Command, catalog: Catalog
) -> Outcome:
    """A broken daily reward: it forgets the last claim, so it pays every time
    (a ``claim_daily_reward`` handler tests install in the engine's ``_HANDLERS``)."""
    assert isinstance(command, ClaimDailyReward)
    retention = evolve(state.retention, login=LoginStreak())
    return claim_daily_reward(evolve(state, retention=retention), command, catalog)


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
    edits = {
        "life.toml": (r"(?m)^daily_ppm = \d+$", f"daily_ppm = {daily_ppm}", daily_ppm),
        "life_events.toml": (
            r"(?m)^daily_chance_ppm = \d+$",
            f"daily_chance_ppm = {story_chance_ppm}",
            story_chance_ppm,
        ),
    }

    def edit(name: str, text: str) -> str:
        pattern, replacement, value = edits.get(name, ("", "", None))
        if value is None:
            return text
        text, count = re.subn(pattern, replacement, text)
        assert count > 0, f"{name}: nothing matched {pattern}"
        return text

    with tempfile.TemporaryDirectory() as tmp:
        return load_catalog(copy_content(Path(tmp), edit))


#: Nobody dies and no storylet happens: ageing and activities alone.
IMMORTAL = life_catalog(daily_ppm=0, story_chance_ppm=0)
#: Everybody dies on their first game day; no storylet happens.
DOOMED = life_catalog(daily_ppm=1_000_000, story_chance_ppm=0)
