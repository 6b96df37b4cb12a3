"""The composition root: the QApplication, the database, the services and the main window."""

from __future__ import annotations

import getpass
import linecache
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QSettings, Qt, QTranslator
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import personalbudget
from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Permission, Role, allowed
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, current_locale, set_language
from personalbudget.paths import data_dir, default_database_path, resources_dir
from personalbudget.services import Services, build_services
from personalbudget.services.caseload_file import (
    Database,
    DatabaseKeys,
    KeyringSecretStore,
    WrongKeyError,
    backup_due,
    backup_owed,
    classify,
    encrypt_database,
    make_backup,
    open_database,
    passphrase_from_environment,
    rotate,
    sign_in_users,
    start_backup_after_close,
    take_backup_problem,
)
from personalbudget.services.team_caseload import TeamSignIn, is_team_caseload
from personalbudget.services.user_service import SignedInUser, UserService
from ui import theme
from ui.accessibility import accessibility_filler_paused, install_accessibility_filler
from ui.app_signals import AppSignals
from ui.change_watch import ChangeWatcher, Refreshed
from ui.crash_log import CrashLog
from ui.dialogs.accounts_dialog import AccountsDialog, ChangePasswordDialog
from ui.dialogs.export_dialog import ExportDialog
from ui.dialogs.sign_in_dialog import InactivityLock, SignInDialog, sign_in
from ui.dialogs.team_caseload_dialog import TeamCaseloadDialog, remembered_ca_file
from ui.dialogs.unlock_dialogs import ask_passphrase, show_recovery_key
from ui.language_settings import restart_if_requested, startup_language
from ui.main_window import MainWindow
from ui.offline_actions import OfflineHooks, add_offline_actions
from ui.qt_translation import install_qt_translator
from ui.widgets.wheel_guard import install_wheel_guard
from ui.workers import BackgroundTask

NO_DEMO_PROMPT_ENV = "PERSONALBUDGET_NO_DEMO_PROMPT"
EXIT_DATABASE_ERROR = 2
USER_ENV = "PERSONALBUDGET_USER"
PASSWORD_ENV = "PERSONALBUDGET_PASSWORD"
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
    # Every window, from the first passphrase prompt on: the person's theme (high contrast or
    # normal, with a visible focus) and a name and description for every control.
    theme.apply_theme(app, theme.high_contrast_wanted(window_settings()))
    install_accessibility_filler(app)
    install_wheel_guard(app)  # the wheel scrolls the page; only a focused field takes it
    return app


def _install_qt_translations(app: QApplication) -> None:
    """The user's language (before any widget is made), and Qt's own dialogs (Yes/No, Cancel) in it too."""
    if app.property("personalbudgetTranslations"):
        return
    app.setProperty("personalbudgetTranslations", True)
    set_language(startup_language(window_settings()))
    locale = QLocale(current_locale())
    translator = QTranslator(app)
    if translator.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    # Installed last, so asked first: our catalogue (PySide6 has no Welsh qtbase), then qtbase.
    install_qt_translator(app)


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


def create_main_window(services: Services, signals: AppSignals) -> QMainWindow:
    """Build the main window over open services (also called directly by benchmarks).

    A role that may not see people's records (a strategic analyst) gets a window without them.
    """
    window: QMainWindow
    if not allowed(services.context.role, Permission.VIEW_PEOPLE):
        window = NoRecordsWindow(services.context.role, services)
    else:
        window = MainWindow(services, signals, window_settings())
    forget_module_sources()
    return window


def forget_module_sources() -> None:
    """Drop the source text of every module imported so far, kept for nothing.

    PySide6 reads the source of each module imported after it (``inspect.getsource``, to see whether
    the module asks for one of its ``__feature__`` options), and Python's ``linecache`` keeps every
    file's lines: 10-25 MB of text (more when the core is imported after Qt) that nothing reads
    again. A traceback reads the lines it shows afresh."""
    linecache.clearcache()


class NoRecordsWindow(QMainWindow):
    """What a role without access to records sees: an explanation, never a name."""

    def __init__(self, role: Role, services: Services | None = None):
        super().__init__()
        self._services = services
        self.setWindowTitle(personalbudget.APP_NAME)
        label = QLabel(
            _(
                "Signed in as {role}. People's records are not shown to this role: strategic teams work with "
                "the anonymised aggregate exports, which a practitioner or the strategic hub produces."
            ).format(role=role.label)
        )
        label.setWordWrap(True)
        label.setMargin(24)
        label.setAccessibleName(_("No records for this role"))
        self.export_button: QPushButton | None = None
        if services is not None and allowed(role, Permission.EXPORT_AGGREGATES):
            central = QWidget()
            layout = QVBoxLayout(central)
            layout.addWidget(label)
            self.export_button = QPushButton(_("Export anonymised aggregates…"))
            self.export_button.setAccessibleName(_("Export anonymised aggregates"))
            self.export_button.setAccessibleDescription(
                _("Preview and export the anonymised tables of this caseload")
            )
            self.export_button.clicked.connect(lambda: ExportDialog(services, self).open())
            layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
            layout.addStretch(1)
            self.setCentralWidget(central)
        else:
            self.setCentralWidget(label)
        self.resize(640, 240)


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
        if db.new_recovery_key:  # a new caseload, or one whose key was never acknowledged (a crash)
            show_recovery_key(db.new_recovery_key)
            db.acknowledge_recovery_key()
        return db
    return None


def sign_in_from_environment(users: UserService) -> SignedInUser | None:
    """Non-interactive sign-in (kiosk tests, benchmarks): PERSONALBUDGET_USER and PERSONALBUDGET_PASSWORD."""
    name, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if not (name and password) or not users.has_users():
        return None  # no accounts yet: the first one is set up in the dialog
    try:
        return users.sign_in(name, password)
    except PersonalBudgetError as problem:
        QMessageBox.warning(None, _("Cannot sign in"), str(problem))
        return None


def lock_until_signed_in(window: QWidget, users: UserService, user: SignedInUser) -> None:
    """Hide the caseload until the same person signs in again (quitting is the only other way out)."""
    content = window.centralWidget() if isinstance(window, MainWindow) else None
    if content is not None:
        content.setVisible(False)
    while True:
        dialog = SignInDialog(users, locked_user=user.username, parent=window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            break
        if QMessageBox.question(window, _("Quit PersonalBudget?"), _("Quit without unlocking?")) == (
            QMessageBox.StandardButton.Yes
        ):
            window.close()
            return
    if content is not None:
        content.setVisible(True)


def staff_signs_in(window: QWidget, users: UserService, user: SignedInUser) -> bool:
    """Leaving the person's view (co-production mode): the member of staff signed in enters their
    password again, so the person cannot open the full view (other people's records) on their own."""
    if not users.has_users():
        return True
    dialog = SignInDialog(users, locked_user=user.username, parent=window)
    dialog.setWindowTitle(_("Back to the full view: staff sign-in"))
    return dialog.exec() == QDialog.DialogCode.Accepted


def start_daily_backup(window: QWidget, db: Database, keep: int | None = None) -> BackgroundTask | None:
    """The first run of the day makes a checked backup, off the main thread; so does a start after a
    backup on closing that never finished."""
    if db.is_server:
        return None  # a team caseload's backups are the database administrator's (pg_dump)
    problem = take_backup_problem(db.path)
    if problem:  # said once the window is up, without holding up the start
        message = QMessageBox(
            QMessageBox.Icon.Warning, _("The backup on closing failed"), problem, parent=window
        )
        message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        message.open()
    if not (backup_due(db.path, datetime.now(UTC)) or backup_owed(db.path)):
        return None

    def backup(_progress):  # type: ignore[no-untyped-def]
        made = make_backup(db, "daily")
        if keep is not None:
            rotate(db.path, keep)
        return made

    task = BackgroundTask(backup, window)
    task.failed.connect(
        lambda problem: QMessageBox.warning(window, _("The daily backup failed"), str(problem))
    )
    task.start()
    return task


def backup_on_close(db: Database, keep: int) -> None:
    """Hand the backup on closing to a process of its own (the caseload must be closed already), so
    that closing is quick; a problem with it is shown at the next start."""
    if db.is_server:
        return  # a team caseload's backups are the database administrator's (pg_dump)
    try:
        start_backup_after_close(db, keep)
    except OSError as problem:  # not even started: the next start makes it (the backup is owed)
        QMessageBox.warning(None, _("The backup on closing failed"), str(problem))


@dataclass
class RunningApp:
    """The open app: what :func:`start_app` built, and how to close it cleanly."""

    app: QApplication
    db: Database
    users: UserService
    user: SignedInUser
    services: Services
    signals: AppSignals
    window: QMainWindow
    lock: InactivityLock
    daily_backup: BackgroundTask | None
    crash_log: CrashLog
    watcher: ChangeWatcher | None = None  # others' changes to the caseload (ui/change_watch.py)

    def shut_down(self) -> None:
        """After the event loop: the backup on close, then the database and the crash log closed."""
        CURRENT[:] = [running for running in CURRENT if running is not self]
        try:
            # Closing the last window and Quit can both ask to quit; a request left over would
            # end the next event loop at once (a test's, a benchmark's), so drop it.
            QCoreApplication.removePostedEvents(self.app, QEvent.Type.Quit)
            if self.watcher is not None:
                self.watcher.stop()
            if isinstance(self.window, MainWindow) and self.window.work_page is not None:
                self.window.work_page.stop_reading()  # (My work, if still being read: not needed now)
            self.lock.stop()
            self.lock.deleteLater()
            if self.daily_backup is not None:
                self.daily_backup.wait()
            for task in BackgroundTask.running_tasks():  # (My work being read, a poll): done first
                task.wait()
            # (A team caseload has no backup on close: nothing to read, so quitting works with the
            # server out of reach too.)
            keep = 0 if self.db.is_server else self.services.settings.security().backups_kept
        finally:
            self.db.close()
            self.crash_log.stop()
        backup_on_close(self.db, keep)  # after the caseload is closed: the copy has every change


def start_crash_log() -> CrashLog:
    """Log crashes Python cannot report into the data folder, and say so if the last run crashed."""
    crash_log = CrashLog(data_dir())
    crash_log.start()
    message = crash_log.message()
    if message:
        QMessageBox.warning(None, _("PersonalBudget stopped unexpectedly"), message)
    return crash_log


def start_app(database_path: Path | None, keys: DatabaseKeys | None = None) -> RunningApp | int:
    """Everything up to the main window on screen: the app, the caseload, sign-in, services, window.

    Returns the open app, or the exit code when it stops before the window (no database, no sign-in).
    """
    app = application()
    crash_log = start_crash_log()
    team = open_team_caseload(str(database_path)) if is_team_caseload(database_path) else None
    if team is not None and team.database is None:  # the person did not sign in to the server
        crash_log.stop()
        return 0
    if team is not None and team.database is not None:
        db: Database | None = team.database
    else:
        path = Path(database_path) if database_path is not None else default_database_path()
        db = open_caseload(path, keys or app_keys())
    if db is None:
        crash_log.stop()
        return EXIT_DATABASE_ERROR
    try:
        clock = SystemClock()
        if team is not None:  # signed in already: the server checked the password
            users, user = team, team.user
        else:
            users = sign_in_users(db, clock)
            user = sign_in_from_environment(users) or sign_in(users)
        if user is not None and user.must_change_password:  # after a reset: their own password first
            change = ChangePasswordDialog(users, user)
            user = change.signed_in if change.exec() == QDialog.DialogCode.Accepted else None
        if user is None:
            db.close()
            crash_log.stop()
            return 0  # the person chose not to sign in
        if db.closed_uncleanly:
            QMessageBox.information(
                None,
                _("PersonalBudget did not close properly last time"),
                _("The caseload has been checked and is sound; nothing that was saved is lost."),
            )
        services = build_services(db, clock, user.username, role=user.role)
        signals = AppSignals()
        with accessibility_filler_paused(app):  # the window's controls are named in one pass instead
            window = create_main_window(services, signals)
            if user.can_manage_users and isinstance(window, MainWindow):
                accounts = QAction(_("&Accounts…"), window)
                accounts.setStatusTip(_("See who can sign in, and add a colleague's account"))
                accounts.triggered.connect(lambda: AccountsDialog(users, user, window).exec())
                window.add_to_file_menu(accounts)
            if isinstance(window, MainWindow):
                window.coproduction_view.leave_check = lambda: staff_signs_in(window, users, user)
            if isinstance(window, MainWindow):
                add_team_caseload_action(window, lambda: open_team_caseload_from_menu(window))
                offline_hooks = OfflineHooks(
                    window_settings, app_keys, open_team_caseload, lambda path: replace_caseload(window, path)
                )
                add_offline_actions(window, services, signals, user, offline_hooks)  # (the window keeps them)
            window.show()
        security = services.settings.security()
        daily = start_daily_backup(window, db, security.backups_kept)
        lock = InactivityLock(security.lock_minutes, lambda: lock_until_signed_in(window, users, user))
        if os.environ.get(NO_DEMO_PROMPT_ENV) != "1" and allowed(user.role, Permission.BUILD_DEMO):
            window.schedule_demo_offer()
        watcher = watch_for_others(window, services, signals) if isinstance(window, MainWindow) else None
    except BaseException:
        db.close()
        crash_log.stop()
        raise
    running = RunningApp(app, db, users, user, services, signals, window, lock, daily, crash_log, watcher)
    CURRENT.append(running)
    return running


def watch_for_others(window: MainWindow, services: Services, signals: AppSignals) -> ChangeWatcher:
    """Poll for others' changes; show them in the caseload list and My work as they come."""
    work_page = window.work_page

    def show(refreshed: Refreshed) -> None:
        if refreshed.rows is not None:
            window.caseload.show_rows(refreshed.rows, stay=True)
            window.workspace.catch_up(refreshed.rows)  # the open person, if others moved them on
        if work_page is not None and refreshed.work is not None:
            work_page.show_queue(refreshed.work, stay=True)

    watcher = ChangeWatcher(services, signals, read_work=work_page is not None, apply=show, parent=window)
    watcher.start()
    return watcher


def team_ca_file() -> str:
    """The CA file remembered for team caseloads ("" for none: then the environment or libpq's default)."""
    return remembered_ca_file(window_settings())


def open_team_caseload(address: str) -> TeamSignIn:
    """Sign in to a team caseload (PERSONALBUDGET_USER/PASSWORD, or the sign-in dialog); its
    ``database`` is None if the person did not sign in."""
    team = TeamSignIn(address, SystemClock(), team_ca_file() or None)
    try:
        team.user = sign_in_from_environment(team) or sign_in(team)  # type: ignore[arg-type]
    except PersonalBudgetError as problem:  # the address itself is wrong
        QMessageBox.critical(None, _("Cannot open the team caseload"), str(problem))
        team.user = None
    if team.user is None and team.database is not None:
        team.database.close()
        team.database = None
    return team


def add_team_caseload_action(window: MainWindow, on_open: Callable[[], object]) -> QAction:
    action = QAction(_("Open &team caseload…"), window)
    action.setObjectName("openTeamCaseloadAction")
    action.setStatusTip(_("Open the caseload your team shares on the council's server"))
    action.triggered.connect(on_open)
    window.add_to_file_menu(action)
    return action


# The app as it runs now: File > Open team caseload… replaces it with the team caseload's.
CURRENT: list[RunningApp] = []


def open_team_caseload_from_menu(window: QWidget) -> RunningApp | None:
    """Ask for the address (remembered), sign in, and put the team caseload's window in place of this
    one. This caseload stays open until the new one is on screen; nothing on screen is lost on a refusal."""
    dialog = TeamCaseloadDialog(window_settings(), window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    address, _ca = dialog.chosen
    return replace_caseload(window, address)


def replace_caseload(window: QWidget, target: str | Path) -> RunningApp | None:
    """Open another caseload (a team caseload's address, a laptop caseload's file) and put its window
    in place of ``window``; on a refusal this one stays as it was."""
    opened = start_app(target)  # type: ignore[arg-type]  # (an address too)
    if not isinstance(opened, RunningApp):
        return None
    # The caseload whose window asked gives way (not any other app left in this process).
    for old in [r for r in CURRENT if r is not opened and r.window is window]:
        CURRENT.remove(old)
        old.window.close()
        old.shut_down()
    return opened


def run(database_path: Path | None, keys: DatabaseKeys | None = None) -> int:
    """Open the database and the main window, run until the window closes; return the exit code."""
    try:
        running = start_app(database_path, keys)
        if isinstance(running, int):
            return running
        try:
            return running.app.exec()
        finally:
            (CURRENT[-1] if CURRENT else running).shut_down()  # the team caseload opened from the menu
    finally:
        restart_if_requested()  # View > Language asked to start again in the new language


def run_then_end_process(database_path: Path | None) -> NoReturn:
    """``run``, then end the process at once (``main.py``: the app run as a program, never a test).

    When ``run`` returns, everything the person's work needs is done: the caseload is closed, the
    backup on closing runs in a process of its own, the window's settings are written (its
    ``save_settings`` syncs them) and the crash log is stopped. What is left is Python and Qt
    freeing every object one by one (1.3 s with a 50,000-person caseload list), which the person
    would wait on for nothing. So any worker still running is waited for, the logs and output are
    flushed, and the process ends."""
    code = run(database_path)
    for task in BackgroundTask.running_tasks():
        task.wait()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
