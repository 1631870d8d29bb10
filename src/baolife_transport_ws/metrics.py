"""Prometheus metrics of one ``GameServer``, served at ``GET /metrics``.

Every metric lives in a ``CollectorRegistry`` of its own, never in
``prometheus_client``'s global one, so two servers in one process (tests,
benchmarks) count apart and never clash on a name. The process, platform and
garbage-collector collectors are registered on it too (CPU, memory, open file
descriptors, Python version, collections), so one scrape tells the whole story.
``docs/operations.md`` "Metrics" lists every metric with example PromQL.

Rules of this module:

- Names start with ``baolife_``; durations are in seconds (``_seconds``).
- Label values are bounded, so the number of series is too (Prometheus keeps one
  per label combination, forever): ``type`` is a known client message type, or
  ``"unknown"`` (a well-formed frame of a type the server does not serve) or
  ``"invalid"`` (a frame that did not parse) — ``Session.handle`` computes it so,
  and never passes the client's raw text. ``outcome`` is ``"ok"`` or a stable
  error code of PROTOCOL.md; ``code`` is an error code; a push's ``type`` is a
  message type the server itself writes. No label ever carries a player id, a
  device id, a request id or other free text.
- Recording sits on the request path, so it is cheap: label children are cached
  per value, and a method is a dictionary look-up or two and the
  ``prometheus_client`` updates. It is thread-safe (``prometheus_client`` locks
  each value), but the server calls it from the event loop only.
- The latency buckets run from 0.5 ms to 10 s, fine enough for
  ``histogram_quantile`` to place p50, p95 and p99 within a bucket's width.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

__all__ = [
    "BATCH_BUCKETS",
    "LATENCY_BUCKETS",
    "OK",
    "TICK_BUCKETS",
    "ServerMetrics",
]

#: The ``outcome`` of a request answered without an error.
OK = "ok"
#: Request latency buckets, seconds: 0.5 ms to 10 s (``+Inf`` is added).
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
#: Messages per outgoing frame: 1 (a bare message) up to a batch of 10, with room
#: for a larger ``batch_max_messages``.
BATCH_BUCKETS = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 20.0, 50.0)
#: Game tick duration buckets, seconds: 1 ms to 10 s.
TICK_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServerMetrics:
    """The counters, gauges and histograms of one server, in their own registry."""

    def __init__(self, *, process: bool = True) -> None:
        """``process=False`` leaves out the process, platform and GC collectors."""
        self.registry = registry = CollectorRegistry()
        if process:
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
            GCCollector(registry=registry)
        self.request_seconds = Histogram(
            "baolife_request_duration_seconds",
            "Time from a client frame's arrival to its reply being queued.",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.requests = Counter(
            "baolife_requests",
            "Client requests answered, by message type and outcome.",
            ["type", "outcome"],
            registry=registry,
        )
        self.errors = Counter(
            "baolife_errors",
            "Error replies sent, by error code.",
            ["code"],
            registry=registry,
        )
        self.connections = Gauge(
            "baolife_connections",
            "WebSocket connections open now.",
            registry=registry,
        )
        self.connections_opened = Counter(
            "baolife_connections_opened",
            "WebSocket connections accepted since the start.",
            registry=registry,
        )
        self.frames = Counter(
            "baolife_outgoing_frames",
            "WebSocket frames sent to clients (a bare message or a batch).",
            registry=registry,
        )
        self.batch_size = Histogram(
            "baolife_batch_size_messages",
            "Messages per outgoing frame.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.slow_clients = Counter(
            "baolife_slow_client_disconnects",
            "Connections closed with 1013 because their outgoing queue was full.",
            registry=registry,
        )
        self.tick_seconds = Histogram(
            "baolife_tick_duration_seconds",
            "Time one game tick took to advance every connected player.",
            buckets=TICK_BUCKETS,
            registry=registry,
        )
        self.tick_players = Gauge(
            "baolife_tick_players",
            "Players the last game tick advanced.",
            registry=registry,
        )
        self.pushes = Counter(
            "baolife_pushes",
            "Unsolicited messages queued to clients, by message type.",
            ["type"],
            registry=registry,
        )
        # Label children cached by value: ``labels()`` costs a lock and a tuple.
        self._latency: dict[str, Histogram] = {}
        self._requests: dict[tuple[str, str], Counter] = {}
        self._errors: dict[str, Counter] = {}
        self._pushes: dict[str, Counter] = {}

    def request(self, kind: str, outcome: str, seconds: float) -> None:
        """One request of type ``kind`` answered with ``outcome`` (``OK`` or an
        error code) in ``seconds``; an error also counts under its code."""
        latency = self._latency.get(kind)
        if latency is None:
            latency = self._latency[kind] = self.request_seconds.labels(kind)
        latency.observe(seconds)
        key = (kind, outcome)
        requests = self._requests.get(key)
        if requests is None:
            requests = self._requests[key] = self.requests.labels(kind, outcome)
        requests.inc()
        if outcome != OK:
            errors = self._errors.get(outcome)
            if errors is None:
                errors = self._errors[outcome] = self.errors.labels(outcome)
            errors.inc()

    def connection_opened(self) -> None:
        """A WebSocket connection was accepted."""
        self.connections.inc()
        self.connections_opened.inc()

    def connection_closed(self) -> None:
        """A WebSocket connection ended (its handler returned)."""
        self.connections.dec()

    def frame_sent(self, messages: int) -> None:
        """A frame carrying ``messages`` messages was written to a client."""
        self.frames.inc()
        self.batch_size.observe(messages)

    def slow_client(self) -> None:
        """A client was closed because it read too slowly (1013)."""
        self.slow_clients.inc()

    def tick(self, seconds: float, players: int) -> None:
        """A game tick advanced ``players`` players in ``seconds``."""
        self.tick_seconds.observe(seconds)
        self.tick_players.set(players)

    def tick_frames(self, frames: int, pushes: Mapping[str, int]) -> None:
        """A tick round wrote ``frames`` frames itself (not through a batcher, so
        they count as frames but not in the batch-size histogram) carrying
        ``pushes`` messages by type: one update per round, not per connection."""
        self.frames.inc(frames)
        for kind, count in pushes.items():
            self.push(kind, count)

    def push(self, kind: str, count: int = 1) -> None:
        """A push of message type ``kind`` was queued to one connection."""
        pushes = self._pushes.get(kind)
        if pushes is None:
            pushes = self._pushes[kind] = self.pushes.labels(kind)
        pushes.inc(count)

    def render(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
