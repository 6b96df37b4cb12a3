"""Issue 13, defects found in the acceptance walk at steps 1, 4 and 5 (the pages)."""

from __future__ import annotations

import pytest

from tests.ui.conftest import add_person
from ui.budget_page import BudgetPage


@pytest.fixture
def person(services):
    return add_person(services, "Ffion Jenkins", nhs="943 476 5919")


# -- step 1 ------------------------------------------------------------------------------------------


def test_step1_shows_health_answers_a_social_care_budget_does_not_fund(qtbot, services, signals, person):
    page = BudgetPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person.id)
    page.answer("hygiene.washing", "some_help")  # 7 points
    page.answer("health.clinical", "daily")  # 14 points the social care budget does not fund
    page.answer("family_support.carer", "some")
    assert page.figure.text() == "£35.00 a week"  # 7 x £5.50 = £38.50, 10% less = £34.65, rounded
    assert "Not in this figure: 14 points this type of budget does not fund" in page.figure_note.text()
    breakdown = page.breakdown.text()
    assert "Health needs: not funded by this type of budget" in breakdown
    assert "14 points are not counted" in breakdown
    assert "Joint budget (social care and NHS)" in breakdown and "personal health budget" in breakdown
    assert "10% less" in breakdown
    # A joint budget funds them: they join the figure and the note goes.
    page.budget_type.setCurrentIndex(page.budget_type.findData("joint_budget"))
    assert "Not in this figure" not in page.figure_note.text()
    assert "not funded" not in page.breakdown.text()
    page.resize(1366, 768)
    page.budget_type.setCurrentIndex(page.budget_type.findData("personal_budget"))
    page.grab().save("/tmp/d/step1.png")
