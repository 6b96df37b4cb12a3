"""The caseload pane: search, step and overdue filters, the people table and a count."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.i18n import _, ngettext
from personalbudget.services import Services
from personalbudget.services.dto import CaseloadRow
from ui.app_signals import AppSignals
from ui.change_cue_widget import ChangeCueWidget
from ui.models.caseload_filter_proxy_model import ALL_STEPS, CaseloadFilterProxyModel
from ui.models.caseload_table_model import ENDED_STEP, CaseloadTableModel, Column, PersonIdRole
from ui.widgets.column_fit import FIT_PROPERTY

# Default widths (pixels) that fit the usual content without truncating the key columns.
COLUMN_WIDTHS = {
    Column.NAME: 130,
    Column.NHS_NUMBER: 90,
    Column.AGE: 36,
    Column.LOCALITY: 112,
    Column.PRIMARY_SUPPORT_REASON: 260,
    Column.STEP: 118,
    Column.NEXT_REVIEW: 150,
}
# Shown last (the model keeps its column order): the long support reason matters less when
# scanning the list than the step and the review date, which should be visible without scrolling.
VISUAL_LAST = Column.PRIMARY_SUPPORT_REASON


class CaseloadTableView(QTableView):
    """The people table; Enter or Return opens the current person."""

    activated_person = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self.activated_person.emit(int(index.data(PersonIdRole)))
                event.accept()
                return
        super().keyPressEvent(event)


class CaseloadWidget(QWidget):
    """Lists everyone in the caseload; tells the window which person is chosen."""

    current_person_changed = Signal(int)  # the selected row changed (0 when nothing is selected)
    person_activated = Signal(int)  # Enter or double-click: open the person and move to their workspace

    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._chosen = 0  # the person last chosen in the list (kept while a filter hides their row)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(_("Search by name, NHS number or locality"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(_("Search the caseload"))
        self.search_edit.setAccessibleDescription(
            _("Type part of a name, an NHS number (with or without spaces) or a locality.")
        )

        self.step_combo = QComboBox()
        self.step_combo.setAccessibleName(_("Show people at step"))
        self.step_combo.addItem(_("All steps"), ALL_STEPS)
        for step in Step:
            self.step_combo.addItem(f"{int(step)} {step.title}", int(step))
        self.step_combo.addItem(_("Budget ended"), ENDED_STEP)
        self.step_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.step_combo.setMinimumContentsLength(10)

        self.overdue_check = QCheckBox(_("Review overdue only"))
        self.overdue_check.setAccessibleName(_("Show only people whose review is overdue"))

        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)

        self.table = CaseloadTableView()
        self.table.setObjectName("caseloadTable")
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(_("Caseload"))
        self.table.setAccessibleDescription(
            _("Everyone in the caseload. Press Enter to open the selected person.")
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        self.table.setShowGrid(False)
        # Its own widths, saved for each user: it scrolls sideways rather than squeeze a column.
        self.table.setProperty(FIT_PROPERTY, False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        for column, width in COLUMN_WIDTHS.items():  # never narrower than the heading (a longer language)
            header.resizeSection(column, max(width, header.sectionSizeHint(column)))
        header.setSectionsMovable(True)
        header.moveSection(header.visualIndex(VISUAL_LAST), len(Column) - 1)
        header.setSortIndicator(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.count_label = QLabel()
        self.count_label.setAccessibleName(_("Number of people shown"))

        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.step_combo, 1)
        filters.addWidget(self.overdue_check)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.change_cue = ChangeCueWidget(signals)  # others' changes, and a caseload out of reach
        layout.addWidget(self.change_cue)
        layout.addWidget(self.search_edit)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self.search_edit.textChanged.connect(self._on_search_changed)
        self.search_edit.returnPressed.connect(self.open_match)
        self.step_combo.currentIndexChanged.connect(self._on_step_changed)
        self.overdue_check.toggled.connect(self._on_overdue_toggled)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.activated_person.connect(self.person_activated)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)

        signals.person_saved.connect(self._on_person_saved)
        signals.cycle_changed.connect(self._on_person_saved)
        signals.caseload_changed.connect(self.refresh)

    # -- public --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the caseload from the services, keeping the selected person if still there."""
        self.show_rows(self._services.people.list_caseload())

    def show_rows(self, rows: list[CaseloadRow], *, stay: bool = False) -> None:
        """Show the caseload as read (``people.list_caseload``'s rows, in its order: by name),
        keeping the selected person, the filters and the search as
        they are; ``stay`` (others' changes, read off the UI thread) also keeps the list scrolled
        where it was instead of bringing the selected person into view."""
        keep = self.current_person_id() or self._chosen
        scrolled = self.table.verticalScrollBar().value()
        self.model.set_rows(rows, by_name=True)  # (list_caseload's order)
        self._update_count()
        if keep:
            self.select_person(keep, notify=False, scroll=not stay)
        if stay:
            self.table.verticalScrollBar().setValue(scrolled)

    def current_person_id(self) -> int:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return 0
        return int(index.data(PersonIdRole))

    def select_person(self, person_id: int, *, notify: bool = True, scroll: bool = True) -> bool:
        """Select (and scroll to) a person's row if it is shown; False if it is filtered out."""
        source_row = self.model.row_of_person(person_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        selection = self.table.selectionModel()
        blocked = selection.blockSignals(not notify)
        try:
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            selection.blockSignals(blocked)
        self._chosen = person_id
        if scroll:
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def shown_count(self) -> int:
        return self.proxy.rowCount()

    def shown_person_ids(self) -> list[int]:
        return [int(self.proxy.index(r, 0).data(PersonIdRole)) for r in range(self.proxy.rowCount())]

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def open_match(self) -> bool:
        """Enter in the search box: open the chosen person if the list shows them, otherwise the
        first match. False if nobody matches."""
        person_id = self.current_person_id()
        if not person_id and self.proxy.rowCount():
            person_id = int(self.proxy.index(0, 0).data(PersonIdRole))
        if not person_id:
            return False
        self.person_activated.emit(person_id)
        return True

    def set_overdue_only(self, on: bool) -> None:
        self.overdue_check.setChecked(on)

    # -- slots ---------------------------------------------------------------------------
    def _on_search_changed(self, text: str) -> None:
        self._filter(lambda: self.proxy.set_search_text(text))

    def _on_step_changed(self, _index: int) -> None:
        self._filter(lambda: self.proxy.set_step_filter(int(self.step_combo.currentData())))

    def _on_overdue_toggled(self, on: bool) -> None:
        self._filter(lambda: self.proxy.set_overdue_only(on))

    def _filter(self, change: Callable[[], None]) -> None:
        """Change a filter. The chosen person stays chosen (selected again whenever their row is shown)
        and nobody else is chosen in their place: filtering never opens another person, so it never
        rebuilds the workspace."""
        chosen = self.current_person_id() or self._chosen
        selection = self.table.selectionModel()
        blocked = selection.blockSignals(True)
        try:
            change()
        finally:
            selection.blockSignals(blocked)
        self._update_count()
        if chosen:
            self.select_person(chosen, notify=False, scroll=False)
            self._chosen = chosen

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        person_id = int(current.data(PersonIdRole)) if current.isValid() else 0
        if person_id:
            self._chosen = person_id
        self.current_person_changed.emit(person_id)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.person_activated.emit(int(index.data(PersonIdRole)))

    def _on_person_saved(self, person_id: int) -> None:
        self.refresh()
        self.select_person(person_id, notify=False)

    def _update_count(self) -> None:
        total = self.model.total_count()
        shown = self.proxy.rowCount()
        self.count_label.setText(
            ngettext("{shown} of {total} person", "{shown} of {total} people", total).format(
                shown=shown, total=total
            )
        )
