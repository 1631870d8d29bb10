"""Tests of ``baolife_core.service``: load → step → persist, idempotency, retries."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest
from attrs import define, evolve, field, fields, frozen
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import engine
from baolife_core._fields import MAX_TEXT
from baolife_core.catalog import Catalog, load_catalog
from baolife_core.clock import MS_PER_DAY
from baolife_core.commands import (
    CreateCharacter,
    CreditStorePurchase,
    NewPlayer,
    PurchaseEnergyRefill,
    ReplyConversation,
    RevokeStorePurchase,
    StartConversation,
)
from baolife_core.economy.store import (
    StoreRules,
    credit_store_purchase,
    load_store,
    revoke_store_purchase,
)
from baolife_core.engine import new_player, replay, start, step
from baolife_core.errors import ConcurrencyError, ConflictError, PlayerNotFoundError
from baolife_core.events import (
    ConversationStarted,
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    PlayerCreated,
    StorePurchaseCredited,
    StorePurchaseRevoked,
)
from baolife_core.experiments import assign_variants
from baolife_core.memory_store import InMemoryStore
from baolife_core.outcome import Outcome
from baolife_core.ports import (
    CommandRecord,
    Genesis,
    LineRequest,
    ReceiptError,
    StoredPlayer,
    VerifiedPurchase,
)
from baolife_core.replies import (
    ALREADY_CLAIMED,
    INVALID_RECEIPT,
    NOT_FOUND,
    ConversationOpened,
    ConversationResult,
    EnergyUpdated,
    Rejection,
    StorePurchaseResult,
    StoreRevocationResult,
)
from baolife_core.service import (
    GameService,
    Result,
    clean_line,
    idempotency_key_hash,
)
from baolife_core.state import Energy, PlayerState
from events import own_events

CATALOG = load_catalog()
AT = 1_700_000_000_000
PID = "player-1"
DEVICE = "device-1"


def buy(refill_type: str, key: str, at: int = AT) -> PurchaseEnergyRefill:
    """A refill purchase command."""
    return PurchaseEnergyRefill(at=at, refill_type=refill_type, idempotency_key=key)


def planted(store: InMemoryStore, energy: int = 0) -> PlayerState:
    """Create ``PID`` in ``store`` with a new player's state at ``energy``."""
    state = new_player(seed=42, at=AT, catalog=CATALOG)
    state = evolve(state, energy=Energy(energy, AT))
    store.create_player(
        Genesis(
            player_id=PID,
            device_id=DEVICE,
            record=NewPlayer(at=AT, seed=42),
            outcome=Outcome(state=state, events=(), reply=None),
        )
    )
    return state


def spent(store: InMemoryStore) -> list[DiamondsSpent]:
    """The debits ledgered for ``PID``."""
    return [e for e in store.events[PID] if isinstance(e, DiamondsSpent)]


@define
class ConflictingStore(InMemoryStore):
    """A store whose ``append`` always loses a race."""

    appends: int = 0

    def append(self, record: CommandRecord) -> None:
        self.appends += 1
        raise ConcurrencyError("deadlock")


@define
class FailOnceStore(InMemoryStore):
    """A store whose first ``append`` loses a race and writes nothing."""

    appends: int = 0
    loads: int = 0

    def load(self, player_id: str, *, fresh: bool = False) -> StoredPlayer | None:
        self.loads += 1
        return super().load(player_id)

    def append(self, record: CommandRecord) -> None:
        self.appends += 1
        if self.appends == 1:
            raise ConcurrencyError("lock wait timeout")
        super().append(record)


@define
class RacingStore(InMemoryStore):
    """A store where a rival command commits just before our first ``append``."""

    rival: PurchaseEnergyRefill | None = None
    appends: int = 0

    def append(self, record: CommandRecord) -> None:
        self.appends += 1
        if self.rival is not None:
            rival, self.rival = self.rival, None
            stored = self.players[record.player_id]
            super().append(
                CommandRecord(
                    player_id=record.player_id,
                    expected_version=stored.version,
                    command=rival,
                    outcome=step(stored.state, rival, CATALOG),
                    idempotency_key_hash=idempotency_key_hash(record.player_id, rival),
                )
            )
        super().append(record)


@define
class LateDeviceStore(InMemoryStore):
    """A store that hides a device's player once, as if bound concurrently."""

    hidden: int = 1

    def player_for_device(self, device_id: str) -> str | None:
        if self.hidden:
            self.hidden -= 1
            return None
        return super().player_for_device(device_id)


@define
class UnregistrableStore(InMemoryStore):
    """A store where creating a player always loses a race."""

    creates: int = 0

    def create_player(self, genesis: Genesis) -> None:
        self.creates += 1
        raise ConcurrencyError("deadlock")


class TestLoginDevice:
    """A device is bound to exactly one player."""

    def test_creates_a_player(self) -> None:
        """A new device creates a player with the given id, seed and instant."""
        store = InMemoryStore()
        player_id = GameService(store, CATALOG).login_device(
            DEVICE, new_player_id=PID, seed=42, at=AT
        )
        assert player_id == PID
        variants = assign_variants(PID, CATALOG.experiments)
        assert (NewPlayer(at=AT, seed=42, variants=variants),) == store.journal(PID)
        genesis = NewPlayer(at=AT, seed=42, variants=variants)
        created = start(genesis, CATALOG)
        expected = StoredPlayer(player_id=PID, state=created.state, version=1)
        assert expected == store.load(PID)
        assert list(created.events) == store.events[PID]
        assert [PlayerCreated, DiamondsCredited] == [
            type(e) for e in own_events(store.events[PID])
        ]

    def test_same_device_same_player(self) -> None:
        """Logging in again returns the first id and creates nothing."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        first = service.login_device(DEVICE, new_player_id=PID, seed=42, at=AT)
        again = service.login_device(DEVICE, new_player_id="other", seed=7, at=AT + 1)
        assert (first, again) == (PID, PID)
        assert list(store.players) == [PID]

    def test_different_devices_different_players(self) -> None:
        """Two devices get two players."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        a = service.login_device("dev-a", new_player_id="p-a", seed=1, at=AT)
        b = service.login_device("dev-b", new_player_id="p-b", seed=2, at=AT)
        assert (a, b) == ("p-a", "p-b")

    def test_concurrent_registration_returns_the_winner(self) -> None:
        """If another connection bound the device first, its player is returned."""
        store = LateDeviceStore()
        planted(store)
        player_id = GameService(store, CATALOG).login_device(
            DEVICE, new_player_id="loser", seed=9, at=AT
        )
        assert player_id == PID
        assert list(store.players) == [PID]

    @pytest.mark.parametrize("attempts", [1, 3])
    def test_gives_up_after_max_attempts(self, attempts: int) -> None:
        """Creation that always loses raises ConflictError after the bound."""
        store = UnregistrableStore()
        service = GameService(store, CATALOG, max_attempts=attempts)
        with pytest.raises(ConflictError):
            service.login_device(DEVICE, new_player_id=PID, seed=1, at=AT)
        assert attempts == store.creates


class TestExecute:
    """An accepted command is persisted and its events returned."""

    def test_persists_and_returns_events(self) -> None:
        """The reply, events and new state are returned and written once."""
        store = InMemoryStore()
        before = planted(store, energy=40)
        command = buy("full", "k-1")
        result = GameService(store, CATALOG).execute(PID, command)
        expected = step(before, command, CATALOG)
        assert (
            Result(
                reply=expected.reply,  # type: ignore[arg-type]
                events=expected.events,
                state=expected.state,
                duplicate=False,
            )
            == result
        )
        assert isinstance(result.reply, EnergyUpdated)
        assert (result.reply.energy, result.reply.diamonds) == (100, 965)
        assert [DiamondsSpent, EnergyRefilled] == [
            type(e) for e in own_events(result.events)
        ]
        assert StoredPlayer(player_id=PID, state=result.state, version=2) == store.load(
            PID
        )
        assert (NewPlayer(at=AT, seed=42), command) == store.journal(PID)
        assert list(result.events) == store.events[PID]

    def test_load_unknown_player(self) -> None:
        """Loading a missing player raises PlayerNotFoundError."""
        with pytest.raises(PlayerNotFoundError):
            GameService(InMemoryStore(), CATALOG).load("ghost")

    def test_execute_for_unknown_player(self) -> None:
        """A command for a missing player raises PlayerNotFoundError."""
        with pytest.raises(PlayerNotFoundError):
            GameService(InMemoryStore(), CATALOG).execute("ghost", buy("full", "k"))


class TestIdempotency:
    """The same idempotency key twice debits once (PROTOCOL.md)."""

    def test_duplicate_key_returns_the_first_reply(self) -> None:
        """A repeated key gets the first reply, flagged duplicate; one debit."""
        store = InMemoryStore()
        planted(store, energy=0)
        service = GameService(store, CATALOG)
        first = service.execute(PID, buy("small", "k-1"))
        second = service.execute(PID, buy("small", "k-1", at=AT + 5))
        expected = Result(
            reply=first.reply, events=(), state=first.state, duplicate=True
        )
        assert expected == second
        assert len(spent(store)) == 1
        assert store.players[PID].state.wallet.diamonds == 990
        assert store.players[PID].version == 2
        assert len(store.journal(PID)) == 2

    def test_duplicate_key_ignores_a_changed_payload(self) -> None:
        """A key names one intent: a retry with other fields gets the first reply."""
        store = InMemoryStore()
        planted(store, energy=0)
        service = GameService(store, CATALOG)
        first = service.execute(PID, buy("small", "k-1"))
        second = service.execute(PID, buy("full", "k-1"))
        assert (first.reply, True) == (second.reply, second.duplicate)
        assert len(spent(store)) == 1

    def test_different_keys_debit_separately(self) -> None:
        """Two keys are two purchases, with two ledger entries and ids."""
        store = InMemoryStore()
        planted(store, energy=0)
        service = GameService(store, CATALOG)
        a = service.execute(PID, buy("small", "k-1"))
        b = service.execute(PID, buy("small", "k-2"))
        assert (a.duplicate, b.duplicate) == (False, False)
        assert [debit.amount for debit in spent(store)] == [10, 10]
        assert store.players[PID].state.wallet.diamonds == 980
        assert isinstance(a.reply, EnergyUpdated)
        assert isinstance(b.reply, EnergyUpdated)
        assert a.reply.transaction_id != b.reply.transaction_id

    def test_keys_are_per_player(self) -> None:
        """One key used by two players is two purchases."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        service.login_device("dev-a", new_player_id="p-a", seed=1, at=AT)
        service.login_device("dev-b", new_player_id="p-b", seed=2, at=AT)
        a = service.execute("p-a", buy("overcharge", "shared"))
        b = service.execute("p-b", buy("overcharge", "shared"))
        assert (a.duplicate, b.duplicate) == (False, False)

    def test_rejection_persists_nothing(self) -> None:
        """A rejected command writes no journal line, event, version or key."""
        store = InMemoryStore()
        state = planted(store, energy=100)
        result = GameService(store, CATALOG).execute(PID, buy("full", "k-1"))
        assert (
            Result(
                reply=Rejection(
                    code="energy_full", message="energy 100 is already at 100"
                ),
                events=(),
                state=state,
                duplicate=False,
            )
            == result
        )
        assert StoredPlayer(player_id=PID, state=state, version=1) == store.load(PID)
        assert len(store.journal(PID)) == 1
        assert store.events[PID] == []
        assert store.processed == {}

    def test_rejected_key_is_not_consumed(self) -> None:
        """After a rejection the same key may succeed once the cause is gone."""
        store = InMemoryStore()
        planted(store, energy=0)
        service = GameService(store, CATALOG)
        refused = service.execute(PID, buy("mega", "k-1"))
        accepted = service.execute(PID, buy("small", "k-1"))
        assert isinstance(refused.reply, Rejection)
        assert refused.reply.code == "not_found"
        assert isinstance(accepted.reply, EnergyUpdated)
        assert not accepted.duplicate


class TestRetries:
    """Lost races are retried on fresh state, a bounded number of times."""

    @pytest.mark.parametrize("attempts", [1, 3, 8])
    def test_conflict_after_max_attempts(self, attempts: int) -> None:
        """A store that always conflicts is tried exactly ``max_attempts`` times."""
        store = ConflictingStore()
        planted(store, energy=0)
        service = GameService(store, CATALOG, max_attempts=attempts)
        with pytest.raises(ConflictError):
            service.execute(PID, buy("small", "k-1"))
        assert attempts == store.appends
        assert store.players[PID].version == 1

    def test_default_max_attempts(self) -> None:
        """The default bound is eight tries."""
        store = ConflictingStore()
        planted(store, energy=0)
        with pytest.raises(ConflictError):
            GameService(store, CATALOG).execute(PID, buy("small", "k-1"))
        assert store.appends == 8

    def test_succeeds_on_retry(self) -> None:
        """One lost race is retried, reloading the player, and then succeeds."""
        store = FailOnceStore()
        planted(store, energy=0)
        result = GameService(store, CATALOG).execute(PID, buy("small", "k-1"))
        assert isinstance(result.reply, EnergyUpdated)
        assert (store.appends, store.loads) == (2, 2)
        assert len(spent(store)) == 1
        assert store.players[PID].version == 2

    def test_retry_uses_fresh_state(self) -> None:
        """After a rival commits first, the retry is computed on the rival's state."""
        store = RacingStore(rival=buy("small", "rival"))
        planted(store, energy=0)
        result = GameService(store, CATALOG).execute(PID, buy("small", "mine"))
        assert isinstance(result.reply, EnergyUpdated)
        assert (result.reply.energy, result.reply.diamonds) == (50, 980)
        assert result.state.seq == 2
        assert store.players[PID].version == 3
        assert [debit.balance_after for debit in spent(store)] == [990, 980]

    def test_retry_finds_a_concurrent_duplicate(self) -> None:
        """If a rival committed the same key, the retry returns its reply."""
        store = RacingStore(rival=buy("small", "same"))
        planted(store, energy=0)
        result = GameService(store, CATALOG).execute(PID, buy("small", "same"))
        assert result.duplicate
        assert len(spent(store)) == 1


class TestIdempotencyKeyHash:
    """Keys are stored as SHA-256 over (player, message type, key)."""

    def test_is_sha256_of_player_type_and_key(self) -> None:
        """The hash is hex SHA-256 of the three parts joined by a unit separator."""
        material = f"{PID}\x1fpurchase_energy_refill\x1fk-1".encode()
        expected = hashlib.sha256(material).hexdigest()
        assert expected == idempotency_key_hash(PID, buy("full", "k-1"))

    def test_is_64_hex(self) -> None:
        """The hash is 64 lowercase hex characters."""
        digest = idempotency_key_hash(PID, buy("full", "k-1"))
        assert digest is not None
        assert re.fullmatch(r"[0-9a-f]{64}", digest)

    def test_differs_by_player(self) -> None:
        """Two players with one key have distinct hashes."""
        command = buy("full", "k-1")
        assert idempotency_key_hash("a", command) != idempotency_key_hash("b", command)

    def test_differs_by_key(self) -> None:
        """Two keys of one player have distinct hashes."""
        assert idempotency_key_hash(PID, buy("full", "k-1")) != idempotency_key_hash(
            PID, buy("full", "k-2")
        )

    def test_ignores_payload_and_instant(self) -> None:
        """Only player, type and key count, not the other fields."""
        assert idempotency_key_hash(PID, buy("full", "k-1")) == idempotency_key_hash(
            PID, buy("small", "k-1", at=AT + 99)
        )


@define
class FakeWriter:
    """A ``TextWriter`` that answers every request with one text, and remembers."""

    text: str | None
    requests: list[LineRequest] = field(factory=list)

    def write_line(self, request: LineRequest) -> str | None:
        self.requests.append(request)
        return self.text


def talking(writer: FakeWriter | None) -> tuple[GameService, InMemoryStore, str]:
    """A service over a new store, a player whose child is 4 at ``AT``; the mother."""
    store = InMemoryStore()
    service = GameService(store, CATALOG, writer=writer)
    born_at = (
        AT - 4 * CATALOG.life.days_per_year * MS_PER_DAY // CATALOG.clock.time_scale
    )
    service.login_device(DEVICE, new_player_id=PID, seed=42, at=born_at)
    result = service.execute(PID, CreateCharacter(at=born_at))
    assert result.state.character is not None
    mother = next(r for r in result.state.character.family if r.role == "mother")
    return service, store, mother.id


class TestTextWriter:
    """A ``TextWriter`` writes conversation lines, journaled as command data."""

    def test_the_writers_line_is_journaled(self) -> None:
        """The cleaned line goes into the journaled command, the reply and the event."""
        writer = FakeWriter("  Hello,\n   dear!  ")
        service, store, mother = talking(writer)
        result = service.execute(PID, StartConversation(at=AT + 1, npc_id=mother))
        assert isinstance(result.reply, ConversationOpened)
        assert (
            StartConversation(at=AT + 1, npc_id=mother, line="Hello, dear!")
            == store.journal(PID)[-1]
        )
        started = result.events[-1]
        assert isinstance(started, ConversationStarted)
        assert ("Hello, dear!", "Hello, dear!", "command") == (
            result.reply.line,
            started.line,
            started.written_by,
        )
        assert [("opening", "mother", None)] == [
            (r.kind, r.role, r.passed) for r in writer.requests
        ]

    def test_replay_needs_no_writer(self) -> None:
        """The journal alone, replayed without a writer, gives the stored state."""
        writer = FakeWriter("Well, look who it is.")
        service, store, mother = talking(writer)
        opened = service.execute(PID, StartConversation(at=AT + 1, npc_id=mother))
        assert isinstance(opened.reply, ConversationOpened)
        replied = service.execute(
            PID,
            ReplyConversation(
                at=AT + 2, conversation_id=opened.reply.conversation_id, reply="deep"
            ),
        )
        assert isinstance(replied.reply, ConversationResult)
        assert "Well, look who it is." == replied.reply.line
        stored = store.load(PID)
        assert stored is not None
        assert stored.state == replay(store.journal(PID), CATALOG)
        assert 4 == len(store.journal(PID))

    def test_the_answer_request_carries_the_engines_check(self) -> None:
        """A reply's request says whether the check passes, as the engine decides."""
        writer = FakeWriter("Mm.")
        service, _, mother = talking(writer)
        for n in range(4):
            opened = service.execute(
                PID, StartConversation(at=AT + 10 * n, npc_id=mother)
            )
            assert isinstance(opened.reply, ConversationOpened)
            replied = service.execute(
                PID,
                ReplyConversation(
                    at=AT + 10 * n + 1,
                    conversation_id=opened.reply.conversation_id,
                    reply="joke",
                ),
            )
            assert isinstance(replied.reply, ConversationResult)
            request = writer.requests[-1]
            assert ("answer", "Crack a joke", replied.reply.passed) == (
                request.kind,
                request.reply,
                request.passed,
            )

    @pytest.mark.parametrize("text", [None, "", "   ", " \n\t\r ", "\x00\x07"])
    def test_no_usable_line_falls_back_to_the_grammar(self, text: str | None) -> None:
        """None or blank text leaves the command without a line: the grammar's."""
        service, store, mother = talking(FakeWriter(text))
        before = store.load(PID)
        assert before is not None
        command = StartConversation(at=AT + 1, npc_id=mother)
        result = service.execute(PID, command)
        assert command == store.journal(PID)[-1]
        expected = step(before.state, command, CATALOG)
        assert (expected.reply, expected.state) == (result.reply, result.state)
        started = result.events[-1]
        assert isinstance(started, ConversationStarted)
        assert "template" == started.written_by

    def test_a_long_line_is_truncated(self) -> None:
        """Text beyond ``MAX_TEXT`` characters is cut, then journaled."""
        service, store, mother = talking(FakeWriter("x" * (MAX_TEXT + 100)))
        result = service.execute(PID, StartConversation(at=AT + 1, npc_id=mother))
        assert isinstance(result.reply, ConversationOpened)
        assert "x" * MAX_TEXT == result.reply.line
        journaled = store.journal(PID)[-1]
        assert isinstance(journaled, StartConversation)
        assert "x" * MAX_TEXT == journaled.line

    def test_a_given_line_is_kept(self) -> None:
        """A command that carries a line is not rewritten."""
        writer = FakeWriter("from the writer")
        service, store, mother = talking(writer)
        command = StartConversation(at=AT + 1, npc_id=mother, line="from the client")
        service.execute(PID, command)
        assert ([], command) == (writer.requests, store.journal(PID)[-1])

    def test_other_commands_ask_nothing(self) -> None:
        """Only conversations need lines."""
        writer = FakeWriter("unused")
        service, _, _ = talking(writer)
        service.execute(PID, buy("small", "k-1"))
        assert [] == writer.requests

    @pytest.mark.parametrize("npc", ["a-stranger", None])
    def test_refused_commands_ask_nothing(self, npc: str | None) -> None:
        """A command the engine refuses costs no writer call and writes nothing."""
        writer = FakeWriter("unused")
        service, store, mother = talking(writer)
        if npc is None:  # the day's cap of conversations is used up
            for n in range(CATALOG.conversations.daily_cap):
                service.execute(
                    PID,
                    StartConversation(at=AT + 1 + n, npc_id=mother, line="Hi."),
                )
        before = len(store.journal(PID))
        result = service.execute(
            PID, StartConversation(at=AT + 100, npc_id=npc or mother)
        )
        assert isinstance(result.reply, Rejection)
        assert ([], before) == (writer.requests, len(store.journal(PID)))


class TestCleanLine:
    """``clean_line``: one printable line of at most ``MAX_TEXT`` characters."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Hello there.", "Hello there."),
            ("  Hello \n\t there.  ", "Hello there."),
            ("a\x00b\x1bc", "a b c"),
            ("zero\u200bwidth", "zero width"),
            ("no\u00a0break", "no break"),
            ("line\r\nbreaks\u2028too", "line breaks too"),
            ("Ünïcödé ✓ 你好", "Ünïcödé ✓ 你好"),
            ("x" * (MAX_TEXT + 1), "x" * MAX_TEXT),
            ("word " * 200, ("word " * (MAX_TEXT // 5)).strip()),
            ("", None),
            ("   ", None),
            ("\n\t\r\x00", None),
        ],
    )
    def test_examples(self, text: str, expected: str | None) -> None:
        """Whitespace and control characters collapse to single spaces; then cut."""
        assert expected == clean_line(text)

    @given(st.text(max_size=2 * MAX_TEXT))
    def test_always_a_valid_command_line(self, text: str) -> None:
        """The result is None or a line every conversation command accepts."""
        line = clean_line(text)
        if line is not None:
            assert line == StartConversation(at=AT, npc_id="n", line=line).line
            assert len(line) <= MAX_TEXT
            assert "  " not in line
            assert line == line.strip()
        assert line == clean_line(line or "")


# -- store purchases ------------------------------------------------------------

STORE_ID = "2000000000000001"
PACK = "com.baolife.diamonds.550"


def _with_store(catalog: Catalog) -> Catalog:
    """``catalog`` with its store products.

    Until ``Catalog.store`` is wired, a subclass adds the field: the engine reads
    only attributes, so the rest of the catalog is the bundled one.
    """
    if hasattr(catalog, "store"):
        return catalog

    @frozen
    class WithStore(Catalog):
        store: StoreRules

    values = {f.name: getattr(catalog, f.name) for f in fields(Catalog)}
    return WithStore(
        **values, store=load_store(resources.files("baolife_core") / "content")
    )  # type: ignore[call-arg]


@pytest.fixture
def store_engine(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """The engine with the store handlers, and a catalog with the store."""
    monkeypatch.setitem(engine._HANDLERS, CreditStorePurchase, credit_store_purchase)
    monkeypatch.setitem(engine._HANDLERS, RevokeStorePurchase, revoke_store_purchase)
    return _with_store(CATALOG)


@define
class FakeVerifier:
    """``product|transaction[|revoked]`` verifies; anything else is refused."""

    calls: list[tuple[str, int]] = field(factory=list)

    def verify(self, signed_transaction: str, *, at: int) -> VerifiedPurchase:
        self.calls.append((signed_transaction, at))
        parts = signed_transaction.split("|")
        if len(parts) not in (2, 3):
            raise ReceiptError("the JWS signature does not verify")
        return VerifiedPurchase(
            product_id=parts[0],
            transaction_id=parts[1],
            original_transaction_id=parts[1],
            environment="sandbox",
            purchased_at=AT - 1,
            revoked=parts[2:] == ["revoked"],
        )


@define
class FlakyBindStore(InMemoryStore):
    """A store whose first binding hits a transient database error."""

    binds: int = 0

    def bind_store_transaction(
        self, transaction_id: str, player_id: str, *, at: int
    ) -> str:
        self.binds += 1
        if self.binds == 1:
            raise ConcurrencyError("deadlock")
        return super().bind_store_transaction(transaction_id, player_id, at=at)


def shop(
    catalog: Catalog, store: InMemoryStore | None = None
) -> tuple[GameService, InMemoryStore]:
    """A service with the fake verifier and two players, ``PID`` and ``OTHER``."""
    store = InMemoryStore() if store is None else store
    service = GameService(store, catalog, verifier=FakeVerifier())
    for player, device in ((PID, DEVICE), (OTHER, "device-2")):
        service.login_device(device, new_player_id=player, seed=42, at=AT)
    return service, store


OTHER = "player-2"


def credit(
    service: GameService,
    player: str = PID,
    signed: str = f"{PACK}|{STORE_ID}",
    *,
    product_id: str = PACK,
    transaction_id: str = STORE_ID,
    at: int = AT + 1,
) -> Result:
    """Ask the service to credit a store purchase."""
    return service.credit_store_purchase(
        player,
        product_id=product_id,
        transaction_id=transaction_id,
        signed_transaction=signed,
        at=at,
    )


def snapshot(store: InMemoryStore) -> tuple[object, ...]:
    """Everything the store holds (to prove a refusal changed nothing)."""
    return (
        dict(store.players),
        {k: list(v) for k, v in store.journals.items()},
        dict(store.processed),
        dict(store.store_transactions),
    )


class TestCreditStorePurchase:
    """``GameService.credit_store_purchase``: verify, bind, then credit once."""

    def test_credits_and_binds_to_the_player(self, store_engine: Catalog) -> None:
        """A verified purchase is credited and its id bound to the buyer."""
        service, store = shop(store_engine)
        result = credit(service)
        assert (
            StorePurchaseResult(
                product_id=PACK,
                transaction_id=STORE_ID,
                diamonds_added=550,
                diamonds=1550,
            )
            == result.reply
        )
        assert {STORE_ID: PID} == store.store_transactions
        assert [550] == [
            e.diamonds
            for e in store.events[PID]
            if isinstance(e, StorePurchaseCredited)
        ]
        assert [
            CreditStorePurchase(
                at=AT + 1,
                product_id=PACK,
                transaction_id=STORE_ID,
                original_transaction_id=STORE_ID,
                environment="sandbox",
                purchased_at=AT - 1,
            )
        ] == store.journals[PID][1:]
        assert [(f"{PACK}|{STORE_ID}", AT + 1)] == service.verifier.calls  # type: ignore[union-attr]

    def test_a_retry_returns_the_first_reply(self, store_engine: Catalog) -> None:
        """The buyer sending the same transaction again is credited once."""
        service, store = shop(store_engine)
        first = credit(service)
        again = credit(service, at=AT + 2)
        assert (first.reply, True) == (again.reply, again.duplicate)
        credits = [e for e in store.events[PID] if isinstance(e, DiamondsCredited)]
        assert 2 == len(credits)  # the starting grant and the purchase
        assert 1550 == again.state.wallet.diamonds

    def test_another_player_is_already_claimed(self, store_engine: Catalog) -> None:
        """A transaction bound to one player is refused to every other, forever."""
        service, store = shop(store_engine)
        credit(service)
        before = snapshot(store)
        result = credit(service, OTHER)
        assert isinstance(result.reply, Rejection)
        assert ALREADY_CLAIMED == result.reply.code
        assert ((), False) == (result.events, result.duplicate)
        assert before == snapshot(store)
        assert 1000 == result.state.wallet.diamonds

    @pytest.mark.parametrize(
        ("signed", "product_id", "transaction_id"),
        [
            ("garbage", PACK, STORE_ID),
            (f"{PACK}|{STORE_ID}|revoked", PACK, STORE_ID),
            (f"com.baolife.diamonds.7000|{STORE_ID}", PACK, STORE_ID),
            (f"{PACK}|{STORE_ID}", "com.baolife.diamonds.7000", STORE_ID),
            (f"{PACK}|2000000000000002", PACK, STORE_ID),
            (f"{PACK}|bad id", PACK, "bad id"),
        ],
        ids=[
            "unverifiable",
            "revoked",
            "signed-for-another-product",
            "asked-for-another-product",
            "another-transaction",
            "id-the-command-refuses",
        ],
    )
    def test_invalid_receipts_change_nothing(
        self, store_engine: Catalog, signed: str, product_id: str, transaction_id: str
    ) -> None:
        """``invalid_receipt``: nothing bound, journaled or credited."""
        service, store = shop(store_engine)
        before = snapshot(store)
        result = credit(
            service, signed=signed, product_id=product_id, transaction_id=transaction_id
        )
        assert isinstance(result.reply, Rejection)
        assert INVALID_RECEIPT == result.reply.code
        assert ((), False) == (result.events, result.duplicate)
        assert before == snapshot(store)

    def test_without_a_verifier_nothing_is_credited(
        self, store_engine: Catalog
    ) -> None:
        """A service built without a verifier refuses every purchase."""
        store = InMemoryStore()
        service = GameService(store, store_engine)
        service.login_device(DEVICE, new_player_id=PID, seed=42, at=AT)
        result = credit(service)
        assert isinstance(result.reply, Rejection)
        assert INVALID_RECEIPT == result.reply.code
        assert {} == store.store_transactions

    def test_the_reason_reaches_the_rejection(self, store_engine: Catalog) -> None:
        """The verifier's message says why (for logs and developers)."""
        service, _ = shop(store_engine)
        reply = credit(service, signed="garbage").reply
        assert isinstance(reply, Rejection)
        assert "the JWS signature does not verify" == reply.message

    def test_binding_retries_a_transient_error(self, store_engine: Catalog) -> None:
        """A deadlock while binding is retried; the purchase goes through."""
        service, store = shop(store_engine, FlakyBindStore())
        result = credit(service)
        assert isinstance(result.reply, StorePurchaseResult)
        assert 2 == store.binds  # type: ignore[attr-defined]

    def test_unknown_player(self, store_engine: Catalog) -> None:
        """A purchase for a missing player raises PlayerNotFoundError."""
        service, _ = shop(store_engine)
        with pytest.raises(PlayerNotFoundError):
            credit(service, "ghost")


class TestRevokeStorePurchase:
    """``GameService.revoke_store_purchase``: the refund notification."""

    def test_takes_back_the_purchase(self, store_engine: Catalog) -> None:
        """The credited diamonds are debited, once."""
        service, store = shop(store_engine)
        credit(service)
        result = service.revoke_store_purchase(PID, STORE_ID, "refund", AT + 2)
        assert (
            StoreRevocationResult(transaction_id=STORE_ID, debited=550, debt=0)
            == result.reply
        )
        assert 1000 == result.state.wallet.diamonds
        again = service.revoke_store_purchase(PID, STORE_ID, "refund", AT + 3)
        assert isinstance(again.reply, Rejection)
        assert ALREADY_CLAIMED == again.reply.code
        assert [StorePurchaseRevoked] == [
            type(e) for e in store.events[PID] if isinstance(e, StorePurchaseRevoked)
        ]

    def test_a_refunded_transaction_stays_claimed(self, store_engine: Catalog) -> None:
        """After its refund the id is not credited again, to anyone.

        The owner's retry is a replayed idempotency key: the first reply again,
        and nothing changes; anyone else is ``already_claimed``.
        """
        service, _ = shop(store_engine)
        first = credit(service)
        service.revoke_store_purchase(PID, STORE_ID, "refund", AT + 2)
        again = credit(service, at=AT + 3)
        assert (first.reply, True, 1000) == (
            again.reply,
            again.duplicate,
            again.state.wallet.diamonds,
        )
        reply = credit(service, OTHER, at=AT + 3).reply
        assert isinstance(reply, Rejection)
        assert ALREADY_CLAIMED == reply.code

    def test_never_credited_is_not_found(self, store_engine: Catalog) -> None:
        """A notification for a transaction the player never had changes nothing."""
        service, store = shop(store_engine)
        before = snapshot(store)
        result = service.revoke_store_purchase(PID, STORE_ID, "refund", AT + 2)
        assert isinstance(result.reply, Rejection)
        assert NOT_FOUND == result.reply.code
        assert before == snapshot(store)
