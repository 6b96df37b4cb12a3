"""An editable list for a plan section (outcomes, support items, risks...): rows of
text cells and drop-down choices, with Add and Remove buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.i18n import _


@dataclass(frozen=True)
class Column:
    title: str
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (value, label); empty: free text
    read_only: bool = False
    stretch: bool = False
    tooltip: str = ""


class PlanTableWidget(QWidget):
    changed = Signal()

    def __init__(self, name: str, columns: list[Column], add_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._columns = columns
        self._read_only = False
        self.table = QTableWidget(0, len(columns))
        self.table.setAccessibleName(name)
        self.table.setHorizontalHeaderLabels([c.title for c in columns])
        for index, column in enumerate(columns):
            header_item = self.table.horizontalHeaderItem(index)  # made by setHorizontalHeaderLabels
            if column.tooltip and header_item is not None:
                header_item.setToolTip(column.tooltip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for index, column in enumerate(columns):
            mode = (
                QHeaderView.ResizeMode.Stretch if column.stretch else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(index, mode)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.add_button = QPushButton(add_label)
        self.add_button.setAccessibleName(add_label)
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button = QPushButton(_("Remove selected"))
        self.remove_button.setAccessibleName(_("Remove the selected row from {name}").format(name=name))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _add_clicked(self) -> None:
        self.add_row([""] * len(self._columns))
        row = self.table.rowCount() - 1
        first = next(i for i, c in enumerate(self._columns) if not c.read_only)
        widget = self.table.cellWidget(row, first)
        if widget:
            widget.setFocus()
        else:
            self.table.setCurrentCell(row, first)
            if (cell := self.table.item(row, first)) is not None:
                self.table.editItem(cell)
        self.changed.emit()

    def add_row(self, values: list[str]) -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for index, (column, value) in enumerate(zip(self._columns, values, strict=True)):
            if column.choices:
                combo = QComboBox()
                combo.setAccessibleName(_("{column}, row {n}").format(column=column.title, n=row + 1))
                combo.addItem(_("Choose..."), "")
                for choice_value, label in column.choices:
                    combo.addItem(label, choice_value)
                combo.setCurrentIndex(max(combo.findData(value), 0))
                combo.setEnabled(not self._read_only)
                combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
                self.table.setCellWidget(row, index, combo)
            else:
                item = QTableWidgetItem(value)
                if column.read_only or self._read_only:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, index, item)
        self.table.blockSignals(False)

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.changed.emit()

    def set_rows(self, rows: list[list[str]]) -> None:
        self.table.setRowCount(0)
        for values in rows:
            self.add_row(values)

    def rows(self) -> list[list[str]]:
        result = []
        for row in range(self.table.rowCount()):
            values = []
            for index, column in enumerate(self._columns):
                widget = self.table.cellWidget(row, index)
                if column.choices and isinstance(widget, QComboBox):
                    values.append(widget.currentData() or "")
                else:
                    item = self.table.item(row, index)
                    values.append(item.text() if item else "")
            result.append(values)
        return result

    def set_cell_text(self, row: int, column: int, text: str, tooltip: str = "") -> None:
        """Show a computed value (e.g. a line's cost) without announcing a change."""
        self.table.blockSignals(True)
        item = self.table.item(row, column)
        if item is not None:
            item.setText(text)
            item.setToolTip(tooltip)
        self.table.blockSignals(False)

    def set_column(self, index: int, column: Column) -> None:
        """Change a column (e.g. its choices); rows added from now on use it."""
        self._columns[index] = column
        if (header_item := self.table.horizontalHeaderItem(index)) is not None:
            header_item.setText(column.title)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.add_button.setVisible(not read_only)
        self.remove_button.setVisible(not read_only)
        self.set_rows(self.rows())
