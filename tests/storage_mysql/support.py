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
    Genesis,
    NewPlayer,
    PlayerStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    idempotency_key_hash,
    start,
    step,
)
from baolife_storage_mysql import metadata
from baolife_storage_mysql.schema import diamond_transactions, players

#: An instant well inside the valid range, so tests can add offsets to it.
T0 = 1_700_000_000_000

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


def row_counts(
    engine: Engine, player_id: str, *, exclude: Collection[str] = ()
) -> dict[str, int]:
    """The number of rows each table holds for ``player_id``.

    ``exclude`` names tables to skip, e.g. those an older revision lacks.
    """
    counts = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
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
