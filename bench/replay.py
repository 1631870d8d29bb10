"""Replay speed: commands/s through ``replay`` versus a bare frozen-attrs loop.

Run: ``uv run python bench/replay.py [--commands N] [--repeat R]``.

The baseline does, per command, only the immutable bookkeeping any command needs —
``evolve`` of the wallet, the energy meter, the clock and ``seq`` — on the same
frozen classes, with no game logic. The figure replays a generated journal of
accepted energy purchases (a bench content pack raises the energy caps so that
every purchase succeeds) plus one rejected command in eight. Best of R runs.
"""

from __future__ import annotations

import argparse
import time

from attrs import evolve
from bench_content import bench_catalog

from baolife_core import (
    Command,
    NewPlayer,
    PlayerState,
    PurchaseEnergyRefill,
    replay,
    start,
)

TARGET = 0.25


def journal(count: int) -> list[NewPlayer | Command]:
    genesis = NewPlayer(at=1_798_761_600_000, seed=1)
    records: list[NewPlayer | Command] = [genesis]
    for n in range(count):
        tier = "full" if n % 8 == 7 else "overcharge"  # full: rejected (energy_full)
        records.append(
            PurchaseEnergyRefill(
                at=genesis.at + n * 1000, refill_type=tier, idempotency_key=f"k{n}"
            )
        )
    return records


def baseline(state: PlayerState, count: int) -> PlayerState:
    at = state.clock.now_at
    for _ in range(count):
        at += 1000
        state = evolve(
            state,
            seq=state.seq + 1,
            clock=evolve(state.clock, now_at=at),
            wallet=evolve(state.wallet, diamonds=state.wallet.diamonds - 50),
            energy=evolve(state.energy, amount=state.energy.amount + 1),
        )
    return state


def best_of(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    catalog = bench_catalog()
    records = journal(args.commands)
    initial = start(records[0], catalog).state  # type: ignore[arg-type]

    final = replay(records, catalog)
    assert final.seq == args.commands - args.commands // 8, "every overcharge succeeds"
    replay_s = best_of(args.repeat, lambda: replay(records, catalog))
    base_s = best_of(args.repeat, lambda: baseline(initial, args.commands))

    figure, base = args.commands / replay_s, args.commands / base_s
    print(f"{'measure':<32}{'commands/s':>14}")
    print(f"{'replay (engine)':<32}{figure:>14,.0f}")
    print(f"{'bare frozen-attrs evolve loop':<32}{base:>14,.0f}")
    ratio = figure / base
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio {ratio:.2f}x ({verdict} the {TARGET}x target)")


if __name__ == "__main__":
    main()
