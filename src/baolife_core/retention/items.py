"""``use_item``: spend one inventory item for its effects.

Rules of this module (issue "Inventory"):

- Items come from rewards (``rewards.grant_reward``) and are used one at a time.
- ``use_item``: ``not_found`` for an item the content does not know or the player
  does not hold; ``invalid_state`` for an item with stat effects and no living
  character. Otherwise one item is spent and its effects apply: energy up to the
  overfill cap, stat deltas clamped to 0..100, game minutes skipped (living the
  days crossed, like a time skip).
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import UseItem
from ..economy.energy import current_energy, with_amount
from ..economy.time_skips import skip_game_time
from ..events import EnergyGranted, Event, ItemUsed
from ..life.activities import apply_stat_effects
from ..life.activity_rules import Effects
from ..outcome import Outcome, reject
from ..replies import INVALID_STATE, NOT_FOUND, ItemUseResult
from ..state import PlayerState
from .rewards import add_items

__all__ = ["use_item"]


def use_item(state: PlayerState, command: UseItem, catalog: Catalog) -> Outcome:
    """``use_item`` (module rules)."""
    spec = catalog.items.item(command.item)
    held = dict(state.retention.inventory).get(command.item, 0)
    if spec is None or held == 0:
        return reject(state, NOT_FOUND, f"no {command.item!r} in the inventory")
    character = state.living
    if spec.stats and character is None:
        return reject(state, INVALID_STATE, f"{spec.id} needs a living character")
    at = command.at
    events: list[Event] = []
    if spec.energy:
        now = current_energy(state.energy, at, catalog.energy)
        after = min(catalog.energy.overfill_cap, now + spec.energy)
        state = evolve(
            state, energy=with_amount(state.energy, at, after, catalog.energy)
        )
        if after > now:
            events.append(EnergyGranted(at, after - now, after, "item"))
    if spec.stats and character is not None:
        changed, _ = apply_stat_effects(character, Effects(spec.stats, 0))
        state = evolve(state, character=changed)
    if spec.game_ms:
        state, lived = skip_game_time(state, spec.game_ms, at, catalog)
        events.extend(lived)
    inventory = add_items(state.retention.inventory, [(spec.id, -1)])
    state = evolve(
        state,
        seq=state.seq + 1,
        retention=evolve(state.retention, inventory=inventory),
    )
    events.insert(0, ItemUsed(at, spec.id, held - 1))
    return Outcome(
        state=state,
        events=tuple(events),
        reply=ItemUseResult(
            item=spec.id,
            remaining=held - 1,
            energy=current_energy(state.energy, at, catalog.energy),
            diamonds=state.wallet.diamonds,
        ),
    )
