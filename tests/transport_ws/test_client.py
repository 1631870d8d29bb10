"""``GameClient`` against a real ``GameServer`` and against a scripted server.

The real server (fixtures in ``conftest``) checks the client speaks the protocol:
hello, requests, pushes, revocation, reconnect and offline sync. A scripted server
(a bare ``websockets`` server whose handler the test writes) sends exactly the
frames a test needs: batches mixing replies and pushes, a refused sync, a drop
in the middle of a request.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
import structlog.testing
from websockets.asyncio.server import ServerConnection, serve

from baolife_core import GameService
from baolife_transport_ws import GameServer, ServerConfig
from baolife_transport_ws.client import (
    MAX_OFFLINE_ACTIONS,
    MAX_OFFLINE_AGE_MS,
    ClientClosedError,
    ConnectionLostError,
    GameClient,
    NotAllowedOfflineError,
    OfflineQueueFullError,
    SessionEndedError,
)

from .support import DEADLINE, START_MS, FakeClock

#: Backoff for tests: reconnects follow within milliseconds.
FAST = (0.005, 0.02)


def url_of(server: GameServer) -> str:
    return f"ws://127.0.0.1:{server.port}/"


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` by polling, failing after ``DEADLINE``."""
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.002)


async def next_push(pushes: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(DEADLINE):
        return await anext(pushes)


Handler = Callable[[ServerConnection], Awaitable[None]]


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start bare websockets servers running a test's handler; their URL."""
    servers = []

    async def start(handler: Handler) -> str:
        server = await serve(handler, "127.0.0.1", 0)
        servers.append(server)
        return f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def welcome(rid: str, token: str = "t1") -> str:
    return json.dumps(
        {
            "type": "welcome",
            "player_id": "p1",
            "token": token,
            "server_time": START_MS,
            "state": {"seq": 0},
            "rid": rid,
        }
    )


async def receive(ws: ServerConnection) -> dict[str, Any]:
    async with asyncio.timeout(DEADLINE):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


class TestSession:
    """hello → welcome, and the hellos that end the client."""

    async def test_welcome_sets_player_token_and_state(
        self, server: GameServer
    ) -> None:
        """The client keeps the welcome's player id, token and client view."""
        async with GameClient(url_of(server), device_id=str(uuid.uuid4())) as client:
            assert client.player_id is not None
            assert client.token is not None
            assert client.state is not None
            assert 1000 == client.state["account"]["diamonds"]
            assert client.connected

    async def test_a_device_comes_back_as_its_player(self, server: GameServer) -> None:
        """Two clients of one device id are the same player."""
        device = str(uuid.uuid4())
        async with GameClient(url_of(server), device_id=device) as first:
            pass
        async with GameClient(url_of(server), device_id=device) as second:
            assert first.player_id == second.player_id

    async def test_a_token_alone_resumes_the_player(self, server: GameServer) -> None:
        """A client built with only a token says hello with it."""
        async with GameClient(url_of(server)) as first:
            token = first.token
        async with GameClient(url_of(server), token=token) as second:
            assert first.player_id == second.player_id

    @pytest.mark.parametrize(
        ("options", "code"),
        [
            ({"token": "forged.token"}, "unauthenticated"),
            ({"device_id": "not-a-uuid"}, "bad_request"),
        ],
    )
    async def test_a_refused_hello_ends_the_client(
        self, server: GameServer, options: dict[str, str], code: str
    ) -> None:
        """A hello answered unauthenticated or bad_request raises on start."""
        with pytest.raises(SessionEndedError) as raised:
            async with GameClient(url_of(server), **options):
                pass
        assert code == raised.value.code

    async def test_bad_backoff_is_refused(self) -> None:
        """A backoff that is not 0 < first <= cap is a ValueError."""
        with pytest.raises(ValueError, match="backoff"):
            GameClient("ws://127.0.0.1:1/", backoff=(2.0, 1.0))

    @pytest.mark.parametrize("size", [0, -1])
    async def test_an_empty_push_buffer_is_refused(self, size: int) -> None:
        """A push buffer must hold at least one push."""
        with pytest.raises(ValueError, match="push_buffer"):
            GameClient("ws://127.0.0.1:1/", push_buffer=size)


class TestRequests:
    """request(): a rid per request, the reply returned, errors as replies."""

    async def test_a_reply_comes_back_without_its_rid(self, server: GameServer) -> None:
        """get_state answers the view, and the client keeps it."""
        async with GameClient(url_of(server)) as client:
            reply = await client.request("get_state")
            assert "state" == reply["type"]
            assert "rid" not in reply
            assert reply["state"] == client.state

    async def test_an_error_reply_is_returned(self, server: GameServer) -> None:
        """An error is a reply like any other, and the state is unchanged."""
        async with GameClient(url_of(server)) as client:
            reply = await client.request(
                "purchase_energy_refill", refill_type="gold", idempotency_key="k1"
            )
            assert "error" == reply["type"]
            assert "not_found" == reply["code"]
            state = await client.request("get_state")
            assert 1000 == state["state"]["account"]["diamonds"]

    async def test_concurrent_requests_each_get_their_reply(
        self, server: GameServer
    ) -> None:
        """Many requests in flight: each reply reaches its own caller."""
        async with GameClient(url_of(server)) as client:
            replies = await asyncio.gather(
                *(client.request("ping") for _ in range(30)),
                client.request("check_daily_login"),
            )
            assert ["pong"] * 30 + ["daily_login_status"] == [
                r["type"] for r in replies
            ]

    @pytest.mark.parametrize(
        ("kind", "fields"),
        [("ping", {"rid": "x"}), ("ping", {"type": "x"}), ("", {})],
    )
    async def test_bad_arguments_are_refused_before_sending(
        self, server: GameServer, kind: str, fields: dict[str, Any]
    ) -> None:
        """A reserved field or an empty type is a ValueError; nothing is sent."""
        async with GameClient(url_of(server)) as client:
            with pytest.raises(ValueError, match=r"type|set by the client"):
                await client.request(kind, **fields)
            assert "pong" == (await client.request("ping"))["type"]

    async def test_batches_are_unwrapped_and_replies_matched_by_rid(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """A batch with two replies in reverse order and a push between them:
        each reply reaches its request, the push goes to pushes()."""

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            first, second = await receive(ws), await receive(ws)
            batch = [
                {"type": "pong", "server_time": 2, "rid": second["rid"]},
                {"type": "notification", "text": "hi"},
                {"type": "pong", "server_time": 1, "rid": first["rid"]},
            ]
            await ws.send(json.dumps({"type": "batch", "messages": batch}))
            await ws.wait_closed()

        async with GameClient(await scripted(handler)) as client:
            one = asyncio.create_task(client.request("ping"))
            await until(lambda: client._pending.keys() >= {"2"})
            two = asyncio.create_task(client.request("ping"))
            assert 1 == (await one)["server_time"]
            assert 2 == (await two)["server_time"]
            push = await next_push(client.pushes())
            assert {"type": "notification", "text": "hi"} == push


class TestPushes:
    """Pushes never mix with replies; a full buffer drops the oldest."""

    async def test_a_push_beside_a_reply_goes_to_pushes(
        self, server: GameServer
    ) -> None:
        """A push queued before a reply rides in its batch, and is not the reply."""
        async with GameClient(url_of(server)) as client:
            assert client.player_id is not None
            notice = {"type": "notification", "text": "hello"}
            assert 1 == server.push(client.player_id, notice)
            assert "pong" == (await client.request("ping"))["type"]
            assert notice == await next_push(client.pushes())

    async def test_a_full_buffer_drops_the_oldest_push(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """With room for two, five pushes keep the last two and log three drops."""

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            ping = await receive(ws)
            for n in range(5):
                await ws.send(json.dumps({"type": "notification", "n": n}))
            await ws.send(json.dumps({"type": "pong", "rid": ping["rid"]}))
            await ws.wait_closed()

        with structlog.testing.capture_logs() as logs:
            async with GameClient(await scripted(handler), push_buffer=2) as client:
                await client.request("ping")
                pushes = client.pushes()
                assert [3, 4] == [(await next_push(pushes))["n"] for _ in range(2)]
        dropped = [e for e in logs if e["event"] == "push_dropped"]
        assert 3 == len(dropped)
        assert {"push buffer full"} == {e["reason"] for e in dropped}


class TestEnd:
    """What ends the client: close(), a revoked session, reconnect=False."""

    async def test_close_ends_requests_and_pushes(self, server: GameServer) -> None:
        """After close(), requests raise ClientClosedError and pushes() ends."""
        client = GameClient(url_of(server))
        await client.start()
        await client.close()
        with pytest.raises(ClientClosedError):
            await client.request("ping")
        assert [] == [push async for push in client.pushes()]
        assert not client.connected

    async def test_a_revoked_session_ends_every_client_of_the_player(
        self, server: GameServer
    ) -> None:
        """A deletion request revokes the session: both clients end with
        'session revoked', the other one after its account_deletion_scheduled push."""
        device = str(uuid.uuid4())
        async with (
            GameClient(url_of(server), device_id=device, backoff=FAST) as one,
            GameClient(url_of(server), device_id=device, backoff=FAST) as two,
        ):
            reply = await one.request("request_account_deletion")
            assert "account_deletion_scheduled" == reply["type"]
            pushes = two.pushes()
            assert "account_deletion_scheduled" == (await next_push(pushes))["type"]
            with pytest.raises(SessionEndedError, match="session revoked"):
                await next_push(pushes)
            await until(lambda: one.finished is not None)
            for client in (one, two):
                with pytest.raises(SessionEndedError) as raised:
                    await client.request("ping")
                assert (1000, "session revoked") == (
                    raised.value.code,
                    raised.value.message,
                )

    async def test_without_reconnect_a_drop_ends_the_client(
        self, service: GameService, config: ServerConfig, clock: FakeClock
    ) -> None:
        """reconnect=False: the server going away ends the client."""
        server = GameServer(service, config, clock=clock)
        await server.start()
        client = GameClient(url_of(server), reconnect=False)
        await client.start()
        await server.stop()
        await until(lambda: client.finished is not None)
        with pytest.raises(ConnectionLostError, match="1001"):
            await client.request("ping")
        await client.close()

    async def test_a_drop_fails_the_request_in_flight(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """A request whose connection drops before the reply raises
        ConnectionLostError; the client reconnects and serves the next one."""
        connections = 0

        async def handler(ws: ServerConnection) -> None:
            nonlocal connections
            connections += 1
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            request = await receive(ws)
            if connections == 1:
                await ws.close(1011)
                return
            await ws.send(json.dumps({"type": "pong", "rid": request["rid"]}))
            await ws.wait_closed()

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            with pytest.raises(ConnectionLostError):
                await client.request("ping")
            assert "pong" == (await client.request("ping"))["type"]
            assert 2 == connections


class TestReconnect:
    """A dropped connection comes back with backoff and says hello with the token."""

    async def test_the_client_comes_back_after_a_restart(
        self, service: GameService, config: ServerConfig, clock: FakeClock
    ) -> None:
        """The server stops and starts again on its port: the client reconnects
        by token (logged), is the same player, and its requests work again."""
        first = GameServer(service, config, clock=clock)
        await first.start()
        port = first.port
        with structlog.testing.capture_logs() as logs:
            async with GameClient(
                url_of(first), device_id=str(uuid.uuid4()), backoff=FAST
            ) as client:
                player, token = client.player_id, client.token
                await first.stop()
                await until(lambda: not client.connected)
                second = GameServer(
                    service, attrs.evolve(config, port=port), clock=clock
                )
                async with second:
                    clock.advance(1000)  # a fresh token differs by its stamp
                    await until(lambda: client.connected)
                    assert "pong" == (await client.request("ping"))["type"]
                    assert player == client.player_id
                    assert token != client.token
        connected = [e for e in logs if e["event"] == "client_connected"]
        assert ["device", "token"] == [e["auth"] for e in connected]
        assert any(e["event"] == "client_reconnecting" for e in logs)
        assert all(token not in str(e) for e in logs)

    async def test_backoff_doubles_up_to_its_cap_with_jitter(self) -> None:
        """Delays lie in [d/2, d] for d = 0.1, 0.2, 0.4 … capped at 1."""
        client = GameClient("ws://127.0.0.1:1/", backoff=(0.1, 1.0))
        for attempt, full in enumerate([0.1, 0.2, 0.4, 0.8, 1.0, 1.0]):
            delay = client._delay(attempt)
            assert full / 2 <= delay <= full


class TestOffline:
    """act(): a request online; queued offline and synced in one frame."""

    async def test_act_online_is_a_request(self, server: GameServer) -> None:
        """Connected, act sends at once; a keyed command gets a key."""
        async with GameClient(url_of(server)) as client:
            action = await client.act("purchase_energy_refill", refill_type="small")
            reply = await action
            assert not action.offline
            assert action.key is not None
            assert "energy_full" == reply["code"]  # a new player is full

    async def test_act_refuses_what_is_not_a_game_command(
        self, server: GameServer
    ) -> None:
        """Reads, server-only commands and a client-set 'at' are ValueErrors."""
        async with GameClient(url_of(server)) as client:
            for kind, fields in [
                ("get_state", {}),
                ("revoke_store_purchase", {}),
                ("do_activity", {"at": 1}),
            ]:
                with pytest.raises(ValueError, match=r"game command|stamped"):
                    await client.act(kind, **fields)
            assert 0 == client.queued

    async def test_close_fails_a_sync_in_flight(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """``close()`` while a sync_offline is unanswered fails its actions with
        ``ClientClosedError``: no handle is left waiting forever."""
        syncing = asyncio.Event()
        connections = 0

        async def handler(ws: ServerConnection) -> None:
            nonlocal connections
            connections += 1
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            if connections == 1:
                await ws.close(1011)
                return
            assert "sync_offline" == (await receive(ws))["type"]
            syncing.set()
            await ws.wait_closed()  # never answers

        client = GameClient(await scripted(handler), backoff=FAST)
        await client.start()
        try:
            await until(lambda: not client.connected)
            action = await client.act("do_activity", activity="rest")
            async with asyncio.timeout(DEADLINE):
                await syncing.wait()
        finally:
            await client.close()
        with pytest.raises(ClientClosedError):
            async with asyncio.timeout(DEADLINE):
                await action

    async def test_the_queue_syncs_on_reconnect(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """Offline actions go out as one sync_offline in at order, with the
        client's at and a key for keyed commands; each handle gets its result,
        and the sync_result's view becomes the client's state."""
        release = asyncio.Event()
        synced: list[dict[str, Any]] = []
        connections = 0

        async def handler(ws: ServerConnection) -> None:
            nonlocal connections
            connections += 1
            hello = await receive(ws)
            if connections == 1:
                await ws.send(welcome(hello["rid"]))
                await ws.close(1011)
                return
            assert "t1" == hello["token"]
            await release.wait()
            await ws.send(welcome(hello["rid"], token="t2"))
            frame = await receive(ws)
            synced.append(frame)
            results = [
                {"type": "activity_result", "n": 0},
                {"type": "error", "code": "no_energy", "message": "no"},
            ]
            reply = {"type": "sync_result", "applied": 1, "results": results}
            await ws.send(
                json.dumps({**reply, "state": {"seq": 9}, "rid": frame["rid"]})
            )
            await ws.wait_closed()

        clock = FakeClock()
        async with GameClient(
            await scripted(handler), backoff=FAST, clock=clock
        ) as client:
            await until(lambda: not client.connected)
            clock.advance(5)
            refill = await client.act("purchase_energy_refill", refill_type="full")
            clock.advance(-3)  # the device's clock stepped back
            activity = await client.act("do_activity", activity="rest")
            assert (True, True, 2) == (refill.offline, activity.offline, client.queued)
            release.set()
            assert {"type": "activity_result", "n": 0} == await activity
            assert "no_energy" == (await refill)["code"]
        actions = synced[0]["actions"]
        assert "sync_offline" == synced[0]["type"]
        assert [
            {"type": "do_activity", "at": START_MS + 2, "activity": "rest"},
            {
                "type": "purchase_energy_refill",
                "at": START_MS + 5,
                "refill_type": "full",
                "idempotency_key": refill.key,
            },
        ] == actions
        assert {"seq": 9} == client.state
        assert "t2" == client.token

    async def test_old_actions_are_dropped_locally(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """An action older than 7 days at sync resolves stale_action, logged, and
        is not sent; a refused sync frame answers every action it carried."""
        release = asyncio.Event()
        synced: list[dict[str, Any]] = []

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            if "device_id" in hello:
                await ws.send(welcome(hello["rid"]))
                await ws.close(1011)
                return
            await release.wait()
            await ws.send(welcome(hello["rid"]))
            frame = await receive(ws)
            synced.append(frame)
            error = {"type": "error", "code": "unknown_type", "message": "x"}
            await ws.send(json.dumps({**error, "rid": frame["rid"]}))
            await ws.wait_closed()

        clock = FakeClock()
        with structlog.testing.capture_logs() as logs:
            async with GameClient(
                await scripted(handler), backoff=FAST, clock=clock
            ) as client:
                await until(lambda: not client.connected)
                old = await client.act("do_activity", activity="rest")
                clock.advance(MAX_OFFLINE_AGE_MS + 1)
                new = await client.act("do_activity", activity="play")
                release.set()
                assert "stale_action" == (await old)["code"]
                assert "unknown_type" == (await new)["code"]
        assert [["play"]] == [[a["activity"] for a in f["actions"]] for f in synced]
        dropped = [e for e in logs if e["event"] == "offline_action_dropped"]
        assert [("do_activity", "older than 7 days")] == [
            (e["type"], e["reason"]) for e in dropped
        ]

    async def test_the_queue_has_limits(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """A store purchase is refused offline, and so is action 1,001; neither
        is queued."""

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            if "device_id" in hello:
                await ws.send(welcome(hello["rid"]))
            await ws.close(1011)

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            await until(lambda: not client.connected)
            with pytest.raises(NotAllowedOfflineError):
                await client.act("credit_store_purchase", product_id="p")
            for _ in range(MAX_OFFLINE_ACTIONS):
                await client.act("do_activity", activity="rest")
            with pytest.raises(OfflineQueueFullError):
                await client.act("do_activity", activity="rest")
            assert MAX_OFFLINE_ACTIONS == client.queued
        with pytest.raises(ClientClosedError):
            await client.act("do_activity", activity="rest")

    async def test_a_keyed_action_in_flight_returns_to_the_queue(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """A keyed command whose connection dropped before its reply is synced on
        reconnect with its key; an unkeyed one fails with ConnectionLostError."""
        synced: list[dict[str, Any]] = []

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            if "device_id" in hello:
                await receive(ws)
                await receive(ws)
                await ws.close(1011)
                return
            frame = await receive(ws)
            synced.append(frame)
            results = [{"type": "daily_reward_claimed"}]
            await ws.send(
                json.dumps(
                    {
                        "type": "sync_result",
                        "applied": 1,
                        "results": results,
                        "rid": frame["rid"],
                    }
                )
            )
            await ws.wait_closed()

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            claim = await client.act("claim_daily_reward")
            rest = await client.act("do_activity", activity="rest")
            with pytest.raises(ConnectionLostError):
                await rest
            assert "daily_reward_claimed" == (await claim)["type"]
            assert claim.offline
        assert [claim.key] == [a["idempotency_key"] for a in synced[0]["actions"]]

    async def test_a_long_queue_syncs_in_several_frames(
        self,
        scripted: Callable[[Handler], Awaitable[str]],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A queue over ``MAX_SYNC_FRAME_BYTES`` goes out as several sync_offline
        frames, each under the limit, in at order; each handle gets its result."""
        release = asyncio.Event()
        synced: list[dict[str, Any]] = []

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            await ws.send(welcome(hello["rid"]))
            if "device_id" in hello:
                await ws.close(1011)
                return
            await release.wait()
            while True:
                frame = await receive(ws)
                synced.append(frame)
                results = [
                    {"type": "activity_result", "at": a["at"]} for a in frame["actions"]
                ]
                reply = {"type": "sync_result", "applied": len(results)}
                await ws.send(
                    json.dumps({**reply, "results": results, "rid": frame["rid"]})
                )

        clock = FakeClock()
        async with GameClient(
            await scripted(handler), backoff=FAST, clock=clock
        ) as client:
            await until(lambda: not client.connected)
            actions = []
            for _ in range(5):
                clock.advance(1)
                actions.append(await client.act("do_activity", activity="rest"))
            one = len(json.dumps(actions[0]._offline_frame())) + 2
            header = '{"type": "sync_offline", "actions": [], "rid": "0000000000"}'
            limit = len(header) + 2 * one  # two actions fit a frame, not three
            monkeypatch.setattr(
                "baolife_transport_ws.client.MAX_SYNC_FRAME_BYTES", limit
            )
            release.set()
            async with asyncio.timeout(DEADLINE):
                for action in actions:
                    assert {"type": "activity_result", "at": action.at} == await action
        assert [2, 2, 1] == [len(f["actions"]) for f in synced]
        sent = [a["at"] for f in synced for a in f["actions"]]
        assert [a.at for a in actions] == sent
        assert all(len(json.dumps(f)) <= limit for f in synced)

    async def test_a_drop_during_sync_requeues_keyed_actions(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """The connection drops before the sync_result: the keyed action goes back
        to the queue and syncs, with its key, on the next connection; the unkeyed
        one fails with ConnectionLostError."""
        release = asyncio.Event()
        synced: list[dict[str, Any]] = []
        connections = 0

        async def handler(ws: ServerConnection) -> None:
            nonlocal connections
            connections += 1
            hello = await receive(ws)
            if connections == 2:
                await release.wait()
            await ws.send(welcome(hello["rid"]))
            if connections == 1:
                await ws.close(1011)
                return
            frame = await receive(ws)
            synced.append(frame)
            if connections == 2:
                await ws.close(1011)  # the sync is never answered
                return
            results = [{"type": "daily_reward_claimed"}] * len(frame["actions"])
            await ws.send(
                json.dumps(
                    {
                        "type": "sync_result",
                        "applied": len(results),
                        "results": results,
                        "rid": frame["rid"],
                    }
                )
            )
            await ws.wait_closed()

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            await until(lambda: not client.connected)
            claim = await client.act("claim_daily_reward")
            rest = await client.act("do_activity", activity="rest")
            release.set()
            async with asyncio.timeout(DEADLINE):
                with pytest.raises(ConnectionLostError):
                    await rest
                assert "daily_reward_claimed" == (await claim)["type"]
            assert 0 == client.queued
        assert [["claim_daily_reward", "do_activity"], ["claim_daily_reward"]] == [
            [a["type"] for a in f["actions"]] for f in synced
        ]
        assert [claim.key, claim.key] == [
            f["actions"][0]["idempotency_key"] for f in synced
        ]

    async def test_a_sync_result_of_the_wrong_length_answers_every_action(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """A sync_result whose results do not align with the frame's actions is
        treated as an answer to the whole frame: every handle resolves with it."""
        release = asyncio.Event()
        reply = {
            "type": "sync_result",
            "applied": 1,
            "results": [{"type": "activity_result"}],
            "state": {"seq": 3},
        }

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            if "device_id" in hello:
                await ws.send(welcome(hello["rid"]))
                await ws.close(1011)
                return
            await release.wait()
            await ws.send(welcome(hello["rid"]))
            frame = await receive(ws)
            assert 2 == len(frame["actions"])
            await ws.send(json.dumps({**reply, "rid": frame["rid"]}))
            await ws.wait_closed()

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            await until(lambda: not client.connected)
            rest = await client.act("do_activity", activity="rest")
            play = await client.act("do_activity", activity="play")
            release.set()
            async with asyncio.timeout(DEADLINE):
                assert reply == await rest
                assert reply == await play
            assert 0 == client.queued
            assert {"seq": 3} == client.state

    async def test_an_action_lost_while_sending_is_queued_once(
        self, scripted: Callable[[Handler], Awaitable[str]]
    ) -> None:
        """The connection closes while ``act`` sends a keyed command: the lost
        connection requeues it, and ``act`` does not queue it a second time."""
        release = asyncio.Event()
        synced: list[dict[str, Any]] = []

        async def handler(ws: ServerConnection) -> None:
            hello = await receive(ws)
            if "device_id" not in hello:
                await release.wait()
            await ws.send(welcome(hello["rid"]))
            if "device_id" in hello:
                await ws.wait_closed()
                return
            frame = await receive(ws)
            synced.append(frame)
            results = [{"type": "daily_reward_claimed"}]
            await ws.send(
                json.dumps(
                    {
                        "type": "sync_result",
                        "applied": 1,
                        "results": results,
                        "rid": frame["rid"],
                    }
                )
            )
            await ws.wait_closed()

        async with GameClient(await scripted(handler), backoff=FAST) as client:
            real_send = client._send

            async def closing_send(frame: dict[str, Any]) -> None:
                """Close the socket under the send; send once the loss is seen."""
                client._send = real_send  # type: ignore[method-assign]
                ws = client._ws
                assert ws is not None
                await ws.close()
                await until(lambda: not client.connected)
                await real_send(frame)  # raises ConnectionClosed

            client._send = closing_send  # type: ignore[method-assign]
            claim = await client.act("claim_daily_reward")
            assert 1 == client.queued
            assert claim.offline
            release.set()
            async with asyncio.timeout(DEADLINE):
                assert "daily_reward_claimed" == (await claim)["type"]
        assert [[claim.key]] == [
            [a["idempotency_key"] for a in f["actions"]] for f in synced
        ]

    async def test_offline_actions_apply_on_the_real_server(
        self, service: GameService, config: ServerConfig, clock: FakeClock
    ) -> None:
        """Against GameServer: an action queued while the server is down is
        applied by sync_offline on reconnect, with its result, and the state
        shows it."""
        first = GameServer(service, config, clock=clock)
        await first.start()
        port = first.port
        async with GameClient(url_of(first), backoff=FAST, clock=clock) as client:
            created = await (await client.act("create_character", name="Ada Novak"))
            assert "character_created" == created["type"]
            await first.stop()
            await until(lambda: not client.connected)
            clock.advance(60_000)
            rest = await client.act("do_activity", activity="rest")
            bad = await client.act("do_activity", activity="fly")
            clock.advance(1_000)
            restarted = attrs.evolve(config, port=port)
            async with GameServer(service, restarted, clock=clock):
                reply = await rest
                assert "activity_result" == reply["type"]
                assert "not_found" == (await bad)["code"]
                assert client.state is not None
                assert reply["energy"] == client.state["account"]["energy"]
