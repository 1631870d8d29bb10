"""Typed, located access to TOML content: the errors name file, entry and field.

Every content loader (``catalog``, ``life.rules`` …) reads its tables through
``Entry``, so every content error has the same shape (DESIGN.md "Content is data").
Unknown keys are errors: ``Entry.done`` rejects any key no reader asked for.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from typing import Any

from .errors import ContentError

__all__ = ["Entry", "entries", "read_toml"]


class Entry:
    """Typed access to one TOML table, raising errors that name where it failed."""

    def __init__(self, file: str, entry: str, data: Any) -> None:
        self.file = file
        self.entry = entry
        if not isinstance(data, dict):
            raise ContentError(file, entry, "", "must be a table")
        self.data: dict[str, Any] = data
        self.seen: set[str] = set()

    def error(self, field: str, problem: str) -> ContentError:
        return ContentError(self.file, self.entry, field, problem)

    def _get(self, field: str, default: Any) -> Any:
        self.seen.add(field)
        if field in self.data:
            return self.data[field]
        if default is _REQUIRED:
            raise self.error(field, "is required")
        return default

    def integer(self, field: str, *, low: int, high: int, default: Any = None) -> int:
        value = self._get(field, _REQUIRED if default is None else default)
        if type(value) is not int:
            raise self.error(field, f"must be an integer, got {value!r}")
        if not low <= value <= high:
            raise self.error(field, f"must be within {low}..{high}, got {value}")
        return value

    def integer_range(self, field: str, *, low: int, high: int) -> tuple[int, int]:
        """A ``[low, high]`` pair of integers within ``low..high``, in order."""
        value = self._get(field, _REQUIRED)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(type(v) is not int for v in value)
            or not low <= value[0] <= value[1] <= high
        ):
            raise self.error(
                field, f"must be [low, high] within {low}..{high}, got {value!r}"
            )
        return value[0], value[1]

    def has(self, field: str) -> bool:
        """True if the table sets ``field``."""
        return field in self.data

    def text(self, field: str) -> str:
        value = self._get(field, _REQUIRED)
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {value!r}")
        return value

    def texts(self, field: str) -> tuple[str, ...]:
        """A non-empty array of distinct non-empty strings."""
        value = self._get(field, _REQUIRED)
        if not isinstance(value, list) or not value:
            raise self.error(field, "must be a non-empty array of strings")
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.error(field, f"must hold non-empty strings, got {item!r}")
        if len(set(value)) != len(value):
            raise self.error(field, "must not repeat a string")
        return tuple(value)

    def flag(self, field: str, *, default: bool) -> bool:
        value = self._get(field, default)
        if type(value) is not bool:
            raise self.error(field, f"must be true or false, got {value!r}")
        return value

    def table(self, field: str) -> Entry:
        return Entry(self.file, field, self._get(field, _REQUIRED))

    def tables(self, field: str) -> Iterable[Entry]:
        """The entries of an array of tables with unique ``id``s (required)."""
        return entries(self.file, field, self._get(field, _REQUIRED))

    def done(self) -> None:
        """Reject keys that no reader asked for (most likely typos)."""
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(unknown[0], "is not a known field")


_REQUIRED = object()


def read_toml(directory: Traversable, name: str) -> dict[str, Any]:
    source = directory / name
    if not source.is_file():
        raise ContentError(name, "", "", "file is missing")
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ContentError(name, "", "", f"is not valid TOML: {error}") from None


def entries(file: str, name: str, data: Any) -> Iterable[Entry]:
    if not isinstance(data, list) or not data:
        raise ContentError(file, name, "", "must be a non-empty array of tables")
    ids: set[str] = set()
    for index, item in enumerate(data):
        label = item.get("id", index) if isinstance(item, Mapping) else index
        entry = Entry(file, f"{name}[{label}]", item)
        identifier = entry.text("id")
        if identifier in ids:
            raise entry.error("id", f"duplicates an earlier entry {identifier!r}")
        ids.add(identifier)
        yield entry
