"""Offline visits in the main window (issue 22): the File menu's take offline, sync and holds, and
the workspace's "held offline" line. ``ui/app.py`` adds them to a window with ``add_offline_actions``.

On a **team caseload**:

* File > Take people offline…: ``TakeOfflineDialog`` (who, and the laptop caseload file), then
  ``offline_service.take_offline`` on a worker with a progress dialog whose Cancel leaves both sides
  unchanged; it ends saying how many went and how to open the laptop caseload (or opens it now).
* File > Offline holds…: ``OfflineHoldsDialog``; a manager of the team's accounts revokes a lost
  laptop's holds there.
* Above the open person's workspace: "Held offline by NAME on LAPTOP since TIME" while they are
  held; a change is refused by the service in those words (the pages show its message).

On a **laptop caseload** that holds people: File > Sync offline people… signs in to the team
caseload (the same address dialog and sign-in as File > Open team caseload), runs
``offline_service.sync`` on a worker, shows each person whose records changed on the server
meanwhile in ``SyncConflictDialog`` (keep mine or the server's, field by field), resolves and
syncs them again, and ends with what was sent. A server that cannot be reached is said in words;
the laptop keeps everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QVBoxLayout

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, ngettext
from personalbudget.services import Services, offline_service
from personalbudget.services.caseload_file import (
    DatabaseKeys,
    KeyringSecretStore,
    passphrase_from_environment,
)
from personalbudget.services.offline_service import Cancelled, SyncReport, TakeOfflineReport
from personalbudget.services.team_caseload import ServerConnectionError, TeamSignIn
from personalbudget.services.user_service import SignedInUser
from ui import theme
from ui.app_signals import AppSignals
from ui.change_cue_widget import announce
from ui.dialogs.offline_holds_dialog import OfflineHoldsDialog
from ui.dialogs.sync_conflict_dialog import SyncConflictDialog
from ui.dialogs.take_offline_dialog import TakeOfflineDialog
from ui.dialogs.team_caseload_dialog import TeamCaseloadDialog
from ui.dialogs.unlock_dialogs import ask_passphrase
from ui.main_window import MainWindow
from ui.workers import BackgroundTask, show_progress

LAPTOP_KEY = "offline/laptopCaseload"


@dataclass(frozen=True)
class OfflineHooks:
    """What the composition root gives: its settings, keys, sign-in to a team caseload, and
    putting another caseload's window in place of this one."""

    settings: Callable[[], QSettings]
    keys: Callable[[], DatabaseKeys]
    sign_in_to: Callable[[str], TeamSignIn]  # (ui.app.open_team_caseload: env or the sign-in dialog)
    open_caseload: Callable[[Path], object]


def worker_keys(path: Path, keys: Callable[[], DatabaseKeys]) -> DatabaseKeys | None:
    """The laptop caseload's keys for a worker thread. With a keyring, the app's own; without one,
    the passphrase is asked now, on the main thread (a dialog cannot open from the worker), and
    given to the worker. None when the person gives none."""
    store = KeyringSecretStore()
    if store.available():
        return keys()
    creating = not path.exists()
    passphrase = passphrase_from_environment(creating) or ask_passphrase(creating)
    if not passphrase:
        return None
    return DatabaseKeys(store, lambda _creating: passphrase)


def _plain_progress(progress: Callable[[int, int], bool]) -> Callable[[str, int, int], None]:
    """The service's progress (what, done, of) as the worker's (done, of); the cancel is asked apart."""

    def report(_what: str, done: int, of: int) -> None:
        progress(done, of)

    return report


class OfflineActions(QObject):
    def __init__(
        self,
        window: MainWindow,
        services: Services,
        signals: AppSignals,
        user: SignedInUser,
        hooks: OfflineHooks,
    ):
        super().__init__(window)
        self.setObjectName("offlineActions")  # (the window keeps it: window.findChild(OfflineActions))
        self._window = window
        self._services = services
        self._signals = signals
        self._user = user
        self._hooks = hooks
        self.last_task: BackgroundTask | None = None
        self.last_report: TakeOfflineReport | SyncReport | None = None
        self._db = services.context.db
        self.take_offline_action: QAction | None = None
        self.holds_action: QAction | None = None
        self.sync_action: QAction | None = None
        self.hold_label: QLabel | None = None
        self.laptop_label: QLabel | None = None  # (a laptop caseload taken from a team caseload)
        self._laptop_names: dict[int, str] = {}
        self._held_before: list[int] = []  # (the people held when the sync began)
        self._unsent: dict[str, int] = {}
        self._reachable = True  # (the team caseload's server, as the change watcher last found it)
        self._hold_read_for = 0  # (the person whose hold the line shows, as read)
        if self._db.is_server:
            self._add_team_actions()
        else:
            self._add_laptop_actions()

    # -- a team caseload -----------------------------------------------------------------------
    def _add_team_actions(self) -> None:
        window = self._window
        self.take_offline_action = QAction(_("Take people &offline…"), window)
        self.take_offline_action.setObjectName("takeOfflineAction")
        self.take_offline_action.setStatusTip(
            _("Copy people to this laptop's own caseload for visits without a network")
        )
        self.take_offline_action.triggered.connect(lambda _checked=False: self.take_offline())
        window.add_to_file_menu(self.take_offline_action)
        self.holds_action = QAction(_("Offline &holds…"), window)
        self.holds_action.setObjectName("offlineHoldsAction")
        self.holds_action.setStatusTip(
            _("See who has people offline on a laptop, and revoke a lost laptop's holds")
        )
        self.holds_action.triggered.connect(lambda _checked=False: self.show_holds())
        window.add_to_file_menu(self.holds_action)
        # "Held offline by ..." above the open person's workspace.
        self.hold_label = QLabel()
        self.hold_label.setObjectName("heldOfflineLabel")
        self.hold_label.setWordWrap(True)
        theme.tint(self.hold_label, "overdue", bold=True)
        self.hold_label.hide()
        layout = window.workspace.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, self.hold_label)
        # Read when a person is shown (inside the workspace's unit of work: the opening stays one
        # transaction), kept while they stay open, read again when the caseload changes.
        window.caseload.current_person_changed.connect(lambda _id: self.show_hold())
        window.workspace.step_shown.connect(lambda _step: self.show_hold())
        self._signals.caseload_changed.connect(lambda: self.show_hold(fresh=True))
        self._signals.others_changed.connect(lambda _n: self.show_hold(fresh=True))
        # While the change watcher cannot reach the server, no read for the line on the main
        # thread (each would wait for the connection's time-out); it is read again when back.
        self._signals.caseload_unreachable.connect(lambda _why: self._set_reachable(False))
        self._signals.caseload_reachable.connect(lambda: self._set_reachable(True))
        self.show_hold()

    def _set_reachable(self, reachable: bool) -> None:
        self._reachable = reachable
        if reachable:
            self.show_hold(fresh=True)

    def _names(self) -> dict[int, str]:
        try:
            return {row.person_id: row.name for row in self._services.people.list_caseload()}
        except PersonalBudgetError:
            return {}

    def show_hold(self, *, fresh: bool = False) -> str:
        """The open person's hold, in words above their workspace ("" when not held). Only that
        person's hold is read, and only when another person is shown or when ``fresh``."""
        if self.hold_label is None:
            return ""
        person_id = self._window.workspace.person_id()
        if not self._reachable:
            return self.hold_label.text()  # (as last read)
        if not person_id:
            text = ""
        elif not fresh and self._hold_read_for == person_id:
            text = self.hold_label.text()
        else:
            text = ""
            try:
                hold = offline_service.hold_of(self._db, person_id)
            except (PersonalBudgetError, OSError):
                hold = None  # (the server out of reach: the banner above the caseload says so)
                person_id = 0  # (read again next time)
            if hold is not None:
                text = _(
                    "Held offline by {holder} on {laptop} since {since}: read-only here until it is synced back."
                ).format(holder=hold.holder, laptop=hold.laptop, since=hold.since)
        self._hold_read_for = person_id
        if text != self.hold_label.text() or self.hold_label.isHidden() == bool(text):
            self.hold_label.setText(text)
            self.hold_label.setAccessibleName(text)
            self.hold_label.setVisible(bool(text))
            if text:
                announce(self.hold_label, text)
        return text

    def take_offline(self) -> BackgroundTask | None:
        """Ask who and where, then take them offline on a worker (progress, cancel)."""
        window = self._window
        try:
            rows = self._services.people.list_caseload()
            held = {
                h.person_id: _("held offline by {holder} on {laptop}").format(
                    holder=h.holder, laptop=h.laptop
                )
                for h in offline_service.holds(self._db)
            }
        except PersonalBudgetError as problem:
            QMessageBox.warning(window, _("Cannot take people offline"), str(problem))
            return None
        settings = self._hooks.settings()
        remembered = str(settings.value(LAPTOP_KEY, "") or "")
        dialog = TakeOfflineDialog(
            rows,
            held,
            self._services.context.clock.today(),
            window,
            laptop_path=Path(remembered) if remembered else None,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        people, path = dialog.people(), dialog.laptop_path()
        settings.setValue(LAPTOP_KEY, str(path))
        settings.sync()
        keys = worker_keys(path, self._hooks.keys)
        if keys is None:
            return None  # no passphrase for a laptop without a keyring: nothing taken
        server = self._db
        task: BackgroundTask

        def job(progress: Callable[[int, int], bool]) -> TakeOfflineReport:
            return offline_service.take_offline(
                server, path, keys, people, progress=_plain_progress(progress), cancelled=task.is_cancelled
            )

        task = BackgroundTask(job, window)
        task.succeeded.connect(self._taken)
        task.failed.connect(lambda problem: self._take_failed(problem, path))
        task.cancelled.connect(lambda: self._take_failed(Cancelled(), path))
        self.last_task = task
        show_progress(
            task,
            window,
            _("Taking people offline"),
            ngettext("Copying {n} person to {file}…", "Copying {n} people to {file}…", len(people)).format(
                n=len(people), file=path.name
            ),
        )
        task.start()
        return task

    def _taken(self, report: object) -> None:
        assert isinstance(report, TakeOfflineReport)
        self.last_report = report
        self._signals.caseload_changed.emit()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("People taken offline"),
            ngettext(
                "Took {n} person offline to {file}.",
                "Took {n} people offline to {file}.",
                len(report.people),
            ).format(n=len(report.people), file=report.laptop.name),
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        box.setObjectName("takenOfflineBox")
        box.setInformativeText(
            _(
                "Their records are read-only on the team caseload until you sync them back. To work on them "
                "without a network, open the laptop caseload: choose Open it now, or start PersonalBudget "
                'with it later (personalbudget --db "{path}"). Back in signal, open it and choose File > '
                "Sync offline people…"
            ).format(path=report.laptop)
        )
        open_now = box.addButton(_("&Open it now"), QMessageBox.ButtonRole.AcceptRole)
        open_now.setAccessibleName(_("Open the laptop caseload now, in place of the team caseload"))
        later = box.addButton(_("&Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(later)
        box.setEscapeButton(later)
        box.exec()
        if box.clickedButton() is open_now:
            self._hooks.open_caseload(report.laptop)

    def _take_failed(self, problem: object, path: Path) -> None:
        if isinstance(problem, Cancelled):
            text = _("Cancelled: nobody was taken offline, and nothing changed here or in {file}.").format(
                file=path.name
            )
            self._signals.status_message.emit(text)
            QMessageBox.information(self._window, _("Taking people offline was cancelled"), text)
            return
        QMessageBox.warning(
            self._window,
            _("Nobody was taken offline"),
            str(problem) if isinstance(problem, PersonalBudgetError | OSError) else repr(problem),
        )

    def show_holds(self) -> OfflineHoldsDialog | None:
        window = self._window

        def revoke_laptop(laptop: str) -> int:
            count = offline_service.revoke_laptop_holds(self._db, laptop)
            self._signals.caseload_changed.emit()
            return count

        revoke = revoke_laptop if self._user.can_manage_users else None
        try:
            dialog = OfflineHoldsDialog(
                lambda: offline_service.holds(self._db), self._names(), window, revoke=revoke
            )
        except PersonalBudgetError as problem:
            QMessageBox.warning(window, _("Cannot show the offline holds"), str(problem))
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- a laptop caseload -------------------------------------------------------------------------
    def _add_laptop_actions(self) -> None:
        self.sync_action = QAction(_("S&ync offline people…"), self._window)
        self.sync_action.setObjectName("syncOfflineAction")
        self.sync_action.setStatusTip(
            _("Send the changes to the people taken offline back to the team caseload")
        )
        self.sync_action.triggered.connect(lambda _checked=False: self.sync())
        self._window.add_to_file_menu(self.sync_action)
        self._update_sync_action()

    def _update_sync_action(self) -> None:
        """Sync is offered while the laptop caseload holds people; the status bar says whose and from where."""
        if self.sync_action is None:
            return
        try:
            held = offline_service.laptop_caseload(self._db)
        except PersonalBudgetError:
            held = None
        count = len(held.holds) if held is not None else 0
        self.sync_action.setEnabled(count > 0)
        self.sync_action.setVisible(count > 0 or (held is not None and held.server is not None))
        if held is None or held.server is None:
            return
        if self.laptop_label is None:
            self.laptop_label = QLabel()
            self.laptop_label.setObjectName("laptopCaseloadLabel")
            self._window.statusBar().addPermanentWidget(self.laptop_label)
        text = (
            ngettext(
                "Offline: {n} person taken from {server}; sync with File > Sync offline people…",
                "Offline: {n} people taken from {server}; sync with File > Sync offline people…",
                count,
            ).format(n=count, server=held.server)
            if count
            else _("Every person taken from {server} is synced back.").format(server=held.server)
        )
        self.laptop_label.setText(text)
        self.laptop_label.setAccessibleName(text)

    def sync(self) -> BackgroundTask | None:
        """Sign in to the team caseload, then sync on a worker."""
        window = self._window
        dialog = TeamCaseloadDialog(self._hooks.settings(), window)
        dialog.setWindowTitle(_("Sync offline people: the team caseload"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        address, _ca = dialog.chosen
        team = self._hooks.sign_in_to(address)
        if team.database is None:
            QMessageBox.information(
                window,
                _("Nothing was synced"),
                _(
                    "The team caseload was not opened, so nothing was sent. Everything stays on this laptop; "
                    "sync again when you can reach it."
                ),
            )
            return None
        self._laptop_names = self._names()
        self._held_before = [h.person_id for h in offline_service.laptop_caseload(self._db).holds]
        self._unsent = {}
        self._sync_round(team, None, [])
        return self.last_task

    def _sync_round(self, team: TeamSignIn, people: list[int] | None, applied: list[int]) -> None:
        laptop, server = self._db, team.database
        assert server is not None
        task: BackgroundTask

        def job(progress: Callable[[int, int], bool]) -> SyncReport:
            return offline_service.sync(
                laptop, server, people=people, progress=_plain_progress(progress), cancelled=task.is_cancelled
            )

        task = BackgroundTask(job, self._window)
        task.succeeded.connect(lambda report: self._synced(team, report, applied))
        task.failed.connect(lambda problem: self._sync_failed(team, problem, applied))
        task.cancelled.connect(lambda: self._sync_failed(team, Cancelled(), applied))
        self.last_task = task
        show_progress(
            task, self._window, _("Syncing offline people"), _("Sending the changes to the team caseload…")
        )
        task.start()

    def _person_name(self, person_id: int) -> str:
        if person_id in self._laptop_names:  # (read before the sync: a synced person leaves the laptop)
            return self._laptop_names[person_id]
        try:
            return self._services.people.get_person(person_id).name
        except PersonalBudgetError:
            return _("Person {id}").format(id=person_id)

    def _synced(self, team: TeamSignIn, report: object, applied: list[int]) -> None:
        assert isinstance(report, SyncReport)
        self.last_report = report
        self._unsent = dict(report.unsent)
        applied = applied + report.applied
        self._forget(report.applied)
        settled: list[int] = []
        for person in report.with_conflicts:
            dialog = SyncConflictDialog(
                self._person_name(person.person_id), report.conflicts_of(person.person_id), self._window
            )
            if dialog.exec() != QDialog.DialogCode.Accepted:
                continue
            try:
                offline_service.resolve(self._db, person, dialog.choices())
            except PersonalBudgetError as problem:
                QMessageBox.warning(self._window, _("Not settled"), str(problem))
                continue
            settled.append(person.person_id)
        if settled:  # the server may have changed again meanwhile: sync them again (and ask again)
            self._sync_round(team, settled, applied)
            return
        self._finish(team, applied, [p.person_id for p in report.with_conflicts])

    def _forget(self, synced: list[int]) -> None:
        """Synced people are no longer on this laptop: out of the workspace and the list."""
        if self._window.workspace.person_id() in synced:
            self._window.workspace.clear()
        if synced:
            self._signals.caseload_changed.emit()

    def _finish(self, team: TeamSignIn, applied: list[int], waiting: list[int], problem: str = "") -> None:
        if team.database is not None:
            team.database.close()
            team.database = None
        self._update_sync_action()
        text = ngettext(
            "Synced {n} person to the team caseload.", "Synced {n} people to the team caseload.", len(applied)
        ).format(n=len(applied))
        if applied:
            text += " " + ", ".join(sorted(self._person_name(p) for p in applied)) + "."
        details = []
        if problem:
            details.append(problem)
        if self._unsent:
            details.append(
                _("Not sent (kept on this laptop): {what}. Make these changes on the team caseload.").format(
                    what=", ".join(f"{table} ({count})" for table, count in sorted(self._unsent.items()))
                )
            )
        if waiting:
            details.append(
                ngettext(
                    "{n} person still differs from the team caseload and stays on this laptop, with nothing of "
                    "theirs sent: {names}. Sync again to settle them.",
                    "{n} people still differ from the team caseload and stay on this laptop, with nothing of "
                    "theirs sent: {names}. Sync again to settle them.",
                    len(waiting),
                ).format(n=len(waiting), names=", ".join(self._person_name(p) for p in waiting))
            )
        box = QMessageBox(
            QMessageBox.Icon.Warning if problem or waiting else QMessageBox.Icon.Information,
            _("Sync finished") if not problem else _("Sync stopped"),
            text,
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setObjectName("syncResultBox")
        if details:
            box.setInformativeText("\n\n".join(details))
        self._signals.status_message.emit(text)
        box.exec()

    def _sync_failed(self, team: TeamSignIn, problem: object, applied: list[int]) -> None:
        if isinstance(problem, Cancelled):
            words = _("Cancelled. The people not yet synced stay on this laptop; nothing of theirs was sent.")
        elif isinstance(problem, ServerConnectionError):
            words = _(
                "The team caseload's server cannot be reached ({problem}). Nothing is lost: the people not "
                "yet synced stay on this laptop with every change. Sync again when you have a connection."
            ).format(problem=problem)
        elif isinstance(problem, PersonalBudgetError | OSError):
            words = _("{problem} Everyone not yet synced stays on this laptop.").format(problem=problem)
        else:
            words = _("The sync stopped ({problem}). The people not yet synced stay on this laptop.").format(
                problem=repr(problem)
            )
        # A sync stopped part-way keeps the people it sent before stopping sent (one server
        # transaction each): they have left the laptop, so the list and the workspace follow.
        try:
            still = {h.person_id for h in offline_service.laptop_caseload(self._db).holds}
        except PersonalBudgetError:
            still = None
        gone = [p for p in self._held_before if still is not None and p not in still and p not in applied]
        self._forget(gone)
        self._finish(team, applied + gone, [], words)


def add_offline_actions(
    window: MainWindow, services: Services, signals: AppSignals, user: SignedInUser, hooks: OfflineHooks
) -> OfflineActions:
    return OfflineActions(window, services, signals, user, hooks)
