"""Events: immutable domain facts the engine emits (past-tense names).

They drive the storage projections, analytics and pushes. The ledger *is* the
stream of ``DiamondsCredited`` / ``DiamondsSpent`` events: every change of the
balance is exactly one of them, carrying the balance after it.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "EVENT_TYPES",
    "AchievementUnlocked",
    "ActivityDone",
    "Birthday",
    "CharacterBorn",
    "CharacterDied",
    "CharacterRetired",
    "ContactMet",
    "ConversationEnded",
    "ConversationStarted",
    "DiamondsCredited",
    "DiamondsSpent",
    "EnergyGranted",
    "EnergyRefilled",
    "Event",
    "FamilyMemberDied",
    "GameTimeSkipped",
    "ItemGranted",
    "ItemUsed",
    "JobApplicationFailed",
    "JobEnded",
    "JobStarted",
    "LedgerEvent",
    "LifeEventOccurred",
    "LoginRewardClaimed",
    "PensionPaid",
    "PhotoAdded",
    "PlayerCreated",
    "Promoted",
    "QuestProgressed",
    "QuestRewardPaid",
    "QuestionAnswered",
    "QuestionPosed",
    "QuestsRolled",
    "SalaryPaid",
    "SchoolFinished",
    "SchoolStarted",
    "StageEntered",
    "StatisticsChanged",
    "StorePurchaseCredited",
    "StorePurchaseRevoked",
    "TutorialAdvanced",
    "UtcOffsetSet",
]


@frozen
class PlayerCreated:
    """A player came into being."""

    at: int  # creation instant, ms
    seed: int  # the player's PRNG seed


@frozen
class DiamondsCredited:
    """Diamonds were added to the wallet (one ledger entry)."""

    at: int  # instant, ms
    amount: int  # positive number of diamonds added
    reason: str  # why, e.g. ``starting_grant``
    reference: str  # what it refers to, e.g. a refill tier or a store product
    balance_after: int  # wallet balance after this entry
    transaction_id: str  # uuid5 minted from the player's seed and ``seq``

    @property
    def delta(self) -> int:
        """The signed change of the balance."""
        return self.amount


@frozen
class DiamondsSpent:
    """Diamonds were taken from the wallet (one ledger entry)."""

    at: int  # instant, ms
    amount: int  # positive number of diamonds taken
    reason: str  # why, e.g. ``energy_refill``
    reference: str  # what was bought, e.g. the refill tier id
    balance_after: int  # wallet balance after this entry
    transaction_id: str  # uuid5 minted from the player's seed and ``seq``

    @property
    def delta(self) -> int:
        """The signed change of the balance."""
        return -self.amount


@frozen
class EnergyRefilled:
    """An energy refill tier was bought and applied."""

    at: int  # instant, ms
    refill_type: str  # the tier id
    energy_before: int  # energy at ``at`` before the refill
    energy_after: int  # energy right after the refill
    diamonds: int  # price paid
    transaction_id: str  # the transaction id of the matching ``DiamondsSpent``


@frozen
class GameTimeSkipped:
    """A time skip was bought and the game clock moved forward."""

    at: int  # instant, ms
    skip_type: str  # the time-skip id
    game_ms: int  # game milliseconds skipped
    day_before: int  # game day index before the skip
    day_after: int  # game day index after the skip
    diamonds: int  # price paid
    transaction_id: str  # the transaction id of the matching ``DiamondsSpent``


@frozen
class CharacterBorn:
    """A new life began."""

    at: int  # instant, ms
    life: int  # the life's number (1 for the first)
    name: str  # full name
    gender: str  # gender id
    stage: str  # the first life stage
    day: int  # game day index of birth


@frozen
class Birthday:
    """The character had a birthday (a game year passed)."""

    at: int  # instant the engine crossed the day, ms
    life: int  # the life's number
    age: int  # the age reached
    day: int  # game day index


@frozen
class StageEntered:
    """The character entered a life stage (on the birthday that starts it)."""

    at: int  # instant the engine crossed the day, ms
    life: int  # the life's number
    stage: str  # the stage id
    age: int  # age in game years
    day: int  # game day index


@frozen
class CharacterDied:
    """The character's life ended."""

    at: int  # instant the engine crossed the day, ms
    life: int  # the life's number
    day: int  # game day index of death
    age: int  # age in game years
    cause: str  # cause id from content
    epitaph: str  # one line for the gravestone


@frozen
class ActivityDone:
    """The character did an activity."""

    at: int  # instant, ms
    life: int  # the life's number
    activity: str  # activity id
    location: str  # location id
    energy: int  # energy spent
    success: bool | None  # the check's outcome; None without a check
    stats: tuple[tuple[str, int], ...]  # (stat, change actually applied)
    money_cents: int  # money change
    day: int  # game day index


@frozen
class LifeEventOccurred:
    """A storylet without choices happened to the character."""

    at: int  # instant the engine crossed the day, ms
    life: int  # the life's number
    event_id: str  # the storylet id
    title: str  # rendered title
    text: str  # rendered text
    day: int  # game day index


@frozen
class QuestionPosed:
    """A storylet with choices asks the player a question (pushed as a prompt)."""

    at: int  # instant the engine crossed the day, ms
    life: int  # the life's number
    question_id: str  # the question's wire id (uuid5)
    event_id: str  # the storylet id
    title: str  # rendered title
    text: str  # rendered text
    choices: tuple[tuple[str, str], ...]  # (choice id, rendered text)
    expires_day: int  # on this game day the default choice is taken
    day: int  # game day index


@frozen
class QuestionAnswered:
    """A question was answered, or expired and took its default choice."""

    at: int  # instant, ms
    life: int  # the life's number
    question_id: str  # the question
    event_id: str  # its storylet
    choice: str  # the choice applied
    expired: bool  # True when the default was taken on expiry
    passed: bool | None  # the check's result; None without a check
    day: int  # game day index


@frozen
class PhotoAdded:
    """A milestone photo went into the album."""

    at: int  # instant, ms
    life: int  # the life's number
    caption: str  # rendered caption
    day: int  # game day index


@frozen
class FamilyMemberDied:
    """A relative of the character died."""

    at: int  # instant, ms
    life: int  # the life's number
    relative_id: str  # the relative
    role: str  # ``mother``, ``father``, ``sibling``
    name: str  # full name
    day: int  # game day index


@frozen
class SchoolStarted:
    """The character started a school (by itself or by enrolment)."""

    at: int  # instant, ms
    life: int  # the life's number
    school: str  # school id
    tuition_cents: int  # tuition paid (0 for compulsory schools)
    day: int  # game day index


@frozen
class SchoolFinished:
    """A school ended: with its degree, or failed."""

    at: int  # instant, ms
    life: int  # the life's number
    school: str  # school id
    grades: int  # final grades, 0..100
    degree: bool  # True when the degree was earned
    day: int  # game day index


@frozen
class JobStarted:
    """The character was hired (or promoted into a new job)."""

    at: int  # instant, ms
    life: int  # the life's number
    job: str  # job id
    salary_cents: int  # monthly salary
    day: int  # game day index


@frozen
class JobApplicationFailed:
    """A job interview did not go well."""

    at: int  # instant, ms
    life: int  # the life's number
    job: str  # job id
    day: int  # game day index


@frozen
class SalaryPaid:
    """A game month's salary was paid into the character's cash."""

    at: int  # instant the engine crossed the payday, ms
    life: int  # the life's number
    job: str  # job id
    amount_cents: int  # salary paid
    performance: int  # performance after the month's review decay
    day: int  # game day index


@frozen
class Promoted:
    """A review promoted the character to the next job of the track."""

    at: int  # instant, ms
    life: int  # the life's number
    from_job: str  # the job left
    to_job: str  # the new job
    salary_cents: int  # the new monthly salary
    day: int  # game day index


@frozen
class JobEnded:
    """The character left a job: ``quit``, ``fired``, ``laid_off`` or ``retired``."""

    at: int  # instant, ms
    life: int  # the life's number
    job: str  # job id
    reason: str  # why it ended
    day: int  # game day index


@frozen
class CharacterRetired:
    """The character retired; a pension is paid monthly from now on."""

    at: int  # instant, ms
    life: int  # the life's number
    pension_cents: int  # monthly pension (0 without a last job)
    day: int  # game day index


@frozen
class PensionPaid:
    """A game month's pension was paid into the character's cash."""

    at: int  # instant the engine crossed the payday, ms
    life: int  # the life's number
    amount_cents: int  # pension paid
    day: int  # game day index


@frozen
class ContactMet:
    """The character met someone new: a friend or a colleague."""

    at: int  # instant, ms
    life: int  # the life's number
    contact_id: str  # the new contact's id
    role: str  # ``friend`` or ``colleague``
    name: str  # full name
    day: int  # game day index


@frozen
class ConversationStarted:
    """The character started talking with someone; a reply is awaited."""

    at: int  # instant, ms
    life: int  # the life's number
    conversation_id: str  # the conversation's wire id
    npc_id: str  # the relative or contact
    line: str  # what the other person said
    replies: tuple[tuple[str, str], ...]  # (reply id, rendered text)
    written_by: str  # ``template`` or ``command`` (text given as command data)
    day: int  # game day index


@frozen
class ConversationEnded:
    """The character replied; the conversation moved closeness and ended."""

    at: int  # instant, ms
    life: int  # the life's number
    conversation_id: str  # the conversation
    npc_id: str  # the relative or contact
    reply: str  # the reply id chosen
    passed: bool | None  # the reply's check; None without one
    closeness_delta: int  # the change of closeness applied
    closeness: int  # closeness after it
    line: str  # the other person's answer
    day: int  # game day index


@frozen
class UtcOffsetSet:
    """The player's local time offset changed."""

    at: int  # instant, ms
    minutes: int  # the new offset


@frozen
class EnergyGranted:
    """A reward or an item added energy (up to the overfill cap)."""

    at: int  # instant, ms
    amount: int  # energy actually added
    energy_after: int  # energy right after
    reason: str  # the reward's source, e.g. ``daily_reward``


@frozen
class ItemGranted:
    """A reward put items into the inventory."""

    at: int  # instant, ms
    item: str  # item id
    count: int  # items added
    reason: str  # the reward's source


@frozen
class ItemUsed:
    """An item was used up for its effects."""

    at: int  # instant, ms
    item: str  # item id
    remaining: int  # items of this id left


@frozen
class LoginRewardClaimed:
    """The daily login reward of the cycle's day was claimed."""

    at: int  # instant, ms
    local_day: int  # the player's local day index (days since 1970-01-01)
    cycle_day: int  # 1..7
    streak: int  # the streak after this claim
    reward: str  # human text, e.g. ``15 diamonds + 50 energy``


@frozen
class QuestsRolled:
    """A local day's daily quests were drawn."""

    at: int  # instant, ms
    local_day: int  # the player's local day index
    quests: tuple[tuple[str, int], ...]  # (quest id, target), in offer order


@frozen
class QuestProgressed:
    """A daily quest moved forward (pushed as ``quest_progress``)."""

    at: int  # instant, ms
    quest: str  # quest id
    progress: int  # progress now (at most ``target``)
    target: int  # progress needed
    completed: bool  # progress reached the target with this event


@frozen
class QuestRewardPaid:
    """A completed daily quest's reward was claimed."""

    at: int  # instant, ms
    local_day: int  # the quest's local day
    quest: str  # quest id


@frozen
class AchievementUnlocked:
    """An achievement was unlocked (pushed as ``achievement_unlocked``)."""

    at: int  # instant, ms
    achievement: str  # achievement id
    category: str  # its category
    name: str  # display name


@frozen
class StatisticsChanged:
    """Lifetime statistics moved; the values after the change."""

    at: int  # instant, ms
    values: tuple[tuple[str, int], ...]  # (statistic, value after), changed ones


@frozen
class TutorialAdvanced:
    """A tutorial step was completed (or the tutorial skipped or finished)."""

    at: int  # instant, ms
    flow: str  # the flow
    step: str  # the step completed; ``skipped`` when skipped
    finished: bool  # the last step: the tutorial is done


@frozen
class StorePurchaseCredited:
    """A verified App Store purchase was credited."""

    at: int  # instant, ms
    product_id: str  # the store product
    transaction_id: str  # the App Store transaction id
    original_transaction_id: str  # the App Store original transaction id
    environment: str  # ``production`` or ``sandbox`` (or ``development``)
    diamonds: int  # diamonds credited


@frozen
class StorePurchaseRevoked:
    """A refunded or revoked App Store purchase was taken back."""

    at: int  # instant, ms
    transaction_id: str  # the App Store transaction id
    reason: str  # ``refund``, ``revoked`` …
    diamonds: int  # what the purchase had credited
    debited: int  # what the balance covered now
    debt_after: int  # diamonds still owed, repaid from later credits


LedgerEvent = DiamondsCredited | DiamondsSpent
Event = (
    PlayerCreated
    | DiamondsCredited
    | DiamondsSpent
    | EnergyRefilled
    | GameTimeSkipped
    | CharacterBorn
    | Birthday
    | StageEntered
    | CharacterDied
    | ActivityDone
    | LifeEventOccurred
    | QuestionPosed
    | QuestionAnswered
    | PhotoAdded
    | FamilyMemberDied
    | SchoolStarted
    | SchoolFinished
    | JobStarted
    | JobApplicationFailed
    | SalaryPaid
    | Promoted
    | JobEnded
    | CharacterRetired
    | PensionPaid
    | ContactMet
    | ConversationStarted
    | ConversationEnded
    | UtcOffsetSet
    | EnergyGranted
    | ItemGranted
    | ItemUsed
    | LoginRewardClaimed
    | QuestsRolled
    | QuestProgressed
    | QuestRewardPaid
    | AchievementUnlocked
    | StatisticsChanged
    | TutorialAdvanced
    | StorePurchaseCredited
    | StorePurchaseRevoked
)

EVENT_TYPES: tuple[type[Event], ...] = (
    PlayerCreated,
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    GameTimeSkipped,
    CharacterBorn,
    Birthday,
    StageEntered,
    CharacterDied,
    ActivityDone,
    LifeEventOccurred,
    QuestionPosed,
    QuestionAnswered,
    PhotoAdded,
    FamilyMemberDied,
    SchoolStarted,
    SchoolFinished,
    JobStarted,
    JobApplicationFailed,
    SalaryPaid,
    Promoted,
    JobEnded,
    CharacterRetired,
    PensionPaid,
    ContactMet,
    ConversationStarted,
    ConversationEnded,
    UtcOffsetSet,
    EnergyGranted,
    ItemGranted,
    ItemUsed,
    LoginRewardClaimed,
    QuestsRolled,
    QuestProgressed,
    QuestRewardPaid,
    AchievementUnlocked,
    StatisticsChanged,
    TutorialAdvanced,
    StorePurchaseCredited,
    StorePurchaseRevoked,
)
