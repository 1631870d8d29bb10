"""``baolife replay``: replay a journal from a file or the database, show the state
at any step, and find where two journals diverge (docs/operations.md "Replay tools:
desyncs and support tickets").

Rules of this module:

- A journal file is JSON lines, one record in wire form per line (the golden
  journal's format); blank lines are skipped. ``--db URL`` reads a player's journal
  from the database instead, and ``--write PATH`` saves that journal as such a
  file (never over an existing one).
- Seqs are positions in the journal, 0 the genesis (``baolife_core.journal_tools``).
- Exit codes: 0 replayed (``--diff``: identical), 1 ``--diff`` found a divergence,
  2 bad input — an unreadable file, a line that is not a journal record (the
  message names the file, the line and the field), an unknown player, a seq out of
  range, a database that cannot be read. Bad input prints one ``baolife:`` line
  and no traceback, and changes nothing (no file, no database is created).
- Read only: the database is opened without migrating and only its journal read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from baolife_core import (
    BaolifeError,
    Catalog,
    NewPlayer,
    PlayerState,
    WireError,
    load_catalog,
    record_from_wire,
    state_hash,
    state_to_wire,
    to_wire,
)
from baolife_core.journal_tools import (
    ABSENT,
    Divergence,
    FieldDiff,
    Record,
    first_divergence,
    state_at,
    states,
)
from baolife_storage_mysql import create_store, missing_database_file

__all__ = ["DIFF_LINES", "ReplayInputError", "add_parser", "read_journal", "run"]

#: Differing fields printed by ``--diff`` before "… and N more" (``--json``: all).
DIFF_LINES = 50
#: Characters of a value printed in a diff line before it is cut with "…".
VALUE_CHARS = 200


class ReplayInputError(BaolifeError):
    """The input of ``baolife replay`` is bad; the message says where and why."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``replay`` subcommand to the ``baolife`` subparsers ``commands``."""
    replay = commands.add_parser(
        "replay",
        help="replay a journal: final state hash, the state at a seq, or where "
        "two journals diverge (docs/operations.md)",
    )
    replay.add_argument(
        "journal",
        nargs="?",
        help="a JSON-lines journal file, or with --db a player id",
    )
    replay.add_argument(
        "--diff",
        nargs=2,
        metavar=("A", "B"),
        help="compare two journals (files, or with --db player ids)",
    )
    replay.add_argument(
        "--at",
        type=int,
        metavar="SEQ",
        help="also print the state after the record at SEQ (0: the genesis)",
    )
    replay.add_argument(
        "--db",
        dest="db_url",
        metavar="URL",
        help="read the journals of players from this database",
    )
    replay.add_argument(
        "--write",
        type=Path,
        metavar="PATH",
        help="with --db: save the player's journal as a JSON-lines file",
    )
    replay.add_argument("--content", dest="content_dir", type=Path, help="content dir")
    replay.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    """Run ``baolife replay`` with parsed ``args``; the exit code (module rules)."""
    try:
        _check_usage(args)
        catalog = load_catalog(args.content_dir)  # None: the bundled content
        if args.diff is not None:
            return _diff(args, catalog)
        return _replay(args, catalog)
    except ReplayInputError as error:
        print(f"baolife: {error}", file=sys.stderr)
        return 2


def _check_usage(args: argparse.Namespace) -> None:
    if (args.journal is None) == (args.diff is None):
        raise ReplayInputError(
            "give one journal (or player id with --db), or --diff A B"
        )
    if args.diff is not None and args.at is not None:
        raise ReplayInputError("--at shows one journal: not with --diff")
    if args.write is not None and (args.db_url is None or args.diff is not None):
        raise ReplayInputError("--write saves one player's journal: use it with --db")


def read_journal(path: Path) -> tuple[Record, ...]:
    """The records of a JSON-lines journal file; ``ReplayInputError`` naming the
    file and line (and the field) of the first line that is not a record."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReplayInputError(f"{path}: no such file") from None
    except OSError as error:
        raise ReplayInputError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ReplayInputError(f"{path}: not UTF-8 text: {error.reason}") from None
    records: list[Record] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ReplayInputError(
                f"{path}:{number}: not JSON: {error.msg} (column {error.colno})"
            ) from None
        try:
            record = record_from_wire(data)
        except WireError as error:
            raise ReplayInputError(
                f"{path}:{number}: not a journal record: {error.message}"
            ) from None
        if not records and not isinstance(record, NewPlayer):
            raise ReplayInputError(
                f"{path}:{number}: a journal must start with a new_player record, "
                f"got {data['type']!r}"
            )
        if records and isinstance(record, NewPlayer):
            raise ReplayInputError(
                f"{path}:{number}: new_player may only start a journal"
            )
        records.append(record)
    if not records:
        raise ReplayInputError(f"{path}: empty journal: no new_player record")
    return tuple(records)


def _db_journal(url: str, player_id: str) -> tuple[Record, ...]:
    """The journal of ``player_id`` in the database at ``url`` (read only)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ReplayInputError(f"not a database URL: {url!r}") from None
    shown = parsed.render_as_string(hide_password=True)
    missing = missing_database_file(parsed)
    if missing is not None:  # connecting would create it: change nothing
        raise ReplayInputError(f"no database file {missing}")
    try:
        store = create_store(url, upgrade=False)
    except ValueError as error:
        raise ReplayInputError(str(error)) from None
    try:
        journal = tuple(store.journal(player_id))
    except SQLAlchemyError as error:
        detail = getattr(error, "orig", None) or error  # the driver's words, no SQL
        raise ReplayInputError(
            f"cannot read the journal from {shown}: {detail}"
        ) from None
    except WireError as error:
        raise ReplayInputError(
            f"player {player_id}: a journal line is not a record: {error.message}"
        ) from None
    finally:
        store.close()
    if not journal:
        raise ReplayInputError(f"no player {player_id} in {shown}")
    return journal


def _load(args: argparse.Namespace, source: str) -> tuple[Record, ...]:
    if args.db_url is None:
        return read_journal(Path(source))
    return _db_journal(args.db_url, source)


def _write(path: Path, journal: Sequence[Record]) -> None:
    """Save ``journal`` as JSON lines at a new ``path``."""
    text = "".join(
        json.dumps(to_wire(record), ensure_ascii=False) + "\n" for record in journal
    )
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise ReplayInputError(f"{path} exists: not overwritten") from None
    except OSError as error:
        raise ReplayInputError(f"{path}: cannot write: {error.strerror}") from None


def _replay(args: argparse.Namespace, catalog: Catalog) -> int:
    """One journal: its summary, and with ``--at`` the state at a seq."""
    source: str = args.journal
    journal = _load(args, source)
    last = len(journal) - 1
    if args.at is not None and not 0 <= args.at <= last:
        raise ReplayInputError(
            f"{source}: no seq {args.at}: the journal has seqs 0 to {last}"
        )
    final: PlayerState | None = None
    at: PlayerState | None = None
    for seq, _, state in states(journal, catalog):
        final = state
        if seq == args.at:
            at = state
    if final is None:  # pragma: no cover - read_journal refuses an empty journal
        raise ReplayInputError(f"{source}: empty journal")
    if args.write is not None:
        _write(args.write, journal)
    refused = last - final.seq
    if args.json:
        document: dict[str, object] = {
            "journal": source,
            "records": len(journal),
            "final_seq": final.seq,
            "refused": refused,
            "state_hash": state_hash(final),
        }
        if at is not None:
            document["at"] = {
                "seq": args.at,
                "record": to_wire(journal[args.at]),
                "state_hash": state_hash(at),
                "state": state_to_wire(at),
            }
        print(_dumps(document))
        return 0
    print(f"journal {source}: {len(journal)} records (seq 0 to {last})")
    print(
        f"final state: seq {final.seq} ({refused} refused "
        f"record{'' if refused == 1 else 's'}), "
        f"hash {state_hash(final)}"
    )
    if args.write is not None:
        print(f"wrote {len(journal)} records to {args.write}")
    if at is not None:
        print(f"at seq {args.at}: {_compact(to_wire(journal[args.at]))}")
        print(f"state: seq {at.seq}, hash {state_hash(at)}")
        print(_dumps(state_to_wire(at)))
    return 0


def _diff(args: argparse.Namespace, catalog: Catalog) -> int:
    """Two journals: identical (0), or their first divergence (1)."""
    name_a, name_b = args.diff
    journal_a = _load(args, name_a)
    journal_b = _load(args, name_b)
    divergence = first_divergence(journal_a, journal_b, catalog)
    if divergence is None:
        final = state_hash(state_at(journal_a, len(journal_a) - 1, catalog))
        if args.json:
            document = {"identical": True, "steps": len(journal_a), "state_hash": final}
            print(_dumps(document))
        else:
            print(f"identical: {len(journal_a)} steps, hash {final}")
        return 0
    if args.json:
        print(_dumps(_divergence_document(divergence)))
    else:
        for line in _divergence_lines(divergence, name_a, name_b):
            print(line)
    return 1


def _divergence_document(divergence: Divergence) -> dict[str, object]:
    def side(value: object) -> dict[str, object]:
        return {} if value is ABSENT else {"value": value}

    return {
        "identical": False,
        "seq": divergence.seq,
        "record_a": divergence.record_a,
        "record_b": divergence.record_b,
        "fields": [
            {"path": field.path, "a": side(field.a), "b": side(field.b)}
            for field in divergence.diff
        ],
    }


def _divergence_lines(divergence: Divergence, name_a: str, name_b: str) -> list[str]:
    lines = [f"diverged at seq {divergence.seq}"]
    for name, record in ((name_a, divergence.record_a), (name_b, divergence.record_b)):
        shown = "(journal ended)" if record is None else _compact(record)
        lines.append(f"  {name}: {shown}")
    fields = divergence.diff
    if not fields:
        lines.append("the states are equal: only the records differ")
        return lines
    noun = "field differs" if len(fields) == 1 else "fields differ"
    lines.append(f"{len(fields)} {noun}:")
    lines.extend(f"  {_field_line(field)}" for field in fields[:DIFF_LINES])
    if len(fields) > DIFF_LINES:
        lines.append(f"  … and {len(fields) - DIFF_LINES} more (--json shows all)")
    return lines


def _field_line(field: FieldDiff) -> str:
    return f"{field.path}: {_value(field.a)} -> {_value(field.b)}"


def _value(value: object) -> str:
    if value is ABSENT:
        return "(absent)"
    text = _compact(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _dumps(value: object) -> str:
    """Indented canonical JSON (sorted keys, ASCII)."""
    return json.dumps(value, ensure_ascii=True, indent=2, sort_keys=True)
