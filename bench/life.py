"""A whole life replayed: wall time and commands/s, against the one-second target.

Run: ``uv run python bench/life.py [--seed N] [--bot-seed N] [--every-minutes M]
[--repeat R]``.

The seeded reference bot (``baolife_core.testing``) plays one character from birth
to death as a busy player at the default pace (one game day every 24 real
minutes), ``--every-minutes`` real minutes passing after each of its commands (20
by default): it answers questions with random choices, does the activities its
age, energy, cash and the daily caps allow, buys refills when energy runs low and
now and then a time skip, and sometimes waits. The journal is generated once, then
replayed ``--repeat`` times; the best replay is reported beside the baseline of the
same run: replaying the same number of commands with no game days crossed (the
engine's per-command cost alone), and the ratio of the two shows what living the
days costs.
"""

from __future__ import annotations

import argparse
import time

from baolife_core import (
    Command,
    NewPlayer,
    advance,
    load_catalog,
    replay,
)
from baolife_core.catalog import Catalog
from baolife_core.testing import Pace, play_life

TARGET_S = 1.0
MINUTE = 60_000


def play_a_life(
    catalog: Catalog, seed: int, bot_seed: int, every_ms: int
) -> tuple[list[NewPlayer | Command], int]:
    """The journal of one bot life, and the instant its character is dead by."""
    life = play_life(
        catalog, seed=seed, bot_seed=bot_seed, pace=Pace(command_ms=every_ms)
    )
    assert not life.rejections, life.rejections[:3]
    assert life.died, life.ended
    return list(life.journal), life.end_at


def timed(repeat: int, journal: list[NewPlayer | Command], catalog: Catalog) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        replay(journal, catalog)
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bot-seed", type=int, default=1)
    parser.add_argument("--every-minutes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    catalog = load_catalog()
    journal, end = play_a_life(
        catalog, args.seed, args.bot_seed, args.every_minutes * MINUTE
    )
    final = advance(replay(journal, catalog), end, catalog)
    assert final.character is not None
    assert final.character.death is not None
    commands = len(journal) - 1
    # Baseline: the same commands squeezed into one game day (no days crossed).
    squeezed = [journal[0]] + [
        _at(command, journal[0].at + i) for i, command in enumerate(journal[1:], 1)
    ]
    life_s = timed(args.repeat, journal, catalog)
    base_s = timed(args.repeat, squeezed, catalog)
    death = final.character.death
    print(
        f"life: {commands} commands, {final.clock.day} game days, died at "
        f"{death.age} ({death.cause}), {len(final.album)} photos"
    )
    print(f"{'measure':<44}{'wall s':>9}{'commands/s':>14}")
    print(f"{'whole life replayed':<44}{life_s:>9.3f}{commands / life_s:>14,.0f}")
    label = "same commands, no game days crossed"
    print(f"{label:<44}{base_s:>9.3f}{commands / base_s:>14,.0f}")
    print(
        f"ratio {base_s / life_s:.2f}x of the no-days baseline; "
        f"{'meets' if life_s < TARGET_S else 'misses'} the {TARGET_S:.0f} s target"
    )


def _at(command: NewPlayer | Command, at: int) -> Command:
    from attrs import evolve

    return evolve(command, at=at)  # type: ignore[return-value]


if __name__ == "__main__":
    main()
