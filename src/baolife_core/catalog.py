"""The content catalog: immutable, validated game data loaded from TOML.

Rules of this module (DESIGN.md "Content is data"):

- Content lives in ``baolife_core/content/*.toml`` and is read with the stdlib
  ``tomllib``; a game team may point ``load_catalog`` at its own directory.
- Every value is validated on load. A ``ContentError`` names the file, the entry and
  the field, so a content author never needs to read Python to fix a typo.
- Unknown keys are errors too: a misspelt optional field must not pass silently.
- The catalog is frozen; the engine only reads it.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from attrs import frozen

from .clock import MS_PER_HOUR, MS_PER_MINUTE
from .content_reader import Entry, entries, read_toml
from .dating.rules import DatingRules, load_dating_rules
from .economy.store_rules import StoreRules, load_store
from .errors import ContentError
from .experiments import Experiments, load_experiments
from .life.activity_rules import ActivityRules, load_activity_rules
from .life.career_rules import CareerRules, load_career_rules, system_flag_names
from .life.conversation_rules import ConversationRules, load_conversation_rules
from .life.effect_rules import FlagEffect
from .life.rules import FAMILY_ROLES, STAT_NAMES, LifeRules, load_life_rules
from .life.storylet_checks import check_storylets
from .life.storylet_rules import StoryletRules, load_life_events
from .rate_limits import RateLimits, load_rate_limits
from .retention.achievement_rules import AchievementRules, load_achievements
from .retention.item_rules import ItemRules, load_items
from .retention.login_rules import LoginRules, load_login_rules
from .retention.quest_rules import QuestRules, load_quests
from .retention.reward_rules import Reward
from .retention.tutorial_rules import TutorialRules, load_tutorial

__all__ = [
    "Catalog",
    "ClockRules",
    "EnergyRules",
    "RefillTier",
    "TimeSkip",
    "load_catalog",
]


@frozen
class EnergyRules:
    """How energy is capped and regenerates."""

    max: int  # regular maximum; regeneration stops here
    regen_interval_ms: int  # wall ms per regeneration step
    regen_amount: int  # points per step
    overfill_cap: int  # hard cap an overfill refill may reach


@frozen
class RefillTier:
    """One energy refill product."""

    id: str  # wire id, e.g. ``full``
    name: str  # display name
    diamonds: int  # price
    energy: int  # points added
    overfill: bool  # may exceed ``EnergyRules.max`` up to ``overfill_cap``


@frozen
class TimeSkip:
    """One time-skip product: game time bought with diamonds."""

    id: str  # wire id (``skip_type``), e.g. ``one_hour``
    name: str  # display name
    diamonds: int  # price
    game_ms: int | None  # game milliseconds skipped; None with ``until``
    until: str | None  # ``next_day`` or ``activity_end``; None with ``game_ms``


@frozen
class ClockRules:
    """How game time relates to wall time."""

    time_scale: int  # game ms per wall ms


@frozen
class Catalog:
    """Everything the engine reads: the validated content."""

    starting_diamonds: int  # grant ledgered at player creation
    energy: EnergyRules  # the energy meter's rules
    refills: tuple[RefillTier, ...]  # refill tiers in content order
    time_skips: tuple[TimeSkip, ...]  # time-skip products in content order
    clock: ClockRules  # the life clock's rules
    life: LifeRules  # calendar, stages, characters, death
    activities: ActivityRules  # locations and intraday activities
    storylets: StoryletRules  # life events, questions and dilemmas
    careers: CareerRules  # schools and jobs
    conversations: ConversationRules  # conversation grammar and replies
    items: ItemRules  # inventory items
    login: LoginRules  # the 7-day login reward cycle
    tutorial: TutorialRules  # onboarding flows
    experiments: Experiments  # A/B flags and their variants
    rate_limits: RateLimits  # token buckets per player and message kind
    achievements: AchievementRules  # the 44 achievements
    quests: QuestRules  # the daily quest templates
    store: StoreRules  # App Store diamond products
    dating: DatingRules  # NPCs, compatibility, venues, relationship stages

    def refill(self, refill_id: str) -> RefillTier | None:
        """Return the refill tier with this id, or None."""
        for tier in self.refills:
            if tier.id == refill_id:
                return tier
        return None

    def time_skip(self, skip_id: str) -> TimeSkip | None:
        """Return the time skip with this id, or None."""
        for skip in self.time_skips:
            if skip.id == skip_id:
                return skip
        return None


def _load_economy(
    directory: Traversable,
) -> tuple[int, EnergyRules, tuple[RefillTier, ...], tuple[TimeSkip, ...]]:
    file = "economy.toml"
    root = Entry(file, "(top level)", read_toml(directory, file))
    wallet = root.table("wallet")
    starting = wallet.integer("starting_diamonds", low=0, high=1_000_000)
    wallet.done()

    energy = root.table("energy")
    maximum = energy.integer("max", low=1, high=10_000)
    rules = EnergyRules(
        max=maximum,
        regen_interval_ms=energy.integer("regen_interval_minutes", low=1, high=24 * 60)
        * MS_PER_MINUTE,
        regen_amount=energy.integer("regen_amount", low=1, high=maximum),
        overfill_cap=energy.integer("overfill_cap", low=maximum, high=10 * maximum),
    )
    energy.done()

    root.seen.add("energy_refills")
    tiers = []
    for entry in entries(file, "energy_refills", root.data.get("energy_refills")):
        tier = RefillTier(
            id=entry.text("id"),
            name=entry.text("name"),
            diamonds=entry.integer("diamonds", low=1, high=100_000),
            energy=entry.integer("energy", low=1, high=rules.overfill_cap),
            overfill=entry.flag("overfill", default=False),
        )
        entry.done()
        tiers.append(tier)
    root.seen.add("time_skips")
    skips = [
        _time_skip(entry)
        for entry in entries(file, "time_skips", root.data.get("time_skips"))
    ]
    root.done()
    return starting, rules, tuple(tiers), tuple(skips)


#: The ``until`` targets a time skip may name.
SKIP_UNTIL = ("next_day", "activity_end")


def _time_skip(entry: Entry) -> TimeSkip:
    """One ``[[time_skips]]`` entry: exactly one of ``game_hours`` and ``until``."""
    has_hours, has_until = entry.has("game_hours"), entry.has("until")
    if has_hours == has_until:
        raise entry.error("game_hours", "give exactly one of game_hours and until")
    hours = entry.integer("game_hours", low=1, high=24 * 365) if has_hours else None
    until = entry.text("until") if has_until else None
    if until is not None and until not in SKIP_UNTIL:
        raise entry.error("until", f"must be one of {SKIP_UNTIL}, got {until!r}")
    skip = TimeSkip(
        id=entry.text("id"),
        name=entry.text("name"),
        diamonds=entry.integer("diamonds", low=1, high=100_000),
        game_ms=None if hours is None else hours * MS_PER_HOUR,
        until=until,
    )
    entry.done()
    return skip


def _load_clock(directory: Traversable) -> ClockRules:
    file = "clock.toml"
    root = Entry(file, "(top level)", read_toml(directory, file))
    clock = root.table("clock")
    rules = ClockRules(time_scale=clock.integer("time_scale", low=1, high=10_000))
    clock.done()
    root.done()
    return rules


def _checked_storylets(
    source: Traversable, life: LifeRules, careers: CareerRules
) -> StoryletRules:
    """Load ``life_events.toml``; check its references against life and careers."""
    rules = load_life_events(source)
    problems = check_storylets(
        rules,
        [stage.id for stage in life.stages],
        STAT_NAMES,
        FAMILY_ROLES,
        [cause.id for cause in life.causes],
        jobs=[job.id for job in careers.jobs],
        schools=[school.id for school in careers.schools],
        system_flags=sorted(system_flag_names(careers)),
    )
    if problems:
        raise ContentError("life_events.toml", "", "", "; ".join(problems))
    return rules


def _flags(storylets: StoryletRules, careers: CareerRules) -> tuple[str, ...]:
    """Every flag a character can hold: the career rules' system flags and every
    flag a storylet effect sets (what a dating trait may name)."""
    names = set(system_flag_names(careers))
    for storylet in storylets.events:
        lists = [storylet.effects]
        for choice in storylet.choices:
            lists.extend((choice.effects, choice.success, choice.failure))
        names.update(
            e.flag for effects in lists for e in effects if isinstance(e, FlagEffect)
        )
    return tuple(sorted(names))


def _check_reward_items(items: ItemRules, rewards: list[tuple[str, Reward]]) -> None:
    """Every item a reward may give exists in ``items.toml``."""
    known = {item.id for item in items.items}
    for where, reward in rewards:
        for item in sorted(reward.item_ids() - known):
            file, _, entry = where.partition(": ")
            raise ContentError(file, entry, "reward.items", f"names no item: {item!r}")


def load_catalog(directory: Path | Traversable | None = None) -> Catalog:
    """Load and validate the content; the bundled content when no directory is given.

    Raises ``ContentError`` naming file, entry and field on the first problem.
    """
    source: Traversable = (
        resources.files("baolife_core") / "content" if directory is None else directory
    )
    starting, energy, refills, time_skips = _load_economy(source)
    life = load_life_rules(source)
    careers = load_career_rules(source)
    items = load_items(source)
    item_ids = [item.id for item in items.items]
    achievements = load_achievements(source, known_items=item_ids)
    login = load_login_rules(source)
    tutorial = load_tutorial(source)
    experiments = load_experiments(source)
    flow = experiments.flag("tutorial_flow")
    for variant, _ in () if flow is None else flow.variants:
        if variant not in dict(tutorial.flows):
            raise ContentError(
                "experiments.toml",
                "flags[tutorial_flow]",
                "variants",
                f"{variant!r} is no flow of tutorial.toml",
            )
    _check_reward_items(
        items,
        [
            *(
                (f"daily_rewards.toml: days[{n}]", r)
                for n, r in enumerate(login.rewards, 1)
            ),
            ("tutorial.toml: (top level)", tutorial.reward),
        ],
    )
    # Loaded in the order of the fields: a pack broken in several files reports
    # the first of them, whatever the dating rules need.
    clock = _load_clock(source)
    activities = load_activity_rules(source)
    storylets = _checked_storylets(source, life, careers)
    return Catalog(
        starting_diamonds=starting,
        energy=energy,
        refills=refills,
        time_skips=time_skips,
        clock=clock,
        life=life,
        activities=activities,
        storylets=storylets,
        careers=careers,
        conversations=load_conversation_rules(source),
        items=items,
        login=login,
        tutorial=tutorial,
        experiments=experiments,
        rate_limits=load_rate_limits(source),
        achievements=achievements,
        quests=load_quests(source, known_items=item_ids),
        store=load_store(source),
        dating=load_dating_rules(
            source, stats=STAT_NAMES, flags=_flags(storylets, careers)
        ),
    )
