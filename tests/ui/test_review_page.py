"""Step 7 page against real services: the "done when" flow (an overdue review recorded with the person,
"change the plan" chosen, a new draft carrying the old plan while the agreed version stays), drafts,
refusing an incomplete review, and the review PDF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.plan import PlanStatus
from tests.core.money_helpers import living_person
from tests.ui.test_accessibility import unnamed_controls
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.steps.review_page import ReviewPage

APRIL_1 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
JUNE_10 = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)


def _overdue_person(services, clock) -> int:
    clock.set(APRIL_1)
    pid = living_person(services)
    clock.set(JUNE_10)  # the first review was due on 27 May
    assert services.lifecycle.get_cycle(pid).review_overdue
    return pid


@pytest.mark.slow  # a whole cycle through the window to a review: not in the fast lane
def test_an_overdue_review_recorded_and_changing_the_plan(qtbot, services, signals, clock):
    pid = _overdue_person(services, clock)
    agreed = services.plans.get_plan(pid)
    workspace = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(workspace)
    workspace.resize(1000, 800)
    workspace.show()
    assert workspace.show_person(pid)
    workspace.show_step(Step.REVIEW)
    page = workspace.pages.currentWidget()
    assert isinstance(page, ReviewPage)
    assert "Review overdue" in page.summary.text()
    assert page.start_box.isVisible() and not page.record.isVisible()

    assert page.start_review("Planned")
    assert services.lifecycle.get_cycle(pid).current_step == Step.REVIEW
    page = workspace.pages.currentWidget()
    assert page.record.isVisible() and page.outcomes.rowCount() == 1
    assert page.spend.rowCount() == 4  # three items and the total
    assert unnamed_controls(page) == []

    page.set_rating(0, "Partially Met", "Some days I am too tired to cook")
    page.method.setCurrentIndex(page.method.findData("Service user and carer"))
    page.working_person.setPlainText("My PA Sam")
    page.add_gap()
    page.gaps.cellWidget(0, 0).setCurrentIndex(page.gaps.cellWidget(0, 0).findData("personal_assistant"))
    page.gaps.cellWidget(0, 1).setText("Bryn Vale")
    page.gaps.cellWidget(0, 2).setText("No PAs for evenings")
    assert page.save_draft()
    assert services.reviews.current(pid).form.market_gaps[0].why == "No PAs for evenings"

    page.decision_buttons[ReviewDecision.CHANGE_PLAN].setChecked(True)
    assert page.complete_review()

    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.number == 2 and cycle.current_step == Step.PLAN_SUPPORT
    assert workspace.cycle_label.text() == "Cycle 2, step 2 of 7: Plan support"
    draft = services.plans.get_plan(pid)
    assert draft.status == PlanStatus.DRAFT and draft.version == agreed.version + 1
    assert draft.content == agreed.content
    old = services.plans.get_version(agreed.plan_id)
    assert old.status == PlanStatus.AGREED and old.content == agreed.content
    review = services.reviews.history(pid)[0]
    assert review.decision == ReviewDecision.CHANGE_PLAN and review.gaps == 1


def test_an_incomplete_review_is_refused_in_words(qtbot, services, signals, clock, message_boxes):
    pid = _overdue_person(services, clock)
    services.reviews.request_review(pid, "Unplanned - Hospital")
    page = ReviewPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert not page.complete_review()
    text = message_boxes.texts("warning")[0]
    assert "Rate how far the outcome" in text and "Choose what the review decides" in text
    assert services.lifecycle.get_cycle(pid).current_step == Step.REVIEW


def test_print_review_writes_the_pdf(qtbot, services, signals, clock, tmp_path):
    pid = _overdue_person(services, clock)
    view = services.reviews.request_review(pid, "Unplanned - Safeguarding concern")
    page = ReviewPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert page.review.review_id == view.review_id
    out = tmp_path / "review.pdf"
    task = page.print_review(out)
    with qtbot.waitSignal(task.succeeded, timeout=20_000):
        pass
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Unplanned - Safeguarding concern" in text and "Draft: not completed yet" in text
