"""The diamond wallet: every change is exactly one ledger event.

Rules of this module (DESIGN.md "economy invariants"):

- ``credit`` and ``debit`` are the only ways the balance changes; each returns the new
  wallet and the one ledger event recording the change with the balance after it.
- The balance never goes negative: ``debit`` is only called after the handler has
  checked the price (a failed check is a ``Rejection``, not an exception).
- ``wallet.diamonds == wallet.earned - wallet.spent`` always.
"""

from __future__ import annotations

from attrs import evolve

from ..events import DiamondsCredited, DiamondsSpent
from ..state import Wallet

__all__ = ["credit", "debit", "new_wallet", "repay_debt"]


def new_wallet() -> Wallet:
    """An empty wallet."""
    return Wallet(diamonds=0, earned=0, spent=0, entries=0)


def credit(
    wallet: Wallet,
    *,
    at: int,
    amount: int,
    reason: str,
    reference: str,
    transaction_id: str,
) -> tuple[Wallet, DiamondsCredited]:
    """Add ``amount`` (> 0) diamonds; return the wallet and its ledger event."""
    if amount <= 0:
        raise ValueError(f"credit amount must be positive, got {amount}")
    after = evolve(
        wallet,
        diamonds=wallet.diamonds + amount,
        earned=wallet.earned + amount,
        entries=wallet.entries + 1,
    )
    event = DiamondsCredited(
        at=at,
        amount=amount,
        reason=reason,
        reference=reference,
        balance_after=after.diamonds,
        transaction_id=transaction_id,
    )
    return after, event


def debit(
    wallet: Wallet,
    *,
    at: int,
    amount: int,
    reason: str,
    reference: str,
    transaction_id: str,
) -> tuple[Wallet, DiamondsSpent]:
    """Take ``amount`` (> 0, at most the balance) diamonds; return wallet and event."""
    if amount <= 0:
        raise ValueError(f"debit amount must be positive, got {amount}")
    if amount > wallet.diamonds:
        raise ValueError(f"debit of {amount} exceeds the balance {wallet.diamonds}")
    after = evolve(
        wallet,
        diamonds=wallet.diamonds - amount,
        spent=wallet.spent + amount,
        entries=wallet.entries + 1,
    )
    event = DiamondsSpent(
        at=at,
        amount=amount,
        reason=reason,
        reference=reference,
        balance_after=after.diamonds,
        transaction_id=transaction_id,
    )
    return after, event


def repay_debt(
    wallet: Wallet, *, at: int, transaction_id: str
) -> tuple[Wallet, tuple[DiamondsSpent, ...]]:
    """Repay what a refund left owed from the balance, as far as it goes.

    The refund policy (docs/economy.md): a refund takes back what the balance
    covers; the rest is a debt repaid at the end of every later command.
    """
    amount = min(wallet.debt, wallet.diamonds)
    if amount == 0:
        return wallet, ()
    wallet, spent = debit(
        wallet,
        at=at,
        amount=amount,
        reason="refund_debt",
        reference="store_refund",
        transaction_id=transaction_id,
    )
    return evolve(wallet, debt=wallet.debt - amount), (spent,)
