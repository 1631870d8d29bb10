"""BaoLife storage: the ``PlayerStore`` port on SQLite or MySQL/MariaDB.

SQLAlchemy Core (no ORM) over one schema that runs unchanged on the embedded
SQLite default and on MySQL/MariaDB via PyMySQL, with versioned alembic migrations
shipped inside the package. See DESIGN.md "Storage: journal, snapshot, projections".

>>> store = create_store("sqlite://")
>>> store.player_for_device("unknown device") is None
True
>>> store.close()
"""

from __future__ import annotations

from .analytics import SqlAnalyticsSink, create_analytics_sink
from .cache import DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL_S, SnapshotCache
from .catalog_rows import (
    CATALOG_TABLES,
    CatalogSync,
    CatalogTable,
    TableSync,
    sync_catalog,
)
from .database import (
    DEFAULT_DB_URL,
    DEFAULT_LOCK_TIMEOUT_MS,
    is_transient,
    make_engine,
    make_reader,
    missing_database_file,
)
from .migrate import (
    MigrationLockError,
    alembic_config,
    run_migrations,
    upgrade_database,
)
from .projections import PROJECTIONS, Origin, ProjectionError, Projector
from .rebuild import RebuildError, Rebuilt, rebuild_projections
from .schema import metadata
from .store import SqlPlayerStore, create_store

__all__ = [
    "CATALOG_TABLES",
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_CACHE_TTL_S",
    "DEFAULT_DB_URL",
    "DEFAULT_LOCK_TIMEOUT_MS",
    "PROJECTIONS",
    "CatalogSync",
    "CatalogTable",
    "MigrationLockError",
    "Origin",
    "ProjectionError",
    "Projector",
    "RebuildError",
    "Rebuilt",
    "SnapshotCache",
    "SqlAnalyticsSink",
    "SqlPlayerStore",
    "TableSync",
    "alembic_config",
    "create_analytics_sink",
    "create_store",
    "is_transient",
    "make_engine",
    "make_reader",
    "metadata",
    "missing_database_file",
    "rebuild_projections",
    "run_migrations",
    "sync_catalog",
    "upgrade_database",
]
