"""``bind_store_transaction``: an App Store transaction belongs to its first player.

The contract runs on every backend (``memory``, ``sqlite``, ``mariadb``) through the
port; ``TestTable`` looks at the SQL rows, and ``TestRace`` binds one id from two
stores (two server processes) at once.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from baolife_core import Catalog, ConcurrencyError, PlayerNotFoundError, PlayerStore
from baolife_storage_mysql import SqlPlayerStore
from baolife_storage_mysql.schema import store_transactions

from .support import T0, genesis, new_ids, new_store_transaction_id, port_view


class TestContract:
    """The port's semantics, identical on every backend."""

    def test_first_binder_owns_the_transaction(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A new id is bound to the player that binds it first."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        assert ids.player_id == store.bind_store_transaction(
            store_id, ids.player_id, at=T0
        )

    def test_the_owner_is_looked_up_by_transaction_id(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """``store_transaction_owner``: the first binder, or None before any binding."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        assert store.store_transaction_owner(store_id) is None
        store.bind_store_transaction(store_id, ids.player_id, at=T0)
        assert ids.player_id == store.store_transaction_owner(store_id)

    def test_binding_again_returns_the_same_owner(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """The owner binding its id again is told it owns it (a retry is safe)."""
        ids = new_ids()
        store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        store.bind_store_transaction(store_id, ids.player_id, at=T0)
        assert ids.player_id == store.bind_store_transaction(
            store_id, ids.player_id, at=T0 + 1
        )

    def test_another_player_gets_the_first_owner(
        self, store: PlayerStore, catalog: Catalog
    ) -> None:
        """A second player cannot take a bound id: the first player is returned."""
        first, second = new_ids(), new_ids()
        for ids in (first, second):
            store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        store.bind_store_transaction(store_id, first.player_id, at=T0)
        before = port_view(store, second.player_id)
        assert first.player_id == store.bind_store_transaction(
            store_id, second.player_id, at=T0 + 1
        )
        assert before == port_view(store, second.player_id)

    def test_ids_are_independent(self, store: PlayerStore, catalog: Catalog) -> None:
        """Each id has its own owner; one player may own many."""
        first, second = new_ids(), new_ids()
        for ids in (first, second):
            store.create_player(genesis(ids, catalog))
        a, b, c = (new_store_transaction_id() for _ in range(3))
        assert first.player_id == store.bind_store_transaction(
            a, first.player_id, at=T0
        )
        assert second.player_id == store.bind_store_transaction(
            b, second.player_id, at=T0
        )
        assert first.player_id == store.bind_store_transaction(
            c, first.player_id, at=T0
        )

    def test_unknown_player_cannot_bind(self, store: PlayerStore) -> None:
        """A new binding for a player that does not exist binds nothing."""
        store_id = new_store_transaction_id()
        with pytest.raises(PlayerNotFoundError):
            store.bind_store_transaction(store_id, new_ids().player_id, at=T0)
        with pytest.raises(PlayerNotFoundError):
            store.bind_store_transaction(store_id, new_ids().player_id, at=T0)


class TestTable:
    """The ``store_transactions`` rows."""

    def test_one_row_with_the_first_binding(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """The row keeps the first player and instant; later bindings add none."""
        first, second = new_ids(), new_ids()
        for ids in (first, second):
            sql_store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        sql_store.bind_store_transaction(store_id, first.player_id, at=T0 + 5)
        sql_store.bind_store_transaction(store_id, second.player_id, at=T0 + 9)
        sql_store.bind_store_transaction(store_id, first.player_id, at=T0 + 10)
        with sql_store.engine.connect() as connection:
            rows = connection.execute(
                select(store_transactions).where(
                    store_transactions.c.transaction_id == store_id
                )
            ).all()
        assert [(store_id, first.player_id, T0 + 5)] == [tuple(row) for row in rows]

    def test_a_long_transaction_id_fits(
        self, sql_store: SqlPlayerStore, catalog: Catalog
    ) -> None:
        """Ids up to 128 characters (the command's limit) are stored exactly."""
        ids = new_ids()
        sql_store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id().ljust(128, "x")
        assert ids.player_id == sql_store.bind_store_transaction(
            store_id, ids.player_id, at=T0
        )
        assert ids.player_id == sql_store.bind_store_transaction(
            store_id, ids.player_id, at=T0
        )


class TestRace:
    """Two processes binding one id at once: exactly one owner."""

    def test_racing_players_agree_on_one_owner(
        self,
        store_pair: tuple[SqlPlayerStore, SqlPlayerStore],
        catalog: Catalog,
    ) -> None:
        """Every racer is told the same owner, and it is one of them."""
        first_store, second_store = store_pair
        players = [new_ids() for _ in range(4)]
        for ids in players:
            first_store.create_player(genesis(ids, catalog))
        store_id = new_store_transaction_id()
        start = threading.Barrier(len(players))
        owners: list[str] = []

        def bind(index: int) -> None:
            store = (first_store, second_store)[index % 2]
            start.wait()
            for _ in range(20):  # as the service does: a transient error retries
                try:
                    owner = store.bind_store_transaction(
                        store_id, players[index].player_id, at=T0 + index
                    )
                except ConcurrencyError:
                    continue
                owners.append(owner)
                return

        threads = [
            threading.Thread(target=bind, args=(index,))
            for index in range(len(players))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(players) == len(owners)
        assert 1 == len(set(owners))
        assert owners[0] in {ids.player_id for ids in players}
