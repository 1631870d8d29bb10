"""Fixtures of the storage tests: one store per backend, a migrated engine per SQL
backend, and the catalogs.

The contract suite runs on every backend: ``memory`` (the core's reference
``InMemoryStore``), ``sqlite`` (a temporary file) and ``mariadb`` (the server named
by ``BAOLIFE_TEST_MYSQL_URL``). Without that variable the MariaDB tests are skipped
with the reason; with ``BAOLIFE_REQUIRE_MYSQL=1`` they fail instead, and so they do
when the server cannot be reached. On MariaDB the database is emptied and migrated
once per session; every test uses fresh uuid4 player and device ids and a random
seed (the core mints transaction ids from the seed), so tests never collide.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from attrs import evolve
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.exc import OperationalError

from baolife_core import Catalog, InMemoryStore, PlayerStore, load_catalog
from baolife_core.testing import BotLife
from baolife_storage_mysql import (
    SqlPlayerStore,
    make_engine,
    run_migrations,
)

from .dating_support import bot_dating_life
from .migrate_support import downgrade
from .support import ALL_BACKENDS, SQL_BACKENDS, open_sql_store

MYSQL_URL_VAR = "BAOLIFE_TEST_MYSQL_URL"
REQUIRE_MYSQL_VAR = "BAOLIFE_REQUIRE_MYSQL"


def _unavailable(reason: str) -> NoReturn:
    """Skip the MariaDB tests, or fail them when MariaDB is required."""
    if os.environ.get(REQUIRE_MYSQL_VAR) == "1":
        pytest.fail(f"{REQUIRE_MYSQL_VAR}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """The MariaDB URL, with the database emptied and migrated once per session."""
    url = os.environ.get(MYSQL_URL_VAR)
    if not url:
        _unavailable(
            f"{MYSQL_URL_VAR} is not set "
            "(e.g. mysql+pymysql://root@127.0.0.1:3306/test)"
        )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            existing = MetaData()
            existing.reflect(connection)
            connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
            existing.drop_all(connection)
            connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
        run_migrations(engine)
    except OperationalError as error:
        _unavailable(f"MariaDB at {url} is unreachable: {error.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=ALL_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PlayerStore]:
    """A store of each backend, empty of the ids this test will use."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    sql_store = open_sql_store(request.param, request, tmp_path)
    yield sql_store
    sql_store.close()


@pytest.fixture(params=SQL_BACKENDS)
def sql_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[SqlPlayerStore]:
    """A SQL store (SQLite file or MariaDB), for tests that look at the tables."""
    sql_store = open_sql_store(request.param, request, tmp_path)
    yield sql_store
    sql_store.close()


@pytest.fixture(params=SQL_BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: a new SQLite file, or the session's MariaDB."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
        run_migrations(engine)
    else:
        engine = make_engine(request.getfixturevalue("mariadb_url"))
    yield engine
    engine.dispose()


@pytest.fixture(params=SQL_BACKENDS)
def store_pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[SqlPlayerStore, SqlPlayerStore]]:
    """Two SQL stores on one database, as two server processes with two caches."""
    first = open_sql_store(request.param, request, tmp_path)
    second = open_sql_store(request.param, request, tmp_path)
    yield first, second
    second.close()
    first.close()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled content."""
    return load_catalog()


@pytest.fixture(scope="session")
def roomy_catalog(catalog: Catalog) -> Catalog:
    """Content where ``overcharge`` adds one point under a high cap, for long runs."""
    refills = tuple(
        evolve(tier, energy=1) if tier.id == "overcharge" else tier
        for tier in catalog.refills
    )
    return evolve(
        catalog,
        starting_diamonds=1_000_000,
        energy=evolve(catalog.energy, max=10_000, overfill_cap=100_000),
        refills=refills,
    )


@pytest.fixture(scope="session")
def dating_life(catalog: Catalog) -> BotLife:
    """The bot's dating life on the bundled content (``dating_support``)."""
    return bot_dating_life(catalog)


@pytest.fixture(params=SQL_BACKENDS)
def older_engine(
    request: pytest.FixtureRequest, tmp_path: Path, revision: str
) -> Iterator[Engine]:
    """A database at the test's ``revision`` (a parameter of the test).

    A new SQLite file, or the session's MariaDB. The MariaDB database is shared by
    the session, so it is downgraded here (dropping the later tables and their
    rows; every test uses its own players) and upgraded to head again afterwards,
    whatever the test did.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'older.db'}"
    else:
        url = request.getfixturevalue("mariadb_url")
    engine = make_engine(url)
    try:
        if request.param == "sqlite":
            run_migrations(engine, revision)
        else:
            downgrade(engine, revision)
        yield engine
    finally:
        try:
            run_migrations(engine)
        finally:
            engine.dispose()
