"""Keyed locks: one holder per key, FIFO order, entries removed when unused."""

from __future__ import annotations

import asyncio

from baolife_transport_ws.locks import KeyedLocks

from .support import DEADLINE


class TestKeyedLocks:
    """``hold`` serialises per key and cleans up after itself."""

    async def test_same_key_runs_one_at_a_time_in_arrival_order(self) -> None:
        """Holders of one key never overlap and enter in the order they asked."""
        locks = KeyedLocks()
        log: list[str] = []
        gate = asyncio.Event()

        async def work(name: str) -> None:
            async with locks.hold("player"):
                log.append(f"{name}+")
                await gate.wait()
                log.append(f"{name}-")

        tasks = [asyncio.create_task(work(n)) for n in "abc"]
        await asyncio.sleep(0)  # a yield: let all three queue up
        gate.set()
        async with asyncio.timeout(DEADLINE):
            await asyncio.gather(*tasks)
        assert log == ["a+", "a-", "b+", "b-", "c+", "c-"]
        assert len(locks) == 0

    async def test_different_keys_do_not_block_each_other(self) -> None:
        """Holding one key does not delay another."""
        locks = KeyedLocks()
        async with locks.hold("a"), asyncio.timeout(DEADLINE), locks.hold("b"):
            assert len(locks) == 2
        assert len(locks) == 0

    async def test_entry_is_removed_after_an_exception(self) -> None:
        """A failing holder still releases and forgets the key."""
        locks = KeyedLocks()
        try:
            async with locks.hold("a"):
                raise ValueError
        except ValueError:
            pass
        assert len(locks) == 0
