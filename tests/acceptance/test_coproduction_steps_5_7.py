"""One person's steps 5 to 7 in co-production mode, in the real main window (issue 19).

The person's steps 1-4 are set up through the running app's own services (they are walked through
their buttons in test_walk.py and test_coproduction_walk.py); then, with the person's view on: who
gives each kind of help and from when (step 5), the money in and out to the pound (step 6), and the
check-in with the person's own words, typed and saved through the page's Save (step 7). At each
step: no text in the person's view has a statutory code or a figure in pence, every control is at
least 44 x 44 pixels, and a screenshot is saved (1366 x 768).
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QWidget,
)

from personalbudget import i18n
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import (
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    SupportItemEntry,
)
from personalbudget.domain.roles import Role
from personalbudget.domain.support import ArrangementForm, ProviderForm
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES
from personalbudget.services import build_services
from personalbudget.services.ledger_service import TransactionForm
from tests.acceptance.test_coproduction_walk import set_mode
from tests.acceptance.test_walk import (  # helpers and the fixture only, not the walk itself
    APPROVER,
    Screens,
    add_person_in_dialog,
    app_on_new_caseload,  # noqa: F401  (the fixture)
    menu_action,
    type_into,
    wait_for_dialogs,
)
from tests.core.money_helpers import direct_payment
from ui.coproduction import TARGET, TARGET_TYPES

PENCE = re.compile(r"\d[.,]\d\d\b|\bpence\b|\bceiniog\b")
CODE = re.compile(r"(^|\s|\()[a-j]\)\s")
STATUTORY = [i18n._(text) for text in CARE_ACT_OUTCOMES.values()]


def person_view_texts(window) -> list[str]:
    """Every text the person can see: the window's title and menus, and in the workspace every
    label, button, box title, tab, text box, drop-down and table cell shown."""
    texts = [window.windowTitle()]
    for top in window.menuBar().actions():
        if top.isVisible():
            texts.append(top.text())
            texts += [a.text() for a in top.menu().actions() if a.isVisible()]
    root = window.workspace
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(re.sub(r"<[^>]+>", " ", widget.text()))
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
        elif isinstance(widget, QLineEdit):
            texts += [widget.text(), widget.placeholderText()]
        elif isinstance(widget, QPlainTextEdit):
            texts += [widget.toPlainText(), widget.placeholderText()]
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount()):
                if widget.isColumnHidden(column):
                    continue
                texts.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
                for row in range(model.rowCount()):
                    texts.append(str(model.index(row, column).data() or ""))
    return [t for t in texts if t]


def check_person_view(window, qtbot, step: Step) -> str:
    """No statutory code and no figure in pence anywhere in the person's view (on each of the
    page's tabs the person can open), every control at least TARGET pixels each way; returns the
    view's words."""
    qtbot.wait(30)
    texts = []
    page = window.workspace.pages.currentWidget()
    for tabs in page.findChildren(QTabWidget):
        if not tabs.isVisibleTo(page):
            continue
        shown = tabs.currentIndex()
        for index in range(tabs.count()):
            if tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                qtbot.wait(10)
                texts += person_view_texts(window)
        tabs.setCurrentIndex(shown)
    texts += person_view_texts(window)
    for text in texts:
        assert not PENCE.search(text), (step, text)
        assert not CODE.search(text), (step, text)
        assert not any(official in text for official in STATUTORY), (step, text)
    small = [
        (type(w).__name__, w.accessibleName() or getattr(w, "text", lambda: "")(), w.width(), w.height())
        for w in window.workspace.findChildren(QWidget)
        if isinstance(w, TARGET_TYPES) and w.isVisible() and (w.width() < TARGET or w.height() < TARGET)
    ]
    assert small == [], (step, small)
    return " ".join(texts)


def up_to_step_4(running, person_id: int) -> None:
    """Steps 1-4 through the running app's services: the budget, a plan (agreed by an approver)
    and a direct payment."""
    services = running.services
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person_id, "personal_budget", answers)
    services.budget.agree_budget(person_id, {"social_care": 846_000}, reason="Agreed at panel")
    services.plans.save_draft(
        person_id,
        PlanDraft(
            what_matters="Singing in the choir and cooking for my family",
            outcomes=[OutcomeEntry("a", "Cook a hot meal every day"), OutcomeEntry("i", "Get to choir")],
            support_items=[
                SupportItemEntry("personal_assistant", "PA hours", "15.37", "9", "week", ""),
                SupportItemEntry("community_activities", "Choir fees", "30.00", "1", "month", ""),
                SupportItemEntry("equipment", "Kettle tipper", "35.99", "1", "one_off", ""),
            ],
            informal_support=[InformalSupportEntry("Mair", "Lifts to choir")],
            contingency="Mair helps if the PA cannot come",
        ),
    )
    services.plans.submit(person_id)
    running.users.create_user(
        APPROVER[0], APPROVER[1], APPROVER[2], Role.APPROVER, by=running.user, people=(person_id,)
    )
    ctx = services.context
    approver = build_services(ctx.db.database, ctx.clock, APPROVER[0], services.budget.ras, Role.APPROVER)
    approver.plans.decide(person_id, Decision.APPROVE, "", "Team manager")
    services.management.record_management(person_id, direct_payment())


def reopen(window, qtbot, person_id: int, step: Step) -> None:
    """The person opened again (what was set up behind the window is read afresh), at ``step``."""
    assert window.open_person(person_id)
    window.workspace.show_step(step)
    qtbot.waitUntil(lambda: window.workspace.shown_step() == step)


def test_steps_five_to_seven_with_the_person(qtbot, app_on_new_caseload, dialogs, screenshots):  # noqa: F811
    running = app_on_new_caseload
    window = running.window
    dialogs.expect(QDialog, "New person", add_person_in_dialog)
    menu_action(window, "File", "New person").trigger()
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.person() is not None)
    person_id = window.workspace.person_id()
    up_to_step_4(running, person_id)
    services = running.services
    shots = Screens(window, screenshots)
    view = window.coproduction_view

    # -- step 5: who gives each kind of help; the PA starts after today, the rest not arranged yet ----
    items = {i.item.description: i.item.item_id for i in services.support.get_support(person_id).items}
    pa = services.support.save_provider(ProviderForm("Carys Hughes", "personal_assistant"))
    starts = services.context.clock.today().replace(day=1)
    starts = date(starts.year + (starts.month == 12), starts.month % 12 + 1, 1)  # the 1st of next month
    services.support.save_arrangement(person_id, ArrangementForm(items["PA hours"], pa.id, starts, "15.37"))
    reopen(window, qtbot, person_id, Step.ORGANISE_SUPPORT)
    set_mode(window, qtbot, True)
    words = check_person_view(window, qtbot, Step.ORGANISE_SUPPORT)
    said = view.support_words.text()
    assert "PA hours: Carys Hughes helps you. It costs about £138 a week." in said, said  # £15.37 x 9
    assert f"Carys Hughes starts on {i18n.format_date(starts, fmt='long')}." in said, said
    assert "Choir fees: no one is arranged yet. It costs about £7 a week." in said, said
    assert "Some of your help is not arranged yet." in said
    assert "Step 5 of 7" in words and "&Quit" not in words
    shots.save("coproduction-step5-getting-help-in-place")

    # -- step 6: the rest arranged (staff), money in and out; the person is told it to the pound ------
    set_mode(window, qtbot, False, dialogs)
    choir = services.support.save_provider(ProviderForm("Côr Meibion", "universal"))
    shop = services.support.save_provider(ProviderForm("Kitchen World", "micro_enterprise"))
    services.support.save_arrangement(
        person_id, ArrangementForm(items["Choir fees"], choir.id, date(2026, 4, 6), "30.00")
    )
    services.support.save_arrangement(
        person_id, ArrangementForm(items["Kettle tipper"], shop.id, date(2026, 4, 6), "35.99")
    )
    services.support.confirm_support_arranged(person_id)
    services.ledger.add_transaction(person_id, TransactionForm(date(2026, 11, 2), "650.77", True, "Council"))
    services.ledger.add_transaction(
        person_id, TransactionForm(date(2026, 11, 9), "138.33", False, "Carys Hughes", items["PA hours"])
    )
    reopen(window, qtbot, person_id, Step.LIVE_LIFE)
    set_mode(window, qtbot, True)
    words = check_person_view(window, qtbot, Step.LIVE_LIFE)
    said = view.balance_words.text()
    assert "You have about £512 in your account." in said, said  # £650.77 - £138.33 = £512.44
    assert "This year you have spent about £138 on your help." in said, said
    assert "Step 6 of 7" in words
    shots.save("coproduction-step6-living-your-life")

    # -- step 7: the check-in; the person's own words typed in their view and saved by its button -----
    set_mode(window, qtbot, False, dialogs)
    services.reviews.open_review(person_id)
    reopen(window, qtbot, person_id, Step.REVIEW)
    set_mode(window, qtbot, True)
    review = window.workspace.pages.currentWidget()
    assert review.working_person.isVisible() and not review.decision_box.isVisible()
    type_into(review.working_person, "Carys is kind and we cook together.")
    type_into(review.not_working_person, "The choir bus is late on Fridays.")
    QTest.mouseClick(review.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            services.reviews.current(person_id).form.working_person == "Carys is kind and we cook together."
        )
    )
    reopen(window, qtbot, person_id, Step.REVIEW)
    qtbot.waitUntil(lambda: "What is working for you" in view.review_words.text())
    words = check_person_view(window, qtbot, Step.REVIEW)
    said = view.review_words.text()
    assert "What is working for you: Carys is kind and we cook together." in said, said
    assert "What is not working for you: The choir bus is late on Fridays." in said, said
    assert "Your check-in is due by " in said and "Step 7 of 7" in words
    shots.save("coproduction-step7-how-it-is-going")
    set_mode(window, qtbot, False, dialogs)
