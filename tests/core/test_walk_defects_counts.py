"""Counts shown to a person agree with their number ("1 event", not "1 events"; issue 13): every
message that puts a number before a plural noun goes through ngettext, so each language (Welsh has
six plural forms) can say it properly."""

from __future__ import annotations

import re
from pathlib import Path

from personalbudget.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
NOUNS = (
    "events|people|persons|items|rows|transactions|files|days|weeks|months|years|minutes|backups|lines|"
    "columns|rules|reviews|problems|records|points|questions|payments|entries|cells|outcomes|gaps|"
    "contributions|characters|values"
)
COUNT_BEFORE_NOUN = re.compile(r"\{\w+\}\s+(?:\w+\s+)?(?:" + NOUNS + r")\b")
SINGULAR_ONLY = re.compile(r'(?<![n\w])_\(\s*((?:"[^"\n]*"\s*)+)\)')
# Counts that are never 1: limits and thresholds fixed in the code, and a branch for "more than one".
NEVER_ONE = (
    "Use at least {n} characters.",
    "at least {n} characters that you will remember",
    "use at most {n} characters.",
    "keep it under {n} characters.",
    "Use a password of at least {n} characters.",
    "use at least {n} characters.",
    "Choose between 1 and {n} demo people.",
    "is more than {n} years ago",
    "Keep to at most {n} rules.",
    "The file has {n} rows; one statement can have at most {limit}.",
    "{n} problems were found in the file",  # one problem has its own sentence
    "(at least {weeks} weeks a year)",
    "by more than {weeks} weeks of its cost",  # the rule's allowance, fixed in the code
    "1 to {small} people",
    "1 to {s} people",
    "1 to {t} people",
    "fewer than {t} people",
    "at least {n} people contribute",
    "Counts of 1-{small}",
    "between columns",
    "of {year_days} days",  # a year has 365 or 366 days
    "PA holiday cover: {weeks} weeks a year",  # the statutory 5.6 weeks of the rates file
    "x {weeks} weeks' statutory holiday",
)


def singular_only_messages() -> list[str]:
    """Translated texts (``_()``, not ``ngettext``) that put a number before a plural noun."""
    found = []
    for path in sorted((ROOT / "ui").glob("*.py")) + sorted((ROOT / "personalbudget").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in SINGULAR_ONLY.finditer(text):
            message = "".join(re.findall(r'"([^"\n]*)"', match.group(1)))
            if COUNT_BEFORE_NOUN.search(message) and not any(known in message for known in NEVER_ONE):
                line = text[: match.start()].count("\n") + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {message[:80]}")
    return found


def test_every_count_before_a_plural_noun_goes_through_ngettext():
    found = singular_only_messages()
    assert not found, "Use ngettext for these counts:\n  " + "\n  ".join(found)


def test_a_definition_with_one_problem_says_one_problem():
    assert str(DefinitionError("ras.toml", ["price missing"])).startswith("ras.toml has 1 problem:\n")
    assert str(DefinitionError("ras.toml", ["a", "b"])).startswith("ras.toml has 2 problems:\n")
