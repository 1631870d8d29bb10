"""The energy meter, computed on read from the instant it is read at.

Rules of this module (DESIGN.md "Content is data", energy paragraph):

- Energy is stored as ``(amount, anchor_at)``; the current value at ``at`` is
  ``amount`` plus one ``regen_amount`` per whole ``regen_interval_ms`` since
  ``anchor_at``, but regeneration never raises energy above ``max``.
- Energy above ``max`` (from an overfill refill) does not regenerate and does not
  decay; it is spent first.
- Reading never changes state; ``settle`` re-anchors the meter at ``at`` keeping the
  partial progress towards the next point, so settling at any instants between
  writes gives the same future values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..state import Energy

if TYPE_CHECKING:  # the catalog imports the economy's content readers
    from ..catalog import EnergyRules

__all__ = ["current_energy", "next_regen_at", "settle", "with_amount"]


def _steps(energy: Energy, at: int, rules: EnergyRules) -> int:
    return max(0, at - energy.anchor_at) // rules.regen_interval_ms


def current_energy(energy: Energy, at: int, rules: EnergyRules) -> int:
    """Energy at instant ``at``."""
    if energy.amount >= rules.max:
        return energy.amount
    return min(
        rules.max, energy.amount + _steps(energy, at, rules) * rules.regen_amount
    )


def settle(energy: Energy, at: int, rules: EnergyRules) -> Energy:
    """The same meter re-anchored at ``at`` (or later anchor if ``at`` is earlier)."""
    if at <= energy.anchor_at:
        return energy
    amount = current_energy(energy, at, rules)
    if amount >= rules.max:
        # Full: regeneration will count from the moment energy drops below max.
        return Energy(amount=amount, anchor_at=at)
    anchor = energy.anchor_at + _steps(energy, at, rules) * rules.regen_interval_ms
    return Energy(amount=amount, anchor_at=anchor)


def with_amount(energy: Energy, at: int, amount: int, rules: EnergyRules) -> Energy:
    """Set the energy at ``at`` to ``amount``, keeping partial regeneration progress."""
    settled = settle(energy, at, rules)
    if settled.amount >= rules.max:
        # Regeneration restarts from ``at`` when a full meter is drawn down.
        return Energy(amount=amount, anchor_at=max(at, settled.anchor_at))
    return Energy(amount=amount, anchor_at=settled.anchor_at)


def next_regen_at(energy: Energy, at: int, rules: EnergyRules) -> int | None:
    """The instant the next point arrives, or None while at or above max."""
    if current_energy(energy, at, rules) >= rules.max:
        return None
    settled = settle(energy, at, rules)
    return settled.anchor_at + rules.regen_interval_ms
