"""The ``baolife`` command: ``serve``, ``db upgrade`` and ``content check``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from baolife_core import ContentError, load_catalog
from baolife_storage_mysql import upgrade_database

from .bootstrap import Settings, SettingsError, configure_logging, run_server

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baolife", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the WebSocket server")
    serve.add_argument("--host", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8001)")
    serve.add_argument("--db", dest="db_url", help="database URL (default sqlite)")
    serve.add_argument("--content", dest="content_dir", type=Path, help="content dir")
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        default=None,
        help="do not apply database migrations on start",
    )

    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("--db", dest="db_url", help="database URL")

    content = commands.add_parser("content", help="game content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate a content directory")
    check.add_argument("directory", nargs="?", type=Path, help="default: bundled")
    return parser


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_server(settings, stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``baolife`` console script."""
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        if args.command == "serve":
            settings = Settings.from_env(
                os.environ,
                host=args.host,
                port=args.port,
                db_url=args.db_url,
                content_dir=args.content_dir,
                migrate=args.migrate,
            )
            asyncio.run(_serve(settings))
        elif args.command == "db":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            upgrade_database(settings.db_url)
            shown = make_url(settings.db_url).render_as_string(hide_password=True)
            print(f"database is at the latest schema: {shown}")
        else:
            catalog = load_catalog(args.directory)
            print(
                f"content ok: {len(catalog.refills)} energy refill tiers, "
                f"{len(catalog.time_skips)} time skips, "
                f"{len(catalog.life.stages)} life stages, "
                f"{len(catalog.activities.activities)} activities at "
                f"{len(catalog.activities.locations)} locations, "
                f"{len(catalog.storylets.events)} life events"
            )
    except (ContentError, SettingsError) as error:
        print(f"baolife: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
