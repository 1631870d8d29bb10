"""``SnapshotCache``: the latest ``StoredPlayer`` of recently used players, in memory.

The first attempt of ``GameService.execute`` loads with ``fresh=False``, so on a hit
the common path reads nothing from the database (``ports`` module rules). The cache
is per process: several server processes on one database each keep their own.

Rules of this module (issue 6, "Cache"; DESIGN.md "Storage", step 1):

- A ``cachetools.TTLCache`` by player id: least recently used first out beyond
  ``size`` entries (256 by default), and an entry expires ``ttl_s`` seconds after
  it was stored (300 by default; a read does not extend it). ``cachetools`` caches
  are not thread-safe, so every call holds one ``threading.Lock``: the store is
  shared by the worker threads of the server. ``size`` 0 disables the cache.
- A stale entry is safe; the TTL only bounds how long one is kept, it is not what
  makes the cache correct. ``append`` is version-checked in the database, so a
  command computed on a stale snapshot (another process wrote the player) fails
  with ``ConcurrencyError``; the store evicts the entry and the service retries on
  fresh state. A duplicate idempotency key fails ``append`` the same way (its
  record is unique) and the retry finds the first reply. A rejection computed on
  a stale snapshot is never answered: the service confirms it on fresh state
  first. Client views load with ``fresh=True``. So a stale entry costs one lost
  attempt, never an update; the TTL saves that attempt for a player another
  process served for more than five minutes, and lets an idle player's memory go.
- Versions only grow (+1 per append; ids are never reused), so ``put`` keeps the
  higher of the cached and the offered version: a slow reader or writer thread
  cannot put an older snapshot over a newer one that another thread stored.
- Memory: an entry is one ``StoredPlayer``, its frozen, slotted state records of
  integers, its id string and the cache's key and expiry link: about 0.7 KB today
  (0.6 KB measured with ``tracemalloc`` without the id), so 256 entries hold
  about 180 KB. It grows with ``PlayerState``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from baolife_core import StoredPlayer

__all__ = ["DEFAULT_CACHE_SIZE", "DEFAULT_CACHE_TTL_S", "SnapshotCache"]

#: Players kept by default (issue 6: an LRU of 256 entries).
DEFAULT_CACHE_SIZE = 256
#: Seconds an entry is kept after it was stored (issue 6: a 5-minute TTL).
DEFAULT_CACHE_TTL_S = 300.0


class SnapshotCache:
    """A thread-safe LRU of ``StoredPlayer`` by player id, with a TTL (module rules).

    ``timer`` is the monotonic clock in seconds the TTL is measured on (tests pass
    a fake one).
    """

    def __init__(
        self,
        size: int = DEFAULT_CACHE_SIZE,
        *,
        ttl_s: float = DEFAULT_CACHE_TTL_S,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 0:
            raise ValueError(f"cache size must be >= 0, not {size}")
        if not (ttl_s > 0 and math.isfinite(ttl_s)):
            raise ValueError(f"cache ttl must be a positive number of s, not {ttl_s}")
        self.size = size
        self.ttl_s = ttl_s
        # A TTLCache of size 0 refuses every item; ``put`` stores nothing instead.
        self._entries: TTLCache[str, StoredPlayer] = TTLCache(
            maxsize=max(size, 1), ttl=ttl_s, timer=timer
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """The players cached and not expired."""
        with self._lock:
            self._entries.expire()
            return len(self._entries)

    def __contains__(self, player_id: object) -> bool:
        with self._lock:
            return player_id in self._entries

    def get(self, player_id: str) -> StoredPlayer | None:
        """The cached player, now the most recently used, or None (also if expired)."""
        with self._lock:
            return self._entries.get(player_id)

    def put(self, stored: StoredPlayer) -> None:
        """Cache ``stored`` unless a newer version is cached; evict the oldest.

        A newer cached version stays with its own expiry, and becomes the most
        recently used.
        """
        if self.size == 0:
            return
        player_id = stored.player_id
        with self._lock:
            cached = self._entries.get(player_id)
            if cached is None or cached.version <= stored.version:
                self._entries[player_id] = stored

    def evict(self, player_id: str) -> None:
        """Forget ``player_id`` (its next load reads the database)."""
        with self._lock:
            self._entries.pop(player_id, None)

    def clear(self) -> None:
        """Forget every player."""
        with self._lock:
            self._entries.clear()
