"""Tests of ``baolife_core.catalog``: the bundled content and its validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from baolife_core.catalog import (
    Catalog,
    ClockRules,
    EnergyRules,
    RefillTier,
    load_catalog,
)
from baolife_core.clock import MS_PER_MINUTE
from baolife_core.commands import PurchaseEnergyRefill
from baolife_core.errors import BaolifeError, ContentError
from content_packs import copy_content

ECONOMY = "economy.toml"
CLOCK = "clock.toml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the bundled content directory."""
    return copy_content(tmp_path)


def edit(directory: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a content file by ``new``."""
    path = directory / name
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {name}"
    path.write_text(text.replace(old, new), "utf-8")


def load_error(directory: Path) -> ContentError:
    """The ``ContentError`` that loading ``directory`` raises."""
    with pytest.raises(ContentError) as caught:
        load_catalog(directory)
    return caught.value


class TestBundledContent:
    """The content shipped in the package loads and matches the game's rules."""

    def test_loads(self) -> None:
        """``load_catalog()`` returns a frozen catalog."""
        assert isinstance(load_catalog(), Catalog)

    def test_loads_identically_twice(self) -> None:
        """Loading is deterministic."""
        assert load_catalog() == load_catalog()

    def test_starting_grant(self) -> None:
        """A new player is granted 1000 diamonds."""
        assert load_catalog().starting_diamonds == 1000

    def test_energy_rules(self) -> None:
        """Energy caps at 100, regenerates 1 point per 3 minutes, overfills to 150."""
        expected = EnergyRules(
            max=100,
            regen_interval_ms=3 * MS_PER_MINUTE,
            regen_amount=1,
            overfill_cap=150,
        )
        assert expected == load_catalog().energy

    def test_clock_rules(self) -> None:
        """Game time runs 60 times faster than wall time."""
        assert ClockRules(time_scale=60) == load_catalog().clock

    def test_four_refill_tiers(self) -> None:
        """There are four refill tiers, in content order."""
        ids = [tier.id for tier in load_catalog().refills]
        assert ids == ["small", "half", "full", "overcharge"]

    def test_tiers_priced_within_10_to_50(self) -> None:
        """Every tier costs between 10 and 50 diamonds (DESIGN.md "Content is data")."""
        prices = [tier.diamonds for tier in load_catalog().refills]
        assert all(10 <= price <= 50 for price in prices), prices

    def test_full_tier(self) -> None:
        """``full`` costs 35 diamonds and adds 100 energy, without overfill."""
        expected = RefillTier(
            id="full", name="Full Recharge", diamonds=35, energy=100, overfill=False
        )
        assert expected == load_catalog().refill("full")

    def test_only_overcharge_overfills(self) -> None:
        """Only the ``overcharge`` tier may exceed the regular maximum."""
        overfills = [tier.id for tier in load_catalog().refills if tier.overfill]
        assert overfills == ["overcharge"]

    def test_tier_ids_are_valid_wire_tokens(self) -> None:
        """Every tier id is accepted as a command's ``refill_type``."""
        for tier in load_catalog().refills:
            command = PurchaseEnergyRefill(
                at=0, refill_type=tier.id, idempotency_key="k"
            )
            assert tier.id == command.refill_type

    def test_unknown_tier_is_none(self) -> None:
        """Looking up a missing tier returns None."""
        assert load_catalog().refill("mega") is None

    def test_copied_content_loads_the_same(self, content: Path) -> None:
        """A directory holding the same files yields the same catalog."""
        assert load_catalog() == load_catalog(content)


class TestContentErrors:
    """Errors name the file, the entry and the field of the first problem."""

    def test_content_error_is_a_baolife_error(self) -> None:
        """Content errors share the project's base class."""
        assert issubclass(ContentError, BaolifeError)

    def test_message_names_file_entry_and_field(self) -> None:
        """The message reads ``file: entry.field: problem``."""
        error = ContentError("economy.toml", "wallet", "starting_diamonds", "bad")
        assert str(error) == "economy.toml: wallet.starting_diamonds: bad"

    @pytest.mark.parametrize("name", [ECONOMY, CLOCK])
    def test_missing_file(self, content: Path, name: str) -> None:
        """A missing content file is named."""
        (content / name).unlink()
        error = load_error(content)
        assert (name, "", "") == (error.file, error.entry, error.field)
        assert error.problem == "file is missing"
        assert str(error).startswith(name)

    @pytest.mark.parametrize("name", [ECONOMY, CLOCK])
    def test_invalid_toml(self, content: Path, name: str) -> None:
        """A syntax error names the file and says it is not valid TOML."""
        with (content / name).open("a", encoding="utf-8") as file:
            file.write("\nbroken = = 3\n")
        error = load_error(content)
        assert (name, "", "") == (error.file, error.entry, error.field)
        assert error.problem.startswith("is not valid TOML")
        assert "is not valid TOML" in str(error)

    @pytest.mark.parametrize(
        ("name", "old", "entry", "field"),
        [
            (ECONOMY, "starting_diamonds = 1000", "wallet", "starting_diamonds"),
            (ECONOMY, "max = 100", "energy", "max"),
            (ECONOMY, "regen_amount = 1", "energy", "regen_amount"),
            (ECONOMY, "overfill_cap = 150", "energy", "overfill_cap"),
            (ECONOMY, 'name = "Energy Drink"', "energy_refills[half]", "name"),
            (ECONOMY, "diamonds = 35", "energy_refills[full]", "diamonds"),
            (ECONOMY, "energy = 25", "energy_refills[small]", "energy"),
            (ECONOMY, 'id = "small"', "energy_refills[0]", "id"),
            (ECONOMY, "[wallet]", "(top level)", "wallet"),
            (CLOCK, "time_scale = 60", "clock", "time_scale"),
            (CLOCK, "[clock]", "(top level)", "clock"),
        ],
    )
    def test_missing_required_field(
        self, content: Path, name: str, old: str, entry: str, field: str
    ) -> None:
        """A required field left out is reported where it is missing."""
        edit(content, name, old, "")
        error = load_error(content)
        assert (name, entry, field) == (error.file, error.entry, error.field)
        assert error.problem == "is required"
        assert f"{name}: {entry}.{field}: is required" == str(error)

    @pytest.mark.parametrize(
        ("old", "new", "entry", "field", "problem"),
        [
            (
                "diamonds = 35",
                'diamonds = "35"',
                "energy_refills[full]",
                "diamonds",
                "must be an integer, got '35'",
            ),
            (
                "diamonds = 35",
                "diamonds = 35.0",
                "energy_refills[full]",
                "diamonds",
                "must be an integer, got 35.0",
            ),
            (
                "diamonds = 35",
                "diamonds = true",
                "energy_refills[full]",
                "diamonds",
                "must be an integer, got True",
            ),
            (
                "max = 100",
                "max = 100.0",
                "energy",
                "max",
                "must be an integer, got 100.0",
            ),
            (
                "starting_diamonds = 1000",
                "starting_diamonds = false",
                "wallet",
                "starting_diamonds",
                "must be an integer, got False",
            ),
            (
                'name = "Full Recharge"',
                "name = 5",
                "energy_refills[full]",
                "name",
                "must be a non-empty string, got 5",
            ),
            (
                'name = "Full Recharge"',
                'name = "  "',
                "energy_refills[full]",
                "name",
                "must be a non-empty string, got '  '",
            ),
            (
                "energy = 150\noverfill = true",
                'energy = 150\noverfill = "yes"',
                "energy_refills[overcharge]",
                "overfill",
                "must be true or false, got 'yes'",
            ),
            (
                "energy = 150\noverfill = true",
                "energy = 150\noverfill = 1",
                "energy_refills[overcharge]",
                "overfill",
                "must be true or false, got 1",
            ),
        ],
    )
    def test_wrong_type(
        self, content: Path, old: str, new: str, entry: str, field: str, problem: str
    ) -> None:
        """A value of the wrong TOML type is refused, naming its field."""
        edit(content, ECONOMY, old, new)
        error = load_error(content)
        assert (ECONOMY, entry, field) == (error.file, error.entry, error.field)
        assert problem == error.problem
        assert f"{ECONOMY}: {entry}.{field}: {problem}" == str(error)

    def test_wrong_type_in_clock(self, content: Path) -> None:
        """The clock file is validated the same way."""
        edit(content, CLOCK, "time_scale = 60", 'time_scale = "60"')
        error = load_error(content)
        assert (error.file, error.entry, error.field) == (CLOCK, "clock", "time_scale")
        assert error.problem == "must be an integer, got '60'"

    def test_section_that_is_not_a_table(self, content: Path) -> None:
        """A section given as a plain value is refused, naming the section."""
        edit(content, CLOCK, "[clock]", "clock = 5\n[unused]")
        error = load_error(content)
        assert (error.file, error.entry, error.field) == (CLOCK, "clock", "")
        assert error.problem == "must be a table"

    @pytest.mark.parametrize(
        ("name", "old", "new", "entry", "field", "problem"),
        [
            (
                ECONOMY,
                "diamonds = 35",
                "diamonds = 0",
                "energy_refills[full]",
                "diamonds",
                "must be within 1..100000, got 0",
            ),
            (
                ECONOMY,
                "diamonds = 35",
                "diamonds = -5",
                "energy_refills[full]",
                "diamonds",
                "must be within 1..100000, got -5",
            ),
            (
                ECONOMY,
                "energy = 150",
                "energy = 151",
                "energy_refills[overcharge]",
                "energy",
                "must be within 1..150, got 151",
            ),
            (
                ECONOMY,
                "starting_diamonds = 1000",
                "starting_diamonds = -1",
                "wallet",
                "starting_diamonds",
                "must be within 0..1000000, got -1",
            ),
            (
                ECONOMY,
                "max = 100",
                "max = 0",
                "energy",
                "max",
                "must be within 1..10000, got 0",
            ),
            (
                ECONOMY,
                "overfill_cap = 150",
                "overfill_cap = 99",
                "energy",
                "overfill_cap",
                "must be within 100..1000, got 99",
            ),
            (
                ECONOMY,
                "regen_interval_minutes = 3",
                "regen_interval_minutes = 0",
                "energy",
                "regen_interval_minutes",
                "must be within 1..1440, got 0",
            ),
            (
                ECONOMY,
                "regen_amount = 1",
                "regen_amount = 101",
                "energy",
                "regen_amount",
                "must be within 1..100, got 101",
            ),
            (
                CLOCK,
                "time_scale = 60",
                "time_scale = 0",
                "clock",
                "time_scale",
                "must be within 1..10000, got 0",
            ),
        ],
    )
    def test_out_of_range(
        self,
        content: Path,
        name: str,
        old: str,
        new: str,
        entry: str,
        field: str,
        problem: str,
    ) -> None:
        """A value outside its bounds is refused with the bounds in the message."""
        edit(content, name, old, new)
        error = load_error(content)
        assert (name, entry, field) == (error.file, error.entry, error.field)
        assert problem == error.problem

    @pytest.mark.parametrize(
        ("name", "old", "new", "entry", "field"),
        [
            (
                ECONOMY,
                "diamonds = 35",
                "diamonds = 35\ndiamons = 35",
                "energy_refills[full]",
                "diamons",
            ),
            (
                ECONOMY,
                "starting_diamonds = 1000",
                "starting_diamonds = 1000\nstarting_diamond = 5",
                "wallet",
                "starting_diamond",
            ),
            (ECONOMY, "max = 100", "max = 100\nmaximum = 100", "energy", "maximum"),
            (
                ECONOMY,
                "[wallet]",
                "[walet]\nstarting_diamonds = 1\n\n[wallet]",
                "(top level)",
                "walet",
            ),
            (
                CLOCK,
                "time_scale = 60",
                "time_scale = 60\ntimescale = 1",
                "clock",
                "timescale",
            ),
            (CLOCK, "[clock]", "[clocks]\n\n[clock]", "(top level)", "clocks"),
        ],
    )
    def test_unknown_field(
        self, content: Path, name: str, old: str, new: str, entry: str, field: str
    ) -> None:
        """A misspelt field is an error rather than silently ignored."""
        edit(content, name, old, new)
        error = load_error(content)
        assert (name, entry, field) == (error.file, error.entry, error.field)
        assert error.problem == "is not a known field"

    def test_misspelt_optional_field(self, content: Path) -> None:
        """A typo of the optional ``overfill`` flag is caught, not defaulted."""
        edit(content, ECONOMY, "150\noverfill = true", "150\noverfil = true")
        error = load_error(content)
        assert (error.entry, error.field) == ("energy_refills[overcharge]", "overfil")
        assert error.problem == "is not a known field"

    def test_duplicate_id(self, content: Path) -> None:
        """Two refill tiers with one id are refused at the second."""
        edit(content, ECONOMY, 'id = "half"', 'id = "small"')
        error = load_error(content)
        assert (
            error.file,
            error.entry,
            error.field,
        ) == (ECONOMY, "energy_refills[small]", "id")
        assert error.problem == "duplicates an earlier entry 'small'"

    def test_empty_refill_list(self, content: Path) -> None:
        """A content file without refill tiers is refused."""
        path = content / ECONOMY
        text = path.read_text("utf-8")
        head = text[: text.index("[[energy_refills]]")]
        path.write_text(head, "utf-8")
        error = load_error(content)
        assert (error.file, error.entry, error.field) == (ECONOMY, "energy_refills", "")
        assert error.problem == "must be a non-empty array of tables"

    def test_empty_refill_array(self, content: Path) -> None:
        """An explicitly empty array of tiers is refused too."""
        path = content / ECONOMY
        text = path.read_text("utf-8")
        head = text[: text.index("[[energy_refills]]")]
        path.write_text("energy_refills = []\n" + head, "utf-8")
        error = load_error(content)
        assert (error.entry, error.field) == ("energy_refills", "")
        assert error.problem == "must be a non-empty array of tables"

    def test_refill_entry_that_is_not_a_table(self, content: Path) -> None:
        """A tier that is a plain value is refused, naming its index."""
        path = content / ECONOMY
        text = path.read_text("utf-8")
        head = text[: text.index("[[energy_refills]]")]
        path.write_text("energy_refills = [5]\n" + head, "utf-8")
        error = load_error(content)
        assert (error.entry, error.field) == ("energy_refills[0]", "")
        assert error.problem == "must be a table"

    def test_first_problem_is_reported(self, content: Path) -> None:
        """With several problems, the first in reading order is named."""
        edit(content, ECONOMY, "starting_diamonds = 1000", "starting_diamonds = -1")
        edit(content, ECONOMY, "diamonds = 35", "diamonds = 0")
        assert load_error(content).field == "starting_diamonds"

    def test_valid_edit_is_loaded(self, content: Path) -> None:
        """A content change that is valid takes effect without Python."""
        edit(content, ECONOMY, "diamonds = 35", "diamonds = 40")
        tier = load_catalog(content).refill("full")
        assert tier is not None
        assert tier.diamonds == 40


class TestTimeSkipContent:
    """``[[time_skips]]`` entries: exactly one of ``game_hours`` and ``until``."""

    def test_bundled_skips(self) -> None:
        """Four skips priced 5-100; ``to_tomorrow`` is the only day-boundary skip."""
        skips = load_catalog().time_skips
        assert 4 == len(skips)
        assert all(5 <= s.diamonds <= 100 for s in skips)
        assert {"to_tomorrow": "next_day", "finish_activity": "activity_end"} == {
            s.id: s.until for s in skips if s.until is not None
        }
        assert all((s.game_ms is None) == (s.until is not None) for s in skips)

    def test_both_kinds_is_an_error(self, content: Path) -> None:
        """An entry with both ``game_hours`` and ``until`` names the entry."""
        edit(
            content,
            ECONOMY,
            "game_hours = 168\n",
            'game_hours = 168\nuntil = "next_day"\n',
        )
        error = load_error(content)
        assert (ECONOMY, "time_skips[one_week]", "game_hours") == (
            error.file,
            error.entry,
            error.field,
        )
        assert "exactly one of game_hours and until" in str(error)

    def test_neither_kind_is_an_error(self, content: Path) -> None:
        """An entry with neither kind is refused."""
        edit(content, ECONOMY, 'until = "next_day"\n', "")
        error = load_error(content)
        assert ("time_skips[to_tomorrow]", "game_hours") == (error.entry, error.field)

    def test_unknown_until(self, content: Path) -> None:
        """``until`` only knows ``next_day`` and ``activity_end``."""
        edit(content, ECONOMY, 'until = "next_day"\n', 'until = "next_week"\n')
        error = load_error(content)
        assert ("time_skips[to_tomorrow]", "until") == (error.entry, error.field)

    @pytest.mark.parametrize("hours", ["0", "-1", "9000", '"6"', "1.5"])
    def test_bad_game_hours(self, content: Path, hours: str) -> None:
        """``game_hours`` is an integer within 1..8760."""
        edit(content, ECONOMY, "game_hours = 1\n", f"game_hours = {hours}\n")
        error = load_error(content)
        assert ("time_skips[one_hour]", "game_hours") == (error.entry, error.field)

    def test_missing_time_skips(self, content: Path) -> None:
        """The time-skip list is required."""
        path = content / ECONOMY
        text = path.read_text("utf-8")
        path.write_text(text[: text.index("# Four time skips")], "utf-8")
        error = load_error(content)
        assert (ECONOMY, "time_skips") == (error.file, error.entry)
