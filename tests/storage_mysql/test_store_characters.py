"""The SQL store's ``characters`` rows, on SQLite and MariaDB.

``CharacterBorn`` inserts a life's row in its first stage, ``StageEntered`` sets
its stage and ``CharacterDied`` how it ended; both are updates by
``(player_id, life)`` in the command's transaction. Time moves with a command's
instant (the bundled clock: one game day per 24 wall minutes, 36 days a year) or
with a time skip. Lives run on content with a death hazard of 0 (nobody dies, so a
stage test cannot flake) or of 1,000,000 ppm a day (a character dies on the first
game day after birth).
"""

from __future__ import annotations

import pytest
from attrs import evolve
from sqlalchemy import select

from baolife_core import (
    AchievementUnlocked,
    Catalog,
    CharacterBorn,
    CharacterCreated,
    CharacterDied,
    CreateCharacter,
    DiamondsCredited,
    GameService,
    PlayerState,
    Rejection,
    StageEntered,
    StatisticsChanged,
    TimeSkipped,
)
from baolife_storage_mysql import ProjectionError, SqlPlayerStore
from baolife_storage_mysql.schema import characters
from content_packs import DOOMED, IMMORTAL

from .support import (
    T0,
    genesis,
    new_ids,
    port_view,
    purchase,
    record_for,
    row_counts,
    time_skip,
)

#: Wall milliseconds of one game day on the bundled clock (24 minutes).
DAY_MS = 24 * 60 * 1000
#: Game days of one game year in the bundled content.
YEAR_DAYS = 36
#: The instant a character created at ``T0 + 1`` turns ``years`` old.
BIRTHDAY = {years: T0 + years * YEAR_DAYS * DAY_MS for years in (3, 13)}


@pytest.fixture(scope="module")
def immortal() -> Catalog:
    """The bundled content where nobody dies and no storylet happens."""
    return IMMORTAL


@pytest.fixture(scope="module")
def lethal() -> Catalog:
    """The bundled content where a character dies on the first day it lives."""
    return DOOMED


def _login(service: GameService) -> str:
    ids = new_ids()
    return service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )


def _born(service: GameService, player: str, at: int = T0 + 1) -> CharacterCreated:
    reply = service.execute(player, CreateCharacter(at=at)).reply
    assert isinstance(reply, CharacterCreated), reply
    return reply


def _rows(store: SqlPlayerStore, player: str) -> list[dict[str, object]]:
    """The player's ``characters`` rows, by life."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(characters)
            .where(characters.c.player_id == player)
            .order_by(characters.c.life)
        ).all()
    return [dict(row._mapping) for row in rows]


def _state(store: SqlPlayerStore, player: str) -> PlayerState:
    stored = store.load(player, fresh=True)
    assert stored is not None
    return stored.state


def _newborn(
    player: str, reply: CharacterCreated, day: int, at: int
) -> dict[str, object]:
    """The row ``CharacterBorn`` writes for ``reply``'s life."""
    return {
        "player_id": player,
        "life": reply.life,
        "name": reply.name,
        "gender": reply.gender,
        "born_day": day,
        "stage": reply.stage,
        "died_day": None,
        "death_age": None,
        "cause": None,
        "epitaph": None,
        "born_at": at,
        "updated_at": at,
    }


class TestBirth:
    """``create_character`` inserts one row per life."""

    def test_create_character_writes_one_row(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """A generated life: the reply's name, gender and stage, born today."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        reply = _born(service, player)
        assert (1, "baby") == (reply.life, reply.stage)
        assert [_newborn(player, reply, 0, T0 + 1)] == _rows(sql_store, player)
        counts = row_counts(sql_store.engine, player)
        assert (1, 2, 0) == (
            counts["characters"],
            counts["player_journal"],
            counts["processed_transactions"],  # create_character has no key
        )

    def test_given_name_and_gender_are_stored(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """What the command gives is what the row holds."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        command = CreateCharacter(at=T0 + 1, name="Ada Bao", gender="nonbinary")
        service.execute(player, command)
        [row] = _rows(sql_store, player)
        assert ("Ada Bao", "nonbinary") == (row["name"], row["gender"])

    def test_a_second_life_while_alive_is_refused_and_writes_nothing(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """The rejection is not appended: no row, no journal line."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        _born(service, player)
        before = row_counts(sql_store.engine, player)
        result = service.execute(player, CreateCharacter(at=T0 + 2))
        assert isinstance(result.reply, Rejection), result.reply
        assert before == row_counts(sql_store.engine, player)


class TestStages:
    """``StageEntered`` updates the life's row; time moves by instant or skip."""

    def test_a_birthday_crossed_by_a_later_command_sets_the_stage(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """The first command at age 3 enters ``child``: stage and ``updated_at``."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        reply = _born(service, player)
        at = BIRTHDAY[3]
        result = service.execute(player, purchase(at, "k-1"))
        entered = [e for e in result.events if isinstance(e, StageEntered)]
        assert [StageEntered(at=at, life=1, stage="child", age=3, day=108)] == entered
        expected = {**_newborn(player, reply, 0, T0 + 1), "stage": "child"}
        assert [{**expected, "updated_at": at}] == _rows(sql_store, player)
        assert "child" == _state(sql_store, player).character.stage  # type: ignore[union-attr]

    def test_stages_crossed_by_one_command_leave_the_last(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """Ages 3 and 13 in one step: two updates in one transaction, ``teen`` wins."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        _born(service, player)
        result = service.execute(player, purchase(BIRTHDAY[13], "k-1"))
        stages = [e.stage for e in result.events if isinstance(e, StageEntered)]
        assert ["child", "teen"] == stages
        [row] = _rows(sql_store, player)
        assert ("teen", BIRTHDAY[13]) == (row["stage"], row["updated_at"])
        assert 1 == row_counts(sql_store.engine, player)["characters"]

    def test_a_time_skip_over_a_birthday_sets_the_stage(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """A week skipped from day 104 crosses day 108: the skip's own transaction."""
        service = GameService(sql_store, immortal)
        player = _login(service)
        _born(service, player)
        at = T0 + 104 * DAY_MS
        service.execute(player, purchase(at, "k-1"))
        assert ["baby"] == [row["stage"] for row in _rows(sql_store, player)]
        result = service.execute(player, time_skip(at + 1, "k-2", "one_week"))
        assert isinstance(result.reply, TimeSkipped), result.reply
        [row] = _rows(sql_store, player)
        assert ("child", at + 1) == (row["stage"], row["updated_at"])
        counts = row_counts(sql_store.engine, player)
        assert (1, 1) == (counts["characters"], counts["time_skip_purchases"])


class TestDeath:
    """``CharacterDied`` completes the row; ``create_character`` then adds life 2."""

    def test_a_death_fills_the_row_and_the_next_life_is_a_new_row(
        self, sql_store: SqlPlayerStore, lethal: Catalog
    ) -> None:
        """Death on the skipped-to day: its day, age, cause and epitaph; then life 2."""
        service = GameService(sql_store, lethal)
        player = _login(service)
        first = _born(service, player)
        skipped = service.execute(player, time_skip(T0 + 2, "k-1", "to_tomorrow"))
        [died] = [e for e in skipped.events if isinstance(e, CharacterDied)]
        assert (1, 1, 0) == (died.life, died.day, died.age)
        death = _state(sql_store, player).character.death  # type: ignore[union-attr]
        assert death is not None
        assert (died.cause, died.epitaph) == (death.cause, death.epitaph)
        dead = {
            **_newborn(player, first, 0, T0 + 1),
            "died_day": 1,
            "death_age": 0,
            "cause": died.cause,
            "epitaph": died.epitaph,
            "updated_at": T0 + 2,
        }
        assert [dead] == _rows(sql_store, player)

        second = _born(service, player, T0 + 3)
        assert 2 == second.life
        assert [dead, _newborn(player, second, 1, T0 + 3)] == _rows(sql_store, player)

    def test_death_and_rebirth_in_one_command(
        self, sql_store: SqlPlayerStore, lethal: Catalog
    ) -> None:
        """A ``create_character`` a day later: life 1 dies, then life 2 is born."""
        service = GameService(sql_store, lethal)
        player = _login(service)
        _born(service, player)
        at = T0 + DAY_MS
        result = service.execute(player, CreateCharacter(at=at))
        kinds = [type(event) for event in result.events]
        # Then the metagame: lives_lived 2 unlocks second_chance (20 diamonds),
        # whose credit counts as diamonds earned.
        assert [
            CharacterDied,
            CharacterBorn,
            StatisticsChanged,
            AchievementUnlocked,
            DiamondsCredited,
            StatisticsChanged,
        ] == kinds
        unlocked = [e for e in result.events if isinstance(e, AchievementUnlocked)]
        assert ["second_chance"] == [event.achievement for event in unlocked]
        rows = _rows(sql_store, player)
        assert [(1, 1, at), (2, None, at)] == [
            (row["life"], row["died_day"], row["updated_at"]) for row in rows
        ]
        assert 1 == rows[1]["born_day"]


class TestUpdates:
    """An update is one matched row, or the whole command rolls back."""

    def test_an_update_without_its_row_rolls_everything_back(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """A stage for a life never born: ``ProjectionError``, nothing written."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, immortal))
        sql_store.append(
            record_for(sql_store, ids.player_id, CreateCharacter(at=T0 + 1), immortal)
        )
        good = record_for(sql_store, ids.player_id, purchase(T0 + 2, "k-1"), immortal)
        ghost = StageEntered(at=T0 + 2, life=9, stage="child", age=3, day=0)
        broken = evolve(
            good, outcome=evolve(good.outcome, events=(*good.outcome.events, ghost))
        )
        before = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(ProjectionError, match="characters"):
            sql_store.append(broken)
        after = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        assert before == after

    def test_an_update_that_changes_nothing_still_matches_its_row(
        self, sql_store: SqlPlayerStore, immortal: Catalog
    ) -> None:
        """MySQL counts matched rows, not changed ones (SQLAlchemy's FOUND_ROWS)."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, immortal))
        sql_store.append(
            record_for(sql_store, ids.player_id, CreateCharacter(at=T0 + 1), immortal)
        )
        record = record_for(
            sql_store, ids.player_id, purchase(BIRTHDAY[3], "k-1"), immortal
        )
        [entered] = [e for e in record.outcome.events if isinstance(e, StageEntered)]
        twice = evolve(
            record,
            outcome=evolve(record.outcome, events=(*record.outcome.events, entered)),
        )
        sql_store.append(twice)
        [row] = _rows(sql_store, ids.player_id)
        assert ("child", BIRTHDAY[3]) == (row["stage"], row["updated_at"])
