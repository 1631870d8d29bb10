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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, cast

from attrs import evolve

from .catalog import Catalog
from .clock import game_day_index
from .commands import (
    AnswerQuestion,
    ApplyForJob,
    Command,
    CreateCharacter,
    DoActivity,
    Enroll,
    NewPlayer,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    ReplyConversation,
    Retire,
    StartConversation,
)
from .economy.refills import purchase_energy_refill
from .economy.time_skips import purchase_time_skip
from .economy.wallet import credit, new_wallet
from .errors import JournalError
from .events import Event, PlayerCreated
from .ids import mint_id
from .life.activities import do_activity
from .life.careers import apply_for_job, enroll, quit_job, retire
from .life.conversations import reply_conversation, start_conversation
from .life.creation import create_character
from .life.days import live_days
from .life.story import answer_question
from .outcome import Outcome
from .state import Energy, LifeClock, PlayerState

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
    return Outcome(state=state, events=tuple(events), reply=None)


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
    return evolve(lived, clock=evolve(clock, now_at=at, day=day)), events


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
    outcome = handler(advanced, command, catalog)
    if outcome.rejected:
        return Outcome(state=state, events=(), reply=outcome.reply)
    if lived:
        return evolve(outcome, events=lived + outcome.events)
    return outcome


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
