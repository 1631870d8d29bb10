"""Tests of the relationship events: ``relationship_events.toml``, the
``relationship`` condition, the ``affection`` and ``romance`` effects and the
``{partner}`` placeholder (``life.storylet_rules``, ``life.story_effects``)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    AnswerQuestion,
    ContentError,
    CreateCharacter,
    PlayerState,
    Stats,
    load_catalog,
    new_player,
    step,
)
from baolife_core.dating.stages import COMMITTED, TRANSITIONS, relationship_stage
from baolife_core.events import AffectionChanged, PhotoAdded, RelationshipChanged
from baolife_core.life.career_rules import system_flag_names
from baolife_core.life.rules import FAMILY_ROLES, STAT_NAMES
from baolife_core.life.storylet_checks import check_storylets
from baolife_core.life.storylet_rules import (
    RELATIONSHIP_FILE,
    RELATIONSHIPS,
    ROMANCE_TRIGGERS,
    AffectionEffect,
    Conditions,
    Effect,
    FlagEffect,
    PhotoEffect,
    RomanceEffect,
    StatEffect,
    Storylet,
    StoryletRules,
    StorySettings,
    load_life_events,
)
from baolife_core.life.storylets import (
    EventHappened,
    QuestionAsked,
    RomanceChanged,
    Scene,
    StoryState,
    apply_effects,
    eligible,
    live_story_day,
    render,
    start_event,
)
from baolife_core.state import Character, Dating, Npc, Personality, Romance
from content_packs import copy_content

CATALOG = load_catalog()
CONTENT = resources.files("baolife_core") / "content"
RULES = CATALOG.storylets
ROMANTIC = [s for s in RULES.events if s.id in RULES.relationship_events]
YEAR = CATALOG.life.days_per_year
#: What ``check_storylets`` checks references against.
REFERENCES = (
    [stage.id for stage in CATALOG.life.stages],
    STAT_NAMES,
    FAMILY_ROLES,
    [cause.id for cause in CATALOG.life.causes],
)
CAREERS = {
    "jobs": [job.id for job in CATALOG.careers.jobs],
    "schools": [school.id for school in CATALOG.careers.schools],
    "system_flags": sorted(system_flag_names(CATALOG.careers)),
}
SEED = 11
DAY = 9


def _born() -> Character:
    state = new_player(seed=SEED, at=0, catalog=CATALOG)
    character = step(state, CreateCharacter(at=0, name="Ada Bao"), CATALOG).state
    assert character.character is not None
    return character.character


#: A single adult of 30 with middling stats and 10,000.00 in cash.
SINGLE = evolve(
    _born(),
    stage="adult",
    born_day=DAY - 30 * YEAR,
    money_cents=1_000_000,
    stats=Stats(
        health=50,
        happiness=50,
        smarts=50,
        looks=50,
        fitness=50,
        karma=50,
        discipline=50,
    ),
)
NPC = Npc(
    id="npc-sam",
    name="Sam Lee",
    gender="male",
    seeking=("female",),
    born_day=SINGLE.born_day,
    looks=60,
    personality=Personality(50, 50, 50, 50, 50),
    interests=(),
    traits=(),
    dealbreakers=(),
    bio="Sam likes long walks.",
)


def romance(stage: str, affection: int = 60, npc_affection: int = 60) -> Romance:
    """A relationship with ``NPC`` in ``stage``."""
    return Romance(
        npc=NPC,
        stage=stage,
        since_day=0,
        affection=affection,
        npc_affection=npc_affection,
        compatibility=70,
        dates=5,
    )


def in_love(stage: str, affection: int = 60, npc_affection: int = 60) -> Character:
    """``SINGLE`` with a current relationship in ``stage``."""
    held = romance(stage, affection, npc_affection)
    return evolve(SINGLE, dating=Dating(romances=(held,)))


def storylet(*stages: str) -> Storylet:
    """An immediate storylet on the relationship stages ``stages``."""
    conditions = Conditions(
        stages=(),
        min_age=0,
        max_age=150,
        stats=(),
        flags_all=(),
        flags_none=(),
        requires_role=None,
        relationship=stages,
    )
    return Storylet(
        id="e",
        title="T",
        text="X",
        conditions=conditions,
        weight=1,
        priority=0,
        once=False,
        cooldown_days=0,
        effects=(StatEffect("happiness", 1),),
        choices=(),
    )


def rules(*events: Storylet) -> StoryletRules:
    """Rules holding ``events``, every day offering one."""
    return StoryletRules(StorySettings(1_000_000, 3, 3), events)


def broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """The bundled content with one edit to ``file``."""

    def edit(name: str, text: str) -> str:
        if name != file:
            return text
        assert old in text, f"{old!r} is not in {file}"
        return text.replace(old, new, 1)

    return copy_content(tmp_path, edit)


def texts(event: Storylet) -> list[str]:
    """Every template of ``event``: title, text, choices and photo captions."""
    found = [event.title, event.text, *(c.text for c in event.choices)]
    lists = [event.effects]
    for choice in event.choices:
        lists.extend([choice.effects, choice.success, choice.failure])
    found.extend(e.caption for es in lists for e in es if isinstance(e, PhotoEffect))
    return found


def effects_of(event: Storylet) -> list[object]:
    """Every effect of ``event``, immediate and of each choice."""
    lists = [event.effects]
    for choice in event.choices:
        lists.extend([choice.effects, choice.success, choice.failure])
    return [effect for effects in lists for effect in effects]


class TestBundledContent:
    """``relationship_events.toml`` loads with the life events and names stages."""

    def test_at_least_thirty_relationship_events(self) -> None:
        """The issue's 30 relationship events, each on a stage of a relationship."""
        assert len(ROMANTIC) >= 30
        for event in ROMANTIC:
            stages = set(event.conditions.relationship)
            assert stages, event.id
            assert stages <= set(COMMITTED), event.id

    def test_ids_are_those_of_the_file(self) -> None:
        """``relationship_events`` lists the file's ids in content order, last."""
        data = tomllib.loads((CONTENT / RELATIONSHIP_FILE).read_text("utf-8"))
        ids = tuple(entry["id"] for entry in data["events"])
        assert ids == RULES.relationship_events
        assert ids == tuple(s.id for s in RULES.events[-len(ids) :])

    def test_every_stage_has_its_events(self) -> None:
        """Dating, partner, engaged and married each have several events."""
        for stage in COMMITTED:
            on_stage = [s for s in ROMANTIC if stage in s.conditions.relationship]
            assert len(on_stage) >= 10, stage

    def test_romance_moves_are_used(self) -> None:
        """The events commit, propose, wed, break up and make the NPC leave."""
        used = {
            e.trigger
            for s in ROMANTIC
            for e in effects_of(s)
            if isinstance(e, RomanceEffect)
        }
        assert set(ROMANCE_TRIGGERS) == used

    def test_affection_moves_both_ways(self) -> None:
        """Affection rises and falls, for the character and for the NPC."""
        deltas = [e for s in ROMANTIC for e in effects_of(s)]
        moved = [e for e in deltas if isinstance(e, AffectionEffect)]
        assert min(e.affection for e in moved) < 0 < max(e.affection for e in moved)
        assert min(e.npc for e in moved) < 0 < max(e.npc for e in moved)

    @pytest.mark.parametrize("stage", ["single", *COMMITTED])
    def test_every_text_renders(self, stage: str) -> None:
        """Every title, text, choice and caption renders, with or without partner."""
        who = SINGLE if stage == "single" else in_love(stage)
        name = "your partner" if stage == "single" else "Sam"
        for event in ROMANTIC:
            for template in texts(event):
                rendered = render(template, who, 30)
                assert "{" not in rendered, (event.id, template)
                if "{partner}" in template:
                    assert name in rendered, (event.id, template)

    def test_references_hold(self) -> None:
        """Follow-ups across both files name events; nothing is unreachable."""
        assert [] == check_storylets(RULES, *REFERENCES, **CAREERS)

    def test_romance_triggers_are_table_triggers(self) -> None:
        """A ``romance`` trigger is a trigger of the transition table but ``date``."""
        triggers = {trigger for _, trigger in TRANSITIONS}
        assert triggers - {"date"} == set(ROMANCE_TRIGGERS)


class TestFlagDatingRetired:
    """The storylets of the old flag-based dating use the real relationships."""

    def test_no_storylet_uses_the_old_flags(self) -> None:
        """No condition or effect names the flags ``dating`` or ``married``."""
        for event in RULES.events:
            conditions = event.conditions
            assert not {"dating", "married"} & {
                *conditions.flags_all,
                *conditions.flags_none,
            }, event.id
            for effect in effects_of(event):
                assert getattr(effect, "flag", None) not in ("dating", "married")

    def test_teen_romance(self) -> None:
        """A first crush or a prom date sets ``teen_romance``."""
        for event_id, choice_id in (
            ("first_crush", "confess"),
            ("prom", "ask_someone"),
        ):
            event = RULES.storylet(event_id)
            assert event is not None
            choice = event.choice(choice_id)
            assert choice is not None
            assert FlagEffect("teen_romance") in choice.success

    def test_blind_date_is_for_singles(self) -> None:
        """A blind date needs no relationship and starts none."""
        event = RULES.storylet("blind_date")
        assert event is not None
        assert ("single",) == event.conditions.relationship
        assert "blind_date" not in RULES.relationship_events

    def test_proposal_is_a_relationship_event(self) -> None:
        """Proposing needs a partner; its success moves the relationship."""
        event = RULES.storylet("proposal")
        assert event is not None
        assert ("partner",) == event.conditions.relationship
        assert "proposal" in RULES.relationship_events
        choice = event.choice("propose")
        assert choice is not None
        assert RomanceEffect("propose") in choice.success
        assert not any(isinstance(e, RomanceEffect) for e in choice.failure)


class TestContentErrors:
    """Broken relationship content names file, entry and field."""

    @pytest.mark.parametrize(
        ("file", "old", "new", "entry", "field"),
        [
            (
                RELATIONSHIP_FILE,
                'relationship = ["dating"]\nweight = 6',
                'relationship = ["fiance"]\nweight = 6',
                "events[dating_app_habit]",
                "relationship",
            ),
            (
                RELATIONSHIP_FILE,
                'relationship = ["dating"]\nweight = 6',
                'relationship = ["single", "dating"]\nweight = 6',
                "events[dating_app_habit]",
                "relationship",
            ),
            (
                RELATIONSHIP_FILE,
                'relationship = ["dating"]\nweight = 6',
                "weight = 6",
                "events[dating_app_habit]",
                "relationship",
            ),
            (
                RELATIONSHIP_FILE,
                'relationship = ["dating"]\nweight = 6',
                'relationship = ["dating", "dating"]\nweight = 6',
                "events[dating_app_habit]",
                "relationship",
            ),
            (
                RELATIONSHIP_FILE,
                "  { affection = 8, npc = 6 },",
                "  { affection = 101, npc = 6 },",
                "events[first_i_love_you]",
                "choices[love_you_too].effects[0].affection",
            ),
            (
                RELATIONSHIP_FILE,
                "  { affection = 8, npc = 6 },",
                "  { affection = 8, npc = -300 },",
                "events[first_i_love_you]",
                "choices[love_you_too].effects[0].npc",
            ),
            (
                RELATIONSHIP_FILE,
                "  { affection = 8, npc = 6 },",
                '  { affection = "lots" },',
                "events[first_i_love_you]",
                "choices[love_you_too].effects[0].affection",
            ),
            (
                RELATIONSHIP_FILE,
                "  { affection = 8, npc = 6 },",
                "  { affection = 8, npc = 6, mood = 1 },",
                "events[first_i_love_you]",
                "choices[love_you_too].effects[0].mood",
            ),
            (
                RELATIONSHIP_FILE,
                '{ romance = "commit" }',
                '{ romance = "elope" }',
                "events[commitment_talk]",
                "choices[make_it_official].effects[0].romance",
            ),
            (
                RELATIONSHIP_FILE,
                '{ romance = "commit" }',
                '{ romance = "date" }',
                "events[commitment_talk]",
                "choices[make_it_official].effects[0].romance",
            ),
            (
                RELATIONSHIP_FILE,
                'id = "anniversary"',
                'id = "blind_date"',
                "events[blind_date]",
                "id",
            ),
            (
                RELATIONSHIP_FILE,
                'id = "surprise_gift"',
                'id = "surprise_gift"\ncolour = "red"',
                "events[surprise_gift]",
                "colour",
            ),
            (
                RELATIONSHIP_FILE,
                '\\"Just because.\\"',
                "{darling}",
                "events[surprise_gift]",
                "text",
            ),
            (
                "life_events.toml",
                'relationship = ["single"]',
                'relationship = ["alone"]',
                "events[blind_date]",
                "relationship",
            ),
        ],
    )
    def test_errors_name_file_entry_and_field(
        self, tmp_path: Path, file: str, old: str, new: str, entry: str, field: str
    ) -> None:
        """Each broken value is reported where it is."""
        with pytest.raises(ContentError) as caught:
            load_life_events(broken(tmp_path, file, old, new))
        error = caught.value
        assert (file, entry, field) == (error.file, error.entry, error.field)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A content directory without ``relationship_events.toml`` is refused."""
        copy_content(tmp_path)
        (tmp_path / RELATIONSHIP_FILE).unlink()
        with pytest.raises(ContentError) as caught:
            load_life_events(tmp_path)
        assert RELATIONSHIP_FILE == caught.value.file

    def test_dangling_ids_name_the_file(self, tmp_path: Path) -> None:
        """``check_storylets`` names ``relationship_events.toml`` for its events."""
        loaded = load_life_events(
            broken(
                tmp_path,
                RELATIONSHIP_FILE,
                '{ follow_up = "the_confrontation", in_days = 1 }',
                '{ follow_up = "the_conversation", in_days = 1 }',
            )
        )
        problems = check_storylets(loaded, *REFERENCES, **CAREERS)
        assert (
            "relationship_events.toml: events[affair_temptation]"
            ".choices[flirt].failure[2].follow_up: names no event: 'the_conversation'"
        ) in problems
        assert (
            "relationship_events.toml: events[the_confrontation].weight: "
            "is 0 and no follow_up leads here: unreachable"
        ) in problems


class TestCondition:
    """The ``relationship`` condition reads the current relationship's stage."""

    @pytest.mark.parametrize("stage", ["single", "matched", *COMMITTED])
    def test_married_only(self, stage: str) -> None:
        """A storylet on ``married`` is eligible for a married character only."""
        who = SINGLE if stage == "single" else in_love(stage)
        chosen = eligible(rules(storylet("married")), who, StoryState(), DAY, 30)
        assert (stage == "married") == bool(chosen)

    @pytest.mark.parametrize("stage", ["single", "matched", *COMMITTED])
    def test_single(self, stage: str) -> None:
        """``single`` holds without a relationship past ``matched``."""
        who = SINGLE if stage == "single" else in_love(stage)
        chosen = eligible(rules(storylet("single")), who, StoryState(), DAY, 30)
        assert (stage in ("single", "matched")) == bool(chosen)

    @given(
        st.sampled_from(["single", *COMMITTED]), st.sets(st.sampled_from(RELATIONSHIPS))
    )
    def test_any_subset(self, stage: str, stages: set[str]) -> None:
        """Eligible iff the stage is named, or no stage is (any)."""
        who = SINGLE if stage == "single" else in_love(stage)
        named = tuple(sorted(stages))
        chosen = eligible(rules(storylet(*named)), who, StoryState(), DAY, 30)
        assert (not named or stage in named) == bool(chosen)

    def test_the_most_advanced_relationship_counts(self) -> None:
        """A match on the side does not hide the marriage."""
        both = evolve(
            SINGLE,
            dating=Dating(
                romances=(
                    evolve(romance("matched"), npc=evolve(NPC, id="other")),
                    romance("married"),
                )
            ),
        )
        assert "married" == relationship_stage(both)
        assert eligible(rules(storylet("married")), both, StoryState(), DAY, 30)


class TestEffects:
    """The dating effects act on the current relationship."""

    def apply(
        self, effects: list[Effect], who: Character
    ) -> tuple[Character, tuple[object, ...]]:
        life, _, done = apply_effects(
            who,
            StoryState(),
            effects,
            SEED,
            "k",
            DAY,
            30,
            Scene(CATALOG, 5),
        )
        return life, done

    def test_affection_moves_both(self) -> None:
        """``{ affection = N }`` moves both affections by N."""
        life, done = self.apply([AffectionEffect(5, 5)], in_love("partner"))
        held = life.dating.romances[0]
        assert (65, 65) == (held.affection, held.npc_affection)
        changed = AffectionChanged(
            at=5,
            life=life.life,
            npc_id=NPC.id,
            affection=65,
            npc_affection=65,
            day=DAY,
        )
        assert (RomanceChanged((changed,)),) == done

    def test_affection_apart(self) -> None:
        """``{ affection = N, npc = M }`` moves each by its own delta, clamped."""
        life, _ = self.apply([AffectionEffect(-70, 50)], in_love("married"))
        held = life.dating.romances[0]
        assert (0, 100) == (held.affection, held.npc_affection)

    def test_the_npc_leaves_when_unloved(self) -> None:
        """An NPC affection below ``leave_below`` ends the relationship."""
        below = CATALOG.dating.relationships.leave_below - 1
        life, done = self.apply([AffectionEffect(0, below - 60)], in_love("dating"))
        assert "single" == relationship_stage(life)
        (outcome,) = done
        assert isinstance(outcome, RomanceChanged)
        left = outcome.events[-1]
        assert isinstance(left, RelationshipChanged)
        assert ("dating", "ended", "leave", "npc") == (
            left.from_stage,
            left.to_stage,
            left.trigger,
            left.by,
        )

    @pytest.mark.parametrize(
        "effect", [AffectionEffect(10, 10), RomanceEffect("break_up")]
    )
    def test_nothing_without_a_relationship(self, effect: Effect) -> None:
        """A single character is not touched and nothing is reported."""
        assert (SINGLE, ()) == self.apply([effect], SINGLE)

    def test_propose(self) -> None:
        """``romance = "propose"`` engages a partner, with the stage's photo."""
        life, done = self.apply([RomanceEffect("propose")], in_love("partner"))
        assert "engaged" == relationship_stage(life)
        (outcome,) = done
        assert isinstance(outcome, RomanceChanged)
        changed = outcome.events[0]
        assert isinstance(changed, RelationshipChanged)
        assert ("partner", "engaged", "propose", "event") == (
            changed.from_stage,
            changed.to_stage,
            changed.trigger,
            changed.by,
        )
        assert any(isinstance(e, PhotoAdded) for e in outcome.events)

    @pytest.mark.parametrize(
        ("stage", "trigger"),
        [("partner", "wed"), ("married", "propose"), ("dating", "wed")],
    )
    def test_no_such_move(self, stage: str, trigger: str) -> None:
        """A trigger the table has no move for from the stage does nothing."""
        who = in_love(stage)
        assert (who, ()) == self.apply([RomanceEffect(trigger)], who)

    def test_divorce(self) -> None:
        """A marriage broken up by a storylet ends in divorce, splitting assets."""
        life, done = self.apply([RomanceEffect("break_up")], in_love("married"))
        assert "single" == relationship_stage(life)
        (outcome,) = done
        assert isinstance(outcome, RomanceChanged)
        (changed,) = outcome.events
        assert isinstance(changed, RelationshipChanged)
        split = CATALOG.dating.relationships.divorce_split_percent
        assert "divorced" == changed.to_stage
        assert 1_000_000 * split // 100 == changed.money_cents
        assert SINGLE.money_cents - changed.money_cents == life.money_cents

    @given(
        st.sampled_from(COMMITTED),
        st.sampled_from(ROMANCE_TRIGGERS),
    )
    def test_moves_follow_the_table(self, stage: str, trigger: str) -> None:
        """A romance effect moves exactly as the transition table says."""
        life, _ = self.apply([RomanceEffect(trigger)], in_love(stage))
        target = TRANSITIONS.get((stage, trigger), stage)
        expected = "single" if target in ("ended", "divorced") else target
        assert expected == relationship_stage(life)

    def test_needs_a_scene(self) -> None:
        """Dating effects need the catalog and the instant."""
        with pytest.raises(ValueError, match="Scene"):
            apply_effects(
                in_love("dating"),
                StoryState(),
                [AffectionEffect(1, 1)],
                SEED,
                "k",
                DAY,
                30,
            )


class TestPartnerPlaceholder:
    """``{partner}`` is the current partner's first name."""

    def test_partner(self) -> None:
        """The first name of the current partner."""
        assert "Sam and Ada" == render(
            "{partner} and {first_name}", in_love("dating"), 30
        )

    @pytest.mark.parametrize("who", [SINGLE, in_love("matched")])
    def test_no_partner(self, who: Character) -> None:
        """Without a current relationship, a word."""
        assert "your partner" == render("{partner}", who, 30)


def partner_player() -> PlayerState:
    """A player whose character (30, partner of ``NPC``) lives at day ``DAY``."""
    state = new_player(seed=SEED, at=0, catalog=CATALOG)
    state = step(state, CreateCharacter(at=0, name="Ada Bao"), CATALOG).state
    assert state.character is not None
    clock = evolve(state.clock, day=DAY)
    character = evolve(
        in_love("partner", 80, 80),
        life=state.character.life,
        story=StoryState(),
    )
    return evolve(state, clock=clock, character=character)


class TestInTheEngine:
    """Answering a relationship question moves the relationship in the journal."""

    def test_the_npc_proposes(self) -> None:
        """Saying yes to ``npc_proposes`` engages the character, with a photo."""
        state = partner_player()
        assert state.character is not None
        event = RULES.storylet("npc_proposes")
        assert event is not None
        character, story, asked = start_event(
            RULES, state.character, state.character.story, event, SEED, DAY, 30
        )
        assert isinstance(asked, QuestionAsked)
        assert "At your favourite spot, Sam kneels" in asked.text
        state = evolve(state, character=evolve(character, story=story))
        answer = AnswerQuestion(at=0, question_id=asked.question.id, choice="yes")
        outcome = step(state, answer, CATALOG)
        assert outcome.state.character is not None
        assert "engaged" == relationship_stage(outcome.state.character)
        moved = [e for e in outcome.events if isinstance(e, RelationshipChanged)]
        assert [("partner", "engaged", "event")] == [
            (e.from_stage, e.to_stage, e.by) for e in moved
        ]
        photos = [e.caption for e in outcome.events if isinstance(e, PhotoAdded)]
        assert photos
        assert photos == [p.caption for p in outcome.state.album[-len(photos) :]]


class TestAMarriage:
    """A long marriage meets many relationship events."""

    def test_forty_years(self) -> None:
        """Forty game years of marriage offer dozens of relationship events."""
        who = in_love("married", 80, 80)
        story = StoryState()
        seen: list[str] = []
        for day in range(DAY, DAY + 40 * YEAR):
            age = (day - who.born_day) // YEAR
            stage = "adult" if age < 65 else "senior"
            who = evolve(who, stage=stage)
            who, story, happened = live_story_day(
                RULES, who, story, SEED, day, age, Scene(CATALOG, 0)
            )
            for item in happened:
                if isinstance(item, EventHappened):
                    seen.append(item.event_id)
                elif isinstance(item, QuestionAsked):
                    seen.append(item.question.event_id)
            if who.death is not None:
                break
        romantic = [e for e in seen if e in RULES.relationship_events]
        assert 30 <= len(romantic) <= 120
        assert len(set(romantic)) >= 15
