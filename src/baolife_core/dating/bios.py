"""Bios: what an outside writer is asked for, and the grammar's default text.

Rules of this module (issue "Dating" 2; docs/dating.md "Bios"):

- Every NPC is generated with a bio from the content's grammar (``grammar_bio``,
  the stream ``("bio", npc_id)``; it lives in ``npcs``, which draws NPCs, and is
  re-exported here). It is what a player sees without an outside writer.
- An outside writer (an LLM adapter of the ``TextWriter`` port) is asked with a
  ``BioRequest``: everything it needs to describe the NPC, nothing of the
  player. Its text enters the engine as the ``like`` command's ``bio`` and is
  journaled, so replay stays exact.
- ``bio_request`` answers None when the engine would refuse the like (it probes
  the handler, which is pure): a writer is never asked for a bio thrown away.
"""

from __future__ import annotations

from attrs import evolve, frozen

from ..catalog import Catalog
from ..commands import Like
from ..state import PlayerState
from .matching import like
from .npcs import grammar_bio, npc_age, suggestion

__all__ = ["BioRequest", "bio_request", "grammar_bio"]

#: The bio ``bio_request`` probes the handler with (any valid bio would do).
_PROBE = "probe"


@frozen
class BioRequest:
    """What a ``TextWriter`` is asked to write: the profile text of one NPC."""

    npc_id: str  # the NPC
    name: str  # full name
    gender: str  # one of the content's genders
    age: int  # age in game years today
    interests: tuple[str, ...]  # interest names, sorted by id
    traits: tuple[str, ...]  # lifestyle trait names ("smokes" …), sorted by id
    dealbreakers: tuple[str, ...]  # dealbreaker texts, sorted by id


def bio_request(
    state: PlayerState, command: Like, catalog: Catalog
) -> BioRequest | None:
    """The bio ``command`` will carry, or None if the engine would refuse it."""
    if like(state, evolve(command, bio=_PROBE), catalog).rejected:
        return None
    npc = suggestion(state, command.npc_id, catalog)
    if npc is None:  # pragma: no cover - the like was accepted, so it is one
        return None
    rules = catalog.dating
    interests = {i.id: i.name for i in rules.interests}
    traits = {t.id: t.name for t in rules.traits}
    dealbreakers = {d.id: d.name for d in rules.dealbreakers}
    return BioRequest(
        npc_id=npc.id,
        name=npc.name,
        gender=npc.gender,
        age=npc_age(npc, state.clock.day, catalog.life),
        interests=tuple(interests[i] for i in npc.interests),
        traits=tuple(traits[t] for t in npc.traits),
        dealbreakers=tuple(dealbreakers[d] for d in npc.dealbreakers),
    )
