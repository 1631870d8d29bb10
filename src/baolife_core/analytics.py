"""Analytics from domain events: a pure mapping, no I/O (the sink is a port).

Rules of this module (issue 6 "Analytics persistence"; DESIGN.md "Observability"):

- Every domain event a command or a tick emits becomes one ``AnalyticsEvent``
  named for the event's wire name, with the event's fields as canonical JSON.
  The instant is the row's own ``at``, so ``properties`` does not repeat it.
- No PII leaves. Fields that hold text shown to or typed by a player, or that
  name a person (``PII_FIELDS``: character, NPC and relative names, bios,
  epitaphs, captions, storylet titles and texts, NPC lines), are left out; text
  rendered from content can carry names the player chose. Fields of
  ``(id, text)`` pairs (``ID_TEXT_FIELDS``: a question's choices, a
  conversation's replies) keep their ids only. Ids are pseudonymous and stay:
  they are purged with the player (``analytics_events.player_id``).
- An experiment exposure (``exposure``) is one more row, ``experiment_exposure``,
  with the flag and the variant the player was shown (issue 7 reads them).
- Pure and deterministic: the same events give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from .events import Event
from .ports import AnalyticsEvent
from .wire import canonical_json, to_wire

__all__ = [
    "EXPOSURE",
    "ID_TEXT_FIELDS",
    "PII_FIELDS",
    "analytics_events",
    "exposure",
]

#: Event fields never written to analytics (names, free and rendered text).
PII_FIELDS = frozenset({"name", "bio", "epitaph", "caption", "line", "text", "title"})
#: Event fields of ``(id, text)`` pairs, written as the list of their ids.
ID_TEXT_FIELDS = frozenset({"choices", "replies"})
#: The name of an experiment exposure row (no domain event has this wire name).
EXPOSURE = "experiment_exposure"


def analytics_events(
    player_id: str | None, session_id: str | None, events: Iterable[Event]
) -> tuple[AnalyticsEvent, ...]:
    """One analytics row per event, in order (module rules)."""
    rows = []
    for event in events:
        wire = to_wire(event)
        name = wire.pop("type")
        del wire["at"]
        properties = {
            key: [pair[0] for pair in value] if key in ID_TEXT_FIELDS else value
            for key, value in wire.items()
            if key not in PII_FIELDS
        }
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


def exposure(
    player_id: str, session_id: str | None, *, flag: str, variant: str, at: int
) -> AnalyticsEvent:
    """The row that says ``player_id`` was shown ``variant`` of experiment ``flag``.

    Record it where the variant changes what the player sees (the first time
    per session is enough: analyses count distinct players per variant).
    """
    return AnalyticsEvent(
        player_id=player_id,
        session_id=session_id,
        name=EXPOSURE,
        properties=canonical_json({"flag": flag, "variant": variant}),
        at=at,
    )
