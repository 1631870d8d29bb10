"""Tests of ``baolife_core.service``'s bio path: the writer's bios in
``get_matches``, remembered, and journaled by ``like`` (docs/dating.md "Bios")."""

from __future__ import annotations

import pytest
from attrs import define, evolve, field

from baolife_core.bio_cache import BioCache
from baolife_core.catalog import load_catalog
from baolife_core.clock import MS_PER_DAY
from baolife_core.commands import CreateCharacter, Like, Pass
from baolife_core.engine import replay
from baolife_core.events import MatchMade
from baolife_core.memory_store import InMemoryStore
from baolife_core.ports import BioRequest, LineRequest
from baolife_core.queries import QUERIES
from baolife_core.replies import LikeResult, MatchList, Rejection
from baolife_core.service import GameService

CATALOG = load_catalog()
PID = "player-1"
DEVICE = "device-1"
#: The player's seed: its first suggestions include NPCs that like back.
SEED = 42
#: 19 game years after birth (the character was born at 0): old enough to date.
ADULT_AT = 19 * CATALOG.life.days_per_year * MS_PER_DAY // CATALOG.clock.time_scale


@define
class FakeWriter:
    """A ``TextWriter`` whose bios name the NPC (or are ``text``), and remembers."""

    text: str | None = "{name} likes long walks."
    bios: list[BioRequest] = field(factory=list)
    lines: list[LineRequest] = field(factory=list)

    def write_line(self, request: LineRequest) -> str | None:
        self.lines.append(request)
        return None

    def write_bio(self, request: BioRequest) -> str | None:
        self.bios.append(request)
        return None if self.text is None else self.text.format(name=request.name)


def dating(writer: FakeWriter | None) -> tuple[GameService, InMemoryStore]:
    """A service over a new store, and ``PID`` with a character 19 at ``ADULT_AT``."""
    store = InMemoryStore()
    service = GameService(store, CATALOG, writer=writer)
    service.login_device(DEVICE, new_player_id=PID, seed=SEED, at=0)
    service.execute(PID, CreateCharacter(at=0))
    return service, store


def matches(service: GameService, at: int = ADULT_AT) -> MatchList:
    """``get_matches`` through the service."""
    reply = service.read(PID, QUERIES["get_matches"], at)
    assert isinstance(reply, MatchList)
    return reply


def grammar_matches(service: GameService, at: int = ADULT_AT) -> MatchList:
    """``get_matches`` from the engine alone (the grammar's bios)."""
    state = service.load(PID).state
    reply = QUERIES["get_matches"](state, at, CATALOG)
    assert isinstance(reply, MatchList)
    return reply


def like_until_matched(service: GameService) -> tuple[int, MatchMade]:
    """Like the suggestions in order until one likes back: (its index, the match)."""
    for index, entry in enumerate(matches(service).matches):
        result = service.execute(PID, Like(at=ADULT_AT + index, npc_id=entry.npc_id))
        assert isinstance(result.reply, LikeResult)
        made = [e for e in result.events if isinstance(e, MatchMade)]
        if made:
            return index, made[0]
    raise AssertionError("no suggestion liked back")


class TestMatchesShowTheWritersBios:
    """With a writer, ``get_matches`` shows its bios; without, the grammar's."""

    def test_every_bio_is_the_writers(self) -> None:
        """Each entry's bio is the writer's text; everything else is the engine's."""
        writer = FakeWriter()
        service, _ = dating(writer)
        shown = matches(service)
        plain = grammar_matches(service)
        assert shown.matches
        expected = tuple(
            evolve(e, bio=f"{e.name} likes long walks.") for e in plain.matches
        )
        assert (plain.refreshes_day, expected) == (shown.refreshes_day, shown.matches)
        assert [e.npc_id for e in plain.matches] == [r.npc_id for r in writer.bios]

    def test_the_request_describes_the_npc(self) -> None:
        """A request carries the NPC's profile in names, as the suggestion shows."""
        writer = FakeWriter()
        service, _ = dating(writer)
        shown = matches(service)
        first = shown.matches[0]
        request = writer.bios[0]
        assert (first.npc_id, first.name, first.gender, first.age) == (
            request.npc_id,
            request.name,
            request.gender,
            request.age,
        )
        assert sorted(first.interests) == sorted(request.interests)

    def test_a_second_read_asks_nothing(self) -> None:
        """Remembered bios are shown again without asking the writer."""
        writer = FakeWriter()
        service, _ = dating(writer)
        first = matches(service)
        asked = len(writer.bios)
        assert first == matches(service, ADULT_AT + 1000)
        assert asked == len(writer.bios)

    def test_no_writer_shows_the_grammar(self) -> None:
        """Without a writer the read is exactly the engine's query."""
        service, _ = dating(None)
        assert grammar_matches(service) == matches(service)
        assert 0 == len(service.bios)

    @pytest.mark.parametrize("text", [None, "", "   ", "\x00\n\t"])
    def test_no_usable_bio_shows_the_grammars(self, text: str | None) -> None:
        """A writer that declines leaves the grammar's bio, and is not asked again."""
        writer = FakeWriter(text)
        service, _ = dating(writer)
        assert grammar_matches(service) == matches(service)
        asked = len(writer.bios)
        matches(service)
        assert asked == len(writer.bios)

    def test_a_long_bio_is_cut(self) -> None:
        """A bio beyond ``MAX_TEXT`` characters is cut, like a line."""
        service, _ = dating(FakeWriter("word " * 200))
        assert all(len(e.bio) <= 500 for e in matches(service).matches)

    @pytest.mark.parametrize(
        "query", sorted(name for name in QUERIES if name != "get_matches")
    )
    def test_other_reads_pass_through(self, query: str) -> None:
        """Only ``get_matches`` shows bios: other reads are the engine's."""
        writer = FakeWriter()
        service, _ = dating(writer)
        state = service.load(PID).state
        expected = QUERIES[query](state, ADULT_AT, CATALOG)
        assert expected == service.read(PID, QUERIES[query], ADULT_AT)
        assert [] == writer.bios

    def test_a_child_sees_no_suggestions_and_asks_nothing(self) -> None:
        """Below the dating age the list is empty and no bio is written."""
        writer = FakeWriter()
        service, _ = dating(writer)
        assert () == matches(service, at=ADULT_AT // 19).matches
        assert [] == writer.bios


class TestLikeJournalsTheShownBio:
    """``like`` carries the bio the player saw, so the match keeps it."""

    def test_the_match_keeps_the_shown_bio(self) -> None:
        """The journaled like, the match event and the romance hold the shown bio."""
        writer = FakeWriter()
        service, store = dating(writer)
        shown = {e.npc_id: e.bio for e in matches(service).matches}
        asked = len(writer.bios)
        index, made = like_until_matched(service)
        liked = [c for c in store.journal(PID) if isinstance(c, Like)]
        assert [shown[c.npc_id] for c in liked] == [c.bio for c in liked]
        assert index + 1 == len(liked)
        assert shown[made.npc_id] == made.bio
        character = service.load(PID).state.character
        assert character is not None
        [romance] = character.dating.romances
        assert shown[made.npc_id] == romance.npc.bio
        assert asked == len(writer.bios)

    def test_replay_needs_no_writer(self) -> None:
        """The journal alone, replayed without a writer, gives the stored state."""
        service, store = dating(FakeWriter())
        matches(service)
        like_until_matched(service)
        assert service.load(PID).state == replay(store.journal(PID), CATALOG)

    def test_a_like_unseen_asks_the_writer(self) -> None:
        """A like of an NPC whose bio nobody remembers asks the writer then."""
        writer = FakeWriter()
        service, store = dating(writer)
        entry = grammar_matches(service).matches[0]
        service.execute(PID, Like(at=ADULT_AT, npc_id=entry.npc_id))
        [request] = writer.bios
        last = store.journal(PID)[-1]
        assert isinstance(last, Like)
        assert (entry.npc_id, f"{entry.name} likes long walks.") == (
            request.npc_id,
            last.bio,
        )

    def test_an_evicted_bio_is_asked_again(self) -> None:
        """When the cache forgot the NPC, the writer is asked at the like."""
        writer = FakeWriter()
        service, store = dating(writer)
        service.bios = BioCache(size=1)
        shown = matches(service).matches
        asked = len(writer.bios)
        service.execute(PID, Like(at=ADULT_AT, npc_id=shown[0].npc_id))
        assert asked + 1 == len(writer.bios)
        last = store.journal(PID)[-1]
        assert isinstance(last, Like)
        assert shown[0].bio == last.bio

    def test_a_declined_bio_journals_none(self) -> None:
        """A grammar's bio shown means a like without a bio (the grammar's again)."""
        writer = FakeWriter(None)
        service, store = dating(writer)
        entry = matches(service).matches[0]
        command = Like(at=ADULT_AT, npc_id=entry.npc_id)
        service.execute(PID, command)
        assert command == store.journal(PID)[-1]

    def test_a_given_bio_is_kept(self) -> None:
        """A like that carries a bio is not rewritten, and the writer is not asked."""
        writer = FakeWriter()
        service, store = dating(writer)
        entry = grammar_matches(service).matches[0]
        command = Like(at=ADULT_AT, npc_id=entry.npc_id, bio="Written elsewhere.")
        service.execute(PID, command)
        assert ([], command) == (writer.bios, store.journal(PID)[-1])

    def test_without_a_writer_the_like_is_unchanged(self) -> None:
        """No writer: the like is journaled as sent."""
        service, store = dating(None)
        entry = grammar_matches(service).matches[0]
        command = Like(at=ADULT_AT, npc_id=entry.npc_id)
        service.execute(PID, command)
        assert command == store.journal(PID)[-1]

    @pytest.mark.parametrize("npc_id", ["no-such-npc", "7e8ad030-e49b-58e1-96f8"])
    def test_a_refused_like_asks_nothing_and_writes_nothing(self, npc_id: str) -> None:
        """An unknown NPC is ``not_found``: no writer call, no journal line."""
        writer = FakeWriter()
        service, store = dating(writer)
        before = (len(store.journal(PID)), service.load(PID).state)
        result = service.execute(PID, Like(at=ADULT_AT, npc_id=npc_id))
        assert isinstance(result.reply, Rejection)
        assert "not_found" == result.reply.code
        assert (before, []) == (
            (len(store.journal(PID)), service.load(PID).state),
            writer.bios,
        )
        assert 0 == len(service.bios)

    def test_a_passed_npc_cannot_be_liked(self) -> None:
        """A like of an NPC already passed is refused before the writer is asked."""
        writer = FakeWriter()
        service, store = dating(writer)
        entry = grammar_matches(service).matches[0]
        service.execute(PID, Pass(at=ADULT_AT, npc_id=entry.npc_id))
        before = len(store.journal(PID))
        result = service.execute(PID, Like(at=ADULT_AT + 1, npc_id=entry.npc_id))
        assert isinstance(result.reply, Rejection)
        assert ("not_found", before, []) == (
            result.reply.code,
            len(store.journal(PID)),
            writer.bios,
        )

    def test_a_pass_asks_nothing(self) -> None:
        """Passing needs no bio."""
        writer = FakeWriter()
        service, store = dating(writer)
        entry = grammar_matches(service).matches[0]
        command = Pass(at=ADULT_AT, npc_id=entry.npc_id)
        service.execute(PID, command)
        assert ([], command) == (writer.bios, store.journal(PID)[-1])
