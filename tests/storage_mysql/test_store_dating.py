"""Dating's player tables, written by a bot's dating life played through the service.

The life (``dating_support``) likes, passes, matches, dates, marries, divorces
and breaks up, and relationship events happen to it. Its rows are the projection
of its journal (the stored events, and the commands replayed), they say what
the state says, and a dating event that contradicts the tables rolls its whole
command back. On SQLite and MariaDB, with the catalog synced as a server does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from attrs import evolve
from sqlalchemy import Engine, select

from baolife_core import (
    Catalog,
    CreateCharacter,
    GameService,
    LifeEventOccurred,
    PlayerState,
    QuestionPosed,
    replay_outcomes,
)
from baolife_core.dating.stages import ENDINGS, current_romance
from baolife_core.events import (
    DateWent,
    Event,
    MatchMade,
    NpcLiked,
    NpcPassed,
    RelationshipChanged,
)
from baolife_core.testing import BotLife
from baolife_storage_mysql import ProjectionError, SqlPlayerStore, sync_catalog
from baolife_storage_mysql.dating_projections import Romances
from baolife_storage_mysql.schema import player_relationships, player_statistics

from .dating_support import DATING, Dated, play_dating, storylet_events
from .support import (
    SQL_BACKENDS,
    T0,
    genesis,
    journal_lines,
    new_ids,
    open_sql_store,
    port_view,
    projected_rows,
    record_for,
    replayed_lines,
    row_counts,
    stored_rows,
)

Rows = list[dict[str, object]]


def _rows(engine: Engine, player_id: str) -> dict[str, Rows]:
    return stored_rows(engine, player_id, DATING)


def _state(sql_store: SqlPlayerStore, player_id: str) -> PlayerState:
    stored = sql_store.load(player_id, fresh=True)
    assert stored is not None
    return stored.state


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def played(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    catalog: Catalog,
    dating_life: BotLife,
) -> Iterator[tuple[SqlPlayerStore, Dated]]:
    """The bot's dating life, played once per backend on a store whose catalog is
    synced (the tests only read it)."""
    store = open_sql_store(request.param, request, tmp_path_factory.mktemp("dated"))
    sync_catalog(store.engine, catalog)
    yield store, play_dating(GameService(store, catalog), dating_life)
    store.close()


@pytest.fixture
def dated_store(played: tuple[SqlPlayerStore, Dated]) -> SqlPlayerStore:
    """The store the bot's life was played on."""
    return played[0]


@pytest.fixture
def dated(played: tuple[SqlPlayerStore, Dated]) -> Dated:
    """The bot's life as played."""
    return played[1]


class TestTheLife:
    """The bot's life has everything the dating tables record."""

    def test_it_dates_marries_divorces_and_breaks_up(
        self, dated: Dated, catalog: Catalog
    ) -> None:
        """Likes, passes, matches, dates, every stage and both endings."""
        kinds = (NpcLiked, NpcPassed, MatchMade, DateWent)
        assert all(dated.of(kind) for kind in kinds)
        assert {"dating", "partner", "engaged", "married", "divorced", "ended"} <= set(
            dated.stages()
        )
        told = storylet_events(dated, catalog.storylets.relationship_events)
        assert {LifeEventOccurred, QuestionPosed} == {type(event) for event in told}


class TestRowsAreTheJournal:
    """The tables are a function of the journal (and the synced catalog)."""

    def test_the_stored_events_and_the_replay_give_exactly_the_rows(
        self, dated_store: SqlPlayerStore, catalog: Catalog, dated: Dated
    ) -> None:
        """Projected from the stored events (the NPC folded by ``Romances``) or
        from the replayed commands (the NPC read from the state): the same rows."""
        engine, player = dated_store.engine, dated.player_id
        rows = _rows(engine, player)
        assert all(rows.values()), {name: len(r) for name, r in rows.items()}
        assert rows == projected_rows(journal_lines(engine, player, catalog), DATING)
        assert rows == projected_rows(
            replayed_lines(dated_store, player, catalog), DATING
        )

    def test_the_fold_finds_the_state_s_current_relationship(
        self, dated_store: SqlPlayerStore, catalog: Catalog, dated: Dated
    ) -> None:
        """After every command, ``Romances`` names ``current_romance`` of the state."""
        romances = Romances()
        checked = 0
        for outcome in replay_outcomes(dated_store.journal(dated.player_id), catalog):
            romances = romances.after(outcome.events)
            character = outcome.state.character
            if character is None:
                continue
            current = current_romance(character)
            expected = None if current is None else current.npc.id
            assert expected == romances.current(character.life)
            checked += expected is not None
        assert checked > 0


class TestRowsAreTheState:
    """What the rows say of the relationships, dates and NPCs, the state says too."""

    def test_open_relationships_are_the_state_s_romances(
        self, dated_store: SqlPlayerStore, catalog: Catalog, dated: Dated
    ) -> None:
        """Stage, day, affections and dates of every relationship not ended.

        ``NULL`` affections are the match's start (the event does not carry it).
        """
        state = _state(dated_store, dated.player_id)
        assert state.character is not None
        start = catalog.dating.relationships.start_affection
        rows = _rows(dated_store.engine, dated.player_id)["player_relationships"]
        held = {
            row["npc_id"]: (
                row["stage"],
                row["since_day"],
                start if row["affection"] is None else row["affection"],
                start if row["npc_affection"] is None else row["npc_affection"],
                row["dates"],
            )
            for row in rows
            if row["stage"] not in ENDINGS
        }
        assert {
            romance.npc.id: (
                romance.stage,
                romance.since_day,
                romance.affection,
                romance.npc_affection,
                romance.dates,
            )
            for romance in state.character.dating.romances
        } == held

    def test_ended_relationships_keep_their_rows(
        self, dated_store: SqlPlayerStore, dated: Dated
    ) -> None:
        """One row per match; the ended ones at the stage they ended in."""
        rows = _rows(dated_store.engine, dated.player_id)["player_relationships"]
        endings = {
            event.npc_id: event.to_stage
            for event in dated.of(RelationshipChanged)
            if event.to_stage in ENDINGS
        }
        assert len(dated.of(MatchMade)) == len(rows)
        assert endings == {
            row["npc_id"]: row["stage"] for row in rows if row["stage"] in ENDINGS
        }
        assert {"ended", "divorced"} == set(endings.values())

    def test_one_date_row_per_date(
        self, dated_store: SqlPlayerStore, dated: Dated
    ) -> None:
        """``player_dates`` counts what the statistics and the relationships count."""
        rows = _rows(dated_store.engine, dated.player_id)
        dates = dated.of(DateWent)
        [statistics] = stored_rows(
            dated_store.engine, dated.player_id, (player_statistics,)
        )["player_statistics"]
        assert (
            len(dates)
            == len(rows["player_dates"])
            == statistics["dates_gone_on"]
            == sum(int(str(row["dates"])) for row in rows["player_relationships"])
        )
        assert sorted((d.at, d.npc_id, d.venue, d.activity) for d in dates) == sorted(
            (row["at"], row["npc_id"], row["venue_id"], row["activity_id"])
            for row in rows["player_dates"]
        )

    def test_bios_and_compatibility_of_every_like_and_pass(
        self, dated_store: SqlPlayerStore, dated: Dated
    ) -> None:
        """A compatibility row per like and pass; a bio and reasons per match."""
        rows = _rows(dated_store.engine, dated.player_id)
        matches = {event.npc_id: event for event in dated.of(MatchMade)}
        likes = dated.of(NpcLiked)
        assert len(likes) + len(dated.of(NpcPassed)) == len(
            rows["dating_compatibility"]
        )
        assert {
            (m.npc_id, m.name, m.gender, m.age, m.bio) for m in matches.values()
        } == {
            (row["npc_id"], row["name"], row["gender"], row["age"], row["bio"])
            for row in rows["npc_bios"]
        }
        assert {
            npc: json.dumps(list(m.reasons), separators=(",", ":"))
            for npc, m in matches.items()
        } == {
            row["npc_id"]: row["reasons"]
            for row in rows["dating_compatibility"]
            if row["matched_at"] is not None
        }
        assert {like.npc_id for like in likes if like.matched} == set(matches)

    def test_relationship_events_name_their_relationship(
        self, dated_store: SqlPlayerStore, catalog: Catalog, dated: Dated
    ) -> None:
        """A row per relationship storylet that happened, each about an NPC the
        character was in a relationship with."""
        rows = _rows(dated_store.engine, dated.player_id)
        told = storylet_events(dated, catalog.storylets.relationship_events)
        events = rows["player_relationship_events"]
        assert sorted((e.at, e.event_id) for e in told) == sorted(
            (row["at"], row["storylet_id"]) for row in events
        )
        partners = {row["npc_id"] for row in rows["player_relationships"]}
        assert {row["npc_id"] for row in events} <= partners


class TestWrites:
    """A dating event the tables contradict rolls its whole command back."""

    @pytest.mark.parametrize(
        "ghost",
        [
            DateWent(T0 + 1, 1, "npc-x", "cafe", "coffee", "good", 5, 500, 60, 60, 0),
            RelationshipChanged(
                T0 + 1, 1, "npc-x", "matched", "ended", "leave", "npc", 0, 0
            ),
            MatchMade(
                T0 + 1, 1, "npc-x", "Ann Lee", "female", 20, "Hi.", 70, (), 35, 35, 0
            ),
        ],
        ids=["date", "stage", "match_without_like"],
    )
    def test_an_event_about_an_unknown_npc_writes_nothing(
        self, sql_store: SqlPlayerStore, catalog: Catalog, ghost: Event
    ) -> None:
        """No row to update: ``ProjectionError``, nothing written."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        good = record_for(sql_store, ids.player_id, CreateCharacter(at=T0 + 1), catalog)
        broken = evolve(
            good, outcome=evolve(good.outcome, events=(*good.outcome.events, ghost))
        )
        before = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(ProjectionError):
            sql_store.append(broken)
        assert before == (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )

    def test_a_date_adds_one_to_the_stored_count(
        self, dated_store: SqlPlayerStore, dated: Dated
    ) -> None:
        """``dates`` is added to in SQL (``dates = dates + 1``), not recomputed."""
        table = player_relationships
        with dated_store.engine.connect() as connection:
            counts = {
                row.npc_id: row.dates
                for row in connection.execute(
                    select(table.c.npc_id, table.c.dates).where(
                        table.c.player_id == dated.player_id
                    )
                )
            }
        per_npc: dict[str, int] = {}
        for date in dated.of(DateWent):
            per_npc[date.npc_id] = per_npc.get(date.npc_id, 0) + 1
        assert per_npc == {npc: n for npc, n in counts.items() if n}
