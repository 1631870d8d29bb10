"""``GameMachine`` lets time pass by the calendar of the content it plays."""

from __future__ import annotations

import attrs

from baolife_core import load_catalog
from baolife_core.clock import MS_PER_DAY
from baolife_core.testing.machine import GameMachine


def test_a_year_is_the_contents_year() -> None:
    """On content with longer years and a slower clock, ``years_pass`` moves the
    wall clock by that content's year, not the bundled one's."""
    bundled = load_catalog()
    life = attrs.evolve(bundled.life, days_per_year=bundled.life.days_per_year * 2)
    clock = attrs.evolve(bundled.clock, time_scale=bundled.clock.time_scale // 2)
    machine = GameMachine.on(attrs.evolve(bundled, life=life, clock=clock))()
    machine.years_pass(3)
    year = life.days_per_year * MS_PER_DAY // clock.time_scale
    assert 3 * year == machine.now
    assert (
        4 * bundled.life.days_per_year * MS_PER_DAY // bundled.clock.time_scale == year
    )


def test_a_day_is_a_wall_day() -> None:
    """``days_pass`` moves wall days (login streaks and daily quests use them)."""
    machine = GameMachine()
    machine.days_pass(2)
    assert 2 * MS_PER_DAY == machine.now
