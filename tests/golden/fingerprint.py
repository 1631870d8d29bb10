"""The golden journal's fingerprint: final state hash and a hash of every outcome."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from baolife_core import (
    load_catalog,
    record_from_wire,
    replay_outcomes,
    state_hash,
    to_wire,
)
from baolife_core.wire import canonical_json

HERE = Path(__file__).parent


def fingerprint(text: str) -> dict[str, str | int]:
    """Replay a JSON-lines journal; hash the final state and all events and replies."""
    records = [record_from_wire(json.loads(line)) for line in text.splitlines() if line]
    outcomes = list(replay_outcomes(records, load_catalog()))
    trace = [
        {
            "events": [to_wire(event) for event in outcome.events],
            "reply": None if outcome.reply is None else to_wire(outcome.reply),
        }
        for outcome in outcomes
    ]
    return {
        "records": len(records),
        "final_state_hash": state_hash(outcomes[-1].state),
        "outcomes_hash": hashlib.sha256(canonical_json(trace).encode()).hexdigest(),
    }


if __name__ == "__main__":
    # Recompute expected.json. Run only when a change of game behaviour is intended,
    # and let the diff of expected.json be reviewed in the same commit:
    #     uv run python tests/golden/fingerprint.py
    expected = fingerprint((HERE / "journal.jsonl").read_text(encoding="utf-8"))
    text = json.dumps(expected, indent=2, sort_keys=True) + "\n"
    (HERE / "expected.json").write_text(text, encoding="utf-8")
    print(text, end="")
