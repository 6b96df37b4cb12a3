"""UI fixtures: settings in tmp_path, no real message boxes, a main window on real services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import PersonForm, RepresentativeForm
from personalbudget.services import Services
from personalbudget.services.dto import PersonDetails
from personalbudget.storage.models import PlanCycle
from ui import theme
from ui.accessibility import install_accessibility_filler
from ui.app_signals import AppSignals
from ui.main_window import MainWindow
from ui.widgets.wheel_guard import install_wheel_guard

MILESTONES = (
    "budget_agreed_at",
    "plan_submitted_at",
    "plan_agreed_at",
    "management_recorded_at",
    "support_arranged_at",
)


@dataclass
class MessageBoxes:
    """Every message box a test caused, instead of a window waiting for a click."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.No

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.calls if kind is None or k == kind]


@pytest.fixture(autouse=True, scope="session")
def _app_wide_helpers(qapp) -> None:
    """What ``ui.app.application`` installs on the application before any window, so a dialog
    tested on its own behaves as in the app whichever test ran first: the theme (its stylesheet
    also decides the order of a button box's buttons), a name for every control and no Tab trap in
    a table (the accessibility filler), and the wheel guard."""
    theme.apply_theme(qapp, high_contrast=False)
    install_accessibility_filler(qapp)
    install_wheel_guard(qapp)


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    boxes = MessageBoxes()

    def recorder(kind: str):
        def show(_parent, title, text, *args, **kwargs):
            boxes.calls.append((kind, title, text))
            return boxes.answer if kind == "question" else QMessageBox.StandardButton.Ok

        return show

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(recorder(kind)))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(recorder("about")))
    return boxes


@pytest.fixture(autouse=True)
def _in_memory_keyring(keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ui.app.run`` keeps database keys in the in-memory keyring, never asking for a passphrase."""
    monkeypatch.setattr("ui.app.app_keys", lambda: keys)


@pytest.fixture(autouse=True)
def signed_in(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``ui.app.run`` signs in as a practitioner (setting the account up the first time) without a dialog."""
    from personalbudget.domain.roles import Role

    names: list[str] = []

    def auto(users):
        if not users.has_users():
            users.create_user("test.practitioner", "Test Practitioner", "password123", Role.PRACTITIONER)
        names.append("test.practitioner")
        return users.sign_in("test.practitioner", "password123")

    monkeypatch.setattr("ui.app.sign_in", auto)
    return names


@pytest.fixture(autouse=True)
def recovery_keys_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Recovery keys the app showed (instead of a dialog waiting for a click)."""
    shown: list[str] = []
    monkeypatch.setattr("ui.app.show_recovery_key", shown.append)
    return shown


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path: Path) -> Iterator[Path]:
    """QSettings() anywhere in a test writes to tmp_path, never to the user's real settings."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield folder


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def signals() -> AppSignals:
    return AppSignals()


@pytest.fixture
def window(qtbot, services: Services, signals: AppSignals, settings: QSettings) -> MainWindow:
    main = MainWindow(services, signals, settings)
    qtbot.addWidget(main)
    return main


def add_person(
    services: Services,
    name: str,
    *,
    born: date = date(1950, 7, 4),
    nhs: str = "",
    locality: str = "Millbrook",
    reason: str = "Physical Support: Personal care support",
    carers: tuple[RepresentativeForm, ...] = (),
) -> PersonDetails:
    return services.people.add_person(
        PersonForm(
            name=name,
            date_of_birth=born,
            locality=locality,
            primary_support_reason=reason,
            nhs_number=nhs,
            representatives=list(carers),
        )
    )


def set_cycle(
    services: Services, person_id: int, *, milestones: int = 0, next_review: date | None = None
) -> None:
    """Mark the first ``milestones`` step milestones as done (what later step pages will do)."""
    with services.context.db.session() as session:
        cycle = session.exec(
            select(PlanCycle).where(PlanCycle.person_id == person_id, PlanCycle.status == "open")
        ).one()
        for name in MILESTONES[:milestones]:
            setattr(cycle, name, services.context.clock.now())
        if next_review is not None:
            cycle.next_review_due = next_review
        session.add(cycle)


def walk_to(services: Services, person_id: int, step: Step) -> None:
    set_cycle(services, person_id, milestones=len(MILESTONES))
    while services.lifecycle.get_cycle(person_id).current_step < step:
        services.lifecycle.advance(person_id)
