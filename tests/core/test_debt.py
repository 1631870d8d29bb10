"""A refund's debt and the passing of time: ``advance`` stays split invariant."""

from __future__ import annotations

from attrs import evolve

from baolife_core import ApplyForJob, JobApplicationResult, PlayerState, advance, step
from content_packs import IMMORTAL
from lives import YEAR, aged, at_day


def indebted_clerk() -> PlayerState:
    """A 17-year-old retail clerk whose refund left 12 diamonds owed, balance 0."""
    state = aged(17)
    for _ in range(8):
        outcome = step(
            state, ApplyForJob(at=state.clock.now_at + 1, job="retail_clerk"), IMMORTAL
        )
        state = outcome.state
        if isinstance(outcome.reply, JobApplicationResult) and outcome.reply.hired:
            break
    wallet = state.wallet
    return evolve(
        state,
        wallet=evolve(
            wallet, diamonds=0, spent=wallet.earned, entries=wallet.entries + 1, debt=12
        ),
    )


class TestDebtAndTime:
    """Achievement credits while days are lived never repay debt inside ``advance``."""

    def test_advance_is_split_invariant_with_debt(self) -> None:
        """Crossing a payday and a birthday in one step or two gives one state."""
        state = indebted_clerk()
        month = IMMORTAL.careers.settings.month_days
        t1 = at_day(17 * YEAR + month + 1)
        t2 = at_day(18 * YEAR + 1)
        direct = advance(state, t2, IMMORTAL)
        assert direct.wallet.diamonds > 0  # achievements paid while days were lived
        assert (
            12 == direct.wallet.debt
        )  # … and nothing was repaid by the passing of time
        assert direct == advance(advance(state, t1, IMMORTAL), t2, IMMORTAL)
