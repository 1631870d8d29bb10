"""Projections: the relational rows each domain event writes, in a table by class.

The journal and the snapshot are the truth; these rows exist so that the ledger,
purchases, lives, the photo album, exports and audits are plain SQL (DESIGN.md
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
- A row is an ``InsertRow`` (a new row) or an ``UpdateRow`` (columns to set on the
  one row with a primary key). An update only changes a row that an earlier event
  of the same player inserted; the store fails the transaction when it matches no
  row, so the tables never silently drift from the journal.
- Every row carries the player id (the shard key).
- A row's key is a function of the journal: an id the event carries, the life's
  number, or, for an event with no id of its own, where it sits in the journal
  (``Origin.seq`` and ``Origin.event_index``).
- Projectors know no content: every value comes from the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import frozen
from sqlalchemy import Table

from baolife_core import (
    AchievementUnlocked,
    ActivityDone,
    BaolifeError,
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

from .schema import (
    characters,
    diamond_transactions,
    energy_refill_purchases,
    player_photo_album,
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
    "no_rows",
    "project",
]


class ProjectionError(BaolifeError):
    """A projected row could not be written as the journal says (a bug, not a race)."""


@frozen
class InsertRow:
    """One row to insert."""

    table: Table
    values: Mapping[str, object]  # column values; a column left out is NULL


@frozen
class UpdateRow:
    """Columns to set on the existing row of ``table`` with primary key ``key``."""

    table: Table
    key: Mapping[str, object]  # exactly the primary key's columns and their values
    values: Mapping[str, object]  # the columns to set, none of the key's

    def __attrs_post_init__(self) -> None:
        primary_key = set(self.table.primary_key.columns.keys())
        if set(self.key) != primary_key:
            raise TypeError(
                f"{self.table.name}: key {sorted(self.key)} is not the primary key "
                f"{sorted(primary_key)}"
            )
        if not self.values or primary_key & set(self.values):
            raise TypeError(f"{self.table.name}: set some columns, none of the key's")


Row = InsertRow | UpdateRow


@frozen
class Origin:
    """Where an event was emitted: the player, the journal line, its position."""

    player_id: str  # whose events
    seq: int  # the journal seq of the record that emitted them
    # The event's position in that record's events (0 for the first); ``project``
    # sets it for each event, so it indexes ``player_journal.events``.
    event_index: int = 0


#: ``(origin, event) -> rows``; the event is the class the projector is keyed by.
Projector = Callable[[Origin, Any], Iterable[Row]]


def no_rows(origin: Origin, event: object) -> Iterable[Row]:
    """An event that is only kept in the journal."""
    return ()


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


PROJECTIONS: Mapping[type[Event], Projector] = {
    PlayerCreated: no_rows,  # the users and players rows are written by creation
    DiamondsCredited: ledger_entry,
    DiamondsSpent: ledger_entry,
    EnergyRefilled: refill_purchase,
    GameTimeSkipped: time_skip_purchase,
    CharacterBorn: character_born,
    StageEntered: stage_entered,
    CharacterDied: character_died,
    # Kept in the journal only; lifetime statistics (a later table) will count it.
    ActivityDone: no_rows,
    PhotoAdded: photo_added,
    # Kept in the journal and the snapshot only, for now; lifetime statistics
    # are later work.
    LifeEventOccurred: no_rows,
    QuestionPosed: no_rows,
    QuestionAnswered: no_rows,
    FamilyMemberDied: no_rows,
    # School, work, friends and conversations live in the snapshot (the client
    # view reads them there) and the journal; the seed names no table for them.
    # Achievements, quests and statistics (later work) will count these events.
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
    Birthday: no_rows,
    # The metagame's tables (player_achievements, player_login_streak,
    # player_daily_quests, player_statistics, player_inventory) are being built:
    # until they land, these events live in the journal and the snapshot.
    UtcOffsetSet: no_rows,
    EnergyGranted: no_rows,
    ItemGranted: no_rows,
    ItemUsed: no_rows,
    LoginRewardClaimed: no_rows,
    QuestsRolled: no_rows,
    QuestProgressed: no_rows,
    QuestRewardPaid: no_rows,
    AchievementUnlocked: no_rows,
    StatisticsChanged: no_rows,
    TutorialAdvanced: no_rows,
    StorePurchaseCredited: no_rows,
    StorePurchaseRevoked: no_rows,
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
    player_id, seq = origin.player_id, origin.seq
    return [
        row
        for index, event in enumerate(events)
        for row in _projector(event)(Origin(player_id, seq, index), event)
    ]
