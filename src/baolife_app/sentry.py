"""Optional error reporting to Sentry: ``pip install 'baolife[sentry]'`` and
``SENTRY_DSN``.

Rules of this module:

- ``sentry-sdk`` is an optional extra: it is imported only by ``init_sentry``,
  so a server without ``SENTRY_DSN`` never needs it. A DSN set without the SDK
  installed is a startup error naming the extra, never a silent no-op.
- The options are fixed (DESIGN.md "Observability"): 10 % of transactions traced
  and profiled, and ``send_default_pii=False`` (no IP addresses, cookies or
  request bodies leave the process).
- The server logs through structlog, not the standard ``logging`` module, so
  Sentry's logging integration sees nothing. ``forward_errors`` is a structlog
  processor that reports each ``error``/``exception``/``critical`` line: its
  exception if it carries one, else its event name as a message. Only the event
  name and the bounded fields ``error_id`` (the id the client was sent) and
  ``type`` (the message type) go along, as tags; never a player id. It does
  nothing until ``init_sentry`` succeeded.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import MutableMapping
from types import ModuleType
from typing import Any

from baolife_core import BaolifeError

__all__ = [
    "PROFILES_SAMPLE_RATE",
    "TRACES_SAMPLE_RATE",
    "SentryError",
    "forward_errors",
    "init_sentry",
]

TRACES_SAMPLE_RATE = 0.1
PROFILES_SAMPLE_RATE = 0.1
#: structlog methods whose lines are reported (``log.exception`` arrives as
#: ``error``: the filtering bound logger routes it through ``error``).
_REPORTED = frozenset({"error", "critical"})
#: Log fields sent along as tags (bounded values, no personal data).
_TAGGED = ("error_id", "type")

_sdk: ModuleType | None = None  # ``sentry_sdk`` once ``init_sentry`` succeeded


class SentryError(BaolifeError):
    """Sentry was asked for (``SENTRY_DSN``) but cannot be set up."""


def init_sentry(dsn: str, *, environment: str, release: str) -> None:
    """Start the Sentry SDK with the module's options; ``SentryError`` if
    ``sentry-sdk`` is not installed."""
    global _sdk  # the one SDK of the process, like sentry_sdk's own
    try:
        sdk = importlib.import_module("sentry_sdk")
    except ImportError:
        raise SentryError(
            "SENTRY_DSN is set but sentry-sdk is not installed: "
            "pip install 'baolife[sentry]'"
        ) from None
    sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=TRACES_SAMPLE_RATE,
        profiles_sample_rate=PROFILES_SAMPLE_RATE,
        send_default_pii=False,
    )
    _sdk = sdk


def forward_errors(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: report error lines to Sentry (module rules). Place it
    before ``format_exc_info``, which turns the exception into text."""
    sdk = _sdk
    if sdk is None or method_name not in _REPORTED:
        return event_dict
    tags = {"event": str(event_dict.get("event"))}
    tags.update({key: str(event_dict[key]) for key in _TAGGED if key in event_dict})
    error = _exception(event_dict.get("exc_info"))
    if error is not None:
        sdk.capture_exception(error, tags=tags)
    else:
        sdk.capture_message(tags["event"], level="error", tags=tags)
    return event_dict


def _exception(exc_info: object) -> BaseException | None:
    """The exception a log line's ``exc_info`` names, if any."""
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        error = exc_info[1]
        return error if isinstance(error, BaseException) else None
    if exc_info is True:  # ``log.exception``: the exception being handled
        return sys.exc_info()[1]
    return None
