"""Tests of ``baolife_core.life.conversations``, ``conversation_rules`` and ``grammar``.

Characters live on content where nobody dies and no storylet happens
(``content_packs.IMMORTAL``); they talk with their family, and with the colleagues
a job introduces. A relative's death is brought about by the storylet effect that
kills relatives in play (``relative_dies``).
"""

from __future__ import annotations

import functools

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ApplyForJob,
    Catalog,
    Character,
    Command,
    ContentError,
    Conversation,
    ConversationEnded,
    ConversationOpened,
    ConversationResult,
    ConversationStarted,
    CreateCharacter,
    NewPlayer,
    Outcome,
    PlayerState,
    Rejection,
    ReplyConversation,
    StartConversation,
    advance,
    new_player,
    replay,
    step,
)
from baolife_core.ids import mint_id
from baolife_core.life.checks import check_passes
from baolife_core.life.contacts import person
from baolife_core.life.conversation_rules import ROLES, ReplyOption
from baolife_core.life.conversations import TALK_KEY, LineRequest, line_request
from baolife_core.life.grammar import (
    MAX_DEPTH,
    Grammar,
    check_template,
    expand,
    fill,
)
from baolife_core.life.storylet_rules import RelativeDiesEffect
from baolife_core.life.storylets import Scene, apply_effects
from baolife_core.rng import Stream, stream
from content_packs import DOOMED, IMMORTAL, edited_catalog
from events import own_events
from lives import T0, WALL_DAY, YEAR, aged

RULES = IMMORTAL.conversations
REPLY_IDS = [r.id for r in RULES.replies]


# -- helpers ------------------------------------------------------------------------


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def relative(state: PlayerState, role: str = "mother") -> str:
    """The id of the character's first relative with ``role``."""
    return next(r.id for r in hero(state).family if r.role == role)


def employed(seed: int = 4) -> PlayerState:
    """A 20-year-old hired as a retail clerk, who met its colleagues."""
    state = aged(20, seed)
    for _ in range(8):
        outcome = step(
            state, ApplyForJob(at=state.clock.now_at, job="retail_clerk"), IMMORTAL
        )
        state = outcome.state
        if hero(state).career.job is not None:
            assert hero(state).contacts
            return state
    raise AssertionError("no interview went well")


@functools.cache
def employed_at(seed: int) -> PlayerState:
    """``employed(seed)``, cached for the property test."""
    return employed(seed)


def talk(
    state: PlayerState,
    npc_id: str,
    *,
    line: str | None = None,
    catalog: Catalog = IMMORTAL,
) -> Outcome:
    """Start a conversation at the state's clock."""
    command = StartConversation(at=state.clock.now_at, npc_id=npc_id, line=line)
    return step(state, command, catalog)


def answer(
    state: PlayerState,
    reply: str,
    *,
    conversation_id: str | None = None,
    line: str | None = None,
) -> Outcome:
    """Reply to the open conversation (or to ``conversation_id``) at the clock."""
    if conversation_id is None:
        open_ = hero(state).conversation
        assert open_ is not None
        conversation_id = open_.id
    command = ReplyConversation(
        at=state.clock.now_at, conversation_id=conversation_id, reply=reply, line=line
    )
    return step(state, command, IMMORTAL)


def next_day(state: PlayerState) -> PlayerState:
    """The state a game day later (the daily cap resets, energy regenerates)."""
    return advance(state, state.clock.now_at + WALL_DAY, IMMORTAL)


def code(outcome: Outcome) -> str:
    """The rejection code of an outcome."""
    assert isinstance(outcome.reply, Rejection), outcome.reply
    return outcome.reply.code


def closeness(state: PlayerState, npc_id: str) -> int:
    """The closeness of a relative or contact."""
    found = person(hero(state), npc_id)
    assert found is not None
    return found[2]


def bereaved(state: PlayerState, role: str = "mother") -> PlayerState:
    """``state`` after the storylet effect ``relative_dies`` took a relative."""
    character = hero(state)
    day = state.clock.day
    character, _, _ = apply_effects(
        character,
        character.story,
        (RelativeDiesEffect(role),),
        state.seed,
        "test",
        day,
        day // YEAR,
        Scene(IMMORTAL, state.clock.now_at),
    )
    return evolve(state, character=character)


def drained(state: PlayerState, energy: int) -> PlayerState:
    """``state`` with ``energy`` left now, as after spending it on activities."""
    return evolve(
        state,
        energy=evolve(state.energy, amount=energy, anchor_at=state.clock.now_at),
    )


def expected_delta(reply: ReplyOption, passed: bool | None) -> int:
    """The closeness change a reply asks for, by its check's outcome."""
    return reply.failure if passed is False else reply.success


def reply_option(reply_id: str) -> ReplyOption:
    """A reply of the content."""
    option = RULES.reply(reply_id)
    assert option is not None
    return option


# -- content ------------------------------------------------------------------------


class TestContent:
    """``conversations.toml`` loads and is validated with located errors."""

    def test_bundled(self) -> None:
        """An opening for every role; 1-4 replies, with answers for every outcome."""
        assert list(ROLES) == [role for role, _ in RULES.openings]
        assert all(RULES.openings_for(role) for role in ROLES)
        assert 1 <= len(RULES.replies) <= 4
        for reply in RULES.replies:
            assert reply.answers_success
            assert reply.answers_failure
            if reply.check is None:
                assert reply.success == reply.failure

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        [
            (  # no opening for colleagues
                "colleague = [",
                "coworker = [",
                "openings",
                "colleague",
                "is required",
            ),
            (  # answers for a reply that does not exist
                "[answers.argue]",
                '[answers.shout]\nplain = ["Hey!"]\n\n[answers.argue]',
                "answers.shout",
                "",
                "names no reply",
            ),
            (  # no answers for a reply
                "[answers.argue]\nplain",
                "[answers.argue]\nsaid",
                "answers.argue",
                "plain",
                "is required",
            ),
            (  # a checked reply needs success and failure answers
                "[answers.kind]\nsuccess",
                "[answers.kind]\nplain",
                "answers.kind",
                "success",
                "is required",
            ),
            (  # a template with an unknown symbol
                'friend = ["{hello}, {mate}!',
                'friend = ["{hullo}, {mate}!',
                "openings",
                "friend",
                "unknown symbol or placeholder {hullo}",
            ),
            (  # an answer with an unknown symbol
                '"I\'m glad we talked about {worry}."',
                '"I\'m glad we talked about {worries}."',
                "answers.deep",
                "success",
                "unknown symbol or placeholder {worries}",
            ),
            (  # a symbol that refers to itself
                'plan = ["grab a coffee"',
                'plan = ["{plan} again", "grab a coffee"',
                "grammar",
                "plan",
                f"nest deeper than {MAX_DEPTH}",
            ),
            (  # a symbol named like a placeholder
                "[grammar]\n",
                '[grammar]\nnpc = ["Bob"]\n',
                "grammar",
                "npc",
                "is a placeholder name",
            ),
            (
                'mother = ["{hello}, {dear}!',
                'mother = ["{hello!r}, {dear}!',
                "openings",
                "mother",
                "takes no format or conversion",
            ),
            (
                "daily_cap = 6",
                "daily_cap = 0",
                "settings",
                "daily_cap",
                "must be within",
            ),
        ],
    )
    def test_errors_name_entry_and_field(
        self, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken value is reported with its file, entry, field and problem."""
        with pytest.raises(ContentError) as caught:
            edited_catalog((old, new))
        error = caught.value
        assert ("conversations.toml", entry, field) == (
            error.file,
            error.entry,
            error.field,
        )
        assert problem in error.problem

    def test_at_most_four_replies(self) -> None:
        """A fifth reply is refused."""
        fifth = (
            '[[replies]]\nid = "hug"\ntext = "Hug them"\ncloseness = 3\n\n'
            '[answers.hug]\nplain = ["Aw."]\n\n[answers.kind]'
        )
        with pytest.raises(ContentError, match="at most 4 replies") as caught:
            edited_catalog(("[answers.kind]", fifth))
        assert ("conversations.toml", "replies") == (
            caught.value.file,
            caught.value.entry,
        )


# -- the grammar --------------------------------------------------------------------


GRAMMAR = Grammar(
    symbols=(
        ("greeting", ("{hello}, {npc}!",)),
        ("hello", ("Hi", "Hey", "Hello")),
        ("nest", ("<{greeting}>",)),
    )
)
VALUES = {"npc": "Ada", "first_name": "Bo", "role": "mother"}
PLACEHOLDERS = ("first_name", "npc", "role")


def chain(length: int) -> Grammar:
    """Symbols ``s0`` → ``s1`` → … → ``s<length-1>`` → a word."""
    symbols = [(f"s{n}", (f"[{{s{n + 1}}}]",)) for n in range(length - 1)]
    symbols.append((f"s{length - 1}", ("word",)))
    return Grammar(symbols=tuple(sorted(symbols)))


class TestExpand:
    """``expand`` fills placeholders and draws symbols from the stream."""

    def test_placeholders_only(self) -> None:
        """Placeholders take the caller's values; text stays as it is."""
        text = expand("{first_name} talks to {npc}.", GRAMMAR, Stream(1), VALUES)
        assert "Bo talks to Ada." == text

    def test_a_symbol_draws_one_alternative(self) -> None:
        """The alternative is ``below(len)`` of the stream, in content order."""
        for seed in range(20):
            options = GRAMMAR.alternatives("hello")
            assert options is not None
            expected = options[Stream(seed).below(len(options))]
            assert expected == expand("{hello}", GRAMMAR, Stream(seed), VALUES)

    def test_nested_symbols(self) -> None:
        """Symbols expand inside symbols, placeholders inside them too."""
        text = expand("{nest}", GRAMMAR, Stream(3), VALUES)
        assert text in {"<Hi, Ada!>", "<Hey, Ada!>", "<Hello, Ada!>"}

    def test_escaped_braces(self) -> None:
        """Doubled braces are literal braces."""
        assert "{npc} is Ada" == expand("{{npc}} is {npc}", GRAMMAR, Stream(0), VALUES)

    def test_deterministic_and_varied(self) -> None:
        """One stream seed, one text; many seeds, every alternative."""
        texts = {
            seed: expand("{nest}", GRAMMAR, Stream(seed), VALUES) for seed in range(40)
        }
        assert texts == {
            seed: expand("{nest}", GRAMMAR, Stream(seed), VALUES) for seed in range(40)
        }
        assert {"<Hi, Ada!>", "<Hey, Ada!>", "<Hello, Ada!>"} == set(texts.values())

    def test_unknown_symbol(self) -> None:
        """A field that is neither a symbol nor a value is a ValueError."""
        with pytest.raises(ValueError, match=r"\{nobody\}"):
            expand("Hi {nobody}", GRAMMAR, Stream(0), VALUES)

    def test_a_chain_as_deep_as_allowed(self) -> None:
        """``MAX_DEPTH`` nested symbols expand fully."""
        grammar = chain(MAX_DEPTH)
        expected = "[" * (MAX_DEPTH - 1) + "word" + "]" * (MAX_DEPTH - 1)
        assert expected == expand("{s0}", grammar, Stream(0), {})


class TestFill:
    """``fill``: placeholders only (storylet texts, photo captions)."""

    def test_fills_every_placeholder(self) -> None:
        """Each field takes its value; literal text stays."""
        assert "Ada and Bo at the Café" == fill(
            "{first_name} and {partner} at the {venue}",
            {"first_name": "Ada", "partner": "Bo", "venue": "Café"},
        )

    def test_an_unknown_placeholder_is_an_error(self) -> None:
        """A field with no value raises, naming it."""
        with pytest.raises(ValueError, match=r"\{spouse\}"):
            fill("{spouse}", {"partner": "Bo"})


class TestCheckTemplate:
    """``check_template``: every field known, nothing too deep, no formats."""

    @pytest.mark.parametrize(
        "template",
        ["plain text", "{npc}", "{greeting} {first_name}", "{nest}", "{{literal}}"],
    )
    def test_accepts(self, template: str) -> None:
        """Known symbols, placeholders and escaped braces pass."""
        check_template(template, GRAMMAR, PLACEHOLDERS)
        assert expand(template, GRAMMAR, Stream(0), VALUES)

    @pytest.mark.parametrize(
        ("template", "problem"),
        [
            ("Hi {nobody}", r"unknown symbol or placeholder \{nobody\}"),
            ("{npc!r}", "no format or conversion"),
            ("{npc:>10}", "no format or conversion"),
            ("{}", "empty field"),
            ("{npc", "expected '}'"),
        ],
    )
    def test_rejects(self, template: str, problem: str) -> None:
        """Each bad template is a ValueError naming the problem."""
        with pytest.raises(ValueError, match=problem):
            check_template(template, GRAMMAR, PLACEHOLDERS)

    def test_unknown_symbol_inside_a_symbol(self) -> None:
        """An alternative's unknown field is found through the nesting."""
        grammar = Grammar(symbols=(("a", ("{b}",)), ("b", ("ok", "{ghost}"))))
        with pytest.raises(ValueError, match=r"\{ghost\}"):
            check_template("{a}", grammar, PLACEHOLDERS)

    def test_depth_limit(self) -> None:
        """A chain of ``MAX_DEPTH`` symbols passes; one more does not."""
        check_template("{s0}", chain(MAX_DEPTH), PLACEHOLDERS)
        with pytest.raises(ValueError, match=f"deeper than {MAX_DEPTH}"):
            check_template("{s0}", chain(MAX_DEPTH + 1), PLACEHOLDERS)

    @pytest.mark.parametrize(
        "symbols",
        [
            (("loop", ("{loop}",)),),
            (("a", ("x", "{b}")), ("b", ("{a}",))),
        ],
    )
    def test_cycles(self, symbols: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        """A cycle, even behind a way out, is reported instead of recursing."""
        with pytest.raises(ValueError, match="a cycle"):
            check_template(f"{{{symbols[0][0]}}}", Grammar(symbols=symbols), ())

    def test_the_bundled_templates_expand(self) -> None:
        """Every opening and answer of the content expands without a brace left."""
        templates = [t for _, options in RULES.openings for t in options]
        for reply in RULES.replies:
            templates += [*reply.answers_success, *reply.answers_failure]
        for n, template in enumerate(templates):
            text = expand(template, RULES.grammar, Stream(n), VALUES)
            assert "{" not in text
            assert "}" not in text


# -- start_conversation -------------------------------------------------------------


class TestStartConversation:
    """``start_conversation``: a line from the other person, replies on offer."""

    def test_with_a_relative(self) -> None:
        """The reply, the event, the open conversation, energy and the day's count."""
        state = aged(20)
        mother = relative(state)
        outcome = talk(state, mother)
        seq = state.seq + 1
        conversation_id = mint_id(state.seed, seq, "conversation")
        replies = tuple((r.id, r.text) for r in RULES.replies)
        assert isinstance(outcome.reply, ConversationOpened)
        line = outcome.reply.line
        assert (
            ConversationOpened(
                conversation_id=conversation_id,
                npc_id=mother,
                line=line,
                replies=replies,
            )
            == outcome.reply
        )
        assert line
        assert "{" not in line
        day = state.clock.day
        assert (
            ConversationStarted(
                at=state.clock.now_at,
                life=1,
                conversation_id=conversation_id,
                npc_id=mother,
                line=line,
                replies=replies,
                written_by="template",
                day=day,
            ),
        ) == own_events(outcome.events)
        character = hero(outcome.state)
        assert (
            Conversation(
                id=conversation_id,
                npc_id=mother,
                day=day,
                replies=tuple(REPLY_IDS),
            )
            == character.conversation
        )
        assert ((TALK_KEY, 1),) == character.activity_counts
        assert (seq, 100 - RULES.energy) == (
            outcome.state.seq,
            outcome.state.energy.amount,
        )

    @pytest.mark.parametrize("role", ["mother", "father"])
    def test_the_line_is_an_opening_for_the_role(self, role: str) -> None:
        """The grammar draws one of the role's openings on ``("conversation", id)``."""
        state = aged(20)
        npc = relative(state, role)
        outcome = talk(state, npc)
        assert isinstance(outcome.reply, ConversationOpened)
        rng = stream(state.seed, "conversation", outcome.reply.conversation_id)
        template = rng.choice(RULES.openings_for(role))
        found = person(hero(state), npc)
        assert found is not None
        values = {
            "first_name": hero(state).name.split()[0],
            "npc": found[1].split()[0],
            "role": role,
        }
        assert expand(template, RULES.grammar, rng, values) == outcome.reply.line

    def test_with_a_colleague(self) -> None:
        """Contacts met at work can be talked to, with the colleague's openings."""
        state = employed()
        colleague = hero(state).contacts[0]
        assert "colleague" == colleague.role
        outcome = talk(state, colleague.id)
        assert isinstance(outcome.reply, ConversationOpened)
        request = line_request(
            state,
            StartConversation(at=state.clock.now_at, npc_id=colleague.id),
            IMMORTAL,
        )
        assert request is not None
        assert ("opening", "colleague", colleague.name) == (
            request.kind,
            request.role,
            request.npc_name,
        )

    def test_grammar_lines_are_deterministic(self) -> None:
        """The same state and command write the same line."""
        state = aged(20)
        first, again = talk(state, relative(state)), talk(state, relative(state))
        assert first == again

    def test_grammar_lines_vary_across_seeds(self) -> None:
        """Different players hear different openings."""
        lines = set()
        for seed in range(12):
            state = aged(20, seed)
            outcome = talk(state, relative(state))
            assert isinstance(outcome.reply, ConversationOpened)
            lines.add(outcome.reply.line)
        assert len(lines) >= 6

    def test_a_line_in_the_command_is_used_verbatim(self) -> None:
        """An outside writer's text is not expanded and is marked ``command``."""
        state = aged(20)
        line = "Well {hello}, it's been {ages}!"
        outcome = talk(state, relative(state), line=line)
        assert isinstance(outcome.reply, ConversationOpened)
        started = own_events(outcome.events)[0]
        assert isinstance(started, ConversationStarted)
        assert (line, line, "command") == (
            outcome.reply.line,
            started.line,
            started.written_by,
        )

    def test_a_new_conversation_abandons_the_open_one(self) -> None:
        """Only the latest conversation can be answered."""
        state = aged(20)
        first = talk(state, relative(state, "mother"))
        second = talk(first.state, relative(state, "father"))
        assert isinstance(first.reply, ConversationOpened)
        assert isinstance(second.reply, ConversationOpened)
        assert first.reply.conversation_id != second.reply.conversation_id
        assert relative(state, "father") == hero(second.state).conversation.npc_id  # type: ignore[union-attr]
        stale = answer(
            second.state, "kind", conversation_id=first.reply.conversation_id
        )
        assert "not_found" == code(stale)
        assert isinstance(answer(second.state, "kind").reply, ConversationResult)

    def test_no_character(self) -> None:
        """Before ``create_character``: ``invalid_state``."""
        state = new_player(seed=4, at=T0, catalog=IMMORTAL)
        outcome = talk(state, "anyone")
        assert "invalid_state" == code(outcome)
        assert state == outcome.state

    def test_dead_character(self) -> None:
        """After the character's death: ``invalid_state``."""
        state = aged(1, catalog=DOOMED)
        assert hero(state).death is not None
        outcome = talk(state, relative(state), catalog=DOOMED)
        assert "invalid_state" == code(outcome)
        assert state == outcome.state

    def test_unknown_person(self) -> None:
        """Someone the character does not know: ``not_found``."""
        state = aged(20)
        outcome = talk(state, "a-stranger")
        assert Rejection(code="not_found", message="no such person") == outcome.reply
        assert state == outcome.state

    def test_someone_elses_relative(self) -> None:
        """Another player's mother is not known to this character."""
        other = aged(20, seed=5)
        state = aged(20)
        assert "not_found" == code(talk(state, relative(other)))

    def test_dead_relative(self) -> None:
        """A relative who died cannot be talked to: ``invalid_state``."""
        state = bereaved(aged(20))
        outcome = talk(state, relative(state))
        assert Rejection(code="invalid_state", message="they have died") == (
            outcome.reply
        )
        assert state == outcome.state

    @pytest.mark.parametrize("years", [0, 1, 2])
    def test_too_young_to_talk(self, years: int) -> None:
        """Below ``min_age`` (3) the character cannot start one: ``age_restricted``."""
        state = aged(years)
        outcome = talk(state, relative(state))
        assert (
            Rejection(
                code="age_restricted",
                message=f"talking starts at age {RULES.min_age}",
            )
            == outcome.reply
        )
        assert state == outcome.state
        assert isinstance(
            talk(aged(RULES.min_age), relative(state)).reply, ConversationOpened
        )

    def test_daily_cap(self) -> None:
        """``daily_cap`` conversations a game day, with anyone; tomorrow again."""
        state = aged(20)
        people = [relative(state, "mother"), relative(state, "father")]
        for n in range(RULES.daily_cap):
            outcome = talk(state, people[n % 2])
            assert isinstance(outcome.reply, ConversationOpened), outcome.reply
            state = outcome.state
        assert ((TALK_KEY, RULES.daily_cap),) == hero(state).activity_counts
        refused = talk(state, people[0])
        assert (
            Rejection(
                code="daily_limit", message=f"{RULES.daily_cap} conversations a day"
            )
            == refused.reply
        )
        assert state == refused.state
        assert isinstance(talk(next_day(state), people[0]).reply, ConversationOpened)

    def test_no_energy(self) -> None:
        """Below the content's energy: ``no_energy``; at it, the talk goes ahead."""
        state = aged(20)
        short = drained(state, RULES.energy - 1)
        outcome = talk(short, relative(state))
        assert "no_energy" == code(outcome)
        assert short == outcome.state
        exact = talk(drained(state, RULES.energy), relative(state))
        assert isinstance(exact.reply, ConversationOpened)
        assert 0 == exact.state.energy.amount


# -- reply_conversation -------------------------------------------------------------


class TestReplyConversation:
    """``reply_conversation``: a check, a closeness change, an answer; it ends."""

    @pytest.mark.parametrize("reply_id", REPLY_IDS)
    @pytest.mark.parametrize("seed", [0, 1, 4, 7])
    def test_closeness_moves_by_the_reply(self, reply_id: str, seed: int) -> None:
        """The check on ``("conversation_check", id)`` picks success or failure."""
        state = aged(20, seed)
        mother = relative(state)
        opened = talk(state, mother).state
        conversation = hero(opened).conversation
        assert conversation is not None
        reply = reply_option(reply_id)
        passed = None
        if reply.check is not None:
            stat, difficulty = reply.check
            roll = stream(state.seed, "conversation_check", conversation.id)
            passed = check_passes(getattr(hero(state).stats, stat), difficulty, roll)
        before = closeness(opened, mother)
        after = min(100, max(0, before + expected_delta(reply, passed)))
        outcome = answer(opened, reply_id)
        assert isinstance(outcome.reply, ConversationResult)
        line = outcome.reply.line
        assert (
            ConversationResult(
                conversation_id=conversation.id,
                npc_id=mother,
                reply=reply_id,
                passed=passed,
                closeness=after,
                closeness_delta=after - before,
                line=line,
            )
            == outcome.reply
        )
        assert (
            ConversationEnded(
                at=opened.clock.now_at,
                life=1,
                conversation_id=conversation.id,
                npc_id=mother,
                reply=reply_id,
                passed=passed,
                closeness_delta=after - before,
                closeness=after,
                line=line,
                day=opened.clock.day,
            ),
        ) == own_events(outcome.events)
        assert after == closeness(outcome.state, mother)
        assert hero(outcome.state).conversation is None
        assert (opened.seq + 1, opened.energy) == (
            outcome.state.seq,
            outcome.state.energy,
        )

    def test_the_answer_is_drawn_for_the_outcome(self) -> None:
        """The answer is one of the outcome's templates, on its own stream."""
        state = aged(20)
        opened = talk(state, relative(state)).state
        conversation = hero(opened).conversation
        assert conversation is not None
        outcome = answer(opened, "joke")
        assert isinstance(outcome.reply, ConversationResult)
        reply = reply_option("joke")
        options = (
            reply.answers_failure
            if outcome.reply.passed is False
            else reply.answers_success
        )
        rng = stream(state.seed, "conversation_answer", conversation.id)
        template = rng.choice(options)
        mother = person(hero(state), relative(state))
        assert mother is not None
        values = {
            "first_name": hero(state).name.split()[0],
            "npc": mother[1].split()[0],
            "role": "mother",
        }
        assert expand(template, RULES.grammar, rng, values) == outcome.reply.line

    def test_both_check_outcomes_happen(self) -> None:
        """Across seeds a checked reply both passes and fails."""
        results = set()
        for seed in range(12):
            state = aged(20, seed)
            outcome = answer(talk(state, relative(state)).state, "deep")
            assert isinstance(outcome.reply, ConversationResult)
            results.add(outcome.reply.passed)
        assert {True, False} == results

    def test_with_a_colleague(self) -> None:
        """A contact's closeness moves like a relative's."""
        state = employed()
        colleague = hero(state).contacts[0].id
        opened = talk(state, colleague).state
        before = closeness(opened, colleague)
        outcome = answer(opened, "argue")
        argue = reply_option("argue")
        assert isinstance(outcome.reply, ConversationResult)
        assert (None, max(0, before + argue.success)) == (
            outcome.reply.passed,
            closeness(outcome.state, colleague),
        )
        family = [r.closeness for r in hero(outcome.state).family]
        assert [r.closeness for r in hero(opened).family] == family

    def test_a_line_in_the_command_is_used_verbatim(self) -> None:
        """An outside writer's answer is recorded as it is."""
        state = aged(20)
        opened = talk(state, relative(state)).state
        outcome = answer(opened, "kind", line="You {always} say that.")
        assert isinstance(outcome.reply, ConversationResult)
        ended = own_events(outcome.events)[0]
        assert isinstance(ended, ConversationEnded)
        assert ("You {always} say that.",) * 2 == (outcome.reply.line, ended.line)

    def test_a_journal_with_written_lines_replays(self) -> None:
        """Lines are command data: replay without any writer gives the live state."""
        state = aged(20)
        mother = relative(state)
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=T0, seed=4),
            CreateCharacter(at=T0),
        ]
        at = state.clock.now_at
        conversation_id = mint_id(4, state.seq + 1, "conversation")
        commands: list[Command] = [
            StartConversation(at=at, npc_id=mother, line="Hello from an LLM."),
            ReplyConversation(
                at=at + 1,
                conversation_id=conversation_id,
                reply="deep",
                line="How thoughtful.",
            ),
            StartConversation(at=at + 2, npc_id=mother),
            ReplyConversation(
                at=at + 3,
                conversation_id=mint_id(4, state.seq + 3, "conversation"),
                reply="joke",
            ),
        ]
        for command in commands:
            outcome = step(state, command, IMMORTAL)
            assert not isinstance(outcome.reply, Rejection), outcome.reply
            state = outcome.state
        journal += commands
        assert state == replay(journal, IMMORTAL)

    def test_no_character(self) -> None:
        """Before ``create_character``: ``invalid_state``."""
        state = new_player(seed=4, at=T0, catalog=IMMORTAL)
        outcome = answer(state, "kind", conversation_id="c")
        assert "invalid_state" == code(outcome)

    def test_no_open_conversation(self) -> None:
        """Nothing to answer: ``not_found``."""
        state = aged(20)
        outcome = answer(state, "kind", conversation_id="c")
        assert "not_found" == code(outcome)
        assert state == outcome.state

    def test_an_ended_conversation(self) -> None:
        """A conversation takes one reply; a second is ``not_found``."""
        state = aged(20)
        opened = talk(state, relative(state)).state
        conversation = hero(opened).conversation
        assert conversation is not None
        done = answer(opened, "kind").state
        outcome = answer(done, "kind", conversation_id=conversation.id)
        assert "not_found" == code(outcome)

    def test_unknown_reply(self) -> None:
        """A reply the content does not offer: ``not_found``."""
        state = aged(20)
        opened = talk(state, relative(state)).state
        outcome = answer(opened, "shout")
        assert Rejection(code="not_found", message="no reply 'shout'") == outcome.reply
        assert opened == outcome.state

    def test_the_relative_died_meanwhile(self) -> None:
        """A relative who died during the conversation: ``invalid_state``."""
        state = aged(20)
        opened = bereaved(talk(state, relative(state)).state)
        outcome = answer(opened, "kind")
        assert "invalid_state" == code(outcome)
        assert opened == outcome.state


class TestClosenessBounds:
    """Closeness stays within 0..100, whatever the replies."""

    @staticmethod
    def converse(state: PlayerState, npc: str, reply: str) -> tuple[PlayerState, int]:
        """A day later, one conversation with ``npc``; the state and the change."""
        state = next_day(state)
        opened = talk(state, npc)
        assert isinstance(opened.reply, ConversationOpened), opened.reply
        outcome = answer(opened.state, reply)
        assert isinstance(outcome.reply, ConversationResult), outcome.reply
        return outcome.state, outcome.reply.closeness_delta

    @pytest.mark.parametrize(("reply", "bound"), [("kind", 100), ("argue", 0)])
    def test_clamped_by_play(self, reply: str, bound: int) -> None:
        """Kind words reach 100, fights reach 0, and there they stay."""
        state = aged(20)
        mother = relative(state)
        for _ in range(60):
            state, _ = self.converse(state, mother, reply)
            assert 0 <= closeness(state, mother) <= 100
            if closeness(state, mother) == bound:
                break
        assert bound == closeness(state, mother)
        state, delta = self.converse(state, mother, reply)
        assert (bound, 0) == (closeness(state, mother), delta)

    @given(
        seed=st.sampled_from([0, 1, 4, 7]),
        plays=st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=9), st.sampled_from(REPLY_IDS)
            ),
            min_size=1,
            max_size=25,
        ),
    )
    def test_random_replies_stay_in_bounds(
        self, seed: int, plays: list[tuple[int, str]]
    ) -> None:
        """Every relative and colleague stays within 0..100; deltas add up."""
        state = employed_at(seed)
        people = [r.id for r in hero(state).family] + [
            c.id for c in hero(state).contacts
        ]
        for who, reply in plays:
            npc = people[who % len(people)]
            before = closeness(state, npc)
            state, delta = self.converse(state, npc, reply)
            after = closeness(state, npc)
            assert before + delta == after
            assert 0 <= after <= 100
            changes = {expected_delta(reply_option(reply), p) for p in (True, False)}
            assert delta in changes or after in (0, 100)
        character = hero(state)
        assert all(0 <= r.closeness <= 100 for r in character.family)
        assert all(0 <= c.closeness <= 100 for c in character.contacts)


# -- line_request -------------------------------------------------------------------


class TestLineRequest:
    """``line_request``: what a writer needs, matching what the engine will do."""

    def test_opening(self) -> None:
        """Role, names and closeness of the person who speaks first."""
        state = aged(20)
        mother = relative(state)
        found = person(hero(state), mother)
        assert found is not None
        command = StartConversation(at=state.clock.now_at, npc_id=mother)
        assert LineRequest(
            kind="opening",
            role="mother",
            npc_name=found[1],
            character_name=hero(state).name,
            closeness=found[2],
            reply=None,
            passed=None,
        ) == line_request(state, command, IMMORTAL)

    @pytest.mark.parametrize("reply_id", REPLY_IDS)
    @pytest.mark.parametrize("seed", range(6))
    def test_answer_passed_is_the_engines(self, reply_id: str, seed: int) -> None:
        """The request's ``passed`` is what the engine then decides."""
        state = aged(20, seed)
        mother = relative(state)
        opened = talk(state, mother).state
        conversation = hero(opened).conversation
        assert conversation is not None
        command = ReplyConversation(
            at=opened.clock.now_at, conversation_id=conversation.id, reply=reply_id
        )
        request = line_request(opened, command, IMMORTAL)
        outcome = step(opened, command, IMMORTAL)
        assert isinstance(outcome.reply, ConversationResult)
        assert request is not None
        assert (
            "answer",
            reply_option(reply_id).text,
            closeness(opened, mother),
            outcome.reply.passed,
        ) == (request.kind, request.reply, request.closeness, request.passed)

    @pytest.mark.parametrize(
        "case",
        ["no_character", "stranger", "dead_relative", "daily_cap", "no_energy"],
    )
    def test_none_when_a_start_would_be_refused(self, case: str) -> None:
        """No line is asked for a ``start_conversation`` the engine refuses."""
        state = aged(20)
        npc = relative(state)
        if case == "no_character":
            state = new_player(seed=4, at=T0, catalog=IMMORTAL)
        elif case == "stranger":
            npc = "a-stranger"
        elif case == "dead_relative":
            state = bereaved(state)
        elif case == "daily_cap":
            for _ in range(RULES.daily_cap):
                state = talk(state, npc).state
        else:
            state = drained(state, RULES.energy - 1)
        command = StartConversation(at=state.clock.now_at, npc_id=npc)
        assert isinstance(step(state, command, IMMORTAL).reply, Rejection)
        assert line_request(state, command, IMMORTAL) is None

    @pytest.mark.parametrize(
        "case", ["wrong_conversation", "unknown_reply", "dead_relative", "ended"]
    )
    def test_none_when_a_reply_would_be_refused(self, case: str) -> None:
        """No line is asked for a ``reply_conversation`` the engine refuses."""
        state = aged(20)
        opened = talk(state, relative(state)).state
        conversation = hero(opened).conversation
        assert conversation is not None
        conversation_id, reply = conversation.id, "kind"
        if case == "wrong_conversation":
            conversation_id = "another"
        elif case == "unknown_reply":
            reply = "shout"
        elif case == "dead_relative":
            opened = bereaved(opened)
        else:
            opened = answer(opened, "kind").state
        command = ReplyConversation(
            at=opened.clock.now_at, conversation_id=conversation_id, reply=reply
        )
        assert isinstance(step(opened, command, IMMORTAL).reply, Rejection)
        assert line_request(opened, command, IMMORTAL) is None
