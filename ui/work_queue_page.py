"""My work: the first view for a practitioner, approver or broker after signing in.

Each kind of work (plans waiting for a decision, reviews due or overdue, balances, PA checks,
statements, break-glass openings of my people) is a group with its count; each entry opens the
person at the right step. Only the people the account may see are listed (the service decides).
Also the dialog for opening someone outside one's own people with a reason (break-glass).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.roles import Permission, Role, allowed
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import _, format_date, ngettext
from personalbudget.services import Services
from personalbudget.services.access import BREAK_GLASS_ROLES
from personalbudget.services.work_queue_service import WorkKind, WorkQueue
from ui.workers import BackgroundTask

log = logging.getLogger(__name__)

PERSON_ROLE = Qt.ItemDataRole.UserRole
STEP_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
QUEUE_ROLES = (Role.PRACTITIONER, Role.APPROVER, Role.BROKER)


def has_work_queue(role: Role) -> bool:
    """Practitioners, approvers and brokers start the day with My work."""
    return role in QUEUE_ROLES and allowed(role, Permission.VIEW_PEOPLE)


class _WorkTree(QTreeWidget):
    """Enter or Return on an entry opens it (as double-clicking does)."""

    open_current = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.open_current.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class WorkQueuePage(QWidget):
    """The list of my work, grouped by kind; opening an entry asks the window to show that person's step."""

    open_requested = Signal(int, int)  # person id, step

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.setObjectName("workQueuePage")
        self.title = QLabel(_("My work"))
        self.title.setObjectName("pageTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Summary of my work"))
        self.tree = _WorkTree()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([_("Person"), _("Opens at"), _("What needs doing")])
        self.tree.setAccessibleName(_("My work"))
        self.tree.setAccessibleDescription(
            _("Work waiting for you, by kind. Press Enter to open the person.")
        )
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setStretchLastSection(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 190)
        self.tree.itemExpanded.connect(self._fill)
        self.tree.itemDoubleClicked.connect(lambda _item, _col: self.open_current())
        self.tree.open_current.connect(self.open_current)
        self.open_button = QPushButton(_("&Open person"))
        self.open_button.setAccessibleName(_("Open the chosen person at the step this work is about"))
        self.open_button.clicked.connect(self.open_current)
        self.refresh_button = QPushButton(_("&Refresh"))
        self.refresh_button.setAccessibleName(_("Refresh my work"))
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.queue: WorkQueue | None = None
        self._reading: BackgroundTask | None = None

    def refresh(self) -> BackgroundTask:
        """Read my work again, off the UI thread: over a large caseload it is tens of thousands of
        entries (a second at 50,000 people), and the window must not freeze meanwhile. Until the
        first reading arrives the page says it is reading; after that it keeps showing the last one
        (and what was chosen in it) until the new one is in. Returns the reading under way."""
        if self._reading is not None and self._reading.is_running():
            return self._reading
        if self.queue is None:
            self.summary.setText(_("Reading your work…"))
        self.refresh_button.setEnabled(False)
        work = self._services.work
        task = BackgroundTask(lambda progress: work.my_work(progress), self)
        task.succeeded.connect(lambda queue: self.show_queue(queue, stay=self.queue is not None))
        task.failed.connect(self._reading_failed)
        task.finished.connect(lambda: self.refresh_button.setEnabled(True))
        self._reading = task
        task.start()
        return task

    def _reading_failed(self, problem: object) -> None:
        self.queue = None
        self.tree.clear()
        self.open_button.setEnabled(False)
        if isinstance(problem, PersonalBudgetError):
            self.summary.setText(str(problem))
        else:  # not a message meant for a person: say what to do, keep the detail for the log
            log.warning("my work could not be read: %s", type(problem).__name__)
            self.summary.setText(_("Your work could not be read just now. Press Refresh to try again."))

    def stop_reading(self) -> None:
        """The app is closing: the reading under way stops at its next step (nothing is shown)."""
        if self._reading is not None and self._reading.is_running():
            self._reading.cancel()

    def reading(self) -> bool:
        """My work is being read (the page shows the last reading, or says it is reading)."""
        return self._reading is not None and self._reading.is_running()

    def show_queue(self, queue: WorkQueue, *, stay: bool = False) -> None:
        """Show my work as read; ``stay`` (others' changes, read off the UI thread) keeps the kinds
        that were open and the chosen entry where they still are."""
        expanded: set[str] = set()
        chosen: tuple[str, int] | None = None
        if stay:
            for group in self._groups():
                if group.isExpanded():
                    expanded.add(str(group.data(0, KIND_ROLE)))
            current = self.tree.currentItem()
            parent = current.parent() if current is not None else None
            if current is not None and current.data(0, PERSON_ROLE) is not None and parent is not None:
                chosen = (str(parent.data(0, KIND_ROLE)), int(current.data(0, PERSON_ROLE)))
        self.queue = queue
        self.tree.clear()
        first: QTreeWidgetItem | None = None
        for kind in WorkKind:
            entries = self.queue.of(kind)
            if not entries:
                continue
            group = QTreeWidgetItem([f"{kind.label} ({len(entries)})", "", ""])
            group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setData(0, KIND_ROLE, kind.value)
            group.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)  # once in the tree: the group's title is not cut short
            if first is None:  # the first kind open; the others fill in when opened (thousands of entries)
                self._fill(group)
                group.setExpanded(True)
                first = group.child(0)
        total = len(self.queue.items)
        self.summary.setText(
            ngettext("{n} thing needs doing.", "{n} things need doing.", total).format(n=total)
            if total
            else _("Nothing is waiting for you. The caseload on the left lists the people you can open.")
        )
        self.open_button.setEnabled(first is not None)
        if stay:
            self._return_to(expanded, chosen, first)
        elif first is not None:
            self.tree.setCurrentItem(first)

    def _return_to(
        self, expanded: set[str], chosen: tuple[str, int] | None, first: QTreeWidgetItem | None
    ) -> None:
        target = None
        for group in self._groups():
            kind = str(group.data(0, KIND_ROLE))
            if kind in expanded:
                self._fill(group)
                group.setExpanded(True)
            elif group.isExpanded() and expanded:
                group.setExpanded(False)  # (opened by the rebuild, not by the person)
            if chosen is not None and kind == chosen[0]:
                self._fill(group)
                for j in range(group.childCount()):
                    child = group.child(j)
                    if child is not None and child.data(0, PERSON_ROLE) == chosen[1]:
                        target = child
        if target is not None:
            self.tree.setCurrentItem(target)
        elif first is not None:
            self.tree.setCurrentItem(first)

    def _groups(self) -> Iterator[QTreeWidgetItem]:
        """The kinds of work shown, each a top-level row."""
        for i in range(self.tree.topLevelItemCount()):
            if (group := self.tree.topLevelItem(i)) is not None:
                yield group

    def _fill(self, group: QTreeWidgetItem) -> None:
        if group.childCount() or self.queue is None:
            return
        for entry in self.queue.of(WorkKind(group.data(0, KIND_ROLE))):
            step = _("Step {n}: {title}").format(n=int(entry.step), title=entry.step.title)
            detail = entry.detail
            item = QTreeWidgetItem([entry.person_name, step, detail])
            item.setData(0, PERSON_ROLE, entry.person_id)
            item.setData(0, STEP_ROLE, int(entry.step))
            item.setToolTip(2, detail)
            group.addChild(item)

    def entry_count(self) -> int:
        return len(self.queue.items) if self.queue else 0

    def open_current(self) -> bool:
        item = self.tree.currentItem()
        if item is None or item.data(0, PERSON_ROLE) is None:
            return False
        self.open_requested.emit(int(item.data(0, PERSON_ROLE)), int(item.data(0, STEP_ROLE)))
        return True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.queue is None:
            self.refresh()


class BreakGlassDialog(QDialog):
    """Open a person outside one's own people: their NHS number or id, and the reason (recorded)."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.person_id = 0
        self.setWindowTitle(_("Open someone else's record"))
        explain = QLabel(
            _(
                "This person is not one of yours. Say why you need their record: the reason is kept in the "
                "audit trail and shown to their allocated worker. The record stays open to you for the working day."
            )
        )
        explain.setWordWrap(True)
        self.who = QLineEdit()
        self.who.setAccessibleName(_("NHS number or person id"))
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName(_("Reason for opening the record"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Problem"))
        form = QFormLayout()
        form.addRow(_("NHS number or id:"), self.who)
        form.addRow(_("Reason:"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton(
            _("Open with this reason"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.open_record)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    @staticmethod
    def offered(services: Services) -> bool:
        return services.context.role in BREAK_GLASS_ROLES

    def open_record(self) -> bool:
        text = self.who.text().strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        person_id = None
        if len(digits) == 10:
            person_id = self._services.access.find_by_nhs_number(digits)
        elif digits and digits == text:
            person_id = int(digits)
        if person_id is None:
            self.message.setText(_("No one in this caseload has that NHS number or id."))
            return False
        try:
            self._services.access.break_glass(person_id, self.reason.toPlainText())
        except ValidationError as problem:
            self.message.setText(str(problem))
            return False
        except PersonalBudgetError as problem:
            self.message.setText(str(problem))
            return False
        self.person_id = person_id
        self.accept()
        return True


class AllocateDialog(QDialog):
    """Allocate (or reallocate) the open person to a practitioner, with the reason; the history below."""

    def __init__(self, services: Services, person_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._person_id = person_id
        self.setWindowTitle(_("Allocate to a worker"))
        self.worker = QComboBox()
        self.worker.setAccessibleName(_("Worker"))
        for username, name in services.access.practitioners():
            self.worker.addItem(f"{name} ({username})", username)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(_("Why they are allocated this worker"))
        self.history = QTreeWidget()
        self.history.setAccessibleName(_("Allocation history"))
        self.history.setHeaderLabels([_("Worker"), _("From"), _("Until"), _("By"), _("Why")])
        self.history.setRootIsDecorated(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Problem"))
        form = QFormLayout()
        form.addRow(_("Worker:"), self.worker)
        form.addRow(_("Reason:"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.allocate_button = buttons.addButton(_("Allocate"), QDialogButtonBox.ButtonRole.ApplyRole)
        self.allocate_button.clicked.connect(self.allocate)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("History:")))
        layout.addWidget(self.history)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
        if not self.worker.count():
            self.message.setText(_("There are no practitioners' accounts on this caseload to allocate to."))
            self.allocate_button.setEnabled(False)
        self.refresh()

    def refresh(self) -> None:
        self.history.clear()
        for entry in self._services.access.allocations(self._person_id):
            until = format_date(entry.ended_at.date()) if entry.ended_at else _("now")
            self.history.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        entry.worker,
                        format_date(entry.started_at.date()),
                        until,
                        entry.started_by,
                        entry.reason,
                    ]
                )
            )

    def allocate(self) -> bool:
        try:
            self._services.access.allocate(
                self._person_id, str(self.worker.currentData() or ""), self.reason.text()
            )
        except PersonalBudgetError as problem:
            self.message.setText(str(problem))
            return False
        self.message.setText(_("Allocated to {name}.").format(name=self.worker.currentText()))
        self.reason.clear()
        try:
            self.refresh()
        except PersonalBudgetError:  # allocated away from oneself: no longer one of one's people
            self.history.clear()
            self.allocate_button.setEnabled(False)
            self.message.setText(
                _("Allocated to {name}. The person is no longer one of yours.").format(
                    name=self.worker.currentText()
                )
            )
        return True
