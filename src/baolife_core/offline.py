"""Offline sync: the rules for actions a client queued while it had no connection.

PROTOCOL.md "Offline sync": on reconnect the client sends what the player did
offline, at most 1,000 actions, none older than 7 days; they replay in ``at``
order through the same engine as live play, with a result per action.
``GameService.sync_offline`` runs them; this module holds the pure rules, so the
transport, the service and the tests agree on them.

Rules of this module:

- An action is a command stamped with the client's wall-clock ``at`` (the instant
  the player did it). The transport refuses an ``at`` later than the server's
  now plus ``CLOCK_SKEW_MS`` (``bad_request``) before a command exists.
- Actions apply in ``at`` order; ties keep the order sent (``sync_order``).
- ``offline_refusal`` refuses, with a ``Rejection`` and in this order:
  a command only the server or an online store may issue (store purchases and
  refunds: ``not_allowed_offline``, since a purchase needs a receipt verified
  before anything is written); an action older than ``OFFLINE_WINDOW_MS`` before
  now, or older than the player's last applied command (``stale_action``: the
  journal never runs backwards, and an action from before the last command the
  server saw cannot be placed in a history that has moved on).
- A keyed action already processed is answered with its first reply before these
  checks (the service does that): a client retrying a sync gets what it got.
"""

from __future__ import annotations

from collections.abc import Sequence

from .commands import Command, CreditStorePurchase, RevokeStorePurchase
from .replies import NOT_ALLOWED_OFFLINE, STALE_ACTION, Rejection

__all__ = [
    "CLOCK_SKEW_MS",
    "MAX_OFFLINE_ACTIONS",
    "NOT_ALLOWED_OFFLINE",
    "OFFLINE_WINDOW_MS",
    "ONLINE_ONLY",
    "STALE_ACTION",
    "SYNC_MESSAGE",
    "offline_refusal",
    "sync_order",
]

#: The most actions one ``sync_offline`` may carry.
MAX_OFFLINE_ACTIONS = 1_000
#: How old an offline action may be, against the server's now: 7 days, in ms.
OFFLINE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000
#: How far ahead of the server's clock a client's ``at`` may run (clock drift), ms.
CLOCK_SKEW_MS = 60_000

#: The wire name of the sync request, as the live rate limits count it.
SYNC_MESSAGE = "sync_offline"

#: Commands never accepted from an offline queue (module rules).
ONLINE_ONLY: tuple[type[Command], ...] = (CreditStorePurchase, RevokeStorePurchase)


def sync_order(ats: Sequence[int]) -> list[int]:
    """The indices of actions stamped ``ats``, in the order they apply."""
    return sorted(range(len(ats)), key=lambda index: ats[index])


def offline_refusal(command: Command, *, last_at: int, now: int) -> Rejection | None:
    """Why the offline ``command`` cannot apply, or None (module rules).

    ``last_at`` is the instant of the player's last applied command; ``now`` the
    server's clock when the sync arrived.
    """
    if isinstance(command, ONLINE_ONLY):
        return Rejection(NOT_ALLOWED_OFFLINE, "store purchases need a connection")
    if command.at < now - OFFLINE_WINDOW_MS:
        return Rejection(STALE_ACTION, "older than the 7-day offline window")
    if command.at < last_at:
        return Rejection(STALE_ACTION, "older than the last applied command")
    return None
