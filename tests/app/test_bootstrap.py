"""Tests of the composition root: settings, and the service it builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from baolife_app import Settings, SettingsError, build_service
from baolife_app.text_writer import LlmTextWriter
from baolife_core import load_catalog
from baolife_storage_mysql import DEFAULT_DB_URL
from baolife_storage_mysql.schema import locations
from content_packs import copy_content


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


def _locations(settings: Settings) -> dict[str, str]:
    """Start a service on ``settings``, and the location names its database holds."""
    _, store = build_service(settings)
    try:
        with store.engine.connect() as connection:
            rows = connection.execute(select(locations.c.id, locations.c.name)).all()
    finally:
        store.close()
    return {row.id: row.name for row in rows}


def _content(directory: Path, old: str, new: str) -> Path:
    """The bundled content in ``directory`` with ``old`` replaced in activities."""

    def edit(name: str, text: str) -> str:
        if name != "activities.toml":
            return text
        assert old in text
        return text.replace(old, new, 1)

    directory.mkdir()
    return copy_content(directory, edit)


class TestBuildService:
    """The service's database is migrated and its catalog tables follow the content."""

    def test_the_locations_table_holds_the_content_it_runs(
        self, tmp_path: Path
    ) -> None:
        """A new database gets every location of the bundled content."""
        settings = Settings(db_url=f"sqlite:///{tmp_path / 'serve.db'}")
        expected = {loc.id: loc.name for loc in load_catalog().activities.locations}
        assert expected == _locations(settings)

    def test_each_start_syncs_the_content_of_that_start(self, tmp_path: Path) -> None:
        """Restarted with a renamed location, the row follows; and back again."""
        url = f"sqlite:///{tmp_path / 'serve.db'}"
        first = load_catalog().activities.locations[0]
        renamed = _content(
            tmp_path / "content", f'name = "{first.name}"', 'name = "Elsewhere"'
        )
        assert first.name == _locations(Settings(db_url=url))[first.id]
        restarted = _locations(Settings(db_url=url, content_dir=renamed))
        assert "Elsewhere" == restarted[first.id]
        assert first.name == _locations(Settings(db_url=url))[first.id]

    def test_content_that_does_not_fit_the_table_refuses_to_start(
        self, tmp_path: Path
    ) -> None:
        """A location name longer than its column is a startup error."""
        url = f"sqlite:///{tmp_path / 'serve.db'}"
        first = load_catalog().activities.locations[0]
        long = _content(
            tmp_path / "content", f'name = "{first.name}"', f'name = "{"P" * 200}"'
        )
        with pytest.raises(ValueError, match=r"locations\.name"):
            build_service(Settings(db_url=url, content_dir=long))


class TestTextWriterSettings:
    """``BAOLIFE_LLM_*`` turn on the LLM text writer; without them, the grammar."""

    def test_off_by_default(self, tmp_path: Path) -> None:
        """No URL: the service has no writer, so the content's grammar writes."""
        settings = Settings.from_env({}, db_url=f"sqlite:///{tmp_path / 'a.db'}")
        assert settings.llm_url is None
        service, store = build_service(settings)
        store.close()
        assert service.writer is None

    def test_configured_from_the_environment(self, tmp_path: Path) -> None:
        """URL, model, key and timeout reach the writer the service uses."""
        settings = Settings.from_env(
            {
                "BAOLIFE_LLM_URL": "http://llm.internal/v1/",
                "BAOLIFE_LLM_MODEL": "m",
                "BAOLIFE_LLM_API_KEY": "k",
                "BAOLIFE_LLM_TIMEOUT_S": "1.5",
            },
            db_url=f"sqlite:///{tmp_path / 'b.db'}",
        )
        service, store = build_service(settings)
        store.close()
        writer = service.writer
        assert isinstance(writer, LlmTextWriter)
        assert ("http://llm.internal/v1/chat/completions", "m", "k", 1.5) == (
            writer.url,
            writer.model,
            writer.api_key,
            writer.timeout_s,
        )

    def test_a_bad_timeout_is_a_settings_error(self) -> None:
        """A timeout that is not a number stops startup with a clear message."""
        with pytest.raises(SettingsError, match="BAOLIFE_LLM_TIMEOUT_S"):
            Settings.from_env({"BAOLIFE_LLM_TIMEOUT_S": "soon"})


class TestPurgeSettings:
    """``BAOLIFE_PURGE_INTERVAL_S``: how often the server purges due accounts."""

    @pytest.mark.parametrize(
        ("value", "interval"),
        [(None, 3600.0), ("60", 60.0), ("0.5", 0.5), ("0", None)],
    )
    def test_the_interval(self, value: str | None, interval: float | None) -> None:
        """Hourly by default; ``0`` switches the purge task off."""
        environ = {} if value is None else {"BAOLIFE_PURGE_INTERVAL_S": value}
        assert interval == Settings.from_env(environ).purge_interval_s

    @pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
    def test_a_bad_interval_is_refused(self, value: str) -> None:
        """Not a finite number of seconds ≥ 0: a settings error naming it."""
        with pytest.raises(SettingsError, match="BAOLIFE_PURGE_INTERVAL_S"):
            Settings.from_env({"BAOLIFE_PURGE_INTERVAL_S": value})


class TestTickSettings:
    """``BAOLIFE_TICK_INTERVAL_S``: the game tick's period."""

    @pytest.mark.parametrize(
        ("value", "interval"),
        [(None, 5.0), ("1", 1.0), ("0.25", 0.25), ("0", None)],
    )
    def test_the_interval(self, value: str | None, interval: float | None) -> None:
        """Every 5 s by default; ``0`` switches the tick off."""
        environ = {} if value is None else {"BAOLIFE_TICK_INTERVAL_S": value}
        assert interval == Settings.from_env(environ).tick_interval_s

    @pytest.mark.parametrize("value", ["often", "-2", "nan", "inf"])
    def test_a_bad_interval_is_refused(self, value: str) -> None:
        """Not a finite number of seconds ≥ 0: a settings error naming it."""
        with pytest.raises(SettingsError, match="BAOLIFE_TICK_INTERVAL_S"):
            Settings.from_env({"BAOLIFE_TICK_INTERVAL_S": value})


class TestCacheSettings:
    """``BAOLIFE_CACHE_SIZE`` and ``BAOLIFE_CACHE_TTL_S``: the snapshot cache."""

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({}, (256, 300.0)),
            ({"BAOLIFE_CACHE_SIZE": "0"}, (0, 300.0)),
            ({"BAOLIFE_CACHE_SIZE": "1024", "BAOLIFE_CACHE_TTL_S": "30"}, (1024, 30.0)),
        ],
    )
    def test_the_settings(
        self, environ: dict[str, str], expected: tuple[int, float]
    ) -> None:
        """256 players for 5 minutes by default; the environment overrides."""
        settings = Settings.from_env(environ)
        assert expected == (settings.cache_size, settings.cache_ttl_s)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("BAOLIFE_CACHE_SIZE", "-1"),
            ("BAOLIFE_CACHE_SIZE", "many"),
            ("BAOLIFE_CACHE_SIZE", "2.5"),
            ("BAOLIFE_CACHE_TTL_S", "0"),
            ("BAOLIFE_CACHE_TTL_S", "-5"),
            ("BAOLIFE_CACHE_TTL_S", "inf"),
            ("BAOLIFE_CACHE_TTL_S", "nan"),
            ("BAOLIFE_CACHE_TTL_S", "soon"),
        ],
    )
    def test_bad_values_are_refused(self, name: str, value: str) -> None:
        """A value out of range is a settings error naming the variable."""
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})

    def test_the_store_gets_them(self, tmp_path: Path) -> None:
        """``build_service`` builds the store's cache from the settings."""
        settings = Settings(
            db_url=f"sqlite:///{tmp_path / 'c.db'}", cache_size=3, cache_ttl_s=9.0
        )
        _, store = build_service(settings)
        try:
            assert (3, 9.0) == (store.cache.size, store.cache.ttl_s)
        finally:
            store.close()


class TestFreezeStartupHeap:
    """``freeze_startup_heap``: what is alive at startup leaves the collector's view."""

    def test_moves_live_objects_to_the_permanent_generation(self) -> None:
        """After the call the permanent generation holds objects; unfreezing
        returns them (the test leaves the collector as it found it)."""
        import gc

        from baolife_app.bootstrap import freeze_startup_heap

        try:
            freeze_startup_heap()
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
