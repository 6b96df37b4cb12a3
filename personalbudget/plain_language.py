"""Money in words, for people who find figures hard to read (co-production mode, easy read).

English is built from num2words' number words ("one hundred and twenty-three pounds and
forty-five pence"); Welsh uses num2words' own currency wording, which applies the Welsh
rules for counting nouns and mutations ("cant a thair ar hugain o bunnoedd ...").
"""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_currency

from personalbudget.i18n import _, current_locale

_CY_ONE = {"ceiniog": "un geiniog", "un punt": "un bunt"}


def money_in_words(pence: int, locale: str | None = None) -> str:
    """Whole pence in words in the chosen language, e.g. 12345 -> 'one hundred and twenty-three
    pounds and forty-five pence'. Money is integer pence, never a float."""
    # Imported here: only the easy read words need it, and it loads every language it has (a
    # noticeable part of the app's start-up, before any money is shown in words).
    from num2words import num2words

    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError("money is held as whole pence (int)")
    language = (locale or current_locale()).split("_")[0]
    sign, pence = ("minus ", -pence) if pence < 0 else ("", pence)
    if language == "cy":
        sign = "minws " if sign else ""
        if pence == 0:
            return "dim punnoedd"
        # num2words treats an int as pence (the minor unit); it leaves "one" unsaid or unmutated.
        words = num2words(pence, lang="cy", to="currency", currency="GBP", separator=" a")
        words = _CY_ONE.get(words, words)
        return sign + words
    pounds, rest = divmod(pence, 100)
    parts = []
    if pounds or not rest:
        parts.append(f"{num2words(pounds, lang='en')} {'pound' if pounds == 1 else 'pounds'}")
    if rest:
        parts.append(f"{num2words(rest, lang='en')} {'penny' if rest == 1 else 'pence'}")
    return sign + " and ".join(parts)


def pounds(pence: int, locale: str | None = None) -> str:
    """Whole pence as whole pounds in figures, rounded half up to the pound: 17308 -> '£173'.

    For the person's view and the easy read plan, where a figure in pence is hard to read; the
    staff view and the statements keep the exact amount."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError("money is held as whole pence (int)")
    where = locale or current_locale()
    whole = (abs(pence) + 50) // 100
    pattern = Locale.parse(where).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "")
    figure = format_currency(whole, "GBP", format=pattern, currency_digits=False, locale=where)
    return ("-" + figure) if pence < 0 and whole else figure


def is_whole_pounds(pence: int) -> bool:
    return pence % 100 == 0


def about(pence: int, locale: str | None = None) -> str:
    """An amount to the pound, with "about" when it was rounded: 'about £173', '£50'."""
    if is_whole_pounds(pence):
        return pounds(pence, locale)
    return _("about {money}").format(money=pounds(pence, locale))


def about_a_week(pence: int, locale: str | None = None) -> str:
    """A weekly amount to the pound: 'about £173 a week'."""
    if is_whole_pounds(pence):
        return _("{money} a week").format(money=pounds(pence, locale))
    return _("about {money} a week").format(money=pounds(pence, locale))
