"""Compatibility 0-100 between two people, with the reasons behind it.

Rules of this module (issue "Dating" 3; docs/dating.md "Compatibility"):

- The score is a pure function of two ``Profile`` values and the content's
  weights: integer maths only, the same on every machine.
- It is symmetric: ``compatibility(a, b).score == compatibility(b, a).score``.
  Every part is symmetric — the personality distance, the interests' Jaccard
  share, the chemistry (a hash of both ids *sorted*), and a dealbreaker hit in
  *either* direction.
- Points, each floored: personality similarity (100 - the mean absolute
  difference of the Big Five) * ``personality`` / 100, plus ``interests`` *
  shared / all interests of both, plus chemistry (0..100) * ``chemistry`` / 100.
  The weights sum to 100 (the loader checks), so the score is within 0..100.
- A dealbreaker hit caps the score at ``dealbreaker_cap``; without one no cap
  applies.
- The reasons are read from ``a``'s side ("you both like …", "dealbreaker: …")
  and ordered best first: the parts that gave the most points, then what spoke
  against (little chemistry, nothing shared, the dealbreakers). Where only a few
  are shown (``Compatibility.top``), the dealbreakers always are.
"""

from __future__ import annotations

import hashlib

from attrs import frozen

from ..state import Personality
from .rules import DatingRules

__all__ = [
    "GOOD_CHEMISTRY",
    "GREAT_CHEMISTRY",
    "LOW_CHEMISTRY",
    "SIMILAR_PERSONALITY",
    "Compatibility",
    "Profile",
    "chemistry",
    "compatibility",
    "dealbreakers_hit",
    "personality_similarity",
]

#: Chemistry from which a reason says "great chemistry".
GREAT_CHEMISTRY = 75
#: Chemistry from which a reason says "good chemistry".
GOOD_CHEMISTRY = 55
#: Chemistry below which a reason says "little chemistry".
LOW_CHEMISTRY = 20
#: Personality similarity from which a reason says "similar personalities".
SIMILAR_PERSONALITY = 80
#: Shared interests a reason names at most.
_NAMED_INTERESTS = 3


@frozen
class Profile:
    """What compatibility reads of a person: the character or an NPC."""

    id: str  # the person's id (the character's is ``f"{seed}/{life}"``)
    personality: Personality  # Big Five traits
    interests: tuple[str, ...]  # interest ids, sorted
    traits: tuple[str, ...]  # lifestyle trait ids, sorted
    dealbreakers: tuple[str, ...]  # dealbreaker ids held, sorted


@frozen
class Compatibility:
    """A compatibility score and why."""

    score: int  # 0..100
    reasons: tuple[str, ...]  # short human phrases, best first, dealbreakers last
    hits: int = 0  # how many reasons (the last ones) are dealbreaker hits

    def top(self, count: int) -> tuple[str, ...]:
        """The best ``count`` reasons; the dealbreaker hits always among them,
        since they explain a capped score."""
        kept = len(self.reasons) - self.hits
        good, hits = self.reasons[:kept], self.reasons[kept:]
        return (*good[: max(0, count - len(hits))], *hits)[:count]


def personality_similarity(a: Personality, b: Personality) -> int:
    """100 minus the mean absolute difference of the Big Five (floored), 0..100."""
    pairs = (
        (a.openness, b.openness),
        (a.conscientiousness, b.conscientiousness),
        (a.extraversion, b.extraversion),
        (a.agreeableness, b.agreeableness),
        (a.neuroticism, b.neuroticism),
    )
    return 100 - sum(abs(x - y) for x, y in pairs) // len(pairs)


def chemistry(a_id: str, b_id: str) -> int:
    """The stable per-pair chemistry, 0..100: SHA-256 of both ids sorted and
    joined by a unit separator, as an integer, modulo 101."""
    low, high = sorted((a_id, b_id))
    digest = hashlib.sha256(f"{low}\x1f{high}".encode()).digest()
    return int.from_bytes(digest, "big") % 101


def dealbreakers_hit(
    holder: Profile, other: Profile, rules: DatingRules
) -> tuple[str, ...]:
    """The ids of ``holder``'s dealbreakers that ``other`` breaks, in content order."""
    return tuple(
        d.id
        for d in rules.dealbreakers
        if d.id in holder.dealbreakers and (d.trait in other.traits) != d.wants
    )


def _interest_reason(shared: list[str], rules: DatingRules) -> str:
    names = [i.name for i in rules.interests if i.id in shared][:_NAMED_INTERESTS]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"you both like {listed}"


def _dealbreaker_reasons(a: Profile, b: Profile, rules: DatingRules) -> list[str]:
    """A reason per dealbreaker hit: ``a``'s first ("dealbreaker: smokes" for a
    refused trait, "dealbreaker: wants someone with a job" for a required one),
    then ``b``'s ("their dealbreaker: won't date a smoker")."""
    trait_names = {trait.id: trait.name for trait in rules.traits}
    mine, theirs = dealbreakers_hit(a, b, rules), dealbreakers_hit(b, a, rules)
    reasons = []
    for dealbreaker in rules.dealbreakers:
        if dealbreaker.id in mine:
            wanted = dealbreaker.wants
            what = dealbreaker.name if wanted else trait_names[dealbreaker.trait]
            reasons.append(f"dealbreaker: {what}")
    reasons.extend(
        f"their dealbreaker: {d.name}" for d in rules.dealbreakers if d.id in theirs
    )
    return reasons


def compatibility(a: Profile, b: Profile, rules: DatingRules) -> Compatibility:
    """The compatibility of ``a`` and ``b``; the reasons from ``a``'s side."""
    weights = rules.compatibility
    similarity = personality_similarity(a.personality, b.personality)
    shared = sorted(set(a.interests) & set(b.interests))
    every = set(a.interests) | set(b.interests)
    spark = chemistry(a.id, b.id)
    personality_points = similarity * weights.personality // 100
    interest_points = weights.interests * len(shared) // len(every) if every else 0
    chemistry_points = spark * weights.chemistry // 100
    score = personality_points + interest_points + chemistry_points
    blocked = _dealbreaker_reasons(a, b, rules)
    if blocked:
        score = min(score, weights.dealbreaker_cap)
    ranked: list[tuple[int, str]] = []
    if spark >= GREAT_CHEMISTRY:
        ranked.append((chemistry_points, "great chemistry"))
    elif spark >= GOOD_CHEMISTRY:
        ranked.append((chemistry_points, "good chemistry"))
    if shared:
        ranked.append((interest_points, _interest_reason(shared, rules)))
    if similarity >= SIMILAR_PERSONALITY:
        ranked.append((personality_points, "similar personalities"))
    ranked.sort(key=lambda pair: -pair[0])  # stable: ties keep the order above
    against = []
    if spark < LOW_CHEMISTRY:
        against.append("little chemistry")
    if not shared:
        against.append("no shared interests")
    reasons = (*(text for _, text in ranked), *against, *blocked)
    return Compatibility(score=score, reasons=reasons, hits=len(blocked))
