"""Tests of the public testing toolkit: strategies, the invariant machine, the report.

Content alone cannot break the engine's ledger: every credit goes through
``economy.wallet.credit`` and every reward is keyed once per day, quest, achievement
or tutorial. So the deliberately broken rule — a daily reward that pays twice — is
a fixture that swaps the engine's ``claim_daily_reward`` handler (``monkeypatch``)
on a copy of the bundled content, and the tests expect the toolkit to catch it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import HealthCheck, Phase, find, given, settings

from baolife_core import (
    COMMAND_TYPES,
    ClaimDailyReward,
    Command,
    ContentError,
    CreateCharacter,
    PlayerState,
    advance,
    command_from_wire,
    replay,
    to_wire,
    wire_name,
)
from baolife_core.catalog import Catalog
from baolife_core.engine import _HANDLERS
from baolife_core.outcome import Outcome
from baolife_core.retention.login import claim_daily_reward
from baolife_core.testing import content as toolkit_content
from baolife_core.testing import strategies as ts
from baolife_core.testing.machine import GameMachine, run_machine
from content_packs import copy_content, forgets_the_claim

CATALOG = ts.bundled_catalog()
#: The engine's handlers before any test swaps one.
_HANDLERS_AS_BUNDLED = dict(_HANDLERS)
#: Deterministic searches: derandomized, no example database.
SEARCH = settings(database=None, derandomize=True, max_examples=2_000)
#: Every life stage of the content, and the two ends of a life.
STAGES = [*(stage.id for stage in CATALOG.life.stages), "dead", "unborn"]


def stage_of(player: tuple[PlayerState, tuple[object, ...]]) -> str:
    """The life stage of a drawn player: a stage id, ``dead`` or ``unborn``."""
    character = player[0].character
    if character is None:
        return "unborn"
    return "dead" if character.death is not None else character.stage


def pays_off_the_books(
    state: PlayerState, command: Command, catalog: Catalog
) -> Outcome:
    """A broken daily reward: it pays its diamonds a second time, unledgered."""
    assert isinstance(command, ClaimDailyReward)
    outcome = claim_daily_reward(state, command, catalog)
    if outcome.rejected:
        return outcome
    paid = outcome.state.wallet.diamonds - state.wallet.diamonds
    wallet = evolve(outcome.state.wallet, diamonds=outcome.state.wallet.diamonds + paid)
    return evolve(outcome, state=evolve(outcome.state, wallet=wallet))


def born_rich(state: PlayerState, command: Command, catalog: Catalog) -> Outcome:
    """A broken ``create_character``: the newborn's wallet gets 7 diamonds that no
    ledger entry records."""
    outcome = _HANDLERS_AS_BUNDLED[CreateCharacter](state, command, catalog)
    if outcome.rejected:
        return outcome
    wallet = evolve(outcome.state.wallet, diamonds=outcome.state.wallet.diamonds + 7)
    return evolve(outcome, state=evolve(outcome.state, wallet=wallet))


def crashes(state: PlayerState, command: Command, catalog: Catalog) -> Outcome:
    """A handler with a bug: it raises whatever the command."""
    raise RuntimeError(f"handler bug on {wire_name(type(command))}")


@pytest.fixture
def broken_reward(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Callable[..., Outcome]], None]:
    """Install a broken ``claim_daily_reward`` handler for one test."""

    def install(handler: Callable[..., Outcome]) -> None:
        monkeypatch.setitem(_HANDLERS, ClaimDailyReward, handler)

    return install


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the bundled content, as a game team's directory."""
    return copy_content(tmp_path)


class TestCommandStrategies:
    """The strategies reach every command, as values and in wire form."""

    @pytest.mark.parametrize("cls", COMMAND_TYPES, ids=wire_name)
    def test_commands_reach_every_command_type(self, cls: type[Command]) -> None:
        """``commands()`` draws every class of ``COMMAND_TYPES``."""
        found = find(ts.commands(), lambda c: type(c) is cls, settings=SEARCH)
        assert cls is type(found)

    @pytest.mark.parametrize("cls", COMMAND_TYPES, ids=wire_name)
    def test_wire_commands_reach_every_command_type(self, cls: type[Command]) -> None:
        """``wire_commands()`` draws every command's wire name."""
        found = find(
            ts.wire_commands(), lambda w: w["type"] == wire_name(cls), settings=SEARCH
        )
        assert wire_name(cls) == found["type"]

    @given(wire=ts.wire_commands())
    def test_wire_commands_decode_to_the_same_command(self, wire: dict) -> None:
        """Every wire command decodes, and encodes back to the same dict."""
        assert wire == to_wire(command_from_wire(wire))

    @given(command=ts.commands(at=1_798_761_600_000))
    def test_at_fixes_the_instant(self, command: Command) -> None:
        """``at=`` draws commands at that instant only."""
        assert 1_798_761_600_000 == command.at

    def test_strategies_follow_the_catalog(self) -> None:
        """The id strategies draw the given catalog's ids (and unknown ones)."""
        tiers = {tier.id for tier in CATALOG.refills}
        found = find(ts.refill_types(CATALOG), lambda r: r in tiers, settings=SEARCH)
        assert found in tiers


class TestPlayers:
    """``players()`` reaches every point of a life, by play only."""

    def test_players_reach_every_life_stage(self) -> None:
        """A seeded sample of drawn players holds every stage, the dead and the
        not yet born (generation only: shrinking would replay lives for minutes)."""
        seen: set[str] = set()

        @settings(
            SEARCH,
            max_examples=60,
            phases=[Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(player=ts.players())
        def sample(player: tuple[PlayerState, tuple[object, ...]]) -> None:
            seen.add(stage_of(player))

        sample()
        assert set(STAGES) == seen

    @settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
    @given(player=ts.players())
    def test_players_replay_from_their_journal(
        self, player: tuple[PlayerState, tuple[object, ...]]
    ) -> None:
        """The journal replays to the player (advanced to its instant)."""
        state, journal = player
        replayed = replay(journal, CATALOG)  # type: ignore[arg-type]
        assert state == advance(replayed, state.clock.now_at, CATALOG)


class TestGameMachine:
    """The invariant machine passes on sound rules and catches a broken one."""

    def test_bundled_content_keeps_every_invariant(self) -> None:
        """A seeded run on the bundled content raises nothing."""
        run_machine(GameMachine, examples=5)

    def test_on_binds_a_catalog(self) -> None:
        """``on`` makes a subclass playing the given catalog."""
        machine = GameMachine.on(CATALOG, "Mine")
        assert ("Mine", CATALOG) == (machine.__name__, machine.catalog)
        assert issubclass(machine, GameMachine)

    def test_catches_a_reward_that_pays_twice(
        self, broken_reward: Callable[..., None]
    ) -> None:
        """A daily reward that forgets its claim pays one transaction twice."""
        broken_reward(forgets_the_claim)
        with pytest.raises(AssertionError, match=r"^no_reward_pays_twice: "):
            run_machine(GameMachine, examples=60)

    def test_catches_diamonds_off_the_ledger(
        self, broken_reward: Callable[..., None]
    ) -> None:
        """A daily reward paid twice without a ledger entry breaks the ledger law."""
        broken_reward(pays_off_the_books)
        with pytest.raises(AssertionError, match=r"^diamonds_equal_the_ledger: "):
            run_machine(GameMachine, examples=60)


class TestCheckContent:
    """``check_content`` reports the unreachable, the broken and the exploitable."""

    def test_bundled_content_is_clean(self, content_dir: Path) -> None:
        """A copy of the bundled content reports nothing."""
        report = toolkit_content.check_content(content_dir, lives=30, examples=5)
        assert [] == [*report.unreachable, *report.violations, *report.exploits]
        assert report.ok

    def test_reports_the_reward_that_pays_twice(
        self, content_dir: Path, broken_reward: Callable[..., None]
    ) -> None:
        """The broken reward is an invariant violation and a minting loop."""
        broken_reward(forgets_the_claim)
        report = toolkit_content.check_content(content_dir, lives=2, examples=20)
        assert ["no_reward_pays_twice"] == [v.invariant for v in report.violations]
        assert report.violations[0].example  # the failing steps
        assert {"claim_daily_reward"} == {e.command for e in report.exploits}
        assert all(("daily_reward",) == e.reasons for e in report.exploits)
        assert not report.ok
        text = "\n".join(report.lines())
        assert "economy exploits: 1" in text
        assert "claim_daily_reward mints" in text

    def test_reports_a_bot_life_off_the_ledger(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bot life whose wallet leaves its ledger is a ``diamonds_equal_the_ledger``
        violation naming the life and record, with the records up to it."""
        monkeypatch.setitem(_HANDLERS, CreateCharacter, born_rich)
        _, violations = toolkit_content.economy_probe(CATALOG, lives=1)
        [violation] = violations
        assert "diamonds_equal_the_ledger" == violation.invariant
        assert violation.message.startswith("bot life 0, record 1: the ledger sums to ")
        assert 2 == len(violation.example)  # the new player and the birth
        assert violation.example[-1].startswith("CreateCharacter(")

    def test_reports_an_engine_crash(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A handler that raises is the invariant ``crash``, with the steps."""
        for command_type in tuple(_HANDLERS):
            monkeypatch.setitem(_HANDLERS, command_type, crashes)
        [violation] = toolkit_content.machine_violations(CATALOG, examples=5)
        assert "crash" == violation.invariant
        assert violation.message.startswith("RuntimeError: handler bug on ")
        assert violation.example  # the failing steps Hypothesis noted

    def test_reports_an_unreachable_event(self, tmp_path: Path) -> None:
        """An event that needs a flag nothing sets is reported unreachable."""

        def edit(name: str, text: str) -> str:
            if name != "life_events.toml":
                return text
            return text + (
                '\n[[events]]\nid = "lost_island"\ntitle = "A lost island"\n'
                'text = "Sand."\nflags_all = ["castaway"]\nweight = 1\nonce = true\n'
                'effects = [{ stat = "happiness", delta = 1 }]\n'
            )

        report = toolkit_content.check_content(
            copy_content(tmp_path, edit), lives=2, examples=2
        )
        assert any("events[lost_island]" in line for line in report.unreachable)

    def test_missing_directory_is_a_content_error(self, tmp_path: Path) -> None:
        """A directory without content raises the loader's located error."""
        with pytest.raises(ContentError, match=r"economy\.toml: file is missing"):
            toolkit_content.check_content(tmp_path / "nothing")

    def test_machine_not_imported_by_the_bot(self) -> None:
        """The bot's package does not import Hypothesis (the CLI runs without it)."""
        code = (
            "import sys, baolife_core.testing, baolife_core.content_check; "
            "print('hypothesis' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "False" == out.stdout.strip()


class TestDocs:
    """``docs/testing.md``'s machine sample runs as written."""

    def test_machine_sample_runs(self) -> None:
        """The subclass sample defines a machine with its own law and runs it."""
        doc = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text(
            encoding="utf-8"
        )
        section = doc.split("### Your own content and your own invariant", 1)[1]
        code = section.split("```python\n", 1)[1].split("```", 1)[0]
        namespace: dict[str, object] = {"__name__": "docs_sample"}
        exec(compile(code, "docs/testing.md", "exec"), namespace)
        machine = namespace["MyGameMachine"]
        assert isinstance(machine, type)
        assert issubclass(machine, GameMachine)
        assert "no_purchase_over_500" in vars(machine)
