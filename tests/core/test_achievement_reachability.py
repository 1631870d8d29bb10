"""Every bundled achievement is reachable: a path of real play unlocks each one.

Issue 4 asks that "every achievement is reachable (a seeded bot or a constructed
path unlocks each one)". Each achievement here has a path, played through the
engine's public commands (``step``) and the passing of game time (``tick``) on the
bundled content; its test asserts that the path's last step emits
``AchievementUnlocked`` for it and that the id is then in
``retention.achievements``. The paths are of two kinds:

- **A storied life** (``storied_run``): an attentive player of one seed who lets
  game time pass two game days at a time (``LOOK_DAYS``), answers every question
  as soon as it is asked (the ``CHOICES`` that chase the storylet achievements,
  else the default choice) and, after each death, begins a new life, for up to
  ``LIVES`` lives. It unlocks the life stages, the storylet achievements and, over
  several lives, the lifetime counts (a second life, 100 years, 500 events, 50
  photos, 8 degrees, 50 people met), with no counter raised by hand. The run is
  played once per seed and cached.
- **A constructed path** (``CONSTRUCTED``): a player reaches a state by play (a new
  player, a character aged by game time alone, a job applied for …), then plays
  the command, or lets pass the game time, that unlocks the achievement. Where the
  grind before it would be long, only a counter that play accumulates is raised
  with ``attrs.evolve`` first (a lifetime statistic to its threshold - 1, a job's
  performance and months for a promotion, the smarts a senior tech job needs,
  the savings a ring and a wedding cost);
  the unlocking event itself is always the game's own.

Chance decides some paths (a stat check, a storylet drawn, a death), so every path
is tried on the seeds of ``SEEDS`` in order and the first that gets as far as the
unlocking step is used; a path with no such seed fails its test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import pytest
from attrs import evolve, frozen

from baolife_core import (
    AchievementUnlocked,
    AdvanceRelationship,
    AnswerQuestion,
    ApplyForJob,
    ClaimDailyReward,
    ClaimQuestReward,
    Command,
    ContactMet,
    CreateCharacter,
    CreditStorePurchase,
    DoActivity,
    Event,
    GoOnDate,
    JobStarted,
    Like,
    Outcome,
    PlayerState,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    QuitJob,
    Rejection,
    RelationshipChanged,
    ReplyConversation,
    Retire,
    StartConversation,
    Statistics,
    TutorialStep,
    UseItem,
    load_catalog,
    new_player,
    step,
    tick,
)
from baolife_core.clock import MS_PER_DAY
from baolife_core.dating.matching import match_list
from baolife_core.dating.stages import current_romance
from baolife_core.life.calendar import age_on
from baolife_core.life.careers import job_problem
from baolife_core.retention.achievement_rules import EventFilter, StatThreshold
from baolife_core.testing import START_AT

CATALOG = load_catalog()
#: Every player is created at 2027-01-01T00:00:00Z.
T0 = START_AT
#: Wall milliseconds of one game day at the bundled time scale.
WALL_DAY = MS_PER_DAY // CATALOG.clock.time_scale
#: Game days in a game year.
YEAR = CATALOG.life.days_per_year
#: The seeds a path is tried on, in order.
SEEDS = range(1, 11)
#: The most lives a storied run plays, and the age at which it stops waiting for
#: a death (a bound, as the reference bot's ``Limits.max_age``).
LIVES = 6
MAX_AGE = 150
#: Game days the storied player lets pass between looks at its questions: fewer
#: than a question waits before it takes its default choice.
LOOK_DAYS = max(1, min(2, CATALOG.storylets.settings.expire_days - 1))
#: What the storied player answers to chase an achievement (storylet: choice).
CHOICES = {
    "first_crush": "confess",  # first_love
    "stray_cat": "adopt",  # pet_parent
    "memoirs": "write",  # published_author
}
#: Job applications a path makes before it gives up on a seed (10 energy each).
APPLICATIONS = 8
#: Game days a player socializes, once a day, before it gives up on a seed.
SOCIAL_DAYS = 40
#: Local days a player logs in looking for a login quest before it gives up.
QUEST_DAYS = 14


@frozen
class Unlock:
    """The step of a path that should unlock an achievement: what it was, and its
    outcome (the state after it and the events it emitted)."""

    how: str  # the command played or the game time passed
    state: PlayerState  # the state after it
    events: tuple[Event, ...]  # its events


#: A path: for a seed, the unlocking step, or None if chance stopped it short.
Path = Callable[[int], Unlock | None]


# -- playing ------------------------------------------------------------------------


def at_day(day: int) -> int:
    """The wall instant at which game ``day`` (counted from ``T0``) begins."""
    return T0 + day * WALL_DAY


def now(state: PlayerState) -> int:
    """The instant the state's clock is at: a command there lives no game time."""
    return state.clock.now_at


def attempt(state: PlayerState, command: Command) -> Outcome:
    """``step`` with the bundled content (the outcome may be a rejection)."""
    return step(state, command, CATALOG)


def play(state: PlayerState, command: Command) -> Outcome:
    """``step`` a command that the game must accept."""
    outcome = attempt(state, command)
    assert not isinstance(outcome.reply, Rejection), (command, outcome.reply)
    return outcome


def played(how: str, state: PlayerState, command: Command) -> Unlock:
    """The unlocking step ``command``, played on ``state``."""
    outcome = play(state, command)
    return Unlock(how, outcome.state, outcome.events)


def lived(how: str, state: PlayerState, day: int) -> Unlock:
    """The unlocking step of letting game time pass until game ``day`` begins."""
    after, events = tick(state, at_day(day), CATALOG)
    return Unlock(how, after, events)


def alive(state: PlayerState) -> bool:
    """True while the state has a living character."""
    return state.character is not None and state.character.death is None


def unlocks(events: Iterable[Event]) -> list[str]:
    """The achievements ``events`` unlock, in order."""
    return [e.achievement for e in events if isinstance(e, AchievementUnlocked)]


def predicate(achievement: str) -> StatThreshold | EventFilter:
    """The bundled achievement's predicate."""
    found = CATALOG.achievements.achievement(achievement)
    assert found is not None, achievement
    return found.predicate


def threshold(achievement: str) -> int:
    """The ``at_least`` of a statistic achievement."""
    stat = predicate(achievement)
    assert isinstance(stat, StatThreshold), achievement
    return stat.at_least


def where(achievement: str) -> dict[str, object]:
    """The ``where`` of an event achievement."""
    event = predicate(achievement)
    assert isinstance(event, EventFilter), achievement
    return dict(event.where)


def with_statistic(state: PlayerState, name: str, value: int) -> PlayerState:
    """``state`` with the lifetime statistic ``name`` raised to ``value`` (a count
    that play accumulates, over a grind the test does not replay)."""
    statistics: Statistics = state.retention.statistics
    assert getattr(statistics, name) <= value, (name, value)
    changed = evolve(statistics, **{name: value})
    return evolve(state, retention=evolve(state.retention, statistics=changed))


@functools.cache
def fresh(seed: int) -> PlayerState:
    """A new player, without a character yet."""
    return new_player(seed=seed, at=T0, catalog=CATALOG)


@functools.cache
def born(seed: int) -> PlayerState:
    """A player whose first character was just born (game day 0)."""
    return play(fresh(seed), CreateCharacter(at=T0)).state


@functools.cache
def aged(seed: int, years: int) -> PlayerState | None:
    """The player of ``born`` once its character is ``years`` old, by game time
    alone (questions take their default); None if it did not live that long."""
    state, _ = tick(born(seed), at_day(years * YEAR), CATALOG)
    return state if alive(state) else None


# -- the storied life ---------------------------------------------------------------

#: What the storied run unlocks, each by the first step of the run that does.
STORIED = (
    "teenage_years",
    "coming_of_age",
    "grown_up",
    "golden_years",
    "ninety_candles",
    "full_life",
    "second_chance",
    "century",
    "cap_and_gown",
    "social_butterfly",
    "the_popular_one",
    "first_love",
    "pet_parent",
    "say_cheese",
    "photo_album",
    "memory_lane",
    "storyteller",
    "saga",
    "scholar",
    "lifelong_learner",
    "published_author",
    "deep_thought",
)


def _answer(state: PlayerState, life: int, unlocked: dict[str, Unlock]) -> PlayerState:
    """Answer every pending question, as ``CHOICES`` says or with its default."""
    assert state.character is not None
    for question in state.character.story.pending:
        if not alive(state):  # an answer may end the life
            break
        storylet = CATALOG.storylets.storylet(question.event_id)
        assert storylet is not None
        assert storylet.default_choice is not None
        choice = CHOICES.get(question.event_id, storylet.default_choice.id)
        command = AnswerQuestion(at=now(state), question_id=question.id, choice=choice)
        unlock = played(
            f"life {life}: answer_question {question.event_id}/{choice}",
            state,
            command,
        )
        _note(unlock, unlocked)
        state = unlock.state
    return state


def _note(unlock: Unlock, unlocked: dict[str, Unlock]) -> None:
    for achievement in unlocks(unlock.events):
        unlocked.setdefault(achievement, unlock)


@functools.cache
def storied_run(seed: int) -> dict[str, Unlock]:
    """The storied player of ``seed`` (module docstring): each achievement its
    lives unlocked, with the step that unlocked it."""
    unlocked: dict[str, Unlock] = {}
    state = fresh(seed)
    day = 0
    for life in range(1, LIVES + 1):
        unlock = played(
            f"life {life}: create_character", state, CreateCharacter(at=at_day(day))
        )
        _note(unlock, unlocked)
        state = unlock.state
        last_day = day + MAX_AGE * YEAR
        while alive(state) and day < last_day:
            day += LOOK_DAYS
            unlock = lived(f"life {life}: game time to day {day}", state, day)
            _note(unlock, unlocked)
            state = unlock.state
            if alive(state):
                state = _answer(state, life, unlocked)
        if alive(state) or set(STORIED) <= set(unlocked):
            break  # a life past MAX_AGE, or nothing left to find
    return unlocked


def storied(achievement: str) -> Path:
    """The path of an achievement the storied run unlocks."""

    def path(seed: int) -> Unlock | None:
        return storied_run(seed).get(achievement)

    return path


# -- constructed paths --------------------------------------------------------------


def first_breath(seed: int) -> Unlock:
    """A new player begins its first life."""
    return played("create_character", fresh(seed), CreateCharacter(at=T0))


def hired(state: PlayerState, job: str) -> Outcome | None:
    """Apply for ``job`` until an interview hires the character (the outcome of
    that application), or None after ``APPLICATIONS`` failed interviews."""
    for _ in range(APPLICATIONS):
        outcome = play(state, ApplyForJob(at=now(state), job=job))
        if any(isinstance(e, JobStarted) for e in outcome.events):
            return outcome
        state = outcome.state
    return None


def first_job(seed: int) -> Unlock | None:
    """At 16, apply for a retail job until hired (colleagues are met too)."""
    state = aged(seed, 16)
    outcome = None if state is None else hired(state, "retail_clerk")
    if outcome is None:
        return None
    return Unlock("apply_for_job retail_clerk", outcome.state, outcome.events)


def first_paycheck(seed: int) -> Unlock | None:
    """Hired at 16, the character works until the first payday, a game month on."""
    hire = first_job(seed)
    if hire is None:
        return None
    day = hire.state.clock.day + CATALOG.careers.settings.month_days
    return lived("a game month at work, to payday", hire.state, day)


def promotion(
    seed: int,
    *,
    age: int,
    job: str,
    smarts: int = 0,
    promotions: int | None = None,
) -> Unlock | None:
    """At ``age``, leave any job and get hired as ``job``; then, as months of
    shifts would, raise the job's performance to the promotion bar and its months
    to one short of the review's minimum, and work to the next payday, whose
    review promotes.

    ``smarts`` raises the character's smarts to at least that (the senior tech
    jobs ask for it; studying gets there); ``promotions`` sets the lifetime
    promotions before the payday (earlier lives' promotions)."""
    state = aged(seed, age)
    if state is None:
        return None
    settings = CATALOG.careers.settings
    character = state.character
    assert character is not None
    if character.career.job is not None:
        state = play(state, QuitJob(at=now(state))).state
        character = state.character
        assert character is not None
    if character.stats.smarts < smarts:
        stats = evolve(character.stats, smarts=smarts)
        state = evolve(state, character=evolve(character, stats=stats))
        character = state.character
        assert character is not None
    spec = CATALOG.careers.job(job)
    assert spec is not None
    years = age_on(character, state.clock.day, CATALOG.life)
    if job_problem(character, spec, years, settings) is not None:
        return None  # e.g. no university degree on this seed
    outcome = hired(state, job)
    if outcome is None:
        return None
    state = outcome.state
    character = state.character
    assert character is not None
    assert character.career.job is not None
    held = evolve(
        character.career.job,
        performance=settings.promote_at + settings.performance_decay,
        months=settings.promote_after_months - 1,
    )
    career = evolve(character.career, job=held)
    state = evolve(state, character=evolve(character, career=career))
    if promotions is not None:
        state = with_statistic(state, "promotions", promotions)
    payday = held.since_day + settings.month_days
    return lived(f"work as {job} to the payday review", state, payday)


def moving_up(seed: int) -> Unlock | None:
    """A retail clerk of 18 is promoted to shift supervisor at a payday review."""
    return promotion(seed, age=18, job="retail_clerk")


def career_ladder(seed: int) -> Unlock | None:
    """The promotion of ``moving_up``, with earlier lives' promotions one short."""
    before = threshold("career_ladder") - 1
    return promotion(seed, age=18, job="retail_clerk", promotions=before)


def tech_lead(seed: int) -> Unlock | None:
    """A university graduate of 28 hired as a software engineer is promoted to
    engineering lead (whose smarts requirement the character meets)."""
    lead = CATALOG.careers.job(str(where("tech_lead")["to_job"]))
    assert lead is not None
    return promotion(seed, age=28, job="software_engineer", smarts=lead.min_smarts)


def gold_watch(seed: int) -> Unlock | None:
    """At the minimum retirement age the character retires."""
    state = aged(seed, CATALOG.careers.settings.retirement_min_age)
    if state is None or state.character is None or state.character.career.retired:
        return None
    return played("retire", state, Retire(at=now(state)))


def big_spender(seed: int) -> Unlock | None:
    """A new character's player spends its diamonds on week-long time skips; the
    purchase that brings the diamonds spent to the threshold."""
    state = born(seed)
    skip = max(CATALOG.time_skips, key=lambda s: s.diamonds)
    unlock = None
    while state.retention.statistics.diamonds_spent < threshold("big_spender"):
        if state.wallet.diamonds < skip.diamonds:
            return None
        key = f"skip-{state.seq + 1}"
        command = PurchaseTimeSkip(
            at=now(state), skip_type=skip.id, idempotency_key=key
        )
        unlock = played(f"purchase_time_skip {skip.id} ({key})", state, command)
        state = unlock.state
    return unlock


def treasure_trove(seed: int) -> Unlock | None:
    """A new player buys the biggest diamond pack in the App Store until the
    diamonds earned reach the threshold; that purchase."""
    state = fresh(seed)
    product = max(CATALOG.store.products, key=lambda p: p.diamonds)
    unlock = None
    while state.retention.statistics.diamonds_earned < threshold("treasure_trove"):
        transaction = f"{2_000_000_000 + state.seq + 1}"
        command = CreditStorePurchase(
            at=T0,
            product_id=product.id,
            transaction_id=transaction,
            original_transaction_id=transaction,
            environment="sandbox",
            purchased_at=T0 - 1000,
        )
        unlock = played(f"credit_store_purchase {product.id}", state, command)
        state = unlock.state
    return unlock


def new_friend(seed: int) -> Unlock | None:
    """At 20, the character goes to meet friends at the café once a game day until
    it makes one (each time a chance of ``meet_percent``)."""
    state = aged(seed, 20)
    if state is None:
        return None
    start = state.clock.day
    for day in range(start, start + SOCIAL_DAYS):
        state, _ = tick(state, at_day(day), CATALOG)
        if not alive(state):
            return None
        outcome = attempt(state, DoActivity(at=now(state), activity="socialize"))
        if isinstance(outcome.reply, Rejection):
            return None  # e.g. no money for the café on this seed
        if any(
            isinstance(e, ContactMet) and e.role == "friend" for e in outcome.events
        ):
            return Unlock(f"socialize on game day {day}", outcome.state, outcome.events)
        state = outcome.state
    return None


def conversation(seed: int, held: int | None = None) -> Unlock | None:
    """At 3, the character talks with its first relative and replies.

    ``held`` sets the lifetime conversations held before (a grind of talks)."""
    state = aged(seed, CATALOG.conversations.min_age)
    if state is None or state.character is None:
        return None
    relative = next(r for r in state.character.family if r.alive)
    if held is not None:
        state = with_statistic(state, "conversations_held", held)
    state = play(state, StartConversation(at=now(state), npc_id=relative.id)).state
    talk = state.character.conversation if state.character is not None else None
    assert talk is not None
    command = ReplyConversation(
        at=now(state), conversation_id=talk.id, reply=talk.replies[0]
    )
    return played(f"reply_conversation with the {relative.role}", state, command)


def good_talk(seed: int) -> Unlock | None:
    """A first conversation ends."""
    return conversation(seed)


def heart_to_heart(seed: int) -> Unlock | None:
    """A conversation ends with the lifetime count one short of the threshold."""
    return conversation(seed, held=threshold("heart_to_heart") - 1)


def power_up(seed: int) -> Unlock:
    """A new player plays the tutorial (its reward holds energy drinks) and drinks
    one."""
    state = fresh(seed)
    flow = state.retention.tutorial.flow or CATALOG.tutorial.default_flow
    doing: dict[str, Command] = {
        "create_character": CreateCharacter(at=T0),
        "first_activity": DoActivity(at=T0, activity="rest"),
        "buy_refill": PurchaseEnergyRefill(
            at=T0, refill_type="small", idempotency_key="refill-1"
        ),
    }
    for name in CATALOG.tutorial.steps(flow):
        if name in doing:
            state = play(state, doing[name]).state
        state = play(state, TutorialStep(at=T0, step=name)).state
    item = dict(state.retention.inventory)
    assert item.get("energy_drink", 0) > 0, state.retention.inventory
    return played("use_item energy_drink", state, UseItem(at=T0, item="energy_drink"))


def logins(seed: int, days: int) -> Unlock:
    """A new player claims the daily reward on ``days`` successive local days; the
    last claim."""
    state = fresh(seed)
    for day in range(days - 1):
        command = ClaimDailyReward(at=T0 + day * MS_PER_DAY, idempotency_key=f"d{day}")
        state = play(state, command).state
    last = days - 1
    command = ClaimDailyReward(at=T0 + last * MS_PER_DAY, idempotency_key=f"d{last}")
    return played(f"claim_daily_reward on local day {days}", state, command)


def welcome(seed: int) -> Unlock:
    """The first daily reward is claimed."""
    return logins(seed, threshold("welcome"))


def full_week(seed: int) -> Unlock:
    """Daily rewards are claimed 7 local days in a row."""
    streak = where("full_week")["streak"]
    assert isinstance(streak, int)
    return logins(seed, streak)


def regular(seed: int) -> Unlock:
    """Daily rewards are claimed on 30 local days."""
    return logins(seed, threshold("regular"))


def quest_complete(seed: int) -> Unlock | None:
    """A new player claims the daily reward on successive local days until a day's
    quests ask for it; then it claims that quest's reward."""
    state = fresh(seed)
    for day in range(QUEST_DAYS):
        at = T0 + day * MS_PER_DAY
        state = play(state, ClaimDailyReward(at=at, idempotency_key=f"d{day}")).state
        slot = next(
            (s for s in state.retention.quests.slots if s.quest == "log_in"), None
        )
        if slot is not None and slot.progress >= slot.target:
            command = ClaimQuestReward(at=at, quest="log_in", idempotency_key="q")
            return played(
                f"claim_quest_reward log_in, local day {day + 1}", state, command
            )
    return None  # no login quest on these days


def activities(achievement: str, statistic: str) -> Path:
    """A new character rests at home, with the lifetime ``statistic`` one short of
    the achievement's threshold (a long grind of activities)."""

    def path(seed: int) -> Unlock:
        state = with_statistic(born(seed), statistic, threshold(achievement) - 1)
        command = DoActivity(at=now(state), activity="rest")
        return played("do_activity rest", state, command)

    return path


#: Game days a courtship may take before the path gives up on a seed.
COURTSHIP_DAYS = 2_000
#: Cash a courting character is given for a ring and a wedding (savings a working
#: adult would have; earning them is not what the path is about).
SAVINGS_CENTS = 10_000_000


def tied_the_knot(seed: int) -> Unlock | None:
    """A character of 24 with savings courts through the dating commands — likes
    the best suggestion until a match, dates once a game day, asks for the next
    stage whenever the engine takes it — and marries: the wedding's
    ``RelationshipChanged`` unlocks it."""
    state = aged(seed, 24)
    if state is None or state.character is None:
        return None
    state = evolve(state, character=evolve(state.character, money_cents=SAVINGS_CENTS))
    day = state.clock.day
    pairs = [(v.id, a.id) for v in CATALOG.dating.venues for a in v.activities]
    for _ in range(COURTSHIP_DAYS):
        if not alive(state):
            return None
        character = state.character
        assert character is not None
        romance = current_romance(character) or next(
            iter(character.dating.romances), None
        )
        if romance is None:
            matches = match_list(state, now(state), CATALOG).matches
            if matches:
                state = play(state, Like(at=now(state), npc_id=matches[0].npc_id)).state
                continue
        else:
            ask = attempt(
                state, AdvanceRelationship(at=now(state), npc_id=romance.npc.id)
            )
            if not ask.rejected:
                if any(
                    isinstance(e, RelationshipChanged) and e.to_stage == "married"
                    for e in ask.events
                ):
                    return Unlock("advance_relationship (wed)", ask.state, ask.events)
                state = ask.state
                continue
            for venue, activity in (
                pairs[day % len(pairs) :] + pairs[: day % len(pairs)]
            ):
                date = GoOnDate(
                    at=now(state), npc_id=romance.npc.id, venue=venue, activity=activity
                )
                outcome = attempt(state, date)
                if not outcome.rejected:
                    state = outcome.state
                    break
        day += 1
        state = lived(f"game time to day {day}", state, day).state
    return None


#: The constructed path of every achievement that is not ``STORIED``.
CONSTRUCTED: dict[str, Path] = {
    # Life
    "first_breath": first_breath,
    # Career & Wealth
    "first_job": first_job,
    "first_paycheck": first_paycheck,
    "moving_up": moving_up,
    "career_ladder": career_ladder,
    "tech_lead": tech_lead,
    "gold_watch": gold_watch,
    "big_spender": big_spender,
    "treasure_trove": treasure_trove,
    # Love & Family
    "new_friend": new_friend,
    "work_friends": first_job,
    "good_talk": good_talk,
    "heart_to_heart": heart_to_heart,
    "tied_the_knot": tied_the_knot,
    # Collector
    "power_up": power_up,
    # Dedication
    "welcome": welcome,
    "full_week": full_week,
    "regular": regular,
    "busy_bee": activities("busy_bee", "activities_done"),
    "tireless": activities("tireless", "activities_done"),
    "boundless_energy": activities("boundless_energy", "energy_spent"),
    "quest_complete": quest_complete,
}

#: Every achievement's path, in content order (an id the content lacks comes last).
_ORDER = {a.id: n for n, a in enumerate(CATALOG.achievements.achievements)}
PATHS: dict[str, Path] = {
    achievement: CONSTRUCTED.get(achievement) or storied(achievement)
    for achievement in sorted(
        {*STORIED, *CONSTRUCTED}, key=lambda a: (_ORDER.get(a, len(_ORDER)), a)
    )
}


def first_path(achievement: str) -> tuple[int, Unlock] | None:
    """The first seed of ``SEEDS`` on which the achievement's path gets to its
    unlocking step, with that step."""
    for seed in SEEDS:
        unlock = PATHS[achievement](seed)
        if unlock is not None:
            return seed, unlock
    return None


# -- the tests ----------------------------------------------------------------------


@pytest.mark.parametrize("achievement", list(PATHS))
def test_achievement_is_reachable(achievement: str) -> None:
    """The achievement's path unlocks it: ``AchievementUnlocked`` is among the
    events of its last step, and the id is among the player's achievements."""
    found = first_path(achievement)
    assert found is not None, f"no seed in {SEEDS} gets {achievement}'s path through"
    seed, unlock = found
    assert achievement in unlocks(unlock.events), (seed, unlock.how)
    assert achievement in unlock.state.retention.achievements, (seed, unlock.how)


def test_every_achievement_has_a_path() -> None:
    """The parametrized paths cover exactly the 44 achievements of the catalog, each
    by one path: storied or constructed."""
    catalog = {a.id for a in CATALOG.achievements.achievements}
    assert 44 == len(catalog)
    assert catalog == set(PATHS)
    assert set() == set(STORIED) & set(CONSTRUCTED)
    assert len(STORIED) == len(set(STORIED))
