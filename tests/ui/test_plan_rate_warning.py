"""Step 2: a PA line typed by hand below the National Living Wage is saved, with a warning in words
naming the figures (issue 20); a rate at or above it says nothing."""

from __future__ import annotations

from tests.ui.test_pa_costs_page import person_at_step_two
from ui.steps.plan_page import PlanPage


def test_a_pa_line_typed_below_the_national_living_wage_is_saved_with_a_warning(qtbot, services, signals):
    pid = person_at_step_two(services)
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    page.items.add_row(["personal_assistant", "PA hours", "", "9.00", "10", "week", "", ""])
    page._content_changed()
    assert page.save()  # a warning, not a refusal
    text = page.status_label.text()
    assert "saved" in text and "£9.00 an hour" in text and "National Living Wage of £12.71" in text
    assert "any adult age" in text
    page.show_person(pid)  # shown again when the plan is opened
    assert "£9.00 an hour" in page.status_label.text()

    page.items.set_rows([["personal_assistant", "PA hours", "", "13.00", "10", "week", "", ""]])
    page._content_changed()
    assert page.save()
    assert "National Living Wage" not in page.status_label.text()
