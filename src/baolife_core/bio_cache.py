"""``BioCache``: the bios a player was shown, per (player, NPC id), in memory.

Rules of this module (``service`` module rules; docs/dating.md "Bios"):

- A bounded LRU: at most ``size`` entries, the least recently shown or remembered
  forgotten first. It is per process, like the service's rate-limit buckets; a
  forgotten or unknown bio only costs a writer call at the ``like``.
- A value is the writer's cleaned text, or None when the grammar's bio was shown
  (the writer declined or failed: it is not asked again for that NPC).
- The service's worker threads share it without a lock (the core imports no
  ``threading``): each ``OrderedDict`` call is atomic under the GIL, and a race
  costs at most an extra eviction or a lost recency bump, never a wrong bio.
- Memory: an entry is a key of two short strings and a bio of at most
  ``MAX_TEXT`` (500) characters, about 0.6 KB, so the default 10,000 take 6 MB.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

__all__ = ["BIO_CACHE_SIZE", "BioCache"]

#: (player, NPC) bios a service remembers by default (see the memory note above).
BIO_CACHE_SIZE = 10_000


class BioCache:
    """The bios shown to players, per (player, NPC id) (see the module rules)."""

    def __init__(self, size: int = BIO_CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError(f"bio cache size must be >= 1, not {size}")
        self.size = size
        self._bios: OrderedDict[tuple[str, str], str | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._bios)

    def shown(self, key: tuple[str, str]) -> tuple[bool, str | None]:
        """(known, bio): whether a bio was remembered under ``key``, and which."""
        try:
            bio = self._bios[key]
        except KeyError:
            return False, None
        with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
            self._bios.move_to_end(key)
        return True, bio

    def remember(self, key: tuple[str, str], bio: str | None) -> None:
        """Remember ``bio`` under ``key``; forget the least recently used beyond
        ``size``."""
        self._bios[key] = bio
        with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
            self._bios.move_to_end(key)
        while len(self._bios) > self.size:
            try:
                self._bios.popitem(last=False)
            except KeyError:  # pragma: no cover - another thread emptied it
                break
