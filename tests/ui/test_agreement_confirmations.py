"""Step 3 in the window: the approver sees the budget, outcomes and risks before deciding, and
submitting and deciding each ask first, saying what will happen. Cancelling changes nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import Decision, PlanStatus
from tests.ui.confirmations import answer_next_box
from tests.ui.conftest import add_person
from ui.steps.agreement_page import AgreementPage
from ui.steps.plan_page import PlanPage


@pytest.fixture
def person(services):
    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    view = services.budget.save_answers(person.id, "personal_budget", answers)
    agreed = view.indicative.annual_pence + 52 * 1500  # £15 a week more than the RAS gave
    services.budget.agree_budget(
        person.id, {"social_care": agreed}, reason="Night-time checks agreed at panel"
    )
    return person


@pytest.fixture
def plan_page(qtbot, services, signals, person):
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person.id)
    return page


def fill_plan(page: PlanPage, cost: str = "20.00") -> None:
    page.what_matters.setPlainText("Going to chapel and seeing my sister")
    page.outcomes.add_row(["g", "See my sister every week"])
    page.outcomes.add_row(["a", "Cook my own tea"])
    page.items.add_row(["personal_assistant", "PA hours", "", cost, "2", "week", "", ""])
    page.risks.add_row(["Falls on the stairs", "Pendant alarm and a stair rail"])
    page.contingency.setPlainText("My sister will help if the PA is off")
    page._content_changed()


@pytest.fixture
def submitted(plan_page, person):
    fill_plan(plan_page)
    assert plan_page.submit()
    return person


@pytest.fixture
def decision_page(qtbot, approver, signals, submitted):
    page = AgreementPage(approver, signals)
    qtbot.addWidget(page)
    page.show_person(submitted.id)
    return page


# -- submitting ---------------------------------------------------------------------------------
def test_submit_button_says_what_will_happen_and_submits_when_confirmed(
    qtbot, plan_page, services, person, signals
):
    fill_plan(plan_page)
    answered = answer_next_box()  # Enter: the default button
    with qtbot.waitSignal(signals.cycle_changed):
        plan_page.submit_button.click()
    [box] = answered.seen
    assert box.name == "submitPlanBox" and box.title == "Submit the plan for agreement?"
    assert box.buttons == ["Submit plan", "Keep editing"]
    assert box.default == "Submit plan" and box.escape == "Keep editing"
    assert "will be fixed and sent to an approver" in box.text
    assert "Ffion Jenkins moves to step 3, Agree plan" in box.text
    assert "You will not be able to change it unless the approver returns it" in box.details
    assert "£2,080.00 a year" in box.details  # £20 x 2 a week
    assert services.plans.get_plan(person.id).status == PlanStatus.SUBMITTED
    assert services.lifecycle.get_cycle(person.id).current_step == Step.AGREE_PLAN


@pytest.mark.parametrize("how", ["Keep editing", "escape"])
def test_keep_editing_submits_nothing(qtbot, plan_page, services, person, how):
    fill_plan(plan_page)
    answered = answer_next_box(None if how == "escape" else how, escape=how == "escape")
    plan_page.submit_button.click()
    assert answered.seen  # the box was shown and answered
    assert services.plans.get_plan(person.id) is None  # not even saved: nothing changed
    assert services.lifecycle.get_cycle(person.id).current_step == Step.PLAN_SUPPORT
    assert plan_page.has_unsaved_changes() and not plan_page.what_matters.isReadOnly()


def test_an_incomplete_plan_is_named_before_any_confirmation(plan_page, services, person, message_boxes):
    plan_page.what_matters.setPlainText("Going to chapel")
    plan_page._content_changed()
    answered = answer_next_box()
    plan_page.submit_button.click()
    assert answered.stop() == []  # the warning comes first, and no confirmation
    assert "Write the contingency plan" in message_boxes.texts("warning")[-1]
    assert services.lifecycle.get_cycle(person.id).current_step == Step.PLAN_SUPPORT


def test_over_budget_asks_why_then_confirms(qtbot, plan_page, services, person, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Extra help after hospital", True))
    fill_plan(plan_page, "900.00")
    answered = answer_next_box("Submit plan")
    plan_page.submit_button.click()
    assert answered.seen and services.plans.get_plan(person.id).over_budget_justification == (
        "Extra help after hospital"
    )


# -- what the approver sees -----------------------------------------------------------------------
def test_the_approver_sees_the_ras_figure_budget_outcomes_and_risks_before_the_decision(
    decision_page, services, submitted
):
    text = decision_page.summary.text()
    budget = services.budget.get_budget(submitted.id).agreed
    indicative = f"£{budget.indicative_annual_pence / 100:,.2f}"
    agreed = f"£{budget.annual_pence / 100:,.2f}"
    assert "Indicative budget (RAS" in text and indicative in text
    assert "Agreed budget:" in text and agreed in text
    assert "£780.00 a year more than the indicative budget" in text  # £15 a week
    assert "Night-time checks agreed at panel" in text
    assert "Planned cost: £40.00 a week, £2,080.00 a year." in text
    assert "Developing and maintaining family or other personal relationships" in text
    assert "See my sister every week" in text and "Managing and maintaining nutrition" in text
    assert "Falls on the stairs" in text and "Pendant alarm and a stair rail" in text
    assert "My sister will help if the PA is off" in text
    # All of it comes before the decision.
    page = decision_page
    page.resize(1366, 768)
    page.show()
    box_top = page.decision_box.mapTo(page.widget(), QPoint(0, 0)).y()
    summary_bottom = page.summary.mapTo(page.widget(), QPoint(0, page.summary.height())).y()
    assert summary_bottom <= box_top


def test_the_practitioner_waiting_sees_the_same_summary(qtbot, services, signals, submitted):
    page = AgreementPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(submitted.id)
    assert "Night-time checks agreed at panel" in page.summary.text()
    assert page.decision_box.isHidden()


# -- deciding ---------------------------------------------------------------------------------
def choose(page: AgreementPage, decision: Decision, text: str = "") -> None:
    page._choice_buttons[decision].setChecked(True)
    page.decision_text.setPlainText(text)


def test_approve_says_the_plan_is_fixed_and_moves_to_step_four(qtbot, decision_page, services, submitted):
    choose(decision_page, Decision.APPROVE)
    answered = answer_next_box()
    decision_page.decide_button.click()
    [box] = answered.seen
    assert box.title == "Approve this plan?"
    assert box.buttons == ["Approve plan", "Not yet"] and box.default == "Approve plan"
    assert (
        box.text
        == "Approving fixes version 1 as the agreed plan; Ffion Jenkins moves to step 4, Manage budget."
    )
    assert "The agreed plan cannot be changed" in box.details
    assert "The first review will be due on 18 Jan 2027." in box.details  # 8 weeks from 23 Nov 2026
    assert services.plans.get_plan(submitted.id).status == PlanStatus.AGREED
    assert services.lifecycle.get_cycle(submitted.id).current_step == Step.MANAGE_BUDGET


def test_approve_with_conditions_repeats_the_conditions(qtbot, decision_page, services, submitted):
    choose(decision_page, Decision.APPROVE_WITH_CONDITIONS, "Check the PA hours at the first review")
    answered = answer_next_box("Approve with conditions")
    decision_page.decide_button.click()
    [box] = answered.seen
    assert box.buttons == ["Approve with conditions", "Not yet"]
    assert "with your conditions recorded on it; Ffion Jenkins moves to step 4" in box.text
    assert "Your conditions: Check the PA hours at the first review" in box.details
    plan = services.plans.get_plan(submitted.id)
    assert (
        plan.status == PlanStatus.AGREED
        and plan.decisions[-1].text == "Check the PA hours at the first review"
    )


def test_return_says_where_the_plan_goes(qtbot, decision_page, services, submitted):
    choose(decision_page, Decision.RETURN, "Please add quotes for the PA")
    answered = answer_next_box("Return plan")
    decision_page.decide_button.click()
    [box] = answered.seen
    assert box.title == "Return this plan?" and box.buttons == ["Return plan", "Not yet"]
    assert "back to step 2, Plan support, with your reasons. It is not agreed." in box.text
    assert "Your reasons: Please add quotes for the PA" in box.details
    assert services.plans.get_plan(submitted.id).status == PlanStatus.RETURNED
    assert services.lifecycle.get_cycle(submitted.id).current_step == Step.PLAN_SUPPORT


@pytest.mark.parametrize(
    ("decision", "text", "how"),
    [
        (Decision.APPROVE, "", "Not yet"),
        (Decision.APPROVE_WITH_CONDITIONS, "Check the hours", "escape"),
        (Decision.RETURN, "Add quotes", "Not yet"),
    ],
)
def test_not_yet_records_nothing(qtbot, decision_page, services, submitted, decision, text, how):
    choose(decision_page, decision, text)
    answered = answer_next_box(None if how == "escape" else how, escape=how == "escape")
    decision_page.decide_button.click()
    assert answered.seen  # the box was shown and answered
    plan = services.plans.get_plan(submitted.id)
    assert plan.status == PlanStatus.SUBMITTED and plan.decisions == ()
    assert services.lifecycle.get_cycle(submitted.id).current_step == Step.AGREE_PLAN
    assert decision_page.decision_text.toPlainText() == text  # what was written is kept


def test_missing_reasons_are_named_before_any_confirmation(decision_page, services, submitted, message_boxes):
    choose(decision_page, Decision.RETURN, "  ")
    answered = answer_next_box()
    decision_page.decide_button.click()
    assert answered.stop() == []  # the warning comes first, and no confirmation
    assert "Write the reasons for returning the plan" in message_boxes.texts("warning")[-1]
    assert services.plans.get_plan(submitted.id).decisions == ()
