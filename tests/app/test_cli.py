"""Tests of the ``baolife`` command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy

from baolife_app.cli import main
from content_packs import copy_content


def _content(tmp_path: Path) -> Path:
    return copy_content(tmp_path)


class TestContentCheck:
    """``baolife content check`` validates a content directory."""

    def test_bundled_content_is_valid(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The bundled content passes and the tiers are counted."""
        assert 0 == main(["content", "check"])
        out = capsys.readouterr().out
        assert "content ok: 4 energy refill tiers, 4 time skips, 6 life stages" in out
        assert "9 activities at 8 locations, 98 life events" in out

    def test_invalid_content_names_file_entry_and_field(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad price exits 2 with the file, entry and field in the message."""
        directory = _content(tmp_path)
        economy = directory / "economy.toml"
        economy.write_text(
            economy.read_text(encoding="utf-8").replace(
                "diamonds = 35", 'diamonds = "35"'
            )
        )
        assert 2 == main(["content", "check", str(directory)])
        err = capsys.readouterr().err
        assert "economy.toml: energy_refills[full].diamonds: must be an integer" in err

    def test_missing_directory_is_reported(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A directory without the content files exits 2 naming the missing file."""
        shutil.rmtree(tmp_path)
        tmp_path.mkdir()
        assert 2 == main(["content", "check", str(tmp_path)])
        assert "economy.toml" in capsys.readouterr().err


class TestDbUpgrade:
    """``baolife db upgrade`` creates the schema."""

    def test_upgrade_creates_the_tables(self, tmp_path: Path) -> None:
        """The players and ledger tables exist after an upgrade of an empty file."""
        url = f"sqlite:///{tmp_path / 'up.db'}"
        assert 0 == main(["db", "upgrade", "--db", url])
        tables = set(
            sqlalchemy.inspect(sqlalchemy.create_engine(url)).get_table_names()
        )
        assert {"players", "player_journal", "diamond_transactions"} <= tables

    def test_upgrade_twice_is_harmless(self, tmp_path: Path) -> None:
        """A second upgrade finds nothing to do and succeeds."""
        url = f"sqlite:///{tmp_path / 'twice.db'}"
        assert 0 == main(["db", "upgrade", "--db", url])
        assert 0 == main(["db", "upgrade", "--db", url])


class TestServeSettings:
    """``baolife serve`` refuses to start with unsafe production settings."""

    def test_production_without_secret_exits_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """BAOLIFE_ENV=production and no secret: a clear error, exit code 2."""
        monkeypatch.setenv("BAOLIFE_ENV", "production")
        monkeypatch.delenv("BAOLIFE_TOKEN_SECRET", raising=False)
        assert 2 == main(["serve", "--port", "0"])
        assert "BAOLIFE_TOKEN_SECRET" in capsys.readouterr().err
