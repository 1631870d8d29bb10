"""Tests of ``baolife_core.retention.tutorial`` and ``tutorial_rules``: onboarding."""

from __future__ import annotations

import json

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    BAD_REQUEST,
    INVALID_STATE,
    NOT_FOUND,
    ContentError,
    DiamondsCredited,
    ItemGranted,
    NewPlayer,
    PlayerState,
    Rejection,
    SkipTutorial,
    Tutorial,
    TutorialAdvanced,
    TutorialProgress,
    TutorialStep,
    WireError,
    command_from_wire,
    load_catalog,
    start,
    step,
)
from baolife_core.events import Event
from baolife_core.retention.reward_rules import Grant, Reward
from baolife_core.retention.rewards import reward_id
from baolife_core.retention.tutorial import (
    TRANSITIONS,
    machine_state,
    skip_tutorial,
    tutorial_step,
)
from content_packs import edited_file

CATALOG = load_catalog()
SEED = 13
T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z
CLASSIC: tuple[str, ...] = ("welcome", "create_character", "first_activity")
CLASSIC += ("answer_question", "buy_refill")
GUIDED: tuple[str, ...] = ("welcome", "create_character", "meet_family")
GUIDED += ("first_activity", "first_conversation", "answer_question", "daily_reward")
FLOWS = {"classic": CLASSIC, "guided": GUIDED}


def steps_line(steps: tuple[str, ...]) -> str:
    """A flow's ``steps = [...]`` line as ``tutorial.toml`` writes it."""
    return f"steps = {json.dumps(list(steps))}"


CLASSIC_LINE = steps_line(CLASSIC)


def content_error(file: str, *edits: tuple[str, str]) -> ContentError:
    """The ``ContentError`` that ``edited_file(file, *edits)`` raises."""
    with pytest.raises(ContentError) as caught:
        edited_file(file, *edits)
    return caught.value


def player(flow: str | None = None) -> PlayerState:
    """A new player at ``T0``, with the ``tutorial_flow`` variant ``flow`` if any."""
    variants = () if flow is None else (("tutorial_flow", flow),)
    return start(NewPlayer(at=T0, seed=SEED, variants=variants), CATALOG).state


def do(state: PlayerState, *steps: str) -> PlayerState:
    """``state`` after the accepted tutorial steps ``steps``."""
    for name in steps:
        outcome = step(state, TutorialStep(at=T0, step=name), CATALOG)
        assert not outcome.rejected, outcome.reply
        state = outcome.state
    return state


def skipped(state: PlayerState) -> PlayerState:
    """``state`` after an accepted skip."""
    outcome = step(state, SkipTutorial(at=T0), CATALOG)
    assert not outcome.rejected, outcome.reply
    return outcome.state


def code_of(state: PlayerState, command: TutorialStep | SkipTutorial) -> str | None:
    """The rejection code of ``command`` (None if accepted); asserts no change."""
    outcome = step(state, command, CATALOG)
    if isinstance(outcome.reply, Rejection):
        assert (state, ()) == (outcome.state, outcome.events)
        return outcome.reply.code
    return None


def tutorial_credits(events: tuple[Event, ...]) -> int:
    """Diamonds credited for the tutorial (``step`` may pay achievements too)."""
    return sum(
        e.amount
        for e in events
        if isinstance(e, DiamondsCredited) and e.reason == "tutorial"
    )


def tutorial_step_code(state: PlayerState, name: str) -> str | None:
    """The rejection code of ``tutorial_step`` with ``name``."""
    return code_of(state, TutorialStep(at=T0, step=name))


class TestContent:
    """The bundled tutorial: two flows, classic by default, a reward for finishing."""

    def test_flows(self) -> None:
        """Classic has five steps, guided seven, in order."""
        assert (("classic", CLASSIC), ("guided", GUIDED)) == CATALOG.tutorial.flows
        assert "classic" == CATALOG.tutorial.default_flow

    def test_reward(self) -> None:
        """Finishing pays 50 diamonds and two energy drinks."""
        expected = Reward(Grant(diamonds=50, items=(("energy_drink", 2),)))
        assert expected == CATALOG.tutorial.reward

    @pytest.mark.parametrize(
        ("flow", "expected"),
        [("classic", CLASSIC), ("guided", GUIDED), ("turbo", CLASSIC), ("", CLASSIC)],
    )
    def test_steps(self, flow: str, expected: tuple[str, ...]) -> None:
        """A flow's steps; an unknown flow has the default's."""
        assert expected == CATALOG.tutorial.steps(flow)

    @pytest.mark.parametrize(
        ("variant", "expected"),
        [
            (None, "classic"),
            ("classic", "classic"),
            ("guided", "guided"),
            ("turbo", "classic"),
            ("", "classic"),
            ("Guided", "classic"),
        ],
    )
    def test_flow_for(self, variant: str | None, expected: str) -> None:
        """A variant naming a flow selects it; anything else gets the default."""
        assert expected == CATALOG.tutorial.flow_for(variant)


class TestContentErrors:
    """A broken ``tutorial.toml`` fails to load, naming file, entry and field."""

    @pytest.mark.parametrize(
        ("old", "new", "file", "entry", "field", "problem"),
        [
            (
                'default_flow = "classic"',
                'default_flow = "turbo"',
                "tutorial.toml",
                "(top level)",
                "default_flow",
                "names no flow: 'turbo'",
            ),
            (
                'default_flow = "classic"\n',
                "",
                "tutorial.toml",
                "(top level)",
                "default_flow",
                "is required",
            ),
            (
                'id = "guided"',
                'id = "classic"',
                "tutorial.toml",
                "flows[classic]",
                "id",
                "duplicates an earlier entry",
            ),
            (
                CLASSIC_LINE,
                'steps = ["welcome", "welcome"]',
                "tutorial.toml",
                "flows[classic]",
                "steps",
                "must not repeat",
            ),
            (
                CLASSIC_LINE,
                steps_line(tuple(f"s{n}" for n in range(21))),
                "tutorial.toml",
                "flows[classic]",
                "steps",
                "at most 20 steps",
            ),
            (
                CLASSIC_LINE,
                "steps = []",
                "tutorial.toml",
                "flows[classic]",
                "steps",
                "non-empty array",
            ),
            (
                CLASSIC_LINE,
                'steps = ["welcome", ""]',
                "tutorial.toml",
                "flows[classic]",
                "steps",
                "non-empty strings",
            ),
            (
                CLASSIC_LINE,
                f"{CLASSIC_LINE}\nlabel = 1",
                "tutorial.toml",
                "flows[classic]",
                "label",
                "is not a known field",
            ),
            (
                "reward = { diamonds = 50, items = { energy_drink = 2 } }",
                "",
                "tutorial.toml",
                "(top level)",
                "reward",
                "must be a table",
            ),
            (
                "reward = { diamonds = 50, items = { energy_drink = 2 } }",
                "reward = { diamonds = -50 }",
                "tutorial.toml",
                "(top level)",
                "reward.diamonds",
                "must be an integer",
            ),
            (
                "energy_drink = 2 }",
                "espresso = 2 }",
                "tutorial.toml",
                "(top level)",
                "reward.items",
                "names no item: 'espresso'",
            ),
        ],
    )
    def test_rejected(
        self, old: str, new: str, file: str, entry: str, field: str, problem: str
    ) -> None:
        """Each broken rule is reported where it is."""
        error = content_error(file, (old, new))
        assert (file, entry, field) == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_twenty_steps_load(self) -> None:
        """Twenty steps is the limit, not beyond it."""
        twenty = tuple(f"s{n}" for n in range(20))
        catalog = edited_file("tutorial.toml", (CLASSIC_LINE, steps_line(twenty)))
        assert twenty == catalog.tutorial.steps("classic")


class TestMachine:
    """The transition table and the machine state derived from ``Tutorial``."""

    def test_table(self) -> None:
        """From ``in_progress`` only; ``finished`` and ``skipped`` are final."""
        assert {
            ("in_progress", "step"): "in_progress",
            ("in_progress", "last_step"): "finished",
            ("in_progress", "skip"): "skipped",
        } == TRANSITIONS

    @pytest.mark.parametrize(
        ("tutorial", "expected"),
        [
            (Tutorial(), "in_progress"),
            (Tutorial(flow="classic", done=("welcome",)), "in_progress"),
            (Tutorial(flow="classic", done=CLASSIC, finished=True), "finished"),
            (Tutorial(flow="classic", skipped=True), "skipped"),
        ],
    )
    def test_machine_state(self, tutorial: Tutorial, expected: str) -> None:
        """``skipped`` wins, then ``finished``, else ``in_progress``."""
        assert expected == machine_state(tutorial)


class TestStart:
    """A player's flow is fixed at creation from its ``tutorial_flow`` variant."""

    @pytest.mark.parametrize(
        ("variant", "flow"),
        [
            (None, "classic"),
            ("classic", "classic"),
            ("guided", "guided"),
            ("turbo", "classic"),
        ],
    )
    def test_flow_from_variant(self, variant: str | None, flow: str) -> None:
        """The variant picks the flow; none or an unknown one gets the default."""
        assert Tutorial(flow=flow) == player(variant).retention.tutorial


class TestSteps:
    """Only the next step of the flow advances the tutorial."""

    def test_first_step(self) -> None:
        """``welcome`` advances: ``TutorialAdvanced`` and the progress reply."""
        state = player()
        outcome = tutorial_step(state, TutorialStep(at=T0, step="welcome"), CATALOG)
        assert (TutorialAdvanced(T0, "classic", "welcome", False),) == outcome.events
        assert (
            TutorialProgress(
                flow="classic",
                done=("welcome",),
                next_step="create_character",
                finished=False,
                skipped=False,
            )
            == outcome.reply
        )
        tutorial = Tutorial(flow="classic", done=("welcome",))
        assert (
            evolve(
                state,
                seq=state.seq + 1,
                retention=evolve(state.retention, tutorial=tutorial),
            )
            == outcome.state
        )

    @pytest.mark.parametrize("flow", ["classic", "guided"])
    def test_each_step_reports_the_next(self, flow: str) -> None:
        """Every reply names the step that follows, and None after the last."""
        steps = FLOWS[flow]
        state = player(flow)
        for n, name in enumerate(steps):
            outcome = step(state, TutorialStep(at=T0, step=name), CATALOG)
            reply = outcome.reply
            assert isinstance(reply, TutorialProgress)
            following = steps[n + 1] if n + 1 < len(steps) else None
            assert (flow, steps[: n + 1], following) == (
                reply.flow,
                reply.done,
                reply.next_step,
            )
            state = outcome.state

    @pytest.mark.parametrize(
        ("done", "name"),
        [
            ((), "create_character"),
            ((), "buy_refill"),
            (("welcome",), "welcome"),
            (("welcome",), "first_activity"),
            (("welcome", "create_character"), "create_character"),
            (CLASSIC[:4], "welcome"),
            (CLASSIC[:3], "buy_refill"),
        ],
    )
    def test_other_known_step_is_invalid_state(
        self, done: tuple[str, ...], name: str
    ) -> None:
        """Steps are neither skipped one by one nor repeated."""
        assert INVALID_STATE == tutorial_step_code(do(player(), *done), name)

    @pytest.mark.parametrize(
        ("flow", "name"),
        [
            ("classic", "dance"),
            ("classic", "meet_family"),
            ("classic", "daily_reward"),
            ("guided", "buy_refill"),
            ("guided", "skipped"),
        ],
    )
    def test_unknown_step_is_not_found(self, flow: str, name: str) -> None:
        """A name that is no step of the player's flow is not found."""
        assert NOT_FOUND == tutorial_step_code(player(flow), name)

    def test_flow_assigned_when_missing(self) -> None:
        """A state from before flows were assigned plays the default flow."""
        state = player()
        tutorial = Tutorial()  # flow "" as in an old snapshot
        state = evolve(state, retention=evolve(state.retention, tutorial=tutorial))
        outcome = step(state, TutorialStep(at=T0, step="welcome"), CATALOG)
        assert "classic" == outcome.state.retention.tutorial.flow
        assert isinstance(outcome.reply, TutorialProgress)
        assert "classic" == outcome.reply.flow


class TestFinish:
    """The last step finishes the tutorial and pays the reward once."""

    @pytest.mark.parametrize("flow", ["classic", "guided"])
    def test_both_flows_complete(self, flow: str) -> None:
        """Each flow can be played to the end; the reward is paid on the last step."""
        steps = FLOWS[flow]
        state = do(player(flow), *steps[:-1])
        assert 1000 == state.wallet.diamonds
        outcome = tutorial_step(state, TutorialStep(at=T0, step=steps[-1]), CATALOG)
        expected_events = (
            TutorialAdvanced(T0, flow, steps[-1], True),
            DiamondsCredited(
                at=T0,
                amount=50,
                reason="tutorial",
                reference="tutorial",
                balance_after=1050,
                transaction_id=reward_id(SEED, "tutorial"),
            ),
            ItemGranted(T0, "energy_drink", 2, "tutorial"),
        )
        assert expected_events == outcome.events
        assert TutorialProgress(flow, steps, None, True, False) == outcome.reply
        after = outcome.state
        assert Tutorial(flow=flow, done=steps, finished=True) == (
            after.retention.tutorial
        )
        assert (1050, (("energy_drink", 2),)) == (
            after.wallet.diamonds,
            after.retention.inventory,
        )

    @pytest.mark.parametrize("name", [*CLASSIC, "dance", "meet_family"])
    def test_finished_is_final_for_steps(self, name: str) -> None:
        """After finishing every step, known or not, is ``invalid_state``."""
        assert INVALID_STATE == tutorial_step_code(do(player(), *CLASSIC), name)

    def test_finished_is_final_for_skip(self) -> None:
        """A finished tutorial cannot be skipped."""
        assert INVALID_STATE == code_of(do(player(), *CLASSIC), SkipTutorial(at=T0))

    def test_reward_paid_once(self) -> None:
        """However often the last step is sent again, the wallet grows by 50 once."""
        state = do(player(), *CLASSIC[:-1])
        paid = 0
        for _ in range(3):
            outcome = step(state, TutorialStep(at=T0, step="buy_refill"), CATALOG)
            paid += tutorial_credits(outcome.events)
            state = outcome.state
        assert 50 == paid
        assert state.wallet.earned - state.wallet.spent == state.wallet.diamonds


class TestSkip:
    """Skipping ends the tutorial without the reward."""

    @pytest.mark.parametrize("done", [0, 1, 3, 4])
    def test_skip(self, done: int) -> None:
        """``skipped``, the progress kept, no next step, no ledger entry."""
        state = do(player(), *CLASSIC[:done])
        outcome = skip_tutorial(state, SkipTutorial(at=T0), CATALOG)
        assert (TutorialAdvanced(T0, "classic", "skipped", False),) == outcome.events
        assert (
            TutorialProgress("classic", CLASSIC[:done], None, False, True)
            == outcome.reply
        )
        after = outcome.state
        assert Tutorial("classic", CLASSIC[:done], False, True) == (
            after.retention.tutorial
        )
        assert (state.wallet, state.retention.inventory) == (
            after.wallet,
            after.retention.inventory,
        )
        assert state.seq + 1 == after.seq

    @pytest.mark.parametrize("name", [*GUIDED, "dance"])
    def test_skipped_is_final_for_steps(self, name: str) -> None:
        """After a skip every step, known or not, is ``invalid_state``."""
        state = skipped(do(player("guided"), "welcome"))
        assert INVALID_STATE == tutorial_step_code(state, name)

    def test_skipped_is_final_for_skip(self) -> None:
        """A skipped tutorial cannot be skipped again."""
        assert INVALID_STATE == code_of(skipped(player()), SkipTutorial(at=T0))

    def test_skip_then_last_step_pays_nothing(self) -> None:
        """Skipping just before the last step forfeits the reward."""
        state = skipped(do(player(), *CLASSIC[:-1]))
        outcome = step(state, TutorialStep(at=T0, step="buy_refill"), CATALOG)
        assert (state, ()) == (outcome.state, outcome.events)


class TestBadInput:
    """Malformed tutorial commands never reach the engine."""

    @pytest.mark.parametrize("name", ["", "Welcome", "welcome!", "a b", "x" * 65, 7])
    def test_invalid_step_token(self, name: object) -> None:
        """A step name must be a lowercase identifier."""
        with pytest.raises(ValueError, match="step"):
            TutorialStep(at=T0, step=name)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "frame",
        [
            {"type": "tutorial_step", "at": T0},
            {"type": "tutorial_step", "at": T0, "step": None},
            {"type": "tutorial_step", "at": T0, "step": "Welcome"},
            {"type": "skip_tutorial"},
            {"type": "skip_tutorial", "at": "now"},
        ],
    )
    def test_wire_bad_request(self, frame: dict[str, object]) -> None:
        """On the wire it is a ``bad_request``."""
        with pytest.raises(WireError) as caught:
            command_from_wire(frame)
        assert BAD_REQUEST == caught.value.code


#: A tutorial command: a step name (of either flow, or none) or None for a skip.
MOVES = st.one_of(st.none(), st.sampled_from([*GUIDED, "buy_refill", "dance"]))


class TestProperties:
    """Any sequence of steps and skips follows the machine."""

    @given(st.sampled_from(["classic", "guided"]), st.lists(MOVES, max_size=14))
    def test_follows_the_table(self, flow: str, moves: list[str | None]) -> None:
        """Accepted exactly when the table allows; the reward at most once, only on
        finishing."""
        state = player(flow)
        steps = FLOWS[flow]
        done: list[str] = []
        over = False
        paid = 0  # diamonds credited for the tutorial
        for move in moves:
            if move is None:
                command: TutorialStep | SkipTutorial = SkipTutorial(at=T0)
                expected = INVALID_STATE if over else None
            else:
                command = TutorialStep(at=T0, step=move)
                if over:
                    expected = INVALID_STATE
                elif move not in steps:
                    expected = NOT_FOUND
                elif steps[len(done)] != move:
                    expected = INVALID_STATE
                else:
                    expected = None
            assert expected == code_of(state, command)
            outcome = step(state, command, CATALOG)
            paid += tutorial_credits(outcome.events)
            state = outcome.state
            if expected is None:
                over = over or move is None or len(done) + 1 == len(steps)
                if move is not None:
                    done.append(move)
            tutorial = state.retention.tutorial
            assert tuple(done) == tutorial.done
            finished = tutorial.finished
            assert (tuple(done) == steps) == finished
            assert (50 if finished else 0) == paid
            assert state.wallet.earned - state.wallet.spent == state.wallet.diamonds
