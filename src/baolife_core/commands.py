"""Commands: immutable values, one per player intent (imperative names).

Rules of this module:

- Every command carries ``at``, the wall-clock instant (integer ms, UTC) at which it
  happens; the transport stamps it for live play, offline sync keeps the client's.
- A command's wire name is its class name in snake_case (``PurchaseEnergyRefill`` is
  ``purchase_energy_refill``), exactly as PROTOCOL.md fixes it, so a journal line,
  an offline action and a client frame are one format.
- Validators reject out-of-range values at construction, so the engine only ever
  sees well-formed commands.
- ``Command`` is the closed union of what ``step`` accepts. ``NewPlayer`` is the
  genesis record that starts every journal; it is not a ``Command``.
"""

from __future__ import annotations

from attrs import field, frozen

from . import _fields

__all__ = [
    "COMMAND_TYPES",
    "SERVER_COMMANDS",
    "AdvanceRelationship",
    "AnswerQuestion",
    "ApplyForJob",
    "BreakUp",
    "ClaimDailyReward",
    "ClaimQuestReward",
    "Command",
    "CreateCharacter",
    "CreditStorePurchase",
    "DoActivity",
    "Enroll",
    "GoOnDate",
    "Like",
    "NewPlayer",
    "Pass",
    "PurchaseEnergyRefill",
    "PurchaseTimeSkip",
    "QuitJob",
    "ReplyConversation",
    "Retire",
    "RevokeStorePurchase",
    "SetDatingPreferences",
    "SetUtcOffset",
    "SkipTutorial",
    "StartConversation",
    "TutorialStep",
    "UseItem",
]


@frozen
class NewPlayer:
    """Genesis: create a player with a seed minted outside the core."""

    at: int = field(validator=_fields.instant)
    seed: int = field()
    #: (flag, variant) pairs assigned outside the core (``experiments``), sorted.
    variants: tuple[tuple[str, str], ...] = field(default=())

    @seed.validator
    def _check_seed(self, _: object, value: int) -> None:
        if type(value) is not int or not 0 <= value < 2**63:
            raise ValueError(
                f"seed must be an integer within 0..2**63-1, got {value!r}"
            )


@frozen
class PurchaseEnergyRefill:
    """Buy an energy refill tier with diamonds."""

    at: int = field(validator=_fields.instant)
    refill_type: str = field(validator=_fields.token)
    idempotency_key: str = field(validator=_fields.key)


@frozen
class PurchaseTimeSkip:
    """Buy a time skip with diamonds: move the game clock forward."""

    at: int = field(validator=_fields.instant)
    skip_type: str = field(validator=_fields.token)
    idempotency_key: str = field(validator=_fields.key)


@frozen
class CreateCharacter:
    """Start a life: the first one, or a new one after the last has ended.

    ``name`` and ``gender`` are optional; what is not given is drawn from the
    player's stream.
    """

    at: int = field(validator=_fields.instant)
    name: str | None = field(default=None, validator=_fields.optional_name)
    gender: str | None = field(default=None, validator=_fields.optional_token)


@frozen
class DoActivity:
    """Do an intraday activity: costs energy and game time, changes stats."""

    at: int = field(validator=_fields.instant)
    activity: str = field(validator=_fields.token)


@frozen
class AnswerQuestion:
    """Answer a pending life-event question with one of its choices."""

    at: int = field(validator=_fields.instant)
    question_id: str = field(validator=_fields.key)
    choice: str = field(validator=_fields.token)


@frozen
class ApplyForJob:
    """Apply for a job: the requirements must hold; an interview check decides."""

    at: int = field(validator=_fields.instant)
    job: str = field(validator=_fields.token)


@frozen
class QuitJob:
    """Leave the current job."""

    at: int = field(validator=_fields.instant)


@frozen
class Retire:
    """Retire (from the content's minimum retirement age); a pension follows."""

    at: int = field(validator=_fields.instant)


@frozen
class Enroll:
    """Enrol in a school that takes enrolments (university, trade school …)."""

    at: int = field(validator=_fields.instant)
    school: str = field(validator=_fields.token)


@frozen
class StartConversation:
    """Start talking with a relative, friend or colleague.

    ``line`` is what the other person says when an outside writer (an LLM adapter
    of the ``TextWriter`` port) wrote it; it enters the engine as command data so
    replay stays exact. Without it the content's template grammar writes the line.
    """

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)
    line: str | None = field(default=None, validator=_fields.optional_text)


@frozen
class ReplyConversation:
    """Reply to the open conversation with one of the offered replies.

    ``line`` is the other person's answer when an outside writer wrote it.
    """

    at: int = field(validator=_fields.instant)
    conversation_id: str = field(validator=_fields.key)
    reply: str = field(validator=_fields.token)
    line: str | None = field(default=None, validator=_fields.optional_text)


@frozen
class SetUtcOffset:
    """Set the player's local time offset: daily resets follow the player's day."""

    at: int = field(validator=_fields.instant)
    minutes: int = field(validator=_fields.utc_offset)


@frozen
class ClaimDailyReward:
    """Claim today's daily login reward (the 7-day cycle)."""

    at: int = field(validator=_fields.instant)
    idempotency_key: str = field(validator=_fields.key)


@frozen
class ClaimQuestReward:
    """Claim the reward of one of today's completed daily quests."""

    at: int = field(validator=_fields.instant)
    quest: str = field(validator=_fields.token)
    idempotency_key: str = field(validator=_fields.key)


@frozen
class TutorialStep:
    """Complete the next onboarding step of the player's tutorial flow."""

    at: int = field(validator=_fields.instant)
    step: str = field(validator=_fields.token)


@frozen
class SkipTutorial:
    """Skip the rest of the tutorial (no completion reward)."""

    at: int = field(validator=_fields.instant)


@frozen
class UseItem:
    """Use one item of the inventory for its declared effects."""

    at: int = field(validator=_fields.instant)
    item: str = field(validator=_fields.token)


@frozen
class CreditStorePurchase:
    """Credit a verified App Store purchase (a ``ReceiptVerifier`` checked it).

    The verified fields enter the core as command data; the signed transaction
    itself stays with the adapter. ``transaction_id`` is the idempotency key.
    """

    at: int = field(validator=_fields.instant)
    product_id: str = field(validator=_fields.product)
    transaction_id: str = field(validator=_fields.key)
    original_transaction_id: str = field(validator=_fields.key)
    environment: str = field(validator=_fields.token)
    purchased_at: int = field(validator=_fields.instant)

    @property
    def idempotency_key(self) -> str:
        """A store transaction is credited once: its id is the key."""
        return self.transaction_id


@frozen
class RevokeStorePurchase:
    """Take back a refunded or revoked store purchase (server side only)."""

    at: int = field(validator=_fields.instant)
    transaction_id: str = field(validator=_fields.key)
    reason: str = field(validator=_fields.token)


@frozen
class SetDatingPreferences:
    """Say whom the character dates: genders, an age range, interests, dealbreakers.

    ``seeking`` empty means any gender; an age of None means the content's default
    (the character's own age give or take ``dating.toml``'s ``age_gap``);
    ``interests`` None keeps the interests drawn for the character.
    """

    at: int = field(validator=_fields.instant)
    seeking: tuple[str, ...] = field(default=(), validator=_fields.tokens)
    min_age: int | None = field(default=None, validator=_fields.optional_age)
    max_age: int | None = field(default=None, validator=_fields.optional_age)
    interests: tuple[str, ...] | None = field(
        default=None, validator=_fields.optional_tokens
    )
    dealbreakers: tuple[str, ...] = field(default=(), validator=_fields.tokens)


@frozen
class Like:
    """Like an NPC of the current suggestions; the NPC's own interest decides a match.

    ``bio`` is the profile text the player saw when an outside writer (an LLM
    adapter of the ``TextWriter`` port) wrote it; it is kept with the match and
    enters the engine as command data, so replay stays exact.
    """

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)
    bio: str | None = field(default=None, validator=_fields.optional_text)


@frozen
class Pass:
    """Pass on an NPC of the current suggestions: it is not suggested again."""

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)


@frozen
class GoOnDate:
    """Take a match or partner on a date: a venue's activity."""

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)
    venue: str = field(validator=_fields.token)
    activity: str = field(validator=_fields.token)


@frozen
class AdvanceRelationship:
    """Ask for the next stage: be partners, propose, or marry (the transition table)."""

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)


@frozen
class BreakUp:
    """End a relationship; ending a marriage is a divorce, with the assets split."""

    at: int = field(validator=_fields.instant)
    npc_id: str = field(validator=_fields.key)


Command = (
    PurchaseEnergyRefill
    | PurchaseTimeSkip
    | CreateCharacter
    | DoActivity
    | AnswerQuestion
    | ApplyForJob
    | QuitJob
    | Retire
    | Enroll
    | StartConversation
    | ReplyConversation
    | SetUtcOffset
    | ClaimDailyReward
    | ClaimQuestReward
    | TutorialStep
    | SkipTutorial
    | UseItem
    | CreditStorePurchase
    | RevokeStorePurchase
    | SetDatingPreferences
    | Like
    | Pass
    | GoOnDate
    | AdvanceRelationship
    | BreakUp
)

#: Every command class, in a fixed order (the wire registry and strategies use it).
COMMAND_TYPES: tuple[type[Command], ...] = (
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    CreateCharacter,
    DoActivity,
    AnswerQuestion,
    ApplyForJob,
    QuitJob,
    Retire,
    Enroll,
    StartConversation,
    ReplyConversation,
    SetUtcOffset,
    ClaimDailyReward,
    ClaimQuestReward,
    TutorialStep,
    SkipTutorial,
    UseItem,
    CreditStorePurchase,
    RevokeStorePurchase,
    SetDatingPreferences,
    Like,
    Pass,
    GoOnDate,
    AdvanceRelationship,
    BreakUp,
)

#: Commands only the server issues (a store notification), never a client frame.
SERVER_COMMANDS: tuple[type[Command], ...] = (RevokeStorePurchase,)
