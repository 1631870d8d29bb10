"""Projections: the relational rows each domain event writes, in a table by class.

The journal and the snapshot are the truth; these rows exist so that the ledger,
purchases, exports and audits are plain SQL (DESIGN.md "Storage", step 4). They are
written in the same transaction as the journal line that emitted the events.

Rules of this module:

- ``PROJECTIONS`` has exactly one entry per event class in ``EVENT_TYPES``; an event
  that writes no row maps to ``no_rows``. A test holds this, and ``project`` fails
  the transaction on an unmapped event, so a new event cannot be forgotten: adding
  an event means deciding here what it writes.
- A projector is a pure function from the event and where it happened (``Origin``)
  to rows; it never reads the database, so replaying a journal through the
  projectors rebuilds the tables.
- Every row carries the player id (the shard key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import frozen
from sqlalchemy import Table

from baolife_core import (
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    Event,
    GameTimeSkipped,
    PlayerCreated,
)

from .schema import diamond_transactions, energy_refill_purchases, time_skip_purchases

__all__ = ["PROJECTIONS", "Origin", "Projector", "Row", "no_rows", "project"]

#: One row to insert: the table and its column values.
Row = tuple[Table, dict[str, object]]


@frozen
class Origin:
    """Where events were emitted: the player and the journal line."""

    player_id: str  # whose events
    seq: int  # the journal seq of the record that emitted them


#: ``(origin, event) -> rows``; the event is the class the projector is keyed by.
Projector = Callable[[Origin, Any], Iterable[Row]]


def no_rows(origin: Origin, event: object) -> Iterable[Row]:
    """An event that is only kept in the journal."""
    return ()


def ledger_entry(
    origin: Origin, event: DiamondsCredited | DiamondsSpent
) -> Iterable[Row]:
    """One ``diamond_transactions`` row per balance change, signed."""
    yield (
        diamond_transactions,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "seq": origin.seq,
            "delta": event.delta,
            "reason": event.reason,
            "reference": event.reference,
            "balance_after": event.balance_after,
            "at": event.at,
        },
    )


def refill_purchase(origin: Origin, event: EnergyRefilled) -> Iterable[Row]:
    """One ``energy_refill_purchases`` row per refill bought."""
    yield (
        energy_refill_purchases,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "refill_type": event.refill_type,
            "diamonds": event.diamonds,
            "energy_before": event.energy_before,
            "energy_after": event.energy_after,
            "at": event.at,
        },
    )


def time_skip_purchase(origin: Origin, event: GameTimeSkipped) -> Iterable[Row]:
    """One ``time_skip_purchases`` row per time skip bought."""
    yield (
        time_skip_purchases,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "skip_type": event.skip_type,
            "diamonds": event.diamonds,
            "game_ms": event.game_ms,
            "day_before": event.day_before,
            "day_after": event.day_after,
            "at": event.at,
        },
    )


PROJECTIONS: Mapping[type[Event], Projector] = {
    PlayerCreated: no_rows,  # the users and players rows are written by creation
    DiamondsCredited: ledger_entry,
    DiamondsSpent: ledger_entry,
    EnergyRefilled: refill_purchase,
    GameTimeSkipped: time_skip_purchase,
}


def _projector(event: Event) -> Projector:
    projector = PROJECTIONS.get(type(event))
    if projector is None:
        raise TypeError(f"no projection for {type(event).__name__}: add one")
    return projector


def project(origin: Origin, events: Iterable[Event]) -> list[Row]:
    """The rows of ``events``, in event order.

    An event without a projection raises ``TypeError``, failing the transaction
    rather than silently dropping its rows.
    """
    return [row for event in events for row in _projector(event)(origin, event)]
