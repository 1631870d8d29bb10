"""Helpers of the storage tests: fresh ids, a genesis, and probes of the tables."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest
from attrs import evolve, frozen
from sqlalchemy import Engine, Table, event, func, select

from baolife_core import (
    Catalog,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    CommandRecord,
    CreateCharacter,
    DailyRewardClaimed,
    Event,
    GameService,
    Genesis,
    LifeEventOccurred,
    NewPlayer,
    PhotoAdded,
    PlayerStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuestionPosed,
    QuestRewardClaimed,
    QuestsRolled,
    UseItem,
    event_from_wire,
    idempotency_key_hash,
    replay_outcomes,
    start,
    step,
)
from baolife_core.dating.stages import current_romance
from baolife_core.retention.login import local_day
from baolife_core.retention.quests import roll_quests
from baolife_storage_mysql import (
    PROJECTIONS,
    Origin,
    SqlPlayerStore,
    create_store,
    metadata,
)
from baolife_storage_mysql import store as store_module
from baolife_storage_mysql.dating_projections import (
    DATING_PROJECTIONS,
    Romances,
    line_romance,
)
from baolife_storage_mysql.projections import (
    InsertRow,
    Row,
    UpdateRow,
    UpsertRow,
    no_rows,
    project,
)
from baolife_storage_mysql.schema import diamond_transactions, player_journal, players
from content_packs import life_catalog

#: An instant well inside the valid range, so tests can add offsets to it.
T0 = 1_700_000_000_000
#: Wall milliseconds of one game year on the bundled clock (36 days of 24 min).
YEAR_MS = 36 * 24 * 60 * 1000
#: Wall milliseconds of one day (a local day of the login rewards and quests).
DAY_MS = 24 * 60 * 60 * 1000
#: Wall time between two energy purchases that keeps a test under the rate limit
#: (10 a minute, ``rate_limits.toml``) whatever else it is about.
PURCHASE_GAP_MS = 7_000
#: A storylet every day and nobody dies: a baby's first word and first steps
#: (photos) are certain before age 3, and so is nothing else that would end it.
STORIED = life_catalog(daily_ppm=0, story_chance_ppm=1_000_000)

MARIADB = pytest.param("mariadb", marks=pytest.mark.mariadb)
#: Every ``PlayerStore``: the core's reference, SQLite, MariaDB.
ALL_BACKENDS = ["memory", "sqlite", MARIADB]
#: The backends with tables to look at.
SQL_BACKENDS = ["sqlite", MARIADB]


def open_sql_store(
    backend: str, request: pytest.FixtureRequest, tmp: Path
) -> SqlPlayerStore:
    """A store on a new SQLite file in ``tmp``, or on the session's MariaDB."""
    if backend == "sqlite":
        return create_store(f"sqlite:///{tmp / 'store.db'}")
    url: str = request.getfixturevalue("mariadb_url")
    return create_store(url, upgrade=False)


@frozen
class Ids:
    """Fresh ids for one player."""

    player_id: str
    device_id: str
    seed: int


def new_ids() -> Ids:
    """A new player id, device id and seed that no other test uses."""
    return Ids(
        player_id=str(uuid.uuid4()),
        device_id=str(uuid.uuid4()),
        seed=random.getrandbits(63),
    )


def new_store_transaction_id() -> str:
    """An App Store-like transaction id (digits) that no other test uses."""
    return str(random.getrandbits(62))


def genesis(ids: Ids, catalog: Catalog, *, at: int = T0) -> Genesis:
    """What ``GameService.login_device`` would write for ``ids``."""
    record = NewPlayer(at=at, seed=ids.seed)
    return Genesis(
        player_id=ids.player_id,
        device_id=ids.device_id,
        record=record,
        outcome=start(record, catalog),
    )


def purchase(at: int, key: str, tier: str = "overcharge") -> PurchaseEnergyRefill:
    """A refill purchase (``overcharge`` works even at full energy)."""
    return PurchaseEnergyRefill(at=at, refill_type=tier, idempotency_key=key)


def time_skip(at: int, key: str, skip_type: str = "one_hour") -> PurchaseTimeSkip:
    """A time-skip purchase (``one_hour``: 5 diamonds, one game hour)."""
    return PurchaseTimeSkip(at=at, skip_type=skip_type, idempotency_key=key)


def live_years(
    service: GameService, player_id: str, born_at: int, years: int
) -> list[PhotoAdded]:
    """A one-hour time skip at each birthday up to ``years``; the photos added.

    The skips are accepted while diamonds last (5 each), so time surely moves.
    """
    photos: list[PhotoAdded] = []
    for year in range(1, years + 1):
        command = time_skip(born_at + year * YEAR_MS, f"{born_at}-{year}")
        result = service.execute(player_id, command)
        photos.extend(e for e in result.events if isinstance(e, PhotoAdded))
    return photos


def record_for(
    store: PlayerStore, player_id: str, command: Command, catalog: Catalog
) -> CommandRecord:
    """What the service would append for ``command`` on the stored state.

    The service never appends a rejection, so neither does a test.
    """
    stored = store.load(player_id)
    assert stored is not None
    outcome = step(stored.state, command, catalog)
    assert not outcome.rejected, outcome.reply
    return CommandRecord(
        player_id=player_id,
        expected_version=stored.version,
        command=command,
        outcome=outcome,
        idempotency_key_hash=idempotency_key_hash(player_id, command),
    )


def port_view(store: PlayerStore, player_id: str) -> tuple[object, ...]:
    """Everything the port shows of a player, fresh (to prove nothing changed)."""
    return (store.load(player_id, fresh=True), tuple(store.journal(player_id)))


def _player_column(table_name: str) -> str:
    return "user_id" if table_name == "users" else "player_id"


#: The tables that hold players' rows (the catalog tables hold content).
#: Tables written beside gameplay, not in a player's transaction (revision 0008).
OPERATIONS_TABLES = frozenset({"analytics_events", "analytics_sessions"})

PLAYER_TABLES = tuple(
    table
    for table in metadata.sorted_tables
    if _player_column(table.name) in table.columns
    and table.name not in OPERATIONS_TABLES
)


#: The tables the projections write (the rest are written by the store itself).
PROJECTION_TABLES = tuple(
    table
    for table in PLAYER_TABLES
    if table.name
    not in {
        "users",
        "players",
        "player_journal",
        "processed_transactions",
        "store_transactions",
    }
)
#: The metagame's player tables (revision 0006).
METAGAME_TABLES = (
    "player_achievements",
    "player_login_streak",
    "player_daily_quests",
    "player_statistics",
    "player_inventory",
)

#: The dating player tables (revision 0007).
DATING_TABLES = (
    "npc_bios",
    "dating_compatibility",
    "player_relationships",
    "player_relationship_events",
    "player_dates",
)


def as_before_0007(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write as the code before 0007 did: no dating rows, and no look-up of the
    storylets in ``relationship_events`` (undo to restore)."""
    for kind in (*DATING_PROJECTIONS, LifeEventOccurred, QuestionPosed):
        monkeypatch.setitem(PROJECTIONS, kind, no_rows)
    monkeypatch.setattr(store_module, "_relationship_events", lambda *_: frozenset())


#: A table's rows for one player, comparable: the surrogate id left out, sorted.
Rows = list[dict[str, object]]


def _comparable(table: Table, rows: Iterable[dict[str, object]]) -> Rows:
    surrogate = table.autoincrement_column
    kept = [
        {k: v for k, v in row.items() if surrogate is None or k != surrogate.name}
        for row in rows
    ]
    return sorted(kept, key=lambda row: json.dumps(row, sort_keys=True))


def stored_rows(
    engine: Engine, player_id: str, tables: Iterable[Table] = PROJECTION_TABLES
) -> dict[str, Rows]:
    """Every row of the projection ``tables`` that holds ``player_id``."""
    with engine.connect() as connection:
        return {
            table.name: _comparable(
                table,
                (
                    dict(row._mapping)
                    for row in connection.execute(
                        select(table).where(table.c.player_id == player_id)
                    )
                ),
            )
            for table in tables
        }


def _key(table: Table, values: Any) -> tuple[object, ...]:
    return tuple(values[column.name] for column in table.primary_key.columns)


def apply_rows(
    model: dict[str, dict[tuple[object, ...], dict[str, object]]], rows: Iterable[Row]
) -> None:
    """Write projected rows into ``model`` (table -> key -> row) as the store does.

    Inserts must be new, updates must match and set or add, upserts insert or set
    and add. A table keyed by a surrogate id is keyed here by insertion order.
    """
    for row in rows:
        table = row.table
        tables = model.setdefault(table.name, {})
        if isinstance(row, UpdateRow):
            existing = tables[_key(table, row.key)]
            for name, value in row.values.items():
                if name in row.add:
                    value = cast(int, existing[name]) + cast(int, value)
                existing[name] = value
            continue
        full = {column.name: row.values.get(column.name) for column in table.columns}
        surrogate = table.autoincrement_column
        key = (len(tables),) if surrogate is not None else _key(table, full)
        if isinstance(row, UpsertRow) and key in tables:
            existing = tables[key]
            for name, value in row.values.items():
                if name in row.add:
                    value = cast(int, existing[name]) + cast(int, value)
                existing[name] = value
            continue
        assert isinstance(row, InsertRow | UpsertRow)
        assert key not in tables, (table.name, key)
        tables[key] = full


def projected_rows(
    lines: Iterable[tuple[Origin, Sequence[Event]]],
    tables: Iterable[Table] = PROJECTION_TABLES,
) -> dict[str, Rows]:
    """The rows the projectors write for journal ``lines``, as ``stored_rows``."""
    model: dict[str, dict[tuple[object, ...], dict[str, object]]] = {}
    for origin, events in lines:
        apply_rows(model, project(origin, events))
    return {
        table.name: _comparable(table, model.get(table.name, {}).values())
        for table in tables
    }


def _storylets(events: Sequence[Event], listed: frozenset[str]) -> frozenset[str]:
    """The storylets of ``events`` that are in ``listed``."""
    return frozenset(
        event.event_id
        for event in events
        if isinstance(event, LifeEventOccurred | QuestionPosed)
        and event.event_id in listed
    )


def _relationship_events(catalog: Catalog | None) -> frozenset[str]:
    """What the ``relationship_events`` table holds once ``catalog`` is synced."""
    return frozenset(() if catalog is None else catalog.storylets.relationship_events)


def journal_lines(
    engine: Engine, player_id: str, catalog: Catalog | None = None
) -> Iterator[tuple[Origin, Sequence[Event]]]:
    """The stored journal's events, line by line, with their origins.

    Only ``player_journal`` is read: ``Origin.quest_day`` is the last
    ``QuestsRolled`` day of the lines so far, ``Origin.romance`` is folded from
    the dating events so far (``Romances``), and the relationship events are
    those of ``catalog`` (none without one).
    """
    with engine.connect() as connection:
        lines = connection.execute(
            select(player_journal.c.seq, player_journal.c.events)
            .where(player_journal.c.player_id == player_id)
            .order_by(player_journal.c.seq)
        ).all()
    listed = _relationship_events(catalog)
    quest_day: int | None = None
    romances = Romances()
    for line in lines:
        events = [event_from_wire(data) for data in json.loads(line.events)]
        for rolled in (e for e in events if isinstance(e, QuestsRolled)):
            quest_day = rolled.local_day
        romances = romances.after(events)
        origin = Origin(player_id, line.seq, quest_day=quest_day)
        told = _storylets(events, listed)
        if told:
            life = next(
                e.life
                for e in events
                if isinstance(e, LifeEventOccurred | QuestionPosed)
            )
            origin = evolve(
                origin,
                relationship_events=told,
                romance=line_romance(romances.current(life), events),
            )
        yield origin, events


def replayed_lines(
    store: PlayerStore, player_id: str, catalog: Catalog
) -> Iterator[tuple[Origin, Sequence[Event]]]:
    """The journal's commands replayed through the engine, with their origins,
    as the store makes them from the state (the catalog synced)."""
    listed = _relationship_events(catalog)
    for outcome in replay_outcomes(store.journal(player_id), catalog):
        state = outcome.state
        origin = Origin(player_id, state.seq, quest_day=state.retention.quests.day)
        told = _storylets(outcome.events, listed)
        if told:
            assert state.character is not None
            romance = current_romance(state.character)
            current = None if romance is None else romance.npc.id
            origin = evolve(
                origin,
                relationship_events=told,
                romance=line_romance(current, outcome.events),
            )
        yield origin, outcome.events


def row_counts(
    engine: Engine, player_id: str, *, exclude: Collection[str] = ()
) -> dict[str, int]:
    """The number of rows each player table holds for ``player_id``.

    ``exclude`` names tables to skip, e.g. those an older revision lacks.
    """
    counts = {}
    with engine.connect() as connection:
        for table in PLAYER_TABLES:
            if table.name in exclude:
                continue
            column = table.c[_player_column(table.name)]
            query = select(func.count()).select_from(table).where(column == player_id)
            counts[table.name] = connection.execute(query).scalar_one()
    return counts


def ledger(engine: Engine, player_id: str) -> tuple[int, int, int]:
    """(``players.diamonds``, ``SUM(diamond_transactions.delta)``, ledger rows)."""
    with engine.connect() as connection:
        diamonds = connection.execute(
            select(players.c.diamonds).where(players.c.player_id == player_id)
        ).scalar_one()
        total, rows = connection.execute(
            select(
                func.coalesce(func.sum(diamond_transactions.c.delta), 0),
                func.count(),
            ).where(diamond_transactions.c.player_id == player_id)
        ).one()
    return diamonds, int(total), rows


def ledger_by_reason(
    engine: Engine, player_id: str
) -> dict[tuple[str, str], tuple[int, int]]:
    """The player's ledger rows and their sum per ``(reason, reference)``."""
    column = diamond_transactions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                column.reason, column.reference, func.count(), func.sum(column.delta)
            )
            .where(column.player_id == player_id)
            .group_by(column.reason, column.reference)
        ).all()
    return {(reason, ref): (count, int(total)) for reason, ref, count, total in rows}


@frozen
class Executed:
    """One statement an engine ran, and the rows it matched."""

    sql: str
    rowcount: int

    @property
    def verb(self) -> str:
        """The statement's first keyword, upper case (``SELECT``, ``UPDATE`` …)."""
        return self.sql.split(None, 1)[0].upper()


@contextmanager
def recorded(*engines: Engine) -> Iterator[list[Executed]]:
    """Every statement the ``engines`` complete inside the block, in order."""
    executed: list[Executed] = []

    def record(
        conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any
    ) -> None:
        executed.append(Executed(sql=statement, rowcount=cursor.rowcount))

    for engine in set(engines):
        event.listen(engine, "after_cursor_execute", record)
    try:
        yield executed
    finally:
        for engine in set(engines):
            event.remove(engine, "after_cursor_execute", record)


def verbs(executed: list[Executed]) -> list[str]:
    """The verbs of ``executed``, without SQLite's ``BEGIN`` lines."""
    return [line.verb for line in executed if line.verb != "BEGIN"]


#: Consecutive local days with a login claim (day 5 pays an energy drink).
LOGIN_DAYS = 5
#: The quest the sequence completes: claiming the login reward completes it.
LOG_IN = "log_in"


def _seed_offering_log_in(catalog: Catalog, at: int) -> int:
    """The first seed whose daily set on ``at``'s local day offers ``log_in``."""
    today = local_day(at, 0)
    return next(
        seed
        for seed in range(10_000)
        if LOG_IN
        in {slot.quest for slot in roll_quests(catalog.quests, seed, today).slots}
    )


@frozen
class Played:
    """A player after the sequence, and every event its commands emitted."""

    player_id: str
    events: tuple[Event, ...]  # of the commands, in order (not the genesis)
    login_at: tuple[int, ...]  # the instants of the login claims


def play_metagame(service: GameService, catalog: Catalog) -> Played:
    """Login rewards on ``LOGIN_DAYS`` consecutive local days, ``log_in`` completed
    and claimed, a life begun (an energy drink), the drink used up, and day 5's
    drink granted again; each reply checked.
    """
    ids = new_ids()
    ids = Ids(ids.player_id, ids.device_id, _seed_offering_log_in(catalog, T0))
    player = service.login_device(
        ids.device_id, new_player_id=ids.player_id, seed=ids.seed, at=T0
    )
    events: list[Event] = []

    def run(command: Command) -> object:
        result = service.execute(player, command)
        events.extend(result.events)
        return result.reply

    login_at = [T0 + 1_000, *(T0 + day * DAY_MS for day in range(1, LOGIN_DAYS))]
    claimed = run(ClaimDailyReward(at=login_at[0], idempotency_key="login-0"))
    assert isinstance(claimed, DailyRewardClaimed), claimed
    quest = run(ClaimQuestReward(at=T0 + 2_000, quest=LOG_IN, idempotency_key="q"))
    assert isinstance(quest, QuestRewardClaimed), quest
    run(CreateCharacter(at=T0 + 3_000))  # first_breath: an energy drink
    used = run(UseItem(at=T0 + 4_000, item="energy_drink"))
    assert 0 == getattr(used, "remaining", None), used
    for day, at in enumerate(login_at[1:], start=1):
        claimed = run(ClaimDailyReward(at=at, idempotency_key=f"login-{day}"))
        assert isinstance(claimed, DailyRewardClaimed), claimed
        assert day + 1 == claimed.streak
    return Played(player, tuple(events), tuple(login_at))
