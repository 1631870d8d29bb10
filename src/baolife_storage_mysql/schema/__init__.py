"""The relational schema: one SQLAlchemy Core ``MetaData`` for SQLite and MariaDB.

The table names are those of the game's seed diagram (DESIGN.md "Storage: journal,
snapshot, projections"). The journal and the snapshot are the truth; the ledger,
purchase, character, album, metagame (achievements, login streak, daily quests,
statistics, inventory) and dating tables (NPC bios, likes, relationships, dates,
relationship events) are projections of the events, kept in the same transaction
so they can be queried, exported (GDPR) and audited with plain SQL. Catalog tables
(``locations``, ``achievements``, ``daily_login_rewards``,
``daily_quest_templates``, ``date_venues``, ``date_activities``,
``relationship_events``) hold the content the server runs, written by
``catalog_rows.sync_catalog`` at startup, never by a player's command.

The tables are defined by domain in the modules of this package (``accounts``,
``life``, ``metagame``, ``dating``) on the one ``MetaData`` of ``base``; this
module re-exports them all, so ``from baolife_storage_mysql.schema import ...``
names any table.

Rules of this module:

- Types behave identically on SQLite and MariaDB: instants are ``BigInteger``
  milliseconds (UTC), ids are ``String(36)``, JSON is canonical text (not a native
  JSON type, whose comparison and formatting differ between the two engines).
- Every player table is keyed by player id first, so the schema shards by player
  (Vitess, TiDB) and no query needs a cross-player transaction. Nothing minted by
  the core is unique across players: transaction ids derive from the player's seed
  and ``seq``, and two players may share a seed, so they are keyed with the player.
  The one table keyed otherwise is ``store_transactions``, by the App Store's
  transaction id: a purchase is credited to one player ever, a fact across
  players. It is written alone (one single-row ``INSERT``), never inside a
  player's transaction, so on a sharded engine it lives unsharded or is sharded by
  its own key (a Vitess lookup table).
  Catalog tables have no player id: they are small, identical on every shard
  (Vitess "reference tables") and only written by ``sync_catalog``; one may refer
  to another (``date_activities`` to ``date_venues``). No player table refers to
  a catalog table by a foreign key: a projection must write whatever content the
  catalog table holds (a rolling deploy, a store whose catalog was never synced).
  The one projection that reads a catalog table is
  ``player_relationship_events``: which storylets are relationship events is
  content, so the store looks the line's storylets up in ``relationship_events``,
  and ``sync_catalog`` rebuilds the rows of a storylet it newly lists
  (``dating_catalog``).
- Columns the write path fills (the projections) have types without bind
  processing (``statements``): a flag is an instant or ``NULL``
  (``player_daily_quests.claimed_at``), never a ``Boolean``. Catalog tables are
  written by ``sync_catalog`` through Core and may use ``Boolean``.
- Constraint and index names come from ``NAMING_CONVENTION``, so migrations can
  name them and later migrations can drop them on every backend.
- On MySQL/MariaDB every table is InnoDB with ``utf8mb4`` and the binary collation,
  so string comparison is exact and case-sensitive, as on SQLite.
- This is the *current* shape; a change here needs a new migration in
  ``migrations/versions`` (a test compares the migrated database with it).
- Operational tables (``operations``: analytics, deletion tombstones) are no
  projection of the journal and have no foreign key to ``players``: analytics are
  written after the fact in batches, and a purge deletes them with the player.
- Modules stay under 400 lines: a new domain's tables go in a module of their
  own, re-exported here.
"""

from __future__ import annotations

from .accounts import (
    diamond_transactions,
    energy_refill_purchases,
    player_journal,
    players,
    processed_transactions,
    store_transactions,
    time_skip_purchases,
    users,
)
from .base import NAMING_CONVENTION, metadata
from .dating import (
    date_activities,
    date_venues,
    dating_compatibility,
    npc_bios,
    player_dates,
    player_relationship_events,
    player_relationships,
    relationship_events,
)
from .life import characters, locations, player_photo_album
from .metagame import (
    STATISTIC_COLUMNS,
    achievements,
    daily_login_rewards,
    daily_quest_templates,
    player_achievements,
    player_daily_quests,
    player_inventory,
    player_login_streak,
    player_statistics,
)
from .operations import analytics_events, analytics_sessions, deletion_log

__all__ = [
    "NAMING_CONVENTION",
    "STATISTIC_COLUMNS",
    "achievements",
    "analytics_events",
    "analytics_sessions",
    "characters",
    "daily_login_rewards",
    "daily_quest_templates",
    "date_activities",
    "date_venues",
    "dating_compatibility",
    "deletion_log",
    "diamond_transactions",
    "energy_refill_purchases",
    "locations",
    "metadata",
    "npc_bios",
    "player_achievements",
    "player_daily_quests",
    "player_dates",
    "player_inventory",
    "player_journal",
    "player_login_streak",
    "player_photo_album",
    "player_relationship_events",
    "player_relationships",
    "player_statistics",
    "players",
    "processed_transactions",
    "relationship_events",
    "store_transactions",
    "time_skip_purchases",
    "users",
]
