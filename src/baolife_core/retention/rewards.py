"""One reward format for every source: fixed grants plus weighted rolls.

Rules of this module (DESIGN.md "Content is data"; issue "Diamond economy"):

- A ``Reward`` is a fixed ``Grant`` (diamonds, energy, items) plus zero or more
  ``rolls``; each roll picks one ``Grant`` by integer weight from the stream
  ``("reward", key)``, where ``key`` names the grant uniquely for the player
  (``login:<local day>``, ``achievement:<id>`` …). So a reward is deterministic
  and a replay pays the same.
- Diamonds go through the ledger (``DiamondsCredited``, with a transaction id that
  is a uuid5 of the seed and the key). A debt left by a refund is not repaid here
  but at the end of the command (``engine.step``), so that rewards paid while
  days are lived keep ``advance`` split invariant. Energy is added
  up to the overfill cap (``EnergyGranted``); items go to the inventory
  (``ItemGranted``).
- The content form is read by ``reward_rules.read_reward``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from attrs import evolve

from ..economy.energy import current_energy, with_amount
from ..economy.wallet import credit
from ..events import EnergyGranted, Event, ItemGranted
from ..ids import BAOLIFE_NAMESPACE
from ..rng import stream
from ..state import PlayerState
from .reward_rules import Grant, Reward, read_reward

if TYPE_CHECKING:  # the catalog imports the content readers of this package
    from ..catalog import EnergyRules

__all__ = [
    "Grant",
    "Reward",
    "add_items",
    "grant_reward",
    "read_reward",
    "reward_id",
    "reward_text",
]


def reward_id(seed: int, key: str) -> str:
    """The transaction id of the diamonds a reward keyed ``key`` pays."""
    return str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{seed}/reward/{key}"))


def add_items(
    inventory: tuple[tuple[str, int], ...], items: Iterable[tuple[str, int]]
) -> tuple[tuple[str, int], ...]:
    """``inventory`` with ``items`` added (counts may be negative; zeros dropped)."""
    counts = dict(inventory)
    for item, count in items:
        counts[item] = counts.get(item, 0) + count
    return tuple(sorted((i, c) for i, c in counts.items() if c > 0))


def _merged(grants: Sequence[Grant]) -> Grant:
    items: dict[str, int] = {}
    for grant in grants:
        for item, count in grant.items:
            items[item] = items.get(item, 0) + count
    return Grant(
        diamonds=sum(g.diamonds for g in grants),
        energy=sum(g.energy for g in grants),
        items=tuple(sorted(items.items())),
    )


def reward_text(grant: Grant, item_names: dict[str, str] | None = None) -> str:
    """Human text of a grant: ``15 diamonds + 50 energy + 1 Lucky charm``."""
    names = item_names or {}
    parts = []
    if grant.diamonds:
        parts.append(f"{grant.diamonds} diamonds")
    if grant.energy:
        parts.append(f"{grant.energy} energy")
    parts.extend(f"{count} {names.get(item, item)}" for item, count in grant.items)
    return " + ".join(parts) or "nothing"


def grant_reward(
    state: PlayerState,
    reward: Reward,
    *,
    at: int,
    reason: str,
    key: str,
    energy_rules: EnergyRules,
    item_names: dict[str, str] | None = None,
) -> tuple[PlayerState, tuple[Event, ...], str]:
    """Pay ``reward`` (module rules): the state, its events and the reward's text."""
    rng = stream(state.seed, "reward", key)
    rolled = [rng.weighted(list(roll)) for roll in reward.rolls]
    grant = _merged([reward.fixed, *rolled])
    events: list[Event] = []
    if grant.diamonds:
        wallet, credited = credit(
            state.wallet,
            at=at,
            amount=grant.diamonds,
            reason=reason,
            reference=key,
            transaction_id=reward_id(state.seed, key),
        )
        state = evolve(state, wallet=wallet)
        events.append(credited)
    if grant.energy:
        now = current_energy(state.energy, at, energy_rules)
        after = min(energy_rules.overfill_cap, now + grant.energy)
        state = evolve(state, energy=with_amount(state.energy, at, after, energy_rules))
        if after > now:
            events.append(EnergyGranted(at, after - now, after, reason))
    if grant.items:
        retention = state.retention
        state = evolve(
            state,
            retention=evolve(
                retention, inventory=add_items(retention.inventory, grant.items)
            ),
        )
        events.extend(ItemGranted(at, item, n, reason) for item, n in grant.items)
    return state, tuple(events), reward_text(grant, item_names)
