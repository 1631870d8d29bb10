"""Conversations: ``start_conversation`` and ``reply_conversation``.

Rules of this module (issue "Conversations"; docs/life.md "Conversations"):

- A living character talks with a living relative or a contact (``not_found``
  for anyone else, ``invalid_state`` for the dead), from the content's
  ``min_age`` (``age_restricted``: babies do not chat). Starting costs the content's
  energy (``no_energy``) and counts against a per-game-day cap (``daily_limit``,
  counted in ``activity_counts`` under ``TALK_KEY``). Starting a conversation while
  another is open abandons the open one.
- The other person's lines come from a ``TextWriter``: a line given in the command
  (an outside writer such as an LLM, recorded in the journal) is used as it is;
  otherwise the content's grammar writes it from the streams
  ``("conversation", id)`` (the opening) and ``("conversation_answer", id)``.
- ``reply_conversation`` takes one of the offered replies (``not_found`` for an
  unknown conversation or reply). A reply's check rolls on
  ``("conversation_check", id)``; closeness moves by the reply's change, clamped
  to 0..100. The conversation then ends.
- ``line_request`` tells an outside writer everything it needs, including the
  check's result, which is a pure function of the state; so the text it writes
  fits what the engine will do with the command.
"""

from __future__ import annotations

from attrs import evolve, frozen

from ..catalog import Catalog
from ..commands import ReplyConversation, StartConversation
from ..economy.energy import current_energy, with_amount
from ..events import ConversationEnded, ConversationStarted
from ..ids import mint_id
from ..outcome import Outcome, reject
from ..replies import (
    AGE_RESTRICTED,
    DAILY_LIMIT,
    INVALID_STATE,
    NO_ENERGY,
    NOT_FOUND,
    ConversationOpened,
    ConversationResult,
)
from ..rng import stream
from ..state import Character, Contact, Conversation, PlayerState, Relative
from .calendar import age_on
from .checks import check_passes
from .contacts import person
from .conversation_rules import ConversationRules, ReplyOption
from .grammar import expand

__all__ = [
    "TALK_KEY",
    "LineRequest",
    "line_request",
    "reply_conversation",
    "start_conversation",
]

#: The ``activity_counts`` key that counts today's conversations (never an activity
#: id: those are lowercase identifiers without a colon).
TALK_KEY = "talk:"
#: The line ``line_request`` probes the handlers with (any valid line would do).
_PROBE = "probe"


@frozen
class LineRequest:
    """What a ``TextWriter`` is asked to write: one line of the other person."""

    kind: str  # ``opening`` or ``answer``
    role: str  # the other person's role (mother, friend, colleague …)
    npc_name: str  # their full name
    character_name: str  # the character's full name
    closeness: int  # closeness before the line, 0..100
    reply: str | None  # for an answer: the reply's text
    passed: bool | None  # for an answer: the reply's check; None without one


def _values(character: Character, role: str, npc_name: str) -> dict[str, str]:
    return {
        "first_name": character.name.split()[0],
        "npc": npc_name.split()[0],
        "role": role,
    }


def _passed(
    seed: int, conversation: Conversation, reply: ReplyOption, character: Character
) -> bool | None:
    if reply.check is None:
        return None
    stat, difficulty = reply.check
    roll = stream(seed, "conversation_check", conversation.id)
    return check_passes(getattr(character.stats, stat), difficulty, roll)


def line_request(
    state: PlayerState,
    command: StartConversation | ReplyConversation,
    catalog: Catalog,
) -> LineRequest | None:
    """The line ``command`` will need, or None if the engine would refuse it."""
    # The handler itself says whether it would refuse (a dead person, the daily
    # cap, energy …): a writer is never asked for a line the engine throws away.
    # The probe line skips the grammar; the handlers are pure, so this is cheap.
    character = state.living
    if character is None:
        return None
    if isinstance(command, StartConversation):
        if start_conversation(state, evolve(command, line=_PROBE), catalog).rejected:
            return None
        found = person(character, command.npc_id)
        if found is None:
            return None
        role, name, closeness, _ = found
        return LineRequest("opening", role, name, character.name, closeness, None, None)
    if reply_conversation(state, evolve(command, line=_PROBE), catalog).rejected:
        return None
    conversation = character.conversation
    reply = catalog.conversations.reply(command.reply)
    if (
        conversation is None
        or conversation.id != command.conversation_id
        or reply is None
    ):
        return None
    found = person(character, conversation.npc_id)
    if found is None:
        return None
    role, name, closeness, _ = found
    passed = _passed(state.seed, conversation, reply, character)
    return LineRequest(
        "answer", role, name, character.name, closeness, reply.text, passed
    )


def start_conversation(
    state: PlayerState, command: StartConversation, catalog: Catalog
) -> Outcome:
    """``start_conversation`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    found = person(character, command.npc_id)
    if found is None:
        return reject(state, NOT_FOUND, "no such person")
    role, name, _, alive = found
    if not alive:
        return reject(state, INVALID_STATE, "they have died")
    rules: ConversationRules = catalog.conversations
    day = state.clock.day
    age = age_on(character, day, catalog.life)
    if age < rules.min_age:
        return reject(state, AGE_RESTRICTED, f"talking starts at age {rules.min_age}")
    counts = dict(character.activity_counts) if character.activity_day == day else {}
    if counts.get(TALK_KEY, 0) >= rules.daily_cap:
        return reject(state, DAILY_LIMIT, f"{rules.daily_cap} conversations a day")
    energy = current_energy(state.energy, command.at, catalog.energy)
    if energy < rules.energy:
        return reject(state, NO_ENERGY, f"talking needs {rules.energy} energy")
    seq = state.seq + 1
    conversation_id = mint_id(state.seed, seq, "conversation")
    if command.line is not None:
        line, writer = command.line, "command"
    else:
        rng = stream(state.seed, "conversation", conversation_id)
        template = rng.choice(rules.openings_for(role))
        line = expand(template, rules.grammar, rng, _values(character, role, name))
        writer = "template"
    replies = tuple((r.id, r.text) for r in rules.replies)
    counts[TALK_KEY] = counts.get(TALK_KEY, 0) + 1
    character = evolve(
        character,
        conversation=Conversation(
            id=conversation_id,
            npc_id=command.npc_id,
            day=day,
            replies=tuple(r for r, _ in replies),
        ),
        activity_day=day,
        activity_counts=tuple(sorted(counts.items())),
    )
    left = energy - rules.energy
    started = ConversationStarted(
        at=command.at,
        life=character.life,
        conversation_id=conversation_id,
        npc_id=command.npc_id,
        line=line,
        replies=replies,
        written_by=writer,
        day=day,
    )
    return Outcome(
        state=evolve(
            state,
            seq=seq,
            character=character,
            energy=with_amount(state.energy, command.at, left, catalog.energy),
        ),
        events=(started,),
        reply=ConversationOpened(
            conversation_id=conversation_id,
            npc_id=command.npc_id,
            line=line,
            replies=replies,
        ),
    )


def _with_closeness(character: Character, npc_id: str, closeness: int) -> Character:
    family: tuple[Relative, ...] = tuple(
        evolve(r, closeness=closeness) if r.id == npc_id else r
        for r in character.family
    )
    contacts: tuple[Contact, ...] = tuple(
        evolve(c, closeness=closeness) if c.id == npc_id else c
        for c in character.contacts
    )
    return evolve(character, family=family, contacts=contacts)


def reply_conversation(
    state: PlayerState, command: ReplyConversation, catalog: Catalog
) -> Outcome:
    """``reply_conversation`` (module rules)."""
    character = state.living
    if character is None:
        return reject(state, INVALID_STATE, "there is no living character")
    conversation = character.conversation
    if conversation is None or conversation.id != command.conversation_id:
        return reject(state, NOT_FOUND, "no such open conversation")
    reply = catalog.conversations.reply(command.reply)
    if reply is None or reply.id not in conversation.replies:
        return reject(state, NOT_FOUND, f"no reply {command.reply!r}")
    found = person(character, conversation.npc_id)
    if found is None or not found[3]:
        return reject(state, INVALID_STATE, "they are no longer there to talk to")
    role, name, before, _ = found
    passed = _passed(state.seed, conversation, reply, character)
    delta = reply.failure if passed is False else reply.success
    after = min(100, max(0, before + delta))
    if command.line is not None:
        line = command.line
    else:
        rng = stream(state.seed, "conversation_answer", conversation.id)
        options = reply.answers_failure if passed is False else reply.answers_success
        line = expand(
            rng.choice(options),
            catalog.conversations.grammar,
            rng,
            _values(character, role, name),
        )
    character = evolve(
        _with_closeness(character, conversation.npc_id, after), conversation=None
    )
    ended = ConversationEnded(
        at=command.at,
        life=character.life,
        conversation_id=conversation.id,
        npc_id=conversation.npc_id,
        reply=reply.id,
        passed=passed,
        closeness_delta=after - before,
        closeness=after,
        line=line,
        day=state.clock.day,
    )
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=(ended,),
        reply=ConversationResult(
            conversation_id=conversation.id,
            npc_id=conversation.npc_id,
            reply=reply.id,
            passed=passed,
            closeness=after,
            closeness_delta=after - before,
            line=line,
        ),
    )
