"""Alembic environment: run BaoLife's migrations on a connection we are handed.

Alembic is configured programmatically (``baolife_storage_mysql.migrate``); no
``alembic.ini`` is needed at runtime. Online, the caller passes an open connection
in ``config.attributes["connection"]`` so the migration uses the store's own
engine configuration (SQLite pragmas, MySQL session settings). Offline
(``--sql``), the URL in the ``sqlalchemy.url`` option picks the SQL dialect.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from baolife_storage_mysql.schema import metadata

config = context.config


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    connection = config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run migrations with baolife_storage_mysql.upgrade_database(url)"
        )
    _run_online(connection)
