"""Session tokens: issue, verify, expire, refuse forgeries."""

from __future__ import annotations

import uuid

import pytest

from baolife_transport_ws import TokenError, TokenSigner
from baolife_transport_ws.auth import MAX_TOKEN_CHARS

from .support import SECRET, FakeClock

TTL = 3600


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def signer(clock: FakeClock) -> TokenSigner:
    return TokenSigner(SECRET, ttl_seconds=TTL, clock=clock)


class TestTokenSigner:
    """``issue`` and ``verify`` round-trip a player id until the TTL elapses."""

    def test_round_trip(self, signer: TokenSigner) -> None:
        """A fresh token names the player it was issued for."""
        player = str(uuid.uuid4())
        assert player == signer.verify(signer.issue(player))

    def test_valid_until_the_ttl_then_expired(
        self, signer: TokenSigner, clock: FakeClock
    ) -> None:
        """A token is good for exactly ``ttl_seconds``, then refused."""
        token = signer.issue("p1")
        clock.advance(TTL * 1000)
        assert signer.verify(token) == "p1"
        clock.advance(1000)
        with pytest.raises(TokenError):
            signer.verify(token)

    def test_token_from_the_future_is_refused(
        self, signer: TokenSigner, clock: FakeClock
    ) -> None:
        """A token stamped after "now" (clock went back) is refused."""
        token = signer.issue("p1")
        clock.advance(-5000)
        with pytest.raises(TokenError):
            signer.verify(token)

    @pytest.mark.parametrize(
        "token",
        [
            "",
            "p1",
            "p1.AAAA.BBBB",
            "x" * (MAX_TOKEN_CHARS + 1),
            "p1.é.sig",
        ],
    )
    def test_malformed_tokens_are_refused(
        self, signer: TokenSigner, token: str
    ) -> None:
        """Anything that is not a token of ours is a ``TokenError``."""
        with pytest.raises(TokenError):
            signer.verify(token)

    def test_other_secret_is_refused(self, signer: TokenSigner) -> None:
        """A token signed with another secret is refused."""
        other = TokenSigner("another-secret-0123456789", ttl_seconds=TTL)
        with pytest.raises(TokenError):
            signer.verify(other.issue("p1"))

    def test_tampered_player_is_refused(self, signer: TokenSigner) -> None:
        """Changing the player id part breaks the signature."""
        token = signer.issue("p1")
        with pytest.raises(TokenError):
            signer.verify("p2" + token[2:])
