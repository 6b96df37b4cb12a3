"""What the person's workspace asks of every step's page (ui/steps/person_workspace_widget.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import QTableView, QWidget

from personalbudget.domain.roles import Permission


@dataclass
class PersonView:
    """What a step's page shows in the person's view (co-production mode, ``ui/coproduction.py``),
    declared by the page itself, by its widgets rather than their wording or place.

    ``staff_only``: each widget hidden in the person's view, with the permission that would let the
    person use it anyway (``None``: staff only, whatever the role rules allow). ``staff_tabs``: the
    pages of a tab widget whose tabs are hidden. ``staff_columns``: (table, column) pairs hidden.
    ``words``: (widget, plain wording, untranslated) put on a label, button, group box or text box
    (its placeholder). ``tab_words``: (a tab's page, plain wording) put on its tab.
    ``column_words``: (table, column, plain wording).
    ``anchor``: the widget before which the person's own parts of the page (the plain summary,
    one question or part at a time) are placed, in whatever layout or splitter holds it.
    ``label_words``: (a form's field, plain wording) put on the label of the field's row.
    ``on_switch``: the page's own changes as the view is switched on (True) or off (False), made
    before the page shows the person again (e.g. a drop-down's plain choices).
    ``person_only``: the page's own widgets made for the person's view (e.g. costed support one line
    at a time), shown only in it."""

    staff_only: list[tuple[QWidget, Permission | None]] = field(default_factory=list)
    staff_tabs: list[QWidget] = field(default_factory=list)
    staff_columns: list[tuple[QTableView, int]] = field(default_factory=list)
    tab_words: list[tuple[QWidget, str]] = field(default_factory=list)
    words: list[tuple[QWidget, str]] = field(default_factory=list)
    column_words: list[tuple[QTableView, int, str]] = field(default_factory=list)
    label_words: list[tuple[QWidget, str]] = field(default_factory=list)
    anchor: QWidget | None = None
    summary_anchor: QWidget | None = None  # where the plain summary goes, when not by ``anchor``
    on_switch: list[Callable[[bool], None]] = field(default_factory=list)
    person_only: list[QWidget] = field(default_factory=list)

    def staff(self, *widgets: QWidget, permission: Permission | None = None) -> PersonView:
        self.staff_only += [(w, permission) for w in widgets]
        return self

    def say(self, widget: QWidget, plain: str) -> PersonView:
        self.words.append((widget, plain))
        return self


@runtime_checkable
class StepPage(Protocol):
    """A step's page: a widget that shows one person's step when it is first shown for them.

    The workspace calls ``show_person`` the first time the page is shown for the open person;
    the page refreshes itself from ``AppSignals`` after that. Every page in the workspace's
    ``STEP_PAGES`` is one (``tests/ui/test_person_workspace.py`` checks).
    """

    def show_person(self, person_id: int) -> None: ...

    def person_view(self) -> PersonView:
        """Which of the page's parts are staff-only and their plain words (see ``PersonView``)."""
        ...
