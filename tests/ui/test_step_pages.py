"""Steps 1-3 pages against real services: answer, agree, plan, submit, decide, print."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSettings

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import Decision, PlanStatus
from tests.ui.confirmations import answer_next_box
from tests.ui.conftest import add_person
from ui.steps.agreement_page import AgreementPage
from ui.steps.budget_page import BudgetPage
from ui.steps.plan_page import PlanPage


def answer_everything(page: BudgetPage, services, level: int = 1) -> None:
    for question in services.budget.ras.questions.values():
        page.answer(question.id, question.answers[min(level, len(question.answers) - 1)].id)


@pytest.fixture
def person(services):
    return add_person(services, "Ffion Jenkins", nhs="943 476 5919")


@pytest.fixture
def budget_page(qtbot, services, signals, person):
    page = BudgetPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person.id)
    return page


def test_questionnaire_goes_one_area_at_a_time_with_progress(budget_page, services):
    assert budget_page.domain_index() == 0
    assert "Area 1 of" in budget_page.domain_title.text()
    assert budget_page.progress.value() == 0
    budget_page.next_button.click()
    assert budget_page.domain_index() == 1
    assert not budget_page.previous_button.isHidden() and budget_page.previous_button.isEnabled()


def test_running_figure_and_breakdown_follow_the_answers(budget_page, services):
    budget_page.answer("nutrition.meals", "some_help")
    budget_page.answer("hygiene.washing", "some_help")
    assert budget_page.figure.text() == "£72.00 a week"  # 13 points x £5.50 = £71.50, rounded
    assert "13 points × £5.50" in budget_page.breakdown.text()
    assert budget_page.progress.value() == 2
    # Every answer is saved as it is given.
    assert services.budget.get_budget(budget_page._person_id).answers["hygiene.washing"] == "some_help"


def test_clicking_a_radio_button_answers(budget_page, qtbot, services):
    box = budget_page.questions_layout.itemAt(0).widget()
    from PySide6.QtWidgets import QRadioButton

    buttons = box.findChildren(QRadioButton)
    buttons[2].click()
    assert budget_page.progress.value() == 1


def test_agreeing_needs_every_answer_then_moves_to_planning(budget_page, services, person, message_boxes):
    budget_page.answer("nutrition.meals", "some_help")
    budget_page.ask_agree()
    assert "Answer every question" in message_boxes.texts("information")[0]
    answer_everything(budget_page, services)
    assert budget_page.agree(None, "")
    cycle = services.lifecycle.get_cycle(person.id)
    assert cycle.current_step == Step.PLAN_SUPPORT
    budget_page.show_person(person.id)
    assert "Agreed budget" in budget_page.agreed_label.text()
    assert budget_page.agree_button.isHidden()


def test_changed_amount_without_reason_is_refused_with_a_message(
    budget_page, services, person, message_boxes
):
    answer_everything(budget_page, services)
    assert not budget_page.agree({"social_care": 1_000_000}, "")
    assert "record the reason" in message_boxes.texts("warning")[0]
    assert services.budget.get_budget(person.id).agreed is None


@pytest.fixture
def planning_person(services, person):
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person.id, "personal_budget", answers)
    services.budget.agree_budget(person.id)
    return person


@pytest.fixture
def plan_page(qtbot, services, signals, planning_person):
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(planning_person.id)
    return page


def fill_plan(page: PlanPage, cost: str = "100.00") -> None:
    page.what_matters.setPlainText("Going to chapel and seeing my sister")
    page.outcomes.add_row(["g", "See my sister every week"])
    page.items.add_row(["personal_assistant", "PA hours", "", cost, "2", "week", "", ""])
    page.risks.add_row(["Falls", "Pendant alarm"])
    page.contingency.setPlainText("My sister will help")
    page._content_changed()


def test_support_items_are_costed_live(plan_page):
    fill_plan(plan_page, "15.50")
    assert plan_page.items.rows()[0][6:] == ["£31.00", "£1,612.00"]
    assert "Planned: £31.00 a week, £1,612.00 a year." in plan_page.cost_label.text()
    assert "Under budget" in plan_page.cost_label.text()


def test_bad_cost_is_marked_and_not_saved(plan_page, services, planning_person, message_boxes):
    fill_plan(plan_page, "-5")
    assert plan_page.items.rows()[0][6] == "?"
    assert "need putting right" in plan_page.cost_label.text()
    assert not plan_page.save()
    assert "cannot be negative" in message_boxes.texts("warning")[0]
    assert services.plans.get_plan(planning_person.id) is None


def test_over_budget_plan_is_flagged_in_words(plan_page):
    fill_plan(plan_page, "900.00")
    assert "OVER budget" in plan_page.cost_label.text()


def test_submit_saves_and_moves_to_agreement(plan_page, services, planning_person, signals, qtbot):
    fill_plan(plan_page, "20.00")
    with qtbot.waitSignal(signals.cycle_changed):
        assert plan_page.submit()
    assert services.plans.get_plan(planning_person.id).status == PlanStatus.SUBMITTED
    assert services.lifecycle.get_cycle(planning_person.id).current_step == Step.AGREE_PLAN
    plan_page.show_person(planning_person.id)
    assert plan_page.what_matters.isReadOnly() and plan_page.save_button.isHidden()


def test_agreement_page_decides_and_prints(
    qtbot, services, approver, signals, plan_page, planning_person, tmp_path
):
    fill_plan(plan_page, "20.00")
    plan_page.submit()
    practitioners_view = AgreementPage(services, signals)
    qtbot.addWidget(practitioners_view)
    practitioners_view.show_person(planning_person.id)
    assert practitioners_view.decision_box.isHidden() and not practitioners_view.waiting_note.isHidden()
    page = AgreementPage(approver, signals)
    qtbot.addWidget(page)
    page.show_person(planning_person.id)
    assert not page.decision_box.isHidden()
    assert "Plan version 1: Submitted for agreement" in page.summary.text()
    assert page.decide(Decision.APPROVE_WITH_CONDITIONS, "Check PA hours at review", "Team manager")
    assert services.plans.get_plan(planning_person.id).status == PlanStatus.AGREED
    assert services.lifecycle.get_cycle(planning_person.id).current_step == Step.MANAGE_BUDGET
    page.show_person(planning_person.id)
    assert page.decision_box.isHidden()
    out = tmp_path / "plan.pdf"
    task = page.print_plan(out)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Ffion Jenkins" in text and "Check PA hours at review" in text and "£2,080.00" in text


def test_return_needs_reasons(qtbot, services, approver, signals, plan_page, planning_person, message_boxes):
    fill_plan(plan_page, "20.00")
    plan_page.submit()
    page = AgreementPage(approver, signals)
    qtbot.addWidget(page)
    page.show_person(planning_person.id)
    assert not page.decide(Decision.RETURN, "", "Funding panel")
    assert "reasons" in message_boxes.texts("warning")[-1]
    assert page.decide(Decision.RETURN, "Need quotes", "Funding panel")
    assert services.lifecycle.get_cycle(planning_person.id).current_step == Step.PLAN_SUPPORT


@pytest.mark.slow  # a whole-app walk: not in the fast lane
def test_whole_journey_in_the_main_window(qtbot, window, services, approver, signals, tmp_path):
    """Assessment to agreed plan and a PDF, the way a practitioner does it in the window."""
    person = add_person(services, "Owain Pritchard")
    window.caseload.refresh()
    assert window.open_person(person.id)
    workspace = window.workspace
    budget = workspace.pages.currentWidget()
    assert isinstance(budget, BudgetPage)
    answer_everything(budget, services)
    assert budget.agree(None, "")
    plan = workspace.pages.currentWidget()  # the workspace follows the cycle to step 2
    assert isinstance(plan, PlanPage)
    assert workspace.stepper.selected_step() == Step.PLAN_SUPPORT
    fill_plan(plan, "20.00")
    submitted = answer_next_box("Submit plan")  # the confirmation says what will happen
    plan.submit_button.click()
    assert submitted.seen[0].title == "Submit the plan for agreement?"
    agreement = workspace.pages.currentWidget()
    assert isinstance(agreement, AgreementPage) and not agreement.waiting_note.isHidden()
    # The team manager signs in on the same laptop and approves the plan.
    from ui.main_window import MainWindow

    managers_window = MainWindow(
        approver, signals, QSettings(str(tmp_path / "m.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(managers_window)
    managers_window.caseload.refresh()
    assert managers_window.open_person(person.id)
    decision_page = managers_window.workspace.pages.currentWidget()
    assert isinstance(decision_page, AgreementPage) and not decision_page.decision_box.isHidden()
    approved = answer_next_box("Approve plan")  # Approve and the role "Team manager" are preselected
    decision_page.decide_button.click()
    assert "moves to step 4" in approved.seen[0].text
    assert workspace.cycle().current_step == Step.MANAGE_BUDGET
    assert window.print_plan_action.isEnabled()  # File > Print support plan (Ctrl+P)
    out = tmp_path / "owain.pdf"
    task = window.print_plan(out)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    assert "Owain Pritchard" in PdfReader(out).pages[0].extract_text()
    row = next(r for r in services.people.list_caseload() if r.person_id == person.id)
    assert row.step == Step.MANAGE_BUDGET and row.next_review_due is not None
