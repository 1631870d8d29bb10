"""Worker threads that run blocking service calls for one event loop.

DESIGN.md "Transport": blocking storage calls never run on the event loop, so every
service call of a session crosses to a thread and back. ``loop.run_in_executor``
over a ``ThreadPoolExecutor`` pays for that crossing per call: a
``concurrent.futures.Future`` with its ``Condition``, two chained futures, a wake-up
of a worker and a wake-up of the loop through its self-pipe. Measured on the
WebSocket round-trip bench, that was the largest cost the server added to a
request. This pool keeps one asyncio future per call and pays the wake-ups per
*batch* of calls in each direction.

Rules of this module:

- ``run`` is called on the pool's event loop; it queues the call and returns an
  asyncio future. Calls start in submission order (one FIFO queue); with one thread
  they also finish in that order.
- Workers are woken from one ``call_soon`` callback, so the calls submitted in one
  turn of the loop (every frame read by one poll of the sockets) share it: it wakes
  one worker per queued call, at most every worker. A lone call thus starts one
  loop turn later (a few µs); under load a batch costs one wake-up, not one each.
  A woken worker runs calls until the queue is empty, then sleeps.
- A worker hands an outcome back by appending it to a list and waking the loop
  (``call_soon_threadsafe``) only if no wake-up is pending; the loop then completes
  the future of every finished call in one callback.
- A call whose future was cancelled before a worker took it is skipped; one already
  running runs to its end and its outcome is dropped (as with ``run_in_executor``).
  Any exception of the call, ``BaseException`` included, is set on its future.
- ``shutdown`` refuses new calls, lets the queued ones finish, and waits for every
  thread to exit without blocking the loop. Threads are daemons, so a pool that was
  never shut down does not keep the process alive (``GameServer.stop`` shuts its
  pool down).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["WorkerPool"]

T = TypeVar("T")

# A call: the future to complete, the function and its arguments.
_Call = tuple[asyncio.Future[Any], Callable[..., Any], tuple[Any, ...]]
# An outcome: the future, True if the function returned (False: it raised), the value.
_Outcome = tuple[asyncio.Future[Any], bool, Any]


class WorkerPool:
    """``threads`` threads running blocking calls for the running event loop."""

    def __init__(self, threads: int, *, name: str = "baolife-worker") -> None:
        if type(threads) is not int or threads < 1:
            raise ValueError(f"a pool needs at least one thread, got {threads!r}")
        self._loop = asyncio.get_running_loop()
        self._calls: deque[_Call] = deque()  # submitted, not yet taken by a worker
        self._wakeups: queue.SimpleQueue[bool] = queue.SimpleQueue()  # False: exit
        self._wake_scheduled = False  # a _wake_workers is scheduled on the loop
        self._lock = threading.Lock()  # guards _finished and _delivery_scheduled
        self._finished: list[_Outcome] = []  # outcomes not yet delivered
        self._delivery_scheduled = False  # a _deliver is scheduled on the loop
        self._exited = 0  # threads that have exited (counted on the loop)
        self._stopped = self._loop.create_future()  # done once every thread exited
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def threads(self) -> int:
        """How many threads the pool runs."""
        return len(self._threads)

    def run(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue ``function(*args)`` for a worker; await the returned future."""
        if self._closed:
            raise RuntimeError("the worker pool is shut down")
        future: asyncio.Future[T] = self._loop.create_future()
        self._calls.append((future, function, args))
        if not self._wake_scheduled:
            self._wake_scheduled = True
            self._loop.call_soon(self._wake_workers)
        return future

    async def shutdown(self) -> None:
        """Finish the queued calls, then wait for every thread to exit."""
        if not self._closed:
            self._closed = True
            for _ in self._threads:
                self._wakeups.put(False)
        await asyncio.shield(self._stopped)
        for thread in self._threads:
            thread.join()  # it has exited: returns at once

    # --- on the loop -------------------------------------------------------------

    def _wake_workers(self) -> None:
        """Wake one worker per queued call, at most every worker."""
        self._wake_scheduled = False
        for _ in range(min(len(self._calls), len(self._threads))):
            self._wakeups.put(True)

    def _deliver(self) -> None:
        """Complete the future of every finished call."""
        with self._lock:
            finished, self._finished = self._finished, []
            self._delivery_scheduled = False
        for future, returned, value in finished:
            if future.cancelled():
                continue
            if returned:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _count_exit(self) -> None:
        self._exited += 1
        if self._exited == len(self._threads) and not self._stopped.done():
            self._stopped.set_result(None)

    # --- on a worker thread ------------------------------------------------------

    def _work(self) -> None:
        """Sleep until woken, run calls until none is queued; exit when told to."""
        running = True
        while running:
            running = self._wakeups.get()  # a shutdown still drains the queue first
            while self._calls:
                try:
                    call = self._calls.popleft()
                except IndexError:  # another worker took the last one
                    break
                self._finish(_call(*call))
                del call  # keep no argument alive while asleep
        self._notify(self._count_exit)

    def _finish(self, outcome: _Outcome | None) -> None:
        """Queue an outcome for the loop; wake it unless a delivery is scheduled."""
        if outcome is None:
            return
        with self._lock:
            self._finished.append(outcome)
            if self._delivery_scheduled:
                return
            self._delivery_scheduled = True
        self._notify(self._deliver)

    def _notify(self, callback: Callable[[], None]) -> None:
        # A closed loop raises RuntimeError: then nobody awaits anything any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback)


def _call(
    future: asyncio.Future[Any], function: Callable[..., Any], args: tuple[Any, ...]
) -> _Outcome | None:
    """Run one call on a worker; its outcome, or None if it was cancelled before."""
    if future.cancelled():  # read across threads: at worst a cancelled call runs
        return None
    try:
        return (future, True, function(*args))
    except StopIteration as error:  # a future cannot hold StopIteration
        failure = RuntimeError("a blocking call raised StopIteration")
        failure.__cause__ = error
        return (future, False, failure)
    except BaseException as error:  # handed to whoever awaits the call
        return (future, False, error)
