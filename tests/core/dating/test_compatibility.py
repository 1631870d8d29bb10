"""Tests of ``baolife_core.dating.compatibility``: the score's formula, its
properties (Hypothesis) and the reasons."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baolife_core import load_catalog
from baolife_core.dating.compatibility import (
    Compatibility,
    Profile,
    chemistry,
    compatibility,
    dealbreakers_hit,
    personality_similarity,
)
from baolife_core.state import Personality

RULES = load_catalog().dating
WEIGHTS = RULES.compatibility
INTERESTS = [i.id for i in RULES.interests]
TRAITS = [t.id for t in RULES.traits]
DEALBREAKERS = [d.id for d in RULES.dealbreakers]


def subsets(ids: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    """Sorted subsets of ``ids``."""
    return st.frozensets(st.sampled_from(ids)).map(lambda s: tuple(sorted(s)))


personalities = st.builds(
    Personality, *(st.integers(min_value=0, max_value=100) for _ in range(5))
)
profiles = st.builds(
    Profile,
    id=st.text(min_size=1, max_size=20),
    personality=personalities,
    interests=subsets(INTERESTS),
    traits=subsets(TRAITS),
    dealbreakers=subsets(DEALBREAKERS),
)
#: Profiles without dealbreakers, so no pair of them can hit one.
open_profiles = profiles.map(
    lambda p: Profile(p.id, p.personality, p.interests, p.traits, ())
)


def person(
    pid: str = "a",
    *,
    big_five: tuple[int, int, int, int, int] = (50, 50, 50, 50, 50),
    interests: tuple[str, ...] = (),
    traits: tuple[str, ...] = (),
    dealbreakers: tuple[str, ...] = (),
) -> Profile:
    """A profile with the given fields."""
    return Profile(pid, Personality(*big_five), interests, traits, dealbreakers)


def formula(a: Profile, b: Profile) -> int:
    """The documented formula, written out independently (no dealbreaker)."""
    diffs = [
        abs(x - y)
        for x, y in zip(
            (
                a.personality.openness,
                a.personality.conscientiousness,
                a.personality.extraversion,
                a.personality.agreeableness,
                a.personality.neuroticism,
            ),
            (
                b.personality.openness,
                b.personality.conscientiousness,
                b.personality.extraversion,
                b.personality.agreeableness,
                b.personality.neuroticism,
            ),
            strict=True,
        )
    ]
    similarity = 100 - sum(diffs) // 5
    union = set(a.interests) | set(b.interests)
    shared = set(a.interests) & set(b.interests)
    jaccard = WEIGHTS.interests * len(shared) // len(union) if union else 0
    joined = "\x1f".join(sorted((a.id, b.id))).encode()
    spark = int(hashlib.sha256(joined).hexdigest(), 16) % 101
    return (
        similarity * WEIGHTS.personality // 100
        + jaccard
        + spark * WEIGHTS.chemistry // 100
    )


class TestProperties:
    """Within 0..100, deterministic, symmetric; dealbreakers cap, nothing else."""

    @given(a=profiles, b=profiles)
    def test_within_range(self, a: Profile, b: Profile) -> None:
        """Every score is within 0..100."""
        assert 0 <= compatibility(a, b, RULES).score <= 100

    @given(a=profiles, b=profiles)
    def test_deterministic(self, a: Profile, b: Profile) -> None:
        """The same pair gives the same score and reasons."""
        assert compatibility(a, b, RULES) == compatibility(a, b, RULES)

    @given(a=profiles, b=profiles)
    def test_symmetric(self, a: Profile, b: Profile) -> None:
        """The score does not depend on whose side it is read from."""
        assert compatibility(a, b, RULES).score == compatibility(b, a, RULES).score

    @given(a=profiles, b=profiles)
    def test_dealbreaker_caps(self, a: Profile, b: Profile) -> None:
        """A dealbreaker hit either way caps the score at ``dealbreaker_cap``."""
        hit = dealbreakers_hit(a, b, RULES) or dealbreakers_hit(b, a, RULES)
        score = compatibility(a, b, RULES).score
        if hit:
            assert score <= WEIGHTS.dealbreaker_cap
        else:
            assert formula(a, b) == score

    @given(a=open_profiles, b=open_profiles)
    def test_no_cap_without_a_dealbreaker(self, a: Profile, b: Profile) -> None:
        """Without dealbreakers the score is the formula, uncapped."""
        assert formula(a, b) == compatibility(a, b, RULES).score

    def test_scores_above_the_cap_occur(self) -> None:
        """The formula does reach above the cap, so the cap is a real limit."""
        twin = person("a", interests=("hiking", "jazz"))
        assert compatibility(
            twin, person("b", interests=("hiking", "jazz")), RULES
        ).score > (WEIGHTS.dealbreaker_cap)


class TestParts:
    """Personality similarity and chemistry."""

    def test_identical_personalities(self) -> None:
        """Identical Big Five are 100 similar."""
        assert 100 == personality_similarity(
            Personality(1, 2, 3, 4, 5), Personality(1, 2, 3, 4, 5)
        )

    def test_opposite_personalities(self) -> None:
        """Opposite extremes are 0 similar; the mean distance is floored."""
        assert 0 == personality_similarity(
            Personality(0, 0, 0, 0, 0), Personality(100, 100, 100, 100, 100)
        )
        assert 99 == personality_similarity(
            Personality(0, 0, 0, 0, 0), Personality(9, 0, 0, 0, 0)
        )

    @given(a=st.text(), b=st.text())
    def test_chemistry_symmetric_and_bounded(self, a: str, b: str) -> None:
        """Chemistry is the same both ways and within 0..100."""
        assert chemistry(a, b) == chemistry(b, a)
        assert 0 <= chemistry(a, b) <= 100

    def test_chemistry_vector(self) -> None:
        """A pinned value: SHA-256 of the sorted ids joined by a unit separator."""
        digest = hashlib.sha256(b"1234/1\x1fnpc").hexdigest()
        assert int(digest, 16) % 101 == chemistry("npc", "1234/1")


class TestWorkedExample:
    """The worked example of docs/dating.md "Compatibility"."""

    def test_example(self) -> None:
        """Personality 90 similar, 2 of 5 interests shared, the pair's chemistry."""
        you = person(
            "1234/1",
            big_five=(60, 40, 70, 50, 30),
            interests=("hiking", "jazz", "cooking"),
        )
        them = person(
            "npc",
            big_five=(50, 50, 60, 60, 20),
            interests=("hiking", "jazz", "films", "travel"),
        )
        spark = chemistry("1234/1", "npc")
        expected = 90 * 15 // 100 + 35 * 2 // 5 + spark * 50 // 100
        similarity = personality_similarity(you.personality, them.personality)
        assert (90, 85) == (similarity, spark)
        assert (69, 69) == (expected, compatibility(you, them, RULES).score)


class TestReasons:
    """Reasons are short phrases from the first profile's side, best first."""

    def test_shared_interests_are_named(self) -> None:
        """Up to three shared interests are named, in content order."""
        a = person("a", interests=("hiking", "jazz", "films", "travel"))
        b = person("b", interests=("hiking", "jazz", "films", "travel"))
        reasons = compatibility(a, b, RULES).reasons
        assert "you both like hiking, jazz and films" in reasons
        one = compatibility(a, person("b", interests=("jazz",)), RULES).reasons
        assert "you both like jazz" in one

    def test_nothing_shared(self) -> None:
        """No shared interest is said, after the good reasons."""
        assert 46 == chemistry("a", "n")  # neither good nor little
        reasons = compatibility(person("a"), person("n"), RULES).reasons
        assert ("similar personalities", "no shared interests") == reasons

    def test_own_and_their_dealbreakers(self) -> None:
        """A refused trait names the trait; a required one the dealbreaker; the
        other side's dealbreakers come last."""
        a = person("a", traits=("musician",), dealbreakers=("no_smokers", "needs_job"))
        b = person("b", traits=("smoker",), dealbreakers=("no_musicians",))
        reasons = compatibility(a, b, RULES).reasons
        assert (
            "dealbreaker: smokes",
            "dealbreaker: wants someone with a job",
            "their dealbreaker: done with musicians",
        ) == reasons[-3:]
        assert WEIGHTS.dealbreaker_cap >= compatibility(a, b, RULES).score

    def test_best_first(self) -> None:
        """The positive reasons are ordered by the points they gave."""
        a = person("a", interests=("hiking", "jazz"))
        b = person("b", interests=("hiking", "jazz"))
        fit = compatibility(a, b, RULES)
        # 35 interest points beat 15 personality points.
        assert fit.reasons.index("you both like hiking and jazz") < fit.reasons.index(
            "similar personalities"
        )

    @given(a=profiles, b=profiles)
    def test_chemistry_reasons(self, a: Profile, b: Profile) -> None:
        """Great, good or little chemistry is said when the chemistry is so."""
        spark = chemistry(a.id, b.id)
        reasons = compatibility(a, b, RULES).reasons
        assert (spark >= 75) == ("great chemistry" in reasons)
        assert (55 <= spark < 75) == ("good chemistry" in reasons)
        assert (spark < 20) == ("little chemistry" in reasons)


class TestTop:
    """``Compatibility.top``: the reasons shown, dealbreakers never cut."""

    @pytest.mark.parametrize(
        ("reasons", "hits", "count", "expected"),
        [
            (("a", "b", "c", "d"), 0, 3, ("a", "b", "c")),
            (("a", "b", "c", "x"), 1, 3, ("a", "b", "x")),
            (("a", "b", "c", "x", "y"), 2, 3, ("a", "x", "y")),
            (("a", "x"), 1, 3, ("a", "x")),
            (("x", "y"), 2, 1, ("x",)),
            ((), 0, 3, ()),
        ],
    )
    def test_top(
        self, reasons: tuple[str, ...], hits: int, count: int, expected: tuple[str, ...]
    ) -> None:
        """The best reasons, then every hit, at most ``count``."""
        assert expected == Compatibility(50, reasons, hits).top(count)

    def test_capped_pair_shows_its_dealbreaker(self) -> None:
        """A capped score's top three reasons name the dealbreaker."""
        you = person(
            "1234/1",
            big_five=(60, 40, 70, 50, 30),
            interests=("hiking", "jazz", "cooking"),
            dealbreakers=("no_smokers",),
        )
        them = person(
            "npc",
            big_five=(50, 50, 60, 60, 20),
            interests=("hiking", "jazz", "films", "travel"),
            traits=("smoker",),
        )
        fit = compatibility(you, them, RULES)
        assert (20, 1) == (fit.score, fit.hits)
        assert (
            "great chemistry",
            "you both like hiking and jazz",
            "dealbreaker: smokes",
        ) == fit.top(3)
