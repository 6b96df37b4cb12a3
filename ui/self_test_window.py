"""The desktop part of ``personalbudget --self-test``: the QApplication and the main window.

Called by ``personalbudget.self_test`` (through ``main.py``) on the self-test's temporary
database. The window is made off screen unless ``QT_QPA_PLATFORM`` says otherwise, so the
test can run on a build server or over a silent install; the platform plugin for this
operating system must still be shipped, and the app icon must load.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QLibraryInfo, QTimer, qVersion

from personalbudget.services import Services
from ui.app import application, create_main_window
from ui.app_signals import AppSignals

# The Qt platform plugin a real window needs on each operating system (file name stem).
NATIVE_PLATFORM_PLUGINS = {"win32": "qwindows", "darwin": "libqcocoa"}
DEFAULT_PLATFORM_PLUGIN = "libqxcb"  # Linux and other Unixes


class WindowCheckError(Exception):
    """The app or its main window is not as it should be."""


def check_main_window(services: Services) -> dict[str, Any]:
    """Make the application and the main window, let it paint once, and report what was found."""
    if not os.environ.get("QT_QPA_PLATFORM"):  # before the QApplication exists
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    app = application()
    app_ms = _ms(started)
    window = create_main_window(services, AppSignals())
    window.show()
    loop = QEventLoop()  # not app.exec(): quitting the app would close the window
    QTimer.singleShot(0, loop.quit)  # once the event loop has shown and painted the window
    loop.exec()
    shown_ms = _ms(started)
    try:
        if not window.isVisible() or not window.windowTitle():
            raise WindowCheckError("the main window was not shown")
        if app.windowIcon().isNull():
            raise WindowCheckError("the app icon did not load")
        plugins = _platform_plugins()
        native = NATIVE_PLATFORM_PLUGINS.get(sys.platform, DEFAULT_PLATFORM_PLUGIN)
        if not any(name.startswith(native) for name in plugins):
            raise WindowCheckError(f"the {native} platform plugin is not shipped (found {plugins})")
        translations = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
        return {
            "qt": qVersion(),
            "pyside6": PySide6.__version__,
            "platform": app.platformName(),
            "platform_plugins": plugins,
            "qt_translations": len(list(translations.glob("qtbase_*.qm"))),
            "window_title": window.windowTitle(),
            "timings_ms": {"application": app_ms, "main_window_shown": shown_ms},
        }
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _platform_plugins() -> list[str]:
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
