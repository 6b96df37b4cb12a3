"""The one object the UI uses to announce that something changed.

The core emits no Qt signals. After a service call succeeds, the widget that
made it emits here, and every page that shows that data refreshes itself.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    person_saved = Signal(int)  # a person's details were added or changed (person id)
    caseload_changed = Signal()  # people were added or removed in bulk (e.g. the demo caseload)
    cycle_changed = Signal(int)  # a person's plan cycle moved (person id)
    status_message = Signal(str)  # a short note for the status bar ("Saved Ann Smith")
