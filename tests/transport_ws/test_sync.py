"""The ``sync_offline`` frame: a client's offline queue replayed by a real server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from baolife_core import (
    CreateCharacter,
    GameService,
    InMemoryStore,
    StartConversation,
    load_catalog,
)
from baolife_core.clock import MS_PER_DAY
from baolife_core.offline import CLOCK_SKEW_MS, MAX_OFFLINE_ACTIONS, OFFLINE_WINDOW_MS

from .support import START_MS, FakeClock, ProtocolClient

HOUR = 3_600_000


async def _player(client: ProtocolClient, clock: FakeClock) -> str:
    """A logged-in player, then three hours pass offline."""
    welcome = await client.hello()
    clock.advance(3 * HOUR)
    player: str = welcome["player_id"]
    return player


def _seq(store: InMemoryStore, player: str) -> int:
    return len(store.journal(player))


class TestSync:
    """Actions apply in ``at`` order with one result each, in the order sent."""

    async def test_applies_the_queue(
        self, client: ProtocolClient, clock: FakeClock, store: InMemoryStore
    ) -> None:
        """Results align with the actions; the journal runs in ``at`` order."""
        player = await _player(client, clock)
        actions = [
            {"type": "do_activity", "activity": "rest", "at": START_MS + 2 * HOUR},
            {"type": "create_character", "name": "Ada", "at": START_MS + HOUR},
        ]
        reply = await client.request({"type": "sync_offline", "actions": actions})
        assert "sync_result" == reply["type"]
        assert 2 == reply["applied"]
        assert ["activity_result", "character_created"] == [
            result["type"] for result in reply["results"]
        ]
        assert "Ada" == reply["state"]["character"]["name"]
        journal = store.journal(player)
        assert [START_MS + HOUR, START_MS + 2 * HOUR] == [r.at for r in journal[1:]]

    async def test_the_reply_matches_the_state_after(
        self, client: ProtocolClient, clock: FakeClock
    ) -> None:
        """``sync_result.state`` is the view ``get_state`` then reads."""
        await _player(client, clock)
        actions = [{"type": "create_character", "at": START_MS + HOUR}]
        reply, _ = await client.exchange({"type": "sync_offline", "actions": actions})
        state = await client.request({"type": "get_state"})
        assert state["state"] == reply["state"]

    async def test_keys_answer_their_first_reply(
        self, client: ProtocolClient, clock: FakeClock, store: InMemoryStore
    ) -> None:
        """A key claimed online, then twice more offline, claims once."""
        player = await _player(client, clock)
        claim = {"type": "claim_daily_reward", "idempotency_key": "k-1"}
        first, _ = await client.exchange(claim)
        assert "daily_reward_claimed" == first["type"]
        before = _seq(store, player)
        actions = [{**claim, "at": START_MS + HOUR}, {**claim, "at": START_MS + HOUR}]
        reply = await client.request({"type": "sync_offline", "actions": actions})
        assert 0 == reply["applied"]
        assert [first, first] == reply["results"]
        assert before == _seq(store, player)

    async def test_an_empty_queue_applies_nothing(
        self, client: ProtocolClient, clock: FakeClock
    ) -> None:
        """An empty sync answers the state, nothing applied."""
        await _player(client, clock)
        reply = await client.request({"type": "sync_offline", "actions": []})
        assert (0, []) == (reply["applied"], reply["results"])

    async def test_pushes_follow_the_result(
        self, client: ProtocolClient, clock: FakeClock
    ) -> None:
        """Achievements a synced action unlocks are pushed after the result."""
        await _player(client, clock)
        actions = [{"type": "create_character", "at": START_MS + HOUR}]
        reply, pushes = await client.exchange(
            {"type": "sync_offline", "actions": actions}
        )
        assert "sync_result" == reply["type"]
        assert "achievement_unlocked" in {push["type"] for push in pushes}
        assert {"achievement_unlocked", "quest_progress"} >= {
            push["type"] for push in pushes
        }

    @pytest.mark.parametrize("line", ["I wrote this myself", 7])
    async def test_a_client_line_is_dropped(
        self,
        client: ProtocolClient,
        clock: FakeClock,
        service: GameService,
        store: InMemoryStore,
        line: Any,
    ) -> None:
        """An offline action's ``line`` (a text writer's field) is dropped, as
        in a live frame: the action applies with the server's line."""
        catalog = load_catalog()
        year = catalog.life.days_per_year * MS_PER_DAY // catalog.clock.time_scale
        device, born = str(uuid.uuid4()), clock.now - 19 * year
        player = service.login_device(
            device, new_player_id=str(uuid.uuid4()), seed=5, at=born
        )
        service.execute(player, CreateCharacter(at=born))
        await client.hello(device)
        state = await client.request({"type": "get_state"})
        family = state["state"]["character"]["family"]
        mother = next(p["id"] for p in family if p["role"] == "mother")
        action = {
            "type": "start_conversation",
            "npc_id": mother,
            "line": line,
            "at": clock.now,
        }
        reply = await client.request({"type": "sync_offline", "actions": [action]})
        (result,) = reply["results"]
        assert (1, "conversation_opened") == (reply["applied"], result["type"])
        assert line != result["line"]
        talk = store.journal(player)[-1]
        assert isinstance(talk, StartConversation)
        assert talk.line is None


class TestRefusedActions:
    """Each bad action gets its own error; the others still apply."""

    @pytest.mark.parametrize(
        ("action", "code"),
        [
            ("not an object", "bad_request"),
            ({"at": START_MS}, "bad_request"),
            ({"type": 7, "at": START_MS}, "bad_request"),
            ({"type": "fly", "at": START_MS}, "unknown_type"),
            ({"type": "revoke_store_purchase", "at": START_MS}, "unknown_type"),
            ({"type": "get_state", "at": START_MS}, "not_allowed_offline"),
            ({"type": "hello", "at": START_MS}, "not_allowed_offline"),
            ({"type": "sync_offline", "at": START_MS}, "not_allowed_offline"),
            ({"type": "export_data", "at": START_MS}, "not_allowed_offline"),
            ({"type": "check_daily_login", "at": START_MS}, "not_allowed_offline"),
            (
                {
                    "type": "credit_store_purchase",
                    "product_id": "com.baolife.diamonds.550",
                    "transaction_id": "t-1",
                    "signed_transaction": "x",
                    "at": START_MS,
                },
                "not_allowed_offline",
            ),
            ({"type": "create_character"}, "bad_request"),
            ({"type": "create_character", "at": "soon"}, "bad_request"),
            ({"type": "create_character", "at": True}, "bad_request"),
            ({"type": "create_character", "at": 1.5e12}, "bad_request"),
            ({"type": "create_character", "at": 2**70}, "bad_request"),
            ({"type": "create_character", "at": -1}, "bad_request"),
            ({"type": "create_character", "at": START_MS, "name": 5}, "bad_request"),
            (
                {"type": "create_character", "at": START_MS - OFFLINE_WINDOW_MS},
                "stale_action",
            ),
            (
                {"type": "create_character", "at": START_MS - 1},
                "stale_action",
            ),
            (
                {
                    "type": "create_character",
                    "at": START_MS + 3 * HOUR + CLOCK_SKEW_MS + 1,
                },
                "bad_request",
            ),
        ],
    )
    async def test_refused_action(
        self,
        client: ProtocolClient,
        clock: FakeClock,
        store: InMemoryStore,
        action: Any,
        code: str,
    ) -> None:
        """The bad action is refused with its code; the good one after it applies."""
        player = await _player(client, clock)
        good = {"type": "do_activity", "activity": "rest", "at": START_MS + HOUR}
        create = {"type": "create_character", "at": START_MS + HOUR}
        reply = await client.request(
            {"type": "sync_offline", "actions": [create, action, good]}
        )
        bad = reply["results"][1]
        assert ("error", code) == (bad["type"], bad["code"]), bad
        assert isinstance(bad["message"], str)
        assert 2 == reply["applied"]
        assert 3 == _seq(store, player)

    @pytest.mark.parametrize(
        "frame",
        [
            {"type": "sync_offline"},
            {"type": "sync_offline", "actions": {"type": "ping"}},
            {"type": "sync_offline", "actions": "[]"},
            {
                "type": "sync_offline",
                "actions": [{"type": "create_character", "at": START_MS + HOUR}]
                * (MAX_OFFLINE_ACTIONS + 1),
            },
        ],
    )
    async def test_a_bad_frame_applies_nothing(
        self,
        client: ProtocolClient,
        clock: FakeClock,
        store: InMemoryStore,
        frame: dict[str, Any],
    ) -> None:
        """No array of actions, or too many: ``bad_request``, nothing applied."""
        player = await _player(client, clock)
        assert len(json.dumps(frame)) < 65_536
        reply = await client.request(frame)
        assert ("error", "bad_request") == (reply["type"], reply["code"])
        assert 1 == _seq(store, player)

    async def test_needs_a_session(self, client: ProtocolClient) -> None:
        """Before ``hello`` a sync is ``unauthenticated``."""
        reply = await client.request({"type": "sync_offline", "actions": []})
        assert "unauthenticated" == reply["code"]
