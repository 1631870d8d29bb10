"""Tests of ``baolife_core.retention.login`` and ``login_rules``: daily rewards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ALREADY_CLAIMED,
    BAD_REQUEST,
    RATE_LIMITED,
    ClaimDailyReward,
    ContentError,
    DailyLoginStatus,
    DailyRewardClaimed,
    DiamondsCredited,
    DiamondsSpent,
    EnergyGranted,
    GameService,
    InMemoryStore,
    ItemGranted,
    LoginRewardClaimed,
    LoginStreak,
    NewPlayer,
    Outcome,
    PlayerState,
    Rejection,
    SetUtcOffset,
    UtcOffsetChanged,
    UtcOffsetSet,
    WireError,
    advance,
    command_from_wire,
    current_energy,
    load_catalog,
    new_player,
    replay,
    step,
)
from baolife_core.clock import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE
from baolife_core.events import Event
from baolife_core.retention.login import (
    OFFSET_CHANGE_MS,
    claim_daily_reward,
    cycle_day,
    daily_login_status,
    local_day,
    set_utc_offset,
)
from baolife_core.retention.login_rules import CYCLE_DAYS
from baolife_core.retention.reward_rules import Grant
from baolife_core.retention.rewards import reward_id, reward_text
from content_packs import edited_file

CATALOG = load_catalog()
SEED = 5
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z, a UTC midnight
DAY0 = T0 // MS_PER_DAY  # the local day index of T0 at offset 0
DAY7 = "reward = { diamonds = 30, items = { lucky_charm = 1, time_crystal = 1 } }"


def content_error(file: str, *edits: tuple[str, str]) -> ContentError:
    """The ``ContentError`` that ``edited_file(file, *edits)`` raises."""
    with pytest.raises(ContentError) as caught:
        edited_file(file, *edits)
    return caught.value


def player() -> PlayerState:
    """A fresh player created at ``T0`` (offset 0, no streak)."""
    return new_player(seed=SEED, at=T0, catalog=CATALOG)


def claim(at: int, key: str = "claim-1") -> ClaimDailyReward:
    """A claim command at ``at``."""
    return ClaimDailyReward(at=at, idempotency_key=key)


def noon(day: int) -> int:
    """Noon UTC of the ``day``-th day after ``T0``."""
    return T0 + day * MS_PER_DAY + 12 * MS_PER_HOUR


def claim_days(state: PlayerState, days: list[int]) -> PlayerState:
    """``state`` after successful claims at noon of each of ``days``."""
    for day in days:
        outcome = step(state, claim(noon(day), f"day-{day}"), CATALOG)
        assert not outcome.rejected, outcome.reply
        state = outcome.state
    return state


def reply_of(state: PlayerState, at: int) -> DailyRewardClaimed | Rejection:
    """The reply to a claim at ``at``."""
    reply = step(state, claim(at), CATALOG).reply
    assert isinstance(reply, DailyRewardClaimed | Rejection)
    return reply


def credited(events: tuple[Event, ...], reason: str | None = "daily_reward") -> int:
    """The diamonds credited by ``events`` for ``reason`` (None: any reason).

    ``step`` also runs the other retention layers (achievements may pay for a
    streak), so a claim's own diamonds are the ``daily_reward`` credits.
    """
    return sum(
        e.amount
        for e in events
        if isinstance(e, DiamondsCredited) and reason in (None, e.reason)
    )


def claim_outcomes(state: PlayerState, days: list[int]) -> list[Outcome]:
    """The outcomes of successful claims at noon of each of ``days``, in order."""
    outcomes = []
    for day in days:
        outcome = step(state, claim(noon(day), f"day-{day}"), CATALOG)
        assert not outcome.rejected, outcome.reply
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def handler_claim(state: PlayerState, at: int) -> Outcome:
    """The login handler alone (no other retention layer) on ``state`` at ``at``."""
    return claim_daily_reward(advance(state, at, CATALOG), claim(at), CATALOG)


class TestContent:
    """The bundled 7-day cycle: 125 diamonds a week, items on days 5 and 7."""

    def test_seven_days(self) -> None:
        """One reward per cycle day."""
        assert CYCLE_DAYS == len(CATALOG.login.rewards) == 7

    def test_week_totals_125_diamonds(self) -> None:
        """The seed's "125 diamonds a week"."""
        rewards = CATALOG.login.rewards
        assert 125 == CATALOG.login.week_diamonds
        assert 125 == sum(r.fixed.diamonds for r in rewards)
        assert 125 == sum(r.max_diamonds for r in rewards)

    def test_day_three_is_the_seeds_example(self) -> None:
        """Day 3 pays ``15 diamonds + 50 energy``."""
        day3 = CATALOG.login.reward(3)
        assert Grant(diamonds=15, energy=50) == day3.fixed
        assert "15 diamonds + 50 energy" == reward_text(day3.fixed)

    def test_items_on_days_five_and_seven(self) -> None:
        """Only days 5 and 7 give items, and they are known items."""
        days = {day: CATALOG.login.reward(day).item_ids() for day in range(1, 8)}
        assert {5, 7} == {day for day, items in days.items() if items}
        known = {item.id for item in CATALOG.items.items}
        assert days[5] | days[7] <= known

    def test_every_day_pays_diamonds_and_no_rolls(self) -> None:
        """A login reward is a promise shown in advance: fixed, with diamonds."""
        for reward in CATALOG.login.rewards:
            assert () == reward.rolls
            assert reward.fixed.diamonds > 0


class TestContentErrors:
    """A broken ``daily_rewards.toml`` fails to load, naming file, entry and field."""

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        [
            (
                "week_diamonds = 125",
                "week_diamonds = 130",
                "days",
                "reward.diamonds",
                "total 125, week_diamonds is 130",
            ),
            (
                "reward = { diamonds = 5 }",
                "reward = { diamonds = 10 }",
                "days",
                "reward.diamonds",
                "total 130",
            ),
            (
                "week_diamonds = 125",
                "week_diamonds = -1",
                "(top level)",
                "week_diamonds",
                "must be within",
            ),
            (
                "week_diamonds = 125\n",
                "",
                "(top level)",
                "week_diamonds",
                "is required",
            ),
            ("day = 2\n", "day = 3\n", "days[2]", "day", "listed 1..7, got 3"),
            ("day = 1\n", "day = 0\n", "days[1]", "day", "must be within 1..7"),
            ("day = 7\n", "day = 8\n", "days[7]", "day", "must be within 1..7"),
            ("day = 4\n", 'day = "4"\n', "days[4]", "day", "must be an integer"),
            (
                f"[[days]]\nday = 7\n{DAY7}\n",
                "",
                "days",
                "",
                "must list 7 days",
            ),
            (
                f"{DAY7}\n",
                f"{DAY7}\n\n[[days]]\nday = 8\nreward = {{ diamonds = 1 }}\n",
                "days[8]",
                "day",
                "must be within 1..7",
            ),
            (
                "reward = { diamonds = 5 }",
                "reward = { diamonds = 5, rolls = [[{ weight = 1, energy = 5 }]] }",
                "days[1]",
                "reward.rolls",
                "no rolls",
            ),
            (
                "reward = { diamonds = 5 }",
                "",
                "days[1]",
                "reward",
                "must be a table",
            ),
            (
                "reward = { diamonds = 5 }",
                "reward = { diamonds = 5, gems = 1 }",
                "days[1]",
                "reward.gems",
                "is not a known field",
            ),
            (
                "reward = { diamonds = 10 }",
                "reward = { diamonds = 10 }\nbonus = true",
                "days[2]",
                "bonus",
                "is not a known field",
            ),
            (
                "energy_drink = 1 }",
                "espresso = 1 }",
                "days[5]",
                "reward.items",
                "names no item: 'espresso'",
            ),
            (
                "week_diamonds = 125",
                "week_diamonds = 125\nmonth_diamonds = 500",
                "(top level)",
                "month_diamonds",
                "is not a known field",
            ),
        ],
    )
    def test_rejected(
        self, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken rule is reported where it is."""
        error = content_error("daily_rewards.toml", (old, new))
        assert ("daily_rewards.toml", entry, field) == (
            error.file,
            error.entry,
            error.field,
        )
        assert problem in error.problem

    def test_other_totals_load(self) -> None:
        """The weekly total is content: a consistent other total loads."""
        catalog = edited_file(
            "daily_rewards.toml",
            ("week_diamonds = 125", "week_diamonds = 130"),
            ("reward = { diamonds = 5 }", "reward = { diamonds = 10 }"),
        )
        assert 130 == catalog.login.week_diamonds


class TestLocalDay:
    """``local_day``: the player's calendar day from the instant and the offset."""

    @pytest.mark.parametrize(
        ("at", "offset", "expected"),
        [
            (T0, 0, DAY0),
            (T0 - 1, 0, DAY0 - 1),
            (T0 + MS_PER_DAY - 1, 0, DAY0),
            (T0 + MS_PER_DAY, 0, DAY0 + 1),
            (T0 - 30 * MS_PER_MINUTE, 30, DAY0),
            (T0 - 30 * MS_PER_MINUTE, 29, DAY0 - 1),
            (T0, -1, DAY0 - 1),
            (T0 + 10 * MS_PER_HOUR, 840, DAY0 + 1),
            (T0 + 10 * MS_PER_HOUR - 1, 840, DAY0),
            (T0 + 11 * MS_PER_HOUR, -720, DAY0 - 1),
            (T0 + 12 * MS_PER_HOUR, -720, DAY0),
            (0, 0, 0),
            (0, 840, 0),
        ],
    )
    def test_cases(self, at: int, offset: int, expected: int) -> None:
        """Local midnight starts the day, whatever the offset."""
        assert expected == local_day(at, offset)


class TestCycleDay:
    """``cycle_day``: day 8 pays day 1 again."""

    @pytest.mark.parametrize(
        ("streak", "expected"),
        [(1, 1), (2, 2), (6, 6), (7, 7), (8, 1), (13, 6), (14, 7), (15, 1), (71, 1)],
    )
    def test_cases(self, streak: int, expected: int) -> None:
        """``((streak - 1) mod 7) + 1``."""
        assert expected == cycle_day(streak)


class TestFirstClaim:
    """A new player's first claim pays day 1 and starts the streak at 1."""

    def test_events_reply_and_state(self) -> None:
        """The ledger credit, then ``LoginRewardClaimed``; the reply has the totals."""
        at = noon(0)
        state = advance(player(), at, CATALOG)
        outcome = claim_daily_reward(state, claim(at), CATALOG)
        expected_events = (
            DiamondsCredited(
                at=at,
                amount=5,
                reason="daily_reward",
                reference=f"login:{DAY0}",
                balance_after=1005,
                transaction_id=reward_id(SEED, f"login:{DAY0}"),
            ),
            LoginRewardClaimed(
                at=at, local_day=DAY0, cycle_day=1, streak=1, reward="5 diamonds"
            ),
        )
        assert expected_events == outcome.events
        assert (
            DailyRewardClaimed(
                day=1, reward="5 diamonds", streak=1, diamonds=1005, energy=100
            )
            == outcome.reply
        )
        assert LoginStreak(streak=1, last_day=DAY0) == outcome.state.retention.login
        assert state.seq + 1 == outcome.state.seq

    def test_at_creation_instant(self) -> None:
        """A claim in the very millisecond the player is created is allowed."""
        reply = reply_of(player(), T0)
        assert isinstance(reply, DailyRewardClaimed)
        assert (1, 1) == (reply.day, reply.streak)


class TestStreak:
    """Next local day → +1; same day → ``already_claimed``; missed day → 1."""

    @pytest.mark.parametrize(
        ("days", "streak", "last_day"),
        [
            ([0], 1, 0),
            ([0, 1], 2, 1),
            ([0, 1, 2], 3, 2),
            ([0, 2], 1, 2),
            ([0, 1, 2, 4], 1, 4),
            ([0, 1, 3, 4, 5], 3, 5),
            ([0, 30], 1, 30),
            (list(range(7)), 7, 6),
            (list(range(8)), 8, 7),
            (list(range(20)), 20, 19),
            ([*range(9), 10], 1, 10),
        ],
    )
    def test_streak_after_claims(
        self, days: list[int], streak: int, last_day: int
    ) -> None:
        """The streak counts the consecutive local days ending at the last claim."""
        state = claim_days(player(), days)
        assert LoginStreak(streak=streak, last_day=DAY0 + last_day) == (
            state.retention.login
        )

    @pytest.mark.parametrize(
        "later", [0, 1, MS_PER_HOUR, 11 * MS_PER_HOUR + 59 * MS_PER_MINUTE]
    )
    def test_same_day_already_claimed(self, later: int) -> None:
        """A second claim the same local day is refused and changes nothing."""
        state = claim_days(player(), [0])
        outcome = step(state, claim(noon(0) + later, "again"), CATALOG)
        assert ALREADY_CLAIMED == getattr(outcome.reply, "code", None)
        assert state == outcome.state
        assert () == outcome.events

    def test_midnight_separates_days(self) -> None:
        """Claims a minute either side of local midnight are on consecutive days."""
        state = player()
        late = step(state, claim(T0 + MS_PER_DAY - MS_PER_MINUTE), CATALOG).state
        reply = reply_of(late, T0 + MS_PER_DAY + MS_PER_MINUTE)
        assert isinstance(reply, DailyRewardClaimed)
        assert (2, 2) == (reply.streak, reply.day)

    def test_whole_day_apart_is_not_enough_to_skip(self) -> None:
        """First minute and last minute of the next day both continue the streak."""
        state = step(player(), claim(T0), CATALOG).state
        for at in (T0 + MS_PER_DAY, T0 + 2 * MS_PER_DAY - 1):
            reply = reply_of(state, at)
            assert isinstance(reply, DailyRewardClaimed)
            assert 2 == reply.streak

    def test_missed_day_restarts_at_day_one(self) -> None:
        """After a missed day the next claim pays day 1 with streak 1."""
        state = claim_days(player(), [0, 1, 2, 3])
        reply = reply_of(state, noon(5))
        assert isinstance(reply, DailyRewardClaimed)
        assert (1, 1, "5 diamonds") == (reply.day, reply.streak, reply.reward)

    def test_cycle_restarts_with_growing_streak(self) -> None:
        """Day 8 pays day 1's reward; the streak keeps counting."""
        state = claim_days(player(), list(range(7)))
        reply = handler_claim(state, noon(7)).reply
        assert (
            DailyRewardClaimed(
                day=1,
                reward="5 diamonds",
                streak=8,
                diamonds=state.wallet.diamonds + 5,
                energy=150,
            )
            == reply
        )

    def test_a_week_pays_the_cycle(self) -> None:
        """The handler over seven consecutive days: 125 diamonds, 50 energy on day
        3, an energy drink on day 5, a lucky charm and a time crystal on day 7."""
        state = player()
        replies = []
        for day in range(7):
            outcome = handler_claim(state, noon(day))
            replies.append(outcome.reply)
            state = outcome.state
        expected = [
            DailyRewardClaimed(1, "5 diamonds", 1, 1005, 100),
            DailyRewardClaimed(2, "10 diamonds", 2, 1015, 100),
            DailyRewardClaimed(3, "15 diamonds + 50 energy", 3, 1030, 150),
            DailyRewardClaimed(4, "20 diamonds", 4, 1050, 150),
            DailyRewardClaimed(5, "20 diamonds + 1 Energy drink", 5, 1070, 150),
            DailyRewardClaimed(6, "25 diamonds", 6, 1095, 150),
            DailyRewardClaimed(
                7, "30 diamonds + 1 Lucky charm + 1 Time crystal", 7, 1125, 150
            ),
        ]
        assert expected == replies
        assert (("energy_drink", 1), ("lucky_charm", 1), ("time_crystal", 1)) == (
            state.retention.inventory
        )

    @pytest.mark.parametrize("weeks", [1, 2, 3])
    def test_weeks_through_the_engine(self, weeks: int) -> None:
        """Played through ``step``: each week's claims credit 125 diamonds and grant
        the cycle's items; the wallet stays equal to its ledger."""
        outcomes = claim_outcomes(player(), list(range(7 * weeks)))
        events = tuple(e for outcome in outcomes for e in outcome.events)
        assert 125 * weeks == credited(events)
        granted: dict[str, int] = {}
        for event in events:
            if isinstance(event, ItemGranted) and event.reason == "daily_reward":
                granted[event.item] = granted.get(event.item, 0) + event.count
        expected = {"energy_drink": weeks, "lucky_charm": weeks, "time_crystal": weeks}
        assert expected == granted
        wallet = outcomes[-1].state.wallet
        assert 1000 + credited(events, None) == wallet.diamonds
        assert wallet.earned - wallet.spent == wallet.diamonds

    def test_day_three_grants_energy(self) -> None:
        """Day 3 adds 50 energy (overfilling a full meter) with ``EnergyGranted``."""
        state = claim_days(player(), [0, 1])
        outcome = step(state, claim(noon(2)), CATALOG)
        assert [EnergyGranted(noon(2), 50, 150, "daily_reward")] == [
            e for e in outcome.events if isinstance(e, EnergyGranted)
        ]
        assert 150 == current_energy(outcome.state.energy, noon(2), CATALOG.energy)

    def test_day_seven_grants_items(self) -> None:
        """Day 7 announces each item with ``ItemGranted``."""
        state = claim_days(player(), list(range(6)))
        outcome = step(state, claim(noon(6)), CATALOG)
        assert [
            ItemGranted(noon(6), "lucky_charm", 1, "daily_reward"),
            ItemGranted(noon(6), "time_crystal", 1, "daily_reward"),
        ] == [
            e
            for e in outcome.events
            if isinstance(e, ItemGranted) and e.reason == "daily_reward"
        ]

    def test_transaction_id_is_keyed_by_local_day(self) -> None:
        """The credit's id is ``reward_id(seed, "login:<local day>")``."""
        state = claim_days(player(), [0, 1])
        outcome = step(state, claim(noon(2)), CATALOG)
        ids = [
            e.transaction_id
            for e in outcome.events
            if isinstance(e, DiamondsCredited) and e.reason == "daily_reward"
        ]
        assert [reward_id(SEED, f"login:{DAY0 + 2}")] == ids

    def test_replay_gives_the_same_state(self) -> None:
        """Claims are pure: replaying the commands reaches the same state."""
        state = claim_days(player(), [0, 1, 3, 4])
        journal: list[NewPlayer | ClaimDailyReward] = [
            NewPlayer(at=T0, seed=SEED),
            *(claim(noon(d), f"day-{d}") for d in (0, 1, 3, 4)),
        ]
        assert state == replay(journal, CATALOG)


class TestUtcOffsetValidation:
    """``SetUtcOffset.minutes`` is checked at construction and on the wire."""

    @pytest.mark.parametrize("minutes", [-720, -60, 0, 330, 345, 840])
    def test_accepts_the_range(self, minutes: int) -> None:
        """-12:00 through +14:00 are valid offsets."""
        assert minutes == SetUtcOffset(at=T0, minutes=minutes).minutes

    @pytest.mark.parametrize(
        "minutes", [-721, 841, -100_000, 100_000, 1.0, 60.5, "60", None, True]
    )
    def test_rejects_out_of_range_or_ill_typed(self, minutes: object) -> None:
        """Anything else is a ``ValueError`` before the engine sees it."""
        with pytest.raises(ValueError, match=r"-720\.\.840"):
            SetUtcOffset(at=T0, minutes=minutes)  # type: ignore[arg-type]

    @pytest.mark.parametrize("minutes", [-721, 841, "60", 1.5, None])
    def test_wire_bad_request(self, minutes: object) -> None:
        """A client frame with a bad offset is a ``bad_request``."""
        with pytest.raises(WireError) as caught:
            command_from_wire({"type": "set_utc_offset", "at": T0, "minutes": minutes})
        assert BAD_REQUEST == caught.value.code

    def test_wire_accepts_a_valid_offset(self) -> None:
        """A valid frame decodes to the command."""
        frame = {"type": "set_utc_offset", "at": T0, "minutes": -720}
        assert SetUtcOffset(at=T0, minutes=-720) == command_from_wire(frame)


def set_offset(state: PlayerState, at: int, minutes: int) -> PlayerState:
    """``state`` after an accepted offset change."""
    outcome = step(state, SetUtcOffset(at=at, minutes=minutes), CATALOG)
    assert not outcome.rejected, outcome.reply
    return outcome.state


class TestSetUtcOffset:
    """The first change is free; then one change per 24 wall hours."""

    def test_first_change(self) -> None:
        """A new player may change the offset at once."""
        at = noon(0)
        state = advance(player(), at, CATALOG)
        outcome = set_utc_offset(state, SetUtcOffset(at=at, minutes=720), CATALOG)
        assert (UtcOffsetSet(at, 720),) == outcome.events
        assert UtcOffsetChanged(minutes=720, local_day=DAY0 + 1) == outcome.reply
        retention = outcome.state.retention
        assert (720, at) == (retention.utc_offset_minutes, retention.offset_changed_at)
        assert 1 == outcome.state.seq

    def test_first_change_free_long_after_creation(self) -> None:
        """No wait applies to the first change, however late it comes."""
        outcome = step(player(), SetUtcOffset(at=noon(100), minutes=-300), CATALOG)
        assert not outcome.rejected

    @pytest.mark.parametrize(
        "elapsed", [0, 1, MS_PER_HOUR, 23 * MS_PER_HOUR, OFFSET_CHANGE_MS - 1]
    )
    def test_second_change_within_a_day_rate_limited(self, elapsed: int) -> None:
        """A second change within 24 h is ``rate_limited`` for the rest of the day."""
        state = set_offset(player(), noon(0), 60)
        outcome = step(state, SetUtcOffset(at=noon(0) + elapsed, minutes=120), CATALOG)
        reply = outcome.reply
        assert isinstance(reply, Rejection)
        assert (RATE_LIMITED, OFFSET_CHANGE_MS - elapsed) == (
            reply.code,
            reply.retry_after_ms,
        )
        assert state == outcome.state

    @pytest.mark.parametrize("elapsed", [OFFSET_CHANGE_MS, OFFSET_CHANGE_MS + 1, 10**9])
    def test_change_allowed_after_a_day(self, elapsed: int) -> None:
        """24 wall hours after a change the next one is accepted."""
        state = set_offset(player(), noon(0), 60)
        outcome = step(state, SetUtcOffset(at=noon(0) + elapsed, minutes=120), CATALOG)
        assert (
            UtcOffsetChanged(minutes=120, local_day=local_day(noon(0) + elapsed, 120))
            == outcome.reply
        )
        assert noon(0) + elapsed == outcome.state.retention.offset_changed_at

    def test_rate_limit_counts_from_the_last_accepted_change(self) -> None:
        """A refused change does not restart the 24 hours."""
        state = set_offset(player(), noon(0), 60)
        refused = step(
            state, SetUtcOffset(at=noon(0) + MS_PER_HOUR, minutes=0), CATALOG
        )
        assert refused.rejected
        outcome = step(state, SetUtcOffset(at=noon(1), minutes=0), CATALOG)
        assert not outcome.rejected

    def test_setting_the_same_offset_counts(self) -> None:
        """Re-sending the offset in force is a change like any other."""
        state = set_offset(player(), noon(0), 0)
        reply = step(state, SetUtcOffset(at=noon(0) + 1, minutes=0), CATALOG).reply
        assert RATE_LIMITED == getattr(reply, "code", None)

    def test_claims_follow_the_offset(self) -> None:
        """At 23:00 UTC a +2:00 player is already on the next local day."""
        state = set_offset(player(), T0, 120)
        state = step(state, claim(T0 + 12 * MS_PER_HOUR), CATALOG).state
        outcome = step(state, claim(T0 + 23 * MS_PER_HOUR), CATALOG)
        assert [
            LoginRewardClaimed(T0 + 23 * MS_PER_HOUR, DAY0 + 1, 2, 2, "10 diamonds")
        ] == [e for e in outcome.events if isinstance(e, LoginRewardClaimed)]

    @pytest.mark.parametrize("minutes", [-720, -300, -1, 1, 300, 600, 840])
    def test_offset_change_cannot_reclaim_a_day(self, minutes: int) -> None:
        """Claimed at 06:00 UTC; no offset brings a later local day before 10:00."""
        at = T0 + 6 * MS_PER_HOUR
        state = step(player(), claim(at), CATALOG).state
        state = set_offset(state, at + MS_PER_MINUTE, minutes)
        for later in (2 * MS_PER_MINUTE, 3 * MS_PER_HOUR, 4 * MS_PER_HOUR - 1):
            outcome = step(state, claim(at + later, "again"), CATALOG)
            assert ALREADY_CLAIMED == getattr(outcome.reply, "code", None)
            assert state == outcome.state

    def test_offset_back_to_an_earlier_day(self) -> None:
        """Moving back to yesterday's local day does not reopen it, nor today."""
        state = claim_days(player(), [0, 1])
        state = set_offset(state, noon(1) + 1, -720)  # local day is now day 1, 00:00
        assert ALREADY_CLAIMED == getattr(reply_of(state, noon(1) + 2), "code", None)
        reply = reply_of(state, noon(2) + 1)  # local: day 2 00:00 → consecutive
        assert isinstance(reply, DailyRewardClaimed)
        assert 3 == reply.streak

    def test_offset_forward_skips_to_the_next_day_once(self) -> None:
        """Moving forward onto tomorrow is tomorrow's claim; there is only one."""
        at = T0 + 20 * MS_PER_HOUR
        state = step(player(), claim(at), CATALOG).state
        state = set_offset(state, at + 1, 840)  # local: day 1, 10:00
        outcome = step(state, claim(at + 2, "b"), CATALOG)
        assert isinstance(outcome.reply, DailyRewardClaimed)
        assert 2 == outcome.reply.streak
        again = step(outcome.state, claim(at + 3, "c"), CATALOG)
        assert ALREADY_CLAIMED == getattr(again.reply, "code", None)
        moved = step(outcome.state, SetUtcOffset(at=at + 4, minutes=0), CATALOG)
        assert RATE_LIMITED == getattr(moved.reply, "code", None)


class TestDailyLoginStatus:
    """``daily_login_status`` reports what a claim now would give; changes nothing."""

    @pytest.mark.parametrize(
        ("days", "at", "expected"),
        [
            ([], noon(0), DailyLoginStatus(streak=1, day=1, claimable=True)),
            ([0], noon(0), DailyLoginStatus(streak=1, day=1, claimable=False)),
            ([0], noon(1), DailyLoginStatus(streak=2, day=2, claimable=True)),
            ([0], noon(2), DailyLoginStatus(streak=1, day=1, claimable=True)),
            ([0, 1, 2], noon(2), DailyLoginStatus(streak=3, day=3, claimable=False)),
            (
                list(range(7)),
                noon(6),
                DailyLoginStatus(streak=7, day=7, claimable=False),
            ),
            (
                list(range(7)),
                noon(7),
                DailyLoginStatus(streak=8, day=1, claimable=True),
            ),
            (
                list(range(10)),
                noon(9),
                DailyLoginStatus(streak=10, day=3, claimable=False),
            ),
        ],
    )
    def test_status(self, days: list[int], at: int, expected: DailyLoginStatus) -> None:
        """The streak and cycle day of a claim now, or of today's claim."""
        state = claim_days(player(), days)
        assert expected == daily_login_status(state, at)

    def test_changes_nothing(self) -> None:
        """Asking does not claim: the state is as it was and a claim still pays."""
        state = claim_days(player(), [0])
        before = state
        daily_login_status(state, noon(1))
        assert before == state
        reply = reply_of(state, noon(1))
        assert isinstance(reply, DailyRewardClaimed)

    def test_an_instant_before_the_clock_reads_the_clock(self) -> None:
        """Asked for an instant the clock has passed, the status tells what a claim
        would do: ``step`` applies it at the clock's instant, a day later here."""
        state = advance(claim_days(player(), [0]), noon(1), CATALOG)
        status = daily_login_status(state, noon(0))
        reply = reply_of(state, noon(0))
        assert isinstance(reply, DailyRewardClaimed)
        assert DailyLoginStatus(streak=2, day=2, claimable=True) == status
        assert (status.streak, status.day) == (reply.streak, reply.day)

    @given(
        st.lists(st.integers(0, 9), unique=True, max_size=6).map(sorted),
        st.integers(0, 12 * MS_PER_DAY),
        st.integers(0, 12 * MS_PER_DAY),
    )
    def test_agrees_with_a_claim(self, days: list[int], clock: int, at: int) -> None:
        """For any history, clock and instant (even one the clock has passed), a
        claim pays exactly when the status says so, with its streak and day."""
        state = claim_days(player(), days)
        state = advance(state, max(state.clock.now_at, T0 + clock), CATALOG)
        status = daily_login_status(state, T0 + at)
        reply = reply_of(state, T0 + at)
        if isinstance(reply, Rejection):
            assert (False, ALREADY_CLAIMED) == (status.claimable, reply.code)
            assert state.retention.login.streak == status.streak
        else:
            assert (True, reply.streak, reply.day) == (
                status.claimable,
                status.streak,
                status.day,
            )

    def test_follows_the_offset(self) -> None:
        """The status uses the player's offset for "today"."""
        state = set_offset(claim_days(player(), [0]), noon(0) + 1, 840)
        assert DailyLoginStatus(streak=2, day=2, claimable=True) == (
            daily_login_status(state, noon(0) + 10 * MS_PER_HOUR)
        )


#: Gaps between commands: often exactly a day or an hour, sometimes anything.
GAPS = st.one_of(
    st.sampled_from([0, 1, MS_PER_HOUR, MS_PER_DAY - 1, MS_PER_DAY, 2 * MS_PER_DAY]),
    st.integers(0, 3 * MS_PER_DAY),
)
#: A command: a claim (None) or an offset change (its minutes).
ACTIONS = st.one_of(st.none(), st.none(), st.integers(-720, 840))


def run_length(days: list[int]) -> int:
    """The length of the run of consecutive days ending at the last of ``days``."""
    run = 1
    while run < len(days) and days[-run - 1] == days[-run] - 1:
        run += 1
    return run


class TestProperties:
    """Over any sequence of claims and offset changes the login rules hold."""

    @given(st.lists(st.tuples(GAPS, ACTIONS), max_size=30))
    def test_claims_offsets_and_ledger(
        self, script: list[tuple[int, int | None]]
    ) -> None:
        """(a) one paying claim per local day, (b) the streak is the run of days,
        (c) diamonds equal the ledger, and the status agrees with every claim."""
        state = player()
        at = T0
        paid: list[int] = []  # local days of paying claims, in order
        changed: int | None = None  # instant of the last accepted offset change
        ledger = state.wallet.diamonds
        for n, (gap, action) in enumerate(script):
            at += gap
            if action is None:
                today = local_day(at, state.retention.utc_offset_minutes)
                status = daily_login_status(state, at)
                outcome = step(state, claim(at, f"k{n}"), CATALOG)
                reply = outcome.reply
                if isinstance(reply, Rejection):
                    assert ALREADY_CLAIMED == reply.code
                    assert state == outcome.state
                    assert not status.claimable
                    assert paid
                    assert today <= paid[-1]
                    assert state.retention.login.streak == status.streak
                else:
                    assert isinstance(reply, DailyRewardClaimed)
                    assert (True, reply.streak, reply.day) == (
                        status.claimable,
                        status.streak,
                        status.day,
                    )
                    assert not paid or today > paid[-1]  # (a)
                    paid.append(today)
                    expected = CATALOG.login.reward(cycle_day(reply.streak))
                    assert expected.fixed.diamonds == credited(outcome.events)
                    claimed = [
                        e for e in outcome.events if isinstance(e, LoginRewardClaimed)
                    ]
                    assert [(today, reply.day, reply.streak)] == [
                        (e.local_day, e.cycle_day, e.streak) for e in claimed
                    ]
                    assert DailyLoginStatus(reply.streak, reply.day, False) == (
                        daily_login_status(outcome.state, at)
                    )
            else:
                outcome = step(state, SetUtcOffset(at=at, minutes=action), CATALOG)
                if changed is not None and at - changed < OFFSET_CHANGE_MS:
                    assert (
                        Rejection(
                            RATE_LIMITED,
                            "one offset change a day",
                            OFFSET_CHANGE_MS - (at - changed),
                        )
                        == outcome.reply
                    )
                    assert state == outcome.state
                else:
                    assert isinstance(outcome.reply, UtcOffsetChanged)
                    changed = at
            for event in outcome.events:
                if isinstance(event, DiamondsCredited):
                    ledger += event.amount
                elif isinstance(event, DiamondsSpent):
                    ledger -= event.amount
            state = outcome.state
            wallet = state.wallet
            assert wallet.earned - wallet.spent == wallet.diamonds == ledger  # (c)
            login = state.retention.login
            if paid:  # (b)
                assert LoginStreak(run_length(paid), paid[-1]) == login
            else:
                assert LoginStreak() == login
        assert len(paid) == len(set(paid))  # (a)

    @given(
        st.integers(0, 3 * MS_PER_DAY),
        st.integers(0, 3 * MS_PER_DAY),
        st.from_regex(r"[A-Za-z0-9_.:-]{1,40}", fullmatch=True),
    )
    def test_same_key_twice_pays_once(self, first: int, gap: int, key: str) -> None:
        """(d) Through the service, a repeated idempotency key pays once, even on
        a later local day, and answers the first reply again."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        pid = service.login_device("device", new_player_id="p-1", seed=SEED, at=T0)
        one = service.execute(pid, claim(T0 + first, key))
        two = service.execute(pid, claim(T0 + first + gap, key))
        assert isinstance(one.reply, DailyRewardClaimed)
        assert (True, one.reply, ()) == (two.duplicate, two.reply, two.events)
        assert one.state == two.state == service.load(pid).state
        assert 5 == credited(one.events)

    @given(
        st.lists(
            st.tuples(st.integers(0, 2 * MS_PER_DAY), st.sampled_from("abc")),
            max_size=12,
        )
    )
    def test_keys_through_the_service(self, script: list[tuple[int, str]]) -> None:
        """(d) Each key pays at most once; the store's journal replays to its state."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        pid = service.login_device("device", new_player_id="p-1", seed=SEED, at=T0)
        at = T0
        paid_keys: set[str] = set()
        total = 1000
        for gap, key in script:
            at += gap
            result = service.execute(pid, claim(at, key))
            if result.duplicate:
                assert key in paid_keys
                assert () == result.events
            elif isinstance(result.reply, DailyRewardClaimed):
                assert key not in paid_keys
                paid_keys.add(key)
                total += credited(result.events, None)
            else:
                assert () == result.events
        state = service.load(pid).state
        assert total == state.wallet.diamonds
        assert state == replay(store.journal(pid), CATALOG)
