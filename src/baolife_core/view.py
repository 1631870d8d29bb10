"""The client view: what the iOS client is shown of a state at an instant.

The view is computed, never stored: energy is read at ``at``. Sections follow
PROTOCOL.md's ``welcome.state`` (account, clock, character, retention; experiments
join as their feature lands). Dating is a part of the character's section, as it
is of ``Character``: a new life starts single. Hidden stats (karma, discipline)
are not shown. Documented in ``docs/protocol.md``.
"""

from __future__ import annotations

from typing import Any

from attrs import asdict

from .catalog import Catalog
from .clock import game_elapsed_ms
from .dating.npcs import age_range, character_interests
from .dating.relationships import relationship_entries
from .economy.energy import current_energy, next_regen_at
from .engine import advance
from .life.days import age_on
from .retention.login import daily_login_status, local_day
from .state import Character, PlayerState

__all__ = ["client_view", "time_status"]


def _career(character: Character, catalog: Catalog) -> dict[str, Any]:
    career = character.career
    schooling = career.schooling
    job = career.job
    spec = None if job is None else catalog.careers.job(job.id)
    return {
        "school": None
        if schooling is None
        else {
            "id": schooling.school,
            "since_day": schooling.since_day,
            "grades": schooling.grades,
        },
        "degrees": list(career.degrees),
        "job": None
        if job is None
        else {
            "id": job.id,
            "title": None if spec is None else spec.title,
            "salary_cents": None if spec is None else spec.salary_cents,
            "since_day": job.since_day,
            "performance": job.performance,
            "months": job.months,
        },
        "retired": career.retired,
        "pension_cents": career.pension_cents,
    }


def _dating(state: PlayerState, catalog: Catalog) -> dict[str, Any] | None:
    """PROTOCOL.md's ``dating`` section: whom the character dates (its age range
    resolved, ``null`` while it is too young to date) and its relationships, as
    ``get_relationships`` lists them; ``null`` before the first character."""
    character = state.character
    if character is None:
        return None
    rules = catalog.dating
    dating = character.dating
    day = state.clock.day
    age = age_on(character, day, catalog.life)
    low, high = (
        age_range(character, age, rules) if age >= rules.min_age else (None, None)
    )
    return {
        "min_age": rules.min_age,
        "preferences": {
            "seeking": list(dating.seeking),
            "min_age": low,
            "max_age": high,
            "interests": list(character_interests(state.seed, character, rules)),
            "dealbreakers": list(dating.dealbreakers),
        },
        "relationships": [
            asdict(entry) for entry in relationship_entries(character, day, catalog)
        ],
    }


def _retention(state: PlayerState, catalog: Catalog) -> dict[str, Any]:
    retention = state.retention
    at = state.clock.now_at
    login = daily_login_status(state, at)
    tutorial = retention.tutorial
    steps = catalog.tutorial.steps(tutorial.flow)
    over = tutorial.finished or tutorial.skipped
    return {
        "utc_offset_minutes": retention.utc_offset_minutes,
        "local_day": local_day(at, retention.utc_offset_minutes),
        "login": {
            "streak": login.streak,
            "day": login.day,
            "claimable": login.claimable,
        },
        "tutorial": {
            "flow": tutorial.flow,
            "done": list(tutorial.done),
            "next_step": None
            if over or len(tutorial.done) >= len(steps)
            else steps[len(tutorial.done)],
            "finished": tutorial.finished,
            "skipped": tutorial.skipped,
        },
        "achievements_unlocked": len(retention.achievements),
        "inventory": [list(pair) for pair in retention.inventory],
    }


def _character(state: PlayerState, catalog: Catalog) -> dict[str, Any] | None:
    character = state.character
    if character is None:
        return None
    stats = character.stats
    death = character.death
    return {
        "life": character.life,
        "name": character.name,
        "gender": character.gender,
        "age": age_on(character, state.clock.day, catalog.life),
        "stage": character.stage,
        "alive": death is None,
        "stats": {
            "health": stats.health,
            "happiness": stats.happiness,
            "smarts": stats.smarts,
            "looks": stats.looks,
            "fitness": stats.fitness,
        },
        "personality": asdict(character.personality),
        "money_cents": character.money_cents,
        "location": character.location,
        "busy_until_game_ms": character.busy_until,
        "family": [
            {
                "id": relative.id,
                "role": relative.role,
                "name": relative.name,
                "age": max(0, state.clock.day - relative.born_day)
                // catalog.life.days_per_year,
                "closeness": relative.closeness,
                "alive": relative.alive,
            }
            for relative in character.family
        ],
        "contacts": [
            {
                "id": contact.id,
                "role": contact.role,
                "name": contact.name,
                "closeness": contact.closeness,
            }
            for contact in character.contacts
        ],
        "career": _career(character, catalog),
        "conversation": None
        if character.conversation is None
        else {
            "id": character.conversation.id,
            "npc_id": character.conversation.npc_id,
            "replies": list(character.conversation.replies),
        },
        "questions": [
            {"id": q.id, "event_id": q.event_id, "expires_day": q.expires_day}
            for q in character.story.pending
        ],
        "death": None if death is None else asdict(death),
    }


def client_view(state: PlayerState, at: int, catalog: Catalog) -> dict[str, Any]:
    """The JSON-able client view of ``state`` read at instant ``at``."""
    state = advance(state, at, catalog)
    # The tick's fields, read at the same instant (so the two never disagree).
    status = time_status(state, state.clock.now_at, catalog)
    return {
        "seq": state.seq,
        "account": {
            "diamonds": state.wallet.diamonds,
            "energy": status["energy"],
            "energy_max": status["energy_max"],
            "energy_overfill_cap": catalog.energy.overfill_cap,
            "next_energy_at": status["next_energy_at"],
            "diamond_debt": state.wallet.debt,
        },
        "clock": {
            "started_at": state.clock.started_at,
            "now_at": state.clock.now_at,
            "game_time_ms": status["game_time_ms"],
            "game_day": status["game_day"],
            "time_scale": catalog.clock.time_scale,
            "days_per_year": catalog.life.days_per_year,
        },
        "character": _character(state, catalog),
        "retention": _retention(state, catalog),
        "dating": _dating(state, catalog),
        "album": [asdict(photo) for photo in state.album],
    }


def time_status(state: PlayerState, at: int, catalog: Catalog) -> dict[str, Any]:
    """The game tick's ``time_update`` fields for ``state`` (already advanced to
    ``at``): game time, the character's age, energy. A small part of the view,
    cheap enough to push to every connected player on every tick."""
    rules = catalog.energy
    clock = state.clock
    character = state.character
    return {
        "game_time_ms": game_elapsed_ms(
            clock.started_at, at, catalog.clock.time_scale, clock.skipped_ms
        ),
        "game_day": clock.day,
        "age": None
        if character is None
        else age_on(character, clock.day, catalog.life),
        "energy": current_energy(state.energy, at, rules),
        "energy_max": rules.max,
        "next_energy_at": next_regen_at(state.energy, at, rules),
    }
