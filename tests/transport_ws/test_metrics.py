"""Prometheus metrics at ``/metrics``, the static pages, and the slow-request log."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import structlog.testing
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from baolife_core import GameService, InMemoryStore, load_catalog
from baolife_transport_ws import GameServer, OutgoingBatcher, ServerConfig
from baolife_transport_ws import session as session_module
from baolife_transport_ws.health import HTML_CONTENT_TYPE
from baolife_transport_ws.metrics import ServerMetrics

from .conftest import Connect
from .support import (
    DEADLINE,
    SECRET,
    ProtocolClient,
    close_code,
    http_get,
    http_get_with_headers,
    unread_client,
)

#: One scrape: the value of every sample by (name, sorted label pairs).
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """The samples of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 if the series does not exist (yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(server: GameServer) -> Samples:
    """GET ``/metrics`` over HTTP and parse it."""
    status, body = await http_get(server.port, "/metrics")
    assert 200 == status
    return parse(body)


async def scrape_until(
    server: GameServer, condition: Callable[[Samples], bool]
) -> Samples:
    """Scrape until ``condition`` holds, failing after DEADLINE."""
    async with asyncio.timeout(DEADLINE):
        while not condition(samples := await scrape(server)):
            await asyncio.sleep(0.001)
    return samples


class TestServerMetrics:
    """``ServerMetrics`` records into a registry of its own."""

    def test_request_counts_latency_outcome_and_error_code(self) -> None:
        """A request observes its latency by type and counts by type and outcome."""
        metrics = ServerMetrics(process=False)
        metrics.request("ping", "ok", 0.002)
        metrics.request("hello", "bad_request", 0.5)
        samples = parse(metrics.render()[0].decode())
        assert 1 == value(
            samples, "baolife_request_duration_seconds_count", type="ping"
        )
        assert 0.5 == value(
            samples, "baolife_request_duration_seconds_sum", type="hello"
        )
        assert 1 == value(
            samples, "baolife_requests_total", type="hello", outcome="bad_request"
        )
        assert 1 == value(samples, "baolife_errors_total", code="bad_request")
        assert 0 == value(samples, "baolife_errors_total", code="ok")

    def test_latency_buckets_span_half_a_millisecond_to_ten_seconds(self) -> None:
        """The histogram's finest bucket is 0.5 ms and its coarsest finite one 10 s."""
        metrics = ServerMetrics(process=False)
        metrics.request("ping", "ok", 0.0004)
        metrics.request("ping", "ok", 9.0)
        samples = parse(metrics.render()[0].decode())
        name = "baolife_request_duration_seconds_bucket"
        assert 1 == value(samples, name, type="ping", le="0.0005")
        assert 1 == value(samples, name, type="ping", le="5.0")
        assert 2 == value(samples, name, type="ping", le="10.0")

    def test_tick_frames_and_connections(self) -> None:
        """Ticks, frames, pushes, slow clients and connections are recorded."""
        metrics = ServerMetrics(process=False)
        metrics.tick(0.02, 3)
        metrics.tick(0.03, 5)
        metrics.frame_sent(1)
        metrics.frame_sent(7)
        metrics.push("time_update")
        metrics.slow_client()
        metrics.connection_opened()
        metrics.connection_opened()
        metrics.connection_closed()
        samples = parse(metrics.render()[0].decode())
        assert 2 == value(samples, "baolife_tick_duration_seconds_count")
        assert 5 == value(samples, "baolife_tick_players")
        assert 2 == value(samples, "baolife_outgoing_frames_total")
        assert 8 == value(samples, "baolife_batch_size_messages_sum")
        assert 1 == value(samples, "baolife_pushes_total", type="time_update")
        assert 1 == value(samples, "baolife_slow_client_disconnects_total")
        assert 1 == value(samples, "baolife_connections")
        assert 2 == value(samples, "baolife_connections_opened_total")

    def test_two_instances_do_not_share_a_registry(self) -> None:
        """Each instance counts alone, and neither uses the global registry."""
        first, second = ServerMetrics(), ServerMetrics()
        first.slow_client()
        name = "baolife_slow_client_disconnects_total"
        assert 1 == value(parse(first.render()[0].decode()), name)
        assert 0 == value(parse(second.render()[0].decode()), name)

    def test_process_collectors_are_registered(self) -> None:
        """The process, platform and GC collectors are on the registry."""
        text = ServerMetrics().render()[0].decode()
        assert "python_info" in text
        assert "python_gc_collections_total" in text
        assert "process_resident_memory_bytes" in text


class TestBatcherFrames:
    """The batcher reports each frame's message count to ``on_frame``."""

    async def test_on_frame_gets_each_frames_message_count(self) -> None:
        """Three pushes then a close go out as one batch of three."""
        sent: list[str] = []
        counts: list[int] = []

        async def send(text: str) -> None:
            sent.append(text)

        batcher = OutgoingBatcher(send, interval=3600.0, on_frame=counts.append)
        for number in range(3):
            batcher.offer({"type": "notification", "n": number}, reply=False)
        batcher.close()
        async with asyncio.timeout(DEADLINE):
            await batcher.run()
        assert [3] == counts
        assert 3 == len(json.loads(sent[0])["messages"])


class TestMetricsEndpoint:
    """``GET /metrics`` on the WebSocket port, after real traffic."""

    async def test_content_type_is_prometheus_text(self, server: GameServer) -> None:
        """The scrape has Prometheus' content type and the server's metrics."""
        status, content_type, body = await http_get_with_headers(
            server.port, "/metrics"
        )
        assert (200, CONTENT_TYPE_LATEST) == (status, content_type)
        assert b"baolife_request_duration_seconds" in body
        assert b"process_cpu_seconds_total" in body

    async def test_latency_histogram_counts_each_message_type(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """Every request is in the histogram and counter under its own type."""
        await client.hello()
        await client.request({"type": "ping"})
        await client.request({"type": "ping"})
        await client.request({"type": "get_state"})
        await client.purchase("full")
        samples = await scrape(server)
        count = "baolife_request_duration_seconds_count"
        assert 1 == value(samples, count, type="hello")
        assert 2 == value(samples, count, type="ping")
        assert 1 == value(samples, count, type="get_state")
        assert 1 == value(samples, count, type="purchase_energy_refill")
        assert 2 == value(samples, "baolife_requests_total", type="ping", outcome="ok")
        assert 1 == value(
            samples,
            "baolife_requests_total",
            type="purchase_energy_refill",
            outcome="energy_full",
        )
        assert 1 == value(samples, "baolife_errors_total", code="energy_full")

    async def test_errors_are_counted_by_code_with_bounded_types(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """Bad requests count under their code; odd types never become labels."""
        assert "bad_request" == (await client.request({"type": "hello"}))["code"]
        await client.send("{not json")
        assert "bad_request" == (await client.receive())["code"]
        await client.hello()
        odd = "evil_" + uuid.uuid4().hex
        assert "unknown_type" == (await client.request({"type": odd}))["code"]
        status, body = await http_get(server.port, "/metrics")
        samples = parse(body)
        assert 200 == status
        assert odd not in body
        requests = "baolife_requests_total"
        assert 1 == value(samples, requests, type="hello", outcome="bad_request")
        assert 1 == value(samples, requests, type="unknown", outcome="unknown_type")
        assert 1 == value(samples, requests, type="invalid", outcome="bad_request")
        assert 1 == value(samples, "baolife_errors_total", code="unknown_type")
        assert 2 == value(samples, "baolife_errors_total", code="bad_request")

    async def test_connections_gauge_goes_up_and_down(
        self, server: GameServer, connect: Connect
    ) -> None:
        """Open connections are counted while open, opened ones for ever."""
        first, second = await connect(), await connect()
        for client in (first, second):  # a reply proves its handler is running
            await client.hello()
        samples = await scrape(server)
        assert 2 == value(samples, "baolife_connections")
        assert 2 == value(samples, "baolife_connections_opened_total")
        await second.connection.close()
        samples = await scrape_until(
            server, lambda s: value(s, "baolife_connections") == 1
        )
        assert 2 == value(samples, "baolife_connections_opened_total")

    async def test_frames_batches_and_pushes_are_counted(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """Five pushes leave in one batch; frames and batch sizes match the wire."""
        player = (await client.hello())["player_id"]
        for number in range(5):
            assert 1 == server.push(player, {"type": "notification", "n": number})
        pushed = [await client.receive() for _ in range(5)]
        assert list(range(5)) == [message["n"] for message in pushed]
        assert 5 == len(client.frames[-1]["messages"])  # one batch of five
        frames = len(client.frames)
        messages = sum(
            len(frame["messages"]) if frame["type"] == "batch" else 1
            for frame in client.frames
        )
        samples = await scrape_until(
            server, lambda s: value(s, "baolife_outgoing_frames_total") == frames
        )
        assert messages == value(samples, "baolife_batch_size_messages_sum")
        bucket = "baolife_batch_size_messages_bucket"
        assert 1 <= value(samples, bucket, le="5.0") - value(samples, bucket, le="4.0")
        assert 5 == value(samples, "baolife_pushes_total", type="notification")


class TestSlowClientMetric:
    """A slow-client disconnect is counted."""

    @pytest.fixture
    def config(self) -> ServerConfig:
        return ServerConfig(
            port=0, token_secret=SECRET, outgoing_queue_max=8, batch_max_messages=4
        )

    async def test_overflow_counts_one_slow_client(self, server: GameServer) -> None:
        """The client closed with 1013 is one slow-client disconnect."""
        slow = await unread_client(server.port)
        player = (await ProtocolClient(slow).hello())["player_id"]
        message = {"type": "notification", "text": "x" * 16_384}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while server.push(player, message) == 1:
            assert loop.time() < deadline, "the queue never overflowed"
            await asyncio.sleep(0)  # a yield, not a wait: let the producer run
        assert 1013 == await close_code(slow)
        samples = await scrape(server)
        assert 1 == value(samples, "baolife_slow_client_disconnects_total")


class TestStaticPages:
    """``/privacy``, ``/terms`` and ``/support`` are HTML pages from the package."""

    @pytest.mark.parametrize(
        ("path", "title"),
        [
            ("/privacy", "<title>Privacy policy</title>"),
            ("/terms", "<title>Terms of use</title>"),
            ("/support", "<title>Support</title>"),
            ("/privacy?lang=en", "<title>Privacy policy</title>"),
        ],
    )
    async def test_page_is_html(
        self, server: GameServer, path: str, title: str
    ) -> None:
        """Each page is 200, ``text/html; charset=utf-8``, and names the contact."""
        status, content_type, body = await http_get_with_headers(server.port, path)
        text = body.decode()
        assert (200, HTML_CONTENT_TYPE) == (status, content_type)
        assert text.startswith("<!DOCTYPE html>")
        assert title in text
        assert "support@example.com" in text

    async def test_privacy_page_tells_what_is_kept_and_how_to_delete(
        self, server: GameServer
    ) -> None:
        """The privacy page covers the data kept, export and the 30-day deletion."""
        status, body = await http_get(server.port, "/privacy")
        assert 200 == status
        for phrase in ("device identifier", "Purchases", "Analytics", "30 days"):
            assert phrase in body

    @pytest.mark.parametrize(
        "path", ["/privacy.html", "/static/privacy.html", "/terms/", "/Support"]
    )
    async def test_other_paths_are_404(self, server: GameServer, path: str) -> None:
        """Only the exact page paths are served."""
        assert (404, "not found\n") == await http_get(server.port, path)


class SlowTime:
    """Stands in for the ``time`` module in ``session``: a settable perf counter."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


class SlowService(GameService):
    """A service whose commands take 1.5 s on the session's (fake) perf counter."""

    clock: SlowTime

    def execute(self, player_id: str, command: Any) -> Any:
        self.clock.now += 1.5
        return super().execute(player_id, command)


class TestSlowRequest:
    """A request over one second logs a ``slow_request`` warning."""

    @pytest.fixture
    def slow_time(self, monkeypatch: pytest.MonkeyPatch) -> SlowTime:
        fake = SlowTime()
        monkeypatch.setattr(session_module, "time", fake)
        return fake

    @pytest.fixture
    def service(self, store: InMemoryStore, slow_time: SlowTime) -> GameService:
        service = SlowService(store, load_catalog())
        service.clock = slow_time
        return service

    async def test_slow_command_logs_a_warning_and_lands_in_a_high_bucket(
        self, server: GameServer, client: ProtocolClient
    ) -> None:
        """Only the slow command warns, with its type, player and duration."""
        player = (await client.hello())["player_id"]
        with structlog.testing.capture_logs() as logs:
            await client.purchase("overcharge")
            await client.request({"type": "ping"})  # the purchase's lines ran
        slow = [entry for entry in logs if entry["event"] == "slow_request"]
        assert [
            {
                "event": "slow_request",
                "log_level": "warning",
                "type": "purchase_energy_refill",
                "player_id": player,
                "duration_ms": 1500.0,
            }
        ] == slow
        assert session_module.SLOW_REQUEST_SECONDS == 1.0
        samples = await scrape(server)
        bucket = "baolife_request_duration_seconds_bucket"
        kind = "purchase_energy_refill"
        assert 0 == value(samples, bucket, type=kind, le="1.0")
        assert 1 == value(samples, bucket, type=kind, le="2.5")
