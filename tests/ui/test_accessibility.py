"""Every control has a name for screen readers, and the keyboard reaches the main ones."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import RepresentativeForm
from ui.go_back_dialog import GoBackDialog
from ui.person_dialog import PersonDialog
from ui.review_decision_dialog import ReviewDecisionDialog

from .conftest import add_person, walk_to

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
)


def unnamed_controls(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or isinstance(widget, QHeaderView):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox):
            continue  # a spin box's own editor; the spin box carries the name
        if not widget.accessibleName().strip():
            missing.append(
                f"{type(widget).__name__} in {type(widget.parent()).__name__} {widget.objectName()!r} {getattr(widget, 'text', lambda: '')()!r}"
            )
    return missing


def test_main_window_controls_are_named(window, services):
    ann = add_person(services, "Ann Smith", carers=(RepresentativeForm("Jo Smith", "carer"),))
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    assert unnamed_controls(window) == []


def test_person_dialog_controls_are_named(qtbot, services, signals):
    person = add_person(services, "Ann Smith", carers=(RepresentativeForm("Jo Smith", "carer"),))
    dialog = PersonDialog(services, signals, services.people.get_person(person.id))
    qtbot.addWidget(dialog)
    assert unnamed_controls(dialog) == []


def test_small_dialogs_are_named(qtbot):
    for dialog in (GoBackDialog(Step.AGREE_PLAN), ReviewDecisionDialog()):
        qtbot.addWidget(dialog)
        assert unnamed_controls(dialog) == []


def tab_order(start: QWidget, steps: int) -> list[QWidget]:
    """The widgets Tab visits from ``start``, as Qt's focus chain decides (no active window needed)."""
    seen = [start]
    widget = start
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


def test_tab_reaches_the_main_controls(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    window.show()
    qtbot.waitExposed(window)
    seen = tab_order(window.caseload.search_edit, 60)
    workspace = window.workspace
    expected = [
        window.caseload.search_edit,
        window.caseload.step_combo,
        window.caseload.overdue_check,
        window.caseload.table,
        workspace.edit_button,
        *(workspace.stepper.button(step) for step in Step),
        workspace.advance_button,
        workspace.back_button,
        workspace.history,
    ]
    for widget in expected:
        assert widget in seen, widget.accessibleName()
    positions = [seen.index(widget) for widget in expected]
    assert positions == sorted(positions)  # in reading order


def test_person_dialog_tab_order_follows_the_form(qtbot, services, signals):
    dialog = PersonDialog(services, signals)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    seen = tab_order(dialog.name_edit, 30)
    expected = [
        dialog.name_edit,
        dialog.dob_field.edit,
        dialog.dob_field.calendar_button,
        dialog.nhs_edit,
        dialog.locality_combo,
        dialog.reason_combo,
        dialog.reps_table,
        dialog.add_rep_button,
        dialog.remove_rep_button,
        dialog.ok_button,
    ]
    positions = [seen.index(widget) for widget in expected]
    assert positions == sorted(positions)
