"""Events of a life: birth, ageing, activities, storylets, family, school, work,
contacts and conversations.

See ``baolife_core.events`` for the rules every event follows.
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "ActivityDone",
    "Birthday",
    "CharacterBorn",
    "CharacterDied",
    "CharacterRetired",
    "ContactMet",
    "ConversationEnded",
    "ConversationStarted",
    "FamilyMemberDied",
    "JobApplicationFailed",
    "JobEnded",
    "JobStarted",
    "LifeEventOccurred",
    "PensionPaid",
    "PhotoAdded",
    "Promoted",
    "QuestionAnswered",
    "QuestionPosed",
    "SalaryPaid",
    "SchoolFinished",
    "SchoolStarted",
    "StageEntered",
]


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
