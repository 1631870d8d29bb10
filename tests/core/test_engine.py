"""Tests of ``baolife_core.engine``: ``start``, ``step``, ``advance`` and replay."""

from __future__ import annotations

import uuid

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core.catalog import load_catalog
from baolife_core.clock import MS_PER_MINUTE
from baolife_core.commands import Command, NewPlayer, PurchaseEnergyRefill
from baolife_core.engine import (
    advance,
    new_player,
    replay,
    replay_outcomes,
    start,
    step,
)
from baolife_core.errors import BaolifeError, JournalError
from baolife_core.events import (
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    PlayerCreated,
    StatisticsChanged,
)
from baolife_core.ids import mint_id
from baolife_core.outcome import Outcome
from baolife_core.replies import EnergyUpdated, Rejection
from baolife_core.state import (
    Energy,
    LifeClock,
    PlayerState,
    Retention,
    Statistics,
    Tutorial,
    Wallet,
)
from events import own_events

CATALOG = load_catalog()
AT = 1_700_000_000_000
TICK = CATALOG.energy.regen_interval_ms
#: With time scale 60, one game day passes every 24 real minutes.
GAME_DAY = 24 * MS_PER_MINUTE

seeds = st.integers(min_value=0, max_value=2**63 - 1)
starts = st.integers(min_value=0, max_value=2_208_988_800_000)
offsets = st.integers(min_value=0, max_value=400 * GAME_DAY)
tiers = st.sampled_from(["small", "half", "full", "overcharge", "mega"])
energies = st.integers(min_value=0, max_value=CATALOG.energy.overfill_cap)


def buy(refill_type: str, at: int, key: str = "k-1") -> PurchaseEnergyRefill:
    """A refill purchase command."""
    return PurchaseEnergyRefill(at=at, refill_type=refill_type, idempotency_key=key)


def drained(state: PlayerState, energy: int = 0) -> PlayerState:
    """``state`` with its energy set to ``energy`` at the creation instant."""
    return evolve(state, energy=Energy(energy, state.clock.started_at))


def live(journal: list[NewPlayer | Command]) -> list[Outcome]:
    """Play a journal command by command, as the server does."""
    genesis = journal[0]
    assert isinstance(genesis, NewPlayer)
    outcomes = [start(genesis, CATALOG)]
    for command in journal[1:]:
        assert not isinstance(command, NewPlayer)
        outcomes.append(step(outcomes[-1].state, command, CATALOG))
    return outcomes


@st.composite
def journals(draw: st.DrawFn) -> list[NewPlayer | Command]:
    """A genesis then purchases at non-decreasing (sometimes earlier) instants."""
    at = draw(starts)
    journal: list[NewPlayer | Command] = [NewPlayer(at=at, seed=draw(seeds))]
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        at = max(0, at + draw(st.integers(min_value=-TICK, max_value=3 * GAME_DAY)))
        journal.append(buy(draw(tiers), at, f"k-{index}"))
    return journal


class TestStart:
    """A player starts with a clock, full energy and a ledgered grant."""

    def test_genesis_outcome(self) -> None:
        """Genesis emits PlayerCreated then the starting-grant credit, no reply; the
        grant counts as diamonds earned (the engine observes the genesis events)."""
        outcome = start(NewPlayer(at=AT, seed=42), CATALOG)
        expected = Outcome(
            state=PlayerState(
                seed=42,
                seq=0,
                clock=LifeClock(started_at=AT, now_at=AT, skipped_ms=0, day=0),
                wallet=Wallet(diamonds=1000, earned=1000, spent=0, entries=1),
                energy=Energy(amount=100, anchor_at=AT),
                character=None,
                album=(),
                retention=Retention(
                    statistics=Statistics(diamonds_earned=1000),
                    tutorial=Tutorial(flow="classic"),
                ),
            ),
            events=(
                PlayerCreated(at=AT, seed=42),
                DiamondsCredited(
                    at=AT,
                    amount=1000,
                    reason="starting_grant",
                    reference="new_player",
                    balance_after=1000,
                    transaction_id=mint_id(42, 0, "starting_grant"),
                ),
                StatisticsChanged(at=AT, values=(("diamonds_earned", 1000),)),
            ),
            reply=None,
        )
        assert expected == outcome
        assert not outcome.rejected

    def test_new_player_is_the_genesis_state(self) -> None:
        """``new_player`` returns the state of ``start``."""
        expected = start(NewPlayer(at=AT, seed=5), CATALOG).state
        assert expected == new_player(seed=5, at=AT, catalog=CATALOG)

    def test_no_grant_without_starting_diamonds(self) -> None:
        """A catalog with no starting grant ledgers nothing."""
        catalog = evolve(CATALOG, starting_diamonds=0)
        outcome = start(NewPlayer(at=AT, seed=1), catalog)
        assert (PlayerCreated(at=AT, seed=1),) == outcome.events
        assert Wallet(diamonds=0, earned=0, spent=0, entries=0) == outcome.state.wallet

    @pytest.mark.parametrize(
        ("seed", "at"), [(-1, 0), (2**63, 0), (1, -1), (True, 0), (1, 1.5)]
    )
    def test_rejects_invalid_genesis(self, seed: object, at: object) -> None:
        """Seeds are 63-bit non-negative integers and instants integers in range."""
        with pytest.raises(ValueError, match="must be an integer"):
            new_player(seed=seed, at=at, catalog=CATALOG)  # type: ignore[arg-type]


class TestStep:
    """``step`` advances to the command's instant, then runs its handler."""

    def test_success_increments_seq_once(self) -> None:
        """An accepted command moves seq from 0 to 1."""
        state = drained(new_player(seed=1, at=AT, catalog=CATALOG), 40)
        outcome = step(state, buy("full", AT), CATALOG)
        assert isinstance(outcome.reply, EnergyUpdated)
        assert outcome.state.seq == 1

    def test_seq_counts_accepted_commands_only(self) -> None:
        """Rejections in between do not move seq."""
        state = drained(new_player(seed=1, at=AT, catalog=CATALOG))
        codes = []
        for refill_type in ["small", "mega", "small", "small", "full", "full", "half"]:
            outcome = step(state, buy(refill_type, AT), CATALOG)
            codes.append(
                outcome.reply.code if isinstance(outcome.reply, Rejection) else "ok"
            )
            state = outcome.state
        expected = ["ok", "not_found", "ok", "ok", "ok", "energy_full", "energy_full"]
        assert expected == codes
        assert state.seq == 4

    @pytest.mark.parametrize("later", [0, 1, TICK, 10 * GAME_DAY])
    def test_rejection_returns_the_original_state(self, later: int) -> None:
        """A refused command changes nothing, not even the clock."""
        state = new_player(seed=1, at=AT, catalog=CATALOG)
        outcome = step(state, buy("full", AT + later), CATALOG)
        assert isinstance(outcome.reply, Rejection)
        assert state == outcome.state
        assert outcome.events == ()

    def test_success_moves_the_clock(self) -> None:
        """An accepted command leaves the clock at its instant and game day."""
        state = drained(new_player(seed=1, at=AT, catalog=CATALOG))
        at = AT + 3 * GAME_DAY + 5
        clock = step(state, buy("small", at), CATALOG).state.clock
        assert LifeClock(started_at=AT, now_at=at, skipped_ms=0, day=3) == clock

    def test_earlier_command_is_applied_at_the_clock(self) -> None:
        """A command stamped before the clock happens at the clock's instant."""
        clock_at = AT + 10 * TICK
        state = advance(
            drained(new_player(seed=1, at=AT, catalog=CATALOG), 40), clock_at, CATALOG
        )
        outcome = step(state, buy("small", AT), CATALOG)
        spent, refilled = own_events(outcome.events)
        assert {clock_at} == {event.at for event in outcome.events}
        assert isinstance(spent, DiamondsSpent)
        assert isinstance(refilled, EnergyRefilled)
        assert (clock_at, clock_at) == (spent.at, refilled.at)
        assert (refilled.energy_before, refilled.energy_after) == (50, 75)
        assert clock_at == outcome.state.clock.now_at

    def test_is_deterministic(self) -> None:
        """The same state and command give the same outcome."""
        state = drained(new_player(seed=3, at=AT, catalog=CATALOG))
        assert step(state, buy("half", AT + 1), CATALOG) == step(
            state, buy("half", AT + 1), CATALOG
        )

    @given(
        seed=seeds,
        energy=energies,
        tier=tiers,
        t1=offsets,
        t2=offsets,
    )
    def test_a_tick_before_a_command_changes_nothing(
        self, seed: int, energy: int, tier: str, t1: int, t2: int
    ) -> None:
        """Unjournaled ticks (``advance``) do not change a later command's result."""
        t1, t2 = sorted((t1, t2))
        state = drained(new_player(seed=seed, at=AT, catalog=CATALOG), energy)
        direct = step(state, buy(tier, AT + t2), CATALOG)
        ticked = step(advance(state, AT + t1, CATALOG), buy(tier, AT + t2), CATALOG)
        assert (direct.reply, direct.events) == (ticked.reply, ticked.events)
        if not direct.rejected:
            assert direct.state == ticked.state


class TestAdvance:
    """``advance`` moves the life clock; game time is a function of wall time."""

    @pytest.mark.parametrize("earlier", [0, 1, GAME_DAY])
    def test_no_op_for_instants_not_later(self, earlier: int) -> None:
        """Advancing to the clock's instant or before returns the same state."""
        state = advance(
            new_player(seed=1, at=AT, catalog=CATALOG), AT + GAME_DAY, CATALOG
        )
        assert state == advance(state, AT + GAME_DAY - earlier, CATALOG)

    @pytest.mark.parametrize(
        ("elapsed", "day"),
        [
            (0, 0),
            (1, 0),
            (GAME_DAY - 1, 0),
            (GAME_DAY, 1),
            (2 * GAME_DAY - 1, 1),
            (2 * GAME_DAY, 2),
            (24 * 60 * MS_PER_MINUTE, 60),
            (365 * GAME_DAY, 365),
        ],
    )
    def test_game_day_from_time_scale(self, elapsed: int, day: int) -> None:
        """At time scale 60 one game day passes per 24 real minutes."""
        state = new_player(seed=1, at=AT, catalog=CATALOG)
        clock = advance(state, AT + elapsed, CATALOG).clock
        assert (
            LifeClock(started_at=AT, now_at=AT + elapsed, skipped_ms=0, day=day)
            == clock
        )

    def test_time_scale_comes_from_the_catalog(self) -> None:
        """A faster clock in content gives more game days for the same wall time."""
        catalog = evolve(CATALOG, clock=evolve(CATALOG.clock, time_scale=120))
        state = new_player(seed=1, at=AT, catalog=catalog)
        assert advance(state, AT + GAME_DAY, catalog).clock.day == 2

    def test_changes_only_the_clock(self) -> None:
        """Advancing touches neither seq, wallet nor stored energy."""
        state = drained(new_player(seed=1, at=AT, catalog=CATALOG), 10)
        after = advance(state, AT + 50 * GAME_DAY, CATALOG)
        assert evolve(state, clock=after.clock) == after

    @given(seed=seeds, start_at=starts, t1=offsets, t2=offsets)
    def test_split_invariance(self, seed: int, start_at: int, t1: int, t2: int) -> None:
        """``advance(advance(s, t1), t2) == advance(s, t2)`` for ``t1 <= t2``."""
        t1, t2 = sorted((t1, t2))
        state = new_player(seed=seed, at=start_at, catalog=CATALOG)
        expected = advance(state, start_at + t2, CATALOG)
        stepped = advance(
            advance(state, start_at + t1, CATALOG), start_at + t2, CATALOG
        )
        assert expected == stepped

    @given(
        seed=seeds,
        start_at=starts,
        cuts=st.lists(offsets, min_size=1, max_size=8),
    )
    def test_many_splits(self, seed: int, start_at: int, cuts: list[int]) -> None:
        """Advancing through any number of intermediate instants changes nothing."""
        state = new_player(seed=seed, at=start_at, catalog=CATALOG)
        stepped = state
        for cut in sorted(cuts):
            stepped = advance(stepped, start_at + cut, CATALOG)
        assert advance(state, start_at + max(cuts), CATALOG) == stepped


class TestReplay:
    """Replaying a journal gives the live state (determinism rule 5)."""

    def test_replay_equals_live(self) -> None:
        """A journal with purchases and rejections replays to the live state."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=AT, seed=42),
            buy("small", AT + 1, "a"),
            buy("overcharge", AT + TICK, "b"),
            buy("mega", AT + 2 * TICK, "c"),
            buy("full", AT + GAME_DAY, "d"),
            buy("small", AT, "e"),
        ]
        assert live(journal)[-1].state == replay(journal, CATALOG)

    @given(journal=journals())
    def test_replay_equals_live_for_any_journal(
        self, journal: list[NewPlayer | Command]
    ) -> None:
        """Every journal replays to the state that live play reached."""
        assert live(journal)[-1].state == replay(journal, CATALOG)

    @given(journal=journals())
    def test_replay_outcomes_are_the_live_outcomes(
        self, journal: list[NewPlayer | Command]
    ) -> None:
        """Each record's outcome during replay is its live outcome."""
        assert live(journal) == list(replay_outcomes(journal, CATALOG))

    def test_one_outcome_per_record(self) -> None:
        """``replay_outcomes`` yields the genesis and then one outcome per command."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=AT, seed=42),
            buy("overcharge", AT, "a"),
            buy("small", AT, "b"),
            buy("mega", AT, "c"),
        ]
        outcomes = list(replay_outcomes(journal, CATALOG))
        assert len(outcomes) == 4
        assert outcomes[0].reply is None
        replies = [type(outcome.reply) for outcome in outcomes[1:]]
        assert [EnergyUpdated, Rejection, Rejection] == replies

    def test_replay_accepts_any_iterable(self) -> None:
        """A journal may be streamed from a generator."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=AT, seed=42),
            buy("overcharge", AT),
        ]
        assert replay(journal, CATALOG) == replay(iter(journal), CATALOG)

    def test_genesis_only(self) -> None:
        """A journal of just the genesis replays to a new player."""
        expected = new_player(seed=42, at=AT, catalog=CATALOG)
        assert expected == replay([NewPlayer(at=AT, seed=42)], CATALOG)

    def test_rejects_empty_journal(self) -> None:
        """An empty journal has no genesis."""
        with pytest.raises(JournalError, match="must start with a new_player"):
            replay([], CATALOG)

    def test_rejects_journal_not_starting_with_new_player(self) -> None:
        """A journal whose first record is a command is refused."""
        with pytest.raises(JournalError, match="must start with a new_player"):
            replay([buy("small", AT)], CATALOG)

    def test_rejects_second_new_player(self) -> None:
        """A genesis record in the middle of a journal is refused, naming its index."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=AT, seed=1),
            buy("overcharge", AT),
            NewPlayer(at=AT, seed=2),
        ]
        with pytest.raises(JournalError, match="record 2: new_player may only start"):
            replay(journal, CATALOG)

    def test_journal_error_is_a_baolife_error(self) -> None:
        """Journal errors share the project's base class."""
        assert issubclass(JournalError, BaolifeError)


class TestMintedIds:
    """Transaction ids are uuid5 values derived from seed and seq (rule 3)."""

    def purchases(self, seed: int) -> list[str]:
        """The transaction ids of three successive purchases of one player."""
        state = drained(new_player(seed=seed, at=AT, catalog=CATALOG))
        ids = []
        for index in range(3):
            outcome = step(state, buy("small", AT + index, f"k{index}"), CATALOG)
            assert isinstance(outcome.reply, EnergyUpdated)
            ids.append(outcome.reply.transaction_id)
            state = outcome.state
        return ids

    def test_uuid5(self) -> None:
        """Every minted id is a version-5 UUID in canonical text form."""
        for text in self.purchases(42):
            assert uuid.UUID(text).version == 5
            assert str(uuid.UUID(text)) == text

    def test_deterministic(self) -> None:
        """The same player and commands mint the same ids."""
        assert self.purchases(42) == self.purchases(42)

    def test_differ_per_seq(self) -> None:
        """Each accepted command mints a new id."""
        assert len(set(self.purchases(42))) == 3

    def test_differ_per_player(self) -> None:
        """Two seeds never share ids."""
        assert not set(self.purchases(42)) & set(self.purchases(43))

    def test_derived_from_seed_and_seq(self) -> None:
        """The n-th accepted command's id is minted from ``(seed, n)``."""
        expected = [mint_id(42, seq, "purchase") for seq in (1, 2, 3)]
        assert expected == self.purchases(42)

    def test_grant_and_first_purchase_differ(self) -> None:
        """The starting grant and the first purchase have distinct ids."""
        assert mint_id(42, 0, "starting_grant") not in self.purchases(42)

    def test_replay_mints_the_same_ids(self) -> None:
        """Ids in a replayed journal equal the live ones."""
        journal: list[NewPlayer | Command] = [
            NewPlayer(at=AT, seed=8),
            buy("overcharge", AT + 5),
        ]
        live_events = [o.events for o in live(journal)]
        replayed = [o.events for o in replay_outcomes(journal, CATALOG)]
        assert live_events == replayed
