"""Play a short life with the core as a library: no server, no database.

Run it with ``uv run python examples/simulate.py``. It creates a player, buys energy
refills, lets game time pass, then replays the journal and checks that replay gives
the live state, which is how the server, the tests and offline sync all agree.
"""

from __future__ import annotations

import json

from baolife_core import (
    NewPlayer,
    PurchaseEnergyRefill,
    client_view,
    load_catalog,
    replay,
    start,
    state_hash,
    step,
    to_wire,
)

MINUTE = 60_000


def main() -> None:
    catalog = load_catalog()
    genesis = NewPlayer(at=1_798_761_600_000, seed=7)  # 2027-01-01T00:00:00Z
    state = start(genesis, catalog).state
    journal = [genesis]
    print(f"new player: {state.wallet.diamonds} diamonds")

    purchases = [(1, "overcharge", "k1"), (2, "full", "k2"), (3, "gold", "k3")]
    for minutes, tier, key in purchases:
        command = PurchaseEnergyRefill(
            at=genesis.at + minutes * MINUTE, refill_type=tier, idempotency_key=key
        )
        outcome = step(state, command, catalog)
        print(json.dumps(to_wire(command)), "->", json.dumps(to_wire(outcome.reply)))
        state = outcome.state
        journal.append(command)

    view = client_view(state, genesis.at + 24 * 60 * MINUTE, catalog)
    print(f"a real day later (game day {view['clock']['game_day']}):", view["account"])

    replayed = replay(journal, catalog)
    assert replayed == state, "replay must give the live state"
    print("replay hash:", state_hash(replayed))


if __name__ == "__main__":
    main()
