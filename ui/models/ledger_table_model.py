"""The ledger as a table: newest first, with the balance after each transaction.

A model over the plain tuples the ledger service returns, so 100,000 rows open
at once: nothing is formatted until a row is on screen, and filtering is a
list of row numbers, not a copy of the rows.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from personalbudget.i18n import N_, _, format_date, format_money
from personalbudget.plain_language import about
from personalbudget.services.ledger_service import LedgerData
from ui.theme import MUTED_TEXT, OVERDUE
from ui.theme import colour as theme_colour

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    DATE = 0
    DESCRIPTION = 1
    LINK = 2
    MONEY_IN = 3
    MONEY_OUT = 4
    BALANCE = 5


HEADERS = {
    Column.DATE: N_("Date"),
    Column.DESCRIPTION: N_("Description"),
    Column.LINK: N_("Plan item"),
    Column.MONEY_IN: N_("In"),
    Column.MONEY_OUT: N_("Out"),
    Column.BALANCE: N_("Balance"),
}
TRANSACTION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
AMOUNT_ROLE = Qt.ItemDataRole.UserRole + 2
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_NOT_LINKED = QColor(MUTED_TEXT)
_NEGATIVE = QColor(OVERDUE)


class LedgerTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data: LedgerData | None = None
        self._order: list[int] = []  # data row shown at each view row
        self._dates: dict[str, str] = {}
        self._filter = ""
        self._unlinked_only = False
        self._to_the_pound = False  # money "about £651" in the person's view (issue 19)
        self._money_text: dict[tuple[int, bool], str] = {}  # (pence, to the pound) -> text shown

    def set_to_the_pound(self, on: bool) -> None:
        """Money to the pound (the person's view) or exact (the full view)."""
        if on != self._to_the_pound:
            self.beginResetModel()
            self._to_the_pound = on
            self.endResetModel()

    def _money(self, pence: int) -> str:
        # Babel takes a quarter of a millisecond a figure, and every repaint asks for every figure
        # shown again: each is formatted once per ledger loaded (as the dates are).
        key = (pence, self._to_the_pound)
        shown = self._money_text.get(key)
        if shown is None:
            shown = self._money_text[key] = about(pence) if self._to_the_pound else format_money(pence)
        return shown

    # -- loading and filtering ---------------------------------------------------------------------
    def set_ledger(self, data: LedgerData) -> None:
        self.beginResetModel()
        self._data = data
        self._dates.clear()
        self._money_text.clear()
        self._order = self._filtered()
        self.endResetModel()

    def set_filter(self, text: str, unlinked_only: bool = False) -> None:
        self.beginResetModel()
        self._filter = text.strip().casefold()
        self._unlinked_only = unlinked_only
        self._order = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[int]:
        data = self._data
        if data is None:
            return []
        rows = data.rows
        newest_first = range(len(rows) - 1, -1, -1)
        if not self._filter and not self._unlinked_only:
            return list(newest_first)
        needle = self._filter
        labels = data.item_labels
        out = []
        for i in newest_first:
            row = rows[i]
            if self._unlinked_only and (row[4] is not None or row[5]):
                continue
            label = labels.get(row[4], "") if row[4] is not None else ""
            if needle and needle not in row[2].casefold() and needle not in label.casefold():
                continue
            out.append(i)
        return out

    # -- what the view asks for -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            # The tooltip: the whole heading, where a narrow column cuts it short.
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return _(HEADERS[Column(section)])
            if role == Qt.ItemDataRole.TextAlignmentRole and section >= Column.MONEY_IN:
                return _RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._data is None:
            return None
        position = self._order[index.row()]
        row = self._data.rows[position]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, column, position)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self._text(row, column, position)
            if column == Column.MONEY_IN and text:
                return _("Money in {amount}").format(amount=text)
            if column == Column.MONEY_OUT and text:
                return _("Money out {amount}").format(amount=text)
            if column == Column.BALANCE:
                return _("Balance {amount}").format(amount=text)
            if column == Column.LINK and row[4] is None and not row[5] and row[3] < 0:
                return _("Not linked to the plan")
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= Column.MONEY_IN:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.BALANCE and self._data.balances[position] < 0:
                return theme_colour("overdue")  # follows the theme; the minus sign says it too
            if column == Column.LINK and row[4] is None and not row[5]:
                return theme_colour("muted") if row[3] < 0 else None
        if role == TRANSACTION_ID_ROLE:
            return row[0]
        if role == AMOUNT_ROLE:
            return row[3]
        return None

    def _text(self, row: tuple, column: int, position: int) -> str:
        if column == Column.DATE:
            shown = self._dates.get(row[1])
            if shown is None:
                shown = self._dates[row[1]] = format_date(date.fromisoformat(row[1]))
            return shown
        if column == Column.DESCRIPTION:
            return row[2]
        if column == Column.LINK:
            assert self._data is not None
            if row[4] is not None or row[5]:
                return self._data.link_label(row[4], row[5])
            return _("Payment in") if row[3] > 0 else _("— not linked —")
        if column == Column.MONEY_IN:
            return self._money(row[3]) if row[3] > 0 else ""
        if column == Column.MONEY_OUT:
            return self._money(-row[3]) if row[3] < 0 else ""
        assert self._data is not None
        return self._money(self._data.balances[position])

    # -- helpers for the page -----------------------------------------------------------------------
    def transaction_id(self, view_row: int) -> int:
        assert self._data is not None
        return self._data.rows[self._order[view_row]][0]

    def entered_by_hand(self, view_row: int) -> bool:
        assert self._data is not None
        return bool(self._data.rows[self._order[view_row]][6])

    def balance_at(self, view_row: int) -> int:
        assert self._data is not None
        return self._data.balances[self._order[view_row]]

    def row_of(self, transaction_id: int) -> int:
        assert self._data is not None
        for view_row, position in enumerate(self._order):
            if self._data.rows[position][0] == transaction_id:
                return view_row
        return -1
