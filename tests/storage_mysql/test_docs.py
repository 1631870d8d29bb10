"""``docs/storage.md`` lists every table of the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from baolife_storage_mysql import CATALOG_TABLES, metadata

from .support import DATING_TABLES, METAGAME_TABLES

STORAGE = (Path(__file__).resolve().parents[2] / "docs" / "storage.md").read_text(
    encoding="utf-8"
)


@pytest.mark.parametrize("table", sorted(metadata.tables))
def test_every_table_is_in_the_tables_list(table: str) -> None:
    """Each table has a row of the "Tables" list: its key and what a row is."""
    assert f"| `{table}` |" in STORAGE


#: Tables described column by column under their own heading: the catalog
#: tables, and the player tables since the photo album.
SECTIONS = sorted(
    {spec.table.name for spec in CATALOG_TABLES}
    | {"player_photo_album", "store_transactions", *METAGAME_TABLES, *DATING_TABLES}
)


@pytest.mark.parametrize("table", SECTIONS)
def test_every_described_table_has_its_section(table: str) -> None:
    """Its columns, keys and the queries its indexes serve, under its heading."""
    assert f"### `{table}`" in STORAGE
