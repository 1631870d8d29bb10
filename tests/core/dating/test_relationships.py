"""Tests of ``baolife_core.dating.relationships`` and ``endings``: asking for the
next stage, breaking up, what storylets do to a relationship, and the list.

Characters live on content where nobody dies and no storylet happens
(``content_packs.IMMORTAL``) and find their match by liking suggestions; a stage,
its affections and the cash a ring costs are set by ``couple``, this module's one
fixture helper.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from baolife_core import PlayerState, advance, new_player, step
from baolife_core.commands import AdvanceRelationship, BreakUp, GoOnDate, Like
from baolife_core.dating.matching import match_list
from baolife_core.dating.relationships import (
    advance_relationship,
    affect,
    break_up,
    move,
    relationship_list,
)
from baolife_core.dating.rules import StageRule
from baolife_core.dating.stages import ADVANCE_TRIGGER, current_romance, find_romance
from baolife_core.events import (
    AffectionChanged,
    PhotoAdded,
    RelationshipAdvanceDeclined,
    RelationshipChanged,
)
from baolife_core.outcome import Outcome
from baolife_core.replies import (
    BreakUpResult,
    LikeResult,
    Rejection,
    RelationshipEntry,
    RelationshipResult,
)
from baolife_core.state import Character, Photo, Romance
from content_packs import IMMORTAL, edited_file
from events import own_events
from lives import T0, WALL_DAY, YEAR, aged

RULES = IMMORTAL.dating
ENDS = RULES.relationships
#: The stages ``advance_relationship`` reaches, with the stage they start from.
ADVANCES = [("dating", "partner"), ("partner", "engaged"), ("engaged", "married")]


# -- helpers ------------------------------------------------------------------------


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def matched(seed: int = 4) -> tuple[PlayerState, str]:
    """A 20-year-old who liked the best suggestions until one matched."""
    state = aged(20, seed)
    for entry in match_list(state, state.clock.now_at, IMMORTAL).matches:
        outcome = step(
            state, Like(at=state.clock.now_at, npc_id=entry.npc_id), IMMORTAL
        )
        state = outcome.state
        assert isinstance(outcome.reply, LikeResult)
        if outcome.reply.matched:
            return state, entry.npc_id
    raise AssertionError("no match")


def couple(
    stage: str = "dating",
    *,
    money_cents: int = 0,
    happiness: int | None = None,
    days: int = 0,
    affection: int | None = None,
    npc_affection: int | None = None,
) -> tuple[PlayerState, str]:
    """The fixture helper: a played match put at ``stage`` ``days`` game days ago,
    with the character's cash and happiness and the affections given (else as
    the match left them)."""
    state, npc_id = matched()
    character = hero(state)
    romances = tuple(
        evolve(
            r,
            stage=stage,
            since_day=state.clock.day - days,
            affection=r.affection if affection is None else affection,
            npc_affection=r.npc_affection if npc_affection is None else npc_affection,
        )
        for r in character.dating.romances
    )
    stats = character.stats
    character = evolve(
        character,
        money_cents=money_cents,
        stats=stats if happiness is None else evolve(stats, happiness=happiness),
        dating=evolve(character.dating, romances=romances),
    )
    return evolve(state, character=character), npc_id


def ask(state: PlayerState, npc_id: str) -> Outcome:
    """``advance_relationship`` now."""
    command = AdvanceRelationship(at=state.clock.now_at, npc_id=npc_id)
    return step(state, command, IMMORTAL)


def leave(state: PlayerState, npc_id: str) -> Outcome:
    """``break_up`` now."""
    return step(state, BreakUp(at=state.clock.now_at, npc_id=npc_id), IMMORTAL)


def romance_of(state: PlayerState, npc_id: str) -> Romance:
    """The character's relationship with ``npc_id``."""
    romance = find_romance(hero(state), npc_id)
    assert romance is not None
    return romance


def changes(outcome: Outcome) -> list[tuple[str, str, str, str, int]]:
    """``(from, to, trigger, by, money)`` of every ``RelationshipChanged``."""
    return [
        (e.from_stage, e.to_stage, e.trigger, e.by, e.money_cents)
        for e in outcome.events
        if isinstance(e, RelationshipChanged)
    ]


def code(outcome: Outcome) -> str:
    """The rejection code of an outcome."""
    assert isinstance(outcome.reply, Rejection), outcome.reply
    return outcome.reply.code


def rule(stage: str) -> StageRule:
    """The ``StageRule`` of ``stage``."""
    found = ENDS.stage(stage)
    assert found is not None
    return found


# -- tests --------------------------------------------------------------------------


class TestAdvance:
    """The NPC says yes from its threshold on; the stage, the cost, the photo."""

    @pytest.mark.parametrize(("start", "to"), ADVANCES)
    def test_accepted(self, start: str, to: str) -> None:
        """At the thresholds exactly: the stage moves that day, the cost is paid and
        the stage's photo is taken."""
        spec = rule(to)
        state, npc_id = couple(
            start,
            money_cents=spec.cost_cents + 7,
            days=spec.min_days,
            affection=spec.min_affection,
            npc_affection=spec.npc_min_affection,
        )
        outcome = ask(state, npc_id)
        day = state.clock.day
        assert RelationshipResult(npc_id, True, to, 7) == outcome.reply
        trigger = ADVANCE_TRIGGER[start]
        assert [(start, to, trigger, "character", 0)] == changes(outcome)
        assert (to, day) == (
            romance_of(outcome.state, npc_id).stage,
            romance_of(outcome.state, npc_id).since_day,
        )
        first = romance_of(state, npc_id).npc.name.split()[0]
        assert spec.photo is not None
        text = spec.photo.format(partner=first)
        assert (Photo(1, day, text),) == outcome.state.album
        assert [text] == [
            e.caption for e in outcome.events if isinstance(e, PhotoAdded)
        ]
        assert state.seq + 1 == outcome.state.seq

    @pytest.mark.parametrize(("start", "to"), ADVANCES)
    def test_declined(self, start: str, to: str) -> None:
        """One point short, the NPC says no: an accepted command that costs nothing
        and lowers the NPC's affection by ``declined_affection``."""
        spec = rule(to)
        state, npc_id = couple(
            start,
            money_cents=spec.cost_cents,
            days=spec.min_days,
            affection=spec.min_affection,
            npc_affection=spec.npc_min_affection - 1,
        )
        outcome = ask(state, npc_id)
        assert (
            RelationshipResult(npc_id, False, start, spec.cost_cents) == outcome.reply
        )
        (declined,) = own_events(outcome.events)
        assert isinstance(declined, RelationshipAdvanceDeclined)
        assert (npc_id, to) == (declined.npc_id, declined.stage)
        after = romance_of(outcome.state, npc_id)
        assert (start, spec.npc_min_affection - 1 + spec.declined_affection) == (
            after.stage,
            after.npc_affection,
        )
        assert ((), state.seq + 1) == (outcome.state.album, outcome.state.seq)

    def test_declined_and_left(self) -> None:
        """A no that drops the NPC below ``leave_below`` ends it, by the NPC."""
        spec = rule("partner")
        state, npc_id = couple(
            "dating",
            days=spec.min_days,
            affection=100,
            npc_affection=ENDS.leave_below,
        )
        outcome = ask(state, npc_id)
        assert RelationshipResult(npc_id, False, "ended", 0) == outcome.reply
        assert [("dating", "ended", "leave", "npc", 0)] == changes(outcome)
        assert () == hero(outcome.state).dating.romances

    def test_played_to_the_altar(self) -> None:
        """By playing: a match dates in the park until it may become a partner,
        then a fiancé(e), then a spouse (only the ring and the wedding are given)."""
        state, npc_id = matched()
        stages = []
        for day in range(1, 400):
            state = advance(state, T0 + (20 * YEAR + day) * WALL_DAY, IMMORTAL)
            command = GoOnDate(
                at=state.clock.now_at, npc_id=npc_id, venue="park", activity="walk"
            )
            state = step(state, command, IMMORTAL).state
            if find_romance(hero(state), npc_id) is None:
                raise AssertionError(f"the match left on day {day}")
            state = evolve(state, character=evolve(hero(state), money_cents=2_000_000))
            outcome = ask(state, npc_id)
            if isinstance(outcome.reply, RelationshipResult) and outcome.reply.accepted:
                stages.append(outcome.reply.stage)
                state = outcome.state
                if outcome.reply.stage == "married":
                    break
        assert ["partner", "engaged", "married"] == stages
        first = romance_of(state, npc_id).npc.name.split()[0]
        captions = [rule(stage).photo for stage in stages]
        expected = [c.format(partner=first) for c in captions if c is not None]
        assert expected == [
            p.caption for p in state.album if not p.caption.startswith("A perfect date")
        ]


def refused(case: str) -> tuple[PlayerState, str]:
    """The state and the NPC of each ``advance_relationship`` rejection case."""
    if case == "no_character":
        return new_player(seed=4, at=T0, catalog=IMMORTAL), "x"
    spec = rule("partner")
    fields = {
        "days": spec.min_days,
        "affection": spec.min_affection,
        "npc_affection": 100,
    }
    stage = {"matched": "matched", "married": "married"}.get(case, "dating")
    if case == "cold":
        fields["affection"] = spec.min_affection - 1
    if case == "too_soon":
        fields["days"] = spec.min_days - 1
    if case == "poor":
        stage = "partner"
        engaged = rule("engaged")
        fields = {
            "days": engaged.min_days,
            "affection": engaged.min_affection,
            "npc_affection": 100,
            "money_cents": engaged.cost_cents - 1,
        }
    state, npc_id = couple(stage, **fields)
    return state, "nobody" if case == "stranger" else npc_id


class TestAdvanceRejections:
    """Each rule refuses with its own code and changes nothing."""

    @pytest.mark.parametrize(
        ("case", "expected"),
        [
            ("no_character", "invalid_state"),
            ("stranger", "not_found"),
            ("matched", "invalid_state"),
            ("married", "invalid_state"),
            ("cold", "requirements_not_met"),
            ("too_soon", "requirements_not_met"),
            ("poor", "insufficient_money"),
        ],
    )
    def test_refused(self, case: str, expected: str) -> None:
        """``step`` and the handler both leave the state as it was."""
        state, npc_id = refused(case)
        command = AdvanceRelationship(at=state.clock.now_at, npc_id=npc_id)
        outcome = step(state, command, IMMORTAL)
        assert (expected, state, ()) == (code(outcome), outcome.state, outcome.events)
        direct = advance_relationship(state, command, IMMORTAL)
        assert (expected, state) == (code(direct), direct.state)


class TestBreakUp:
    """Any stage ends; a marriage in a divorce that splits the cash."""

    @pytest.mark.parametrize(
        ("stage", "ending", "happiness", "split"),
        [
            ("matched", "ended", 0, 0),
            ("dating", "ended", ENDS.breakup_happiness, 0),
            ("partner", "ended", ENDS.breakup_happiness, 0),
            ("engaged", "ended", ENDS.breakup_happiness, 0),
            ("married", "divorced", ENDS.divorce_happiness, 5_000),
        ],
    )
    def test_each_stage(
        self, stage: str, ending: str, happiness: int, split: int
    ) -> None:
        """The romance is removed; happiness moves (not for a mere match)."""
        state, npc_id = couple(stage, money_cents=10_000, happiness=60)
        outcome = leave(state, npc_id)
        assert BreakUpResult(npc_id, ending, split, 10_000 - split) == outcome.reply
        assert [(stage, ending, "break_up", "character", split)] == changes(outcome)
        after = hero(outcome.state)
        assert ((), 60 + happiness) == (after.dating.romances, after.stats.happiness)
        assert state.seq + 1 == outcome.state.seq

    @pytest.mark.parametrize("cash", [0, 1, 2, 3, 99, 101, 12_345, 1_000_000_001])
    def test_divorce_split(self, cash: int) -> None:
        """The ex takes ``divorce_split_percent`` of the cash, floored."""
        state, npc_id = couple("married", money_cents=cash)
        reply = leave(state, npc_id).reply
        assert isinstance(reply, BreakUpResult)
        split = cash * ENDS.divorce_split_percent // 100
        assert (split, cash - split) == (reply.assets_split_cents, reply.money_cents)

    @pytest.mark.parametrize(
        ("cash", "split"), [(0, 0), (1, 0), (3, 0), (4, 1), (299, 98)]
    )
    def test_divorce_split_of_another_share(self, cash: int, split: int) -> None:
        """At 33 % the split is ``cash * 33 // 100``: the ex never takes a part of a
        cent."""
        third = edited_file(
            "dating.toml", ("divorce_split_percent = 50", "divorce_split_percent = 33")
        )
        state, npc_id = couple("married", money_cents=cash)
        command = BreakUp(at=state.clock.now_at, npc_id=npc_id)
        reply = step(state, command, third).reply
        assert isinstance(reply, BreakUpResult)
        assert (split, cash - split) == (reply.assets_split_cents, reply.money_cents)

    def test_happiness_clamps(self) -> None:
        """A divorce cannot make happiness negative."""
        state, npc_id = couple("married", happiness=5)
        assert 0 == hero(leave(state, npc_id).state).stats.happiness

    @pytest.mark.parametrize(
        ("case", "expected"),
        [("no_character", "invalid_state"), ("stranger", "not_found")],
    )
    def test_refused(self, case: str, expected: str) -> None:
        """No character, or nobody of that id: refused, nothing changes."""
        if case == "no_character":
            state, npc_id = new_player(seed=4, at=T0, catalog=IMMORTAL), "x"
        else:
            state, npc_id = couple("dating")[0], "nobody"
        command = BreakUp(at=state.clock.now_at, npc_id=npc_id)
        outcome = step(state, command, IMMORTAL)
        assert (expected, state, ()) == (code(outcome), outcome.state, outcome.events)
        direct = break_up(state, command, IMMORTAL)
        assert (expected, state) == (code(direct), direct.state)


class TestAffect:
    """A storylet moves the current relationship's affections."""

    def test_moves_and_reports(self) -> None:
        """Both affections move, clamped; one ``AffectionChanged``."""
        state, npc_id = couple("partner", affection=95, npc_affection=50)
        day = state.clock.day
        character, events = affect(
            hero(state), affection=10, npc_affection=-20, at=9, day=day, rules=RULES
        )
        assert (AffectionChanged(9, 1, npc_id, 100, 30, day),) == events
        after = current_romance(character)
        assert after is not None
        assert (100, 30) == (after.affection, after.npc_affection)

    @pytest.mark.parametrize(
        ("stage", "start", "delta"),
        [("matched", 50, 5), ("partner", 100, 5), ("dating", 50, 0)],
    )
    def test_nothing_to_move(self, stage: str, start: int, delta: int) -> None:
        """A match is no current relationship; a change that clamps to nothing, or
        none at all, moves nothing and says nothing."""
        state, _ = couple(stage, affection=start, npc_affection=start)
        character = hero(state)
        assert (character, ()) == affect(
            character, affection=delta, npc_affection=delta, at=9, day=0, rules=RULES
        )

    def test_the_npc_leaves_a_marriage(self) -> None:
        """Below ``leave_below`` the NPC divorces the character, splitting the cash."""
        state, npc_id = couple(
            "married", money_cents=1_000, happiness=50, npc_affection=ENDS.leave_below
        )
        day = state.clock.day
        character, events = affect(
            hero(state), affection=0, npc_affection=-1, at=9, day=day, rules=RULES
        )
        changed = [e for e in events if isinstance(e, RelationshipChanged)]
        assert [(npc_id, "married", "divorced", "leave", "npc", 500)] == [
            (e.npc_id, e.from_stage, e.to_stage, e.trigger, e.by, e.money_cents)
            for e in changed
        ]
        assert (500, (), 50 + ENDS.divorce_happiness) == (
            character.money_cents,
            character.dating.romances,
            character.stats.happiness,
        )


class TestMove:
    """A storylet moves the current relationship by a trigger of the table."""

    def test_without_costs_or_thresholds(self) -> None:
        """A storylet's proposal needs no ring money and no affection; its photo is
        an event for the caller's album."""
        state, npc_id = couple("partner", affection=0, npc_affection=20)
        day = state.clock.day
        character, events = move(hero(state), "propose", at=9, day=day, rules=RULES)
        first = romance_of(state, npc_id).npc.name.split()[0]
        changed, photo = events
        assert (
            RelationshipChanged(
                9, 1, npc_id, "partner", "engaged", "propose", "event", 0, day
            )
            == changed
        )
        assert PhotoAdded(9, 1, f"{first} said yes!", day) == photo
        after = current_romance(character)
        assert after is not None
        assert (0, "engaged", day) == (
            character.money_cents,
            after.stage,
            after.since_day,
        )

    def test_no_current_relationship(self) -> None:
        """A character with only a match, or nobody, is moved by no trigger."""
        state, _ = couple("matched")
        for trigger in ("commit", "break_up", "leave", "date"):
            assert (hero(state), ()) == move(
                hero(state), trigger, at=9, day=0, rules=RULES
            )


class TestRelationshipList:
    """``get_relationships`` lists every relationship as of the instant read."""

    def test_entries(self) -> None:
        """Oldest match first, with the NPC's age on the day read and the next stage."""
        state, npc_id = couple("partner", affection=60, npc_affection=70, days=3)
        romance = romance_of(state, npc_id)
        later = state.clock.now_at + 2 * YEAR * WALL_DAY
        listed = relationship_list(state, later, IMMORTAL)
        day = state.clock.day + 2 * YEAR
        expected = RelationshipEntry(
            npc_id=npc_id,
            name=romance.npc.name,
            gender=romance.npc.gender,
            age=(day - romance.npc.born_day) // YEAR,
            bio=romance.npc.bio,
            stage="partner",
            since_day=state.clock.day - 3,
            affection=60,
            npc_affection=70,
            compatibility=romance.compatibility,
            dates=0,
            next_stage="engaged",
        )
        assert (expected,) == listed.relationships

    @pytest.mark.parametrize(
        ("stage", "next_stage"),
        [
            ("matched", None),
            ("dating", "partner"),
            ("engaged", "married"),
            ("married", None),
        ],
    )
    def test_next_stage(self, stage: str, next_stage: str | None) -> None:
        """What ``advance_relationship`` would ask for (a match dates first)."""
        state, _ = couple(stage)
        (entry,) = relationship_list(state, state.clock.now_at, IMMORTAL).relationships
        assert next_stage == entry.next_stage

    def test_nobody(self) -> None:
        """Without a character, or single, the list is empty."""
        state = new_player(seed=4, at=T0, catalog=IMMORTAL)
        assert () == relationship_list(state, T0, IMMORTAL).relationships
        single = aged(20)
        listed = relationship_list(single, single.clock.now_at, IMMORTAL)
        assert () == listed.relationships
