"""Revision 0007: a dating life journaled before it becomes the projectors' rows.

The bot's dating life is played on a database at 0006 by today's code writing as
the code before 0007 did (``as_before_0007``). Upgrading backfills the NPC bios,
likes, relationships and dates from the journal; the first ``sync_catalog`` lists
the relationship events and rebuilds their rows. Together they are exactly the
rows a store at 0007 with the catalog synced writes, and play goes on over them.
On SQLite and MariaDB.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect

from baolife_core import BreakUp, Catalog, GameService, Rejection
from baolife_core.events import RelationshipChanged
from baolife_core.testing import BotLife
from baolife_storage_mysql import SqlPlayerStore, run_migrations, sync_catalog

from .dating_support import DATING, play_dating
from .migrate_support import HEAD, differences, revision_of
from .support import (
    DATING_TABLES,
    as_before_0007,
    journal_lines,
    projected_rows,
    replayed_lines,
    row_counts,
    stored_rows,
)

#: The schema before dating.
METAGAME = "0006"
#: The catalog tables 0007 adds.
DATING_CATALOG = {"date_venues", "date_activities", "relationship_events"}
#: The one dating table the migration cannot backfill (the sync does).
EVENTS = "player_relationship_events"


class TestFrom0006:
    """A dating life played before 0007, upgraded, then synced."""

    @pytest.mark.parametrize("revision", [METAGAME])
    def test_upgrade_and_first_sync_write_the_projectors_rows(
        self,
        older_engine: Engine,
        catalog: Catalog,
        dating_life: BotLife,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Backfilled by the migration, relationship events by the sync: the rows
        of the replayed journal; then a break-up updates a backfilled row."""
        assert METAGAME == revision_of(older_engine)
        tables = set(inspect(older_engine).get_table_names())
        assert not (DATING_CATALOG | set(DATING_TABLES)) & tables
        as_before_0007(monkeypatch)
        store = SqlPlayerStore(older_engine)
        service = GameService(store, catalog)
        dated = play_dating(service, dating_life)
        player = dated.player_id
        before = row_counts(older_engine, player, exclude=DATING_TABLES)
        monkeypatch.undo()

        run_migrations(older_engine)

        assert HEAD == revision_of(older_engine)
        assert [] == differences(older_engine)
        expected = projected_rows(replayed_lines(store, player, catalog), DATING)
        assert all(expected.values()), {k: len(v) for k, v in expected.items()}
        backfilled = stored_rows(older_engine, player, DATING)
        assert {**expected, EVENTS: []} == backfilled
        counts = {name: len(rows) for name, rows in backfilled.items()}
        assert {**before, **counts} == row_counts(older_engine, player)

        report = sync_catalog(older_engine, catalog).table("relationship_events")

        assert expected == stored_rows(older_engine, player, DATING)
        assert report.rebuilt >= len(expected[EVENTS])
        state = service.load(player).state
        assert state.character is not None
        romance = state.character.dating.romances[0]
        ended = service.execute(
            player, BreakUp(at=state.clock.now_at + 1, npc_id=romance.npc.id)
        )
        assert not isinstance(ended.reply, Rejection), ended.reply
        [changed] = [e for e in ended.events if isinstance(e, RelationshipChanged)]
        rows = stored_rows(older_engine, player, DATING)
        assert rows == projected_rows(
            journal_lines(older_engine, player, catalog), DATING
        )
        assert {(romance.npc.id, changed.to_stage)} <= {
            (row["npc_id"], row["stage"]) for row in rows["player_relationships"]
        }
