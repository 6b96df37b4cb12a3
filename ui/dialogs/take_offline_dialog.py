"""File > Take people offline… (issue 22): which people go to this laptop for visits without a
network, and which laptop caseload file they go to.

The list is the team caseload's people this account may see, each with a box to tick; a person
someone holds offline already is shown with who holds them and cannot be ticked. "Reviews due this
week" ticks the people whose review is due within seven days (or overdue). The laptop caseload is
a file of its own (by default ``offline-visits.db`` in the data folder), chosen with Qt's own file
dialog; the taking itself (progress, cancel) is ``ui/offline_actions.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.i18n import _, format_date, ngettext
from personalbudget.paths import data_dir
from personalbudget.services.dto import CaseloadRow
from ui.accessibility import name_unnamed_controls

LAPTOP_FILENAME = "offline-visits.db"
WEEK = timedelta(days=7)
PERSON_ROLE = Qt.ItemDataRole.UserRole + 1


def default_laptop_path() -> Path:
    """Where the people taken offline go unless the person chooses another file: the data folder."""
    return data_dir() / LAPTOP_FILENAME


class TakeOfflineDialog(QDialog):
    """After ``exec()`` is accepted: ``people()`` (the ids ticked) and ``laptop_path()``."""

    def __init__(
        self,
        rows: Sequence[CaseloadRow],
        held: Mapping[int, str],
        today: date,
        parent: QWidget | None = None,
        *,
        laptop_path: Path | None = None,
    ):
        super().__init__(parent)
        self._today = today
        self._rows = list(rows)
        title = _("Take people offline")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        intro = QLabel(
            _(
                "Tick the people you will visit. Their records are copied to this laptop's own encrypted "
                "caseload, so you can work on them without a network; on the team caseload they are read-only "
                "for everyone until you sync them back."
            )
        )
        intro.setWordWrap(True)

        self.list = QListWidget()
        self.list.setObjectName("takeOfflinePeople")
        self.list.setAccessibleName(_("People to take offline"))
        self.list.setAccessibleDescription(_("Press Space to tick or untick the person"))
        for row in self._rows:
            text = row.name
            if row.next_review_due is not None:
                text = _("{name} — review due {date}").format(
                    name=row.name, date=format_date(row.next_review_due)
                )
            item = QListWidgetItem()
            item.setData(PERSON_ROLE, row.person_id)
            holder = held.get(row.person_id)
            if holder:
                text = _("{person} ({held})").format(person=text, held=holder)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            item.setText(text)
            self.list.addItem(item)
        self.list.itemChanged.connect(lambda _item: self._show_count())

        due = self._due_this_week()
        self.due_button = QPushButton(
            ngettext(
                "&Reviews due this week ({n} person)", "&Reviews due this week ({n} people)", len(due)
            ).format(n=len(due))
        )
        self.due_button.setObjectName("reviewsDueThisWeek")
        self.due_button.setAccessibleName(_("Tick the people whose review is due within a week, or overdue"))
        self.due_button.setEnabled(bool(due))
        self.due_button.clicked.connect(lambda: self.tick(due))
        self.all_button = QPushButton(_("Tick &all"))
        self.all_button.setAccessibleName(_("Tick everyone in the list"))
        self.all_button.clicked.connect(lambda: self.tick(self._free_people()))
        self.none_button = QPushButton(_("Tick &none"))
        self.none_button.setAccessibleName(_("Untick everyone"))
        self.none_button.clicked.connect(lambda: self.tick([]))
        picks = QHBoxLayout()
        picks.addWidget(self.due_button)
        picks.addWidget(self.all_button)
        picks.addWidget(self.none_button)
        picks.addStretch(1)

        self.path_edit = QLineEdit(str(laptop_path or default_laptop_path()))
        self.path_edit.setObjectName("laptopCaseloadPath")
        self.path_edit.setAccessibleName(_("Laptop caseload file"))
        self.path_edit.setToolTip(
            _("A caseload file of this laptop's own, encrypted; made if it does not exist yet")
        )
        browse = QPushButton(_("&Browse…"))
        browse.setAccessibleName(_("Choose the laptop caseload file"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        path_label = QLabel(_("&Laptop caseload:"))
        path_label.setBuddy(self.path_edit)
        form.addRow(path_label, path_row)

        self.count_label = QLabel()
        self.count_label.setObjectName("takeOfflineCount")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("errorLabel")
        self.error.setAccessibleName(_("Problem"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.take_button = buttons.addButton(_("&Take offline"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.take_button.setAccessibleName(_("Take the ticked people offline"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(picks)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self._show_count()
        name_unnamed_controls(self)
        self.list.setFocus()
        if self.list.count():
            self.list.setCurrentRow(0)

    # -- choosing ------------------------------------------------------------------------
    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def _free_people(self) -> list[int]:
        return [
            int(i.data(PERSON_ROLE)) for i in self._items() if i.flags() & Qt.ItemFlag.ItemIsUserCheckable
        ]

    def _due_this_week(self) -> list[int]:
        free = set(self._free_people())
        return [
            r.person_id
            for r in self._rows
            if r.person_id in free
            and r.next_review_due is not None
            and r.next_review_due <= self._today + WEEK
        ]

    def tick(self, people: Sequence[int]) -> None:
        """Tick exactly these people (the quick picks; a person uses Space in the list)."""
        wanted = set(people)
        for item in self._items():
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                checked = int(item.data(PERSON_ROLE)) in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._show_count()

    def people(self) -> list[int]:
        return [
            int(i.data(PERSON_ROLE))
            for i in self._items()
            if i.flags() & Qt.ItemFlag.ItemIsUserCheckable and i.checkState() == Qt.CheckState.Checked
        ]

    def laptop_path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def _show_count(self) -> None:
        count = len(self.people())
        self.count_label.setText(ngettext("{n} person ticked", "{n} people ticked", count).format(n=count))
        self.count_label.setAccessibleName(self.count_label.text())

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            _("Choose the laptop caseload file"),
            self.path_edit.text(),
            _("Caseloads (*.db);;All files (*)"),
            options=QFileDialog.Option.DontUseNativeDialog | QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.path_edit.setText(chosen)

    def submit(self) -> None:
        if not self.people():
            self.error.setText(_("Tick at least one person to take offline."))
            self.list.setFocus()
            return
        if not self.path_edit.text().strip():
            self.error.setText(_("Choose the laptop caseload file the people go to."))
            self.path_edit.setFocus()
            return
        self.accept()
