"""The language the app speaks: a per-user preference (never in the shared caseload), chosen in
View > Language and applied when the app starts.

Which language, first match wins: PERSONALBUDGET_LANGUAGE (tests, a kiosk, ``--language``), the
language saved in the user's settings, the system's language (Welsh gives Welsh, anything else
English).
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, QLocale, QProcess, QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from personalbudget.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_ENV,
    LANGUAGE_NAMES,
    SUPPORTED_LOCALES,
    _,
    current_locale,
    supported_locale,
)

LANGUAGE_KEY = "general/language"
RESTART_PROPERTY = "personalbudgetRestart"

# Said in both languages on purpose, so whoever chose by mistake can read it: not for translation.
_WILL_BE_IN = {
    "en_GB": (
        "PersonalBudget will be in English the next time it starts.",
        "Bydd PersonalBudget yn Saesneg y tro nesaf y bydd yn cychwyn.",
    ),
    "cy_GB": (
        "PersonalBudget will be in Welsh (Cymraeg) the next time it starts.",
        "Bydd PersonalBudget yn Gymraeg y tro nesaf y bydd yn cychwyn.",
    ),
}
_RESTART_QUESTION = (
    "Restart it now? You will be asked to sign in again.",
    "Ailgychwyn nawr? Bydd angen i chi fewngofnodi eto.",
)
_TITLE = "Language / Iaith"
_RESTART = "Restart now / Ailgychwyn nawr"
_LATER = "Later / Wedyn"


def system_language() -> str:
    """Welsh if the system's language is Welsh, otherwise English."""
    return "cy_GB" if QLocale.system().language() == QLocale.Language.Welsh else DEFAULT_LOCALE


def saved_language(settings: QSettings) -> str | None:
    value = settings.value(LANGUAGE_KEY, "")
    return supported_locale(value if isinstance(value, str) else None)


def startup_language(settings: QSettings) -> str:
    return supported_locale(os.environ.get(LANGUAGE_ENV)) or saved_language(settings) or system_language()


def language_menu(parent: QWidget, settings: QSettings) -> QMenu:
    """View > Language: each language named in itself, the one in use ticked."""
    menu = QMenu(_("&Language"), parent)
    menu.setObjectName("languageMenu")
    group = QActionGroup(menu)
    group.setExclusive(True)
    for locale in SUPPORTED_LOCALES:
        action = QAction(LANGUAGE_NAMES[locale], menu)
        action.setCheckable(True)
        action.setChecked(locale == current_locale())
        action.setData(locale)
        action.setStatusTip(_("Show PersonalBudget in {language}").format(language=LANGUAGE_NAMES[locale]))
        action.triggered.connect(lambda _checked=False, loc=locale: choose_language(parent, settings, loc))
        group.addAction(action)
        menu.addAction(action)
    return menu


def choose_language(parent: QWidget, settings: QSettings, locale: str) -> bool:
    """Save the choice, say in both languages that it applies from the next start, and offer to
    restart now. True if a restart was asked for."""
    previous = saved_language(settings) or current_locale()
    settings.setValue(LANGUAGE_KEY, locale)
    settings.sync()
    if locale == previous and locale == current_locale():
        return False
    english, welsh = _WILL_BE_IN[locale]
    box = QMessageBox(QMessageBox.Icon.Information, _TITLE, "", QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("languageChangedBox")
    box.setText(f"{english}\n{_RESTART_QUESTION[0]}\n\n{welsh}\n{_RESTART_QUESTION[1]}")
    restart = box.addButton(_RESTART, QMessageBox.ButtonRole.AcceptRole)
    later = box.addButton(_LATER, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(later)
    box.exec()
    if box.clickedButton() is not restart:
        return False
    request_restart()
    if parent is not None:
        parent.window().close()
    return True


def request_restart() -> None:
    """Ask ``ui.app.run`` to start the app again once this one has closed its caseload."""
    app = QCoreApplication.instance()
    if app is not None:
        app.setProperty(RESTART_PROPERTY, True)


def restart_if_requested() -> bool:
    """Start a new copy of the app (same arguments) if a restart was asked for."""
    app = QCoreApplication.instance()
    if app is None or not app.property(RESTART_PROPERTY):
        return False
    app.setProperty(RESTART_PROPERTY, False)
    if getattr(sys, "frozen", False):  # an installed bundle: the executable is the app
        program, arguments = sys.executable, sys.argv[1:]
    else:  # python main.py / python -m personalbudget / the personalbudget script
        program, arguments = sys.executable, list(sys.orig_argv[1:])
    started, _pid = QProcess.startDetached(program, arguments)
    return bool(started)
