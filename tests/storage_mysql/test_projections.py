"""Projections: every event class has one, and each writes the rows it should."""

from __future__ import annotations

import pytest
from attrs import frozen

from baolife_core import (
    EVENT_TYPES,
    AchievementUnlocked,
    Birthday,
    CharacterBorn,
    CharacterDied,
    DiamondsCredited,
    DiamondsSpent,
    EnergyGranted,
    EnergyRefilled,
    GameTimeSkipped,
    ItemGranted,
    ItemUsed,
    LoginRewardClaimed,
    PhotoAdded,
    PlayerCreated,
    QuestProgressed,
    QuestRewardPaid,
    QuestsRolled,
    StageEntered,
    StatisticsChanged,
    TutorialAdvanced,
    UtcOffsetSet,
)
from baolife_core.retention.statistics import STATISTIC_NAMES
from baolife_storage_mysql import PROJECTIONS, Origin, ProjectionError
from baolife_storage_mysql.projections import (
    InsertRow,
    UpdateRow,
    UpsertRow,
    project,
)
from baolife_storage_mysql.schema import (
    STATISTIC_COLUMNS,
    characters,
    diamond_transactions,
    energy_refill_purchases,
    player_achievements,
    player_daily_quests,
    player_inventory,
    player_login_streak,
    player_photo_album,
    player_statistics,
    time_skip_purchases,
)

ORIGIN = Origin(player_id="p-1", seq=7)
TX = "00000000-0000-5000-8000-000000000001"


class TestProjectionTable:
    """``PROJECTIONS`` is keyed by event class and covers the closed union."""

    def test_every_event_class_has_a_projection(self) -> None:
        """Adding an event to the core forces a decision here."""
        assert set(EVENT_TYPES) == set(PROJECTIONS)

    def test_an_unknown_event_fails_loudly(self) -> None:
        """An event without a projection is an error, not silently dropped rows."""

        @frozen
        class Surprise:
            at: int

        with pytest.raises(TypeError, match="Surprise"):
            project(ORIGIN, [Surprise(at=1)])  # type: ignore[list-item]


class TestRows:
    """The rows each event writes."""

    def test_player_created_inserts_the_streak_and_statistics_rows(self) -> None:
        """Every player has these two rows from creation on, at zero.

        The users and players rows are written by ``create_player`` itself.
        """
        expected = [
            InsertRow(
                player_login_streak,
                {
                    "player_id": "p-1",
                    "streak": 0,
                    "last_local_day": None,
                    "claimed_at": None,
                },
            ),
            InsertRow(
                player_statistics,
                {
                    "player_id": "p-1",
                    **dict.fromkeys(STATISTIC_NAMES, 0),
                    "updated_at": 1,
                },
            ),
        ]
        assert expected == project(ORIGIN, [PlayerCreated(at=1, seed=2)])

    @pytest.mark.parametrize(
        ("event", "delta"),
        [
            (DiamondsCredited(1, 1000, "starting_grant", "new_player", 1000, TX), 1000),
            (DiamondsSpent(1, 50, "energy_refill", "overcharge", 950, TX), -50),
        ],
        ids=["credit", "debit"],
    )
    def test_ledger_events_write_a_signed_ledger_row(
        self, event: DiamondsCredited | DiamondsSpent, delta: int
    ) -> None:
        """Credits and debits are one ``diamond_transactions`` row each, signed."""
        expected = [
            InsertRow(
                diamond_transactions,
                {
                    "player_id": "p-1",
                    "transaction_id": TX,
                    "seq": 7,
                    "delta": delta,
                    "reason": event.reason,
                    "reference": event.reference,
                    "balance_after": event.balance_after,
                    "at": 1,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_refill_writes_a_purchase_row(self) -> None:
        """A refill is one ``energy_refill_purchases`` row."""
        event = EnergyRefilled(
            at=5,
            refill_type="full",
            energy_before=10,
            energy_after=100,
            diamonds=35,
            transaction_id=TX,
        )
        expected = [
            InsertRow(
                energy_refill_purchases,
                {
                    "transaction_id": TX,
                    "player_id": "p-1",
                    "refill_type": "full",
                    "diamonds": 35,
                    "energy_before": 10,
                    "energy_after": 100,
                    "at": 5,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_time_skip_writes_a_purchase_row(self) -> None:
        """A time skip is one ``time_skip_purchases`` row."""
        event = GameTimeSkipped(
            at=5,
            skip_type="one_week",
            game_ms=604_800_000,
            day_before=3,
            day_after=10,
            diamonds=100,
            transaction_id=TX,
        )
        expected = [
            InsertRow(
                time_skip_purchases,
                {
                    "player_id": "p-1",
                    "transaction_id": TX,
                    "skip_type": "one_week",
                    "diamonds": 100,
                    "game_ms": 604_800_000,
                    "day_before": 3,
                    "day_after": 10,
                    "at": 5,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_rows_follow_event_order(self) -> None:
        """A purchase's debit row comes before its refill row."""
        spent = DiamondsSpent(1, 50, "energy_refill", "overcharge", 950, TX)
        refilled = EnergyRefilled(1, "overcharge", 100, 150, 50, TX)
        tables = [row.table for row in project(ORIGIN, [spent, refilled])]
        assert [diamond_transactions, energy_refill_purchases] == tables

    def test_time_skip_debit_comes_before_its_purchase_row(self) -> None:
        """A time skip's debit row comes before its purchase row."""
        spent = DiamondsSpent(1, 5, "time_skip", "one_hour", 995, TX)
        skipped = GameTimeSkipped(1, "one_hour", 3_600_000, 0, 0, 5, TX)
        tables = [row.table for row in project(ORIGIN, [spent, skipped])]
        assert [diamond_transactions, time_skip_purchases] == tables

    def test_birth_inserts_a_character_row_in_its_first_stage(self) -> None:
        """``CharacterBorn`` inserts the life's row with the event's stage."""
        event = CharacterBorn(
            at=5, life=2, name="Ada Bao", gender="female", stage="baby", day=40
        )
        expected = [
            InsertRow(
                characters,
                {
                    "player_id": "p-1",
                    "life": 2,
                    "name": "Ada Bao",
                    "gender": "female",
                    "born_day": 40,
                    "stage": "baby",
                    "died_day": None,
                    "death_age": None,
                    "cause": None,
                    "epitaph": None,
                    "born_at": 5,
                    "updated_at": 5,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_stage_updates_the_life_row(self) -> None:
        """``StageEntered`` sets the stage of the row keyed by (player, life)."""
        event = StageEntered(at=9, life=2, stage="teen", age=13, day=508)
        expected = [
            UpdateRow(
                characters,
                {"player_id": "p-1", "life": 2},
                {"stage": "teen", "updated_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_death_updates_the_life_row(self) -> None:
        """``CharacterDied`` records day, age, cause and epitaph on the row."""
        event = CharacterDied(
            at=9, life=2, day=600, age=15, cause="accident", epitaph="Ada, 15."
        )
        expected = [
            UpdateRow(
                characters,
                {"player_id": "p-1", "life": 2},
                {
                    "died_day": 600,
                    "death_age": 15,
                    "cause": "accident",
                    "epitaph": "Ada, 15.",
                    "updated_at": 9,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_rows_of_a_life_follow_event_order(self) -> None:
        """A death and a new life in one command: the update, then the insert."""
        died = CharacterDied(9, 1, 600, 15, "accident", "Ada, 15.")
        born = CharacterBorn(9, 2, "Bo Bao", "male", "baby", 600)
        kinds = [type(row) for row in project(ORIGIN, [died, born])]
        assert [UpdateRow, InsertRow] == kinds

    def test_photo_inserts_an_album_row_keyed_by_its_journal_position(self) -> None:
        """``PhotoAdded`` is one album row at (player, seq, event index)."""
        event = PhotoAdded(at=5, life=2, caption="Ada's first steps", day=40)
        expected = [
            InsertRow(
                player_photo_album,
                {
                    "player_id": "p-1",
                    "seq": 7,
                    "event_index": 0,
                    "life": 2,
                    "day": 40,
                    "caption": "Ada's first steps",
                    "taken_at": 5,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_event_index_is_the_event_s_position_in_the_record(self) -> None:
        """Equal photos in one record get distinct keys: their positions."""
        spent = DiamondsSpent(1, 5, "time_skip", "one_hour", 995, TX)
        photo = PhotoAdded(at=1, life=1, caption="Prom night", day=9)
        rows = project(ORIGIN, [spent, photo, photo])
        keys = [
            (row.values["seq"], row.values["event_index"])
            for row in rows
            if row.table is player_photo_album
        ]
        assert [(7, 1), (7, 2)] == keys

    def test_project_ignores_the_index_it_is_given(self) -> None:
        """The index comes from the events' order, not from the caller's origin."""
        photo = PhotoAdded(at=1, life=1, caption="Prom night", day=9)
        [row] = project(Origin(player_id="p-1", seq=7, event_index=4), [photo])
        assert 0 == row.values["event_index"]


class TestUpdateRow:
    """An ``UpdateRow`` names exactly one row and sets something else."""

    @pytest.mark.parametrize(
        "key",
        [{"player_id": "p-1"}, {"player_id": "p-1", "life": 1, "name": "Ada"}],
        ids=["partial", "extra"],
    )
    def test_key_must_be_the_primary_key(self, key: dict[str, object]) -> None:
        """A partial key would update several rows; an extra column is ignored SQL."""
        with pytest.raises(TypeError, match="primary key"):
            UpdateRow(characters, key, {"stage": "teen"})

    @pytest.mark.parametrize(
        "values", [{}, {"life": 2, "stage": "teen"}], ids=["empty", "key"]
    )
    def test_values_must_set_non_key_columns(self, values: dict[str, object]) -> None:
        """Nothing to set, or a key column to move, is a projector bug."""
        with pytest.raises(TypeError, match="none of the key"):
            UpdateRow(characters, {"player_id": "p-1", "life": 1}, values)

    def test_add_columns_must_be_set_columns(self) -> None:
        """``add`` names columns of the values (added to, rather than set)."""
        key = {"player_id": "p-1", "life": 1}
        assert (
            frozenset({"stage"})
            == UpdateRow(
                characters, key, {"stage": "teen"}, add=frozenset({"stage"})
            ).add
        )
        with pytest.raises(TypeError, match="add"):
            UpdateRow(characters, key, {"stage": "teen"}, add=frozenset({"born_day"}))


class TestMetagameRows:
    """The rows of the metagame's events."""

    def test_statistic_columns_are_the_core_s_statistics(self) -> None:
        """A new statistic in the core needs a column, so a migration."""
        assert STATISTIC_NAMES == STATISTIC_COLUMNS
        columns = [column.name for column in player_statistics.columns]
        assert ["player_id", *STATISTIC_NAMES, "updated_at"] == columns

    def test_a_login_claim_updates_the_streak_row(self) -> None:
        """The streak, its local day and the claim's instant."""
        event = LoginRewardClaimed(
            at=9, local_day=19_700, cycle_day=3, streak=3, reward="15 diamonds"
        )
        expected = [
            UpdateRow(
                player_login_streak,
                {"player_id": "p-1"},
                {"streak": 3, "last_local_day": 19_700, "claimed_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_changed_statistics_update_only_their_columns(self) -> None:
        """The event carries the values after; the others stay as they are."""
        event = StatisticsChanged(at=9, values=(("lives_lived", 2), ("login_days", 5)))
        expected = [
            UpdateRow(
                player_statistics,
                {"player_id": "p-1"},
                {"lives_lived": 2, "login_days": 5, "updated_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_an_achievement_inserts_its_row(self) -> None:
        """One row per achievement, at the instant it unlocked."""
        event = AchievementUnlocked(
            at=9, achievement="welcome", category="dedication", name="Welcome!"
        )
        expected = [
            InsertRow(
                player_achievements,
                {"player_id": "p-1", "achievement_id": "welcome", "unlocked_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_a_roll_inserts_one_row_per_quest_in_offer_order(self) -> None:
        """Keyed by (player, local day, quest); ``slot`` keeps the offer order."""
        event = QuestsRolled(
            at=9, local_day=19_700, quests=(("study", 3), ("log_in", 1))
        )
        expected = [
            InsertRow(
                player_daily_quests,
                {
                    "player_id": "p-1",
                    "local_day": 19_700,
                    "quest_id": quest,
                    "slot": slot,
                    "target": target,
                    "progress": 0,
                    "claimed_at": None,
                },
            )
            for slot, (quest, target) in enumerate(event.quests)
        ]
        assert expected == project(ORIGIN, [event])

    def test_progress_updates_the_quest_of_the_origin_s_quest_day(self) -> None:
        """``QuestProgressed`` has no day: the record's quest day keys the row."""
        origin = Origin(player_id="p-1", seq=7, quest_day=19_700)
        event = QuestProgressed(
            at=9, quest="study", progress=2, target=3, completed=False
        )
        expected = [
            UpdateRow(
                player_daily_quests,
                {"player_id": "p-1", "local_day": 19_700, "quest_id": "study"},
                {"progress": 2},
            )
        ]
        assert expected == project(origin, [event])

    def test_progress_before_any_roll_is_an_error(self) -> None:
        """No quest day: the journal cannot say which row, so nothing is written."""
        event = QuestProgressed(
            at=9, quest="study", progress=2, target=3, completed=False
        )
        with pytest.raises(ProjectionError, match="study"):
            project(ORIGIN, [event])

    def test_a_paid_quest_records_its_claim(self) -> None:
        """``QuestRewardPaid`` carries its day and keys the row with it."""
        origin = Origin(player_id="p-1", seq=7, quest_day=19_701)
        event = QuestRewardPaid(at=9, local_day=19_700, quest="study")
        expected = [
            UpdateRow(
                player_daily_quests,
                {"player_id": "p-1", "local_day": 19_700, "quest_id": "study"},
                {"claimed_at": 9},
            )
        ]
        assert expected == project(origin, [event])

    def test_a_grant_upserts_the_item_adding_its_count(self) -> None:
        """The first grant inserts; a later one adds to ``count``."""
        event = ItemGranted(at=9, item="lucky_charm", count=2, reason="achievement")
        expected = [
            UpsertRow(
                player_inventory,
                {
                    "player_id": "p-1",
                    "item_id": "lucky_charm",
                    "count": 2,
                    "updated_at": 9,
                },
                add=frozenset({"count"}),
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_a_use_sets_the_count_remaining(self) -> None:
        """``ItemUsed.remaining`` is absolute; 0 keeps the row."""
        event = ItemUsed(at=9, item="energy_drink", remaining=0)
        expected = [
            UpdateRow(
                player_inventory,
                {"player_id": "p-1", "item_id": "energy_drink"},
                {"count": 0, "updated_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])

    @pytest.mark.parametrize(
        "event",
        [
            Birthday(at=9, life=1, age=3, day=108),
            UtcOffsetSet(at=9, minutes=120),
            EnergyGranted(at=9, amount=20, energy_after=120, reason="quest"),
            TutorialAdvanced(at=9, flow="classic", step="welcome", finished=False),
        ],
        ids=lambda event: type(event).__name__,
    )
    def test_the_rest_of_the_metagame_writes_no_row(self, event: object) -> None:
        """Kept in the journal and the snapshot; the seed names no table."""
        assert [] == project(ORIGIN, [event])  # type: ignore[list-item]

    def test_project_keeps_the_origin_s_quest_day(self) -> None:
        """Each event's origin is the record's, with its own index."""
        origin = Origin(player_id="p-1", seq=7, quest_day=19_700)
        rolled = QuestsRolled(at=9, local_day=19_700, quests=(("study", 3),))
        moved = QuestProgressed(
            at=9, quest="study", progress=1, target=3, completed=False
        )
        rows = project(origin, [rolled, moved])
        assert [InsertRow, UpdateRow] == [type(row) for row in rows]
        assert 19_700 == rows[1].key["local_day"]  # type: ignore[union-attr]


class TestUpsertRow:
    """An ``UpsertRow`` has its whole key, and sets or adds other columns."""

    def test_values_must_hold_the_primary_key(self) -> None:
        """Without the key there is no row to insert or to find."""
        with pytest.raises(TypeError, match="primary key"):
            UpsertRow(player_inventory, {"player_id": "p-1", "count": 1})

    def test_something_besides_the_key_must_be_set(self) -> None:
        """An upsert of the key alone is an insert that may do nothing."""
        with pytest.raises(TypeError, match="must set some column"):
            UpsertRow(player_inventory, {"player_id": "p-1", "item_id": "x"})

    @pytest.mark.parametrize("add", ["item_id", "updated"], ids=["key", "absent"])
    def test_add_names_columns_of_the_values_outside_the_key(self, add: str) -> None:
        """Adding to a key column, or to a column not given, is a projector bug."""
        values = {"player_id": "p-1", "item_id": "x", "count": 1, "updated_at": 2}
        with pytest.raises(TypeError, match="add"):
            UpsertRow(player_inventory, values, add=frozenset({add}))
