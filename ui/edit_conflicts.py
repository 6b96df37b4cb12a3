"""What a page does when its save is refused because someone else saved the record first (issue 21).

    try:
        view = services.plans.save_draft(pid, draft, base=self._plan)
    except ConcurrentEditError as conflict:
        view = settle(self, services, conflict,
                      save_mine=lambda current, how: services.plans.save_draft(pid, draft, base=current, resolution=how),
                      reload=self.show_plan)
        if view is None:
            return False  # their version shown, or back to the page as typed: nothing saved

``settle`` shows the ``EditConflictDialog`` over the page (the page keeps what was typed while it is
open) and does what the person chose: keep theirs (recorded, then ``reload`` with their version),
use mine (``save_mine`` over their version, recorded), or, where the page gives ``merge``, field by
field. A save that is refused again (a third person) asks again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QWidget

from personalbudget.errors import ConcurrentEditError
from personalbudget.services import Services
from personalbudget.services.edit_check import MERGED, SAVED_MINE, Resolution
from ui.dialogs.edit_conflict_dialog import BY_FIELD, KEEP_THEIRS, USE_MINE, EditConflictDialog

T = TypeVar("T")


def settle(
    parent: QWidget,
    services: Services,
    conflict: ConcurrentEditError,
    *,
    save_mine: Callable[[Any, Resolution], T],
    reload: Callable[[Any], None],
    merge: Callable[[Any, list[str]], Callable[[Any, Resolution], T]] | None = None,
) -> T | None:
    """The saved result, or None when nothing was saved (theirs kept and shown, or cancelled).

    The callbacks are given ``conflict.current``, their version of the record: of the type the
    page's own service returns (a ``PlanView``, a ``BudgetView``, ...), hence ``Any`` here."""
    while True:
        dialog = EditConflictDialog(conflict, by_field=merge is not None, parent=parent)
        dialog.exec()
        current = conflict.current
        if dialog.choice is None:
            return None
        if dialog.choice == KEEP_THEIRS:
            if conflict.table:
                services.changes.record_kept_theirs(conflict)
            reload(current)
            return None
        mine = [f.field for f in conflict.fields]
        save, outcome = save_mine, SAVED_MINE
        if dialog.choice == BY_FIELD and merge is not None:
            mine = [f for f, choice in dialog.field_choices.items() if choice == USE_MINE]
            theirs = [f for f, choice in dialog.field_choices.items() if choice == KEEP_THEIRS]
            save = merge(current, theirs)
            outcome = MERGED if theirs else SAVED_MINE
        try:
            return save(current, Resolution(outcome, conflict.current_version, tuple(mine)))
        except ConcurrentEditError as again:  # someone else again, meanwhile: ask again
            conflict = again
