"""Add a custom life event to your content and test it with ``baolife_core.testing``.

Run it with ``uv run python examples/custom_event.py`` (Hypothesis is needed: the
``testing`` extra, ``pip install 'baolife[testing]'``). It copies the bundled
content to a temporary directory, adds a storylet to ``life_events.toml`` (the
format of ``docs/content.md``), loads it, and then tests it the way a game team
would (``docs/testing.md``):

1. a property test, run programmatically: players drawn by ``players()`` at any
   point of a life never meet the busker twice (it is a ``once`` event);
2. ``GameMachine`` subclassed with that law as an invariant, on the new content;
3. the seeded reference bot plays lives until one meets the busker;
4. ``check_content``: unreachable events, invariant violations, minting loops.

It prints a short report and exits 1 if any check fails.
"""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import invariant

from baolife_core import (
    Catalog,
    Command,
    LifeEventOccurred,
    NewPlayer,
    PlayerState,
    QuestionPosed,
    load_catalog,
    replay_outcomes,
)
from baolife_core.testing import check_content, play_life
from baolife_core.testing.machine import GameMachine, run_machine
from baolife_core.testing.strategies import players

EVENT = "street_busker"
STORYLET = f"""
[[events]]
id = "{EVENT}"
title = "The street busker"
text = "A busker outside the station hands {{first_name}} a tambourine."
stages = ["teen"]
weight = 20
priority = 5
once = true

[[events.choices]]
id = "play_along"
text = "Play along."
check = {{ stat = "looks", difficulty = 40 }}
success = [{{ stat = "happiness", delta = 6 }}, {{ flag = "busker" }}]
failure = [{{ stat = "happiness", delta = -2 }}]

[[events.choices]]
id = "walk_on"
text = "Walk on."
default = true
effects = [{{ stat = "discipline", delta = 1 }}]
"""


def with_custom_event(directory: Path) -> Path:
    """Copy the bundled content into ``directory`` and add the storylet."""
    bundled = resources.files("baolife_core") / "content"
    for entry in bundled.iterdir():
        if entry.name.endswith(".toml"):
            (directory / entry.name).write_text(
                entry.read_text(encoding="utf-8"), encoding="utf-8"
            )
    events = directory / "life_events.toml"
    events.write_text(events.read_text(encoding="utf-8") + STORYLET, encoding="utf-8")
    return directory


def busker_meetings(journal: tuple[NewPlayer | Command, ...], catalog: Catalog) -> int:
    """How many times the journal's life met the busker."""
    return sum(
        isinstance(e, LifeEventOccurred | QuestionPosed) and e.event_id == EVENT
        for outcome in replay_outcomes(journal, catalog)
        for e in outcome.events
    )


def property_test(catalog: Catalog) -> str:
    """Players at any point of a life met the busker at most once."""

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(player=players(catalog))
    def met_at_most_once(
        player: tuple[PlayerState, tuple[NewPlayer | Command, ...]],
    ) -> None:
        assert busker_meetings(player[1], catalog) <= 1

    met_at_most_once()
    return "property: a drawn player meets the busker at most once: ok"


def machine_test(catalog: Catalog) -> str:
    """The invariant machine, with the busker's law added, on the new content."""

    class BuskerMachine(GameMachine):
        """GameMachine's laws, plus: the busker is met at most once a life."""

        @invariant()
        def busker_at_most_once_a_life(self) -> None:
            lives = [
                e.life
                for e in self.events
                if isinstance(e, LifeEventOccurred | QuestionPosed)
                and e.event_id == EVENT
            ]
            assert len(lives) == len(set(lives)), "busker_at_most_once_a_life"

    run_machine(BuskerMachine.on(catalog), examples=10)
    return "machine: GameMachine + busker_at_most_once_a_life, 10 examples: ok"


def bot_test(catalog: Catalog) -> str:
    """Seeded bot lives until one meets the busker."""
    for n in range(20):
        life = play_life(catalog, seed=n, bot_seed=n)
        if EVENT in life.storylets:
            return f"bot: life {n + 1} met the busker ({life.turns} turns)"
    raise AssertionError("bot: no life met the busker in 20 lives")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        directory = with_custom_event(Path(tmp))
        catalog = load_catalog(directory)
        print(f"content: {len(catalog.storylets.events)} life events, {EVENT} added")
        print(property_test(catalog))
        print(machine_test(catalog))
        print(bot_test(catalog))
        report = check_content(directory, lives=40, examples=10)
        print("check_content:")
        for line in report.lines():
            print(f"  {line}")
        reached = EVENT not in " ".join(report.unreachable)
        print(f"{EVENT}: {'reached' if reached else 'UNREACHED'}")
    return 0 if report.ok and reached else 1


if __name__ == "__main__":
    sys.exit(main())
