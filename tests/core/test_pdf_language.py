"""PDFs follow the chosen language: headings, the RAS texts, dates and money, made when printed."""

from __future__ import annotations

import gettext
from collections.abc import Iterator

import pytest

from personalbudget import i18n
from personalbudget.cli import run
from tests.core.test_plan_report import agreed_person, pdf_text

__all__ = ["agreed_person"]  # the fixture, shared with test_plan_report

# Used only where the Welsh catalogue has no translation yet, so the test does not wait for it.
FALLBACK = {"Care and support plan": "Cynllun gofal a chymorth", "About me": "Amdanaf i"}


class WelshWithFallback(gettext.NullTranslations):
    def __init__(self) -> None:
        super().__init__()
        self._real = gettext.translation(
            i18n.DOMAIN, localedir=i18n.locale_dir(), languages=["cy_GB", "cy"], fallback=True
        )

    def gettext(self, message: str) -> str:
        translated = self._real.gettext(message)
        return FALLBACK.get(message, translated) if translated == message else translated

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._real.ngettext(singular, plural, n)


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en_GB")


def test_a_plan_printed_in_welsh_is_in_welsh(services, agreed_person, tmp_path, english_afterwards) -> None:
    english = pdf_text(services.reports.write_plan(agreed_person, tmp_path / "plan-en.pdf"))
    assert "Care and support plan" in english and "November 2026" in english

    i18n.install_translation(WelshWithFallback(), "cy_GB")
    heading, about = i18n._("Care and support plan"), i18n._("About me")
    text = pdf_text(services.reports.write_plan(agreed_person, tmp_path / "plan-cy.pdf"))
    assert heading in text and heading != "Care and support plan"
    assert about in text
    assert "Tachwedd 2026" in text  # printed 23 November 2026 (the fixed clock), in Welsh
    assert "November" not in text
    assert "Bwyta ac yfed" in text  # the RAS domain, from the RAS file's Welsh
    assert "£5,200.00" in text  # money through Babel in cy_GB
    assert "Gwenllïan Ŵyn-Price" in text


def test_the_cli_prints_a_welsh_plan(db_path, keys, agreed_person, tmp_path, english_afterwards) -> None:
    out = tmp_path / "plan-cli-cy.pdf"
    argv = ["report", "plan", "--db", str(db_path), "--person", str(agreed_person), "--out", str(out)]
    assert run([*argv, "--language", "cy_GB"], keys=keys) == 0
    text = pdf_text(out)
    assert "Tachwedd" in text and "Bwyta ac yfed" in text
    if i18n._("Care and support plan") != "Care and support plan":  # once the catalogue has it
        assert i18n._("Care and support plan") in text

    assert run([*argv, "--language", "en"], keys=keys) == 0
    text = pdf_text(out)
    assert "November" in text and "Eating and drinking" in text


def test_an_unknown_language_is_refused(db_path, keys, tmp_path, capsys, english_afterwards) -> None:
    with pytest.raises(SystemExit):
        run(["people", "--db", str(db_path), "--language", "fr_FR"], keys=keys)
    assert "unknown language 'fr_FR'" in capsys.readouterr().err
