"""The seeded reference bot: it plays a whole life through the engine's ``step``.

Rules of this module (DESIGN.md "Determinism rules"; docs/life.md "The reference
bot"):

- Pure: every decision is drawn from the project's PRNG, on the stream
  ``(bot seed, BOT_PURPOSE, turn number)``. The same player seed, bot seed, start
  instant, pace and move table always play the same life, command for command.
- A turn: the bot looks at the state at its instant ``at`` (``tick``: the game days
  crossed are lived), asks every entry of the move table (``MOVES``, in ``moves``)
  for the moves it judges valid, with integer weights, picks one by weight and
  plays it. A command goes through ``step``; a ``Wait`` lets wall time pass with no
  command. After a command, ``Pace.command_ms`` wall ms pass.
- A command the engine refuses is a bot bug (or an engine bug), recorded in
  ``BotLife.rejections`` — the tests assert there are none. A turn where nothing
  but waiting was valid is an idle turn, which is fine.
- A life is bounded (``Limits``: turns and age); ``BotLife.ended`` says whether it
  ended by death or by a bound.
- ``play`` takes the move table, so a test may play with a table of its own.

The pace and limits (``pace``) and the move table (``moves``) live in modules of
their own; their public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from attrs import evolve, frozen

from ..catalog import Catalog
from ..commands import Command, NewPlayer
from ..engine import start, step, tick
from ..events import (
    DateWent,
    Event,
    LifeEventOccurred,
    QuestionPosed,
    RelationshipChanged,
)
from ..replies import Rejection
from ..rng import stream
from ..state import PlayerState
from .moves import MOVES, Move, MoveKind, Turn, Wait, make_turn
from .pace import (
    CASUAL_PACE,
    DEFAULT_LIMITS,
    DEFAULT_PACE,
    IDLE_PACE,
    PACES,
    Limits,
    Pace,
    with_tastes,
)

__all__ = [
    "BOT_PURPOSE",
    "CASUAL_PACE",
    "DEFAULT_LIMITS",
    "DEFAULT_PACE",
    "IDLE_PACE",
    "MOVES",
    "PACES",
    "START_AT",
    "BotLife",
    "Limits",
    "Move",
    "MoveKind",
    "Pace",
    "Rejected",
    "Turn",
    "Wait",
    "candidates",
    "choose",
    "dating_facts",
    "make_turn",
    "play",
    "play_life",
    "storylet_ids",
    "with_tastes",
]

#: The stream purpose of the bot's decisions: ``stream(bot_seed, BOT_PURPOSE, turn)``.
BOT_PURPOSE = "bot_turn"
#: The default instant a bot player is created at: 2027-01-01T00:00:00Z.
START_AT = 1_798_761_600_000


@frozen
class Rejected:
    """A command the bot judged valid and the engine refused: a bug."""

    turn: int  # the turn number
    kind: str  # the move kind that proposed it
    command: Command  # the command
    code: str  # the rejection code
    message: str  # the rejection message


@frozen
class BotLife:
    """What a bot life played: the journal, the final state and its counts."""

    journal: tuple[NewPlayer | Command, ...]  # genesis (``play_life``) then commands
    state: PlayerState  # the final state, advanced to ``end_at``
    ended: str  # ``death``, ``age_limit``, ``turn_limit`` or ``stuck``
    turns: int  # turns played
    idle_turns: int  # turns where waiting was the only valid move
    rejections: tuple[Rejected, ...]  # commands refused (a bot bug if any)
    storylets: tuple[str, ...]  # ids of the storylets that happened, sorted
    moves: tuple[tuple[str, int], ...]  # (move kind, accepted commands), sorted
    dates: tuple[str, ...] = ()  # ``venue/activity`` of the dates gone on, sorted
    stages: tuple[str, ...] = ()  # relationship stages and endings reached, sorted

    @property
    def commands(self) -> int:
        """The number of commands in the journal (accepted, as a server keeps)."""
        return sum(not isinstance(record, NewPlayer) for record in self.journal)

    @property
    def end_at(self) -> int:
        """The instant the final state is at: ``advance(replay(journal), end_at)``."""
        return self.state.clock.now_at

    @property
    def died(self) -> bool:
        """True when the life ended by death, not by a bound."""
        return self.ended == "death"


# -- the turn -----------------------------------------------------------------------


def candidates(
    turn: Turn, moves: Sequence[MoveKind] = MOVES
) -> list[tuple[tuple[str, Move], int]]:
    """Every candidate of every move kind: ``((kind, move), weight)``, table order."""
    found: list[tuple[tuple[str, Move], int]] = []
    for kind in moves:
        for move, weight in kind.generate(turn):
            if type(weight) is not int or weight <= 0:
                raise ValueError(f"{kind.name}: weights must be positive integers")
            found.append(((kind.name, move), weight))
    return found


def choose(
    options: Sequence[tuple[tuple[str, Move], int]], bot_seed: int, turn: int
) -> tuple[str, Move]:
    """Pick one candidate by weight on the turn's own stream."""
    return stream(bot_seed, BOT_PURPOSE, turn).weighted(options)


def dating_facts(events: Iterable[Event]) -> tuple[set[str], set[str]]:
    """The ``venue/activity`` of the dates and the stages reached in ``events``."""
    dates = {f"{e.venue}/{e.activity}" for e in events if isinstance(e, DateWent)}
    stages = {e.to_stage for e in events if isinstance(e, RelationshipChanged)}
    return dates, stages


def storylet_ids(events: Iterable[Event]) -> set[str]:
    """The ids of the storylets that happened or asked in ``events``."""
    return {
        event.event_id
        for event in events
        if isinstance(event, LifeEventOccurred | QuestionPosed)
    }


# -- playing ------------------------------------------------------------------------


def play(
    state: PlayerState,
    catalog: Catalog,
    *,
    bot_seed: int,
    at: int,
    pace: Pace = DEFAULT_PACE,
    limits: Limits = DEFAULT_LIMITS,
    moves: Sequence[MoveKind] = MOVES,
) -> BotLife:
    """Play one life from ``state``, starting at ``at`` (module rules).

    Without a living character the bot first creates one; it stops when that life
    ends (or a bound is reached). The journal holds the accepted commands only.
    """
    at = max(at, state.clock.now_at)
    journal: list[Command] = []
    rejections: list[Rejected] = []
    seen: set[str] = set()
    dates: set[str] = set()
    stages: set[str] = set()
    accepted: dict[str, int] = {}

    def note(events: tuple[Event, ...]) -> None:
        seen.update(storylet_ids(events))
        dated, reached = dating_facts(events)
        dates.update(dated)
        stages.update(reached)

    began = state.living is not None
    turns = idle = 0
    ended = "turn_limit"
    while turns < limits.max_turns:
        view, lived = tick(state, at, catalog)
        note(lived)
        state = view
        character = view.living
        if character is None and began:
            ended = "death"
            break
        turn = make_turn(view, at, catalog, pace=pace, number=turns)
        if turn.age > limits.max_age:
            ended = "age_limit"
            break
        options = candidates(turn, moves)
        if not options:
            ended = "stuck"
            break
        kind, move = choose(options, bot_seed, turns)
        turns += 1
        if all(isinstance(option[0][1], Wait) for option in options):
            idle += 1
        if isinstance(move, Wait):
            at += move.ms
            continue
        outcome = step(view, move, catalog)
        at += pace.command_ms
        reply = outcome.reply
        if isinstance(reply, Rejection):
            rejections.append(
                Rejected(turns - 1, kind, move, reply.code, reply.message)
            )
            continue
        state = outcome.state
        journal.append(move)
        accepted[kind] = accepted.get(kind, 0) + 1
        note(outcome.events)
        began = began or state.living is not None
    if ended == "turn_limit" and began and state.living is None:
        ended = "death"  # the last turn's command ended the life
    return BotLife(
        journal=tuple(journal),
        state=state,
        ended=ended,
        turns=turns,
        idle_turns=idle,
        rejections=tuple(rejections),
        storylets=tuple(sorted(seen)),
        dates=tuple(sorted(dates)),
        stages=tuple(sorted(stages)),
        moves=tuple(sorted(accepted.items())),
    )


def play_life(
    catalog: Catalog,
    *,
    seed: int,
    bot_seed: int,
    start_at: int = START_AT,
    pace: Pace = DEFAULT_PACE,
    limits: Limits = DEFAULT_LIMITS,
    moves: Sequence[MoveKind] = MOVES,
) -> BotLife:
    """Create a player with ``seed`` at ``start_at`` and play its first life.

    The journal starts with the ``NewPlayer`` genesis, so
    ``advance(replay(life.journal, catalog), life.end_at, catalog) == life.state``.
    """
    genesis = NewPlayer(at=start_at, seed=seed)
    life = play(
        start(genesis, catalog).state,
        catalog,
        bot_seed=bot_seed,
        at=start_at,
        pace=pace,
        limits=limits,
        moves=moves,
    )
    return evolve(life, journal=(genesis, *life.journal))
