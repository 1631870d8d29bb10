"""The 7-day login reward cycle, loaded from ``content/daily_rewards.toml``.

Validated with located errors: exactly the days 1..7 in order, each with a reward
(the one reward format, without rolls: a login reward is a promise shown in
advance), and the week's diamonds equal to ``week_diamonds`` (125 bundled).
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from attrs import frozen

from ..content_reader import Entry, read_toml
from ..errors import ContentError
from .reward_rules import Reward, read_reward

__all__ = ["CYCLE_DAYS", "FILE", "LoginRules", "load_login_rules"]

FILE = "daily_rewards.toml"
#: Days in the login reward cycle.
CYCLE_DAYS = 7


@frozen
class LoginRules:
    """Everything ``daily_rewards.toml`` says."""

    week_diamonds: int  # the diamonds of one whole cycle
    rewards: tuple[Reward, ...]  # the reward of cycle day n at index n - 1

    def reward(self, cycle_day: int) -> Reward:
        """The reward of ``cycle_day`` (1..7)."""
        return self.rewards[cycle_day - 1]


def load_login_rules(directory: Traversable) -> LoginRules:
    """Load and validate ``daily_rewards.toml``."""
    root = Entry(FILE, "(top level)", read_toml(directory, FILE))
    week = root.integer("week_diamonds", low=0, high=1_000_000)
    listed = root.data.get("days")
    root.seen.add("days")
    if not isinstance(listed, list):
        raise ContentError(FILE, "days", "", "must be an array of tables")
    rewards: list[Reward] = []
    for n, data in enumerate(listed, start=1):
        entry = Entry(FILE, f"days[{n}]", data)
        day = entry.integer("day", low=1, high=CYCLE_DAYS)
        if day != n:
            raise entry.error("day", f"days must be listed 1..{CYCLE_DAYS}, got {day}")
        reward = read_reward(entry)
        if reward.rolls:
            raise entry.error("reward.rolls", "a login reward is fixed: no rolls")
        rewards.append(reward)
        entry.done()
    if len(rewards) != CYCLE_DAYS:
        raise ContentError(FILE, "days", "", f"must list {CYCLE_DAYS} days")
    total = sum(r.fixed.diamonds for r in rewards)
    if total != week:
        raise ContentError(
            FILE, "days", "reward.diamonds", f"total {total}, week_diamonds is {week}"
        )
    root.done()
    return LoginRules(week_diamonds=week, rewards=tuple(rewards))
