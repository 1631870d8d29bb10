"""``purchase_time_skip``: buy game time with diamonds.

Rules (DESIGN.md "Determinism rules" 4; issue "Life clock", time skips):

- The skip must exist in the catalog (else ``not_found``); the wallet must hold the
  price (else ``insufficient_diamonds``); ``activity_end`` needs a living character
  busy with an activity (else ``invalid_state``).
- A skip adds game milliseconds to the life clock (``skipped_ms``); wall time, and so
  energy regeneration, is untouched. ``game_hours`` skips add a fixed amount;
  ``until = "next_day"`` skips to the start of the next game day from the game time
  at ``at``; ``until = "activity_end"`` to the end of the current activity. Game
  time stays a pure function of wall time plus skips, so ``advance`` stays split
  invariant. The character lives every game day the skip crosses (``life.days``),
  exactly as if the time had passed.
- On success: one ``DiamondsSpent`` ledger entry (reason ``time_skip``), one
  ``GameTimeSkipped`` event and the reply ``time_skipped``.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..clock import MS_PER_DAY, game_elapsed_ms
from ..commands import PurchaseTimeSkip
from ..events import Event, GameTimeSkipped
from ..ids import mint_id
from ..life.days import live_days
from ..outcome import Outcome, reject
from ..replies import INSUFFICIENT_DIAMONDS, INVALID_STATE, NOT_FOUND, TimeSkipped
from ..state import PlayerState
from .wallet import debit

__all__ = ["purchase_time_skip", "skip_game_time"]


def skip_game_time(
    state: PlayerState, skipped: int, at: int, catalog: Catalog
) -> tuple[PlayerState, tuple[Event, ...]]:
    """The state ``skipped`` game ms later (living the days crossed), and its events."""
    clock = state.clock
    before = game_elapsed_ms(
        clock.started_at, clock.now_at, catalog.clock.time_scale, clock.skipped_ms
    )
    day = (before + skipped) // MS_PER_DAY
    lived_state, lived = live_days(state, day, at, catalog)
    new_clock = evolve(clock, skipped_ms=clock.skipped_ms + skipped, day=day)
    return evolve(lived_state, clock=new_clock), lived


def purchase_time_skip(
    state: PlayerState, command: PurchaseTimeSkip, catalog: Catalog
) -> Outcome:
    """Apply a time-skip purchase to a state already advanced to ``command.at``."""
    skip = catalog.time_skip(command.skip_type)
    if skip is None:
        return reject(state, NOT_FOUND, f"unknown skip_type {command.skip_type!r}")
    if state.wallet.diamonds < skip.diamonds:
        return reject(
            state,
            INSUFFICIENT_DIAMONDS,
            f"{skip.id} costs {skip.diamonds}, balance is {state.wallet.diamonds}",
        )
    clock = state.clock
    scale = catalog.clock.time_scale
    before = game_elapsed_ms(clock.started_at, clock.now_at, scale, clock.skipped_ms)
    character = state.character
    if skip.game_ms is not None:
        skipped = skip.game_ms
    elif skip.until == "next_day":
        skipped = MS_PER_DAY - before % MS_PER_DAY
    elif (
        character is not None
        and character.death is None
        and character.busy_until > before
    ):
        skipped = character.busy_until - before
    else:
        return reject(state, INVALID_STATE, "no activity to finish")
    seq = state.seq + 1
    transaction_id = mint_id(state.seed, seq, "purchase")
    wallet, spent = debit(
        state.wallet,
        at=command.at,
        amount=skip.diamonds,
        reason="time_skip",
        reference=skip.id,
        transaction_id=transaction_id,
    )
    after = before + skipped
    day = after // MS_PER_DAY
    moved = GameTimeSkipped(
        at=command.at,
        skip_type=skip.id,
        game_ms=skipped,
        day_before=clock.day,
        day_after=day,
        diamonds=skip.diamonds,
        transaction_id=transaction_id,
    )
    after_days, lived = skip_game_time(state, skipped, command.at, catalog)
    return Outcome(
        state=evolve(after_days, seq=seq, wallet=wallet),
        events=(spent, moved, *lived),
        reply=TimeSkipped(
            diamonds=wallet.diamonds,
            transaction_id=transaction_id,
            skip_type=skip.id,
            game_ms_skipped=skipped,
            game_day=day,
            game_time_ms=after,
        ),
    )
