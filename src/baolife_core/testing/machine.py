"""``GameMachine``: a Hypothesis state machine playing the engine with its invariants.

Rules of this module (DESIGN.md "Determinism rules"; docs/testing.md "The
invariant machine"):

- Rules are commands: the machine plays them through ``GameService`` over an
  ``InMemoryStore`` (the engine, the service's idempotency and the store contract
  together), drawing ids from ``catalog`` and from the live state (pending
  questions, people, suggestions, relationships), plus unknown ids, so refusals
  are played as often as successes. Other rules let wall time pass.
- The laws (``laws.GameLaws``, the base class) are checked after every step:
  conservation of diamonds, no reward paid twice, one debit per purchase, stats
  and energy within bounds, the snapshot round-trips, the journal replays to the
  live state. The rules check the rest as they play: every command checks that a
  refusal changes nothing and that an idempotency key played again answers its
  first reply and debits nothing, and ``advance`` is split invariant (a rule).
- Each failed check raises ``AssertionError`` with a message that starts with
  the law's name, so a report (``testing.content``) can say which one broke.
- Content is a class attribute: ``catalog`` (or ``GameMachine.on(catalog)``), so a
  game team runs the same laws on its own content; a subclass adds ``@rule`` and
  ``@invariant`` methods the usual Hypothesis way. Run one with
  ``TestMine = MyMachine.TestCase`` under pytest, or ``run_machine(MyMachine)``.

Import this module explicitly (``from baolife_core.testing import machine``): it
needs Hypothesis (the ``testing`` extra), which the engine itself does not.
"""

from __future__ import annotations

from typing import ClassVar

from attrs import evolve
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ..catalog import Catalog
from ..clock import MS_PER_DAY
from ..commands import (
    AdvanceRelationship,
    AnswerQuestion,
    ApplyForJob,
    BreakUp,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    CreateCharacter,
    DoActivity,
    Enroll,
    GoOnDate,
    Like,
    Pass,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    ReplyConversation,
    Retire,
    SetUtcOffset,
    SkipTutorial,
    StartConversation,
    TutorialStep,
    UseItem,
)
from ..dating.matching import match_list
from ..economy.energy import current_energy
from ..engine import advance
from ..replies import Rejection, Reply
from ..wire import wire_name
from . import strategies as strat
from .laws import PLAYER, STAT_BOUNDS, GameLaws, check

__all__ = [
    "PLAYER",
    "STAT_BOUNDS",
    "GameMachine",
    "run_machine",
]

#: The commands that carry an idempotency key.
Keyed = PurchaseEnergyRefill | PurchaseTimeSkip | ClaimDailyReward | ClaimQuestReward


class GameMachine(GameLaws):
    """Plays commands and the passing of time against the service (module rules)."""

    #: The content the machine plays; a subclass (or ``on``) sets its own.
    catalog: ClassVar[Catalog] = strat.bundled_catalog()
    #: Wall ms that pass before each purchase (0: purchases may share an instant,
    #: and past the rate limits they are refused ``rate_limited``, changing nothing).
    purchase_gap_ms: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        #: The first reply of each (command wire name, idempotency key).
        self.first_replies: dict[tuple[str, str], Reply] = {}
        #: The last keyed command accepted (``repeat_with_a_new_key`` plays it again).
        self.last_keyed: Keyed | None = None

    @classmethod
    def on(cls, catalog: Catalog, name: str | None = None) -> type[GameMachine]:
        """A subclass of this machine that plays ``catalog``."""
        title = name or f"{cls.__name__}OnCustomContent"
        return type(title, (cls,), {"catalog": catalog, "__doc__": cls.__doc__})

    # -- helpers ---------------------------------------------------------------------

    def play(self, command: Command) -> None:
        """Execute an unkeyed command: a refusal changes nothing, else seq + 1."""
        before = self.state
        result = self.service.execute(PLAYER, command)
        note(f"{command} -> {result.reply}")
        rejected = isinstance(result.reply, Rejection)
        event(f"{wire_name(type(command))}: {'refused' if rejected else 'accepted'}")
        if rejected:
            check(before == self.state, "rejected_changes_nothing: state changed")
            check(result.events == (), "rejected_changes_nothing: events emitted")
        else:
            check(before.seq + 1 == self.state.seq, "seq: not incremented once")

    def run(self, command: PurchaseEnergyRefill | PurchaseTimeSkip) -> None:
        """Execute a purchase: the idempotency and refusal rules (module rules)."""
        if self.keyed(command):
            self.purchases += 1

    def claim(self, command: ClaimDailyReward | ClaimQuestReward) -> None:
        """A keyed claim: a repeated key answers its first reply and pays nothing."""
        self.keyed(command)

    def keyed(self, command: Keyed) -> bool:
        """Execute a keyed command and check its rules; True when newly accepted."""
        before = self.state
        key = (wire_name(type(command)), command.idempotency_key)
        result = self.service.execute(PLAYER, command)
        note(f"{command} -> {result.reply}")
        if key in self.first_replies:
            # The same idempotency key twice: the first reply again, nothing paid.
            check(
                self.first_replies[key] == result.reply,
                "idempotent: a repeated key got another reply",
            )
            check(result.duplicate, "idempotent: a repeated key was not a duplicate")
            check(before == self.state, "idempotent: a repeated key changed the state")
            return False
        if isinstance(result.reply, Rejection):
            # A rejected command changes nothing and does not consume its key.
            check(before == self.state, "rejected_changes_nothing: state changed")
            check(result.events == (), "rejected_changes_nothing: events emitted")
            return False
        self.first_replies[key] = result.reply
        self.last_keyed = command
        check(before.seq + 1 == self.state.seq, "seq: not incremented once")
        check(
            self.state.clock.skipped_ms >= before.clock.skipped_ms,
            "clock: the skipped time went back",
        )
        return True

    def _suggested(self, data: st.DataObject) -> str:
        """A suggested NPC's id now (or an unknown one)."""
        matches = match_list(self.state, self.now, self.catalog).matches
        return data.draw(strat.npc_ids([m.npc_id for m in matches]))

    def _romance(self, data: st.DataObject) -> str:
        """One of the character's relationships (or an unknown id)."""
        character = self.state.character
        romances = () if character is None else character.dating.romances
        return data.draw(strat.npc_ids([r.npc.id for r in romances]))

    # -- rules: the player and time --------------------------------------------------

    @initialize(seed=strat.seeds, at=strat.instants)
    def create(self, seed: int, at: int) -> None:
        """Register the machine's player on a device."""
        self.now = at
        self.service.login_device("device", new_player_id=PLAYER, seed=seed, at=at)

    @rule(gap=strat.gaps)
    def time_passes(self, gap: int) -> None:
        """Wall time passes (minutes, or days)."""
        self.now += gap

    @rule(years=st.integers(min_value=1, max_value=12))
    def years_pass(self, years: int) -> None:
        """Game years of the content's calendar pass (a life ages, storylets
        happen, people die)."""
        life, clock = self.catalog.life, self.catalog.clock
        self.now += years * life.days_per_year * MS_PER_DAY // clock.time_scale

    @rule(days=st.integers(min_value=1, max_value=3))
    def days_pass(self, days: int) -> None:
        """Wall days pass (login streaks, daily quests)."""
        self.now += days * MS_PER_DAY

    @precondition(lambda self: self.now > 0)
    @rule(data=st.data())
    def advance_is_split_invariant(self, data: st.DataObject) -> None:
        """advance(advance(s, t1), t2) == advance(s, t2) for t1 <= t2."""
        state = self.state
        t2 = data.draw(st.integers(min_value=state.clock.now_at, max_value=self.now))
        t1 = data.draw(st.integers(min_value=state.clock.now_at, max_value=t2))
        direct = advance(state, t2, self.catalog)
        split = advance(advance(state, t1, self.catalog), t2, self.catalog)
        check(direct == split, "split_invariance: advance depends on the split")

    # -- rules: economy and retention ------------------------------------------------

    @rule(data=st.data(), key=strat.keys)
    def purchase_refill(self, data: st.DataObject, key: str) -> None:
        """Buy an energy refill (a known tier or not)."""
        self.now += self.purchase_gap_ms
        refill = data.draw(strat.refill_types(self.catalog))
        self.run(
            PurchaseEnergyRefill(at=self.now, refill_type=refill, idempotency_key=key)
        )

    @rule(data=st.data(), key=strat.keys)
    def purchase_time_skip(self, data: st.DataObject, key: str) -> None:
        """Buy a time skip (a known one or not)."""
        self.now += self.purchase_gap_ms
        skip = data.draw(strat.skip_types(self.catalog))
        self.run(PurchaseTimeSkip(at=self.now, skip_type=skip, idempotency_key=key))

    @precondition(lambda self: self.last_keyed is not None)
    @rule(key=strat.keys)
    def repeat_with_a_new_key(self, key: str) -> None:
        """Play the last accepted purchase or claim again with another key (a client
        that lost the reply and minted a new key): a reward must not pay twice."""
        command = self.last_keyed
        if command is None:  # pragma: no cover - the precondition
            return
        again = evolve(command, at=self.now, idempotency_key=key)
        if isinstance(again, PurchaseEnergyRefill | PurchaseTimeSkip):
            self.run(again)
        else:
            self.claim(again)

    @rule(key=strat.keys)
    def claim_daily_reward(self, key: str) -> None:
        """Claim today's login reward."""
        self.claim(ClaimDailyReward(at=self.now, idempotency_key=key))

    @rule(data=st.data(), key=strat.keys)
    def claim_quest_reward(self, data: st.DataObject, key: str) -> None:
        """Claim one of today's quests (or an unknown one)."""
        slots = [slot.quest for slot in self.state.retention.quests.slots]
        quest = data.draw(st.sampled_from([*slots, "no_such_quest"]))
        self.claim(ClaimQuestReward(at=self.now, quest=quest, idempotency_key=key))

    @rule(data=st.data())
    def use_item(self, data: st.DataObject) -> None:
        """Use an item (owned or not)."""
        self.play(UseItem(at=self.now, item=data.draw(strat.items(self.catalog))))

    @rule(data=st.data())
    def tutorial_step(self, data: st.DataObject) -> None:
        """Complete a tutorial step (the next one or not)."""
        step = data.draw(strat.tutorial_steps(self.catalog))
        self.play(TutorialStep(at=self.now, step=step))

    @rule()
    def skip_tutorial(self) -> None:
        """Skip the tutorial."""
        self.play(SkipTutorial(at=self.now))

    @rule(minutes=strat.utc_offsets)
    def set_utc_offset(self, minutes: int) -> None:
        """Move the player's local day."""
        self.play(SetUtcOffset(at=self.now, minutes=minutes))

    # -- rules: a life ---------------------------------------------------------------

    @rule(data=st.data(), name=strat.names)
    def create_character(self, data: st.DataObject, name: str | None) -> None:
        """Start a life (refused while one is lived)."""
        before = self.state
        gender = data.draw(strat.genders(self.catalog))
        result = self.service.execute(
            PLAYER, CreateCharacter(at=self.now, name=name, gender=gender)
        )
        note(f"create_character -> {result.reply}")
        if isinstance(result.reply, Rejection):
            check(before == self.state, "rejected_changes_nothing: state changed")
        else:
            character = self.state.character
            check(
                character is not None and character.death is None,
                "create_character: accepted without a living character",
            )

    @rule(data=st.data())
    def do_activity(self, data: st.DataObject) -> None:
        """Do an activity: it costs exactly its energy."""
        activity = data.draw(strat.activities(self.catalog))
        before = self.state
        result = self.service.execute(
            PLAYER, DoActivity(at=self.now, activity=activity)
        )
        note(f"do_activity {activity} -> {result.reply}")
        if isinstance(result.reply, Rejection):
            check(before == self.state, "rejected_changes_nothing: state changed")
            return
        rules = self.catalog.energy
        spent = current_energy(before.energy, self.now, rules) - current_energy(
            self.state.energy, self.now, rules
        )
        spec = self.catalog.activities.activity(activity)
        check(
            spec is not None and spec.energy == spent,
            f"activity_energy: {activity} cost {spent} energy, not its own",
        )

    @rule(data=st.data())
    def answer_question(self, data: st.DataObject) -> None:
        """Answer a pending question (or an unknown one, or with a bad choice)."""
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

    @rule(data=st.data())
    def apply_for_job(self, data: st.DataObject) -> None:
        """Apply for a job."""
        self.play(ApplyForJob(at=self.now, job=data.draw(strat.jobs(self.catalog))))

    @rule(data=st.data())
    def enroll(self, data: st.DataObject) -> None:
        """Enrol in a school."""
        school = data.draw(strat.schools(self.catalog))
        self.play(Enroll(at=self.now, school=school))

    @rule()
    def quit_job(self) -> None:
        """Quit the job."""
        self.play(QuitJob(at=self.now))

    @rule()
    def retire(self) -> None:
        """Retire."""
        self.play(Retire(at=self.now))

    @rule(data=st.data())
    def start_conversation(self, data: st.DataObject) -> None:
        """Talk with a relative or contact (or a stranger)."""
        character = self.state.character
        people: list[str] = []
        if character is not None:
            people = [p.id for p in character.family]
            people += [p.id for p in character.contacts]
        npc = data.draw(strat.npc_ids(people))
        self.play(StartConversation(at=self.now, npc_id=npc))

    @rule(data=st.data())
    def reply_conversation(self, data: st.DataObject) -> None:
        """Reply to the open conversation (or to none)."""
        character = self.state.character
        open_one = None if character is None else character.conversation
        conversation = "none" if open_one is None else open_one.id
        replies = [r.id for r in self.catalog.conversations.replies]
        reply = data.draw(st.sampled_from([*replies, "shrug"]))
        self.play(
            ReplyConversation(at=self.now, conversation_id=conversation, reply=reply)
        )

    # -- rules: dating ---------------------------------------------------------------

    @rule(data=st.data())
    def set_dating_preferences(self, data: st.DataObject) -> None:
        """Say whom the character dates."""
        self.play(data.draw(strat.dating_preferences(self.catalog, st.just(self.now))))

    @rule(data=st.data())
    def like(self, data: st.DataObject) -> None:
        """Like a suggestion (or a stranger)."""
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
        """Pass on a suggestion."""
        self.play(Pass(at=self.now, npc_id=self._suggested(data)))

    @rule(data=st.data())
    def go_on_date(self, data: st.DataObject) -> None:
        """Go on a date with a relationship (or a stranger)."""
        venue, activity = data.draw(strat.venue_activities(self.catalog))
        npc = self._romance(data)
        self.play(GoOnDate(at=self.now, npc_id=npc, venue=venue, activity=activity))

    @rule(data=st.data())
    def advance_relationship(self, data: st.DataObject) -> None:
        """Ask for the next stage of a relationship."""
        self.play(AdvanceRelationship(at=self.now, npc_id=self._romance(data)))

    @rule(data=st.data())
    def break_up(self, data: st.DataObject) -> None:
        """End a relationship."""
        self.play(BreakUp(at=self.now, npc_id=self._romance(data)))


def run_machine(
    machine: type[GameMachine],
    *,
    examples: int = 20,
    steps: int = 40,
    derandomize: bool = True,
) -> None:
    """Run ``machine`` outside pytest; a broken invariant raises ``AssertionError``.

    Derandomized (and with no example database) by default, so the same machine
    and content always play the same examples; the failing steps are in the
    error's ``__notes__`` (Hypothesis adds them).
    """
    chosen = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=derandomize,
        suppress_health_check=[HealthCheck.too_slow],
    )
    run_state_machine_as_test(machine, settings=chosen)
