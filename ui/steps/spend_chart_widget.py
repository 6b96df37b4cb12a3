"""Planned against actual spending over the budget year, drawn with QPainter.

Two cumulative lines: planned (dashed) and actual (solid, up to today). The
same figures are in a table beside it for screen-reader users, and the
chart's accessible description says where spending stands in words.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from personalbudget.domain.monitoring import SeriesPoint
from personalbudget.i18n import _, format_date, format_money
from ui import theme
from ui.theme import CURRENT, MUTED_TEXT, PANEL_BORDER

PLANNED_COLOUR = QColor(MUTED_TEXT)
ACTUAL_COLOUR = QColor(CURRENT)
GRID_COLOUR = QColor(PANEL_BORDER)
MARGIN_LEFT = 78
MARGIN_RIGHT = 16
MARGIN_TOP = 30
MARGIN_BOTTOM = 34


def _nice_step(top: int) -> int:
    """A round gridline step in pence (£1, £2, £5 × a power of ten) giving about four lines."""
    raw = max(top // 4, 100)
    magnitude = 100
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


class SpendChartWidget(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._series: tuple[SeriesPoint, ...] = ()
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(_("Chart of planned and actual spending"))
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def sizeHint(self) -> QSize:
        return QSize(520, 240)

    def set_series(self, series: tuple[SeriesPoint, ...]) -> None:
        self._series = series
        self.setAccessibleDescription(self.describe())
        self.update()

    def series(self) -> tuple[SeriesPoint, ...]:
        return self._series

    def describe(self) -> str:
        """The chart in words."""
        actual = [p for p in self._series if p.actual_pence is not None]
        if not self._series or not actual:
            return _("No spending to show yet.")
        last = actual[-1]
        return _(
            "By {date}, {actual} has been spent against {planned} planned. The plan for the whole year is {year}."
        ).format(
            date=format_date(last.day),
            actual=format_money(last.actual_pence or 0),
            planned=format_money(last.planned_pence),
            year=format_money(self._series[-1].planned_pence),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        # The theme's colours now (high contrast or not); the lines differ by style and marks too.
        planned_colour, actual_colour = theme.colour("muted"), theme.colour("current")
        grid_colour = theme.colour("panel_border")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        if len(self._series) < 2:
            painter.setPen(planned_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("No spending to show yet."))
            return
        area = QRectF(
            MARGIN_LEFT,
            MARGIN_TOP,
            max(self.width() - MARGIN_LEFT - MARGIN_RIGHT, 10),
            max(self.height() - MARGIN_TOP - MARGIN_BOTTOM, 10),
        )
        top = max(
            max(p.planned_pence for p in self._series), max(p.actual_pence or 0 for p in self._series), 100
        )
        step = _nice_step(top)
        top = ((top + step - 1) // step) * step
        first, last = self._series[0].day, self._series[-1].day
        span = max((last - first).days, 1)

        def point(day: date, pence: int) -> QPointF:
            x = area.left() + area.width() * (day - first).days / span
            y = area.bottom() - area.height() * pence / top
            return QPointF(x, y)

        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7))
        painter.setFont(small)
        metrics = painter.fontMetrics()
        # Gridlines and money labels.
        for value in range(0, top + 1, step):
            y = area.bottom() - area.height() * value / top
            painter.setPen(QPen(grid_colour, 1))
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(planned_colour)
            label = format_money(value).replace(".00", "")
            painter.drawText(
                QRectF(0, y - metrics.height() / 2, MARGIN_LEFT - 6, metrics.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
        # Month labels along the bottom (every other month when narrow).
        # One label per month, at its last day in the period (today's point is not a month of its own).
        months = [p for p in self._series[1:] if p.day == last or (p.day + timedelta(days=1)).day == 1]
        every = 1 if area.width() / max(len(months), 1) > 44 else 2
        painter.setPen(planned_colour)
        for index, p in enumerate(months):
            if index % every:
                continue
            x = point(p.day, 0).x()
            painter.drawText(
                QRectF(x - 24, area.bottom() + 4, 48, metrics.height()),
                int(Qt.AlignmentFlag.AlignHCenter),
                format_date(p.day, fmt="MMM"),
            )
        # The two lines.
        planned = QPainterPath(point(first, self._series[0].planned_pence))
        for p in self._series[1:]:
            planned.lineTo(point(p.day, p.planned_pence))
        pen = QPen(planned_colour, 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(planned)
        actual_points = [p for p in self._series if p.actual_pence is not None]
        if actual_points:
            actual = QPainterPath(point(actual_points[0].day, actual_points[0].actual_pence or 0))
            for p in actual_points[1:]:
                actual.lineTo(point(p.day, p.actual_pence or 0))
            painter.setPen(QPen(actual_colour, 2.5))
            painter.drawPath(actual)
            painter.setBrush(actual_colour)
            for p in actual_points[1:-1]:  # a square mark at each month: not told apart by colour alone
                centre = point(p.day, p.actual_pence or 0)
                painter.drawRect(QRectF(centre.x() - 2.5, centre.y() - 2.5, 5, 5))
            end = point(actual_points[-1].day, actual_points[-1].actual_pence or 0)
            painter.setBrush(actual_colour)
            painter.drawEllipse(end, 3.5, 3.5)
        # The key, in words.
        painter.setFont(small)
        x = area.left()
        for text, colour, style in (
            (_("Planned (cumulative)"), planned_colour, Qt.PenStyle.DashLine),
            (_("Actual spending (cumulative)"), actual_colour, Qt.PenStyle.SolidLine),
        ):
            painter.setPen(QPen(colour, 2, style))
            painter.drawLine(QPointF(x, 12), QPointF(x + 22, 12))
            if style == Qt.PenStyle.SolidLine:  # the same square mark as on the line
                painter.setBrush(colour)
                painter.drawRect(QRectF(x + 8.5, 9.5, 5, 5))
            painter.setPen(colour)
            painter.drawText(QPointF(x + 28, 12 + metrics.ascent() / 2 - 1), text)
            x += 28 + metrics.horizontalAdvance(text) + 18
        painter.end()
