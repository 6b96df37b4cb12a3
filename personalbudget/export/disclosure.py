"""Statistical disclosure control for published tables (docs/security.md, rules 2-5).

Counts: 0 stays 0; 1 to ``threshold - 1`` is suppressed (``*``); every other count is
rounded to the nearest ``base`` with halves going up. Statistics (sums, means, medians)
only where at least ``min_contributors`` people contribute and no two people make up
more than ``dominance`` of the sum. Class disclosure: a small group that is all or none
for a sensitive attribute is suppressed. Secondary suppression: in a table published
with its row and column totals, no suppressed cell may be the only one in its row or
column, or it could be worked out by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from personalbudget.domain.money import round_half_up
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _

SUPPRESSED = "*"


class DisclosureError(PersonalBudgetError):
    """A table that cannot be protected: publishing it would let a suppressed cell be worked out."""


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


def exact_median(values: Sequence[int]) -> Fraction:
    """The median, exactly: the middle value, or half the sum of the two middle ones (no floats)."""
    if not values:
        raise ValueError("no median of nothing")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def protected_median(values: Sequence[int], rules: DisclosureRules) -> Fraction | str:
    return exact_median(values) if statistics_allowed(values, rules) else SUPPRESSED


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


# -- secondary protection checked against an intruder ------------------------------------------------
#
# A table with its totals is a small system of equations: each row of cells adds up to its row
# total, each column to its column total, the totals to the grand total. Published entries are
# known; suppressed ones are unknowns that an intruder knows only to be whole numbers of at
# least 1 (a published 0 is exact). A suppressed entry is safe when two different values for it
# both fit everything published.

Var = tuple[str, int, int]  # ("cell", r, c) | ("row", r, 0) | ("column", c, 0) | ("grand", 0, 0)
Term = tuple[int, Var]  # coefficient (+1 or -1) and variable
Constraint = tuple[list[Term], int, int]  # sum of the terms lies between the two bounds


def _narrow(
    lo: list[int],
    hi: list[int],
    constraints: list[tuple[list[tuple[int, int]], int, int]],
    watchers: list[list[int]],
) -> bool:
    """Tighten whole-number bounds (``lo``/``hi``, by variable number, in place) until nothing
    changes; False when nothing fits. Only the constraints of a variable just narrowed are looked at
    again, so a search node costs what changed, not the whole table. The bounds reached do not
    depend on the order the constraints are looked at (each step only removes values no solution
    can take), so this is the same narrowing as going over every constraint until none changes."""
    queue = list(range(len(constraints)))
    queued = [True] * len(constraints)
    while queue:
        k = queue.pop()
        queued[k] = False
        terms, low, high = constraints[k]
        low_sum = high_sum = widest = 0
        for a, i in terms:
            least, most = lo[i], hi[i]
            if a > 0:
                low_sum += least
                high_sum += most
            else:
                low_sum -= most
                high_sum -= least
            if most - least > widest:
                widest = most - least
        if low_sum > high or high_sum < low:
            return False
        if widest <= high_sum - low and widest <= high - low_sum:
            continue  # every term already fits whatever the others take: nothing to narrow
        for a, i in terms:
            least, most = lo[i], hi[i]
            # a*x lies in [low - (high_sum - its high), high - (low_sum - its low)]
            if a > 0:
                new_lo, new_hi = low - high_sum + most, high - low_sum + least
            else:
                new_lo, new_hi = low_sum + most - high, high_sum + least - low
            if new_lo < least:
                new_lo = least
            if new_hi > most:
                new_hi = most
            if new_lo > new_hi:
                return False
            if new_lo != least or new_hi != most:
                # the sums above are those of the old bounds: correct them for this term
                if a > 0:
                    low_sum += new_lo - least
                    high_sum += new_hi - most
                else:
                    low_sum -= new_hi - most
                    high_sum -= new_lo - least
                lo[i], hi[i] = new_lo, new_hi
                for other in watchers[i]:
                    if not queued[other]:
                        queued[other] = True
                        queue.append(other)
    return True


def _outward(lo: int, hi: int, middle: int) -> Iterator[int]:
    """``lo`` to ``hi`` nearest ``middle`` first, the lower of two equally near first (the order of
    ``sorted(range(lo, hi + 1), key=lambda v: abs(v - middle))``, without building the list)."""
    if lo <= middle <= hi:
        yield middle
    step = 1
    while middle - step >= lo or middle + step <= hi:
        if middle - step >= lo and middle - step <= hi:
            yield middle - step
        if middle + step <= hi and middle + step >= lo:
            yield middle + step
        step += 1


def solvable(
    domains: dict[Var, tuple[int, int]], constraints: list[Constraint], effort: int = 20_000
) -> bool:
    """Is there a whole-number assignment within ``domains`` meeting every constraint?

    Depth-first search with bound propagation: the variable with the fewest values left first
    (ties: the first in order), its values nearest the middle first. Raises ``TimeoutError`` after
    ``effort`` nodes.
    """
    names = sorted(domains)
    number = {x: i for i, x in enumerate(names)}
    compiled = [([(a, number[x]) for a, x in terms], low, high) for terms, low, high in constraints]
    watchers: list[list[int]] = [[] for _x in names]
    for k, (terms, _low, _high) in enumerate(compiled):
        for _a, i in terms:
            watchers[i].append(k)
    budget = [effort]
    count = len(names)

    def search(lo: list[int], hi: list[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            raise TimeoutError
        if not _narrow(lo, hi, compiled, watchers):
            return False
        best, width = -1, 0
        for i in range(count):
            span = hi[i] - lo[i]
            if span > 0 and (best < 0 or span < width):
                best, width = i, span
        if best < 0:
            return True
        middle = (lo[best] + hi[best]) // 2
        for value in _outward(lo[best], hi[best], middle):
            trial_lo, trial_hi = lo[:], hi[:]
            trial_lo[best] = trial_hi[best] = value
            if search(trial_lo, trial_hi):
                return True
        return False

    return search([domains[x][0] for x in names], [domains[x][1] for x in names])


def _table_system(
    cells: list[list[int]],
    suppressed: list[list[bool]],
    row_totals: Sequence[bool] | None,
    column_totals: Sequence[bool] | None,
    grand_total: bool | None,
) -> tuple[dict[Var, int], list[Var], list[Constraint]]:
    """The truth of every entry, the suppressed ones, and the equations linking them.

    ``row_totals``/``column_totals``: None when the table has no such totals, else a flag a line,
    True where that total is published. ``grand_total``: None when not part of the table.
    """
    truth: dict[Var, int] = {}
    hidden: list[Var] = []
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            truth[("cell", r, c)] = value
            if suppressed[r][c]:
                hidden.append(("cell", r, c))
    columns = len(cells[0]) if cells else 0
    if row_totals is not None:
        for r, published in enumerate(row_totals):
            truth[("row", r, 0)] = sum(cells[r])
            if not published:
                hidden.append(("row", r, 0))
    if column_totals is not None:
        for c, published in enumerate(column_totals):
            truth[("column", c, 0)] = sum(cells[r][c] for r in range(len(cells)))
            if not published:
                hidden.append(("column", c, 0))
    if grand_total is not None:
        truth[("grand", 0, 0)] = sum(map(sum, cells))
        if not grand_total:
            hidden.append(("grand", 0, 0))
    unknown = set(hidden)
    equations: list[list[Term]] = []
    if row_totals is not None:
        equations += [
            [(1, ("cell", r, c)) for c in range(columns)] + [(-1, ("row", r, 0))] for r in range(len(cells))
        ]
        if grand_total is not None:
            equations.append([(1, ("row", r, 0)) for r in range(len(cells))] + [(-1, ("grand", 0, 0))])
    if column_totals is not None:
        equations += [
            [(1, ("cell", r, c)) for r in range(len(cells))] + [(-1, ("column", c, 0))]
            for c in range(columns)
        ]
        if grand_total is not None:
            equations.append([(1, ("column", c, 0)) for c in range(columns)] + [(-1, ("grand", 0, 0))])
    constraints: list[Constraint] = []
    for terms in equations:
        known = sum(a * truth[x] for a, x in terms if x not in unknown)
        free = [(a, x) for a, x in terms if x in unknown]
        if free:
            constraints.append((free, -known, -known))
    return truth, hidden, constraints


def recoverable_cells(
    cells: list[list[int]],
    suppressed: list[list[bool]],
    rules: DisclosureRules,
    *,
    row_totals: Sequence[bool] | None = None,
    column_totals: Sequence[bool] | None = None,
    grand_total: bool | None = None,
    only: Sequence[Var] | None = None,
    effort: int = 20_000,
) -> list[Var]:
    """Suppressed entries (cells or totals) an intruder could pin to one value from what is published.

    The intruder is given the most a careful one could know (the worst case): every published
    entry exactly (as if counts were not rounded), and for each suppressed entry whether it was
    small (1 to ``threshold - 1``; 0 to it for a zero hidden for class disclosure) or hidden to
    protect another (``threshold`` or more). An entry is safe only when a second solution, with a
    different value for it, fits every total; if the search runs out of ``effort`` it counts as
    recoverable.
    """
    truth, hidden, constraints = _table_system(cells, suppressed, row_totals, column_totals, grand_total)
    if not hidden:
        return []
    big = max(sum(map(sum, cells)), rules.threshold) * 2
    small = rules.threshold - 1
    domains = {
        x: (0, small) if truth[x] == 0 else (1, small) if truth[x] <= small else (rules.threshold, big)
        for x in hidden
    }
    found = []
    for x in hidden if only is None else [x for x in hidden if x in set(only)]:
        lo, _hi = domains[x]
        try:
            safe = solvable({**domains, x: (truth[x] + 1, big)}, constraints, effort) or (
                truth[x] - 1 >= lo and solvable({**domains, x: (lo, truth[x] - 1)}, constraints, effort)
            )
        except TimeoutError:
            safe = False
        if not safe:
            found.append(x)
    return found


def protect_table(
    cells: list[list[int]],
    primary: list[list[bool]],
    rules: DisclosureRules,
    *,
    row_totals: Sequence[bool] | None = None,
    column_totals: Sequence[bool] | None = None,
    grand_total: bool | None = None,
) -> list[list[bool]]:
    """The cells to suppress: the primary ones plus enough others that no *sensitive* suppressed
    entry (a primary cell, or a suppressed total of 1 to ``threshold - 1``) can be worked out from
    what is published (``recoverable_cells``). A cell hidden only to protect another may itself be
    recoverable: its value could have been published anyway.

    Totals are protected by their own one-way rule and given (``row_totals``/``column_totals``:
    None when not published at all, else True a line where published); only cells are added here,
    so a total published in several tables is published the same in each. While a sensitive entry
    can be pinned, the first published cell (its own row or column first, then the smallest; zeros
    last) whose suppression frees it is suppressed too; if none does alone, the first of them is.
    Raises ``DisclosureError`` when every cell is suppressed and an entry can still be pinned (from
    the published totals alone): such a table must not be published.
    """
    result = [row[:] for row in primary]
    if not cells or (row_totals is None and column_totals is None):
        return result
    small = rules.threshold - 1
    sensitive: list[Var] = [
        ("cell", r, c) for r, row in enumerate(primary) for c, flag in enumerate(row) if flag
    ]
    if row_totals is not None:
        sensitive += [
            ("row", r, 0) for r, shown in enumerate(row_totals) if not shown and 0 < sum(cells[r]) <= small
        ]
    if column_totals is not None:
        sensitive += [
            ("column", c, 0)
            for c, shown in enumerate(column_totals)
            if not shown and 0 < sum(cells[r][c] for r in range(len(cells))) <= small
        ]

    def pinned(table: list[list[bool]], which: Sequence[Var]) -> list[Var]:
        return recoverable_cells(
            cells,
            table,
            rules,
            row_totals=row_totals,
            column_totals=column_totals,
            grand_total=grand_total,
            only=which,
        )

    while True:
        stuck = pinned(result, sensitive)
        if not stuck:
            return result
        kind, a, b = stuck[0]

        def in_line(i: int, j: int, kind: str = kind, a: int = a, b: int = b) -> bool:
            """Whether cell (i, j) is in the line that gives the total away."""
            if kind == "cell":
                return i == a or j == b
            if kind == "row":
                return i == a
            return kind == "column" and j == a

        candidates = sorted(
            (
                (not in_line(i, j), v == 0, v, i, j)
                for i, row in enumerate(cells)
                for j, v in enumerate(row)
                if not result[i][j]
            )
        )
        if not candidates:  # every cell is hidden and the totals alone still give one away
            raise DisclosureError(
                _("A table could not be protected, so nothing was exported. Try a longer period.")
            )
        choice = candidates[0]
        for candidate in candidates:
            _far, _zero, _v, i, j = candidate
            trial = [row[:] for row in result]
            trial[i][j] = True
            if not pinned(trial, [stuck[0]]):
                choice = candidate
                break
        _far, _zero, _v, i, j = choice
        result[i][j] = True
