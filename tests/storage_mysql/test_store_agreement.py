"""Store agreement: the in-memory store, SQLite and MariaDB play the same game.

Issue 6, "Store agreement". As HypothesisWorks/hypothesis
``tests/nocover/test_database_agreement.py`` drives several example databases
with the same operations, one ``RuleBasedStateMachine`` drives the core's
``InMemoryStore`` (the reference), ``SqlPlayerStore`` on SQLite and on MariaDB,
each through its own ``GameService``, with the same commands: purchases under
a small pool of idempotency keys (so keys repeat), time passing, a life begun at
the start, activities, answers, claims, items, the tutorial, the player's UTC
offset, on content where purchases keep succeeding (``MANY_PURCHASES``), refusals
and rate limits included. After every step the stores agree on the results, on
the stored version, state and state hash, on the journal, on the first reply of
every key used, and the SQL ledgers on the memory store's ledger events; at the
end the journal replays to the state. A command one store refuses with an error
(a projection that does not fit its table) fails the test as a disagreement.

The stores live for the whole test (a new player per example, as in the rest of
the storage suite); the services are new per example, so rate-limit buckets do
not carry over. Examples are bounded (``AGREEMENT_EXAMPLES``, ``STEPS``) so that
CI's profile, which asks 300 examples of the pure machines, stays modest here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import currently_in_test_context, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from baolife_core import (
    AnswerQuestion,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    CreateCharacter,
    DiamondsCredited,
    DiamondsSpent,
    DoActivity,
    GameService,
    InMemoryStore,
    PlayerStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    Rejection,
    Result,
    SetUtcOffset,
    SkipTutorial,
    TutorialStep,
    UseItem,
    advance,
    idempotency_key_hash,
    replay,
    state_hash,
    wire_name,
)
from baolife_storage_mysql import SqlPlayerStore
from content_packs import MANY_PURCHASES
from strategies import (
    activities,
    gaps,
    genders,
    instants,
    keys,
    names,
    refill_types,
    seeds,
    skip_types,
)

from .support import ledger, open_sql_store

#: Examples per run (or fewer, if the profile asks fewer) and steps per example.
AGREEMENT_EXAMPLES = 30
STEPS = 25
#: The reference store's name: every other store is compared with it.
REFERENCE = "memory"
#: The content: purchases keep succeeding until the diamonds run out.
CONTENT = MANY_PURCHASES
#: Wall ms before each purchase: one token of the tightest purchase limit (5 time
#: skips a minute), so purchases are refused by the economy, not the rate limits.
PURCHASE_GAP_MS = 60_000 // 5
#: Wall ms of one game year (36 game days of 24 minutes).
YEAR_MS = CONTENT.life.days_per_year * 24 * 60_000


class StoresAgree(RuleBasedStateMachine):
    """One player, the same commands, three stores that must agree."""

    def __init__(self, stores: Mapping[str, PlayerStore]) -> None:
        super().__init__()
        self.stores = stores
        self.services = {
            name: GameService(store, CONTENT) for name, store in stores.items()
        }
        self.player = str(uuid.uuid4())
        self.now = 0
        self.key_hashes: set[str] = set()

    @initialize(seed=seeds, at=instants)
    def create(self, seed: int, at: int) -> None:
        self.now = at
        device = str(uuid.uuid4())
        created = {
            service.login_device(device, new_player_id=self.player, seed=seed, at=at)
            for service in self.services.values()
        }
        assert {self.player} == created
        self.play(CreateCharacter(at=at))

    def play(self, command: Command) -> None:
        """Run ``command`` in every store; the results must be the reference's."""
        results: dict[str, Result] = {
            name: service.execute(self.player, command)
            for name, service in self.services.items()
        }
        expected = results[REFERENCE]
        if currently_in_test_context():  # not in a regression run by hand
            note(f"{command} -> {expected.reply}")
            refused = isinstance(expected.reply, Rejection)
            outcome = "refused" if refused else "accepted"
            outcome = "duplicate" if expected.duplicate else outcome
            event(f"{wire_name(type(command))}: {outcome}")
        for result in results.values():
            assert expected == result
        key_hash = idempotency_key_hash(self.player, command)
        if key_hash is not None:
            self.key_hashes.add(key_hash)

    # -- rules: the commands and the passing of time --------------------------

    @rule(gap=gaps)
    def time_passes(self, gap: int) -> None:
        self.now += gap

    @rule(years=st.integers(min_value=1, max_value=3))
    def years_pass(self, years: int) -> None:
        self.now += years * YEAR_MS

    @rule(refill_type=refill_types, key=keys)
    def purchase_refill(self, refill_type: str, key: str) -> None:
        self.now += PURCHASE_GAP_MS
        self.play(
            PurchaseEnergyRefill(
                at=self.now, refill_type=refill_type, idempotency_key=key
            )
        )

    @rule(skip_type=skip_types, key=keys)
    def purchase_time_skip(self, skip_type: str, key: str) -> None:
        self.now += PURCHASE_GAP_MS
        self.play(
            PurchaseTimeSkip(at=self.now, skip_type=skip_type, idempotency_key=key)
        )

    @rule(name=names, gender=genders)
    def create_character(self, name: str | None, gender: str | None) -> None:
        self.play(CreateCharacter(at=self.now, name=name, gender=gender))

    @rule(activity=activities)
    def do_activity(self, activity: str) -> None:
        self.play(DoActivity(at=self.now, activity=activity))

    @rule(data=st.data())
    def answer_question(self, data: st.DataObject) -> None:
        state = self.stores[REFERENCE].load(self.player)
        assert state is not None
        character = advance(state.state, self.now, CONTENT).character
        pending = () if character is None else character.story.pending
        question = data.draw(st.sampled_from([*pending, None]))
        if question is None:
            self.play(AnswerQuestion(at=self.now, question_id="unknown", choice="x"))
            return
        storylet = CONTENT.storylets.storylet(question.event_id)
        choices = [c.id for c in storylet.choices] if storylet else ["x"]
        choice = data.draw(st.sampled_from([*choices, "no_such_choice"]))
        self.play(AnswerQuestion(at=self.now, question_id=question.id, choice=choice))

    @rule(key=keys)
    def claim_daily_reward(self, key: str) -> None:
        self.play(ClaimDailyReward(at=self.now, idempotency_key=key))

    @rule(
        quest=st.sampled_from([*(q.id for q in CONTENT.quests.quests), "no_quest"]),
        key=keys,
    )
    def claim_quest_reward(self, quest: str, key: str) -> None:
        self.play(ClaimQuestReward(at=self.now, quest=quest, idempotency_key=key))

    @rule(item=st.sampled_from([*(i.id for i in CONTENT.items.items), "nothing"]))
    def use_item(self, item: str) -> None:
        self.play(UseItem(at=self.now, item=item))

    @rule(
        step=st.sampled_from(
            sorted({s for _, steps in CONTENT.tutorial.flows for s in steps})
        )
    )
    def tutorial_step(self, step: str) -> None:
        self.play(TutorialStep(at=self.now, step=step))

    @rule()
    def skip_tutorial(self) -> None:
        self.play(SkipTutorial(at=self.now))

    @rule(minutes=st.integers(min_value=-720, max_value=840))
    def set_utc_offset(self, minutes: int) -> None:
        self.play(SetUtcOffset(at=self.now, minutes=minutes))

    # -- invariants: the stores agree -----------------------------------------

    @invariant()
    def stored_players_agree(self) -> None:
        """Version, state and state hash, read fresh from every store."""
        loaded = {
            name: store.load(self.player, fresh=True)
            for name, store in self.stores.items()
        }
        expected = loaded[REFERENCE]
        assert expected is not None
        for stored in loaded.values():
            assert stored is not None
            assert (expected.version, expected.state) == (stored.version, stored.state)
            assert state_hash(expected.state) == state_hash(stored.state)

    @invariant()
    def journals_agree(self) -> None:
        """Every store journaled the same records, in the same order."""
        expected = self.stores[REFERENCE].journal(self.player)
        for store in self.stores.values():
            assert expected == store.journal(self.player)

    @invariant()
    def idempotent_replies_agree(self) -> None:
        """Every key used has the same first reply (or none) in every store."""
        for key_hash in sorted(self.key_hashes):
            expected = self.stores[REFERENCE].processed_reply(self.player, key_hash)
            for store in self.stores.values():
                assert expected == store.processed_reply(self.player, key_hash)

    @invariant()
    def ledgers_agree(self) -> None:
        """The SQL ledger tables hold the reference's ledger events, and the
        denormalized diamonds equal their sum."""
        reference = self.stores[REFERENCE]
        assert isinstance(reference, InMemoryStore)
        events = reference.events[self.player]
        deltas = [
            e.delta for e in events if isinstance(e, DiamondsCredited | DiamondsSpent)
        ]
        for store in self.stores.values():
            if isinstance(store, SqlPlayerStore):
                diamonds, total, rows = ledger(store.engine, self.player)
                assert (sum(deltas), sum(deltas), len(deltas)) == (
                    diamonds,
                    total,
                    rows,
                )

    def teardown(self) -> None:
        """The journal replays to the stored state (once per example: a replay
        re-lives every game day)."""
        stored = self.stores[REFERENCE].load(self.player)
        if stored is not None:
            journal = self.stores[REFERENCE].journal(self.player)
            assert stored.state == replay(journal, CONTENT)


@pytest.fixture
def stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dict[str, PlayerStore]]:
    """The three stores, for the whole test (new players per example)."""
    sqlite = open_sql_store("sqlite", request, tmp_path)
    mariadb = open_sql_store("mariadb", request, tmp_path)
    yield {REFERENCE: InMemoryStore(), "sqlite": sqlite, "mariadb": mariadb}
    mariadb.close()
    sqlite.close()


@pytest.mark.mariadb
class TestStoresAgree:
    """The memory, SQLite and MariaDB stores agree on every step of random play."""

    def test_stores_agree(self, stores: dict[str, PlayerStore]) -> None:
        """Random commands, the same in each store: replies, state, journal agree."""
        run_state_machine_as_test(
            lambda: StoresAgree(stores),
            settings=settings(
                settings.default,
                max_examples=min(settings.default.max_examples, AGREEMENT_EXAMPLES),
                stateful_step_count=STEPS,
            ),
        )

    def test_an_offset_change_back_to_a_rolled_day(
        self, stores: dict[str, PlayerStore]
    ) -> None:
        """The machine's first find, kept as a regression: a UTC offset change
        that moves the local day back to a day whose quests were rolled, then a
        command. The stores must agree (the engine may not roll a day twice:
        ``player_daily_quests`` holds one row per day and quest)."""
        machine = StoresAgree(stores)
        machine.create(seed=0, at=1_700_653_115_017)  # local day 19683, quests rolled
        machine.years_pass(years=1)  # 14.4 h later: UTC day 19684
        machine.set_utc_offset(minutes=-123)  # rolls 19684, then local day 19683
        machine.skip_tutorial()
        machine.stored_players_agree()
        machine.journals_agree()
        machine.ledgers_agree()
        machine.teardown()
