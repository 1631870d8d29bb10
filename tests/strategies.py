"""Hypothesis strategies for BaoLife values: instants, commands and journals.

The generic strategies ship with the engine (``baolife_core.testing.strategies``);
this module binds them to the bundled content under the names the tests use.
"""

from __future__ import annotations

from baolife_core.testing import strategies as toolkit
from baolife_core.testing.strategies import (
    any_instants,
    create_characters,
    gaps,
    instants,
    journals,
    keys,
    names,
    purchase_refills,
    purchase_time_skips,
    seeds,
)

__all__ = [
    "CATALOG",
    "activities",
    "any_instants",
    "create_characters",
    "gaps",
    "genders",
    "instants",
    "journals",
    "keys",
    "names",
    "purchase_refills",
    "purchase_time_skips",
    "refill_types",
    "seeds",
    "skip_types",
]

CATALOG = toolkit.bundled_catalog()

refill_types = toolkit.refill_types(CATALOG)
skip_types = toolkit.skip_types(CATALOG)
activities = toolkit.activities(CATALOG)
genders = toolkit.genders(CATALOG)
