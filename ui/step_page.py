"""What the person's workspace asks of every step's page (ui/person_workspace_widget.py)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class StepPage(Protocol):
    """A step's page: a widget that shows one person's step when it is first shown for them.

    The workspace calls ``show_person`` the first time the page is shown for the open person;
    the page refreshes itself from ``AppSignals`` after that. Every page in the workspace's
    ``STEP_PAGES`` is one (``tests/ui/test_person_workspace.py`` checks).
    """

    def show_person(self, person_id: int) -> None: ...
