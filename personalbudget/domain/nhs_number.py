"""NHS number validation (modulus 11 check digit).

Weights 10..2 over the first nine digits; the check digit is
``11 - (sum % 11)``, where 11 becomes 0 and 10 means the number is invalid.
"""

from __future__ import annotations

import re

from personalbudget.i18n import _

_SEPARATORS = re.compile(r"[\s-]")


class InvalidNhsNumber(ValueError):
    pass


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid one exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - (total % 11)
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def normalise(text: str) -> str:
    """Return the ten digits of a valid NHS number, or raise InvalidNhsNumber.

    Spaces and hyphens are allowed ("943 476 5919", "943-476-5919").
    """
    digits = _SEPARATORS.sub("", text)
    if not digits.isascii() or not digits.isdigit() or len(digits) != 10:
        raise InvalidNhsNumber(_("An NHS number has exactly 10 digits, like 943 476 5919."))
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise InvalidNhsNumber(
            _("This NHS number fails its check digit: please check it for a typing mistake.")
        )
    return digits


def is_valid(text: str) -> bool:
    try:
        normalise(text)
    except InvalidNhsNumber:
        return False
    return True


def display(digits: str) -> str:
    """Show ten digits in the usual 3-3-4 grouping."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits
