"""Tests of ``baolife_core.dating.bios``: the grammar's variety and the request an
outside writer is given."""

from __future__ import annotations

from attrs import evolve

from baolife_core import new_player
from baolife_core.commands import Like, Pass
from baolife_core.dating.bios import BioRequest, bio_request, grammar_bio
from baolife_core.dating.npcs import npc_age, npc_pool, pool_index, suggestions
from baolife_core.engine import step
from baolife_core.state import Character, Npc, PlayerState
from content_packs import IMMORTAL
from lives import T0, aged

RULES = IMMORTAL.dating
LIFE = IMMORTAL.life
#: The share of distinct bios the issue asks for among 1,000 NPCs.
DISTINCT_PER_MILLE = 950


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def thousand_npcs() -> list[Npc]:
    """1,000 distinct NPCs: 125 pools of one 30-year-old's life."""
    state = aged(30, 11)
    npcs = [
        npc
        for k in range(125)
        for npc in npc_pool(state.seed, hero(state), k * RULES.pool_days, RULES, LIFE)
    ]
    assert 1000 == len({npc.id for npc in npcs})
    return npcs


class TestGrammarBio:
    """The default bio is rich, deterministic and drawn from ``("bio", id)``."""

    def test_thousand_bios_are_distinct(self) -> None:
        """At least 95 % of 1,000 NPCs' bios differ (1,000 of 1,000 today)."""
        bios = [npc.bio for npc in thousand_npcs()]
        assert len(set(bios)) >= DISTINCT_PER_MILLE
        assert 1000 == len(set(bios))

    def test_variety_beyond_names(self) -> None:
        """Even with one name, one age and the same interests, bios vary."""
        npc = thousand_npcs()[0]
        bios = {grammar_bio(seed, npc, 30, RULES) for seed in range(1000)}
        assert len(bios) >= DISTINCT_PER_MILLE

    def test_deterministic_per_seed_and_id(self) -> None:
        """The same seed and NPC give the same bio; another id another stream."""
        npc = thousand_npcs()[0]
        other = evolve(npc, id="another")
        assert grammar_bio(5, npc, 30, RULES) == grammar_bio(5, npc, 30, RULES)
        assert [grammar_bio(s, npc, 30, RULES) for s in range(5)] != [
            grammar_bio(s, other, 30, RULES) for s in range(5)
        ]

    def test_bios_are_expanded(self) -> None:
        """No field is left, and the NPC's interests are named by name."""
        names = {i.id: i.name for i in RULES.interests}
        for npc in thousand_npcs()[:200]:
            assert "{" not in npc.bio
            assert "}" not in npc.bio
            assert any(names[i] in npc.bio for i in npc.interests)

    def test_every_template_is_used(self) -> None:
        """Each template opens some bio of the thousand (it is reachable)."""
        bios = [npc.bio for npc in thousand_npcs()]
        for template in RULES.bio.templates:
            tail = template.rsplit("}", 1)[-1]
            head = template.split("{", 1)[0]
            assert any(b.startswith(head) and b.endswith(tail) for b in bios)


class TestBioRequest:
    """``bio_request`` describes the NPC a like would match, or says None."""

    def test_request_of_a_suggestion(self) -> None:
        """The request holds the NPC's name, age and names of its content."""
        state = aged(24, 2)
        npc = suggestions(state, IMMORTAL)[0]
        request = bio_request(
            state, Like(at=state.clock.now_at, npc_id=npc.id), IMMORTAL
        )
        interests = {i.id: i.name for i in RULES.interests}
        traits = {t.id: t.name for t in RULES.traits}
        dealbreakers = {d.id: d.name for d in RULES.dealbreakers}
        assert (
            BioRequest(
                npc_id=npc.id,
                name=npc.name,
                gender=npc.gender,
                age=npc_age(npc, state.clock.day, LIFE),
                interests=tuple(interests[i] for i in npc.interests),
                traits=tuple(traits[t] for t in npc.traits),
                dealbreakers=tuple(dealbreakers[d] for d in npc.dealbreakers),
            )
            == request
        )

    def test_none_when_the_like_would_be_refused(self) -> None:
        """No request for an unknown, seen or child's NPC, or without a life."""
        state = aged(24, 2)
        at = state.clock.now_at
        assert None is bio_request(state, Like(at=at, npc_id="nobody"), IMMORTAL)
        npc = suggestions(state, IMMORTAL)[0]
        seen = step(state, Pass(at=at, npc_id=npc.id), IMMORTAL).state
        assert None is bio_request(seen, Like(at=at, npc_id=npc.id), IMMORTAL)
        child = aged(17)
        pool = npc_pool(child.seed, hero(child), child.clock.day, RULES, LIFE)
        command = Like(at=child.clock.now_at, npc_id=pool[0].id)
        assert None is bio_request(child, command, IMMORTAL)
        nobody = new_player(seed=1, at=T0, catalog=IMMORTAL)
        assert None is bio_request(nobody, Like(at=T0, npc_id=npc.id), IMMORTAL)

    def test_request_ignores_the_commands_bio(self) -> None:
        """A like that already carries a bio is still described."""
        state = aged(24, 2)
        npc = suggestions(state, IMMORTAL)[0]
        at = state.clock.now_at
        plain = bio_request(state, Like(at=at, npc_id=npc.id), IMMORTAL)
        written = bio_request(state, Like(at=at, npc_id=npc.id, bio="Hi."), IMMORTAL)
        assert plain == written
        assert pool_index(state.clock.day, RULES) >= 0
