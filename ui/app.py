"""The composition root: the QApplication, the database, the services and the main window."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

import personalbudget
from personalbudget.clock import SystemClock
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, current_locale
from personalbudget.paths import data_dir, default_database_path, resources_dir
from personalbudget.services import Services, build_services
from personalbudget.storage.database import Database, classify, encrypt_database, open_database
from personalbudget.storage.keys import (
    DatabaseKeys,
    KeyringSecretStore,
    WrongKeyError,
    passphrase_from_environment,
)
from ui.app_signals import AppSignals
from ui.main_window import MainWindow
from ui.unlock_dialogs import ask_passphrase, show_recovery_key

NO_DEMO_PROMPT_ENV = "PERSONALBUDGET_NO_DEMO_PROMPT"
EXIT_DATABASE_ERROR = 2
PASSPHRASE_ATTEMPTS = 3


def application() -> QApplication:
    """The QApplication (made once), named so that QSettings has somewhere to live."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(personalbudget.APP_NAME)
    app.setOrganizationName(personalbudget.APP_NAME)
    app.setApplicationDisplayName(personalbudget.APP_NAME)
    app.setApplicationVersion(personalbudget.__version__)
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "personalbudget-256.png")))
    _install_qt_translations(app)
    return app


def _install_qt_translations(app: QApplication) -> None:
    """Qt's own dialogs (Yes/No, Cancel) in the same language as ours."""
    if app.property("personalbudgetTranslations"):
        return
    app.setProperty("personalbudgetTranslations", True)
    locale = QLocale(current_locale())
    translator = QTranslator(app)
    if translator.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)


def current_user() -> str:
    """Who is using the app: every change is recorded against this name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        return "unknown"


def window_settings() -> QSettings:
    """Window layout and other per-user preferences, kept in the data folder (so
    ``PERSONALBUDGET_HOME`` moves them too)."""
    return QSettings(str(data_dir() / "window-settings.ini"), QSettings.Format.IniFormat)


def create_main_window(services: Services, signals: AppSignals) -> MainWindow:
    """Build the main window over open services (also called directly by benchmarks)."""
    return MainWindow(services, signals, window_settings())


def app_keys() -> DatabaseKeys:
    """The OS keyring where there is one; otherwise a passphrase (from the environment, or asked for)."""

    def passphrase(creating: bool) -> str | None:
        return passphrase_from_environment(creating) or ask_passphrase(creating)

    return DatabaseKeys(KeyringSecretStore(), passphrase)


def open_caseload(path: Path, keys: DatabaseKeys) -> Database | None:
    """Open the caseload, offering to encrypt a plain one and letting a mistyped passphrase be tried again."""
    try:
        if classify(path) == "plain":
            answer = QMessageBox.question(
                None,
                _("Encrypt this caseload?"),
                _(
                    "{file} is not encrypted, so anyone with the laptop could read it. Encrypt it now? "
                    "(Recommended. A recovery key is shown next.)"
                ).format(file=path.name),
            )
            if answer == QMessageBox.StandardButton.Yes:
                show_recovery_key(encrypt_database(path, keys))
    except (PersonalBudgetError, OSError) as problem:
        QMessageBox.critical(None, _("Cannot open the database"), str(problem))
        return None
    for attempt in range(1, PASSPHRASE_ATTEMPTS + 1):
        try:
            db = open_database(path, keys)
        except WrongKeyError as problem:
            if attempt == PASSPHRASE_ATTEMPTS:
                QMessageBox.critical(None, _("Cannot open the database"), str(problem))
                return None
            QMessageBox.warning(None, _("Wrong passphrase"), str(problem))
            continue
        except (PersonalBudgetError, OSError) as problem:  # not ours, damaged, too new, no key, unreadable
            QMessageBox.critical(None, _("Cannot open the database"), str(problem))
            return None
        if db.new_recovery_key:
            show_recovery_key(db.new_recovery_key)
        return db
    return None


def run(database_path: Path | None, keys: DatabaseKeys | None = None) -> int:
    """Open the database and the main window; return the exit code."""
    app = application()
    path = Path(database_path) if database_path is not None else default_database_path()
    db = open_caseload(path, keys or app_keys())
    if db is None:
        return EXIT_DATABASE_ERROR
    try:
        services = build_services(db, SystemClock(), current_user())
        signals = AppSignals()
        window = create_main_window(services, signals)
        window.show()
        if os.environ.get(NO_DEMO_PROMPT_ENV) != "1":
            window.schedule_demo_offer()
        code = app.exec()
        # Closing the last window and Quit can both ask to quit; a request left over would
        # end the next event loop at once (a test's, a benchmark's), so drop it.
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
        return code
    finally:
        db.close()
