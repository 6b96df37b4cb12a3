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
the laptop keeps everything. While it holds people, the window tries the server now and then
(ui/reconnect_watch.py, off the UI thread); when it answers again, a bar above the work asks once
whether to sync (Sync now: the same sync; Not now: asked again at the next reconnect), never over
a dialog waiting for an answer nor during a sync. The dialogs are imported when first used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

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
from ui.main_window import MainWindow
from ui.reconnect_watch import CHECK_MS, INTERVAL_KEY, ReconnectWatcher, server_endpoint, tcp_probe
from ui.workers import BackgroundTask, show_progress

if TYPE_CHECKING:  # (the dialogs are imported when first used: not at start-up)
    from ui.dialogs.offline_holds_dialog import OfflineHoldsDialog

LAPTOP_KEY = "offline/laptopCaseload"
ASK_AGAIN_MS = 1_000  # a question held back (a dialog open, a sync running) is tried again this often


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
    from ui.dialogs.unlock_dialogs import ask_passphrase

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
        self._syncing = False  # (from the address dialog to the sync's last message)
        self.reconnect_watcher: ReconnectWatcher | None = None  # (a laptop caseload taken from a server)
        self.reconnect_bar: QFrame | None = None  # "The team caseload is reachable again…"
        self.reconnect_label: QLabel | None = None
        self._question_due = False  # (reconnected; asked once the window is free for it)
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
        from ui.dialogs.take_offline_dialog import TakeOfflineDialog

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
        from ui.dialogs.offline_holds_dialog import OfflineHoldsDialog

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
        server = self._update_sync_action()
        if server is not None and self.sync_action.isEnabled():  # (people still to sync)
            self._watch_for_the_server(server)

    def _update_sync_action(self) -> str | None:
        """Sync is offered while the laptop caseload holds people; the status bar says how many and
        from where (in short; its tooltip in full). The server they were taken from, if any."""
        if self.sync_action is None:
            return None
        held = self._laptop_caseload()
        count = len(held.holds) if held is not None else 0
        self.sync_action.setEnabled(count > 0)
        self.sync_action.setVisible(count > 0 or (held is not None and held.server is not None))
        if held is None or held.server is None:
            return None
        if self.laptop_label is None:
            self.laptop_label = QLabel()
            self.laptop_label.setObjectName("laptopCaseloadLabel")
            # (at 1366 px the status bar shares its width with the menus' tips and the database's
            # name: the words are short, the tooltip and the screen reader's name have them in full)
            self._window.statusBar().addPermanentWidget(self.laptop_label)
        if count:
            text = ngettext(
                "Offline: {n} person from {server}", "Offline: {n} people from {server}", count
            ).format(n=count, server=held.server)
            full = ngettext(
                "Offline: {n} person taken from {server}; sync with File > Sync offline people…",
                "Offline: {n} people taken from {server}; sync with File > Sync offline people…",
                count,
            ).format(n=count, server=held.server)
        else:
            text = full = _("Every person taken from {server} is synced back.").format(server=held.server)
        self.laptop_label.setText(text)
        self.laptop_label.setToolTip(full)
        self.laptop_label.setAccessibleName(full)
        return held.server

    def _laptop_caseload(self) -> offline_service.LaptopCaseload | None:
        try:
            return offline_service.laptop_caseload(self._db)
        except PersonalBudgetError:
            return None

    # -- on reconnect, asked -------------------------------------------------------------------------
    def _watch_for_the_server(self, server: str) -> None:
        """Try the server the people came from at open and every little while (off the UI thread);
        when it answers again, ask once whether to sync (the bar above the right-hand pane)."""
        seconds = self._hooks.settings().value(INTERVAL_KEY, CHECK_MS // 1000)
        try:
            interval_ms = int(float(str(seconds)) * 1000)
        except ValueError:
            interval_ms = CHECK_MS
        self.reconnect_watcher = ReconnectWatcher(tcp_probe(*server_endpoint(server)), interval_ms, self)
        self.reconnect_watcher.reconnected.connect(self._reconnected)
        self.reconnect_watcher.lost.connect(self._drop_question)
        self._window.installEventFilter(self)  # (closed: no more tries)
        self._build_reconnect_bar()
        self.reconnect_watcher.start()

    def _build_reconnect_bar(self) -> None:
        bar = QFrame()
        bar.setObjectName("reconnectBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        bar.setAccessibleName(_("Sync offline people"))
        label = QLabel()
        label.setObjectName("reconnectLabel")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        theme.tint(label, "current", bold=True)
        sync_now = QPushButton(_("S&ync now"))
        sync_now.setObjectName("reconnectSyncNow")
        sync_now.setAccessibleDescription(_("Send the people taken offline back to the team caseload now"))
        sync_now.clicked.connect(lambda _checked=False: self._sync_now())
        not_now = QPushButton(_("&Not now"))
        not_now.setObjectName("reconnectNotNow")
        not_now.setAccessibleDescription(
            _("Keep them on this laptop; you are asked again the next time the team caseload comes back")
        )
        not_now.clicked.connect(lambda _checked=False: self._drop_question())
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(label, 1)
        layout.addWidget(sync_now)
        layout.addWidget(not_now)
        bar.hide()
        pane = self._window.right_stack.parentWidget()
        pane_layout = pane.layout() if pane is not None else None
        if isinstance(pane_layout, QVBoxLayout):
            pane_layout.insertWidget(0, bar)
        self.reconnect_bar, self.reconnect_label = bar, label

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._window
            and event.type() == QEvent.Type.Close
            and self.reconnect_watcher is not None
        ):
            self.reconnect_watcher.stop()
            self._question_due = False
        return super().eventFilter(watched, event)

    def _reconnected(self) -> None:
        self._question_due = True
        self._ask_when_free()

    def _ask_when_free(self) -> None:
        """The question, once: never over a dialog that waits for an answer, nor during a sync."""
        if not self._question_due or self.reconnect_bar is None or self.reconnect_label is None:
            return
        if not self._window.isVisible():
            self._question_due = False
            return
        if self._syncing or QApplication.activeModalWidget() is not None:
            QTimer.singleShot(ASK_AGAIN_MS, self._ask_when_free)
            return
        self._question_due = False
        held = self._laptop_caseload()
        count = len(held.holds) if held is not None else 0
        if not count:
            return
        text = ngettext(
            "The team caseload is reachable again. Sync the {n} person taken offline now?",
            "The team caseload is reachable again. Sync the {n} people taken offline now?",
            count,
        ).format(n=count)
        self.reconnect_label.setText(text)
        self.reconnect_label.setAccessibleName(text)
        self.reconnect_bar.setAccessibleDescription(text)
        self.reconnect_bar.show()
        announce(self.reconnect_label, text)

    def question(self) -> str:
        """The question on screen ("" when none)."""
        if self.reconnect_bar is None or self.reconnect_label is None or self.reconnect_bar.isHidden():
            return ""
        return self.reconnect_label.text()

    def _drop_question(self) -> None:
        """Not now (or the server gone again, or a sync begun): the bar goes; asked again only at
        the next reconnect."""
        self._question_due = False
        if self.reconnect_bar is not None and not self.reconnect_bar.isHidden():
            focus = QApplication.focusWidget()
            had_focus = focus is not None and self.reconnect_bar.isAncestorOf(focus)
            self.reconnect_bar.hide()
            if had_focus:  # (the keyboard goes back to the work, not nowhere)
                self._window.caseload.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _sync_now(self) -> None:
        self._drop_question()
        self.sync()

    def sync(self) -> BackgroundTask | None:
        """Sign in to the team caseload, then sync on a worker."""
        from ui.dialogs.team_caseload_dialog import TeamCaseloadDialog

        window = self._window
        self._drop_question()  # (a question about syncing, on screen, is answered by this)
        dialog = TeamCaseloadDialog(self._hooks.settings(), window)
        dialog.setWindowTitle(_("Sync offline people: the team caseload"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        address, _ca = dialog.chosen
        self._syncing = True
        team = self._hooks.sign_in_to(address)
        if team.database is None:
            self._syncing = False
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
        from ui.dialogs.sync_conflict_dialog import SyncConflictDialog

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
        self._syncing = False
        self._update_sync_action()
        if (
            self.reconnect_watcher is not None
            and self.sync_action is not None
            and not self.sync_action.isEnabled()
        ):
            self.reconnect_watcher.stop()  # (everyone synced back: nothing left to ask about)
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
