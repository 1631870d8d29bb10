"""Analytics on the gameplay path: ``SqlAnalyticsSink.record`` versus a list append.

Run: ``uv run python bench/analytics.py [--events N] [--repeat R] [--url URL]``.

What gameplay pays per event is ``record`` (the sink's lock and a deque append),
measured with no flusher thread, so the figure is the call alone, beside a bare
``list.append`` (one event per call) and ``list.extend`` (five per call, a
typical command's events) in the same run. Also printed, for scale: the core's
``analytics_events`` mapping of a domain event (``to_wire`` and canonical JSON,
also on the gameplay path), ``record`` while the flusher thread writes, and the
flusher's throughput to the database (a temporary SQLite file by default;
``--url`` for MariaDB, whose rows are deleted afterwards). Best of R runs;
nanoseconds per event.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete

from baolife_core import AnalyticsEvent, EnergyRefilled
from baolife_core.analytics import analytics_events
from baolife_storage_mysql import make_engine, run_migrations
from baolife_storage_mysql.analytics import SqlAnalyticsSink
from baolife_storage_mysql.schema import analytics_events as events_table

#: Nanoseconds a one-event ``record`` call may cost: a small fraction of a
#: command, whose service call alone costs hundreds of microseconds.
TARGET_NS = 1_000
T0 = 1_798_761_600_000


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def ns(seconds: float, count: int) -> float:
    return seconds / count * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None, help="database URL (migrated here)")
    args = parser.parse_args()
    count = args.events
    player = str(uuid.uuid4())
    event = AnalyticsEvent(player, "session", "energy_refilled", '{"n":1}', T0)
    one = [event]
    five = [event] * 5
    calls_of_five = count // 5

    def baseline_one() -> None:
        sink: list[AnalyticsEvent] = []
        for _ in range(count):
            sink.append(event)

    def baseline_five() -> None:
        sink: list[AnalyticsEvent] = []
        for _ in range(calls_of_five):
            sink.extend(five)

    def unthreaded() -> SqlAnalyticsSink:
        return SqlAnalyticsSink(
            make_engine("sqlite://"), capacity=count, start=False, owns_engine=True
        )

    def record_one() -> None:
        sink = unthreaded()
        for _ in range(count):
            sink.record(one)
        assert sink.pending == count

    def record_five() -> None:
        sink = unthreaded()
        for _ in range(calls_of_five):
            sink.record(five)
        assert sink.pending == calls_of_five * 5

    base_one = ns(best_of(args.repeat, baseline_one), count)
    base_five = ns(best_of(args.repeat, baseline_five), calls_of_five * 5)
    rec_one = ns(best_of(args.repeat, record_one), count)
    rec_five = ns(best_of(args.repeat, record_five), calls_of_five * 5)

    domain = EnergyRefilled(
        at=T0,
        refill_type="overcharge",
        energy_before=3,
        energy_after=13,
        diamonds=50,
        transaction_id="0b6e4c2e-1d7f-5f7a-9a53-5a4d1b1e0c11",
    )
    mapped = 20_000
    mapping = ns(
        best_of(
            args.repeat,
            lambda: [analytics_events("p", "s", (domain,)) for _ in range(mapped)],
        ),
        mapped,
    )

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'analytics.db'}"
        engine = make_engine(url)
        run_migrations(engine)
        sink = SqlAnalyticsSink(engine, capacity=count + 1, owns_engine=True)
        began = time.perf_counter()
        for _ in range(calls_of_five):
            sink.record(five)
        recorded = time.perf_counter() - began
        sink.close(timeout_s=600)
        total = time.perf_counter() - began
        written = sink.written
        cleanup = make_engine(url)
        with cleanup.begin() as connection:
            connection.execute(
                delete(events_table).where(events_table.c.player_id == player)
            )
        cleanup.dispose()
    rec_threaded = ns(recorded, calls_of_five * 5)

    ratio_one, ratio_five = rec_one / base_one, rec_five / base_five
    print(f"list.append (1 event per call)  {base_one:8.0f} ns/event")
    print(f"record      (1 event per call)  {rec_one:8.0f} ns/event {ratio_one:.1f}x")
    print(f"list.extend (5 events per call) {base_five:8.0f} ns/event")
    print(f"record      (5 events per call) {rec_five:8.0f} ns/event {ratio_five:.1f}x")
    print(f"record while the flusher writes {rec_threaded:8.0f} ns/event (5 per call)")
    print(f"analytics_events mapping        {mapping:8.0f} ns/event")
    print(
        f"flusher to {url.split(':')[0]:<19} {written / total:8.0f} events/s "
        f"({written} events, batches of {sink.batch_size})"
    )
    verdict = "met" if rec_one <= TARGET_NS else "MISSED"
    print(f"target: a one-event record call <= {TARGET_NS} ns: {verdict}")


if __name__ == "__main__":
    main()
