"""GDPR over the wire: ``export_data``, ``request_account_deletion`` (tokens
revoked, connections closed), ``cancel_account_deletion``, the purge task, and
the calls the sessions make to the server's ``AnalyticsSink``.

Real clients talk to a real server over the reference ``InMemoryStore``; the
analytics sink is a fake that records its calls.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import structlog.testing
from attrs import define
from websockets.asyncio.client import connect as ws_connect

from baolife_core import (
    GameService,
    InMemoryStore,
    load_catalog,
)
from baolife_core.ports import PurgedAccount
from baolife_core.service import DELETION_GRACE_MS
from baolife_transport_ws import GameServer, ServerConfig

from .conftest import Connect
from .support import (
    DEADLINE,
    START_MS,
    FakeClock,
    ProtocolClient,
    RecordingSink,
    close_code,
)

#: The close code and reason of a connection whose tokens were revoked.
REVOKED = 1000


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def server(
    service: GameService, config: ServerConfig, clock: FakeClock, sink: RecordingSink
) -> AsyncIterator[GameServer]:
    """The server with the fake sink and no purge task (tests purge by hand)."""
    async with GameServer(
        service, config, clock=clock, analytics=sink, purge_interval_s=None
    ) as running:
        yield running


async def _until(condition: Any) -> None:
    """Poll ``condition()`` until true, failing after ``DEADLINE`` seconds."""
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.005)


async def _resume(client: ProtocolClient, token: str) -> dict[str, Any]:
    return await client.request({"type": "hello", "token": token})


class TestExportData:
    """``export_data`` → ``data_export``: one JSON document of the player's data."""

    async def test_the_document_is_the_service_s(
        self, client: ProtocolClient, service: GameService, clock: FakeClock
    ) -> None:
        """The reply's ``data`` is ``GameService.export_data`` at the server time."""
        welcome = await client.hello()
        await client.purchase("overcharge")
        reply = await client.request({"type": "export_data"})
        player = welcome["player_id"]
        assert {"type", "data"} == set(reply)
        assert "data_export" == reply["type"]
        expected = service.export_data(player, at=clock.now)
        assert json.loads(json.dumps(expected)) == reply["data"]
        journal = reply["data"]["tables"]["player_journal"]
        assert [0, 1] == [row["seq"] for row in journal]

    async def test_only_after_hello(self, client: ProtocolClient) -> None:
        """Before ``hello`` it is ``unauthenticated``, like every request."""
        reply = await client.request({"type": "export_data"})
        assert "unauthenticated" == reply["code"]


class TestRequestDeletion:
    """``request_account_deletion``: tokens revoked, connections closed."""

    async def test_scheduled_30_days_later_then_closed(
        self, client: ProtocolClient, clock: FakeClock, store: InMemoryStore
    ) -> None:
        """The reply names the purge instant; the connection then closes 1000."""
        welcome = await client.hello()
        clock.advance(1_234)
        reply = await client.request({"type": "request_account_deletion"})
        purge_at = clock.now + DELETION_GRACE_MS
        assert {"type": "account_deletion_scheduled", "purge_at": purge_at} == reply
        assert REVOKED == await close_code(client.connection)
        account = store.account(welcome["player_id"])
        assert account is not None
        assert (clock.now, purge_at) == (
            account.tokens_valid_after,
            account.purge_after,
        )

    async def test_every_connection_of_the_player_is_closed(
        self, connect: Connect
    ) -> None:
        """Another device of the player is told why, then closed; another
        player's connection is untouched."""
        first = await connect()
        welcome = await first.hello()
        second = await connect()
        assert "welcome" == (await _resume(second, welcome["token"]))["type"]
        bystander = await connect()
        await bystander.hello()
        reply = await first.request({"type": "request_account_deletion"})
        assert reply == await second.receive()
        assert REVOKED == await close_code(first.connection)
        assert REVOKED == await close_code(second.connection)
        assert "pong" == (await bystander.request({"type": "ping"}))["type"]

    async def test_old_tokens_are_refused(
        self, connect: Connect, clock: FakeClock
    ) -> None:
        """A ``hello`` with a token issued before the request is unauthenticated,
        even one issued in the same second."""
        client = await connect()
        early = (await client.hello())["token"]
        clock.advance(500)
        same_second = (await _resume(await connect(), early))["token"]
        await client.request({"type": "request_account_deletion"})
        for token in (early, same_second):
            reply = await _resume(await connect(), token)
            assert ("unauthenticated", "session revoked") == (
                reply["code"],
                reply["message"],
            )

    async def test_nothing_queued_behind_it_runs(
        self, client: ProtocolClient, store: InMemoryStore
    ) -> None:
        """A command pipelined after the request is neither run nor answered."""
        player = (await client.hello())["player_id"]
        journal = len(store.journal(player))
        await client.send({"type": "request_account_deletion", "rid": "del"})
        await client.send(
            {
                "type": "purchase_energy_refill",
                "refill_type": "overcharge",
                "idempotency_key": str(uuid.uuid4()),
                "rid": "buy",
            }
        )
        assert "account_deletion_scheduled" == (await client.receive())["type"]
        assert REVOKED == await close_code(client.connection)
        assert journal == len(store.journal(player))

    async def test_the_device_still_reaches_the_account(
        self, connect: Connect, clock: FakeClock
    ) -> None:
        """Within the grace a device ``hello`` opens the account; its ``welcome``
        carries ``purge_at``, and its fresh token works."""
        device = str(uuid.uuid4())
        client = await connect()
        player = (await client.hello(device))["player_id"]
        purge_at = (await client.request({"type": "request_account_deletion"}))[
            "purge_at"
        ]
        clock.advance(1_000)
        welcome = await (await connect()).hello(device)
        assert (player, purge_at) == (welcome["player_id"], welcome["purge_at"])
        resumed = await _resume(await connect(), welcome["token"])
        assert (player, purge_at) == (resumed["player_id"], resumed["purge_at"])

    async def test_asking_twice_keeps_the_first_purge_instant(
        self, connect: Connect, clock: FakeClock
    ) -> None:
        """A second request (from the device, in the grace) never extends it."""
        device = str(uuid.uuid4())
        client = await connect()
        await client.hello(device)
        first = await client.request({"type": "request_account_deletion"})
        clock.advance(60_000)
        client = await connect()
        await client.hello(device)
        again = await client.request({"type": "request_account_deletion"})
        assert first == again


class TestCancelDeletion:
    """``cancel_account_deletion`` within the grace."""

    async def test_a_cancel_from_the_device(
        self, connect: Connect, clock: FakeClock, store: InMemoryStore
    ) -> None:
        """The device logs in, cancels, and the account is as before (its old
        tokens stay revoked); the next ``welcome`` has no ``purge_at``."""
        device = str(uuid.uuid4())
        client = await connect()
        welcome = await client.hello(device)
        await client.request({"type": "request_account_deletion"})
        clock.advance(DELETION_GRACE_MS - 1)
        client = await connect()
        await client.hello(device)
        reply = await client.request({"type": "cancel_account_deletion"})
        assert {"type": "account_deletion_cancelled", "was_scheduled": True} == reply
        account = store.account(welcome["player_id"])
        assert account is not None
        assert account.purge_after is None
        assert "purge_at" not in await (await connect()).hello(device)
        stale = await _resume(await connect(), welcome["token"])
        assert "unauthenticated" == stale["code"]

    async def test_cancelling_nothing(self, client: ProtocolClient) -> None:
        """With nothing scheduled the cancel says so and changes nothing."""
        await client.hello()
        reply = await client.request({"type": "cancel_account_deletion"})
        assert {"type": "account_deletion_cancelled", "was_scheduled": False} == reply
        assert "pong" == (await client.request({"type": "ping"}))["type"]

    async def test_after_the_grace(self, connect: Connect, clock: FakeClock) -> None:
        """A connection still open when the grace ends cannot cancel
        (``not_found``); a new ``hello`` is refused."""
        device = str(uuid.uuid4())
        client = await connect()
        await client.hello(device)
        await client.request({"type": "request_account_deletion"})
        clock.advance(1_000)
        client = await connect()
        await client.hello(device)
        clock.advance(DELETION_GRACE_MS)
        reply = await client.request({"type": "cancel_account_deletion"})
        assert "not_found" == reply["code"]
        refused = await (await connect()).request(
            {"type": "hello", "device_id": device}
        )
        assert ("unauthenticated", "account deleted") == (
            refused["code"],
            refused["message"],
        )

    @pytest.mark.parametrize(
        "kind", ["export_data", "request_account_deletion", "cancel_account_deletion"]
    )
    async def test_unknown_fields_are_ignored_and_rid_echoed(
        self, client: ProtocolClient, kind: str
    ) -> None:
        """Extra fields change nothing; the reply carries the ``rid``."""
        await client.hello()
        await client.send({"type": kind, "rid": "x-1", "reason": "bye", "at": 0})
        reply = await client.receive()
        assert "x-1" == reply["rid"]
        assert "error" != reply["type"]

    async def test_a_bad_rid_is_refused_and_changes_nothing(
        self, client: ProtocolClient, store: InMemoryStore
    ) -> None:
        """A malformed envelope is ``bad_request`` and schedules nothing."""
        player = (await client.hello())["player_id"]
        await client.send({"type": "request_account_deletion", "rid": 7})
        assert "bad_request" == (await client.receive())["code"]
        account = store.account(player)
        assert account is not None
        assert account.purge_after is None


class TestPurgeTask:
    """The server's purge: due accounts go, their connections close."""

    async def test_a_round_purges_the_due_and_closes_their_connections(
        self,
        server: GameServer,
        connect: Connect,
        clock: FakeClock,
        store: InMemoryStore,
    ) -> None:
        """Nothing before the grace ends; then the account is purged, its open
        connection closed, and its device starts over as a new player."""
        device = str(uuid.uuid4())
        client = await connect()
        player = (await client.hello(device))["player_id"]
        await client.request({"type": "request_account_deletion"})
        clock.advance(1_000)
        client = await connect()
        await client.hello(device)
        clock.advance(DELETION_GRACE_MS - 1_001)
        assert 0 == await server.purge()
        clock.advance(1)
        with structlog.testing.capture_logs() as logs:
            assert 1 == await server.purge()
        assert REVOKED == await close_code(client.connection)
        assert store.account(player) is None
        assert [{"event": "accounts_purged", "count": 1, "log_level": "info"}] == [
            entry for entry in logs if entry["event"] == "accounts_purged"
        ]
        assert player not in repr(logs)
        assert player != (await (await connect()).hello(device))["player_id"]

    async def test_the_periodic_task_purges(
        self, service: GameService, config: ServerConfig, store: InMemoryStore
    ) -> None:
        """With an interval the server purges without being asked."""
        clock = FakeClock(START_MS + 2 * DELETION_GRACE_MS)
        service.login_device("device-1", new_player_id="p-1", seed=1, at=START_MS)
        service.request_account_deletion("p-1", at=START_MS)
        async with GameServer(service, config, clock=clock, purge_interval_s=0.01):
            await _until(lambda: store.account("p-1") is None)
        assert 1 == len(store.deletion_log)

    async def test_a_failing_round_is_logged_and_the_server_serves_on(
        self, config: ServerConfig
    ) -> None:
        """A purge that raises is logged (``purge_failed``); the next round runs
        and the server keeps answering."""
        store = BrokenPurgeStore()
        service = GameService(store, load_catalog())
        with structlog.testing.capture_logs() as logs:
            async with GameServer(service, config, purge_interval_s=0.01) as server:
                await _until(lambda: store.attempts >= 2)
                async with ws_connect(f"ws://127.0.0.1:{server.port}/") as raw:
                    reply = await ProtocolClient(raw).request({"type": "ping"})
                assert "unauthenticated" == reply["code"]
        failed = [entry for entry in logs if entry["event"] == "purge_failed"]
        assert len(failed) >= 2
        assert {"ConnectionError"} == {entry["error"] for entry in failed}

    def test_the_interval_must_be_positive(
        self, service: GameService, config: ServerConfig
    ) -> None:
        """Zero or a negative interval is refused (None switches the task off)."""
        for interval in (0, -1.0):
            with pytest.raises(ValueError, match="purge_interval_s"):
                GameServer(service, config, purge_interval_s=interval)


@define
class BrokenPurgeStore(InMemoryStore):
    """A store whose purge cannot reach its database."""

    attempts: int = 0

    def purge_due(self, *, at: int, limit: int) -> Sequence[PurgedAccount]:
        self.attempts += 1
        raise ConnectionError("database unreachable")


class TestAnalytics:
    """The session's calls to the ``AnalyticsSink``."""

    async def test_a_session_from_hello_to_close(
        self, connect: Connect, sink: RecordingSink, clock: FakeClock
    ) -> None:
        """Started at ``hello`` with a fresh uuid4 session id; each command's
        events recorded with it; ended at close with the frames received."""
        client = await connect()
        player = (await client.hello())["player_id"]
        ((session, started_player, started_at),) = sink.of("session_started")
        assert (player, START_MS) == (started_player, started_at)
        assert 4 == uuid.UUID(session).version
        await client.purchase("overcharge")
        recorded = [row for (rows,) in sink.of("record") for row in rows]
        assert {"energy_refilled", "diamonds_spent"} <= {row.name for row in recorded}
        assert {(player, session)} == {(r.player_id, r.session_id) for r in recorded}
        await client.request({"type": "ping"})
        clock.advance(5_000)
        await client.connection.close()
        await _until(lambda: sink.of("session_ended"))
        assert [(session, START_MS + 5_000, 3)] == sink.of("session_ended")

    async def test_a_rejection_records_nothing(
        self, client: ProtocolClient, sink: RecordingSink
    ) -> None:
        """A refused command has no events: the sink is not called again."""
        await client.hello()
        calls = len(sink.calls)  # the session and its experiment exposures
        reply = await client.purchase("full")  # energy is full already
        assert "error" == reply["type"]
        assert calls == len(sink.calls)

    async def test_no_session_before_hello(
        self, client: ProtocolClient, sink: RecordingSink
    ) -> None:
        """A connection that never authenticates starts no session (so its
        close ends none)."""
        assert "unauthenticated" == (await client.request({"type": "ping"}))["code"]
        assert (
            "unauthenticated" == (await client.request({"type": "export_data"}))["code"]
        )
        assert [] == sink.calls

    async def test_a_player_leaving_is_not_tracked(
        self, connect: Connect, sink: RecordingSink, clock: FakeClock
    ) -> None:
        """While a deletion is scheduled no session starts; a cancel starts one."""
        device = str(uuid.uuid4())
        client = await connect()
        await client.hello(device)
        await client.request({"type": "request_account_deletion"})
        assert REVOKED == await close_code(client.connection)
        await _until(lambda: sink.of("session_ended"))
        sink.calls.clear()
        clock.advance(1_000)
        client = await connect()
        player = (await client.hello(device))["player_id"]
        await client.purchase("overcharge")
        assert [] == sink.calls
        await client.request({"type": "cancel_account_deletion"})
        ((_, started_player, at),) = sink.of("session_started")
        assert (player, clock.now) == (started_player, at)

    async def test_a_failing_sink_never_breaks_the_game(
        self, client: ProtocolClient, sink: RecordingSink
    ) -> None:
        """Every sink call raises: the game answers as usual, and it is logged."""
        sink.fail = True
        with structlog.testing.capture_logs() as logs:
            await client.hello()
            reply = await client.purchase("overcharge")
        assert "energy_updated" == reply["type"]
        failed = {e["method"] for e in logs if e["event"] == "analytics_failed"}
        assert {"session_started", "record"} == failed
