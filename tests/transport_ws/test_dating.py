"""Dating over the wire: preferences, suggestions, likes, the ``match_made`` push,
dates and relationships; bad input to every dating command (docs/protocol.md
"Dating").

A player is created through the service with a character born 19 game years before
the server's clock, so it is old enough to date when the client says ``hello``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from attrs import define, field

from baolife_core import (
    CreateCharacter,
    GameService,
    InMemoryStore,
    ReplyConversation,
    StartConversation,
    load_catalog,
    replay,
    state_hash,
)
from baolife_core.clock import MS_PER_DAY
from baolife_core.events import MatchMade
from baolife_core.ports import BioRequest, LineRequest
from baolife_transport_ws.session import pushes

from .support import FakeClock, ProtocolClient

CATALOG = load_catalog()
#: Wall ms of one game day and one game year.
DAY_MS = MS_PER_DAY // CATALOG.clock.time_scale
YEAR_MS = CATALOG.life.days_per_year * DAY_MS
#: A player seed whose first pool holds NPCs that like back.
SEED = 5
#: The most pools a test looks through for a match before it gives up.
MAX_POOLS = 10


async def adult(
    client: ProtocolClient,
    service: GameService,
    clock: FakeClock,
    seed: int = SEED,
    years: int = 19,
) -> str:
    """Log ``client`` in as a new player whose character is ``years`` old now."""
    device = str(uuid.uuid4())
    born = clock.now - years * YEAR_MS
    player_id = service.login_device(
        device, new_player_id=str(uuid.uuid4()), seed=seed, at=born
    )
    service.execute(player_id, CreateCharacter(at=born))
    await client.hello(device)
    return player_id


async def view(client: ProtocolClient) -> dict[str, Any]:
    """The client view now."""
    reply = await client.request({"type": "get_state"})
    assert "state" == reply["type"]
    state: dict[str, Any] = reply["state"]
    return state


async def find_match(
    client: ProtocolClient, clock: FakeClock, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Like suggestions until one likes back: (its ``get_matches`` entry, the
    ``match_made`` push). A pool without a match is left for the next one.
    ``extra`` fields ride along in each ``like`` frame."""
    for _ in range(MAX_POOLS):
        listed = await client.request({"type": "get_matches"})
        assert "match_list" == listed["type"]
        for entry in listed["matches"]:
            reply, pushed = await client.exchange(
                {"type": "like", "npc_id": entry["npc_id"], **extra}
            )
            assert "like_result" == reply["type"], reply
            assert entry["npc_id"] == reply["npc_id"]
            made = [p for p in pushed if p["type"] == "match_made"]
            assert len(made) == int(reply["matched"])
            if reply["matched"]:
                return entry, made[0]
        clock.now = max(clock.now, listed["refreshes_day"] * DAY_MS)
        clock.advance(CATALOG.dating.pool_days * DAY_MS)
    raise AssertionError(f"no match in {MAX_POOLS} pools")


class TestDatingThroughTheProtocol:
    """A player sets preferences, finds a match, dates it, and sees it listed."""

    async def test_preferences_match_date_relationship(
        self,
        client: ProtocolClient,
        service: GameService,
        store: InMemoryStore,
        clock: FakeClock,
    ) -> None:
        """Every step answers its documented message; the journal replays exactly."""
        player_id = await adult(client, service, clock)
        preferences, _ = await client.exchange(
            {
                "type": "set_dating_preferences",
                "seeking": [],
                "interests": ["hiking", "cooking", "jazz"],
                "dealbreakers": ["no_smokers"],
            }
        )
        assert {
            "type": "dating_preferences_updated",
            "seeking": [],
            "min_age": preferences["min_age"],
            "max_age": preferences["max_age"],
            "interests": ["cooking", "hiking", "jazz"],
            "dealbreakers": ["no_smokers"],
        } == preferences
        assert CATALOG.dating.min_age <= preferences["min_age"]
        assert preferences["min_age"] <= preferences["max_age"]

        entry, made = await find_match(client, clock)
        assert {
            "type": "match_made",
            "npc_id": entry["npc_id"],
            "name": entry["name"],
            "gender": entry["gender"],
            "age": entry["age"],
            "bio": entry["bio"],
            "compatibility": entry["compatibility"],
            "reasons": entry["reasons"],
            "day": made["day"],
        } == made

        album = (await view(client))["album"]
        date, _ = await client.exchange(
            {
                "type": "go_on_date",
                "npc_id": entry["npc_id"],
                "venue": "park",
                "activity": "walk",
            }
        )
        assert "date_result" == date["type"], date
        assert (entry["npc_id"], "park", "walk") == (
            date["npc_id"],
            date["venue"],
            date["activity"],
        )
        assert "dating" == date["stage"]
        state = await view(client)
        assert date["energy"] == state["account"]["energy"]
        assert date["money_cents"] == state["character"]["money_cents"]
        taken = [p["caption"] for p in state["album"][len(album) :]]
        assert ([] if date["photo"] is None else [date["photo"]]) == taken

        listed = await client.request({"type": "get_relationships"})
        assert "relationship_list" == listed["type"]
        [relationship] = listed["relationships"]
        assert (entry["npc_id"], "dating", 1, "partner") == (
            relationship["npc_id"],
            relationship["stage"],
            relationship["dates"],
            relationship["next_stage"],
        )
        assert (date["affection"], date["npc_affection"]) == (
            relationship["affection"],
            relationship["npc_affection"],
        )
        stored = store.load(player_id)
        assert stored is not None
        assert state_hash(stored.state) == state_hash(
            replay(store.journal(player_id), CATALOG)
        )

    async def test_advance_and_break_up(
        self, client: ProtocolClient, service: GameService, clock: FakeClock
    ) -> None:
        """Asking too early is ``requirements_not_met``; a break-up ends it."""
        await adult(client, service, clock)
        entry, _ = await find_match(client, clock)
        npc = entry["npc_id"]
        early = await client.request({"type": "advance_relationship", "npc_id": npc})
        assert ("error", "invalid_state") == (early["type"], early["code"])
        date, _ = await client.exchange(
            {"type": "go_on_date", "npc_id": npc, "venue": "park", "activity": "walk"}
        )
        # The seed's first date is memorable: an album photo.
        assert ("great", "dating") == (date["outcome"], date["stage"])
        state = await view(client)
        assert date["photo"] == state["album"][-1]["caption"]
        asked = await client.request({"type": "advance_relationship", "npc_id": npc})
        assert ("error", "requirements_not_met") == (asked["type"], asked["code"])
        ended, _ = await client.exchange({"type": "break_up", "npc_id": npc})
        assert {
            "type": "break_up_result",
            "npc_id": npc,
            "stage": "ended",
            "assets_split_cents": 0,
            "money_cents": date["money_cents"],
        } == ended
        listed = await client.request({"type": "get_relationships"})
        assert [] == listed["relationships"]

    @pytest.mark.parametrize("bio", ["I wrote this myself", "x" * 501, 7])
    async def test_a_client_bio_is_dropped(
        self,
        client: ProtocolClient,
        service: GameService,
        store: InMemoryStore,
        clock: FakeClock,
        bio: Any,
    ) -> None:
        """A ``bio`` the client sends is ignored: the match and the journal carry
        the bio the server showed (the text writer's field, not the client's)."""
        player_id = await adult(client, service, clock)
        entry, made = await find_match(client, clock, bio=bio)
        assert entry["bio"] == made["bio"]
        likes = [r for r in store.journal(player_id) if type(r).__name__ == "Like"]
        assert all(getattr(like, "bio", None) != bio for like in likes)

    @pytest.mark.parametrize("line", ["I wrote this myself", "x" * 501, 7])
    async def test_a_client_line_is_dropped(
        self,
        client: ProtocolClient,
        service: GameService,
        store: InMemoryStore,
        clock: FakeClock,
        line: Any,
    ) -> None:
        """A ``line`` the client sends with ``start_conversation`` or
        ``reply_conversation`` is ignored: the replies and the journal carry the
        line the server wrote (the text writer's field, not the client's)."""
        player_id = await adult(client, service, clock)
        family = (await view(client))["character"]["family"]
        mother = next(p["id"] for p in family if p["role"] == "mother")
        opened, _ = await client.exchange(
            {"type": "start_conversation", "npc_id": mother, "line": line}
        )
        assert "conversation_opened" == opened["type"], opened
        answered, _ = await client.exchange(
            {
                "type": "reply_conversation",
                "conversation_id": opened["conversation_id"],
                "reply": opened["replies"][0][0],
                "line": line,
            }
        )
        assert "conversation_result" == answered["type"], answered
        assert line not in (opened["line"], answered["line"])
        talks = [
            r
            for r in store.journal(player_id)
            if isinstance(r, StartConversation | ReplyConversation)
        ]
        assert 2 == len(talks)
        assert [None, None] == [talk.line for talk in talks]

    async def test_a_pass_is_not_suggested_again(
        self, client: ProtocolClient, service: GameService, clock: FakeClock
    ) -> None:
        """A passed NPC leaves the suggestions and cannot be liked."""
        await adult(client, service, clock)
        first = (await client.request({"type": "get_matches"}))["matches"][0]
        passed, _ = await client.exchange({"type": "pass", "npc_id": first["npc_id"]})
        assert {"type": "passed", "npc_id": first["npc_id"]} == passed
        listed = await client.request({"type": "get_matches"})
        assert first["npc_id"] not in [e["npc_id"] for e in listed["matches"]]
        again = await client.request({"type": "like", "npc_id": first["npc_id"]})
        assert ("error", "not_found") == (again["type"], again["code"])

    async def test_a_child_is_too_young(
        self, client: ProtocolClient, service: GameService, clock: FakeClock
    ) -> None:
        """Under the dating age: no suggestions, and commands are refused."""
        await adult(client, service, clock, years=10)
        listed = await client.request({"type": "get_matches"})
        assert [] == listed["matches"]
        refused, _ = await client.exchange({"type": "set_dating_preferences"})
        assert ("error", "age_restricted") == (refused["type"], refused["code"])

    async def test_queries_need_a_hello(self, client: ProtocolClient) -> None:
        """Dating reads are refused before login like any request."""
        for query in ("get_matches", "get_relationships"):
            refused = await client.request({"type": query})
            assert ("error", "unauthenticated") == (refused["type"], refused["code"])


#: Bad dating frames, each with the code it is answered. ``NPC`` stands for the id
#: of the player's match; ``SUGGESTED`` for a current suggestion's.
NPC = "<npc>"
SUGGESTED = "<suggested>"
UNKNOWN = str(uuid.uuid4())
BAD_FRAMES: list[tuple[dict[str, Any], str]] = [
    # set_dating_preferences
    ({"type": "set_dating_preferences", "seeking": "female"}, "bad_request"),
    ({"type": "set_dating_preferences", "seeking": [1, 2]}, "bad_request"),
    ({"type": "set_dating_preferences", "seeking": [["female"]]}, "bad_request"),
    ({"type": "set_dating_preferences", "seeking": ["Female!"]}, "bad_request"),
    ({"type": "set_dating_preferences", "seeking": ["male"] * 2}, "bad_request"),
    ({"type": "set_dating_preferences", "seeking": ["robot"]}, "not_found"),
    ({"type": "set_dating_preferences", "min_age": "20"}, "bad_request"),
    ({"type": "set_dating_preferences", "min_age": 20.5}, "bad_request"),
    ({"type": "set_dating_preferences", "min_age": True}, "bad_request"),
    ({"type": "set_dating_preferences", "min_age": 10**30}, "bad_request"),
    ({"type": "set_dating_preferences", "max_age": -1}, "bad_request"),
    ({"type": "set_dating_preferences", "max_age": 151}, "bad_request"),
    ({"type": "set_dating_preferences", "min_age": 40, "max_age": 30}, "invalid_state"),
    ({"type": "set_dating_preferences", "min_age": 12}, "invalid_state"),
    ({"type": "set_dating_preferences", "interests": "hiking"}, "bad_request"),
    ({"type": "set_dating_preferences", "interests": {"hiking": 1}}, "bad_request"),
    (
        {"type": "set_dating_preferences", "interests": [f"i{n}" for n in range(17)]},
        "bad_request",
    ),
    ({"type": "set_dating_preferences", "interests": ["x" * 65]}, "bad_request"),
    ({"type": "set_dating_preferences", "interests": ["skydiving"]}, "not_found"),
    ({"type": "set_dating_preferences", "dealbreakers": None}, "bad_request"),
    ({"type": "set_dating_preferences", "dealbreakers": "no_smokers"}, "bad_request"),
    ({"type": "set_dating_preferences", "dealbreakers": ["no_robots"]}, "not_found"),
    # like
    ({"type": "like"}, "bad_request"),
    ({"type": "like", "npc_id": 42}, "bad_request"),
    ({"type": "like", "npc_id": [SUGGESTED]}, "bad_request"),
    ({"type": "like", "npc_id": "x" * 10_000}, "bad_request"),
    ({"type": "like", "npc_id": "not an id"}, "bad_request"),
    ({"type": "like", "npc_id": UNKNOWN}, "not_found"),
    ({"type": "like", "npc_id": NPC}, "not_found"),
    # pass
    ({"type": "pass"}, "bad_request"),
    ({"type": "pass", "npc_id": None}, "bad_request"),
    ({"type": "pass", "npc_id": {"id": SUGGESTED}}, "bad_request"),
    ({"type": "pass", "npc_id": UNKNOWN}, "not_found"),
    ({"type": "pass", "npc_id": NPC}, "not_found"),
    # go_on_date
    ({"type": "go_on_date", "npc_id": NPC, "venue": "park"}, "bad_request"),
    (
        {"type": "go_on_date", "npc_id": NPC, "venue": 3, "activity": "walk"},
        "bad_request",
    ),
    (
        {"type": "go_on_date", "npc_id": NPC, "venue": ["park"], "activity": "walk"},
        "bad_request",
    ),
    (
        {"type": "go_on_date", "npc_id": NPC, "venue": "park", "activity": "w" * 65},
        "bad_request",
    ),
    (
        {"type": "go_on_date", "npc_id": UNKNOWN, "venue": "park", "activity": "walk"},
        "not_found",
    ),
    (
        {
            "type": "go_on_date",
            "npc_id": SUGGESTED,
            "venue": "park",
            "activity": "walk",
        },
        "not_found",
    ),
    (
        {"type": "go_on_date", "npc_id": NPC, "venue": "moon", "activity": "walk"},
        "not_found",
    ),
    (
        {"type": "go_on_date", "npc_id": NPC, "venue": "park", "activity": "dinner"},
        "not_found",
    ),
    # advance_relationship
    ({"type": "advance_relationship"}, "bad_request"),
    ({"type": "advance_relationship", "npc_id": [NPC]}, "bad_request"),
    ({"type": "advance_relationship", "npc_id": UNKNOWN}, "not_found"),
    ({"type": "advance_relationship", "npc_id": NPC}, "invalid_state"),
    # break_up
    ({"type": "break_up"}, "bad_request"),
    ({"type": "break_up", "npc_id": {}}, "bad_request"),
    ({"type": "break_up", "npc_id": UNKNOWN}, "not_found"),
    ({"type": "break_up", "npc_id": SUGGESTED}, "not_found"),
]


def _filled(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with the ``NPC``/``SUGGESTED`` placeholders replaced by ids."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    return value


class TestBadDatingInput:
    """Every bad dating frame gets a clear error and changes nothing."""

    @pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
    async def test_refused_without_a_change(
        self,
        client: ProtocolClient,
        service: GameService,
        store: InMemoryStore,
        clock: FakeClock,
        frame: dict[str, Any],
        code: str,
    ) -> None:
        """The error names its code and a message; state and journal stay put."""
        player_id = await adult(client, service, clock)
        entry, _ = await find_match(client, clock)
        listed = await client.request({"type": "get_matches"})
        ids = {NPC: entry["npc_id"], SUGGESTED: listed["matches"][0]["npc_id"]}
        before = (await view(client), len(store.journal(player_id)))
        reply = await client.request(_filled(frame, ids))
        assert ("error", code) == (reply["type"], reply["code"])
        assert reply["message"]
        assert before == (await view(client), len(store.journal(player_id)))

    async def test_the_connection_survives_every_bad_frame(
        self, client: ProtocolClient, service: GameService, clock: FakeClock
    ) -> None:
        """All of them on one connection, then a good request still works."""
        await adult(client, service, clock)
        for frame, _ in BAD_FRAMES:
            reply = await client.request(frame)
            assert "error" == reply["type"]
        assert "match_list" == (await client.request({"type": "get_matches"}))["type"]


@define
class FakeWriter:
    """A ``TextWriter`` whose bios name the NPC."""

    bios: list[BioRequest] = field(factory=list)

    def write_line(self, request: LineRequest) -> str | None:
        return None

    def write_bio(self, request: BioRequest) -> str | None:
        self.bios.append(request)
        return f"{request.name.split()[0]} writes their own bio."


class TestWrittenBios:
    """With a text writer, suggestions and matches carry the writer's bios."""

    @pytest.fixture
    def writer(self) -> FakeWriter:
        return FakeWriter()

    @pytest.fixture
    def service(self, store: InMemoryStore, writer: FakeWriter) -> GameService:
        return GameService(store, CATALOG, writer=writer)

    async def test_the_match_keeps_the_shown_bio(
        self,
        client: ProtocolClient,
        service: GameService,
        store: InMemoryStore,
        clock: FakeClock,
        writer: FakeWriter,
    ) -> None:
        """``get_matches`` shows the writer's bio; ``match_made`` and the journal
        carry the same text; replay needs no writer."""
        player_id = await adult(client, service, clock)
        entry, made = await find_match(client, clock)
        expected = f"{entry['name'].split()[0]} writes their own bio."
        assert (expected, expected) == (entry["bio"], made["bio"])
        asked = len(writer.bios)
        listed = await client.request({"type": "get_relationships"})
        assert expected == listed["relationships"][0]["bio"]
        assert asked == len(writer.bios)
        stored = store.load(player_id)
        assert stored is not None
        assert state_hash(stored.state) == state_hash(
            replay(store.journal(player_id), CATALOG)
        )


class TestMatchMadePush:
    """``MatchMade`` events become ``match_made`` pushes, after the prompts."""

    def test_fields(self) -> None:
        """The push carries what a client shows of a new match."""
        made = MatchMade(
            at=1,
            life=1,
            npc_id="n-1",
            name="Ruth Schmidt",
            gender="female",
            age=24,
            bio="Hi!",
            compatibility=71,
            reasons=("great chemistry", "you both like jazz"),
            affection=35,
            npc_affection=35,
            day=700,
        )
        assert [
            {
                "type": "match_made",
                "npc_id": "n-1",
                "name": "Ruth Schmidt",
                "gender": "female",
                "age": 24,
                "bio": "Hi!",
                "compatibility": 71,
                "reasons": ["great chemistry", "you both like jazz"],
                "day": 700,
            }
        ] == pushes([made])
