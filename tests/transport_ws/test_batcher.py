"""The outgoing batcher's flush rule, driven with a fake send function."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from baolife_transport_ws import OutgoingBatcher, OutgoingQueueFullError

from .support import DEADLINE

HOUR = 3600.0


class FakeSocket:
    """Records every frame ``send`` was given, with its loop time."""

    def __init__(self) -> None:
        self.frames: list[Any] = []
        self.times: list[float] = []
        self._sent = asyncio.Event()

    async def send(self, text: str) -> None:
        self.frames.append(json.loads(text))
        self.times.append(asyncio.get_running_loop().time())
        self._sent.set()

    async def wait_frames(self, count: int) -> list[Any]:
        """Wait (bounded by DEADLINE) until ``count`` frames were sent."""
        async with asyncio.timeout(DEADLINE):
            while len(self.frames) < count:
                self._sent.clear()
                await self._sent.wait()
        return self.frames


def push(n: int) -> dict[str, Any]:
    return {"type": "notification", "n": n}


def reply(n: int) -> dict[str, Any]:
    return {"type": "pong", "rid": str(n)}


def sizes(frames: list[Any]) -> list[int]:
    return [len(f["messages"]) if f["type"] == "batch" else 1 for f in frames]


@pytest.fixture
def sock() -> FakeSocket:
    return FakeSocket()


@asynccontextmanager
async def running(batcher: OutgoingBatcher) -> AsyncIterator[None]:
    """Run the batcher's producer for the duration of the block."""
    task = asyncio.create_task(batcher.run())
    try:
        yield
    finally:
        batcher.abort()
        async with asyncio.timeout(DEADLINE):
            await task


@pytest.fixture
async def slow(sock: FakeSocket) -> AsyncIterator[OutgoingBatcher]:
    """A batcher whose push timer never fires during a test."""
    batcher = OutgoingBatcher(sock.send, interval=HOUR)
    async with running(batcher):
        yield batcher


class TestFlushRule:
    """When frames go out, and what they hold."""

    async def test_25_pushes_go_out_as_10_10_then_5_on_close(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """Full batches leave at once; the rest waits for the timer or close."""
        for n in range(25):
            slow.offer(push(n), reply=False)
        assert sizes(await sock.wait_frames(2)) == [10, 10]
        assert len(slow) == 5
        slow.close()
        frames = await sock.wait_frames(3)
        assert sizes(frames) == [10, 10, 5]
        flat = [m for f in frames for m in f["messages"]]
        assert [push(n) for n in range(25)] == flat

    async def test_lone_push_goes_out_bare_after_the_interval(
        self, sock: FakeSocket
    ) -> None:
        """A single push waits for the interval, then leaves unwrapped."""
        batcher = OutgoingBatcher(sock.send, interval=0.05)
        async with running(batcher):
            queued_at = asyncio.get_running_loop().time()
            batcher.offer(push(1), reply=False)
            assert [push(1)] == await sock.wait_frames(1)
            assert sock.times[0] - queued_at >= 0.05

    async def test_lone_reply_goes_out_at_once(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """A reply does not wait for the push timer (an hour here)."""
        slow.offer(reply(1), reply=True)
        assert [reply(1)] == await sock.wait_frames(1)

    async def test_prompt_pushes_go_out_at_once_together(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """Pushes offered with ``prompt`` (the tick's) do not wait for the timer,
        and those of one loop turn share a frame."""
        slow.offer(push(1), reply=False, prompt=True)
        slow.offer(push(2), reply=False, prompt=True)
        frames = await sock.wait_frames(1)
        assert [[push(1), push(2)]] == [f["messages"] for f in frames]

    async def test_replies_of_one_loop_turn_coalesce(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """Replies queued together leave in one batch, in order."""
        for n in range(3):
            slow.offer(reply(n), reply=True)
        frames = await sock.wait_frames(1)
        assert [{"type": "batch", "messages": [reply(n) for n in range(3)]}] == frames

    async def test_pushes_ride_along_with_a_reply(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """Queued pushes leave with the next reply instead of waiting."""
        slow.offer(push(1), reply=False)
        slow.offer(push(2), reply=False)
        slow.offer(reply(3), reply=True)
        frames = await sock.wait_frames(1)
        assert [[push(1), push(2), reply(3)]] == [f["messages"] for f in frames]

    async def test_replies_beyond_ten_follow_back_to_back(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """Twelve replies go out as 10 and 2 without waiting."""
        for n in range(12):
            slow.offer(reply(n), reply=True)
        assert sizes(await sock.wait_frames(2)) == [10, 2]


class TestRoom:
    """``room``: the consumer's backpressure (rule 4)."""

    async def test_returns_at_once_when_half_empty(self, sock: FakeSocket) -> None:
        """With at most half the queue used, ``room`` does not wait."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR, queue_max=4)
        batcher.offer(push(1), reply=False)
        batcher.offer(push(2), reply=False)
        async with asyncio.timeout(DEADLINE):
            await batcher.room(HOUR)
        assert [] == sock.frames

    async def test_waits_for_the_producer(self, sock: FakeSocket) -> None:
        """Over half full, ``room`` returns once frames were sent."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR, queue_max=4)
        for n in range(3):
            batcher.offer(reply(n), reply=True)
        async with running(batcher), asyncio.timeout(DEADLINE):
            await batcher.room(HOUR)
            assert len(batcher) <= 2
            assert sock.frames

    async def test_gives_up_after_the_timeout(self, sock: FakeSocket) -> None:
        """With no producer running, ``room`` returns after its timeout."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR, queue_max=4)
        for n in range(3):
            batcher.offer(push(n), reply=False)
        async with asyncio.timeout(DEADLINE):
            await batcher.room(0.01)
        assert 3 == len(batcher)


class TestDirectWrites:
    """``idle`` and ``frames``: what a caller writing frames itself relies on."""

    async def test_idle_until_a_message_is_queued(self, sock: FakeSocket) -> None:
        """Idle when empty; not while a message waits; not once closed."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR)
        assert batcher.idle
        batcher.offer(push(1), reply=False)
        assert not batcher.idle
        batcher.abort()
        assert not batcher.idle

    def test_frames_follow_the_flush_rule(self, sock: FakeSocket) -> None:
        """One message bare; more in batches of at most ``max_messages``."""
        batcher = OutgoingBatcher(sock.send, max_messages=2)
        frames = [json.loads(frame) for frame in batcher.frames([push(1)])]
        assert [push(1)] == frames
        frames = [
            json.loads(frame) for frame in batcher.frames([push(n) for n in range(3)])
        ]
        assert [[push(0), push(1)], push(2)] == [
            f["messages"] if f["type"] == "batch" else f for f in frames
        ]


class TestQueueBounds:
    """The queue is bounded; closing and aborting end the producer."""

    async def test_offer_to_a_full_queue_raises(self, sock: FakeSocket) -> None:
        """The 4th message of a 3-message queue is refused."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR, queue_max=3)
        for n in range(3):
            batcher.offer(push(n), reply=False)
        with pytest.raises(OutgoingQueueFullError):
            batcher.offer(push(3), reply=False)
        assert len(batcher) == 3

    async def test_abort_drops_the_queue_and_ends_run(self, sock: FakeSocket) -> None:
        """After abort nothing is sent and later offers are ignored."""
        batcher = OutgoingBatcher(sock.send, interval=HOUR)
        batcher.offer(push(1), reply=False)
        batcher.abort()
        batcher.offer(reply(2), reply=True)
        async with asyncio.timeout(DEADLINE):
            await batcher.run()
        assert sock.frames == []
        assert batcher.closed

    async def test_unencodable_message_fails_at_offer(
        self, sock: FakeSocket, slow: OutgoingBatcher
    ) -> None:
        """A message that is not JSON raises where it was offered; the rest flows."""
        with pytest.raises(TypeError):
            slow.offer({"type": "bad", "value": object()}, reply=True)
        assert len(slow) == 0
        slow.offer(reply(1), reply=True)
        assert [reply(1)] == await sock.wait_frames(1)

    async def test_send_failure_propagates_from_run(self) -> None:
        """When the socket fails, ``run`` raises instead of spinning."""

        async def broken(_: str) -> None:
            raise ConnectionResetError

        batcher = OutgoingBatcher(broken)
        batcher.offer(reply(1), reply=True)
        with pytest.raises(ConnectionResetError):
            async with asyncio.timeout(DEADLINE):
                await batcher.run()
