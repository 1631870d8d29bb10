"""Conversations, loaded from ``content/conversations.toml``.

Validated with located errors (DESIGN.md "Content is data"): an opening for every
role a character can talk to, 1-4 replies with a check (``success`` and
``failure`` closeness changes) or a plain ``closeness``, answers for every outcome
of every reply, and every template expandable by the grammar (``grammar``).
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from attrs import frozen

from ..content_reader import Entry, read_toml
from ..errors import ContentError
from .contacts import CONTACT_ROLES
from .grammar import Grammar, check_template
from .rules import FAMILY_ROLES, STAT_NAMES

__all__ = [
    "FILE",
    "PLACEHOLDERS",
    "ROLES",
    "ConversationRules",
    "ReplyOption",
    "load_conversation_rules",
]

FILE = "conversations.toml"

#: Everyone a character may talk to, by role.
ROLES = (*FAMILY_ROLES, *CONTACT_ROLES)
#: The placeholders a conversation template may use.
PLACEHOLDERS = ("first_name", "npc", "role")


@frozen
class ReplyOption:
    """A reply the character may give."""

    id: str  # wire id (``reply``)
    text: str  # shown to the player
    check: tuple[str, int] | None  # (stat, difficulty), or None
    success: int  # closeness change when the check passes (or always, without one)
    failure: int  # closeness change when it fails (equal to success without one)
    answers_success: tuple[str, ...]  # answer templates on success (or plain)
    answers_failure: tuple[str, ...]  # answer templates on failure (or plain)


@frozen
class ConversationRules:
    """Everything ``conversations.toml`` says."""

    energy: int  # energy one conversation costs
    daily_cap: int  # conversations per game day
    min_age: int  # the character's age from which it may start one
    grammar: Grammar  # symbols for every template
    openings: tuple[tuple[str, tuple[str, ...]], ...]  # (role, templates)
    replies: tuple[ReplyOption, ...]  # in content order

    def openings_for(self, role: str) -> tuple[str, ...]:
        """The opening templates of ``role`` (validated to exist for every role)."""
        return dict(self.openings)[role]

    def reply(self, reply_id: str) -> ReplyOption | None:
        """The reply with this id, or None."""
        return next((r for r in self.replies if r.id == reply_id), None)


def _templates(entry: Entry, field: str, grammar: Grammar | None) -> tuple[str, ...]:
    templates = entry.texts(field)
    if grammar is not None:
        for template in templates:
            try:
                check_template(template, grammar, PLACEHOLDERS)
            except ValueError as error:
                raise entry.error(field, f"{template!r}: {error}") from None
    return templates


def _grammar(root: Entry) -> Grammar:
    entry = root.table("grammar")
    names = sorted(entry.data)
    symbols = tuple((name, entry.texts(name)) for name in names)
    grammar = Grammar(symbols=symbols)
    for name in names:
        if name in PLACEHOLDERS:
            raise entry.error(name, "is a placeholder name, not a symbol")
        _templates(entry, name, grammar)
    return grammar


def _reply(entry: Entry, answers: dict[str, Any], grammar: Grammar) -> ReplyOption:
    reply_id = entry.text("id")
    check: tuple[str, int] | None = None
    if entry.has("check"):
        table = entry.table("check")
        stat = table.text("stat")
        if stat not in STAT_NAMES:
            raise table.error("stat", f"must be one of {', '.join(STAT_NAMES)}")
        check = (stat, table.integer("difficulty", low=0, high=100))
        table.done()
        success = entry.integer("success", low=-100, high=100)
        failure = entry.integer("failure", low=-100, high=100)
    else:
        success = failure = entry.integer("closeness", low=-100, high=100)
    said = Entry(FILE, f"answers.{reply_id}", answers.get(reply_id))
    if check is not None:
        on_success = _templates(said, "success", grammar)
        on_failure = _templates(said, "failure", grammar)
    else:
        on_success = on_failure = _templates(said, "plain", grammar)
    said.done()
    reply = ReplyOption(
        id=reply_id,
        text=entry.text("text"),
        check=check,
        success=success,
        failure=failure,
        answers_success=on_success,
        answers_failure=on_failure,
    )
    entry.done()
    return reply


def load_conversation_rules(directory: Traversable) -> ConversationRules:
    """Load and validate ``conversations.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    settings = root.table("settings")
    energy = settings.integer("energy", low=0, high=1000)
    daily_cap = settings.integer("daily_cap", low=1, high=100)
    min_age = settings.integer("min_age", low=0, high=150)
    settings.done()
    grammar = _grammar(root)
    openings_entry = root.table("openings")
    openings = tuple(
        (role, _templates(openings_entry, role, grammar)) for role in ROLES
    )
    openings_entry.done()
    answers = root.data.get("answers")
    root.seen.add("answers")
    if not isinstance(answers, dict):
        raise ContentError(FILE, "answers", "", "must be a table of reply answers")
    replies = tuple(_reply(e, answers, grammar) for e in root.tables("replies"))
    if len(replies) > 4:
        raise ContentError(FILE, "replies", "", "offer at most 4 replies")
    unknown = sorted(set(answers) - {r.id for r in replies})
    if unknown:
        raise ContentError(FILE, f"answers.{unknown[0]}", "", "names no reply")
    root.done()
    return ConversationRules(
        energy=energy,
        daily_cap=daily_cap,
        min_age=min_age,
        grammar=grammar,
        openings=openings,
        replies=replies,
    )
