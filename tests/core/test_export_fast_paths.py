"""The export's fast paths (issue 18) give exactly what the general code gives: the whole-pence
judgement of over/under spending, and records whose money pairs arrive already in canonical form."""

from __future__ import annotations

import random
from fractions import Fraction

from personalbudget.domain import monitoring
from personalbudget.domain.monitoring import Status, judge
from personalbudget.export.dataset import _pairs


def _by_fractions(planned: int, spent: int, recurring: int) -> Status:
    return monitoring._status(
        Fraction(planned), spent, monitoring._slack(Fraction(recurring), Fraction(planned))
    )


def test_whole_pence_judgement_is_the_fraction_rule_at_every_edge() -> None:
    rng = random.Random(18)
    cases = [(0, 0, 0), (0, 1, 0), (10_000, 12_500, 0), (10_000, 12_501, 0), (100_000, 80_000, 0)]
    for _ in range(20_000):
        planned = rng.randrange(-1_000, 5_000_000)
        recurring = rng.choice([0, rng.randrange(0, 10_000_000)])
        edges = [2_500, planned // 20, planned // 5, recurring * 4 // 52]
        offset = rng.choice(edges) + rng.choice([-1, 0, 1])
        cases.append((planned, planned + rng.choice([offset, -offset]), recurring))
        cases.append((planned, rng.randrange(0, 5_000_000), recurring))
    statuses = set()
    for planned, spent, recurring in cases:
        expected = _by_fractions(planned, spent, recurring)
        assert judge(planned, spent, recurring) == expected, (planned, spent, recurring)
        statuses.add(expected)
    assert statuses == {Status.OVER, Status.UNDER, Status.ON_TRACK, Status.NOT_PLANNED}
    # Fractions still take the general path, with the same answer.
    assert judge(Fraction(10_000), 12_501, Fraction(0)) == Status.OVER


def test_canonical_pairs_are_kept_and_others_still_merged_and_sorted() -> None:
    canonical = (("health", 5), ("social_care", 7))
    assert _pairs(canonical) is canonical
    assert _pairs((("social_care", 7), ("health", 5))) == canonical
    assert _pairs((("health", 2), ("health", 3), ("social_care", 7))) == canonical
    assert _pairs({"social_care": 7, "health": 5}) == canonical
    assert _pairs((("health", True),)) == (("health", 1),)  # a bool is not kept as it is
    assert type(_pairs((("health", True),))[0][1]) is int


def test_whole_number_rounding_is_round_half_up() -> None:
    from personalbudget.domain.money import round_half_up
    from personalbudget.export.dataset import _rounded

    rng = random.Random(7)
    for _ in range(20_000):
        denominator = rng.choice([1, 2, 3, 4, 5, 7, 10, 12, 20, 100, rng.randrange(1, 10_000)])
        numerator = rng.randrange(-1_000_000, 1_000_000)
        if rng.random() < 0.3:  # exact halves
            numerator = denominator * rng.randrange(-500, 500) + (
                denominator // 2 if denominator % 2 == 0 else 0
            )
        assert _rounded(numerator, denominator) == round_half_up(Fraction(numerator, denominator))
    assert (
        _rounded(5, 2) == 3 and _rounded(-5, 2) == -3 and _rounded(10, 4) == 3
    )  # 2.5 -> 3, not normalised first
