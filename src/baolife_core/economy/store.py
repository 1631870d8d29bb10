"""App Store diamond packs: credit a verified purchase once, take it back on refund.

Rules of this module (issue 4 "Store purchases", docs/store.md):

- A purchase reaches the core only after a ``ReceiptVerifier`` checked its signed
  transaction; the verified fields are the command's data, so replay needs no
  verifier and no network (DESIGN.md "The core").
- ``credit_store_purchase``: the product must be in ``store.toml`` (else
  ``not_found``); a store transaction id this player already has is
  ``already_claimed`` (the service binds every id to its first player, so no other
  player's command reaches the engine with it). On success: one
  ``DiamondsCredited`` ledger entry (reason ``store_purchase``, reference the store
  transaction id), then the repayment of any refund debt (``repay_debt``), and
  ``StorePurchaseCredited``.
- ``revoke_store_purchase`` (a server-side refund or revocation): the transaction
  must have been credited (else ``not_found``) and not yet revoked (else
  ``already_claimed``). The refund policy (``wallet.repay_debt``): it debits what
  the balance covers, at most what the purchase credited (reason ``store_refund``),
  and the rest becomes ``wallet.debt``, repaid first from every later credit. The
  balance never goes negative.
- ``state.store_transactions`` holds one ``(store transaction id, diamonds
  credited)`` pair per credited transaction, sorted. The amount is kept so that a
  refund takes back what was credited, even after the content changed the product.
- Every ledger entry's id is minted from the seed and ``seq`` (DESIGN.md rule 3).
"""

from __future__ import annotations

from typing import Protocol

from attrs import evolve

from ..commands import CreditStorePurchase, RevokeStorePurchase
from ..events import DiamondsSpent, StorePurchaseCredited, StorePurchaseRevoked
from ..ids import mint_id
from ..outcome import Outcome, reject
from ..replies import (
    ALREADY_CLAIMED,
    NOT_FOUND,
    StorePurchaseResult,
    StoreRevocationResult,
)
from ..state import PlayerState
from .store_rules import Product, StoreRules, load_store
from .wallet import credit, debit, repay_debt

__all__ = [
    "Product",
    "StoreCatalog",
    "StoreRules",
    "credit_store_purchase",
    "credited_diamonds",
    "load_store",
    "revoke_store_purchase",
]


class StoreCatalog(Protocol):
    """What the store handlers read of the catalog (``Catalog.store``)."""

    @property
    def store(self) -> StoreRules:
        """The diamond packs."""
        ...


def credited_diamonds(
    entries: tuple[tuple[str, int], ...], transaction_id: str
) -> int | None:
    """What the store transaction credited, from ``store_transactions``; or None."""
    return dict(entries).get(transaction_id)


def credit_store_purchase(
    state: PlayerState, command: CreditStorePurchase, catalog: StoreCatalog
) -> Outcome:
    """Credit a verified purchase's diamonds (see the module rules)."""
    product = catalog.store.product(command.product_id)
    if product is None:
        return reject(state, NOT_FOUND, f"unknown product {command.product_id!r}")
    store_id = command.transaction_id
    if credited_diamonds(state.store_transactions, store_id) is not None:
        return reject(
            state, ALREADY_CLAIMED, f"store transaction {store_id!r} was credited"
        )
    seq = state.seq + 1
    wallet, credited = credit(
        state.wallet,
        at=command.at,
        amount=product.diamonds,
        reason="store_purchase",
        reference=store_id,
        transaction_id=mint_id(state.seed, seq, "store_purchase"),
    )
    wallet, repaid = repay_debt(
        wallet, at=command.at, transaction_id=mint_id(state.seed, seq, "refund_debt")
    )
    purchased = StorePurchaseCredited(
        at=command.at,
        product_id=product.id,
        transaction_id=store_id,
        original_transaction_id=command.original_transaction_id,
        environment=command.environment,
        diamonds=product.diamonds,
    )
    entries = sorted((*state.store_transactions, (store_id, product.diamonds)))
    return Outcome(
        state=evolve(state, seq=seq, wallet=wallet, store_transactions=tuple(entries)),
        events=(credited, purchased, *repaid),
        reply=StorePurchaseResult(
            product_id=product.id,
            transaction_id=store_id,
            diamonds_added=product.diamonds,
            diamonds=wallet.diamonds,
        ),
    )


def revoke_store_purchase(
    state: PlayerState, command: RevokeStorePurchase, catalog: StoreCatalog
) -> Outcome:
    """Take back a refunded or revoked purchase (see the module rules)."""
    store_id = command.transaction_id
    diamonds = credited_diamonds(state.store_transactions, store_id)
    if diamonds is None:
        return reject(
            state, NOT_FOUND, f"store transaction {store_id!r} was never credited"
        )
    if store_id in state.store_refunds:
        return reject(
            state, ALREADY_CLAIMED, f"store transaction {store_id!r} was revoked"
        )
    seq = state.seq + 1
    covered = min(state.wallet.diamonds, diamonds)
    wallet = state.wallet
    spent: tuple[DiamondsSpent, ...] = ()
    if covered > 0:
        wallet, taken = debit(
            wallet,
            at=command.at,
            amount=covered,
            reason="store_refund",
            reference=store_id,
            transaction_id=mint_id(state.seed, seq, "store_refund"),
        )
        spent = (taken,)
    wallet = evolve(wallet, debt=wallet.debt + diamonds - covered)
    revoked = StorePurchaseRevoked(
        at=command.at,
        transaction_id=store_id,
        reason=command.reason,
        diamonds=diamonds,
        debited=covered,
        debt_after=wallet.debt,
    )
    return Outcome(
        state=evolve(
            state,
            seq=seq,
            wallet=wallet,
            store_refunds=tuple(sorted((*state.store_refunds, store_id))),
        ),
        events=(*spent, revoked),
        reply=StoreRevocationResult(
            transaction_id=store_id, debited=covered, debt=wallet.debt
        ),
    )
