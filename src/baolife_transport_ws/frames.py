"""Frames: the request envelope, error codes and the messages the transport builds.

A client frame is one UTF-8 JSON object ``{"type": ..., "rid": ..., ...fields}``
(PROTOCOL.md "Envelope"). This module turns raw frame data into a ``Request`` or a
``RequestError`` carrying the stable error code; it knows nothing of sessions or of
the service.

Rules of this module:

- Checks run in a fixed order: binary frame, JSON syntax, JSON object, ``rid``,
  ``type``. ``rid`` is checked before ``type`` so that an error about ``type``
  still carries the client's ``rid`` back.
- ``rid`` is optional; when present it must be a string of at most 128 characters
  that UTF-8 can encode (it is echoed back in a text frame; a lone surrogate,
  which JSON can escape, cannot be).
  Every reply to a request carries it back unchanged.
- Error messages are short human text for developers; clients switch on ``code``.
  They never contain a traceback, a token or a device id.
"""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

from baolife_core import BaolifeError, WireError
from baolife_core.replies import NOT_FOUND
from baolife_core.wire import BAD_REQUEST, UNKNOWN_TYPE

__all__ = [
    "BAD_REQUEST",
    "CONFLICT",
    "INTERNAL",
    "MAX_RID_CHARS",
    "NOT_FOUND",
    "PURGED_REASON",
    "REVOKED_REASON",
    "UNAUTHENTICATED",
    "UNKNOWN_TYPE",
    "FrameError",
    "Request",
    "RequestError",
    "error_message",
    "parse_frame",
]

#: No ``hello`` yet, or a forged, expired or revoked session token.
UNAUTHENTICATED = "unauthenticated"
#: The command kept losing write races for its player; safe to retry.
CONFLICT = "conflict"
#: An unexpected server fault; the reply carries an ``error_id`` found in the logs.
INTERNAL = "internal"

#: Why the server closes a player's connections (close code 1000) when a
#: deletion request revoked the session, and when the purge deleted the account:
#: the session cannot resume after either.
REVOKED_REASON = "session revoked"
PURGED_REASON = "account deleted"

#: The longest ``rid`` a client may send.
MAX_RID_CHARS = 128


class RequestError(BaolifeError):
    """A request is refused with a stable protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")

    @classmethod
    def from_wire(cls, error: WireError) -> RequestError:
        """The same code and message as a core ``WireError``."""
        return cls(error.code, error.message)


@frozen
class Request:
    """One decoded client frame."""

    type: str  # the message type, e.g. ``hello`` or ``purchase_energy_refill``
    rid: str | None  # the client's request id, echoed in the reply
    body: dict[str, Any]  # the whole JSON object, ``type`` and ``rid`` included


class FrameError(RequestError):
    """A frame is not a valid request envelope; ``rid`` is set if it was readable."""

    def __init__(self, code: str, message: str, rid: str | None = None) -> None:
        super().__init__(code, message)
        self.rid = rid


def parse_frame(data: str | bytes) -> Request:
    """Decode one frame into a ``Request``, or raise ``FrameError``."""
    if not isinstance(data, str):
        raise FrameError(BAD_REQUEST, "binary frames are not accepted; send JSON text")
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):  # bad syntax, or nested too deeply
        raise FrameError(BAD_REQUEST, "frame is not valid JSON") from None
    if not isinstance(body, dict):
        raise FrameError(BAD_REQUEST, f"expected a JSON object, got {_json_kind(body)}")
    rid = body.get("rid")
    if "rid" in body and not _valid_rid(rid):
        raise FrameError(
            BAD_REQUEST,
            f"'rid' must be a string of at most {MAX_RID_CHARS} chars, valid as UTF-8",
        )
    kind = body.get("type")
    if not isinstance(kind, str):
        raise FrameError(BAD_REQUEST, "'type' is required and must be a string", rid)
    return Request(type=kind, rid=rid, body=body)


def _valid_rid(rid: object) -> bool:
    """A string short enough to echo, that UTF-8 can encode (JSON's ``\\ud800``
    escape decodes to a lone surrogate, which no text frame can carry)."""
    if not isinstance(rid, str) or len(rid) > MAX_RID_CHARS:
        return False
    try:
        rid.encode()
    except UnicodeEncodeError:
        return False
    return True


def error_message(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """PROTOCOL.md's ``error`` message (``rid`` is added by the caller)."""
    return {"type": "error", "code": code, "message": message, **extra}


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
