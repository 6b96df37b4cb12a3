"""Add a person to the caseload, or change their details.

The dialog only collects what was typed: the core validates it. A
``ValidationError`` keeps the dialog open, shows each message beside its field
and moves the focus to the first field to fix; nothing is saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain import nhs_number
from personalbudget.domain.person import PersonForm, RepresentativeForm, validate_person
from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS, REPRESENTATIVE_ROLES
from personalbudget.errors import ConcurrentEditError, FieldError, PersonalBudgetError, ValidationError
from personalbudget.i18n import _
from personalbudget.services import Services
from personalbudget.services.dto import PersonDetails
from personalbudget.services.edit_check import MERGED, SAVED_MINE, Resolution
from ui import theme
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.dialogs.edit_conflict_dialog import BY_FIELD, KEEP_THEIRS, USE_MINE, EditConflictDialog
from ui.widgets.date_field import DateField, DateFormatError, format_uk_date, parse_uk_date  # noqa: F401  (re-exported for callers)

ERROR_COLOUR = theme.OVERDUE
FIELD_ORDER = ("name", "date_of_birth", "nhs_number", "locality", "primary_support_reason", "representatives")


class PersonDialog(QDialog):
    """New person (``person`` None) or edit person. After ``accept``, ``saved`` holds the result."""

    def __init__(
        self,
        services: Services,
        signals: AppSignals | None = None,
        person: PersonDetails | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person = person
        self.saved: PersonDetails | None = None
        self.conflict_dialog: EditConflictDialog | None = None  # the last one shown (someone else saved)
        title = _("New person") if person is None else _("Edit {name}").format(name=person.name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)

        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.general_error.setAccessibleName(_("Problems to fix"))
        self.general_error.hide()

        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName(_("Name"))
        self.name_edit.setMaxLength(250)

        self.dob_field = DateField(services.context.clock.today())
        self.dob_field.edit.setAccessibleName(_("Date of birth"))
        self.dob_field.edit.setAccessibleDescription(_("Day/month/year, for example 04/07/1950."))

        self.nhs_edit = QLineEdit()
        self.nhs_edit.setAccessibleName(_("NHS number"))
        self.nhs_edit.setAccessibleDescription(_("Optional. Ten digits, spaces allowed."))
        self.nhs_edit.setPlaceholderText(_("Optional, for example 943 476 5919"))
        self.nhs_edit.setMaxLength(20)

        self.locality_combo = QComboBox()
        self.locality_combo.setEditable(True)
        self.locality_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.locality_combo.addItems(services.people.localities())
        self.locality_combo.setCurrentIndex(-1)
        self.locality_combo.setEditText("")
        locality_line = self.locality_combo.lineEdit()
        assert locality_line is not None  # an editable combo box has one
        locality_line.setPlaceholderText(_("Choose or type a locality"))
        self.locality_combo.setAccessibleName(_("Locality"))
        locality_line.setAccessibleName(_("Locality"))

        self.reason_combo = QComboBox()
        self.reason_combo.setAccessibleName(_("Primary support reason"))
        for reason in PRIMARY_SUPPORT_REASONS:
            self.reason_combo.addItem(_(reason), reason)
        self.reason_combo.setPlaceholderText(_("Choose a primary support reason"))
        self.reason_combo.setCurrentIndex(-1)

        self.reps_table = QTableWidget(0, 5)
        self.reps_table.setAccessibleName(_("Carers and representatives"))
        self.reps_table.setAccessibleDescription(
            _("One row per person. Each needs a name and a role; the rest is optional.")
        )
        self.reps_table.setHorizontalHeaderLabels(
            [_("Name"), _("Role"), _("Relationship"), _("Phone"), _("Email")]
        )
        self.reps_table.verticalHeader().setVisible(False)
        self.reps_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.reps_table.setTabKeyNavigation(False)
        reps_header = self.reps_table.horizontalHeader()
        reps_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        reps_header.setStretchLastSection(True)
        for column, width in enumerate((150, 190, 100, 110)):  # never narrower than the heading
            reps_header.resizeSection(column, max(width, reps_header.sectionSizeHint(column)))
        self.reps_table.setMinimumHeight(96)
        self.add_rep_button = QPushButton(_("Add carer or representative"))
        self.add_rep_button.setAccessibleName(_("Add carer or representative"))
        self.add_rep_button.clicked.connect(lambda: self.add_representative_row(focus=True))
        self.remove_rep_button = QPushButton(_("Remove selected"))
        self.remove_rep_button.setAccessibleName(_("Remove the selected carer or representative"))
        self.remove_rep_button.clicked.connect(self.remove_selected_representative)

        self._errors: dict[str, QLabel] = {}
        self._field_widgets: dict[str, QWidget] = {
            "name": self.name_edit,
            "date_of_birth": self.dob_field.edit,
            "nhs_number": self.nhs_edit,
            "locality": self.locality_combo,
            "primary_support_reason": self.reason_combo,
            "representatives": self.reps_table,
        }

        self._descriptions = {f: w.accessibleDescription() for f, w in self._field_widgets.items()}

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(12)
        labels = {
            "name": _("&Name:"),
            "date_of_birth": _("&Date of birth:"),
            "nhs_number": _("NH&S number:"),
            "locality": _("&Locality:"),
            "primary_support_reason": _("&Primary support reason:"),
        }
        for field, text in labels.items():
            widget = self.dob_field if field == "date_of_birth" else self._field_widgets[field]
            label = QLabel(text)
            label.setBuddy(self._field_widgets[field])
            form.addRow(label, self._with_error(field, widget))

        reps_title = QLabel(_("&Carers and representatives"))
        reps_title.setBuddy(self.reps_table)
        title_font = reps_title.font()
        title_font.setBold(True)
        reps_title.setFont(title_font)
        rep_buttons = QHBoxLayout()
        rep_buttons.addWidget(self.add_rep_button)
        rep_buttons.addWidget(self.remove_rep_button)
        rep_buttons.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Add person") if person is None else _("Save changes"))
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(_("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.general_error)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(reps_title)
        layout.addWidget(self._with_error("representatives", self.reps_table))
        layout.addLayout(rep_buttons)
        layout.addWidget(self.buttons)
        self.resize(720, 500)

        if person is not None:
            self._load(person)
        name_unnamed_controls(self)
        self.name_edit.setFocus()

    # -- representatives -----------------------------------------------------------------
    def add_representative_row(self, rep: RepresentativeForm | None = None, *, focus: bool = False) -> int:
        row = self.reps_table.rowCount()
        self.reps_table.insertRow(row)
        role_combo = QComboBox()
        role_combo.setAccessibleName(_("Role of carer or representative {n}").format(n=row + 1))
        for code, label in REPRESENTATIVE_ROLES.items():
            role_combo.addItem(_(label), code)
        role = rep.role if rep else "carer"
        role_combo.setCurrentIndex(max(0, role_combo.findData(role)))
        self.reps_table.setCellWidget(row, 1, role_combo)
        values = (rep.name, rep.relationship, rep.phone, rep.email) if rep else ("", "", "", "")
        for column, value in zip((0, 2, 3, 4), values, strict=True):
            self.reps_table.setItem(row, column, QTableWidgetItem(value))
        name_unnamed_controls(self.reps_table)
        if focus:
            self.reps_table.setCurrentCell(row, 0)
            self.reps_table.setFocus()
            self.reps_table.editItem(self._rep_item(row, 0))
        return row

    def remove_selected_representative(self) -> None:
        rows = sorted({index.row() for index in self.reps_table.selectedIndexes()}, reverse=True)
        if not rows and self.reps_table.currentRow() >= 0:
            rows = [self.reps_table.currentRow()]
        for row in rows:
            self.reps_table.removeRow(row)

    def set_representative(
        self, row: int, name: str, role: str, relationship: str = "", phone: str = ""
    ) -> None:
        """Fill a row of the carers table (for tests and scripted use)."""
        self._rep_item(row, 0).setText(name)
        combo = self.reps_table.cellWidget(row, 1)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(role))
        self._rep_item(row, 2).setText(relationship)
        self._rep_item(row, 3).setText(phone)

    def _rep_item(self, row: int, column: int) -> QTableWidgetItem:
        """A text cell of the carers table (add_representative_row fills every one)."""
        item = self.reps_table.item(row, column)
        assert item is not None, f"no cell at row {row}, column {column}"
        return item

    def _representatives(self) -> list[RepresentativeForm]:
        reps = []
        for row in range(self.reps_table.rowCount()):
            texts = [
                (item.text() if (item := self.reps_table.item(row, column)) is not None else "")
                for column in (0, 2, 3, 4)
            ]
            combo = self.reps_table.cellWidget(row, 1)
            role = combo.currentData() if isinstance(combo, QComboBox) else ""
            if not any(t.strip() for t in texts):
                continue  # a blank row the user added and left empty
            reps.append(RepresentativeForm(texts[0], role or "", texts[1], texts[2], texts[3]))
        return reps

    # -- the form ------------------------------------------------------------------------
    def form(self) -> tuple[PersonForm, list[FieldError]]:
        """The details as typed, and any problem found before the core sees them."""
        problems = []
        try:
            dob = parse_uk_date(self.dob_field.text())
        except DateFormatError as problem:
            dob = None
            problems.append(FieldError("date_of_birth", str(problem)))
        reason = self.reason_combo.currentData() if self.reason_combo.currentIndex() >= 0 else ""
        form = PersonForm(
            name=self.name_edit.text(),
            date_of_birth=dob,
            locality=self.locality_combo.currentText(),
            primary_support_reason=reason or "",
            nhs_number=self.nhs_edit.text(),
            representatives=self._representatives(),
        )
        return form, problems

    def save(self) -> bool:
        """Validate and save through the services; on success accept the dialog."""
        self._clear_errors()
        form, problems = self.form()
        try:
            if problems:
                self._validate_rest(form, problems)
            if self._person is None:
                saved = self._services.people.add_person(form)
            else:
                found = self._save_changes(form)
                if found is None:
                    return False  # someone else's version kept, or back to the form as typed
                saved = found
        except ValidationError as problem:
            self.show_errors(problem)
            return False
        except PersonalBudgetError as problem:  # e.g. the person was removed meanwhile
            self.general_error.setText(str(problem))
            self.general_error.show()
            return False
        self.saved = saved
        if self._signals is not None:
            self._signals.person_saved.emit(saved.id)
            self._signals.status_message.emit(_("Saved {name}").format(name=saved.name))
        self.accept()
        return True

    # -- someone else saved this person meanwhile (issue 21) ---------------------------------
    def _save_changes(self, form: PersonForm, resolution: Resolution | None = None) -> PersonDetails | None:
        assert self._person is not None
        try:
            return self._services.people.update_person(
                self._person.id, form, base=self._person, resolution=resolution
            )
        except ConcurrentEditError as conflict:
            return self._resolve(conflict, form)

    def _resolve(self, conflict: ConcurrentEditError, form: PersonForm) -> PersonDetails | None:
        """Show who changed what; the form keeps what was typed until the person chooses."""
        assert self._person is not None
        current = conflict.current
        if not isinstance(current, PersonDetails):  # (refused while writing: read them again)
            current = self._services.people.get_person(self._person.id)
        dialog = EditConflictDialog(conflict, by_field=True, parent=self)
        self.conflict_dialog = dialog
        dialog.exec()
        if dialog.choice is None:
            self.general_error.setText(
                _("Nothing was saved: {who} changed these details meanwhile. Save again to choose.").format(
                    who=conflict.changed_by
                )
            )
            self.general_error.show()
            return None
        if dialog.choice == KEEP_THEIRS:
            if conflict.table:
                self._services.changes.record_kept_theirs(conflict)
            self._person = current
            self._load(current)
            self.general_error.setText(
                _("These are {who}'s details as saved; your changes were not saved.").format(
                    who=conflict.changed_by
                )
            )
            self.general_error.show()
            return None
        mine = [f.field for f in conflict.fields]
        outcome = SAVED_MINE
        if dialog.choice == BY_FIELD:
            mine = [f for f, choice in dialog.field_choices.items() if choice == USE_MINE]
            theirs = [f for f, choice in dialog.field_choices.items() if choice == KEEP_THEIRS]
            form = merged_form(form, current, theirs)
            outcome = MERGED if theirs else SAVED_MINE
        self._person = current
        return self._save_changes(
            form, Resolution(outcome, conflict.current_version or current.row_version, tuple(mine))
        )

    def _validate_rest(self, form: PersonForm, problems: list[FieldError]) -> None:
        """The date could not be read: still show every other problem at once, then stop."""
        try:
            validate_person(form, self._services.context.clock.today())
        except ValidationError as core:
            problems += [e for e in core.errors if e.field != "date_of_birth"]
        raise ValidationError(problems)

    def error_text(self, field: str) -> str:
        label = self._errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def show_errors(self, problem: ValidationError) -> None:
        unplaced = []
        for error in problem.errors:
            if error.field not in self._errors:
                unplaced.append(error.message)
        for field in FIELD_ORDER:
            messages = problem.for_field(field)
            if not messages:
                continue
            label = self._errors[field]
            label.setText("\n".join(messages))
            label.show()
            widget = self._field_widgets[field]
            widget.setProperty("invalid", True)
            widget.setStyleSheet(f"border: 1px solid {ERROR_COLOUR};" if field != "representatives" else "")
            widget.setAccessibleDescription(" ".join(messages))
        if unplaced:
            self.general_error.setText("\n".join(unplaced))
            self.general_error.show()
        else:
            count = len(problem.errors)
            self.general_error.setText(
                _("Please fix the problem shown below.")
                if count == 1
                else _("Please fix the problems shown below.")
            )
            self.general_error.show()
        for field in FIELD_ORDER:
            if problem.for_field(field):
                self._field_widgets[field].setFocus(Qt.FocusReason.OtherFocusReason)
                break

    def _clear_errors(self) -> None:
        self.general_error.hide()
        for field, label in self._errors.items():
            label.clear()
            label.hide()
            widget = self._field_widgets[field]
            widget.setProperty("invalid", False)
            widget.setStyleSheet("")
            widget.setAccessibleDescription(self._descriptions[field])

    def _with_error(self, field: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"{field}Error")
        error.setWordWrap(True)
        error.setStyleSheet(f"color: {ERROR_COLOUR};")
        error.hide()
        layout.addWidget(error)
        self._errors[field] = error
        return box

    def _load(self, person: PersonDetails) -> None:
        self.reps_table.setRowCount(0)
        self.name_edit.setText(person.name)
        self.dob_field.set_date(person.date_of_birth)
        self.nhs_edit.setText(nhs_number.display(person.nhs_number) if person.nhs_number else "")
        self.locality_combo.setEditText(person.locality)
        self.reason_combo.setCurrentIndex(self.reason_combo.findData(person.primary_support_reason))
        for rep in person.representatives:
            self.add_representative_row(
                RepresentativeForm(rep.name, rep.role, rep.relationship, rep.phone, rep.email)
            )


def merged_form(form: PersonForm, theirs: PersonDetails, fields: list[str]) -> PersonForm:
    """What was typed, with the ``fields`` chosen as theirs taken from their saved details."""
    values: dict[str, Any] = {  # each field's own type, as PersonForm has it
        "name": theirs.name,
        "date_of_birth": theirs.date_of_birth,
        "nhs_number": theirs.nhs_number or "",
        "locality": theirs.locality,
        "primary_support_reason": theirs.primary_support_reason,
        "representatives": [
            RepresentativeForm(r.name, r.role, r.relationship, r.phone, r.email)
            for r in theirs.representatives
        ],
    }
    return replace(form, **{field: values[field] for field in fields if field in values})
