"""The seven steps as a row of buttons: number, title and status, the current step emphasised.

Status is always shown in words and by the mark in the circle (a tick for
done, the number otherwise), never by colour alone. Clicking a step (or Tab to
it and Space) shows that step's page; it does not move the cycle.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QHBoxLayout, QSizePolicy, QWidget

from personalbudget.domain.lifecycle import Step, StepStatus
from personalbudget.i18n import _
from personalbudget.services.dto import CycleView
from ui import theme
from ui.widgets.text_wrap import wrap_lines

DONE_COLOUR = QColor(theme.DONE)
CURRENT_COLOUR = QColor(theme.CURRENT)
NOT_STARTED_COLOUR = QColor(theme.NOT_STARTED)
SELECTED_BACKGROUND = QColor(theme.SELECTED_STEP_BACKGROUND)
CONNECTOR_COLOUR = QColor("#c4c8cf")
CIRCLE = 30
TITLE_LINES = 2


class StepButton(QAbstractButton):
    """One step in the stepper (custom painted, but a real, focusable button)."""

    def __init__(self, step: Step, parent: QWidget | None = None):
        super().__init__(parent)
        self.step = step
        self.status = StepStatus.NOT_STARTED
        self.is_current = False
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.title_text = step.title  # plain words in co-production mode (``set_title``)
        self.setText(step.title)
        self._update_accessible_text()

    def set_title(self, title: str | None) -> None:
        """Show other words for the step (None: its usual title)."""
        self.title_text = title or self.step.title
        self.setText(self.title_text)
        self._update_accessible_text()
        self.update()

    def set_state(self, status: StepStatus, is_current: bool) -> None:
        self.status, self.is_current = status, is_current
        self._update_accessible_text()
        self.update()

    def status_text(self) -> str:
        return (
            _("Current: {status}").format(status=self.status.label) if self.is_current else self.status.label
        )

    def _update_accessible_text(self) -> None:
        name = _("Step {n}: {title}").format(n=int(self.step), title=self.title_text)
        self.setAccessibleName(name)
        self.setAccessibleDescription(
            _("{status}. This is the current step.").format(status=self.status.label)
            if self.is_current
            else _("{status}.").format(status=self.status.label)
        )
        self.setToolTip(f"{name}\n{self.status_text()}\n\n{self.step.purpose}")

    def focusInEvent(self, event: QFocusEvent) -> None:
        # The steps are one Tab stop (the arrow keys move along them): Tab enters at the step shown.
        group = self.group()
        checked = group.checkedButton() if group is not None else None
        reasons = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        if event.reason() in reasons and checked is not None and checked is not self:
            checked.setFocus(event.reason())
            return
        super().focusInEvent(event)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(118, 12 + self.circle_size() + 8 + 2 * metrics.height() + metrics.height() + 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.sizeHint().height())

    def circle_size(self) -> int:
        """The status circle: 30 pixels at the usual font, larger with a larger font."""
        return max(CIRCLE, round(self.fontMetrics().height() * 1.8))

    def _colour(self) -> QColor:
        if self.status == StepStatus.DONE:
            return theme.colour("done")
        if self.status == StepStatus.IN_PROGRESS:
            return theme.colour("current")
        return theme.colour("not_started")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect()
        palette = self.palette()
        colour = self._colour()

        if self.isChecked():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.colour("selected_step_background"))
            painter.drawRoundedRect(QRectF(rect).adjusted(2, 2, -2, -2), 8, 8)
        if self.hasFocus():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # The same thick outline as every other control.
            painter.setPen(QPen(theme.colour("focus"), theme.FOCUS_WIDTH))
            painter.drawRoundedRect(QRectF(rect).adjusted(3, 3, -3, -3), 8, 8)

        # Connectors to the neighbouring steps, at the height of the circle's centre.
        centre_x = rect.center().x() + 0.5
        circle_size = self.circle_size()
        centre_y = 12 + circle_size / 2
        if self.step != Step.SET_BUDGET:
            done_before = self.status in (StepStatus.DONE, StepStatus.IN_PROGRESS)
            painter.setPen(QPen(theme.colour("done" if done_before else "connector"), 2))
            painter.drawLine(QPointF(0, centre_y), QPointF(centre_x - circle_size / 2 - 4, centre_y))
        if self.step != Step.REVIEW:
            painter.setPen(QPen(theme.colour("done" if self.status == StepStatus.DONE else "connector"), 2))
            start = QPointF(centre_x + circle_size / 2 + 4, centre_y)
            painter.drawLine(start, QPointF(rect.width(), centre_y))

        circle = QRectF(centre_x - circle_size / 2, 12, circle_size, circle_size)
        mark_font = QFont(self.font())
        mark_font.setBold(True)
        if self.status == StepStatus.NOT_STARTED:
            painter.setPen(QPen(colour, 2))
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawEllipse(circle.adjusted(1, 1, -1, -1))
            painter.setPen(colour)
            mark = str(int(self.step))
        else:
            if self.is_current:  # a halo marks the current step
                painter.setPen(QPen(QColor(colour.red(), colour.green(), colour.blue(), 70), 5))
                painter.setBrush(colour)
                painter.drawEllipse(circle.adjusted(-2, -2, 2, 2))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(circle)
            painter.setPen(theme.colour("on_status"))
            mark = "\N{CHECK MARK}" if self.status == StepStatus.DONE else str(int(self.step))
        painter.setFont(mark_font)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, mark)

        text_top = 12 + circle_size + 8
        title_font = QFont(self.font())
        title_font.setBold(self.is_current)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        line = QFontMetrics(title_font).height()
        title_rect = QRectF(4, text_top, rect.width() - 8, TITLE_LINES * line)
        painter.drawText(  # the number is in the circle
            title_rect,
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
            "\n".join(
                wrap_lines(self.title_text, QFontMetrics(title_font), int(title_rect.width()), TITLE_LINES)
            ),
        )
        status_font = QFont(self.font())
        status_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))
        status_font.setBold(self.is_current)
        painter.setFont(status_font)
        painter.setPen(
            colour
            if self.status != StepStatus.NOT_STARTED
            else palette.color(QPalette.ColorRole.PlaceholderText)
        )
        status_rect = QRectF(4, text_top + 2 * line, rect.width() - 8, line + 4)
        status = QFontMetrics(status_font).elidedText(  # whole in the tooltip
            self.status.label, Qt.TextElideMode.ElideRight, int(status_rect.width())
        )
        painter.drawText(status_rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), status)
        painter.end()


class StepStepperWidget(QWidget):
    """Shows where a cycle is; emits ``step_selected`` when the user picks a step to look at."""

    step_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(_("The seven steps"))
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._buttons: dict[Step, StepButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for step in Step:
            button = StepButton(step)
            self._buttons[step] = button
            self._group.addButton(button, int(step))
            layout.addWidget(button)
        self._buttons[Step.SET_BUDGET].setChecked(True)
        self._group.idClicked.connect(self.step_selected)
        self._cycle: CycleView | None = None

    def set_cycle(self, cycle: CycleView | None) -> None:
        self._cycle = cycle
        statuses = {view.step: view.status for view in cycle.steps} if cycle else {}
        for step, button in self._buttons.items():
            is_current = cycle is not None and cycle.is_open and cycle.current_step == step
            button.set_state(statuses.get(step, StepStatus.NOT_STARTED), is_current)

    def button(self, step: Step) -> StepButton:
        return self._buttons[step]

    def status_of(self, step: Step) -> StepStatus:
        return self._buttons[step].status

    def current_step(self) -> Step | None:
        for step, button in self._buttons.items():
            if button.is_current:
                return step
        return None

    def selected_step(self) -> Step:
        return Step(self._group.checkedId())

    def set_titles(self, titles: dict[Step, str] | None) -> None:
        """Other words for the steps (co-production mode's plain words); None for the usual titles."""
        for step, button in self._buttons.items():
            button.set_title((titles or {}).get(step))

    def set_selected_step(self, step: Step) -> None:
        """Highlight the step being shown (without emitting ``step_selected``)."""
        self._buttons[step].setChecked(True)
