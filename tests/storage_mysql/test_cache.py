"""``SnapshotCache``: a bounded LRU with a TTL that never goes back a version,
across threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from attrs import evolve

from baolife_core import Catalog, StoredPlayer
from baolife_storage_mysql.cache import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_CACHE_TTL_S,
    SnapshotCache,
)

from .support import genesis, new_ids

THREADS = 8
PUTS_PER_THREAD = 200


@pytest.fixture
def player(catalog: Catalog) -> StoredPlayer:
    """A new player at version 1."""
    ids = new_ids()
    return StoredPlayer(
        player_id=ids.player_id, state=genesis(ids, catalog).outcome.state, version=1
    )


class FakeTimer:
    """A settable monotonic clock in seconds, for the TTL."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _other(player: StoredPlayer) -> StoredPlayer:
    """A different player with the same state."""
    return evolve(player, player_id=new_ids().player_id)


class TestLru:
    """Hits, misses and eviction of the least recently used player."""

    def test_miss_then_hit(self, player: StoredPlayer) -> None:
        """An unknown id misses; a put player is returned as put."""
        cache = SnapshotCache(4)
        assert None is cache.get(player.player_id)
        cache.put(player)
        assert player is cache.get(player.player_id)

    def test_evicts_the_least_recently_used_beyond_size(
        self, player: StoredPlayer
    ) -> None:
        """With room for two, a third player evicts the one used longest ago."""
        cache = SnapshotCache(2)
        first, second, third = player, _other(player), _other(player)
        cache.put(first)
        cache.put(second)
        cache.get(first.player_id)  # first is now the most recently used
        cache.put(third)
        assert (True, False, True, 2) == (
            first.player_id in cache,
            second.player_id in cache,
            third.player_id in cache,
            len(cache),
        )

    def test_size_zero_keeps_nothing(self, player: StoredPlayer) -> None:
        """A cache of size 0 is disabled."""
        cache = SnapshotCache(0)
        cache.put(player)
        assert (None, 0) == (cache.get(player.player_id), len(cache))

    def test_negative_size_is_refused(self) -> None:
        """A negative size is a configuration error."""
        with pytest.raises(ValueError, match="cache size"):
            SnapshotCache(-1)

    def test_defaults_are_256_players_for_5_minutes(self) -> None:
        """The issue's cache: an LRU of 256 entries with a 5-minute TTL."""
        cache = SnapshotCache()
        assert (256, 300.0) == (DEFAULT_CACHE_SIZE, DEFAULT_CACHE_TTL_S)
        assert (256, 300.0) == (cache.size, cache.ttl_s)

    def test_evict_and_clear_forget_players(self, player: StoredPlayer) -> None:
        """``evict`` forgets one player, ``clear`` all of them."""
        cache = SnapshotCache(4)
        other = _other(player)
        cache.put(player)
        cache.put(other)
        cache.evict(player.player_id)
        cache.evict("never cached")
        evicted = (player.player_id in cache, other.player_id in cache)
        cache.clear()
        assert ((False, True), 0) == (evicted, len(cache))


class TestTtl:
    """An entry expires ``ttl_s`` after it was stored, however often it is read."""

    def test_entry_expires_after_the_ttl(self, player: StoredPlayer) -> None:
        """Read just before the TTL it hits; at the TTL it is gone."""
        timer = FakeTimer()
        cache = SnapshotCache(4, ttl_s=300, timer=timer)
        cache.put(player)
        timer.now = 299.9
        before = cache.get(player.player_id)
        timer.now = 300.0
        assert (player, None) == (before, cache.get(player.player_id))
        assert (False, 0) == (player.player_id in cache, len(cache))

    def test_reads_do_not_extend_the_ttl_but_puts_do(
        self, player: StoredPlayer
    ) -> None:
        """A hit keeps the expiry; a fresh put (a read or a write) restarts it."""
        timer = FakeTimer()
        cache = SnapshotCache(4, ttl_s=10, timer=timer)
        other = _other(player)
        cache.put(player)
        cache.put(other)
        timer.now = 6.0
        cache.get(player.player_id)
        cache.put(evolve(other, version=2))
        timer.now = 12.0
        assert (None, 2) == (
            cache.get(player.player_id),
            getattr(cache.get(other.player_id), "version", None),
        )

    def test_an_expired_older_version_is_replaced(self, player: StoredPlayer) -> None:
        """Once a newer version expired, any version may be cached again."""
        timer = FakeTimer()
        cache = SnapshotCache(4, ttl_s=10, timer=timer)
        cache.put(evolve(player, version=5))
        timer.now = 10.0
        cache.put(player)
        assert player is cache.get(player.player_id)

    @pytest.mark.parametrize("ttl_s", [0, -1, float("inf"), float("nan")])
    def test_ttl_must_be_a_positive_number(self, ttl_s: float) -> None:
        """A TTL that is not a positive finite number is a configuration error."""
        with pytest.raises(ValueError, match="cache ttl"):
            SnapshotCache(4, ttl_s=ttl_s)


class TestVersions:
    """A put never replaces a newer version of the player."""

    def test_older_version_does_not_replace_a_newer_one(
        self, player: StoredPlayer
    ) -> None:
        """A late put of version 1 leaves version 2 in place."""
        cache = SnapshotCache(4)
        newer = evolve(player, version=2)
        cache.put(newer)
        cache.put(player)
        assert newer is cache.get(player.player_id)

    def test_same_or_newer_version_replaces(self, player: StoredPlayer) -> None:
        """A put of the same version (a fresh read) or a newer one wins."""
        cache = SnapshotCache(4)
        cache.put(player)
        reread = evolve(player)
        cache.put(reread)
        same = cache.get(player.player_id)
        newer = evolve(player, version=2)
        cache.put(newer)
        assert (reread, newer) == (same, cache.get(player.player_id))
        assert same is reread


class TestThreads:
    """Worker threads share one cache."""

    @pytest.mark.parametrize("size", [3, 5], ids=["evicting", "roomy"])
    def test_concurrent_puts_stay_bounded_and_keep_the_newest(
        self, player: StoredPlayer, size: int
    ) -> None:
        """8 threads put rising versions of 5 players: bounded; newest kept."""
        cache = SnapshotCache(size)
        players = [player, *(_other(player) for _ in range(4))]

        def work(thread: int) -> None:
            for index in range(PUTS_PER_THREAD):
                stored = players[(thread + index) % len(players)]
                cache.put(evolve(stored, version=index + 1))
                cache.get(players[index % len(players)].player_id)

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(work, range(THREADS)))

        cached = [cache.get(stored.player_id) for stored in players]
        versions = [stored.version for stored in cached if stored is not None]
        assert size == len(cache) == len(versions)
        if size == len(players):  # nothing was evicted, so nothing went back
            assert [PUTS_PER_THREAD] * size == versions
