from decimal import Decimal
from fractions import Fraction

import pytest

from personalbudget.domain.money import (
    Frequency,
    annual_cost,
    parse_pounds,
    parse_quantity,
    round_half_up,
    weekly_cost,
)
from personalbudget.i18n import format_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 2), 1),
        (Fraction(5, 2), 3),  # round() would give 2
        (Fraction(-1, 2), -1),
        (Fraction(7, 3), 2),
        (Fraction(249, 100), 2),
        (0, 0),
    ],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("frequency", "annual"),
    [
        (Frequency.WEEK, 2000 * 52),
        (Frequency.FOUR_WEEKS, 2000 * 13),
        (Frequency.MONTH, 2000 * 12),
        (Frequency.YEAR, 2000),
        (Frequency.ONE_OFF, 2000),
    ],
)
def test_annual_cost_per_frequency_on_a_52_week_year(frequency, annual):
    assert annual_cost(2000, 1, frequency) == annual


def test_costs_stay_exact_with_fractional_quantities():
    # 7.5 hours a week at £23.17 an hour.
    assert annual_cost(2317, Decimal("7.5"), Frequency.WEEK) == Fraction(2317 * 15 * 52, 2)
    assert weekly_cost(2317, Decimal("7.5"), Frequency.WEEK) == Fraction(2317 * 15, 2)
    assert round_half_up(weekly_cost(2317, Decimal("7.5"), Frequency.WEEK)) == 17378  # 17377.5 rounds up
    # £100 a month is 1200/52 = 23.0769... a week.
    assert round_half_up(weekly_cost(10000, 1, Frequency.MONTH)) == 2308


@pytest.mark.parametrize(
    ("text", "pence"),
    [("12", 1200), ("12.5", 1250), ("£1,234.56", 123456), (" 0.07 ", 7), (".5", 50), ("1234567", 123456700)],
)
def test_parse_pounds(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1,23", "12.3.4", "£", "1e5", "nan"])
def test_parse_pounds_rejects_what_is_not_money(text):
    with pytest.raises(ValueError, match="not an amount of money"):
        parse_pounds(text)


def test_negative_amounts_are_refused_unless_allowed():
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_pounds("-5.00")
    assert parse_pounds("(12.00)", allow_negative=True) == -1200
    assert parse_pounds("-5", allow_negative=True) == -500


@pytest.mark.parametrize("text", ["0", "-1", "abc", "inf", "NaN"])
def test_parse_quantity_refuses_zero_negative_and_non_numbers(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_money_is_shown_through_babel_in_pounds():
    assert format_money(123456) == "£1,234.56"
    assert format_money(-5) == "-£0.05"
    with pytest.raises(TypeError):
        format_money(12.5)  # type: ignore[arg-type]
