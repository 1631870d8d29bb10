"""Dating projections: the rows each dating event writes, from hand-built events.

Also the NPC a relationship event is about (``line_romance``), the fold that
finds it from the journal alone (``Romances``), and ``UpdateRow.add``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import LifeEventOccurred, QuestionPosed
from baolife_core.dating.stages import STAGES, TRANSITIONS
from baolife_core.events import (
    AffectionChanged,
    DateWent,
    DatingPreferencesSet,
    Event,
    MatchMade,
    NpcLiked,
    NpcPassed,
    RelationshipAdvanceDeclined,
    RelationshipChanged,
)
from baolife_storage_mysql import PROJECTIONS, Origin
from baolife_storage_mysql.dating_projections import (
    DATING_PROJECTIONS,
    Romances,
    line_romance,
)
from baolife_storage_mysql.projections import InsertRow, UpdateRow, project
from baolife_storage_mysql.schema import (
    dating_compatibility,
    npc_bios,
    player_dates,
    player_relationship_events,
    player_relationships,
)

ORIGIN = Origin(player_id="p-1", seq=7)
NPC = "npc-1"
KEY = {"player_id": "p-1", "life": 2, "npc_id": NPC}
MATCH = MatchMade(
    at=5,
    life=2,
    npc_id=NPC,
    name="Mai Tran",
    gender="female",
    age=24,
    bio="Hiking and bad puns.",
    compatibility=81,
    reasons=("shared interests: hiking", "similar personalities"),
    affection=35,
    npc_affection=35,
    day=900,
)


def _changed(
    npc: str, from_stage: str, to_stage: str, life: int = 2
) -> RelationshipChanged:
    return RelationshipChanged(
        at=9,
        life=life,
        npc_id=npc,
        from_stage=from_stage,
        to_stage=to_stage,
        trigger="test",
        by="character",
        money_cents=0,
        day=950,
    )


class TestTable:
    """Every dating event class has its projector."""

    def test_every_dating_event_is_mapped(self) -> None:
        """Seven write rows; the preferences live in the snapshot only."""
        assert set(DATING_PROJECTIONS) <= set(PROJECTIONS)
        assert 7 == len(DATING_PROJECTIONS)
        event = DatingPreferencesSet(1, 2, ("female",), 20, 30, ("hiking",), ())
        assert [] == project(ORIGIN, [event])


class TestLikesAndMatches:
    """``dating_compatibility``, ``npc_bios`` and the relationship's first row."""

    @pytest.mark.parametrize(
        ("event", "choice", "matched_at"),
        [
            (
                NpcLiked(at=4, life=2, npc_id=NPC, compatibility=81, matched=True),
                "like",
                4,
            ),
            (
                NpcLiked(at=4, life=2, npc_id=NPC, compatibility=81, matched=False),
                "like",
                None,
            ),
            (NpcPassed(at=4, life=2, npc_id=NPC, compatibility=81), "pass", None),
        ],
        ids=["like_returned", "like_unreturned", "pass"],
    )
    def test_a_like_or_pass_inserts_its_compatibility_row(
        self, event: Event, choice: str, matched_at: int | None
    ) -> None:
        """The choice, the compatibility, and when the NPC liked back."""
        expected = [
            InsertRow(
                dating_compatibility,
                {
                    **KEY,
                    "compatibility": 81,
                    "choice": choice,
                    "matched_at": matched_at,
                    "reasons": None,
                    "at": 4,
                },
            )
        ]
        assert expected == project(ORIGIN, [event])

    def test_a_match_adds_reasons_a_bio_and_a_relationship(self) -> None:
        """Reasons as canonical JSON; the relationship at ``matched``, no date yet."""
        expected = [
            UpdateRow(
                dating_compatibility,
                KEY,
                {"reasons": '["shared interests: hiking","similar personalities"]'},
            ),
            InsertRow(
                npc_bios,
                {
                    **KEY,
                    "name": "Mai Tran",
                    "gender": "female",
                    "age": 24,
                    "bio": "Hiking and bad puns.",
                    "created_at": 5,
                },
            ),
            InsertRow(
                player_relationships,
                {
                    **KEY,
                    "stage": "matched",
                    "since_day": 900,
                    "affection": 35,
                    "npc_affection": 35,
                    "dates": 0,
                    "updated_at": 5,
                },
            ),
        ]
        assert expected == project(ORIGIN, [MATCH])


class TestRelationshipUpdates:
    """Dates, stages, refusals and storylets update the relationship's row."""

    def test_a_date_inserts_its_row_and_adds_one_date(self) -> None:
        """The date keyed by its journal position; the count added to in SQL."""
        event = DateWent(
            at=6,
            life=2,
            npc_id=NPC,
            venue="cafe",
            activity="coffee",
            outcome="great",
            energy=10,
            money_cents=800,
            affection=62,
            npc_affection=58,
            day=901,
        )
        origin = Origin(player_id="p-1", seq=8)
        expected = [
            InsertRow(
                player_dates,
                {
                    "player_id": "p-1",
                    "seq": 8,
                    "event_index": 1,
                    "life": 2,
                    "npc_id": NPC,
                    "venue_id": "cafe",
                    "activity_id": "coffee",
                    "outcome": "great",
                    "energy": 10,
                    "money_cents": 800,
                    "affection": 62,
                    "npc_affection": 58,
                    "day": 901,
                    "at": 6,
                },
            ),
            UpdateRow(
                player_relationships,
                KEY,
                {"affection": 62, "npc_affection": 58, "dates": 1, "updated_at": 6},
                add=frozenset({"dates"}),
            ),
        ]
        first = NpcPassed(at=6, life=2, npc_id="npc-0", compatibility=3)
        assert expected == project(origin, [first, event])[1:]

    @pytest.mark.parametrize("to_stage", ["partner", "ended", "divorced"])
    def test_a_stage_change_sets_the_stage_an_ending_too(self, to_stage: str) -> None:
        """An ended relationship keeps its row, at the ending."""
        expected = [
            UpdateRow(
                player_relationships,
                KEY,
                {"stage": to_stage, "since_day": 950, "updated_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [_changed(NPC, "dating", to_stage)])

    def test_a_refusal_touches_the_row(self) -> None:
        """The NPC's affection after the refusal, and the instant."""
        event = RelationshipAdvanceDeclined(
            at=9, life=2, npc_id=NPC, stage="engaged", npc_affection=40, day=950
        )
        expected = [
            UpdateRow(player_relationships, KEY, {"npc_affection": 40, "updated_at": 9})
        ]
        assert expected == project(ORIGIN, [event])

    def test_a_storylet_sets_both_affections(self) -> None:
        """``AffectionChanged`` carries the values after."""
        event = AffectionChanged(
            at=9, life=2, npc_id=NPC, affection=70, npc_affection=66, day=950
        )
        expected = [
            UpdateRow(
                player_relationships,
                KEY,
                {"affection": 70, "npc_affection": 66, "updated_at": 9},
            )
        ]
        assert expected == project(ORIGIN, [event])


class TestRelationshipEvents:
    """A storylet the catalog lists is a ``player_relationship_events`` row."""

    EVENT = LifeEventOccurred(
        at=9, life=2, event_id="anniversary", title="A", text="B", day=950
    )
    QUESTION = QuestionPosed(
        at=9,
        life=2,
        question_id="q-1",
        event_id="meet_the_parents",
        title="A",
        text="B",
        choices=(("yes", "Yes"),),
        expires_day=952,
        day=950,
    )

    def test_listed_storylets_write_a_row_about_the_origin_s_npc(self) -> None:
        """Events and questions alike, keyed by their journal position."""
        origin = Origin(
            player_id="p-1",
            seq=7,
            relationship_events=frozenset({"anniversary", "meet_the_parents"}),
            romance=NPC,
        )
        rows = project(origin, [self.EVENT, self.QUESTION])
        assert [
            InsertRow(
                player_relationship_events,
                {
                    "player_id": "p-1",
                    "seq": 7,
                    "event_index": index,
                    "life": 2,
                    "npc_id": NPC,
                    "storylet_id": storylet,
                    "day": 950,
                    "at": 9,
                },
            )
            for index, storylet in ((0, "anniversary"), (1, "meet_the_parents"))
        ] == rows

    def test_other_storylets_write_nothing(self) -> None:
        """Not listed (or no catalog synced): the journal keeps them only."""
        origin = Origin(player_id="p-1", seq=7, relationship_events=frozenset({"x"}))
        assert [] == project(origin, [self.EVENT, self.QUESTION])
        assert [] == project(ORIGIN, [self.EVENT])


class TestLineRomance:
    """The NPC a record's relationship events are about."""

    def test_the_current_relationship_after_the_record(self) -> None:
        """It wins over anything the record ended."""
        ended = _changed("npc-2", "partner", "ended")
        assert NPC == line_romance(NPC, [ended])

    def test_else_the_committed_relationship_the_record_ended(self) -> None:
        """A break-up storylet is about the relationship it ended."""
        events = [
            _changed("npc-2", "married", "divorced"),
            _changed("npc-3", "matched", "ended"),
        ]
        assert "npc-2" == line_romance(None, events)

    def test_else_none(self) -> None:
        """No relationship, nothing ended (a match ending is not one)."""
        assert None is line_romance(None, [_changed("npc-3", "matched", "ended")])


def _opened(npc: str, life: int = 2) -> MatchMade:
    return MatchMade(5, life, npc, "N", "female", 20, "B", 50, (), 35, 35, 900)


class TestRomances:
    """The fold of the journal's matches and stage changes."""

    def test_a_match_is_not_current_until_a_date(self) -> None:
        """``matched`` is not committed; ``dating`` is."""
        matched = Romances().after([_opened(NPC)])
        assert None is matched.current(2)
        assert NPC == matched.after([_changed(NPC, "matched", "dating")]).current(2)

    def test_an_ending_removes_the_relationship(self) -> None:
        """Ended relationships are not held (the state drops them too)."""
        held = Romances().after([_opened(NPC), _changed(NPC, "matched", "dating")])
        assert () == held.after([_changed(NPC, "dating", "ended")]).held

    def test_lives_are_apart_and_the_most_advanced_wins(self) -> None:
        """A relationship of another life is not this life's current one."""
        held = Romances().after(
            [
                _opened("a"),
                _changed("a", "matched", "dating"),
                _opened("b"),
                _changed("b", "matched", "dating"),
                _changed("b", "dating", "partner"),
                _opened("c", life=3),
            ]
        )
        assert ("b", None) == (held.current(2), held.current(3))

    @given(st.data())
    def test_folding_in_parts_is_folding_at_once(self, data: st.DataObject) -> None:
        """Split anywhere, the journal folds the same (``Romances`` is a fold)."""
        lives = {"a": 1, "b": 1, "c": 2}
        events: list[Event] = []
        stages: dict[str, str] = {}
        for _ in range(data.draw(st.integers(0, 25))):
            npc = data.draw(st.sampled_from(sorted(lives)))
            if npc not in stages:
                events.append(_opened(npc, life=lives[npc]))
                stages[npc] = "matched"
                continue
            moves = sorted(s for (f, _), s in TRANSITIONS.items() if f == stages[npc])
            to_stage = data.draw(st.sampled_from(moves))
            events.append(_changed(npc, stages[npc], to_stage, life=lives[npc]))
            if to_stage in STAGES:
                stages[npc] = to_stage
            else:
                del stages[npc]
        cut = data.draw(st.integers(0, len(events)))
        assert Romances().after(events) == Romances().after(events[:cut]).after(
            events[cut:]
        )
