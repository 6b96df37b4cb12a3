"""Translation and locale-aware formatting.

All user-facing text goes through ``_`` (or ``N_`` where the text is marked now
and translated when shown). Money, dates and numbers are formatted by Babel in
the locale chosen in settings.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError, default_locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_time as _babel_format_time
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as _babel_format_percent

from personalbudget.paths import resources_dir

DOMAIN = "personalbudget"
DEFAULT_LOCALE = "en_GB"
SUPPORTED_LOCALES = ("en_GB", "cy_GB")

LANGUAGE_ENV = "PERSONALBUDGET_LANGUAGE"
# Each language's name in that language, as the language menu shows it.
LANGUAGE_NAMES = {"en_GB": "English", "cy_GB": "Cymraeg"}

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_locale = DEFAULT_LOCALE
# Texts from data files (the RAS) with their translations, per language ("cy" -> {English: Welsh}).
_data_texts: dict[str, dict[str, str]] = {}


def locale_dir() -> Path:
    return resources_dir() / "translations"


def supported_locale(value: str | None) -> str | None:
    """The supported locale meant by ``value`` ("cy", "cy_GB", "cy-GB.UTF-8", "en"), or None."""
    if not value:
        return None
    language = value.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return next((loc for loc in SUPPORTED_LOCALES if loc.split("_")[0] == language), None)


def system_language() -> str:
    """The supported locale nearest the system's (Babel reads LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    try:
        return (
            supported_locale(default_locale(("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))) or DEFAULT_LOCALE
        )
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LOCALE


def default_language() -> str:
    """PERSONALBUDGET_LANGUAGE if it names a supported language, otherwise the system's."""
    return supported_locale(os.environ.get(LANGUAGE_ENV)) or system_language()


def set_language(locale: str) -> None:
    """Switch the language of messages and of money/date formatting."""
    chosen = supported_locale(locale)
    if chosen is None:
        raise ValueError(f"unsupported language {locale!r} (use one of: {', '.join(SUPPORTED_LOCALES)})")
    install_translation(
        _gettext.translation(
            DOMAIN, localedir=locale_dir(), languages=[chosen, chosen.split("_")[0]], fallback=True
        ),
        chosen,
    )


def install_translation(translation: _gettext.NullTranslations, locale: str | None = None) -> None:
    """Use ``translation`` for every message from now on (a test's pseudo-locale, for instance);
    ``locale`` (default: unchanged) is the one money, dates and numbers are formatted in."""
    global _translation, _locale
    if locale is not None:
        Locale.parse(locale)  # refuse a locale Babel cannot format in
        _locale = locale
    _translation = translation


def current_locale() -> str:
    return _locale


def current_language() -> str:
    """The language part of the current locale: "en" or "cy"."""
    return _locale.split("_")[0]


def add_data_translations(language: str, texts: Mapping[str, str]) -> None:
    """Translations of texts that come from data files (the RAS), not from the code: ``_(text)``
    gives them in ``language`` when the message catalogue has none of its own."""
    _data_texts.setdefault(language, {}).update(texts)


def _(message: str) -> str:
    if not message:
        return message  # gettext("") would be the catalogue's header
    translated = _translation.gettext(message)
    if translated is message or translated == message:
        return _data_texts.get(current_language(), {}).get(message, translated)
    return translated


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


def format_time(value: datetime, locale: str | None = None) -> str:
    """A moment as the local clock time (e.g. "14:05"), for lock-outs and last sign-ins."""
    return _babel_format_time(value.astimezone(), format="short", locale=locale or _locale)


def format_number(value: int | Decimal, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or _locale)


def format_percent(percent: Decimal, locale: str | None = None) -> str:
    """``percent`` (3.2 means 3.2%) with the locale's percent sign: "3.2%"; up to three decimals."""
    return _babel_format_percent(percent / 100, format="#,##0.###%", locale=locale or _locale)
