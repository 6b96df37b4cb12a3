"""The cue that others changed the caseload, and the banner when it cannot be reached (issue 21).

Both are plain labels above the caseload list (never a dialog: nothing takes the keyboard away
from what is being typed), and each change of them is announced to a screen reader as a polite
announcement. The cue reads "Updated just now — N changes by others", then, after a minute, the
time of the update; the banner "Can't reach the caseload — retrying" stays until a poll works again.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from personalbudget.i18n import _, format_time, ngettext
from ui import theme
from ui.app_signals import AppSignals

JUST_NOW_SECONDS = 60


def announce(widget: QWidget, text: str) -> None:
    """Say ``text`` through the screen reader without moving the focus."""
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


class ChangeCueWidget(QWidget):
    def __init__(self, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self.cue = QLabel()
        self.cue.setObjectName("othersChangedCue")
        self.cue.setWordWrap(True)
        theme.tint(self.cue, "current")
        self.cue.hide()
        self.banner = QLabel(_("Can't reach the caseload — retrying"))
        self.banner.setObjectName("caseloadUnreachableBanner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.banner.text())
        theme.tint(self.banner, "overdue", bold=True)
        self.banner.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.banner)
        layout.addWidget(self.cue)
        self._count = 0
        self._at: datetime | None = None
        self._ageing = QTimer(self)
        self._ageing.setInterval(15_000)
        self._ageing.timeout.connect(self._show_cue)
        signals.others_changed.connect(self.others_changed)
        signals.caseload_unreachable.connect(lambda _why: self.unreachable())
        signals.caseload_reachable.connect(self.reachable)

    def others_changed(self, count: int) -> None:
        self._count, self._at = count, datetime.now().astimezone()
        self._show_cue()
        self._ageing.start()
        announce(self.cue, self.cue.text())

    def unreachable(self) -> None:
        if self.banner.isHidden():
            self.banner.show()
            announce(self.banner, self.banner.text())

    def reachable(self) -> None:
        if not self.banner.isHidden():
            self.banner.hide()
            announce(self, _("The caseload can be reached again."))

    def cue_text(self) -> str:
        return self.cue.text() if not self.cue.isHidden() else ""

    def _show_cue(self) -> None:
        if self._at is None:
            return
        age = (datetime.now().astimezone() - self._at).total_seconds()
        if age < JUST_NOW_SECONDS:
            text = ngettext(
                "Updated just now — {n} change by others",
                "Updated just now — {n} changes by others",
                self._count,
            )
        else:
            text = ngettext(
                "Updated at {time} — {n} change by others",
                "Updated at {time} — {n} changes by others",
                self._count,
            )
            self._ageing.stop()
        self.cue.setText(text.format(n=self._count, time=format_time(self._at)))
        self.cue.setAccessibleName(self.cue.text())
        self.cue.show()
