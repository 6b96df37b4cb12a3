"""Adding and editing a person: bad input is shown beside its field and nothing is saved."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from personalbudget.domain.person import RepresentativeForm
from ui.dialogs.person_dialog import PersonDialog
from ui.widgets.date_field import DateFormatError, parse_uk_date

from .conftest import add_person

GOOD_NHS = "943 476 5919"


@pytest.fixture
def dialog(qtbot, services, signals):
    add_person(services, "Existing Person", locality="Harbourside")
    dlg = PersonDialog(services, signals)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def fill(dialog: PersonDialog, *, name="Ann Smith", dob="04/07/1950", nhs="", locality="Bryn Vale", reason=1):
    dialog.name_edit.setText(name)
    dialog.dob_field.edit.setText(dob)
    dialog.nhs_edit.setText(nhs)
    dialog.locality_combo.setEditText(locality)
    dialog.reason_combo.setCurrentIndex(reason)


def people_named(services, name):
    return [r for r in services.people.list_caseload() if r.name == name]


def test_good_input_creates_the_person(qtbot, services, signals, dialog):
    fill(dialog, nhs=GOOD_NHS)
    row = dialog.add_representative_row()
    dialog.set_representative(row, "Jo Smith", "nominated", "daughter", "07700 900123")
    with qtbot.waitSignal(signals.person_saved) as saved:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == PersonDialog.DialogCode.Accepted
    person = services.people.get_person(saved.args[0])
    assert person.name == "Ann Smith"
    assert person.date_of_birth == date(1950, 7, 4)
    assert person.nhs_number == "9434765919"
    assert person.locality == "Bryn Vale"
    assert person.primary_support_reason == "Physical Support: Personal care support"
    assert [(r.name, r.role, r.relationship, r.phone) for r in person.representatives] == [
        ("Jo Smith", "nominated", "daughter", "07700 900123")
    ]
    assert dialog.saved == person


def test_locality_list_comes_from_the_caseload(dialog):
    items = [dialog.locality_combo.itemText(i) for i in range(dialog.locality_combo.count())]
    assert items == ["Harbourside"]


def test_empty_name_is_refused_and_nothing_saved(services, dialog):
    fill(dialog, name="   ")
    assert not dialog.save()
    assert dialog.isVisible()
    assert dialog.error_text("name") == "Enter the person's name."
    assert dialog.focusWidget() is dialog.name_edit
    assert len(services.people.list_caseload()) == 1


def test_future_date_of_birth_is_refused(services, dialog):
    fill(dialog, dob="01/01/2030")
    assert not dialog.save()
    assert "future" in dialog.error_text("date_of_birth")
    assert dialog.error_text("name") == ""
    assert dialog.focusWidget() is dialog.dob_field.edit
    assert people_named(services, "Ann Smith") == []


def test_unreadable_date_is_refused_with_every_other_problem(services, dialog):
    fill(dialog, name="", dob="31/02/1950", nhs="12345")
    assert not dialog.save()
    assert "not a real date" in dialog.error_text("date_of_birth")
    assert dialog.error_text("name") == "Enter the person's name."
    assert "10 digits" in dialog.error_text("nhs_number")
    assert dialog.focusWidget() is dialog.name_edit  # the first field to fix
    assert len(services.people.list_caseload()) == 1


def test_invalid_nhs_number_is_refused(services, dialog):
    fill(dialog, nhs="943 476 5918")  # wrong check digit
    assert not dialog.save()
    assert "check digit" in dialog.error_text("nhs_number")
    assert dialog.focusWidget() is dialog.nhs_edit
    assert people_named(services, "Ann Smith") == []


def test_duplicate_nhs_number_is_refused(qtbot, services, signals):
    add_person(services, "First Holder", nhs="9434765919")
    dialog = PersonDialog(services, signals)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, nhs=GOOD_NHS)
    assert not dialog.save()
    assert "already has this NHS number" in dialog.error_text("nhs_number")
    assert people_named(services, "Ann Smith") == []


def test_missing_locality_and_reason_are_refused(services, dialog):
    fill(dialog, locality="", reason=-1)
    assert not dialog.save()
    assert dialog.error_text("locality")
    assert dialog.error_text("primary_support_reason")
    assert people_named(services, "Ann Smith") == []


def test_carer_without_a_name_is_refused(services, dialog):
    fill(dialog)
    row = dialog.add_representative_row()
    dialog.set_representative(row, "", "carer", "son")
    assert not dialog.save()
    assert "has no name" in dialog.error_text("representatives")
    assert people_named(services, "Ann Smith") == []


def test_errors_clear_when_fixed(services, dialog):
    fill(dialog, name="")
    assert not dialog.save()
    dialog.name_edit.setText("Ann Smith")
    assert dialog.save()
    assert dialog.error_text("name") == ""
    assert len(people_named(services, "Ann Smith")) == 1


def test_editing_changes_the_person(qtbot, services, signals):
    person = add_person(
        services,
        "Bob Jones",
        carers=(RepresentativeForm("Sue Jones", "carer", "wife", "", "sue@example.org"),),
    )
    dialog = PersonDialog(services, signals, person)
    qtbot.addWidget(dialog)
    assert dialog.name_edit.text() == "Bob Jones"
    assert dialog.dob_field.text() == "04/07/1950"
    assert dialog.reps_table.rowCount() == 1
    dialog.name_edit.setText("Robert Jones")
    dialog.nhs_edit.setText("9434765919")
    with qtbot.waitSignal(signals.person_saved):
        assert dialog.save()
    changed = services.people.get_person(person.id)
    assert changed.name == "Robert Jones"
    assert changed.nhs_number == "9434765919"
    assert changed.representatives[0].email == "sue@example.org"  # kept, not lost on edit
    assert len(services.people.list_caseload()) == 1


def test_cancel_saves_nothing(qtbot, services, dialog):
    fill(dialog)
    dialog.reject()
    assert people_named(services, "Ann Smith") == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("04/07/1950", date(1950, 7, 4)),
        ("4/7/1950", date(1950, 7, 4)),
        ("4-7-1950", date(1950, 7, 4)),
        ("4.7.1950", date(1950, 7, 4)),
        ("1950-07-04", date(1950, 7, 4)),
        ("", None),
    ],
)
def test_parse_uk_dates(typed, expected):
    assert parse_uk_date(typed) == expected


@pytest.mark.parametrize("typed", ["7/4/50", "31/02/1950", "yesterday", "13/13/2000"])
def test_parse_uk_dates_refuses(typed):
    with pytest.raises(DateFormatError):
        parse_uk_date(typed)
