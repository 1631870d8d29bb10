"""Wire the store, the engine and the server from settings.

Rules of this module:

- Settings come from command-line flags first, then the environment
  (``BAOLIFE_DB_URL``, ``BAOLIFE_TOKEN_SECRET``, ``BAOLIFE_ENV``, ``BAOLIFE_LLM_*``),
  then defaults: SQLite at ``./baolife.db``, port 8001, no LLM text writer (the
  content's grammar writes every line).
- In production (``BAOLIFE_ENV=production``) a missing token secret is a startup
  error; in development a random per-process secret is used and a warning logged
  (tokens then do not survive a restart; clients fall back to ``device_id``).
- The database is migrated to the latest schema on start unless told not to.
- Then the catalog tables (``locations`` …) are synced with the content the server
  runs (``sync_catalog``), always: a server started without migrating still
  keeps SQL's view of the content in step with the game it plays.
- Store purchases (docs/store.md): in development the ``DevelopmentReceiptVerifier``
  accepts unsigned ``dev:<product>:<transaction>`` purchases; in production the
  ``AppStoreReceiptVerifier`` checks StoreKit 2 signed transactions, and
  ``BAOLIFE_APPSTORE_BUNDLE_ID`` must be set (``BAOLIFE_APPSTORE_ROOT_CERT``, a
  DER or PEM file, replaces the bundled Apple Root CA - G3;
  ``BAOLIFE_APPSTORE_ENVIRONMENTS`` narrows ``Production,Sandbox``). The verifier
  is built before the database is touched, so a bad setting fails fast.
- GDPR purge (docs/operations.md "GDPR"): the server purges the accounts whose
  deletion grace has ended at start and then every ``BAOLIFE_PURGE_INTERVAL_S``
  seconds (3600; ``0`` switches the task off, for deployments that run
  ``baolife gdpr purge`` from a scheduler instead).
- Analytics (docs/operations.md "Analytics"): a ``SqlAnalyticsSink`` on the
  store's database URL, with a pool of its own, handed to the server; closed
  after the server, so the sessions its closing connections end are written.
- Sentry (docs/operations.md "Sentry"): with ``SENTRY_DSN`` set, the server
  starts the SDK (``sentry.init_sentry``; the ``baolife[sentry]`` extra) before
  anything else, and error log lines are reported (``sentry.forward_errors``).
  A DSN without the SDK installed is a startup error.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.metadata
import logging
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

import structlog
from attrs import frozen

from baolife_core import BaolifeError, GameService, ReceiptVerifier, load_catalog
from baolife_storage_mysql import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_CACHE_TTL_S,
    DEFAULT_DB_URL,
    SqlPlayerStore,
    create_store,
    sync_catalog,
)
from baolife_storage_mysql.analytics import create_analytics_sink
from baolife_transport_ws import GameServer, ServerConfig

from .receipts import (
    APP_STORE_ENVIRONMENTS,
    APPLE_ROOT_CA_G3,
    AppStoreReceiptVerifier,
    DevelopmentReceiptVerifier,
)
from .sentry import SentryError, forward_errors, init_sentry
from .text_writer import LlmTextWriter

__all__ = [
    "Settings",
    "SettingsError",
    "build_service",
    "configure_logging",
    "freeze_startup_heap",
    "make_verifier",
    "run_server",
    "start_sentry",
]

log = structlog.get_logger("baolife.app")


class SettingsError(BaolifeError):
    """The server cannot start with these settings."""


@frozen
class Settings:
    """Everything needed to run a server."""

    host: str = "127.0.0.1"  # interface to listen on
    port: int = 8001  # TCP port (0: any free port)
    db_url: str = DEFAULT_DB_URL  # SQLAlchemy URL; SQLite file by default
    token_secret: str | None = None  # session-token signing secret
    production: bool = False  # refuse unsafe defaults
    content_dir: Path | None = None  # custom content instead of the bundled one
    migrate: bool = True  # apply migrations on start
    llm_url: str | None = None  # OpenAI-compatible base URL for NPC lines, or None
    llm_model: str = "gpt-4o-mini"  # the model asked
    llm_api_key: str | None = None  # bearer token for the model server
    llm_timeout_s: float = 2.0  # a slower answer falls back to the grammar
    appstore_bundle_id: str | None = None  # the app's bundle id; production needs it
    appstore_root_cert: Path | None = None  # trust anchor file; None: Apple's G3
    appstore_environments: tuple[str, ...] = ("Production", "Sandbox")  # accepted
    purge_interval_s: float | None = 3600.0  # GDPR purge task period; None: off
    cache_size: int = DEFAULT_CACHE_SIZE  # players in the snapshot cache; 0: none
    cache_ttl_s: float = DEFAULT_CACHE_TTL_S  # seconds a cached snapshot is kept
    tick_interval_s: float | None = 5.0  # game tick period; None: no tick
    sentry_dsn: str | None = None  # report errors to Sentry; None: off

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **flags: object) -> Settings:
        """Flags (those not None) over environment over defaults."""
        values: dict[str, object] = {
            "db_url": environ.get("BAOLIFE_DB_URL", DEFAULT_DB_URL),
            "token_secret": environ.get("BAOLIFE_TOKEN_SECRET") or None,
            "production": environ.get("BAOLIFE_ENV", "development") == "production",
            "llm_url": environ.get("BAOLIFE_LLM_URL") or None,
            "llm_model": environ.get("BAOLIFE_LLM_MODEL") or "gpt-4o-mini",
            "llm_api_key": environ.get("BAOLIFE_LLM_API_KEY") or None,
            "appstore_bundle_id": environ.get("BAOLIFE_APPSTORE_BUNDLE_ID") or None,
            "sentry_dsn": environ.get("SENTRY_DSN") or None,
        }
        root_cert = environ.get("BAOLIFE_APPSTORE_ROOT_CERT")
        if root_cert:
            values["appstore_root_cert"] = Path(root_cert)
        environments = environ.get("BAOLIFE_APPSTORE_ENVIRONMENTS")
        if environments:
            names = tuple(name.strip() for name in environments.split(","))
            if not set(names) <= set(APP_STORE_ENVIRONMENTS):
                raise SettingsError(
                    "BAOLIFE_APPSTORE_ENVIRONMENTS must be a comma-separated list "
                    f"of {', '.join(APP_STORE_ENVIRONMENTS)}, got {environments!r}"
                )
            values["appstore_environments"] = names
        for name, key in (
            ("BAOLIFE_PURGE_INTERVAL_S", "purge_interval_s"),
            ("BAOLIFE_TICK_INTERVAL_S", "tick_interval_s"),
        ):
            text = environ.get(name)
            if text:
                values[key] = _interval(name, text)
        cache_size = environ.get("BAOLIFE_CACHE_SIZE")
        if cache_size:
            if not cache_size.isdigit():
                raise SettingsError(
                    "BAOLIFE_CACHE_SIZE must be a whole number of players >= 0 "
                    f"(0: no cache), got {cache_size!r}"
                )
            values["cache_size"] = int(cache_size)
        cache_ttl = environ.get("BAOLIFE_CACHE_TTL_S")
        if cache_ttl:
            try:
                ttl = float(cache_ttl)
            except ValueError:
                ttl = -1.0
            if not 0 < ttl < float("inf"):
                raise SettingsError(
                    "BAOLIFE_CACHE_TTL_S must be a number of seconds > 0, "
                    f"got {cache_ttl!r}"
                )
            values["cache_ttl_s"] = ttl
        timeout = environ.get("BAOLIFE_LLM_TIMEOUT_S")
        if timeout:
            try:
                values["llm_timeout_s"] = float(timeout)
            except ValueError:
                raise SettingsError(
                    f"BAOLIFE_LLM_TIMEOUT_S must be a number, got {timeout!r}"
                ) from None
        values.update({key: value for key, value in flags.items() if value is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.production and not settings.token_secret:
            raise SettingsError(
                "BAOLIFE_TOKEN_SECRET must be set when BAOLIFE_ENV=production"
            )
        return settings


def _interval(name: str, text: str) -> float | None:
    """A period in seconds from the environment variable ``name``; 0 is None
    (the task is off)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise SettingsError(
            f"{name} must be a number of seconds >= 0 (0: off), got {text!r}"
        )
    return seconds or None


def configure_logging(level: int = logging.INFO) -> None:
    """structlog JSON lines on stderr, one per event, with ISO timestamps."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            forward_errors,  # to Sentry, once started; before the traceback's text
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def make_verifier(settings: Settings) -> ReceiptVerifier:
    """The store-purchase verifier the settings ask for (module rules)."""
    if not settings.production:
        log.info("receipt_verifier", kind="development")
        return DevelopmentReceiptVerifier()
    if not settings.appstore_bundle_id:
        raise SettingsError(
            "BAOLIFE_APPSTORE_BUNDLE_ID must be set when BAOLIFE_ENV=production"
        )
    root = APPLE_ROOT_CA_G3
    if settings.appstore_root_cert is not None:
        try:
            root = settings.appstore_root_cert.read_bytes()
        except OSError as error:
            raise SettingsError(
                f"BAOLIFE_APPSTORE_ROOT_CERT cannot be read: {error}"
            ) from None
    try:
        verifier = AppStoreReceiptVerifier(
            settings.appstore_bundle_id,
            root_certificate=root,
            environments=settings.appstore_environments,
        )
    except ValueError as error:
        raise SettingsError(f"App Store verifier: {error}") from None
    log.info(
        "receipt_verifier",
        kind="app_store",
        environments=sorted(verifier.environments),
        custom_root=settings.appstore_root_cert is not None,
    )
    return verifier


def build_service(settings: Settings) -> tuple[GameService, SqlPlayerStore]:
    """The store (migrated, catalog synced) and the application service over it."""
    verifier = make_verifier(settings)
    catalog = load_catalog(settings.content_dir)
    store = create_store(
        settings.db_url,
        upgrade=settings.migrate,
        cache_size=settings.cache_size,
        cache_ttl_s=settings.cache_ttl_s,
    )
    try:
        synced = sync_catalog(store.engine, catalog)
    except BaseException:
        store.close()
        raise
    for table in synced.tables:
        if table.changed or table.kept:
            log.info("catalog_synced", table=table.table, **table.counts())
    writer = None
    if settings.llm_url is not None:
        writer = LlmTextWriter(
            settings.llm_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )
        log.info("llm_text_writer", model=settings.llm_model)
    return GameService(store, catalog, writer=writer, verifier=verifier), store


def start_sentry(settings: Settings) -> bool:
    """Start Sentry if ``SENTRY_DSN`` is set (module rules); True if started."""
    if settings.sentry_dsn is None:
        return False
    try:
        init_sentry(
            settings.sentry_dsn,
            environment="production" if settings.production else "development",
            release=f"baolife@{importlib.metadata.version('baolife')}",
        )
    except SentryError as error:
        raise SettingsError(str(error)) from None
    log.info("sentry_started")
    return True


def freeze_startup_heap() -> None:
    """Move everything alive after startup (modules, the content catalog, the
    engine's tables) out of the garbage collector's sight (``gc.freeze``).

    They live as long as the process, yet every full collection would walk them
    again, pausing the event loop for every connection at once; frozen, a
    collection walks only what requests allocated since (docs/operations.md
    "Running the server").
    """
    gc.collect()
    gc.freeze()


async def run_server(settings: Settings, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set, then shut down cleanly."""
    start_sentry(settings)
    secret = settings.token_secret
    if secret is None:
        secret = secrets.token_urlsafe(32)
        log.warning("token_secret_generated", reason="BAOLIFE_TOKEN_SECRET not set")
    service, store = await asyncio.to_thread(build_service, settings)
    analytics = create_analytics_sink(settings.db_url)
    server = GameServer(
        service,
        ServerConfig(
            host=settings.host,
            port=settings.port,
            token_secret=secret,
            tick_interval_seconds=settings.tick_interval_s,
        ),
        analytics=analytics,
        purge_interval_s=settings.purge_interval_s,
    )
    try:
        await server.start()
        freeze_startup_heap()
        await stop.wait()
        await server.stop()
    finally:
        # After the server: its closed connections have ended their sessions.
        await asyncio.to_thread(analytics.close)
        store.close()
