"""Property tests of DESIGN.md's determinism rules and economy invariants.

The state machine plays random commands through the application service over the
in-memory store (the engine, the service's idempotency and the store contract
together); its invariants are conservation laws, and one of them replays the
journal and compares with the live state.
"""

from __future__ import annotations

from attrs import evolve
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from baolife_core import (
    AdvanceRelationship,
    AnswerQuestion,
    ApplyForJob,
    BreakUp,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    CreateCharacter,
    DiamondsCredited,
    DiamondsSpent,
    DoActivity,
    EnergyRefilled,
    Enroll,
    GameService,
    GameTimeSkipped,
    GoOnDate,
    InMemoryStore,
    Like,
    Pass,
    PlayerState,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    Rejection,
    Reply,
    ReplyConversation,
    Retire,
    SetDatingPreferences,
    SetUtcOffset,
    SkipTutorial,
    StartConversation,
    TutorialStep,
    UseItem,
    advance,
    current_energy,
    replay,
    replay_outcomes,
    state_from_wire,
    state_hash,
    state_to_wire,
    step,
    wire_name,
)
from baolife_core.dating.matching import match_list
from baolife_core.dating.stages import COMMITTED, STAGES
from baolife_core.life.contacts import MAX_CONTACTS
from baolife_core.life.rules import STAT_NAMES
from content_packs import MANY_PURCHASES
from strategies import (
    CATALOG,
    activities,
    gaps,
    genders,
    instants,
    journals,
    keys,
    names,
    refill_types,
    seeds,
    skip_types,
)

PLAYER = "player-under-test"


class EconomyMachine(RuleBasedStateMachine):
    """Plays purchases, lives and the passing of time against the service."""

    catalog = CATALOG
    #: Wall ms that pass before each purchase (0: purchases may share an instant,
    #: and past the rate limits they are refused ``rate_limited``, changing nothing).
    purchase_gap_ms = 0

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.service = GameService(self.store, self.catalog)
        self.now = 0
        self.first_replies: dict[tuple[str, str], Reply] = {}
        self.purchases = 0

    @initialize(seed=seeds, at=instants)
    def create(self, seed: int, at: int) -> None:
        self.now = at
        self.service.login_device("device", new_player_id=PLAYER, seed=seed, at=at)

    @property
    def state(self) -> PlayerState:
        return self.service.load(PLAYER).state

    @rule(gap=gaps)
    def time_passes(self, gap: int) -> None:
        self.now += gap

    @rule(refill_type=refill_types, key=keys)
    def purchase_refill(self, refill_type: str, key: str) -> None:
        self.now += self.purchase_gap_ms
        self.run(
            PurchaseEnergyRefill(
                at=self.now, refill_type=refill_type, idempotency_key=key
            )
        )

    @rule(skip_type=skip_types, key=keys)
    def purchase_time_skip(self, skip_type: str, key: str) -> None:
        self.now += self.purchase_gap_ms
        self.run(
            PurchaseTimeSkip(at=self.now, skip_type=skip_type, idempotency_key=key)
        )

    @rule(name=names, gender=genders)
    def create_character(self, name: str | None, gender: str | None) -> None:
        before = self.state
        result = self.service.execute(
            PLAYER, CreateCharacter(at=self.now, name=name, gender=gender)
        )
        note(f"create_character -> {result.reply}")
        if isinstance(result.reply, Rejection):
            assert before == self.state
        else:
            assert self.state.character is not None
            assert self.state.character.death is None

    @rule(activity=activities)
    def do_activity(self, activity: str) -> None:
        before = self.state
        result = self.service.execute(
            PLAYER, DoActivity(at=self.now, activity=activity)
        )
        note(f"do_activity {activity} -> {result.reply}")
        if isinstance(result.reply, Rejection):
            assert before == self.state
        else:
            rules = self.catalog.energy
            spent = current_energy(before.energy, self.now, rules) - current_energy(
                self.state.energy, self.now, rules
            )
            assert spent == self.catalog.activities.activity(activity).energy  # type: ignore[union-attr]

    @rule(years=st.integers(min_value=1, max_value=12))
    def years_pass(self, years: int) -> None:
        self.now += years * 36 * 24 * 60_000

    def play(self, command: Command) -> None:
        """Execute an unkeyed command: a rejection changes nothing, else seq + 1."""
        before = self.state
        result = self.service.execute(PLAYER, command)
        note(f"{command} -> {result.reply}")
        rejected = isinstance(result.reply, Rejection)
        event(f"{wire_name(type(command))}: {'refused' if rejected else 'accepted'}")
        if isinstance(result.reply, Rejection):
            assert before == self.state
            assert () == result.events
        else:
            assert before.seq + 1 == self.state.seq

    @rule(data=st.data())
    def answer_question(self, data: st.DataObject) -> None:
        character = advance(self.state, self.now, self.catalog).character
        pending = () if character is None else character.story.pending
        question = data.draw(st.sampled_from([*pending, None]))
        if question is None:
            self.play(AnswerQuestion(at=self.now, question_id="unknown", choice="x"))
            return
        storylet = self.catalog.storylets.storylet(question.event_id)
        choices = [c.id for c in storylet.choices] if storylet else ["x"]
        choice = data.draw(st.sampled_from([*choices, "no_such_choice"]))
        self.play(AnswerQuestion(at=self.now, question_id=question.id, choice=choice))

    @rule(job=st.sampled_from([*(j.id for j in CATALOG.careers.jobs), "astronaut"]))
    def apply_for_job(self, job: str) -> None:
        self.play(ApplyForJob(at=self.now, job=job))

    @rule(school=st.sampled_from([*(s.id for s in CATALOG.careers.schools), "mit"]))
    def enroll(self, school: str) -> None:
        self.play(Enroll(at=self.now, school=school))

    @rule()
    def quit_job(self) -> None:
        self.play(QuitJob(at=self.now))

    @rule()
    def retire(self) -> None:
        self.play(Retire(at=self.now))

    @rule(data=st.data())
    def start_conversation(self, data: st.DataObject) -> None:
        character = self.state.character
        people = []
        if character is not None:
            people = [p.id for p in (*character.family, *character.contacts)]
        npc = data.draw(st.sampled_from([*people, "nobody"]))
        self.play(StartConversation(at=self.now, npc_id=npc))

    @rule(reply=st.sampled_from(["kind", "joke", "deep", "argue", "shrug"]))
    def reply_conversation(self, reply: str) -> None:
        character = self.state.character
        open_one = None if character is None else character.conversation
        conversation = "none" if open_one is None else open_one.id
        self.play(
            ReplyConversation(at=self.now, conversation_id=conversation, reply=reply)
        )

    @rule(
        seeking=st.lists(st.sampled_from(["female", "male", "nonbinary", "alien"])),
        ages=st.tuples(
            st.none() | st.integers(min_value=0, max_value=150),
            st.none() | st.integers(min_value=0, max_value=150),
        ),
        interests=st.none()
        | st.lists(
            st.sampled_from([*(i.id for i in CATALOG.dating.interests), "knitting"]),
            max_size=6,
            unique=True,
        ),
    )
    def set_dating_preferences(
        self,
        seeking: list[str],
        ages: tuple[int | None, int | None],
        interests: list[str] | None,
    ) -> None:
        self.play(
            SetDatingPreferences(
                at=self.now,
                seeking=tuple(sorted(set(seeking))),
                min_age=ages[0],
                max_age=ages[1],
                interests=None if interests is None else tuple(interests),
            )
        )

    def _suggested(self, data: st.DataObject) -> str:
        """A suggested NPC's id now (or an unknown one)."""
        matches = match_list(self.state, self.now, self.catalog).matches
        return data.draw(st.sampled_from([*(m.npc_id for m in matches), "nobody"]))

    def _romance(self, data: st.DataObject) -> str:
        """One of the character's relationships (or an unknown id)."""
        character = self.state.character
        romances = () if character is None else character.dating.romances
        return data.draw(st.sampled_from([*(r.npc.id for r in romances), "nobody"]))

    @rule(data=st.data())
    def like(self, data: st.DataObject) -> None:
        self.play(Like(at=self.now, npc_id=self._suggested(data)))

    @rule()
    def court(self) -> None:
        """Like the suggestions in turn until one likes back (or none is left)."""
        for match in match_list(self.state, self.now, self.catalog).matches:
            self.play(Like(at=self.now, npc_id=match.npc_id))
            character = self.state.character
            if character is not None and any(
                r.npc.id == match.npc_id for r in character.dating.romances
            ):
                break

    @rule(data=st.data())
    def pass_npc(self, data: st.DataObject) -> None:
        self.play(Pass(at=self.now, npc_id=self._suggested(data)))

    @rule(
        data=st.data(),
        place=st.sampled_from(
            [(v.id, a.id) for v in CATALOG.dating.venues for a in v.activities]
            + [("moon", "walk")]
        ),
    )
    def go_on_date(self, data: st.DataObject, place: tuple[str, str]) -> None:
        venue, activity = place
        npc = self._romance(data)
        self.play(GoOnDate(at=self.now, npc_id=npc, venue=venue, activity=activity))

    @rule(data=st.data())
    def advance_relationship(self, data: st.DataObject) -> None:
        self.play(AdvanceRelationship(at=self.now, npc_id=self._romance(data)))

    @rule(data=st.data())
    def break_up(self, data: st.DataObject) -> None:
        self.play(BreakUp(at=self.now, npc_id=self._romance(data)))

    @invariant()
    def relationships_within_bounds(self) -> None:
        """Affections stay within 0..100, stages are the table's, at most one
        relationship is committed, and no NPC is in two."""
        character = self.state.character
        if character is None:
            return
        romances = character.dating.romances
        assert all(0 <= r.affection <= 100 for r in romances)
        assert all(0 <= r.npc_affection <= 100 for r in romances)
        assert all(0 <= r.compatibility <= 100 for r in romances)
        assert all(r.stage in STAGES for r in romances)
        assert sum(r.stage in COMMITTED for r in romances) <= 1
        assert len({r.npc.id for r in romances}) == len(romances)
        assert len(romances) <= self.catalog.dating.max_romances

    @rule(days=st.integers(min_value=1, max_value=3))
    def days_pass(self, days: int) -> None:
        self.now += days * 86_400_000

    @rule(key=keys)
    def claim_daily_reward(self, key: str) -> None:
        self.claim(ClaimDailyReward(at=self.now, idempotency_key=key))

    @rule(data=st.data(), key=keys)
    def claim_quest_reward(self, data: st.DataObject, key: str) -> None:
        slots = [slot.quest for slot in self.state.retention.quests.slots]
        quest = data.draw(st.sampled_from([*slots, "no_such_quest"]))
        self.claim(ClaimQuestReward(at=self.now, quest=quest, idempotency_key=key))

    @rule(item=st.sampled_from([*(i.id for i in CATALOG.items.items), "nothing"]))
    def use_item(self, item: str) -> None:
        self.play(UseItem(at=self.now, item=item))

    @rule(
        step=st.sampled_from(
            sorted({s for _, steps in CATALOG.tutorial.flows for s in steps})
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

    def claim(self, command: ClaimDailyReward | ClaimQuestReward) -> None:
        """A keyed claim: a repeated key answers its first reply and pays nothing."""
        before = self.state
        key = (wire_name(type(command)), command.idempotency_key)
        result = self.service.execute(PLAYER, command)
        note(f"{command} -> {result.reply}")
        if key in self.first_replies:
            assert self.first_replies[key] == result.reply
            assert result.duplicate
            assert before == self.state
        elif isinstance(result.reply, Rejection):
            assert before == self.state
            assert () == result.events
        else:
            self.first_replies[key] = result.reply
            assert before.seq + 1 == self.state.seq

    @invariant()
    def no_reward_pays_twice(self) -> None:
        credits = [
            e.transaction_id
            for e in self.store.events[PLAYER]
            if isinstance(e, DiamondsCredited)
        ]
        assert len(set(credits)) == len(credits)

    def run(self, command: Command) -> None:
        """Execute a keyed command and check the idempotency and rejection rules."""
        before = self.state
        key = (wire_name(type(command)), command.idempotency_key)
        result = self.service.execute(PLAYER, command)
        note(f"{command} -> {result.reply}")
        if key in self.first_replies:
            # The same idempotency key twice: the first reply again, nothing debited.
            assert self.first_replies[key] == result.reply
            assert result.duplicate
            assert before == self.state
        elif isinstance(result.reply, Rejection):
            # A rejected command changes nothing and does not consume its key.
            assert before == self.state
            assert () == result.events
        else:
            self.first_replies[key] = result.reply
            self.purchases += 1
            assert before.seq + 1 == self.state.seq
            assert self.state.clock.skipped_ms >= before.clock.skipped_ms

    @precondition(lambda self: self.now > 0)
    @rule(data=st.data())
    def advance_is_split_invariant(self, data: st.DataObject) -> None:
        state = self.state
        t2 = data.draw(st.integers(min_value=state.clock.now_at, max_value=self.now))
        t1 = data.draw(st.integers(min_value=state.clock.now_at, max_value=t2))
        direct = advance(state, t2, self.catalog)
        assert direct == advance(advance(state, t1, self.catalog), t2, self.catalog)

    @invariant()
    def diamonds_never_negative(self) -> None:
        assert self.state.wallet.diamonds >= 0

    @invariant()
    def diamonds_equal_the_ledger(self) -> None:
        ledger = [
            e
            for e in self.store.events[PLAYER]
            if isinstance(e, DiamondsCredited | DiamondsSpent)
        ]
        wallet = self.state.wallet
        assert sum(e.delta for e in ledger) == wallet.diamonds
        assert wallet.earned - wallet.spent == wallet.diamonds
        assert len(ledger) == wallet.entries
        if ledger:
            assert ledger[-1].balance_after == wallet.diamonds

    @invariant()
    def every_debit_has_exactly_one_ledger_entry(self) -> None:
        events = self.store.events[PLAYER]
        debits = [e.transaction_id for e in events if isinstance(e, DiamondsSpent)]
        purchases = [
            e.transaction_id
            for e in events
            if isinstance(e, EnergyRefilled | GameTimeSkipped)
        ]
        assert sorted(purchases) == sorted(debits)
        assert len(set(debits)) == len(debits) == self.purchases

    @invariant()
    def energy_within_bounds(self) -> None:
        rules = self.catalog.energy
        energy = current_energy(self.state.energy, self.now, rules)
        assert 0 <= energy <= rules.overfill_cap

    def teardown(self) -> None:
        """Replay of the journal equals the live state (checked once per run: a
        replay re-lives every game day, so checking it after every step would make
        the machine quadratic in game time)."""
        if PLAYER in self.store.journals:
            assert self.state == replay(self.store.journal(PLAYER), self.catalog)

    @invariant()
    def stats_within_bounds(self) -> None:
        character = self.state.character
        if character is not None:
            assert character.money_cents >= 0
            stats = [getattr(character.stats, name) for name in STAT_NAMES]
            assert all(0 <= value <= 100 for value in stats)
            people = (*character.family, *character.contacts)
            assert all(0 <= person.closeness <= 100 for person in people)
            assert len(character.contacts) <= MAX_CONTACTS
            assert len({person.id for person in people}) == len(people)
            career = character.career
            if career.schooling is not None:
                assert 0 <= career.schooling.grades <= 100
            if career.job is not None:
                assert 0 <= career.job.performance <= 100
                assert not career.retired

    @invariant()
    def snapshot_round_trips(self) -> None:
        assert self.state == state_from_wire(state_to_wire(self.state))


TestEconomyMachine = EconomyMachine.TestCase


class DatingMachine(EconomyMachine):
    """The same rules and invariants, from a character of 20: old enough to date,
    so that random play reaches matches, dates, weddings and divorces often."""

    @initialize(seed=seeds, at=instants)
    def create(self, seed: int, at: int) -> None:
        super().create(seed, at)
        self.play(CreateCharacter(at=self.now))
        self.now += 20 * CATALOG.life.days_per_year * 24 * 60_000


TestDatingMachine = DatingMachine.TestCase
# Each run lives 20 game years first (every day's storylets), so a third of the
# profile's examples keeps it within the time of the other machines.
TestDatingMachine.settings = settings(
    settings.default, max_examples=max(1, settings.default.max_examples // 3)
)


class ManyPurchasesMachine(EconomyMachine):
    """The same machine on content where purchases keep succeeding until broke."""

    catalog = MANY_PURCHASES
    #: One token of the tightest purchase limit (5 time skips a minute), so the rate
    #: limits never stop the purchases before the diamonds run out.
    purchase_gap_ms = 60_000 // 5

    @invariant()
    def the_wallet_pays_for_every_purchase(self) -> None:
        """The starting grant and the rewards (achievements, daily and quest rewards,
        the tutorial) pay for every purchase: nothing else credits diamonds here."""
        events = self.store.events[PLAYER]
        credits = [e for e in events if isinstance(e, DiamondsCredited)]
        rewards = {"achievement", "daily_reward", "quest", "tutorial"}
        assert {"starting_grant", *rewards} >= {e.reason for e in credits}
        earned = sum(e.amount for e in credits if e.reason in rewards)
        spent = sum(e.amount for e in events if isinstance(e, DiamondsSpent))
        assert (
            self.catalog.starting_diamonds + earned - spent
            == self.state.wallet.diamonds
        )


TestManyPurchasesMachine = ManyPurchasesMachine.TestCase


class TestReplay:
    """Replay is deterministic and agrees with step-by-step play."""

    @given(journal=journals())
    def test_replay_twice_gives_the_same_hash(self, journal: list) -> None:
        """Two replays of one journal end in the same state hash."""
        assert state_hash(replay(journal, CATALOG)) == state_hash(
            replay(journal, CATALOG)
        )

    @given(journal=journals())
    def test_replay_equals_folding_step(self, journal: list) -> None:
        """Replay is exactly a fold of ``step`` over the journal after the genesis."""
        outcomes = list(replay_outcomes(journal, CATALOG))
        state = outcomes[0].state
        for command, outcome in zip(journal[1:], outcomes[1:], strict=True):
            assert step(state, command, CATALOG) == outcome
            state = outcome.state
        assert state == replay(journal, CATALOG)

    @given(journal=journals(), data=st.data())
    def test_split_invariance_of_advance(
        self, journal: list, data: st.DataObject
    ) -> None:
        """advance(advance(s, t1), t2) == advance(s, t2) for t1 <= t2."""
        state = replay(journal, CATALOG)
        start = state.clock.now_at
        t2 = data.draw(st.integers(min_value=start, max_value=start + 400 * 86_400_000))
        t1 = data.draw(st.integers(min_value=start - 1000, max_value=t2))
        assert advance(state, t2, CATALOG) == advance(
            advance(state, t1, CATALOG), t2, CATALOG
        )

    @given(journal=journals(), key=keys)
    def test_rejected_commands_change_nothing(self, journal: list, key: str) -> None:
        """Every rejection returns the state it was given, unchanged."""
        state = replay(journal, CATALOG)
        poor = evolve(state, wallet=evolve(state.wallet, diamonds=0, earned=0, spent=0))
        for tier in CATALOG.refills:
            command = PurchaseEnergyRefill(
                at=state.clock.now_at + 1, refill_type=tier.id, idempotency_key=key
            )
            outcome = step(poor, command, CATALOG)
            assert isinstance(outcome.reply, Rejection)
            assert poor == outcome.state
            assert () == outcome.events
