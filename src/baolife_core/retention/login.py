"""Daily login rewards and the player's UTC offset.

Rules of this module (issue "Daily login rewards"; DESIGN.md "daily resets follow
the player's own UTC offset"):

- The player's local day is ``(at + offset) // 24 h`` (``local_day``), the offset
  set by ``set_utc_offset`` (0 until set). The first change is free; after that
  one change per 24 wall hours (``rate_limited`` with ``retry_after_ms``), so
  moving the clock cannot mint extra days.
- ``claim_daily_reward`` on a local day after the last claim: the day right
  after → streak + 1; a later day (a missed day) → streak 1; the same day or an
  earlier one (after an offset change) → ``already_claimed``. The cycle day is
  ``((streak - 1) mod 7) + 1``; its reward is paid with the key
  ``login:<local day>`` (one reward per local day, ever).
- ``daily_login_status`` (the ``check_daily_login`` read) says what a claim now
  would give, or what today's claim gave; it changes nothing.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..clock import MS_PER_DAY, MS_PER_MINUTE
from ..commands import ClaimDailyReward, SetUtcOffset
from ..economy.energy import current_energy
from ..events import LoginRewardClaimed, UtcOffsetSet
from ..outcome import Outcome
from ..replies import (
    ALREADY_CLAIMED,
    RATE_LIMITED,
    DailyLoginStatus,
    DailyRewardClaimed,
    Rejection,
    UtcOffsetChanged,
)
from ..state import LoginStreak, PlayerState
from .login_rules import CYCLE_DAYS
from .rewards import grant_reward

__all__ = [
    "OFFSET_CHANGE_MS",
    "claim_daily_reward",
    "cycle_day",
    "daily_login_status",
    "local_day",
    "set_utc_offset",
]

#: Wall time between two changes of the UTC offset.
OFFSET_CHANGE_MS = 24 * 60 * 60 * 1000


def local_day(at: int, offset_minutes: int) -> int:
    """The local calendar day index (days since 1970-01-01 local) of ``at``."""
    return (at + offset_minutes * MS_PER_MINUTE) // MS_PER_DAY


def cycle_day(streak: int) -> int:
    """The cycle day (1..7) a streak of ``streak`` pays."""
    return (streak - 1) % CYCLE_DAYS + 1


def _next_streak(login: LoginStreak, today: int) -> int | None:
    """The streak a claim on ``today`` reaches, or None if it is not claimable."""
    if login.last_day is not None and today <= login.last_day:
        return None
    if login.last_day == today - 1:
        return login.streak + 1
    return 1


def set_utc_offset(
    state: PlayerState, command: SetUtcOffset, catalog: Catalog
) -> Outcome:
    """``set_utc_offset`` (module rules)."""
    retention = state.retention
    changed = retention.offset_changed_at
    if changed is not None and command.at - changed < OFFSET_CHANGE_MS:
        wait = OFFSET_CHANGE_MS - (command.at - changed)
        return Outcome(
            state=state,
            events=(),
            reply=Rejection(RATE_LIMITED, "one offset change a day", wait),
        )
    retention = evolve(
        retention, utc_offset_minutes=command.minutes, offset_changed_at=command.at
    )
    return Outcome(
        state=evolve(state, seq=state.seq + 1, retention=retention),
        events=(UtcOffsetSet(command.at, command.minutes),),
        reply=UtcOffsetChanged(
            minutes=command.minutes, local_day=local_day(command.at, command.minutes)
        ),
    )


def daily_login_status(state: PlayerState, at: int) -> DailyLoginStatus:
    """What a claim at ``at`` would give (or what today's gave); changes nothing."""
    login = state.retention.login
    # ``step`` applies a claim earlier than the clock at the clock's instant
    # (engine rules: the clock never goes back), so the status reads "today" there.
    today = local_day(max(at, state.clock.now_at), state.retention.utc_offset_minutes)
    streak = _next_streak(login, today)
    if streak is None:
        return DailyLoginStatus(
            streak=login.streak, day=cycle_day(login.streak), claimable=False
        )
    return DailyLoginStatus(streak=streak, day=cycle_day(streak), claimable=True)


def claim_daily_reward(
    state: PlayerState, command: ClaimDailyReward, catalog: Catalog
) -> Outcome:
    """``claim_daily_reward`` (module rules)."""
    login = state.retention.login
    today = local_day(command.at, state.retention.utc_offset_minutes)
    streak = _next_streak(login, today)
    if streak is None:
        return Outcome(
            state=state,
            events=(),
            reply=Rejection(ALREADY_CLAIMED, "today's reward was claimed"),
        )
    day = cycle_day(streak)
    paid, events, text = grant_reward(
        state,
        catalog.login.reward(day),
        at=command.at,
        reason="daily_reward",
        key=f"login:{today}",
        energy_rules=catalog.energy,
        item_names=catalog.items.names,
    )
    retention = evolve(paid.retention, login=LoginStreak(streak=streak, last_day=today))
    claimed = LoginRewardClaimed(
        at=command.at, local_day=today, cycle_day=day, streak=streak, reward=text
    )
    state = evolve(paid, seq=state.seq + 1, retention=retention)
    return Outcome(
        state=state,
        events=(*events, claimed),
        reply=DailyRewardClaimed(
            day=day,
            reward=text,
            streak=streak,
            diamonds=state.wallet.diamonds,
            energy=current_energy(state.energy, command.at, catalog.energy),
        ),
    )
