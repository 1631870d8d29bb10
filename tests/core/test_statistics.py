"""Tests of ``baolife_core.retention.statistics``: the 16 lifetime statistics.

The counting rules are checked one event kind at a time, the fold laws with
Hypothesis over every event kind, and the numbers of a life the reference bot
played against what its final state holds.
"""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from attrs import evolve, fields
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import load_catalog
from baolife_core.engine import replay_outcomes, tick
from baolife_core.events import (
    EVENT_TYPES,
    ActivityDone,
    Birthday,
    CharacterBorn,
    ContactMet,
    ConversationEnded,
    DateWent,
    DiamondsCredited,
    DiamondsSpent,
    Event,
    JobStarted,
    LifeEventOccurred,
    LoginRewardClaimed,
    PhotoAdded,
    PlayerCreated,
    Promoted,
    QuestionAnswered,
    QuestionPosed,
    SchoolFinished,
    StageEntered,
)
from baolife_core.retention.statistics import (
    STATISTIC_NAMES,
    UNCOUNTED,
    changed,
    count_events,
    counts_of,
)
from baolife_core.state import Statistics
from baolife_core.testing import DEFAULT_PACE, play_life

CATALOG = load_catalog()

# -- event builders -------------------------------------------------------------------

_VALUES: dict[object, st.SearchStrategy[Any]] = {
    int: st.integers(min_value=0, max_value=1_000),
    str: st.sampled_from(["a", "work_shift", "senior"]),
    bool: st.booleans(),
    bool | None: st.one_of(st.none(), st.booleans()),
    int | None: st.one_of(st.none(), st.integers(min_value=0, max_value=1_000)),
    str | None: st.one_of(st.none(), st.just("a")),
}


def event_strategy(cls: type[Event]) -> st.SearchStrategy[Event]:
    """Events of ``cls`` with small non-negative amounts (the engine's domain)."""
    hints = get_type_hints(cls)
    return st.builds(
        cls, **{f.name: _VALUES.get(hints[f.name], st.just(())) for f in fields(cls)}
    )


events = st.sampled_from(EVENT_TYPES).flatmap(event_strategy)
event_lists = st.lists(events, max_size=30)


def activity(energy: int = 15, activity_id: str = "study") -> ActivityDone:
    """An ``ActivityDone`` that spent ``energy``."""
    return ActivityDone(
        at=0,
        life=1,
        activity=activity_id,
        location="library",
        energy=energy,
        success=True,
        stats=(),
        money_cents=0,
        day=0,
    )


def answered(*, expired: bool) -> QuestionAnswered:
    """A question answered by the player, or expired into its default."""
    return QuestionAnswered(
        at=0,
        life=1,
        question_id="q",
        event_id="exams",
        choice="study",
        expired=expired,
        passed=None,
        day=0,
    )


def credited(amount: int) -> DiamondsCredited:
    """A credit of ``amount`` diamonds."""
    return DiamondsCredited(0, amount, "quest", "quest:1:x", amount, "t")


def spent(amount: int) -> DiamondsSpent:
    """A debit of ``amount`` diamonds."""
    return DiamondsSpent(0, amount, "energy_refill", "small", 0, "t")


ONE_EVENT_COUNTS: list[tuple[Event, dict[str, int]]] = [
    (CharacterBorn(0, 1, "Ava Bao", "female", "baby", 0), {"lives_lived": 1}),
    (Birthday(0, 1, 5, 180), {"years_lived": 1}),
    (activity(energy=25), {"activities_done": 1, "energy_spent": 25}),
    (LifeEventOccurred(0, 1, "tax_refund", "T", "t", 3), {"events_seen": 1}),
    (QuestionPosed(0, 1, "q", "exams", "T", "t", (), 5, 3), {"events_seen": 1}),
    (answered(expired=False), {"questions_answered": 1}),
    (answered(expired=True), {}),
    (PhotoAdded(0, 1, "First steps", 40), {"photos_taken": 1}),
    (ContactMet(0, 1, "c", "friend", "Sam Chen", 9), {"friends_made": 1}),
    (
        ConversationEnded(0, 1, "c", "n", "joke", None, 2, 60, "Ha!", 9),
        {"conversations_held": 1},
    ),
    (JobStarted(0, 1, "retail_clerk", 160000, 600), {"jobs_held": 1}),
    (
        Promoted(0, 1, "retail_clerk", "shift_supervisor", 220000, 700),
        {"jobs_held": 1, "promotions": 1},
    ),
    (SchoolFinished(0, 1, "university", 70, True, 800), {"degrees_earned": 1}),
    (SchoolFinished(0, 1, "university", 20, False, 800), {}),
    (credited(40), {"diamonds_earned": 40}),
    (spent(35), {"diamonds_spent": 35}),
    (LoginRewardClaimed(0, 20000, 1, 1, "15 diamonds"), {"login_days": 1}),
    (
        DateWent(0, 1, "n", "cafe", "coffee", "good", 5, 1200, 41, 42, 400),
        {"dates_gone_on": 1, "energy_spent": 5},
    ),
    (PlayerCreated(0, 1), {}),
    (StageEntered(0, 1, "teen", 13, 468), {}),
]


class TestNames:
    """The statistic names follow ``Statistics``."""

    def test_sixteen_in_field_order(self) -> None:
        """There are 16, in the order of the state's fields."""
        assert tuple(f.name for f in fields(Statistics)) == STATISTIC_NAMES
        assert len(STATISTIC_NAMES) == 16

    def test_every_statistic_is_counted(self) -> None:
        """Since dating counts ``dates_gone_on``, no statistic is left uncounted."""
        assert frozenset() == UNCOUNTED


class TestCounting:
    """Each event kind feeds the statistics of the module's table."""

    @pytest.mark.parametrize(
        ("event", "expected"),
        ONE_EVENT_COUNTS,
        ids=[type(e).__name__ + str(i) for i, (e, _) in enumerate(ONE_EVENT_COUNTS)],
    )
    def test_one_event(self, event: Event, expected: dict[str, int]) -> None:
        """Counting one event adds exactly what the table says."""
        assert evolve(Statistics(), **expected) == count_events(Statistics(), [event])

    def test_uncounted_event_returns_the_same_statistics(self) -> None:
        """Events that count nothing give back the very same value."""
        stats = Statistics(lives_lived=2)
        assert count_events(stats, [PlayerCreated(0, 1)]) is stats

    def test_amounts_add_up(self) -> None:
        """Energy and diamonds add the amounts events carry."""
        stats = count_events(
            Statistics(),
            [activity(10), activity(30), credited(5), credited(20), spent(50)],
        )
        assert (2, 40, 25, 50) == (
            stats.activities_done,
            stats.energy_spent,
            stats.diamonds_earned,
            stats.diamonds_spent,
        )

    def test_every_statistic_has_an_event(self) -> None:
        """Each of the 16 statistics is fed by some event of the table."""
        fed = {name for event, _ in ONE_EVENT_COUNTS for name, _ in counts_of(event)}
        assert set(STATISTIC_NAMES) == fed

    @given(event=events)
    def test_only_statistics_are_counted(self, event: Event) -> None:
        """Whatever the event, it feeds statistic names only."""
        assert all(name in STATISTIC_NAMES for name, _ in counts_of(event))


class TestFoldLaws:
    """``count_events`` is a fold: split invariant, and counters never decrease."""

    @given(first=event_lists, second=event_lists)
    def test_split_invariance(self, first: list[Event], second: list[Event]) -> None:
        """Counting e1 then e2 equals counting e1 + e2."""
        assert count_events(Statistics(), first + second) == count_events(
            count_events(Statistics(), first), second
        )

    @given(batch=event_lists)
    def test_counters_never_decrease(self, batch: list[Event]) -> None:
        """Every statistic after counting is at least what it was."""
        before = Statistics(*range(1, 17))
        after = count_events(before, batch)
        assert all(
            getattr(after, name) >= getattr(before, name) for name in STATISTIC_NAMES
        )

    @given(batch=event_lists)
    def test_changed_lists_the_moved_statistics(self, batch: list[Event]) -> None:
        """``changed`` names exactly the statistics that moved, in field order."""
        before = Statistics()
        after = count_events(before, batch)
        moved = changed(before, after)
        assert [n for n in STATISTIC_NAMES if n in dict(moved)] == [n for n, _ in moved]
        assert all(getattr(after, n) == value for n, value in moved)
        assert {
            n for n in STATISTIC_NAMES if getattr(before, n) != getattr(after, n)
        } == {n for n, _ in moved}


class TestChanged:
    """``changed`` is the payload of ``StatisticsChanged``."""

    def test_nothing_changed(self) -> None:
        """Equal statistics give no pairs."""
        assert () == changed(Statistics(), Statistics())

    def test_values_after_in_field_order(self) -> None:
        """The pairs carry the values after, in the order of the fields."""
        after = Statistics(login_days=3, lives_lived=1)
        assert (("lives_lived", 1), ("login_days", 3)) == changed(Statistics(), after)


class TestPlayedLife:
    """The statistics of a life the reference bot played agree with its state."""

    def test_counts_match_the_final_state(self) -> None:
        """Lives, photos, degrees and the ledger totals match what the state holds."""
        life = play_life(CATALOG, seed=3, bot_seed=3, pace=DEFAULT_PACE)
        outcomes = list(replay_outcomes(life.journal, CATALOG))
        state, lived = tick(outcomes[-1].state, life.end_at, CATALOG)
        stats = count_events(
            Statistics(), [e for o in outcomes for e in o.events] + list(lived)
        )
        character = state.character
        assert character is not None
        assert character.death is not None
        assert (
            character.life,
            character.death.age,
            len(state.album),
            len(character.career.degrees),
            state.wallet.earned,
            state.wallet.spent,
        ) == (
            stats.lives_lived,
            stats.years_lived,
            stats.photos_taken,
            stats.degrees_earned,
            stats.diamonds_earned,
            stats.diamonds_spent,
        )
        assert stats.activities_done == dict(life.moves)["do_activity"]
