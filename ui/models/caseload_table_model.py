"""The caseload as a Qt table model over ``CaseloadRow`` DTOs, filtered and sorted here.

Built for tens of thousands of rows: loading only stores the rows and a lowercase
search key for each; display text is made when a cell is first painted (Babel
dates are cached per date). Sorting is one Python ``sort`` over precomputed
keys, and filtering one Python pass over the search keys that makes the list
of rows shown: Qt never calls back into Python once per row (a
QSortFilterProxyModel would, from C++, for every row at every keystroke and
for every comparison of a sort), so a keystroke costs the same few
milliseconds whatever the caseload's size. ``rowCount`` is the rows shown;
``total_count`` all of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import date
from enum import IntEnum
from operator import itemgetter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from personalbudget.domain import nhs_number
from personalbudget.i18n import _, format_date
from personalbudget.services.dto import CaseloadRow
from ui import theme

AnyIndex = QModelIndex | QPersistentModelIndex

OVERDUE_COLOUR = QColor(theme.OVERDUE)  # always shown with the word "Overdue"
ENDED_COLOUR = QColor(theme.NOT_STARTED)
ENDED_STEP = 8  # sorts after step 7; the step filter's value for "Budget ended"


class Column(IntEnum):
    NAME = 0
    NHS_NUMBER = 1
    AGE = 2
    LOCALITY = 3
    PRIMARY_SUPPORT_REASON = 4
    STEP = 5
    NEXT_REVIEW = 6


def column_titles() -> dict[Column, str]:
    return {
        Column.NAME: _("Name"),
        Column.NHS_NUMBER: _("NHS number"),
        Column.AGE: _("Age"),
        Column.LOCALITY: _("Locality"),
        Column.PRIMARY_SUPPORT_REASON: _("Primary support reason"),
        Column.STEP: _("Step"),
        Column.NEXT_REVIEW: _("Next review"),
    }


# Custom roles, so views and tests ask for meaning, not for column text.
PersonIdRole = Qt.ItemDataRole.UserRole + 1
StepRole = Qt.ItemDataRole.UserRole + 2  # int 1..7, or ENDED_STEP when the budget has ended
OverdueRole = Qt.ItemDataRole.UserRole + 3  # bool
SortRole = Qt.ItemDataRole.UserRole + 4  # the underlying value the column sorts by
SearchKeyRole = Qt.ItemDataRole.UserRole + 5  # lowercase name, locality and NHS digits
RowRole = Qt.ItemDataRole.UserRole + 6  # the CaseloadRow itself


# The roles ``data`` answers; the others (decoration, check state, background...) return at once.
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        PersonIdRole,
        StepRole,
        OverdueRole,
        SortRole,
        SearchKeyRole,
        RowRole,
    }
)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def step_value(row: CaseloadRow) -> int:
    if not row.cycle_open or row.step is None:
        return ENDED_STEP
    return int(row.step)


def step_text(row: CaseloadRow) -> str:
    if not row.cycle_open or row.step is None:
        return _("Budget ended")
    return f"{int(row.step)} {row.step.title}"


def search_key(row: CaseloadRow) -> str:
    """What the search box matches against: name, locality and NHS digits, lowercase."""
    return f"{row.name.lower()}\x1f{row.locality.lower()}\x1f{row.nhs_number or ''}"


def search_keys(rows: Sequence[CaseloadRow]) -> list[str]:
    """``search_key`` of every row, in one comprehension (each locality made lowercase once)."""
    localities = {locality: locality.lower() for locality in {row.locality for row in rows}}
    return [f"{row.name.lower()}\x1f{localities[row.locality]}\x1f{row.nhs_number or ''}" for row in rows]


_NO_DATE = date.max.toordinal() + 1


RowFilter = Callable[[list[str]], list[int]]  # search keys -> the positions of those that match


def _pick(items: list[Any], positions: list[int]) -> list[Any]:
    """``[items[i] for i in positions]``, without a Python step per item."""
    if len(positions) > 1:
        return list(itemgetter(*positions)(items))
    return [items[i] for i in positions]


class CaseloadTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list[CaseloadRow] = []  # every row, in the sort order
        self._all_keys: list[str] = []
        self._rows: list[CaseloadRow] = []  # the rows shown (the filter's), in the sort order
        self._keys: list[str] = []
        # Where the rows shown are in ``_all`` (ascending: filters keep the order); None when every
        # row is shown. With ``_all_where`` (person id -> position in ``_all``, made when first
        # asked) it finds a person's row shown by bisection: a keystroke that keeps the chosen person
        # selected looks up one row, not every row shown.
        self._shown: list[int] | None = None
        self._all_where: dict[int, int] | None = None
        # Positions in ``_all`` at each step value, and of the overdue reviews: made when a step or
        # overdue filter is first used after a load or a sort, so that changing it costs no Python
        # call per row.
        self._steps: list[int] | None = None
        self._at_step: dict[int, list[int]] | None = None
        self._overdue: list[bool] | None = None
        self._search: RowFilter | None = None
        self._step = 0  # 0: every step; 1..7, or ENDED_STEP
        self._overdue_only = False
        self._titles = column_titles()
        self._date_text: dict[date, str] = {}
        self._overdue_word = _("Overdue")
        self._overdue_brush = QBrush(OVERDUE_COLOUR)
        self._ended_brush = QBrush(ENDED_COLOUR)
        self._bold = QFont()
        self._bold.setBold(True)
        self._sort_column = Column.NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.generation = 0  # bumped whenever rows are replaced, reordered or filtered

    # -- loading -------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[CaseloadRow], *, by_name: bool = False) -> None:
        """Replace every row (one model reset), keeping the sort order and the filter.

        ``by_name``: the rows come in the order of the name column (``people.list_caseload``'s),
        so when the list is sorted by name they are not sorted again (50 ms at 50,000 people)."""
        self.beginResetModel()
        self._all = list(rows)
        self._sort_all(self._sort_column, self._sort_order, by_name=by_name)
        self._apply_filter()
        self.endResetModel()

    def set_filter(
        self, search: RowFilter | None, step: int = 0, overdue_only: bool = False, *, narrower: bool = False
    ) -> None:
        """Show only the rows whose search keys ``search`` picks (None: all), at ``step`` (0: any),
        and only overdue reviews if asked. One model reset.

        ``narrower``: the new search can only match rows the last one matched (more letters typed),
        so only the rows shown are looked at.
        """
        same_filters = step == self._step and overdue_only == self._overdue_only
        self.beginResetModel()
        self._search, self._step, self._overdue_only = search, step, overdue_only
        if narrower and same_filters and search is not None:
            shown = search(self._keys)
            self._shown = shown if self._shown is None else _pick(self._shown, shown)
            self._rows = _pick(self._rows, shown)
            self._keys = _pick(self._keys, shown)
            self.generation += 1
        else:
            self._apply_filter()
        self.endResetModel()

    def rows(self) -> list[CaseloadRow]:
        """The rows shown, in order."""
        return list(self._rows)

    def search_keys(self) -> list[str]:
        """The search keys of the rows shown."""
        return self._keys

    def total_count(self) -> int:
        """Every row loaded, shown or not."""
        return len(self._all)

    def row_at(self, row: int) -> CaseloadRow:
        return self._rows[row]

    def row_of_person(self, person_id: int) -> int | None:
        """The row showing this person, or None if they are not shown."""
        if self._all_where is None:
            self._all_where = {r.person_id: position for position, r in enumerate(self._all)}
        position = self._all_where.get(person_id)
        if position is None or self._shown is None:
            return position
        row = bisect_left(self._shown, position)
        return row if row < len(self._shown) and self._shown[row] == position else None

    # -- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._titles[Column(section)]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.AGE:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # (a repaint asks ~7 roles of every cell shown)
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.NEXT_REVIEW and row.review_overdue:
                return QBrush(theme.colour("overdue"))  # follows the theme (with the word Overdue)
            if column == Column.STEP and not row.cycle_open:
                return QBrush(theme.colour("not_started"))
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == Column.NEXT_REVIEW and row.review_overdue:
                return self._bold
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.NEXT_REVIEW and row.review_overdue:
                return _("The review was due on {date} and has not happened yet.").format(
                    date=self._date(row.next_review_due)
                )
            if column in (Column.PRIMARY_SUPPORT_REASON, Column.NAME, Column.LOCALITY):
                return self._display(row, column)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == Column.AGE:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == PersonIdRole:
            return row.person_id
        if role == StepRole:
            return step_value(row)
        if role == OverdueRole:
            return row.review_overdue
        if role == SortRole:
            return self._sort_key(Column(column))(row)
        if role == SearchKeyRole:
            return self._keys[index.row()]
        if role == RowRole:
            return row
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by the underlying value (age as a number, next review as a date)."""
        if not 0 <= column < len(Column):
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._rows[i.row()].person_id for i in old_persistent]
        self._sort_all(Column(column), order)
        self._apply_filter()
        if old_persistent:
            where = {r.person_id: position for position, r in enumerate(self._rows)}
            self.changePersistentIndexList(
                old_persistent,
                [self.index(where[pid], i.column()) for pid, i in zip(old_ids, old_persistent, strict=True)],
            )
        self.layoutChanged.emit()

    def sort_column(self) -> Column:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    # -- helpers -------------------------------------------------------------------------
    def _sort_all(self, column: Column, order: Qt.SortOrder, *, by_name: bool = False) -> None:
        self._sort_column, self._sort_order = column, order
        key = self._sort_key(column)
        name_key = self._sort_key(Column.NAME)
        # Name (then id) breaks ties, so equal values keep a stable, readable order either way.
        if not by_name:
            self._all.sort(key=name_key)
        if column != Column.NAME or order == Qt.SortOrder.DescendingOrder:
            self._all.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._all_keys = search_keys(self._all)
        self._all_where = self._steps = self._at_step = self._overdue = None

    def _apply_filter(self) -> None:
        rows, keys = self._all, self._all_keys
        if self._search is None and not self._step and not self._overdue_only:
            self._rows, self._keys, self._shown = list(rows), list(keys), None
        else:
            wanted = self._step
            if self._search is not None:
                shown = self._search(keys)
                if wanted:
                    steps = self._step_values()
                    shown = [i for i in shown if steps[i] == wanted]
            elif wanted:
                shown = list(self._positions_at_step().get(wanted, ()))
            else:
                shown = list(range(len(keys)))
            if self._overdue_only:
                overdue = self._overdue_flags()
                shown = [i for i in shown if overdue[i]]
            self._shown = shown
            self._rows = _pick(rows, shown)
            self._keys = _pick(keys, shown)
        self.generation += 1

    def _step_values(self) -> list[int]:
        """``step_value`` of every row, in ``_all``'s order (one comprehension, no call per row)."""
        if self._steps is None:
            ended = ENDED_STEP
            self._steps = [
                row.step if row.cycle_open and row.step is not None else ended  # (an IntEnum: an int)
                for row in self._all
            ]
        return self._steps

    def _positions_at_step(self) -> dict[int, list[int]]:
        if self._at_step is None:
            at_step: dict[int, list[int]] = {}
            for position, value in enumerate(self._step_values()):
                at_step.setdefault(value, []).append(position)
            self._at_step = {int(value): positions for value, positions in at_step.items()}
        return self._at_step

    def _overdue_flags(self) -> list[bool]:
        if self._overdue is None:
            self._overdue = [row.review_overdue for row in self._all]
        return self._overdue

    @staticmethod
    def _sort_key(column: Column):
        if column == Column.NAME:
            return lambda r: (r.name.casefold(), r.person_id)
        if column == Column.NHS_NUMBER:
            return lambda r: (r.nhs_number is None, r.nhs_number or "")
        if column == Column.AGE:
            return lambda r: r.age
        if column == Column.LOCALITY:
            return lambda r: r.locality.casefold()
        if column == Column.PRIMARY_SUPPORT_REASON:
            return lambda r: r.primary_support_reason.casefold()
        if column == Column.STEP:
            return step_value
        return lambda r: r.next_review_due.toordinal() if r.next_review_due else _NO_DATE

    def _date(self, value: date | None) -> str:
        if value is None:
            return ""
        text = self._date_text.get(value)
        if text is None:
            text = self._date_text[value] = format_date(value)
        return text

    def _display(self, row: CaseloadRow, column: int) -> str:
        if column == Column.NAME:
            return row.name
        if column == Column.NHS_NUMBER:
            return nhs_number.display(row.nhs_number) if row.nhs_number else ""
        if column == Column.AGE:
            return str(row.age)
        if column == Column.LOCALITY:
            return row.locality
        if column == Column.PRIMARY_SUPPORT_REASON:
            return row.primary_support_reason
        if column == Column.STEP:
            return step_text(row)
        if row.next_review_due is None:
            return ""
        if row.review_overdue:
            return f"{self._overdue_word}: {self._date(row.next_review_due)}"
        return self._date(row.next_review_due)
