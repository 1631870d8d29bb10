"""Analytics from domain events: a pure mapping, no I/O (the sink is a port).

Rules of this module (issue 6 "Analytics persistence"; DESIGN.md "Observability"):

- Every domain event a command or a tick emits becomes one ``AnalyticsEvent``
  named for the event's wire name, with the event's fields as canonical JSON.
- No PII leaves: fields that hold text a player typed or that names a person
  (``PII_FIELDS``) are left out; ids are pseudonymous and stay.
- Pure and deterministic: the same events give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from .events import Event
from .ports import AnalyticsEvent
from .wire import canonical_json, to_wire

__all__ = ["PII_FIELDS", "analytics_events"]

#: Event fields never written to analytics (names, free text, bios, epitaphs).
PII_FIELDS = frozenset({"name", "bio", "epitaph", "caption", "line", "text", "title"})


def analytics_events(
    player_id: str | None, session_id: str | None, events: Iterable[Event]
) -> tuple[AnalyticsEvent, ...]:
    """One analytics row per event (module rules)."""
    rows = []
    for event in events:
        wire = to_wire(event)
        name = wire.pop("type")
        properties = {k: v for k, v in wire.items() if k not in PII_FIELDS}
        rows.append(
            AnalyticsEvent(
                player_id=player_id,
                session_id=session_id,
                name=name,
                properties=canonical_json(properties),
                at=event.at,
            )
        )
    return tuple(rows)
