"""Events: immutable domain facts the engine emits (past-tense names).

They drive the storage projections, analytics and pushes. The ledger *is* the
stream of ``DiamondsCredited`` / ``DiamondsSpent`` events: every change of the
balance is exactly one of them, carrying the balance after it.
"""

from __future__ import annotations

from .dating import (
    AffectionChanged,
    DateWent,
    DatingPreferencesSet,
    MatchMade,
    NpcLiked,
    NpcPassed,
    RelationshipAdvanceDeclined,
    RelationshipChanged,
)
from .economy import (
    DiamondsCredited,
    DiamondsSpent,
    EnergyRefilled,
    GameTimeSkipped,
    LedgerEvent,
    PlayerCreated,
    StorePurchaseCredited,
    StorePurchaseRevoked,
)
from .life import (
    ActivityDone,
    Birthday,
    CharacterBorn,
    CharacterDied,
    CharacterRetired,
    ContactMet,
    ConversationEnded,
    ConversationStarted,
    FamilyMemberDied,
    JobApplicationFailed,
    JobEnded,
    JobStarted,
    LifeEventOccurred,
    PensionPaid,
    PhotoAdded,
    Promoted,
    QuestionAnswered,
    QuestionPosed,
    SalaryPaid,
    SchoolFinished,
    SchoolStarted,
    StageEntered,
)
from .retention import (
    AchievementUnlocked,
    EnergyGranted,
    ItemGranted,
    ItemUsed,
    LoginRewardClaimed,
    QuestProgressed,
    QuestRewardPaid,
    QuestsRolled,
    StatisticsChanged,
    TutorialAdvanced,
    UtcOffsetSet,
)

__all__ = [
    "EVENT_TYPES",
    "AchievementUnlocked",
    "ActivityDone",
    "AffectionChanged",
    "Birthday",
    "CharacterBorn",
    "CharacterDied",
    "CharacterRetired",
    "ContactMet",
    "ConversationEnded",
    "ConversationStarted",
    "DateWent",
    "DatingPreferencesSet",
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
    "MatchMade",
    "NpcLiked",
    "NpcPassed",
    "PensionPaid",
    "PhotoAdded",
    "PlayerCreated",
    "Promoted",
    "QuestProgressed",
    "QuestRewardPaid",
    "QuestionAnswered",
    "QuestionPosed",
    "QuestsRolled",
    "RelationshipAdvanceDeclined",
    "RelationshipChanged",
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
    | DatingPreferencesSet
    | NpcLiked
    | NpcPassed
    | MatchMade
    | DateWent
    | RelationshipChanged
    | RelationshipAdvanceDeclined
    | AffectionChanged
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
    DatingPreferencesSet,
    NpcLiked,
    NpcPassed,
    MatchMade,
    DateWent,
    RelationshipChanged,
    RelationshipAdvanceDeclined,
    AffectionChanged,
)
