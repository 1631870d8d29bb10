"""The journal backfill of migration 0007 (dating), kept apart from the revision
only for the length of the file.

Frozen with its revision: like a migration it reads the journal in revision
0007's wire format (JSON objects with a ``"type"``), never through the core or
``schema``, which move on; it is never edited for a later change (a later revision
that must backfill again writes its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["backfill"]

_ID = sa.String(length=36)
_BATCH = 500

#: The wire names of the events that write rows of the backfilled tables.
_EVENTS = (
    "npc_liked",
    "npc_passed",
    "match_made",
    "date_went",
    "relationship_changed",
    "relationship_advance_declined",
    "affection_changed",
)

_journal = sa.table(
    "player_journal",
    sa.column("player_id", _ID),
    sa.column("seq", sa.Integer()),
    sa.column("events", sa.Text()),
)


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column) for column in columns))


_NPC = ("player_id", "life", "npc_id")
_TABLES = {
    "npc_bios": _table("npc_bios", *_NPC, "name", "gender", "age", "bio", "created_at"),
    "dating_compatibility": _table(
        "dating_compatibility",
        *_NPC,
        "compatibility",
        "choice",
        "matched_at",
        "reasons",
        "at",
    ),
    "player_relationships": _table(
        "player_relationships",
        *_NPC,
        "stage",
        "since_day",
        "affection",
        "npc_affection",
        "dates",
        "updated_at",
    ),
    "player_dates": _table(
        "player_dates",
        "player_id",
        "seq",
        "event_index",
        "life",
        "npc_id",
        "venue_id",
        "activity_id",
        "outcome",
        "energy",
        "money_cents",
        "affection",
        "npc_affection",
        "day",
        "at",
    ),
}


def _journal_lines(connection: sa.Connection) -> Iterator[Sequence[Any]]:
    """Batches of the journal lines naming a dating event, in (player, seq) order.

    Keyset pages, so no result set stays open while the rows are written.
    """
    mentions = sa.or_(*(_journal.c.events.like(f'%"{name}"%') for name in _EVENTS))
    after: tuple[str, int] | None = None
    while True:
        query = sa.select(_journal.c.player_id, _journal.c.seq, _journal.c.events)
        query = query.where(mentions)
        if after is not None:
            player_id, seq = after
            query = query.where(
                sa.or_(
                    _journal.c.player_id > player_id,
                    sa.and_(_journal.c.player_id == player_id, _journal.c.seq > seq),
                )
            )
        query = query.order_by(_journal.c.player_id, _journal.c.seq).limit(_BATCH)
        lines = connection.execute(query).all()
        if not lines:
            return
        yield lines
        after = (lines[-1].player_id, lines[-1].seq)


class _Player:
    """One player's rows, folded from the journal as the projectors write them."""

    def __init__(self, player_id: str) -> None:
        self.player_id = player_id
        # Rows by table, then by primary key, in insertion order.
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            name: {} for name in _TABLES
        }

    def _insert(self, table: str, key: tuple[Any, ...], row: dict[str, Any]) -> None:
        if key in self.rows[table]:
            raise RuntimeError(f"{table}: {self.player_id} has {key} twice")
        self.rows[table][key] = {"player_id": self.player_id, **row}

    def _update(self, table: str, key: tuple[Any, ...], values: dict[str, Any]) -> None:
        row = self.rows[table].get(key)
        if row is None:
            raise RuntimeError(f"{table}: {self.player_id} has no row {key} to update")
        row.update(values)

    def apply(self, seq: int, index: int, event: dict[str, Any]) -> None:
        """The rows one event writes (``dating_projections`` of revision 0007)."""
        kind, at = event["type"], event["at"]
        npc = {"life": event["life"], "npc_id": event["npc_id"]}
        key = (event["life"], event["npc_id"])
        if kind in ("npc_liked", "npc_passed"):
            liked = kind == "npc_liked"
            self._insert(
                "dating_compatibility",
                key,
                {
                    **npc,
                    "compatibility": event["compatibility"],
                    "choice": "like" if liked else "pass",
                    "matched_at": at if liked and event["matched"] else None,
                    "reasons": None,
                    "at": at,
                },
            )
        elif kind == "match_made":
            reasons = json.dumps(
                list(event["reasons"]),
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=True,
            )
            self._update("dating_compatibility", key, {"reasons": reasons})
            self._insert(
                "npc_bios",
                key,
                {
                    **npc,
                    "name": event["name"],
                    "gender": event["gender"],
                    "age": event["age"],
                    "bio": event["bio"],
                    "created_at": at,
                },
            )
            self._insert(
                "player_relationships",
                key,
                {
                    **npc,
                    "stage": "matched",
                    "since_day": event["day"],
                    "affection": event["affection"],
                    "npc_affection": event["npc_affection"],
                    "dates": 0,
                    "updated_at": at,
                },
            )
        elif kind == "date_went":
            self._insert(
                "player_dates",
                (seq, index),
                {
                    "seq": seq,
                    "event_index": index,
                    **npc,
                    "venue_id": event["venue"],
                    "activity_id": event["activity"],
                    "outcome": event["outcome"],
                    "energy": event["energy"],
                    "money_cents": event["money_cents"],
                    "affection": event["affection"],
                    "npc_affection": event["npc_affection"],
                    "day": event["day"],
                    "at": at,
                },
            )
            dates = self.rows["player_relationships"].get(key, {}).get("dates", 0)
            self._update(
                "player_relationships",
                key,
                {
                    "affection": event["affection"],
                    "npc_affection": event["npc_affection"],
                    "dates": dates + 1,
                    "updated_at": at,
                },
            )
        elif kind == "relationship_changed":
            self._update(
                "player_relationships",
                key,
                {
                    "stage": event["to_stage"],
                    "since_day": event["day"],
                    "updated_at": at,
                },
            )
        elif kind == "relationship_advance_declined":
            self._update(
                "player_relationships",
                key,
                {"npc_affection": event["npc_affection"], "updated_at": at},
            )
        elif kind == "affection_changed":
            self._update(
                "player_relationships",
                key,
                {
                    "affection": event["affection"],
                    "npc_affection": event["npc_affection"],
                    "updated_at": at,
                },
            )

    def write(self, connection: sa.Connection) -> None:
        for name, rows in self.rows.items():
            if rows:
                connection.execute(sa.insert(_TABLES[name]), list(rows.values()))


def backfill(connection: sa.Connection) -> None:
    """The rows the projectors would have written for the journal so far."""
    player: _Player | None = None
    for lines in _journal_lines(connection):
        for line in lines:
            if player is None or player.player_id != line.player_id:
                if player is not None:
                    player.write(connection)
                player = _Player(line.player_id)
            for index, event in enumerate(json.loads(line.events)):
                if event.get("type") in _EVENTS:
                    player.apply(line.seq, index, event)
    if player is not None:
        player.write(connection)
