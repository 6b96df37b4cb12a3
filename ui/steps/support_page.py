"""Step 5, organise support: who delivers each item of the agreed plan (gaps shown), the
directory of providers and personal assistants, and the PA employer checklist with reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.roles import Permission
from personalbudget.domain.support import EmployerForm, PaEntry, ReminderLevel
from personalbudget.errors import ConcurrentEditError, PersonalBudgetError
from personalbudget.i18n import N_, _, current_locale, format_date, format_money, format_number, ngettext
from personalbudget.services import Services
from personalbudget.services.support_service import EmployerView, ProviderView, SupportView
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.dialogs.arrangement_dialog import ArrangementDialog
from ui.dialogs.provider_dialog import ProviderDialog
from ui.edit_conflicts import settle
from ui.steps.step_page import PersonView
from ui.theme import OVERDUE
from ui.theme import colour as theme_colour
from ui.widgets.column_fit import fit_list_height
from ui.widgets.date_field import DateFormatError, format_uk_date, parse_uk_date
from ui.widgets.money_widgets import (
    date_field,
    fill_table,
    read_date,
    read_only_table,
    show_problem,
    wrapped_label,
)

GAP_TEXT_COLOUR = QColor(OVERDUE)


class SupportPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._view: SupportView | None = None
        self._employer: EmployerView | None = None
        self._providers: list[ProviderView] = []
        self._providers_shown: tuple[list[ProviderView], str] | None = None  # (the list, the language)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)

        # Arrangements, with gaps in words.
        self.gaps_label = wrapped_label(rich=True)
        self.gaps_label.setAccessibleName(_("Plan items not yet arranged"))
        self.items_table = read_only_table(
            _("Items of the agreed plan and who delivers them"),
            [_("Plan item"), _("Planned"), _("Delivered by"), _("From"), _("Rate"), _("Status")],
            stretch=0,
        )
        self.items_table.itemSelectionChanged.connect(self._update_buttons)
        self.items_table.activated.connect(lambda _i: self.ask_arrange())  # double-click or Enter
        self.arrange_button = QPushButton(_("Arrange selected item…"))
        self.arrange_button.setAccessibleName(_("Arrange the selected plan item"))
        self.arrange_button.clicked.connect(self.ask_arrange)
        self.end_button = QPushButton(_("End arrangement…"))
        self.end_button.setAccessibleName(_("End the selected item's arrangement"))
        self.end_button.clicked.connect(self.ask_end)
        self.carry_button = QPushButton(_("Copy from the last plan"))
        self.carry_button.setAccessibleName(_("Copy arrangements from the last plan"))
        self.carry_button.clicked.connect(self.carry_over)
        self.confirm_button = QPushButton(_("Support is in place: move to step 6…"))
        self.confirm_button.setObjectName("advanceButton")
        self.confirm_button.setAccessibleName(_("Confirm support is arranged and move to step 6"))
        self.confirm_button.clicked.connect(self.ask_confirm)
        arrange_buttons = QHBoxLayout()
        arrange_buttons.addWidget(self.arrange_button)
        arrange_buttons.addWidget(self.end_button)
        arrange_buttons.addWidget(self.carry_button)
        arrange_buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.gaps_label, 1)
        top.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignTop)
        arrangements = QWidget()
        arrangements_layout = QVBoxLayout(arrangements)
        arrangements_layout.addLayout(top)
        arrangements_layout.addWidget(self.items_table, 1)
        arrangements_layout.addLayout(arrange_buttons)

        # The directory.
        self.providers_table = read_only_table(
            _("Directory of providers and personal assistants"),
            [_("Name"), _("Type"), _("Contact"), _("Phone"), _("Email"), _("Registration")],
            stretch=0,
        )
        self.providers_table.activated.connect(lambda _i: self.edit_provider())
        self.provider_search = QLineEdit()
        self.provider_search.setAccessibleName(_("Search the directory"))
        self.provider_search.setPlaceholderText(
            _("Search by name, type, contact, phone, email or registration")
        )
        self.provider_search.setClearButtonEnabled(True)
        self.provider_search.textChanged.connect(self._filter_providers)
        self.providers_found = wrapped_label()
        self.providers_found.setAccessibleName(_("Directory entries shown"))
        search_row = QHBoxLayout()
        search_row.addWidget(QLabel(_("Search:")))
        search_row.addWidget(self.provider_search, 1)
        self.add_provider_button = QPushButton(_("Add…"))
        self.add_provider_button.setAccessibleName(_("Add a provider or personal assistant"))
        self.add_provider_button.clicked.connect(self.add_provider)
        self.edit_provider_button = QPushButton(_("Change…"))
        self.edit_provider_button.setAccessibleName(_("Change the selected provider"))
        self.edit_provider_button.clicked.connect(self.edit_provider)
        self.retire_button = QPushButton(_("No longer used"))
        self.retire_button.setAccessibleName(_("Mark the selected provider as no longer used"))
        self.retire_button.clicked.connect(self.retire_provider)
        directory_buttons = QHBoxLayout()
        directory_buttons.addWidget(self.add_provider_button)
        directory_buttons.addWidget(self.edit_provider_button)
        directory_buttons.addWidget(self.retire_button)
        directory_buttons.addStretch(1)
        directory = QWidget()
        directory_layout = QVBoxLayout(directory)
        directory_layout.addLayout(search_row)
        directory_layout.addWidget(self.providers_found)
        directory_layout.addWidget(self.providers_table, 1)
        directory_layout.addLayout(directory_buttons)

        # The PA employer checklist.
        today = services.context.clock.today()
        self.reminders = QListWidget()
        self.reminders.setAccessibleName(_("Employer reminders"))
        self.reminders.setWordWrap(True)
        self.insurer = QLineEdit()
        self.insurer.setAccessibleName(_("Employer's liability insurer"))
        self.insurance_expires = date_field(_("Insurance expiry date"), today)
        self.payroll = QLineEdit()
        self.payroll.setAccessibleName(_("Payroll arrangement"))
        self.payroll.setPlaceholderText(_("Who runs payroll: tax, National Insurance, pension, payslips"))
        self.pa_table = read_only_table(
            _("Personal assistants employed"),
            [_("Personal assistant"), _("DBS check date"), _("Contract signed"), _("Holiday (days a year)")],
            stretch=0,
        )
        self.pa_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.pa_table.setToolTip(_("Type dates as dd/mm/yyyy. Press F2 to change a cell."))
        self.save_employer_button = QPushButton(_("Save checklist"))
        self.save_employer_button.setAccessibleName(_("Save the employer checklist"))
        self.save_employer_button.clicked.connect(self.save_employer)
        self.employer_note = wrapped_label()
        employer_form = QFormLayout()
        employer_form.addRow(_("Insurer:"), self.insurer)
        employer_form.addRow(_("Insurance expires:"), self.insurance_expires)
        employer_form.addRow(_("Payroll:"), self.payroll)
        employer = QWidget()
        employer_layout = QVBoxLayout(employer)
        employer_layout.addWidget(self.employer_note)
        employer_layout.addWidget(self.reminders)
        employer_layout.addLayout(employer_form)
        employer_layout.addWidget(self.pa_table, 1)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_employer_button)
        employer_layout.addLayout(save_row)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Organise support"))
        self.tabs.addTab(arrangements, _("Arrangements"))
        self.tabs.addTab(directory, _("Providers and PAs"))
        self.tabs.addTab(employer, _("Employer checklist"))
        self._arrangements_tab, self._directory_tab, self._employer_tab = arrangements, directory, employer

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        self.setWidget(content)

    # -- public ------------------------------------------------------------------------------
    def person_view(self) -> PersonView:
        """Who gives each kind of help, in the plain summary; the directory of providers (with
        registration numbers) and the rates in pence are for staff."""
        view = PersonView(anchor=self.tabs)
        view.staff_tabs.append(self._directory_tab)
        view.staff(self.gaps_label)  # the gaps by their official names: the plain summary says them
        view.staff(
            self.arrange_button,
            self.end_button,
            self.carry_button,
            self.confirm_button,
            self.add_provider_button,
            self.edit_provider_button,
            self.retire_button,
            self.save_employer_button,
            permission=Permission.MANAGE_MONEY,
        )
        view.staff_columns += [(self.items_table, 1), (self.items_table, 4)]  # amounts in pence
        view.tab_words += [
            (self._arrangements_tab, N_("Who helps me")),
            (self._employer_tab, N_("Being an employer")),
        ]
        view.column_words += [
            (self.items_table, 0, N_("Help in my plan")),
            (self.items_table, 2, N_("Who gives it")),
            (self.items_table, 3, N_("Starting")),
        ]
        return view

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            view = self._services.support.get_support(person_id)
            employer = self._services.support.get_employer(person_id)
            self._providers = self._services.support.providers()
        except PersonalBudgetError as problem:
            show_problem(self, _("Cannot show the support arrangements"), problem)
            return
        self._show(view)
        self._show_employer(employer)
        # The directory is the council's, not the person's: filled again only when it has changed
        # since it was last shown (someone added or changed an entry) or the language has. Filling
        # it was most of opening a person at this step (190 ms at 50,000 people).
        if (self._providers, current_locale()) != self._providers_shown:
            self._show_providers()
        name_unnamed_controls(self)

    def select_item(self, row: int) -> None:
        self.items_table.selectRow(row)

    def arrangement_dialog(self, row: int | None = None) -> ArrangementDialog | None:
        """The dialog for arranging the selected (or given) plan item, not yet shown."""
        if self._view is None:
            return None
        row = self.items_table.currentRow() if row is None else row
        if not 0 <= row < len(self._view.items):
            return None
        return ArrangementDialog(
            self._services, self._person_id, self._view.items[row], self._view.funding_options, self
        )

    def ask_arrange(self) -> None:
        dialog = self.arrangement_dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_view:
            self.after_arranging(dialog.result_view)

    def after_arranging(self, view: SupportView) -> None:
        self._show(view)
        self._show_employer(self._services.support.get_employer(self._person_id))
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(_("Arrangement saved"))

    def ask_end(self) -> None:
        if self._view is None:
            return
        row = self.items_table.currentRow()
        if not 0 <= row < len(self._view.items):
            return
        current = [a for a in self._view.items[row].arrangements if a.current]
        if not current:
            return
        today = self._services.context.clock.today()
        text, ok = QInputDialog.getText(
            self,
            _("End arrangement"),
            _("Last day {provider} delivers this (dd/mm/yyyy):").format(provider=current[-1].provider_name),
            QLineEdit.EchoMode.Normal,
            format_uk_date(today),
        )
        if not ok:
            return
        try:
            ends_on = parse_uk_date(text) or today
            pid, shown = self._person_id, current[-1]
            try:
                view = self._services.support.end_arrangement(pid, shown.id, ends_on, base=shown)
            except ConcurrentEditError as conflict:  # someone else changed the arrangement meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda _current, how: self._services.support.end_arrangement(
                        pid,
                        shown.id,
                        ends_on,
                        base=replace(shown, row_version=how.over_version),
                        resolution=how,
                    ),
                    reload=lambda _current: self.show_person(pid),
                )
                if settled is None:
                    return
                view = settled
        except (PersonalBudgetError, DateFormatError) as problem:
            show_problem(self, _("The arrangement was not ended"), problem)
            return
        self.after_arranging(view)

    def carry_over(self) -> None:
        try:
            view = self._services.support.carry_over_arrangements(self._person_id)
        except PersonalBudgetError as problem:
            show_problem(self, _("Arrangements were not copied"), problem)
            return
        self.after_arranging(view)

    def ask_confirm(self) -> None:
        if self._view is None:
            return
        note = ""
        if self._view.gaps:
            gaps = "\n".join(f"• {g.item.label}" for g in self._view.gaps)
            note, ok = QInputDialog.getMultiLineText(
                self,
                _("Some items are not arranged"),
                _(
                    "These items have no one arranged yet:\n{gaps}\n\nSay why support can start without them:"
                ).format(gaps=gaps),
            )
            if not ok:
                return
        elif self._view.employer_problem:
            note, ok = QInputDialog.getMultiLineText(
                self,
                _("Support is not in place yet"),
                _("{problem}\n\nSay why support can start now (this is kept in the record):").format(
                    problem=self._view.employer_problem
                ),
            )
            if not ok or not note.strip():
                return
        self.confirm(note)

    def confirm(self, note: str = "") -> bool:
        try:
            self._view = self._services.support.confirm_support_arranged(self._person_id, note)
        except PersonalBudgetError as problem:
            show_problem(self, _("Support was not confirmed"), problem)
            return False
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(_("Support arranged: moved to step 6"))
        return True

    def add_provider(self) -> None:
        dialog = ProviderDialog(self._services, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._reload_providers()

    def edit_provider(self) -> None:
        row = self.providers_table.currentRow()
        if 0 <= row < len(self._providers) and not self.providers_table.isRowHidden(row):
            dialog = ProviderDialog(self._services, self._providers[row], self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self._reload_providers()

    def retire_provider(self) -> None:
        row = self.providers_table.currentRow()
        if 0 <= row < len(self._providers) and not self.providers_table.isRowHidden(row):
            try:
                self._services.support.set_provider_active(self._providers[row].id, False)
            except PersonalBudgetError as problem:
                show_problem(self, _("The provider was not changed"), problem)
                return
            self._reload_providers()

    def employer_form(self) -> EmployerForm:
        expires = read_date(self.insurance_expires, _("Insurance expiry date"))
        pas = []
        for row, pa in enumerate(self._employer.pas if self._employer else ()):
            dbs = self._cell_date(row, 1, _("DBS check date"))
            contract = self._cell_date(row, 2, _("Contract signed"))
            holiday = self.pa_table.item(row, 3)
            pas.append(PaEntry(pa.provider_id, dbs, contract, holiday.text() if holiday else ""))
        return EmployerForm(self.insurer.text(), expires, self.payroll.text(), pas)

    def save_employer(self) -> bool:
        try:
            self._employer = self._services.support.save_employer(self._person_id, self.employer_form())
        except (PersonalBudgetError, ValueError) as problem:
            show_problem(self, _("The employer checklist was not saved"), problem)
            return False
        self._show_employer(self._employer)
        # Whether support can start depends on the checklist (insurance, DBS): work it out again.
        self._show(self._services.support.get_support(self._person_id))
        self._signals.status_message.emit(_("Employer checklist saved"))
        return True

    # -- helpers -----------------------------------------------------------------------------
    def _cell_date(self, row: int, column: int, label: str) -> date | None:
        item = self.pa_table.item(row, column)
        try:
            return parse_uk_date(item.text() if item else "")
        except DateFormatError as problem:
            raise ValueError(f"{label}: {problem}") from None

    def _reload_providers(self) -> None:
        self._providers = self._services.support.providers()
        self._show_providers()

    def _show(self, view: SupportView) -> None:
        self._view = view
        if view.plan_version is None:
            self.gaps_label.setText(
                _(
                    "Support is arranged once the plan is agreed and how the budget is managed is recorded (step 4)."
                )
            )
        elif view.gaps:
            names = "; ".join(g.item.label for g in view.gaps)
            self.gaps_label.setText(
                f"<b style='color:{theme_colour('overdue').name()}'>"
                + ngettext(
                    "{n} of {total} plan item not arranged yet:",
                    "{n} of {total} plan items not arranged yet:",
                    len(view.items),
                ).format(n=len(view.gaps), total=len(view.items))
                + f"</b> {names}"
            )
        elif view.employer_problem is None:
            self.gaps_label.setText(
                f"<b style='color:{theme_colour('done').name()}'>"
                + _("Every item of the plan has someone arranged to deliver it.")
                + "</b>"
            )
        else:
            self.gaps_label.setText(_("Every item of the plan has someone arranged to deliver it."))
        notes = []
        if view.plan_version is not None and view.employer_problem:
            notes.append(
                f"<b style='color:{theme_colour('overdue').name()}'>"
                + escape(_("Support is not in place yet:"))
                + f"</b> {escape(view.employer_problem, quote=False)}"
            )
        notes += [
            f"<b style='color:{theme_colour('warning').name()}'>{escape(_('Above the plan:'))}</b> {escape(text, quote=False)}"
            for text in view.rate_warnings
        ]
        notes += [
            f"<b style='color:{theme_colour('overdue').name()}'>{escape(_('Not enough for its plan lines:'))}</b> "
            + escape(text, quote=False)
            for text in view.pot_shortfalls
        ]
        if notes:
            self.gaps_label.setText(self.gaps_label.text() + "<br>" + "<br>".join(notes))
        rows = []
        for entry in view.items:
            item = entry.item
            planned = _("{unit} × {quantity} {frequency}").format(
                unit=format_money(item.unit_cost_pence),
                quantity=format_number(item.quantity),
                frequency=item.frequency.label,
            )
            current = [a for a in entry.arrangements if a.current]
            who = "; ".join(a.provider_name for a in current)
            since = "; ".join(format_date(a.starts_on) for a in current)
            rate = "; ".join(format_money(a.unit_rate_pence) for a in current)
            status = _("Arranged") if entry.arranged else _("GAP: not arranged yet")
            for over in entry.over_plan:
                status += "; " + _("{amount} a unit over the plan").format(
                    amount=format_money(over.per_unit_pence)
                )
            rows.append([item.description, planned, who, since, rate, status])
        fill_table(self.items_table, rows, right=(4,))
        for row, entry in enumerate(view.items):
            if (first := self.items_table.item(row, 0)) is not None:  # fill_table made every cell
                first.setToolTip(entry.item.label)
            if not entry.arranged:
                for column in range(self.items_table.columnCount()):
                    if (cell := self.items_table.item(row, column)) is not None:
                        cell.setForeground(theme_colour("overdue"))  # with the words "GAP: not arranged yet"
        self.carry_button.setVisible(view.earlier_arrangements > 0)
        self.confirm_button.setVisible(view.can_confirm)
        self._update_buttons()

    def _update_buttons(self) -> None:
        view = self._view
        row = self.items_table.currentRow()
        selected = view is not None and 0 <= row < len(view.items)
        self.arrange_button.setEnabled(bool(view and view.can_arrange and selected))
        self.end_button.setEnabled(
            bool(
                view
                and view.can_arrange
                and selected
                and any(a.current for a in view.items[row].arrangements)
            )
        )
        self.arrange_button.setVisible(bool(view and view.can_arrange))
        self.end_button.setVisible(bool(view and view.can_arrange))

    def _show_providers(self) -> None:
        self._providers_shown = (self._providers, current_locale())
        fill_table(
            self.providers_table,
            [
                [p.name, p.kind_label, p.contact, p.phone, p.email, p.registration_number]
                for p in self._providers
            ],
        )
        self._filter_providers()

    def _filter_providers(self) -> None:
        """Hide the directory rows that do not contain every word typed in the search box."""
        words = self.provider_search.text().casefold().split()
        shown = 0
        for row, provider in enumerate(self._providers):
            text = " ".join(
                (
                    provider.name,
                    provider.kind_label,
                    provider.contact,
                    provider.phone,
                    provider.email,
                    provider.registration_number,
                )
            ).casefold()
            match = all(word in text for word in words)
            self.providers_table.setRowHidden(row, not match)
            shown += match
        if not words:
            self.providers_found.setText(
                ngettext(
                    "{n} entry in the directory.", "{n} entries in the directory.", len(self._providers)
                ).format(n=len(self._providers))
            )
        elif shown:
            self.providers_found.setText(
                ngettext(
                    "{n} of {total} entries matches '{text}'.",
                    "{n} of {total} entries match '{text}'.",
                    shown,
                ).format(n=shown, total=len(self._providers), text=self.provider_search.text().strip())
            )
        else:
            self.providers_found.setText(
                _("Nothing in the directory matches '{text}'. Add them with Add….").format(
                    text=self.provider_search.text().strip()
                )
            )
        current = self.providers_table.currentRow()
        if current >= 0 and self.providers_table.isRowHidden(current):
            self.providers_table.clearSelection()
            self.providers_table.setCurrentCell(-1, -1)

    def _show_employer(self, view: EmployerView) -> None:
        self._employer = view
        if not view.employs_pas:
            self.employer_note.setText(
                _("No personal assistants are arranged for this person, so there is no employer checklist.")
            )
        else:
            self.employer_note.setText(
                _(
                    "{name} employs personal assistants. Keep these up to date; reminders come before anything runs out."
                ).format(name=_("The person"))
            )
        self.reminders.clear()
        for reminder in view.reminders:
            item = QListWidgetItem(f"{reminder.level.label}: {reminder.message}")
            # The level is in words too; the colour follows the theme.
            level = "overdue" if reminder.level == ReminderLevel.OVERDUE else "warning"
            item.setForeground(theme_colour(level))
            self.reminders.addItem(item)
        if view.employs_pas and not view.reminders:
            self.reminders.addItem(_("All in order: nothing is due in the reminder period."))
        fit_list_height(self.reminders, 5)  # each reminder whole, however it wraps
        self.insurer.setText(view.insurer)
        self.insurance_expires.set_date(view.insurance_expires_on)
        self.payroll.setText(view.payroll)
        self.pa_table.setRowCount(len(view.pas))
        for row, pa in enumerate(view.pas):
            name = QTableWidgetItem(pa.name)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.pa_table.setItem(row, 0, name)
            for column, value in (
                (1, format_uk_date(pa.dbs_checked_on) if pa.dbs_checked_on else ""),
                (2, format_uk_date(pa.contract_signed_on) if pa.contract_signed_on else ""),
                (3, pa.holiday_days),
            ):
                self.pa_table.setItem(row, column, QTableWidgetItem(value))
        for widget in (
            self.insurer,
            self.insurance_expires,
            self.payroll,
            self.pa_table,
            self.save_employer_button,
        ):
            widget.setEnabled(view.employs_pas)
