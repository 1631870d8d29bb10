"""Preferences, suggestions, likes and passes.

Rules of this module (issue "Dating" 4; docs/dating.md "Matching"):

- Every command needs a living character (``invalid_state``) at least the dating
  ``min_age`` (``age_restricted``). Rejections change nothing; an accepted command
  increments ``seq`` once.
- ``set_dating_preferences`` names known genders, interests and dealbreakers
  (``not_found``) and an age range with ``min_age <= low <= high`` once the
  defaults are resolved (``invalid_state``). An age left None follows the
  character's age (``npcs.age_range``); ``interests`` None keeps the drawn ones.
- ``like`` and ``pass`` take a current suggestion only (``npcs.suggestions``,
  ``not_found`` otherwise) and record it in ``Dating.seen`` for the pool (a new
  pool starts a new ``seen``). ``like`` is refused (``invalid_state``) while the
  character holds ``max_romances`` relationships.
- A like is returned with chance ``clamp(base + compatibility * c / 100 +
  (looks - 50) * l / 50, low, high)`` percent (``match_chance``; divisions floor),
  rolled on the stream ``("like", f"{life}:{npc_id}")``. A match adds a
  ``Romance`` at ``matched`` with ``start_affection`` both ways and the
  compatibility of the moment, and emits ``MatchMade`` (the ``match_made`` push).
- The NPC keeps the bio the player saw: the command's ``bio`` (an outside writer's
  text, journaled) or the grammar's.
- ``get_matches`` (``match_list``) first advances the state to ``at`` (as every
  query); it lists the best ``matches_shown`` suggestions by compatibility, then
  id, and the game day the next pool is drawn.
"""

from __future__ import annotations

from attrs import evolve

from ..catalog import Catalog
from ..commands import Like, Pass, SetDatingPreferences
from ..events import DatingPreferencesSet, MatchMade, NpcLiked, NpcPassed
from ..life.calendar import age_on
from ..outcome import Outcome, reject
from ..replies import (
    AGE_RESTRICTED,
    INVALID_STATE,
    NOT_FOUND,
    DatingPreferencesUpdated,
    LikeResult,
    MatchEntry,
    MatchList,
    Passed,
    Rejection,
)
from ..rng import stream
from ..state import Character, Dating, Npc, PlayerState, Romance
from .compatibility import Compatibility, compatibility
from .npcs import (
    age_range,
    character_interests,
    character_profile,
    npc_age,
    npc_profile,
    pool_index,
    suggestion,
    suggestions,
)
from .rules import DatingRules

__all__ = [
    "REASONS_SHOWN",
    "like",
    "like_chance",
    "match_list",
    "pass_npc",
    "set_dating_preferences",
]

#: The reasons a suggestion or a match shows, best first.
REASONS_SHOWN = 3


def _dater(state: PlayerState, catalog: Catalog) -> Character | Rejection:
    """The living character old enough to date, or why not."""
    character = state.living
    if character is None:
        return Rejection(INVALID_STATE, "there is no living character")
    minimum = catalog.dating.min_age
    if age_on(character, state.clock.day, catalog.life) < minimum:
        return Rejection(AGE_RESTRICTED, f"dating starts at age {minimum}")
    return character


def _compatibility(
    seed: int, character: Character, npc: Npc, rules: DatingRules
) -> Compatibility:
    return compatibility(
        character_profile(seed, character, rules), npc_profile(npc), rules
    )


def set_dating_preferences(
    state: PlayerState, command: SetDatingPreferences, catalog: Catalog
) -> Outcome:
    """``set_dating_preferences`` (module rules)."""
    found = _dater(state, catalog)
    if isinstance(found, Rejection):
        return reject(state, found.code, found.message)
    rules = catalog.dating
    known = (
        ("gender", catalog.life.character.genders, command.seeking),
        ("interest", [i.id for i in rules.interests], command.interests or ()),
        ("dealbreaker", [d.id for d in rules.dealbreakers], command.dealbreakers),
    )
    for what, ids, named in known:
        for name in named:
            if name not in ids:
                return reject(state, NOT_FOUND, f"no {what} {name!r}")
    interests = (
        None if command.interests is None else tuple(sorted(set(command.interests)))
    )
    dating = evolve(
        found.dating,
        seeking=tuple(sorted(set(command.seeking))),
        min_age=command.min_age,
        max_age=command.max_age,
        interests=interests,
        dealbreakers=tuple(sorted(set(command.dealbreakers))),
    )
    character = evolve(found, dating=dating)
    age = age_on(character, state.clock.day, catalog.life)
    low, high = age_range(character, age, rules)
    if not rules.min_age <= low <= high:
        return reject(
            state,
            INVALID_STATE,
            f"the ages must be {rules.min_age} or more, the youngest first "
            f"(got {low}..{high})",
        )
    chosen = character_interests(state.seed, character, rules)
    event = DatingPreferencesSet(
        at=command.at,
        life=character.life,
        seeking=dating.seeking,
        min_age=low,
        max_age=high,
        interests=chosen,
        dealbreakers=dating.dealbreakers,
    )
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=(event,),
        reply=DatingPreferencesUpdated(
            seeking=dating.seeking,
            min_age=low,
            max_age=high,
            interests=chosen,
            dealbreakers=dating.dealbreakers,
        ),
    )


def like_chance(score: int, looks: int, rules: DatingRules) -> int:
    """The NPC's chance in percent to like back (module rules)."""
    chance = rules.match_chance
    raw = (
        chance.base
        + score * chance.compatibility // 100
        + (looks - 50) * chance.looks // 50
    )
    return min(chance.high, max(chance.low, raw))


def _seen(dating: Dating, npc_id: str, pool: int) -> Dating:
    """``dating`` with ``npc_id`` seen in ``pool`` (a new pool forgets the old)."""
    seen = dating.seen if dating.pool == pool else ()
    return evolve(dating, pool=pool, seen=tuple(sorted({*seen, npc_id})))


def _candidate(
    state: PlayerState, npc_id: str, catalog: Catalog
) -> tuple[Character, Npc] | Rejection:
    """The dater and the suggestion it names, or why not."""
    found = _dater(state, catalog)
    if isinstance(found, Rejection):
        return found
    npc = suggestion(state, npc_id, catalog)
    if npc is None:
        return Rejection(NOT_FOUND, "no such suggestion")
    return found, npc


def like(state: PlayerState, command: Like, catalog: Catalog) -> Outcome:
    """``like`` (module rules)."""
    found = _candidate(state, command.npc_id, catalog)
    if isinstance(found, Rejection):
        return reject(state, found.code, found.message)
    character, npc = found
    rules = catalog.dating
    if len(character.dating.romances) >= rules.max_romances:
        return reject(
            state, INVALID_STATE, f"at most {rules.max_romances} relationships"
        )
    day = state.clock.day
    fit = _compatibility(state.seed, character, npc, rules)
    chance = like_chance(fit.score, character.stats.looks, rules)
    roll = stream(state.seed, "like", f"{character.life}:{npc.id}")
    matched = roll.chance(chance, 100)
    if command.bio is not None:
        npc = evolve(npc, bio=command.bio)
    dating = _seen(character.dating, npc.id, pool_index(day, rules))
    events: list[NpcLiked | MatchMade] = [
        NpcLiked(
            at=command.at,
            life=character.life,
            npc_id=npc.id,
            compatibility=fit.score,
            matched=matched,
        )
    ]
    if matched:
        start = rules.relationships.start_affection
        romance = Romance(
            npc=npc,
            stage="matched",
            since_day=day,
            affection=start,
            npc_affection=start,
            compatibility=fit.score,
            dates=0,
        )
        dating = evolve(dating, romances=(*dating.romances, romance))
        events.append(
            MatchMade(
                at=command.at,
                life=character.life,
                npc_id=npc.id,
                name=npc.name,
                gender=npc.gender,
                age=npc_age(npc, day, catalog.life),
                bio=npc.bio,
                compatibility=fit.score,
                reasons=fit.top(REASONS_SHOWN),
                affection=start,
                npc_affection=start,
                day=day,
            )
        )
    character = evolve(character, dating=dating)
    return Outcome(
        state=evolve(state, seq=state.seq + 1, character=character),
        events=tuple(events),
        reply=LikeResult(npc_id=npc.id, matched=matched, compatibility=fit.score),
    )


def pass_npc(state: PlayerState, command: Pass, catalog: Catalog) -> Outcome:
    """``pass`` (module rules)."""
    found = _candidate(state, command.npc_id, catalog)
    if isinstance(found, Rejection):
        return reject(state, found.code, found.message)
    character, npc = found
    rules = catalog.dating
    fit = _compatibility(state.seed, character, npc, rules)
    dating = _seen(character.dating, npc.id, pool_index(state.clock.day, rules))
    passed = NpcPassed(
        at=command.at, life=character.life, npc_id=npc.id, compatibility=fit.score
    )
    return Outcome(
        state=evolve(
            state, seq=state.seq + 1, character=evolve(character, dating=dating)
        ),
        events=(passed,),
        reply=Passed(npc_id=npc.id),
    )


def match_list(state: PlayerState, at: int, catalog: Catalog) -> MatchList:
    """``get_matches``: the top suggestions of the current pool (module rules)."""
    # Imported here: the engine imports this module's handlers.
    from ..engine import advance

    state = advance(state, at, catalog)
    rules = catalog.dating
    day = state.clock.day
    refreshes = (pool_index(day, rules) + 1) * rules.pool_days
    character = _dater(state, catalog)
    if isinstance(character, Rejection):
        return MatchList(refreshes_day=refreshes, matches=())
    names = {interest.id: interest.name for interest in rules.interests}
    scored = sorted(
        (
            (_compatibility(state.seed, character, npc, rules), npc)
            for npc in suggestions(state, catalog)
        ),
        key=lambda pair: (-pair[0].score, pair[1].id),
    )
    entries = tuple(
        MatchEntry(
            npc_id=npc.id,
            name=npc.name,
            gender=npc.gender,
            age=npc_age(npc, day, catalog.life),
            looks=npc.looks,
            bio=npc.bio,
            interests=tuple(names[i] for i in npc.interests),
            compatibility=fit.score,
            reasons=fit.top(REASONS_SHOWN),
        )
        for fit, npc in scored[: rules.matches_shown]
    )
    return MatchList(refreshes_day=refreshes, matches=entries)
