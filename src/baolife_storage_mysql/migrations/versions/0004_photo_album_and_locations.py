"""The photo album (one row per PhotoAdded event) and the locations catalog.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A migration is a frozen copy of the schema at its revision: it must not import
``schema.py``, which keeps moving with later revisions.

``PhotoAdded`` events existed before this revision (kept in the journal only), so
the upgrade backfills the album from ``player_journal.events``, exactly as the
projector writes it: the events are read as this revision's wire format (JSON
objects with ``"type": "photo_added"``), never through the core, whose format may
move on. Offline (``--sql``) there is no journal to read and no backfill. The
locations are filled by ``sync_catalog`` when a server starts, not here: a
migration does not know which content the server runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ID = sa.String(length=36)
#: Journal lines read per backfill query.
_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "player_photo_album",
        sa.Column(
            "player_id",
            _ID,
            nullable=False,
            comment="the player this photo belongs to",
        ),
        sa.Column(
            "seq",
            sa.Integer(),
            nullable=False,
            comment="journal seq of the command that added the photo",
        ),
        sa.Column(
            "event_index",
            sa.Integer(),
            nullable=False,
            comment="position of the PhotoAdded event in that journal line's events",
        ),
        sa.Column(
            "life",
            sa.Integer(),
            nullable=False,
            comment="the life the photo was taken in",
        ),
        sa.Column(
            "day",
            sa.BigInteger(),
            nullable=False,
            comment="game day index of the photo",
        ),
        sa.Column("caption", sa.Text(), nullable=False, comment="the rendered caption"),
        sa.Column("taken_at", sa.BigInteger(), nullable=False, comment="instant, ms"),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_player_photo_album_player_id_players"),
        ),
        sa.PrimaryKeyConstraint(
            "player_id", "seq", "event_index", name=op.f("pk_player_photo_album")
        ),
        comment="The photo album: one row per PhotoAdded event, kept across lives.",
        **_MYSQL,
    )
    op.create_table(
        "locations",
        sa.Column(
            "id",
            sa.String(length=64),
            nullable=False,
            comment="location id from content",
        ),
        sa.Column(
            "name", sa.String(length=128), nullable=False, comment="display name"
        ),
        sa.Column(
            "min_age",
            sa.Integer(),
            nullable=False,
            comment="open from this age, years",
        ),
        sa.Column(
            "max_age",
            sa.Integer(),
            nullable=False,
            comment="open up to this age, years",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        comment="Catalog: the activity locations of the content the server runs.",
        **_MYSQL,
    )
    if not context.is_offline_mode():
        _backfill_album(op.get_bind())


_journal = sa.table(
    "player_journal",
    sa.column("player_id", _ID),
    sa.column("seq", sa.Integer()),
    sa.column("events", sa.Text()),
)
_album = sa.table(
    "player_photo_album",
    *(
        sa.column(name)
        for name in (
            "player_id",
            "seq",
            "event_index",
            "life",
            "day",
            "caption",
            "taken_at",
        )
    ),
)


def _journal_lines(connection: sa.Connection) -> Iterator[Sequence[Any]]:
    """Batches of the journal lines that may hold a photo, in (player, seq) order.

    Keyset pages, so no result set stays open while the album is written.
    """
    mentions_photo = _journal.c.events.like('%"photo_added"%')
    after: tuple[str, int] | None = None
    while True:
        query = sa.select(_journal.c.player_id, _journal.c.seq, _journal.c.events)
        query = query.where(mentions_photo)
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


def _backfill_album(connection: sa.Connection) -> None:
    """One album row per ``photo_added`` event already in the journal."""
    for lines in _journal_lines(connection):
        rows = [
            {
                "player_id": line.player_id,
                "seq": line.seq,
                "event_index": index,
                "life": event["life"],
                "day": event["day"],
                "caption": event["caption"],
                "taken_at": event["at"],
            }
            for line in lines
            for index, event in enumerate(json.loads(line.events))
            if event.get("type") == "photo_added"
        ]
        if rows:
            connection.execute(sa.insert(_album), rows)


def downgrade() -> None:
    op.drop_table("locations")
    op.drop_table("player_photo_album")
