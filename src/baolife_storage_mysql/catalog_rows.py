"""Catalog tables: the content the server runs, as rows SQL can join and report on.

The player tables are projections of the journal; the catalog tables are
projections of the content (``baolife_core.Catalog``). ``sync_catalog`` makes them
equal to the content when a server starts (``baolife_app.bootstrap``), so a query
sees the locations, achievements, login rewards, daily quest templates, date
venues and activities and relationship events the game plays with (dating's row
functions are in ``dating_catalog``).

Rules of this module:

- ``CATALOG_TABLES`` lists every catalog table with the function that turns the
  content into its rows. Adding a catalog table is a table in ``schema``, a
  migration, and one ``CatalogTable`` entry here: ``sync_catalog`` needs nothing
  else.
- A row function is pure: content in, one mapping per row out, with a value for
  every column of the table. The rows are checked before the database is touched
  (every column, no duplicate primary key, no ``NULL`` in a ``NOT NULL`` column,
  no string longer than its column, which MySQL would refuse and SQLite accept),
  so bad content fails the same way on every backend.
- One sync is one transaction under the migration lock (``BEGIN IMMEDIATE`` on
  SQLite, ``GET_LOCK`` on MySQL, rows read ``FOR UPDATE``), so servers starting
  at once take turns and each sees the rows the previous one left. It reads every
  row of each catalog table (they are small), then writes only the difference:
  new keys are inserted, changed rows updated, keys no longer in content deleted.
  Syncing the same content again writes nothing.
- A row no longer in content is deleted only if no row of any table in the same
  ``MetaData`` refers to it by a foreign key; otherwise it is kept (and reported
  in ``kept``), because a player may still hold it. That check looks the key up
  in each referring table, so index the referring columns. Inserts and updates
  run parents first, deletions children first, in ``MetaData.sorted_tables``
  order.
- A catalog table some player rows depend on has a ``rebuild``: the sync calls
  it, in its transaction, with the keys it inserted, after every insert and
  update and before any deletion, and reports the rows written (``rebuilt``).
  Only ``relationship_events`` has one (``dating_catalog``).
- Catalog tables carry no player id: they are the same on every shard (Vitess
  "reference tables") and never written by a player's command.
- A reward is stored as text for people (``reward_text``: item names, rolls and
  their weights), and where it is fixed (login rewards) also as columns. A
  predicate or an event filter is text too (``predicate_text``, ``filter_text``):
  the content's own form, in one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from attrs import frozen
from sqlalchemy import (
    Connection,
    Engine,
    ForeignKeyConstraint,
    String,
    Table,
    bindparam,
    delete,
    insert,
    literal,
    select,
)

from baolife_core import Catalog
from baolife_core.retention.achievement_rules import (
    EventFilter,
    FilterValue,
    StatThreshold,
)
from baolife_core.retention.reward_rules import Reward
from baolife_core.retention.rewards import reward_text as grant_text
from baolife_core.wire import canonical_json

from .database import WRITE
from .dating_catalog import (
    activity_rows,
    rebuild_relationship_events,
    relationship_event_rows,
    venue_rows,
)
from .migrate import migration_lock
from .schema import (
    achievements,
    daily_login_rewards,
    daily_quest_templates,
    date_activities,
    date_venues,
    locations,
    relationship_events,
)
from .statements import key_parameters, update_by_key

__all__ = [
    "CATALOG_TABLES",
    "CatalogSync",
    "CatalogTable",
    "Key",
    "Rebuild",
    "TableSync",
    "achievement_rows",
    "filter_text",
    "location_rows",
    "login_reward_rows",
    "predicate_text",
    "quest_template_rows",
    "reward_text",
    "sync_catalog",
]

#: A row's primary-key values, in the primary key's column order.
Key = tuple[object, ...]


#: Rebuilds the player rows that depend on catalog keys a sync inserted, in the
#: sync's transaction; returns the rows written.
Rebuild = Callable[[Connection, Sequence[Key]], int]


@frozen
class CatalogTable:
    """A catalog table, how the content fills it, and what depends on its keys."""

    table: Table
    rows: Callable[[Catalog], Iterable[Mapping[str, object]]]  # module rules
    rebuild: Rebuild | None = None  # player rows of newly inserted keys (rules)


def location_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``locations`` row per location of the content, in content order."""
    for location in catalog.activities.locations:
        yield {
            "id": location.id,
            "name": location.name,
            "min_age": location.min_age,
            "max_age": location.max_age,
        }


def reward_text(reward: Reward, item_names: Mapping[str, str]) -> str:
    """A reward in one line: ``10 diamonds + one of [20 energy (weight 3) | …]``.

    The fixed grant as the game shows it (``rewards.reward_text``), then each
    roll as its options with their weights.
    """
    names = dict(item_names)
    parts = [grant_text(reward.fixed, names)] if reward.fixed else []
    for roll in reward.rolls:
        options = " | ".join(
            f"{grant_text(grant, names)} (weight {weight})" for grant, weight in roll
        )
        parts.append(f"one of [{options}]")
    return " + ".join(parts) or "nothing"


def _value_text(value: FilterValue) -> str:
    """A filter value as the content writes it: ``"teen"``, ``false``, ``3``."""
    return json.dumps(value)


def filter_text(where: Iterable[tuple[str, FilterValue]]) -> str | None:
    """An event filter's fields in one line (``expired = false``); None if none."""
    text = " and ".join(f"{name} = {_value_text(value)}" for name, value in where)
    return text or None


def predicate_text(predicate: StatThreshold | EventFilter) -> str:
    """An achievement's predicate in one line.

    ``lives_lived >= 5`` for a statistic threshold; ``stage_entered where stage =
    "teen"`` (or the bare event name) for an event filter.
    """
    if isinstance(predicate, StatThreshold):
        return f"{predicate.stat} >= {predicate.at_least}"
    where = filter_text(predicate.where)
    return predicate.event if where is None else f"{predicate.event} where {where}"


def achievement_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``achievements`` row per achievement of the content, in content order."""
    names = catalog.items.names
    for achievement in catalog.achievements.achievements:
        yield {
            "id": achievement.id,
            "category": achievement.category,
            "name": achievement.name,
            "description": achievement.description,
            "hidden": achievement.hidden,
            "predicate": predicate_text(achievement.predicate),
            "reward": reward_text(achievement.reward, names),
        }


def login_reward_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``daily_login_rewards`` row per cycle day, 1 to 7.

    A login reward has no rolls (the loader refuses them), so its fixed grant is
    the whole reward and fills the columns.
    """
    names = catalog.items.names
    for day, reward in enumerate(catalog.login.rewards, start=1):
        yield {
            "day": day,
            "diamonds": reward.fixed.diamonds,
            "energy": reward.fixed.energy,
            "items": canonical_json(dict(reward.fixed.items)),
            "reward": reward_text(reward, names),
        }


def quest_template_rows(catalog: Catalog) -> Iterator[dict[str, object]]:
    """One ``daily_quest_templates`` row per template, in content order.

    Templates of weight 0 (never offered) are rows too: the table is the content.
    """
    names = catalog.items.names
    for quest in catalog.quests.quests:
        yield {
            "id": quest.id,
            "name": quest.name,
            "event": quest.trigger.event,
            "event_filter": filter_text(quest.trigger.where),
            "measure": quest.measure,
            "target_low": quest.target_low,
            "target_high": quest.target_high,
            "weight": quest.weight,
            "reward": reward_text(quest.reward, names),
        }


#: Every catalog table ``sync_catalog`` keeps in step with the content.
CATALOG_TABLES: tuple[CatalogTable, ...] = (
    CatalogTable(locations, location_rows),
    CatalogTable(achievements, achievement_rows),
    CatalogTable(daily_login_rewards, login_reward_rows),
    CatalogTable(daily_quest_templates, quest_template_rows),
    CatalogTable(date_venues, venue_rows),
    CatalogTable(date_activities, activity_rows),
    CatalogTable(
        relationship_events, relationship_event_rows, rebuild_relationship_events
    ),
)


@frozen
class TableSync:
    """What one sync changed in one catalog table (keys in primary-key order)."""

    table: str  # the table's name
    inserted: tuple[Key, ...]  # keys new in content
    updated: tuple[Key, ...]  # keys whose other columns changed
    deleted: tuple[Key, ...]  # keys no longer in content, deleted
    kept: tuple[Key, ...]  # keys no longer in content, kept: still referenced
    rebuilt: int = 0  # player rows the table's ``rebuild`` wrote

    @property
    def changed(self) -> bool:
        """True if the sync wrote to the table."""
        return bool(self.inserted or self.updated or self.deleted)

    def counts(self) -> dict[str, int]:
        """How many keys each outcome has, and the rows rebuilt (for a log line)."""
        return {
            "inserted": len(self.inserted),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "kept": len(self.kept),
            "rebuilt": self.rebuilt,
        }


@frozen
class CatalogSync:
    """What one ``sync_catalog`` did, per table."""

    tables: tuple[TableSync, ...]  # in the order the tables were synced

    @property
    def changed(self) -> bool:
        """True if the sync wrote to any table."""
        return any(table.changed for table in self.tables)

    def table(self, name: str) -> TableSync:
        """The result for the table called ``name`` (``KeyError`` if not synced)."""
        for table in self.tables:
            if table.table == name:
                return table
        raise KeyError(name)


def _key(table: Table, row: Mapping[str, object]) -> Key:
    return tuple(row[column.name] for column in table.primary_key.columns)


def _check_row(table: Table, row: Mapping[str, object]) -> None:
    """The module rules' checks of one content row (``ValueError`` if bad)."""
    columns = set(table.columns.keys())
    if set(row) != columns:
        raise ValueError(
            f"{table.name}: a row must have exactly the columns {sorted(columns)}, "
            f"got {sorted(row)}"
        )
    for column in table.columns:
        value = row[column.name]
        if value is None and not column.nullable:
            raise ValueError(f"{table.name}.{column.name} must not be NULL")
        length = column.type.length if isinstance(column.type, String) else None
        if isinstance(value, str) and length is not None and len(value) > length:
            raise ValueError(
                f"{table.name}.{column.name} holds at most {length} characters, "
                f"got {len(value)}: {value[:40]!r}…"
            )


def _wanted(spec: CatalogTable, catalog: Catalog) -> dict[Key, Mapping[str, object]]:
    """The content's rows of ``spec``, by key, checked (module rules)."""
    wanted: dict[Key, Mapping[str, object]] = {}
    for row in spec.rows(catalog):
        _check_row(spec.table, row)
        key = _key(spec.table, row)
        if key in wanted:
            raise ValueError(f"{spec.table.name}: duplicate key {key!r} in content")
        wanted[key] = row
    return wanted


def _referencing(table: Table) -> list[ForeignKeyConstraint]:
    """The foreign keys of the table's ``MetaData`` that point at it."""
    return [
        constraint
        for other in table.metadata.tables.values()
        for constraint in other.foreign_key_constraints
        if constraint.referred_table is table
    ]


def _referenced(
    connection: Connection,
    constraints: Sequence[ForeignKeyConstraint],
    row: Mapping[str, object],
) -> bool:
    """True if a row of another table refers to ``row`` by a foreign key."""
    for constraint in constraints:
        match = [
            element.parent == row[element.column.name]
            for element in constraint.elements
        ]
        query = select(literal(1)).select_from(constraint.table).where(*match).limit(1)
        if connection.execute(query).first() is not None:
            return True
    return False


@frozen
class _Plan:
    """One table's difference between the database and the content."""

    spec: CatalogTable
    inserts: tuple[Mapping[str, object], ...]
    updates: tuple[Mapping[str, object], ...]
    stale: tuple[Mapping[str, object], ...]  # rows no longer in content


def _plan(
    connection: Connection,
    spec: CatalogTable,
    wanted: Mapping[Key, Mapping[str, object]],
) -> _Plan:
    table = spec.table
    order = list(table.primary_key.columns)
    existing = {
        _key(table, row): row
        for row in (
            dict(result._mapping)
            for result in connection.execute(
                select(table).order_by(*order).with_for_update()
            )
        )
    }
    return _Plan(
        spec=spec,
        inserts=tuple(row for key, row in wanted.items() if key not in existing),
        updates=tuple(
            row
            for key, row in wanted.items()
            if key in existing and dict(row) != existing[key]
        ),
        stale=tuple(row for key, row in existing.items() if key not in wanted),
    )


def _upsert(connection: Connection, plan: _Plan) -> None:
    table = plan.spec.table
    if plan.inserts:
        connection.execute(insert(table), [dict(row) for row in plan.inserts])
    key_columns = set(table.primary_key.columns.keys())
    for row in plan.updates:
        key = {name: row[name] for name in key_columns}
        values = {name: value for name, value in row.items() if name not in key_columns}
        connection.execute(update_by_key(table), {**key_parameters(key), **values})


def _rebuild(connection: Connection, plan: _Plan) -> int:
    """The table's ``rebuild`` for the keys inserted (0 rows if none or no hook)."""
    rebuild = plan.spec.rebuild
    if rebuild is None or not plan.inserts:
        return 0
    return rebuild(connection, [_key(plan.spec.table, row) for row in plan.inserts])


def _delete_stale(
    connection: Connection, plan: _Plan
) -> tuple[tuple[Key, ...], tuple[Key, ...]]:
    """Delete the stale rows nothing refers to; the keys deleted, and those kept."""
    table = plan.spec.table
    constraints = _referencing(table)
    kept: list[Key] = []
    doomed: list[Key] = []
    for row in plan.stale:
        key = _key(table, row)
        if constraints and _referenced(connection, constraints, row):
            kept.append(key)
        else:
            doomed.append(key)
    if doomed:
        columns = list(table.primary_key.columns)
        statement = delete(table).where(
            *(column == bindparam(f"key_{column.name}") for column in columns)
        )
        connection.execute(
            statement,
            [
                {
                    f"key_{column.name}": value
                    for column, value in zip(columns, key, strict=True)
                }
                for key in doomed
            ],
        )
    return tuple(doomed), tuple(kept)


def _in_dependency_order(tables: Sequence[CatalogTable]) -> list[CatalogTable]:
    """Parents before children, as ``MetaData.sorted_tables`` orders them."""

    def rank(spec: CatalogTable) -> int:
        return spec.table.metadata.sorted_tables.index(spec.table)

    return sorted(tables, key=rank)


def sync_catalog(
    engine: Engine,
    catalog: Catalog,
    tables: Sequence[CatalogTable] = CATALOG_TABLES,
    *,
    lock_timeout_s: int = 60,
) -> CatalogSync:
    """Make the catalog ``tables`` equal to ``catalog`` in one transaction.

    See the module rules. ``ValueError`` for content that does not fit the
    tables, before anything is written; ``MigrationLockError`` if another process
    held the migration lock for ``lock_timeout_s``.
    """
    ordered = _in_dependency_order(tables)
    wanted = [_wanted(spec, catalog) for spec in ordered]
    writer = engine.execution_options(**WRITE)
    # The lock is taken before the transaction's first read and released after
    # its COMMIT, so the next process to take it reads what this one wrote.
    with writer.connect() as connection, migration_lock(connection, lock_timeout_s):
        try:
            plans = [
                _plan(connection, spec, rows)
                for spec, rows in zip(ordered, wanted, strict=True)
            ]
            for plan in plans:
                _upsert(connection, plan)
            rebuilt = {
                plan.spec.table.name: _rebuild(connection, plan) for plan in plans
            }
            removed = {
                plan.spec.table.name: _delete_stale(connection, plan)
                for plan in reversed(plans)
            }
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return CatalogSync(
        tables=tuple(
            TableSync(
                table=plan.spec.table.name,
                inserted=tuple(_key(plan.spec.table, row) for row in plan.inserts),
                updated=tuple(_key(plan.spec.table, row) for row in plan.updates),
                deleted=removed[plan.spec.table.name][0],
                kept=removed[plan.spec.table.name][1],
                rebuilt=rebuilt[plan.spec.table.name],
            )
            for plan in plans
        )
    )
