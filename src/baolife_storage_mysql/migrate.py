"""Versioned schema migrations (alembic), configured in code.

The migration scripts ship inside the package (``migrations/``), so an installed
wheel can upgrade its own database with no ``alembic.ini``; ``alembic_config``
also serves ``alembic`` commands run by hand (``upgrade --sql`` prints the DDL).

Rules of this module:

- ``upgrade_database`` is idempotent: on an up-to-date database it changes nothing.
- Several servers may start at once and each upgrade: upgrades are serialized.
  On SQLite the whole upgrade is one ``BEGIN IMMEDIATE`` transaction (SQLite has
  transactional DDL); on MySQL/MariaDB, which commits every DDL statement, a named
  lock (``GET_LOCK``) is held for the duration instead.
- Migrations run on the store's own engine configuration (``make_engine``).
- A schema change is a new file in ``migrations/versions``, never an edit of an
  applied one; ``schema`` always describes the head revision (a test compares
  the migrated database with it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from baolife_core import BaolifeError

from .database import WRITE, make_engine

__all__ = [
    "MIGRATION_LOCK",
    "SCRIPT_LOCATION",
    "MigrationLockError",
    "alembic_config",
    "migration_lock",
    "run_migrations",
    "upgrade_database",
]

#: Where alembic finds ``env.py`` and ``versions/`` (a package resource path).
SCRIPT_LOCATION = "baolife_storage_mysql:migrations"
#: The MySQL named lock that serializes concurrent upgrades.
MIGRATION_LOCK = "baolife_migrations"


class MigrationLockError(BaolifeError):
    """Another process kept the migration lock for longer than we would wait."""


def alembic_config() -> Config:
    """An alembic configuration for BaoLife's migrations, without an ini file."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


@contextmanager
def migration_lock(connection: Connection, timeout_s: int) -> Iterator[None]:
    """Hold the migration lock on MySQL/MariaDB for the block (module rules).

    On SQLite it does nothing: the caller's ``BEGIN IMMEDIATE`` (``WRITE``)
    serializes instead. ``catalog_rows.sync_catalog`` takes it too.
    """
    if connection.dialect.name != "mysql":  # SQLite: BEGIN IMMEDIATE serializes
        yield
        return
    acquired = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"),
        {"name": MIGRATION_LOCK, "timeout": timeout_s},
    ).scalar_one()
    if acquired != 1:
        raise MigrationLockError(
            f"another process held {MIGRATION_LOCK!r} for over {timeout_s} s"
        )
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": MIGRATION_LOCK})


def run_migrations(
    engine: Engine, revision: str = "head", *, lock_timeout_s: int = 60
) -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    config = alembic_config()
    writer = engine.execution_options(**WRITE)
    with writer.begin() as connection, migration_lock(connection, lock_timeout_s):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_database(url: str) -> None:
    """Upgrade the database at ``url`` to the latest schema (alembic ``head``)."""
    engine = make_engine(url)
    try:
        run_migrations(engine)
    finally:
        engine.dispose()
