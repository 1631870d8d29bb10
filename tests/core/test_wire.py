"""Tests of ``baolife_core.wire``: strict JSON-able forms and the state hash."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import (
    AchievementEntry,
    AchievementList,
    AchievementUnlocked,
    ApplyForJob,
    Birthday,
    CharacterRetired,
    ClaimDailyReward,
    ClaimQuestReward,
    ContactMet,
    ConversationEnded,
    ConversationOpened,
    ConversationResult,
    ConversationStarted,
    CreditStorePurchase,
    DailyLoginStatus,
    DailyRewardClaimed,
    EnergyGranted,
    Enroll,
    Enrolled,
    Inventory,
    ItemGranted,
    ItemUsed,
    ItemUseResult,
    JobApplicationFailed,
    JobApplicationResult,
    JobEnded,
    JobQuit,
    JobStarted,
    LoginRewardClaimed,
    PensionPaid,
    PhotoAlbum,
    Promoted,
    QuestEntry,
    QuestList,
    QuestProgressed,
    QuestRewardClaimed,
    QuestRewardPaid,
    QuestsRolled,
    QuitJob,
    ReplyConversation,
    Retire,
    RetirementStarted,
    RevokeStorePurchase,
    SalaryPaid,
    SchoolFinished,
    SchoolStarted,
    SetUtcOffset,
    SkipTutorial,
    StartConversation,
    StatisticsChanged,
    StatisticsReport,
    StorePurchaseCredited,
    StorePurchaseResult,
    StorePurchaseRevoked,
    StoreRevocationResult,
    TutorialAdvanced,
    TutorialProgress,
    TutorialStep,
    UseItem,
    UtcOffsetChanged,
    UtcOffsetSet,
)
from baolife_core.catalog import load_catalog
from baolife_core.clock import MAX_INSTANT_MS
from baolife_core.commands import (
    COMMAND_TYPES,
    AdvanceRelationship,
    AnswerQuestion,
    BreakUp,
    CreateCharacter,
    DoActivity,
    GoOnDate,
    Like,
    NewPlayer,
    Pass,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    SetDatingPreferences,
)
from baolife_core.engine import new_player, step
from baolife_core.errors import BaolifeError, WireError
from baolife_core.events import (
    EVENT_TYPES,
    ActivityDone,
    CharacterBorn,
    CharacterDied,
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    FamilyMemberDied,
    GameTimeSkipped,
    LifeEventOccurred,
    PhotoAdded,
    PlayerCreated,
    QuestionAnswered,
    QuestionPosed,
    StageEntered,
)
from baolife_core.events.dating import (
    AffectionChanged,
    DateWent,
    DatingPreferencesSet,
    MatchMade,
    NpcLiked,
    NpcPassed,
    RelationshipAdvanceDeclined,
    RelationshipChanged,
)
from baolife_core.replies import (
    REPLY_TYPES,
    ActivityResult,
    AnswerResult,
    BreakUpResult,
    CharacterCreated,
    DateResult,
    DatingPreferencesUpdated,
    EnergyUpdated,
    LikeResult,
    MatchEntry,
    MatchList,
    Passed,
    Rejection,
    RelationshipEntry,
    RelationshipList,
    RelationshipResult,
    TimeSkipped,
)
from baolife_core.state import Energy, LifeClock, PlayerState, Wallet
from baolife_core.wire import (
    canonical_json,
    command_from_wire,
    event_from_wire,
    record_from_wire,
    reply_from_wire,
    state_from_wire,
    state_hash,
    state_to_wire,
    to_wire,
    wire_name,
)

CATALOG = load_catalog()
AT = 1_700_000_000_000
TX = "41cbc007-c162-5e49-a58f-b845bfebd83c"
KEY = "6d1f4c8e-2b1a-4a57-9a0e-0e5b8f1c2d3e"

Decoder = Callable[[Any], Any]

CREATED = PlayerCreated(at=AT, seed=42)
SPENT = DiamondsSpent(
    at=AT,
    amount=35,
    reason="energy_refill",
    reference="full",
    balance_after=965,
    transaction_id=TX,
)

#: One example of every wire class, with the decoder that reads it back.
EXAMPLES: list[tuple[object, Decoder]] = [
    (
        PurchaseEnergyRefill(at=AT, refill_type="full", idempotency_key=KEY),
        command_from_wire,
    ),
    (
        PurchaseEnergyRefill(at=AT, refill_type="full", idempotency_key=KEY),
        record_from_wire,
    ),
    (NewPlayer(at=AT, seed=42), record_from_wire),
    (CREATED, event_from_wire),
    (
        DiamondsCredited(
            at=AT,
            amount=1000,
            reason="starting_grant",
            reference="new_player",
            balance_after=1000,
            transaction_id=TX,
        ),
        event_from_wire,
    ),
    (SPENT, event_from_wire),
    (
        EnergyRefilled(
            at=AT,
            refill_type="full",
            energy_before=40,
            energy_after=100,
            diamonds=35,
            transaction_id=TX,
        ),
        event_from_wire,
    ),
    (
        PurchaseTimeSkip(at=AT, skip_type="one_hour", idempotency_key=KEY),
        command_from_wire,
    ),
    (
        GameTimeSkipped(
            at=AT,
            skip_type="one_hour",
            game_ms=3_600_000,
            day_before=0,
            day_after=0,
            diamonds=5,
            transaction_id=TX,
        ),
        event_from_wire,
    ),
    (EnergyUpdated(energy=100, diamonds=965, transaction_id=TX), reply_from_wire),
    (
        TimeSkipped(
            diamonds=995,
            transaction_id=TX,
            skip_type="one_hour",
            game_ms_skipped=3_600_000,
            game_day=0,
            game_time_ms=3_600_000,
        ),
        reply_from_wire,
    ),
    (CreateCharacter(at=AT), command_from_wire),
    (CreateCharacter(at=AT, name="Ada Lovelace", gender="female"), command_from_wire),
    (
        CharacterBorn(
            at=AT, life=1, name="Ada Lovelace", gender="female", stage="baby", day=0
        ),
        event_from_wire,
    ),
    (StageEntered(at=AT, life=1, stage="child", age=3, day=108), event_from_wire),
    (
        CharacterDied(
            at=AT, life=1, day=2900, age=80, cause="old_age", epitaph="Ada, 80 years."
        ),
        event_from_wire,
    ),
    (
        CharacterCreated(life=1, name="Ada Lovelace", gender="female", stage="baby"),
        reply_from_wire,
    ),
    (DoActivity(at=AT, activity="study"), command_from_wire),
    (
        ActivityDone(
            at=AT,
            life=1,
            activity="study",
            location="library",
            energy=15,
            success=True,
            stats=(("smarts", 2),),
            money_cents=0,
            day=3,
        ),
        event_from_wire,
    ),
    (
        ActivityResult(
            activity="rest",
            success=None,
            stats=(("happiness", 2), ("health", 1)),
            money_cents=0,
            energy=95,
            busy_until=7_200_000,
        ),
        reply_from_wire,
    ),
    (AnswerQuestion(at=AT, question_id=TX, choice="stay_home"), command_from_wire),
    (
        LifeEventOccurred(
            at=AT,
            life=1,
            event_id="first_words",
            title="First words",
            text="Hi!",
            day=9,
        ),
        event_from_wire,
    ),
    (
        QuestionPosed(
            at=AT,
            life=1,
            question_id=TX,
            event_id="school_bully",
            title="A bully",
            text="What now?",
            choices=(("tell", "Tell a teacher"), ("fight", "Fight back")),
            expires_day=12,
            day=9,
        ),
        event_from_wire,
    ),
    (
        QuestionAnswered(
            at=AT,
            life=1,
            question_id=TX,
            event_id="school_bully",
            choice="tell",
            expired=False,
            passed=None,
            day=10,
        ),
        event_from_wire,
    ),
    (PhotoAdded(at=AT, life=1, caption="First steps", day=40), event_from_wire),
    (
        FamilyMemberDied(
            at=AT, life=1, relative_id=TX, role="father", name="Leo Bao", day=900
        ),
        event_from_wire,
    ),
    (
        AnswerResult(question_id=TX, choice="tell", passed=True, alive=True),
        reply_from_wire,
    ),
    (ApplyForJob(at=AT, job="nurse"), command_from_wire),
    (QuitJob(at=AT), command_from_wire),
    (Retire(at=AT), command_from_wire),
    (Enroll(at=AT, school="university"), command_from_wire),
    (StartConversation(at=AT, npc_id=TX), command_from_wire),
    (StartConversation(at=AT, npc_id=TX, line="Hi, love!"), record_from_wire),
    (ReplyConversation(at=AT, conversation_id=TX, reply="joke"), command_from_wire),
    (
        SchoolStarted(at=AT, life=1, school="primary", tuition_cents=0, day=180),
        event_from_wire,
    ),
    (
        SchoolFinished(
            at=AT, life=1, school="primary", grades=55, degree=True, day=432
        ),
        event_from_wire,
    ),
    (
        JobStarted(at=AT, life=1, job="nurse", salary_cents=350000, day=800),
        event_from_wire,
    ),
    (JobApplicationFailed(at=AT, life=1, job="nurse", day=800), event_from_wire),
    (
        SalaryPaid(
            at=AT,
            life=1,
            job="nurse",
            amount_cents=350000,
            performance=47,
            day=803,
        ),
        event_from_wire,
    ),
    (
        Promoted(
            at=AT,
            life=1,
            from_job="nurse",
            to_job="head_nurse",
            salary_cents=480000,
            day=900,
        ),
        event_from_wire,
    ),
    (JobEnded(at=AT, life=1, job="nurse", reason="quit", day=901), event_from_wire),
    (
        CharacterRetired(at=AT, life=1, pension_cents=192000, day=2400),
        event_from_wire,
    ),
    (PensionPaid(at=AT, life=1, amount_cents=192000, day=2403), event_from_wire),
    (
        ContactMet(
            at=AT, life=1, contact_id=TX, role="friend", name="Ava Novak", day=700
        ),
        event_from_wire,
    ),
    (
        ConversationStarted(
            at=AT,
            life=1,
            conversation_id=TX,
            npc_id=TX,
            line="Hey, kiddo!",
            replies=(("kind", "Say something kind"), ("joke", "Crack a joke")),
            written_by="template",
            day=700,
        ),
        event_from_wire,
    ),
    (
        ConversationEnded(
            at=AT,
            life=1,
            conversation_id=TX,
            npc_id=TX,
            reply="joke",
            passed=False,
            closeness_delta=-3,
            closeness=57,
            line="That's not funny.",
            day=700,
        ),
        event_from_wire,
    ),
    (
        JobApplicationResult(job="nurse", hired=True, salary_cents=350000, energy=90),
        reply_from_wire,
    ),
    (JobQuit(job="nurse"), reply_from_wire),
    (RetirementStarted(pension_cents=192000), reply_from_wire),
    (
        Enrolled(
            school="university",
            tuition_cents=2000000,
            ends_day=900,
            money_cents=0,
        ),
        reply_from_wire,
    ),
    (
        ConversationOpened(
            conversation_id=TX,
            npc_id=TX,
            line="Hey, kiddo!",
            replies=(("kind", "Say something kind"),),
        ),
        reply_from_wire,
    ),
    (
        ConversationResult(
            conversation_id=TX,
            npc_id=TX,
            reply="kind",
            passed=True,
            closeness=66,
            closeness_delta=6,
            line="Thank you. Really.",
        ),
        reply_from_wire,
    ),
    (SetUtcOffset(at=AT, minutes=120), command_from_wire),
    (ClaimDailyReward(at=AT, idempotency_key=KEY), command_from_wire),
    (
        ClaimQuestReward(at=AT, quest="do_activities", idempotency_key=KEY),
        command_from_wire,
    ),
    (TutorialStep(at=AT, step="welcome"), command_from_wire),
    (SkipTutorial(at=AT), command_from_wire),
    (UseItem(at=AT, item="energy_drink"), command_from_wire),
    (
        CreditStorePurchase(
            at=AT,
            product_id="com.baolife.diamonds.100",
            transaction_id="2000000123456789",
            original_transaction_id="2000000123456789",
            environment="production",
            purchased_at=AT - 1000,
        ),
        record_from_wire,
    ),
    (
        RevokeStorePurchase(at=AT, transaction_id="2000000123456789", reason="refund"),
        record_from_wire,
    ),
    (
        NewPlayer(at=AT, seed=42, variants=(("tutorial_flow", "guided"),)),
        record_from_wire,
    ),
    (Birthday(at=AT, life=1, age=7, day=252), event_from_wire),
    (UtcOffsetSet(at=AT, minutes=-300), event_from_wire),
    (
        EnergyGranted(at=AT, amount=50, energy_after=150, reason="daily_reward"),
        event_from_wire,
    ),
    (
        ItemGranted(at=AT, item="energy_drink", count=1, reason="daily_reward"),
        event_from_wire,
    ),
    (ItemUsed(at=AT, item="energy_drink", remaining=0), event_from_wire),
    (
        LoginRewardClaimed(
            at=AT,
            local_day=20783,
            cycle_day=3,
            streak=3,
            reward="15 diamonds + 50 energy",
        ),
        event_from_wire,
    ),
    (
        QuestsRolled(
            at=AT, local_day=20783, quests=(("do_activities", 4), ("study", 2))
        ),
        event_from_wire,
    ),
    (
        QuestProgressed(
            at=AT, quest="do_activities", progress=2, target=4, completed=False
        ),
        event_from_wire,
    ),
    (QuestRewardPaid(at=AT, local_day=20783, quest="study"), event_from_wire),
    (
        AchievementUnlocked(
            at=AT, achievement="first_steps", category="life", name="First steps"
        ),
        event_from_wire,
    ),
    (
        StatisticsChanged(at=AT, values=(("activities_done", 3), ("energy_spent", 40))),
        event_from_wire,
    ),
    (
        TutorialAdvanced(at=AT, flow="classic", step="welcome", finished=False),
        event_from_wire,
    ),
    (
        StorePurchaseCredited(
            at=AT,
            product_id="com.baolife.diamonds.100",
            transaction_id="2000000123456789",
            original_transaction_id="2000000123456789",
            environment="production",
            diamonds=100,
        ),
        event_from_wire,
    ),
    (
        StorePurchaseRevoked(
            at=AT,
            transaction_id="2000000123456789",
            reason="refund",
            diamonds=100,
            debited=60,
            debt_after=40,
        ),
        event_from_wire,
    ),
    (UtcOffsetChanged(minutes=120, local_day=20783), reply_from_wire),
    (DailyLoginStatus(streak=3, day=3, claimable=True), reply_from_wire),
    (
        DailyRewardClaimed(
            day=3, reward="15 diamonds + 50 energy", streak=3, diamonds=1030, energy=150
        ),
        reply_from_wire,
    ),
    (
        QuestRewardClaimed(
            quest="study", reward="10 diamonds", diamonds=1040, energy=80
        ),
        reply_from_wire,
    ),
    (
        TutorialProgress(
            flow="classic",
            done=("welcome",),
            next_step="create_character",
            finished=False,
            skipped=False,
        ),
        reply_from_wire,
    ),
    (
        ItemUseResult(item="energy_drink", remaining=0, energy=130, diamonds=1000),
        reply_from_wire,
    ),
    (
        StorePurchaseResult(
            product_id="com.baolife.diamonds.100",
            transaction_id="2000000123456789",
            diamonds_added=100,
            diamonds=1100,
        ),
        reply_from_wire,
    ),
    (
        StoreRevocationResult(transaction_id="2000000123456789", debited=60, debt=40),
        reply_from_wire,
    ),
    (
        AchievementList(
            unlocked=1,
            total=44,
            achievements=(
                AchievementEntry(
                    id="first_steps",
                    category="life",
                    name="First steps",
                    description="Be born.",
                    hidden=False,
                    unlocked=True,
                    progress=1,
                    target=1,
                ),
            ),
        ),
        reply_from_wire,
    ),
    (StatisticsReport(statistics=(("lives_lived", 2),)), reply_from_wire),
    (PhotoAlbum(photos=((1, 0, "Born"),)), reply_from_wire),
    (
        QuestList(
            local_day=20783,
            quests=(
                QuestEntry(
                    quest="study",
                    name="Study 2 times",
                    progress=1,
                    target=2,
                    claimed=False,
                    reward="10 diamonds",
                ),
            ),
        ),
        reply_from_wire,
    ),
    (Inventory(items=(("energy_drink", 2),)), reply_from_wire),
    (
        Rejection(code="rate_limited", message="slow down", retry_after_ms=6000),
        reply_from_wire,
    ),
    (Rejection(code="insufficient_diamonds", message="full costs 35"), reply_from_wire),
    # Dating (docs/protocol.md "Dating").
    (SetDatingPreferences(at=AT), command_from_wire),
    (
        SetDatingPreferences(
            at=AT,
            seeking=("female", "nonbinary"),
            min_age=21,
            max_age=35,
            interests=("hiking", "jazz"),
            dealbreakers=("no_smokers",),
        ),
        command_from_wire,
    ),
    (Like(at=AT, npc_id=TX), command_from_wire),
    (
        Like(at=AT, npc_id=TX, bio="Sunny optimist with too many houseplants."),
        record_from_wire,
    ),
    (Pass(at=AT, npc_id=TX), command_from_wire),
    (GoOnDate(at=AT, npc_id=TX, venue="park", activity="walk"), command_from_wire),
    (AdvanceRelationship(at=AT, npc_id=TX), command_from_wire),
    (BreakUp(at=AT, npc_id=TX), command_from_wire),
    (
        DatingPreferencesSet(
            at=AT,
            life=1,
            seeking=(),
            min_age=18,
            max_age=27,
            interests=("cooking", "hiking"),
            dealbreakers=("no_smokers",),
        ),
        event_from_wire,
    ),
    (
        NpcLiked(at=AT, life=1, npc_id=TX, compatibility=65, matched=True),
        event_from_wire,
    ),
    (NpcPassed(at=AT, life=1, npc_id=TX, compatibility=29), event_from_wire),
    (
        MatchMade(
            at=AT,
            life=1,
            npc_id=TX,
            name="Ezra Kowalski",
            gender="male",
            age=20,
            bio="Hiya. I'm Ezra, 20.",
            compatibility=65,
            reasons=("great chemistry", "you both like hiking"),
            affection=35,
            npc_affection=35,
            day=684,
        ),
        event_from_wire,
    ),
    (
        DateWent(
            at=AT,
            life=1,
            npc_id=TX,
            venue="park",
            activity="walk",
            outcome="good",
            energy=8,
            money_cents=0,
            affection=41,
            npc_affection=42,
            day=684,
        ),
        event_from_wire,
    ),
    (
        RelationshipChanged(
            at=AT,
            life=1,
            npc_id=TX,
            from_stage="married",
            to_stage="divorced",
            trigger="break_up",
            by="character",
            money_cents=150000,
            day=900,
        ),
        event_from_wire,
    ),
    (
        RelationshipAdvanceDeclined(
            at=AT, life=1, npc_id=TX, stage="engaged", npc_affection=40, day=800
        ),
        event_from_wire,
    ),
    (
        AffectionChanged(
            at=AT, life=1, npc_id=TX, affection=60, npc_affection=55, day=801
        ),
        event_from_wire,
    ),
    (
        DatingPreferencesUpdated(
            seeking=("male",),
            min_age=18,
            max_age=27,
            interests=("cooking",),
            dealbreakers=(),
        ),
        reply_from_wire,
    ),
    (LikeResult(npc_id=TX, matched=False, compatibility=29), reply_from_wire),
    (Passed(npc_id=TX), reply_from_wire),
    (
        DateResult(
            npc_id=TX,
            venue="park",
            activity="walk",
            outcome="great",
            affection=46,
            npc_affection=48,
            stage="dating",
            photo="A perfect date with Ezra at the Park",
            energy=92,
            money_cents=200,
            busy_until=59_103_000_000,
        ),
        reply_from_wire,
    ),
    (
        RelationshipResult(npc_id=TX, accepted=True, stage="partner", money_cents=200),
        reply_from_wire,
    ),
    (
        BreakUpResult(
            npc_id=TX, stage="divorced", assets_split_cents=150000, money_cents=150000
        ),
        reply_from_wire,
    ),
    (
        MatchList(
            refreshes_day=686,
            matches=(
                MatchEntry(
                    npc_id=TX,
                    name="Ezra Kowalski",
                    gender="male",
                    age=20,
                    looks=78,
                    bio="Hiya. I'm Ezra, 20.",
                    interests=("good coffee", "hiking"),
                    compatibility=65,
                    reasons=("great chemistry",),
                ),
            ),
        ),
        reply_from_wire,
    ),
    (
        RelationshipList(
            relationships=(
                RelationshipEntry(
                    npc_id=TX,
                    name="Ezra Kowalski",
                    gender="male",
                    age=20,
                    bio="Hiya. I'm Ezra, 20.",
                    stage="dating",
                    since_day=684,
                    affection=41,
                    npc_affection=42,
                    compatibility=65,
                    dates=1,
                    next_stage="partner",
                ),
            ),
        ),
        reply_from_wire,
    ),
]

VALID_PURCHASE: dict[str, Any] = {
    "type": "purchase_energy_refill",
    "at": AT,
    "refill_type": "full",
    "idempotency_key": KEY,
}


def without(data: dict[str, Any], field: str) -> dict[str, Any]:
    """``data`` with ``field`` removed."""
    return {key: value for key, value in data.items() if key != field}


def wire_error(decode: Decoder, data: object) -> WireError:
    """The ``WireError`` that decoding ``data`` raises."""
    with pytest.raises(WireError) as caught:
        decode(data)
    return caught.value


def leaves(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every non-null scalar in nested dicts, lists and tuples (pairs such
    as an inventory entry unstructure as tuples, which JSON writes as arrays)."""
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in leaves(value, (*prefix, key))]
    if isinstance(data, list | tuple):
        return [
            p
            for index, value in enumerate(data)
            for p in leaves(value, (*prefix, index))
        ]
    return [] if data is None else [prefix]


def bumped(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """A deep copy of ``data`` with the scalar at ``path`` changed."""
    copy: dict[str, Any] = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    value = target[path[-1]]
    if isinstance(value, bool):
        target[path[-1]] = not value
    elif isinstance(value, int):
        target[path[-1]] = value + 1
    else:
        target[path[-1]] = value + "x"
    return copy


GENESIS_STATE = new_player(seed=42, at=0, catalog=CATALOG)
#: A state with a character, so that the leaf matrix reaches every nested field.
LIVED_STATE = step(GENESIS_STATE, CreateCharacter(at=0), CATALOG).state
STATE_LEAVES = leaves(state_to_wire(LIVED_STATE))


class TestWireNames:
    """Wire names are class names in snake_case; a rejection is ``error``."""

    @pytest.mark.parametrize(
        ("cls", "expected"),
        [
            (PurchaseEnergyRefill, "purchase_energy_refill"),
            (NewPlayer, "new_player"),
            (PlayerCreated, "player_created"),
            (DiamondsCredited, "diamonds_credited"),
            (DiamondsSpent, "diamonds_spent"),
            (EnergyRefilled, "energy_refilled"),
            (EnergyUpdated, "energy_updated"),
            (PurchaseTimeSkip, "purchase_time_skip"),
            (GameTimeSkipped, "game_time_skipped"),
            (TimeSkipped, "time_skipped"),
        ],
    )
    def test_snake_case(self, cls: type, expected: str) -> None:
        """``PurchaseEnergyRefill`` is ``purchase_energy_refill``."""
        assert expected == wire_name(cls)

    def test_rejection_is_error(self) -> None:
        """A ``Rejection`` goes on the wire as PROTOCOL.md's ``error``."""
        wire = to_wire(Rejection(code="not_found", message="unknown refill_type"))
        assert (wire) == {
            "type": "error",
            "code": "not_found",
            "message": "unknown refill_type",
        }

    def test_purchase_command_matches_protocol(self) -> None:
        """The command frame has exactly the protocol's fields plus ``at``."""
        command = PurchaseEnergyRefill(at=AT, refill_type="full", idempotency_key=KEY)
        assert to_wire(command) == VALID_PURCHASE

    def test_energy_updated_matches_protocol(self) -> None:
        """The reply frame is PROTOCOL.md's ``energy_updated``."""
        wire = to_wire(EnergyUpdated(energy=100, diamonds=965, transaction_id=TX))
        expected = {
            "type": "energy_updated",
            "energy": 100,
            "diamonds": 965,
            "transaction_id": TX,
        }
        assert expected == wire

    def test_derived_properties_are_not_encoded(self) -> None:
        """A ledger event's ``delta`` property stays off the wire."""
        assert "delta" not in to_wire(SPENT)

    def test_non_wire_value_is_a_type_error(self) -> None:
        """Only commands, records, events and replies have a wire form."""
        with pytest.raises(TypeError, match="PlayerState has no wire form"):
            to_wire(GENESIS_STATE)  # type: ignore[arg-type]


class TestRoundTrip:
    """Every command, event and reply decodes back to an equal value."""

    @pytest.mark.parametrize(("value", "decode"), EXAMPLES)
    def test_round_trip(self, value: Any, decode: Decoder) -> None:
        """``to_wire`` then the family's decoder gives back an equal value."""
        assert value == decode(to_wire(value))

    @pytest.mark.parametrize(("value", "decode"), EXAMPLES)
    def test_round_trip_through_json_text(self, value: Any, decode: Decoder) -> None:
        """The wire form survives JSON text unchanged."""
        assert value == decode(json.loads(json.dumps(to_wire(value))))

    def test_every_wire_class_has_an_example(self) -> None:
        """A new command, event or reply class must join the round-trip examples."""
        covered = {type(value) for value, _ in EXAMPLES}
        expected = {*COMMAND_TYPES, *EVENT_TYPES, *REPLY_TYPES, NewPlayer}
        assert expected == covered

    def test_real_outcome_round_trips(self) -> None:
        """The events and reply of a real purchase round-trip."""
        state = evolve(GENESIS_STATE, energy=Energy(40, 0))
        outcome = step(
            state,
            PurchaseEnergyRefill(at=0, refill_type="full", idempotency_key="k"),
            CATALOG,
        )
        events = tuple(event_from_wire(to_wire(event)) for event in outcome.events)
        assert outcome.events == events
        assert outcome.reply == reply_from_wire(to_wire(outcome.reply))  # type: ignore[arg-type]

    @given(
        at=st.integers(min_value=0, max_value=MAX_INSTANT_MS),
        refill_type=st.from_regex(r"[a-z0-9_]{1,64}", fullmatch=True),
        key=st.from_regex(r"[A-Za-z0-9_.:-]{1,128}", fullmatch=True),
    )
    def test_any_valid_purchase_round_trips(
        self, at: int, refill_type: str, key: str
    ) -> None:
        """Every constructible purchase command round-trips."""
        command = PurchaseEnergyRefill(
            at=at, refill_type=refill_type, idempotency_key=key
        )
        assert command == command_from_wire(to_wire(command))


class TestStrictDecoding:
    """Ill-typed or incomplete input is a ``WireError`` naming the field."""

    def test_wire_error_is_a_baolife_error(self) -> None:
        """Wire errors share the project's base class and carry their code."""
        error = WireError("bad_request", "nope")
        assert isinstance(error, BaolifeError)
        assert (
            error.code,
            error.message,
            str(error),
        ) == ("bad_request", "nope", "bad_request: nope")

    @pytest.mark.parametrize(
        ("field", "value", "got"),
        [
            ("at", True, "bool"),
            ("at", False, "bool"),
            ("at", "5", "str"),
            ("at", 5.0, "float"),
            ("at", None, "NoneType"),
            ("at", [5], "list"),
            ("at", {"ms": 5}, "dict"),
        ],
    )
    def test_integer_field_takes_only_integers(
        self, field: str, value: object, got: str
    ) -> None:
        """An integer field refuses booleans, strings, floats and containers."""
        error = wire_error(command_from_wire, {**VALID_PURCHASE, field: value})
        assert error.code == "bad_request"
        expected = f"purchase_energy_refill: '{field}' must be an integer, got {got}"
        assert expected == error.message

    @pytest.mark.parametrize(
        ("field", "value", "got"),
        [
            ("refill_type", 5, "int"),
            ("refill_type", True, "bool"),
            ("refill_type", None, "NoneType"),
            ("refill_type", ["full"], "list"),
            ("idempotency_key", 5, "int"),
            ("idempotency_key", 1.5, "float"),
        ],
    )
    def test_string_field_takes_only_strings(
        self, field: str, value: object, got: str
    ) -> None:
        """A string field refuses numbers, booleans, null and lists."""
        error = wire_error(command_from_wire, {**VALID_PURCHASE, field: value})
        assert error.code == "bad_request"
        expected = f"purchase_energy_refill: '{field}' must be a string, got {got}"
        assert expected == error.message

    @pytest.mark.parametrize("field", ["at", "refill_type", "idempotency_key"])
    def test_missing_field(self, field: str) -> None:
        """A missing field is named as required."""
        error = wire_error(command_from_wire, without(VALID_PURCHASE, field))
        assert error.code == "bad_request"
        assert f"purchase_energy_refill: '{field}' is required" == error.message

    def test_every_problem_is_named(self) -> None:
        """Several bad fields are all reported, each by name."""
        data = {"type": "purchase_energy_refill", "at": "now", "idempotency_key": KEY}
        message = wire_error(command_from_wire, data).message
        assert "'at' must be an integer, got str" in message
        assert "'refill_type' is required" in message

    @pytest.mark.parametrize(
        ("data", "kind"),
        [([], "list"), ("x", "str"), (None, "NoneType"), (5, "int"), (True, "bool")],
    )
    @pytest.mark.parametrize(
        "decode",
        [command_from_wire, record_from_wire, event_from_wire, reply_from_wire],
    )
    def test_non_object(self, decode: Decoder, data: object, kind: str) -> None:
        """Anything but a JSON object is ``bad_request``."""
        error = wire_error(decode, data)
        assert ("bad_request", f"expected a JSON object, got {kind}") == (
            error.code,
            error.message,
        )

    @pytest.mark.parametrize(
        "data",
        [{}, {"type": 5}, {"type": None}, {"type": True}, {"type": ["x"]}, {"at": AT}],
    )
    @pytest.mark.parametrize(
        "decode",
        [command_from_wire, record_from_wire, event_from_wire, reply_from_wire],
    )
    def test_missing_or_non_string_type(self, decode: Decoder, data: object) -> None:
        """A ``type`` that is missing or not a string is ``bad_request``."""
        error = wire_error(decode, data)
        assert (
            error.code,
            error.message,
        ) == ("bad_request", "'type' is required and must be a string")

    @pytest.mark.parametrize(
        ("decode", "name"),
        [
            (command_from_wire, "nope"),
            (command_from_wire, "PurchaseEnergyRefill"),
            (command_from_wire, "new_player"),
            (command_from_wire, "energy_updated"),
            (record_from_wire, "player_created"),
            (event_from_wire, "purchase_energy_refill"),
            (event_from_wire, "error"),
            (reply_from_wire, "player_created"),
            (reply_from_wire, "rejection"),
        ],
    )
    def test_unknown_type(self, decode: Decoder, name: str) -> None:
        """A name outside the decoder's family is ``unknown_type``."""
        error = wire_error(decode, {**VALID_PURCHASE, "type": name})
        assert ("unknown_type", f"unknown type {name!r}") == (error.code, error.message)

    def test_unknown_type_name_is_truncated(self) -> None:
        """A huge unknown type name is cut to 64 characters in the message."""
        error = wire_error(command_from_wire, {"type": "x" * 10_000})
        assert f"unknown type {'x' * 64!r}" == error.message

    @pytest.mark.parametrize("at", [-1, -AT, MAX_INSTANT_MS + 1, 10**30])
    def test_instant_out_of_range(self, at: int) -> None:
        """``at`` must lie within 0..MAX_INSTANT_MS."""
        error = wire_error(command_from_wire, {**VALID_PURCHASE, "at": at})
        assert error.code == "bad_request"
        assert error.message.startswith("purchase_energy_refill: at must be an integer")
        assert str(MAX_INSTANT_MS) in error.message

    @pytest.mark.parametrize("at", [0, 1, MAX_INSTANT_MS])
    def test_instant_bounds_are_inclusive(self, at: int) -> None:
        """The first and last representable instants are accepted."""
        command = command_from_wire({**VALID_PURCHASE, "at": at})
        assert at == command.at

    @pytest.mark.parametrize(
        "key",
        [
            "",
            "a" * 129,
            "a b",
            " key",
            "key\n",
            "a" * 128 + "\n",
            "a/b",
            "ключ",
            "k\x00",
        ],
    )
    def test_bad_idempotency_key(self, key: str) -> None:
        """Keys are 1-128 characters of letters, digits, ``_ . : -``."""
        error = wire_error(
            command_from_wire, {**VALID_PURCHASE, "idempotency_key": key}
        )
        assert error.code == "bad_request"
        assert "idempotency_key must be 1-128 characters" in error.message

    @pytest.mark.parametrize("key", ["a", "a" * 128, KEY, "A_b.c:d-9"])
    def test_good_idempotency_key(self, key: str) -> None:
        """Keys at the bounds and with every allowed punctuation are accepted."""
        command = command_from_wire({**VALID_PURCHASE, "idempotency_key": key})
        assert key == command.idempotency_key

    @pytest.mark.parametrize(
        "refill_type", ["", "Full", "full tier", "full-tier", "a" * 65, "é", "full\n"]
    )
    def test_bad_refill_type(self, refill_type: str) -> None:
        """A refill type is a lowercase identifier of 1-64 characters."""
        data = {**VALID_PURCHASE, "refill_type": refill_type}
        error = wire_error(command_from_wire, data)
        assert error.code == "bad_request"
        assert "refill_type must be a lowercase identifier" in error.message

    def test_unknown_but_well_formed_refill_type_decodes(self) -> None:
        """Whether a tier exists is for the engine (``not_found``), not the wire."""
        command = command_from_wire({**VALID_PURCHASE, "refill_type": "mega"})
        assert command.refill_type == "mega"

    @pytest.mark.parametrize(
        ("seed", "problem"),
        [
            (-1, "seed must be an integer within 0..2**63-1"),
            (2**63, "seed must be an integer within 0..2**63-1"),
            (True, "'seed' must be an integer, got bool"),
            ("42", "'seed' must be an integer, got str"),
        ],
    )
    def test_bad_new_player_seed(self, seed: object, problem: str) -> None:
        """A genesis record's seed is a 63-bit non-negative integer."""
        error = wire_error(
            record_from_wire, {"type": "new_player", "at": 0, "seed": seed}
        )
        assert error.code == "bad_request"
        assert problem in error.message

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (
                {**to_wire(SPENT), "amount": "35"},
                "diamonds_spent: 'amount' must be an integer, got str",
            ),
            (
                without(to_wire(SPENT), "balance_after"),
                "diamonds_spent: 'balance_after' is required",
            ),
            (
                {**to_wire(CREATED), "seed": 4.2},
                "player_created: 'seed' must be an integer, got float",
            ),
        ],
    )
    def test_strict_events(self, data: dict[str, Any], message: str) -> None:
        """Events are decoded as strictly as commands."""
        error = wire_error(event_from_wire, data)
        assert ("bad_request", message) == (error.code, error.message)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (
                {"type": "error", "code": 1, "message": "x"},
                "error: 'code' must be a string, got int",
            ),
            (
                {"type": "energy_updated", "energy": 1, "diamonds": 2},
                "energy_updated: 'transaction_id' is required",
            ),
            (
                {
                    "type": "energy_updated",
                    "energy": True,
                    "diamonds": 2,
                    "transaction_id": TX,
                },
                "energy_updated: 'energy' must be an integer, got bool",
            ),
        ],
    )
    def test_strict_replies(self, data: dict[str, Any], message: str) -> None:
        """Replies are decoded as strictly as commands."""
        error = wire_error(reply_from_wire, data)
        assert ("bad_request", message) == (error.code, error.message)


class TestStateWire:
    """``state_to_wire`` / ``state_from_wire`` is the snapshot format."""

    def test_genesis_snapshot(self) -> None:
        """A new player's snapshot is plain nested dicts of integers."""
        expected = {
            "seed": 42,
            "seq": 0,
            "clock": {"started_at": 0, "now_at": 0, "skipped_ms": 0, "day": 0},
            "wallet": {
                "diamonds": 1000,
                "earned": 1000,
                "spent": 0,
                "entries": 1,
                "debt": 0,
            },
            "energy": {"amount": 100, "anchor_at": 0},
            "character": None,
            "album": [],
            "retention": {
                "utc_offset_minutes": 0,
                "offset_changed_at": None,
                "login": {"streak": 0, "last_day": None},
                "quests": {"day": None, "slots": []},
                "achievements": [],
                "statistics": {
                    "lives_lived": 0,
                    "years_lived": 0,
                    "activities_done": 0,
                    "energy_spent": 0,
                    "events_seen": 0,
                    "questions_answered": 0,
                    "photos_taken": 0,
                    "friends_made": 0,
                    "conversations_held": 0,
                    "jobs_held": 0,
                    "promotions": 0,
                    "degrees_earned": 0,
                    "dates_gone_on": 0,
                    "diamonds_earned": 1000,
                    "diamonds_spent": 0,
                    "login_days": 0,
                },
                "tutorial": {
                    "flow": "classic",
                    "done": [],
                    "finished": False,
                    "skipped": False,
                },
                "inventory": [],
            },
            "store_transactions": [],
            "store_refunds": [],
        }
        assert expected == state_to_wire(GENESIS_STATE)

    @given(
        st.builds(
            PlayerState,
            seed=st.integers(min_value=0, max_value=2**63 - 1),
            seq=st.integers(min_value=0, max_value=10**6),
            clock=st.builds(
                LifeClock,
                started_at=st.integers(min_value=0, max_value=MAX_INSTANT_MS),
                now_at=st.integers(min_value=0, max_value=MAX_INSTANT_MS),
                skipped_ms=st.integers(min_value=0, max_value=10**15),
                day=st.integers(min_value=0, max_value=10**9),
            ),
            wallet=st.builds(
                Wallet,
                diamonds=st.integers(min_value=0, max_value=10**9),
                earned=st.integers(min_value=0, max_value=10**9),
                spent=st.integers(min_value=0, max_value=10**9),
                entries=st.integers(min_value=0, max_value=10**6),
            ),
            energy=st.builds(
                Energy,
                amount=st.integers(min_value=0, max_value=150),
                anchor_at=st.integers(min_value=0, max_value=MAX_INSTANT_MS),
            ),
        )
    )
    def test_round_trip(self, state: PlayerState) -> None:
        """Any state survives encoding, JSON text and decoding."""
        text = json.dumps(state_to_wire(state))
        assert state == state_from_wire(json.loads(text))

    @pytest.mark.parametrize(
        ("path", "value", "message"),
        [
            (("seq",), True, "state: 'seq' must be an integer, got bool"),
            (("seed",), "42", "state: 'seed' must be an integer, got str"),
            (
                ("wallet", "diamonds"),
                5.0,
                "state: 'wallet.diamonds' must be an integer, got float",
            ),
            (
                ("energy", "anchor_at"),
                None,
                "state: 'energy.anchor_at' must be an integer, got NoneType",
            ),
        ],
    )
    def test_strict(self, path: tuple[str, ...], value: object, message: str) -> None:
        """A snapshot field of the wrong type is a ``WireError`` naming its path."""
        data = json.loads(json.dumps(state_to_wire(GENESIS_STATE)))
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        error = wire_error(state_from_wire, data)
        assert ("bad_request", message) == (error.code, error.message)

    def test_missing_nested_field(self) -> None:
        """A missing nested field is named with its path."""
        data = state_to_wire(GENESIS_STATE)
        data["clock"] = without(data["clock"], "day")
        error = wire_error(state_from_wire, data)
        assert error.message == "state: 'clock.day' is required"

    @pytest.mark.parametrize("data", [[], "snapshot", None, 5])
    def test_non_object(self, data: object) -> None:
        """A snapshot that is not a JSON object is a ``WireError``, like any input."""
        error = wire_error(state_from_wire, data)
        assert error.code == "bad_request"


class TestStateHash:
    """``state_hash`` is SHA-256 over the canonical encoding."""

    def test_is_64_hex_characters(self) -> None:
        """The hash is a lowercase hex SHA-256 digest."""
        assert re.fullmatch(r"[0-9a-f]{64}", state_hash(GENESIS_STATE))

    def test_regression_vector(self) -> None:
        """Regression vector computed once: any change of the genesis state shows."""
        expected = "4460005e6ed0af55a915b848b2e071554faf90170ae560c7c4a07f70ebe797f4"
        assert expected == state_hash(new_player(seed=42, at=0, catalog=CATALOG))

    def test_equal_states_hash_equal(self) -> None:
        """Two separately built equal states have one hash."""
        a = new_player(seed=9, at=AT, catalog=CATALOG)
        b = state_from_wire(json.loads(json.dumps(state_to_wire(a))))
        assert state_hash(a) == state_hash(b)

    @pytest.mark.parametrize("path", STATE_LEAVES, ids=lambda p: ".".join(map(str, p)))
    def test_any_field_changes_the_hash(self, path: tuple[str, ...]) -> None:
        """Changing any single field of the state changes its hash."""
        changed = state_from_wire(bumped(state_to_wire(LIVED_STATE), path))
        assert changed != LIVED_STATE
        assert state_hash(LIVED_STATE) != state_hash(changed)

    def test_covers_every_field(self) -> None:
        """The leaf matrix reaches the state's fields, nested ones included."""
        fields = {path[0] for path in STATE_LEAVES}
        assert {
            "seed",
            "seq",
            "clock",
            "wallet",
            "energy",
            "character",
            "retention",
        } == fields
        character = {path[1] for path in STATE_LEAVES if path[0] == "character"}
        assert {"name", "stats", "personality", "family", "money_cents"} <= character

    def test_canonical_json(self) -> None:
        """Keys are sorted, separators compact and text ASCII."""
        assert canonical_json({"b": "é", "a": [1, 2]}) == '{"a":[1,2],"b":"\\u00e9"}'
