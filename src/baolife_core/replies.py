"""Replies: what the requesting client is told, or a ``Rejection`` with a code.

A reply's wire name is its class name in snake_case (``EnergyUpdated`` is
``energy_updated``); a ``Rejection`` goes on the wire as PROTOCOL.md's ``error``.
Rejection codes are stable API: clients switch on them, so they are constants here
and documented in ``docs/protocol.md``.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "AGE_RESTRICTED",
    "ALREADY_CLAIMED",
    "BUSY",
    "DAILY_LIMIT",
    "ENERGY_FULL",
    "INSUFFICIENT_DIAMONDS",
    "INSUFFICIENT_MONEY",
    "INVALID_RECEIPT",
    "INVALID_STATE",
    "NOT_ALLOWED_OFFLINE",
    "NOT_FOUND",
    "NO_ENERGY",
    "RATE_LIMITED",
    "REJECTION_CODES",
    "REPLY_TYPES",
    "REQUIREMENTS_NOT_MET",
    "STALE_ACTION",
    "AchievementEntry",
    "AchievementList",
    "ActivityResult",
    "AnswerResult",
    "BreakUpResult",
    "CharacterCreated",
    "ConversationOpened",
    "ConversationResult",
    "DailyLoginStatus",
    "DailyRewardClaimed",
    "DateResult",
    "DatingPreferencesUpdated",
    "EnergyUpdated",
    "Enrolled",
    "Inventory",
    "ItemUseResult",
    "JobApplicationResult",
    "JobQuit",
    "LikeResult",
    "MatchEntry",
    "MatchList",
    "Passed",
    "PhotoAlbum",
    "QuestEntry",
    "QuestList",
    "QuestRewardClaimed",
    "Rejection",
    "RelationshipEntry",
    "RelationshipList",
    "RelationshipResult",
    "Reply",
    "RetirementStarted",
    "StatisticsReport",
    "StorePurchaseResult",
    "StoreRevocationResult",
    "TimeSkipped",
    "TutorialProgress",
    "UtcOffsetChanged",
]

#: The wallet holds fewer diamonds than the price.
INSUFFICIENT_DIAMONDS = "insufficient_diamonds"
#: An id named by the command does not exist in the content or the state.
NOT_FOUND = "not_found"
#: Energy is already at the cap the refill tier fills to; nothing to refill.
ENERGY_FULL = "energy_full"

#: The command does not fit the player's situation (e.g. a second living character).
INVALID_STATE = "invalid_state"
#: Not enough energy for the activity.
NO_ENERGY = "no_energy"
#: The character is still busy with the last activity (game time).
BUSY = "busy"
#: The activity was done as often as allowed today (game day).
DAILY_LIMIT = "daily_limit"
#: The character is too young or too old for the activity or its location.
AGE_RESTRICTED = "age_restricted"
#: The character's cash cannot pay the activity's cost.
INSUFFICIENT_MONEY = "insufficient_money"

#: The character lacks what a school or a job asks: age, smarts, a degree, a job.
REQUIREMENTS_NOT_MET = "requirements_not_met"

#: A daily reward or quest reward was already claimed (today, or ever).
ALREADY_CLAIMED = "already_claimed"
#: Too many requests of a kind: ``retry_after_ms`` says when to try again.
RATE_LIMITED = "rate_limited"
#: A signed store transaction failed verification, or does not match the request.
INVALID_RECEIPT = "invalid_receipt"
#: An offline action that only an online request may do (``offline``).
NOT_ALLOWED_OFFLINE = "not_allowed_offline"
#: An offline action older than the sync window or the last command (``offline``).
STALE_ACTION = "stale_action"

REJECTION_CODES = frozenset(
    {
        ALREADY_CLAIMED,
        RATE_LIMITED,
        INVALID_RECEIPT,
        NOT_ALLOWED_OFFLINE,
        STALE_ACTION,
        REQUIREMENTS_NOT_MET,
        INSUFFICIENT_DIAMONDS,
        NOT_FOUND,
        ENERGY_FULL,
        INVALID_STATE,
        NO_ENERGY,
        BUSY,
        DAILY_LIMIT,
        AGE_RESTRICTED,
        INSUFFICIENT_MONEY,
    }
)


@frozen
class Rejection:
    """The command was refused; the state is unchanged."""

    code: str  # stable snake_case code
    message: str  # human text, for logs and developers; never shown as-is
    retry_after_ms: int | None = None  # ``rate_limited`` only: when to try again


@frozen
class EnergyUpdated:
    """Reply to ``purchase_energy_refill``."""

    energy: int  # energy after the refill
    diamonds: int  # diamond balance after the purchase
    transaction_id: str  # the ledger entry's transaction id


@frozen
class TimeSkipped:
    """Reply to ``purchase_time_skip``."""

    diamonds: int  # diamond balance after the purchase
    transaction_id: str  # the ledger entry's transaction id
    skip_type: str  # the time-skip id bought
    game_ms_skipped: int  # game milliseconds skipped
    game_day: int  # game day index after the skip
    game_time_ms: int  # game milliseconds lived since creation, after the skip


@frozen
class CharacterCreated:
    """Reply to ``create_character``."""

    life: int  # the life's number
    name: str  # full name
    gender: str  # gender id
    stage: str  # the first stage id


@frozen
class ActivityResult:
    """Reply to ``do_activity``."""

    activity: str  # activity id
    success: bool | None  # the check's outcome; None without a check
    stats: tuple[tuple[str, int], ...]  # (stat, change applied)
    money_cents: int  # cash after the activity
    energy: int  # energy after the activity
    busy_until: int  # game ms until which the activity lasts


@frozen
class AnswerResult:
    """Reply to ``answer_question``."""

    question_id: str  # the question answered
    choice: str  # the choice applied
    passed: bool | None  # the choice's check; None without a check
    alive: bool  # False if the choice ended the life


@frozen
class JobApplicationResult:
    """Reply to ``apply_for_job``: hired, or the interview went badly."""

    job: str  # job id
    hired: bool  # True when the character got the job
    salary_cents: int  # the monthly salary (0 when not hired)
    energy: int  # energy after applying


@frozen
class JobQuit:
    """Reply to ``quit_job``."""

    job: str  # the job left


@frozen
class RetirementStarted:
    """Reply to ``retire``."""

    pension_cents: int  # monthly pension


@frozen
class Enrolled:
    """Reply to ``enroll``."""

    school: str  # school id
    tuition_cents: int  # tuition paid
    ends_day: int  # game day index on which the school ends
    money_cents: int  # cash after the tuition


@frozen
class ConversationOpened:
    """Reply to ``start_conversation``: what they said, and the replies on offer."""

    conversation_id: str  # pass it to ``reply_conversation``
    npc_id: str  # the person talked to
    line: str  # what they said
    replies: tuple[tuple[str, str], ...]  # (reply id, text)


@frozen
class ConversationResult:
    """Reply to ``reply_conversation``."""

    conversation_id: str  # the conversation, now ended
    npc_id: str  # the person talked to
    reply: str  # the reply chosen
    passed: bool | None  # the reply's check; None without one
    closeness: int  # closeness after the conversation
    closeness_delta: int  # its change
    line: str  # their answer


@frozen
class UtcOffsetChanged:
    """Reply to ``set_utc_offset``."""

    minutes: int  # the offset now in force
    local_day: int  # the player's local day index with it


@frozen
class DailyLoginStatus:
    """Reply to ``check_daily_login`` (a read: nothing changes)."""

    streak: int  # the streak a claim now would reach (or reached today)
    day: int  # the cycle day (1..7) a claim now would pay (or paid today)
    claimable: bool  # False when today's reward was claimed


@frozen
class DailyRewardClaimed:
    """Reply to ``claim_daily_reward`` (PROTOCOL.md)."""

    day: int  # the cycle day paid, 1..7
    reward: str  # human text, e.g. ``15 diamonds + 50 energy``
    streak: int  # the streak after the claim
    diamonds: int  # diamond balance after the claim
    energy: int  # energy after the claim


@frozen
class QuestRewardClaimed:
    """Reply to ``claim_quest_reward``."""

    quest: str  # quest id
    reward: str  # human text
    diamonds: int  # diamond balance after the claim
    energy: int  # energy after the claim


@frozen
class TutorialProgress:
    """Reply to ``tutorial_step`` and ``skip_tutorial``."""

    flow: str  # the player's tutorial flow
    done: tuple[str, ...]  # steps completed
    next_step: str | None  # the step expected next; None when over
    finished: bool  # completed (reward paid)
    skipped: bool  # skipped


@frozen
class ItemUseResult:
    """Reply to ``use_item``."""

    item: str  # item id
    remaining: int  # items of this id left
    energy: int  # energy after
    diamonds: int  # diamond balance after


@frozen
class StorePurchaseResult:
    """Reply to ``credit_store_purchase``."""

    product_id: str  # the store product
    transaction_id: str  # the App Store transaction id
    diamonds_added: int  # diamonds credited for it
    diamonds: int  # diamond balance after


@frozen
class StoreRevocationResult:
    """Reply to a server-side ``revoke_store_purchase``."""

    transaction_id: str  # the App Store transaction id
    debited: int  # diamonds taken back now
    debt: int  # diamonds still owed


@frozen
class AchievementEntry:
    """One achievement as ``get_achievements`` shows it."""

    id: str  # achievement id
    category: str  # its category
    name: str  # display name (``???`` while a hidden one is locked)
    description: str  # what to do ("" while a hidden one is locked)
    hidden: bool  # a hidden achievement
    unlocked: bool  # unlocked
    progress: int  # progress toward ``target``
    target: int  # progress needed (1 for an event achievement)


@frozen
class AchievementList:
    """Reply to ``get_achievements`` (a read)."""

    unlocked: int  # achievements unlocked
    total: int  # achievements in the game
    achievements: tuple[AchievementEntry, ...]  # in content order


@frozen
class StatisticsReport:
    """Reply to ``get_statistics`` (a read)."""

    statistics: tuple[tuple[str, int], ...]  # (statistic, value), the 16 in order


@frozen
class PhotoAlbum:
    """Reply to ``get_photo_album`` (a read)."""

    photos: tuple[tuple[int, int, str], ...]  # (life, game day, caption), oldest first


@frozen
class QuestEntry:
    """One of today's daily quests as ``get_quests`` shows it."""

    quest: str  # quest id
    name: str  # rendered name, e.g. ``Do 3 activities``
    progress: int  # progress so far
    target: int  # progress needed
    claimed: bool  # reward claimed
    reward: str  # reward text


@frozen
class QuestList:
    """Reply to ``get_quests`` (a read)."""

    local_day: int  # the player's local day the quests belong to
    quests: tuple[QuestEntry, ...]  # in offer order


@frozen
class Inventory:
    """Reply to ``get_inventory`` (a read)."""

    items: tuple[tuple[str, int], ...]  # (item id, count), sorted


@frozen
class DatingPreferencesUpdated:
    """Reply to ``set_dating_preferences``."""

    seeking: tuple[str, ...]  # genders dated, sorted; (): any
    min_age: int  # youngest NPC age wanted
    max_age: int  # oldest NPC age wanted
    interests: tuple[str, ...]  # the character's interests, sorted
    dealbreakers: tuple[str, ...]  # dealbreaker ids held, sorted


@frozen
class LikeResult:
    """Reply to ``like``: whether the NPC liked back (a ``match_made`` push too)."""

    npc_id: str  # the NPC liked
    matched: bool  # True: a match
    compatibility: int  # 0..100


@frozen
class Passed:
    """Reply to ``pass``."""

    npc_id: str  # the NPC passed on


@frozen
class DateResult:
    """Reply to ``go_on_date``."""

    npc_id: str  # the date
    venue: str  # venue id
    activity: str  # date activity id
    outcome: str  # outcome tier id: ``great``, ``good``, ``awkward``, ``disaster``
    affection: int  # the character's affection after, 0..100
    npc_affection: int  # the NPC's affection after, 0..100
    stage: str  # the relationship stage after (``ended`` if the NPC left)
    photo: str | None  # caption of the album photo a memorable date took, or None
    energy: int  # energy left
    money_cents: int  # cash left
    busy_until: int  # game ms until which the character is busy


@frozen
class RelationshipResult:
    """Reply to ``advance_relationship``: the NPC's answer and the stage now."""

    npc_id: str  # the NPC
    accepted: bool  # the NPC said yes
    stage: str  # the stage now
    money_cents: int  # cash left (a ring or a wedding costs money)


@frozen
class BreakUpResult:
    """Reply to ``break_up``."""

    npc_id: str  # the ex
    stage: str  # ``ended``, or ``divorced`` for a marriage
    assets_split_cents: int  # cash the ex took in a divorce; 0 otherwise
    money_cents: int  # cash left


@frozen
class MatchEntry:
    """One suggested NPC as ``get_matches`` shows it."""

    npc_id: str  # the NPC
    name: str  # full name
    gender: str  # gender
    age: int  # age in game years
    looks: int  # 0..100
    bio: str  # the profile text
    interests: tuple[str, ...]  # interest names, sorted by id
    compatibility: int  # 0..100
    reasons: tuple[str, ...]  # the top reasons, best first


@frozen
class MatchList:
    """Reply to ``get_matches`` (a read): the top suggestions of the current pool."""

    refreshes_day: int  # game day index the next pool is drawn
    matches: tuple[MatchEntry, ...]  # best compatibility first


@frozen
class RelationshipEntry:
    """One relationship as ``get_relationships`` shows it."""

    npc_id: str  # the NPC
    name: str  # full name
    gender: str  # gender
    age: int  # age in game years
    bio: str  # the profile text
    stage: str  # ``matched``, ``dating``, ``partner``, ``engaged``, ``married``
    since_day: int  # game day it entered the stage
    affection: int  # the character's affection, 0..100
    npc_affection: int  # the NPC's affection, 0..100
    compatibility: int  # 0..100
    dates: int  # dates gone on together
    next_stage: str | None  # what ``advance_relationship`` asks for, or None


@frozen
class RelationshipList:
    """Reply to ``get_relationships`` (a read)."""

    relationships: tuple[RelationshipEntry, ...]  # oldest match first


Reply = (
    EnergyUpdated
    | TimeSkipped
    | CharacterCreated
    | ActivityResult
    | AnswerResult
    | JobApplicationResult
    | JobQuit
    | RetirementStarted
    | Enrolled
    | ConversationOpened
    | ConversationResult
    | UtcOffsetChanged
    | DailyLoginStatus
    | DailyRewardClaimed
    | QuestRewardClaimed
    | TutorialProgress
    | ItemUseResult
    | StorePurchaseResult
    | StoreRevocationResult
    | AchievementList
    | StatisticsReport
    | PhotoAlbum
    | QuestList
    | Inventory
    | DatingPreferencesUpdated
    | LikeResult
    | Passed
    | DateResult
    | RelationshipResult
    | BreakUpResult
    | MatchList
    | RelationshipList
    | Rejection
)

REPLY_TYPES: tuple[type[Reply], ...] = (
    EnergyUpdated,
    TimeSkipped,
    CharacterCreated,
    ActivityResult,
    AnswerResult,
    JobApplicationResult,
    JobQuit,
    RetirementStarted,
    Enrolled,
    ConversationOpened,
    ConversationResult,
    UtcOffsetChanged,
    DailyLoginStatus,
    DailyRewardClaimed,
    QuestRewardClaimed,
    TutorialProgress,
    ItemUseResult,
    StorePurchaseResult,
    StoreRevocationResult,
    AchievementList,
    StatisticsReport,
    PhotoAlbum,
    QuestList,
    Inventory,
    DatingPreferencesUpdated,
    LikeResult,
    Passed,
    DateResult,
    RelationshipResult,
    BreakUpResult,
    MatchList,
    RelationshipList,
    Rejection,
)
