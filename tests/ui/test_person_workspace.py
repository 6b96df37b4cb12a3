"""A person's workspace: header, stepper, moving through the cycle, history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from personalbudget.domain.lifecycle import ReviewDecision, Step, StepStatus
from personalbudget.domain.person import RepresentativeForm
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.steps.review_page import ReviewPage
from ui.steps.step_page import PersonView, StepPage

from .conftest import add_person, set_cycle, walk_to


@pytest.fixture
def ann(services):
    return add_person(
        services,
        "Ann Smith",
        nhs="9434765919",
        locality="Bryn Vale",
        carers=(RepresentativeForm("Jo Smith", "carer", "daughter", "07700 900123"),),
    )


@pytest.fixture
def workspace(qtbot, services, signals, ann):
    widget = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(widget)
    widget.resize(800, 700)
    widget.show()
    assert widget.show_person(ann.id)
    return widget


def statuses(workspace) -> list[StepStatus]:
    return [workspace.stepper.status_of(step) for step in Step]


def test_empty_until_a_person_is_chosen(qtbot, services, signals):
    widget = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(widget)
    assert not widget.is_showing_person()
    assert widget.person_id() == 0


def test_header_shows_who_the_person_is(workspace):
    assert workspace.is_showing_person()
    assert workspace.name_label.text() == "Ann Smith"
    details = workspace.details_label.text().replace("\xa0", " ")  # non-breaking spaces keep facts whole
    assert "Age 76" in details  # born 4 July 1950, today 23 November 2026
    assert "943 476 5919" in details
    assert "Bryn Vale" in details
    assert "Physical Support: Personal care support" in details
    carers = workspace.representatives_label.text().replace("\xa0", " ")
    assert "Jo Smith" in carers and "Family carer" in carers and "daughter" in carers


def test_new_person_starts_at_step_one(workspace):
    assert statuses(workspace) == [StepStatus.IN_PROGRESS] + [StepStatus.NOT_STARTED] * 6
    assert workspace.stepper.current_step() == Step.SET_BUDGET
    assert workspace.cycle_label.text() == "Cycle 1, step 1 of 7: Set budget"
    assert "budget has not been agreed" in workspace.blocker_label.text()
    assert workspace.advance_button.isVisible()
    assert not workspace.back_button.isVisible()
    assert not workspace.review_button.isVisible()
    assert workspace.shown_step() == Step.SET_BUDGET
    assert workspace.history.topLevelItemCount() == 1


def test_advance_blocked_shows_the_reason_and_changes_nothing(qtbot, workspace, services, ann, message_boxes):
    qtbot.mouseClick(workspace.advance_button, Qt.MouseButton.LeftButton)
    assert len(message_boxes.texts("warning")) == 1
    assert "budget has not been agreed" in message_boxes.texts("warning")[0]
    assert services.lifecycle.get_cycle(ann.id).current_step == Step.SET_BUDGET
    assert workspace.stepper.current_step() == Step.SET_BUDGET


def test_advance_moves_the_stepper_and_records_history(qtbot, workspace, services, signals, ann):
    set_cycle(services, ann.id, milestones=1)  # the budget is agreed (step 1's page will do this)
    with qtbot.waitSignal(signals.cycle_changed) as changed:
        qtbot.mouseClick(workspace.advance_button, Qt.MouseButton.LeftButton)
    assert changed.args == [ann.id]
    assert statuses(workspace)[:3] == [StepStatus.DONE, StepStatus.IN_PROGRESS, StepStatus.NOT_STARTED]
    assert workspace.stepper.current_step() == Step.PLAN_SUPPORT
    assert workspace.shown_step() == Step.PLAN_SUPPORT
    assert workspace.cycle_label.text() == "Cycle 1, step 2 of 7: Plan support"
    assert "plan has not been submitted" in workspace.blocker_label.text()
    assert workspace.back_button.isVisible()
    newest = workspace.history.topLevelItem(0)
    assert workspace.history.topLevelItemCount() == 2
    assert newest.text(1) == "test.practitioner"
    assert "step 1 (Set budget) to step 2 (Plan support)" in newest.text(2)
    assert "23 Nov 2026" in newest.text(0)


def test_stepper_follows_changes_made_elsewhere(workspace, services, signals, ann):
    walk_to(services, ann.id, Step.ORGANISE_SUPPORT)
    signals.cycle_changed.emit(ann.id)
    assert (
        statuses(workspace) == [StepStatus.DONE] * 4 + [StepStatus.IN_PROGRESS] + [StepStatus.NOT_STARTED] * 2
    )
    assert workspace.stepper.current_step() == Step.ORGANISE_SUPPORT
    assert not workspace.back_button.isVisible()  # the plan is agreed: a fixed record


def test_clicking_a_step_shows_its_page(qtbot, workspace):
    qtbot.mouseClick(workspace.stepper.button(Step.REVIEW), Qt.MouseButton.LeftButton)
    assert workspace.shown_step() == Step.REVIEW
    page = workspace.pages.currentWidget()
    assert isinstance(page, ReviewPage)
    assert not page.start_box.isVisible()  # at step 1 there is nothing to review yet
    assert workspace.stepper.selected_step() == Step.REVIEW
    assert workspace.stepper.current_step() == Step.SET_BUDGET  # looking is not moving


def test_every_step_has_a_step_page_that_is_shown_the_open_person(workspace, ann):
    for step in Step:
        workspace.show_step(step)
        page = workspace.pages.currentWidget()
        assert isinstance(page, StepPage), f"step {int(step)}: {type(page).__name__}"
        assert workspace.shown_step() == step


def test_step_buttons_describe_their_status_in_words(workspace):
    button = workspace.stepper.button(Step.SET_BUDGET)
    assert button.accessibleName() == "Step 1: Set budget"
    assert "In progress" in button.accessibleDescription()
    assert "current step" in button.accessibleDescription()
    assert "Not started" in workspace.stepper.button(Step.REVIEW).accessibleDescription()


def test_go_back_with_a_reason(workspace, services, ann):
    walk_to(services, ann.id, Step.AGREE_PLAN)
    workspace.show_person(ann.id)
    assert workspace.back_button.isVisible()
    assert workspace.go_back(Step.SET_BUDGET, "Needs changed after a fall")
    assert workspace.stepper.current_step() == Step.SET_BUDGET
    assert statuses(workspace)[1:3] == [StepStatus.NOT_STARTED, StepStatus.NOT_STARTED]
    assert "Needs changed after a fall" in workspace.history.topLevelItem(0).text(2)


def test_go_back_without_a_reason_is_refused(workspace, services, ann, message_boxes):
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    workspace.show_person(ann.id)
    assert not workspace.go_back(Step.SET_BUDGET, "  ")
    assert "Say why" in message_boxes.texts("warning")[0]
    assert services.lifecycle.get_cycle(ann.id).current_step == Step.PLAN_SUPPORT


def test_review_step_offers_a_decision(workspace, services, ann):
    walk_to(services, ann.id, Step.REVIEW)
    workspace.show_person(ann.id)
    assert workspace.review_button.isVisible()
    assert not workspace.advance_button.isVisible()
    assert workspace.record_review_decision(ReviewDecision.CHANGE_PLAN, "new day centre")
    cycle = workspace.cycle()
    assert cycle.number == 2 and cycle.current_step == Step.PLAN_SUPPORT
    assert workspace.cycle_label.text() == "Cycle 2, step 2 of 7: Plan support"
    assert statuses(workspace)[:2] == [StepStatus.DONE, StepStatus.IN_PROGRESS]


def test_review_continue_goes_back_to_living_life(workspace, services, ann):
    walk_to(services, ann.id, Step.REVIEW)
    workspace.show_person(ann.id)
    assert workspace.record_review_decision(ReviewDecision.CONTINUE)
    assert workspace.stepper.current_step() == Step.LIVE_LIFE
    assert "Continue as is" in workspace.history.topLevelItem(0).text(2)


def test_ending_the_budget(workspace, services, ann):
    walk_to(services, ann.id, Step.REVIEW)
    workspace.show_person(ann.id)
    assert workspace.record_review_decision(ReviewDecision.END, "moved to another area")
    assert "budget ended" in workspace.cycle_label.text()
    assert not workspace.advance_button.isVisible()
    assert not workspace.review_button.isVisible()
    assert workspace.stepper.current_step() is None


def test_overdue_review_is_said_in_words(workspace, services, ann):
    walk_to(services, ann.id, Step.LIVE_LIFE)
    set_cycle(services, ann.id, next_review=date(2026, 11, 23) - timedelta(days=1))
    workspace.show_person(ann.id)
    assert workspace.review_label.text() == "Review overdue: was due 22 Nov 2026"


def test_edit_button_asks_to_edit_this_person(qtbot, workspace, ann):
    with qtbot.waitSignal(workspace.edit_requested) as blocker:
        qtbot.mouseClick(workspace.edit_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [ann.id]


class RecordingPage(QLabel):
    """Stands in for a real step page: it is told which person to show."""

    def __init__(self):
        super().__init__("real page")
        self.shown: list[int] = []

    def show_person(self, person_id: int) -> None:
        self.shown.append(person_id)

    def person_view(self) -> PersonView:
        return PersonView()


def test_real_step_pages_load_the_person_when_first_shown(qtbot, workspace, services, ann):
    page = RecordingPage()
    workspace.set_step_page(Step.PLAN_SUPPORT, page)
    assert page.shown == []  # not the step on screen: nothing loaded yet
    workspace.show_step(Step.PLAN_SUPPORT)
    assert page.shown == [ann.id]
    assert workspace.pages.currentWidget() is page
    workspace.show_step(Step.SET_BUDGET)
    workspace.show_step(Step.PLAN_SUPPORT)
    assert page.shown == [ann.id]  # loaded once per person
    bob = add_person(services, "Bob Jones")
    workspace.show_person(bob.id)
    workspace.show_step(Step.PLAN_SUPPORT)
    assert page.shown == [ann.id, bob.id]
