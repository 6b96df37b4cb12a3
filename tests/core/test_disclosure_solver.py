"""The intruder's search (``disclosure.solvable``) was rewritten for speed (issue 16: a caseload of 100
took 25 s to export). It must answer exactly as the first version did, node for node: the same
answer, and running out of effort on the same searches, or tables would be suppressed differently."""

from __future__ import annotations

import random

import pytest

from personalbudget.export.disclosure import _table_system, solvable

Var = tuple[str, int, int]


def _reference_propagate(domains, constraints):  # the first version, kept as the specification
    domains = dict(domains)
    changed = True
    while changed:
        changed = False
        for terms, low, high in constraints:
            spans = [
                (a * domains[x][0], a * domains[x][1]) if a > 0 else (a * domains[x][1], a * domains[x][0])
                for a, x in terms
            ]
            low_sum = sum(lo for lo, _hi in spans)
            high_sum = sum(hi for _lo, hi in spans)
            if low_sum > high or high_sum < low:
                return None
            for (a, x), (span_lo, span_hi) in zip(terms, spans, strict=True):
                term_lo, term_hi = low - (high_sum - span_hi), high - (low_sum - span_lo)
                lo, hi = domains[x]
                if a > 0:
                    new_lo, new_hi = max(lo, term_lo), min(hi, term_hi)
                else:
                    new_lo, new_hi = max(lo, -term_hi), min(hi, -term_lo)
                if new_lo > new_hi:
                    return None
                if (new_lo, new_hi) != (lo, hi):
                    domains[x] = (new_lo, new_hi)
                    changed = True
    return domains


def _reference_solvable(domains, constraints, effort=20_000):
    budget = [effort]

    def search(current):
        budget[0] -= 1
        if budget[0] < 0:
            raise TimeoutError
        narrowed = _reference_propagate(current, constraints)
        if narrowed is None:
            return False
        open_vars = [(hi - lo, x) for x, (lo, hi) in narrowed.items() if hi > lo]
        if not open_vars:
            return True
        _width, x = min(open_vars)
        lo, hi = narrowed[x]
        middle = (lo + hi) // 2
        values = sorted(range(lo, hi + 1), key=lambda v: abs(v - middle))
        return any(search({**narrowed, x: (v, v)}) for v in values)

    return search(domains)


def _answer(solver, domains, constraints, effort):
    try:
        return solver(domains, constraints, effort)
    except TimeoutError:
        return "timeout"


@pytest.mark.parametrize("seed", range(12))
def test_the_search_answers_as_the_first_version_did_even_when_it_runs_out_of_effort(seed):
    rng = random.Random(seed)
    answers = set()
    for _table in range(6):
        rows, columns = rng.randint(1, 4), rng.randint(2, 5)
        cells = [[rng.choice([0, 1, 2, 3, 5, 7, 8, 12, 30]) for _c in range(columns)] for _r in range(rows)]
        suppressed = [[0 < v < 8 or rng.random() < 0.2 for v in row] for row in cells]
        truth, hidden, constraints = _table_system(
            cells, suppressed, [rng.random() < 0.7 for _r in range(rows)], [True] * columns, True
        )
        if not hidden:
            continue
        big = max(sum(map(sum, cells)), 8) * 2
        domains = {x: (0, 7) if truth[x] == 0 else (1, 7) if truth[x] <= 7 else (8, big) for x in hidden}
        for x in hidden:
            for trial in ({**domains, x: (truth[x] + 1, big)}, {**domains, x: (domains[x][0], truth[x] - 1)}):
                for effort in (3, 40, 2_000):
                    expected = _answer(_reference_solvable, trial, constraints, effort)
                    assert _answer(solvable, trial, constraints, effort) == expected
                    answers.add(expected)
    assert answers  # something was compared
