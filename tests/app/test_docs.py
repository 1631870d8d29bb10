"""``docs/protocol.md`` names every message and error code the code defines."""

from __future__ import annotations

from pathlib import Path

import pytest

from baolife_core import (
    COMMAND_TYPES,
    REJECTION_CODES,
    REPLY_TYPES,
    Rejection,
    wire_name,
)
from baolife_core.queries import QUERIES
from baolife_transport_ws import frames

PROTOCOL = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(
    encoding="utf-8"
)
TRANSPORT_CODES = {
    frames.BAD_REQUEST,
    frames.UNKNOWN_TYPE,
    frames.UNAUTHENTICATED,
    frames.NOT_FOUND,
    frames.CONFLICT,
    frames.INTERNAL,
}
MESSAGES = sorted(
    {wire_name(c) for c in COMMAND_TYPES}
    | {wire_name(r) for r in REPLY_TYPES if r is not Rejection}
    | {"hello", "welcome", "get_state", "state", "ping", "pong", "batch", "error"}
    | {"event_prompt", "achievement_unlocked", "quest_progress", "match_made"}
    | set(QUERIES)
)


class TestProtocolDoc:
    """The protocol reference cannot silently drift from the code."""

    @pytest.mark.parametrize("name", MESSAGES)
    def test_every_message_is_documented(self, name: str) -> None:
        """Each message type appears as a quoted wire name."""
        assert f'"type": "{name}"' in PROTOCOL

    @pytest.mark.parametrize("code", sorted(REJECTION_CODES | TRANSPORT_CODES))
    def test_every_error_code_is_documented(self, code: str) -> None:
        """Each error code has a row in the errors table."""
        assert f"| `{code}` |" in PROTOCOL
