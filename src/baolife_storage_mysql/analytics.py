"""``SqlAnalyticsSink``: the ``AnalyticsSink`` port, written to SQL in batches.

Gameplay hands analytics over and moves on; a background thread writes them to
``analytics_events`` and ``analytics_sessions`` (DESIGN.md "Observability";
issue 6 "Analytics persistence"; docs/operations.md "Analytics").

Rules of this module:

- A thread, not an asyncio task: the sink is fed from the asyncio server
  (sessions) and from the service's worker threads (events), and writes with the
  blocking SQLAlchemy engine, which must stay off the event loop anyway.
- ``record``, ``session_started`` and ``session_ended`` take one lock that is
  never held across I/O, append to a bounded in-memory buffer and return: O(1)
  per item, no I/O, no exception for any input the types allow.
- Batches: the flusher writes the oldest ``batch_size`` (100) items as soon as
  that many wait, and whatever waits once ``interval_s`` (5 s) has passed since
  the last write or idle check, so an item waits at most ``interval_s`` while
  the database is up. One batch is one transaction; it leaves the buffer only
  once committed.
- The database down: a failed batch stays at the head of the buffer and is
  retried with exponential back-off (``retry_min_s`` doubling to
  ``retry_max_s``) while new items keep buffering. When ``capacity`` (10,000)
  items wait, new items are dropped (tail drop) and counted in ``dropped``;
  the flusher logs ``analytics_dropped`` at most once per
  ``drop_log_interval_s``. Dropping the newest keeps what was accepted
  (including the batch being retried) and leaves one gap, from the buffer
  filling to the database coming back, which the log lines bracket; it is also
  what OpenTelemetry's batch processor and Segment's client do.
- Retried: connection errors, lost connections, pool timeouts, deadlocks and
  lock timeouts (``OperationalError``, ``InterfaceError``, ``is_transient``).
  Any other error is a bad batch, not an outage: it is discarded, counted in
  ``dropped`` and logged (``analytics_batch_discarded``, with the error, at
  most once per ``drop_log_interval_s``), so it cannot block every later batch.
- Delivery is at least once: a connection lost during ``COMMIT`` may have
  committed, and the retry writes those events again. Session rows are upserts,
  so they are written exactly once whatever the retries.
- Sessions: ``session_started`` buffers the row (``disconnected_at`` NULL);
  ``session_ended`` buffers the whole row, with ``duration_ms`` (never
  negative) and ``messages``, so a session whose start was dropped is still
  recorded complete. The sink remembers open sessions (one entry per open
  connection) to know their player and start. An end of a session the sink
  never saw start is dropped and counted.
- ``close(timeout_s)`` writes what is left, batch after batch, ignoring the
  timer, until the buffer is empty or the real-time deadline passes; what is
  left then is dropped, counted and logged. An attempt in flight at the
  deadline gets ``CLOSE_GRACE_S`` more; a database that hangs longer leaves the
  (daemon) thread behind, and ``close`` returns anyway. Items given after ``close`` are
  dropped and counted.
- ``clock`` (monotonic seconds) drives the flush timer, the back-off and the
  drop log; tests inject one and call ``pump`` themselves (``start=False``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

import structlog
from attrs import frozen
from sqlalchemy import Engine, insert
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from baolife_core import AnalyticsEvent

from .database import WRITE, is_transient, make_engine
from .schema import analytics_events, analytics_sessions
from .statements import upsert_into

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CAPACITY",
    "DEFAULT_INTERVAL_S",
    "SqlAnalyticsSink",
    "create_analytics_sink",
]

log = structlog.get_logger("baolife.analytics")

#: Items per batch: a batch is written as soon as this many wait.
DEFAULT_BATCH_SIZE = 100
#: Seconds after which waiting items are written even if fewer than a batch.
DEFAULT_INTERVAL_S = 5.0
#: Items held at most while the database is down: about 3.5 MB (340 bytes a
#: typical row, measured with tracemalloc).
DEFAULT_CAPACITY = 10_000
#: First retry delay after a failed batch, seconds; doubled at each failure.
DEFAULT_RETRY_MIN_S = 0.5
#: Longest retry delay, seconds.
DEFAULT_RETRY_MAX_S = 30.0
#: Seconds between two ``analytics_dropped`` log lines.
DEFAULT_DROP_LOG_INTERVAL_S = 60.0
#: Seconds ``close`` spends writing what is left by default.
DEFAULT_CLOSE_TIMEOUT_S = 5.0
#: Seconds ``close`` waits past its deadline for an attempt in flight to end.
CLOSE_GRACE_S = 1.0

_SESSION_COLUMNS = (
    "session_id",
    "player_id",
    "connected_at",
    "disconnected_at",
    "duration_ms",
    "messages",
)


@frozen
class _Session:
    """A session row to write: started (open) or ended."""

    session_id: str  # the connection
    player_id: str  # the player connected
    connected_at: int  # ms
    disconnected_at: int | None  # ms; None while open
    messages: int  # client frames received (0 while open)

    def row(self) -> dict[str, Any]:
        """The ``analytics_sessions`` row."""
        duration = None
        if self.disconnected_at is not None:
            duration = max(0, self.disconnected_at - self.connected_at)
        return {
            "session_id": self.session_id,
            "player_id": self.player_id,
            "connected_at": self.connected_at,
            "disconnected_at": self.disconnected_at,
            "duration_ms": duration,
            "messages": self.messages,
        }


_Item = AnalyticsEvent | _Session


def _retryable(error: BaseException) -> bool:
    """True if ``error`` means the database is unreachable or busy (module rules)."""
    if isinstance(error, DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error, OperationalError | InterfaceError)
            or is_transient(error)
        )
    return isinstance(error, PoolTimeoutError | DisconnectionError)


class SqlAnalyticsSink:
    """Buffers analytics and writes them in batches from a thread (module rules)."""

    def __init__(
        self,
        engine: Engine,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        interval_s: float = DEFAULT_INTERVAL_S,
        capacity: int = DEFAULT_CAPACITY,
        retry_min_s: float = DEFAULT_RETRY_MIN_S,
        retry_max_s: float = DEFAULT_RETRY_MAX_S,
        drop_log_interval_s: float = DEFAULT_DROP_LOG_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        start: bool = True,
        owns_engine: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"analytics batch_size must be >= 1, not {batch_size}")
        if capacity < batch_size:
            raise ValueError(
                f"analytics capacity ({capacity}) must be >= batch_size ({batch_size})"
            )
        if not 0 < interval_s < float("inf"):
            raise ValueError(f"analytics interval_s must be > 0, not {interval_s}")
        if not 0 < retry_min_s <= retry_max_s:
            raise ValueError(
                "analytics retry delays must satisfy 0 < retry_min_s <= retry_max_s, "
                f"not {retry_min_s} and {retry_max_s}"
            )
        self.engine = engine  # where batches are written
        self.batch_size = batch_size  # items per batch
        self.interval_s = interval_s  # longest wait of an item while the db is up
        self.capacity = capacity  # items buffered at most
        self.dropped = 0  # items dropped since the start (module rules)
        self.written = 0  # items committed since the start
        self._retry_min_s = retry_min_s
        self._retry_max_s = retry_max_s
        self._drop_log_interval_s = drop_log_interval_s
        self._clock = clock
        self._owns_engine = owns_engine
        self._upsert_session = upsert_into(
            analytics_sessions, engine.dialect.name, _SESSION_COLUMNS, frozenset()
        )
        self._lock = threading.Lock()  # guards the buffer, open sessions, counters
        self._wake = threading.Event()  # a batch is full, or close was asked
        self._buffer: deque[_Item] = deque()  # oldest first
        self._open: dict[str, tuple[str, int]] = {}  # session -> (player, start)
        self._closing = False  # close() was called: write all, ignore the timer
        self._closed = False  # accepts nothing more
        self._deadline = 0.0  # time.monotonic() by which close gives up
        now = clock()
        self._next_flush = now + interval_s  # when waiting items are due
        self._retry_at = now  # no attempt before this (back-off)
        self._backoff_s = 0.0  # the current back-off; 0 after a success
        self._failures = 0  # consecutive failed attempts
        self._dropped_logged = 0  # ``dropped`` as last logged
        self._next_drop_log = now  # no drop line before this
        self._discards = 0  # batches discarded since the last discard line
        self._next_discard_log = now  # no discard line before this
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(
                target=self._run, name="baolife-analytics", daemon=True
            )
            self._thread.start()

    # -- the port: called by gameplay, never waits ------------------------------

    def record(self, events: Sequence[AnalyticsEvent]) -> None:
        """Queue ``events`` for writing; drop and count what does not fit."""
        with self._lock:
            before = len(self._buffer)
            room = 0 if self._closed else self.capacity - before
            if len(events) > room:
                self.dropped += len(events) - room
                events = events[:room]
            self._buffer.extend(events)
            full = before < self.batch_size <= before + len(events)
        if full:
            self._wake.set()

    def session_started(self, session_id: str, player_id: str, *, at: int) -> None:
        """Queue the row of a new connection."""
        session = _Session(
            session_id=session_id,
            player_id=player_id,
            connected_at=at,
            disconnected_at=None,
            messages=0,
        )
        with self._lock:
            if not self._closed:
                self._open[session_id] = (player_id, at)
            full = self._enqueue(session)
        if full:
            self._wake.set()

    def session_ended(self, session_id: str, *, at: int, messages: int) -> None:
        """Queue the ended row of a connection: disconnect, duration, messages."""
        with self._lock:
            opened = self._open.pop(session_id, None)
            if opened is None:  # never started here: nothing to complete
                self.dropped += 1
                return
            player_id, connected_at = opened
            full = self._enqueue(
                _Session(
                    session_id=session_id,
                    player_id=player_id,
                    connected_at=connected_at,
                    disconnected_at=at,
                    messages=messages,
                )
            )
        if full:
            self._wake.set()

    def _enqueue(self, session: _Session) -> bool:
        """Buffer ``session`` (lock held); True if that made a batch."""
        waiting = len(self._buffer)
        if self._closed or waiting >= self.capacity:
            self.dropped += 1
            return False
        self._buffer.append(session)
        return waiting + 1 == self.batch_size

    # -- inspection ---------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Items waiting to be written."""
        with self._lock:
            return len(self._buffer)

    @property
    def open_sessions(self) -> int:
        """Sessions started and not yet ended."""
        with self._lock:
            return len(self._open)

    # -- the flusher ----------------------------------------------------------------

    def pump(self) -> float:
        """One step of the flusher: write one batch if one is due.

        Returns the seconds until the next step is due (0: at once). The
        background thread calls it in a loop; tests with ``start=False`` call it
        themselves with an injected clock. Never call it while the thread runs:
        there is one flusher.
        """
        now = self._clock()
        self._log_drops(now)
        batch = self._due_batch(now)
        if not isinstance(batch, list):
            return batch
        error = self._write(batch)
        if error is None:
            return self._committed(len(batch))
        if _retryable(error):
            return self._failed(error)
        return self._discarded(len(batch), error)

    def _due_batch(self, now: float) -> list[_Item] | float:
        """The oldest items if a batch is due, else the seconds until one is."""
        with self._lock:
            if now < self._retry_at:
                return self._retry_at - now
            waiting = len(self._buffer)
            if waiting >= self.batch_size or (
                waiting > 0 and (self._closing or now >= self._next_flush)
            ):
                return list(islice(self._buffer, self.batch_size))
            if waiting == 0 and now >= self._next_flush:
                self._next_flush = now + self.interval_s  # idle: restart the timer
            return max(0.0, self._next_flush - now)

    def _forget(self, count: int) -> int:
        """Take the ``count`` oldest items off the buffer; the items left.

        Called with the lock held. Only the flusher takes items off, from the
        head, and ``record`` only appends, so they are the batch just handled.
        """
        for _ in range(count):
            self._buffer.popleft()
        self._next_flush = self._clock() + self.interval_s
        return len(self._buffer)

    def _committed(self, count: int) -> float:
        with self._lock:
            left = self._forget(count)
            self.written += count
            failures, self._failures, self._backoff_s = self._failures, 0, 0.0
        if failures:
            log.info("analytics_recovered", failures=failures, pending=left)
        if left >= self.batch_size or (self._closing and left):
            return 0.0
        return self.interval_s

    def _failed(self, error: Exception) -> float:
        with self._lock:
            self._failures += 1
            self._backoff_s = min(
                self._retry_max_s, max(self._retry_min_s, 2 * self._backoff_s)
            )
            self._retry_at = self._clock() + self._backoff_s
            failures, backoff, left = self._failures, self._backoff_s, len(self._buffer)
        log.warning(
            "analytics_flush_failed",
            error=type(error).__name__,
            detail=str(getattr(error, "orig", error)),
            failures=failures,
            retry_in_s=backoff,
            pending=left,
        )
        return backoff

    def _discarded(self, count: int, error: Exception) -> float:
        now = self._clock()
        with self._lock:
            self._forget(count)
            self.dropped += count
            self._discards += 1
            if now < self._next_discard_log:
                return 0.0
            discards, self._discards = self._discards, 0
            self._next_discard_log = now + self._drop_log_interval_s
        log.error(
            "analytics_batch_discarded",
            error=type(error).__name__,
            detail=str(getattr(error, "orig", error)),
            items=count,
            batches=discards,
        )
        return 0.0

    def _write(self, batch: list[_Item]) -> Exception | None:
        """Write ``batch`` in one transaction; the error if it failed."""
        events: list[dict[str, Any]] = []
        sessions: list[dict[str, Any]] = []
        for item in batch:
            if isinstance(item, _Session):
                sessions.append(item.row())
            else:
                events.append(
                    {
                        "player_id": item.player_id,
                        "session_id": item.session_id,
                        "name": item.name,
                        "properties": item.properties,
                        "at": item.at,
                    }
                )
        try:
            with self.engine.connect() as connection:
                connection = connection.execution_options(**WRITE)
                with connection.begin():
                    if events:
                        connection.execute(insert(analytics_events), events)
                    for row in sessions:  # in order: an end after its start
                        connection.execute(self._upsert_session, row)
        except Exception as error:  # classified by the caller (module rules)
            return error
        return None

    def _log_drops(self, now: float) -> None:
        """Log new drops, at most once per ``drop_log_interval_s``."""
        dropped = self.dropped
        if dropped == self._dropped_logged or now < self._next_drop_log:
            return
        log.warning(
            "analytics_dropped",
            dropped=dropped - self._dropped_logged,
            dropped_total=dropped,
            pending=self.pending,
            capacity=self.capacity,
        )
        self._dropped_logged = dropped
        self._next_drop_log = now + self._drop_log_interval_s

    def _run(self, deadline: float | None = None) -> None:
        """The flusher loop: pump, then wait until due or woken (module rules)."""
        while True:
            self._wake.clear()
            try:
                delay = self.pump()
            except Exception:  # the flusher must outlive any bug
                log.exception("analytics_flusher_error")
                delay = self.interval_s
            if self._closing:
                if deadline is None:
                    deadline = self._deadline
                if not self.pending:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                delay = min(delay, remaining)
            self._wake.wait(delay)

    # -- shutdown ---------------------------------------------------------------------

    def close(self, timeout_s: float = DEFAULT_CLOSE_TIMEOUT_S) -> None:
        """Write what is left within ``timeout_s`` (real time); drop the rest."""
        with self._lock:
            if self._closing:
                return
            self._deadline = time.monotonic() + timeout_s
            self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s + CLOSE_GRACE_S)
            finished = not self._thread.is_alive()
        else:
            self._run(self._deadline)
            finished = True
        with self._lock:
            self._closed = True
            if finished:
                left = len(self._buffer)
                self.dropped += left
                self._buffer.clear()
            else:
                left = len(self._buffer)
            self._open.clear()
        if self.dropped != self._dropped_logged:
            self._next_drop_log = self._clock()
            self._log_drops(self._next_drop_log)
        log.info(
            "analytics_closed",
            written=self.written,
            dropped=self.dropped,
            left=left,
            finished=finished,
        )
        if finished and self._owns_engine:
            self.engine.dispose()


def create_analytics_sink(url: str, **options: Any) -> SqlAnalyticsSink:
    """A sink on its own engine for ``url`` (disposed by ``close``).

    Its own pool, so analytics never take a connection gameplay is waiting for;
    the flusher uses one connection at a time. ``options`` are those of
    ``SqlAnalyticsSink``.
    """
    return SqlAnalyticsSink(make_engine(url), owns_engine=True, **options)
