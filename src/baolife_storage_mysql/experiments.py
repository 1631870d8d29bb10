"""The counts of an A/B experiment, read from ``analytics_events``.

``baolife experiments report`` (docs/experiments.md) reads them here and hands
them to the core (``experiments.report``), which does the statistics.

Rules of this module:

- An exposure is a row named ``experiment_exposure`` whose ``properties`` are
  the canonical JSON ``{"flag":…,"variant":…}`` (``analytics.exposure``). A
  flag's rows are found by the prefix of that text up to the variant
  (``LIKE`` with ``%`` and ``_`` escaped; ``utf8mb4_bin`` on MariaDB, so it is
  exact), and each distinct text is decoded once, so the report also shows
  variants no longer in content. Rows without a player, and texts other than
  exactly what ``exposure`` writes, are ignored.
- Exposed players of a variant: distinct players with at least one exposure
  row for it (at or after ``since``, if given). A player's first exposure is
  the earliest of those rows.
- Converted players: exposed players with at least one row named ``event`` at
  or after their first exposure to the variant; a conversion before it does
  not count (the variant cannot have caused it).
- A player exposed to two variants of one flag (its weights were changed, which
  docs/experiments.md forbids) counts in both.
- One read statement (``GROUP BY`` over a derived table, a correlated
  ``EXISTS`` per exposed player that the ``(player_id, at)`` index answers), the
  same on SQLite and MariaDB.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, and_, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from baolife_core.analytics import EXPOSURE
from baolife_core.experiments import VariantCounts
from baolife_core.wire import canonical_json

from .schema import analytics_events

__all__ = ["experiment_counts"]


def experiment_counts(
    engine: Engine, flag: str, event: str, *, since: int | None = None
) -> tuple[VariantCounts, ...]:
    """Exposed and converted players per variant of ``flag``, by variant id."""
    rows = analytics_events.c
    # '{"flag":"<flag>","variant":"' : every exposure of the flag starts so.
    prefix = canonical_json({"flag": flag, "variant": ""})[: -len('"}')]
    conditions: list[ColumnElement[bool]] = [
        rows.name == EXPOSURE,
        rows.player_id.is_not(None),
        rows.properties.startswith(prefix, autoescape=True),
    ]
    if since is not None:
        conditions.append(rows.at >= since)
    first = (
        select(
            rows.player_id,
            rows.properties,
            func.min(rows.at).label("first_at"),
        )
        .where(*conditions)
        .group_by(rows.player_id, rows.properties)
        .subquery("first_exposure")
    )
    later = analytics_events.alias("conversion")
    converted = exists().where(
        and_(
            later.c.player_id == first.c.player_id,
            later.c.name == event,
            later.c.at >= first.c.first_at,
        )
    )
    query = select(
        first.c.properties,
        func.count().label("exposed"),
        func.sum(case((converted, 1), else_=0)).label("converted"),
    ).group_by(first.c.properties)
    with engine.connect() as connection:
        found = connection.execute(query).all()
    counts = []
    for properties, exposed, conversions in found:
        variant = _variant(flag, properties)
        if variant is not None:
            counts.append(VariantCounts(variant, int(exposed), int(conversions or 0)))
    return tuple(sorted(counts, key=lambda c: c.variant))


def _variant(flag: str, properties: str) -> str | None:
    """The variant of an exposure row of ``flag``; None for any other text."""
    try:
        data = json.loads(properties)
    except ValueError:
        return None
    variant = data.get("variant") if isinstance(data, dict) else None
    if not isinstance(variant, str):
        return None
    if properties != canonical_json({"flag": flag, "variant": variant}):
        return None  # not a row ``analytics.exposure`` wrote for ``flag``
    return variant
