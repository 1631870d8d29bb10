"""Keyed asyncio locks: one command at a time per player, across connections.

DESIGN.md "Transport": commands of one player are applied one at a time, in order.
A connection handles its own frames sequentially; a player with two connections
(two devices, or a reconnect racing the old socket) needs a lock shared by both.

Rules of this module:

- ``hold(key)`` waits in arrival order (``asyncio.Lock`` is FIFO), so commands of
  one player apply in the order the server received them.
- An entry exists only while someone holds or awaits its lock; the last one out
  removes it, so the table never grows with the number of players seen.
- Locks order work within one server process. Across processes the store's
  optimistic version check (``ConcurrencyError`` → retry) keeps writes correct.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

__all__ = ["KeyedLocks"]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # tasks holding or waiting for ``lock``


class KeyedLocks:
    """A table of asyncio locks, created on first use and removed when unused."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        """Keys currently held or awaited."""
        return len(self._entries)

    def hold(self, key: str) -> _Hold:
        """``async with locks.hold(key):`` runs the block holding ``key``'s lock."""
        return _Hold(self._entries, key)


class _Hold:
    """The async context manager of ``KeyedLocks.hold`` (a class: it is hot)."""

    __slots__ = ("_entries", "_entry", "_key")

    def __init__(self, entries: dict[str, _Entry], key: str) -> None:
        self._entries = entries
        self._key = key
        self._entry: _Entry | None = None

    async def __aenter__(self) -> None:
        entry = self._entries.get(self._key)
        if entry is None:
            entry = self._entries[self._key] = _Entry()
        entry.users += 1
        self._entry = entry
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: leave the queue
            self._leave(entry)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        entry = self._entry
        assert entry is not None  # noqa: S101 - __aenter__ ran
        entry.lock.release()
        self._leave(entry)

    def _leave(self, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[self._key]
