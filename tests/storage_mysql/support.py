"""Helpers of the storage tests: fresh ids, a genesis, and probes of the tables."""

from __future__ import annotations

import random
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from attrs import frozen
from sqlalchemy import Engine, event, func, select

from baolife_core import (
    Catalog,
    Command,
    CommandRecord,
    GameService,
    Genesis,
    NewPlayer,
    PhotoAdded,
    PlayerStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    idempotency_key_hash,
    start,
    step,
)
from baolife_storage_mysql import metadata
from baolife_storage_mysql.schema import diamond_transactions, players
from content_packs import life_catalog

#: An instant well inside the valid range, so tests can add offsets to it.
T0 = 1_700_000_000_000
#: Wall milliseconds of one game year on the bundled clock (36 days of 24 min).
YEAR_MS = 36 * 24 * 60 * 1000
#: A storylet every day and nobody dies: a baby's first word and first steps
#: (photos) are certain before age 3, and so is nothing else that would end it.
STORIED = life_catalog(daily_ppm=0, story_chance_ppm=1_000_000)

MARIADB = pytest.param("mariadb", marks=pytest.mark.mariadb)
#: Every ``PlayerStore``: the core's reference, SQLite, MariaDB.
ALL_BACKENDS = ["memory", "sqlite", MARIADB]
#: The backends with tables to look at.
SQL_BACKENDS = ["sqlite", MARIADB]


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
PLAYER_TABLES = tuple(
    table
    for table in metadata.sorted_tables
    if _player_column(table.name) in table.columns
)


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
