"""Tests of ``baolife_core.economy.time_skips``: buying game time with diamonds."""

from __future__ import annotations

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    CreateCharacter,
    DoActivity,
    GameService,
    InMemoryStore,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    Rejection,
    TimeSkipped,
    advance,
    load_catalog,
    new_player,
    replay,
    step,
)
from baolife_core.clock import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, game_elapsed_ms
from baolife_core.economy.energy import current_energy
from baolife_core.events import DiamondsSpent, GameTimeSkipped
from baolife_core.ids import mint_id
from baolife_core.state import PlayerState
from events import own_events

CATALOG = load_catalog()
SCALE = CATALOG.clock.time_scale
SEED = 11
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z


def player(diamonds: int = 1000) -> PlayerState:
    """A fresh player created at ``T0`` with ``diamonds`` (ledger-consistent)."""
    state = new_player(seed=SEED, at=T0, catalog=CATALOG)
    wallet = evolve(state.wallet, diamonds=diamonds, earned=1000, spent=1000 - diamonds)
    return evolve(state, wallet=wallet)


def skip(skip_type: str, at: int = T0, key: str = "k-1") -> PurchaseTimeSkip:
    """A time-skip purchase."""
    return PurchaseTimeSkip(at=at, skip_type=skip_type, idempotency_key=key)


def game_ms(state: PlayerState) -> int:
    """Game milliseconds the state has lived."""
    clock = state.clock
    return game_elapsed_ms(clock.started_at, clock.now_at, SCALE, clock.skipped_ms)


class TestContent:
    """The bundled time skips: four types priced 5-100 diamonds."""

    def test_four_types_within_the_price_range(self) -> None:
        """The seed's "4 types, 5-100 diamonds"."""
        prices = {s.id: s.diamonds for s in CATALOG.time_skips}
        assert {
            "one_hour": 5,
            "finish_activity": 10,
            "to_tomorrow": 25,
            "one_week": 100,
        } == prices


class TestSuccessfulSkip:
    """A skip debits once, moves game time and replies ``time_skipped``."""

    @pytest.mark.parametrize(
        ("skip_type", "price", "skipped"),
        [
            ("one_hour", 5, MS_PER_HOUR),
            ("one_week", 100, 7 * MS_PER_DAY),
        ],
    )
    def test_fixed_skips(self, skip_type: str, price: int, skipped: int) -> None:
        """A fixed skip adds its game hours and one ledger entry."""
        outcome = step(player(), skip(skip_type), CATALOG)
        tx = mint_id(SEED, 1, "purchase")
        day = skipped // MS_PER_DAY
        assert (
            DiamondsSpent(
                at=T0,
                amount=price,
                reason="time_skip",
                reference=skip_type,
                balance_after=1000 - price,
                transaction_id=tx,
            ),
            GameTimeSkipped(
                at=T0,
                skip_type=skip_type,
                game_ms=skipped,
                day_before=0,
                day_after=day,
                diamonds=price,
                transaction_id=tx,
            ),
        ) == own_events(outcome.events)
        assert (
            TimeSkipped(
                diamonds=1000 - price,
                transaction_id=tx,
                skip_type=skip_type,
                game_ms_skipped=skipped,
                game_day=day,
                game_time_ms=skipped,
            )
            == outcome.reply
        )
        assert skipped == outcome.state.clock.skipped_ms
        assert 1 == outcome.state.seq

    @pytest.mark.parametrize("minutes", [0, 1, 7, 23])
    def test_to_tomorrow_lands_on_the_next_day_start(self, minutes: int) -> None:
        """``to_tomorrow`` skips exactly to 00:00 of the next game day."""
        at = T0 + minutes * MS_PER_MINUTE  # 60x: each real minute is a game hour
        outcome = step(player(), skip("to_tomorrow", at), CATALOG)
        assert isinstance(outcome.reply, TimeSkipped)
        assert MS_PER_DAY - minutes * MS_PER_HOUR == outcome.reply.game_ms_skipped
        assert MS_PER_DAY == game_ms(outcome.state)
        assert 1 == outcome.state.clock.day

    def test_energy_is_untouched(self) -> None:
        """Skips move game time only; energy follows wall time."""
        state = player()
        outcome = step(state, skip("one_week"), CATALOG)
        rules = CATALOG.energy
        assert current_energy(state.energy, T0, rules) == current_energy(
            outcome.state.energy, T0, rules
        )

    def test_advance_after_a_skip_keeps_the_skip(self) -> None:
        """Wall time passing after a skip adds to the skipped game time."""
        state = step(player(), skip("one_week"), CATALOG).state
        later = advance(state, T0 + 30 * MS_PER_MINUTE, CATALOG)
        assert 7 * 24 * MS_PER_HOUR + 30 * MS_PER_HOUR == game_ms(later)
        assert 8 == later.clock.day
        assert 30 * MS_PER_HOUR == game_ms(
            advance(player(), T0 + 30 * MS_PER_MINUTE, CATALOG)
        )


class TestRejections:
    """Refused skips change nothing."""

    def test_unknown_skip_type(self) -> None:
        """An unknown id is ``not_found``."""
        state = player()
        outcome = step(state, skip("forever"), CATALOG)
        assert Rejection("not_found", "unknown skip_type 'forever'") == outcome.reply
        assert state == outcome.state

    @pytest.mark.parametrize(
        ("skip_type", "price"), [("one_hour", 5), ("one_week", 100)]
    )
    def test_insufficient_diamonds(self, skip_type: str, price: int) -> None:
        """One diamond short of the price is ``insufficient_diamonds``."""
        state = player(diamonds=price - 1)
        outcome = step(state, skip(skip_type), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert "insufficient_diamonds" == outcome.reply.code
        assert state == outcome.state
        assert () == outcome.events

    def test_exact_balance_is_enough(self) -> None:
        """Paying the whole balance leaves zero, never below."""
        outcome = step(player(diamonds=100), skip("one_week"), CATALOG)
        assert 0 == outcome.state.wallet.diamonds


class TestDeterminism:
    """Skips keep game time a pure function of wall time plus purchases."""

    @given(
        skips=st.lists(
            st.sampled_from(["one_hour", "finish_activity", "to_tomorrow", "one_week"]),
            max_size=8,
        ),
        gaps=st.lists(st.integers(min_value=0, max_value=MS_PER_DAY), min_size=8),
        t1=st.integers(min_value=0, max_value=3 * MS_PER_DAY),
        t2=st.integers(min_value=0, max_value=3 * MS_PER_DAY),
    )
    def test_split_invariance_after_skips(
        self, skips: list[str], gaps: list[int], t1: int, t2: int
    ) -> None:
        """``advance`` stays split invariant on a clock with skips."""
        state = player()
        at = T0
        for n, (skip_type, gap) in enumerate(zip(skips, gaps, strict=False)):
            at += gap
            state = step(state, skip(skip_type, at, key=f"k{n}"), CATALOG).state
        early, late = sorted((at + t1, at + t2))
        assert advance(state, late, CATALOG) == advance(
            advance(state, early, CATALOG), late, CATALOG
        )
        assert (
            advance(state, late, CATALOG).clock.day
            == game_ms(advance(state, late, CATALOG)) // MS_PER_DAY
        )

    def test_replay_and_idempotency_through_the_service(self) -> None:
        """A repeated key debits once; the journal replays to the live state."""
        store = InMemoryStore()
        service = GameService(store, CATALOG)
        pid = service.login_device("d", new_player_id="p", seed=SEED, at=T0)
        first = service.execute(pid, skip("to_tomorrow", T0 + 5, key="a"))
        again = service.execute(pid, skip("to_tomorrow", T0 + 9, key="a"))
        service.execute(
            pid,
            PurchaseEnergyRefill(
                at=T0 + 10, refill_type="overcharge", idempotency_key="b"
            ),
        )
        assert first.reply == again.reply
        assert again.duplicate
        state = service.load(pid).state
        assert 1000 - 25 - 50 == state.wallet.diamonds
        assert state == replay(store.journal(pid), CATALOG)


class TestFinishActivity:
    """``finish_activity`` skips to the end of the activity being done."""

    def test_skips_exactly_to_the_activity_end(self) -> None:
        """After resting (2 game hours), the skip buys the rest of that time."""
        state = step(player(), CreateCharacter(at=T0), CATALOG).state
        state = step(state, DoActivity(at=T0 + 1, activity="rest"), CATALOG).state
        assert state.character is not None
        outcome = step(state, skip("finish_activity", T0 + 2), CATALOG)
        assert isinstance(outcome.reply, TimeSkipped)
        assert state.character.busy_until == outcome.reply.game_time_ms
        assert 990 - 0 == outcome.reply.diamonds
        again = step(outcome.state, DoActivity(at=T0 + 3, activity="rest"), CATALOG)
        assert not again.rejected

    @pytest.mark.parametrize("with_character", [False, True])
    def test_nothing_to_finish_is_invalid_state(self, with_character: bool) -> None:
        """Without a living, busy character there is nothing to finish."""
        state = player()
        if with_character:
            state = step(state, CreateCharacter(at=T0), CATALOG).state
        outcome = step(state, skip("finish_activity"), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert "invalid_state" == outcome.reply.code
        assert state == outcome.state
