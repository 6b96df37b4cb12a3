"""Dates and amounts of money as people and banks write them: one parser for each, used wherever
one is typed or read from a file (a statement, a command's --from and --to).

Pure and Qt-free. UK forms are understood: dates day-first (31/03/2026, 1/3/26, 2026-03-31,
"1 Mar 2026"), amounts such as "1,234.50", "(12.00)", "-5.00", "12.00 DR"; amounts are whole pence.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from personalbudget.i18n import N_, _, format_money

DATE_FORMATS: dict[str, str] = {
    "auto": N_("Work it out (UK, day first)"),
    "dmy": N_("Day/month/year, e.g. 31/03/2026 or 1/3/26"),
    "ymd": N_("Year-month-day, e.g. 2026-03-31"),
    "d_mon_y": N_("Day month-name year, e.g. 1 Mar 2026"),
    "mdy": N_("Month/day/year (US), e.g. 03/31/2026"),
}

# -- dates and amounts --------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + "$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"$|^(\d{4})(\d{2})(\d{2})$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]+([A-Za-z]{3,9})\.?[ \-,]+(\d{4}|\d{2})" + _TIME + "$")

DATE_EXAMPLES = N_("e.g. 31/03/2026, 1/3/26, 2026-03-31 or 1 Mar 2026")


class DateProblem(ValueError):
    pass


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(
            _("'{text}' is not a real date (day {day}, month {month}, year {year}).").format(
                text=text, day=day, month=month, year=year
            )
        ) from None


def parse_date(text: str, fmt: str = "auto") -> date:
    """A statement date, UK day-first unless the US format is chosen; DateProblem says why not."""
    value = text.strip()
    if fmt in ("auto", "dmy", "mdy"):
        match = _DMY.match(value)
        if match:
            first, second, year = int(match[1]), int(match[2]), _year(match[3])
            if fmt == "mdy":
                return _make_date(year, first, second, value)
            return _make_date(year, second, first, value)
    if fmt in ("auto", "ymd"):
        match = _YMD.match(value)
        if match:
            if match[1]:
                return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
            return _make_date(int(match[4]), int(match[5]), int(match[6]), value)
    if fmt in ("auto", "d_mon_y"):
        match = _D_MON_Y.match(value)
        if match:
            month = _MONTHS.get(match[2].lower())
            if month is not None:
                return _make_date(_year(match[3]), month, int(match[1]), value)
    if not value:
        raise DateProblem(_("the date is missing."))
    if fmt == "auto":
        raise DateProblem(
            _("'{text}' is not a date in a format we know ({examples}).").format(
                text=value, examples=_(DATE_EXAMPLES)
            )
        )
    raise DateProblem(
        _("'{text}' does not match the date format chosen ({format}).").format(
            text=value, format=_(DATE_FORMATS[fmt])
        )
    )


_AMOUNT = re.compile(r"^(?P<num>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<dec>\d+))?$")
MAX_DIGITS = 10  # pounds: more digits than any personal budget account could ever move at once
DEFAULT_MAX_TRANSACTION_PENCE = 100_000_00  # the caseload setting's default: £100,000 in one transaction


class AmountProblem(ValueError):
    pass


def parse_amount(text: str) -> int:
    """A statement amount in pence: "1,234.50", "(12.00)", "-5.00", "£5", "12.00 DR", "3.10 CR"."""
    value = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if not value:
        raise AmountProblem(_("the amount is missing."))
    negative = False
    upper = value.upper()
    if upper.endswith("DR"):
        negative, value = True, value[:-2]
    elif upper.endswith("CR"):
        value = value[:-2]
    if value.startswith("(") and value.endswith(")"):
        negative, value = not negative, value[1:-1]
    if value.startswith(("-", "+")):
        negative, value = (value[0] == "-") != negative, value[1:]
    elif value.endswith("-"):
        negative, value = not negative, value[:-1]
    for symbol in ("£", "GBP", "gbp"):
        if value.startswith(symbol):
            value = value[len(symbol) :]
    if value.startswith(("-", "+")):  # "£-5.00"
        negative, value = (value[0] == "-") != negative, value[1:]
    match = _AMOUNT.match(value)
    if not value or not match or (match["num"] is None and match["dec"] is None):
        raise AmountProblem(
            _("'{text}' is not an amount of money (e.g. 1,234.50, -5.00 or (12.00)).").format(
                text=text.strip()
            )
        )
    decimals = match["dec"] or ""
    if len(decimals) > 2:
        raise AmountProblem(
            _("'{text}' has more than two decimal places; amounts are in pounds and pence.").format(
                text=text.strip()
            )
        )
    pounds = (match["num"] or "0").replace(",", "").lstrip("0")
    if len(pounds) > MAX_DIGITS:
        raise AmountProblem(
            _("'{text}' is far too large to be one payment; check the column and the file.").format(
                text=text.strip()[:40]
            )
        )
    pence = int(pounds or "0") * 100 + int(decimals.ljust(2, "0"))
    return -pence if negative else pence


def check_amount_size(pence: int | Decimal, text: str, max_pence: int | None) -> str | None:
    """Why an amount cannot be a real transaction (beyond the caseload's limit for one), or None."""
    size = -pence if pence < 0 else pence  # abs(), typed for int and Decimal alike
    if size >= 10 ** (MAX_DIGITS + 2):
        return _("'{text}' is far too large to be one payment; check the column and the file.").format(
            text=text.strip()[:40]
        )
    if max_pence is not None and size > max_pence:
        return _(
            "{amount} is more than {limit}, the most one transaction can be (a setting). "
            "Check the amount; if it is right, raise the limit in the settings."
        ).format(amount=format_money(int(size)), limit=format_money(max_pence))
    return None
