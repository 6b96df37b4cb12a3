"""Each step page owns its person view (issue 19): rewording and moving a page's staff parts
leaves the person's view as it was; no statutory code or figure in pence in it, in English or
Welsh; every control in it at least 44 x 44 pixels."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from personalbudget import i18n
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person_view import agreement_summary
from personalbudget.domain.plan import OutcomeEntry, PlanDraft, SupportItemEntry
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES
from tests.ui.conftest import add_person
from ui.accessibility import layout_holding
from ui.coproduction import TARGET, TARGET_TYPES, person_may, summary_html
from ui.steps.agreement_page import AgreementPage
from ui.steps.budget_page import BudgetPage
from ui.steps.ledger_page import LedgerPage
from ui.steps.management_page import ManagementPage
from ui.steps.plan_page import PlanPage
from ui.steps.review_page import ReviewPage
from ui.steps.support_page import SupportPage

PAGES = (BudgetPage, PlanPage, AgreementPage, ManagementPage, SupportPage, LedgerPage, ReviewPage)
STEP_OF = {
    BudgetPage: Step.SET_BUDGET,
    PlanPage: Step.PLAN_SUPPORT,
    AgreementPage: Step.AGREE_PLAN,
    ManagementPage: Step.MANAGE_BUDGET,
    SupportPage: Step.ORGANISE_SUPPORT,
    LedgerPage: Step.LIVE_LIFE,
    ReviewPage: Step.REVIEW,
}
PENCE = re.compile(r"\d\.\d\d\b|\bpence\b|\bpenny\b|\bceiniog\b")
CODE = re.compile(r"(^|\s|\()[a-j]\)\s")


@pytest.fixture
def agreed(window, services):
    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person.id, "personal_budget", answers)
    services.budget.agree_budget(person.id, None, "")
    services.plans.save_draft(
        person.id,
        PlanDraft(
            what_matters="Seeing my grandchildren",
            outcomes=[OutcomeEntry("i", "Go to the pub quiz"), OutcomeEntry("b", "Wash in the morning")],
            contingency="My daughter steps in.",
            support_items=[SupportItemEntry("personal_care", "Help to get up", "15.37", "7", "week", "")],
        ),
    )
    services.plans.submit(person.id, "")
    window.caseload.refresh()
    assert window.open_person(person.id)
    return person


def reword_and_move(page: QWidget) -> None:
    """Every staff text on the page changed, and every widget in a box layout moved to its end."""
    for n, widget in enumerate(page.findChildren(QWidget)):
        if isinstance(widget, (QLabel, QAbstractButton)) and widget.text():
            widget.setText(f"Reworded {n}")
        elif isinstance(widget, QGroupBox):
            widget.setTitle(f"Reworded {n}")
        elif isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                widget.setTabText(i, f"Reworded tab {i}")
        elif isinstance(widget, QTableWidget):
            for c in range(widget.columnCount()):
                if widget.horizontalHeaderItem(c) is not None:
                    widget.horizontalHeaderItem(c).setText(f"Reworded column {c}")
    view = page.person_view()
    for widget, _permission in view.staff_only:
        holder = widget.parentWidget()
        layout = layout_holding(holder.layout() if holder is not None else None, widget)
        if isinstance(layout, QBoxLayout):
            layout.removeWidget(widget)
            layout.addWidget(widget)


def person_view_state(window, page_type) -> dict:
    view = window.coproduction_view
    page = view.page(page_type)
    declared = page.person_view()
    state = {
        "staff hidden": [w.isHidden() for w, permission in declared.staff_only if not person_may(permission)],
        "words": [],
        "summary": view._summaries[page_type].text() if page_type in view._summaries else "",
    }
    for widget, plain in declared.words:
        text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else widget.placeholderText()
        state["words"].append(text == i18n._(plain))
    return state


@pytest.fixture
def living(services):
    """A person at step 7: every kind of help arranged, money spent, a check-in under way with the
    person's own words in it (tests/core/money_helpers.py)."""
    from dataclasses import replace
    from datetime import date

    from personalbudget.services.ledger_service import TransactionForm
    from tests.core.money_helpers import item_ids, living_person

    pid = living_person(services, name="Gwen Price")
    pa = item_ids(services, pid)["PA hours"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 10, 5), "150.00", False, "Sam", pa))
    review = services.reviews.open_review(pid)
    form = replace(review.form, working_person="Sam is kind.", not_working_person="Sam comes late.")
    services.reviews.save_draft(review.review_id, form)
    return services.people.get_person(pid)


@pytest.mark.slow  # builds the whole main window
@pytest.mark.parametrize("page_type", PAGES)
def test_rewording_and_moving_a_page_leaves_the_person_view_unchanged(
    qtbot, request, services, signals, settings, page_type
):
    from ui.main_window import MainWindow

    person = request.getfixturevalue("living" if STEP_OF[page_type] > Step.MANAGE_BUDGET else "agreed")

    def shown(reword: bool) -> dict:
        window = MainWindow(services, signals, settings)
        qtbot.addWidget(window)
        window.caseload.refresh()
        window.open_person(person.id)
        page = window.coproduction_view.page(page_type)
        if reword:
            reword_and_move(page)
        window.coproduction.set_on(True)
        window.workspace.show_step(STEP_OF[page_type])
        state = person_view_state(window, page_type)
        window.coproduction.set_on(False)
        return state

    before, after = shown(False), shown(True)
    assert before["staff hidden"] and all(before["staff hidden"]) and all(before["words"])
    if page_type in (SupportPage, LedgerPage, ReviewPage):  # the core's summary of the page's step
        assert before["summary"], page_type
    assert after == before


def test_the_agreement_summary_on_screen_is_the_core_summary(window, services, agreed):
    window.coproduction.set_on(True)
    window.workspace.show_step(Step.AGREE_PLAN)
    plan = services.plans.get_plan(agreed.id)
    due = window.workspace.cycle().next_review_due
    assert window.coproduction_view.agreement_words.text() == summary_html(agreement_summary(plan, due))


def visible_texts(root: QWidget) -> list[str]:
    texts = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(re.sub(r"<[^>]+>", " ", widget.text()))
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
        elif isinstance(widget, QTableWidget):
            for c in range(widget.columnCount()):
                if widget.isColumnHidden(c):
                    continue
                header = widget.horizontalHeaderItem(c)
                texts.append(header.text() if header else "")
                for r in range(widget.rowCount()):
                    item = widget.item(r, c)
                    cell = widget.cellWidget(r, c)
                    texts.append(item.text() if item else "")
                    if cell is not None and hasattr(cell, "currentText"):
                        texts.append(cell.currentText())
                        texts += [cell.itemText(i) for i in range(cell.count())]
    return [t for t in texts if t]


@pytest.mark.parametrize("language", ["en_GB", "cy_GB"])
def test_no_statutory_code_or_pence_in_the_person_view(window, services, agreed, language):
    i18n.set_language(language)
    try:
        statutory = [i18n._(t) for t in CARE_ACT_OUTCOMES.values()]
        window.coproduction.set_on(True)
        steps = window.coproduction_view.plan_steps
        for step, part in [
            (Step.SET_BUDGET, 0),
            *((Step.PLAN_SUPPORT, i) for i in range(6)),
            (Step.AGREE_PLAN, 0),
            *((s, 0) for s in (Step.MANAGE_BUDGET, Step.ORGANISE_SUPPORT, Step.LIVE_LIFE, Step.REVIEW)),
        ]:
            window.workspace.show_step(step)
            if step == Step.PLAN_SUPPORT:
                steps.go_to(part)
            for text in visible_texts(window.workspace):
                assert not PENCE.search(text), (step, part, text)
                assert not CODE.search(text), (step, part, text)
                assert not any(official in text for official in statutory), (step, part, text)
    finally:
        window.coproduction.set_on(False)
        i18n.set_language("en_GB")


def test_every_control_in_the_person_view_is_at_least_44_pixels(qtbot, window, services, agreed):
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.coproduction.set_on(True)
    steps = window.coproduction_view.plan_steps
    for step, part in [
        (Step.SET_BUDGET, 0),
        *((Step.PLAN_SUPPORT, i) for i in range(6)),
        (Step.AGREE_PLAN, 0),
    ]:
        window.workspace.show_step(step)
        if step == Step.PLAN_SUPPORT:
            steps.go_to(part)
        qtbot.wait(20)
        small = [
            (type(w).__name__, w.accessibleName() or getattr(w, "text", lambda: "")(), w.width(), w.height())
            for w in window.workspace.findChildren(QWidget)
            if isinstance(w, TARGET_TYPES) and w.isVisible() and (w.width() < TARGET or w.height() < TARGET)
        ]
        assert small == [], (step, small)
    window.coproduction.set_on(False)


def test_the_window_speaks_to_the_person_and_has_no_quit(window, agreed):
    title, file_menu = window.windowTitle(), window.menuBar().actions()[0].text()
    quit_action = getattr(window, "quit_action", None)
    window.coproduction.set_on(True)
    assert window.windowTitle() == "Ffion Jenkins's plan"
    assert window.menuBar().actions()[0].text() == "&My plan"
    if quit_action is not None:
        assert not quit_action.isVisible()
    window.coproduction.set_on(False)
    assert window.windowTitle() == title and window.menuBar().actions()[0].text() == file_menu
    if quit_action is not None:
        assert quit_action.isVisible()


def test_leaving_the_person_view_asks_the_leave_check(window, agreed):
    view = window.coproduction_view
    asked = []
    view.leave_check = lambda: asked.append(True) or len(asked) > 1  # refused once, then agreed
    window.coproduction.set_on(True)
    window.coproduction_action.trigger()  # the menu item and Ctrl+Shift+P
    assert window.coproduction.is_on() and window.coproduction_action.isChecked() and asked == [True]
    view.banner.leave_button.click()
    assert not window.coproduction.is_on() and not window.coproduction_action.isChecked()
