"""Journal tools: the state at any step, a field-by-field state diff, and the first
step where two journals diverge (``baolife replay``, docs/operations.md "Replay
tools: desyncs and support tickets").

Rules of this module (DESIGN.md "Determinism rules": replay is the same engine as
live play):

- A journal is a sequence of decoded records (``record_from_wire``): a
  ``new_player`` genesis, then commands. Reading files or databases is the app's
  job; everything here is a pure function of the journal and the catalog.
- A record's *seq* is its position in the journal: 0 is the genesis, ``n`` the n-th
  record after it — the numbering of the store's ``player_journal.seq``. A store
  journals accepted commands only, so there the seq equals ``state.seq`` after the
  record. A journal that also keeps refused commands (a client recording, the
  golden journal) has more seqs than ``state.seq`` counts: a refused command
  changes nothing, not even ``state.seq``.
- ``state_diff`` compares the ``state_to_wire`` trees, so a path names wire fields:
  ``wallet.diamonds``, ``character.stats.health``, ``album[3].caption``. Objects
  are compared key by key in sorted order, lists index by index; an element or key
  only one side has is reported with ``ABSENT`` on the other side. A value whose
  kind differs (``null`` against an object) is reported whole at its path. The
  order is deterministic: the walk's order.
- ``first_divergence`` is defined in its docstring; it replays both journals in
  lockstep and stops at the first difference, so its cost is the common prefix.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence

from attrs import frozen

from .catalog import Catalog
from .commands import Command, NewPlayer
from .engine import replay, replay_outcomes
from .errors import JournalError
from .state import PlayerState
from .wire import state_to_wire, to_wire

__all__ = [
    "ABSENT",
    "Absent",
    "Divergence",
    "FieldDiff",
    "Record",
    "first_divergence",
    "state_at",
    "state_diff",
    "states",
]

#: A journal record: the genesis or a command.
Record = NewPlayer | Command


class Absent(enum.Enum):
    """The type of ``ABSENT``."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


#: The side of a ``FieldDiff`` that has no element or key at the path.
ABSENT = Absent.ABSENT


@frozen
class FieldDiff:
    """One leaf (or whole subtree) that differs between two states."""

    path: str  # e.g. ``wallet.diamonds``, ``album[3].caption``
    a: object  # the wire value in the first state, or ``ABSENT``
    b: object  # the wire value in the second state, or ``ABSENT``


@frozen
class Divergence:
    """The first step where two journals differ (see ``first_divergence``)."""

    seq: int  # the position of the step in both journals (0: the genesis)
    record_a: Mapping[str, object] | None  # the first journal's record (wire form)
    record_b: Mapping[str, object] | None  # the second's; None where it has ended
    diff: tuple[FieldDiff, ...]  # state after ``record_a`` against after ``record_b``


def states(
    journal: Iterable[Record], catalog: Catalog
) -> Iterator[tuple[int, Record, PlayerState]]:
    """Yield ``(seq, record, state after the record)`` for every record, in order.

    The genesis comes first with seq 0. A journal that does not start with
    ``new_player`` (or has another one later) raises ``JournalError`` when reached.
    """
    records = list(journal)
    outcomes = replay_outcomes(records, catalog)
    for seq, (record, outcome) in enumerate(zip(records, outcomes, strict=True)):
        yield seq, record, outcome.state


def state_at(journal: Sequence[Record], seq: int, catalog: Catalog) -> PlayerState:
    """The state after the record at ``seq``; ``ValueError`` naming the range for a
    seq the journal does not have."""
    if not journal:
        raise ValueError(f"no seq {seq}: the journal is empty")
    if not 0 <= seq < len(journal):
        raise ValueError(f"no seq {seq}: the journal has seqs 0 to {len(journal) - 1}")
    return replay(journal[: seq + 1], catalog)


def state_diff(a: PlayerState, b: PlayerState) -> list[FieldDiff]:
    """Every field whose wire value differs between ``a`` and ``b`` (module rules);
    empty when the states are equal."""
    found: list[FieldDiff] = []
    _walk("", state_to_wire(a), state_to_wire(b), found)
    return found


def _walk(path: str, a: object, b: object, found: list[FieldDiff]) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            inner = f"{path}.{key}" if path else str(key)
            _walk(inner, a.get(key, ABSENT), b.get(key, ABSENT), found)
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else ABSENT
            right = b[index] if index < len(b) else ABSENT
            _walk(f"{path}[{index}]", left, right, found)
    elif type(a) is not type(b) or a != b:
        # ``type`` first: ``True == 1`` in Python, not on the wire.
        found.append(FieldDiff(path=path, a=a, b=b))


def first_divergence(
    journal_a: Iterable[Record], journal_b: Iterable[Record], catalog: Catalog
) -> Divergence | None:
    """The first seq where the two journals differ; None when they do not.

    Both journals are replayed in lockstep. At each seq ``k``, in this order:

    - if one journal has a record at ``k`` and the other has ended, the divergence
      is at ``k``: the ended side's record is None and the diff compares the ended
      journal's final state with the other's state after its record ``k``;
    - if the records at ``k`` differ (as values: every field, the ``at`` and the
      idempotency key included) or the states after them differ, the divergence is
      at ``k`` with both records and the ``state_diff`` of the two states (empty
      when only the records differ, e.g. two refused commands).

    So the result is None exactly when the journals have the same records, and
    then they lead to the same states (replay is deterministic).
    """
    steps_a = states(journal_a, catalog)
    steps_b = states(journal_b, catalog)
    last_a: PlayerState | None = None
    last_b: PlayerState | None = None
    seq = 0
    while True:
        step_a = next(steps_a, None)
        step_b = next(steps_b, None)
        if step_a is None and step_b is None:
            return None
        if step_a is None or step_b is None:
            return _ended(seq, step_a, step_b, last_a, last_b)
        _, record_a, state_a = step_a
        _, record_b, state_b = step_b
        if record_a != record_b or state_a != state_b:
            return Divergence(
                seq=seq,
                record_a=to_wire(record_a),
                record_b=to_wire(record_b),
                diff=tuple(state_diff(state_a, state_b)),
            )
        last_a, last_b = state_a, state_b
        seq += 1


def _ended(
    seq: int,
    step_a: tuple[int, Record, PlayerState] | None,
    step_b: tuple[int, Record, PlayerState] | None,
    last_a: PlayerState | None,
    last_b: PlayerState | None,
) -> Divergence:
    """The divergence where one journal has ended (``first_divergence``)."""
    state_a = last_a if step_a is None else step_a[2]
    state_b = last_b if step_b is None else step_b[2]
    if state_a is None or state_b is None:  # pragma: no cover - states() refuses
        raise JournalError("an empty journal has no states")
    return Divergence(
        seq=seq,
        record_a=None if step_a is None else to_wire(step_a[1]),
        record_b=None if step_b is None else to_wire(step_b[1]),
        diff=tuple(state_diff(state_a, state_b)),
    )
