"""Property tests of DESIGN.md's determinism rules and economy invariants.

The state machines are the toolkit's ``GameMachine`` (``baolife_core.testing.
machine``): random commands through the application service over the in-memory
store (the engine, the service's idempotency and the store contract together);
its invariants are conservation laws, and one of them replays the journal and
compares with the live state.
"""

from __future__ import annotations

from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant

from baolife_core import (
    CreateCharacter,
    DiamondsCredited,
    DiamondsSpent,
    PurchaseEnergyRefill,
    Rejection,
    advance,
    replay,
    replay_outcomes,
    state_hash,
    step,
)
from baolife_core.testing.machine import PLAYER, GameMachine
from content_packs import MANY_PURCHASES
from strategies import CATALOG, instants, journals, keys, seeds


class EconomyMachine(GameMachine):
    """The toolkit's invariant machine (``baolife_core.testing.machine``) on the
    bundled content: purchases, lives, dating and the passing of time."""

    catalog = CATALOG


TestEconomyMachine = EconomyMachine.TestCase


class DatingMachine(EconomyMachine):
    """The same rules and invariants, from a character of 20: old enough to date,
    so that random play reaches matches, dates, weddings and divorces often."""

    @initialize(seed=seeds, at=instants)
    def create(self, seed: int, at: int) -> None:
        super().create(seed, at)
        self.play(CreateCharacter(at=self.now))
        self.now += 20 * CATALOG.life.days_per_year * 24 * 60_000


TestDatingMachine = DatingMachine.TestCase
# Each run lives 20 game years first (every day's storylets), so a third of the
# profile's examples keeps it within the time of the other machines.
TestDatingMachine.settings = settings(
    settings.default, max_examples=max(1, settings.default.max_examples // 3)
)


class ManyPurchasesMachine(EconomyMachine):
    """The same machine on content where purchases keep succeeding until broke."""

    catalog = MANY_PURCHASES
    #: One token of the tightest purchase limit (5 time skips a minute), so the rate
    #: limits never stop the purchases before the diamonds run out.
    purchase_gap_ms = 60_000 // 5

    @invariant()
    def the_wallet_pays_for_every_purchase(self) -> None:
        """The starting grant and the rewards (achievements, daily and quest rewards,
        the tutorial) pay for every purchase: nothing else credits diamonds here."""
        events = self.store.events[PLAYER]
        credits = [e for e in events if isinstance(e, DiamondsCredited)]
        rewards = {"achievement", "daily_reward", "quest", "tutorial"}
        assert {"starting_grant", *rewards} >= {e.reason for e in credits}
        earned = sum(e.amount for e in credits if e.reason in rewards)
        spent = sum(e.amount for e in events if isinstance(e, DiamondsSpent))
        assert (
            self.catalog.starting_diamonds + earned - spent
            == self.state.wallet.diamonds
        )


TestManyPurchasesMachine = ManyPurchasesMachine.TestCase


class TestReplay:
    """Replay is deterministic and agrees with step-by-step play."""

    @given(journal=journals())
    def test_replay_twice_gives_the_same_hash(self, journal: list) -> None:
        """Two replays of one journal end in the same state hash."""
        assert state_hash(replay(journal, CATALOG)) == state_hash(
            replay(journal, CATALOG)
        )

    @given(journal=journals())
    def test_replay_equals_folding_step(self, journal: list) -> None:
        """Replay is exactly a fold of ``step`` over the journal after the genesis."""
        outcomes = list(replay_outcomes(journal, CATALOG))
        state = outcomes[0].state
        for command, outcome in zip(journal[1:], outcomes[1:], strict=True):
            assert step(state, command, CATALOG) == outcome
            state = outcome.state
        assert state == replay(journal, CATALOG)

    @given(journal=journals(), data=st.data())
    def test_split_invariance_of_advance(
        self, journal: list, data: st.DataObject
    ) -> None:
        """advance(advance(s, t1), t2) == advance(s, t2) for t1 <= t2."""
        state = replay(journal, CATALOG)
        start = state.clock.now_at
        t2 = data.draw(st.integers(min_value=start, max_value=start + 400 * 86_400_000))
        t1 = data.draw(st.integers(min_value=start - 1000, max_value=t2))
        assert advance(state, t2, CATALOG) == advance(
            advance(state, t1, CATALOG), t2, CATALOG
        )

    @given(journal=journals(), key=keys)
    def test_rejected_commands_change_nothing(self, journal: list, key: str) -> None:
        """Every rejection returns the state it was given, unchanged."""
        state = replay(journal, CATALOG)
        poor = evolve(state, wallet=evolve(state.wallet, diamonds=0, earned=0, spent=0))
        for tier in CATALOG.refills:
            command = PurchaseEnergyRefill(
                at=state.clock.now_at + 1, refill_type=tier.id, idempotency_key=key
            )
            outcome = step(poor, command, CATALOG)
            assert isinstance(outcome.reply, Rejection)
            assert poor == outcome.state
            assert () == outcome.events
