"""End to end, every message a client may send: a real client, a real server.

``CASES`` holds one well-formed frame per client-sendable type (``sync_offline``
has its own tests, ``test_sync``), sent after ``hello`` and after the case's setup
frames, with the answer it gets: the reply type ``docs/protocol.md`` names in the
message's heading, or an error code of the doc's errors table that the message's
section names. A type the session routes without a case here fails
``test_every_type_has_a_case``, so a new message cannot ship without one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen

from baolife_app.receipts import DevelopmentReceiptVerifier
from baolife_core import GameService, InMemoryStore, load_catalog
from baolife_transport_ws import session

from .conftest import Connect
from .support import ProtocolClient

PROTOCOL = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(
    encoding="utf-8"
)
#: Tested elsewhere (``test_sync``): the offline queue's replay.
ELSEWHERE = frozenset({"sync_offline"})
PACK = "com.baolife.diamonds.550"

#: What a case's frame is built from: the replies of its setup, by type
#: (``welcome`` included).
Context = Mapping[str, dict[str, Any]]
Frame = dict[str, Any] | Callable[[Context], dict[str, Any]]

CREATE = {"type": "create_character", "name": "Ada Lovelace", "gender": "female"}
STATE = {"type": "get_state"}


@frozen
class Case:
    """A frame, the setup before it, and the answer it gets."""

    frame: Frame  # the message, or a function of the setup's replies
    expect: str  # the reply type, or the error code
    setup: tuple[dict[str, Any], ...] = ()  # sent first; each must succeed
    first: bool = False  # sent as the first frame of a new connection


def _key() -> str:
    return str(uuid.uuid4())


def _mother(context: Context) -> str:
    """The id of the character's mother, from the ``state`` of the setup."""
    family = context["state"]["state"]["character"]["family"]
    mother: str = next(person["id"] for person in family if person["role"] == "mother")
    return mother


CASES: dict[str, Case] = {
    # Session
    "hello": Case({"type": "hello"}, "welcome", first=True),
    "get_state": Case(STATE, "state"),
    "ping": Case({"type": "ping"}, "pong"),
    # Life
    "create_character": Case(CREATE, "character_created"),
    "do_activity": Case(
        {"type": "do_activity", "activity": "rest"}, "activity_result", (CREATE,)
    ),
    "answer_question": Case(
        {"type": "answer_question", "question_id": "q-1", "choice": "stand_up"},
        "not_found",
        (CREATE,),
    ),
    "enroll": Case(
        {"type": "enroll", "school": "university"}, "requirements_not_met", (CREATE,)
    ),
    "apply_for_job": Case(
        {"type": "apply_for_job", "job": "retail_clerk"},
        "requirements_not_met",
        (CREATE,),
    ),
    "quit_job": Case({"type": "quit_job"}, "invalid_state", (CREATE,)),
    "retire": Case({"type": "retire"}, "requirements_not_met", (CREATE,)),
    "start_conversation": Case(
        lambda context: {"type": "start_conversation", "npc_id": _mother(context)},
        "age_restricted",  # a baby does not talk yet
        (CREATE, STATE),
    ),
    "reply_conversation": Case(
        {"type": "reply_conversation", "conversation_id": "c-1", "reply": "joke"},
        "not_found",
        (CREATE,),
    ),
    # Retention
    "set_utc_offset": Case(
        {"type": "set_utc_offset", "minutes": 120}, "utc_offset_changed"
    ),
    "check_daily_login": Case({"type": "check_daily_login"}, "daily_login_status"),
    "claim_daily_reward": Case(
        {"type": "claim_daily_reward", "idempotency_key": _key()},
        "daily_reward_claimed",
    ),
    "get_quests": Case({"type": "get_quests"}, "quest_list"),
    "claim_quest_reward": Case(
        lambda context: {
            "type": "claim_quest_reward",
            "quest": context["quest_list"]["quests"][0]["quest"],
            "idempotency_key": _key(),
        },
        "invalid_state",  # not completed yet
        # Today's quests are drawn by the player's first command of the day.
        ({"type": "set_utc_offset", "minutes": 0}, {"type": "get_quests"}),
    ),
    "get_achievements": Case({"type": "get_achievements"}, "achievement_list"),
    "get_statistics": Case({"type": "get_statistics"}, "statistics_report"),
    "get_photo_album": Case({"type": "get_photo_album"}, "photo_album"),
    "get_inventory": Case({"type": "get_inventory"}, "inventory"),
    "use_item": Case({"type": "use_item", "item": "energy_drink"}, "not_found"),
    "tutorial_step": Case(
        {"type": "tutorial_step", "step": "welcome"}, "tutorial_progress"
    ),
    "skip_tutorial": Case({"type": "skip_tutorial"}, "tutorial_progress"),
    # Dating
    "set_dating_preferences": Case(
        {"type": "set_dating_preferences", "seeking": [], "interests": ["hiking"]},
        "age_restricted",
        (CREATE,),
    ),
    "get_matches": Case({"type": "get_matches"}, "match_list", (CREATE,)),
    "like": Case({"type": "like", "npc_id": "n-1"}, "age_restricted", (CREATE,)),
    "pass": Case({"type": "pass", "npc_id": "n-1"}, "age_restricted", (CREATE,)),
    "go_on_date": Case(
        {"type": "go_on_date", "npc_id": "n-1", "venue": "park", "activity": "walk"},
        "age_restricted",
        (CREATE,),
    ),
    "advance_relationship": Case(
        {"type": "advance_relationship", "npc_id": "n-1"}, "not_found", (CREATE,)
    ),
    "break_up": Case({"type": "break_up", "npc_id": "n-1"}, "not_found", (CREATE,)),
    "get_relationships": Case(
        {"type": "get_relationships"}, "relationship_list", (CREATE,)
    ),
    # Store
    "purchase_energy_refill": Case(
        {
            "type": "purchase_energy_refill",
            "refill_type": "overcharge",
            "idempotency_key": _key(),
        },
        "energy_updated",
    ),
    "purchase_time_skip": Case(
        {
            "type": "purchase_time_skip",
            "skip_type": "one_hour",
            "idempotency_key": _key(),
        },
        "time_skipped",
    ),
    "credit_store_purchase": Case(
        {
            "type": "credit_store_purchase",
            "product_id": PACK,
            "transaction_id": "2000000123456789",
            "signed_transaction": f"dev:{PACK}:2000000123456789",
        },
        "store_purchase_result",
    ),
    # Account (GDPR)
    "export_data": Case({"type": "export_data"}, "data_export"),
    "request_account_deletion": Case(
        {"type": "request_account_deletion"}, "account_deletion_scheduled"
    ),
    "cancel_account_deletion": Case(
        {"type": "cancel_account_deletion"}, "account_deletion_cancelled"
    ),
}


def _sections(doc: str) -> dict[str, str]:
    """Each message's ``###`` section, with the intro of its ``##`` chapter,
    by every message name its heading quotes."""
    sections: dict[str, str] = {}
    for chapter in re.split(r"^## ", doc, flags=re.MULTILINE)[1:]:
        intro, *parts = re.split(r"^### ", chapter, flags=re.MULTILINE)
        for part in parts:
            heading = part.partition("\n")[0]
            for name in re.findall(r"`([a-z_]+)`", heading):
                sections.setdefault(name, f"{intro}\n{part}")
    return sections


def _documented_reply(name: str) -> str | None:
    """The reply type the heading ``### `name` → `reply``` names, if any."""
    for heading in re.findall(r"^### (.*)$", PROTOCOL, flags=re.MULTILINE):
        asked, _, answered = heading.partition("→")
        replies: list[str] = re.findall(r"`([a-z_]+)`", answered)
        if name in re.findall(r"`([a-z_]+)`", asked) and replies:
            return replies[0]
    return None


SECTIONS = _sections(PROTOCOL)
ERROR_CODES = frozenset(
    re.findall(
        r"^\| `([a-z_]+)` \|",
        PROTOCOL.partition("\n## Errors\n")[2].partition("\n## ")[0],
        flags=re.MULTILINE,
    )
)


@pytest.fixture
def service(store: InMemoryStore) -> GameService:
    """The bundled content and the development verifier (``dev:…`` receipts)."""
    return GameService(store, load_catalog(), verifier=DevelopmentReceiptVerifier())


class TestEveryMessage:
    """Each client message, well formed, gets its documented answer."""

    def test_every_type_has_a_case(self) -> None:
        """The table covers exactly the types the session routes."""
        assert sorted(session._KNOWN_TYPES - ELSEWHERE) == sorted(CASES)

    @pytest.mark.parametrize("name", sorted(CASES))
    def test_the_expected_answer_is_documented(self, name: str) -> None:
        """A reply is the heading's; an error code is in the table and the section."""
        case = CASES[name]
        if case.expect in ERROR_CODES:
            assert f"`{case.expect}`" in SECTIONS[name]
        else:
            assert case.expect == _documented_reply(name)

    @pytest.mark.parametrize("name", sorted(CASES))
    async def test_message_gets_its_answer(
        self, client: ProtocolClient, connect: Connect, name: str
    ) -> None:
        """After ``hello`` and the setup, the frame gets the expected answer."""
        case = CASES[name]
        device = str(uuid.uuid4())
        context: dict[str, dict[str, Any]] = {"welcome": await client.hello(device)}
        for message in case.setup:
            reply, _ = await client.exchange(message)
            assert "error" != reply["type"], (message, reply)
            context[reply["type"]] = reply
        frame = case.frame(context) if callable(case.frame) else dict(case.frame)
        assert name == frame["type"]
        if case.first:  # a second device connection: the first frame is hello
            client = await connect()
            frame["device_id"] = device
        reply = await client.request(frame)
        if case.first:
            assert context["welcome"]["player_id"] == reply["player_id"]
        outcome = reply["code"] if reply["type"] == "error" else reply["type"]
        assert case.expect == outcome, reply
        if reply["type"] == "error":
            assert "Traceback" not in reply["message"]
