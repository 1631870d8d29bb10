"""``docs/protocol.md`` names every message and error code the code defines."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import attrs
import pytest

from baolife_core import (
    COMMAND_TYPES,
    REJECTION_CODES,
    REPLY_TYPES,
    Rejection,
    wire_name,
)
from baolife_core.queries import QUERIES
from baolife_transport_ws import frames, session

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
    | {"time_update", "sync_offline", "sync_result"}
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


def _sections(doc: str) -> dict[str, str]:
    """Each ``###`` section of ``doc``, by every message name its heading quotes."""
    sections: dict[str, str] = {}
    for part in re.split(r"^### ", doc, flags=re.MULTILINE)[1:]:
        section = part.partition("\n## ")[0]  # ends at the next chapter too
        for name in re.findall(r"`([a-z_]+)`", part.partition("\n")[0]):
            sections.setdefault(name, section)
    return sections


def _wire_fields(cls: type) -> list[str]:
    """The fields of a message class and of the records it nests (entries)."""
    names = []
    for field in attrs.fields(cls):
        names.append(field.name)
        nested = [typing.get_type_hints(cls)[field.name]]
        while nested:
            hint = nested.pop()
            if attrs.has(hint):
                names.extend(_wire_fields(hint))
            nested.extend(typing.get_args(hint))
    return names


SECTIONS = _sections(PROTOCOL)
#: (message, field) for every field a command or a reply carries on the wire;
#: ``at`` is the server's stamp (the envelope section documents it).
FIELDS = sorted(
    {
        (wire_name(cls), field)
        for cls in (*COMMAND_TYPES, *REPLY_TYPES)
        if cls is not Rejection
        for field in _wire_fields(cls)
        if field != "at"
    }
)


class TestProtocolFields:
    """Every message has a section, and every field it carries is named there."""

    @pytest.mark.parametrize("name", sorted(session._KNOWN_TYPES))
    def test_every_routed_type_has_a_section(self, name: str) -> None:
        """Each type the session routes heads a ``###`` section of its own."""
        assert name in SECTIONS

    @pytest.mark.parametrize(("message", "field"), FIELDS)
    def test_every_field_is_named_in_its_section(
        self, message: str, field: str
    ) -> None:
        """A field appears quoted (JSON), in backticks, or as ``.field`` of a list."""
        assert re.search(rf'[`".]{field}[`"]', SECTIONS[message]), (message, field)

    @pytest.mark.parametrize("field", [f.name for f in attrs.fields(Rejection)])
    def test_every_error_field_is_named(self, field: str) -> None:
        """``code``, ``message`` and ``retry_after_ms`` are in the errors chapter."""
        errors = PROTOCOL.partition("\n## Errors\n")[2].partition("\n## ")[0]
        assert f"`{field}`" in errors or f'"{field}"' in errors
