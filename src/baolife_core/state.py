"""The immutable snapshot of one player.

Rules of this module:

- Every class is frozen and slotted; state changes only through ``attrs.evolve`` in
  the engine's handlers, which return a new snapshot (DESIGN.md "a pure function
  over state").
- Every quantity is an integer: diamonds, energy, instants in milliseconds
  (DESIGN.md rule 2). No floats anywhere in state.
- Nothing here is derived that could be computed: current energy is a function of
  ``Energy`` and the instant it is read at (``economy.energy``).
"""

from __future__ import annotations

from attrs import frozen

__all__ = [
    "Career",
    "Character",
    "Contact",
    "Conversation",
    "Dating",
    "Death",
    "Energy",
    "Job",
    "LifeClock",
    "LoginStreak",
    "Npc",
    "PendingQuestion",
    "Personality",
    "Photo",
    "PlayerState",
    "QuestSlot",
    "Quests",
    "Relative",
    "Retention",
    "Romance",
    "Schooling",
    "Statistics",
    "Stats",
    "StoryState",
    "Tutorial",
    "Wallet",
]


@frozen
class Wallet:
    """The diamond balance and the running totals of its ledger."""

    diamonds: int  # current balance; never negative
    earned: int  # sum of every credit ever ledgered
    spent: int  # sum of every debit ever ledgered
    entries: int  # number of ledger entries written so far
    debt: int = 0  # diamonds owed after a refund the balance could not cover


@frozen
class Energy:
    """Energy stored as a count plus the instant regeneration counts from."""

    amount: int  # energy at ``anchor_at``; may exceed the max after an overfill
    anchor_at: int  # ms instant from which whole regeneration intervals are counted


@frozen
class LifeClock:
    """Where the player's game time stands."""

    started_at: int  # ms instant the player was created; game time counts from here
    now_at: int  # ms instant the state has been advanced to; never goes back
    skipped_ms: int  # game ms added by purchased time skips
    day: int  # index of the current game day (0 on the first day)


@frozen
class Stats:
    """A character's stats, each an integer within 0..100."""

    health: int  # physical health; low health raises the hazard of death
    happiness: int  # mood
    smarts: int  # intelligence and learning
    looks: int  # appearance
    fitness: int  # physical condition
    karma: int  # hidden: the moral balance of choices
    discipline: int  # hidden: self-control


@frozen
class Personality:
    """The Big Five personality traits, each within 0..100."""

    openness: int  # curiosity, imagination
    conscientiousness: int  # organisation, dependability
    extraversion: int  # sociability
    agreeableness: int  # warmth, cooperation
    neuroticism: int  # emotional instability


@frozen
class Relative:
    """A person in the character's family."""

    id: str  # uuid5 minted from the seed
    role: str  # ``mother``, ``father``, ``sibling``
    name: str  # full name
    gender: str  # one of the content's genders
    born_day: int  # game day index of birth (negative: before the player existed)
    closeness: int  # 0..100
    alive: bool  # False once dead


@frozen
class Death:
    """How a life ended."""

    day: int  # game day index of death
    age: int  # age in game years
    cause: str  # a cause id from content
    epitaph: str  # one line for the gravestone


@frozen
class PendingQuestion:
    """A storylet's question waiting for the player's answer."""

    id: str  # uuid5 of (seed, life, day): the wire id of the question
    event_id: str  # the storylet asked
    asked_day: int  # game day it was asked
    expires_day: int  # on this game day it resolves with the default choice


@frozen
class StoryState:
    """What the storylets remember about one life (a new life starts empty)."""

    flags: tuple[str, ...] = ()  # story flags set, sorted
    seen_once: tuple[str, ...] = ()  # once-per-life storylets that happened, sorted
    last_seen: tuple[tuple[str, int], ...] = ()  # (cooldown storylet, day), sorted
    scheduled: tuple[tuple[int, str], ...] = ()  # (day, storylet) follow-ups, sorted
    pending: tuple[PendingQuestion, ...] = ()  # questions waiting, oldest first


@frozen
class Schooling:
    """The school a character attends."""

    school: str  # school id of ``careers.toml``
    since_day: int  # game day it started; it ends ``years`` game years later
    grades: int  # 0..100; at the end, at least the pass grade earns the degree


@frozen
class Job:
    """The job a character holds."""

    id: str  # job id of ``careers.toml``
    since_day: int  # game day of hiring (or promotion); paydays count from here
    performance: int  # 0..100; reviewed every game month
    months: int  # paydays in this role so far


@frozen
class Career:
    """Education and work over one life (a new life starts with ``Career()``)."""

    schooling: Schooling | None = None  # the school attended now, or None
    degrees: tuple[str, ...] = ()  # schools finished with a degree, in order
    job: Job | None = None  # the job held now, or None
    last_job: str | None = None  # the last job held (the pension is a share of it)
    retired: bool = False  # True once retired; no more jobs this life
    pension_cents: int = 0  # paid every game month while retired


@frozen
class Contact:
    """A person the character knows outside the family: a friend or a colleague."""

    id: str  # uuid5 minted from the seed and ``seq``
    role: str  # ``friend`` or ``colleague``
    name: str  # full name
    gender: str  # one of the content's genders
    met_day: int  # game day they met
    closeness: int  # 0..100


@frozen
class Conversation:
    """A conversation waiting for the character's reply."""

    id: str  # uuid5 of (seed, seq): the wire id
    npc_id: str  # the relative or contact talked to
    day: int  # game day it started
    replies: tuple[str, ...]  # the reply ids offered


@frozen
class Npc:
    """A person the character may date, generated from the player's streams.

    Every field is a pure function of the player's seed and the key the NPC was
    drawn under (``dating.npcs``), except ``bio`` when an outside writer wrote it.
    """

    id: str  # uuid5 of (seed, life, pool, n)
    name: str  # full name
    gender: str  # one of the content's genders
    seeking: tuple[str, ...]  # genders the NPC dates (its orientation), sorted
    born_day: int  # game day index of birth; age counts from here
    looks: int  # 0..100
    personality: Personality  # Big Five traits
    interests: tuple[str, ...]  # interest ids of ``dating.toml``, sorted
    traits: tuple[str, ...]  # lifestyle trait ids the NPC has, sorted
    dealbreakers: tuple[str, ...]  # dealbreaker ids the NPC holds, sorted
    bio: str  # the profile text


@frozen
class Romance:
    """The character's relationship with one NPC, from the match on."""

    npc: Npc  # who
    stage: str  # ``matched``, ``dating``, ``partner``, ``engaged``, ``married``
    since_day: int  # game day it entered ``stage``
    affection: int  # the character's affection for the NPC, 0..100
    npc_affection: int  # the NPC's affection for the character, 0..100
    compatibility: int  # 0..100, fixed at the match
    dates: int  # dates gone on together


@frozen
class Dating:
    """A character's dating life (a new life starts with ``Dating()``)."""

    seeking: tuple[str, ...] = ()  # genders the character dates, sorted; (): any
    min_age: int | None = None  # youngest NPC age wanted; None: the content's default
    max_age: int | None = None  # oldest NPC age wanted; None: the content's default
    interests: tuple[str, ...] | None = None  # chosen interests; None: drawn ones
    dealbreakers: tuple[str, ...] = ()  # dealbreaker ids the character holds, sorted
    pool: int = -1  # index of the NPC pool ``seen`` belongs to
    seen: tuple[str, ...] = ()  # NPC ids liked or passed in that pool, sorted
    romances: tuple[Romance, ...] = ()  # matched and beyond, oldest first


@frozen
class Character:
    """The life being lived (or the last one, once it has ended)."""

    life: int  # 1 for the player's first life, +1 for each new life
    name: str  # full name
    gender: str  # one of the content's genders
    born_day: int  # game day index of birth; age counts from here
    stage: str  # the current life stage id
    stats: Stats  # stats
    personality: Personality  # Big Five traits
    money_cents: int  # cash in integer cents; never negative
    family: tuple[Relative, ...]  # parents and siblings, in birth order of creation
    location: str  # where the character is: the location of the last activity
    busy_until: int  # game ms until which the last activity lasts
    activity_day: int  # the game day ``activity_counts`` counts
    activity_counts: tuple[tuple[str, int], ...]  # (activity id, times), sorted
    story: StoryState  # what the storylets remember of this life
    death: Death | None  # None while alive
    career: Career = Career()  # school, degrees, job, retirement
    contacts: tuple[Contact, ...] = ()  # friends and colleagues, oldest first
    conversation: Conversation | None = None  # the open conversation, if any
    dating: Dating = Dating()  # preferences, the NPCs seen, relationships


@frozen
class Photo:
    """A milestone photo in the player's album (kept across lives)."""

    life: int  # the life it was taken in
    day: int  # game day index
    caption: str  # rendered caption


@frozen
class Statistics:
    """The 16 lifetime statistics, kept from events across every life."""

    lives_lived: int = 0  # characters born
    years_lived: int = 0  # birthdays passed, every life together
    activities_done: int = 0  # accepted ``do_activity`` commands
    energy_spent: int = 0  # energy spent on activities, job applications, talks
    events_seen: int = 0  # life events and questions that happened
    questions_answered: int = 0  # questions the player answered (not expired)
    photos_taken: int = 0  # photos added to the album
    friends_made: int = 0  # friends and colleagues met
    conversations_held: int = 0  # conversations replied to
    jobs_held: int = 0  # jobs started (hired or promoted into)
    promotions: int = 0  # promotions
    degrees_earned: int = 0  # schools finished with a degree
    dates_gone_on: int = 0  # dates (the dating feature counts them)
    diamonds_earned: int = 0  # diamonds credited
    diamonds_spent: int = 0  # diamonds debited
    login_days: int = 0  # daily login rewards claimed


@frozen
class LoginStreak:
    """The daily login reward streak, by the player's local calendar day."""

    streak: int = 0  # consecutive local days claimed, ending at ``last_day``
    last_day: int | None = None  # local day index of the last claim, or None


@frozen
class QuestSlot:
    """One of today's daily quests."""

    quest: str  # quest template id
    target: int  # progress needed
    progress: int  # progress so far (at most ``target``)
    claimed: bool  # True once its reward was claimed


@frozen
class Quests:
    """Today's daily quests (rolled on the first command of a local day)."""

    day: int | None = None  # the local day index they belong to
    slots: tuple[QuestSlot, ...] = ()  # in offer order


@frozen
class Tutorial:
    """Progress through the onboarding steps."""

    flow: str = ""  # the flow (the ``tutorial_flow`` variant); "" until assigned
    done: tuple[str, ...] = ()  # steps completed, in order
    finished: bool = False  # the last step was completed (reward paid)
    skipped: bool = False  # the player skipped the tutorial (no reward)


@frozen
class Retention:
    """Account-level progress, kept across lives."""

    utc_offset_minutes: int = 0  # the player's local time offset (-720..840)
    offset_changed_at: int | None = None  # ms instant of the last offset change
    login: LoginStreak = LoginStreak()  # daily login reward streak
    quests: Quests = Quests()  # today's daily quests
    achievements: tuple[str, ...] = ()  # unlocked achievement ids, sorted
    statistics: Statistics = Statistics()  # lifetime statistics
    tutorial: Tutorial = Tutorial()  # onboarding
    inventory: tuple[tuple[str, int], ...] = ()  # (item id, count > 0), sorted


@frozen
class PlayerState:
    """Everything the engine knows about one player."""

    seed: int  # the player's PRNG seed, minted outside the core at creation
    seq: int  # number of commands applied (0 right after creation)
    clock: LifeClock  # the life clock
    wallet: Wallet  # premium currency
    energy: Energy  # the energy meter
    character: Character | None  # the current (or last) life; None before the first
    album: tuple[Photo, ...]  # milestone photos of every life, oldest first
    retention: Retention = Retention()  # streak, quests, achievements, stats …
    store_transactions: tuple[tuple[str, int], ...] = ()  # (store id, diamonds), sorted
    store_refunds: tuple[str, ...] = ()  # App Store ids taken back, sorted

    @property
    def living(self) -> Character | None:
        """The character while it is alive; None before the first life or after a
        death (every command that needs a life asks this)."""
        character = self.character
        return character if character is not None and character.death is None else None
