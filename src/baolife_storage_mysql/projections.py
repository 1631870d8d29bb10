"""Projections: the relational rows each domain event writes, in a table by class.

The journal and the snapshot are the truth; these rows exist so that the ledger,
purchases, lives, the photo album, the metagame (achievements, login streak, daily
quests, statistics, inventory), dating (``dating_projections``), exports and audits
are plain SQL (DESIGN.md
"Storage", step 4). They are written in the same transaction as the journal line
that emitted the events.

Rules of this module:

- ``PROJECTIONS`` has exactly one entry per event class in ``EVENT_TYPES``; an event
  that writes no row maps to ``no_rows``. A test holds this, and ``project`` fails
  the transaction on an unmapped event, so a new event cannot be forgotten: adding
  an event means deciding here what it writes.
- A projector is a pure function from the event and where it happened (``Origin``)
  to rows; it never reads the database, so replaying a journal through the
  projectors, in order, rebuilds the tables.
- A row is an ``InsertRow``, an ``UpdateRow`` or an ``UpsertRow`` (``rows``,
  re-exported here). An update only changes a row that an earlier event of the
  same player inserted; the store fails the transaction when it matches no row,
  so the tables never silently drift from the journal. An upsert is for a row
  whose first event is not known in advance (the first grant of an item); a row
  every player has is inserted by ``PlayerCreated`` and updated after, so a
  missing row is still an error.
- Every row carries the player id (the shard key).
- A row's key is a function of the journal: an id the event carries, the life's
  number, or, for an event with no id of its own, where it sits in the journal
  (``Origin.seq`` and ``Origin.event_index``). ``QuestProgressed`` does not carry
  its quests' local day, so ``Origin.quest_day`` does (the local day of the
  player's daily quests after the record: the last ``QuestsRolled.local_day`` of
  the journal up to that line). The dating projectors (``dating_projections``)
  read ``Origin.relationship_events`` and ``Origin.romance`` the same way.
- Projectors know no content: every value comes from the event, except which
  storylets are relationship events, which the store passes in
  ``Origin.relationship_events`` (``schema`` rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import evolve

from baolife_core import (
    AchievementUnlocked,
    ActivityDone,
    Birthday,
    CharacterBorn,
    CharacterDied,
    CharacterRetired,
    ContactMet,
    ConversationEnded,
    ConversationStarted,
    DiamondsCredited,
    DiamondsSpent,
    EnergyGranted,
    EnergyRefilled,
    Event,
    FamilyMemberDied,
    GameTimeSkipped,
    ItemGranted,
    ItemUsed,
    JobApplicationFailed,
    JobEnded,
    JobStarted,
    LifeEventOccurred,
    LoginRewardClaimed,
    PensionPaid,
    PhotoAdded,
    PlayerCreated,
    Promoted,
    QuestionAnswered,
    QuestionPosed,
    QuestProgressed,
    QuestRewardPaid,
    QuestsRolled,
    SalaryPaid,
    SchoolFinished,
    SchoolStarted,
    StageEntered,
    StatisticsChanged,
    StorePurchaseCredited,
    StorePurchaseRevoked,
    TutorialAdvanced,
    UtcOffsetSet,
)
from baolife_core.events import DatingPreferencesSet

from .dating_projections import DATING_PROJECTIONS, relationship_event
from .rows import (
    InsertRow,
    Origin,
    ProjectionError,
    Projector,
    Row,
    UpdateRow,
    UpsertRow,
    no_rows,
)
from .schema import (
    STATISTIC_COLUMNS,
    characters,
    diamond_transactions,
    energy_refill_purchases,
    player_achievements,
    player_daily_quests,
    player_inventory,
    player_login_streak,
    player_photo_album,
    player_statistics,
    time_skip_purchases,
)

__all__ = [
    "PROJECTIONS",
    "InsertRow",
    "Origin",
    "ProjectionError",
    "Projector",
    "Row",
    "UpdateRow",
    "UpsertRow",
    "no_rows",
    "project",
]


def ledger_entry(
    origin: Origin, event: DiamondsCredited | DiamondsSpent
) -> Iterable[Row]:
    """One ``diamond_transactions`` row per balance change, signed."""
    yield InsertRow(
        diamond_transactions,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "seq": origin.seq,
            "delta": event.delta,
            "reason": event.reason,
            "reference": event.reference,
            "balance_after": event.balance_after,
            "at": event.at,
        },
    )


def refill_purchase(origin: Origin, event: EnergyRefilled) -> Iterable[Row]:
    """One ``energy_refill_purchases`` row per refill bought."""
    yield InsertRow(
        energy_refill_purchases,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "refill_type": event.refill_type,
            "diamonds": event.diamonds,
            "energy_before": event.energy_before,
            "energy_after": event.energy_after,
            "at": event.at,
        },
    )


def time_skip_purchase(origin: Origin, event: GameTimeSkipped) -> Iterable[Row]:
    """One ``time_skip_purchases`` row per time skip bought."""
    yield InsertRow(
        time_skip_purchases,
        {
            "player_id": origin.player_id,
            "transaction_id": event.transaction_id,
            "skip_type": event.skip_type,
            "diamonds": event.diamonds,
            "game_ms": event.game_ms,
            "day_before": event.day_before,
            "day_after": event.day_after,
            "at": event.at,
        },
    )


def _life(origin: Origin, life: int) -> dict[str, object]:
    """The primary key of one of the player's ``characters`` rows."""
    return {"player_id": origin.player_id, "life": life}


def character_born(origin: Origin, event: CharacterBorn) -> Iterable[Row]:
    """One new ``characters`` row per life, in its first stage."""
    yield InsertRow(
        characters,
        {
            **_life(origin, event.life),
            "name": event.name,
            "gender": event.gender,
            "born_day": event.day,
            "stage": event.stage,
            "died_day": None,
            "death_age": None,
            "cause": None,
            "epitaph": None,
            "born_at": event.at,
            "updated_at": event.at,
        },
    )


def stage_entered(origin: Origin, event: StageEntered) -> Iterable[Row]:
    """The life's ``characters`` row takes the new stage."""
    yield UpdateRow(
        characters,
        _life(origin, event.life),
        {"stage": event.stage, "updated_at": event.at},
    )


def character_died(origin: Origin, event: CharacterDied) -> Iterable[Row]:
    """The life's ``characters`` row records how it ended."""
    yield UpdateRow(
        characters,
        _life(origin, event.life),
        {
            "died_day": event.day,
            "death_age": event.age,
            "cause": event.cause,
            "epitaph": event.epitaph,
            "updated_at": event.at,
        },
    )


def photo_added(origin: Origin, event: PhotoAdded) -> Iterable[Row]:
    """One ``player_photo_album`` row per photo, keyed by where the journal has it."""
    yield InsertRow(
        player_photo_album,
        {
            "player_id": origin.player_id,
            "seq": origin.seq,
            "event_index": origin.event_index,
            "life": event.life,
            "day": event.day,
            "caption": event.caption,
            "taken_at": event.at,
        },
    )


def _player(origin: Origin) -> dict[str, object]:
    """The primary key of a one-row-per-player table."""
    return {"player_id": origin.player_id}


def player_created(origin: Origin, event: PlayerCreated) -> Iterable[Row]:
    """The player's one-row tables, as a new player has them.

    The ``users`` and ``players`` rows are written by ``create_player`` itself;
    the streak and the statistics start here so that every later event updates
    a row that exists (a missing one is an error, not a silent insert).
    """
    yield InsertRow(
        player_login_streak,
        {**_player(origin), "streak": 0, "last_local_day": None, "claimed_at": None},
    )
    yield InsertRow(
        player_statistics,
        {
            **_player(origin),
            **dict.fromkeys(STATISTIC_COLUMNS, 0),
            "updated_at": event.at,
        },
    )


def login_reward_claimed(origin: Origin, event: LoginRewardClaimed) -> Iterable[Row]:
    """The streak row takes the claim's streak and local day."""
    yield UpdateRow(
        player_login_streak,
        _player(origin),
        {
            "streak": event.streak,
            "last_local_day": event.local_day,
            "claimed_at": event.at,
        },
    )


def statistics_changed(origin: Origin, event: StatisticsChanged) -> Iterable[Row]:
    """The statistics row takes the changed values (the event has the values after)."""
    yield UpdateRow(
        player_statistics,
        _player(origin),
        {**dict(event.values), "updated_at": event.at},
    )


def achievement_unlocked(origin: Origin, event: AchievementUnlocked) -> Iterable[Row]:
    """One ``player_achievements`` row per achievement unlocked (once, ever)."""
    yield InsertRow(
        player_achievements,
        {
            **_player(origin),
            "achievement_id": event.achievement,
            "unlocked_at": event.at,
        },
    )


def _quest(origin: Origin, local_day: int, quest: str) -> dict[str, object]:
    """The primary key of one of the player's ``player_daily_quests`` rows."""
    return {"player_id": origin.player_id, "local_day": local_day, "quest_id": quest}


def quests_rolled(origin: Origin, event: QuestsRolled) -> Iterable[Row]:
    """One ``player_daily_quests`` row per quest of the day's set, in offer order."""
    for slot, (quest, target) in enumerate(event.quests):
        yield InsertRow(
            player_daily_quests,
            {
                **_quest(origin, event.local_day, quest),
                "slot": slot,
                "target": target,
                "progress": 0,
                "claimed_at": None,
            },
        )


def quest_progressed(origin: Origin, event: QuestProgressed) -> Iterable[Row]:
    """The quest's row of the record's quest day takes the new progress."""
    if origin.quest_day is None:
        raise ProjectionError(f"quest {event.quest!r} progressed before any roll")
    yield UpdateRow(
        player_daily_quests,
        _quest(origin, origin.quest_day, event.quest),
        {"progress": event.progress},
    )


def quest_reward_paid(origin: Origin, event: QuestRewardPaid) -> Iterable[Row]:
    """The quest's row records when its reward was claimed."""
    yield UpdateRow(
        player_daily_quests,
        _quest(origin, event.local_day, event.quest),
        {"claimed_at": event.at},
    )


def item_granted(origin: Origin, event: ItemGranted) -> Iterable[Row]:
    """The item's inventory row gains ``count`` (inserted by the first grant)."""
    yield UpsertRow(
        player_inventory,
        {
            **_player(origin),
            "item_id": event.item,
            "count": event.count,
            "updated_at": event.at,
        },
        add=frozenset({"count"}),
    )


def item_used(origin: Origin, event: ItemUsed) -> Iterable[Row]:
    """The item's inventory row takes the count remaining (0 keeps the row)."""
    yield UpdateRow(
        player_inventory,
        {**_player(origin), "item_id": event.item},
        {"count": event.remaining, "updated_at": event.at},
    )


PROJECTIONS: Mapping[type[Event], Projector] = {
    PlayerCreated: player_created,
    DiamondsCredited: ledger_entry,
    DiamondsSpent: ledger_entry,
    EnergyRefilled: refill_purchase,
    GameTimeSkipped: time_skip_purchase,
    CharacterBorn: character_born,
    StageEntered: stage_entered,
    CharacterDied: character_died,
    # Kept in the journal only; the statistics and quests it moves arrive as
    # StatisticsChanged and QuestProgressed in the same journal line.
    ActivityDone: no_rows,
    PhotoAdded: photo_added,
    # Kept in the journal and the snapshot (counted through StatisticsChanged,
    # like ActivityDone); a relationship event's also in
    # player_relationship_events.
    LifeEventOccurred: relationship_event,
    QuestionPosed: relationship_event,
    QuestionAnswered: no_rows,
    FamilyMemberDied: no_rows,
    # School, work, friends and conversations live in the snapshot (the client
    # view reads them there) and the journal; the seed names no table for them.
    # What they count reaches the tables as StatisticsChanged, QuestProgressed
    # and AchievementUnlocked.
    SchoolStarted: no_rows,
    SchoolFinished: no_rows,
    JobStarted: no_rows,
    JobApplicationFailed: no_rows,
    SalaryPaid: no_rows,
    Promoted: no_rows,
    JobEnded: no_rows,
    CharacterRetired: no_rows,
    PensionPaid: no_rows,
    ContactMet: no_rows,
    ConversationStarted: no_rows,
    ConversationEnded: no_rows,
    # Counted into player_statistics.years_lived through StatisticsChanged.
    Birthday: no_rows,
    # The metagame.
    LoginRewardClaimed: login_reward_claimed,
    QuestsRolled: quests_rolled,
    QuestProgressed: quest_progressed,
    QuestRewardPaid: quest_reward_paid,
    AchievementUnlocked: achievement_unlocked,
    StatisticsChanged: statistics_changed,
    ItemGranted: item_granted,
    ItemUsed: item_used,
    # The offset, the tutorial and energy live in the snapshot (the client view
    # reads them there) and the journal; the seed names no table for them.
    # An EnergyGranted of a reward follows the LoginRewardClaimed, QuestRewardPaid
    # or AchievementUnlocked that paid it, in the same journal line.
    UtcOffsetSet: no_rows,
    EnergyGranted: no_rows,
    TutorialAdvanced: no_rows,
    StorePurchaseCredited: no_rows,
    StorePurchaseRevoked: no_rows,
    # Dating (dating_projections). The preferences live in the snapshot.
    DatingPreferencesSet: no_rows,
    **DATING_PROJECTIONS,
}


def _projector(event: Event) -> Projector:
    projector = PROJECTIONS.get(type(event))
    if projector is None:
        raise TypeError(f"no projection for {type(event).__name__}: add one")
    return projector


def project(origin: Origin, events: Iterable[Event]) -> list[Row]:
    """The rows of ``events`` (one record's, in order), in event order.

    Each projector gets ``origin`` with ``event_index`` set to the event's
    position in ``events``. An event without a projection raises ``TypeError``,
    failing the transaction rather than silently dropping its rows.
    """
    return [
        row
        for index, event in enumerate(events)
        for row in _projector(event)(evolve(origin, event_index=index), event)
    ]
