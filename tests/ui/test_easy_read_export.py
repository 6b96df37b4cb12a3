"""The 'Easy read plan (PDF)...' buttons on the plan and agreement pages."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from personalbudget.domain.plan import Decision
from tests.ui.conftest import add_person
from ui.steps.agreement_page import AgreementPage
from ui.steps.plan_page import PlanPage


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


@pytest.fixture
def planning_person(services):
    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
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


def fill_plan(page: PlanPage) -> None:
    page.what_matters.setPlainText("Going to chapel. Seeing my sister.")
    page.outcomes.add_row(["g", "See my sister every week"])
    page.items.add_row(["transport", "Taxi to chapel", "", "12.00", "2", "week", "", ""])
    page.risks.add_row(["Falls", "Pendant alarm"])
    page.contingency.setPlainText("My sister will help")
    page._content_changed()


def test_the_plan_page_saves_then_prints_the_easy_read_plan(qtbot, plan_page, signals, tmp_path):
    button = plan_page.easy_read_button
    assert button.text() == "Easy read plan (PDF)..."
    assert button.accessibleName() == "Print the plan in easy read as a PDF"
    assert "large type" in button.accessibleDescription()
    assert not button.isEnabled()  # nothing to print before a plan is saved
    fill_plan(plan_page)
    out = tmp_path / "easy.pdf"
    messages: list[str] = []
    signals.status_message.connect(messages.append)
    task = plan_page.print_easy_read(out)
    assert task is not None  # the unsaved plan was saved first, then printed off the main thread
    assert plan_page.easy_read_button.isEnabled() and not plan_page.has_unsaved_changes()
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    assert messages == ["Plan saved (version 1)", f"Saved the easy read plan to {out}"]
    text = pdf_text(out)
    assert "This plan is about Ffion." in text and "Taxi to chapel" in text
    assert "It costs £24 a week." in text and "That is twenty-four pounds a week." in text
    assert "This plan is not agreed yet." in text


def test_the_agreement_page_prints_the_agreed_plan_in_easy_read(
    qtbot, services, approver, signals, plan_page, planning_person, tmp_path
):
    fill_plan(plan_page)
    assert plan_page.submit()
    approver.plans.decide(planning_person.id, Decision.APPROVE, "", "Team manager")
    page = AgreementPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(planning_person.id)
    assert page.easy_read_button.isEnabled()
    assert page.easy_read_button.accessibleName() == "Print the plan in easy read as a PDF"
    out = tmp_path / "agreed-easy.pdf"
    task = page.print_easy_read(out)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    text = pdf_text(out)
    assert "This plan was agreed on" in text and "The help I get" in text
