"""``purchase_energy_refill``: buy energy with diamonds.

Rules (DESIGN.md, issue "First feature"):

- The tier must exist in the catalog (else ``not_found``).
- The tier must be able to add energy: current energy below the tier's cap
  (``max``, or ``overfill_cap`` for an overfill tier), else ``energy_full``.
- The wallet must hold the price (else ``insufficient_diamonds``).
- On success: one ``DiamondsSpent`` ledger entry, one ``EnergyRefilled`` event, and
  the reply ``energy_updated`` with the new energy, balance and transaction id.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import PurchaseEnergyRefill
from ..events import EnergyRefilled
from ..ids import mint_id
from ..outcome import Outcome, reject
from ..replies import ENERGY_FULL, INSUFFICIENT_DIAMONDS, NOT_FOUND, EnergyUpdated
from ..state import PlayerState
from .energy import current_energy, with_amount
from .wallet import debit

__all__ = ["purchase_energy_refill"]


def purchase_energy_refill(
    state: PlayerState, command: PurchaseEnergyRefill, catalog: Catalog
) -> Outcome:
    """Apply a refill purchase to a state already advanced to ``command.at``."""
    tier = catalog.refill(command.refill_type)
    if tier is None:
        return reject(state, NOT_FOUND, f"unknown refill_type {command.refill_type!r}")
    rules = catalog.energy
    cap = rules.overfill_cap if tier.overfill else rules.max
    before = current_energy(state.energy, command.at, rules)
    if before >= cap:
        return reject(state, ENERGY_FULL, f"energy {before} is already at {cap}")
    if state.wallet.diamonds < tier.diamonds:
        return reject(
            state,
            INSUFFICIENT_DIAMONDS,
            f"{tier.id} costs {tier.diamonds}, balance is {state.wallet.diamonds}",
        )
    seq = state.seq + 1
    transaction_id = mint_id(state.seed, seq, "purchase")
    wallet, spent = debit(
        state.wallet,
        at=command.at,
        amount=tier.diamonds,
        reason="energy_refill",
        reference=tier.id,
        transaction_id=transaction_id,
    )
    after = min(cap, before + tier.energy)
    energy = with_amount(state.energy, command.at, after, rules)
    refilled = EnergyRefilled(
        at=command.at,
        refill_type=tier.id,
        energy_before=before,
        energy_after=after,
        diamonds=tier.diamonds,
        transaction_id=transaction_id,
    )
    return Outcome(
        state=evolve(state, seq=seq, wallet=wallet, energy=energy),
        events=(spent, refilled),
        reply=EnergyUpdated(
            energy=after, diamonds=wallet.diamonds, transaction_id=transaction_id
        ),
    )
