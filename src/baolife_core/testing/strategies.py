"""Hypothesis strategies for BaoLife: instants, commands (values, wire form), players.

Rules of this module (docs/testing.md "Strategies"):

- Every strategy that names content ids takes the ``Catalog`` it plays on (default:
  the bundled content), so a game team's own content gets its own ids. Id
  strategies mix the content's ids with a few unknown ones, so that rejections
  (``not_found`` …) are exercised as often as success.
- ``commands`` covers every class of ``COMMAND_TYPES``; ``wire_commands`` is the same
  commands in wire form (``to_wire``), the format of a client frame, an offline
  action and a journal line. Every value drawn passes the commands' validators.
- ``players`` never builds a state by hand: it draws a player seed, a bot seed, a
  pace and an age to stop at, and plays the seeded reference bot (``testing.bot``)
  from ``new_player`` through ``step``. What it returns is reachable by play, and
  its journal replays to it.
- Pure like the rest of ``baolife_core``: strategies draw, they never read a clock.

Import this module explicitly (``from baolife_core.testing import strategies``): it
needs Hypothesis (the ``testing`` extra), which the engine itself does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from attrs import evolve
from hypothesis import strategies as st

from ..catalog import Catalog, load_catalog
from ..clock import MAX_INSTANT_MS, MS_PER_DAY, MS_PER_MINUTE
from ..commands import (
    COMMAND_TYPES,
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
from ..state import PlayerState
from ..wire import to_wire
from .bot import START_AT, play_life
from .pace import PACES, Limits, Pace

__all__ = [
    "MAX_AGE",
    "activities",
    "any_instants",
    "bundled_catalog",
    "command_strategies",
    "commands",
    "create_characters",
    "dating_preferences",
    "gaps",
    "genders",
    "instants",
    "items",
    "jobs",
    "journals",
    "keys",
    "names",
    "npc_ids",
    "players",
    "purchase_refills",
    "purchase_time_skips",
    "quests",
    "refill_types",
    "schools",
    "seeds",
    "skip_types",
    "tutorial_steps",
    "utc_offsets",
    "venue_activities",
    "wire_commands",
]

#: The oldest age ``players`` plays to before it stops (a life ends well before).
MAX_AGE = 110


@cache
def bundled_catalog() -> Catalog:
    """The bundled content, loaded once: the default of every strategy here."""
    return load_catalog()


def _ids(known: Sequence[str], unknown: Sequence[str]) -> st.SearchStrategy[str]:
    """The content's ids, or (less often) an unknown one."""
    if not known:
        return st.sampled_from(list(unknown))
    return st.one_of(st.sampled_from(list(known)), st.sampled_from(list(unknown)))


# -- plain values -------------------------------------------------------------------

#: Realistic instants: 2020-01-01 to 2040-01-01, in ms.
instants = st.integers(min_value=1_577_836_800_000, max_value=2_208_988_800_000)
#: Any instant the wire accepts.
any_instants = st.integers(min_value=0, max_value=MAX_INSTANT_MS)
#: Gaps between commands: mostly short, sometimes days.
gaps = st.one_of(
    st.integers(min_value=0, max_value=10 * MS_PER_MINUTE),
    st.integers(min_value=0, max_value=3 * MS_PER_DAY),
)
#: Player seeds (the ``NewPlayer`` range).
seeds = st.integers(min_value=0, max_value=2**63 - 1)
#: UTC offsets the wire accepts, in minutes (-12:00..+14:00).
utc_offsets = st.integers(min_value=-720, max_value=840)
#: Idempotency keys from a small pool, so that repeats are common.
keys = st.one_of(
    st.sampled_from([f"key-{n}" for n in range(6)]),
    st.uuids().map(str),
)
#: Display names, or None (the engine draws one).
names = st.one_of(st.none(), st.sampled_from(["Ada Lovelace", "Zoë Díaz", "Sam"]))
#: Outside-written text (a line, a bio), or None (the content's grammar writes it).
_lines = st.one_of(st.none(), st.sampled_from(["Hi there.", "Long time no see!"]))
#: NPC and person ids: an unknown one; a machine draws the live ones from the state.
_people = st.sampled_from(["nobody", "npc-0", "p1"])


# -- content ids --------------------------------------------------------------------


def refill_types(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Refill tiers of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return _ids([tier.id for tier in catalog.refills], ["mega", "x"])


def skip_types(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Time skips of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return _ids([skip.id for skip in catalog.time_skips], ["forever"])


def activities(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Activities of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    known = [a.id for a in catalog.activities.activities]
    return st.sampled_from([*known, "skydive"])


def genders(catalog: Catalog | None = None) -> st.SearchStrategy[str | None]:
    """None (drawn by the engine), a gender of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return st.one_of(st.none(), st.sampled_from([*catalog.life.character.genders, "x"]))


def jobs(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Jobs of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return st.sampled_from([*(j.id for j in catalog.careers.jobs), "astronaut"])


def schools(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Schools of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return st.sampled_from([*(s.id for s in catalog.careers.schools), "mit"])


def items(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Items of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return st.sampled_from([*(i.id for i in catalog.items.items), "nothing"])


def quests(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Quest templates of the content, or an unknown one."""
    catalog = catalog or bundled_catalog()
    return st.sampled_from([*(q.id for q in catalog.quests.quests), "no_such_quest"])


def tutorial_steps(catalog: Catalog | None = None) -> st.SearchStrategy[str]:
    """Steps of every tutorial flow of the content, sorted."""
    catalog = catalog or bundled_catalog()
    steps = sorted({s for _, flow in catalog.tutorial.flows for s in flow})
    return st.sampled_from(steps or ["welcome"])


def venue_activities(
    catalog: Catalog | None = None,
) -> st.SearchStrategy[tuple[str, str]]:
    """(venue, activity) pairs of the content's dates, or an unknown pair."""
    catalog = catalog or bundled_catalog()
    pairs = [(v.id, a.id) for v in catalog.dating.venues for a in v.activities]
    return st.sampled_from([*pairs, ("moon", "walk")])


def npc_ids(known: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """One of ``known`` (people of a state: a machine passes them), or an unknown id."""
    return st.sampled_from([*known, "nobody"])


# -- commands -----------------------------------------------------------------------


def _at(at: int | None) -> st.SearchStrategy[int]:
    return instants if at is None else st.just(at)


def dating_preferences(
    catalog: Catalog, at: st.SearchStrategy[int]
) -> st.SearchStrategy[SetDatingPreferences]:
    """``SetDatingPreferences`` at ``at``: genders, ages, and the catalog's
    interests and dealbreakers plus unknown ones."""
    interests = [i.id for i in catalog.dating.interests]
    dealbreakers = [d.id for d in catalog.dating.dealbreakers]
    ages = st.none() | st.integers(min_value=0, max_value=150)
    return st.builds(
        SetDatingPreferences,
        at=at,
        seeking=st.lists(
            st.sampled_from(["female", "male", "nonbinary", "alien"]), unique=True
        ).map(lambda s: tuple(sorted(s))),
        min_age=ages,
        max_age=ages,
        interests=st.none()
        | st.lists(
            st.sampled_from([*interests, "knitting"]), max_size=6, unique=True
        ).map(tuple),
        dealbreakers=st.lists(
            st.sampled_from([*dealbreakers, "snoring"]), max_size=3, unique=True
        ).map(tuple),
    )


def command_strategies(
    catalog: Catalog | None = None, *, at: int | None = None
) -> dict[type[Command], st.SearchStrategy[Command]]:
    """One strategy per class of ``COMMAND_TYPES``, at ``at`` (or any instant).

    Ids come from ``catalog`` (plus unknown ones); ids that live in a state (a
    question, a conversation, an NPC) are unknown here — a state machine draws
    those from the state it plays (``testing.machine``).
    """
    catalog = catalog or bundled_catalog()
    when = _at(at)
    token = st.sampled_from(["yes", "no", "go", "stay", "x"])
    table: dict[type[Command], st.SearchStrategy[Any]] = {
        PurchaseEnergyRefill: st.builds(
            PurchaseEnergyRefill,
            at=when,
            refill_type=refill_types(catalog),
            idempotency_key=keys,
        ),
        PurchaseTimeSkip: st.builds(
            PurchaseTimeSkip,
            at=when,
            skip_type=skip_types(catalog),
            idempotency_key=keys,
        ),
        CreateCharacter: st.builds(
            CreateCharacter, at=when, name=names, gender=genders(catalog)
        ),
        DoActivity: st.builds(DoActivity, at=when, activity=activities(catalog)),
        AnswerQuestion: st.builds(
            AnswerQuestion, at=when, question_id=keys, choice=token
        ),
        ApplyForJob: st.builds(ApplyForJob, at=when, job=jobs(catalog)),
        QuitJob: st.builds(QuitJob, at=when),
        Retire: st.builds(Retire, at=when),
        Enroll: st.builds(Enroll, at=when, school=schools(catalog)),
        StartConversation: st.builds(
            StartConversation, at=when, npc_id=_people, line=_lines
        ),
        ReplyConversation: st.builds(
            ReplyConversation,
            at=when,
            conversation_id=keys,
            reply=st.sampled_from(
                [*(r.id for r in catalog.conversations.replies), "shrug"]
            ),
            line=_lines,
        ),
        SetUtcOffset: st.builds(SetUtcOffset, at=when, minutes=utc_offsets),
        ClaimDailyReward: st.builds(ClaimDailyReward, at=when, idempotency_key=keys),
        ClaimQuestReward: st.builds(
            ClaimQuestReward, at=when, quest=quests(catalog), idempotency_key=keys
        ),
        TutorialStep: st.builds(TutorialStep, at=when, step=tutorial_steps(catalog)),
        SkipTutorial: st.builds(SkipTutorial, at=when),
        UseItem: st.builds(UseItem, at=when, item=items(catalog)),
        CreditStorePurchase: st.builds(
            CreditStorePurchase,
            at=when,
            product_id=st.sampled_from(
                [*(p.id for p in catalog.store.products), "com.example.unknown"]
            ),
            transaction_id=keys,
            original_transaction_id=keys,
            environment=st.sampled_from(["production", "sandbox"]),
            purchased_at=instants,
        ),
        RevokeStorePurchase: st.builds(
            RevokeStorePurchase,
            at=when,
            transaction_id=keys,
            reason=st.sampled_from(["refund", "revoked"]),
        ),
        SetDatingPreferences: dating_preferences(catalog, when),
        Like: st.builds(Like, at=when, npc_id=_people, bio=_lines),
        Pass: st.builds(Pass, at=when, npc_id=_people),
        GoOnDate: st.tuples(when, _people, venue_activities(catalog)).map(
            lambda t: GoOnDate(at=t[0], npc_id=t[1], venue=t[2][0], activity=t[2][1])
        ),
        AdvanceRelationship: st.builds(AdvanceRelationship, at=when, npc_id=_people),
        BreakUp: st.builds(BreakUp, at=when, npc_id=_people),
    }
    missing = [c.__name__ for c in COMMAND_TYPES if c not in table]
    if missing:  # pragma: no cover - a new command must join the table
        raise TypeError(f"no strategy for {', '.join(missing)}")
    return table


def commands(
    catalog: Catalog | None = None,
    *,
    at: int | None = None,
    types: Sequence[type[Command]] = COMMAND_TYPES,
) -> st.SearchStrategy[Command]:
    """A command of one of ``types`` (default: every command class)."""
    table = command_strategies(catalog, at=at)
    return st.one_of([table[cls] for cls in types])


def wire_commands(
    catalog: Catalog | None = None,
    *,
    at: int | None = None,
    types: Sequence[type[Command]] = COMMAND_TYPES,
) -> st.SearchStrategy[dict[str, Any]]:
    """A command in wire form: the dict ``command_from_wire`` decodes."""
    return commands(catalog, at=at, types=types).map(to_wire)


def _for(cls: type[Command]) -> Callable[..., st.SearchStrategy[Any]]:
    def strategy(
        at: int | None = None, catalog: Catalog | None = None
    ) -> st.SearchStrategy[Any]:
        return command_strategies(catalog, at=at)[cls]

    strategy.__doc__ = f"A ``{cls.__name__}``, at ``at`` (or any instant)."
    return strategy


#: A refill purchase, of a known or unknown tier.
purchase_refills: Callable[..., st.SearchStrategy[PurchaseEnergyRefill]] = _for(
    PurchaseEnergyRefill
)
#: A time-skip purchase, of a known or unknown type.
purchase_time_skips: Callable[..., st.SearchStrategy[PurchaseTimeSkip]] = _for(
    PurchaseTimeSkip
)
#: A character creation, with or without a chosen name and gender.
create_characters: Callable[..., st.SearchStrategy[CreateCharacter]] = _for(
    CreateCharacter
)


@st.composite
def journals(
    draw: st.DrawFn,
    max_commands: int = 30,
    catalog: Catalog | None = None,
    types: Sequence[type[Command]] = (PurchaseEnergyRefill, PurchaseTimeSkip),
) -> list[NewPlayer | Command]:
    """A journal: a genesis then commands of ``types`` at non-decreasing instants.

    Commands may be refused on replay (a journal of accepted commands is what
    ``players`` returns); ``replay`` applies them all the same, as the engine does.
    """
    at = draw(instants)
    records: list[NewPlayer | Command] = [NewPlayer(at=at, seed=draw(seeds))]
    command = commands(catalog, types=types)  # built once; each is moved to its at
    for _ in range(draw(st.integers(min_value=0, max_value=max_commands))):
        at += draw(gaps)
        records.append(evolve(draw(command), at=at))
    return records


# -- players ------------------------------------------------------------------------


@st.composite
def players(
    draw: st.DrawFn,
    catalog: Catalog | None = None,
    *,
    paces: Sequence[Pace] = PACES,
    max_age: int = MAX_AGE,
    start_at: int = START_AT,
) -> tuple[PlayerState, tuple[NewPlayer | Command, ...]]:
    """A player at any point of a life, and the journal that led there.

    Played, never built (module rules): the reference bot plays a new player at one
    of ``paces`` until its character is past an age drawn within ``0..max_age`` (or
    dies first), after a number of turns drawn too — zero turns is a player with no
    character yet. ``advance(replay(journal), state.clock.now_at) == state``.
    """
    catalog = catalog or bundled_catalog()
    stop_age = draw(st.integers(min_value=0, max_value=max_age), label="stop age")
    turns = draw(
        st.one_of(
            st.integers(min_value=0, max_value=20),
            st.just(Limits().max_turns),
        ),
        label="turn limit",
    )
    life = play_life(
        catalog,
        seed=draw(seeds, label="player seed"),
        bot_seed=draw(seeds, label="bot seed"),
        start_at=start_at,
        pace=draw(st.sampled_from(list(paces)), label="pace"),
        limits=Limits(max_turns=turns, max_age=stop_age),
    )
    return life.state, life.journal
