"""Content under test: bot lives, the invariant machine and a minting probe.

Rules of this module (docs/testing.md "Testing your content"):

- ``check_content(directory)`` loads the directory (a malformed one raises the
  loader's ``ContentError``, as ``load_catalog`` does) and reports three things:

  1. **Unreachable content**: ``content_check.check_content`` — the static pass,
     then seeded reference-bot lives (``Finding`` values: a storylet that never
     happened, a date never dated, a stage never reached) — plus the commands the
     bots judged valid and the engine refused (bot or engine bugs).
  2. **Invariant violations**: ``GameMachine`` (``testing.machine``) run on the
     catalog for ``examples`` derandomized examples; a broken law is reported
     with its name, message and the failing steps Hypothesis shrank it to (an
     engine crash is reported as the invariant ``crash``). The bot lives' own
     ledgers are checked too: every life's wallet equals the sum of its ledger.
  3. **Economy exploits**, precisely *minting loops*: a command that, played again
     at the same instant with a fresh idempotency key, is accepted and credits
     diamonds again, so that the wallet ends above where the first play left it.
     Only credits that can recur count — every reason but ``achievement`` and
     ``starting_grant``, which pay once per player by construction. Probed from
     ``PROBE_POINTS`` states along each of up to ``PROBE_LIVES`` bot lives (and the
     new player): every claim, tutorial step, owned item, activity, refill and
     time skip, played ``PROBE_REPEATS`` times through ``step`` (rate limits are
     the server's, not the engine's, so they are not part of the probe).

- Deterministic: the same content, budget and seed give the same report.
- Hypothesis is imported when the machine runs, not on import, so the bot's
  ``baolife_core.testing`` stays importable without the ``testing`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from attrs import asdict, evolve, frozen

from ..catalog import Catalog, load_catalog
from ..commands import (
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    DoActivity,
    NewPlayer,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    SkipTutorial,
    TutorialStep,
    UseItem,
)
from ..engine import replay_outcomes, step
from ..events import DiamondsCredited, DiamondsSpent, Event
from ..rng import derive_seed
from ..state import PlayerState
from ..wire import wire_name
from .bot import play_life
from .pace import CASUAL_PACE, DEFAULT_PACE, IDLE_PACE

__all__ = [
    "DEFAULT_EXAMPLES",
    "ONE_OFF_REASONS",
    "PROBE_LIVES",
    "PROBE_POINTS",
    "PROBE_REPEATS",
    "PROBE_SEED",
    "Exploit",
    "ToolkitReport",
    "Violation",
    "check_content",
    "economy_probe",
    "machine_violations",
    "minting_loops",
    "probe_commands",
]

#: Credit reasons that pay once per player by construction (not a loop).
ONE_OFF_REASONS = frozenset({"achievement", "starting_grant"})
#: Bot lives the minting probe samples states from.
PROBE_LIVES = 3
#: States probed along each life (evenly spaced over its journal).
PROBE_POINTS = 8
#: Times each probed command is played in a row.
PROBE_REPEATS = 3
#: The seed the report derives its probe lives from (as ``content check``'s).
PROBE_SEED = 2026
#: Examples the invariant machine plays by default.
DEFAULT_EXAMPLES = 30


@frozen
class Violation:
    """A broken invariant: which, its message and the example that broke it."""

    invariant: str  # e.g. ``diamonds_equal_the_ledger``, or ``crash``
    message: str  # the assertion's message
    example: tuple[str, ...]  # the failing steps (Hypothesis' notes), or a journal

    def __str__(self) -> str:
        return f"{self.invariant}: {self.message}"


@frozen
class Exploit:
    """A minting loop: a command whose repeats keep crediting diamonds."""

    command: str  # the command in wire-ish text, e.g. ``claim_daily_reward``
    reasons: tuple[str, ...]  # the ledger reasons the repeats credited, sorted
    minted: int  # diamonds the repeats added beyond the first play
    repeats: int  # times the command was played in a row
    at: int  # the instant the probed state was at

    def __str__(self) -> str:
        return (
            f"{self.command} mints {self.minted} diamonds in {self.repeats - 1} "
            f"repeats at one instant ({', '.join(self.reasons)})"
        )


@frozen
class ToolkitReport:
    """What ``check_content`` found (module rules)."""

    catalog: Catalog  # the content that was checked
    unreachable: tuple[str, ...]  # located ``content check`` findings, in its order
    bot_rejections: tuple[str, ...]  # commands the bots judged valid, refused
    violations: tuple[Violation, ...]  # broken invariants
    exploits: tuple[Exploit, ...]  # minting loops
    lives: int  # bot lives the coverage played
    examples: int  # machine examples asked for

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not (
            self.unreachable or self.bot_rejections or self.violations or self.exploits
        )

    def lines(self) -> list[str]:
        """The report as text lines, a heading per kind of finding."""
        out = [
            f"bot lives: {self.lives}; machine examples: {self.examples}",
            f"unreachable: {len(self.unreachable)}",
            *(f"  {line}" for line in self.unreachable),
            *(f"  bot refused: {line}" for line in self.bot_rejections),
            f"invariant violations: {len(self.violations)}",
        ]
        for violation in self.violations:
            out.append(f"  {violation}")
            out.extend(f"    {line}" for line in violation.example)
        out.append(f"economy exploits: {len(self.exploits)}")
        out.extend(f"  {exploit}" for exploit in self.exploits)
        return out


# -- minting loops ------------------------------------------------------------------


def probe_commands(state: PlayerState, at: int, catalog: Catalog) -> list[Command]:
    """The commands the minting probe repeats from ``state`` (module rules)."""
    retention = state.retention
    found: list[Command] = [
        ClaimDailyReward(at=at, idempotency_key="probe"),
        *(
            ClaimQuestReward(at=at, quest=slot.quest, idempotency_key="probe")
            for slot in retention.quests.slots
        ),
        *(
            TutorialStep(at=at, step=name)
            for _, flow in catalog.tutorial.flows
            for name in flow
        ),
        SkipTutorial(at=at),
        *(UseItem(at=at, item=item) for item, _ in retention.inventory),
        *(DoActivity(at=at, activity=a.id) for a in catalog.activities.activities),
        *(
            PurchaseEnergyRefill(at=at, refill_type=t.id, idempotency_key="probe")
            for t in catalog.refills
        ),
        *(
            PurchaseTimeSkip(at=at, skip_type=s.id, idempotency_key="probe")
            for s in catalog.time_skips
        ),
    ]
    return list(dict.fromkeys(found))  # a step shared by two flows once


def _rekeyed(command: Command, n: int) -> Command:
    """``command`` with a fresh idempotency key for its ``n``-th play."""
    if isinstance(
        command,
        ClaimDailyReward | ClaimQuestReward | PurchaseEnergyRefill | PurchaseTimeSkip,
    ):
        return evolve(command, idempotency_key=f"probe-{n}")
    return command


def _recurring(events: Iterable[Event]) -> list[DiamondsCredited]:
    return [
        e
        for e in events
        if isinstance(e, DiamondsCredited) and e.reason not in ONE_OFF_REASONS
    ]


def _describe(command: Command) -> str:
    """``claim_quest_reward quest=log_in``: the command without instant and key."""
    values = asdict(command)
    args = [f"{k}={v}" for k, v in values.items() if k not in ("at", "idempotency_key")]
    return " ".join([wire_name(type(command)), *args])


def minting_loops(
    states: Iterable[PlayerState],
    catalog: Catalog,
    *,
    repeats: int = PROBE_REPEATS,
) -> tuple[Exploit, ...]:
    """The minting loops found from ``states`` (module rules), one per command."""
    found: dict[str, Exploit] = {}
    for state in states:
        at = state.clock.now_at
        for command in probe_commands(state, at, catalog):
            current = state
            after_first: int | None = None
            reasons: set[str] = set()
            for n in range(repeats):
                outcome = step(current, _rekeyed(command, n), catalog)
                if outcome.rejected:
                    break
                current = outcome.state
                if after_first is None:
                    after_first = current.wallet.diamonds
                    continue
                reasons.update(e.reason for e in _recurring(outcome.events))
            if after_first is None or not reasons:
                continue
            minted = current.wallet.diamonds - after_first
            name = _describe(command)
            if minted > 0 and name not in found:
                found[name] = Exploit(name, tuple(sorted(reasons)), minted, repeats, at)
    return tuple(found.values())


# -- bot lives ----------------------------------------------------------------------


def _probe_states(
    catalog: Catalog, lives: int, seed: int
) -> tuple[list[PlayerState], list[Violation]]:
    """States along ``lives`` bot lives, and the lives' ledger violations."""
    paces = (DEFAULT_PACE, CASUAL_PACE, IDLE_PACE)
    states: list[PlayerState] = []
    violations: list[Violation] = []
    for n in range(lives):
        life = play_life(
            catalog,
            seed=derive_seed(seed, "toolkit_probe_player", n) >> 1,
            bot_seed=derive_seed(seed, "toolkit_probe_bot", n) >> 1,
            pace=paces[n % len(paces)],
        )
        every = max(1, len(life.journal) // PROBE_POINTS)
        ledger = 0
        for index, outcome in enumerate(replay_outcomes(life.journal, catalog)):
            ledger += sum(
                e.delta
                for e in outcome.events
                if isinstance(e, DiamondsCredited | DiamondsSpent)
            )
            if ledger != outcome.state.wallet.diamonds:
                violations.append(_ledger_violation(n, index, life.journal, ledger))
                break
            if index % every == 0:
                states.append(outcome.state)
    return states, violations


def _ledger_violation(
    life: int, index: int, journal: Sequence[NewPlayer | Command], ledger: int
) -> Violation:
    steps = tuple(repr(record) for record in journal[max(0, index - 4) : index + 1])
    return Violation(
        "diamonds_equal_the_ledger",
        f"bot life {life}, record {index}: the ledger sums to {ledger}, "
        "the wallet holds another balance",
        steps,
    )


# -- the machine --------------------------------------------------------------------


def machine_violations(
    catalog: Catalog, *, examples: int = DEFAULT_EXAMPLES
) -> tuple[Violation, ...]:
    """Run ``GameMachine`` on ``catalog``; the violation it found, if any.

    Imports Hypothesis (``ModuleNotFoundError`` without the ``testing`` extra).
    """
    from .machine import GameMachine, run_machine  # Hypothesis: only now

    try:
        run_machine(GameMachine.on(catalog), examples=examples)
    except AssertionError as error:
        message = str(error)
        name, _, detail = message.partition(": ")
        notes = tuple(getattr(error, "__notes__", ()))
        return (Violation(name if detail else "assertion", detail or message, notes),)
    except Exception as error:  # an engine crash on this content is a finding too
        notes = tuple(getattr(error, "__notes__", ()))
        return (Violation("crash", f"{type(error).__name__}: {error}", notes),)
    return ()


def economy_probe(
    catalog: Catalog, *, lives: int = PROBE_LIVES, seed: int = PROBE_SEED
) -> tuple[tuple[Exploit, ...], tuple[Violation, ...]]:
    """The minting loops from states along ``lives`` bot lives, and the ledger
    violations of those lives (module rules)."""
    states, violations = _probe_states(catalog, lives, seed)
    return minting_loops(states, catalog), tuple(violations)


def check_content(
    directory: str | Path,
    *,
    lives: int = 60,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = PROBE_SEED,
    probe_lives: int = PROBE_LIVES,
) -> ToolkitReport:
    """Check a content directory (module rules); ``lives`` and ``examples`` are the
    budgets of the bot coverage and of the invariant machine."""
    from .. import content_check  # content_check imports the bot: import it late

    catalog = load_catalog(Path(directory))
    report = content_check.check_content(catalog, lives=lives, seed=seed)
    exploits, violations = economy_probe(
        catalog, lives=min(probe_lives, lives), seed=seed
    )
    rejections = tuple(
        f"turn {r.turn} {r.kind}: {r.code} ({r.message})"
        for r in report.coverage.rejections
    )
    return ToolkitReport(
        catalog=catalog,
        unreachable=tuple(str(finding) for finding in report.problems),
        bot_rejections=rejections,
        violations=violations + machine_violations(catalog, examples=examples),
        exploits=exploits,
        lives=report.coverage.lives,
        examples=examples,
    )
