"""The token-bucket rate limits: the pure policy and the service's use of it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    EnergyUpdated,
    GameService,
    InMemoryStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    Rejection,
    load_catalog,
)
from baolife_core.rate_limits import UNIT, Bucket, Limit, admit, full_bucket

CATALOG = load_catalog()
TEN = Limit(id="ten", messages=("purchase_energy_refill",), per_minute=10)
CAP = 60_000
AT = 1_800_000_000_000


def burst(limit: Limit, n: int, at: int = AT) -> tuple[Bucket, list[int | None]]:
    """``n`` requests at one instant: the bucket and each decision."""
    bucket = full_bucket(limit, at)
    waits = []
    for _ in range(n):
        bucket, wait = admit(bucket, at, limit, CAP)
        waits.append(wait)
    return bucket, waits


class TestAdmit:
    """``admit``: a burst, a steady refill, exponential back-off."""

    def test_a_full_bucket_admits_a_burst_of_per_minute(self) -> None:
        """Ten at once pass; the eleventh waits for the next token (6 s)."""
        _, waits = burst(TEN, 11)
        assert [None] * 10 + [6_000] == waits

    def test_back_off_doubles_while_the_client_pushes(self) -> None:
        """Each further refusal in a row doubles the wait, up to the cap."""
        _, waits = burst(TEN, 20)
        assert [6_000, 12_000, 24_000, 48_000, 60_000, 60_000] == waits[10:16]

    def test_tokens_refill_continuously(self) -> None:
        """After an empty burst, one token is back 6 s later, not before."""
        bucket, _ = burst(TEN, 10)
        early, wait = admit(bucket, AT + 5_999, TEN, CAP)
        assert 1 == wait
        _, wait = admit(bucket, AT + 6_000, TEN, CAP)
        assert wait is None
        assert early.strikes == 1

    def test_an_admitted_request_clears_the_strikes(self) -> None:
        """Back-off ends once a request gets through."""
        bucket, _ = burst(TEN, 13)
        assert 3 == bucket.strikes
        bucket, wait = admit(bucket, AT + 60_000, TEN, CAP)
        assert wait is None
        assert 0 == bucket.strikes

    def test_the_bucket_never_overfills(self) -> None:
        """A long pause refills to the burst size, no more."""
        bucket, _ = burst(TEN, 10)
        bucket, _ = admit(bucket, AT + 10**9, TEN, CAP)
        assert 9 * UNIT == bucket.units

    def test_time_running_backwards_refills_nothing(self) -> None:
        """An earlier instant neither refills nor moves the bucket's clock back."""
        bucket, _ = burst(TEN, 10)
        after, wait = admit(bucket, AT - 60_000, TEN, CAP)
        assert wait is not None
        assert AT == after.updated_at

    @given(
        gaps=st.lists(st.integers(min_value=0, max_value=20_000), max_size=200),
        per_minute=st.integers(min_value=1, max_value=600),
    )
    def test_never_more_than_the_rate_allows(
        self, gaps: list[int], per_minute: int
    ) -> None:
        """Over any window, admitted requests <= burst + rate * window."""
        limit = Limit(id="x", messages=("*",), per_minute=per_minute)
        bucket = full_bucket(limit, AT)
        at, admitted = AT, 0
        for gap in gaps:
            at += gap
            bucket, wait = admit(bucket, at, limit, CAP)
            admitted += wait is None
            assert 0 <= bucket.units <= per_minute * UNIT
            if wait is not None:
                assert 1 <= wait <= CAP
        assert admitted <= per_minute + per_minute * (at - AT) // 60_000


class TestContent:
    """The bundled limits are the seed's."""

    @pytest.mark.parametrize(
        ("limit_id", "message", "per_minute"),
        [
            ("energy_purchases", "purchase_energy_refill", 10),
            ("time_skips", "purchase_time_skip", 5),
            ("flood", "do_activity", 120),
        ],
    )
    def test_numbers(self, limit_id: str, message: str, per_minute: int) -> None:
        """10 energy purchases and 5 time skips a minute; 120 commands in all."""
        limits = {limit.id: limit for limit in CATALOG.rate_limits.limits}
        assert per_minute == limits[limit_id].per_minute
        assert limits[limit_id].counts(message)


class TestService:
    """``GameService.execute`` refuses over-limit commands and changes nothing."""

    def setup_method(self) -> None:
        self.store = InMemoryStore()
        self.service = GameService(self.store, CATALOG)
        self.service.login_device("d", new_player_id="p", seed=1, at=AT)

    def refill(self, n: int, at: int = AT) -> object:
        """A ``small`` refill with key ``n``; the reply."""
        command = PurchaseEnergyRefill(
            at=at, refill_type="small", idempotency_key=f"k{n}"
        )
        return self.service.execute("p", command).reply

    def test_the_eleventh_purchase_in_a_minute_is_rate_limited(self) -> None:
        """Ten refills are answered (bought or refused on energy); the next waits."""
        replies = [self.refill(n) for n in range(11)]
        assert all(
            not (isinstance(r, Rejection) and r.code == "rate_limited")
            for r in replies[:10]
        )
        last = replies[10]
        assert isinstance(last, Rejection)
        assert ("rate_limited", 6_000) == (last.code, last.retry_after_ms)

    def test_a_limited_command_changes_nothing(self) -> None:
        """The state and the journal stay as they were."""
        for n in range(10):
            self.refill(n)
        before = self.store.load("p")
        journal = list(self.store.journal("p"))
        self.refill(99)
        assert before == self.store.load("p")
        assert journal == list(self.store.journal("p"))

    def test_a_processed_key_still_gets_its_first_reply(self) -> None:
        """Throttled or not, a retried key answers its first reply."""
        skip = PurchaseTimeSkip(at=AT, skip_type="one_hour", idempotency_key="s0")
        first = self.service.execute("p", skip).reply
        for n in range(1, 6):
            self.service.execute(
                "p",
                PurchaseTimeSkip(at=AT, skip_type="one_hour", idempotency_key=f"s{n}"),
            )
        again = self.service.execute("p", skip)
        assert first == again.reply
        assert again.duplicate

    def test_limits_are_per_player(self) -> None:
        """Another player's purchases are not slowed by this one's."""
        for n in range(11):
            self.refill(n)
        self.service.login_device("d2", new_player_id="q", seed=2, at=AT)
        command = PurchaseEnergyRefill(
            at=AT, refill_type="overcharge", idempotency_key="q"
        )
        assert isinstance(self.service.execute("q", command).reply, EnergyUpdated)
