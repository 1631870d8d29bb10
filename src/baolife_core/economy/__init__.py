"""The economy: the diamond wallet, the energy meter and energy refills."""

from __future__ import annotations

from .energy import current_energy, next_regen_at, settle, with_amount
from .refills import purchase_energy_refill
from .wallet import credit, debit, new_wallet

__all__ = [
    "credit",
    "current_energy",
    "debit",
    "new_wallet",
    "next_regen_at",
    "purchase_energy_refill",
    "settle",
    "with_amount",
]
