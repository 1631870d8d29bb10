"""Daily quests in play: the day's set, progress from events, claiming rewards.

Rules of this module (issue 4 "Daily quests"; the content is ``quest_rules``):

- A local day's set is a pure function of the player's seed and the local day:
  ``per_day`` distinct templates drawn by integer weight without replacement,
  then each one's target within its range, all from the stream
  ``("quests", local_day)`` (DESIGN.md rule 1). The engine rolls it on the first
  command of a local day, before the handler runs; this module only reads it.
- Progress comes from domain events, in order: each matching event adds its
  amount (``QuestTemplate.amount``), capped at the target. Each slot that moved
  gives one ``QuestProgressed`` (pushed as ``quest_progress``) with its progress
  after the events; ``completed`` is True when these events reached the target.
  A slot at its target no longer moves. A slot whose template left the content
  does not move either.
- ``claim_quest_reward``: ``not_found`` unless the quest is in today's set,
  ``invalid_state`` unless it is completed, ``already_claimed`` once claimed;
  otherwise the slot is marked claimed, ``QuestRewardPaid`` is emitted and then
  the reward's events, paid under the key ``quest:<local day>:<quest>`` (so a
  replay pays the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from attrs import evolve

from ..commands import ClaimQuestReward
from ..economy.energy import current_energy
from ..events import Event, QuestProgressed, QuestRewardPaid
from ..outcome import Outcome, reject
from ..replies import ALREADY_CLAIMED, INVALID_STATE, NOT_FOUND, QuestRewardClaimed
from ..rng import stream
from ..state import PlayerState, Quests, QuestSlot
from .quest_rules import QuestRules, QuestTemplate
from .rewards import grant_reward

if TYPE_CHECKING:
    from ..catalog import EnergyRules
    from .item_rules import ItemRules

__all__ = [
    "QUESTS_PURPOSE",
    "QuestCatalog",
    "claim_quest_reward",
    "progress_quests",
    "roll_quests",
]

#: The stream purpose of the daily draw: ``stream(seed, QUESTS_PURPOSE, local_day)``.
QUESTS_PURPOSE = "quests"


class QuestCatalog(Protocol):
    """What ``claim_quest_reward`` reads of the catalog (``Catalog`` provides it)."""

    @property
    def quests(self) -> QuestRules:
        """The daily quest templates."""
        ...

    @property
    def energy(self) -> EnergyRules:
        """The energy meter's rules (energy rewards, the reply's energy)."""
        ...

    @property
    def items(self) -> ItemRules:
        """The inventory items (their names, for the reward's text)."""
        ...


def roll_quests(rules: QuestRules, seed: int, local_day: int) -> Quests:
    """The daily set of ``local_day`` for the player with ``seed`` (module rules)."""
    rng = stream(seed, QUESTS_PURPOSE, local_day)
    pool = list(rules.offered)
    picked: list[QuestTemplate] = []
    for _ in range(min(rules.per_day, len(pool))):
        template = rng.weighted([(q, q.weight) for q in pool])
        pool.remove(template)
        picked.append(template)
    slots = tuple(
        QuestSlot(
            quest=template.id,
            target=rng.between(template.target_low, template.target_high),
            progress=0,
            claimed=False,
        )
        for template in picked
    )
    return Quests(day=local_day, slots=slots)


def progress_quests(
    rules: QuestRules, quests: Quests, events: Sequence[Event], at: int
) -> tuple[Quests, tuple[QuestProgressed, ...]]:
    """Today's quests moved by ``events``, and a ``QuestProgressed`` per slot moved."""
    slots = []
    moved = []
    for slot in quests.slots:
        template = rules.quest(slot.quest)
        progress = slot.progress
        if template is not None:
            for event in events:
                if progress >= slot.target:
                    break
                progress = min(slot.target, progress + template.amount(event))
        if progress != slot.progress:
            moved.append(
                QuestProgressed(
                    at=at,
                    quest=slot.quest,
                    progress=progress,
                    target=slot.target,
                    completed=progress >= slot.target,
                )
            )
            slot = evolve(slot, progress=progress)
        slots.append(slot)
    if not moved:
        return quests, ()
    return evolve(quests, slots=tuple(slots)), tuple(moved)


def claim_quest_reward(
    state: PlayerState, command: ClaimQuestReward, catalog: QuestCatalog
) -> Outcome:
    """Pay a completed quest of today's set (module rules)."""
    quests = state.retention.quests
    index = next(
        (n for n, slot in enumerate(quests.slots) if slot.quest == command.quest),
        None,
    )
    template = catalog.quests.quest(command.quest)
    if index is None or quests.day is None or template is None:
        return reject(state, NOT_FOUND, f"{command.quest!r} is not a quest of today")
    slot = quests.slots[index]
    if slot.progress < slot.target:
        return reject(
            state,
            INVALID_STATE,
            f"{slot.quest} is at {slot.progress} of {slot.target}: not completed",
        )
    if slot.claimed:
        return reject(state, ALREADY_CLAIMED, f"{slot.quest} was claimed today")
    slots = (
        *quests.slots[:index],
        evolve(slot, claimed=True),
        *quests.slots[index + 1 :],
    )
    retention = evolve(state.retention, quests=evolve(quests, slots=slots))
    state = evolve(state, seq=state.seq + 1, retention=retention)
    state, paid, text = grant_reward(
        state,
        template.reward,
        at=command.at,
        reason="quest",
        key=f"quest:{quests.day}:{slot.quest}",
        energy_rules=catalog.energy,
        item_names=catalog.items.names,
    )
    events: tuple[Event, ...] = (
        QuestRewardPaid(at=command.at, local_day=quests.day, quest=slot.quest),
        *paid,
    )
    return Outcome(
        state=state,
        events=events,
        reply=QuestRewardClaimed(
            quest=slot.quest,
            reward=text,
            diamonds=state.wallet.diamonds,
            energy=current_energy(state.energy, command.at, catalog.energy),
        ),
    )
