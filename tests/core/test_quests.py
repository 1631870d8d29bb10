"""Tests of ``baolife_core.retention.quest_rules`` and ``quests``: daily quests.

The daily draw is checked for determinism, distinctness and the 15..100 diamonds
a day over many days; progress one rule at a time; the ``claim_quest_reward``
handler against a stand-in catalog (the engine wiring lives elsewhere); content
errors name file, entry and field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from attrs import evolve, frozen
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    ClaimDailyReward,
    QuestList,
    QuestsRolled,
    SetUtcOffset,
    load_catalog,
    new_player,
    step,
)
from baolife_core.catalog import EnergyRules
from baolife_core.commands import ClaimQuestReward
from baolife_core.errors import ContentError
from baolife_core.events import (
    ActivityDone,
    ContactMet,
    DiamondsCredited,
    EnergyGranted,
    Event,
    ItemGranted,
    LoginRewardClaimed,
    QuestionAnswered,
    QuestProgressed,
    QuestRewardPaid,
)
from baolife_core.queries import QUERIES
from baolife_core.replies import (
    ALREADY_CLAIMED,
    INVALID_STATE,
    NOT_FOUND,
    QuestRewardClaimed,
    Rejection,
)
from baolife_core.retention.item_rules import ItemRules
from baolife_core.retention.quest_rules import (
    DAILY_DIAMONDS,
    FILE,
    QuestRules,
    load_quests,
)
from baolife_core.retention.quests import (
    claim_quest_reward,
    progress_quests,
    roll_quests,
)
from baolife_core.retention.rewards import reward_id
from baolife_core.state import PlayerState, Quests, QuestSlot

CONTENT = resources.files("baolife_core") / "content"
RULES = load_quests(CONTENT)
CATALOG = load_catalog()
T0 = 1_798_761_600_000
DAY = 20_819  # the local day index of T0 (2027-01-01)
DAY_MS = 86_400_000

seeds = st.integers(min_value=0, max_value=2**63 - 1)
days = st.integers(min_value=0, max_value=100_000)


@frozen
class StandInCatalog:
    """What ``claim_quest_reward`` reads of a catalog: quests, energy, items."""

    quests: QuestRules
    energy: EnergyRules
    items: ItemRules


STAND_IN = StandInCatalog(quests=RULES, energy=CATALOG.energy, items=CATALOG.items)


def activity(activity_id: str = "study", energy: int = 15) -> ActivityDone:
    """An ``ActivityDone`` of ``activity_id`` that spent ``energy``."""
    return ActivityDone(T0, 1, activity_id, "library", energy, True, (), 0, 9)


def slots(*quests: tuple[str, int]) -> Quests:
    """Today's quests with these ``(quest, target)`` slots, nothing done."""
    return Quests(day=DAY, slots=tuple(QuestSlot(q, t, 0, False) for q, t in quests))


def with_quests(quests: Quests, state: PlayerState | None = None) -> PlayerState:
    """A player whose daily set is ``quests`` (as the engine's daily roll sets it)."""
    state = state or new_player(seed=5, at=T0, catalog=CATALOG)
    return evolve(state, retention=evolve(state.retention, quests=quests))


def completed(quest: str, target: int, events: list[Event]) -> PlayerState:
    """A player whose only quest of today was completed by playing ``events``."""
    quests, _ = progress_quests(RULES, slots((quest, target)), events, T0)
    assert quests.slots[0].progress == target
    return with_quests(quests)


def claim(state: PlayerState, quest: str, at: int = T0 + 1000) -> ClaimQuestReward:
    """The command claiming ``quest``."""
    return ClaimQuestReward(at=at, quest=quest, idempotency_key=f"k-{quest}")


# -- content ------------------------------------------------------------------------


class TestBundledContent:
    """``quests.toml`` has the shape the issue asks for."""

    def test_eleven_templates_three_a_day(self) -> None:
        """11 templates; a player is offered 3 a day."""
        assert (11, 3) == (len(RULES.quests), RULES.per_day)

    def test_templates(self) -> None:
        """The issue's templates, in content order."""
        assert [
            "do_activities",
            "answer_questions",
            "go_on_date",
            "log_in",
            "spend_energy",
            "meet_someone",
            "hold_conversations",
            "work_shifts",
            "study",
            "work_out",
            "rest_up",
        ] == [q.id for q in RULES.quests]

    def test_dates_are_not_offered_until_dating_lands(self) -> None:
        """``go_on_date`` has weight 0; every other template has a weight."""
        assert [q.id for q in RULES.quests if q.weight == 0] == ["go_on_date"]

    def test_daily_diamonds(self) -> None:
        """A day offers 25..45 diamonds, within the issue's 15..100."""
        least, most = RULES.daily_diamonds
        assert (25, 45) == (least, most)
        assert DAILY_DIAMONDS[0] <= least <= most <= DAILY_DIAMONDS[1]

    def test_measures(self) -> None:
        """Spending energy sums the energy field; the others count events."""
        assert {"spend_energy": "energy"} == {
            q.id: q.measure for q in RULES.quests if q.measure != "count"
        }

    def test_where_values_name_content(self) -> None:
        """Filters name real activities, storylets and their choices."""
        activities = {a.id for a in CATALOG.activities.activities}
        storylets = {s.id: s for s in CATALOG.storylets.events}
        for quest in RULES.quests:
            where = dict(quest.trigger.where)
            if "activity" in where:
                assert where["activity"] in activities
            if "event_id" in where:
                storylet = storylets[str(where["event_id"])]
                assert where["choice"] in {c.id for c in storylet.choices}

    def test_titles(self) -> None:
        """``{target}`` in a name is the day's target."""
        quest = RULES.quest("do_activities")
        assert quest is not None
        assert "Do 5 activities" == quest.title(5)
        assert quest.name.format(target=5) == quest.title(5)


# -- the daily draw ----------------------------------------------------------------


class TestRoll:
    """``roll_quests``: a day's set from the day's own stream."""

    @given(seed=seeds, day=days)
    def test_deterministic(self, seed: int, day: int) -> None:
        """The same seed and day give the same set."""
        assert roll_quests(RULES, seed, day) == roll_quests(RULES, seed, day)

    @given(seed=seeds, day=days)
    def test_distinct_templates_with_targets_in_range(
        self, seed: int, day: int
    ) -> None:
        """``per_day`` distinct offered templates, targets within their ranges."""
        quests = roll_quests(RULES, seed, day)
        ids = [slot.quest for slot in quests.slots]
        assert (day, RULES.per_day, RULES.per_day) == (
            quests.day,
            len(ids),
            len(set(ids)),
        )
        for slot in quests.slots:
            template = RULES.quest(slot.quest)
            assert template is not None
            assert template.weight > 0
            assert template.target_low <= slot.target <= template.target_high
            assert (0, False) == (slot.progress, slot.claimed)

    @given(seed=seeds, day=days)
    def test_diamonds_on_offer_within_bounds(self, seed: int, day: int) -> None:
        """Every day's set offers 15..100 diamonds, however the rolls fall."""
        templates = [RULES.quest(s.quest) for s in roll_quests(RULES, seed, day).slots]
        low = sum(t.reward.min_diamonds for t in templates if t is not None)
        high = sum(t.reward.max_diamonds for t in templates if t is not None)
        assert DAILY_DIAMONDS[0] <= low <= high <= DAILY_DIAMONDS[1]

    def test_bounds_over_a_year_of_days(self) -> None:
        """A year of one player's days: each within 15..100, and the sets vary."""
        sets = [roll_quests(RULES, 42, DAY + n) for n in range(365)]
        for quests in sets:
            templates = [RULES.quest(s.quest) for s in quests.slots]
            offer = sum(t.reward.min_diamonds for t in templates if t is not None)
            assert DAILY_DIAMONDS[0] <= offer <= DAILY_DIAMONDS[1]
        offered = {slot.quest for quests in sets for slot in quests.slots}
        assert {q.id for q in RULES.offered} == offered
        assert len({tuple(s.quest for s in q.slots) for q in sets}) > 50

    def test_days_and_players_draw_apart(self) -> None:
        """Each day and each player has its own stream, so the sets vary."""
        by_day = {roll_quests(RULES, 1, DAY + n).slots for n in range(30)}
        by_seed = {roll_quests(RULES, seed, DAY).slots for seed in range(30)}
        assert (len(by_day) > 1, len(by_seed) > 1) == (True, True)


# -- progress -----------------------------------------------------------------------


class TestProgress:
    """``progress_quests``: matching events move today's quests."""

    def test_counts_matching_events(self) -> None:
        """Each matching event adds 1; one ``QuestProgressed`` per slot moved."""
        quests, events = progress_quests(
            RULES, slots(("do_activities", 5)), [activity(), activity()], T0
        )
        assert 2 == quests.slots[0].progress
        assert (QuestProgressed(T0, "do_activities", 2, 5, False),) == events

    def test_measure_sums_a_field(self) -> None:
        """``spend_energy`` adds the energy each activity spent."""
        quests, _ = progress_quests(
            RULES, slots(("spend_energy", 100)), [activity(energy=25)] * 3, T0
        )
        assert 75 == quests.slots[0].progress

    def test_where_filters(self) -> None:
        """Only the named activity moves ``study``."""
        quests, events = progress_quests(
            RULES,
            slots(("study", 2), ("work_out", 2)),
            [activity("study"), activity("rest"), activity("work_out")],
            T0,
        )
        assert [1, 1] == [s.progress for s in quests.slots]
        assert ["study", "work_out"] == [e.quest for e in events]

    def test_expired_answers_do_not_count(self) -> None:
        """``answer_questions`` counts answers the player gave."""
        given_answer = QuestionAnswered(T0, 1, "q1", "exams", "study", False, None, 3)
        expired = evolve(given_answer, question_id="q2", expired=True)
        quests, _ = progress_quests(
            RULES, slots(("answer_questions", 3)), [given_answer, expired], T0
        )
        assert 1 == quests.slots[0].progress

    def test_capped_and_completed_once(self) -> None:
        """Progress stops at the target; ``completed`` is set by the reaching event."""
        quests, events = progress_quests(
            RULES, slots(("spend_energy", 60)), [activity(energy=40)] * 2, T0
        )
        assert (QuestProgressed(T0, "spend_energy", 60, 60, True),) == events
        again, more = progress_quests(RULES, quests, [activity(energy=40)], T0 + 1)
        assert (quests, ()) == (again, more)

    def test_nothing_matching_changes_nothing(self) -> None:
        """Without matching events the same value comes back, with no events."""
        quests = slots(("work_shifts", 2))
        result = progress_quests(RULES, quests, [activity("study")], T0)
        assert result[0] is quests
        assert () == result[1]

    def test_templates_gone_from_content_do_not_move(self) -> None:
        """A slot whose template left the content stays where it is."""
        quests = slots(("retired_quest", 2), ("meet_someone", 1))
        met = ContactMet(T0, 1, "c1", "friend", "Sam Chen", 9)
        moved, events = progress_quests(RULES, quests, [met], T0)
        assert [0, 1] == [s.progress for s in moved.slots]
        assert ["meet_someone"] == [e.quest for e in events]


# -- claiming -----------------------------------------------------------------------


class TestClaim:
    """``claim_quest_reward``: a completed quest of today pays once."""

    def test_pays_and_replies(self) -> None:
        """The slot is claimed, the reward credited under its key, seq moves on."""
        state = completed("do_activities", 4, [activity()] * 4)
        outcome = claim_quest_reward(state, claim(state, "do_activities"), STAND_IN)
        key = f"quest:{DAY}:do_activities"
        at = T0 + 1000
        assert (
            QuestRewardPaid(at, DAY, "do_activities"),
            DiamondsCredited(at, 10, "quest", key, 1010, reward_id(state.seed, key)),
        ) == outcome.events
        assert QuestRewardClaimed("do_activities", "10 diamonds", 1010, 100) == (
            outcome.reply
        )
        assert (state.seq + 1, True) == (
            outcome.state.seq,
            outcome.state.retention.quests.slots[0].claimed,
        )

    def test_energy_reward(self) -> None:
        """Energy is granted up to the overfill cap, and the reply shows it."""
        state = completed("log_in", 1, [_login()])
        outcome = claim_quest_reward(state, claim(state, "log_in"), STAND_IN)
        assert QuestRewardClaimed("log_in", "5 diamonds + 20 energy", 1005, 120) == (
            outcome.reply
        )
        assert EnergyGranted(T0 + 1000, 20, 120, "quest") in outcome.events

    def test_item_reward_uses_item_names(self) -> None:
        """Items go to the inventory; the text uses their display names."""
        state = completed("study", 2, [activity("study")] * 2)
        outcome = claim_quest_reward(state, claim(state, "study"), STAND_IN)
        assert isinstance(outcome.reply, QuestRewardClaimed)
        assert "10 diamonds + 1 Energy drink" == outcome.reply.reward
        assert ItemGranted(T0 + 1000, "energy_drink", 1, "quest") in outcome.events
        assert (("energy_drink", 1),) == outcome.state.retention.inventory

    def test_not_in_todays_set(self) -> None:
        """A quest outside today's set is ``not_found``."""
        state = completed("do_activities", 4, [activity()] * 4)
        outcome = claim_quest_reward(state, claim(state, "study"), STAND_IN)
        assert _code(outcome.reply) == NOT_FOUND
        assert outcome.state is state

    def test_no_quests_rolled(self) -> None:
        """Before any daily set, every quest is ``not_found``."""
        state = new_player(seed=5, at=T0, catalog=CATALOG)
        outcome = claim_quest_reward(state, claim(state, "log_in"), STAND_IN)
        assert _code(outcome.reply) == NOT_FOUND

    def test_not_completed(self) -> None:
        """A quest short of its target is ``invalid_state``."""
        quests, _ = progress_quests(
            RULES, slots(("do_activities", 4)), [activity()], T0
        )
        state = with_quests(quests)
        outcome = claim_quest_reward(state, claim(state, "do_activities"), STAND_IN)
        assert (INVALID_STATE, state) == (_code(outcome.reply), outcome.state)

    def test_claimed_once(self) -> None:
        """A second claim is ``already_claimed`` and pays nothing."""
        state = completed("do_activities", 4, [activity()] * 4)
        first = claim_quest_reward(state, claim(state, "do_activities"), STAND_IN)
        second = claim_quest_reward(
            first.state, claim(first.state, "do_activities"), STAND_IN
        )
        assert (ALREADY_CLAIMED, first.state, ()) == (
            _code(second.reply),
            second.state,
            second.events,
        )

    def test_a_rolled_day_pays_what_it_offers(self) -> None:
        """Claiming every quest of a rolled day pays within the day's bounds."""
        state = with_quests(roll_quests(RULES, 5, DAY))
        done = evolve(
            state.retention.quests,
            slots=tuple(
                evolve(s, progress=s.target) for s in state.retention.quests.slots
            ),
        )
        state = with_quests(done, state)
        before = state.wallet.diamonds
        for slot in done.slots:
            outcome = claim_quest_reward(state, claim(state, slot.quest), STAND_IN)
            assert isinstance(outcome.reply, QuestRewardClaimed)
            state = outcome.state
        least, most = RULES.daily_diamonds
        assert least <= state.wallet.diamonds - before <= most


def _login() -> Event:
    return LoginRewardClaimed(T0, DAY, 1, 1, "15 diamonds")


def _code(reply: object) -> str:
    assert isinstance(reply, Rejection)
    return reply.code


# -- validation ---------------------------------------------------------------------

BASE = """
[settings]
per_day = {per_day}

[[quests]]
id = "do"
name = "Do {{target}} things"
event = "activity_done"
measure = "count"
target = [1, 2]
weight = 1
reward = {reward}
{extra}
"""

WHERE = "quests[do]"


def write(
    directory: Path,
    extra: str = "",
    *,
    reward: str = "{ diamonds = 20 }",
    per_day: int = 1,
) -> Path:
    """A content directory holding one quest template (``extra`` lines added)."""
    text = BASE.format(per_day=per_day, reward=reward, extra=extra)
    (directory / FILE).write_text(text, encoding="utf-8")
    return directory


def edit(directory: Path, old: str, new: str) -> Path:
    """Replace the one ``old`` of the quest file by ``new``."""
    path = directory / FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return directory


def load_error(directory: Path) -> ContentError:
    """The ``ContentError`` that loading ``directory`` raises."""
    with pytest.raises(ContentError) as caught:
        load_quests(directory)
    return caught.value


class TestRolledOncePerDay:
    """A local day's quests are rolled once, even when the UTC offset moves the
    local day back (the store agreement machine found the re-roll)."""

    def test_an_offset_back_to_a_rolled_day_rolls_nothing(self) -> None:
        """Past midnight UTC the next day is rolled; an offset of -2 h then moves the
        local day back, and the later day's set stays in force: no second roll,
        no reset progress, ``get_quests`` shows it."""
        state = new_player(seed=1, at=T0, catalog=CATALOG)
        state = step(
            state, ClaimDailyReward(at=T0 + 1000, idempotency_key="a"), CATALOG
        ).state
        assert DAY == state.retention.quests.day
        later = T0 + DAY_MS + 3_600_000  # 01:00 UTC of the next day
        moved = step(state, SetUtcOffset(at=later, minutes=-120), CATALOG)
        assert [DAY + 1] == [
            e.local_day for e in moved.events if isinstance(e, QuestsRolled)
        ]
        held = moved.state.retention.quests
        after = step(
            moved.state, ClaimDailyReward(at=later + 1000, idempotency_key="b"), CATALOG
        )
        assert not any(isinstance(e, QuestsRolled) for e in after.events)
        assert held.day == after.state.retention.quests.day
        shown = QUERIES["get_quests"](after.state, later + 2000, CATALOG)
        assert isinstance(shown, QuestList)
        assert (DAY + 1, [s.quest for s in held.slots]) == (
            shown.local_day,
            [q.quest for q in shown.quests],
        )


class TestValidation:
    """Invalid quest content fails with an error naming file, entry and field."""

    def test_minimal_pack_loads(self, tmp_path: Path) -> None:
        """The base pack of the tests is valid."""
        assert ("do",) == tuple(q.id for q in load_quests(write(tmp_path)).quests)

    @pytest.mark.parametrize(
        ("old", "new", "field", "problem"),
        [
            ('measure = "count"', 'measure = "energ"', "measure", "energy"),
            ('measure = "count"', 'measure = "at"', "measure", "amount"),
            ('measure = "count"', 'measure = "day"', "measure", "amount"),
            ('measure = "count"', 'measure = "activity"', "measure", "amount"),
            ('measure = "count"', 'measure = "success"', "measure", "amount"),
            ("target = [1, 2]", "target = [0, 2]", "target", "low"),
            ("target = [1, 2]", "target = [3, 2]", "target", "low"),
            ("target = [1, 2]", "target = [1]", "target", "low"),
            ("target = [1, 2]", 'target = "1-2"', "target", "low"),
            ("target = [1, 2]", "target = [1, 2.5]", "target", "low"),
            ('name = "Do {target} things"', 'name = "Do {n} things"', "name", "{n}"),
            ("weight = 1", "weight = -1", "weight", "within"),
            (
                'event = "activity_done"',
                'event = "quest_progressed"',
                "event",
                "derived",
            ),
            ('event = "activity_done"', 'event = "activity"', "event", "not an event"),
            ("weight = 1", "weight = 1\nwieght = 2", "wieght", "known"),
            ("weight = 1", "weight = 1\nwhere = { place = 1 }", "where.place", "field"),
        ],
    )
    def test_bad_template(
        self, tmp_path: Path, old: str, new: str, field: str, problem: str
    ) -> None:
        """A bad template names the entry and the field at fault."""
        error = load_error(edit(write(tmp_path), old, new))
        assert (FILE, WHERE, field) == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_energy_measure_is_accepted(self, tmp_path: Path) -> None:
        """An integer amount field is a measure."""
        rules = load_quests(edit(write(tmp_path), '"count"', '"energy"'))
        assert "energy" == rules.quests[0].measure

    def test_unknown_item(self, tmp_path: Path) -> None:
        """A reward item outside the item catalog is an error."""
        error = load_error(
            write(tmp_path, reward="{ diamonds = 20, items = { golden_goose = 1 } }")
        )
        assert (WHERE, "reward") == (error.entry, error.field)

    def test_more_per_day_than_offered(self, tmp_path: Path) -> None:
        """``per_day`` may not exceed the templates that have a weight."""
        error = load_error(write(tmp_path, per_day=2))
        assert ("settings", "per_day") == (error.entry, error.field)

    def test_weight_zero_is_not_offered(self, tmp_path: Path) -> None:
        """A weight-0 template does not count towards ``per_day``."""
        error = load_error(edit(write(tmp_path), "weight = 1", "weight = 0"))
        assert ("settings", "per_day") == (error.entry, error.field)

    @pytest.mark.parametrize(
        ("reward", "problem"),
        [
            ("{ diamonds = 10 }", "offer 10 diamonds"),
            ("{ diamonds = 101 }", "up to 101 diamonds"),
            (
                "{ diamonds = 10, rolls = [[{ weight = 9, diamonds = 20 }, "
                "{ weight = 1, energy = 5 }]] }",
                "offer 10 diamonds",
            ),
            (
                "{ diamonds = 50, rolls = [[{ weight = 9, energy = 5 }, "
                "{ weight = 1, diamonds = 60 }]] }",
                "up to 110 diamonds",
            ),
        ],
    )
    def test_daily_offer_out_of_bounds(
        self, tmp_path: Path, reward: str, problem: str
    ) -> None:
        """A daily set that could offer fewer than 15 or more than 100 diamonds."""
        error = load_error(write(tmp_path, reward=reward))
        assert (FILE, "quests", "reward") == (error.file, error.entry, error.field)
        assert problem in error.problem

    def test_offer_bound_sums_per_day(self, tmp_path: Path) -> None:
        """With two a day, two 10-diamond quests offer 20: within bounds."""
        second = BASE.split("[[quests]]")[1].format(
            reward="{ diamonds = 10 }", extra=""
        )
        directory = write(tmp_path, reward="{ diamonds = 10 }", per_day=2)
        path = directory / FILE
        path.write_text(
            path.read_text() + "[[quests]]" + second.replace('"do"', '"again"')
        )
        assert (20, 20) == load_quests(directory).daily_diamonds

    def test_unoffered_rewards_do_not_count(self, tmp_path: Path) -> None:
        """A weight-0 template's reward is outside every daily set."""
        extra = (
            '[[quests]]\nid = "rare"\nname = "Rare"\nevent = "birthday"\n'
            'measure = "count"\ntarget = [1, 1]\nweight = 0\n'
            "reward = { diamonds = 500 }\n"
        )
        assert (20, 20) == load_quests(write(tmp_path, extra)).daily_diamonds

    def test_missing_settings(self, tmp_path: Path) -> None:
        """``[settings]`` is required."""
        directory = edit(write(tmp_path), "[settings]\nper_day = 1\n", "")
        error = load_error(directory)
        assert ("(top level)", "settings") == (error.entry, error.field)
