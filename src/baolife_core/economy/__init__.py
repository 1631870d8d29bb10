"""The economy: the diamond wallet, the energy meter, purchases and the store.

The command handlers live in their modules (``refills``, ``time_skips``,
``store``); the package root re-exports only what the catalog may import without
a cycle (the catalog loads ``store_rules``).
"""

from __future__ import annotations

from .energy import current_energy, next_regen_at, settle, with_amount
from .wallet import credit, debit, new_wallet, repay_debt

__all__ = [
    "credit",
    "current_energy",
    "debit",
    "new_wallet",
    "next_regen_at",
    "repay_debt",
    "settle",
    "with_amount",
]
