"""Tests of ``baolife replay`` (``baolife_app.replay_cli``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baolife_app import replay_cli
from baolife_app.cli import main
from baolife_core import (
    CreateCharacter,
    GameService,
    PurchaseEnergyRefill,
    load_catalog,
    record_from_wire,
    state_hash,
    state_to_wire,
    to_wire,
)
from baolife_core.journal_tools import state_at
from baolife_storage_mysql import create_store
from golden.fingerprint import HERE

GOLDEN = HERE / "journal.jsonl"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
LINES = GOLDEN.read_text(encoding="utf-8").splitlines()


def _golden_state(seq: int) -> str:
    records = [record_from_wire(json.loads(line)) for line in LINES]
    return state_hash(state_at(records, seq, load_catalog()))


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _changed_copy(tmp_path: Path, seq: int, skip_type: str) -> Path:
    """The golden journal with the time skip at ``seq`` of another type."""
    lines = list(LINES)
    record = json.loads(lines[seq])
    assert "purchase_time_skip" == record["type"]
    record["skip_type"] = skip_type
    lines[seq] = json.dumps(record)
    return _write_lines(tmp_path / "changed.jsonl", lines)


class TestReplayFile:
    """``baolife replay JOURNAL`` replays a JSON-lines journal file."""

    def test_golden_hash(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The golden journal replays to the committed final state hash."""
        assert 0 == main(["replay", str(GOLDEN)])
        out = capsys.readouterr().out.splitlines()
        assert [
            f"journal {GOLDEN}: 343 records (seq 0 to 342)",
            "final state: seq 301 (41 refused records), "
            f"hash {EXPECTED['final_state_hash']}",
        ] == out

    def test_the_server_settings_are_not_read(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A read-only tool: a server environment it cannot start with (production
        without a token secret) does not stop it."""
        monkeypatch.setenv("BAOLIFE_ENV", "production")
        monkeypatch.delenv("BAOLIFE_TOKEN_SECRET", raising=False)
        monkeypatch.setenv("BAOLIFE_CACHE_SIZE", "not a number")
        assert 0 == main(["replay", str(GOLDEN)])
        assert capsys.readouterr().out.startswith(f"journal {GOLDEN}: 343 records")

    def test_golden_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--json`` prints the same facts as one document."""
        assert 0 == main(["replay", str(GOLDEN), "--json"])
        expected = {
            "journal": str(GOLDEN),
            "records": EXPECTED["records"],
            "final_seq": 301,
            "refused": 41,
            "state_hash": EXPECTED["final_state_hash"],
        }
        assert expected == json.loads(capsys.readouterr().out)

    def test_at_prints_the_state(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--at 14`` prints the record (in full wire form), the state's seq and
        hash and the state as indented JSON."""
        assert 0 == main(["replay", str(GOLDEN), "--at", "14"])
        out = capsys.readouterr().out
        head, _, state_text = out.partition("\n{")
        lines = head.splitlines()
        wire = to_wire(record_from_wire(json.loads(LINES[14])))
        record = json.dumps(wire, ensure_ascii=False, sort_keys=True)
        assert f"at seq 14: {record}" == lines[2]
        assert f"state: seq 5, hash {_golden_state(14)}" == lines[3]
        records = [record_from_wire(json.loads(line)) for line in LINES]
        state = state_at(records, 14, load_catalog())
        expected = json.loads(json.dumps(state_to_wire(state)))  # tuples as lists
        assert expected == json.loads("{" + state_text)

    def test_at_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--at 0 --json`` holds the genesis record and the new player's state."""
        assert 0 == main(["replay", str(GOLDEN), "--at", "0", "--json"])
        document = json.loads(capsys.readouterr().out)
        at = document["at"]
        assert (0, "new_player", _golden_state(0)) == (
            at["seq"],
            at["record"]["type"],
            at["state_hash"],
        )
        assert 0 == at["state"]["seq"]

    def test_blank_lines_are_skipped(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Blank lines between records do not count."""
        path = _write_lines(tmp_path / "blank.jsonl", [LINES[0], "", "  ", LINES[1]])
        assert 0 == main(["replay", str(path)])
        assert "2 records (seq 0 to 1)" in capsys.readouterr().out


class TestReplayDiff:
    """``baolife replay --diff A B`` finds the first divergent seq."""

    def test_identical(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A journal against itself is identical: exit 0, the steps and hash."""
        assert 0 == main(["replay", "--diff", str(GOLDEN), str(GOLDEN)])
        expected = f"identical: 343 steps, hash {EXPECTED['final_state_hash']}\n"
        assert expected == capsys.readouterr().out

    def test_divergent(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A time skip of another type at seq 9: exit 1, both records and the
        differing fields as ``path: a -> b``."""
        changed = _changed_copy(tmp_path, 9, "one_hour")
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(changed)])
        out = capsys.readouterr().out.splitlines()
        assert "diverged at seq 9" == out[0]
        assert out[1].startswith(f"  {GOLDEN}: ")
        assert '"skip_type": "to_tomorrow"' in out[1]
        assert out[2].startswith(f"  {changed}: ")
        assert '"skip_type": "one_hour"' in out[2]
        assert "  wallet.diamonds: 920 -> 940" in out
        assert out[3].endswith("differ:")

    def test_divergent_json(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--json`` lists every field with its two values."""
        changed = _changed_copy(tmp_path, 9, "one_hour")
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(changed), "--json"])
        document = json.loads(capsys.readouterr().out)
        assert (False, 9) == (document["identical"], document["seq"])
        assert "one_hour" == document["record_b"]["skip_type"]
        fields = {field["path"]: field for field in document["fields"]}
        expected = {"a": {"value": 920}, "b": {"value": 940}, "path": "wallet.diamonds"}
        assert expected == fields["wallet.diamonds"]

    def test_a_journal_that_ends(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A prefix diverges where it ends, shown as ``(journal ended)``."""
        prefix = _write_lines(tmp_path / "prefix.jsonl", LINES[:100])
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(prefix)])
        out = capsys.readouterr().out.splitlines()
        assert ["diverged at seq 100", f"  {prefix}: (journal ended)"] == [
            out[0],
            out[2],
        ]

    def test_long_diffs_are_cut(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Past ``DIFF_LINES`` fields, one line says how many more there are."""
        monkeypatch.setattr(replay_cli, "DIFF_LINES", 2)
        changed = _changed_copy(tmp_path, 9, "one_hour")
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(changed), "--json"])
        total = len(json.loads(capsys.readouterr().out)["fields"])
        assert total > 2
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(changed)])
        out = capsys.readouterr().out.splitlines()
        assert f"{total} fields differ:" == out[3]
        assert f"  … and {total - 2} more (--json shows all)" == out[-1]
        assert 4 + 2 + 1 == len(out)

    def test_only_the_records_differ(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Two refused records with different keys: no field differs."""
        lines = list(LINES)
        record = json.loads(lines[3])
        record["idempotency_key"] = "other"
        lines[3] = json.dumps(record)
        changed = _write_lines(tmp_path / "key.jsonl", lines)
        assert 1 == main(["replay", "--diff", str(GOLDEN), str(changed)])
        out = capsys.readouterr().out.splitlines()
        assert "diverged at seq 3" == out[0]
        assert "the states are equal: only the records differ" == out[-1]


def _players(url: str) -> tuple[str, str]:
    """Two players on a new database: one plays two commands, one only begins."""
    store = create_store(url)
    try:
        service = GameService(store, load_catalog())
        first = service.login_device("dev-1", new_player_id="p1", seed=1, at=1_000)
        service.execute(first, CreateCharacter(at=2_000))
        refill = PurchaseEnergyRefill(
            at=3_000, refill_type="overcharge", idempotency_key="k"
        )
        assert service.execute(first, refill).events
        second = service.login_device("dev-2", new_player_id="p2", seed=2, at=1_000)
        return first, second
    finally:
        store.close()


def _stored_hash(url: str, player: str) -> str:
    store = create_store(url, upgrade=False)
    try:
        return state_hash(GameService(store, load_catalog()).load(player).state)
    finally:
        store.close()


class TestReplayDatabase:
    """``baolife replay --db URL PLAYER_ID`` replays a stored journal."""

    def test_replays_to_the_stored_state(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The replayed hash is the stored snapshot's; seqs are the journal's."""
        url = f"sqlite:///{tmp_path / 'replay.db'}"
        player, _ = _players(url)
        assert 0 == main(["replay", "--db", url, player])
        out = capsys.readouterr().out.splitlines()
        assert [
            f"journal {player}: 3 records (seq 0 to 2)",
            f"final state: seq 2 (0 refused records), hash {_stored_hash(url, player)}",
        ] == out

    def test_diff_two_players(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Two players of different seeds diverge at their genesis."""
        url = f"sqlite:///{tmp_path / 'replay.db'}"
        first, second = _players(url)
        assert 1 == main(["replay", "--db", url, "--diff", first, second])
        out = capsys.readouterr().out.splitlines()
        assert "diverged at seq 0" == out[0]
        assert "  seed: 1 -> 2" in out

    def test_write_saves_the_journal(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--write`` saves the journal as JSON lines that replay to the same
        hash."""
        url = f"sqlite:///{tmp_path / 'replay.db'}"
        player, _ = _players(url)
        saved = tmp_path / "saved.jsonl"
        assert 0 == main(["replay", "--db", url, player, "--write", str(saved)])
        assert f"wrote 3 records to {saved}" in capsys.readouterr().out
        lines = saved.read_text(encoding="utf-8").splitlines()
        assert ["new_player", "create_character", "purchase_energy_refill"] == [
            json.loads(line)["type"] for line in lines
        ]
        assert 0 == main(["replay", str(saved), "--json"])
        replayed = json.loads(capsys.readouterr().out)["state_hash"]
        assert _stored_hash(url, player) == replayed

    def test_write_never_overwrites(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An existing file is left as it was: exit 2."""
        url = f"sqlite:///{tmp_path / 'replay.db'}"
        player, _ = _players(url)
        saved = tmp_path / "saved.jsonl"
        saved.write_text("keep\n", encoding="utf-8")
        assert 2 == main(["replay", "--db", url, player, "--write", str(saved)])
        assert f"baolife: {saved} exists: not overwritten\n" == capsys.readouterr().err
        assert "keep\n" == saved.read_text(encoding="utf-8")

    def test_unknown_player(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A player the database does not have: exit 2, named."""
        url = f"sqlite:///{tmp_path / 'replay.db'}"
        _players(url)
        assert 2 == main(["replay", "--db", url, "nobody"])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert f"baolife: no player nobody in {url}\n" == captured.err

    def test_missing_database_file_is_not_created(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A SQLite file that does not exist: exit 2, and no file appears."""
        path = tmp_path / "none.db"
        assert 2 == main(["replay", "--db", f"sqlite:///{path}", "p1"])
        assert f"baolife: no database file {path}\n" == capsys.readouterr().err
        assert not path.exists()

    def test_database_without_tables(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database never migrated: exit 2 with the driver's words."""
        path = tmp_path / "empty.db"
        path.touch()
        assert 2 == main(["replay", "--db", f"sqlite:///{path}", "p1"])
        err = capsys.readouterr().err
        assert err.startswith("baolife: cannot read the journal from sqlite:///")
        assert "no such table" in err

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("bogus", "not a database URL: 'bogus'"),
            ("postgresql://h/db", "unsupported database 'postgresql'"),
        ],
    )
    def test_bad_url(
        self, url: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A URL that names no usable database: exit 2."""
        assert 2 == main(["replay", "--db", url, "p1"])
        assert capsys.readouterr().err.startswith(f"baolife: {message}")


class TestBadInput:
    """Bad input exits 2 with one located message and no traceback."""

    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            (["{"], "bad.jsonl:1: not JSON: Expecting property name"),
            ([LINES[0], "[1, 2]"], "bad.jsonl:2: not a journal record: expected"),
            (
                [LINES[0], '{"type": "purchase_energy_refill", "at": "5"}'],
                "bad.jsonl:2: not a journal record: purchase_energy_refill: "
                "'at' must be an integer, got str",
            ),
            (
                [LINES[0], '{"type": "dance", "at": 5}'],
                "bad.jsonl:2: not a journal record: unknown type 'dance'",
            ),
            (
                [LINES[1]],
                "bad.jsonl:1: a journal must start with a new_player record, "
                "got 'purchase_energy_refill'",
            ),
            (
                [LINES[0], LINES[1], LINES[0]],
                "bad.jsonl:3: new_player may only start a journal",
            ),
            ([], "bad.jsonl: empty journal: no new_player record"),
        ],
    )
    def test_bad_lines(
        self,
        lines: list[str],
        message: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A line that is not a journal record is named with its file and line."""
        path = _write_lines(tmp_path / "bad.jsonl", lines)
        assert 2 == main(["replay", str(path)])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert captured.err.startswith(f"baolife: {tmp_path}/{message}")
        assert "Traceback" not in captured.err

    def test_missing_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A journal file that does not exist."""
        path = tmp_path / "missing.jsonl"
        assert 2 == main(["replay", str(path)])
        assert f"baolife: {path}: no such file\n" == capsys.readouterr().err

    def test_not_utf8(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A file that is not UTF-8 text."""
        path = tmp_path / "latin.jsonl"
        path.write_bytes(b"\xff\xfe")
        assert 2 == main(["replay", str(path)])
        assert capsys.readouterr().err.startswith(f"baolife: {path}: not UTF-8 text")

    def test_a_directory(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A path that is no file cannot be read."""
        assert 2 == main(["replay", str(tmp_path)])
        assert capsys.readouterr().err.startswith(f"baolife: {tmp_path}: cannot read")

    def test_bad_file_in_a_diff(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--diff`` names the bad one of its two files."""
        path = _write_lines(tmp_path / "bad.jsonl", ["nope"])
        assert 2 == main(["replay", "--diff", str(GOLDEN), str(path)])
        assert capsys.readouterr().err.startswith(f"baolife: {path}:1: not JSON")

    @pytest.mark.parametrize("seq", ["-1", "343"])
    def test_at_out_of_range(
        self, seq: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--at`` beyond the journal names the range."""
        assert 2 == main(["replay", str(GOLDEN), "--at", seq])
        captured = capsys.readouterr()
        assert "" == captured.out
        expected = f"baolife: {GOLDEN}: no seq {seq}: the journal has seqs 0 to 342\n"
        assert expected == captured.err

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            ([], "give one journal (or player id with --db), or --diff A B"),
            (
                [str(GOLDEN), "--diff", str(GOLDEN), str(GOLDEN)],
                "give one journal (or player id with --db), or --diff A B",
            ),
            (
                ["--diff", str(GOLDEN), str(GOLDEN), "--at", "1"],
                "--at shows one journal: not with --diff",
            ),
            (
                [str(GOLDEN), "--write", "out.jsonl"],
                "--write saves one player's journal: use it with --db",
            ),
        ],
    )
    def test_usage(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Options that do not go together are refused before reading anything."""
        assert 2 == main(["replay", *argv])
        assert f"baolife: {message}\n" == capsys.readouterr().err

    def test_bad_content_directory(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--content`` that does not load: exit 2 with the content error."""
        assert 2 == main(["replay", str(GOLDEN), "--content", str(tmp_path)])
        assert capsys.readouterr().err.startswith("baolife: ")
