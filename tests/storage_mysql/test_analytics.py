"""``SqlAnalyticsSink``: batches, the timer, close, a database down, sessions."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, event, select

from baolife_core import AnalyticsEvent
from baolife_storage_mysql import make_engine, make_reader, run_migrations
from baolife_storage_mysql.analytics import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_INTERVAL_S,
    SqlAnalyticsSink,
    create_analytics_sink,
)
from baolife_storage_mysql.schema import analytics_events, analytics_sessions

from .support import T0

#: How long a test waits for the flusher thread before it fails.
DEADLINE_S = 10.0
#: Retry delays of the tests' sinks: 0.5 s doubling to 4 s.
RETRY_MIN_S, RETRY_MAX_S = 0.5, 4.0


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Outage:
    """Takes the database down for one engine: every new connection fails.

    Going down also empties the engine's pool, so the connections it held are
    gone, as after a server restart. With ``hang``, a connection attempt blocks
    until ``release`` instead (a database that does not answer), then fails.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = False
        self.hang = False
        self.attempts = 0  # connection attempts while down
        self.entered = threading.Event()  # an attempt is hanging
        self.released = threading.Event()
        event.listen(engine, "do_connect", self._connect)

    def _connect(self, dialect: Any, *_: object) -> None:
        if not self.down:
            return
        self.attempts += 1
        if self.hang:
            self.entered.set()
            self.released.wait(DEADLINE_S)
        raise dialect.loaded_dbapi.OperationalError("database down (test outage)")

    def start(self, *, hang: bool = False) -> None:
        self.down, self.hang = True, hang
        self.engine.dispose()

    def release(self) -> None:
        self.released.set()

    def end(self) -> None:
        self.down = False


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves."""
    return FakeClock()


@pytest.fixture
def make_sink(
    engine: Engine, clock: FakeClock
) -> Iterator[Callable[..., SqlAnalyticsSink]]:
    """Sinks on ``engine``, driven by the test (no thread) unless asked; closed."""
    sinks: list[SqlAnalyticsSink] = []

    def make(**options: Any) -> SqlAnalyticsSink:
        options.setdefault("start", False)
        if not options["start"]:
            options.setdefault("clock", clock)
        options.setdefault("retry_min_s", RETRY_MIN_S)
        options.setdefault("retry_max_s", RETRY_MAX_S)
        sink = SqlAnalyticsSink(engine, **options)
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.close(timeout_s=1.0)


def _player() -> str:
    """A player id no other test uses."""
    return str(uuid.uuid4())


def _events(
    player_id: str, count: int, *, first: int = 0, session_id: str | None = None
) -> list[AnalyticsEvent]:
    """``count`` events of ``player_id``, numbered from ``first`` by their ``at``."""
    return [
        AnalyticsEvent(
            player_id=player_id,
            session_id=session_id,
            name="activity_done",
            properties=f'{{"n":{n}}}',
            at=T0 + n,
        )
        for n in range(first, first + count)
    ]


def _stored(engine: Engine, player_id: str) -> list[AnalyticsEvent]:
    """The rows of ``player_id`` in ``analytics_events``, in insertion order."""
    table = analytics_events
    with make_reader(engine).connect() as connection:
        rows = connection.execute(
            select(
                table.c.player_id,
                table.c.session_id,
                table.c.name,
                table.c.properties,
                table.c.at,
            )
            .where(table.c.player_id == player_id)
            .order_by(table.c.event_id)
        ).all()
    return [AnalyticsEvent(*row) for row in rows]


def _session_row(engine: Engine, session_id: str) -> list[tuple[object, ...]]:
    """The ``analytics_sessions`` rows of ``session_id`` (one or none)."""
    table = analytics_sessions
    with make_reader(engine).connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(
                    table.c.player_id,
                    table.c.connected_at,
                    table.c.disconnected_at,
                    table.c.duration_ms,
                    table.c.messages,
                ).where(table.c.session_id == session_id)
            )
        ]


def _pump_all(sink: SqlAnalyticsSink) -> None:
    """Pump while a batch is due at once (the test's clock does not move)."""
    while sink.pump() == 0.0:
        pass


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds, failing after ``DEADLINE_S``."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "the flusher did not get there in time"
        time.sleep(0.005)


class TestBatches:
    """Written as soon as a batch is full, else when the timer fires."""

    def test_a_full_batch_is_written_at_once(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """99 events wait for the timer; the 100th makes a batch, written now."""
        sink = make_sink()
        player = _player()
        events = _events(player, DEFAULT_BATCH_SIZE)
        sink.record(events[:-1])
        waited = sink.pump()
        before = _stored(engine, player)
        sink.record(events[-1:])
        sink.pump()
        assert (DEFAULT_INTERVAL_S, [], events, 0) == (
            waited,
            before,
            _stored(engine, player),
            sink.pending,
        )

    def test_many_batches_then_the_rest_on_the_timer(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """250 events: two batches at once; the last 50 when the timer fires."""
        sink = make_sink()
        player = _player()
        events = _events(player, 250)
        sink.record(events)
        _pump_all(sink)
        after_batches = (len(_stored(engine, player)), sink.pending)
        clock.advance(DEFAULT_INTERVAL_S)
        sink.pump()
        assert ((200, 50), events, 250) == (
            after_batches,
            _stored(engine, player),
            sink.written,
        )

    def test_the_timer_writes_a_partial_batch(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """A few events wait until ``interval_s`` after the last check, not longer."""
        sink = make_sink()
        player = _player()
        events = _events(player, 3)
        sink.record(events)
        clock.advance(DEFAULT_INTERVAL_S - 0.5)
        early = (sink.pump(), _stored(engine, player))
        clock.advance(0.5)
        sink.pump()
        assert ((0.5, []), events) == (early, _stored(engine, player))

    def test_an_idle_sink_restarts_its_timer(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """After idle periods, an event still waits at most ``interval_s``."""
        sink = make_sink()
        clock.advance(3 * DEFAULT_INTERVAL_S)
        idle = sink.pump()  # nothing waits: the timer restarts now
        player = _player()
        sink.record(_events(player, 1))
        clock.advance(DEFAULT_INTERVAL_S)
        sink.pump()
        assert (DEFAULT_INTERVAL_S, 1) == (idle, len(_stored(engine, player)))

    def test_close_writes_what_is_left(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """``close`` writes every waiting event at once, whatever the timer."""
        sink = make_sink()
        player = _player()
        events = _events(player, 150)
        sink.record(events)
        sink.close()
        assert (events, 150, 0, 0) == (
            _stored(engine, player),
            sink.written,
            sink.dropped,
            sink.pending,
        )

    def test_the_thread_writes_a_full_batch(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """With the flusher thread and an hour-long timer, a full batch is written."""
        sink = make_sink(start=True, interval_s=3600.0)
        player = _player()
        events = _events(player, DEFAULT_BATCH_SIZE)
        sink.record(events)
        _wait_for(lambda: sink.written == DEFAULT_BATCH_SIZE)
        assert events == _stored(engine, player)

    def test_the_thread_writes_on_its_timer(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """With the flusher thread and a short timer, one event is written."""
        sink = make_sink(start=True, interval_s=0.01)
        player = _player()
        events = _events(player, 1)
        sink.record(events)
        _wait_for(lambda: sink.written == 1)
        assert events == _stored(engine, player)

    def test_threads_recording_at_once_lose_nothing(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """8 threads record while the flusher writes: every event lands once."""
        sink = make_sink(start=True, interval_s=0.01)
        player = _player()
        per_thread, threads = 500, 8

        def feed(thread: int) -> None:
            for n in range(0, per_thread, 10):
                sink.record(_events(player, 10, first=thread * per_thread + n))

        workers = [threading.Thread(target=feed, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        sink.close()
        stored = sorted(event.at for event in _stored(engine, player))
        total = per_thread * threads
        assert (list(range(T0, T0 + total)), total, 0) == (
            stored,
            sink.written,
            sink.dropped,
        )


class TestSessions:
    """One row per connection: open with no end, then ended with its duration."""

    def test_an_open_session_has_no_end(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """Started and not ended: no disconnect, no duration, no messages yet."""
        sink = make_sink()
        player, session = _player(), str(uuid.uuid4())
        sink.session_started(session, player, at=T0)
        sink.close()
        assert [(player, T0, None, None, 0)] == _session_row(engine, session)

    def test_an_ended_session_has_its_duration(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """The end sets ``disconnected_at``, ``duration_ms`` and ``messages``."""
        sink = make_sink()
        player, session = _player(), str(uuid.uuid4())
        sink.session_started(session, player, at=T0)
        clock.advance(DEFAULT_INTERVAL_S)
        sink.pump()
        opened = _session_row(engine, session)
        sink.session_ended(session, at=T0 + 90_000, messages=42)
        clock.advance(DEFAULT_INTERVAL_S)
        sink.pump()
        assert (
            [(player, T0, None, None, 0)],
            [(player, T0, T0 + 90_000, 90_000, 42)],
            0,
        ) == (opened, _session_row(engine, session), sink.open_sessions)

    def test_start_and_end_in_one_batch(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """A short session written in one batch ends up ended, in one row."""
        sink = make_sink()
        player, session = _player(), str(uuid.uuid4())
        sink.session_started(session, player, at=T0)
        sink.session_ended(session, at=T0 + 1_500, messages=3)
        sink.close()
        assert [(player, T0, T0 + 1_500, 1_500, 3)] == _session_row(engine, session)

    def test_a_backwards_clock_gives_a_zero_duration(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """An end stamped before its start (a clock step) counts as no time."""
        sink = make_sink()
        player, session = _player(), str(uuid.uuid4())
        sink.session_started(session, player, at=T0)
        sink.session_ended(session, at=T0 - 10, messages=0)
        sink.close()
        assert [(player, T0, T0 - 10, 0, 0)] == _session_row(engine, session)

    def test_an_end_whose_start_was_dropped_writes_the_whole_row(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """A full buffer drops the start; the end still writes a complete row."""
        sink = make_sink(capacity=DEFAULT_BATCH_SIZE)
        player, session = _player(), str(uuid.uuid4())
        sink.record(_events(player, DEFAULT_BATCH_SIZE))
        sink.session_started(session, player, at=T0)  # no room: dropped
        dropped = sink.dropped
        _pump_all(sink)
        sink.session_ended(session, at=T0 + 5_000, messages=7)
        sink.close()
        assert (1, [(player, T0, T0 + 5_000, 5_000, 7)]) == (
            dropped,
            _session_row(engine, session),
        )

    def test_an_end_without_a_start_is_dropped(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """A session this sink never saw start has nothing to complete: counted."""
        sink = make_sink()
        session = str(uuid.uuid4())
        sink.session_ended(session, at=T0, messages=1)
        sink.close()
        assert (1, 0, []) == (sink.dropped, sink.written, _session_row(engine, session))

    def test_a_session_written_twice_stays_one_row(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """Session rows are upserts, so a retried batch cannot duplicate them."""
        sink = make_sink()
        player, session = _player(), str(uuid.uuid4())
        sink.session_started(session, player, at=T0)
        _pump_all(sink)
        sink.close()
        again = make_sink()
        again.session_started(session, player, at=T0)
        again.session_ended(session, at=T0 + 10, messages=1)
        again.close()
        assert [(player, T0, T0 + 10, 10, 1)] == _session_row(engine, session)


class TestDatabaseDown:
    """Buffered and retried with back-off; beyond capacity, dropped and counted."""

    def test_events_wait_and_are_written_when_it_comes_back(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """Retries back off 0.5, 1, 2, 4, 4 s; then everything lands, in order."""
        sink = make_sink()
        outage = Outage(engine)
        player = _player()
        events = _events(player, 250)
        outage.start()
        sink.record(events)
        delays = []
        for _ in range(5):
            delays.append(sink.pump())
            early = sink.pump()  # before the back-off: no attempt
            assert delays[-1] == early
            clock.advance(delays[-1])
        attempts = outage.attempts
        outage.end()
        _pump_all(sink)
        clock.advance(DEFAULT_INTERVAL_S)
        sink.pump()
        assert ([0.5, 1.0, 2.0, 4.0, 4.0], 5, events, 0) == (
            delays,
            attempts,
            _stored(engine, player),
            sink.dropped,
        )

    def test_a_full_buffer_drops_the_newest_and_counts_them(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """Capacity 300: the first 300 events are kept, the next 200 dropped."""
        sink = make_sink(capacity=300)
        outage = Outage(engine)
        player = _player()
        events = _events(player, 500)
        outage.start()
        for n in range(0, 500, 50):
            sink.record(events[n : n + 50])
            sink.pump()
        held = (sink.pending, sink.dropped)
        outage.end()
        clock.advance(RETRY_MAX_S)
        _pump_all(sink)
        assert ((300, 200), events[:300], 200) == (
            held,
            _stored(engine, player),
            sink.dropped,
        )

    def test_gameplay_never_waits_on_a_hanging_database(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """The flusher hangs on the database; record still returns, and drops."""
        sink = make_sink(start=True, capacity=DEFAULT_BATCH_SIZE * 2)
        outage = Outage(engine)
        player = _player()
        outage.start(hang=True)
        sink.record(_events(player, DEFAULT_BATCH_SIZE))
        assert outage.entered.wait(DEADLINE_S), "the flusher never tried to write"
        started = time.monotonic()
        for n in range(DEFAULT_BATCH_SIZE, 1_000):
            sink.record(_events(player, 1, first=n))
        sink.session_started(str(uuid.uuid4()), player, at=T0)
        elapsed = time.monotonic() - started
        hanging = outage.entered.is_set() and not outage.released.is_set()
        counts = (sink.pending, sink.dropped)
        outage.end()
        outage.release()
        sink.close(timeout_s=DEADLINE_S)
        assert (True, (200, 801), 200) == (
            hanging and elapsed < DEADLINE_S,
            counts,
            len(_stored(engine, player)),
        )

    def test_drops_are_logged_at_most_once_per_interval(
        self,
        make_sink: Callable[..., SqlAnalyticsSink],
        engine: Engine,
        clock: FakeClock,
    ) -> None:
        """One ``analytics_dropped`` line per interval, with the drops since."""
        sink = make_sink(capacity=DEFAULT_BATCH_SIZE, drop_log_interval_s=60.0)
        outage = Outage(engine)
        player = _player()
        outage.start()
        with structlog.testing.capture_logs() as logs:
            sink.record(_events(player, DEFAULT_BATCH_SIZE + 5))
            sink.pump()
            sink.record(_events(player, 7))
            clock.advance(RETRY_MIN_S)
            sink.pump()  # within the interval: no second line
            clock.advance(60.0)
            sink.pump()
        outage.end()
        lines = [
            (line["dropped"], line["dropped_total"])
            for line in logs
            if line["event"] == "analytics_dropped"
        ]
        assert [(5, 5), (7, 12)] == lines

    def test_a_bad_batch_is_discarded_not_retried(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """A batch the database refuses is dropped and logged; the next lands."""
        sink = make_sink(batch_size=10, capacity=100)
        player = _player()
        bad = AnalyticsEvent(
            player_id=player,
            session_id=None,
            name="broken",
            properties=None,  # type: ignore[arg-type]  # NOT NULL column
            at=T0,
        )
        good = _events(player, 10, first=1)
        with structlog.testing.capture_logs() as logs:
            sink.record([bad, *_events(player, 9, first=100)])
            sink.record(good)
            _pump_all(sink)
        discarded = [
            line["items"]
            for line in logs
            if line["event"] == "analytics_batch_discarded"
        ]
        assert ([10], 10, good) == (discarded, sink.dropped, _stored(engine, player))

    def test_close_gives_up_at_its_deadline(
        self, make_sink: Callable[..., SqlAnalyticsSink], engine: Engine
    ) -> None:
        """With the database down, ``close`` returns by its deadline and counts."""
        sink = make_sink(start=True)
        outage = Outage(engine)
        outage.start()
        sink.record(_events(_player(), 30))
        started = time.monotonic()
        with structlog.testing.capture_logs() as logs:
            sink.close(timeout_s=0.2)
        elapsed = time.monotonic() - started
        closed = [line for line in logs if line["event"] == "analytics_closed"]
        assert (True, 30, 0, 0) == (
            elapsed < DEADLINE_S,
            sink.dropped,
            sink.written,
            sink.pending,
        )
        assert [30] == [line["dropped"] for line in closed]


def _kill(engine: Engine, server_id: int) -> None:
    """Kill a server connection, as a restart would, and wait until it is gone."""
    reader = make_reader(engine)
    try:
        with reader.connect() as connection:
            connection.exec_driver_sql(f"KILL CONNECTION {int(server_id)}")
            deadline = time.monotonic() + DEADLINE_S
            while connection.exec_driver_sql(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s",
                (server_id,),
            ).scalar_one():
                assert time.monotonic() < deadline, "the killed connection lingers"
    finally:
        reader.dispose()


@pytest.mark.mariadb
class TestLostConnection:
    """A connection the server killed is replaced, and the batch retried."""

    def test_a_killed_connection_is_retried_on_a_new_one(
        self, mariadb_url: str, clock: FakeClock
    ) -> None:
        """The first attempt fails on the dead connection; the retry writes."""
        engine = make_engine(mariadb_url)
        sink = SqlAnalyticsSink(engine, start=False, clock=clock)
        try:
            with engine.connect() as connection:  # the pool's one connection
                server_id = connection.exec_driver_sql(
                    "SELECT CONNECTION_ID()"
                ).scalar_one()
            _kill(engine, server_id)
            player = _player()
            events = _events(player, DEFAULT_BATCH_SIZE)
            sink.record(events)
            backoff = sink.pump()
            clock.advance(backoff)
            sink.pump()
            assert (RETRY_MIN_S, events) == (backoff, _stored(engine, player))
        finally:
            sink.close()
            engine.dispose()


class TestAccounting:
    """The buffer's bound and counters, and what the sink refuses."""

    @given(
        sizes=st.lists(st.integers(min_value=0, max_value=60), max_size=20),
        capacity=st.integers(min_value=1, max_value=300),
    )
    def test_pending_and_dropped_add_up(self, sizes: list[int], capacity: int) -> None:
        """Whatever the calls, pending = min(given, capacity) and the rest drops."""
        sink = SqlAnalyticsSink(
            create_engine("sqlite://"), batch_size=1, capacity=capacity, start=False
        )
        for size in sizes:
            sink.record(_events("p", size))
        given_ = sum(sizes)
        assert (min(given_, capacity), max(0, given_ - capacity)) == (
            sink.pending,
            sink.dropped,
        )

    def test_after_close_everything_is_dropped(
        self, make_sink: Callable[..., SqlAnalyticsSink]
    ) -> None:
        """Events and sessions given after ``close`` are counted, not kept."""
        sink = make_sink()
        sink.close()
        sink.close()  # a second close does nothing
        sink.record(_events(_player(), 3))
        sink.session_started("late", _player(), at=T0)
        sink.session_ended("late", at=T0 + 1, messages=0)
        assert (5, 0, 0) == (sink.dropped, sink.pending, sink.open_sessions)

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"batch_size": 0}, "batch_size must be >= 1"),
            ({"capacity": 50}, "capacity .50. must be >= batch_size .100."),
            ({"interval_s": 0.0}, "interval_s must be > 0"),
            ({"interval_s": float("nan")}, "interval_s must be > 0"),
            ({"retry_min_s": 0.0}, "retry delays"),
            ({"retry_min_s": 5.0, "retry_max_s": 1.0}, "retry delays"),
        ],
        ids=["batch", "capacity", "interval", "nan", "retry-zero", "retry-order"],
    )
    def test_bad_settings_are_refused(
        self, options: dict[str, Any], message: str
    ) -> None:
        """Each setting out of range is a clear ``ValueError``; no thread starts."""
        threads = threading.active_count()
        with pytest.raises(ValueError, match=message):
            SqlAnalyticsSink(create_engine("sqlite://"), **options)
        assert threads == threading.active_count()

    def test_defaults(self) -> None:
        """100 events or 5 seconds, 10,000 held (docs/operations.md)."""
        sink = SqlAnalyticsSink(create_engine("sqlite://"), start=False)
        assert (100, 5.0, 10_000) == (sink.batch_size, sink.interval_s, sink.capacity)

    def test_create_analytics_sink_owns_its_engine(self, tmp_path: Path) -> None:
        """The sink from a URL has an engine of its own, disposed by ``close``."""
        url = f"sqlite:///{tmp_path / 'own.db'}"
        run_migrations(make_engine(url))
        sink = create_analytics_sink(url, start=False)
        player = _player()
        sink.record(_events(player, 2))
        sink.close()
        reader = make_engine(url)
        try:
            assert 2 == len(_stored(reader, player))
        finally:
            reader.dispose()
