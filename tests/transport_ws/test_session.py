"""The request/reply protocol of ``session``, spoken by a real client to a server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import structlog.testing

from baolife_core import GameService, InMemoryStore, load_catalog
from baolife_transport_ws import TokenSigner

from .conftest import Connect
from .support import SECRET, START_MS, FakeClock, ProtocolClient, close_code

THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000


class TestHello:
    """``hello`` logs a device in or resumes a session (PROTOCOL.md "Session")."""

    async def test_new_device_gets_a_welcome_with_the_full_state(
        self, client: ProtocolClient
    ) -> None:
        """A new device gets a player, a token, the server time and 1000 diamonds."""
        welcome = await client.hello()
        assert {"type", "player_id", "token", "server_time", "state"} == set(welcome)
        assert welcome["server_time"] == START_MS
        assert welcome["state"]["account"]["diamonds"] == 1000
        assert welcome["state"]["account"]["energy"] == 100
        uuid.UUID(welcome["player_id"])

    async def test_same_device_returns_the_same_player(self, connect: Connect) -> None:
        """A returning device, in any UUID spelling, is the same player."""
        device = str(uuid.uuid4())
        first = await (await connect()).hello(device)
        again = await (await connect()).hello(device.upper())
        assert first["player_id"] == again["player_id"]

    async def test_token_resumes_the_player(self, connect: Connect) -> None:
        """A token from ``welcome`` resumes the same player on a new connection."""
        first = await (await connect()).hello()
        resumed = await (await connect()).request(
            {"type": "hello", "token": first["token"]}
        )
        assert resumed["type"] == "welcome"
        assert first["player_id"] == resumed["player_id"]

    async def test_expired_token_is_unauthenticated(
        self, connect: Connect, clock: FakeClock
    ) -> None:
        """A token older than its TTL (30 days) is refused; one just in time is not."""
        issued = (await (await connect()).hello())["token"]
        clock.advance(THIRTY_DAYS_MS)
        assert (await _resume(await connect(), issued))["type"] == "welcome"
        clock.advance(1000)
        assert (await _resume(await connect(), issued))["code"] == "unauthenticated"

    @pytest.mark.parametrize(
        "forge",
        [
            lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
            lambda token: str(uuid.uuid4()) + token[token.index(".") :],
            lambda _: TokenSigner("another-secret-0123456789", ttl_seconds=60).issue(
                str(uuid.uuid4())
            ),
            lambda _: TokenSigner(SECRET, ttl_seconds=60, clock=FakeClock()).issue(
                str(uuid.uuid4())
            ),
            lambda _: "not-a-token",
            lambda _: "é" * 600,
        ],
        ids=[
            "bad-signature",
            "other-player",
            "other-secret",
            "unknown-player",
            "garbage",
            "huge",
        ],
    )
    async def test_forged_token_is_unauthenticated(
        self, connect: Connect, forge: Any
    ) -> None:
        """A token not signed by this server for this player is refused."""
        issued = (await (await connect()).hello())["token"]
        client = await connect()
        reply = await _resume(client, forge(issued))
        assert reply["code"] == "unauthenticated"
        await client.hello()

    @pytest.mark.parametrize(
        "hello",
        [
            {"type": "hello"},
            {"type": "hello", "device_id": "not-a-uuid"},
            {"type": "hello", "device_id": 42},
            {"type": "hello", "device_id": "x" * 1000},
            {"type": "hello", "token": 7},
            {"type": "hello", "device_id": str(uuid.uuid4()), "token": "t"},
        ],
        ids=["nothing", "bad-uuid", "number", "long", "token-number", "both"],
    )
    async def test_malformed_hello_is_bad_request(
        self, client: ProtocolClient, store: InMemoryStore, hello: dict[str, Any]
    ) -> None:
        """A hello without exactly one valid credential creates nothing."""
        assert (await client.request(hello))["code"] == "bad_request"
        assert store.players == {}
        assert (await client.request({"type": "ping"}))["code"] == "unauthenticated"

    @pytest.mark.parametrize("kind", ["ping", "get_state", "purchase_energy_refill"])
    async def test_anything_before_hello_is_unauthenticated(
        self, client: ProtocolClient, kind: str
    ) -> None:
        """Requests before ``hello`` are refused and the connection stays open."""
        assert (await client.request({"type": kind}))["code"] == "unauthenticated"
        await client.hello()

    async def test_second_hello_is_bad_request(self, client: ProtocolClient) -> None:
        """A connection logs in once."""
        await client.hello()
        reply = await client.request({"type": "hello", "device_id": str(uuid.uuid4())})
        assert reply["code"] == "bad_request"


class TestSessionRequests:
    """``get_state``, ``ping`` and the ``rid`` echo."""

    async def test_get_state(self, client: ProtocolClient) -> None:
        """``get_state`` answers the same view as ``welcome``."""
        welcome = await client.hello()
        assert {"type": "state", "state": welcome["state"]} == await client.request(
            {"type": "get_state"}
        )

    async def test_ping(self, client: ProtocolClient, clock: FakeClock) -> None:
        """``ping`` answers ``pong`` with the server's wall time in ms."""
        await client.hello()
        clock.advance(1234)
        assert (await client.request({"type": "ping"})) == {
            "type": "pong",
            "server_time": START_MS + 1234,
        }

    async def test_rid_is_echoed_on_replies_and_errors(
        self, client: ProtocolClient
    ) -> None:
        """Every reply, error or not, carries the request's ``rid``."""
        await client.send({"type": "ping", "rid": "before-hello"})
        await client.send({"type": "hello", "device_id": str(uuid.uuid4()), "rid": "h"})
        await client.send({"type": "ping", "rid": "p"})
        await client.send({"type": "nope", "rid": "u"})
        rids = [(await client.receive())["rid"] for _ in range(4)]
        assert rids == ["before-hello", "h", "p", "u"]

    @pytest.mark.parametrize("rid", [5, None, "x" * 129, ["r"]])
    async def test_bad_rid_is_bad_request(
        self, client: ProtocolClient, rid: Any
    ) -> None:
        """``rid`` must be a string of at most 128 characters; none is echoed."""
        await client.hello()
        await client.send({"type": "ping", "rid": rid})
        reply = await client.receive()
        assert reply["code"] == "bad_request"
        assert "rid" not in reply

    async def test_pipelined_requests_coalesce_into_a_batch(
        self, client: ProtocolClient, clock: FakeClock
    ) -> None:
        """Five pings sent back to back are answered in order, in fewer frames."""
        await client.hello()
        for n in range(5):
            await client.send({"type": "ping", "rid": str(n)})
        replies = [await client.receive() for _ in range(5)]
        expected = {"type": "pong", "server_time": START_MS}
        assert [{**expected, "rid": str(n)} for n in range(5)] == replies
        assert len(client.frames) < 1 + 5  # the welcome, then at least one batch

    async def test_frame_just_under_the_limit_is_accepted(
        self, client: ProtocolClient
    ) -> None:
        """A frame of 60 KiB is within the 64 KiB limit."""
        await client.hello()
        assert (await client.request({"type": "ping", "pad": "x" * 61440}))[
            "type"
        ] == "pong"


class TestPurchase:
    """``purchase_energy_refill`` end to end (PROTOCOL.md "Messages the seed fixes")."""

    async def test_overcharge_then_replay_then_rejections(
        self, client: ProtocolClient
    ) -> None:
        """The seed's purchase flow: buy, replay the key, then two refusals."""
        await client.hello()
        key = str(uuid.uuid4())
        bought = await client.purchase("overcharge", key)
        assert bought["type"] == "energy_updated"
        assert (bought["energy"], bought["diamonds"]) == (150, 950)
        uuid.UUID(bought["transaction_id"])
        assert bought == await client.purchase("overcharge", key)
        assert await client.diamonds() == 950
        assert (await client.purchase("full"))["code"] == "energy_full"
        missing = await client.purchase("mega")
        assert (missing["type"], missing["code"]) == ("error", "not_found")
        assert await client.diamonds() == 950

    async def test_full_refill_when_full_is_energy_full(
        self, client: ProtocolClient
    ) -> None:
        """A new player is at max energy, so ``full`` has nothing to refill."""
        await client.hello()
        reply = await client.purchase("full")
        assert {"type", "code", "message"} == set(reply)
        assert (reply["type"], reply["code"]) == ("error", "energy_full")

    async def test_time_skip_then_replay_then_refusals(
        self, client: ProtocolClient
    ) -> None:
        """``purchase_time_skip`` → ``time_skipped``; a replayed key debits once."""
        await client.hello()
        message = {
            "type": "purchase_time_skip",
            "skip_type": "one_week",
            "idempotency_key": str(uuid.uuid4()),
        }
        skipped = await client.request(message)
        assert ("time_skipped", 900, "one_week", 7) == (
            skipped["type"],
            skipped["diamonds"],
            skipped["skip_type"],
            skipped["game_day"],
        )
        assert skipped == await client.request(message)
        state = (await client.request({"type": "get_state"}))["state"]
        assert (900, 7) == (state["account"]["diamonds"], state["clock"]["game_day"])
        unknown = await client.request(
            {**message, "skip_type": "forever", "idempotency_key": "u1"}
        )
        assert ("error", "not_found") == (unknown["type"], unknown["code"])
        typed = await client.request(
            {**message, "skip_type": 7, "idempotency_key": "u2"}
        )
        assert ("error", "bad_request") == (typed["type"], typed["code"])
        assert 900 == await client.diamonds()

    async def test_the_seed_example_through_the_protocol(
        self, client: ProtocolClient
    ) -> None:
        """Create a character, spend energy resting, buy ``full``: 1000 → 965.

        Birth unlocks ``first_breath``, pushed after the reply; it pays an item,
        not diamonds, so the balance is the seed's. (Whether resting moves a quest
        depends on the day's quests, drawn from the player's random seed.)
        """
        await client.hello()
        created, pushed = await client.exchange(
            {"type": "create_character", "name": "Ada Bao"}
        )
        assert ("character_created", "Ada Bao", "baby") == (
            created["type"],
            created["name"],
            created["stage"],
        )
        assert [
            {
                "type": "achievement_unlocked",
                "achievement": "first_breath",
                "category": "life",
                "name": "Hello, world",
            }
        ] == pushed
        rested, pushed = await client.exchange(
            {"type": "do_activity", "activity": "rest"}
        )
        assert ("activity_result", 95) == (rested["type"], rested["energy"])
        assert {"quest_progress"} >= {p["type"] for p in pushed}
        busy, pushed = await client.exchange(
            {"type": "do_activity", "activity": "rest"}
        )
        assert ("error", "busy", []) == (busy["type"], busy["code"], pushed)
        bought = await client.purchase("full")
        assert ("energy_updated", 100, 965) == (
            bought["type"],
            bought["energy"],
            bought["diamonds"],
        )
        state = (await client.request({"type": "get_state"}))["state"]
        assert ("Ada Bao", "home") == (
            state["character"]["name"],
            state["character"]["location"],
        )

    @pytest.mark.parametrize("at", [0, "yesterday", START_MS + 10**9])
    async def test_client_sent_at_is_ignored(
        self, client: ProtocolClient, store: InMemoryStore, clock: FakeClock, at: Any
    ) -> None:
        """The server stamps ``at`` from its own clock, whatever the client sent."""
        player = (await client.hello())["player_id"]
        clock.advance(5000)
        reply = await client.request(
            {
                "type": "purchase_energy_refill",
                "refill_type": "overcharge",
                "idempotency_key": "k1",
                "at": at,
            }
        )
        assert reply["type"] == "energy_updated"
        assert store.journals[player][-1].at == START_MS + 5000


BAD_FRAMES: dict[str, dict[str, Any] | str | bytes] = {
    "not-json": '{"type": "ping"',
    "array": "[1, 2]",
    "string": '"ping"',
    "no-type": {"refill_type": "full", "idempotency_key": "k"},
    "type-number": {"type": 3},
    "refill-type-number": {
        "type": "purchase_energy_refill",
        "refill_type": 5,
        "idempotency_key": "k",
    },
    "no-idempotency-key": {"type": "purchase_energy_refill", "refill_type": "full"},
    "bad-idempotency-key": {
        "type": "purchase_energy_refill",
        "refill_type": "overcharge",
        "idempotency_key": "has spaces",
    },
    "unknown-type": {"type": "buy_everything"},
    "binary": b'{"type": "ping"}',
    "deep-nesting": "[" * 30_000 + "]" * 30_000,
}
BAD_CODES = {"unknown-type": "unknown_type"}


class TestBadInput:
    """Bad frames get an error, change nothing and leave the connection open."""

    @pytest.mark.parametrize("name", sorted(BAD_FRAMES))
    async def test_bad_frame_is_refused_harmlessly(
        self, client: ProtocolClient, store: InMemoryStore, name: str
    ) -> None:
        """Each bad frame gets its code; the state and connection survive."""
        player = (await client.hello())["player_id"]
        before = store.players[player]
        await client.send(BAD_FRAMES[name])
        reply = await client.receive()
        assert {"type", "code", "message"} == set(reply)
        assert ("error", BAD_CODES.get(name, "bad_request")) == (
            reply["type"],
            reply["code"],
        )
        assert before == store.players[player]
        assert (await client.request({"type": "ping"}))["type"] == "pong"

    async def test_huge_frame_closes_with_1009(self, client: ProtocolClient) -> None:
        """A frame over 64 KiB closes the connection with 1009 (message too big)."""
        await client.hello()
        await client.send({"type": "ping", "pad": "x" * 70_000})
        assert await close_code(client.connection) == 1009


class ExplodingService(GameService):
    """A service whose ``execute`` fails unexpectedly."""

    def execute(self, player_id: str, command: Any) -> Any:
        raise RuntimeError(f"storage exploded for {player_id}")


class TestInternalError:
    """Unexpected exceptions become ``internal`` errors with an id."""

    @pytest.fixture
    def service(self, store: InMemoryStore) -> GameService:
        return ExplodingService(store, load_catalog())

    async def test_unexpected_exception_is_internal_with_error_id(
        self, client: ProtocolClient
    ) -> None:
        """The client gets an error id, no traceback, and the connection stays up."""
        await client.hello()
        with structlog.testing.capture_logs() as logs:
            reply = await client.purchase("overcharge")
        assert "Traceback" not in reply["message"]
        assert {"type", "code", "message", "error_id"} == set(reply)
        assert (reply["code"], reply["message"]) == ("internal", "internal error")
        logged = [e for e in logs if e["event"] == "internal_error"]
        assert [reply["error_id"]] == [e["error_id"] for e in logged]
        assert (await client.request({"type": "ping"}))["type"] == "pong"


class TestLogging:
    """One structured line per request, without personal data."""

    async def test_one_line_per_request_without_device_or_token(
        self, client: ProtocolClient
    ) -> None:
        """Lines carry type, player, outcome and duration; never device or token."""
        device = str(uuid.uuid4())
        with structlog.testing.capture_logs() as logs:
            welcome = await client.hello(device)
            await client.purchase("full")
            await client.request({"type": "ping"})
        requests = [e for e in logs if e["event"] == "request"]
        assert [(e["type"], e["outcome"]) for e in requests] == [
            ("hello", "ok"),
            ("purchase_energy_refill", "energy_full"),
            ("ping", "ok"),
        ]
        for entry in requests:
            assert welcome["player_id"] == entry["player_id"]
            assert entry["duration_ms"] >= 0
        text = repr(logs)
        assert device not in text
        assert welcome["token"] not in text


async def _resume(client: ProtocolClient, token: str) -> dict[str, Any]:
    return await client.request({"type": "hello", "token": token})


class TestEventPrompts:
    """Questions a command's events posed become ``event_prompt`` pushes."""

    def test_question_posed_becomes_a_prompt(self) -> None:
        """Only ``QuestionPosed`` events are pushed, with the fields clients show."""
        from baolife_core import LifeEventOccurred, QuestionPosed
        from baolife_transport_ws.session import event_prompts

        posed = QuestionPosed(
            at=1,
            life=1,
            question_id="q-1",
            event_id="school_bully",
            title="Trouble",
            text="What now?",
            choices=(("tell", "Tell a teacher"), ("fight", "Fight back")),
            expires_day=12,
            day=9,
        )
        other = LifeEventOccurred(
            at=1, life=1, event_id="first_words", title="Words", text="Hi", day=9
        )
        assert [
            {
                "type": "event_prompt",
                "question_id": "q-1",
                "event_id": "school_bully",
                "title": "Trouble",
                "text": "What now?",
                "choices": [
                    {"id": "tell", "text": "Tell a teacher"},
                    {"id": "fight", "text": "Fight back"},
                ],
                "expires_day": 12,
            }
        ] == event_prompts([other, posed])
