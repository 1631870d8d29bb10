"""The metagame's tables: login streak, daily quests, achievements, statistics, items.

A played sequence — login rewards on five consecutive local days, a daily quest
completed and claimed, achievements unlocked, an item used up and granted again —
leaves rows equal to the state (``state.retention``), and replaying the journal
through the projectors rebuilds exactly the stored rows. On SQLite and MariaDB;
the contract part (the state and journal the port keeps) on every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import pytest
from attrs import asdict, evolve
from sqlalchemy import select

from baolife_core import (
    AchievementUnlocked,
    Catalog,
    ClaimDailyReward,
    CreateCharacter,
    DiamondsCredited,
    DiamondsSpent,
    Event,
    GameService,
    ItemGranted,
    ItemUsed,
    LoginRewardClaimed,
    PlayerState,
    PlayerStore,
    QuestsRolled,
    StatisticsChanged,
    replay,
)
from baolife_core.retention.login import local_day
from baolife_storage_mysql import ProjectionError, SqlPlayerStore
from baolife_storage_mysql.schema import (
    player_achievements,
    player_daily_quests,
    player_inventory,
    player_login_streak,
    player_statistics,
)

from .support import (
    DAY_MS,
    LOG_IN,
    LOGIN_DAYS,
    METAGAME_TABLES,
    T0,
    Played,
    genesis,
    journal_lines,
    ledger,
    new_ids,
    play_metagame,
    port_view,
    projected_rows,
    record_for,
    replayed_lines,
    row_counts,
    stored_rows,
    time_skip,
)

E = TypeVar("E")


def _state(store: PlayerStore, player_id: str) -> PlayerState:
    stored = store.load(player_id, fresh=True)
    assert stored is not None
    return stored.state


def _of(events: Sequence[Event], kind: type[E]) -> list[E]:
    """The events of one kind, in order."""
    return [event for event in events if isinstance(event, kind)]


class TestContract:
    """Every backend keeps the metagame in the state and the journal."""

    def test_the_played_sequence_is_stored_and_replays(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """The stored state is the journal's replay, with the sequence's progress."""
        played = play_metagame(GameService(store, catalog), catalog)
        state = _state(store, played.player_id)
        assert state == replay(store.journal(played.player_id), catalog)
        retention = state.retention
        assert (LOGIN_DAYS, LOGIN_DAYS) == (
            retention.login.streak,
            retention.statistics.login_days,
        )
        assert {"welcome", "quest_complete", "first_breath", "power_up"} <= set(
            retention.achievements
        )
        assert (("energy_drink", 1),) == retention.inventory


class TestRowsEqualTheState:
    """After the played sequence every metagame table says what the state says."""

    @pytest.fixture
    def played(self, sql_store: SqlPlayerStore, catalog: Catalog) -> Played:
        return play_metagame(GameService(sql_store, catalog), catalog)

    def _rows(
        self, sql_store: SqlPlayerStore, played: Played
    ) -> dict[str, list[dict[str, object]]]:
        return stored_rows(
            sql_store.engine,
            played.player_id,
            (
                player_login_streak,
                player_achievements,
                player_daily_quests,
                player_statistics,
                player_inventory,
            ),
        )

    def test_login_streak(self, sql_store: SqlPlayerStore, played: Played) -> None:
        """One row: the streak, its last local day and the last claim's instant."""
        login = _state(sql_store, played.player_id).retention.login
        [row] = self._rows(sql_store, played)["player_login_streak"]
        assert {
            "player_id": played.player_id,
            "streak": login.streak,
            "last_local_day": login.last_day,
            "claimed_at": played.login_at[-1],
        } == row
        assert (LOGIN_DAYS, local_day(played.login_at[-1], 0)) == (
            login.streak,
            login.last_day,
        )

    def test_achievements(self, sql_store: SqlPlayerStore, played: Played) -> None:
        """One row per unlocked achievement, at the instant it unlocked."""
        state = _state(sql_store, played.player_id)
        rows = self._rows(sql_store, played)["player_achievements"]
        unlocked = {
            event.achievement: event.at
            for event in _of(played.events, AchievementUnlocked)
        }
        assert unlocked == {row["achievement_id"]: row["unlocked_at"] for row in rows}
        assert sorted(state.retention.achievements) == sorted(unlocked)
        assert {"welcome", "quest_complete", "first_breath", "power_up"} <= set(
            unlocked
        )

    def test_daily_quests(self, sql_store: SqlPlayerStore, played: Played) -> None:
        """Every rolled day is kept; today's rows are the state's slots, in order."""
        quests = _state(sql_store, played.player_id).retention.quests
        rows = self._rows(sql_store, played)["player_daily_quests"]
        today = sorted(
            (row for row in rows if row["local_day"] == quests.day),
            key=lambda row: int(str(row["slot"])),
        )
        assert [
            (slot.quest, slot.target, slot.progress, slot.claimed)
            for slot in quests.slots
        ] == [
            (
                row["quest_id"],
                row["target"],
                row["progress"],
                row["claimed_at"] is not None,
            )
            for row in today
        ]
        rolled = {
            event.local_day: list(event.quests)
            for event in _of(played.events, QuestsRolled)
        }
        assert LOGIN_DAYS == len(rolled)
        assert rolled == {
            day: [
                (row["quest_id"], row["target"])
                for row in sorted(
                    (row for row in rows if row["local_day"] == day),
                    key=lambda row: int(str(row["slot"])),
                )
            ]
            for day in rolled
        }
        first_day = local_day(T0, 0)
        [log_in] = [
            row
            for row in rows
            if (row["local_day"], row["quest_id"]) == (first_day, LOG_IN)
        ]
        assert (1, 1, T0 + 2_000) == (
            log_in["target"],
            log_in["progress"],
            log_in["claimed_at"],
        )

    def test_statistics(self, sql_store: SqlPlayerStore, played: Played) -> None:
        """One row: the 16 statistics of the state, and the last change's instant."""
        statistics = _state(sql_store, played.player_id).retention.statistics
        [row] = self._rows(sql_store, played)["player_statistics"]
        last = _of(played.events, StatisticsChanged)[-1]
        assert {
            "player_id": played.player_id,
            **asdict(statistics),
            "updated_at": last.at,
        } == row
        assert LOGIN_DAYS == statistics.login_days

    def test_inventory(self, sql_store: SqlPlayerStore, played: Played) -> None:
        """Held items are the state's; the energy drink was used up, then granted."""
        inventory = _state(sql_store, played.player_id).retention.inventory
        rows = self._rows(sql_store, played)["player_inventory"]
        assert dict(inventory) == {
            row["item_id"]: row["count"] for row in rows if row["count"]
        }
        granted = [
            (event.item, event.count) for event in _of(played.events, ItemGranted)
        ]
        used = [(event.item, event.remaining) for event in _of(played.events, ItemUsed)]
        assert [("energy_drink", 1), ("energy_drink", 1)] == granted
        assert [("energy_drink", 0)] == used
        assert [("energy_drink", 1, played.login_at[-1])] == [
            (row["item_id"], row["count"], row["updated_at"]) for row in rows
        ]

    def test_diamonds_column_equals_ledger_sum_with_every_reward(
        self, sql_store: SqlPlayerStore, played: Played
    ) -> None:
        """Login, quest and achievement diamonds are ledger rows like any other."""
        balance = _state(sql_store, played.player_id).wallet.diamonds
        entries = _of(played.events, DiamondsCredited) + _of(
            played.events, DiamondsSpent
        )
        assert (balance, balance, 1 + len(entries)) == ledger(
            sql_store.engine, played.player_id
        )
        reasons = {
            event.reason for event in entries if isinstance(event, DiamondsCredited)
        }
        assert {"daily_reward", "quest", "achievement"} <= reasons


class TestReplay:
    """The tables are a function of the journal."""

    def test_replaying_the_journal_rebuilds_identical_rows(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The stored events, or the replayed commands, give exactly the rows."""
        played = play_metagame(GameService(sql_store, catalog), catalog)
        player = played.player_id
        stored = stored_rows(sql_store.engine, player)
        assert all(stored[name] for name in METAGAME_TABLES)
        assert stored == projected_rows(journal_lines(sql_store.engine, player))
        assert stored == projected_rows(replayed_lines(sql_store, player, catalog))


class TestNewPlayer:
    """``PlayerCreated`` inserts the rows every player has."""

    def test_a_new_player_has_a_streak_and_statistics_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """No claim yet; the starting grant already counts as diamonds earned."""
        ids = new_ids()
        created = genesis(ids, catalog)
        sql_store.create_player(created)
        rows = stored_rows(
            sql_store.engine, ids.player_id, (player_login_streak, player_statistics)
        )
        assert [
            {
                "player_id": ids.player_id,
                "streak": 0,
                "last_local_day": None,
                "claimed_at": None,
            }
        ] == rows["player_login_streak"]
        statistics = created.outcome.state.retention.statistics
        assert [
            {"player_id": ids.player_id, **asdict(statistics), "updated_at": T0}
        ] == rows["player_statistics"]
        assert catalog.starting_diamonds == statistics.diamonds_earned > 0


class TestWrites:
    """Updates must match their row; upserts insert, then add."""

    def test_an_item_used_that_was_never_granted_rolls_everything_back(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """No inventory row to update: ``ProjectionError``, nothing written."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        good = record_for(sql_store, ids.player_id, CreateCharacter(at=T0 + 1), catalog)
        ghost = ItemUsed(at=T0 + 1, item="time_crystal", remaining=0)
        broken = evolve(
            good, outcome=evolve(good.outcome, events=(*good.outcome.events, ghost))
        )
        before = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(ProjectionError, match="player_inventory"):
            sql_store.append(broken)
        assert before == (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )

    def test_grants_of_one_item_add_up_in_one_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The first grant inserts the row, later ones (same command or not) add."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        counts = []
        for at, grants in ((T0 + 1, (2, 3)), (T0 + 2, (4,))):
            command = time_skip(at, f"k-{at}")
            record = record_for(sql_store, ids.player_id, command, catalog)
            extra = tuple(ItemGranted(at, "lucky_charm", n, "test") for n in grants)
            sql_store.append(
                evolve(
                    record,
                    outcome=evolve(
                        record.outcome, events=(*record.outcome.events, *extra)
                    ),
                )
            )
            with sql_store.engine.connect() as connection:
                counts.append(
                    connection.execute(
                        select(
                            player_inventory.c.count, player_inventory.c.updated_at
                        ).where(
                            player_inventory.c.player_id == ids.player_id,
                            player_inventory.c.item_id == "lucky_charm",
                        )
                    ).one()
                )
        assert [(5, T0 + 1), (9, T0 + 2)] == [tuple(row) for row in counts]

    def test_a_login_claim_updates_the_one_streak_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A second local day continues the streak in place (no second row)."""
        service = GameService(sql_store, catalog)
        ids = new_ids()
        player = service.login_device(
            ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
        )
        for day in range(2):
            command = ClaimDailyReward(at=T0 + day * DAY_MS, idempotency_key=f"d{day}")
            result = service.execute(player, command)
            [claim] = _of(result.events, LoginRewardClaimed)
        rows = stored_rows(sql_store.engine, player, (player_login_streak,))
        assert [(2, claim.local_day, claim.at)] == [
            (row["streak"], row["last_local_day"], row["claimed_at"])
            for row in rows["player_login_streak"]
        ]
