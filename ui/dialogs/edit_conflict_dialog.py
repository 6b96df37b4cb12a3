"""Someone else saved the record being edited here: what they changed, and what to do about it.

Shown by a page (or a dialog) whose save the core refused with ``ConcurrentEditError`` (optimistic
concurrency, issue 21). It lists each field the other person changed with the value both started
from, theirs and mine, and offers:

* **Keep theirs (reload)**: drop this save; the page shows their version (recorded in the trail);
* **Use mine (save again over theirs)**: save what was typed here over theirs (recorded);
* on a simple form, **Save my choices**: field by field, theirs or mine.

Nothing typed is lost while it is open: the page keeps its fields as they were until the person
chooses, and Cancel (or Escape) goes back to them with nothing saved.
"""

from __future__ import annotations

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

from personalbudget.errors import ConcurrentEditError
from personalbudget.i18n import _, ngettext
from ui.accessibility import name_unnamed_controls

KEEP_THEIRS = "theirs"
USE_MINE = "mine"
BY_FIELD = "fields"

_COLUMNS = 5  # field, started from, theirs, mine, keep (by field only)


class EditConflictDialog(QDialog):
    """After ``exec()``: ``choice`` is KEEP_THEIRS, USE_MINE, BY_FIELD or None (cancelled, nothing
    saved, the form as typed); with BY_FIELD, ``field_choices`` maps each listed field to
    KEEP_THEIRS or USE_MINE."""

    def __init__(
        self, conflict: ConcurrentEditError, *, by_field: bool = False, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.conflict = conflict
        self.choice: str | None = None
        self.field_choices: dict[str, str] = {}
        title = _("Someone else changed this record")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)

        count = len(conflict.fields)
        self.summary = QLabel(
            _("{who} saved {record} after you opened it ({when}).").format(
                who=conflict.changed_by, record=conflict.record, when=conflict.changed_at
            )
            + " "
            + (
                ngettext(
                    "They changed {n} field you can see below.",
                    "They changed {n} fields you can see below.",
                    count,
                ).format(n=count)
                if count
                else _("What they changed is not on this form.")
            )
            + " "
            + _("Nothing of yours has been saved yet, and what you typed is still on the form.")
        )
        self.summary.setWordWrap(True)
        self.summary.setObjectName("conflictSummary")
        self.summary.setAccessibleName(self.summary.text())
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(count, _COLUMNS if by_field else _COLUMNS - 1)
        self.table.setObjectName("conflictFields")
        self.table.setAccessibleName(_("The fields changed by both of you"))
        headings = [_("Field"), _("You both started from"), _("Theirs (saved)"), _("Yours (typed here)")]
        if by_field:
            headings.append(_("Keep"))
        self.table.setHorizontalHeaderLabels(headings)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self._choosers: dict[str, QComboBox] = {}
        for row, change in enumerate(conflict.fields):
            for column, text in enumerate((change.label, change.base, change.theirs, change.mine)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            if by_field:
                chooser = QComboBox()
                chooser.addItem(_("Theirs"), KEEP_THEIRS)
                chooser.addItem(_("Mine"), USE_MINE)
                chooser.setAccessibleName(_("Keep for {field}").format(field=change.label))
                self.table.setCellWidget(row, 4, chooser)
                self._choosers[change.field] = chooser
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column in range(self.table.columnCount()):
            header.resizeSection(column, max(150, header.sectionSizeHint(column)))
        self.table.resizeRowsToContents()

        self.keep_theirs_button = QPushButton(_("&Keep theirs (reload)"))
        self.keep_theirs_button.setAccessibleName(_("Keep theirs: drop my changes and show their version"))
        self.use_mine_button = QPushButton(_("&Use mine (save again over theirs)"))
        self.use_mine_button.setAccessibleName(
            _("Use mine: save what I typed over theirs; the record says I did")
        )
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.keep_theirs_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.use_mine_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.by_field_button: QPushButton | None = None
        if by_field and count:
            self.by_field_button = QPushButton(_("&Save my choices"))
            self.by_field_button.setAccessibleName(_("Save my choices: theirs or mine, field by field"))
            self.buttons.addButton(self.by_field_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.by_field_button.clicked.connect(lambda: self._choose(BY_FIELD))
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Back to my changes"))
        cancel.setAccessibleName(_("Back to my changes, with nothing saved"))
        self.keep_theirs_button.clicked.connect(lambda: self._choose(KEEP_THEIRS))
        self.use_mine_button.clicked.connect(lambda: self._choose(USE_MINE))
        self.buttons.rejected.connect(self.reject)
        self.keep_theirs_button.setDefault(True)  # the choice that cannot overwrite anyone's work

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(820, 360)
        name_unnamed_controls(self)
        self.table.setFocus()

    def choose_field(self, field: str, choice: str) -> None:
        """Theirs or mine for one field (for tests and scripted use; a person uses the list)."""
        chooser = self._choosers[field]
        chooser.setCurrentIndex(chooser.findData(choice))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the list shows: each field with the value both started from, theirs and mine."""

        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [
            (text(row, 0), text(row, 1), text(row, 2), text(row, 3)) for row in range(self.table.rowCount())
        ]

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.field_choices = {field: str(chooser.currentData()) for field, chooser in self._choosers.items()}
        self.accept()
