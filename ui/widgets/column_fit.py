"""Table columns that share out the width their table has, so that every column shows a readable value.

``install_column_fitter(app)`` (called once by ``theme.apply_theme``) looks after every ``QTableView``,
and so every ``QTableWidget``, the app shows. Pages say what they want of a column the Qt way, with
``header.setSectionResizeMode``: ``Stretch`` for a column that takes the room left over, anything else
for a column as wide as its contents. Whenever a table is shown, resized, refilled or its font
changes, the fitter:

* measures each column: its *natural* width (the heading and the first rows, each on one line) and
  its *readable* minimum (a text that can wrap needs its longest word; one that cannot keeps room for
  ``ELIDED_LETTERS`` letters before the "…"; a drop-down is measured by its longest choice, so its
  column holds still whatever is chosen);
* gives every column its natural width when they all fit, the room left over going to the
  stretching columns; otherwise every column its minimum, with the rest shared out by what each
  still lacks; a heading wraps onto more lines before a column goes below its minimum, and only if
  even the minimums do not fit does the table scroll sideways;
* makes the rows tall enough for their wrapped text, and a fixed-height table that showed all its
  rows grows with them (never below the height its page gave it).

The columns stay ``Interactive``: a divider the person drags stays where they put it (the fitter
leaves that table alone from then on). A table that keeps its own widths (the caseload, whose
widths are saved for each user) sets the ``FIT_PROPERTY`` property to False.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QComboBox, QHeaderView, QLineEdit, QListView, QTableView, QWidget

from ui.widgets.text_wrap import widest_word

FIT_PROPERTY = "pbFitColumns"  # False: the fitter leaves this table's columns alone
ELIDED_LETTERS = 12  # a text that cannot wrap keeps room for this many letters before "…"
SAMPLE_ROWS = 60  # the rows measured: what a table typically shows
MAX_ROWS_RESIZED = 400  # past this, rows keep their height (a long ledger does not wrap anyway)

_FLEXIBLE = "pbFlexibleColumns"  # the columns the page asked to stretch
_SIZED_BY_HAND = "pbColumnsSizedByHand"
_PAGE_HEIGHT = "pbPageFixedHeight"  # the fixed height the page gave the table
_FITTED_HEIGHT = "pbFittedHeight"  # the fixed height the fitter gave it
_HEADER_HEIGHT = "pbFittedHeaderHeight"
_WATCHED_EVENTS = (QEvent.Type.Show, QEvent.Type.FontChange, QEvent.Type.StyleChange)


def readable_width(metrics: QFontMetrics) -> int:
    """The room a text that cannot wrap keeps before it is cut short with "…"."""
    return metrics.horizontalAdvance("n" * ELIDED_LETTERS)


@dataclass(frozen=True)
class ColumnNeed:
    """What one column needs, in pixels."""

    natural: int  # the heading and the contents, each on one line
    minimum: int  # readable, with the heading on one line
    wrapped_minimum: int  # readable, with the heading wrapped at its spaces
    flexible: bool = False  # takes the room left over


def share_width(needs: list[ColumnNeed], width: int) -> list[int]:
    """Column widths for ``needs`` in ``width`` pixels (more than ``width`` only when even the
    readable minimums do not fit, and the table scrolls sideways)."""
    natural = [need.natural for need in needs]
    if sum(natural) <= width:
        flexible = [index for index, need in enumerate(needs) if need.flexible]
        spare = width - sum(natural)
        for order, index in enumerate(flexible):
            natural[index] += spare // len(flexible) + (1 if order < spare % len(flexible) else 0)
        return natural
    minimums = [need.minimum for need in needs]
    if sum(minimums) > width:
        minimums = [need.wrapped_minimum for need in needs]
        if sum(minimums) > width:
            return minimums
    lacking = [need.natural - minimum for need, minimum in zip(needs, minimums, strict=True)]
    spare, lack = width - sum(minimums), sum(lacking)
    widths = [minimum + spare * short // lack for minimum, short in zip(minimums, lacking, strict=True)]
    by_lack = sorted(range(len(needs)), key=lambda index: widths[index] - needs[index].natural)
    for index in by_lack[: width - sum(widths)]:
        widths[index] += 1
    return widths


# -- measuring ---------------------------------------------------------------------------------------
def _cell_font(view: QTableView, row: int, column: int) -> QFontMetrics:
    font = view.model().data(view.model().index(row, column), Qt.ItemDataRole.FontRole)
    return QFontMetrics(font) if isinstance(font, QFont) else view.fontMetrics()


def _widget_need(widget: QWidget) -> tuple[int, int]:
    """(natural, minimum) of a control put in a cell (a drop-down, a text box)."""
    metrics = widget.fontMetrics()
    cap = readable_width(metrics)
    if isinstance(widget, QComboBox):
        longest = max(
            (metrics.horizontalAdvance(widget.itemText(i)) for i in range(widget.count())), default=0
        )
        # Measured by its longest choice, not the chosen one, so the column holds still as choices change.
        chrome = max(widget.sizeHint().width() - longest, metrics.horizontalAdvance("nnn"))
        return longest + chrome, min(longest, cap) + chrome
    if isinstance(widget, QLineEdit):
        chrome = metrics.horizontalAdvance("nn")
        shown = metrics.horizontalAdvance(widget.text() or widget.placeholderText())
        natural = max(widget.minimumSizeHint().width(), shown + chrome)
        return natural, min(natural, cap + chrome)
    natural = widget.sizeHint().width()
    return natural, min(natural, max(widget.minimumSizeHint().width(), 0))


def column_need(view: QTableView, column: int, *, flexible: bool = False) -> ColumnNeed:
    """Measure a column of ``view``: its heading and its first ``SAMPLE_ROWS`` rows."""
    model, header = view.model(), view.horizontalHeader()
    title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    title = "" if title is None else str(title)
    header_metrics = header.fontMetrics()
    header_natural = header.sectionSizeFromContents(column).width()
    header_pad = max(
        header_natural - max(header_metrics.horizontalAdvance(line) for line in title.split("\n")), 0
    )
    header_word = widest_word(title, header_metrics) + header_pad if title.strip() else header_natural
    wraps = (
        view.wordWrap() and view.verticalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive
    )
    grid = 2 if view.showGrid() else 1  # the grid line, and a pixel so that rounding never elides
    natural, minimum = header_natural, 0
    for row in range(min(model.rowCount(), SAMPLE_ROWS)):
        index = model.index(row, column)
        widget = view.indexWidget(index)
        if widget is not None:
            cell_natural, cell_minimum = _widget_need(widget)
        else:
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text is None or str(text) == "":
                continue
            text = str(text)
            metrics = _cell_font(view, row, column)
            cell_natural = view.sizeHintForIndex(index).width() + grid
            one_line = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            pad = max(cell_natural - one_line, 0)
            cap = readable_width(metrics)
            shortest = min(widest_word(text, metrics), cap) if wraps else min(one_line, cap)
            cell_minimum = min(cell_natural, shortest + pad)
        natural, minimum = max(natural, cell_natural), max(minimum, cell_minimum)
    return ColumnNeed(
        natural=natural,
        minimum=min(natural, max(minimum, header_natural)),
        wrapped_minimum=min(natural, max(minimum, header_word)),
        flexible=flexible,
    )


# -- fitting -----------------------------------------------------------------------------------------
def _flexible_columns(header: QHeaderView) -> set[int]:
    """The columns the page asked to stretch; every column becomes Interactive, for the fitter."""
    flexible = {int(column) for column in (header.property(_FLEXIBLE) or [])}
    if header.stretchLastSection():
        last = header.logicalIndex(header.count() - 1)
        flexible.add(last)
        header.setStretchLastSection(False)
    for column in range(header.count()):
        mode = header.sectionResizeMode(column)
        if mode == QHeaderView.ResizeMode.Interactive:
            continue
        if mode == QHeaderView.ResizeMode.Stretch:
            flexible.add(column)
        else:
            flexible.discard(column)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    header.setProperty(_FLEXIBLE, sorted(flexible))
    return flexible


def _fit_header_height(header: QHeaderView, columns: list[int]) -> None:
    """Room for every heading, wrapped at its column's width."""
    model = header.model()
    metrics = header.fontMetrics()
    one_line = header.sizeHint().height()
    needed = 0
    for column in columns:
        title = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        pad = max(header.sectionSizeFromContents(column).width() - metrics.horizontalAdvance(title), 0)
        room = max(header.sectionSize(column) - pad + 2, 1)  # (rounding: a heading that fits stays whole)
        flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        height = metrics.boundingRect(QRect(0, 0, room, 100 * metrics.height()), flags, title).height()
        needed = max(needed, one_line + height - metrics.height())
    wanted = needed if needed > one_line else 0
    if wanted:
        header.setDefaultAlignment(header.defaultAlignment() | Qt.TextFlag.TextWordWrap)
    if wanted != int(header.property(_HEADER_HEIGHT) or 0):
        header.setProperty(_HEADER_HEIGHT, wanted)
        header.setMinimumHeight(wanted)


def _fit_rows(view: QTableView) -> None:
    """Rows as tall as their wrapped text; a table that showed all its rows keeps showing them."""
    rows = view.verticalHeader()
    count = view.model().rowCount()
    if not view.wordWrap() or rows.sectionResizeMode(0) != QHeaderView.ResizeMode.Interactive:
        return
    if count > MAX_ROWS_RESIZED:
        return
    header = view.horizontalHeader()
    frame = 2 * view.frameWidth()
    header_height = max(header.minimumHeight(), header.sizeHint().height()) if header.isVisible() else 0
    fixed = view.minimumHeight() == view.maximumHeight()
    if fixed and view.minimumHeight() != int(view.property(_FITTED_HEIGHT) or -1):
        view.setProperty(_PAGE_HEIGHT, view.minimumHeight())  # the page set this height itself
    page_height = int(view.property(_PAGE_HEIGHT) or 0)
    before = frame + (header.height() if header.isVisible() else 0)
    shown_whole = fixed and page_height >= before + sum(rows.sectionSize(r) for r in range(count)) - 2
    view.resizeRowsToContents()
    if fixed and shown_whole:
        scroll_bar = view.horizontalScrollBar()
        extra = scroll_bar.sizeHint().height() if scroll_bar.isVisible() else 0
        content = frame + header_height + sum(rows.sectionSize(r) for r in range(count)) + extra
        height = max(page_height, content)
        if height != view.minimumHeight():
            view.setProperty(_FITTED_HEIGHT, height)
            view.setFixedHeight(height)


class ColumnFitter(QObject):
    """Installed on the application: fits the columns of every table as it is shown, resized or refilled."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._viewports: dict[int, QTableView] = {}  # id of a watched table's viewport -> the table
        self._models: dict[int, int] = {}  # id of a watched table -> id of the model it is hooked to
        self._pending: dict[int, QTableView] = {}
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit_pending)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            view = self._viewports.get(id(watched))
            if view is not None:
                self.schedule(view)
        elif kind in _WATCHED_EVENTS and isinstance(watched, QTableView):
            self.schedule(watched)
        return False

    def schedule(self, view: QTableView) -> None:
        """Fit ``view`` once the events in hand are dealt with (many changes, one fit)."""
        if not shiboken6.isValid(view) or view.property(FIT_PROPERTY) is False:
            return
        self._watch(view)
        self._pending[id(view)] = view
        self._timer.start()

    def _watch(self, view: QTableView) -> None:
        key = id(view)
        model = view.model()
        if model is None or self._models.get(key) == id(model):
            return
        if key not in self._models:
            self._viewports[id(view.viewport())] = view
            view.horizontalHeader().sectionResized.connect(partial(self._section_resized, view))
            view.destroyed.connect(partial(self._forget, key, id(view.viewport())))
        self._models[key] = id(model)
        refit = partial(self._model_changed, view)
        for signal in (
            model.modelReset,
            model.layoutChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.columnsInserted,
            model.dataChanged,
            model.headerDataChanged,
        ):
            signal.connect(refit)

    def _model_changed(self, view: QTableView, *_args: object) -> None:
        if shiboken6.isValid(view) and view.isVisible():
            self.schedule(view)

    def _section_resized(self, view: QTableView, *_args: object) -> None:
        if not self._fitting and QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            view.horizontalHeader().setProperty(_SIZED_BY_HAND, True)  # the person dragged a divider

    def _forget(self, key: int, viewport_key: int, *_args: object) -> None:
        self._models.pop(key, None)
        self._pending.pop(key, None)
        self._viewports.pop(viewport_key, None)

    def _fit_pending(self) -> None:
        pending = list(self._pending.values())
        self._pending.clear()
        for view in pending:
            if shiboken6.isValid(view):
                self.fit(view)

    def fit(self, view: QTableView) -> None:
        """Fit ``view``'s columns now (tests call this; the app waits for the events in hand)."""
        header = view.horizontalHeader()
        model = view.model()
        if model is None or not view.isVisible() or header.property(_SIZED_BY_HAND):
            return
        self._watch(view)
        self._fitting = True
        try:
            flexible = _flexible_columns(header)
            columns = [header.logicalIndex(v) for v in range(header.count())]
            columns = [c for c in columns if not header.isSectionHidden(c)]
            if not columns:
                return
            needs = [column_need(view, column, flexible=column in flexible) for column in columns]
            widths = share_width(needs, view.viewport().width())
            # Qt would widen a section below its minimum size (a heading of two letters: "In").
            smallest = min([*widths, header.fontMetrics().horizontalAdvance("nnn")])
            header.setMinimumSectionSize(min(header.minimumSectionSize(), smallest))
            for column, width in zip(columns, widths, strict=True):
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
            _fit_header_height(header, columns)
            _fit_rows(view)
        finally:
            self._fitting = False


_fitter: ColumnFitter | None = None


def install_column_fitter(app: QObject) -> ColumnFitter:
    """Fit the columns of every table the application shows (once per application)."""
    global _fitter
    if _fitter is None or not shiboken6.isValid(_fitter) or _fitter.parent() is not app:
        _fitter = ColumnFitter(app)
        app.installEventFilter(_fitter)
    return _fitter


# -- lists that show every item whole ----------------------------------------------------------------
class _ListHeight(QObject):
    """Keeps a word-wrapping list as tall as its first rows, wrapped at the width it has now."""

    def __init__(self, view: QListView, max_rows: int):
        super().__init__(view)
        self._view = view
        self.max_rows = max_rows
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self.fit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self.fit)
        return False

    def fit(self, *_args: object) -> None:
        view = self._view
        if not shiboken6.isValid(view):
            return
        view.doItemsLayout()
        model = view.model()
        rows = min(max(model.rowCount(), 1), self.max_rows)
        spacing = 2 * view.spacing()
        items = sum(
            view.visualRect(model.index(row, 0)).height() + spacing for row in range(model.rowCount())[:rows]
        )
        if not model.rowCount():
            items = view.fontMetrics().height() + 6
        height = items + 2 * view.frameWidth()
        if height != view.minimumHeight() or height != view.maximumHeight():
            view.setFixedHeight(height)


def fit_list_height(view: QListView, max_rows: int) -> None:
    """Make a word-wrapping list as tall as its first ``max_rows`` items need at its width, now and
    whenever its width or its items change (past ``max_rows`` it scrolls)."""
    keeper = view.findChild(_ListHeight)
    if keeper is None:
        keeper = _ListHeight(view, max_rows)
    keeper.max_rows = max_rows
    keeper.fit()
