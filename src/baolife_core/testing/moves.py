"""The bot's move table: what a turn sees, and the moves each kind proposes on it.

Rules of this module (docs/life.md "The reference bot"):

- Pure: a generator reads only its ``Turn`` — the state at the bot's instant and
  values derived from it — and returns its candidate moves with positive integer
  weights, in a fixed order (the weighted pick of ``bot`` depends on it).
- A move is a command, or a ``Wait``: wall time passes with no command, as a player
  who puts the phone down.
- The bot proposes only commands that the handler's rules accept, checked in the
  handler's order; a refused command is a bot bug (or an engine bug), recorded in
  ``BotLife.rejections``. Waiting is always valid, so the bot is never stuck.
- The bot sees the whole state, so it may answer any pending question (a question
  it leaves alone takes its default choice when it expires). A client that knows
  only what the server pushed passes ``known`` to ``make_turn``: the ids of the
  questions it was told about (``event_prompt``), and the bot answers only those.
- New command kinds join the bot as one more ``MoveKind`` row: a name and a
  function from the ``Turn`` to its candidate moves. ``MOVES`` is the default
  table; ``bot.play`` takes the table, so a test may play with a table of its own.

The table lives apart from the turn loop (``bot``) so that each grows on its own:
a new command kind touches only this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from attrs import frozen

from ..catalog import Catalog
from ..clock import MS_PER_HOUR, game_elapsed_ms
from ..commands import (
    AnswerQuestion,
    ApplyForJob,
    Command,
    CreateCharacter,
    DoActivity,
    Enroll,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    ReplyConversation,
    Retire,
    StartConversation,
)
from ..economy.energy import current_energy
from ..life.activity_rules import Activity
from ..life.calendar import age_on
from ..life.careers import job_problem, school_problem
from ..life.contacts import person
from ..life.conversations import TALK_KEY
from ..state import Character, PlayerState
from .dating_moves import dating_moves
from .pace import DEFAULT_PACE, Pace

__all__ = [
    "MOVES",
    "Generate",
    "Move",
    "MoveKind",
    "Turn",
    "Wait",
    "activity_allowed",
    "activity_moves",
    "answer_moves",
    "career_moves",
    "conversation_moves",
    "create_character_moves",
    "make_turn",
    "refill_moves",
    "time_skip_moves",
    "wait_moves",
]

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


# -- the turn -----------------------------------------------------------------------


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
    character = state.living
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
    """Reply to the open conversation; start one while the age, daily cap and
    energy allow, with one of the living relatives and contacts (the next one each
    turn)."""
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
    if (
        weight == 0
        or turn.age < rules.min_age
        or turn.energy < rules.energy
        or talks >= rules.daily_cap
    ):
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
    MoveKind("dating", dating_moves),
    MoveKind("wait", wait_moves),
)
