"""Disclosure control at the boundaries PRIVACY.md names."""

from fractions import Fraction

import pytest

from personalbudget.export.disclosure import (
    SUPPRESSED,
    DisclosureRules,
    class_disclosive,
    dominated,
    protect_count,
    protected_median,
    protected_sum,
    secondary_suppression,
)

RULES = DisclosureRules()


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, 0), (1, "*"), (7, "*"), (8, 10), (12, 10), (13, 15), (22, 20), (23, 25), (100, 100)],
)
def test_counts(count, published):
    assert protect_count(count, RULES) == published


def test_halves_round_up_not_to_even():
    tens = DisclosureRules(threshold=10, base=10)
    assert [protect_count(n, tens) for n in (15, 25, 35)] == [20, 30, 40]  # round() would give 20, 20, 40


def test_statistics_need_eight_people():
    seven, eight = [100] * 7, [100] * 8
    assert protected_sum(seven, RULES) == SUPPRESSED and protected_median(seven, RULES) == SUPPRESSED
    assert protected_sum(eight, RULES) == 800 and protected_median(eight, RULES) == Fraction(100)


def test_dominance_at_ninety_percent():
    # Two largest exactly 90% of the sum: allowed; just over: suppressed.
    assert not dominated([45, 45, 2, 2, 2, 2, 1, 1], RULES)
    exactly = [450, 450, 20, 20, 20, 20, 10, 10]  # 900 / 1000
    over = [451, 450, 20, 20, 20, 20, 10, 9]  # 901 / 1000
    assert not dominated(exactly, RULES) and protected_sum(exactly, RULES) == 1000
    assert dominated(over, RULES) and protected_sum(over, RULES) == SUPPRESSED


def test_class_disclosure():
    assert class_disclosive(9, 9, RULES)  # all nine in a small group had an outcome not met
    assert class_disclosive(0, 9, RULES)
    assert not class_disclosive(4, 9, RULES)
    assert not class_disclosive(40, 40, RULES)  # a large group


def feasible_range(table, hidden, row_totals, column_totals, r, c):
    """What an intruder can deduce for a hidden cell from the published cells and margins."""
    row_rest = row_totals[r] - sum(v for j, v in enumerate(table[r]) if j != c and not hidden[r][j])
    column_rest = column_totals[c] - sum(
        table[i][c] for i in range(len(table)) if i != r and not hidden[i][c]
    )
    hidden_in_row = sum(hidden[r]) - 1
    hidden_in_column = sum(hidden[i][c] for i in range(len(table))) - 1
    low = max(0, row_rest if hidden_in_row == 0 else 0, column_rest if hidden_in_column == 0 else 0)
    high = min(row_rest, column_rest)
    return low, high


def test_no_suppressed_cell_can_be_recovered_from_the_margins():
    table = [[3, 20, 30], [25, 4, 40], [50, 60, 70]]
    primary = [[protect_count(v, RULES) == SUPPRESSED for v in row] for row in table]
    hidden = secondary_suppression(table, primary)
    row_totals = [sum(row) for row in table]
    column_totals = [sum(col) for col in zip(*table, strict=True)]
    for r, row in enumerate(hidden):
        for c, is_hidden in enumerate(row):
            if is_hidden:
                low, high = feasible_range(table, hidden, row_totals, column_totals, r, c)
                assert low < high, f"cell ({r},{c}) = {table[r][c]} is pinned to {low}..{high}"
    # Without secondary suppression the attack works: the lone '*' in row 0 is recovered exactly.
    low, high = feasible_range(table, primary, row_totals, column_totals, 0, 0)
    assert low == high == 3
