"""The message catalogues: current, complete, consistent and compiled; and switching language.

Fixing a failure here: ``.venv/bin/python scripts/translations.py extract`` and ``update`` after
changing user-facing text, translate what is new in resources/translations/cy/LC_MESSAGES/
personalbudget.po, then ``compile``. ``scripts/translations.py check`` prints the same report.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from personalbudget import i18n
from personalbudget.i18n import _, format_date, format_money, ngettext

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pb_translations_script", ROOT / "scripts" / "translations.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


translations = _load_script()


def _report(problems: list[str], advice: str) -> str:
    shown = "\n  ".join(problems[:25])
    more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
    return f"{len(problems)} problem(s):\n  {shown}{more}\n{advice}"


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en_GB")


def test_the_template_has_every_message_in_the_code() -> None:
    problems = translations.template_problems()
    assert not problems, _report(
        problems,
        "Run '.venv/bin/python scripts/translations.py extract' and then 'update', "
        "translate the new messages in the Welsh .po, then 'compile'.",
    )


@pytest.mark.parametrize("language", translations.LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    problems = translations.missing_translations(language)
    assert not problems, _report(
        problems,
        f"Translate these in {translations.po_path(language).relative_to(ROOT)} (every plural form, "
        "nothing left fuzzy), then run '.venv/bin/python scripts/translations.py compile'.",
    )


@pytest.mark.parametrize("language", translations.LANGUAGES)
def test_translations_keep_placeholders_shortcuts_and_spacing(language: str) -> None:
    problems = translations.consistency_problems(language)
    assert not problems, _report(
        problems,
        "A translation must keep {placeholders}, %s, one & shortcut marker and the spaces and new lines.",
    )


@pytest.mark.parametrize("language", translations.LANGUAGES)
def test_the_compiled_catalogue_matches_the_po(language: str) -> None:
    problems = translations.compiled_problems(language)
    assert not problems, _report(problems, "Run '.venv/bin/python scripts/translations.py compile'.")


@pytest.mark.parametrize(
    ("original", "translated", "expected"),
    [
        ("{n} people", "{n} o bobl", []),
        ("{n} people", "{nifer} o bobl", ["placeholders"]),
        ("&File", "&Ffeil", []),
        ("&File", "Ffeil", ["&"]),
        ("Health & safety", "Iechyd a diogelwch", []),
        ("Saved %s", "Wedi cadw", ["%-placeholders"]),
        ("Name: ", "Enw:", ["spaces"]),
        ("One\nTwo", "Un Dau", ["new lines"]),
    ],
)
def test_the_consistency_check_catches_broken_translations(
    original: str, translated: str, expected: list[str]
) -> None:
    problems = translations.text_problems(original, translated)
    assert len(problems) == len(expected) and all(
        word in problem for word, problem in zip(expected, problems, strict=True)
    ), problems


def test_welsh_messages_money_and_dates(english_afterwards: None) -> None:
    i18n.set_language("cy_GB")
    assert i18n.current_locale() == "cy_GB"
    assert _("&Language") == "&Iaith"  # translated with the language setting
    assert _("Cancel") == "Canslo"  # one of Qt's own texts (ui/qt_strings.py)
    assert "Ionawr" in format_date(date(2027, 1, 15), fmt="long")
    assert "Ebrill" in format_date(date(2026, 4, 1), fmt="long")
    assert format_money(123456) == "£1,234.56"
    assert ngettext("{n} person", "{n} people", 1)  # plural forms work (Welsh has several)

    i18n.set_language("en_GB")
    assert _("&Language") == "&Language"
    assert _("Cancel") == "Cancel"
    assert format_date(date(2027, 1, 15), fmt="long") == "15 January 2027"


def test_language_names_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert i18n.supported_locale("cy") == "cy_GB"
    assert i18n.supported_locale("cy-GB.UTF-8") == "cy_GB"
    assert i18n.supported_locale("en_US") == "en_GB"
    assert i18n.supported_locale("fr_FR") is None
    assert i18n.LANGUAGE_NAMES == {"en_GB": "English", "cy_GB": "Cymraeg"}

    monkeypatch.setenv(i18n.LANGUAGE_ENV, "cy")
    assert i18n.default_language() == "cy_GB"
    monkeypatch.delenv(i18n.LANGUAGE_ENV)
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "cy_GB.UTF-8")
    assert i18n.default_language() == "cy_GB"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.default_language() == "en_GB"
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("xx")


def test_an_installed_translation_replaces_the_catalogue(english_afterwards: None) -> None:
    import gettext

    class Shouting(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return message.upper()

    i18n.install_translation(Shouting())
    assert _("Cancel") == "CANCEL"
    assert i18n.current_locale() == "en_GB"  # formatting locale unchanged unless given
    assert _("") == ""  # never the catalogue header
