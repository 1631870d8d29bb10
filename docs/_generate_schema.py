"""Write ``docs/schema.md``, the schema reference, from ``schema.metadata``.

    uv run python docs/_generate_schema.py          # rewrite docs/schema.md
    uv run python docs/_generate_schema.py --check  # exit 1 if it is stale

Columns, types, keys, foreign keys, checks and indexes come from the metadata
(a table's purpose and a column's meaning are their ``comment``); what each key
and index is for — the query path it serves — is written here, in ``SERVES``,
one entry per primary key, unique constraint and index. A test
(``tests/storage_mysql/test_schema_docs.py``) holds the committed file equal to
what this script writes, and ``SERVES`` to exactly the metadata's keys, so a
schema change without its documentation fails CI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import CheckConstraint, Column, Table, UniqueConstraint
from sqlalchemy.dialects import mysql, sqlite

from baolife_storage_mysql import CATALOG_TABLES, metadata
from baolife_storage_mysql.rebuild import PROJECTION_TABLES

SCHEMA_MD = Path(__file__).resolve().parent / "schema.md"

#: The tables the store writes itself, in a command's or a login's transaction.
STORE_TABLES = (
    "users",
    "players",
    "player_journal",
    "processed_transactions",
    "store_transactions",
)
#: Tables written beside gameplay: analytics and the purge's tombstones.
OPERATIONS_TABLES = ("analytics_events", "analytics_sessions", "deletion_log")

#: Who writes each group of tables, and how it shards (docs/scaling.md).
GROUPS = {
    "store": (
        "Accounts, snapshots and the journal",
        "Written by `SqlPlayerStore` (the journal is the truth; docs/storage.md "
        '"One command, one transaction").',
    ),
    "projection": (
        "Projections of the journal",
        "Written by the projectors in the command's transaction (docs/storage.md); "
        "a pure function of the journal, rebuilt by `baolife db "
        "rebuild-projections`.",
    ),
    "catalog": (
        "Catalog tables",
        "The content the server runs, written by `sync_catalog` at startup, never "
        'by a player\'s command (docs/storage.md "Catalog tables").',
    ),
    "operations": (
        "Operations",
        "Written beside gameplay, never in a player's transaction: analytics in "
        "batches, tombstones by the purge (docs/operations.md).",
    ),
}

#: How each table is placed on a sharded engine (docs/scaling.md), where it is
#: not simply "sharded by ``player_id``" (every player table).
SHARDING = {
    "users": "sharded by `user_id` (the player id); `device_id` is a lookup "
    "(Vitess lookup vindex) for `hello` by device",
    "store_transactions": "unsharded, or sharded by its own `transaction_id` "
    "(a Vitess lookup table): a transaction is claimed once across all players",
    "analytics_events": "sharded by `player_id` with the player's rows, or "
    "shipped to an analytics store; server-level events (`player_id` NULL) on "
    "any shard",
    "deletion_log": "unsharded (one small row per purged account, no player id)",
}

#: What every primary key, unique constraint and index is for: the queries it
#: serves. Names follow ``NAMING_CONVENTION`` (MySQL names every primary key
#: ``PRIMARY``; the ``pk_`` name is SQLite's and the metadata's).
SERVES = {
    # -- the store's tables ---------------------------------------------------
    "pk_users": "the account by player id: token checks (`tokens_valid_after`), "
    "deletion requests and cancels, the GDPR export and the purge (`WHERE "
    "user_id = ?`, locked `FOR UPDATE` by the purge)",
    "uq_users_device_id": "one player per device; `hello` by device "
    "(`player_for_device`: `WHERE device_id = ?`)",
    "ix_users_purge_after": "the purge's search for due accounts (`WHERE "
    "purge_after <= ? ORDER BY purge_after, user_id LIMIT ?`; InnoDB appends "
    "the primary key to the index, so the order needs no sort)",
    "pk_players": "the version-checked `UPDATE` of every command (`WHERE "
    "player_id = ? AND version = ?`, which also takes the row lock), the "
    "snapshot load, the rebuild's and the purge's row lock; the foreign key "
    "of every player table",
    "pk_player_journal": "appending a line (a duplicate `(player_id, seq)` is a "
    "lost race), reading a player's journal in order (`WHERE player_id = ? ORDER "
    "BY seq`: replay, export, rebuild); `sync_catalog`'s rebuild of "
    "relationship events scans it with `LIKE` (a one-off on new content)",
    "pk_processed_transactions": "the idempotency check: a retried key's first "
    "reply (`WHERE player_id = ? AND key_hash = ?`); a duplicate key is a lost "
    "race",
    "pk_store_transactions": "binding an App Store transaction once, ever (a "
    "duplicate key reads the owner back: `WHERE transaction_id = ?`), and "
    "refunds finding its buyer",
    "ix_store_transactions_player_id": "a player's store purchases: the GDPR "
    "export, and the purge setting `player_id` to NULL (`WHERE player_id = ?`)",
    # -- projections --------------------------------------------------------
    "pk_diamond_transactions": "a surrogate row id; the ledger's order of "
    "insertion (renumbered in journal order by a rebuild)",
    "ix_diamond_transactions_player_id": "the player's ledger (`WHERE player_id "
    "= ?`, in `id` order: InnoDB appends the primary key to the index): "
    "audits, `SUM(delta)` = balance, the export, the purge and the rebuild; "
    "the foreign key's index",
    "pk_energy_refill_purchases": "one row per refill bought, found by the "
    "debit's transaction id (`WHERE player_id = ? AND transaction_id = ?`); a "
    "player's refills (`WHERE player_id = ?`); the foreign key's index",
    "pk_time_skip_purchases": "one row per time skip bought, by the debit's "
    "transaction id; a player's time skips (`WHERE player_id = ?`); the "
    "foreign key's index",
    "pk_characters": "a player's lives in order (`WHERE player_id = ?`), the "
    "stage and death updates of one life (`WHERE player_id = ? AND life = ?`); "
    "the foreign key's index",
    "pk_player_photo_album": "the album in the order the state keeps it (`WHERE "
    "player_id = ? ORDER BY seq, event_index`); the foreign key's index",
    "pk_player_achievements": "one unlock per achievement, ever; a player's "
    "achievements (`WHERE player_id = ?`); the foreign key's index",
    "pk_player_login_streak": "the player's streak row, updated by each login "
    "claim; the foreign key's index",
    "pk_player_daily_quests": "a local day's quests (`WHERE player_id = ? AND "
    "local_day = ?`), progress and claim updates of one quest; the foreign "
    "key's index",
    "pk_player_statistics": "the player's statistics row, updated by "
    "`StatisticsChanged`; the foreign key's index",
    "pk_player_inventory": "the inventory (`WHERE player_id = ?`, `count > 0`), "
    "the grant upsert and the use update of one item; the foreign key's index",
    "pk_npc_bios": "a life's matches (`WHERE player_id = ? AND life = ?`) and "
    "one NPC's bio; the foreign key's index",
    "pk_dating_compatibility": "a life's likes and passes, the match's update "
    "of one NPC; the foreign key's index",
    "pk_player_relationships": "a life's relationships, every update of one "
    "relationship (dates, stages, affections); the foreign key's index",
    "pk_player_relationship_events": "the player's relationship events in "
    "journal order; the foreign key's index",
    "ix_player_relationship_events_player_id_life_npc_id": "the events of one "
    "relationship (`WHERE player_id = ? AND life = ? AND npc_id = ?`)",
    "pk_player_dates": "the player's dates in journal order; the foreign key's index",
    "ix_player_dates_player_id_life_npc_id": "the dates of one relationship "
    "(`WHERE player_id = ? AND life = ? AND npc_id = ?`)",
    # -- catalog ------------------------------------------------------------
    "pk_locations": "a location by id (joins from activities), and "
    "`sync_catalog`'s read of the table in key order",
    "pk_achievements": "an achievement by id (joining `player_achievements`), "
    "and the sync's read",
    "pk_daily_login_rewards": "a cycle day's reward (joining "
    "`LoginRewardClaimed.cycle_day`), and the sync's read",
    "pk_daily_quest_templates": "a template by id (joining "
    "`player_daily_quests.quest_id`), and the sync's read",
    "pk_date_venues": "a venue by id (joining `player_dates.venue_id`), the "
    "foreign key of `date_activities`, and the sync's read",
    "pk_date_activities": "a venue's activities (`WHERE venue_id = ?`: also the "
    "foreign key's index, which the sync's \"still referenced?\" check reads) "
    "and the join from `player_dates` on `(venue_id, activity_id)`",
    "pk_relationship_events": "the store's look-up of a line's storylets (one "
    "primary-key read under a shared lock), the rebuild's read of the list, and "
    "the join from `player_relationship_events`",
    # -- operations ---------------------------------------------------------
    "pk_analytics_events": "insertion order: incremental extraction to a "
    "warehouse (`WHERE event_id > ? ORDER BY event_id LIMIT ?`); batches insert "
    "with no key to check",
    "ix_analytics_events_player_id_at": "one player's events in time order "
    "(`WHERE player_id = ? [AND at >= ? AND at < ?] ORDER BY at`: support "
    "timelines, the GDPR export) and the purge's delete",
    "ix_analytics_events_name_at": "reports by event over a period (`WHERE "
    "name = ? AND at >= ? AND at < ?`): funnels, purchase counts",
    "pk_analytics_sessions": "the connect and disconnect upserts of a session "
    "(`session_id`: one WebSocket connection)",
    "ix_analytics_sessions_player_id_connected_at": "a player's sessions in "
    "time order (`WHERE player_id = ? ORDER BY connected_at`: sessions per "
    "player and day, the GDPR export) and the purge's delete",
    "pk_deletion_log": "insertion order; an audit reads the whole table "
    "(`ORDER BY tombstone_id`): there is no player to look a tombstone up by, "
    "by design",
}


def group_of(table: Table) -> str:
    """Which group (``GROUPS``) ``table`` is documented in."""
    if table.name in STORE_TABLES:
        return "store"
    if table in PROJECTION_TABLES:
        return "projection"
    if table in {spec.table for spec in CATALOG_TABLES}:
        return "catalog"
    if table.name in OPERATIONS_TABLES:
        return "operations"
    raise ValueError(f"{table.name}: add it to a group of docs/_generate_schema.py")


def _order(table: Table) -> tuple[int, str]:
    """Tables in the order the reference lists them: the store's and the
    operations tables as listed here, the catalog tables in sync order, the
    projections by name."""
    listed = (*STORE_TABLES, *OPERATIONS_TABLES)
    catalog = [spec.table.name for spec in CATALOG_TABLES]
    if table.name in listed:
        return listed.index(table.name), ""
    if table.name in catalog:
        return catalog.index(table.name), ""
    return 0, table.name


def key_names(table: Table) -> list[str]:
    """The names of the table's primary key, unique constraints and indexes."""
    names = [str(table.primary_key.name)]
    names += sorted(
        str(constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    )
    names += sorted(str(index.name) for index in table.indexes)
    return names


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(column: Column[object]) -> str:
    on_mysql = column.type.compile(dialect=mysql.dialect())
    on_sqlite = column.type.compile(dialect=sqlite.dialect())
    text = f"`{on_mysql}`"
    if on_sqlite != on_mysql:
        text += f" (SQLite `{on_sqlite}`)"
    if column is column.table.autoincrement_column:
        text += ", autoincrement"
    if column.server_default is not None:
        default = getattr(column.server_default, "arg", "")
        text += f", default `{default}`"
    return text


def _columns(names: object) -> str:
    return ", ".join(f"`{name}`" for name in names)  # type: ignore[attr-defined]


def _keys(table: Table) -> Iterator[str]:
    """The key, unique, foreign key, check and index lines of ``table``."""
    primary = table.primary_key
    yield (
        f"- primary key `{primary.name}` ({_columns(primary.columns.keys())}): "
        f"{SERVES[str(primary.name)]}"
    )
    uniques = sorted(
        (c for c in table.constraints if isinstance(c, UniqueConstraint)),
        key=lambda c: str(c.name),
    )
    for unique in uniques:
        yield (
            f"- unique `{unique.name}` ({_columns(unique.columns.keys())}): "
            f"{SERVES[str(unique.name)]}"
        )
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        kind = "unique index" if index.unique else "index"
        columns = [column.name for column in index.columns]
        serves = SERVES[str(index.name)]
        yield f"- {kind} `{index.name}` ({_columns(columns)}): {serves}"
    for foreign in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
        target = ", ".join(
            f"`{element.column.table.name}.{element.column.name}`"
            for element in foreign.elements
        )
        yield (
            f"- foreign key `{foreign.name}`: "
            f"{_columns(foreign.column_keys)} → {target}"
        )
    checks = sorted(
        (c for c in table.constraints if isinstance(c, CheckConstraint)),
        key=lambda c: str(c.name),
    )
    for check in checks:
        yield f"- check `{check.name}`: `{check.sqltext}`"


def _table(table: Table) -> Iterator[str]:
    yield f"### `{table.name}`"
    yield ""
    yield _cell(table.comment or "")
    yield ""
    if group_of(table) == "catalog":
        placement = "a reference table, copied to every shard"
    else:
        placement = SHARDING.get(table.name, "sharded by `player_id`")
    yield f"Placement on a sharded engine: {placement}."
    yield ""
    yield "| column | type (MySQL) | null | what it is |"
    yield "|---|---|---|---|"
    for column in table.columns:
        null = "yes" if column.nullable else "no"
        comment = _cell(column.comment or "")
        yield f"| `{column.name}` | {_type(column)} | {null} | {comment} |"
    yield ""
    yield "Keys and indexes:"
    yield ""
    yield from _keys(table)
    yield ""


INTRO = """\
# Schema reference

<!-- Generated by docs/_generate_schema.py from schema.metadata: do not edit by
hand. Run `uv run python docs/_generate_schema.py` after a schema change. -->

Every table of `baolife_storage_mysql.schema.metadata` (revision {head}): its
purpose, its columns, its keys, foreign keys and checks, and for every key and
index the query path it serves. The same metadata runs on SQLite (the embedded
default) and MySQL/MariaDB (production); the type column shows MySQL's, and
SQLite's where it differs. docs/storage.md explains how the store writes the
tables; docs/scaling.md how they shard.

Conventions (the rules of `baolife_storage_mysql.schema`):

- Instants are `BIGINT` milliseconds UTC, the game's command instants (not the
  database clock); ids are `VARCHAR(36)`; JSON is canonical text, never a native
  JSON type.
- Every player table leads its primary key with `player_id`, the shard key, so
  each query of one player is a prefix range of one index, and the player's
  export, purge and rebuild (`WHERE player_id = ?`) are too.
- Every foreign key column is the leading column of an index (InnoDB needs one;
  the purge and the catalog sync read through it).
- On MySQL/MariaDB: InnoDB, `utf8mb4` with the binary collation
  (`utf8mb4_bin`: exact, case-sensitive comparison, as on SQLite).
- Constraint and index names follow the metadata's naming convention (`pk_`,
  `uq_`, `ix_`, `fk_`, `ck_` + table + columns); MySQL names every primary key
  `PRIMARY`.

Every query the code runs is served by a key or an index listed here: the check
for issue 6 found none missing at revision 0008, so no revision was added for
indexes (a later one that adds an index lists it in docs/storage.md
"Migrations").

## Contents

{contents}
"""


def generate() -> str:
    """The text of ``docs/schema.md`` for the current metadata."""
    from alembic.script import ScriptDirectory

    from baolife_storage_mysql import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    grouped: dict[str, list[Table]] = {group: [] for group in GROUPS}
    for table in sorted(metadata.sorted_tables, key=_order):
        grouped[group_of(table)].append(table)
    contents = []
    for group, tables in grouped.items():
        title, _ = GROUPS[group]
        names = ", ".join(f"`{table.name}`" for table in tables)
        contents.append(f"- {title}: {names}")
    lines = [INTRO.format(head=head, contents="\n".join(contents))]
    for group, tables in grouped.items():
        title, writer = GROUPS[group]
        lines.append(f"## {title}\n\n{writer}\n")
        for table in tables:
            lines.append("\n".join(_table(table)))
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if stale")
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = SCHEMA_MD.read_text(encoding="utf-8") if SCHEMA_MD.exists() else ""
        if current != text:
            print(f"{SCHEMA_MD} is stale: run docs/_generate_schema.py")
            return 1
        return 0
    SCHEMA_MD.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
