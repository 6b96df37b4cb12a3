"""round_half_up was rewritten in whole numbers for speed (the export rounds a value for every person
and category): it must round exactly as the Fraction arithmetic it replaced, halves away from zero."""

import random
from decimal import Decimal
from fractions import Fraction

from personalbudget.domain.money import round_half_up


def _by_fractions(value):
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


def test_rounds_as_the_fraction_arithmetic_did():
    rng = random.Random(18)
    values = [Fraction(rng.randint(-(10**12), 10**12), rng.randint(1, 10**5)) for _ in range(20_000)]
    values += [Fraction(n, 2) for n in range(-9, 10)] + [0, 7, -7, Decimal("2.5"), Decimal("-2.5")]
    for value in values:
        assert round_half_up(value) == _by_fractions(value), value
    assert round_half_up(Fraction(5, 2)) == 3 and round_half_up(Fraction(-5, 2)) == -3
