"""``experiment_counts``: exposed and converted players per variant, from
``analytics_events``, on SQLite and MariaDB.

The MariaDB database is shared by the session's tests, so every test uses its own
flag and uuid4 player ids: rows of other tests never match.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, insert

from baolife_core.analytics import EXPOSURE, analytics_events, exposure
from baolife_core.events import DateWent, Event, TutorialAdvanced
from baolife_core.experiments import VariantCounts
from baolife_storage_mysql.analytics import SqlAnalyticsSink
from baolife_storage_mysql.experiments import experiment_counts
from baolife_storage_mysql.schema import analytics_events as table

from .support import T0

#: The conversion event of most tests.
EVENT = "tutorial_advanced"


@pytest.fixture
def flag() -> str:
    """A flag id no other test writes."""
    return f"flag_{uuid.uuid4().hex[:12]}"


def players(count: int) -> list[str]:
    """``count`` fresh player ids."""
    return [str(uuid.uuid4()) for _ in range(count)]


def insert_rows(engine: Engine, *rows: tuple[str | None, str, str, int]) -> None:
    """Write ``(player id, name, properties, at)`` rows to ``analytics_events``."""
    with engine.begin() as connection:
        connection.execute(
            insert(table),
            [
                {
                    "player_id": player,
                    "session_id": None,
                    "name": name,
                    "properties": properties,
                    "at": at,
                }
                for player, name, properties, at in rows
            ],
        )


def exposed(
    engine: Engine, flag: str, variant: str, player: str | None, at: int
) -> None:
    """Write the exposure row ``analytics.exposure`` makes."""
    row = exposure(player or "", None, flag=flag, variant=variant, at=at)
    insert_rows(engine, (player, row.name, row.properties, row.at))


def converted(engine: Engine, player: str, at: int, name: str = EVENT) -> None:
    """Write a conversion event row (its properties do not matter)."""
    insert_rows(engine, (player, name, "{}", at))


class TestCounts:
    """Distinct exposed players, and those converting at or after exposure."""

    def test_exposed_and_converted(self, engine: Engine, flag: str) -> None:
        """Repeated exposures and conversions count a player once; a conversion
        before the first exposure, or of another event, does not count."""
        a1, a2, a3, a4, b1, b2, b3 = players(7)
        for player in (a1, a2, a3, a4):
            exposed(engine, flag, "classic", player, T0)
        for player in (b1, b2, b3):
            exposed(engine, flag, "guided", player, T0 + 10)
        exposed(engine, flag, "classic", a1, T0 + 500)  # a second session
        converted(engine, a1, T0 + 100)
        converted(engine, a1, T0 + 200)
        converted(engine, a2, T0 - 1)  # before its exposure
        converted(engine, a3, T0)  # the same instant counts
        converted(engine, b1, T0 + 10)
        converted(engine, b2, T0 + 50, name="date_went")  # another event
        assert (
            VariantCounts("classic", 4, 2),
            VariantCounts("guided", 3, 1),
        ) == experiment_counts(engine, flag, EVENT)

    def test_the_chosen_event(self, engine: Engine, flag: str) -> None:
        """Conversion is the event asked for."""
        (player,) = players(1)
        exposed(engine, flag, "on", player, T0)
        converted(engine, player, T0 + 1, name="date_went")
        assert (VariantCounts("on", 1, 1),) == experiment_counts(
            engine, flag, "date_went"
        )
        assert (VariantCounts("on", 1, 0),) == experiment_counts(engine, flag, EVENT)

    def test_nothing_recorded(self, engine: Engine, flag: str) -> None:
        """A flag nobody was exposed to has no variants."""
        assert () == experiment_counts(engine, flag, EVENT)

    def test_two_variants_of_one_player(self, engine: Engine, flag: str) -> None:
        """A player exposed to two variants (weights changed) counts in both,
        each from its own first exposure."""
        (player,) = players(1)
        exposed(engine, flag, "a", player, T0)
        converted(engine, player, T0 + 5)
        exposed(engine, flag, "b", player, T0 + 10)
        assert (VariantCounts("a", 1, 1), VariantCounts("b", 1, 0)) == (
            experiment_counts(engine, flag, EVENT)
        )

    def test_since(self, engine: Engine, flag: str) -> None:
        """Only exposures at or after ``since`` count, and a conversion counts
        from the first of those."""
        old, both, new = players(3)
        exposed(engine, flag, "v", old, T0)
        converted(engine, old, T0 + 1)
        exposed(engine, flag, "v", both, T0)
        converted(engine, both, T0 + 1)  # before its exposure in the window
        exposed(engine, flag, "v", both, T0 + 100)
        exposed(engine, flag, "v", new, T0 + 100)
        converted(engine, new, T0 + 150)
        assert (VariantCounts("v", 3, 3),) == experiment_counts(engine, flag, EVENT)
        assert (VariantCounts("v", 2, 1),) == (
            experiment_counts(engine, flag, EVENT, since=T0 + 100)
        )
        assert () == experiment_counts(engine, flag, EVENT, since=T0 + 101)


class TestOnlyTheFlagsRows:
    """Rows of other flags, other names, or no player never count."""

    def test_wildcards_in_the_flag(self, engine: Engine, flag: str) -> None:
        """``_`` and ``%`` are matched literally: ``f_x`` is not ``fax``."""
        (player,) = players(1)
        exposed(engine, flag.replace("_", "a", 1), "v", player, T0)
        exposed(engine, flag.replace("_", "%", 1), "v", player, T0)
        assert () == experiment_counts(engine, flag, EVENT)

    def test_a_longer_flag_sharing_the_prefix(self, engine: Engine, flag: str) -> None:
        """``<flag>_v2`` is another flag."""
        (player,) = players(1)
        exposed(engine, f"{flag}_v2", "v", player, T0)
        assert () == experiment_counts(engine, flag, EVENT)

    def test_rows_that_are_no_exposure(self, engine: Engine, flag: str) -> None:
        """Another row name with the same properties, an exposure without a
        player, and texts ``exposure`` never writes are ignored."""
        player, nobody = players(2)
        properties = exposure(player, None, flag=flag, variant="v", at=T0).properties
        prefix = properties[: -len('v"}')]
        insert_rows(
            engine,
            (player, "date_went", properties, T0),
            (None, EXPOSURE, properties, T0),
            (nobody, EXPOSURE, prefix + 'w","extra":1}', T0),
            (nobody, EXPOSURE, prefix + "not json", T0),
            (nobody, EXPOSURE, prefix + 'v"} ', T0),  # not canonical
        )
        assert () == experiment_counts(engine, flag, EVENT)


class TestThroughTheSink:
    """Rows written by ``SqlAnalyticsSink``, as the server writes them."""

    def test_a_session_s_rows(self, engine: Engine, flag: str) -> None:
        """Exposures and domain events of sessions, flushed by ``close``."""
        sink = SqlAnalyticsSink(engine, start=False)
        first, second = players(2)
        for n, player in enumerate((first, second)):
            session = str(uuid.uuid4())
            variant = ("control", "treatment")[n]
            sink.session_started(session, player, at=T0)
            sink.record([exposure(player, session, flag=flag, variant=variant, at=T0)])
            step = TutorialAdvanced(at=T0 + 5, flow="x", step="s", finished=False)
            events: list[Event] = [step]
            if n == 1:
                events.append(
                    DateWent(
                        at=T0 + 6,
                        life=1,
                        npc_id="npc-1",
                        venue="cafe",
                        activity="coffee",
                        outcome="good",
                        energy=10,
                        money_cents=1_500,
                        affection=40,
                        npc_affection=35,
                        day=3,
                    )
                )
            sink.record(analytics_events(player, session, events))
            sink.session_ended(session, at=T0 + 10, messages=3)
        sink.close()
        assert 0 == sink.dropped
        assert (
            VariantCounts("control", 1, 0),
            VariantCounts("treatment", 1, 1),
        ) == experiment_counts(engine, flag, "date_went")
        assert (
            VariantCounts("control", 1, 1),
            VariantCounts("treatment", 1, 1),
        ) == experiment_counts(engine, flag, EVENT)
