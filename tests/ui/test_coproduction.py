"""Co-production mode: the person's view of the workspace (issue #8)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from personalbudget.domain.lifecycle import Step
from personalbudget.i18n import format_money
from personalbudget.plain_language import money_in_words
from tests.ui.conftest import add_person, walk_to
from tests.ui.test_accessibility import unnamed_controls
from ui.coproduction import FONT_SCALE, SHORTCUT, CoproductionMode, weekly_in_words
from ui.main_window import MainWindow
from ui.steps.budget_page import BudgetPage
from ui.steps.plan_page import PlanPage


def page_of(window: MainWindow, page_type: type) -> QWidget:
    page = window.coproduction_view.page(page_type)
    assert page is not None
    return page


@pytest.fixture
def person(services):
    return add_person(services, "Ffion Jenkins", nhs="943 476 5919")


@pytest.fixture
def opened(window, person):
    window.caseload.refresh()
    assert window.open_person(person.id)
    return window


def answers_for(services, level: int = 1) -> dict[str, str]:
    return {
        q.id: q.answers[min(level, len(q.answers) - 1)].id for q in services.budget.ras.questions.values()
    }


def test_the_switch_is_one_checkable_action_with_a_free_shortcut(window):
    action = window.coproduction_action
    assert action.isCheckable() and not action.isChecked()
    assert action.shortcut() == QKeySequence(SHORTCUT)
    others = [
        a for a in window.findChildren(QAction) if a is not action and a.shortcut() == action.shortcut()
    ]
    assert others == []
    assert action in window.view_menu.actions()
    assert window.coproduction_view.toggle_button.defaultAction() is action


def test_switch_hides_staff_controls_and_shows_them_again(opened, services, person, signals):
    ws = opened.workspace
    budget = page_of(opened, BudgetPage)
    staff = [
        ws.advance_button,
        ws.edit_button,
        ws.history,
        budget.agree_button,
        budget.breakdown,
        budget.budget_type,
    ]
    assert all(not w.isHidden() for w in staff)
    assert ws.details_label.isVisibleTo(ws)
    view = opened.coproduction_view
    assert view.banner.isHidden()

    opened.coproduction_action.trigger()
    assert opened.coproduction.is_on()
    assert all(not w.isVisibleTo(opened) for w in staff)
    assert not view.banner.isHidden() and "Ffion Jenkins" in view.banner.text.text()
    assert opened.splitter.widget(0).isHidden()  # no other people's names on screen
    assert not opened.new_person_action.isVisible()
    assert view.heading.text() == "Step 1 of 7: How much money you can have"
    assert ws.stepper.button(Step.SET_BUDGET).accessibleName() == "Step 1: Your money"

    # A page that refreshes itself does not bring staff-only controls back.
    signals.cycle_changed.emit(person.id)
    assert budget.agree_button.isHidden() and ws.advance_button.isHidden()

    view.banner.leave_button.click()
    assert not opened.coproduction.is_on() and not opened.coproduction_action.isChecked()
    assert all(not w.isHidden() for w in staff)
    assert view.banner.isHidden() and not opened.splitter.widget(0).isHidden()
    assert opened.new_person_action.isVisible()
    assert ws.stepper.button(Step.SET_BUDGET).accessibleName() == "Step 1: Set budget"


def test_the_review_page_hides_decisions_and_practitioner_notes(window, services, person):
    from ui.steps.review_page import ReviewPage

    walk_to(services, person.id, Step.REVIEW)
    window.caseload.refresh()
    window.open_person(person.id)
    review = page_of(window, ReviewPage)
    assert review.start_review()
    window.coproduction.set_on(True)
    assert review.record.isVisibleTo(review)
    assert not review.decision_box.isVisibleTo(review)
    assert not review.complete_button.isVisibleTo(review)
    assert not review.working_practitioner.isVisibleTo(review)
    assert review.working_person.isVisibleTo(review)
    assert review.save_button.isVisibleTo(review)  # the person's own words can be saved


def test_text_gets_larger_and_back(opened):
    budget = page_of(opened, BudgetPage)
    plain, bold = budget.figure_note, budget.figure  # one inherits its font, one sets its own
    before = plain.font().pointSizeF(), bold.font().pointSizeF()
    opened.coproduction.set_on(True)
    assert plain.font().pointSizeF() == pytest.approx(before[0] * FONT_SCALE)
    assert bold.font().pointSizeF() == pytest.approx(before[1] * FONT_SCALE)
    assert opened.coproduction_view.questions.question_label.font().pointSizeF() > before[0] * FONT_SCALE
    opened.coproduction.set_on(False)
    assert (plain.font().pointSizeF(), bold.font().pointSizeF()) == pytest.approx(before)


def test_questionnaire_one_question_at_a_time_saves_like_the_full_one(
    opened, qtbot, services, signals, person
):
    opened.coproduction.set_on(True)
    questions = opened.coproduction_view.questions
    total = len(services.budget.ras.questions)
    assert questions.isVisibleTo(opened) and questions.count() == total
    assert questions.count_label.text() == f"Question 1 of {total}"
    assert len(questions.answer_buttons()) == len(questions.question().answers)
    assert all("points" not in b.text() for b in questions.answer_buttons())
    wanted = answers_for(services)
    for n in range(total):
        assert questions.index() == n
        questions.choose(wanted[questions.question().id])
        if n < total - 1:
            questions.next_button.click()
    assert not questions.next_button.isEnabled()
    assert services.budget.get_budget(person.id).answers == wanted

    # The same answers in the full questionnaire give the same indicative budget.
    other = add_person(services, "Rhys Morgan")
    full = BudgetPage(services, signals)
    qtbot.addWidget(full)
    full.show_person(other.id)
    for question_id, answer_id in wanted.items():
        full.answer(question_id, answer_id)
    mine = page_of(opened, BudgetPage).indicative()
    assert mine.weekly_pence == full.indicative().weekly_pence > 0
    assert services.budget.get_budget(person.id).indicative == services.budget.get_budget(other.id).indicative

    # Previous goes back, and the answer given is shown chosen.
    questions.previous_button.click()
    assert questions.index() == total - 2
    assert [b for b in questions.answer_buttons() if b.isChecked()]


def test_budget_amount_is_said_at_the_end_of_the_questions(opened, services, person):
    opened.coproduction.set_on(True)
    view = opened.coproduction_view
    questions = view.questions
    questions.choose(questions.question().answers[-1].id)
    weekly = page_of(opened, BudgetPage).indicative().weekly_pence
    assert weekly > 0
    assert weekly_in_words(weekly) not in view.budget_words.text()  # not changing at each answer
    assert "shown after the last question" in view.budget_words.text()
    while questions.index() < questions.count() - 1 or not questions.question().id:
        questions.choose(questions.question().answers[0].id)
        if questions.index() == questions.count() - 1:
            break
        questions.next()
    questions.choose(questions.question().answers[0].id)
    weekly = page_of(opened, BudgetPage).indicative().weekly_pence
    text = view.budget_words.text()
    assert "Your answers give " + weekly_in_words(weekly) in text
    assert format_money(weekly) not in text or weekly % 100 == 0  # to the pound, no pence


def test_budget_amount_live_when_the_setting_says_so(opened, services, person, settings):
    from ui.coproduction import AMOUNT_SETTING

    settings.setValue(AMOUNT_SETTING, "live")
    opened.coproduction.set_on(True)
    questions = opened.coproduction_view.questions
    questions.choose(questions.question().answers[-1].id)
    weekly = page_of(opened, BudgetPage).indicative().weekly_pence
    assert "Your answers give " + weekly_in_words(weekly) in opened.coproduction_view.budget_words.text()


def test_weekly_in_words():
    assert weekly_in_words(12345) == "about £123 a week"
    assert weekly_in_words(5000) == "£50 a week"
    assert "pence" not in weekly_in_words(12345) and money_in_words(12345).endswith("pence")


@pytest.fixture
def planning(window, services, person):
    from personalbudget.domain.plan import OutcomeEntry, PlanDraft, SupportItemEntry

    services.budget.save_answers(person.id, "personal_budget", answers_for(services))
    services.budget.agree_budget(person.id, None, "")
    services.plans.save_draft(
        person.id,
        PlanDraft(
            what_matters="Seeing my grandchildren",
            outcomes=[OutcomeEntry("b", "Wash and dress in the morning")],
            contingency="My daughter steps in.",
            support_items=[SupportItemEntry("personal_care", "Help to get up", "15.00", "7", "week", "")],
        ),
    )
    window.caseload.refresh()
    window.open_person(person.id)
    window.workspace.show_step(Step.PLAN_SUPPORT)
    return window


def test_plan_goes_one_part_at_a_time(planning):
    plan = page_of(planning, PlanPage)
    planning.coproduction.set_on(True)
    steps = planning.coproduction_view.plan_steps
    assert not plan.tabs.tabBar().isVisibleTo(plan)
    assert plan.submit_button.isHidden()  # the person may not submit; they may save
    assert not plan.save_button.isHidden()
    steps.go_to(0)
    seen = []
    while True:
        seen.append(steps.title.text())
        if not steps.next_button.isEnabled():
            break
        steps.next_button.click()
    assert seen[0] == "Part 1 of 6: What matters to you"
    assert seen[2] == "Part 3 of 6: The help I want"
    assert len(seen) == plan.tabs.count() == 6
    steps.previous_button.click()
    assert plan.tabs.currentIndex() == 4


def test_plan_items_and_total_in_words(planning):
    planning.coproduction.set_on(True)
    steps = planning.coproduction_view.plan_steps
    steps.go_to(steps.ITEMS_SECTION)
    assert steps.item_words.isVisibleTo(steps)
    weekly = 10500  # £15 x 7 a week
    assert "Help to get up: " + weekly_in_words(weekly) in steps.item_words.text().replace("&#x27;", "'")
    assert "Your plan costs " + weekly_in_words(weekly) in steps.total_words.text()
    steps.go_to(0)
    assert not steps.item_words.isVisibleTo(steps)


def test_agreement_page_in_plain_words(planning, services, person):
    from ui.steps.agreement_page import AgreementPage

    services.plans.submit(person.id, "")
    planning.workspace.show_person(person.id)
    planning.workspace.show_step(Step.AGREE_PLAN)
    planning.coproduction.set_on(True)
    agreement = page_of(planning, AgreementPage)
    words = planning.coproduction_view.agreement_words
    assert words.isVisibleTo(agreement) and not agreement.summary.isVisibleTo(agreement)
    assert "waiting for the answer" in words.text()
    assert weekly_in_words(10500) in words.text()
    assert "test.practitioner" not in words.text()  # who submitted it is for the records


def test_the_mode_is_remembered_for_each_user(opened, services, signals, settings, qtbot, person):
    opened.show()
    opened.coproduction.set_on(True)
    assert opened.splitter.widget(0).isHidden()
    opened.close()
    again = MainWindow(services, signals, settings)
    qtbot.addWidget(again)
    again.show()
    assert again.coproduction.is_on() and again.coproduction_action.isChecked()
    assert again.workspace.person_id() == person.id and not again.coproduction_view.banner.isHidden()
    assert not CoproductionMode(settings, "someone.else").is_on()
    assert CoproductionMode(settings, services.context.actor).is_on()
    again.coproduction.set_on(False)  # the caseload comes back, saved with its width
    qtbot.wait(10)
    assert not again.splitter.widget(0).isHidden() and again.splitter.sizes()[0] > 0


def test_every_control_is_named_in_the_persons_view(opened, services, person):
    for step in Step:
        opened.workspace.show_step(step)
    before = set(unnamed_controls(opened))
    opened.coproduction.set_on(True)
    for step in Step:
        opened.workspace.show_step(step)
    assert set(unnamed_controls(opened)) <= before  # nothing new without a name
    view = opened.coproduction_view
    for widget in (view.banner, view.questions, view.plan_steps, view.toggle_button):
        assert unnamed_controls(widget) == []


def tab_order(start: QWidget, steps: int) -> list[QWidget]:
    """The widgets Tab visits from ``start``, as Qt's focus chain decides."""
    seen, widget = [start], start
    while len(seen) < steps:
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
        ):
            seen.append(widget)
    return seen


def test_the_keyboard_reaches_everything_in_the_persons_view(opened, qtbot):
    opened.coproduction.set_on(True)
    opened.show()
    qtbot.waitExposed(opened)
    view = opened.coproduction_view
    seen = tab_order(view.banner.leave_button, 80)
    questions = view.questions
    assert view.toggle_button.isHidden()  # the banner's Leave button is the one way out shown
    expected = [
        view.banner.leave_button,
        opened.workspace.stepper.button(Step.SET_BUDGET),
        questions.answer_buttons()[0],
        questions.next_button,
    ]
    for widget in expected:
        assert widget in seen, widget.accessibleName()
    questions.next_button.click()
    qtbot.wait(10)  # new answers are shown by the event loop
    assert questions.answer_buttons()[0] in tab_order(view.banner.leave_button, 80)
