"""Step 4, manage budget: how the money is managed (one way or a mix, with the amount under each),
the payment schedule and the account the money goes to (last digits only)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import (
    SCHEDULE_FREQUENCIES,
    AccountEntry,
    ManagementForm,
    ManagementOption,
    ScheduleEntry,
    ShareEntry,
    check_schedule,
    expected_payments,
    pot_fits,
    pot_shortfalls,
    salt_category,
    suggested_payment,
)
from personalbudget.domain.money import Frequency, parse_pounds, round_half_up
from personalbudget.domain.roles import Permission
from personalbudget.errors import ConcurrentEditError, PersonalBudgetError, ValidationError
from personalbudget.i18n import _, format_date, format_money, ngettext
from personalbudget.services import Services
from personalbudget.services.dto import ManagementView
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.edit_conflicts import settle
from ui.steps.step_page import PersonView
from ui.theme import DONE, MUTED_TEXT, OVERDUE
from ui.theme import colour as theme_colour
from ui.widgets.money_widgets import date_field, read_date, show_problem, wrapped_label
from ui.widgets.text_wrap import wrap_text

SHOWN_PAYMENTS = 4


def _pounds(pence: int) -> str:
    """Pence as an amount to edit, e.g. 1877200 -> '18,772.00' (read back by parse_pounds)."""
    return f"{pence // 100:,}.{pence % 100:02d}"


class _OptionRow:
    def __init__(self, option: ManagementOption):
        self.option = option
        self.check = QCheckBox()
        metrics = self.check.fontMetrics()  # wrapped, so a longer language does not widen the page
        self.check.setText(wrap_text(option.label, metrics, metrics.averageCharWidth() * 40))
        self.check.setAccessibleName(option.label)
        self.check.setAccessibleDescription(option.explanation)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(_("£ a year"))
        self.amount.setAccessibleName(_("{option}: amount a year in pounds").format(option=option.label))
        self.amount.setMaximumWidth(110)
        self.held_by = QLineEdit()
        self.held_by.setPlaceholderText(_("Who holds the money") if option.needs_holder else "")
        self.held_by.setAccessibleName(_("{option}: who holds the money").format(option=option.label))
        if not option.needs_holder:
            self.held_by.hide()  # (not setVisible(True) before it has a parent: that opens it as a window)
        self.check.setToolTip(
            option.explanation
            + "\n"
            + _("Client Level Data delivery mechanism: {mechanism}").format(mechanism=option.mechanism.value)
        )


class ManagementPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._view: ManagementView | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        today = services.context.clock.today()

        self.status_label = wrapped_label(rich=True)
        self.status_label.setAccessibleName(_("How the budget is managed: status"))

        # How the money is managed, with the amount under each way.
        self.options_box = QGroupBox(_("How the budget is managed (choose one, or a mix)"))
        grid = QGridLayout(self.options_box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for column, text in enumerate((_("Way of managing it"), _("Amount a year"), _("Held by"))):
            heading = QLabel(f"<b>{text}</b>")
            grid.addWidget(heading, 0, column)
        self.rows: dict[ManagementOption, _OptionRow] = {}
        for index, option in enumerate(ManagementOption, start=1):
            row = _OptionRow(option)
            row.check.toggled.connect(lambda on, r=row: self._option_toggled(r, on))
            row.amount.textChanged.connect(self._update_totals)
            grid.addWidget(row.check, index, 0)
            grid.addWidget(row.amount, index, 1)
            grid.addWidget(row.held_by, index, 2)
            self.rows[option] = row
        grid.setColumnStretch(2, 1)
        self.totals_label = wrapped_label()
        self.totals_label.setAccessibleName(_("Amounts allocated against the budget"))
        # Whether the plan lines each pot pays for fit in it, as the amounts are typed.
        self.pots_label = wrapped_label(rich=True)
        self.pots_label.setAccessibleName(_("Plan lines against each way of managing the budget"))
        self.salt_label = wrapped_label()
        self.salt_label.setAccessibleName(_("Reporting category"))
        grid.addWidget(self.salt_label, len(self.rows) + 1, 0, 1, 3)

        # The payment schedule (direct payments).
        self.schedule_box = QGroupBox(_("Direct payment schedule"))
        self.frequency = QComboBox()
        self.frequency.setAccessibleName(_("How often the money is paid"))
        for frequency in SCHEDULE_FREQUENCIES:
            self.frequency.addItem(frequency.label, frequency.value)
        self.frequency.currentIndexChanged.connect(self._update_payments)
        self.first_payment = date_field(_("First payment date"), today)
        self.first_payment.edit.textChanged.connect(self._update_payments)
        self.payment_amount = QLineEdit()
        self.payment_amount.setAccessibleName(_("Amount of each payment in pounds"))
        self.payment_amount.setMaximumWidth(120)
        self.payment_amount.textChanged.connect(self._update_payments)
        self.suggest_button = QPushButton(_("Work it out"))
        self.suggest_button.setAccessibleName(_("Work out each payment from the direct payment amount"))
        self.suggest_button.clicked.connect(self.suggest_amount)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.payment_amount)
        amount_row.addWidget(self.suggest_button)
        amount_row.addStretch(1)
        self.in_advance = QCheckBox(_("Paid in advance"))
        self.in_advance.setAccessibleName(_("Paid in advance"))
        self.in_advance.setChecked(True)
        self.payments_label = wrapped_label()
        self.payments_label.setAccessibleName(_("Expected payments"))
        schedule_form = QFormLayout(self.schedule_box)
        schedule_form.addRow(_("How often:"), self.frequency)
        schedule_form.addRow(_("First payment:"), self.first_payment)
        schedule_form.addRow(_("Each payment (£):"), amount_row)
        schedule_form.addRow("", self.in_advance)
        schedule_form.addRow(_("Expected:"), self.payments_label)

        # The account it goes to: only what identifies it.
        self.account_box = QGroupBox(_("Account the money is paid into"))
        self.account_name = QLineEdit()
        self.account_name.setAccessibleName(_("Name on the account"))
        self.account_provider = QLineEdit()
        self.account_provider.setAccessibleName(_("Bank or prepaid card scheme"))
        self.sort_code = QLineEdit()
        self.sort_code.setAccessibleName(_("Sort code"))
        self.sort_code.setPlaceholderText(_("12-34-56 (only the last 2 digits are kept)"))
        self.account_last4 = QLineEdit()
        self.account_last4.setAccessibleName(_("Last 4 digits of the account number"))
        self.account_last4.setMaxLength(12)
        self.account_last4.setMaximumWidth(90)
        self.card_last4 = QLineEdit()
        self.card_last4.setAccessibleName(_("Last 4 digits of the prepaid card"))
        self.card_last4.setMaxLength(24)
        self.card_last4.setMaximumWidth(90)
        account_note = wrapped_label(
            _("Only the last digits are kept. Never type a full card number: it will be refused."),
            selectable=False,
        )
        account_note.setStyleSheet(f"color: {MUTED_TEXT};")
        account_form = QFormLayout(self.account_box)
        account_form.addRow(_("Name on the account:"), self.account_name)
        account_form.addRow(_("Bank or card:"), self.account_provider)
        account_form.addRow(_("Sort code:"), self.sort_code)
        account_form.addRow(_("Account ends:"), self.account_last4)
        account_form.addRow(_("Card ends:"), self.card_last4)
        account_form.addRow(account_note)

        self.note = QPlainTextEdit()
        self.note.setAccessibleName(_("Note about how the budget is managed"))
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText(
            _("Anything agreed, e.g. the nominated person's role or the contingency held.")
        )
        self.note.setMaximumHeight(60)

        self.record_button = QPushButton(_("Record and move to step 5"))
        self.record_button.setObjectName("advanceButton")
        self.record_button.setAccessibleName(_("Record how the budget is managed"))
        self.record_button.clicked.connect(self.record)
        # The running check and the action stay in view above the form (as on the plan page).
        bar = QHBoxLayout()
        checks = QVBoxLayout()
        checks.addWidget(self.totals_label)
        checks.addWidget(self.pots_label)
        bar.addLayout(checks, 1)
        bar.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignTop)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status_label)
        layout.addLayout(bar)
        layout.addWidget(self.options_box)
        layout.addWidget(self.schedule_box)
        layout.addWidget(self.account_box)
        self._note_label = QLabel(_("Note:"))
        layout.addWidget(self._note_label)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setWidget(content)

    # -- public ------------------------------------------------------------------------------
    def person_view(self) -> PersonView:
        """The plain summary (``domain/person_view.management_summary``) in place of the form,
        its checks and the reporting codes, which are for staff."""
        view = PersonView(anchor=self.status_label)
        view.staff(self.status_label, self.totals_label, self.salt_label, self.pots_label)
        view.staff(
            self.options_box,
            self.schedule_box,
            self.account_box,
            self._note_label,
            self.note,
            self.record_button,
            permission=Permission.MANAGE_MONEY,
        )
        return view

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            self._view = view = self._services.management.get_management(person_id)
        except PersonalBudgetError as problem:
            show_problem(self, _("Cannot show how the budget is managed"), problem)
            return
        self._load(view)
        name_unnamed_controls(self)

    def form(self) -> ManagementForm:
        shares = [
            ShareEntry(row.option.value, row.amount.text(), row.held_by.text())
            for row in self.rows.values()
            if row.check.isChecked()
        ]
        schedule = None
        if self._pays_out():
            try:
                first = read_date(self.first_payment, _("First payment"))
            except ValueError:
                first = None
            schedule = ScheduleEntry(
                self.frequency.currentData(), first, self.payment_amount.text(), self.in_advance.isChecked()
            )
        return ManagementForm(
            shares=shares,
            schedule=schedule,
            account=AccountEntry(
                self.account_name.text(),
                self.account_provider.text(),
                self.sort_code.text(),
                self.account_last4.text(),
                self.card_last4.text(),
            ),
            note=self.note.toPlainText(),
        )

    def choose(self, option: ManagementOption, amount: str = "", held_by: str = "") -> None:
        """Tick a way of managing the budget and fill in its amount (as a person would)."""
        row = self.rows[option]
        row.check.setChecked(True)
        if amount:
            row.amount.setText(amount)
        if held_by:
            row.held_by.setText(held_by)

    def record(self) -> bool:
        try:
            if self._pays_out():
                read_date(self.first_payment, _("First payment"))
            pid, form = self._person_id, self.form()
            try:
                self._view = self._services.management.record_management(pid, form, base=self._view)
            except ConcurrentEditError as conflict:  # someone else recorded it meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.management.record_management(
                        pid, form, base=current, resolution=how
                    ),
                    reload=lambda _current: self.show_person(pid),
                )
                if settled is None:
                    return False  # theirs shown, or back to the page as typed: nothing saved
                self._view = settled
        except (PersonalBudgetError, ValueError) as problem:
            show_problem(self, _("How the budget is managed was not recorded"), problem)
            return False
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(_("Recorded how the budget is managed"))
        self._load(self._view)
        return True

    def suggest_amount(self) -> None:
        paid_out = self._paid_out_annual()
        if paid_out:
            frequency = Frequency(self.frequency.currentData())
            try:  # paid net of the person's contribution, each payment is the council's part
                amount = self._services.charging.council_payment(self._person_id, paid_out, frequency)
            except PersonalBudgetError:
                amount = suggested_payment(paid_out, frequency)
            self.payment_amount.setText(_pounds(amount))

    def _person_part_in_payments(self, paid_out: int) -> int:
        """The person's contribution a year taken off the direct payment when it is paid net."""
        try:
            split = self._services.charging.split(self._person_id)
        except PersonalBudgetError:
            return 0
        if split is None or split.contribution is None or split.contribution.basis.value != "net":
            return 0
        return min(split.person_annual_pence, paid_out)

    # -- helpers -----------------------------------------------------------------------------
    def _load(self, view: ManagementView) -> None:
        budget = view.budget_annual_pence
        if view.current_step < Step.MANAGE_BUDGET:
            status = _("How the budget is managed is recorded once the plan is agreed (step 3).")
        elif view.recorded_for_this_cycle and view.recorded_at is not None:
            status = _("<b>Recorded</b> by {who} on {date}. The agreed budget is {budget} a year.").format(
                who=view.recorded_by,
                date=format_date(view.recorded_at.date()),
                budget=format_money(budget or 0),
            )
        else:
            status = _(
                "The agreed budget is {budget} a year. Choose how it is managed with the person: every penny "
                "goes under one way of managing it."
            ).format(budget=format_money(budget or 0))
            if view.shares:
                status += " " + _("The choices below are carried over from the last cycle.")
        self.status_label.setText(status)
        for row in self.rows.values():
            row.check.blockSignals(True)
            row.check.setChecked(False)
            row.check.blockSignals(False)
            row.amount.clear()
            row.held_by.clear()
        for share in view.shares:
            row = self.rows[share.option]
            row.check.setChecked(True)
            row.amount.setText(_pounds(share.annual_pence))
            row.held_by.setText(share.held_by)
        schedule = view.schedule
        today = self._services.context.clock.today()
        self.frequency.setCurrentIndex(
            max(self.frequency.findData((schedule.frequency if schedule else Frequency.FOUR_WEEKS).value), 0)
        )
        self.first_payment.set_date(schedule.first_payment if schedule else today + timedelta(days=7))
        self.payment_amount.setText(_pounds(schedule.amount_pence) if schedule else "")
        self.in_advance.setChecked(schedule.in_advance if schedule else True)
        account = view.account
        self.account_name.setText(account.account_name if account else "")
        self.account_provider.setText(account.provider if account else "")
        self.sort_code.setText(account.sort_code_masked if account else "")
        self.account_last4.setText(account.account_last4 if account else "")
        self.card_last4.setText(account.card_last4 if account else "")
        self.note.setPlainText(view.note)
        editable = view.can_record
        for widget in (self.options_box, self.schedule_box, self.account_box, self.note):
            widget.setEnabled(editable)
        self.record_button.setVisible(editable)
        self.record_button.setText(
            _("Record and move to step 5") if view.current_step == Step.MANAGE_BUDGET else _("Save changes")
        )
        self._update_totals()

    def _option_toggled(self, row: _OptionRow, on: bool) -> None:
        row.amount.setEnabled(on)
        row.held_by.setEnabled(on)
        checked = [r for r in self.rows.values() if r.check.isChecked()]
        if (
            on
            and len(checked) == 1
            and not row.amount.text().strip()
            and self._view
            and self._view.budget_annual_pence
        ):
            row.amount.setText(_pounds(self._view.budget_annual_pence))  # one way: the whole budget
        self._update_totals()

    def _shares(self) -> list[tuple[ManagementOption, int | None]]:
        out: list[tuple[ManagementOption, int | None]] = []
        for row in self.rows.values():
            if row.check.isChecked():
                try:
                    out.append((row.option, parse_pounds(row.amount.text())))
                except ValueError:
                    out.append((row.option, None))
        return out

    def _pays_out(self) -> bool:
        return any(option.pays_out for option, _amount in self._shares())

    def _paid_out_annual(self) -> int:
        return sum(amount or 0 for option, amount in self._shares() if option.pays_out)

    def _update_totals(self) -> None:
        for row in self.rows.values():
            row.amount.setEnabled(row.check.isChecked())
            row.held_by.setEnabled(row.check.isChecked())
        shares = self._shares()
        budget = self._view.budget_annual_pence if self._view else None
        if not shares:
            self.totals_label.setText(_("Nothing chosen yet."))
            self.totals_label.setStyleSheet(f"color: {MUTED_TEXT};")
        elif any(amount is None for _o, amount in shares):
            self.totals_label.setText(_("Some amounts are not amounts of money yet, e.g. 4,500.00."))
            self.totals_label.setStyleSheet(f"color: {OVERDUE};")
        else:
            total = sum(amount or 0 for _o, amount in shares)
            text = _("Allocated {total} of the {budget} budget.").format(
                total=format_money(total), budget=format_money(budget or 0)
            )
            if budget is not None and total != budget:
                left = budget - total
                text += " " + (
                    _("{amount} still to allocate.").format(amount=format_money(left))
                    if left > 0
                    else _("{amount} too much.").format(amount=format_money(-left))
                )
                self.totals_label.setStyleSheet(f"color: {OVERDUE};")
            else:
                text += " " + _("Every penny is allocated.")
                self.totals_label.setStyleSheet(f"color: {DONE};")
            self.totals_label.setText(text)
        self._update_pots(shares)
        category = salt_category({option.mechanism for option, _a in shares})
        by_mechanism: dict[str, int] = {}
        for option, amount in shares:
            by_mechanism[option.mechanism.value] = by_mechanism.get(option.mechanism.value, 0) + (amount or 0)
        self.salt_label.setText(
            _("Client Level Data: {mechanisms}. Reported as: {salt}.").format(
                mechanisms="; ".join(f"{name} {format_money(total)}" for name, total in by_mechanism.items()),
                salt=category.value,
            )
            if category
            else _("Client Level Data: each way of managing the budget maps to a delivery mechanism.")
        )
        pays_out = self._pays_out()
        self.schedule_box.setVisible(pays_out)
        self.account_box.setVisible(pays_out)
        self._update_payments()

    def _update_pots(self, shares: list[tuple[ManagementOption, int | None]]) -> None:
        view = self._view
        typed = [(option, amount) for option, amount in shares if amount is not None]
        if view is None or not typed:
            self.pots_label.setText("")
            self.pots_label.setVisible(False)
            return
        fits = pot_fits(typed, view.paid_from, view.not_yet_paid_from)
        lines = [
            f"<b style='color:{theme_colour('overdue').name()}'>{escape(_('Not enough for its plan lines:'))}</b> "
            + escape(text, quote=False)
            for text in pot_shortfalls(fits)
        ]
        if len(typed) > 1 and view.not_yet_paid_from:
            waiting = round_half_up(sum((line.annual for line in view.not_yet_paid_from), Fraction(0)))
            lines.append(
                escape(
                    ngettext(
                        "{n} plan line ({amount} a year) is not paid from any of these yet: its part of the "
                        "budget is chosen when it is arranged in step 5.",
                        "{n} plan lines ({amount} a year) are not paid from any of these yet: their part of the "
                        "budget is chosen when they are arranged in step 5.",
                        len(view.not_yet_paid_from),
                    ).format(n=len(view.not_yet_paid_from), amount=format_money(waiting)),
                    quote=False,
                )
            )
        self.pots_label.setText("<br>".join(lines))
        self.pots_label.setVisible(bool(lines))

    def _update_payments(self) -> None:
        if not self._pays_out():
            return
        try:
            first = read_date(self.first_payment, _("First payment"))
            schedule = check_schedule(
                ScheduleEntry(
                    self.frequency.currentData(),
                    first,
                    self.payment_amount.text(),
                    self.in_advance.isChecked(),
                )
            )
        except (ValueError, ValidationError):
            self.payments_label.setText(_("Enter the first payment date and the amount of each payment."))
            return
        upcoming = expected_payments(
            schedule, schedule.first_payment, schedule.first_payment + timedelta(days=400)
        )
        dates = ", ".join(format_date(day) for day, _a in upcoming[:SHOWN_PAYMENTS])
        yearly = schedule.annual_pence
        text = ngettext(
            "{dates}… {n} payment a year, {year} a year.",
            "{dates}… {n} payments a year, {year} a year.",
            schedule.frequency.times_per_year,
        ).format(dates=dates, n=schedule.frequency.times_per_year, year=format_money(yearly))
        paid_out = self._paid_out_annual()
        person = self._person_part_in_payments(paid_out) if paid_out else 0
        if person:
            text += " " + _(
                "Paid net: the direct payment of {dp} a year less the person's contribution of {person} a "
                "year is {council} a year from the council."
            ).format(
                dp=format_money(paid_out),
                person=format_money(person),
                council=format_money(paid_out - person),
            )
            paid_out -= person
        if paid_out and yearly != paid_out:
            template = (
                _("That is {amount} more than the direct payment of {dp} a year.")
                if yearly > paid_out
                else _("That is {amount} less than the direct payment of {dp} a year.")
            )
            text += " " + template.format(
                amount=format_money(abs(yearly - paid_out)), dp=format_money(paid_out)
            )
        self.payments_label.setText(text)
