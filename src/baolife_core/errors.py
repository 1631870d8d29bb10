"""The project's exception hierarchy: everything raised on purpose is a BaolifeError.

Domain rejections are *values* (``Rejection``), not exceptions, so that replay can
record them; the exceptions here are for programming errors, bad content files and
bad wire input.
"""

from __future__ import annotations

__all__ = [
    "BaolifeError",
    "ConcurrencyError",
    "ConflictError",
    "ContentError",
    "JournalError",
    "PlayerNotFoundError",
    "WireError",
]


class BaolifeError(Exception):
    """Base class of every error BaoLife raises on purpose."""


class ContentError(BaolifeError):
    """A content file is invalid; the message names file, entry and field."""

    def __init__(self, file: str, entry: str, field: str, problem: str) -> None:
        self.file = file
        self.entry = entry
        self.field = field
        self.problem = problem
        where = ".".join(part for part in (entry, field) if part)
        where = f"{file}: {where}" if where else file
        super().__init__(f"{where}: {problem}")


class WireError(BaolifeError):
    """A wire value could not be decoded; ``code`` is a stable protocol error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class JournalError(BaolifeError):
    """A journal cannot be replayed (it does not start with ``new_player``, …)."""


class ConcurrencyError(BaolifeError):
    """A write lost a race (stale version, deadlock, lock wait); retry afresh."""


class PlayerNotFoundError(BaolifeError):
    """No player has this id."""


class ConflictError(BaolifeError):
    """A command kept losing races after the bounded number of retries."""
