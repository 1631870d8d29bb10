"""The SQL store's ``player_photo_album`` rows, on SQLite and MariaDB.

``PhotoAdded`` inserts one row per photo, keyed by ``(player_id, seq,
event_index)``: where the journal holds the event. Photos come from storylets
(the bundled "first word" and "first steps" happen before age 3), so lives run on
content where a storylet happens every day and nobody dies. The lives stay below
school age: they need no projection but the album's and the characters'. Time
moves with one-hour time skips (accepted while diamonds last) at yearly instants.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from baolife_core import (
    Catalog,
    CharacterCreated,
    CharacterDied,
    CreateCharacter,
    GameService,
    PhotoAdded,
    PlayerState,
    replay_outcomes,
    to_wire,
)
from baolife_storage_mysql import Origin, SqlPlayerStore
from baolife_storage_mysql.projections import InsertRow, project
from baolife_storage_mysql.schema import player_journal, player_photo_album
from content_packs import life_catalog

from .support import (
    STORIED,
    T0,
    YEAR_MS,
    live_years,
    new_ids,
    row_counts,
    time_skip,
)

#: ``STORIED``, but everybody dies on the next day lived (a content update).
STORIED_DOOMED = life_catalog(daily_ppm=1_000_000, story_chance_ppm=1_000_000)


def _login(service: GameService) -> str:
    ids = new_ids()
    return service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )


def _born(service: GameService, player: str, at: int) -> CharacterCreated:
    reply = service.execute(player, CreateCharacter(at=at)).reply
    assert isinstance(reply, CharacterCreated), reply
    return reply


def _album(store: SqlPlayerStore, player: str) -> list[dict[str, Any]]:
    """The player's album in order: the query the primary key serves."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(player_photo_album)
            .where(player_photo_album.c.player_id == player)
            .order_by(player_photo_album.c.seq, player_photo_album.c.event_index)
        ).all()
    return [dict(row._mapping) for row in rows]


def _state(store: SqlPlayerStore, player: str) -> PlayerState:
    stored = store.load(player, fresh=True)
    assert stored is not None
    return stored.state


def _as_album(rows: list[dict[str, Any]]) -> list[tuple[object, object, object]]:
    """``(life, day, caption)`` of each row, as ``PlayerState.album`` holds them."""
    return [(row["life"], row["day"], row["caption"]) for row in rows]


def _state_album(state: PlayerState) -> list[tuple[object, object, object]]:
    return [(photo.life, photo.day, photo.caption) for photo in state.album]


@pytest.fixture(scope="module")
def storied() -> Catalog:
    """Content where a storylet happens every day and nobody dies."""
    return STORIED


class TestAlbum:
    """One row per ``PhotoAdded`` event, in the album's order."""

    def test_a_childhood_s_photos_are_the_state_s_album(
        self, sql_store: SqlPlayerStore, storied: Catalog
    ) -> None:
        """Rows equal the snapshot's album and the events, in order."""
        service = GameService(sql_store, storied)
        player = _login(service)
        _born(service, player, T0 + 1)
        photos = live_years(service, player, T0 + 1, 4)
        assert len(photos) >= 2  # the first word and the first steps
        rows = _album(sql_store, player)
        album = _state_album(_state(sql_store, player))
        assert album == _as_album(rows)
        assert [(p.life, p.day, p.caption, p.at) for p in photos] == [
            (row["life"], row["day"], row["caption"], row["taken_at"]) for row in rows
        ]
        assert {1} == {row["life"] for row in rows}
        assert len(rows) == row_counts(sql_store.engine, player)["player_photo_album"]

    def test_a_row_s_key_names_its_event_in_the_journal(
        self, sql_store: SqlPlayerStore, storied: Catalog
    ) -> None:
        """``events[event_index]`` of journal line ``seq`` is the row's photo."""
        service = GameService(sql_store, storied)
        player = _login(service)
        _born(service, player, T0 + 1)
        live_years(service, player, T0 + 1, 3)
        rows = _album(sql_store, player)
        assert rows
        with sql_store.engine.connect() as connection:
            lines = dict(
                connection.execute(
                    select(player_journal.c.seq, player_journal.c.events).where(
                        player_journal.c.player_id == player
                    )
                ).all()
            )
        for row in rows:
            event = json.loads(lines[row["seq"]])[row["event_index"]]
            photo = PhotoAdded(
                at=row["taken_at"],
                life=row["life"],
                caption=row["caption"],
                day=row["day"],
            )
            assert to_wire(photo) == event

    def test_the_rows_are_a_pure_function_of_the_journal(
        self, sql_store: SqlPlayerStore, storied: Catalog
    ) -> None:
        """Replaying the journal through the projectors rebuilds the album rows."""
        service = GameService(sql_store, storied)
        player = _login(service)
        _born(service, player, T0 + 1)
        live_years(service, player, T0 + 1, 3)
        rebuilt = [
            dict(row.values)
            for outcome in replay_outcomes(sql_store.journal(player), storied)
            for row in project(Origin(player, outcome.state.seq), outcome.events)
            if isinstance(row, InsertRow) and row.table is player_photo_album
        ]
        assert rebuilt
        assert rebuilt == _album(sql_store, player)

    def test_the_album_is_kept_across_lives(
        self, sql_store: SqlPlayerStore, storied: Catalog
    ) -> None:
        """Life 1 dies (after a content update), life 2 adds its own photos."""
        service = GameService(sql_store, storied)
        player = _login(service)
        _born(service, player, T0 + 1)
        first = live_years(service, player, T0 + 1, 3)
        doomed = GameService(sql_store, STORIED_DOOMED)
        lived = doomed.execute(
            player, time_skip(T0 + 4 * YEAR_MS, "die", "to_tomorrow")
        )
        assert any(isinstance(e, CharacterDied) for e in lived.events)
        reborn_at = T0 + 4 * YEAR_MS + 1
        assert 2 == _born(service, player, reborn_at).life
        second = live_years(service, player, reborn_at, 3)
        assert first
        assert second
        rows = _album(sql_store, player)
        assert _state_album(_state(sql_store, player)) == _as_album(rows)
        lives = [row["life"] for row in rows]
        assert lives == sorted(lives)
        assert {1, 2} == set(lives)
