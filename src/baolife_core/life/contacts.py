"""Friends and colleagues: the people a character meets outside the family.

Rules of this module (DESIGN.md "Determinism rules" 1 and 3):

- A contact's id is a uuid5 of the player's seed and a key naming where it was met
  (``life:day:purpose:n``), so a replay meets the same people.
- Its gender and name come from the stream ``("contact", key)``: gender by the
  content's weights, a first name for it, a surname; closeness starts within
  ``CLOSENESS_AT_MEETING``.
- Meeting someone already known (the same key: rehired at the same job the same
  day) meets nobody new.
- A character keeps at most ``MAX_CONTACTS``: meeting more drops the oldest
  acquaintances first, except the person of the open conversation.
"""

from __future__ import annotations

import uuid

from attrs import evolve

from ..events import ContactMet
from ..ids import BAOLIFE_NAMESPACE
from ..rng import stream
from ..state import Character, Contact
from .rules import LifeRules

__all__ = [
    "CLOSENESS_AT_MEETING",
    "CONTACT_ROLES",
    "MAX_CONTACTS",
    "meet_contacts",
    "person",
]

#: The roles of a contact.
CONTACT_ROLES = ("friend", "colleague")
#: The closeness of a new acquaintance is drawn within this range.
CLOSENESS_AT_MEETING = (20, 50)
#: The most friends and colleagues a character keeps.
MAX_CONTACTS = 12


def meet_contacts(
    character: Character,
    *,
    role: str,
    count: int,
    seed: int,
    key: str,
    day: int,
    at: int,
    rules: LifeRules,
) -> tuple[Character, tuple[ContactMet, ...]]:
    """``character`` after meeting ``count`` new people with ``role``."""
    met: list[Contact] = []
    known = {contact.id for contact in character.contacts}
    for n in range(count):
        name_key = f"{character.life}:{day}:{key}:{n}"
        contact_id = str(uuid.uuid5(BAOLIFE_NAMESPACE, f"{seed}/contact/{name_key}"))
        if contact_id in known:  # met here already today (rehired the same day)
            continue
        rng = stream(seed, "contact", name_key)
        weights = zip(
            rules.character.genders, rules.character.gender_weights, strict=True
        )
        gender = rng.weighted([(g, w) for g, w in weights if w])
        name = f"{rng.choice(rules.first_names(gender))} {rng.choice(rules.surnames)}"
        met.append(
            Contact(
                id=contact_id,
                role=role,
                name=name,
                gender=gender,
                met_day=day,
                closeness=rng.between(*CLOSENESS_AT_MEETING),
            )
        )
    events = tuple(
        ContactMet(
            at=at,
            life=character.life,
            contact_id=c.id,
            role=c.role,
            name=c.name,
            day=day,
        )
        for c in met
    )
    contacts = [*character.contacts, *met]
    talking = None if character.conversation is None else character.conversation.npc_id
    while len(contacts) > MAX_CONTACTS:
        oldest = next(c for c in contacts if c.id != talking)
        contacts.remove(oldest)
    return evolve(character, contacts=tuple(contacts)), events


def person(character: Character, npc_id: str) -> tuple[str, str, int, bool] | None:
    """``(role, name, closeness, alive)`` of a relative or contact, or None."""
    for relative in character.family:
        if relative.id == npc_id:
            return relative.role, relative.name, relative.closeness, relative.alive
    for contact in character.contacts:
        if contact.id == npc_id:
            return contact.role, contact.name, contact.closeness, True
    return None
