"""Session tokens: the player id, signed and timestamped with itsdangerous.

``welcome`` hands the client a token; a later ``hello`` with that token resumes the
same player without the device id (PROTOCOL.md "Session"). The token is
``<player id>.<timestamp>.<signature>`` (``TimestampSigner``, HMAC-SHA256 under a
per-purpose salt), so the server keeps no session table.

Rules of this module:

- A token names exactly one player and is valid for ``ttl_seconds`` after it was
  issued; every ``welcome`` issues a fresh one, so an active client never expires.
- Any failure (bad signature, expired, malformed, too long, issued "in the future")
  is one ``TokenError``; the transport answers ``unauthenticated`` and never says why.
- Time comes from the injected clock (wall ms), so expiry is testable without
  sleeping; itsdangerous works in whole seconds.
- A valid signature is not the end of it: ``claims`` also gives the instant the
  token was stamped, which the session compares with the account's
  ``tokens_valid_after`` (an account deletion revokes every token at once,
  without a session table).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from attrs import frozen
from itsdangerous import BadSignature, TimestampSigner

from baolife_core import BaolifeError

__all__ = ["MAX_TOKEN_CHARS", "SessionClaims", "TokenError", "TokenSigner"]

#: Longer strings are refused before any HMAC work (a real token is ~80 chars).
MAX_TOKEN_CHARS = 512

_SALT = "baolife.session.v1"


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class TokenError(BaolifeError):
    """A session token is forged, malformed or expired."""


@frozen
class SessionClaims:
    """What a verified token says."""

    player_id: str  # the player it was issued for
    issued_at: int  # ms: the start of the whole second it was stamped in


class _ClockedSigner(TimestampSigner):
    """A ``TimestampSigner`` that reads the injected clock instead of time.time()."""

    def __init__(self, secret: str, clock: Callable[[], int]) -> None:
        super().__init__(secret, salt=_SALT, digest_method=hashlib.sha256)
        self._clock = clock

    def get_timestamp(self) -> int:
        return self._clock() // 1000


class TokenSigner:
    """Issues and verifies session tokens for player ids."""

    def __init__(
        self,
        secret: str,
        *,
        ttl_seconds: int,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._signer = _ClockedSigner(secret, clock or _wall_ms)

    def issue(self, player_id: str) -> str:
        """A fresh token for ``player_id``, valid for ``ttl_seconds`` from now."""
        return self._signer.sign(player_id).decode("ascii")

    def verify(self, token: str) -> str:
        """The player id the token was issued for, or ``TokenError``."""
        return self.claims(token).player_id

    def claims(self, token: str) -> SessionClaims:
        """The player id and issue instant of a valid token, or ``TokenError``."""
        if len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise TokenError("malformed token")
        try:
            value, stamped = self._signer.unsign(
                token, max_age=self.ttl_seconds, return_timestamp=True
            )
        except BadSignature:  # also SignatureExpired and BadTimeSignature
            raise TokenError("invalid or expired token") from None
        return SessionClaims(
            player_id=value.decode("ascii"),
            issued_at=round(stamped.timestamp()) * 1000,
        )
