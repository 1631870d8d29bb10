"""The ``baolife`` command: ``serve``, ``db upgrade``, ``db rebuild-projections``,
``store refund``, ``gdpr export``, ``gdpr purge``, ``experiments report``,
``content check``, ``replay``.

``content check`` exits 0 when the content is valid and every life event is
reachable, 1 when it loads but has problems (a static finding, or a life event no
bot life reached), and 2 when it does not load (with every located message). With
``--machine`` it also runs the invariant machine and the minting probe
(docs/testing.md): a violation or an exploit exits 1, a missing Hypothesis 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from baolife_core import (
    Catalog,
    ContentError,
    GameService,
    PlayerNotFoundError,
    Rejection,
    load_catalog,
    to_wire,
)
from baolife_core.content_check import (
    CHECK_SEED,
    DEFAULT_LIVES,
    check_content,
    load_problems,
)
from baolife_core.dating.stages import ENDINGS, STAGES
from baolife_core.experiments import CONVERSION_EVENTS
from baolife_core.experiments import report as experiment_report
from baolife_core.testing.content import economy_probe, machine_violations
from baolife_storage_mysql import (
    create_store,
    make_engine,
    missing_database_file,
    upgrade_database,
)
from baolife_storage_mysql.experiments import experiment_counts
from baolife_storage_mysql.rebuild import RebuildError, rebuild_projections

from .bootstrap import Settings, SettingsError, configure_logging, run_server
from .replay_cli import add_parser as add_replay_parser
from .replay_cli import run as run_replay

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
    rebuild = db_commands.add_parser(
        "rebuild-projections",
        help="write the projection tables again from the journal (docs/storage.md)",
    )
    rebuild.add_argument("--db", dest="db_url", help="database URL")
    rebuild.add_argument("--player", help="rebuild this player only (default: all)")

    store = commands.add_parser("store", help="App Store purchases")
    store_commands = store.add_subparsers(dest="store_command", required=True)
    refund = store_commands.add_parser(
        "refund",
        help="take back a refunded or revoked App Store transaction (docs/store.md)",
    )
    refund.add_argument("transaction_id", help="the App Store transaction id")
    refund.add_argument(
        "--reason", default="refund", help="refund or revoked (default refund)"
    )
    refund.add_argument("--db", dest="db_url", help="database URL")

    gdpr = commands.add_parser("gdpr", help="GDPR: data export, account purge")
    gdpr_commands = gdpr.add_subparsers(dest="gdpr_command", required=True)
    export = gdpr_commands.add_parser(
        "export", help="print every row held for a player as one JSON document"
    )
    export.add_argument("player_id", help="the player id")
    export.add_argument("--db", dest="db_url", help="database URL")
    purge = gdpr_commands.add_parser(
        "purge",
        help="hard-delete the accounts whose deletion grace has ended "
        "(docs/operations.md)",
    )
    purge.add_argument("--db", dest="db_url", help="database URL")
    purge.add_argument(
        "--now",
        type=_instant,
        help="purge as of this instant, ms UTC (default: the current time)",
    )

    experiments = commands.add_parser("experiments", help="A/B experiments")
    experiment_commands = experiments.add_subparsers(
        dest="experiments_command", required=True
    )
    report = experiment_commands.add_parser(
        "report",
        help="compare a flag's variants on a conversion event (docs/experiments.md)",
    )
    report.add_argument("flag", help="the experiment flag, e.g. tutorial_flow")
    report.add_argument(
        "--event", required=True, help="the conversion event, e.g. tutorial_advanced"
    )
    report.add_argument("--db", dest="db_url", help="database URL")
    report.add_argument("--content", dest="content_dir", type=Path, help="content dir")
    report.add_argument(
        "--since",
        type=_instant,
        help="count exposures at or after this instant, ms UTC (default: all)",
    )

    content = commands.add_parser("content", help="game content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser(
        "check", help="validate a content directory and prove its events reachable"
    )
    check.add_argument("directory", nargs="?", type=Path, help="default: bundled")
    check.add_argument(
        "--lives",
        type=_positive,
        default=DEFAULT_LIVES,
        help=f"most bot lives to play (default {DEFAULT_LIVES})",
    )
    check.add_argument(
        "--seed",
        type=int,
        default=CHECK_SEED,
        help=f"seed of the bot lives (default {CHECK_SEED})",
    )
    check.add_argument(
        "--machine",
        action="store_true",
        help="also run the invariant machine and the minting probe "
        "(docs/testing.md; needs the 'testing' extra)",
    )
    add_replay_parser(commands)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _instant(text: str) -> int:
    """An instant in integer ms UTC (``--now``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be integer milliseconds since 1970 UTC, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _summary(catalog: Catalog) -> str:
    return (
        f"{len(catalog.refills)} energy refill tiers, "
        f"{len(catalog.time_skips)} time skips, "
        f"{len(catalog.life.stages)} life stages, "
        f"{len(catalog.activities.activities)} activities at "
        f"{len(catalog.activities.locations)} locations, "
        f"{len(catalog.storylets.events)} life events "
        f"({len(catalog.storylets.relationship_events)} of relationships), "
        f"{len(catalog.careers.schools)} schools, "
        f"{len(catalog.careers.jobs)} jobs, "
        f"{len(catalog.conversations.replies)} conversation replies, "
        f"{len(catalog.achievements.achievements)} achievements, "
        f"{len(catalog.quests.quests)} daily quests, "
        f"{len(catalog.login.rewards)} login reward days, "
        f"{len(catalog.items.items)} items, "
        f"{len(catalog.store.products)} store products, "
        f"{len(catalog.dating.venues)} date venues with "
        f"{sum(len(v.activities) for v in catalog.dating.venues)} activities"
    )


def _machine_check(catalog: Catalog, seed: int) -> int:
    """``--machine``: the invariant machine and the minting probe on ``catalog``
    (``baolife_core.testing.content``): 0 when both find nothing, else 1; 2
    without Hypothesis."""
    try:
        violations = machine_violations(catalog)
    except ModuleNotFoundError as error:
        print(
            f"baolife: --machine needs {error.name}: install 'baolife[testing]'",
            file=sys.stderr,
        )
        return 2
    exploits, ledger = economy_probe(catalog, seed=seed)
    found = (*ledger, *violations)
    print(
        f"machine: {len(found)} invariant violations; "
        f"minting probe: {len(exploits)} exploits"
    )
    for violation in found:
        print(f"baolife: invariant {violation}", file=sys.stderr)
        for line in violation.example:
            print(f"baolife:   {line}", file=sys.stderr)
    for exploit in exploits:
        print(f"baolife: exploit: {exploit}", file=sys.stderr)
    return 1 if found or exploits else 0


def _content_check(
    directory: Path | None, lives: int, seed: int, machine: bool = False
) -> int:
    """Validate, then report static findings and unreached events (see module);
    with ``machine``, the invariant machine and the minting probe too."""
    try:
        catalog = load_catalog(directory)
    except ContentError as error:
        for problem in load_problems(error):
            print(f"baolife: {problem}", file=sys.stderr)
        return 2
    report = check_content(catalog, lives=lives, seed=seed)
    coverage = report.coverage
    for rejected in coverage.rejections:
        print(
            f"baolife: warning: the bot's {rejected.kind} was refused "
            f"({rejected.code}: {rejected.message}): a bot or engine bug",
            file=sys.stderr,
        )
    reached = len(coverage.seen)
    total = reached + len(coverage.unreached)
    lives_text = f"{coverage.lives} bot {'life' if coverage.lives == 1 else 'lives'}"
    pairs = sum(len(v.activities) for v in catalog.dating.venues)
    dated = pairs - len(coverage.undated)
    stages = f"{len(STAGES) - 1 + len(ENDINGS) - len(coverage.unreached_stages)} of "
    stages += f"{len(STAGES) - 1 + len(ENDINGS)} relationship stages and endings"
    dating = f"dating: {dated} of {pairs} date activities dated, {stages} reached"
    if report.ok:
        print(f"content ok: {_summary(catalog)}")
        print(f"reachability: all {total} life events happened within {lives_text}")
        print(dating)
        return _machine_check(catalog, seed) if machine else 0
    print(f"content loaded: {_summary(catalog)}")
    print(f"reachability: {reached} of {total} life events happened in {lives_text}")
    print(dating)
    for finding in report.problems:
        print(f"baolife: {finding}", file=sys.stderr)
    count = len(report.problems)
    print(
        f"baolife: {count} content problem{'' if count == 1 else 's'}",
        file=sys.stderr,
    )
    return max(1, _machine_check(catalog, seed)) if machine else 1


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_server(settings, stop)


def _store_refund(settings: Settings, transaction_id: str, reason: str) -> int:
    """``baolife store refund``: debit the owner of a refunded store transaction."""
    store = create_store(settings.db_url, upgrade=False)
    try:
        service = GameService(store, load_catalog(settings.content_dir))
        done = service.refund_store_transaction(
            transaction_id, reason, int(time.time() * 1000)
        )
    finally:
        store.close()
    if done is None:
        print(
            f"baolife: no player claimed store transaction {transaction_id} "
            "(or its player was purged)"
        )
        return 1
    owner, result = done
    reply = result.reply
    if isinstance(reply, Rejection):
        print(f"baolife: {owner}: {reply.code}: {reply.message}", file=sys.stderr)
        return 1
    print(f"refunded {transaction_id} of player {owner}: {to_wire(reply)}")
    return 0


#: Players between two progress lines of ``db rebuild-projections``.
REBUILD_PROGRESS_EVERY = 1_000


def _gdpr_export(settings: Settings, player_id: str) -> int:
    """``baolife gdpr export``: every row held for the player, one JSON document."""
    store = create_store(settings.db_url, upgrade=False)
    try:
        service = GameService(store, load_catalog(settings.content_dir))
        document = service.export_data(player_id, at=int(time.time() * 1000))
    except PlayerNotFoundError:
        print(f"baolife: no player {player_id}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def _gdpr_purge(settings: Settings, now: int | None) -> int:
    """``baolife gdpr purge``: hard-delete every account due at ``now``."""
    at = int(time.time() * 1000) if now is None else now
    store = create_store(settings.db_url, upgrade=False)
    try:
        service = GameService(store, load_catalog(settings.content_dir))
        purged = service.purge_due_accounts(at=at)
    finally:
        store.close()
    for account in purged:  # the tombstone only: no id leaves the database
        tombstone = account.tombstone
        rows = sum(count for _, count in tombstone.rows_deleted)
        print(
            f"purged an account: deletion requested at {tombstone.requested_at}, "
            f"{rows} rows"
        )
    count = len(purged)
    print(f"purged {count} account{'' if count == 1 else 's'} due at {at}")
    return 0


def _rebuild_projections(settings: Settings, player_id: str | None) -> int:
    """``baolife db rebuild-projections``: the projection tables from the journal."""
    engine = make_engine(settings.db_url)
    done = 0

    def progress(_player: str, _rows: object) -> None:
        nonlocal done
        done += 1
        if done % REBUILD_PROGRESS_EVERY == 0:
            print(f"baolife: rebuilt {done} players so far", file=sys.stderr)

    try:
        rebuilt = rebuild_projections(engine, player_id, progress=progress)
    except PlayerNotFoundError:
        print(f"baolife: no player {player_id}", file=sys.stderr)
        return 1
    except RebuildError as error:
        print(f"baolife: {error}", file=sys.stderr)
        if done:
            print(f"baolife: {done} players rebuilt before it", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    noun = "player" if rebuilt.players == 1 else "players"
    print(f"rebuilt the projections of {rebuilt.players} {noun}: {rebuilt.total} rows")
    for table, count in rebuilt.rows.items():
        print(f"  {table}: {count}")
    return 0


def _experiments_report(
    settings: Settings, flag_id: str, event: str, since: int | None
) -> int:
    """``baolife experiments report``: a flag's variants compared on ``event``."""
    experiments = load_catalog(settings.content_dir).experiments
    flag = experiments.flag(flag_id)
    if flag is None:
        known = ", ".join(f.id for f in experiments.flags)
        print(
            f"baolife: no experiment flag {flag_id!r} (flags: {known})", file=sys.stderr
        )
        return 2
    if event not in CONVERSION_EVENTS:
        print(
            f"baolife: {event!r} is no event name (docs/protocol.md lists them, "
            "e.g. tutorial_advanced)",
            file=sys.stderr,
        )
        return 2
    missing = missing_database_file(settings.db_url)
    if missing is not None:  # connecting would create it: change nothing
        print(f"baolife: no database file {missing}", file=sys.stderr)
        return 2
    engine = make_engine(settings.db_url)
    try:
        counts = experiment_counts(engine, flag.id, event, since=since)
    except SQLAlchemyError as error:
        detail = getattr(error, "orig", None) or error  # the driver's words, no SQL
        print(f"baolife: cannot read the analytics: {detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for line in experiment_report(flag, event, counts, since=since):
        print(line)
    return 0


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
        elif args.command == "db" and args.db_command == "rebuild-projections":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            return _rebuild_projections(settings, args.player)
        elif args.command == "db":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            upgrade_database(settings.db_url)
            shown = make_url(settings.db_url).render_as_string(hide_password=True)
            print(f"database is at the latest schema: {shown}")
        elif args.command == "store":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            return _store_refund(settings, args.transaction_id, args.reason)
        elif args.command == "gdpr" and args.gdpr_command == "export":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            return _gdpr_export(settings, args.player_id)
        elif args.command == "gdpr":
            settings = Settings.from_env(os.environ, db_url=args.db_url)
            return _gdpr_purge(settings, args.now)
        elif args.command == "experiments":
            settings = Settings.from_env(
                os.environ, db_url=args.db_url, content_dir=args.content_dir
            )
            return _experiments_report(settings, args.flag, args.event, args.since)
        elif args.command == "replay":
            return run_replay(args)
        else:
            return _content_check(
                args.directory, args.lives, args.seed, machine=args.machine
            )
    except (ContentError, SettingsError, ValueError) as error:
        print(f"baolife: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left (``baolife replay … | head``): no traceback. Python's
        # documented recipe: point stdout at devnull so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
