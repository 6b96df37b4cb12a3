"""The main window: the caseload on the left, the chosen person's workspace on the right."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import personalbudget
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.roles import Permission, allowed
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, ngettext
from personalbudget.services import Services
from personalbudget.services.demo_service import build_demo_caseload
from ui import theme
from ui.accessibility import install_accessibility_filler, name_unnamed_controls
from ui.app_signals import AppSignals
from ui.caseload_widget import CaseloadWidget
from ui.coproduction import CoproductionMode, CoproductionView
from ui.dialogs.export_dialog import ExportDialog
from ui.dialogs.person_dialog import PersonDialog
from ui.language_settings import language_menu
from ui.plan_pdf_export import export_plan_pdf
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.work_queue_page import AllocateDialog, BreakGlassDialog, WorkQueuePage, has_work_queue
from ui.workers import BackgroundTask, show_progress

DEFAULT_SIZE = (1340, 760)
# The caseload's share of the default window: name to step and most of the review date, so that on a
# 1366-pixel laptop the step pages keep room for every column. It widens with the window (1 to 3).
CASELOAD_WIDTH = 600
DEMO_PEOPLE = 200
STATUS_TIMEOUT_MS = 8000

GEOMETRY_KEY = "mainWindow/geometry"
SPLITTER_KEY = "mainWindow/splitter"
WORKSPACE_SPLITTER_KEY = "mainWindow/workspaceSplitter"
CASELOAD_HEADER_KEY = "caseload/headerState"
LAST_PERSON_KEY = "caseload/lastPersonId"


class MainWindow(QMainWindow):
    def __init__(self, services: Services, signals: AppSignals, settings: QSettings | None = None):
        super().__init__()
        self._services = services
        self._signals = signals
        self._settings = settings if settings is not None else QSettings()
        self._demo_task: BackgroundTask | None = None
        self.last_task: BackgroundTask | None = None  # the latest background job (for tests and benchmarks)

        database = services.context.db.path
        self.setWindowTitle(_("{app} — {file}").format(app=personalbudget.APP_NAME, file=database.name))
        self.setObjectName("mainWindow")
        # The theme (normal or high contrast, with the visible focus) and the names and descriptions
        # for screen readers apply to the whole application, dialogs included.
        theme.apply_theme(high_contrast=theme.high_contrast_wanted(self._settings))  # the running app's
        app = QApplication.instance()
        assert app is not None  # a window is built in a running application
        install_accessibility_filler(app)
        with theme.styled_once_built():  # styled in one pass once whole, not once per level of nesting
            self._build_window()

    def _build_window(self) -> None:
        services, signals = self._services, self._signals
        database = services.context.db.path
        self.caseload = CaseloadWidget(services, signals)
        self.workspace = PersonWorkspaceWidget(services, signals)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(10, 10, 6, 6)
        left_layout.addWidget(self.caseload)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 10, 10, 6)
        # My work comes first for a practitioner, approver or broker; opening a person shows the workspace.
        self.work_page = WorkQueuePage(services) if has_work_queue(services.context.role) else None
        self.right_stack = QStackedWidget()
        if self.work_page is not None:
            self.right_stack.addWidget(self.work_page)
            self.work_page.open_requested.connect(self._open_from_work)
        self.right_stack.addWidget(self.workspace)
        right_layout.addWidget(self.right_stack)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([CASELOAD_WIDTH, DEFAULT_SIZE[0] - CASELOAD_WIDTH])
        self.setCentralWidget(self.splitter)

        self.database_label = QLabel(_("Database: {file}").format(file=database.name))
        self.database_label.setToolTip(str(database))
        self.database_label.setAccessibleName(_("Database file"))
        self.database_label.setAccessibleDescription(str(database))
        self.statusBar().addPermanentWidget(self.database_label)

        self._create_actions()
        self._create_menus()
        # Co-production mode: the person's view of the workspace, remembered for each user.
        self.coproduction = CoproductionMode(self._settings, services.context.actor, self)
        self.coproduction_view = CoproductionView(self, services, self.coproduction)
        self.coproduction_action = self.coproduction_view.action
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.coproduction_action)

        self.caseload.current_person_changed.connect(self._on_current_person_changed)
        self.caseload.person_activated.connect(self.open_person)
        self.workspace.edit_requested.connect(self.edit_person)
        signals.status_message.connect(self.show_status)
        signals.person_saved.connect(lambda _id: self._update_actions())

        name_unnamed_controls(self)
        self.resize(*DEFAULT_SIZE)
        self.restore_settings()
        self.caseload.refresh()
        self._reopen_last_person()
        if self.work_page is not None:
            self.right_stack.setCurrentWidget(self.work_page)
        self._update_actions()
        # Keyboard users start where the work starts: typing finds a person.
        if self.caseload.isVisibleTo(self):
            self.caseload.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- menus ---------------------------------------------------------------------------
    def _create_actions(self) -> None:
        self.new_person_action = QAction(_("&New person…"), self)
        self.new_person_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_person_action.setStatusTip(_("Add a person to the caseload"))
        self.new_person_action.triggered.connect(self.new_person)

        self.edit_person_action = QAction(_("&Edit person…"), self)
        self.edit_person_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_person_action.setStatusTip(_("Change the open person's details"))
        self.edit_person_action.triggered.connect(lambda: self.edit_person(self.workspace.person_id()))

        self.print_plan_action = QAction(_("&Print support plan (PDF)…"), self)
        self.print_plan_action.setShortcut(QKeySequence("Ctrl+P"))
        self.print_plan_action.setStatusTip(
            _("Save the open person's support plan as a PDF to print or share")
        )
        # triggered passes "checked" (a bool), which must not reach print_plan's "out".
        self.print_plan_action.triggered.connect(lambda _checked=False: self.print_plan())

        self.export_aggregates_action = QAction(_("E&xport anonymised aggregates…"), self)
        self.export_aggregates_action.setStatusTip(
            _("Export anonymised tables for strategic commissioning (CSV, Data Package, Excel)")
        )
        self.export_aggregates_action.triggered.connect(self.export_aggregates)
        self.export_aggregates_action.setEnabled(
            allowed(self._services.context.role, Permission.EXPORT_AGGREGATES)
        )

        self.load_demo_action = QAction(_("Load &demo caseload…"), self)
        self.load_demo_action.setStatusTip(
            _("Add {n} made-up people for training and trying things out").format(n=DEMO_PEOPLE)
        )
        self.load_demo_action.triggered.connect(lambda: self.load_demo_caseload(confirm=True))

        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.focus_search_action = QAction(_("&Find person"), self)
        self.focus_search_action.setShortcut(QKeySequence("Ctrl+F"))
        self.focus_search_action.setStatusTip(_("Move to the caseload search box"))
        self.focus_search_action.triggered.connect(self.caseload.focus_search)

        self.overdue_action = QAction(_("Show &overdue reviews only"), self)
        self.overdue_action.setCheckable(True)
        self.overdue_action.setStatusTip(_("List only people whose review date has passed"))
        self.overdue_action.toggled.connect(self.caseload.set_overdue_only)
        self.caseload.overdue_check.toggled.connect(self.overdue_action.setChecked)

        self.high_contrast_action = QAction(_("&High contrast"), self)
        self.high_contrast_action.setCheckable(True)
        self.high_contrast_action.setChecked(theme.is_high_contrast())
        self.high_contrast_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.high_contrast_action.setStatusTip(_("White and yellow on black, for the clearest text"))
        self.high_contrast_action.toggled.connect(self.set_high_contrast)

        self.step_actions = []
        for step in Step:
            action = QAction(_("Show step &{n}: {title}").format(n=int(step), title=step.title), self)
            action.setShortcut(QKeySequence(f"Ctrl+{int(step)}"))
            action.setStatusTip(_("Show the open person's step {n} page").format(n=int(step)))
            action.triggered.connect(lambda _checked=False, s=step: self.show_step(s))
            self.step_actions.append(action)

        self.advance_action = QAction(_("Move to the &next step"), self)
        self.advance_action.setShortcut(QKeySequence("Alt+N"))
        self.advance_action.setStatusTip(_("Move the open person's cycle on to the next step"))
        self.advance_action.triggered.connect(self.advance_step)
        self.workspace.advance_button.setToolTip(
            _("Move the cycle on to the next step ({shortcut})").format(
                shortcut=self.advance_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            )
        )

        self.my_work_action = QAction(_("&My work"), self)
        self.my_work_action.setShortcut(QKeySequence("Ctrl+0"))
        self.my_work_action.setStatusTip(_("Plans, reviews, money and checks waiting for you"))
        self.my_work_action.triggered.connect(self.show_my_work)
        self.my_work_action.setVisible(has_work_queue(self._services.context.role))
        self.break_glass_action = QAction(_("Open someone else's &record…"), self)
        self.break_glass_action.setStatusTip(_("Open a person who is not one of yours, giving a reason"))
        self.break_glass_action.triggered.connect(self.open_someone_else)
        self.break_glass_action.setVisible(BreakGlassDialog.offered(self._services))
        self.allocate_action = QAction(_("Allocate to a &worker…"), self)
        self.allocate_action.setStatusTip(
            _("Allocate the open person to a practitioner, and see who had them")
        )
        self.allocate_action.triggered.connect(self.allocate_person)
        self.allocate_action.setVisible(allowed(self._services.context.role, Permission.ALLOCATE))

        self.about_action = QAction(_("&About PersonalBudget"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _create_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu(_("&File"))
        file_menu.addAction(self.new_person_action)
        file_menu.addAction(self.edit_person_action)
        file_menu.addAction(self.print_plan_action)
        file_menu.addAction(self.export_aggregates_action)
        file_menu.addAction(self.break_glass_action)
        file_menu.addAction(self.allocate_action)
        file_menu.addSeparator()
        file_menu.addAction(self.load_demo_action)
        self._before_quit = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)  # always last: add_to_file_menu puts other items above it
        self.file_menu = file_menu
        view_menu = self.view_menu = menu_bar.addMenu(_("&View"))
        view_menu.addAction(self.my_work_action)
        view_menu.addAction(self.focus_search_action)
        view_menu.addAction(self.overdue_action)
        view_menu.addSeparator()
        for action in self.step_actions:
            view_menu.addAction(action)
        view_menu.addAction(self.advance_action)
        view_menu.addSeparator()
        view_menu.addAction(self.high_contrast_action)
        self.language_menu = language_menu(self, self._settings)
        view_menu.addMenu(self.language_menu)
        help_menu = menu_bar.addMenu(_("&Help"))
        help_menu.addAction(self.about_action)

    def add_to_file_menu(self, action: QAction) -> None:
        """Another File menu item (Accounts… for a manager), above Quit, which stays last."""
        self.file_menu.insertAction(self._before_quit, action)

    def _update_actions(self) -> None:
        for action in (*self.step_actions, self.advance_action):
            action.setEnabled(self.workspace.person_id() != 0)
        self.edit_person_action.setEnabled(self.workspace.person_id() != 0)
        self.print_plan_action.setEnabled(self.workspace.person_id() != 0)
        self.allocate_action.setEnabled(self.workspace.person_id() != 0)

    def print_plan(self, out: Path | None = None) -> BackgroundTask | None:
        """Ask where to save the open person's support plan and write the PDF off the main thread."""
        if not self.workspace.person_id():
            return None
        self.last_task = export_plan_pdf(
            self, self._services, self._signals, self.workspace.person_id(), out=out
        )
        return self.last_task

    def export_aggregates(self) -> ExportDialog:
        """Open the anonymised aggregate export (preview, then export on a worker thread)."""
        dialog = ExportDialog(self._services, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def set_high_contrast(self, on: bool) -> None:
        """Switch the high-contrast theme on or off, and remember the choice for this user."""
        theme.remember_high_contrast(self._settings, on)
        theme.apply_theme(high_contrast=on)
        self._signals.caseload_changed.emit()  # tables refill in the theme's colours

    def show_step(self, step: Step) -> None:
        """Show a step's page of the open person and move the keyboard focus to it (Ctrl+1 to Ctrl+7)."""
        if self.workspace.person_id():
            self.workspace.show_step(step)
            self.workspace.stepper.button(step).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def advance_step(self) -> bool:
        """Alt+N: the same as the "Move to next step" button, when it is offered."""
        button = self.workspace.advance_button
        if not (self.workspace.person_id() and button.isVisible() and button.isEnabled()):
            return False
        return self.workspace.advance()

    # -- people --------------------------------------------------------------------------
    def open_person(self, person_id: int) -> bool:
        """Show a person's workspace and move the keyboard focus into it."""
        if not self.workspace.show_person(person_id):
            return False
        self.right_stack.setCurrentWidget(self.workspace)
        self.caseload.select_person(person_id, notify=False)
        self.workspace.focus_current_step()
        self._update_actions()
        return True

    def show_my_work(self) -> bool:
        """View > My work (Ctrl+0): the work waiting for the signed-in account, refreshed."""
        if self.work_page is None:
            return False
        self.work_page.refresh()
        self.right_stack.setCurrentWidget(self.work_page)
        self.work_page.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def _open_from_work(self, person_id: int, step: int) -> None:
        if self.open_person(person_id):
            self.show_step(Step(step))

    def open_someone_else(self) -> BreakGlassDialog:
        """File > Open someone else's record: break-glass, with a reason that is recorded."""
        dialog = BreakGlassDialog(self._services, self)
        dialog.accepted.connect(lambda: self._after_break_glass(dialog.person_id))
        dialog.open()
        return dialog

    def allocate_person(self) -> AllocateDialog | None:
        """File > Allocate to a worker: the open person's allocation, with who, when and why."""
        if not self.workspace.person_id():
            return None
        dialog = AllocateDialog(self._services, self.workspace.person_id(), self)
        dialog.finished.connect(lambda _result: self.caseload.refresh())
        dialog.open()
        return dialog

    def _after_break_glass(self, person_id: int) -> None:
        self.caseload.refresh()
        self.open_person(person_id)

    def _on_current_person_changed(self, person_id: int) -> None:
        if person_id:
            self.right_stack.setCurrentWidget(self.workspace)
            self.workspace.show_person(person_id)
            self._update_actions()

    def new_person(self) -> PersonDialog:
        dialog = PersonDialog(self._services, self._signals, None, self)

        def added() -> None:
            if dialog.saved is not None:
                self._after_person_added(dialog.saved.id)

        dialog.accepted.connect(added)
        dialog.open()
        return dialog

    def _after_person_added(self, person_id: int) -> None:
        if not self.caseload.select_person(person_id, notify=False):
            # Filters hide the new person: clear them so the person can be seen in the list.
            self.caseload.search_edit.clear()
            self.caseload.step_combo.setCurrentIndex(0)
            self.caseload.overdue_check.setChecked(False)
            self.caseload.select_person(person_id, notify=False)
        # A person just added is worked on next: show the workspace even if My work was in front.
        self.right_stack.setCurrentWidget(self.workspace)
        self.workspace.show_person(person_id)
        self._update_actions()

    def edit_person(self, person_id: int) -> PersonDialog | None:
        if not person_id:
            return None
        try:
            person = self._services.people.get_person(person_id)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot edit this person"), str(problem))
            return None
        dialog = PersonDialog(self._services, self._signals, person, self)
        dialog.open()
        return dialog

    # -- the demo caseload ---------------------------------------------------------------
    def offer_demo_if_empty(self) -> bool:
        """On first run with an empty caseload, offer the demo people. True if loading started."""
        if self.caseload.model.total_count() > 0:
            return False
        answer = QMessageBox.question(
            self,
            _("Load a demo caseload?"),
            _(
                "This caseload is empty. Would you like to load a demo caseload of {n} made-up people "
                "to try PersonalBudget? They are synthetic: no real person's data is used."
            ).format(n=DEMO_PEOPLE),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,  # a first run is for trying it out: Enter makes the demo
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self.load_demo_caseload(confirm=False) is not None

    def load_demo_caseload(self, people: int | None = None, *, confirm: bool = True) -> BackgroundTask | None:
        """Add synthetic people (DEMO_PEOPLE unless told) on a worker thread, with a progress dialog that can cancel."""
        if self._demo_task is not None and self._demo_task.is_running():
            return None
        people = DEMO_PEOPLE if people is None else people
        existing = self.caseload.model.total_count()
        if confirm:
            text = _("Add {n} made-up people to this caseload?").format(n=people)
            if existing:
                text += "\n\n" + ngettext(
                    "They will be mixed in with the {count} person already here. "
                    "Use the demo caseload only in a training or test database.",
                    "They will be mixed in with the {count} people already here. "
                    "Use the demo caseload only in a training or test database.",
                    existing,
                ).format(count=existing)
            answer = QMessageBox.question(
                self,
                _("Load demo caseload"),
                text,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        context = self._services.context
        seed = 2026 + existing  # repeatable for a fresh database, different names each time after

        def job(progress):
            return build_demo_caseload(context, people=people, seed=seed, progress=progress)

        task = BackgroundTask(job, self)
        task.succeeded.connect(self._on_demo_loaded)
        task.failed.connect(self._on_demo_failed)
        task.cancelled.connect(lambda: self.show_status(_("Demo caseload cancelled; nothing was added.")))
        task.finished.connect(lambda: self.load_demo_action.setEnabled(True))
        self.load_demo_action.setEnabled(False)
        self._demo_task = self.last_task = task
        show_progress(
            task, self, _("Loading demo caseload"), _("Adding {n} made-up people…").format(n=people)
        )
        task.start()
        return task

    def _on_demo_loaded(self, added: object) -> None:
        count = int(added) if isinstance(added, int) else 0
        self._signals.caseload_changed.emit()
        self._signals.status_message.emit(
            ngettext("Added {n} demo person", "Added {n} demo people", count).format(n=count)
        )

    def _on_demo_failed(self, problem: object) -> None:
        QMessageBox.critical(self, _("Could not load the demo caseload"), str(problem))

    # -- other ---------------------------------------------------------------------------
    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    def show_about(self) -> None:
        QMessageBox.about(self, _("About PersonalBudget"), self.about_text())

    def about_text(self) -> str:
        return "<h3>{app}</h3><p>{version}</p><p>{purpose}</p><p>{qt}</p>".format(
            app=personalbudget.APP_NAME,
            version=_("Version {version}").format(version=personalbudget.__version__),
            purpose=_(
                "PersonalBudget helps a person and their practitioner through the seven steps of "
                "individual commissioning: from setting a personal budget to reviewing how the "
                "support is going."
            ),
            qt=_("Using Qt {version}").format(version=qVersion()),
        )

    # -- settings ------------------------------------------------------------------------
    def restore_settings(self) -> None:
        geometry = self._settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        for key, splitter in (
            (SPLITTER_KEY, self.splitter),
            (WORKSPACE_SPLITTER_KEY, self.workspace.body_splitter),
        ):
            state = self._settings.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        header_state = self._settings.value(CASELOAD_HEADER_KEY)
        if isinstance(header_state, QByteArray) and not header_state.isEmpty():
            self.caseload.table.horizontalHeader().restoreState(header_state)

    def _reopen_last_person(self) -> None:
        try:
            person_id = int(str(self._settings.value(LAST_PERSON_KEY, 0) or 0))  # an ini file gives a string
        except (TypeError, ValueError):
            return
        if person_id and self.caseload.select_person(person_id, notify=False):
            self.workspace.show_person(person_id)

    def save_settings(self) -> None:
        self._settings.setValue(LAST_PERSON_KEY, self.workspace.person_id())
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        self._settings.setValue(WORKSPACE_SPLITTER_KEY, self.workspace.body_splitter.saveState())
        self._settings.setValue(CASELOAD_HEADER_KEY, self.caseload.table.horizontalHeader().saveState())
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._demo_task is not None and self._demo_task.is_running():
            self._demo_task.cancel()
            self._demo_task.wait()
        self.save_settings()
        super().closeEvent(event)

    def schedule_demo_offer(self) -> None:
        """Ask about the demo caseload once the window is on screen."""
        QTimer.singleShot(0, self.offer_demo_if_empty)
