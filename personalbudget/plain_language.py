"""Money in words, for people who find figures hard to read (co-production mode, easy read).

English is built from num2words' number words ("one hundred and twenty-three pounds and
forty-five pence"); Welsh uses num2words' own currency wording, which applies the Welsh
rules for counting nouns and mutations ("cant a thair ar hugain o bunnoedd ...").
"""

from __future__ import annotations

from num2words import num2words

from personalbudget.i18n import current_locale

_CY_ONE = {"ceiniog": "un geiniog", "un punt": "un bunt"}


def money_in_words(pence: int, locale: str | None = None) -> str:
    """Whole pence in words in the chosen language, e.g. 12345 -> 'one hundred and twenty-three
    pounds and forty-five pence'. Money is integer pence, never a float."""
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
