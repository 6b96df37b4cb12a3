"""Others' changes reach an open window (issue 21): the caseload list and My work are read again off
the UI thread, with a cue saying how many changes others made, keeping the selection and the
search typed; a caseload that cannot be reached shows a banner, retries, and clears when back."""

from __future__ import annotations

import pytest
from PySide6.QtTest import QTest

from personalbudget.domain.lifecycle import Step
from personalbudget.services import build_services
from tests.ui.conftest import add_person, walk_to
from ui.app import watch_for_others
from ui.change_watch import RETRY_FIRST_MS


@pytest.fixture
def other(db, clock):
    """Someone else's window on the same caseload."""
    return build_services(db, clock, actor="other.practitioner")


@pytest.fixture
def watcher(window, services, signals):
    watched = watch_for_others(window, services, signals)
    yield watched
    watched.stop()


def _poll(qtbot, watcher) -> None:
    assert watcher.poll_now()
    qtbot.waitUntil(lambda: not watcher.busy(), timeout=10_000)
    qtbot.wait(20)  # the result is delivered on the main thread


def test_others_changes_refresh_the_list_with_a_cue_keeping_the_selection_and_the_search(
    qtbot, window, services, other, watcher
):
    ann = add_person(services, "Ann Smith")
    add_person(services, "Bob Jones")
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    watcher.start()
    _poll(qtbot, watcher)  # my own changes are not others'
    assert window.caseload.change_cue.cue_text() == ""

    QTest.keyClicks(window.caseload.search_edit, "Smi")  # typing, half-way through a search
    add_person(other, "Ann Smithson")
    add_person(other, "Cai Smith")
    _poll(qtbot, watcher)
    assert window.caseload.change_cue.cue_text() == "Updated just now — 2 changes by others"
    assert window.caseload.search_edit.text() == "Smi"
    assert window.caseload.current_person_id() == ann.id
    assert window.caseload.shown_count() == 3  # the new people are in the list, the filter still on
    assert window.caseload.model.total_count() == 4


def test_my_work_is_read_again_without_losing_the_chosen_entry(qtbot, window, services, other, watcher):
    if window.work_page is None:
        pytest.skip("this role has no work queue")
    watcher.start()
    add_person(other, "Dai Evans")
    _poll(qtbot, watcher)
    assert window.caseload.change_cue.cue_text().endswith("1 change by others")
    assert window.work_page.queue is not None  # read in the background and shown


def test_a_caseload_out_of_reach_shows_a_banner_retries_and_clears(qtbot, window, services, watcher):
    add_person(services, "Ann Smith")
    window.caseload.refresh()
    window.caseload.select_person(window.caseload.shown_person_ids()[0])
    watcher.start()
    working = watcher.poll
    calls: list[int] = []

    def dropped(seen):
        calls.append(seen.head)
        raise OSError("connection refused")

    watcher.poll = dropped
    banner = window.caseload.change_cue.banner
    _poll(qtbot, watcher)
    assert not banner.isHidden() and banner.text() == "Can't reach the caseload — retrying"
    assert watcher.retry_ms == 2 * RETRY_FIRST_MS  # the next wait is longer
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=RETRY_FIRST_MS + 5_000)  # it retries by itself
    qtbot.waitUntil(lambda: not watcher.busy(), timeout=5_000)
    assert watcher.retry_ms == 4 * RETRY_FIRST_MS
    assert window.caseload.model.total_count() == 1  # what was on screen is still there
    assert window.caseload.current_person_id() != 0

    watcher.poll = working  # back
    _poll(qtbot, watcher)
    assert banner.isHidden() and watcher.retry_ms == RETRY_FIRST_MS


def test_the_poll_reads_only_the_newest_event(services, other):
    """The counter: unchanged when nothing happened; others' changes counted per record."""
    start = services.changes.mark()
    assert services.changes.poll(start) == start
    add_person(other, "Eve Price")
    polled = services.changes.poll(start)
    assert polled.head > start.head and polled.by_others == 1
    add_person(services, "Fay Price")
    assert services.changes.poll(polled).by_others == 0


def test_the_open_person_moved_on_by_someone_else_is_shown_at_their_new_step(
    qtbot, window, services, other, watcher
):
    """An approver on another machine agreed the plan: the open workspace follows (step 3 to 4
    here, without a click), as the caseload list does."""
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    assert window.open_person(ann.id)
    assert window.workspace.shown_step() == Step.PLAN_SUPPORT
    watcher.start()
    walk_to(other, ann.id, Step.AGREE_PLAN)
    _poll(qtbot, watcher)
    assert window.workspace.cycle().current_step == Step.AGREE_PLAN
    assert window.workspace.shown_step() == Step.AGREE_PLAN


def test_a_plan_being_written_is_not_reloaded_under_the_typing(qtbot, window, services, other, watcher):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    assert window.open_person(ann.id)
    plan = window.workspace.pages.currentWidget()
    QTest.keyClicks(plan.what_matters, "Seeing my grandchildren")
    assert plan.has_unsaved_changes()
    watcher.start()
    walk_to(other, ann.id, Step.AGREE_PLAN)
    _poll(qtbot, watcher)
    assert window.caseload.change_cue.cue_text().startswith("Updated just now")  # told, in the list
    assert window.workspace.shown_step() == Step.PLAN_SUPPORT  # the typing stays where it was
    assert window.workspace.pages.currentWidget() is plan
    assert plan.what_matters.toPlainText() == "Seeing my grandchildren"
