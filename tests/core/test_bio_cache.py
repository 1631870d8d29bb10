"""Tests of ``baolife_core.bio_cache``: a bounded LRU of the bios shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.bio_cache import BIO_CACHE_SIZE, BioCache
from baolife_core.catalog import load_catalog
from baolife_core.memory_store import InMemoryStore
from baolife_core.service import GameService


class TestBioCache:
    """``BioCache``: a bounded LRU of the bios shown, per (player, NPC)."""

    def test_unknown_and_remembered(self) -> None:
        """A key is unknown until remembered; None is a remembered grammar bio."""
        cache = BioCache(size=4)
        assert (False, None) == cache.shown(("p", "a"))
        cache.remember(("p", "a"), None)
        cache.remember(("p", "b"), "Hi.")
        assert [(True, None), (True, "Hi.")] == [
            cache.shown(("p", "a")),
            cache.shown(("p", "b")),
        ]

    def test_the_least_recently_used_goes_first(self) -> None:
        """Beyond ``size`` the entry shown or remembered longest ago is forgotten."""
        cache = BioCache(size=2)
        cache.remember(("p", "a"), "A")
        cache.remember(("p", "b"), "B")
        cache.shown(("p", "a"))  # a is now more recent than b
        cache.remember(("p", "c"), "C")
        assert [True, False, True] == [
            cache.shown(("p", key))[0] for key in ("a", "b", "c")
        ]
        assert 2 == len(cache)

    def test_players_do_not_share_bios(self) -> None:
        """The same NPC id under two players is two entries."""
        cache = BioCache()
        cache.remember(("p1", "n"), "one")
        cache.remember(("p2", "n"), "two")
        assert ["one", "two"] == [cache.shown((p, "n"))[1] for p in ("p1", "p2")]

    @pytest.mark.parametrize("size", [0, -1])
    def test_size_must_be_positive(self, size: int) -> None:
        """A cache that could hold nothing is a configuration error."""
        with pytest.raises(ValueError, match="bio cache size"):
            BioCache(size=size)

    def test_the_default_size(self) -> None:
        """A service remembers ``BIO_CACHE_SIZE`` bios."""
        service = GameService(InMemoryStore(), load_catalog())
        assert BIO_CACHE_SIZE == service.bios.size

    @given(
        size=st.integers(min_value=1, max_value=8),
        keys=st.lists(st.integers(min_value=0, max_value=20), max_size=60),
    )
    def test_it_keeps_the_most_recent_keys(self, size: int, keys: list[int]) -> None:
        """After any sequence of writes it holds exactly the ``size`` latest keys."""
        cache = BioCache(size=size)
        for key in keys:
            cache.remember(("p", str(key)), str(key))
        latest: list[int] = []
        for key in reversed(keys):
            if key not in latest:
                latest.append(key)
        kept = latest[:size]
        assert len(kept) == len(cache)
        assert all(cache.shown(("p", str(k))) == (True, str(k)) for k in kept)
