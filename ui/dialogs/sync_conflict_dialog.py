"""A person synced from the laptop whose records the server changed meanwhile (issue 22): what differs,
field by field, and which to keep.

Shown by File > Sync offline people… (``ui/offline_actions.py``) for each person whose sync found
conflicts; nothing of that person has been sent. Each row is one field of one record: the value
when taken offline, the server's now, and this laptop's, with "Keep" (mine or the server's). A
record removed on one side and changed on the other is one row for the whole record. "Save my
choices" hands them to ``offline_service.resolve``; "Decide later" leaves the person on the laptop,
held, with nothing sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.i18n import _, format_date, format_time, ngettext
from personalbudget.services.offline_service import KEEP_MINE, KEEP_THEIRS, ConflictView
from ui.accessibility import name_unnamed_controls

WHOLE_RECORD = "*"
_COLUMNS = 6  # record, field, when taken offline, the server's, yours, keep


def readable(value: str) -> str:
    """A value as the laptop kept it, as a person reads it: a moment stored as ISO text (the row's
    ``updated_at``) as a date and time in the person's language; anything else as it is."""
    if len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return _("{date} at {time}").format(date=format_date(moment.date()), time=format_time(moment))
    return value


def suggested(original: str, theirs: str, mine: str) -> str:
    """The Keep first offered for a field: the side that changed it, when only one did; the
    server's when both did (the choice that overwrites nobody's work until the person says so)."""
    if theirs == original and mine != original:
        return KEEP_MINE
    return KEEP_THEIRS


class SyncConflictDialog(QDialog):
    """After ``exec()`` is accepted: ``choices()`` for ``offline_service.resolve``."""

    def __init__(self, person: str, conflicts: Sequence[ConflictView], parent: QWidget | None = None):
        super().__init__(parent)
        self.conflicts = list(conflicts)
        title = _("Settle the differences for {person}").format(person=person)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        reasons = sorted({c.reason for c in self.conflicts})
        self.summary = QLabel(
            ngettext(
                "{person}'s records changed on the team caseload while they were on this laptop: {n} record "
                "differs. Nothing of {person}'s has been sent yet.",
                "{person}'s records changed on the team caseload while they were on this laptop: {n} records "
                "differ. Nothing of {person}'s has been sent yet.",
                len(self.conflicts),
            ).format(person=person, n=len(self.conflicts))
            + " "
            + " ".join(reasons)
            + " "
            + _("Choose, for each, whether yours or the server's is kept; then the sync runs again.")
        )
        self.summary.setWordWrap(True)
        self.summary.setObjectName("syncConflictSummary")
        self.summary.setAccessibleName(self.summary.text())
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._rows: list[tuple[tuple[str, int], str]] = []  # ((table, row id), field or "*")
        for conflict in self.conflicts:
            key = (conflict.table, conflict.row_id)
            if conflict.fields:
                self._rows.extend((key, f.field) for f in conflict.fields)
            else:
                self._rows.append((key, WHOLE_RECORD))
        self.table = QTableWidget(len(self._rows), _COLUMNS)
        self.table.setObjectName("syncConflictFields")
        self.table.setAccessibleName(_("What differs, field by field"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Record"),
                _("Field"),
                _("When taken offline"),
                _("The server's now"),
                _("Yours (this laptop)"),
                _("Keep"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self._choosers: list[QComboBox] = []
        row = 0
        for conflict in self.conflicts:
            cells = [
                (f.label, readable(f.original), readable(f.theirs), readable(f.mine)) for f in conflict.fields
            ] or [(_("The whole record"), "", _("(changed or removed)"), _("(changed or removed)"))]
            for label, original, theirs, mine in cells:
                for column, text in enumerate((conflict.record, label, original, theirs, mine)):
                    item = QTableWidgetItem(text)
                    item.setToolTip(text)
                    self.table.setItem(row, column, item)
                chooser = QComboBox()
                # The server's first, as in the edit conflict dialog: the choice that overwrites nobody.
                chooser.addItem(_("The server's"), KEEP_THEIRS)
                chooser.addItem(_("Mine"), KEEP_MINE)
                chooser.setCurrentIndex(chooser.findData(suggested(original, theirs, mine)))
                chooser.setAccessibleName(
                    _("Keep for {record}: {field}").format(record=conflict.record, field=label)
                )
                self.table.setCellWidget(row, _COLUMNS - 1, chooser)
                self._choosers.append(chooser)
                row += 1
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount()):
            header.resizeSection(column, max(110, min(240, header.sectionSize(column) + 12)))
        header.resizeSection(_COLUMNS - 1, 150)
        header.setSectionResizeMode(_COLUMNS - 2, QHeaderView.ResizeMode.Stretch)  # yours: the rest
        self.table.resizeRowsToContents()

        self.all_mine_button = QPushButton(_("All &mine"))
        self.all_mine_button.setAccessibleName(_("Keep mine for every field"))
        self.all_mine_button.clicked.connect(lambda: self.choose_all(KEEP_MINE))
        self.all_theirs_button = QPushButton(_("All the &server's"))
        self.all_theirs_button.setAccessibleName(_("Keep the server's for every field"))
        self.all_theirs_button.clicked.connect(lambda: self.choose_all(KEEP_THEIRS))
        self.save_button = QPushButton(_("&Save my choices and sync"))
        self.save_button.setAccessibleName(_("Save my choices, field by field, then sync this person again"))
        self.save_button.clicked.connect(self.accept)
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.all_mine_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.all_theirs_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        later = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        later.setText(_("Decide &later"))
        later.setAccessibleName(_("Decide later: the person stays on this laptop, nothing sent"))
        self.buttons.rejected.connect(self.reject)
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(980, 420)
        name_unnamed_controls(self)
        self.table.setFocus()

    def choose_all(self, choice: str) -> None:
        for chooser in self._choosers:
            chooser.setCurrentIndex(chooser.findData(choice))

    def choose(self, table: str, row_id: int, field: str, choice: str) -> None:
        """One field's choice (for scripted use; a person uses the Keep list of its row)."""
        index = self._rows.index(((table, row_id), field))
        self._choosers[index].setCurrentIndex(self._choosers[index].findData(choice))

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows: record, field, when taken offline, the server's, yours, kept."""

        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [
            (*(text(row, column) for column in range(_COLUMNS - 1)), self._choosers[row].currentText())
            for row in range(self.table.rowCount())
        ]

    def choices(self) -> dict[tuple[str, int], dict[str, str]]:
        chosen: dict[tuple[str, int], dict[str, str]] = {}
        for (key, field), chooser in zip(self._rows, self._choosers, strict=True):
            chosen.setdefault(key, {})[field] = str(chooser.currentData())
        return chosen
