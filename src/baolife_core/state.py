"""The immutable snapshot of one player.

Rules of this module:

- Every class is frozen and slotted; state changes only through ``attrs.evolve`` in
  the engine's handlers, which return a new snapshot (DESIGN.md "a pure function
  over state").
- Every quantity is an integer: diamonds, energy, instants in milliseconds
  (DESIGN.md rule 2). No floats anywhere in state.
- Nothing here is derived that could be computed: current energy is a function of
  ``Energy`` and the instant it is read at (``economy.energy``).
"""

from __future__ import annotations

from attrs import frozen

__all__ = ["Energy", "LifeClock", "PlayerState", "Wallet"]


@frozen
class Wallet:
    """The diamond balance and the running totals of its ledger."""

    diamonds: int  # current balance; never negative
    earned: int  # sum of every credit ever ledgered
    spent: int  # sum of every debit ever ledgered
    entries: int  # number of ledger entries written so far


@frozen
class Energy:
    """Energy stored as a count plus the instant regeneration counts from."""

    amount: int  # energy at ``anchor_at``; may exceed the max after an overfill
    anchor_at: int  # ms instant from which whole regeneration intervals are counted


@frozen
class LifeClock:
    """Where the player's game time stands."""

    started_at: int  # ms instant the player was created; game time counts from here
    now_at: int  # ms instant the state has been advanced to; never goes back
    skipped_ms: int  # game ms added by purchased time skips
    day: int  # index of the current game day (0 on the first day)


@frozen
class PlayerState:
    """Everything the engine knows about one player."""

    seed: int  # the player's PRNG seed, minted outside the core at creation
    seq: int  # number of commands applied (0 right after creation)
    clock: LifeClock  # the life clock
    wallet: Wallet  # premium currency
    energy: Energy  # the energy meter
