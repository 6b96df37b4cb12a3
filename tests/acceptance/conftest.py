"""The acceptance walk's set-up: the real app from the real composition root, on a temporary caseload.

Nothing of the app's own code is replaced here. Only what the operating system provides is faked:
the keyring (an in-memory keyring backend, installed through keyring's own API).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from tests.acceptance.driver import Dialogs

# The walk saves a screenshot of every step page here (the README names this folder).
SCREENSHOTS_ENV = "PERSONALBUDGET_ACCEPTANCE_SCREENSHOTS"
DEFAULT_SCREENSHOTS = Path(__file__).resolve().parents[2] / "acceptance-screenshots"


class MemoryKeyring(KeyringBackend):
    """The OS keyring, as a headless machine does not have one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def os_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    fake = MemoryKeyring()
    keyring.set_keyring(fake)
    yield fake
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def _qsettings_in_tmp(tmp_path: Path) -> None:
    """Qt's own settings (the file dialog's history) go to tmp_path, never the user's real ones."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def _no_app_left_running() -> Iterator[None]:
    """An app a test left open (it failed before closing it) is closed after it, so the next test
    starts with none: File > Open team caseload replaces the app in ``ui.app.CURRENT``."""
    yield
    from ui import app as app_module

    for running in list(app_module.CURRENT):
        running.window.close()
        running.shut_down()


@pytest.fixture
def dialogs(qapp: QApplication) -> Iterator[Dialogs]:
    script = Dialogs()
    yield script
    script.stop()
    assert not script.problems, "\n".join(script.problems)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or DEFAULT_SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(widget: QWidget, folder: Path, name: str) -> Path:
    out = folder / f"{name}.png"
    assert widget.grab().save(str(out)), f"could not save {out}"
    return out
