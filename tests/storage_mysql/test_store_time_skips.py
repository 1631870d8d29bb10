"""The SQL store's rows for time-skip purchases, on SQLite and MariaDB.

A purchase is a ``DiamondsSpent`` debit (reason ``time_skip``) and a
``GameTimeSkipped`` event sharing one transaction id: one ``diamond_transactions``
row and one ``time_skip_purchases`` row. Players are created at ``T0`` and buy at
``T0 + 1``: one wall millisecond is 60 game milliseconds (bundled clock).
"""

from __future__ import annotations

import pytest
from attrs import evolve
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from baolife_core import Catalog, GameService, GameTimeSkipped, TimeSkipped
from baolife_storage_mysql import SqlPlayerStore
from baolife_storage_mysql.schema import diamond_transactions, time_skip_purchases

from .support import (
    T0,
    genesis,
    ledger,
    new_ids,
    port_view,
    purchase,
    record_for,
    row_counts,
    time_skip,
)

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
#: Game milliseconds lived at ``T0 + 1`` (one wall millisecond at scale 60).
LIVED_MS = 60


def _login(service: GameService, seed: int | None = None) -> str:
    ids = new_ids()
    return service.login_device(
        ids.device_id,
        new_player_id=ids.player_id,
        seed=ids.seed if seed is None else seed,
        at=T0,
    )


def _purchases(store: SqlPlayerStore, player: str) -> list[dict[str, object]]:
    """The player's ``time_skip_purchases`` rows, oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(time_skip_purchases)
            .where(time_skip_purchases.c.player_id == player)
            .order_by(time_skip_purchases.c.at, time_skip_purchases.c.day_before)
        ).all()
    return [dict(row._mapping) for row in rows]


def _debit(
    store: SqlPlayerStore, player: str, transaction_id: str
) -> tuple[object, ...]:
    """(delta, reason, reference, balance_after) of one ledger row."""
    with store.engine.connect() as connection:
        row = connection.execute(
            select(
                diamond_transactions.c.delta,
                diamond_transactions.c.reason,
                diamond_transactions.c.reference,
                diamond_transactions.c.balance_after,
            ).where(
                diamond_transactions.c.player_id == player,
                diamond_transactions.c.transaction_id == transaction_id,
            )
        ).one()
    return tuple(row)


class TestTimeSkipRows:
    """One purchase: one purchase row, one debit, diamonds == ledger sum."""

    @pytest.mark.parametrize(
        ("skip_type", "price", "game_ms", "day_after"),
        [
            ("one_hour", 5, HOUR_MS, 0),
            ("to_tomorrow", 25, DAY_MS - LIVED_MS, 1),
            ("one_week", 100, 7 * DAY_MS, 7),
        ],
    )
    def test_purchase_writes_its_row_and_its_debit(
        self,
        sql_store: SqlPlayerStore,
        catalog: Catalog,
        skip_type: str,
        price: int,
        game_ms: int,
        day_after: int,
    ) -> None:
        """The row holds the event's values; the debit is -price, ``time_skip``."""
        service = GameService(sql_store, catalog)
        player = _login(service)
        result = service.execute(player, time_skip(T0 + 1, "k-1", skip_type))
        reply = result.reply
        assert isinstance(reply, TimeSkipped), reply
        balance = 1000 - price
        assert [
            {
                "player_id": player,
                "transaction_id": reply.transaction_id,
                "skip_type": skip_type,
                "diamonds": price,
                "game_ms": game_ms,
                "day_before": 0,
                "day_after": day_after,
                "at": T0 + 1,
            }
        ] == _purchases(sql_store, player)
        assert (-price, "time_skip", skip_type, balance) == _debit(
            sql_store, player, reply.transaction_id
        )
        assert (balance, balance, 2) == ledger(sql_store.engine, player)
        counts = row_counts(sql_store.engine, player)
        assert (1, 0, 1, 2) == (
            counts["time_skip_purchases"],
            counts["energy_refill_purchases"],
            counts["processed_transactions"],
            counts["player_journal"],
        )

    def test_same_key_twice_writes_one_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A retried key returns the first reply and adds no row anywhere."""
        service = GameService(sql_store, catalog)
        player = _login(service)
        first = service.execute(player, time_skip(T0 + 1, "k-retry", "one_week"))
        before = row_counts(sql_store.engine, player)
        again = service.execute(player, time_skip(T0 + 2, "k-retry", "one_week"))
        assert first.reply == again.reply
        assert before == row_counts(sql_store.engine, player)
        assert 1 == before["time_skip_purchases"]
        assert (900, 900, 2) == ledger(sql_store.engine, player)

    def test_skips_and_refills_keep_diamonds_equal_to_the_ledger(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Successive skips chain their days; refills and skips share the ledger."""
        service = GameService(sql_store, catalog)
        player = _login(service)
        service.execute(player, time_skip(T0 + 1, "k-1", "to_tomorrow"))
        service.execute(player, purchase(T0 + 2, "k-2"))
        service.execute(player, time_skip(T0 + 3, "k-3", "to_tomorrow"))
        service.execute(player, time_skip(T0 + 4, "k-4", "one_hour"))
        days = [
            (row["day_before"], row["day_after"])
            for row in _purchases(sql_store, player)
        ]
        assert [(0, 1), (1, 2), (2, 2)] == days
        balance = 1000 - 25 - 50 - 25 - 5
        assert (balance, balance, 5) == ledger(sql_store.engine, player)
        stored = sql_store.load(player, fresh=True)
        assert stored is not None
        assert balance == stored.state.wallet.diamonds
        assert 2 == stored.state.clock.day

    def test_same_seed_players_each_have_their_purchase_row(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Two players with one seed mint the same transaction id: both rows fit."""
        service = GameService(sql_store, catalog)
        seed = new_ids().seed
        transaction_ids = []
        for _ in range(2):
            player = _login(service, seed)
            result = service.execute(player, time_skip(T0 + 1, "k-1"))
            assert isinstance(result.reply, TimeSkipped), result.reply
            transaction_ids.append(result.reply.transaction_id)
            assert 1 == row_counts(sql_store.engine, player)["time_skip_purchases"]
        assert transaction_ids[0] == transaction_ids[1]

    def test_a_clashing_purchase_row_rolls_everything_back(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """A duplicate (player, transaction id) fails the whole command."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        first = record_for(sql_store, ids.player_id, time_skip(T0 + 1, "k-1"), catalog)
        sql_store.append(first)
        good = record_for(sql_store, ids.player_id, time_skip(T0 + 2, "k-2"), catalog)
        [reused] = [e for e in first.outcome.events if isinstance(e, GameTimeSkipped)]
        clashing = tuple(
            evolve(event, transaction_id=reused.transaction_id)
            if isinstance(event, GameTimeSkipped)
            else event
            for event in good.outcome.events
        )
        broken = evolve(good, outcome=evolve(good.outcome, events=clashing))
        before = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        with pytest.raises(IntegrityError, match="INSERT INTO time_skip_purchases"):
            sql_store.append(broken)
        after = (
            port_view(sql_store, ids.player_id),
            row_counts(sql_store.engine, ids.player_id),
        )
        assert before == after
