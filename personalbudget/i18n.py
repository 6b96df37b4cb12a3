"""Translation and locale-aware formatting.

All user-facing text goes through ``_`` (or ``N_`` where the text is marked now
and translated when shown). Money, dates and numbers are formatted by Babel in
the locale chosen in settings.
"""

from __future__ import annotations

import gettext as _gettext
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date as _babel_format_date
from babel.numbers import format_currency, format_decimal

from personalbudget.paths import resources_dir

DOMAIN = "personalbudget"
DEFAULT_LOCALE = "en_GB"
SUPPORTED_LOCALES = ("en_GB", "cy_GB")

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_locale = DEFAULT_LOCALE


def locale_dir() -> Path:
    return resources_dir() / "translations"


def set_language(locale: str) -> None:
    """Switch the language of messages and of money/date formatting."""
    global _translation, _locale
    _locale = locale
    _translation = _gettext.translation(
        DOMAIN, localedir=locale_dir(), languages=[locale, locale.split("_")[0]], fallback=True
    )


def current_locale() -> str:
    return _locale


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


def format_money(pence: int, locale: str | None = None) -> str:
    """Format whole pence as pounds, e.g. 123456 -> '£1,234.56'."""
    if not isinstance(pence, int):
        raise TypeError("money is held as whole pence (int)")
    return format_currency(Decimal(pence) / 100, "GBP", locale=locale or _locale)


def format_date(value: date | None, locale: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _babel_format_date(value, format=fmt, locale=locale or _locale)


def format_number(value: int | Decimal, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or _locale)
