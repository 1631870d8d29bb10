"""What every table of the schema shares: the ``MetaData``, its naming convention,
the MySQL table options and the column types (see ``schema`` for the rules).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.dialects import mysql

__all__ = [
    "DOCUMENT",
    "ID",
    "MYSQL",
    "NAMING_CONVENTION",
    "SERIAL",
    "metadata",
    "player_id_column",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Table options for MySQL/MariaDB (ignored by SQLite).
MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

#: An opaque id minted outside the core (a uuid in its 36-character text form).
ID = String(36)
#: Canonical JSON that may grow with the game (TEXT caps at 64 KiB on MySQL).
DOCUMENT = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
#: An autoincrement surrogate key (SQLite only autoincrements INTEGER PRIMARY KEY).
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def player_id_column(row: str, *, index: bool = False) -> Column[str]:
    """The ``player_id`` column of a player table: a foreign key to ``players``."""
    return Column(
        "player_id",
        ID,
        ForeignKey("players.player_id"),
        nullable=False,
        index=index,
        comment=f"the player this {row} belongs to",
    )
