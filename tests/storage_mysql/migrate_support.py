"""Helpers of the migration tests: the revision a database is at, what autogenerate
would still change, and a downgrade (``older_engine`` in ``conftest`` uses it)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from baolife_storage_mysql import alembic_config, metadata

#: The latest revision.
HEAD = "0008"


def differences(engine: Engine) -> list[Any]:
    """What alembic autogenerate would still change to reach ``metadata``."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def revision_of(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database behind ``engine`` to ``revision``."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
