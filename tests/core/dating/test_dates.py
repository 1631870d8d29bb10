"""Tests of ``baolife_core.dating.dates``: ``go_on_date`` at every venue.

Characters live on content where nobody dies and no storylet happens
(``content_packs.IMMORTAL``); they find their matches by liking suggestions. What
playing would take too long (a fortune, a romance of a given affection) is set by
``tuned``, this module's one fixture helper.
"""

from __future__ import annotations

from typing import Any

import pytest
from attrs import evolve

from baolife_core import PlayerState, advance, new_player, step
from baolife_core.clock import MS_PER_MINUTE
from baolife_core.commands import BreakUp, GoOnDate, Like
from baolife_core.dating.dates import DATE_KEY, date_points, go_on_date, outcome_tier
from baolife_core.dating.matching import match_list
from baolife_core.dating.stages import find_romance
from baolife_core.events import DateWent, PhotoAdded, RelationshipChanged
from baolife_core.outcome import Outcome
from baolife_core.replies import DateResult, LikeResult, Rejection
from baolife_core.state import Character, Energy, Photo, Romance
from content_packs import IMMORTAL, edited_file
from events import own_events
from lives import T0, WALL_DAY, aged

RULES = IMMORTAL.dating
DATES = RULES.dates
ENDS = RULES.relationships
PAIRS = [(v.id, a.id) for v in RULES.venues for a in v.activities]
#: Enough cash for any date.
RICH = 10_000_000


# -- helpers ------------------------------------------------------------------------


def hero(state: PlayerState) -> Character:
    """The state's character."""
    assert state.character is not None
    return state.character


def matches(state: PlayerState, count: int = 1) -> tuple[PlayerState, list[str]]:
    """``state`` after liking the best suggestions until ``count`` matched; the
    state and the matches' ids."""
    found: list[str] = []
    for entry in match_list(state, state.clock.now_at, IMMORTAL).matches:
        outcome = step(
            state, Like(at=state.clock.now_at, npc_id=entry.npc_id), IMMORTAL
        )
        state = outcome.state
        assert isinstance(outcome.reply, LikeResult)
        if outcome.reply.matched:
            found.append(entry.npc_id)
            if len(found) == count:
                return state, found
    raise AssertionError(f"fewer than {count} matches")


def matched(seed: int = 4, years: int = 20) -> tuple[PlayerState, str]:
    """A character of ``years`` with one match; the state and the match's id."""
    state, (npc_id,) = matches(aged(years, seed))
    return state, npc_id


def tuned(
    state: PlayerState,
    npc_id: str | None = None,
    *,
    money_cents: int | None = None,
    energy: int | None = None,
    **romance: Any,
) -> PlayerState:
    """The fixture helper: ``state`` with the character's cash, the energy, and
    the fields of its relationship with ``npc_id`` set as given."""
    character = hero(state)
    if money_cents is not None:
        character = evolve(character, money_cents=money_cents)
    if npc_id is not None:
        romances = tuple(
            evolve(r, **romance) if r.npc.id == npc_id else r
            for r in character.dating.romances
        )
        character = evolve(
            character, dating=evolve(character.dating, romances=romances)
        )
    if energy is not None:
        state = evolve(state, energy=Energy(energy, state.clock.now_at))
    return evolve(state, character=character)


def date(
    state: PlayerState,
    npc_id: str,
    venue: str = "park",
    activity: str = "walk",
    after_ms: int = 1,
) -> Outcome:
    """Go on a date ``after_ms`` after the state's clock."""
    command = GoOnDate(
        at=state.clock.now_at + after_ms, npc_id=npc_id, venue=venue, activity=activity
    )
    return step(state, command, IMMORTAL)


def later(state: PlayerState, wall_ms: int) -> PlayerState:
    """``state`` advanced by ``wall_ms`` wall milliseconds."""
    return advance(state, state.clock.now_at + wall_ms, IMMORTAL)


def romance_of(state: PlayerState, npc_id: str) -> Romance:
    """The character's relationship with ``npc_id``."""
    romance = find_romance(hero(state), npc_id)
    assert romance is not None
    return romance


def code(outcome: Outcome) -> str:
    """The rejection code of an outcome."""
    assert isinstance(outcome.reply, Rejection), outcome.reply
    return outcome.reply.code


# -- tests --------------------------------------------------------------------------


class TestVenues:
    """Every venue's every activity is a date that costs what the content says."""

    def test_content(self) -> None:
        """At least 6 venues of at least 3 activities each."""
        assert len(RULES.venues) >= 6
        assert all(len(v.activities) >= 3 for v in RULES.venues)

    @pytest.mark.parametrize(("venue", "activity"), PAIRS)
    def test_each_activity(self, venue: str, activity: str) -> None:
        """Energy, cash and game time go as ``dating.toml`` says; one ``DateWent``."""
        state, npc_id = matched()
        state = tuned(state, money_cents=RICH)
        spec = RULES.venue(venue)
        assert spec is not None
        cost = spec.activity(activity)
        assert cost is not None
        outcome = date(state, npc_id, venue, activity)
        reply = outcome.reply
        assert isinstance(reply, DateResult)
        now = (state.clock.now_at + 1 - T0) * IMMORTAL.clock.time_scale
        assert (
            100 - cost.energy,
            RICH - cost.cost_cents,
            now + cost.game_minutes * MS_PER_MINUTE,
        ) == (reply.energy, reply.money_cents, reply.busy_until)
        went = own_events(outcome.events)[0]
        assert isinstance(went, DateWent)
        assert (
            npc_id,
            venue,
            activity,
            cost.energy,
            cost.cost_cents,
            reply.outcome,
        ) == (
            went.npc_id,
            went.venue,
            went.activity,
            went.energy,
            went.money_cents,
            went.outcome,
        )
        after = hero(outcome.state)
        assert (("date:", 1),) == after.activity_counts
        assert 1 == romance_of(outcome.state, npc_id).dates


class TestOutcome:
    """Points make the tier; the tier moves affections, happiness and the album."""

    @pytest.mark.parametrize(
        ("compatibility", "luck", "passed", "points"),
        [
            (0, 0, False, 0),
            (100, 100, True, 100),
            (55, 34, False, 37),
            (41, 99, True, 69),
        ],
    )
    def test_points(
        self, compatibility: int, luck: int, passed: bool, points: int
    ) -> None:
        """``compatibility * 50 / 100 + luck * 30 / 100 + (20 if passed)``, floored."""
        assert points == date_points(DATES, compatibility, luck, passed)

    @pytest.mark.parametrize(
        ("points", "tier"),
        [
            (0, "disaster"),
            (24, "disaster"),
            (25, "awkward"),
            (45, "good"),
            (70, "great"),
            (100, "great"),
        ],
    )
    def test_tiers(self, points: int, tier: str) -> None:
        """The best tier whose ``min_points`` the points reach."""
        assert tier == outcome_tier(DATES, points).id

    def test_deterministic(self) -> None:
        """The same state and command give the same outcome."""
        state, npc_id = matched()
        assert date(state, npc_id) == date(state, npc_id)

    def test_seeds_reach_every_tier(self) -> None:
        """Over many seeds, every outcome tier happens, each moving affections and
        happiness as its content says (plus the activity's ``affection``)."""
        state, npc_id = matched()
        state = tuned(state, npc_id, compatibility=44, affection=50, npc_affection=50)
        happiness = hero(state).stats.happiness
        seen = set()
        for seed in range(300):
            outcome = date(evolve(state, seed=seed), npc_id)
            reply = outcome.reply
            assert isinstance(reply, DateResult)
            tier = next(t for t in DATES.outcomes if t.id == reply.outcome)
            assert (50 + tier.affection + 1, 50 + tier.npc_affection + 1) == (
                reply.affection,
                reply.npc_affection,
            )
            assert happiness + tier.happiness == hero(outcome.state).stats.happiness
            seen.add(reply.outcome)
        assert {t.id for t in DATES.outcomes} == seen

    def test_memorable_dates_take_a_photo(self) -> None:
        """A ``great`` date (the tier with a photo) puts its rendered caption in the
        album with ``PhotoAdded``; any other tier takes none."""
        state, npc_id = matched()
        state = tuned(state, npc_id, compatibility=90)
        first = romance_of(state, npc_id).npc.name.split()[0]
        text = f"A perfect date with {first} at the Park"
        day = state.clock.day
        seen = set()
        for seed in range(40):
            outcome = date(evolve(state, seed=seed), npc_id)
            reply = outcome.reply
            assert isinstance(reply, DateResult)
            seen.add(reply.outcome)
            photos = [e.caption for e in outcome.events if isinstance(e, PhotoAdded)]
            if reply.outcome == "great":
                assert (text, [text]) == (reply.photo, photos)
                album = (Photo(life=1, day=day, caption=text),)
                assert album == outcome.state.album
            else:
                assert (None, [], ()) == (reply.photo, photos, outcome.state.album)
        assert {"great", "good"} <= seen

    def test_affections_clamp(self) -> None:
        """Affections stay within 0..100: over many seeds both bounds are hit."""
        state, npc_id = matched()
        walk = RULES.venue("park")
        assert walk is not None
        extra = walk.activities[0].affection
        seen = set()
        for seed in range(60):
            for start in (2, 98):
                tuned_state = tuned(
                    evolve(state, seed=seed),
                    npc_id,
                    affection=start,
                    npc_affection=98,
                    compatibility=44,
                )
                reply = date(tuned_state, npc_id).reply
                assert isinstance(reply, DateResult)
                tier = next(t for t in DATES.outcomes if t.id == reply.outcome)
                expected = min(100, max(0, start + tier.affection + extra))
                assert (expected, min(100, 98 + tier.npc_affection + extra)) == (
                    reply.affection,
                    reply.npc_affection,
                )
                seen.add(reply.affection)
        assert {0, 100} <= seen


class TestStages:
    """A first date makes a match ``dating``; the NPC leaves when it is unloved."""

    def test_first_date(self) -> None:
        """``matched -> dating`` by ``date``, by the character, that day."""
        state, npc_id = matched()
        outcome = date(state, npc_id)
        changed = [e for e in outcome.events if isinstance(e, RelationshipChanged)]
        day = state.clock.day
        assert [("matched", "dating", "date", "character", 0, day)] == [
            (e.from_stage, e.to_stage, e.trigger, e.by, e.money_cents, e.day)
            for e in changed
        ]
        assert ("dating", day) == (
            romance_of(outcome.state, npc_id).stage,
            romance_of(outcome.state, npc_id).since_day,
        )

    def test_second_date_keeps_the_stage(self) -> None:
        """Only the first date moves the stage."""
        state, npc_id = matched()
        first = date(state, npc_id).state
        second = date(first, npc_id, after_ms=WALL_DAY)
        assert not [e for e in second.events if isinstance(e, RelationshipChanged)]
        assert (2, "dating") == (
            romance_of(second.state, npc_id).dates,
            romance_of(second.state, npc_id).stage,
        )

    @pytest.mark.parametrize(
        ("stage", "ending", "happiness"),
        [
            ("matched", "ended", 0),
            ("dating", "ended", ENDS.breakup_happiness),
            ("married", "divorced", ENDS.divorce_happiness),
        ],
    )
    def test_the_npc_leaves(self, stage: str, ending: str, happiness: int) -> None:
        """Below ``leave_below`` after the date the NPC ends it (a match never got
        to dating: an unmatch); a marriage ends in a divorce that splits the cash
        left after the date."""
        state, npc_id = matched()
        state = tuned(
            state,
            npc_id,
            money_cents=10_001,
            stage=stage,
            npc_affection=0,
            compatibility=0,
        )
        before = hero(state).stats.happiness
        outcome = date(state, npc_id, "cafe", "coffee")
        reply = outcome.reply
        assert isinstance(reply, DateResult)
        tier = next(t for t in DATES.outcomes if t.id == reply.outcome)
        assert ending == reply.stage
        assert find_romance(hero(outcome.state), npc_id) is None
        (left,) = [e for e in outcome.events if isinstance(e, RelationshipChanged)]
        left_cash = 10_001 - 1200
        split = (
            left_cash * ENDS.divorce_split_percent // 100 if stage == "married" else 0
        )
        assert (stage, ending, "leave", "npc", split) == (
            left.from_stage,
            left.to_stage,
            left.trigger,
            left.by,
            left.money_cents,
        )
        assert left_cash - split == reply.money_cents
        expected = max(0, min(100, before + tier.happiness) + happiness)
        assert expected == hero(outcome.state).stats.happiness

    def test_partner_dates_on(self) -> None:
        """Dating the partner counts dates and keeps the stage."""
        state, npc_id = matched()
        state = tuned(state, npc_id, stage="partner")
        outcome = date(state, npc_id)
        assert ("partner", 1) == (
            romance_of(outcome.state, npc_id).stage,
            romance_of(outcome.state, npc_id).dates,
        )

    def test_after_a_break_up_another_match_may_date(self) -> None:
        """One love at a time: once the current one ended, another match dates."""
        state, (first, second) = matches(aged(20), 2)
        state = date(state, first).state
        assert "invalid_state" == code(date(state, second, after_ms=WALL_DAY))
        state = step(
            state, BreakUp(at=state.clock.now_at, npc_id=first), IMMORTAL
        ).state
        assert isinstance(date(state, second, after_ms=WALL_DAY).reply, DateResult)


#: Wall ms of two game hours: a date of up to two hours is over.
TWO_HOURS = 2 * MS_PER_MINUTE
#: A date that costs money: coffee at the café (1200 cents).
PAID = ("cafe", "coffee")


def refused(case: str) -> tuple[PlayerState, GoOnDate]:
    """The state and the command of each rejection case (a free walk in the park
    unless the case needs otherwise)."""
    if case == "no_character":
        state = new_player(seed=4, at=T0, catalog=IMMORTAL)
        return state, GoOnDate(at=T0, npc_id="x", venue="park", activity="walk")
    if case == "too_young":
        state = aged(RULES.min_age - 1)
        at = state.clock.now_at
        return state, GoOnDate(at=at, npc_id="x", venue="park", activity="walk")
    state, npc_id = matched()
    if case == "second_love":
        state, (first, npc_id) = matches(aged(20), 2)
        state = later(date(state, first).state, WALL_DAY)
    elif case == "busy":
        state = date(state, npc_id).state
    elif case == "daily_limit":
        for _ in range(DATES.per_day):
            state = later(date(state, npc_id).state, TWO_HOURS)
    elif case == "tired":
        state = tuned(state, energy=4)
    elif case == "poor":
        state = tuned(state, money_cents=1199)
    venue, activity = {
        "unknown_venue": ("moon", "walk"),
        "unknown_activity": ("park", "skydive"),
        "poor": PAID,
    }.get(case, ("park", "walk"))
    target = "nobody" if case == "stranger" else npc_id
    return state, GoOnDate(
        at=state.clock.now_at, npc_id=target, venue=venue, activity=activity
    )


class TestRejections:
    """Each rule refuses with its own code, in order, and changes nothing."""

    @pytest.mark.parametrize(
        ("case", "expected"),
        [
            ("no_character", "invalid_state"),
            ("too_young", "age_restricted"),
            ("stranger", "not_found"),
            ("unknown_venue", "not_found"),
            ("unknown_activity", "not_found"),
            ("second_love", "invalid_state"),
            ("busy", "busy"),
            ("daily_limit", "daily_limit"),
            ("tired", "no_energy"),
            ("poor", "insufficient_money"),
        ],
    )
    def test_refused(self, case: str, expected: str) -> None:
        """The handler returns the state it was given; ``step`` the one before."""
        state, command = refused(case)
        outcome = step(state, command, IMMORTAL)
        assert (expected, state, ()) == (code(outcome), outcome.state, outcome.events)
        direct = go_on_date(state, command, IMMORTAL)
        assert (expected, state) == (code(direct), direct.state)

    def test_venue_age(self) -> None:
        """A venue's own ``min_age`` applies after the dating age."""
        late = edited_file(
            "dating.toml",
            (
                'id = "club"\nname = "Club"\nmin_age = 18',
                'id = "club"\nname = "Club"\nmin_age = 21',
            ),
        )
        state, npc_id = matched()
        command = GoOnDate(
            at=state.clock.now_at, npc_id=npc_id, venue="club", activity="cocktails"
        )
        state = tuned(state, money_cents=RICH)
        outcome = step(state, command, late)
        assert ("age_restricted", state) == (code(outcome), outcome.state)
        assert isinstance(step(state, command, IMMORTAL).reply, DateResult)

    def test_the_cap_is_per_game_day(self) -> None:
        """The next game day dates again."""
        state, npc_id = matched()
        for _ in range(DATES.per_day):
            state = date(state, npc_id, after_ms=TWO_HOURS).state
        assert ((DATE_KEY, DATES.per_day),) == hero(state).activity_counts
        assert "daily_limit" == code(date(state, npc_id, after_ms=TWO_HOURS))
        assert isinstance(date(state, npc_id, after_ms=WALL_DAY).reply, DateResult)
