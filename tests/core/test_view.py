"""Tests of ``baolife_core.view``: the client view computed at an instant."""

from __future__ import annotations

import json

import pytest
from attrs import asdict, evolve

from baolife_core.catalog import load_catalog
from baolife_core.clock import MS_PER_MINUTE
from baolife_core.commands import Like, PurchaseTimeSkip, SetDatingPreferences
from baolife_core.dating.matching import match_list
from baolife_core.dating.npcs import character_interests
from baolife_core.dating.relationships import relationship_list
from baolife_core.engine import advance, new_player, step
from baolife_core.state import Energy, PlayerState
from baolife_core.view import client_view
from content_packs import IMMORTAL
from lives import WALL_DAY, YEAR, aged

CATALOG = load_catalog()
AT = 1_700_000_000_000
TICK = CATALOG.energy.regen_interval_ms
GAME_DAY = 24 * MS_PER_MINUTE


def player(energy: int = 100) -> PlayerState:
    """A player created at ``AT`` with ``energy`` anchored there."""
    state = new_player(seed=42, at=AT, catalog=CATALOG)
    return evolve(state, energy=Energy(energy, AT))


class TestClientView:
    """The view shows the account and the clock as of the instant it is read at."""

    def test_new_player(self) -> None:
        """A new player sees the grant, full energy and no pending point; no debt,
        a first login to claim and the tutorial's first step."""
        expected = {
            "seq": 0,
            "account": {
                "diamonds": 1000,
                "diamond_debt": 0,
                "energy": 100,
                "energy_max": 100,
                "energy_overfill_cap": 150,
                "next_energy_at": None,
            },
            "clock": {
                "started_at": AT,
                "now_at": AT,
                "game_time_ms": 0,
                "game_day": 0,
                "time_scale": 60,
                "days_per_year": 36,
            },
            "character": None,
            "dating": None,
            "album": [],
            "retention": {
                "utc_offset_minutes": 0,
                "local_day": AT // 86_400_000,
                "login": {"claimable": True, "day": 1, "streak": 1},
                "tutorial": {
                    "flow": "classic",
                    "done": [],
                    "next_step": "welcome",
                    "finished": False,
                    "skipped": False,
                },
                "achievements_unlocked": 0,
                "inventory": [],
            },
        }
        assert expected == client_view(player(), AT, CATALOG)

    def test_energy_is_read_at_the_instant(self) -> None:
        """Regenerated energy shows without any stored change."""
        at = AT + 2 * TICK + TICK // 2
        account = client_view(player(40), at, CATALOG)["account"]
        assert (account["energy"], account["next_energy_at"]) == (42, AT + 3 * TICK)

    @pytest.mark.parametrize(
        ("elapsed", "energy", "next_at"),
        [
            (0, 97, AT + TICK),
            (TICK - 1, 97, AT + TICK),
            (TICK, 98, AT + 2 * TICK),
            (3 * TICK - 1, 99, AT + 3 * TICK),
            (3 * TICK, 100, None),
            (GAME_DAY, 100, None),
        ],
    )
    def test_next_energy_at(
        self, elapsed: int, energy: int, next_at: int | None
    ) -> None:
        """The next point's instant is shown until energy reaches max, then None."""
        account = client_view(player(97), AT + elapsed, CATALOG)["account"]
        assert (energy, next_at) == (account["energy"], account["next_energy_at"])

    def test_overfilled_energy(self) -> None:
        """Overfilled energy shows as it is, with no pending point."""
        account = client_view(player(150), AT + GAME_DAY, CATALOG)["account"]
        assert (account["energy"], account["next_energy_at"]) == (150, None)

    def test_clock_is_advanced_to_the_instant(self) -> None:
        """The clock section reflects the instant and its game day."""
        at = AT + 3 * GAME_DAY + 1
        clock = client_view(player(), at, CATALOG)["clock"]
        expected = {
            "started_at": AT,
            "now_at": at,
            "game_time_ms": (at - AT) * 60,
            "game_day": 3,
            "time_scale": 60,
            "days_per_year": 36,
        }
        assert expected == clock

    def test_earlier_instant_reads_at_the_clock(self) -> None:
        """The view never shows a time before the state's clock."""
        state = advance(player(40), AT + 10 * TICK, CATALOG)
        view = client_view(state, AT, CATALOG)
        assert (
            view["clock"]["now_at"],
            view["account"]["energy"],
        ) == (AT + 10 * TICK, 50)

    def test_shows_seq_and_balance(self) -> None:
        """Seq and diamonds come straight from the state."""
        state = evolve(player(), seq=7, wallet=evolve(player().wallet, diamonds=12))
        view = client_view(state, AT, CATALOG)
        assert (view["seq"], view["account"]["diamonds"]) == (7, 12)

    def test_is_json_able(self) -> None:
        """The view survives JSON text unchanged."""
        view = client_view(player(40), AT + TICK, CATALOG)
        assert view == json.loads(json.dumps(view))

    def test_does_not_change_the_state(self) -> None:
        """Computing a view is a pure read."""
        state = player(40)
        before = evolve(state)
        client_view(state, AT + GAME_DAY, CATALOG)
        assert before == state

    def test_game_time_includes_skips(self) -> None:
        """A purchased skip shows in ``game_time_ms`` and ``game_day``."""
        state = step(
            player(),
            PurchaseTimeSkip(at=AT, skip_type="one_week", idempotency_key="k"),
            CATALOG,
        ).state
        clock = client_view(state, AT, CATALOG)["clock"]
        assert (7 * 86_400_000, 7) == (clock["game_time_ms"], clock["game_day"])


class TestDatingSection:
    """The character's ``dating`` section: preferences and relationships."""

    def test_single(self) -> None:
        """A 20-year-old shows the default preferences: any gender, its age give
        or take ``age_gap`` (never below ``min_age``), its drawn interests."""
        state = aged(20)
        rules = IMMORTAL.dating
        character = state.character
        assert character is not None
        expected = {
            "min_age": rules.min_age,
            "preferences": {
                "seeking": [],
                "min_age": max(rules.min_age, 20 - rules.age_gap),
                "max_age": 20 + rules.age_gap,
                "interests": list(character_interests(state.seed, character, rules)),
                "dealbreakers": [],
            },
            "relationships": [],
        }
        view = client_view(state, state.clock.now_at, IMMORTAL)
        assert expected == view["dating"]

    def test_too_young(self) -> None:
        """Below ``min_age`` no age range is shown."""
        state = aged(10)
        preferences = client_view(state, state.clock.now_at, IMMORTAL)["dating"][
            "preferences"
        ]
        assert (None, None) == (preferences["min_age"], preferences["max_age"])

    def test_preferences_and_a_match(self) -> None:
        """Chosen preferences and every relationship as ``get_relationships``
        lists it, read at the view's instant."""
        state = aged(20)
        at = state.clock.now_at
        state = step(
            state,
            SetDatingPreferences(
                at=at,
                min_age=19,
                max_age=30,
                interests=("jazz", "hiking"),
                dealbreakers=("no_smokers",),
            ),
            IMMORTAL,
        ).state
        for entry in match_list(state, at, IMMORTAL).matches:
            state = step(state, Like(at=at, npc_id=entry.npc_id), IMMORTAL).state
        later = at + 3 * YEAR * WALL_DAY
        dating = client_view(state, later, IMMORTAL)["dating"]
        listed = relationship_list(state, later, IMMORTAL).relationships
        assert listed
        assert {
            "seeking": [],
            "min_age": 19,
            "max_age": 30,
            "interests": ["hiking", "jazz"],
            "dealbreakers": ["no_smokers"],
        } == dating["preferences"]
        assert [asdict(entry) for entry in listed] == dating["relationships"]
        assert dating == json.loads(json.dumps(dating))
