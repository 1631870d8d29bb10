"""``WorkerPool``: blocking calls on threads, completed on the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from baolife_transport_ws.workers import WorkerPool

from .support import DEADLINE

NAME = "test-pool"


class Halt(BaseException):
    """A ``BaseException`` that is neither a cancellation nor an exit."""


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    running = WorkerPool(2, name=NAME)
    yield running
    await running.shutdown()


@pytest.fixture
async def single() -> AsyncIterator[WorkerPool]:
    running = WorkerPool(1, name=NAME)
    yield running
    await running.shutdown()


def gate() -> tuple[threading.Event, Callable[[], str]]:
    """An event and a blocking call that returns "opened" once the event is set."""
    event = threading.Event()

    def wait() -> str:
        assert event.wait(DEADLINE), "the gate was never opened"
        return "opened"

    return event, wait


async def wait_for(future: asyncio.Future[Any]) -> Any:
    async with asyncio.timeout(DEADLINE):
        return await future


class TestRun:
    """``run`` calls the function on a worker thread and returns its outcome."""

    async def test_returns_the_result_from_a_worker_thread(
        self, pool: WorkerPool
    ) -> None:
        """The call gets its arguments and runs on a pool thread, not the loop's."""

        def where(a: int, b: int) -> tuple[int, str]:
            return a + b, threading.current_thread().name

        total, thread = await wait_for(pool.run(where, 2, 3))
        assert 5 == total
        assert thread.startswith(NAME)
        assert thread != threading.current_thread().name

    @pytest.mark.parametrize("error", [ValueError("bad"), Halt("stop")])
    async def test_exceptions_reach_the_awaiter(
        self, pool: WorkerPool, error: BaseException
    ) -> None:
        """Any exception of the call, ``BaseException`` included, is raised."""

        def fail() -> None:
            raise error

        with pytest.raises(type(error)) as raised:
            await wait_for(pool.run(fail))
        assert error is raised.value

    async def test_stop_iteration_becomes_runtime_error(self, pool: WorkerPool) -> None:
        """A future cannot hold ``StopIteration``; it arrives as a ``RuntimeError``."""

        def stop() -> None:
            raise StopIteration

        with pytest.raises(RuntimeError) as raised:
            await wait_for(pool.run(stop))
        assert isinstance(raised.value.__cause__, StopIteration)

    async def test_one_thread_runs_calls_in_submission_order(
        self, single: WorkerPool
    ) -> None:
        """Calls queued behind a blocked one run after it, in order."""
        opened, blocked = gate()
        order: list[int] = []
        first = single.run(blocked)
        rest = [single.run(order.append, n) for n in range(20)]
        opened.set()
        assert "opened" == await wait_for(first)
        await wait_for(asyncio.gather(*rest))
        assert list(range(20)) == order

    async def test_many_concurrent_calls_all_complete(self, pool: WorkerPool) -> None:
        """A thousand calls submitted at once each get their own result."""
        results = await wait_for(
            asyncio.gather(*(pool.run(pow, n, 2) for n in range(1000)))
        )
        assert [n * n for n in range(1000)] == results

    async def test_the_loop_runs_while_a_call_blocks(self, single: WorkerPool) -> None:
        """A blocked worker does not block the loop: it can open the gate itself."""
        opened, blocked = gate()
        call = single.run(blocked)
        await asyncio.sleep(0)  # a yield, not a wait: the loop keeps turning
        opened.set()
        assert "opened" == await wait_for(call)

    async def test_calls_use_every_thread(self, pool: WorkerPool) -> None:
        """Two calls that each wait for the other finish: they run at once."""
        both = threading.Barrier(2, timeout=DEADLINE)
        names = await wait_for(
            asyncio.gather(*(pool.run(_meet, both) for _ in range(2)))
        )
        assert 2 == len(set(names))


class TestCancellation:
    """A cancelled call's outcome is dropped; the pool keeps working."""

    async def test_cancelled_before_it_starts_is_skipped(
        self, single: WorkerPool
    ) -> None:
        """A call cancelled while queued never runs."""
        opened, blocked = gate()
        ran: list[str] = []
        first = single.run(blocked)
        skipped = single.run(ran.append, "skipped")
        skipped.cancel()
        opened.set()
        assert "opened" == await wait_for(first)
        assert "after" == await wait_for(single.run(lambda: "after"))
        assert [] == ran

    async def test_cancelled_while_running_runs_to_its_end(
        self, single: WorkerPool
    ) -> None:
        """A running call finishes; its result goes nowhere."""
        opened, blocked = gate()
        started, finished = threading.Event(), threading.Event()

        def blocked_then_mark() -> str:
            started.set()
            result = blocked()
            finished.set()
            return result

        call = single.run(blocked_then_mark)
        async with asyncio.timeout(DEADLINE):
            while not started.is_set():
                await asyncio.sleep(0.001)  # poll with a deadline
        call.cancel()
        opened.set()
        assert "after" == await wait_for(single.run(lambda: "after"))
        assert finished.is_set()
        assert call.cancelled()


class TestShutdown:
    """``shutdown`` finishes queued calls and ends every thread."""

    async def test_queued_calls_finish_then_threads_exit(self) -> None:
        """Calls queued before shutdown complete; no pool thread is left."""
        pool = WorkerPool(2, name="shutdown-pool")
        opened, blocked = gate()
        calls = [pool.run(blocked) for _ in range(2)]
        calls += [pool.run(str, n) for n in range(10)]
        stopping = asyncio.create_task(pool.shutdown())
        await asyncio.sleep(0)  # a yield: shutdown has started
        opened.set()
        async with asyncio.timeout(DEADLINE):
            await stopping
        assert ["opened"] * 2 + [str(n) for n in range(10)] == [
            call.result() for call in calls
        ]
        alive = [t for t in threading.enumerate() if t.name.startswith("shutdown-pool")]
        assert [] == alive

    async def test_run_after_shutdown_raises(self) -> None:
        """A shut-down pool refuses calls; shutting down again is harmless."""
        pool = WorkerPool(1)
        await pool.shutdown()
        await pool.shutdown()
        with pytest.raises(RuntimeError, match="shut down"):
            pool.run(str, 1)

    @pytest.mark.parametrize("threads", [0, -1, True, 1.5])
    async def test_thread_count_must_be_a_positive_integer(self, threads: Any) -> None:
        """Nonsense thread counts are refused before any thread starts."""
        with pytest.raises(ValueError, match="at least one thread"):
            WorkerPool(threads)


def _meet(barrier: threading.Barrier) -> str:
    barrier.wait()
    return threading.current_thread().name
