"""The seeded reference bot: it plays a whole life through the engine's ``step``.

Rules of this module (DESIGN.md "Determinism rules"; docs/life.md "The reference
bot"):

- Pure: every decision is drawn from the project's PRNG, on the stream
  ``(bot seed, BOT_PURPOSE, turn number)``. The same player seed, bot seed, start
  instant, pace and move table always play the same life, command for command.
- A turn: the bot looks at the state at its instant ``at`` (``tick``: the game days
  crossed are lived), asks every entry of the move table (``MOVES``) for the moves
  it judges valid, with integer weights, picks one by weight and plays it. A command
  goes through ``step``; a ``Wait`` lets wall time pass with no command, as a player
  who puts the phone down. After a command, ``Pace.command_ms`` wall ms pass.
- The bot proposes only commands that the handler's rules accept, checked in the
  handler's order; a refused command is a bot bug (or an engine bug), recorded in
  ``BotLife.rejections`` — the tests assert there are none. Waiting is always
  valid, so the bot is never stuck; a turn where nothing but waiting was valid is an
  idle turn, which is fine.
- The bot sees the whole state, so it may answer any pending question (a question
  it leaves alone takes its default choice when it expires). A client that knows
  only what the server pushed passes ``known`` to ``make_turn``: the ids of the
  questions it was told about (``event_prompt``), and the bot answers only those.
- The ``Pace`` sets how busy the player is: wall time per command, the weight of
  activities and time skips, and how long it waits. ``PACES`` are three players —
  busy, casual and idle — whose stats end up far apart, so their lives meet
  different storylets and pass or fail different checks.
- A life is bounded (``Limits``: turns and age); ``BotLife.ended`` says whether it
  ended by death or by a bound.
- New command kinds join the bot as one more ``MoveKind`` row: a name and a
  function from the ``Turn`` to its candidate moves. ``play`` takes the table, so
  a test may play with a table of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from attrs import Attribute, evolve, field, frozen

from ..catalog import Catalog
from ..clock import MS_PER_HOUR, MS_PER_MINUTE, game_elapsed_ms
from ..commands import (
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
from ..economy.energy import current_energy
from ..engine import start, step, tick
from ..events import Event, LifeEventOccurred, QuestionPosed
from ..life.activity_rules import Activity
from ..life.calendar import age_on
from ..life.careers import job_problem, school_problem
from ..life.contacts import person
from ..life.conversations import TALK_KEY
from ..replies import Rejection
from ..rng import stream
from ..state import Character, PlayerState

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

#: Weight of each choice of each question the bot may answer.
ANSWER_WEIGHT = 40
#: Weight of each refill tier the bot may buy while its energy is low.
REFILL_WEIGHT = 20
#: Diamonds a time skip must leave in the wallet (they are kept for refills).
SKIP_RESERVE = 100


@frozen
class Wait:
    """Let ``ms`` wall milliseconds pass without a command."""

    ms: int  # wall ms, at least 1


#: What the bot may do on a turn: a command, or waiting.
Move = Command | Wait


def _check_waits(_: object, __: object, value: tuple[tuple[int, int], ...]) -> None:
    if not value or any(
        type(hours) is not int or type(weight) is not int or hours < 1 or weight < 1
        for hours, weight in value
    ):
        raise ValueError("waits must be non-empty (game hours >= 1, weight >= 1) pairs")


def _check_tastes(_: object, __: object, value: tuple[tuple[str, int], ...]) -> None:
    if any(type(weight) is not int or weight < 0 for _, weight in value):
        raise ValueError("taste weights must be non-negative integers")


def _non_negative(_: object, attribute: Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(
            f"{attribute.name} must be a non-negative integer, got {value!r}"
        )


@frozen
class Pace:
    """How busy the bot is: time per command, what it likes doing, how it waits."""

    #: Wall ms that pass after every command (20 real minutes: 20 game hours).
    command_ms: int = field(default=20 * MS_PER_MINUTE, validator=_non_negative)
    #: Weight of each activity it may do (0: it never does one).
    activity_weight: int = field(default=10, validator=_non_negative)
    #: Per-activity weights that replace ``activity_weight``: (activity id, weight).
    tastes: tuple[tuple[str, int], ...] = field(default=(), validator=_check_tastes)
    #: Weight of each time skip it may buy (0: it never buys one).
    skip_weight: int = field(default=1, validator=_non_negative)
    #: Weight of each job, school, quitting and retiring it may choose (0: never).
    career_weight: int = field(default=2, validator=_non_negative)
    #: Weight of starting a conversation, with the next person in turn (0: never).
    talk_weight: int = field(default=2, validator=_non_negative)
    #: The waits it may choose, as (game hours, weight) pairs.
    waits: tuple[tuple[int, int], ...] = field(
        default=((2, 4), (12, 3), (48, 2)), validator=_check_waits
    )


@frozen
class Limits:
    """Bounds that make every bot life end."""

    max_turns: int = field(default=200_000, validator=_non_negative)  # turns played
    max_age: int = field(default=150, validator=_non_negative)  # ended past this age


#: A busy player: an activity whenever one is allowed, now and then a time skip.
DEFAULT_PACE = Pace()
#: A casual player: some activities, long waits.
CASUAL_PACE = Pace(
    activity_weight=1, career_weight=1, talk_weight=1, waits=((24, 10), (72, 10))
)
#: An idle player: it only answers questions and waits.
IDLE_PACE = Pace(
    activity_weight=0,
    skip_weight=0,
    career_weight=0,
    talk_weight=0,
    waits=((24, 1), (72, 1)),
)
#: The three players, busy first.
PACES = (DEFAULT_PACE, CASUAL_PACE, IDLE_PACE)
DEFAULT_LIMITS = Limits()


@frozen
class Turn:
    """What a move generator sees: the state at the bot's instant, and derived values.

    Built by ``make_turn``; ``character`` is None unless a character is alive.
    """

    number: int  # turns played before this one
    at: int  # the bot's instant, ms; the commands it makes carry it
    state: PlayerState  # the state advanced to ``at``
    catalog: Catalog  # the content
    known: frozenset[str] | None  # questions the player was told of; None: all
    pace: Pace  # the bot's pace
    character: Character | None  # the living character, or None
    age: int  # its age in game years (0 without one)
    game_now: int  # game ms at ``at``
    energy: int  # energy at ``at``
    key: str  # a fresh idempotency key for a purchase on this turn


#: A move generator: the candidate moves of one kind, each with a positive weight.
Generate = Callable[[Turn], list[tuple[Move, int]]]


@frozen
class MoveKind:
    """A row of the move table: a kind of move and its generator."""

    name: str  # e.g. ``do_activity``; counts and rejections are reported by it
    generate: Generate  # valid candidates on a turn, with integer weights


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


def _living(state: PlayerState) -> Character | None:
    character = state.character
    return character if character is not None and character.death is None else None


def make_turn(
    state: PlayerState,
    at: int,
    catalog: Catalog,
    *,
    known: Iterable[str] | None = None,
    pace: Pace = DEFAULT_PACE,
    number: int = 0,
) -> Turn:
    """The ``Turn`` of a state already advanced to ``at`` (by ``tick``/``advance``)."""
    clock = state.clock
    character = _living(state)
    return Turn(
        number=number,
        at=at,
        state=state,
        catalog=catalog,
        known=None if known is None else frozenset(known),
        pace=pace,
        character=character,
        age=0 if character is None else age_on(character, clock.day, catalog.life),
        game_now=game_elapsed_ms(
            clock.started_at, clock.now_at, catalog.clock.time_scale, clock.skipped_ms
        ),
        energy=current_energy(state.energy, at, catalog.energy),
        key=f"bot-{state.seq + 1}",
    )


# -- the move generators ------------------------------------------------------------


def create_character_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Begin a life when none is being lived (the player's first, or after a death)."""
    if turn.character is not None:
        return []
    return [(CreateCharacter(at=turn.at), 1)]


def answer_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Answer a pending question (one the player was told of), with any choice."""
    character = turn.character
    if character is None:
        return []
    moves: list[tuple[Move, int]] = []
    for question in character.story.pending:
        storylet = turn.catalog.storylets.storylet(question.event_id)
        told = turn.known is None or question.id in turn.known
        if not told or storylet is None:
            continue
        moves.extend(
            (
                AnswerQuestion(at=turn.at, question_id=question.id, choice=c.id),
                ANSWER_WEIGHT,
            )
            for c in storylet.choices
        )
    return moves


def _worst_cost(activity: Activity) -> int:
    outcomes = [activity.effects] + ([activity.failure] if activity.failure else [])
    return max(0, -min(effects.money_cents for effects in outcomes))


def activity_allowed(turn: Turn, activity: Activity) -> bool:
    """``do_activity``'s rules: age, requirement, busy, daily cap, energy, cash."""
    character = turn.character
    if character is None:
        return False
    location = turn.catalog.activities.location(activity.location)
    age = turn.age
    if not (
        activity.min_age <= age <= activity.max_age
        and location.min_age <= age <= location.max_age
    ):
        return False
    career = character.career
    if (activity.requires == "job" and career.job is None) or (
        activity.requires == "school" and career.schooling is None
    ):
        return False
    if turn.game_now < character.busy_until:
        return False
    day = turn.state.clock.day
    if character.activity_day == day:
        done = dict(character.activity_counts).get(activity.id, 0)
        if done >= activity.daily_cap:
            return False
    if turn.energy < activity.energy:
        return False
    return character.money_cents >= _worst_cost(activity)


def activity_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Do any activity the character's age, energy, cap, place and cash allow."""
    pace = turn.pace
    character = turn.character
    if character is None or turn.game_now < character.busy_until:
        return []
    tastes = dict(pace.tastes)
    moves: list[tuple[Move, int]] = []
    for activity in turn.catalog.activities.activities:
        weight = tastes.get(activity.id, pace.activity_weight)
        if weight and activity_allowed(turn, activity):
            moves.append((DoActivity(at=turn.at, activity=activity.id), weight))
    return moves


def refill_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Buy an energy refill while energy is low (below a third of the max)."""
    rules = turn.catalog.energy
    if turn.character is None or turn.energy >= rules.max // 3:
        return []
    diamonds = turn.state.wallet.diamonds
    return [
        (
            PurchaseEnergyRefill(
                at=turn.at, refill_type=tier.id, idempotency_key=turn.key
            ),
            REFILL_WEIGHT,
        )
        for tier in turn.catalog.refills
        if turn.energy < (rules.overfill_cap if tier.overfill else rules.max)
        and diamonds >= tier.diamonds
    ]


def time_skip_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Now and then buy a time skip, keeping ``SKIP_RESERVE`` diamonds for refills."""
    character = turn.character
    weight = turn.pace.skip_weight
    if character is None or weight == 0:
        return []
    diamonds = turn.state.wallet.diamonds
    moves: list[tuple[Move, int]] = []
    for skip in turn.catalog.time_skips:
        if diamonds - skip.diamonds < SKIP_RESERVE:
            continue
        if skip.until == "activity_end" and character.busy_until <= turn.game_now:
            continue
        command = PurchaseTimeSkip(
            at=turn.at, skip_type=skip.id, idempotency_key=turn.key
        )
        moves.append((command, weight))
    return moves


def career_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Apply for a job, enrol in a school, quit or retire, as the career rules allow.

    Requirements are the career rules' own (``job_problem``, ``school_problem``);
    the handlers' other rules (one job, one school, energy, tuition) are checked
    here in their order.
    """
    character = turn.character
    weight = turn.pace.career_weight
    if character is None or weight == 0:
        return []
    careers = turn.catalog.careers
    career = character.career
    moves: list[tuple[Move, int]] = []
    if career.job is None and turn.energy >= careers.settings.apply_energy:
        moves.extend(
            (ApplyForJob(at=turn.at, job=job.id), weight)
            for job in careers.jobs
            if job_problem(character, job, turn.age, careers.settings) is None
        )
    if career.schooling is None:
        moves.extend(
            (Enroll(at=turn.at, school=school.id), weight)
            for school in careers.schools
            if not school.compulsory
            and school_problem(character, school, turn.age) is None
            and character.money_cents >= school.tuition_cents
        )
    if career.job is not None:
        moves.append((QuitJob(at=turn.at), 1))
    if not career.retired and turn.age >= careers.settings.retirement_min_age:
        moves.append((Retire(at=turn.at), 1))
    return moves


def conversation_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Reply to the open conversation; start one while the daily cap and energy
    allow, with one of the living relatives and contacts (the next one each turn)."""
    character = turn.character
    if character is None:
        return []
    moves: list[tuple[Move, int]] = []
    conversation = character.conversation
    if conversation is not None:
        found = person(character, conversation.npc_id)
        if found is not None and found[3]:
            moves.extend(
                (
                    ReplyConversation(
                        at=turn.at, conversation_id=conversation.id, reply=reply
                    ),
                    ANSWER_WEIGHT,
                )
                for reply in conversation.replies
            )
    weight = turn.pace.talk_weight
    rules = turn.catalog.conversations
    today = character.activity_day == turn.state.clock.day
    talks = dict(character.activity_counts).get(TALK_KEY, 0) if today else 0
    if weight == 0 or turn.energy < rules.energy or talks >= rules.daily_cap:
        return moves
    people = [r.id for r in character.family if r.alive]
    people += [c.id for c in character.contacts]
    if people:  # one person a turn, in turn: the weight does not grow with them
        npc_id = people[turn.number % len(people)]
        moves.append((StartConversation(at=turn.at, npc_id=npc_id), weight))
    return moves


def wait_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Wait some game hours (as wall time at the content's time scale)."""
    if turn.character is None:
        return []
    scale = turn.catalog.clock.time_scale
    return [
        (Wait(ms=max(1, -(-hours * MS_PER_HOUR // scale))), weight)
        for hours, weight in turn.pace.waits
    ]


#: The move table, in a fixed order (the weighted pick depends on it).
MOVES: tuple[MoveKind, ...] = (
    MoveKind("create_character", create_character_moves),
    MoveKind("answer_question", answer_moves),
    MoveKind("do_activity", activity_moves),
    MoveKind("purchase_energy_refill", refill_moves),
    MoveKind("purchase_time_skip", time_skip_moves),
    MoveKind("career", career_moves),
    MoveKind("conversation", conversation_moves),
    MoveKind("wait", wait_moves),
)


def with_tastes(pace: Pace, catalog: Catalog, seed: int) -> Pace:
    """``pace`` with a taste per activity drawn from ``seed``: some activities never
    (weight 0), some as usual, some three times as often — so the stats of bot lives
    end up far apart. Stream ``(seed, "bot_tastes")``, activities in content order.
    """
    rng = stream(seed, "bot_tastes")
    return evolve(
        pace,
        tastes=tuple(
            (activity.id, pace.activity_weight * rng.choice((0, 1, 1, 3)))
            for activity in catalog.activities.activities
        ),
    )


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
    accepted: dict[str, int] = {}
    began = _living(state) is not None
    turns = idle = 0
    ended = "turn_limit"
    while turns < limits.max_turns:
        view, lived = tick(state, at, catalog)
        seen |= storylet_ids(lived)
        state = view
        character = _living(view)
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
        seen |= storylet_ids(outcome.events)
        began = began or _living(state) is not None
    if ended == "turn_limit" and began and _living(state) is None:
        ended = "death"  # the last turn's command ended the life
    return BotLife(
        journal=tuple(journal),
        state=state,
        ended=ended,
        turns=turns,
        idle_turns=idle,
        rejections=tuple(rejections),
        storylets=tuple(sorted(seen)),
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
