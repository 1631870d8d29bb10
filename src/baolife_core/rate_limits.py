"""Rate limits: a pure token-bucket policy over ``at`` (seed "Security layers" 1).

Rules of this module:

- A ``Bucket`` holds tokens in units of 1/60,000 of a token, so a limit of
  ``per_minute`` refills exactly ``per_minute`` units per millisecond: integer
  arithmetic, no drift. A full bucket holds ``per_minute`` tokens (the burst).
- ``admit(bucket, at, limit, max_backoff_ms)``: refill for the time since the
  last update (time never runs backwards: an earlier ``at`` refills nothing),
  then take one token, or refuse. A refusal counts a strike; the wait it
  announces is the time to the next token times ``2 ** (strikes - 1)``, capped at
  ``max_backoff_ms`` — exponential back-off while the client keeps pushing. An
  admitted request clears the strikes.
- The policy is pure; where buckets live (per player, per process) is the
  caller's business (``service.GameService``).
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import evolve, frozen

from .content_reader import Entry, read_toml

__all__ = [
    "FILE",
    "UNIT",
    "Bucket",
    "Limit",
    "RateLimits",
    "admit",
    "full_bucket",
    "load_rate_limits",
]

FILE = "rate_limits.toml"
#: Units of one token (a minute in ms): ``per_minute`` units refill per ms.
UNIT = 60_000


@frozen
class Limit:
    """A token bucket for some message kinds."""

    id: str  # label, e.g. ``energy_purchases``
    messages: tuple[str, ...]  # wire names it counts; ``*`` counts every command
    per_minute: int  # refill rate and burst size

    def counts(self, message: str) -> bool:
        """True if ``message`` counts against this limit."""
        return "*" in self.messages or message in self.messages


@frozen
class RateLimits:
    """Everything ``rate_limits.toml`` says."""

    max_backoff_ms: int  # the longest ``retry_after_ms`` announced
    limits: tuple[Limit, ...]  # in content order


@frozen
class Bucket:
    """A token bucket's state."""

    units: int  # tokens times ``UNIT``
    updated_at: int  # ms instant of the last refill
    strikes: int  # refusals in a row


def full_bucket(limit: Limit, at: int) -> Bucket:
    """A bucket with a full burst at ``at``."""
    return Bucket(units=limit.per_minute * UNIT, updated_at=at, strikes=0)


def admit(
    bucket: Bucket, at: int, limit: Limit, max_backoff_ms: int
) -> tuple[Bucket, int | None]:
    """The bucket after a request at ``at``, and None (admitted) or the wait in ms."""
    elapsed = max(0, at - bucket.updated_at)
    units = min(limit.per_minute * UNIT, bucket.units + elapsed * limit.per_minute)
    now = max(at, bucket.updated_at)
    if units >= UNIT:
        return Bucket(units=units - UNIT, updated_at=now, strikes=0), None
    strikes = bucket.strikes + 1
    to_next = -(-(UNIT - units) // limit.per_minute)  # ceiling division
    wait = min(max_backoff_ms, to_next * 2 ** min(strikes - 1, 32))
    return evolve(bucket, units=units, updated_at=now, strikes=strikes), wait


def load_rate_limits(directory: Traversable) -> RateLimits:
    """Load and validate ``rate_limits.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    limits = []
    for entry in root.tables("limits"):
        limits.append(
            Limit(
                id=entry.text("id"),
                messages=entry.texts("messages"),
                per_minute=entry.integer("per_minute", low=1, high=60_000),
            )
        )
        entry.done()
    rules = RateLimits(
        max_backoff_ms=root.integer("max_backoff_ms", low=1, high=3_600_000),
        limits=tuple(limits),
    )
    root.done()
    return rules
