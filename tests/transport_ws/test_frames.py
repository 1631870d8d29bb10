"""Parsing the request envelope: JSON object, ``rid``, ``type``."""

from __future__ import annotations

from typing import Any

import pytest

from baolife_transport_ws.frames import FrameError, Request, parse_frame


class TestParseFrame:
    """``parse_frame`` accepts envelopes and names what is wrong with the rest."""

    def test_request_with_rid(self) -> None:
        """Type, rid and the whole body come back."""
        body = {"type": "ping", "rid": "r1", "extra": [1]}
        assert Request(type="ping", rid="r1", body=body) == parse_frame(
            '{"type": "ping", "rid": "r1", "extra": [1]}'
        )

    def test_rid_is_optional(self) -> None:
        """Without ``rid`` the request has none."""
        assert parse_frame('{"type": "ping"}').rid is None

    @pytest.mark.parametrize(
        ("data", "rid"),
        [
            (b'{"type": "ping"}', None),
            ("nope", None),
            ("[]", None),
            ("null", None),
            ('{"rid": 1, "type": "ping"}', None),
            ('{"rid": "r9"}', "r9"),
            ('{"rid": "r9", "type": null}', "r9"),
            ("[" * 5000 + "]" * 5000, None),
            ('{"type": "ping", "rid": "\\ud800"}', None),
            ('{"type": "ping", "rid": "a\\udfffb"}', None),
        ],
        ids=[
            "binary",
            "syntax",
            "array",
            "null",
            "rid-number",
            "no-type",
            "type-null",
            "deep",
            "rid-lone-surrogate",
            "rid-low-surrogate",
        ],
    )
    def test_bad_envelopes(self, data: Any, rid: str | None) -> None:
        """Bad envelopes are ``bad_request``, keeping a readable ``rid``."""
        with pytest.raises(FrameError) as raised:
            parse_frame(data)
        assert ("bad_request", rid) == (raised.value.code, raised.value.rid)
