"""Tests of the ``baolife`` command line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy

from baolife_app.cli import main
from baolife_app.receipts import DevelopmentReceiptVerifier
from baolife_core import GameService, StorePurchaseResult, load_catalog
from baolife_core.content_check import static_findings
from baolife_storage_mysql import create_store
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
