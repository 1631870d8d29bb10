"""What ``GameClient`` users handle: its errors, its limits, and ``Action``, the
handle ``act`` returns (split from ``client`` to keep each module readable).

The offline limits are the core's (``baolife_core.offline``), so the client and
the server can never disagree on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import attrs

from baolife_core import (
    COMMAND_TYPES,
    SERVER_COMMANDS,
    BaolifeError,
    offline,
    wire_name,
)

from .frames import BAD_REQUEST, PURGED_REASON, REVOKED_REASON, UNAUTHENTICATED

__all__ = [
    "CLIENT_COMMANDS",
    "FINAL_CLOSE_REASONS",
    "FINAL_HELLO_CODES",
    "KEYED_COMMANDS",
    "MAX_OFFLINE_ACTIONS",
    "MAX_OFFLINE_AGE_MS",
    "MAX_SYNC_FRAME_BYTES",
    "ONLINE_ONLY",
    "Action",
    "ClientClosedError",
    "ClientError",
    "ConnectionLostError",
    "NotAllowedOfflineError",
    "OfflineQueueFullError",
    "SessionEndedError",
]

#: The game commands ``act`` accepts: every command but the server's own.
CLIENT_COMMANDS = frozenset(
    wire_name(cls) for cls in COMMAND_TYPES if cls not in SERVER_COMMANDS
)
#: Commands that carry an ``idempotency_key`` (PROTOCOL.md: a repeat changes nothing).
KEYED_COMMANDS = frozenset(
    wire_name(cls)
    for cls in COMMAND_TYPES
    if cls not in SERVER_COMMANDS and "idempotency_key" in attrs.fields_dict(cls)
)
#: Store purchases are refused by ``sync_offline``; ``act`` refuses them offline.
ONLINE_ONLY = frozenset(wire_name(cls) for cls in offline.ONLINE_ONLY)
#: PROTOCOL.md "Offline sync": at most this many actions queued.
MAX_OFFLINE_ACTIONS = offline.MAX_OFFLINE_ACTIONS
#: PROTOCOL.md "Offline sync": none older than 7 days.
MAX_OFFLINE_AGE_MS = offline.OFFLINE_WINDOW_MS
#: The largest ``sync_offline`` frame sent: under the server's 64 KiB frame limit.
MAX_SYNC_FRAME_BYTES = 60_000
#: The close reasons (code 1000) after which the session cannot resume.
FINAL_CLOSE_REASONS = frozenset({REVOKED_REASON, PURGED_REASON})
#: ``hello`` error codes that end the client (retrying cannot help).
FINAL_HELLO_CODES = frozenset({UNAUTHENTICATED, BAD_REQUEST})


class ClientError(BaolifeError):
    """A request or the client itself cannot go on."""


class ConnectionLostError(ClientError):
    """The connection dropped before the reply: the request's outcome is unknown."""


class ClientClosedError(ClientError):
    """``close()`` was called: nothing more is sent."""


class SessionEndedError(ClientError):
    """The server ended the session for good (revoked, deleted, refused hello)."""

    def __init__(self, code: str | int, message: str) -> None:
        self.code = code  # the hello's error code, or the close code (1000)
        self.message = message  # e.g. "session revoked"
        super().__init__(f"{code}: {message}")


class OfflineQueueFullError(ClientError):
    """``MAX_OFFLINE_ACTIONS`` actions already wait for the connection."""


class NotAllowedOfflineError(ClientError):
    """The command may only be sent live (a store purchase)."""


@attrs.define(eq=False)
class Action:
    """A game command given to ``act``: await it for the server's answer.

    The answer is the command's reply or an ``error`` dict, as live; awaiting
    raises ``ConnectionLostError`` or ``ClientError`` when it has none.
    """

    type: str  # the command's wire name
    fields: dict[str, Any]  # as sent, without ``type``, ``rid`` and ``at``
    at: int  # the client's clock when ``act`` was called, ms
    seq: int  # order of the ``act`` calls of this client
    future: asyncio.Future[dict[str, Any]]  # the answer
    offline: bool = False  # it went through the offline queue

    @property
    def key(self) -> str | None:
        """The ``idempotency_key``, if the command has one."""
        key = self.fields.get("idempotency_key")
        return key if isinstance(key, str) else None

    def done(self) -> bool:
        """True once the answer (or a failure) is known."""
        return self.future.done()

    def __await__(self) -> Generator[Any, None, dict[str, Any]]:
        return self.future.__await__()

    def _offline_frame(self) -> dict[str, Any]:
        return {"type": self.type, "at": self.at, **self.fields}
