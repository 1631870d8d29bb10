"""The engine: ``step``, ``advance``, ``new_player`` and ``replay``.

Rules of this module (DESIGN.md "The core" and "Determinism rules"):

- ``step(state, command, catalog)`` first advances the life clock to ``command.at``,
  then runs the command's handler. A rejection returns the *original* state, so a
  refused command changes nothing, not even the clock.
- The clock never goes back: a command whose ``at`` is earlier than the state's
  clock is applied at the clock's instant.
- ``advance`` is split invariant: ``advance(advance(s, t1), t2) == advance(s, t2)``
  for ``t1 <= t2``. Server ticks only call ``advance`` and are not journaled.
- Handlers are looked up in a table keyed by command class, one per command, named
  for it. Accepted commands increment ``seq`` exactly once.
- Retention follows the events (``_observe``): every event — of a command, of the
  game days lived by ``tick``, of the genesis — is counted into the lifetime
  statistics, and achievements unlock (paying their rewards) as soon as their
  predicate holds. Counting is a fold and an achievement unlocks once, so this
  keeps ``advance`` split invariant.
- A refund's debt is repaid at the end of every accepted command, from whatever
  the balance then holds (one ``refund_debt`` debit); never inside ``advance``,
  where it would depend on how the days were batched.
- Daily quests follow the player's commands only: on a command's local day the
  day's set is rolled if no later or equal day was rolled (``QuestsRolled``; an
  offset change back to a rolled day rolls nothing again), and the command's own
  events — not the days it lived — move them. (The days crossed between two
  commands depend on when a server ticks; a command's events do not.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

from attrs import evolve

from .catalog import Catalog
from .clock import game_day_index
from .commands import (
    AdvanceRelationship,
    AnswerQuestion,
    ApplyForJob,
    BreakUp,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    CreateCharacter,
    CreditStorePurchase,
    DoActivity,
    Enroll,
    GoOnDate,
    Like,
    NewPlayer,
    Pass,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    ReplyConversation,
    Retire,
    RevokeStorePurchase,
    SetDatingPreferences,
    SetUtcOffset,
    SkipTutorial,
    StartConversation,
    TutorialStep,
    UseItem,
)
from .dating.dates import go_on_date
from .dating.matching import like, pass_npc, set_dating_preferences
from .dating.relationships import advance_relationship, break_up
from .economy.refills import purchase_energy_refill
from .economy.store import credit_store_purchase, revoke_store_purchase
from .economy.time_skips import purchase_time_skip
from .economy.wallet import credit, new_wallet, repay_debt
from .errors import JournalError
from .events import Event, PlayerCreated, QuestsRolled, StatisticsChanged
from .ids import mint_id
from .life.activities import do_activity
from .life.careers import apply_for_job, enroll, quit_job, retire
from .life.conversations import reply_conversation, start_conversation
from .life.creation import create_character
from .life.days import live_days
from .life.story import answer_question
from .outcome import Outcome
from .retention.achievements import newly_unlocked, unlock
from .retention.items import use_item
from .retention.login import claim_daily_reward, local_day, set_utc_offset
from .retention.quests import claim_quest_reward, progress_quests, roll_quests
from .retention.statistics import changed, count_events
from .retention.tutorial import skip_tutorial, tutorial_step
from .state import Energy, LifeClock, PlayerState, Retention, Tutorial

__all__ = [
    "advance",
    "new_player",
    "replay",
    "replay_outcomes",
    "start",
    "step",
    "tick",
]

Handler = Callable[[PlayerState, Command, Catalog], Outcome]
C = TypeVar("C", bound=Command)


def _handles(
    command: type[C], handler: Callable[[PlayerState, C, Catalog], Outcome]
) -> tuple[type, Handler]:
    """A table row: mypy checks that ``handler`` takes ``command``'s class."""
    return command, cast(Handler, handler)


_HANDLERS: dict[type, Handler] = dict(
    [
        _handles(PurchaseEnergyRefill, purchase_energy_refill),
        _handles(PurchaseTimeSkip, purchase_time_skip),
        _handles(CreateCharacter, create_character),
        _handles(DoActivity, do_activity),
        _handles(AnswerQuestion, answer_question),
        _handles(ApplyForJob, apply_for_job),
        _handles(QuitJob, quit_job),
        _handles(Retire, retire),
        _handles(Enroll, enroll),
        _handles(StartConversation, start_conversation),
        _handles(ReplyConversation, reply_conversation),
        _handles(SetUtcOffset, set_utc_offset),
        _handles(ClaimDailyReward, claim_daily_reward),
        _handles(TutorialStep, tutorial_step),
        _handles(SkipTutorial, skip_tutorial),
        _handles(UseItem, use_item),
        _handles(ClaimQuestReward, claim_quest_reward),
        _handles(CreditStorePurchase, credit_store_purchase),
        _handles(RevokeStorePurchase, revoke_store_purchase),
        _handles(SetDatingPreferences, set_dating_preferences),
        _handles(Like, like),
        _handles(Pass, pass_npc),
        _handles(GoOnDate, go_on_date),
        _handles(AdvanceRelationship, advance_relationship),
        _handles(BreakUp, break_up),
    ]
)


def start(genesis: NewPlayer, catalog: Catalog) -> Outcome:
    """Create a player: the state after genesis and its events (the starting grant)."""
    at = genesis.at
    state = PlayerState(
        seed=genesis.seed,
        seq=0,
        clock=LifeClock(started_at=at, now_at=at, skipped_ms=0, day=0),
        wallet=new_wallet(),
        energy=Energy(amount=catalog.energy.max, anchor_at=at),
        character=None,
        album=(),
        retention=Retention(
            tutorial=Tutorial(
                flow=catalog.tutorial.flow_for(
                    dict(genesis.variants).get("tutorial_flow")
                )
            )
        ),
    )
    events: list[Event] = [PlayerCreated(at=at, seed=genesis.seed)]
    if catalog.starting_diamonds > 0:
        wallet, granted = credit(
            state.wallet,
            at=at,
            amount=catalog.starting_diamonds,
            reason="starting_grant",
            reference="new_player",
            transaction_id=mint_id(genesis.seed, 0, "starting_grant"),
        )
        state = evolve(state, wallet=wallet)
        events.append(granted)
    state, observed = _observe(state, tuple(events), at, catalog)
    return Outcome(state=state, events=(*events, *observed), reply=None)


def _observe(
    state: PlayerState, events: tuple[Event, ...], at: int, catalog: Catalog
) -> tuple[PlayerState, tuple[Event, ...]]:
    """Count ``events`` into the statistics and unlock achievements (module rules).

    Returns the state and the events this added (``StatisticsChanged``,
    ``AchievementUnlocked`` and their rewards), which are observed in turn, so an
    achievement's diamonds count as earned and may unlock another.
    """
    added: list[Event] = []
    pending = events
    while pending:
        retention = state.retention
        stats = count_events(retention.statistics, pending)
        new: list[Event] = []
        moved: tuple[tuple[str, int], ...] = ()
        if stats != retention.statistics:
            state = evolve(state, retention=evolve(retention, statistics=stats))
            moved = changed(retention.statistics, stats)
            new.append(StatisticsChanged(at, moved))
        unlocked = newly_unlocked(
            catalog.achievements,
            state.retention.achievements,
            stats,
            pending,
            {name for name, _ in moved},
        )
        if unlocked:
            state, paid = unlock(
                state,
                unlocked,
                at=at,
                catalog_energy_rules=catalog.energy,
                item_names=catalog.items.names,
            )
            new.extend(paid)
        added.extend(new)
        pending = tuple(e for e in new if not isinstance(e, StatisticsChanged))
    return state, tuple(added)


def _quest_day(
    state: PlayerState, at: int, catalog: Catalog
) -> tuple[PlayerState, tuple[Event, ...]]:
    """Roll the daily quests of ``at``'s local day if they are not yet rolled."""
    retention = state.retention
    today = local_day(at, retention.utc_offset_minutes)
    last = retention.quests.day
    if last is not None and today <= last:
        # The day's quests are rolled once: a UTC offset moved back to a day
        # already rolled (or an earlier one) keeps the later day's quests, so no
        # day's progress is reset and no reward can be claimed twice.
        return state, ()
    quests = roll_quests(catalog.quests, state.seed, today)
    rolled = QuestsRolled(
        at=at,
        local_day=today,
        quests=tuple((slot.quest, slot.target) for slot in quests.slots),
    )
    return evolve(state, retention=evolve(retention, quests=quests)), (rolled,)


def new_player(*, seed: int, at: int, catalog: Catalog) -> PlayerState:
    """The state of a player created at ``at`` with ``seed``."""
    return start(NewPlayer(at=at, seed=seed), catalog).state


def tick(
    state: PlayerState, at: int, catalog: Catalog
) -> tuple[PlayerState, tuple[Event, ...]]:
    """Move the life clock to ``at``, living every game day crossed; with its events.

    A no-op if ``at`` is not later than the clock. The events (stage entered,
    death …) are those of the days crossed, in order.
    """
    clock = state.clock
    if at <= clock.now_at:
        return state, ()
    day = game_day_index(
        clock.started_at, at, catalog.clock.time_scale, clock.skipped_ms
    )
    lived, events = live_days(state, day, at, catalog)
    lived = evolve(lived, clock=evolve(clock, now_at=at, day=day))
    if not events:
        return lived, events
    observed_state, observed = _observe(lived, events, at, catalog)
    return observed_state, events + observed


def advance(state: PlayerState, at: int, catalog: Catalog) -> PlayerState:
    """Move the life clock to ``at`` (see ``tick``); split invariant."""
    return tick(state, at, catalog)[0]


def step(state: PlayerState, command: Command, catalog: Catalog) -> Outcome:
    """Apply one command: advance to its instant, then run its handler.

    The events of the game days crossed come first, then the command's own.
    """
    handler = _HANDLERS[type(command)]
    at = max(command.at, state.clock.now_at)
    if at != command.at:
        command = evolve(command, at=at)
    advanced, lived = tick(state, at, catalog)
    advanced, rolled = _quest_day(advanced, at, catalog)
    outcome = handler(advanced, command, catalog)
    if outcome.rejected:
        return Outcome(state=state, events=(), reply=outcome.reply)
    after, observed = _observe(outcome.state, outcome.events, at, catalog)
    quests, progressed = progress_quests(
        catalog.quests, after.retention.quests, outcome.events, at
    )
    if progressed:
        after = evolve(after, retention=evolve(after.retention, quests=quests))
    if after.wallet.debt and after.wallet.diamonds:
        wallet, repaid = repay_debt(
            after.wallet,
            at=at,
            transaction_id=mint_id(after.seed, after.seq, "refund_debt"),
        )
        after = evolve(after, wallet=wallet)
    else:
        repaid = ()
    events = lived + rolled + outcome.events + observed + progressed + repaid
    reply = outcome.reply
    if (observed or after.wallet.debt != outcome.state.wallet.debt) and (
        reply is not None and hasattr(reply, "diamonds")
    ):
        # A reply's balance is the balance after the whole command, rewards of the
        # achievements it unlocked included.
        balance: dict[str, Any] = {"diamonds": after.wallet.diamonds}
        reply = evolve(reply, **balance)
    return Outcome(state=after, events=events, reply=reply)


def replay_outcomes(
    journal: Iterable[NewPlayer | Command], catalog: Catalog
) -> Iterator[Outcome]:
    """Yield the outcome of every journal record, the genesis first."""
    records = iter(journal)
    genesis = next(records, None)
    if not isinstance(genesis, NewPlayer):
        raise JournalError("a journal must start with a new_player record")
    outcome = start(genesis, catalog)
    yield outcome
    state = outcome.state
    for index, record in enumerate(records, start=1):
        if isinstance(record, NewPlayer):
            raise JournalError(f"record {index}: new_player may only start a journal")
        outcome = step(state, record, catalog)
        state = outcome.state
        yield outcome


def replay(journal: Iterable[NewPlayer | Command], catalog: Catalog) -> PlayerState:
    """The state a journal leads to: the same engine as live play."""
    state: PlayerState | None = None
    for outcome in replay_outcomes(journal, catalog):
        state = outcome.state
    if state is None:  # pragma: no cover - replay_outcomes always yields the genesis
        raise JournalError("empty journal")
    return state
