"""Fuzzing the wire: random bad frames get one documented answer and change nothing.

One real ``GameServer`` runs on an event loop in a thread of its own for the whole
module, so Hypothesis drives it from a plain synchronous test through websockets'
sync client: no event loop is shared with pytest-asyncio, and no server starts per
example. Each example logs the same player in, records what the store holds for it,
pipelines a random sequence of frames, then reads exactly one answer per frame.

The clock is fake and never moves, so the client view of ``get_state`` is the same
before and after unless a frame changed the player.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import attrs
import pytest
import structlog
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from baolife_core import (
    COMMAND_TYPES,
    SERVER_COMMANDS,
    GameService,
    InMemoryStore,
    WireError,
    command_from_wire,
    load_catalog,
    wire_name,
)
from baolife_core.ports import StoredPlayer
from baolife_core.queries import QUERIES
from baolife_transport_ws import GameServer, ServerConfig, session

from .support import DEADLINE, SECRET, START_MS, FakeClock

DEVICE = "0f5e8a52-3b7c-4d2e-9a61-7c1d2e3f4a5b"
#: Every frame of the fuzz stays below the 64 KiB limit (which closes with 1009).
MAX_FRAME = 60_000
#: Frames sent before their answers are read (the sync client reads afterwards;
#: the server's backpressure would hold a longer burst in TCP buffers, which a
#: single-threaded sync client could deadlock on).
WINDOW = 100
#: The error codes of the errors table in ``docs/protocol.md``.
DOCUMENTED_CODES = frozenset(
    re.findall(
        r"^\| `([a-z_]+)` \|",
        (Path(__file__).resolve().parents[2] / "docs" / "protocol.md")
        .read_text(encoding="utf-8")
        .partition("\n## Errors\n")[2]
        .partition("\n## ")[0],
        flags=re.MULTILINE,
    )
)
#: Messages the server sends unasked (skipped when matching answers to frames).
PUSHES = frozenset(
    {
        "time_update",
        "event_prompt",
        "match_made",
        "achievement_unlocked",
        "quest_progress",
        "notification",
        "account_deletion_scheduled",
    }
)
#: Reads answer with these types and change nothing.
READ_REPLIES = {
    "ping": "pong",
    "get_state": "state",
    "check_daily_login": "daily_login_status",
    "get_achievements": "achievement_list",
    "get_statistics": "statistics_report",
    "get_photo_album": "photo_album",
    "get_quests": "quest_list",
    "get_inventory": "inventory",
    "get_matches": "match_list",
    "get_relationships": "relationship_list",
}
#: Commands whose fields the fuzz breaks (decoded by the core's wire module).
FUZZED_COMMANDS = tuple(
    cls
    for cls in COMMAND_TYPES
    if cls not in SERVER_COMMANDS
    and wire_name(cls) != session._STORE_PURCHASE
    # A command of ``at`` alone (and writer fields, dropped) cannot be ill-formed.
    and {field.name for field in attrs.fields(cls)} - {"at"} - session._WRITER_FIELDS
)
STORE_FIELDS = ("product_id", "transaction_id", "signed_transaction")
#: Names that look like messages but are none a client may send.
NOT_CLIENT_TYPES = (
    "revoke_store_purchase",
    "new_player",
    "welcome",
    "error",
    "batch",
    "pong",
    "Ping",
    "HELLO",
    "get_state ",
    "",
)
SURROGATE = "\ud800"


@attrs.frozen
class Probe:
    """One frame of the fuzz and the answers it may get."""

    data: str | bytes  # what is sent: text or a binary frame
    expect: frozenset[str]  # the reply type, or the error code, it may get
    rid: str | None = None  # the ``rid`` the answer must carry back


def probe(data: str | bytes, *expect: str, rid: str | None = None) -> Probe:
    return Probe(data, frozenset(expect), rid)


# -- strategies -------------------------------------------------------------------

#: Text of any kind, lone surrogates included (sent as ``\\ud800`` escapes).
odd_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    st.sampled_from(
        ["", " ", "\x00", "\ufeff", "\u202eevil", "e\u0301", "🎲" * 5, SURROGATE]
    ),
    st.integers(1, 50_000).map(lambda n: "x" * n),
)
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**70, -(2**70), -1, 0, 2**63, math.nan, math.inf, -math.inf]),
    st.floats(),
)
json_scalars = st.one_of(st.none(), st.booleans(), numbers, odd_text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)
json_lists = st.lists(json_values, max_size=4)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)
non_strings = st.one_of(st.none(), st.booleans(), numbers, json_lists, json_objects)
non_objects_values = st.one_of(json_scalars, json_lists)
non_lists = st.one_of(json_scalars, json_objects)
#: A ``rid`` the server accepts: any text UTF-8 can encode (one with a lone
#: surrogate is ``bad_request``, see ``bad_envelopes``).
good_rids = st.one_of(st.none(), st.text(st.characters(codec="utf-8"), max_size=128))
extra_fields = st.dictionaries(
    st.text(max_size=12).filter(lambda key: key not in {"type", "rid"}),
    json_values,
    max_size=3,
)
#: Field values that no command field accepts as they are, or hardly.
bad_values = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from([2**70, -(2**70), -1, 10**6, -(10**6), 3.0]),
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), json_scalars, max_size=2),
    odd_text,
)
plausible_values = st.sampled_from(
    ["play", "full", "one_hour", "Ada Lovelace", "female", "k-1", 0, 120, [], ["x"]]
)


def encode(body: object, *, ascii_only: bool) -> str:
    """JSON text as a client might write it (``NaN`` and huge integers included)."""
    text = json.dumps(body, ensure_ascii=ascii_only)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: only its escape is valid UTF-8
        text = json.dumps(body)
    return text


@st.composite
def object_frames(draw: st.DrawFn, body: dict[str, Any], *expect: str) -> Probe:
    """``body`` with random extra fields and maybe a ``rid``, as JSON text."""
    extra = draw(extra_fields)
    rid = draw(good_rids)
    message = {**extra, **body}
    if rid is not None:
        message["rid"] = rid
    return probe(encode(message, ascii_only=draw(st.booleans())), *expect, rid=rid)


@st.composite
def not_json(draw: st.DrawFn) -> Probe:
    """Text that is not a JSON object: bad syntax, a BOM, an oversized literal."""
    text = draw(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "",
                    "{",
                    "{'type': 'ping'}",
                    '\ufeff{"type": "ping"}',
                    '{"type": "ping",}',
                    '{"type": "ping"} {"type": "ping"}',
                    '{"type": "ping", "n": ' + "9" * 5_000 + "}",
                    "[" * 30_000 + "]" * 30_000,
                ]
            ),
        )
    )
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    assume(not isinstance(parsed, dict))
    return probe(text, "bad_request")


@st.composite
def binary_frames(draw: st.DrawFn) -> Probe:
    """Binary frames, JSON or not, lone surrogates in raw bytes included."""
    data = draw(
        st.one_of(
            st.binary(max_size=64),
            st.just(b""),
            st.just(b'{"type": "ping"}'),
            odd_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
        )
    )
    return probe(data, "bad_request")


@st.composite
def non_objects(draw: st.DrawFn) -> Probe:
    """Valid JSON that is not an object."""
    value = draw(non_objects_values)
    return probe(encode(value, ascii_only=True), "bad_request")


@st.composite
def bad_envelopes(draw: st.DrawFn) -> Probe:
    """Objects with no string ``type``, or with an ill-typed or over-long ``rid``."""
    if draw(st.booleans()):  # no ``type``, or not a string
        body = draw(extra_fields)
        if draw(st.booleans()):
            body["type"] = draw(non_strings)
        return draw(object_frames(body, "bad_request"))
    rid = draw(
        st.one_of(
            non_strings,
            st.text(min_size=129, max_size=300),
            # A lone surrogate cannot be echoed in a text frame (sent escaped).
            st.tuples(st.text(max_size=10), st.sampled_from([SURROGATE, "\udfff"])).map(
                "".join
            ),
        )
    )
    kind = draw(st.sampled_from(sorted(READ_REPLIES)))
    return probe(json.dumps({"type": kind, "rid": rid}), "bad_request")


@st.composite
def unknown_types(draw: st.DrawFn) -> Probe:
    """A string ``type`` that names no message a client may send."""
    kind = draw(st.one_of(st.sampled_from(NOT_CLIENT_TYPES), odd_text))
    assume(kind not in session._KNOWN_TYPES)
    return draw(object_frames({"type": kind}, "unknown_type"))


def _decodes(kind: str, body: dict[str, Any]) -> bool:
    """Whether the server would decode ``body`` into a command (and run it): it
    drops the fields only its text writer fills (``line``, ``bio``)."""
    fields = {k: v for k, v in body.items() if k not in session._WRITER_FIELDS}
    try:
        command_from_wire({**fields, "type": kind, "at": START_MS})
    except WireError:
        return False
    return True


@st.composite
def ill_formed_commands(draw: st.DrawFn) -> Probe:
    """A command type with missing, ill-typed, huge or odd fields."""
    cls = draw(st.sampled_from(FUZZED_COMMANDS))
    names = [field.name for field in attrs.fields(cls) if field.name != "at"]
    broken = draw(st.sampled_from(sorted(set(names) - session._WRITER_FIELDS)))
    body: dict[str, Any] = {}
    for name in names:
        if name == broken:
            body[name] = draw(bad_values)
        elif draw(st.booleans()):
            body[name] = draw(st.one_of(plausible_values, bad_values))
    if draw(st.booleans()):  # a client-sent ``at`` is overwritten by the server
        body["at"] = draw(json_scalars)
    kind = wire_name(cls)
    assume(not _decodes(kind, body))
    return draw(object_frames({**body, "type": kind}, "bad_request"))


@st.composite
def ill_formed_store_purchases(draw: st.DrawFn) -> Probe:
    """``credit_store_purchase`` with a field that is not a string."""
    body: dict[str, Any] = {"type": session._STORE_PURCHASE}
    broken = draw(st.sampled_from(STORE_FIELDS))
    for name in STORE_FIELDS:
        if name == broken:
            body[name] = draw(non_strings)
        elif draw(st.booleans()):
            body[name] = draw(odd_text)
    return draw(object_frames(body, "bad_request"))


@st.composite
def offline_junk(draw: st.DrawFn) -> Probe:
    """``sync_offline`` with no list of actions, too many, or only refused ones.

    A list of refused actions gets a ``sync_result`` whose every entry is an
    error; the frame may count against the live rate limit (``rate_limited``).
    """
    choice = draw(st.sampled_from(["not_a_list", "too_many", "refused"]))
    if choice == "not_a_list":
        actions = draw(non_lists)
        return draw(
            object_frames({"type": "sync_offline", "actions": actions}, "bad_request")
        )
    if choice == "too_many":
        body = {"type": "sync_offline", "actions": [0] * 1_001}
        return draw(object_frames(body, "bad_request"))
    refused = st.one_of(
        non_objects_values,
        st.sampled_from(["ping", "get_state", "hello", "sync_offline"]).map(
            lambda kind: {"type": kind, "at": START_MS}  # not allowed offline
        ),
        st.just({"type": "buy_everything", "at": START_MS}),  # unknown
        st.sampled_from(FUZZED_COMMANDS).map(
            lambda cls: {"type": wire_name(cls)}  # no ``at``
        ),
        st.sampled_from(FUZZED_COMMANDS).map(
            lambda cls: {"type": wire_name(cls), "at": START_MS + 10**9}  # future
        ),
    )
    actions = draw(st.lists(refused, max_size=5))
    return draw(
        object_frames(
            {"type": "sync_offline", "actions": actions}, "sync_result", "rate_limited"
        )
    )


@st.composite
def harmless_frames(draw: st.DrawFn) -> Probe:
    """Reads with odd extra fields, and a second ``hello``."""
    kind = draw(st.sampled_from([*sorted(READ_REPLIES), "hello"]))
    expect = READ_REPLIES.get(kind, "bad_request")  # already authenticated
    return draw(object_frames({"type": kind}, expect))


@st.composite
def nested_pings(draw: st.DrawFn) -> Probe:
    """A ``ping`` carrying a nested field: fine when shallow, refused when deep."""
    depth = draw(st.one_of(st.integers(1, 300), st.integers(3_000, 25_000)))
    text = '{"type": "ping", "x": ' + "[" * depth + "]" * depth + "}"
    return probe(text, "pong" if depth <= 300 else "bad_request")


floods = st.integers(10, 150).map(
    lambda n: [probe('{"type": "ping"}', "pong") for _ in range(n)]
)
probes = st.one_of(
    not_json(),
    binary_frames(),
    non_objects(),
    bad_envelopes(),
    unknown_types(),
    ill_formed_commands(),
    ill_formed_store_purchases(),
    offline_junk(),
    harmless_frames(),
    nested_pings(),
).map(lambda one: [one])
sequences = st.lists(st.one_of(probes, floods), min_size=1, max_size=12).map(
    lambda groups: [one for group in groups for one in group]
)


# -- the server and the client ----------------------------------------------------


class ThreadedServer:
    """A ``GameServer`` on an event loop of its own thread, for sync clients."""

    def __init__(self, service: GameService, config: ServerConfig) -> None:
        self.server = GameServer(
            service, config, clock=FakeClock(), purge_interval_s=None
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fuzz-server", daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(
            DEADLINE
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(
            DEADLINE
        )
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(DEADLINE)
        self._loop.close()

    @contextlib.contextmanager
    def connect(self) -> Iterator[SyncClient]:
        with connect(f"ws://127.0.0.1:{self.server.port}/") as connection:
            yield SyncClient(connection)


class SyncClient:
    """A blocking test client: batches flattened, pushes set aside."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.pending: list[dict[str, Any]] = []

    def receive(self) -> dict[str, Any]:
        """The next answer to a frame (pushes are skipped)."""
        while True:
            while not self.pending:
                frame = json.loads(self.connection.recv(timeout=DEADLINE))
                is_batch = frame.get("type") == "batch"
                self.pending.extend(frame["messages"] if is_batch else [frame])
            message = self.pending.pop(0)
            if message.get("type") not in PUSHES or "rid" in message:
                return message

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        self.connection.send(json.dumps(message))
        return self.receive()


@attrs.frozen
class Snapshot:
    """What the server holds for the player, and what it shows of it."""

    stored: StoredPlayer  # the store's record: state and version
    journal: int  # records in the player's journal
    view: dict[str, Any]  # ``get_state`` at the (frozen) clock


def snapshot(client: SyncClient, store: InMemoryStore, player_id: str) -> Snapshot:
    reply = client.request({"type": "get_state"})
    assert "state" == reply["type"], reply
    return Snapshot(
        store.players[player_id], len(store.journal(player_id)), reply["state"]
    )


@pytest.fixture(scope="module")
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture(scope="module")
def live(store: InMemoryStore) -> Iterator[ThreadedServer]:
    """One server for the module's examples."""
    # No tick task: pushes would be skipped anyway, and examples stay repeatable.
    config = ServerConfig(port=0, token_secret=SECRET, tick_interval_seconds=None)
    with ThreadedServer(GameService(store, load_catalog()), config) as running:
        yield running


@pytest.fixture
def quiet_logs() -> None:
    """Request lines are not printed (thousands of them); the autouse fixture
    restores the defaults."""
    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())


def check(answer: dict[str, Any], one: Probe) -> None:
    """``answer`` is one the probe may get, with its ``rid`` and a documented code."""
    outcome = answer["code"] if answer["type"] == "error" else answer["type"]
    assert outcome in one.expect, (one.data[:200], answer)
    assert one.rid == answer.get("rid")
    if answer["type"] == "error":
        assert answer["code"] in DOCUMENTED_CODES
        assert "Traceback" not in answer["message"]
    if answer["type"] == "sync_result":
        assert 0 == answer["applied"]
        assert {"error"} >= {result["type"] for result in answer["results"]}
        assert DOCUMENTED_CODES >= {result["code"] for result in answer["results"]}


class TestFuzz:
    """Random frames are answered, keep the connection and change nothing."""

    def test_tables_are_complete(self) -> None:
        """The errors table parses, and every read has its expected reply."""
        assert {"bad_request", "unknown_type", "unauthenticated"} <= DOCUMENTED_CODES
        assert {"ping", "get_state", *QUERIES} == set(READ_REPLIES)

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(frames=sequences)
    def test_random_frames_change_nothing(
        self,
        live: ThreadedServer,
        store: InMemoryStore,
        quiet_logs: None,
        frames: list[Probe],
    ) -> None:
        """Each frame gets exactly one documented answer; the player is unchanged."""
        for one in frames:
            size = (
                len(one.data) if isinstance(one.data, bytes) else len(one.data.encode())
            )
            assume(size <= MAX_FRAME)
        with live.connect() as client:
            welcome = client.request({"type": "hello", "device_id": DEVICE})
            assert "welcome" == welcome["type"], welcome
            player_id = welcome["player_id"]
            before = snapshot(client, store, player_id)
            for start in range(0, len(frames), WINDOW):  # pipelined, in order
                window = frames[start : start + WINDOW]
                for one in window:
                    client.connection.send(one.data)
                for one in window:
                    check(client.receive(), one)
            assert "pong" == client.request({"type": "ping"})["type"]
            assert before == snapshot(client, store, player_id)
            assert [] == client.pending


class TestClosingFrames:
    """The two frames that close the connection, with their documented codes."""

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            ('{"type": "ping", "pad": "' + "x" * 70_000 + '"}', 1009),
            (b'{"type": "ping", "x": "\xed\xa0\x80"}', 1007),
        ],
        ids=["over-64-KiB", "invalid-utf-8-text"],
    )
    def test_closes_with_its_code_and_changes_nothing(
        self,
        live: ThreadedServer,
        store: InMemoryStore,
        quiet_logs: None,
        data: str | bytes,
        code: int,
    ) -> None:
        """The frame closes its connection; the player and the server are intact."""
        with live.connect() as client:
            player_id = client.request({"type": "hello", "device_id": DEVICE})[
                "player_id"
            ]
            before = snapshot(client, store, player_id)
            client.connection.send(data, text=True)
            with pytest.raises(ConnectionClosed) as closed:
                client.connection.recv(timeout=DEADLINE)
            assert closed.value.rcvd is not None
            assert code == closed.value.rcvd.code
        with live.connect() as client:
            client.request({"type": "hello", "device_id": DEVICE})
            assert before == snapshot(client, store, player_id)
