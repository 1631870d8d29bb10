"""Optional Sentry reporting: ``SENTRY_DSN``, the SDK's options and error lines."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
import structlog

from baolife_app import sentry
from baolife_app.bootstrap import (
    Settings,
    SettingsError,
    configure_logging,
    start_sentry,
)
from baolife_app.sentry import SentryError, forward_errors, init_sentry

DSN = "https://public@sentry.example.invalid/1"
MISSING = (
    "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'baolife[sentry]'"
)


class FakeSdk(types.ModuleType):
    """Stands in for ``sentry_sdk``: records what it was called with."""

    def __init__(self) -> None:
        super().__init__("sentry_sdk")
        self.inits: list[dict[str, Any]] = []
        self.exceptions: list[tuple[BaseException, dict[str, Any]]] = []
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def init(self, **options: Any) -> None:
        self.inits.append(options)

    def capture_exception(self, error: BaseException, **scope: Any) -> None:
        self.exceptions.append((error, scope))

    def capture_message(self, message: str, **scope: Any) -> None:
        self.messages.append((message, scope))


@pytest.fixture(autouse=True)
def no_sdk_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with Sentry off, and leaves it off."""
    monkeypatch.setattr(sentry, "_sdk", None)


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> FakeSdk:
    """A fake ``sentry_sdk`` module, importable for the test."""
    fake = FakeSdk()
    monkeypatch.setitem(sys.modules, "sentry_sdk", fake)
    return fake


@pytest.fixture
def sdk_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import sentry_sdk`` fails, as when the extra is not installed."""
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)


class TestInit:
    """``init_sentry`` starts the SDK with fixed options."""

    def test_the_exact_options(self, sdk: FakeSdk) -> None:
        """10 % traces and profiles, no personal data, the given names."""
        init_sentry(DSN, environment="production", release="baolife@1.2.3")
        assert [
            {
                "dsn": DSN,
                "environment": "production",
                "release": "baolife@1.2.3",
                "traces_sample_rate": 0.1,
                "profiles_sample_rate": 0.1,
                "send_default_pii": False,
            }
        ] == sdk.inits

    @pytest.mark.usefixtures("sdk_missing")
    def test_missing_sdk_is_a_clear_error(self) -> None:
        """Without ``sentry-sdk`` the error names the extra to install."""
        with pytest.raises(SentryError) as raised:
            init_sentry(DSN, environment="production", release="baolife@1.2.3")
        assert MISSING == str(raised.value)


class TestSettings:
    """``SENTRY_DSN`` switches Sentry on at server start."""

    @pytest.mark.parametrize(
        ("environ", "dsn"),
        [({}, None), ({"SENTRY_DSN": ""}, None), ({"SENTRY_DSN": DSN}, DSN)],
    )
    def test_read_from_the_environment(
        self, environ: dict[str, str], dsn: str | None
    ) -> None:
        """An unset or empty ``SENTRY_DSN`` means off."""
        assert dsn == Settings.from_env(environ).sentry_dsn

    def test_started_with_the_settings(self, sdk: FakeSdk) -> None:
        """The environment follows ``BAOLIFE_ENV``; the release is the package's."""
        settings = Settings.from_env(
            {
                "SENTRY_DSN": DSN,
                "BAOLIFE_ENV": "production",
                "BAOLIFE_TOKEN_SECRET": "s",
            }
        )
        assert start_sentry(settings) is True
        [options] = sdk.inits
        assert ("production", DSN) == (options["environment"], options["dsn"])
        assert options["release"].startswith("baolife@")

    @pytest.mark.usefixtures("sdk_missing")
    def test_off_without_a_dsn(self) -> None:
        """No DSN: nothing is imported or started, even without the SDK."""
        assert start_sentry(Settings()) is False

    @pytest.mark.usefixtures("sdk_missing")
    def test_a_dsn_without_the_sdk_refuses_to_start(self) -> None:
        """The server does not start half-observed: a settings error instead."""
        with pytest.raises(SettingsError) as raised:
            start_sentry(Settings(sentry_dsn=DSN))
        assert MISSING == str(raised.value)


class TestForwardErrors:
    """Error log lines are reported once Sentry is started."""

    def test_nothing_is_reported_before_init(self, sdk: FakeSdk) -> None:
        """Without ``init_sentry`` the processor passes lines through untouched."""
        line = {"event": "internal_error", "exc_info": ValueError("x")}
        assert line == forward_errors(None, "error", dict(line))
        assert ([], []) == (sdk.exceptions, sdk.messages)

    def test_an_exception_line_reports_the_exception_with_bounded_tags(
        self, sdk: FakeSdk
    ) -> None:
        """``log.exception`` reports the exception; no player id goes along."""
        init_sentry(DSN, environment="development", release="baolife@0")
        configure_logging()
        log = structlog.get_logger("test")
        error = RuntimeError("storage exploded")
        try:
            raise error
        except RuntimeError:
            log.exception("internal_error", error_id="e1", type="ping", player_id="p1")
        tags = {"event": "internal_error", "error_id": "e1", "type": "ping"}
        assert [(error, {"tags": tags})] == sdk.exceptions

    def test_an_error_without_exception_is_a_message(self, sdk: FakeSdk) -> None:
        """An error line with no exception is reported by its event name."""
        init_sentry(DSN, environment="development", release="baolife@0")
        forward_errors(None, "error", {"event": "purge_failed", "error": "Boom"})
        assert [
            ("purge_failed", {"level": "error", "tags": {"event": "purge_failed"}})
        ] == sdk.messages

    def test_lower_levels_are_not_reported(self, sdk: FakeSdk) -> None:
        """Info and warning lines stay in the log only."""
        init_sentry(DSN, environment="development", release="baolife@0")
        for method in ("debug", "info", "warning"):
            forward_errors(None, method, {"event": "slow_request"})
        assert ([], []) == (sdk.exceptions, sdk.messages)
