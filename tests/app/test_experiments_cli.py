"""Tests of ``baolife experiments report``: a flag's variants compared on a
conversion event, read from the analytics tables of a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from baolife_app.cli import main
from baolife_core.analytics import exposure
from baolife_storage_mysql import make_engine, run_migrations
from baolife_storage_mysql.schema import analytics_events
from content_packs import copy_content

T0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z
#: The table and verdict of the textbook example (200/1000 against 250/1000).
TEXTBOOK = """\
experiment tutorial_flow: conversion to tutorial_advanced
variant                exposed converted     rate
classic                   1000       200  20.00 %
guided                    1000       250  25.00 %
guided vs classic (control): +5.00 points, z = 2.68, p = 0.0074
  significant at 5 %: guided converts more than classic
"""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated SQLite file: its URL, and an engine to write rows with."""
    url = f"sqlite:///{tmp_path / 'baolife.db'}"
    engine = make_engine(url)
    run_migrations(engine)
    yield url, engine
    engine.dispose()


def write(
    engine: Engine,
    flag: str,
    variant: str,
    *,
    exposed: int,
    converted: int,
    at: int = T0,
    event: str = "tutorial_advanced",
) -> None:
    """``exposed`` new players shown ``variant`` at ``at``, the first
    ``converted`` of them doing ``event`` a second later."""
    ids = [f"{variant}-{at}-{n}" for n in range(exposed)]
    rows = [exposure(pid, None, flag=flag, variant=variant, at=at) for pid in ids]
    with engine.begin() as connection:
        connection.execute(
            insert(analytics_events),
            [
                {
                    "player_id": row.player_id,
                    "session_id": None,
                    "name": row.name,
                    "properties": row.properties,
                    "at": row.at,
                }
                for row in rows
            ]
            + [
                {
                    "player_id": pid,
                    "session_id": None,
                    "name": event,
                    "properties": "{}",
                    "at": at + 1_000,
                }
                for pid in ids[:converted]
            ],
        )


class TestReport:
    """The table, each variant against the control, exit 0."""

    def test_textbook(
        self, database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """200 of 1000 against 250 of 1000: z ≈ 2.68, p ≈ 0.0074, significant."""
        url, engine = database
        write(engine, "tutorial_flow", "classic", exposed=1000, converted=200)
        write(engine, "tutorial_flow", "guided", exposed=1000, converted=250)
        write(engine, "store_layout", "grid", exposed=10, converted=10)
        argv = ["experiments", "report", "tutorial_flow"]
        assert 0 == main([*argv, "--event", "tutorial_advanced", "--db", url])
        captured = capsys.readouterr()
        assert (TEXTBOOK, "") == (captured.out, captured.err)

    def test_three_variants_and_no_data(
        self, database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every other variant is compared with the control (the first); a
        variant nobody saw is a row of zeros and no test."""
        url, engine = database
        for variant, converted in (("store_link", 10), ("popup", 12)):
            write(
                engine,
                "refill_offer",
                variant,
                exposed=50,
                converted=converted,
                event="energy_refilled",
            )
        argv = ["experiments", "report", "refill_offer", "--event", "energy_refilled"]
        assert 0 == main([*argv, "--db", url])
        lines = capsys.readouterr().out.splitlines()
        assert [
            "store_link                  50        10  20.00 %",
            "popup                       50        12  24.00 %",
            "countdown                    0         0   0.00 %",
            "popup vs store_link (control): +4.00 points, z = 0.48, p = 0.6292",
            "  not significant at 5 %: no evidence of a difference",
            "countdown vs store_link (control): -20.00 points, z = 0.00, p = 1.0000",
            "  no test: nobody was exposed to countdown",
        ] == lines[2:]

    def test_since(
        self, database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--since`` leaves out exposures before it."""
        url, engine = database
        write(engine, "quest_board", "list", exposed=5, converted=5, at=T0)
        write(engine, "quest_board", "list", exposed=4, converted=1, at=T0 + 60_000)
        write(engine, "quest_board", "cards", exposed=2, converted=0, at=T0 + 60_000)
        argv = ["experiments", "report", "quest_board", "--event", "tutorial_advanced"]
        assert 0 == main([*argv, "--db", url, "--since", str(T0 + 1)])
        lines = capsys.readouterr().out.splitlines()
        assert (
            "experiment quest_board: conversion to tutorial_advanced, "
            f"exposures at or after {T0 + 1} ms"
        ) == lines[0]
        assert "list                         4         1  25.00 %" == lines[2]

    def test_database_from_the_environment(
        self,
        database: tuple[str, Engine],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Without ``--db`` the report reads ``BAOLIFE_DB_URL``."""
        url, engine = database
        write(engine, "push_copy", "plain", exposed=3, converted=1)
        monkeypatch.setenv("BAOLIFE_DB_URL", url)
        assert 0 == main(["experiments", "report", "push_copy", "--event", "birthday"])
        lines = capsys.readouterr().out.splitlines()
        assert "plain                        3         0   0.00 %" == lines[2]

    def test_custom_content(
        self,
        database: tuple[str, Engine],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """``--content`` reads the flags of another content directory."""
        url, engine = database
        content = tmp_path / "content"
        content.mkdir()

        def add_flag(name: str, text: str) -> str:
            if name != "experiments.toml":
                return text
            return text + (
                '\n[[flags]]\nid = "paywall"\n'
                'variants = [{ id = "soft", weight = 30 }, '
                '{ id = "hard", weight = 70 }]\n'
            )

        copy_content(content, add_flag)
        write(engine, "paywall", "hard", exposed=2, converted=1)
        argv = ["experiments", "report", "paywall", "--event", "tutorial_advanced"]
        assert 0 == main([*argv, "--db", url, "--content", str(content)])
        lines = capsys.readouterr().out.splitlines()
        assert "hard                         2         1  50.00 %" == lines[3]
        assert 2 == main([*argv, "--db", url])  # not a bundled flag


class TestBadInput:
    """Clear errors, nothing written."""

    def test_unknown_flag(
        self, database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A flag the content does not have: exit 2, the flags listed."""
        url, _ = database
        argv = ["experiments", "report", "paywall", "--event", "tutorial_advanced"]
        assert 2 == main([*argv, "--db", url])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert (
            "baolife: no experiment flag 'paywall' (flags: tutorial_flow, "
            "store_layout, refill_offer, daily_reward_presentation, quest_board, "
            "dating_onboarding, push_copy)\n"
        ) == captured.err

    @pytest.mark.parametrize("event", ["tutorial", "experiment_exposure", ""])
    def test_unknown_event(
        self,
        event: str,
        database: tuple[str, Engine],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """An event name no domain event has: exit 2."""
        url, _ = database
        argv = ["experiments", "report", "tutorial_flow", "--event", event]
        assert 2 == main([*argv, "--db", url])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert f"baolife: {event!r} is no event name" in captured.err

    def test_a_database_without_tables(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database never migrated: exit 1, the driver's message, no SQL."""
        path = tmp_path / "empty.db"
        path.touch()  # an empty SQLite database: no tables
        url = f"sqlite:///{path}"
        argv = ["experiments", "report", "tutorial_flow", "--event", "birthday"]
        assert 1 == main([*argv, "--db", url])
        err = capsys.readouterr().err
        assert (
            "baolife: cannot read the analytics: no such table: analytics_events\n"
        ) == err

    def test_a_missing_database_file_is_not_created(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A SQLite path that names no file: exit 2, and no empty file is made."""
        path = tmp_path / "none.db"
        argv = ["experiments", "report", "tutorial_flow", "--event", "birthday"]
        assert 2 == main([*argv, "--db", f"sqlite:///{path}"])
        assert f"baolife: no database file {path}\n" == capsys.readouterr().err
        assert not path.exists()

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["tutorial_flow"], "--event"),
            (["tutorial_flow", "--event", "birthday", "--since", "soon"], "--since"),
            (["tutorial_flow", "--event", "birthday", "--since", "-1"], "--since"),
            (["--event", "birthday"], "flag"),
        ],
    )
    def test_usage_errors(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A missing flag or event, or a bad ``--since``: usage error, exit 2."""
        with pytest.raises(SystemExit) as exited:
            main(["experiments", "report", *argv])
        assert 2 == exited.value.code
        assert message in capsys.readouterr().err

    def test_the_database_is_unchanged(
        self, database: tuple[str, Engine], tmp_path: Path
    ) -> None:
        """A report only reads: the database file is byte for byte the same."""
        url, engine = database
        write(engine, "tutorial_flow", "classic", exposed=3, converted=1)
        engine.dispose()
        before = (tmp_path / "baolife.db").read_bytes()
        argv = ["experiments", "report", "tutorial_flow", "--event", "birthday"]
        assert 0 == main([*argv, "--db", url])
        assert 2 == main(
            ["experiments", "report", "x", "--event", "birthday", "--db", url]
        )
        assert 2 == main([*argv[:3], "--event", "nope", "--db", url])
        assert before == (tmp_path / "baolife.db").read_bytes()
