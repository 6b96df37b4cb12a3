"""Issue 18: filtering never rebuilds the workspace, and step pages are built when first needed."""

from __future__ import annotations

from tests.ui.conftest import add_person
from ui.models.caseload_table_model import Column
from ui.steps.budget_page import BudgetPage


def test_a_filter_that_hides_the_open_person_opens_no_one_else(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    add_person(services, "Bob Jones")
    window.caseload.refresh()
    assert window.open_person(ann.id)
    opened = []
    window.workspace.show_person = lambda person_id: opened.append(person_id) or True  # type: ignore[method-assign]
    window.caseload.search_edit.setText("bob")  # Ann's row is filtered out
    assert window.caseload.shown_count() == 1
    window.caseload.step_combo.setCurrentIndex(1)
    window.caseload.overdue_check.setChecked(True)
    window.caseload.overdue_check.setChecked(False)
    window.caseload.step_combo.setCurrentIndex(0)
    window.caseload.search_edit.clear()
    assert opened == []  # nobody else was opened, nothing was rebuilt
    assert window.workspace.person_id() == ann.id
    assert window.caseload.current_person_id() == ann.id  # chosen again once the row is back


def test_search_narrows_as_letters_are_typed_and_widens_when_deleted(window, services):
    for name in ("Ann Smith", "Anna Bell", "Annwen Price", "Bob Jones"):
        add_person(services, name)
    window.caseload.refresh()
    shown = []
    for text in ("a", "an", "ann", "anna", "ann", "ann bel", "ann", "", "999"):
        window.caseload.search_edit.setText(text)
        shown.append(
            sorted(
                window.caseload.proxy.index(r, Column.NAME).data()
                for r in range(window.caseload.shown_count())
            )
        )
    assert shown[2] == ["Ann Smith", "Anna Bell", "Annwen Price"]
    assert shown[3] == ["Anna Bell"]
    assert shown[4] == shown[2]  # a letter deleted: the rows come back
    assert shown[5] == ["Anna Bell"]  # two words: both must appear
    assert shown[7] == ["Ann Smith", "Anna Bell", "Annwen Price", "Bob Jones"]
    assert window.caseload.count_label.text() == "0 of 4 people"


def test_step_pages_are_built_with_the_workspace_and_open_no_window_of_their_own(qtbot, window, services):
    """Built after the window was up, pages joined the end of the Tab order and controls shown before
    they had a parent opened as stray windows that took the keyboard focus (tests/ui/test_keyboard.py)."""
    from PySide6.QtWidgets import QApplication

    assert window.workspace.pages_built()
    pages = window.workspace.build_all_pages()
    assert len(pages) == 7 and all(page.accessibleName() for page in pages)
    assert not any(page.isWindow() for page in pages)
    window.show()
    qtbot.waitExposed(window)
    person = add_person(services, "Ann Smith")
    window.caseload.refresh()
    assert window.open_person(person.id)
    assert isinstance(window.workspace.pages.currentWidget(), BudgetPage)
    strays = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window and w.isWindow()]
    assert strays == [], [type(w).__name__ for w in strays]
