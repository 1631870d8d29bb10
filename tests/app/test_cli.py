"""Tests of the ``baolife`` command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy

from baolife_app.cli import main
from baolife_app.receipts import DevelopmentReceiptVerifier
from baolife_core import (
    CreateCharacter,
    GameService,
    PurchaseEnergyRefill,
    StorePurchaseResult,
    load_catalog,
)
from baolife_core.content_check import static_findings
from baolife_storage_mysql import create_store, make_engine, run_migrations
from baolife_storage_mysql.schema import diamond_transactions, player_journal
from content_packs import copy_content, edited_catalog, edited_file


def _content(tmp_path: Path) -> Path:
    return copy_content(tmp_path)


class TestContentCheck:
    """``baolife content check`` validates a content directory and proves its life
    events reachable by seeded bot lives."""

    def test_bundled_content_is_valid(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The bundled content passes, counted, and every life event is reached."""
        assert 0 == main(["content", "check"])
        out = capsys.readouterr().out
        assert "content ok: 4 energy refill tiers, 4 time skips, 6 life stages" in out
        assert "9 activities at 8 locations, 137 life events" in out
        assert "(40 of relationships), 4 schools" in out
        assert "18 jobs, 4 conversation replies" in out
        assert "8 date venues with 24 activities" in out
        assert re.search(
            r"reachability: all 137 life events happened within \d+ bot", out
        )
        assert (
            "dating: 24 of 24 date activities dated, "
            "6 of 6 relationship stages and endings reached"
        ) in out

    def test_dating_never_reached_is_reported(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One idle life (the check's first pace never dates) dates nowhere: every
        date activity and every stage is named as never reached, against
        ``dating.toml``."""
        assert 1 == main(["content", "check", "--lives", "1"])
        captured = capsys.readouterr()
        assert (
            "dating: 0 of 24 date activities dated, "
            "0 of 6 relationship stages and endings reached"
        ) in captured.out
        err = captured.err.splitlines()
        assert (
            "baolife: dating.toml: venues[cafe].activities[coffee]: "
            "never dated in 1 bot life"
        ) in err
        assert (
            "baolife: dating.toml: relationships.stages: "
            "'divorced' never reached in 1 bot life"
        ) in err
        assert any(
            line.startswith("baolife: relationship_events.toml: events[")
            for line in err
        )

    def test_invalid_content_names_file_entry_and_field(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad price exits 2 with the file, entry and field in the message."""
        directory = _content(tmp_path)
        economy = directory / "economy.toml"
        economy.write_text(
            economy.read_text(encoding="utf-8").replace(
                "diamonds = 35", 'diamonds = "35"'
            )
        )
        assert 2 == main(["content", "check", str(directory)])
        err = capsys.readouterr().err
        assert "economy.toml: energy_refills[full].diamonds: must be an integer" in err

    def test_missing_directory_is_reported(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A directory without the content files exits 2 naming the missing file."""
        shutil.rmtree(tmp_path)
        tmp_path.mkdir()
        assert 2 == main(["content", "check", str(tmp_path)])
        assert "economy.toml" in capsys.readouterr().err

    def test_dangling_ids_are_listed_one_per_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Two dangling ids: exit 2, each on its own located line."""
        directory = _with_events(
            tmp_path,
            ('{ follow_up = "baby_cold_better"', '{ follow_up = "baby_cold_worse"'),
            ('stages = ["baby"]\nweight = 8', 'stages = ["toddler"]\nweight = 8'),
        )
        assert 2 == main(["content", "check", str(directory)])
        lines = capsys.readouterr().err.splitlines()
        assert [
            "baolife: life_events.toml: events[baby_cold].effects[2].follow_up: "
            "names no event: 'baby_cold_worse'",
            "baolife: life_events.toml: events[baby_cold_better].weight: "
            "is 0 and no follow_up leads here: unreachable",
        ] == [line for line in lines if "baby_cold" in line]
        assert any("names no stage: 'toddler'" in line for line in lines)

    def test_an_event_no_life_reaches_fails_the_check(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A baby with perfect smarts never happens: exit 1, the event named.

        (Three lives are too few to reach every bundled event too; those are
        listed as well.)
        """
        directory = _with_events(tmp_path, append=GENIUS_BABY)
        assert 1 == main(["content", "check", str(directory), "--lives", "3"])
        captured = capsys.readouterr()
        assert re.search(
            r"reachability: \d+ of 138 life events happened in 3 bot lives",
            captured.out,
        )
        err = captured.err.splitlines()
        assert (
            "baolife: life_events.toml: events[genius_baby]: "
            "never happened in 3 bot lives"
        ) in err
        assert re.fullmatch(r"baolife: \d+ content problems", err[-1])

    def test_a_flag_nobody_sets_is_found_without_playing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The static pass names the missing flag; the lives do not wait for it."""
        directory = _with_events(
            tmp_path,
            (
                'id = "grounded"\ntitle = "Grounded"',
                'id = "grounded"\ntitle = "Grounded"\nflags_all = ["knighted"]',
            ),
            ('flags_all = ["grounded"]\nweight = 0', "weight = 0"),
        )
        assert 1 == main(["content", "check", str(directory)])
        err = capsys.readouterr().err.splitlines()
        assert [
            "baolife: life_events.toml: events[grounded].flags_all: "
            "needs flag 'knighted', which no effect sets",
            "baolife: 1 content problem",
        ] == err

    def test_a_date_nobody_has_the_energy_for_is_found(self) -> None:
        """A date activity costing more energy than energy ever holds is a static
        finding against ``dating.toml``, located at the venue's activity."""
        catalog = edited_file(
            "dating.toml",
            (
                'name = "Coffee and a chat"\nenergy = 5',
                'name = "Coffee and a chat"\nenergy = 900',
            ),
        )
        assert [
            "dating.toml: venues[cafe].activities[coffee].energy: costs 900, more "
            "than energy ever holds (150)"
        ] == [str(f) for f in static_findings(catalog) if f.file == "dating.toml"]

    def test_lives_must_be_positive(self) -> None:
        """``--lives 0`` is a usage error."""
        with pytest.raises(SystemExit) as exit_info:
            main(["content", "check", "--lives", "0"])
        assert 2 == exit_info.value.code


#: A storylet no bot life can reach: babies never have perfect smarts.
GENIUS_BABY = """
[[events]]
id = "genius_baby"
title = "A genius"
text = "{first_name} solves a crossword."
stages = ["baby"]
stats = { smarts = [100, 100] }
weight = 10
once = true
effects = [{ stat = "smarts", delta = 1 }]
"""


def _with_events(directory: Path, *edits: tuple[str, str], append: str = "") -> Path:
    """The bundled content with ``life_events.toml`` edited (each edit must apply)."""

    def edit(name: str, text: str) -> str:
        if name != "life_events.toml":
            return text
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new, 1)
        return text + append

    return copy_content(directory, edit)


class TestStaticPass:
    """The static pass of the content check names why a storylet cannot happen."""

    def test_the_bundled_content_has_no_finding(self) -> None:
        """Nothing to report on the bundled content."""
        assert () == static_findings(load_catalog())

    def test_ages_outside_every_stage(self) -> None:
        """A baby storylet from age 5 never happens: babies are 0-2."""
        catalog = edited_catalog(
            ('title = "Teething"', 'title = "Teething"\nmin_age = 5')
        )
        assert [
            "life_events.toml: events[teething].stages: "
            "ages 5-150 fall in none of its stages (baby 0-2)"
        ] == [str(f) for f in static_findings(catalog)]

    def test_a_role_no_family_has(self) -> None:
        """Without siblings, every storylet that needs one is named."""
        findings = static_findings(
            edited_catalog(("max_siblings = 2", "max_siblings = 0"))
        )
        assert findings
        assert {"requires_role"} == {f.field for f in findings}
        assert "events[sibling_peeks]" in {f.entry for f in findings}
        assert {"no character ever has a sibling"} == {f.problem for f in findings}

    def test_what_only_impossible_storylets_lead_to(self) -> None:
        """A flag or a follow-up that only impossible storylets give is no help."""
        catalog = edited_catalog(
            ('stages = ["teen"]\nmin_age = 14', 'stages = ["teen"]\nmin_age = 40'),
            (
                'stages = ["baby"]\nweight = 6',
                'stages = ["baby"]\nmin_age = 9\nweight = 6',
            ),
        )
        assert [
            "life_events.toml: events[baby_cold].stages: "
            "ages 9-150 fall in none of its stages (baby 0-2)",
            "life_events.toml: events[baby_cold_better].weight: "
            "is 0 and only storylets that cannot happen lead here",
            "life_events.toml: events[party_invite].stages: "
            "ages 40-150 fall in none of its stages (teen 13-17)",
            "life_events.toml: events[grounded].flags_all: "
            "needs flag 'grounded', set only by storylets that cannot happen",
        ] == [str(f) for f in static_findings(catalog)]

    def test_activities_that_can_never_be_done(self) -> None:
        """Ages that miss the location's, and more energy than a player holds."""
        catalog = edited_catalog(
            ('location = "park"\nmin_age = 1', 'location = "work"\nmin_age = 1'),
            ("energy = 5\ngame_minutes = 120", "energy = 500\ngame_minutes = 120"),
        )
        assert [
            "activities.toml: activities[play].min_age: "
            "ages 1-12 miss the ages 16-75 of 'work'",
            "activities.toml: activities[rest].energy: "
            "costs 500, more than energy ever holds (150)",
        ] == [str(f) for f in static_findings(catalog)]


class TestDbUpgrade:
    """``baolife db upgrade`` creates the schema."""

    def test_upgrade_creates_the_tables(self, tmp_path: Path) -> None:
        """The players and ledger tables exist after an upgrade of an empty file."""
        url = f"sqlite:///{tmp_path / 'up.db'}"
        assert 0 == main(["db", "upgrade", "--db", url])
        tables = set(
            sqlalchemy.inspect(sqlalchemy.create_engine(url)).get_table_names()
        )
        assert {"players", "player_journal", "diamond_transactions"} <= tables

    def test_upgrade_twice_is_harmless(self, tmp_path: Path) -> None:
        """A second upgrade finds nothing to do and succeeds."""
        url = f"sqlite:///{tmp_path / 'twice.db'}"
        assert 0 == main(["db", "upgrade", "--db", url])
        assert 0 == main(["db", "upgrade", "--db", url])


def _ledger(url: str) -> list[tuple[object, ...]]:
    """Every ledger row but its surrogate id, in journal order."""
    table = diamond_transactions
    query = sqlalchemy.select(*(c for c in table.columns if c.name != "id"))
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            ordered = query.order_by(table.c.player_id, table.c.seq)
            return [tuple(row) for row in connection.execute(ordered)]
    finally:
        engine.dispose()


def _played(url: str) -> list[str]:
    """Two players who each begin a life and buy a refill, on a new database."""
    store = create_store(url)
    try:
        service = GameService(store, load_catalog())
        players = []
        for index in (1, 2):
            player = service.login_device(
                f"dev-{index}", new_player_id=f"p{index}", seed=index, at=1_000
            )
            service.execute(player, CreateCharacter(at=2_000))
            refill = PurchaseEnergyRefill(
                at=3_000, refill_type="overcharge", idempotency_key="k"
            )
            assert service.execute(player, refill).events
            players.append(player)
        return players
    finally:
        store.close()


def _run_sql(url: str, *statements: sqlalchemy.Executable) -> None:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)
    finally:
        engine.dispose()


class TestDbRebuildProjections:
    """``baolife db rebuild-projections`` writes the projection tables again from
    the journal, for every player or one."""

    def test_rebuilds_every_player(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An emptied ledger comes back; the output counts players and rows."""
        url = f"sqlite:///{tmp_path / 'rebuild.db'}"
        _played(url)
        before = _ledger(url)
        _run_sql(url, sqlalchemy.delete(diamond_transactions))
        assert 0 == main(["db", "rebuild-projections", "--db", url])
        assert before == _ledger(url)
        out = capsys.readouterr().out.splitlines()
        assert re.fullmatch(r"rebuilt the projections of 2 players: \d+ rows", out[0])
        assert f"  diamond_transactions: {len(before)}" in out
        assert "  player_statistics: 2" in out

    def test_rebuilds_one_player(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--player`` mends that player's rows only."""
        url = f"sqlite:///{tmp_path / 'one.db'}"
        _played(url)
        before = _ledger(url)
        _run_sql(url, sqlalchemy.delete(diamond_transactions))
        assert 0 == main(["db", "rebuild-projections", "--db", url, "--player", "p2"])
        assert [row for row in before if row[0] == "p2"] == _ledger(url)
        assert "rebuilt the projections of 1 player: " in capsys.readouterr().out

    def test_an_unknown_player(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 naming the player; nothing is written."""
        url = f"sqlite:///{tmp_path / 'unknown.db'}"
        _played(url)
        _run_sql(url, sqlalchemy.delete(diamond_transactions))
        assert 1 == main(["db", "rebuild-projections", "--db", url, "--player", "p9"])
        assert "baolife: no player p9\n" == capsys.readouterr().err
        assert [] == _ledger(url)

    def test_a_journal_the_projectors_refuse(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A player whose genesis line is gone: exit 1 naming it and its line."""
        url = f"sqlite:///{tmp_path / 'refused.db'}"
        _played(url)
        journal = player_journal.c
        _run_sql(
            url,
            sqlalchemy.delete(player_journal).where(
                journal.player_id == "p1", journal.seq == 0
            ),
        )
        assert 1 == main(["db", "rebuild-projections", "--db", url])
        err = capsys.readouterr().err
        assert "baolife: player p1, journal seq 1: player_statistics: no row" in err

    def test_a_database_behind_the_code(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database not upgraded yet is refused, pointing at ``db upgrade``."""
        url = f"sqlite:///{tmp_path / 'old.db'}"
        engine = make_engine(url)
        try:
            run_migrations(engine, "0007")
        finally:
            engine.dispose()
        assert 1 == main(["db", "rebuild-projections", "--db", url])
        assert "run `baolife db upgrade` first" in capsys.readouterr().err


class TestServeSettings:
    """``baolife serve`` refuses to start with unsafe production settings."""

    def test_production_without_secret_exits_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """BAOLIFE_ENV=production and no secret: a clear error, exit code 2."""
        monkeypatch.setenv("BAOLIFE_ENV", "production")
        monkeypatch.delenv("BAOLIFE_TOKEN_SECRET", raising=False)
        assert 2 == main(["serve", "--port", "0"])
        assert "BAOLIFE_TOKEN_SECRET" in capsys.readouterr().err


class TestStoreRefund:
    """``baolife store refund`` takes back a refunded purchase from its buyer."""

    def test_refunds_the_buyer(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The owner is found by transaction id and debited; a second refund fails."""
        url = f"sqlite:///{tmp_path / 'refund.db'}"
        store = create_store(url, upgrade=True)
        service = GameService(
            store, load_catalog(), verifier=DevelopmentReceiptVerifier()
        )
        player = service.login_device("dev", new_player_id="p1", seed=3, at=1_000)
        bought = service.credit_store_purchase(
            player,
            product_id="com.baolife.diamonds.100",
            transaction_id="tx-1",
            signed_transaction="dev:com.baolife.diamonds.100:tx-1",
            at=2_000,
        )
        assert isinstance(bought.reply, StorePurchaseResult)
        before = service.load(player).state.wallet.diamonds
        store.close()
        assert 0 == main(["store", "refund", "tx-1", "--db", url])
        assert "refunded tx-1 of player p1" in capsys.readouterr().out
        store = create_store(url, upgrade=False)
        try:
            wallet = GameService(store, load_catalog()).load(player).state.wallet
        finally:
            store.close()
        assert before - 100 == wallet.diamonds
        assert 1 == main(["store", "refund", "tx-1", "--db", url])
        assert "already_claimed" in capsys.readouterr().err

    def test_an_unclaimed_transaction(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A transaction no player claimed is reported, and nothing changes."""
        url = f"sqlite:///{tmp_path / 'none.db'}"
        create_store(url, upgrade=True).close()
        assert 1 == main(["store", "refund", "tx-404", "--db", url])
        assert "no player claimed store transaction tx-404" in capsys.readouterr().out


GRACE_MS = 30 * 24 * 60 * 60 * 1000


def _gdpr_player(url: str) -> str:
    """A player on a new database at ``url``, with an energy refill bought."""
    store = create_store(url, upgrade=True)
    try:
        service = GameService(store, load_catalog())
        player = service.login_device("dev", new_player_id="p1", seed=3, at=1_000)
        refill = PurchaseEnergyRefill(
            at=2_000, refill_type="overcharge", idempotency_key="k"
        )
        service.execute(player, refill)
    finally:
        store.close()
    return player


class TestGdpr:
    """``baolife gdpr export`` and ``baolife gdpr purge``."""

    def test_export_prints_one_json_document(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every table of the player, the ledger and the purchase included."""
        url = f"sqlite:///{tmp_path / 'gdpr.db'}"
        player = _gdpr_player(url)
        assert 0 == main(["gdpr", "export", player, "--db", url])
        document = json.loads(capsys.readouterr().out)
        tables = document["tables"]
        assert player == document["player_id"]
        assert [0, 1] == [row["seq"] for row in tables["player_journal"]]
        assert 2 == len(tables["diamond_transactions"])
        assert 1 == len(tables["energy_refill_purchases"])

    def test_export_of_nobody(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown player exits 1 and prints no document."""
        url = f"sqlite:///{tmp_path / 'gdpr.db'}"
        _gdpr_player(url)
        assert 1 == main(["gdpr", "export", "nobody", "--db", url])
        captured = capsys.readouterr()
        assert "" == captured.out
        assert "baolife: no player nobody" in captured.err

    def test_purge_after_the_grace(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Nothing a millisecond early; at the end of the grace the player goes
        and one tombstone stays."""
        url = f"sqlite:///{tmp_path / 'gdpr.db'}"
        player = _gdpr_player(url)
        store = create_store(url, upgrade=False)
        try:
            GameService(store, load_catalog()).request_account_deletion(
                player, at=3_000
            )
        finally:
            store.close()
        due = str(3_000 + GRACE_MS)
        assert 0 == main(["gdpr", "purge", "--db", url, "--now", str(int(due) - 1)])
        assert "purged 0 accounts" in capsys.readouterr().out
        assert 0 == main(["gdpr", "purge", "--db", url, "--now", due])
        out = capsys.readouterr().out
        assert f"purged 1 account due at {due}" in out
        assert player not in out
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as connection:
                users = connection.execute(sqlalchemy.text("SELECT * FROM users"))
                tombstones = connection.execute(
                    sqlalchemy.text("SELECT requested_at FROM deletion_log")
                )
                assert ([], [(3_000,)]) == (users.all(), [tuple(r) for r in tombstones])
        finally:
            engine.dispose()
        assert 1 == main(["gdpr", "export", player, "--db", url])

    @pytest.mark.parametrize("now", ["soon", "-5", "1.5"])
    def test_a_bad_instant_is_a_usage_error(
        self, now: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--now`` takes integer milliseconds: anything else exits 2."""
        with pytest.raises(SystemExit) as exited:
            main(["gdpr", "purge", "--now", now])
        assert 2 == exited.value.code
        assert "--now" in capsys.readouterr().err


class TestBrokenPipe:
    """A reader that leaves early (``baolife … | head``) ends the command quietly."""

    def test_exit_1_and_stdout_pointed_at_devnull(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``BrokenPipeError`` is exit 1, with stdout redirected, not a traceback."""
        import baolife_app.cli as cli

        def gone(_args: object) -> int:
            raise BrokenPipeError

        redirected: list[tuple[int, int]] = []
        monkeypatch.setattr(cli, "run_replay", gone)
        monkeypatch.setattr(cli.os, "dup2", lambda a, b: redirected.append((a, b)))
        assert 1 == main(["replay", "tests/golden/journal.jsonl"])
        assert 1 == len(redirected)
