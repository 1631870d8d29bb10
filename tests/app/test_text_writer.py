"""The LLM ``TextWriter`` adapter, against a local fake chat-completions server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from baolife_app.text_writer import LlmTextWriter
from baolife_core import (
    CreateCharacter,
    GameService,
    InMemoryStore,
    LineRequest,
    StartConversation,
    load_catalog,
    replay,
)
from baolife_core.clock import MS_PER_DAY
from baolife_core.commands import Like
from baolife_core.ports import BioRequest
from baolife_core.queries import QUERIES
from baolife_core.replies import MatchList

OPENING = LineRequest("opening", "mother", "Mia Novak", "Ava Novak", 80, None, None)
ANSWER = LineRequest(
    "answer", "friend", "Kai Sato", "Ava Novak", 40, "Crack a joke", False
)

BIO = BioRequest(
    npc_id="7e8ad030-e49b-58e1-96f8-427c53f7a47d",
    name="Ruth Schmidt",
    gender="female",
    age=24,
    interests=("cooking", "hiking"),
    traits=("has a job",),
    dealbreakers=("won't date a smoker",),
)


class FakeModel(BaseHTTPRequestHandler):
    """Answers chat completions with ``reply``; records what it was asked."""

    reply: ClassVar[tuple[int, bytes]] = (200, b"{}")
    requests: ClassVar[list[dict[str, Any]]] = []
    release: ClassVar[threading.Event] = threading.Event()
    stall: ClassVar[bool] = False

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        FakeModel.requests.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        if FakeModel.stall:
            FakeModel.release.wait(5)
        status, body = FakeModel.reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


def completion(text: str) -> tuple[int, bytes]:
    """A chat-completions response carrying ``text``."""
    body = {"choices": [{"message": {"role": "assistant", "content": text}}]}
    return 200, json.dumps(body).encode()


@pytest.fixture
def model() -> Iterator[str]:
    """The base URL of a fake model server, reset for each test."""
    FakeModel.requests = []
    FakeModel.stall = False
    FakeModel.release = threading.Event()
    FakeModel.reply = completion("Hello there, sweetheart!")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    FakeModel.release.set()
    server.shutdown()
    server.server_close()


class TestLlmTextWriter:
    """Lines come from the model; any failure falls back to the grammar (None)."""

    def test_writes_the_models_line(self, model: str) -> None:
        """The assistant's content is the line, with quotes trimmed."""
        FakeModel.reply = completion('  "Hello there, sweetheart!"  ')
        writer = LlmTextWriter(model, model="tiny", api_key="sk-test")
        assert "Hello there, sweetheart!" == writer.write_line(OPENING)
        [sent] = FakeModel.requests
        assert "/v1/chat/completions" == sent["path"]
        assert "Bearer sk-test" == sent["auth"]
        assert "tiny" == sent["body"]["model"]

    def test_the_prompt_names_the_scene(self, model: str) -> None:
        """An answer's prompt carries the reply and its outcome, and no ids."""
        LlmTextWriter(model, model="tiny").write_line(ANSWER)
        prompt = FakeModel.requests[0]["body"]["messages"][1]["content"]
        assert "Kai Sato" in prompt
        assert "Crack a joke" in prompt
        assert "went badly" in prompt
        assert FakeModel.requests[0]["auth"] is None

    @pytest.mark.parametrize(
        "reply",
        [
            (500, b'{"error": "boom"}'),
            (200, b"not json"),
            (200, b'{"choices": []}'),
            (200, b'{"choices": [{"message": {"content": "   "}}]}'),
            (200, b'{"choices": [{"message": {"content": 42}}]}'),
        ],
    )
    def test_failures_fall_back_to_the_grammar(
        self, model: str, reply: tuple[int, bytes]
    ) -> None:
        """An HTTP error or a malformed answer gives None."""
        FakeModel.reply = reply
        assert LlmTextWriter(model, model="tiny").write_line(OPENING) is None

    def test_a_slow_model_times_out(self, model: str) -> None:
        """A model slower than the timeout gives None instead of blocking."""
        FakeModel.stall = True
        writer = LlmTextWriter(model, model="tiny", timeout_s=0.2)
        assert writer.write_line(OPENING) is None

    def test_unreachable_model(self) -> None:
        """A refused connection gives None."""
        writer = LlmTextWriter("http://127.0.0.1:9/v1", model="tiny", timeout_s=0.5)
        assert writer.write_line(OPENING) is None


class TestThroughTheService:
    """A model's line is journaled, so replay needs no model."""

    def test_line_is_command_data(self, model: str) -> None:
        """The journaled command carries the line; replay reproduces the state."""
        catalog = load_catalog()
        store = InMemoryStore()
        writer = LlmTextWriter(model, model="tiny")
        service = GameService(store, catalog, writer=writer)
        player = service.login_device("dev-1", new_player_id="p1", seed=5, at=0)
        service.execute(player, CreateCharacter(at=0))
        mother = service.load(player).state.character.family[0]  # type: ignore[union-attr]
        four = 4 * catalog.life.days_per_year * MS_PER_DAY // catalog.clock.time_scale
        result = service.execute(player, StartConversation(at=four, npc_id=mother.id))
        assert "Hello there, sweetheart!" == result.reply.line  # type: ignore[union-attr]
        journal = store.journal(player)
        last = journal[-1]
        assert isinstance(last, StartConversation)
        assert "Hello there, sweetheart!" == last.line
        assert service.load(player).state == replay(journal, catalog)


class TestLlmBios:
    """Bios come from the model too, with the same fallback to the grammar."""

    def test_writes_the_models_bio(self, model: str) -> None:
        """The assistant's content is the bio, with quotes trimmed."""
        FakeModel.reply = completion('"Ruth, 24. Cooking, hiking, no smokers."')
        writer = LlmTextWriter(model, model="tiny", api_key="sk-test")
        assert "Ruth, 24. Cooking, hiking, no smokers." == writer.write_bio(BIO)
        [sent] = FakeModel.requests
        assert ("/v1/chat/completions", "Bearer sk-test", "tiny") == (
            sent["path"],
            sent["auth"],
            sent["body"]["model"],
        )

    def test_the_prompt_describes_the_npc_only(self, model: str) -> None:
        """The prompt names the NPC's profile, and carries no id."""
        LlmTextWriter(model, model="tiny").write_bio(BIO)
        prompt = FakeModel.requests[0]["body"]["messages"][1]["content"]
        for part in ("Ruth Schmidt", "24", "cooking", "hiking", "has a job", "smoker"):
            assert part in prompt
        assert BIO.npc_id not in prompt

    def test_an_empty_profile_still_prompts(self, model: str) -> None:
        """An NPC without traits or dealbreakers gets a prompt all the same."""
        bare = BioRequest("n", "Kai Sato", "male", 30, ("jazz",), (), ())
        LlmTextWriter(model, model="tiny").write_bio(bare)
        prompt = FakeModel.requests[0]["body"]["messages"][1]["content"]
        assert "nothing in particular" in prompt

    @pytest.mark.parametrize(
        "reply",
        [
            (500, b'{"error": "boom"}'),
            (429, b'{"error": "slow down"}'),
            (200, b"not json"),
            (200, b"[]"),
            (200, b'{"choices": []}'),
            (200, b'{"choices": [{"message": {}}]}'),
            (200, b'{"choices": [{"message": {"content": "   "}}]}'),
            (200, b'{"choices": [{"message": {"content": null}}]}'),
            (200, b'{"choices": [{"message": {"content": ["a"]}}]}'),
        ],
    )
    def test_failures_fall_back_to_the_grammar(
        self, model: str, reply: tuple[int, bytes]
    ) -> None:
        """An HTTP error or a malformed answer gives None."""
        FakeModel.reply = reply
        assert LlmTextWriter(model, model="tiny").write_bio(BIO) is None

    def test_a_slow_model_times_out(self, model: str) -> None:
        """A model slower than the timeout gives None instead of blocking."""
        FakeModel.stall = True
        writer = LlmTextWriter(model, model="tiny", timeout_s=0.2)
        assert writer.write_bio(BIO) is None

    def test_unreachable_model(self) -> None:
        """A refused connection gives None."""
        writer = LlmTextWriter("http://127.0.0.1:9/v1", model="tiny", timeout_s=0.5)
        assert writer.write_bio(BIO) is None


class TestBiosThroughTheService:
    """A model's bio shows in ``get_matches`` and is journaled with the like."""

    def test_bio_is_command_data(self, model: str) -> None:
        """The shown bio is the liked command's; replay reproduces the state."""
        FakeModel.reply = completion("Here for long breakfasts and bad puns.")
        catalog = load_catalog()
        store = InMemoryStore()
        service = GameService(store, catalog, writer=LlmTextWriter(model, model="m"))
        player = service.login_device("dev-1", new_player_id="p1", seed=5, at=0)
        service.execute(player, CreateCharacter(at=0))
        adult = 19 * catalog.life.days_per_year * MS_PER_DAY // catalog.clock.time_scale
        shown = service.read(player, QUERIES["get_matches"], adult)
        assert isinstance(shown, MatchList)
        assert shown.matches
        assert {"Here for long breakfasts and bad puns."} == {
            e.bio for e in shown.matches
        }
        service.execute(player, Like(at=adult, npc_id=shown.matches[0].npc_id))
        journal = store.journal(player)
        last = journal[-1]
        assert isinstance(last, Like)
        assert "Here for long breakfasts and bad puns." == last.bio
        assert len(shown.matches) == len(FakeModel.requests)
        assert service.load(player).state == replay(journal, catalog)

    def test_a_failing_model_shows_the_grammar(self, model: str) -> None:
        """A model that errors leaves the grammar's bios and a like without one."""
        FakeModel.reply = (500, b"{}")
        catalog = load_catalog()
        store = InMemoryStore()
        service = GameService(store, catalog, writer=LlmTextWriter(model, model="m"))
        player = service.login_device("dev-1", new_player_id="p1", seed=5, at=0)
        service.execute(player, CreateCharacter(at=0))
        adult = 19 * catalog.life.days_per_year * MS_PER_DAY // catalog.clock.time_scale
        state = service.load(player).state
        shown = service.read(player, QUERIES["get_matches"], adult)
        assert QUERIES["get_matches"](state, adult, catalog) == shown
        assert isinstance(shown, MatchList)
        command = Like(at=adult, npc_id=shown.matches[0].npc_id)
        service.execute(player, command)
        assert command == store.journal(player)[-1]
