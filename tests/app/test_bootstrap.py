"""Tests of the composition root's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from baolife_app import Settings, SettingsError
from baolife_storage_mysql import DEFAULT_DB_URL


class TestSettings:
    """Flags over environment over defaults; production refuses unsafe defaults."""

    def test_defaults(self) -> None:
        """With nothing set: SQLite ./baolife.db on 127.0.0.1:8001, development."""
        settings = Settings.from_env({})
        assert ("127.0.0.1", 8001, DEFAULT_DB_URL) == (
            settings.host,
            settings.port,
            settings.db_url,
        )
        assert "sqlite:///baolife.db" == DEFAULT_DB_URL
        assert settings.token_secret is None
        assert not settings.production

    def test_environment(self) -> None:
        """BAOLIFE_DB_URL, BAOLIFE_TOKEN_SECRET and BAOLIFE_ENV are read."""
        settings = Settings.from_env(
            {
                "BAOLIFE_DB_URL": "mysql+pymysql://u@h/db",
                "BAOLIFE_TOKEN_SECRET": "s3cret",
                "BAOLIFE_ENV": "production",
            }
        )
        assert "mysql+pymysql://u@h/db" == settings.db_url
        assert "s3cret" == settings.token_secret
        assert settings.production

    def test_flags_win_over_environment(self) -> None:
        """A flag given on the command line overrides the environment."""
        settings = Settings.from_env(
            {"BAOLIFE_DB_URL": "sqlite:///env.db"},
            db_url="sqlite:///flag.db",
            port=9000,
            host=None,
            content_dir=Path("content"),
        )
        assert ("sqlite:///flag.db", 9000, "127.0.0.1", Path("content")) == (
            settings.db_url,
            settings.port,
            settings.host,
            settings.content_dir,
        )

    def test_production_requires_a_token_secret(self) -> None:
        """BAOLIFE_ENV=production without BAOLIFE_TOKEN_SECRET is a startup error."""
        with pytest.raises(SettingsError, match="BAOLIFE_TOKEN_SECRET"):
            Settings.from_env({"BAOLIFE_ENV": "production"})

    def test_empty_secret_counts_as_missing(self) -> None:
        """An empty BAOLIFE_TOKEN_SECRET is not a secret."""
        with pytest.raises(SettingsError):
            Settings.from_env({"BAOLIFE_ENV": "production", "BAOLIFE_TOKEN_SECRET": ""})
