"""Tests of ``baolife_core.journal_tools``: states, state_at, state_diff and
first_divergence."""

from __future__ import annotations

import json

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    Command,
    JournalError,
    NewPlayer,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    load_catalog,
    record_from_wire,
    replay,
    to_wire,
)
from baolife_core.journal_tools import (
    ABSENT,
    FieldDiff,
    first_divergence,
    state_at,
    state_diff,
    states,
)
from golden.fingerprint import HERE
from strategies import journals

CATALOG = load_catalog()
GOLDEN: tuple[NewPlayer | Command, ...] = tuple(
    record_from_wire(json.loads(line))
    for line in (HERE / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    if line
)
#: A short journal: the golden journal's first refills and time skips.
SHORT = GOLDEN[:12]


def _changed(
    journal: tuple[NewPlayer | Command, ...], seq: int
) -> tuple[NewPlayer | Command, ...]:
    """``journal`` with the record at ``seq`` given another idempotency key."""
    record = journal[seq]
    assert isinstance(record, PurchaseEnergyRefill | PurchaseTimeSkip)
    other = evolve(record, idempotency_key=record.idempotency_key + "-changed")
    return (*journal[:seq], other, *journal[seq + 1 :])


class TestStates:
    """``states`` yields every record with its seq and the state after it."""

    def test_one_step_per_record(self) -> None:
        """The seqs are 0 to len - 1, the records are the journal's, the last state
        is the replay's."""
        steps = list(states(GOLDEN, CATALOG))
        assert list(range(len(GOLDEN))) == [seq for seq, _, _ in steps]
        assert list(GOLDEN) == [record for _, record, _ in steps]
        assert replay(GOLDEN, CATALOG) == steps[-1][2]

    def test_the_genesis_is_seq_0(self) -> None:
        """The first state is the new player's, with ``state.seq`` 0."""
        seq, record, state = next(states(GOLDEN, CATALOG))
        assert (0, GOLDEN[0], 0) == (seq, record, state.seq)

    def test_refused_records_keep_state_seq(self) -> None:
        """A refused record has its own seq but leaves ``state.seq`` unchanged, so
        the golden journal's 342 commands end at ``state.seq`` 301."""
        final = list(states(GOLDEN, CATALOG))[-1]
        assert (342, 301) == (final[0], final[2].seq)

    def test_a_journal_without_genesis_is_refused(self) -> None:
        """A journal must start with ``new_player``."""
        with pytest.raises(JournalError, match="new_player"):
            list(states(GOLDEN[1:], CATALOG))


class TestStateAt:
    """``state_at`` is the state after the record at a seq."""

    @pytest.mark.parametrize("seq", [0, 1, 14, 100, 342])
    def test_agrees_with_replay_of_the_prefix(self, seq: int) -> None:
        """The state at ``seq`` is the replay of the records 0 to ``seq``."""
        assert replay(GOLDEN[: seq + 1], CATALOG) == state_at(GOLDEN, seq, CATALOG)

    @pytest.mark.parametrize("seq", [-1, 343, 10_000])
    def test_unknown_seq_names_the_range(self, seq: int) -> None:
        """A seq the journal does not have is a ``ValueError`` with the range."""
        with pytest.raises(ValueError, match="the journal has seqs 0 to 342") as raised:
            state_at(GOLDEN, seq, CATALOG)
        assert f"no seq {seq}" in str(raised.value)

    def test_empty_journal(self) -> None:
        """An empty journal has no seq at all."""
        with pytest.raises(ValueError, match="the journal is empty"):
            state_at((), 0, CATALOG)


class TestStateDiff:
    """``state_diff`` lists the differing wire fields by path."""

    def test_identical_states(self) -> None:
        """Equal states have no differences."""
        state = state_at(GOLDEN, 200, CATALOG)
        assert [] == state_diff(state, state)

    def test_a_changed_field_shows_its_path(self) -> None:
        """A hand-made change of the balance is exactly ``wallet.diamonds``."""
        state = state_at(GOLDEN, 200, CATALOG)
        richer = evolve(
            state, wallet=evolve(state.wallet, diamonds=state.wallet.diamonds + 7)
        )
        expected = [
            FieldDiff("wallet.diamonds", state.wallet.diamonds, richer.wallet.diamonds)
        ]
        assert expected == state_diff(state, richer)

    def test_nested_and_indexed_paths(self) -> None:
        """A stat of the character and a photo's caption are named to the leaf."""
        state = state_at(GOLDEN, 342, CATALOG)
        character = state.character
        assert character is not None
        assert len(state.album) > 3
        photo = state.album[3]
        changed = evolve(
            state,
            character=evolve(character, stats=evolve(character.stats, health=-1)),
            album=(
                *state.album[:3],
                evolve(photo, caption="x"),
                *state.album[4:],
            ),
        )
        expected = [
            FieldDiff("album[3].caption", photo.caption, "x"),
            FieldDiff("character.stats.health", character.stats.health, -1),
        ]
        assert expected == state_diff(state, changed)

    def test_list_length_differences(self) -> None:
        """Elements one side lacks are reported as ``ABSENT`` on that side."""
        state = state_at(GOLDEN, 342, CATALOG)
        shorter = evolve(state, album=state.album[:-2])
        last = len(state.album) - 1
        paths = [(diff.path, diff.b) for diff in state_diff(state, shorter)]
        assert [(f"album[{last - 1}]", ABSENT), (f"album[{last}]", ABSENT)] == paths

    def test_a_value_of_another_kind_is_reported_whole(self) -> None:
        """A character against none is one difference at ``character``."""
        born = state_at(GOLDEN, 342, CATALOG)
        unborn = evolve(born, character=None)
        (diff,) = state_diff(unborn, born)
        assert ("character", None) == (diff.path, diff.a)
        assert isinstance(diff.b, dict)

    def test_order_is_sorted_by_path(self) -> None:
        """The differences of two far apart states come in the walk's sorted
        order, the same every time."""
        a = state_at(GOLDEN, 50, CATALOG)
        b = state_at(GOLDEN, 300, CATALOG)
        first = state_diff(a, b)
        assert first == state_diff(a, b)
        tops = [diff.path.split(".")[0].split("[")[0] for diff in first]
        assert sorted(tops) == tops


class TestFirstDivergence:
    """``first_divergence`` finds the first seq where two journals differ."""

    def test_a_journal_with_itself(self) -> None:
        """A journal does not diverge from itself."""
        assert first_divergence(GOLDEN, GOLDEN, CATALOG) is None

    def test_one_record_changed(self) -> None:
        """A refused refill given another key at seq 3 diverges at 3, with both
        records and no state difference."""
        changed = _changed(SHORT, 3)
        divergence = first_divergence(SHORT, changed, CATALOG)
        assert divergence is not None
        assert (3, to_wire(SHORT[3]), to_wire(changed[3]), ()) == (
            divergence.seq,
            divergence.record_a,
            divergence.record_b,
            divergence.diff,
        )

    def test_a_different_state_is_diffed(self) -> None:
        """Another time skip at seq 9 shows in the clock and the wallet."""
        record = SHORT[9]
        assert isinstance(record, PurchaseTimeSkip)
        other = evolve(record, skip_type="one_hour")
        changed = (*SHORT[:9], other, *SHORT[10:])
        divergence = first_divergence(SHORT, changed, CATALOG)
        assert divergence is not None
        assert 9 == divergence.seq
        paths = {diff.path for diff in divergence.diff}
        assert {"clock.skipped_ms", "wallet.diamonds"} <= paths
        expected = state_diff(
            state_at(SHORT, 9, CATALOG), state_at(changed, 9, CATALOG)
        )
        assert expected == list(divergence.diff)

    def test_a_journal_that_ends_early(self) -> None:
        """A prefix diverges where it ends: its record is None and the diff
        compares its final state with the longer journal's next state."""
        divergence = first_divergence(SHORT, SHORT[:2], CATALOG)
        assert divergence is not None
        assert (2, to_wire(SHORT[2]), None) == (
            divergence.seq,
            divergence.record_a,
            divergence.record_b,
        )
        expected = state_diff(state_at(SHORT, 2, CATALOG), state_at(SHORT, 1, CATALOG))
        assert expected == list(divergence.diff)

    def test_different_genesis(self) -> None:
        """Another seed diverges at seq 0."""
        genesis = SHORT[0]
        assert isinstance(genesis, NewPlayer)
        other = (evolve(genesis, seed=genesis.seed + 1), *SHORT[1:])
        divergence = first_divergence(SHORT, other, CATALOG)
        assert divergence is not None
        assert 0 == divergence.seq
        assert FieldDiff("seed", genesis.seed, genesis.seed + 1) in divergence.diff

    @given(journal=journals(), data=st.data())
    def test_property_changed_record_diverges_at_its_seq(
        self, journal: list[NewPlayer | Command], data: st.DataObject
    ) -> None:
        """For any journal: no divergence with itself, a prefix diverges where it
        ends, a command changed at seq k diverges at k, and ``state_at`` agrees
        with the states."""
        records = tuple(journal)
        assert first_divergence(records, records, CATALOG) is None
        final = state_at(records, len(records) - 1, CATALOG)
        assert replay(records, CATALOG) == final
        assert [] == state_diff(final, final)
        if len(records) == 1:
            return
        k = data.draw(st.integers(min_value=1, max_value=len(records) - 1))
        ended = first_divergence(records, records[:k], CATALOG)
        assert ended is not None
        assert (k, None) == (ended.seq, ended.record_b)
        changed = _changed(records, k)
        divergence = first_divergence(records, changed, CATALOG)
        assert divergence is not None
        assert k == divergence.seq
        a = state_at(records, k, CATALOG)
        b = state_at(changed, k, CATALOG)
        assert state_diff(a, b) == list(divergence.diff)
        assert (a == b) == (not divergence.diff)
