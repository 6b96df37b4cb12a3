"""Standard vocabularies (DOMAIN.md): use these exact categories.

Stored values are the codes on the left; the labels are Client Level Data /
regulation wording, marked for translation.
"""

from __future__ import annotations

from personalbudget.i18n import N_, _

# Care and Support (Eligibility Criteria) Regulations 2015, reg. 2(2).
CARE_ACT_OUTCOMES: dict[str, str] = {
    "a": N_("Managing and maintaining nutrition"),
    "b": N_("Maintaining personal hygiene"),
    "c": N_("Managing toilet needs"),
    "d": N_("Being appropriately clothed"),
    "e": N_("Being able to make use of the adult's home safely"),
    "f": N_("Maintaining a habitable home environment"),
    "g": N_("Developing and maintaining family or other personal relationships"),
    "h": N_("Accessing and engaging in work, training, education or volunteering"),
    "i": N_(
        "Making use of necessary facilities or services in the local community "
        "including public transport, and recreational facilities or services"
    ),
    "j": N_("Carrying out any caring responsibilities the adult has for a child"),
}

# Primary Support Reason, Client Level Data spelling (stored as written; shown translated).
PRIMARY_SUPPORT_REASONS: tuple[str, ...] = (
    N_("Physical Support: Access & mobility only"),
    N_("Physical Support: Personal care support"),
    N_("Sensory Support: Support for visual impairment"),
    N_("Sensory Support: Support for hearing impairment"),
    N_("Sensory Support: Support for dual impairment"),
    N_("Support with Memory & Cognition"),
    N_("Learning Disability Support"),
    N_("Mental Health Support"),
    N_("Social Support: Substance misuse support"),
    N_("Social Support: Asylum seeker support"),
    N_("Social Support: Support for Social Isolation/Other"),
    N_("Social Support: Support to Carer"),
    N_("Unknown"),
)

# Who stands beside the person. Stored as the code, shown as the label.
REPRESENTATIVE_ROLES: dict[str, str] = {
    "carer": N_("Family carer"),
    "representative": N_("Representative or advocate"),
    "nominated": N_("Nominated person (direct payments)"),
    "suitable": N_("Suitable person (direct payments)"),
    "attorney": N_("Lasting power of attorney"),
    "deputy": N_("Court-appointed deputy"),
}

# Family words typed for a carer or representative ("father", "son"): stored as typed, shown in the
# language of the screen or the PDF (so a word typed in English reads in Welsh too).
RELATIONSHIP_WORDS: dict[str, str] = {
    "mother": N_("mother"),
    "father": N_("father"),
    "son": N_("son"),
    "daughter": N_("daughter"),
    "sister": N_("sister"),
    "brother": N_("brother"),
    "wife": N_("wife"),
    "husband": N_("husband"),
    "partner": N_("partner"),
    "friend": N_("friend"),
    "neighbour": N_("neighbour"),
    "grandmother": N_("grandmother"),
    "grandfather": N_("grandfather"),
    "grandson": N_("grandson"),
    "granddaughter": N_("granddaughter"),
    "aunt": N_("aunt"),
    "uncle": N_("uncle"),
    "niece": N_("niece"),
    "nephew": N_("nephew"),
    "carer": N_("carer"),
    "advocate": N_("advocate"),
}


def relationship_label(typed: str) -> str:
    """A relationship as typed, in the current language when it is one of the family words (its
    capital kept); anything else is shown exactly as it was written."""
    word = typed.strip()
    known = RELATIONSHIP_WORDS.get(word.casefold())
    if known is None:
        return word
    shown = _(known)
    return shown[:1].upper() + shown[1:] if word[:1].isupper() else shown


# What a costed support item is for; used for planned-spend analysis.
SUPPORT_CATEGORIES: dict[str, str] = {
    "personal_care": N_("Personal care"),
    "personal_assistant": N_("Personal assistant"),
    "day_opportunities": N_("Day opportunities"),
    "short_breaks": N_("Short breaks and respite"),
    "community_activities": N_("Community and leisure activities"),
    "transport": N_("Transport"),
    "domestic": N_("Help at home"),
    "equipment": N_("Equipment and adaptations"),
    "assistive_technology": N_("Assistive technology"),
    "work_learning": N_("Work, learning and volunteering"),
    "health_support": N_("Health support"),
    "other": N_("Other"),
}

# -- plain names, beside the official ones (issue 19) ---------------------------------------------
# What the person sees in co-production mode and the easy read plan: no statutory codes or
# regulation wording. Every code above has one; tests/core/test_person_view.py checks.

CARE_ACT_OUTCOMES_PLAIN: dict[str, str] = {
    "a": N_("Eating and drinking"),
    "b": N_("Keeping clean"),
    "c": N_("Using the toilet"),
    "d": N_("Getting dressed"),
    "e": N_("Being safe at home"),
    "f": N_("Looking after my home"),
    "g": N_("Family and friends"),
    "h": N_("Work, learning and volunteering"),
    "i": N_("Getting out and about"),
    "j": N_("Looking after a child"),
}

SUPPORT_CATEGORIES_PLAIN: dict[str, str] = {
    "personal_care": N_("Help with washing and dressing"),
    "personal_assistant": N_("A personal assistant"),
    "day_opportunities": N_("Things to do in the day"),
    "short_breaks": N_("Short breaks"),
    "community_activities": N_("Going out and having fun"),
    "transport": N_("Getting about"),
    "domestic": N_("Help at home"),
    "equipment": N_("Equipment"),
    "assistive_technology": N_("Technology that helps"),
    "work_learning": N_("Work and learning"),
    "health_support": N_("Health"),
    "other": N_("Other help"),
}


def plain_outcome(code: str) -> str:
    """The plain name of a Care Act outcome (untranslated: pass it to ``_``); '' for no code."""
    return CARE_ACT_OUTCOMES_PLAIN.get(code, "")


def plain_category(code: str) -> str:
    """The plain name of a support category (untranslated); an unknown code is 'Other help'."""
    return SUPPORT_CATEGORIES_PLAIN.get(code, SUPPORT_CATEGORIES_PLAIN["other"])
