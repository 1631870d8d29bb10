"""Statistics of A/B experiments: the two-proportion z-test.

Rules of this module (issue 7 "A/B experiments"; docs/experiments.md):

- Pure arithmetic on the standard library (``math.erfc``, ``math.sqrt``): no
  scipy, no randomness.
- The test is the pooled two-proportion z-test. Under the null hypothesis both
  variants convert at one rate, estimated from both together:
  ``p = (x_a + x_b) / (n_a + n_b)``, ``se = sqrt(p (1 - p) (1/n_a + 1/n_b))``,
  ``z = (x_b / n_b - x_a / n_a) / se`` (positive: b converts more than a), and
  the two-sided p-value is ``P(|Z| >= |z|) = erfc(|z| / sqrt 2)``.
- Where the test is undefined the answer is "no evidence of a difference",
  ``z = 0`` and ``p = 1``: a variant without players (``n = 0``), or no variance
  at all (nobody, or everybody, converted in both variants, so ``se = 0``).
- Counts that cannot be counts (negative, or more conversions than players)
  raise ``ValueError`` naming the value: the result would mean nothing.
- The normal approximation wants a few conversions and non-conversions in each
  variant (the textbook rule: at least 5 of each); below that the p-value is
  only rough, which the report's reader is told (docs/experiments.md).
"""

from __future__ import annotations

import math

__all__ = ["SIGNIFICANCE", "two_proportion_z_test"]

#: The significance level of the reports: a p-value below it is "significant".
SIGNIFICANCE = 0.05


def two_proportion_z_test(
    conversions_a: int, n_a: int, conversions_b: int, n_b: int
) -> tuple[float, float]:
    """``(z, two-sided p)`` of b's conversion rate against a's (module rules)."""
    for name, conversions, n in (
        ("a", conversions_a, n_a),
        ("b", conversions_b, n_b),
    ):
        if n < 0 or conversions < 0:
            raise ValueError(
                f"variant {name}: counts must not be negative, got {conversions} of {n}"
            )
        if conversions > n:
            raise ValueError(
                f"variant {name}: {conversions} conversions of {n} players "
                "is more than all of them"
            )
    if n_a == 0 or n_b == 0:
        return 0.0, 1.0
    pooled = (conversions_a + conversions_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 0.0, 1.0
    z = (conversions_b / n_b - conversions_a / n_a) / math.sqrt(variance)
    return z, math.erfc(abs(z) / math.sqrt(2))
