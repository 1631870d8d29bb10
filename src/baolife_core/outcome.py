"""``Outcome``: what one ``step`` returns (DESIGN.md "The core")."""

from __future__ import annotations

from attrs import frozen

from .events import Event
from .replies import Rejection, Reply
from .state import PlayerState

__all__ = ["Outcome", "reject"]


@frozen
class Outcome:
    """The new state, the events emitted, and the reply to the requester."""

    state: PlayerState  # the state after the command (unchanged on rejection)
    events: tuple[Event, ...]  # domain facts, in the order they happened
    reply: Reply | None  # what the requester is told; None for the genesis

    @property
    def rejected(self) -> bool:
        """True when the command was refused."""
        return isinstance(self.reply, Rejection)


def reject(state: PlayerState, code: str, message: str) -> Outcome:
    """An outcome that refuses the command and leaves ``state`` as it is."""
    return Outcome(state=state, events=(), reply=Rejection(code=code, message=message))
