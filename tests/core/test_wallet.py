"""Tests of ``baolife_core.economy.wallet``: each change is one ledger entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.economy.wallet import credit, debit, new_wallet
from baolife_core.events import DiamondsCredited, DiamondsSpent
from baolife_core.state import Wallet

TX = "00000000-0000-5000-8000-000000000000"


def funded(diamonds: int) -> Wallet:
    """A wallet credited once with ``diamonds``."""
    wallet, _ = credit(
        new_wallet(),
        at=0,
        amount=diamonds,
        reason="starting_grant",
        reference="new_player",
        transaction_id=TX,
    )
    return wallet


class TestNewWallet:
    """A new wallet is empty."""

    def test_is_empty(self) -> None:
        """No diamonds, no totals, no entries."""
        assert Wallet(diamonds=0, earned=0, spent=0, entries=0) == new_wallet()


class TestCredit:
    """``credit`` adds diamonds and returns exactly one ledger event."""

    def test_adds_and_ledgers(self) -> None:
        """The balance, the earned total and the entry count all move."""
        wallet, event = credit(
            Wallet(diamonds=5, earned=10, spent=5, entries=2),
            at=123,
            amount=15,
            reason="daily_reward",
            reference="day_3",
            transaction_id=TX,
        )
        assert Wallet(diamonds=20, earned=25, spent=5, entries=3) == wallet
        expected = DiamondsCredited(
            at=123,
            amount=15,
            reason="daily_reward",
            reference="day_3",
            balance_after=20,
            transaction_id=TX,
        )
        assert expected == event

    def test_delta_is_positive(self) -> None:
        """A credit's signed delta is its amount."""
        _, event = credit(
            new_wallet(), at=0, amount=7, reason="r", reference="x", transaction_id=TX
        )
        assert event.delta == 7

    @pytest.mark.parametrize("amount", [0, -1, -1000])
    def test_rejects_non_positive_amounts(self, amount: int) -> None:
        """Crediting zero or a negative amount is a programming error."""
        with pytest.raises(ValueError, match="credit amount must be positive"):
            credit(
                new_wallet(),
                at=0,
                amount=amount,
                reason="r",
                reference="x",
                transaction_id=TX,
            )


class TestDebit:
    """``debit`` takes diamonds and returns exactly one ledger event."""

    def test_takes_and_ledgers(self) -> None:
        """The balance drops, the spent total and the entry count grow."""
        wallet, event = debit(
            funded(1000),
            at=99,
            amount=35,
            reason="energy_refill",
            reference="full",
            transaction_id=TX,
        )
        assert Wallet(diamonds=965, earned=1000, spent=35, entries=2) == wallet
        expected = DiamondsSpent(
            at=99,
            amount=35,
            reason="energy_refill",
            reference="full",
            balance_after=965,
            transaction_id=TX,
        )
        assert expected == event

    def test_delta_is_negative(self) -> None:
        """A debit's signed delta is minus its amount."""
        _, event = debit(
            funded(10), at=0, amount=7, reason="r", reference="x", transaction_id=TX
        )
        assert event.delta == -7

    def test_may_empty_the_wallet(self) -> None:
        """Spending the whole balance leaves exactly zero."""
        wallet, event = debit(
            funded(35), at=0, amount=35, reason="r", reference="x", transaction_id=TX
        )
        assert (wallet.diamonds, event.balance_after) == (0, 0)

    @pytest.mark.parametrize(("balance", "amount"), [(0, 1), (34, 35), (1000, 1001)])
    def test_rejects_debit_beyond_balance(self, balance: int, amount: int) -> None:
        """The balance never goes negative."""
        wallet = funded(balance) if balance else new_wallet()
        with pytest.raises(ValueError, match="exceeds the balance"):
            debit(
                wallet,
                at=0,
                amount=amount,
                reason="r",
                reference="x",
                transaction_id=TX,
            )

    @pytest.mark.parametrize("amount", [0, -1, -1000])
    def test_rejects_non_positive_amounts(self, amount: int) -> None:
        """Debiting zero or a negative amount is a programming error."""
        with pytest.raises(ValueError, match="debit amount must be positive"):
            debit(
                funded(100),
                at=0,
                amount=amount,
                reason="r",
                reference="x",
                transaction_id=TX,
            )


class TestLedgerInvariants:
    """The wallet always agrees with the ledger it wrote."""

    @given(
        st.lists(
            st.tuples(st.booleans(), st.integers(min_value=1, max_value=500)),
            max_size=40,
        )
    )
    def test_balance_is_earned_minus_spent_and_sum_of_ledger(
        self, moves: list[tuple[bool, int]]
    ) -> None:
        """After any credits and affordable debits the totals and ledger agree."""
        wallet = new_wallet()
        ledger: list[DiamondsCredited | DiamondsSpent] = []
        for is_credit, amount in moves:
            event: DiamondsCredited | DiamondsSpent
            if is_credit:
                wallet, event = credit(
                    wallet,
                    at=0,
                    amount=amount,
                    reason="r",
                    reference="x",
                    transaction_id=TX,
                )
            elif amount <= wallet.diamonds:
                wallet, event = debit(
                    wallet,
                    at=0,
                    amount=amount,
                    reason="r",
                    reference="x",
                    transaction_id=TX,
                )
            else:
                continue
            ledger.append(event)
            assert wallet.diamonds == event.balance_after
            assert wallet.diamonds >= 0
        assert wallet.diamonds == wallet.earned - wallet.spent
        assert wallet.diamonds == sum(event.delta for event in ledger)
        assert len(ledger) == wallet.entries
