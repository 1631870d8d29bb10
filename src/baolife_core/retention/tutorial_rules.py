"""Onboarding flows, loaded from ``content/tutorial.toml``.

Validated with located errors: distinct flow ids, 1..20 distinct step ids per flow,
a ``default_flow`` that exists, and a completion reward in the one reward format.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from .reward_rules import Reward, read_reward

__all__ = ["FILE", "TutorialRules", "load_tutorial"]

FILE = "tutorial.toml"


@frozen
class TutorialRules:
    """Everything ``tutorial.toml`` says."""

    default_flow: str  # the flow of a player without a ``tutorial_flow`` variant
    reward: Reward  # paid when the last step is completed
    flows: tuple[tuple[str, tuple[str, ...]], ...]  # (flow id, steps in order)

    def steps(self, flow: str) -> tuple[str, ...]:
        """The steps of ``flow``; the default flow's for an unknown one."""
        flows = dict(self.flows)
        return flows.get(flow, flows[self.default_flow])

    def flow_for(self, variant: str | None) -> str:
        """The flow a ``tutorial_flow`` variant selects (the default if unknown)."""
        return variant if variant in dict(self.flows) else self.default_flow


def load_tutorial(directory: Traversable) -> TutorialRules:
    """Load and validate ``tutorial.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    flows: list[tuple[str, tuple[str, ...]]] = []
    for entry in root.tables("flows"):
        steps = entry.texts("steps")
        if len(steps) > 20:
            raise entry.error("steps", "at most 20 steps")
        flows.append((entry.text("id"), steps))
        entry.done()
    default = root.text("default_flow")
    if default not in dict(flows):
        raise root.error("default_flow", f"names no flow: {default!r}")
    rules = TutorialRules(
        default_flow=default, reward=read_reward(root), flows=tuple(flows)
    )
    root.done()
    return rules
