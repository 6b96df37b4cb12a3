"""Statistical disclosure control for published tables (PRIVACY.md, rules 2-5).

Counts: 0 stays 0; 1 to ``threshold - 1`` is suppressed (``*``); every other count is
rounded to the nearest ``base`` with halves going up. Statistics (sums, means, medians)
only where at least ``min_contributors`` people contribute and no two people make up
more than ``dominance`` of the sum. Class disclosure: a small group that is all or none
for a sensitive attribute is suppressed. Secondary suppression: in a table published
with its row and column totals, no suppressed cell may be the only one in its row or
column, or it could be worked out by subtraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import median

from personalbudget.domain.money import round_half_up

SUPPRESSED = "*"


@dataclass(frozen=True)
class DisclosureRules:
    threshold: int = 8  # counts below this (but above 0) are suppressed
    base: int = 5  # other counts are rounded to a multiple of this
    min_contributors: int = 8  # statistics need at least this many people
    dominance: Fraction = Fraction(9, 10)  # the two largest may not exceed this share of a sum

    def describe(self) -> dict[str, object]:
        return {
            "counts_suppressed_below": self.threshold,
            "counts_rounded_to": self.base,
            "rounding": "nearest, halves up",
            "statistics_need_at_least": self.min_contributors,
            "dominance_limit_two_largest": str(
                Decimal(self.dominance.numerator) / self.dominance.denominator
            ),
            "minimum_and_maximum": "never published",
        }


def protect_count(count: int, rules: DisclosureRules) -> int | str:
    """The published form of a count: 0, '*', or rounded to the base (halves up)."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return 0
    if count < rules.threshold:
        return SUPPRESSED
    return round_half_up(Fraction(count, rules.base)) * rules.base


def dominated(values: Sequence[int], rules: DisclosureRules) -> bool:
    """True when the two largest contributions exceed the dominance share of the total."""
    total = sum(values)
    if total <= 0:
        return False
    top_two = sum(sorted(values, reverse=True)[:2])
    return Fraction(top_two, total) > rules.dominance


def statistics_allowed(values: Sequence[int], rules: DisclosureRules) -> bool:
    return len(values) >= rules.min_contributors and not dominated(values, rules)


def protected_sum(values: Sequence[int], rules: DisclosureRules) -> int | str:
    return sum(values) if statistics_allowed(values, rules) else SUPPRESSED


def protected_median(values: Sequence[int], rules: DisclosureRules) -> Fraction | str:
    return Fraction(median(sorted(values))) if statistics_allowed(values, rules) else SUPPRESSED


def class_disclosive(with_attribute: int, group_size: int, rules: DisclosureRules) -> bool:
    """A group small enough to point at people where all, or none, share a sensitive attribute."""
    return 0 < group_size < 2 * rules.threshold and with_attribute in (0, group_size)


def secondary_suppression(cells: list[list[int]], suppressed: list[list[bool]]) -> list[list[bool]]:
    """Add suppressions until no row or column of the table has exactly one suppressed cell.

    Each extra suppression takes the smallest non-zero unsuppressed cell in the offending row or
    column (least information lost). Zeros are never used as partners: a published 0 is exact.
    """
    result = [row[:] for row in suppressed]
    rows, columns = len(cells), len(cells[0]) if cells else 0

    def lines():  # (cells of the line as (r, c))
        for r in range(rows):
            yield [(r, c) for c in range(columns)]
        for c in range(columns):
            yield [(r, c) for r in range(rows)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden = [(r, c) for r, c in line if result[r][c]]
            if len(hidden) != 1:
                continue
            partners = [(cells[r][c], r, c) for r, c in line if not result[r][c] and cells[r][c] > 0]
            if not partners:
                continue  # the rest of the line is zeros: the suppressed cell equals the total, handled by the caller
            _value, r, c = min(partners)
            result[r][c] = True
            changed = True
    return result
