"""``GameLaws``: the engine's invariants, as the base of a Hypothesis state machine.

Rules of this module (DESIGN.md "Determinism rules"; docs/testing.md "The
invariant machine"):

- A law is an ``@invariant`` checked after every step of a machine that plays
  commands for ``PLAYER`` through ``service`` over ``store`` and moves ``now``
  (``machine.GameMachine`` plays the rules; a game team may write its own
  player on this base). The laws read only the stored state and events, so they
  judge what was persisted, not what a rule believes it did.
- The laws are conservation laws: the diamonds equal the sum of the ledger
  (``DiamondsCredited`` and ``DiamondsSpent``) and are never negative; no reward
  pays twice; every accepted purchase (counted in ``purchases`` by the player)
  has exactly one debit; stats, closeness, grades, performance and affections
  stay within ``STAT_BOUNDS``; energy within 0..``overfill_cap``; the snapshot
  round-trips. ``teardown`` replays the journal to the live state, once per run
  (a replay re-lives every game day).
- Each failed law raises ``AssertionError`` (``check``) with a message that starts
  with the law's name, so a report (``testing.content``) can say which one broke.

Import it explicitly: it needs Hypothesis (the ``testing`` extra).
"""

from __future__ import annotations

from typing import ClassVar

from hypothesis.stateful import RuleBasedStateMachine, invariant

from ..catalog import Catalog
from ..dating.stages import COMMITTED, STAGES
from ..economy.energy import current_energy
from ..engine import replay
from ..events import (
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    Event,
    GameTimeSkipped,
)
from ..life.contacts import MAX_CONTACTS
from ..life.rules import STAT_NAMES
from ..memory_store import InMemoryStore
from ..service import GameService
from ..state import PlayerState
from ..wire import state_from_wire, state_to_wire

__all__ = ["PLAYER", "STAT_BOUNDS", "GameLaws", "check"]

#: The id of the machine's player.
PLAYER = "player-under-test"
#: The range of every stat, closeness, grade, performance and affection.
STAT_BOUNDS = (0, 100)


def check(condition: bool, message: str) -> None:
    """Fail the run with ``message`` (an ``AssertionError``, as Hypothesis expects;
    a function rather than ``assert`` so the laws hold under ``python -O`` too)."""
    if not condition:
        raise AssertionError(message)


class GameLaws(RuleBasedStateMachine):
    """The laws, checked after every step of the machine built on it."""

    #: The content played; the machine (or its subclass) sets it.
    catalog: ClassVar[Catalog]

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.service = GameService(self.store, self.catalog)
        #: The wall clock, in ms; the player's rules move it forward.
        self.now = 0
        #: Purchases accepted (each must have exactly one debit).
        self.purchases = 0

    @property
    def state(self) -> PlayerState:
        """The stored state of the machine's player."""
        return self.service.load(PLAYER).state

    @property
    def events(self) -> list[Event]:
        """Every event the store kept for the player, in order."""
        return list(self.store.events.get(PLAYER, ()))

    @invariant()
    def diamonds_never_negative(self) -> None:
        """The wallet never holds fewer than 0 diamonds."""
        diamonds = self.state.wallet.diamonds
        check(diamonds >= 0, f"diamonds_never_negative: {diamonds}")

    @invariant()
    def diamonds_equal_the_ledger(self) -> None:
        """The balance is the sum of the ledger's entries, and its own totals."""
        ledger = [
            e for e in self.events if isinstance(e, DiamondsCredited | DiamondsSpent)
        ]
        wallet = self.state.wallet
        total = sum(e.delta for e in ledger)
        check(
            total == wallet.diamonds,
            f"diamonds_equal_the_ledger: the wallet holds {wallet.diamonds}, "
            f"the ledger sums to {total}",
        )
        check(
            wallet.earned - wallet.spent == wallet.diamonds,
            "diamonds_equal_the_ledger: earned - spent is not the balance",
        )
        check(
            len(ledger) == wallet.entries,
            f"diamonds_equal_the_ledger: {len(ledger)} entries, "
            f"the wallet counts {wallet.entries}",
        )
        if ledger:
            check(
                ledger[-1].balance_after == wallet.diamonds,
                "diamonds_equal_the_ledger: the last balance_after is not the wallet's",
            )

    @invariant()
    def no_reward_pays_twice(self) -> None:
        """Every credit has its own transaction id."""
        credits = [
            e.transaction_id for e in self.events if isinstance(e, DiamondsCredited)
        ]
        check(
            len(set(credits)) == len(credits),
            "no_reward_pays_twice: a transaction id was credited twice",
        )

    @invariant()
    def every_debit_has_exactly_one_ledger_entry(self) -> None:
        """Each purchase accepted has one debit, with its transaction id."""
        events = self.events
        debits = [e.transaction_id for e in events if isinstance(e, DiamondsSpent)]
        purchases = [
            e.transaction_id
            for e in events
            if isinstance(e, EnergyRefilled | GameTimeSkipped)
        ]
        check(
            sorted(purchases) == sorted(debits),
            "every_debit_has_exactly_one_ledger_entry: debits and purchases differ",
        )
        check(
            len(set(debits)) == len(debits) == self.purchases,
            f"every_debit_has_exactly_one_ledger_entry: {len(debits)} debits for "
            f"{self.purchases} purchases",
        )

    @invariant()
    def energy_within_bounds(self) -> None:
        """Energy stays within 0..the overfill cap."""
        rules = self.catalog.energy
        energy = current_energy(self.state.energy, self.now, rules)
        check(0 <= energy <= rules.overfill_cap, f"energy_within_bounds: {energy}")

    @invariant()
    def stats_within_bounds(self) -> None:
        """Stats, closeness, grades and performance stay within ``STAT_BOUNDS``."""
        character = self.state.character
        if character is None:
            return
        low, high = STAT_BOUNDS
        check(character.money_cents >= 0, "stats_within_bounds: negative money")
        for name in STAT_NAMES:
            value = getattr(character.stats, name)
            check(low <= value <= high, f"stats_within_bounds: {name} is {value}")
        closeness = [p.closeness for p in character.family]
        closeness += [p.closeness for p in character.contacts]
        check(
            all(low <= value <= high for value in closeness),
            "stats_within_bounds: closeness out of bounds",
        )
        check(len(character.contacts) <= MAX_CONTACTS, "stats_within_bounds: contacts")
        ids = [p.id for p in character.family] + [p.id for p in character.contacts]
        check(len(set(ids)) == len(ids), "stats_within_bounds: a person twice")
        career = character.career
        if career.schooling is not None:
            grades = career.schooling.grades
            check(low <= grades <= high, f"stats_within_bounds: grades {grades}")
        if career.job is not None:
            performance = career.job.performance
            check(
                low <= performance <= high,
                f"stats_within_bounds: performance {performance}",
            )
            check(not career.retired, "stats_within_bounds: a retiree with a job")

    @invariant()
    def relationships_within_bounds(self) -> None:
        """Affections stay within bounds, stages are the table's, at most one
        relationship is committed, and no NPC is in two."""
        character = self.state.character
        if character is None:
            return
        low, high = STAT_BOUNDS
        romances = character.dating.romances
        check(
            all(
                low <= value <= high
                for r in romances
                for value in (r.affection, r.npc_affection, r.compatibility)
            ),
            "relationships_within_bounds: affection out of bounds",
        )
        check(
            all(r.stage in STAGES for r in romances),
            "relationships_within_bounds: unknown stage",
        )
        check(
            sum(r.stage in COMMITTED for r in romances) <= 1,
            "relationships_within_bounds: two committed relationships",
        )
        check(
            len({r.npc.id for r in romances}) == len(romances),
            "relationships_within_bounds: an NPC twice",
        )
        check(
            len(romances) <= self.catalog.dating.max_romances,
            "relationships_within_bounds: too many relationships",
        )

    @invariant()
    def snapshot_round_trips(self) -> None:
        """The state survives its storage snapshot format."""
        state = self.state
        check(
            state == state_from_wire(state_to_wire(state)),
            "snapshot_round_trips: the snapshot changed the state",
        )

    def teardown(self) -> None:
        """Replay of the journal equals the live state (checked once per run: a
        replay re-lives every game day, so checking it after every step would make
        the machine quadratic in game time)."""
        if PLAYER in self.store.journals:
            replayed = replay(self.store.journal(PLAYER), self.catalog)
            check(
                self.state == replayed,
                "replay_equals_live_state: the journal replays to another state",
            )
