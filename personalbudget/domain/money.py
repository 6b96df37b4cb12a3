"""Exact money: whole pence (int) and exact fractions, never float.

Totals are kept as ``Fraction`` of a penny until they are shown, then rounded
half up to a whole penny once. Annual figures use a 52-week year: a weekly
cost x 52, a four-weekly cost x 13, a monthly cost x 12. Every total says
which basis it uses.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from personalbudget.i18n import N_, _

WEEKS_PER_YEAR = 52


class Frequency(StrEnum):
    WEEK = "week"
    FOUR_WEEKS = "four_weeks"
    MONTH = "month"
    YEAR = "year"
    ONE_OFF = "one_off"

    @property
    def label(self) -> str:
        return _(FREQUENCY_LABELS[self])

    @property
    def times_per_year(self) -> int:
        """How many times a year the cost falls (a one-off falls once)."""
        return _TIMES_PER_YEAR[self]


FREQUENCY_LABELS = {
    Frequency.WEEK: N_("per week"),
    Frequency.FOUR_WEEKS: N_("per four weeks"),
    Frequency.MONTH: N_("per month"),
    Frequency.YEAR: N_("per year"),
    Frequency.ONE_OFF: N_("one-off"),
}
# The same, in plain words for the person (co-production mode on screen, the easy-read PDF).
HOW_OFTEN = {
    Frequency.WEEK: N_("every week"),
    Frequency.FOUR_WEEKS: N_("every 4 weeks"),
    Frequency.MONTH: N_("every month"),
    Frequency.YEAR: N_("every year"),
    Frequency.ONE_OFF: N_("just once"),
}
_TIMES_PER_YEAR = {
    Frequency.WEEK: WEEKS_PER_YEAR,
    Frequency.FOUR_WEEKS: WEEKS_PER_YEAR // 4,
    Frequency.MONTH: 12,
    Frequency.YEAR: 1,
    Frequency.ONE_OFF: 1,
}


def round_half_up(value: Fraction | int) -> int:
    """Round a fraction of a penny to whole pence, halves away from zero.

    Python's ``round()`` rounds halves to even, which is not how money is rounded.
    """
    if type(value) is int:
        return value
    if not isinstance(value, Fraction):
        value = Fraction(value)
    # int(|n/d| + 1/2) in whole numbers: the same answer, without making three Fractions (an
    # export rounds a value for every person and category).
    numerator, denominator = value.numerator, value.denominator
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -whole if numerator < 0 else whole


def annual_cost(unit_pence: int, quantity: Decimal | int, frequency: Frequency) -> Fraction:
    """Exact cost over a 52-week year, in (fractional) pence."""
    return Fraction(unit_pence) * Fraction(quantity) * frequency.times_per_year


def weekly_cost(unit_pence: int, quantity: Decimal | int, frequency: Frequency) -> Fraction:
    """Exact average cost per week (annual cost / 52), in (fractional) pence."""
    return annual_cost(unit_pence, quantity, frequency) / WEEKS_PER_YEAR


_MONEY_TEXT = re.compile(r"^(?P<pounds>\d{1,3}(,\d{3})+|\d+)?(\.(?P<pence>\d{1,2}))?$")


def parse_pounds(text: str, *, allow_negative: bool = False) -> int:
    """Read an amount typed by a person ("1,234.50", "£12", "0.5") as whole pence.

    Raises ValueError with a message naming what is wrong.
    """
    cleaned = text.strip().replace("£", "").replace(" ", "")
    negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
    if negative:
        cleaned = cleaned.strip("-()")
    match = _MONEY_TEXT.match(cleaned)
    if not cleaned or not match or (match["pounds"] is None and match["pence"] is None):
        raise ValueError(_("'{text}' is not an amount of money, e.g. 12.50").format(text=text))
    pounds = int((match["pounds"] or "0").replace(",", ""))
    pence = int((match["pence"] or "0").ljust(2, "0"))
    amount = pounds * 100 + pence
    if negative and amount:
        if not allow_negative:
            raise ValueError(_("The amount cannot be negative: enter 0 or more."))
        amount = -amount
    return amount


def parse_quantity(text: str) -> Decimal:
    """Read a quantity such as '7.5' (hours) exactly; must be more than zero."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("'{text}' is not a number, e.g. 7.5").format(text=text)) from None
    if not value.is_finite():
        raise ValueError(_("'{text}' is not a number, e.g. 7.5").format(text=text))
    if value <= 0:
        raise ValueError(_("The quantity must be more than zero."))
    return value
