"""``go_on_date`` (being written)."""

from __future__ import annotations

from ..catalog import Catalog
from ..commands import GoOnDate
from ..outcome import Outcome
from ..state import PlayerState

__all__ = ["go_on_date"]


def go_on_date(state: PlayerState, command: GoOnDate, catalog: Catalog) -> Outcome:
    """Apply ``go_on_date``."""
    raise NotImplementedError
