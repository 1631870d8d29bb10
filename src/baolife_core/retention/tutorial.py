"""The tutorial: ``tutorial_step`` and ``skip_tutorial`` over a transition table.

Rules of this module (issue "Tutorial"; DESIGN.md "Names": finite machines are
transition tables):

- The player's flow is fixed at creation from its ``tutorial_flow`` variant
  (``Tutorial.flow``; the content's default without one).
- The machine: ``in_progress`` → (``tutorial_step`` with the next step of the
  flow) → ``in_progress`` or, on the last step, ``finished`` (the reward is paid,
  key ``tutorial``); ``in_progress`` → (``skip_tutorial``) → ``skipped``.
  ``finished`` and ``skipped`` are final: any command there is ``invalid_state``.
  A step other than the next one is ``invalid_state`` too (steps are not skipped
  one by one, nor repeated); an unknown step name is ``not_found``.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import SkipTutorial, TutorialStep
from ..events import Event, TutorialAdvanced
from ..outcome import Outcome, reject
from ..replies import INVALID_STATE, NOT_FOUND, TutorialProgress
from ..state import PlayerState, Tutorial
from .rewards import grant_reward

__all__ = ["TRANSITIONS", "machine_state", "skip_tutorial", "tutorial_step"]

#: (state, input) → state. ``step`` stands for the next step of the flow.
TRANSITIONS = {
    ("in_progress", "step"): "in_progress",
    ("in_progress", "last_step"): "finished",
    ("in_progress", "skip"): "skipped",
}


def machine_state(tutorial: Tutorial) -> str:
    """``in_progress``, ``finished`` or ``skipped``."""
    if tutorial.skipped:
        return "skipped"
    return "finished" if tutorial.finished else "in_progress"


def _progress(tutorial: Tutorial, steps: tuple[str, ...]) -> TutorialProgress:
    over = tutorial.finished or tutorial.skipped
    upcoming = steps[len(tutorial.done)] if len(tutorial.done) < len(steps) else None
    return TutorialProgress(
        flow=tutorial.flow,
        done=tutorial.done,
        next_step=None if over else upcoming,
        finished=tutorial.finished,
        skipped=tutorial.skipped,
    )


def _flow(state: PlayerState, catalog: Catalog) -> Tutorial:
    tutorial = state.retention.tutorial
    if not tutorial.flow:
        tutorial = evolve(tutorial, flow=catalog.tutorial.default_flow)
    return tutorial


def tutorial_step(
    state: PlayerState, command: TutorialStep, catalog: Catalog
) -> Outcome:
    """``tutorial_step`` (module rules)."""
    tutorial = _flow(state, catalog)
    current = machine_state(tutorial)
    if all(source != current for source, _ in TRANSITIONS):
        # A final state is final for every command, even one naming no step.
        return reject(state, INVALID_STATE, "the tutorial is over")
    steps = catalog.tutorial.steps(tutorial.flow)
    if command.step not in steps:
        return reject(state, NOT_FOUND, f"no step {command.step!r} in {tutorial.flow}")
    position = len(tutorial.done)
    kind = "last_step" if position == len(steps) - 1 else "step"
    after = TRANSITIONS[current, kind]
    if steps[position] != command.step:
        return reject(state, INVALID_STATE, f"the next step is {steps[position]!r}")
    tutorial = evolve(
        tutorial, done=(*tutorial.done, command.step), finished=after == "finished"
    )
    events: tuple[Event, ...] = ()
    if tutorial.finished:
        state, events, _ = grant_reward(
            state,
            catalog.tutorial.reward,
            at=command.at,
            reason="tutorial",
            key="tutorial",
            energy_rules=catalog.energy,
            item_names=catalog.items.names,
        )
    advanced = TutorialAdvanced(
        command.at, tutorial.flow, command.step, tutorial.finished
    )
    return Outcome(
        state=evolve(
            state,
            seq=state.seq + 1,
            retention=evolve(state.retention, tutorial=tutorial),
        ),
        events=(advanced, *events),
        reply=_progress(tutorial, steps),
    )


def skip_tutorial(
    state: PlayerState, command: SkipTutorial, catalog: Catalog
) -> Outcome:
    """``skip_tutorial`` (module rules)."""
    tutorial = _flow(state, catalog)
    if TRANSITIONS.get((machine_state(tutorial), "skip")) is None:
        return reject(state, INVALID_STATE, "the tutorial is over")
    tutorial = evolve(tutorial, skipped=True)
    return Outcome(
        state=evolve(
            state,
            seq=state.seq + 1,
            retention=evolve(state.retention, tutorial=tutorial),
        ),
        events=(TutorialAdvanced(command.at, tutorial.flow, "skipped", False),),
        reply=_progress(tutorial, catalog.tutorial.steps(tutorial.flow)),
    )
