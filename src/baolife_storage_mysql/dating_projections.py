"""Dating projections: the rows of the dating events and of relationship events.

``projections.PROJECTIONS`` maps the dating event classes here
(``DATING_PROJECTIONS``); docs/storage.md "Dating" describes the tables.

Rules of this module (``projections`` rules, plus):

- ``NpcLiked`` and ``NpcPassed`` insert the ``dating_compatibility`` row of the
  NPC; the ``MatchMade`` that follows a returned like (in the same journal line)
  adds the match's reasons to it, inserts the NPC's ``npc_bios`` row and its
  ``player_relationships`` row at ``matched``. An NPC is liked or passed once
  (``Dating.seen``), so these are inserts: a second one is a bug.
- ``DateWent``, ``RelationshipChanged``, ``RelationshipAdvanceDeclined`` and
  ``AffectionChanged`` update the relationship's row, which its ``MatchMade``
  inserted; an ending (``ended``, ``divorced``) is a stage like the others, so an
  ended relationship keeps its row. ``DateWent`` adds one to ``dates`` and
  inserts a ``player_dates`` row, keyed by where the journal has it.
- A ``LifeEventOccurred`` or ``QuestionPosed`` whose storylet is in
  ``Origin.relationship_events`` inserts a ``player_relationship_events`` row,
  keyed by where the journal has it, about the NPC ``Origin.romance`` names:
  ``line_romance`` of the record. A storylet event says nothing of the NPC, and
  the relationship events need a current relationship (their ``relationship``
  condition never names ``single``), so the NPC is the character's current
  relationship after the record, or, when the record ended it (a break-up
  storylet, the NPC leaving), the committed relationship it ended. Within one
  record no other relationship can become the current one: only a date makes a
  match committed, and a date is a command of its own.
- ``Romances`` folds the same facts from the journal alone (no state), for the
  rebuilds that have no state to read: ``sync_catalog``'s rebuild of
  ``player_relationship_events`` and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from baolife_core import LifeEventOccurred, QuestionPosed
from baolife_core.dating.stages import COMMITTED, ENDINGS, STAGES
from baolife_core.events import (
    AffectionChanged,
    DateWent,
    Event,
    MatchMade,
    NpcLiked,
    NpcPassed,
    RelationshipAdvanceDeclined,
    RelationshipChanged,
)
from baolife_core.wire import canonical_json

from .rows import InsertRow, Origin, Projector, Row, UpdateRow
from .schema import (
    dating_compatibility,
    npc_bios,
    player_dates,
    player_relationship_events,
    player_relationships,
)

__all__ = [
    "DATING_PROJECTIONS",
    "Romances",
    "advance_declined",
    "affection_changed",
    "date_went",
    "line_romance",
    "match_made",
    "npc_liked",
    "npc_passed",
    "relationship_changed",
    "relationship_event",
    "relationship_event_values",
]


def _npc(origin: Origin, life: int, npc_id: str) -> dict[str, object]:
    """The primary key of a per-NPC row (``npc_bios``, ``player_relationships`` …)."""
    return {"player_id": origin.player_id, "life": life, "npc_id": npc_id}


def npc_liked(origin: Origin, event: NpcLiked) -> Iterable[Row]:
    """The NPC's ``dating_compatibility`` row: a like, matched or not."""
    yield InsertRow(
        dating_compatibility,
        {
            **_npc(origin, event.life, event.npc_id),
            "compatibility": event.compatibility,
            "choice": "like",
            "matched_at": event.at if event.matched else None,
            "reasons": None,
            "at": event.at,
        },
    )


def npc_passed(origin: Origin, event: NpcPassed) -> Iterable[Row]:
    """The NPC's ``dating_compatibility`` row: a pass."""
    yield InsertRow(
        dating_compatibility,
        {
            **_npc(origin, event.life, event.npc_id),
            "compatibility": event.compatibility,
            "choice": "pass",
            "matched_at": None,
            "reasons": None,
            "at": event.at,
        },
    )


def match_made(origin: Origin, event: MatchMade) -> Iterable[Row]:
    """The match's reasons, the NPC's bio, and the relationship at ``matched``."""
    key = _npc(origin, event.life, event.npc_id)
    yield UpdateRow(
        dating_compatibility,
        key,
        {"reasons": canonical_json(list(event.reasons))},
    )
    yield InsertRow(
        npc_bios,
        {
            **key,
            "name": event.name,
            "gender": event.gender,
            "age": event.age,
            "bio": event.bio,
            "created_at": event.at,
        },
    )
    yield InsertRow(
        player_relationships,
        {
            **key,
            "stage": "matched",
            "since_day": event.day,
            "affection": event.affection,
            "npc_affection": event.npc_affection,
            "dates": 0,
            "updated_at": event.at,
        },
    )


def date_went(origin: Origin, event: DateWent) -> Iterable[Row]:
    """A ``player_dates`` row; the relationship's affections and one more date."""
    key = _npc(origin, event.life, event.npc_id)
    yield InsertRow(
        player_dates,
        {
            "player_id": origin.player_id,
            "seq": origin.seq,
            "event_index": origin.event_index,
            "life": event.life,
            "npc_id": event.npc_id,
            "venue_id": event.venue,
            "activity_id": event.activity,
            "outcome": event.outcome,
            "energy": event.energy,
            "money_cents": event.money_cents,
            "affection": event.affection,
            "npc_affection": event.npc_affection,
            "day": event.day,
            "at": event.at,
        },
    )
    yield UpdateRow(
        player_relationships,
        key,
        {
            "affection": event.affection,
            "npc_affection": event.npc_affection,
            "dates": 1,
            "updated_at": event.at,
        },
        add=frozenset({"dates"}),
    )


def relationship_changed(origin: Origin, event: RelationshipChanged) -> Iterable[Row]:
    """The relationship's row takes the new stage (an ending too) and its day."""
    yield UpdateRow(
        player_relationships,
        _npc(origin, event.life, event.npc_id),
        {"stage": event.to_stage, "since_day": event.day, "updated_at": event.at},
    )


def advance_declined(
    origin: Origin, event: RelationshipAdvanceDeclined
) -> Iterable[Row]:
    """The relationship's row takes the NPC's affection after the refusal."""
    yield UpdateRow(
        player_relationships,
        _npc(origin, event.life, event.npc_id),
        {"npc_affection": event.npc_affection, "updated_at": event.at},
    )


def affection_changed(origin: Origin, event: AffectionChanged) -> Iterable[Row]:
    """The relationship's row takes both affections after a storylet moved them."""
    yield UpdateRow(
        player_relationships,
        _npc(origin, event.life, event.npc_id),
        {
            "affection": event.affection,
            "npc_affection": event.npc_affection,
            "updated_at": event.at,
        },
    )


def relationship_event_values(
    origin: Origin, event: LifeEventOccurred | QuestionPosed
) -> dict[str, object]:
    """The ``player_relationship_events`` row of a relationship event."""
    return {
        "player_id": origin.player_id,
        "seq": origin.seq,
        "event_index": origin.event_index,
        "life": event.life,
        "npc_id": origin.romance,
        "storylet_id": event.event_id,
        "day": event.day,
        "at": event.at,
    }


def relationship_event(
    origin: Origin, event: LifeEventOccurred | QuestionPosed
) -> Iterable[Row]:
    """A ``player_relationship_events`` row if the storylet is a relationship
    event (``Origin.relationship_events``); nothing otherwise."""
    if event.event_id in origin.relationship_events:
        yield InsertRow(
            player_relationship_events, relationship_event_values(origin, event)
        )


def line_romance(current: str | None, events: Iterable[Event]) -> str | None:
    """The NPC a record's relationship events are about (module rules).

    ``current`` is the NPC of the character's current relationship after the
    record (``stages.current_romance``), or None; then the NPC of the last
    committed relationship the record ended, if any.
    """
    if current is not None:
        return current
    ended: str | None = None
    for event in events:
        if (
            isinstance(event, RelationshipChanged)
            and event.to_stage in ENDINGS
            and event.from_stage in COMMITTED
        ):
            ended = event.npc_id
    return ended


@frozen
class Romances:
    """The relationships a player's journal has opened and not ended (a fold).

    ``MatchMade`` opens one at ``matched``, ``RelationshipChanged`` moves or ends
    it: exactly how the engine keeps ``Dating.romances``, so ``current`` is
    ``stages.current_romance`` of the state after the same events.
    """

    # (life, NPC id, stage), in the order they were opened.
    held: tuple[tuple[int, str, str], ...] = ()

    def after(self, events: Iterable[Event]) -> Romances:
        """The relationships after ``events`` (one record's, in order)."""
        held = list(self.held)
        for event in events:
            if isinstance(event, MatchMade):
                held.append((event.life, event.npc_id, "matched"))
            elif isinstance(event, RelationshipChanged):
                mine = (event.life, event.npc_id)
                held = [
                    (life, npc, event.to_stage if (life, npc) == mine else stage)
                    for life, npc, stage in held
                    if (life, npc) != mine or event.to_stage not in ENDINGS
                ]
        return Romances(tuple(held))

    def current(self, life: int) -> str | None:
        """The NPC of the life's most advanced committed relationship, or None."""
        best: tuple[int, str] | None = None
        for held_life, npc, stage in self.held:
            if held_life != life or stage not in COMMITTED:
                continue
            rank = STAGES.index(stage)
            if best is None or rank > best[0]:
                best = (rank, npc)
        return None if best is None else best[1]


#: The projector of every dating event class (``projections.PROJECTIONS`` takes
#: them all; the storylet events are mapped there, to ``relationship_event``).
DATING_PROJECTIONS: Mapping[type[Event], Projector] = {
    NpcLiked: npc_liked,
    NpcPassed: npc_passed,
    MatchMade: match_made,
    DateWent: date_went,
    RelationshipChanged: relationship_changed,
    RelationshipAdvanceDeclined: advance_declined,
    AffectionChanged: affection_changed,
}
