"""Hypothesis strategies for BaoLife values: instants, commands and journals."""

from __future__ import annotations

from hypothesis import strategies as st

from baolife_core import (
    Command,
    CreateCharacter,
    NewPlayer,
    PurchaseEnergyRefill,
    PurchaseTimeSkip,
    load_catalog,
)
from baolife_core.clock import MAX_INSTANT_MS, MS_PER_DAY, MS_PER_MINUTE

CATALOG = load_catalog()

#: Realistic instants: 2020-01-01 to 2040-01-01, in ms.
instants = st.integers(min_value=1_577_836_800_000, max_value=2_208_988_800_000)
#: Any instant the wire accepts.
any_instants = st.integers(min_value=0, max_value=MAX_INSTANT_MS)
#: Gaps between commands: mostly short, sometimes days.
gaps = st.one_of(
    st.integers(min_value=0, max_value=10 * MS_PER_MINUTE),
    st.integers(min_value=0, max_value=3 * MS_PER_DAY),
)
seeds = st.integers(min_value=0, max_value=2**63 - 1)
#: Idempotency keys from a small pool, so that repeats are common.
keys = st.one_of(
    st.sampled_from([f"key-{n}" for n in range(6)]),
    st.uuids().map(str),
)
refill_types = st.one_of(
    st.sampled_from([tier.id for tier in CATALOG.refills]),
    st.sampled_from(["mega", "x"]),
)


skip_types = st.one_of(
    st.sampled_from([skip.id for skip in CATALOG.time_skips]),
    st.sampled_from(["forever"]),
)


@st.composite
def purchase_time_skips(draw: st.DrawFn, at: int | None = None) -> PurchaseTimeSkip:
    """A time-skip purchase, of a known or unknown type."""
    return PurchaseTimeSkip(
        at=draw(instants) if at is None else at,
        skip_type=draw(skip_types),
        idempotency_key=draw(keys),
    )


activities = st.sampled_from(
    [a.id for a in CATALOG.activities.activities] + ["skydive"]
)
genders = st.one_of(st.none(), st.sampled_from([*CATALOG.life.character.genders, "x"]))
names = st.one_of(st.none(), st.sampled_from(["Ada Lovelace", "Zoë Díaz", "Sam"]))


@st.composite
def create_characters(draw: st.DrawFn, at: int | None = None) -> CreateCharacter:
    """A character creation, with or without a chosen name and gender."""
    return CreateCharacter(
        at=draw(instants) if at is None else at, name=draw(names), gender=draw(genders)
    )


@st.composite
def purchase_refills(draw: st.DrawFn, at: int | None = None) -> PurchaseEnergyRefill:
    """A refill purchase, of a known or unknown tier."""
    return PurchaseEnergyRefill(
        at=draw(instants) if at is None else at,
        refill_type=draw(refill_types),
        idempotency_key=draw(keys),
    )


@st.composite
def journals(draw: st.DrawFn, max_commands: int = 30) -> list[NewPlayer | Command]:
    """A journal: a genesis then commands at non-decreasing instants."""
    at = draw(instants)
    records: list[NewPlayer | Command] = [NewPlayer(at=at, seed=draw(seeds))]
    for _ in range(draw(st.integers(min_value=0, max_value=max_commands))):
        at += draw(gaps)
        records.append(
            draw(st.one_of(purchase_refills(at=at), purchase_time_skips(at=at)))
        )
    return records
