"""Step 2: costing a PA in the dialog, each employer's cost added to the plan as its own line, and
the plan's total agreeing with the costing to the penny."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate

from tests.core.helpers import person_form
from ui.dialogs.pa_cost_dialog import PaCostDialog
from ui.steps.plan_page import PlanPage


def person_at_step_two(services) -> int:
    pid = services.people.add_person(person_form(nhs_number="943 476 5919", name="Gwen Price")).id
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid)
    return pid


def test_the_dialog_costs_a_pa_and_the_plan_gets_each_line(qtbot, services, signals):
    pid = person_at_step_two(services)
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    dialog = PaCostDialog(services, date(2026, 4, 6), page)
    qtbot.addWidget(dialog)
    dialog.rate.setText("12.50")
    dialog.hours.setText("20")
    dialog.age.setText("30")
    assert not dialog.work_out()
    assert (
        "below the National Living Wage of £12.71 an hour for a PA aged 30 on 6 Apr 2026"
        in dialog.result_label.text()
    )
    assert not dialog.add_button.isEnabled()
    dialog.rate.setText("13.00")
    dialog.starts_on.setDate(QDate(2026, 4, 6))
    assert dialog.work_out()
    assert dialog.lines.rowCount() == 7  # six costs and the total
    assert dialog.lines.item(6, 2).text() == "£15,524.40"
    assert "2026-27.toml" in dialog.result_label.text()  # which rates file was used
    page.add_pa_costing(dialog.costing)
    rows = page.items.rows()
    assert [r[1] for r in rows] == [
        "PA wages: 20 hours a week at £13.00 an hour",
        "PA holiday cover: 5.6 weeks a year",
        "Employer's workplace pension",
        "Employer's liability insurance",
        "Payroll service fee",
    ]
    assert rows[1][3:6] == ["13.00", "112", "year"]
    assert "Planned: £298.55 a week, £15,524.40 a year." in page.cost_label.text()
