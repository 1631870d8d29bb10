"""A storm of commands on a few players, for the concurrency and durability tests.

``storm`` runs in a child process (``multiprocessing`` with the spawn context, so a
child shares nothing with the test but the database): it opens its own store and
``GameService`` and plays a ``Plan`` against players the test created. Everything
it returns is plain wire data, so it pickles across processes.

``check_player`` is the test's side: the invariants issue 6 asks of the database
after a storm (diamonds = ledger sum, one debit per key, a journal without a gap
that holds every acknowledged command, a snapshot equal to the journal's replay).

The content raises the caps and rate limits as ``bench/bench_content.py`` does:
rate limits are per process (``GameService`` keeps its buckets in memory) and a
storm measures races, not the production limits.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from sqlalchemy import Engine, func, select

from baolife_core import (
    Catalog,
    Command,
    CommandRecord,
    ConcurrencyError,
    ConflictError,
    DoActivity,
    GameService,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    Rejection,
    command_from_wire,
    idempotency_key_hash,
    load_catalog,
    record_from_wire,
    replay,
    state_from_wire,
    state_hash,
    to_wire,
)
from baolife_storage_mysql import (
    SqlPlayerStore,
    make_engine,
    make_reader,
    run_migrations,
)
from baolife_storage_mysql.schema import (
    diamond_transactions,
    player_journal,
    players,
    processed_transactions,
)
from content_packs import copy_content

#: Content edits of the storm pack: caps, the grant and every rate limit raised.
_ECONOMY_EDITS = (
    ("starting_diamonds = 1000\n", "starting_diamonds = 1000000\n"),
    ("max = 100\n", "max = 10000\n"),
    ("overfill_cap = 150\n", "overfill_cap = 100000\n"),
    ("energy = 150\noverfill = true", "energy = 1\noverfill = true"),
)
#: The ledger reasons of the storm's purchases (one debit each).
PURCHASE_REASONS = frozenset({"energy_refill", "time_skip"})
#: The wire types of the storm's purchases.
PURCHASE_TYPES = frozenset({"purchase_energy_refill", "purchase_time_skip"})
#: Seconds a child waits for the other at the start line before giving up.
START_DEADLINE_S = 60.0


def _edit(name: str, text: str) -> str:
    """The storm pack's edit of one content file (module docstring)."""
    if name == "economy.toml":
        for old, new in _ECONOMY_EDITS:
            assert old in text, f"storm content edit no longer applies: {old!r}"
            text = text.replace(old, new, 1)
    if name == "rate_limits.toml":
        text, count = re.subn(r"per_minute = \d+\n", "per_minute = 60000\n", text)
        assert count > 0, "storm content edit no longer applies: rate limits"
    return text


def write_storm_content(directory: Path) -> Path:
    """Write the storm content pack into ``directory`` (for ``baolife serve``)."""
    directory.mkdir(parents=True, exist_ok=True)
    return copy_content(directory, _edit)


def storm_catalog() -> Catalog:
    """The storm content pack, loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        return load_catalog(write_storm_content(Path(tmp)))


def database_url(backend: str, request: pytest.FixtureRequest, tmp: Path) -> str:
    """A database for several processes: a new SQLite file in ``tmp``, migrated
    before any of them starts, or the session's MariaDB."""
    if backend != "sqlite":
        url: str = request.getfixturevalue("mariadb_url")
        return url
    url = f"sqlite:///{tmp / 'shared.db'}"
    engine = make_engine(url)
    try:
        run_migrations(engine)
    finally:
        engine.dispose()
    return url


@frozen
class Plan:
    """What one storming process plays."""

    url: str  # the database both processes share
    players: tuple[str, ...]  # created by the test, each with a living character
    process: int  # 0 or 1: offsets the instants, so unkeyed commands differ
    rounds: int  # each round sends one command to every player
    start_at: int  # the instant of round 0, ms


def plan_commands(plan: Plan) -> list[tuple[str, Command]]:
    """The (player, command) pairs of ``plan``, in order.

    Round ``r`` sends every player one of: an energy refill keyed ``refill-r``,
    the same key in both processes; a time skip keyed by process and round; a
    time skip keyed ``skip-r``, again shared; an unkeyed ``rest``. Instants are
    interleaved between the processes (even for process 0, odd for 1).
    """
    commands: list[tuple[str, Command]] = []
    for round_ in range(plan.rounds):
        at = plan.start_at + 2 * round_ + plan.process
        for player in plan.players:
            kind = round_ % 4
            command: Command
            if kind == 0:
                command = PurchaseEnergyRefill(
                    at=at, refill_type="overcharge", idempotency_key=f"refill-{round_}"
                )
            elif kind == 1:
                command = PurchaseTimeSkip(
                    at=at,
                    skip_type="one_hour",
                    idempotency_key=f"p{plan.process}-skip-{round_}",
                )
            elif kind == 2:
                command = PurchaseTimeSkip(
                    at=at, skip_type="one_hour", idempotency_key=f"skip-{round_}"
                )
            else:
                command = DoActivity(at=at, activity="rest")
            commands.append((player, command))
    return commands


class CountingStore(SqlPlayerStore):
    """A store that counts the appends that lost a race (``ConcurrencyError``)."""

    conflicts = 0  # an instance's own count from its first lost race on

    def append(self, record: CommandRecord) -> None:
        try:
            super().append(record)
        except ConcurrencyError:
            self.conflicts += 1
            raise


@frozen
class Acked:
    """A command the service answered with an accepted reply, as wire data."""

    player_id: str
    command: dict[str, Any]
    reply: dict[str, Any]
    duplicate: bool  # the first reply of a key already processed


@frozen
class StormReport:
    """What one process saw."""

    acked: tuple[Acked, ...]
    rejected: int  # answered with a rejection (nothing written)
    gave_up: int  # ``ConflictError``: lost every attempt, nothing written
    conflicts: int  # appends that lost a race and were retried


_START: Barrier | None = None  # the start line of this child (``set_start_line``)


def set_start_line(barrier: Barrier) -> None:
    """Process-pool initializer: keep the barrier both processes start from."""
    global _START  # one value per child process, set once
    _START = barrier


def storm(plan: Plan) -> StormReport:
    """Play ``plan`` on a store of this process's own (runs in a child)."""
    engine = make_engine(plan.url)
    store = CountingStore(engine, reader=make_reader(engine))
    try:
        service = GameService(store, storm_catalog())
        for player in plan.players:  # warm the cache: every first write may be stale
            service.load(player, fresh=False)
        commands = plan_commands(plan)
        if _START is not None:
            _START.wait(START_DEADLINE_S)
        acked: list[Acked] = []
        rejected = gave_up = 0
        for player, command in commands:
            try:
                result = service.execute(player, command)
            except ConflictError:
                gave_up += 1
                continue
            if isinstance(result.reply, Rejection):
                rejected += 1
                continue
            acked.append(
                Acked(player, to_wire(command), to_wire(result.reply), result.duplicate)
            )
        return StormReport(tuple(acked), rejected, gave_up, store.conflicts)
    finally:
        store.close()


# -- the test's side: the invariants --------------------------------------------


def _key(command: dict[str, Any]) -> tuple[str, str] | None:
    """(message type, idempotency key) of a keyed wire command, else None."""
    key = command.get("idempotency_key")
    return None if key is None else (str(command["type"]), str(key))


@frozen
class Stored:
    """What the database holds for one player after a storm."""

    diamonds: int
    ledger_sum: int
    seq: int  # ``players.seq``
    version: int
    seqs: tuple[int, ...]  # the journal's seqs, in order
    commands: tuple[dict[str, Any], ...]  # the journal's records, wire form
    debits: tuple[int, ...]  # the journal seq of each purchase debit, sorted
    replies: dict[str, dict[str, Any]]  # idempotency key hash -> first reply
    snapshot: str  # the stored state's hash


def stored(engine: Engine, player_id: str) -> Stored:
    """Read one player's rows (``check_player`` checks them)."""
    ledger = diamond_transactions.c
    with engine.connect() as connection:
        row = connection.execute(
            select(players).where(players.c.player_id == player_id)
        ).one()
        ledger_sum = connection.execute(
            select(func.coalesce(func.sum(ledger.delta), 0)).where(
                ledger.player_id == player_id
            )
        ).scalar_one()
        lines = connection.execute(
            select(player_journal.c.seq, player_journal.c.command)
            .where(player_journal.c.player_id == player_id)
            .order_by(player_journal.c.seq)
        ).all()
        debits = connection.execute(
            select(ledger.seq)
            .where(
                ledger.player_id == player_id,
                ledger.delta < 0,
                ledger.reason.in_(sorted(PURCHASE_REASONS)),
            )
            .order_by(ledger.seq)
        ).all()
        keys = connection.execute(
            select(
                processed_transactions.c.key_hash, processed_transactions.c.reply
            ).where(processed_transactions.c.player_id == player_id)
        ).all()
    return Stored(
        diamonds=row.diamonds,
        ledger_sum=int(ledger_sum),
        seq=row.seq,
        version=row.version,
        seqs=tuple(line.seq for line in lines),
        commands=tuple(json.loads(line.command) for line in lines),
        debits=tuple(debit.seq for debit in debits),
        replies={key: json.loads(reply) for key, reply in keys},
        snapshot=state_hash(state_from_wire(json.loads(row.snapshot))),
    )


def check_player(
    engine: Engine, player_id: str, acked: Sequence[Acked], catalog: Catalog
) -> None:
    """Assert issue 6's invariants for ``player_id`` after a storm.

    ``acked`` is every accepted reply any client saw for the player (the test's
    own setup commands included), first replies and duplicates alike. A keyed
    command is known by its key alone (a WebSocket client never sees the ``at``
    the server stamps); an unkeyed one by its whole wire form.
    """
    rows = stored(engine, player_id)
    # Diamonds equal the ledger's sum.
    assert rows.ledger_sum == rows.diamonds
    # The journal has no gap, and the player row is at its end.
    assert tuple(range(len(rows.seqs))) == rows.seqs
    assert (rows.seq, rows.version) == (rows.seqs[-1], len(rows.seqs))
    # One line per key; one debit per purchase line, and no other debit.
    lines = rows.commands[1:]  # after the genesis
    keys = Counter(key for key in map(_key, lines) if key is not None)
    assert [] == [key for key, count in keys.items() if count != 1]
    purchases = [
        seq
        for seq, command in zip(rows.seqs, rows.commands, strict=True)
        if command["type"] in PURCHASE_TYPES
    ]
    assert purchases == list(rows.debits)
    assert len(keys) == len(rows.replies)
    # Every acknowledged command is journaled, and nothing else is: a keyed one
    # once, whoever saw it, answered with its first reply.
    acked_keys = {_key(ack.command) for ack in acked} - {None}
    assert acked_keys == set(keys)
    unkeyed = sorted(map(_canonical, (c for c in lines if _key(c) is None)))
    assert unkeyed == sorted(
        _canonical(ack.command) for ack in acked if _key(ack.command) is None
    )
    for ack in acked:
        if _key(ack.command) is not None:
            key_hash = idempotency_key_hash(player_id, _keyed(ack.command))
            assert ack.reply == rows.replies[str(key_hash)], ack
    # Replaying the journal gives the stored snapshot.
    journal = [record_from_wire(command) for command in rows.commands]
    assert rows.snapshot == state_hash(replay(journal, catalog))


def _canonical(command: dict[str, Any]) -> str:
    """A wire command as comparable text."""
    return json.dumps(command, sort_keys=True)


def _keyed(command: dict[str, Any]) -> Command:
    """A keyed wire command as a command (``at`` 0 when the client had none)."""
    return command_from_wire({"at": 0, **command})
