"""The bot's dating moves: preferences, likes and passes, dates, stages, endings.

Rules of this module (docs/life.md "The reference bot"; docs/dating.md):

- Like every move generator (``moves``), pure and in a fixed order; it proposes
  only commands the handlers accept. Dating has many rules (the pool's filters,
  busy, caps, energy, cash, thresholds), so instead of repeating them each
  candidate is probed with its own handler, which is pure: a refused probe is
  not proposed. One date venue and activity a turn, in turn, keeps the probes few.
- The bot courts one person at a time: it likes the best suggestion while it has
  no current relationship and few matches, dates its current partner (or a match),
  asks for the next stage whenever the handler would take it, and ends things
  when they go badly: a match it never clicked with, a marriage gone cold. Those
  endings are what make divorces happen in bot lives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands import (
    AdvanceRelationship,
    BreakUp,
    GoOnDate,
    Like,
    Pass,
    SetDatingPreferences,
)
from ..dating.dates import go_on_date
from ..dating.matching import like, match_list, pass_npc
from ..dating.relationships import advance_relationship
from ..dating.stages import current_romance

if TYPE_CHECKING:
    from .moves import Move, Turn

__all__ = ["COLD", "dating_moves"]

#: Below this affection (either side) a marriage or a match has gone cold.
COLD = 30
#: Matches held at most while courting: the bot likes nobody beyond.
MAX_MATCHES = 3


def dating_moves(turn: Turn) -> list[tuple[Move, int]]:
    """Dating candidates of one turn (module rules), weighted by the pace."""
    character = turn.character
    weight = turn.pace.dating_weight
    rules = turn.catalog.dating
    if character is None or weight == 0 or turn.age < rules.min_age:
        return []
    state, catalog, at = turn.state, turn.catalog, turn.at
    moves: list[tuple[Move, int]] = []
    dating = character.dating
    if dating.interests is None and rules.interests:
        count = rules.interests_per_person[0]
        start = turn.number % len(rules.interests)
        chosen = [
            rules.interests[(start + n) % len(rules.interests)] for n in range(count)
        ]
        moves.append(
            (
                SetDatingPreferences(
                    at=at, interests=tuple(sorted({i.id for i in chosen}))
                ),
                1,
            )
        )
    current = current_romance(character)
    if current is None and len(dating.romances) < MAX_MATCHES:
        matches = match_list(state, at, catalog).matches
        if matches:
            best = Like(at=at, npc_id=matches[0].npc_id)
            if not like(state, best, catalog).rejected:
                moves.append((best, 3 * weight))
            worst = Pass(at=at, npc_id=matches[-1].npc_id)
            if len(matches) > 1 and not pass_npc(state, worst, catalog).rejected:
                moves.append((worst, weight))
    partners = [current] if current is not None else list(dating.romances)
    pairs = [(v.id, a.id) for v in rules.venues for a in v.activities]
    if partners and pairs:
        partner = partners[turn.number % len(partners)]
        venue, activity = pairs[turn.number % len(pairs)]
        date = GoOnDate(at=at, npc_id=partner.npc.id, venue=venue, activity=activity)
        if not go_on_date(state, date, catalog).rejected:
            moves.append((date, 4 * weight))
    if current is not None:
        ask = AdvanceRelationship(at=at, npc_id=current.npc.id)
        if not advance_relationship(state, ask, catalog).rejected:
            moves.append((ask, 2 * weight))
        cold = min(current.affection, current.npc_affection) < COLD
        if cold or (current.stage == "married" and current.dates >= 30):
            moves.append((BreakUp(at=at, npc_id=current.npc.id), 1))
    for romance in dating.romances:
        if romance.stage == "matched" and romance.compatibility < COLD:
            moves.append((BreakUp(at=at, npc_id=romance.npc.id), 1))
            break
    return moves
