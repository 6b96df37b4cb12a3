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
    # Others changed the caseload (another window, another machine): how many changes; the caseload
    # list and My work have been read again (ui/change_watch.py).
    others_changed = Signal(int)
    caseload_unreachable = Signal(str)  # the change poll failed: the database cannot be reached
    caseload_reachable = Signal()  # it works again after failing
