"""Events of the economy: the player, the diamond ledger, energy refills, time skips
and App Store purchases.

See ``baolife_core.events`` for the rules every event follows.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "DiamondsCredited",
    "DiamondsSpent",
    "EnergyRefilled",
    "GameTimeSkipped",
    "LedgerEvent",
    "PlayerCreated",
    "StorePurchaseCredited",
    "StorePurchaseRevoked",
]


@frozen
class PlayerCreated:
    """A player came into being."""

    at: int  # creation instant, ms
    seed: int  # the player's PRNG seed


@frozen
class DiamondsCredited:
    """Diamonds were added to the wallet (one ledger entry)."""

    at: int  # instant, ms
    amount: int  # positive number of diamonds added
    reason: str  # why, e.g. ``starting_grant``
    reference: str  # what it refers to, e.g. a refill tier or a store product
    balance_after: int  # wallet balance after this entry
    transaction_id: str  # uuid5 minted from the player's seed and ``seq``

    @property
    def delta(self) -> int:
        """The signed change of the balance."""
        return self.amount


@frozen
class DiamondsSpent:
    """Diamonds were taken from the wallet (one ledger entry)."""

    at: int  # instant, ms
    amount: int  # positive number of diamonds taken
    reason: str  # why, e.g. ``energy_refill``
    reference: str  # what was bought, e.g. the refill tier id
    balance_after: int  # wallet balance after this entry
    transaction_id: str  # uuid5 minted from the player's seed and ``seq``

    @property
    def delta(self) -> int:
        """The signed change of the balance."""
        return -self.amount


@frozen
class EnergyRefilled:
    """An energy refill tier was bought and applied."""

    at: int  # instant, ms
    refill_type: str  # the tier id
    energy_before: int  # energy at ``at`` before the refill
    energy_after: int  # energy right after the refill
    diamonds: int  # price paid
    transaction_id: str  # the transaction id of the matching ``DiamondsSpent``


@frozen
class GameTimeSkipped:
    """A time skip was bought and the game clock moved forward."""

    at: int  # instant, ms
    skip_type: str  # the time-skip id
    game_ms: int  # game milliseconds skipped
    day_before: int  # game day index before the skip
    day_after: int  # game day index after the skip
    diamonds: int  # price paid
    transaction_id: str  # the transaction id of the matching ``DiamondsSpent``


@frozen
class StorePurchaseCredited:
    """A verified App Store purchase was credited."""

    at: int  # instant, ms
    product_id: str  # the store product
    transaction_id: str  # the App Store transaction id
    original_transaction_id: str  # the App Store original transaction id
    environment: str  # ``production`` or ``sandbox`` (or ``development``)
    diamonds: int  # diamonds credited


@frozen
class StorePurchaseRevoked:
    """A refunded or revoked App Store purchase was taken back."""

    at: int  # instant, ms
    transaction_id: str  # the App Store transaction id
    reason: str  # ``refund``, ``revoked`` …
    diamonds: int  # what the purchase had credited
    debited: int  # what the balance covered now
    debt_after: int  # diamonds still owed, repaid from later credits


#: The two events of the diamond ledger.
LedgerEvent = DiamondsCredited | DiamondsSpent
