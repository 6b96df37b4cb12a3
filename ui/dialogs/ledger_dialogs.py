"""Small dialogs of the ledger page: a transaction by hand, linking to the plan, the statement
period, and the local rules for alerts."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.surplus import SurplusForm, SurplusOption
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_money, ngettext
from personalbudget.services import Services
from personalbudget.services.charging_service import SurplusView
from personalbudget.services.ledger_service import LinkChoice, TransactionForm
from personalbudget.services.settings_service import MoneySettings
from ui.accessibility import name_unnamed_controls
from ui.widgets.money_widgets import date_field, form_with_save_cancel, read_date, show_problem, wrapped_label


def link_combo(
    name: str, choices: tuple[LinkChoice, ...] | list[LinkChoice], *, none_label: str
) -> QComboBox:
    """A drop-down of what a transaction can be linked to; data is (plan item id, category)."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.addItem(none_label, (None, ""))
    for choice in choices:
        combo.addItem(choice.label, (choice.plan_item_id, choice.category))
    return combo


class TransactionDialog(QDialog):
    """A payment or spending entered by hand (cash, or one not on any statement)."""

    def __init__(
        self,
        services: Services,
        person_id: int,
        choices: tuple[LinkChoice, ...],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._services = services
        self._person_id = person_id
        self.saved_id: int | None = None
        self.setWindowTitle(_("Add a transaction"))
        today = services.context.clock.today()
        self.posted_on = date_field(_("Date"), today, future=False)
        self.posted_on.set_date(today)
        self.money_out = QRadioButton(_("Money out (spending)"))
        self.money_out.setAccessibleName(_("Money out"))
        self.money_in = QRadioButton(_("Money in"))
        self.money_in.setAccessibleName(_("Money in"))
        self.money_out.setChecked(True)
        direction = QButtonGroup(self)
        direction.addButton(self.money_out)
        direction.addButton(self.money_in)
        directions = QHBoxLayout()
        directions.addWidget(self.money_out)
        directions.addWidget(self.money_in)
        directions.addStretch(1)
        self.amount = QLineEdit()
        self.amount.setAccessibleName(_("Amount in pounds"))
        self.description = QLineEdit()
        self.description.setAccessibleName(_("What it was, e.g. the payee"))
        self.link = link_combo(_("Plan item it pays for"), choices, none_label=_("Not linked to the plan"))
        form = QFormLayout()
        form.addRow(_("Date:"), self.posted_on)
        form.addRow("", directions)
        form.addRow(_("Amount (£):"), self.amount)
        form.addRow(_("Description:"), self.description)
        form.addRow(_("Plan item:"), self.link)
        form_with_save_cancel(self, form, self.save)
        name_unnamed_controls(self)

    def save(self) -> bool:
        item_id, category = self.link.currentData()
        try:
            form = TransactionForm(
                read_date(self.posted_on, _("Date")),
                self.amount.text(),
                self.money_in.isChecked(),
                self.description.text(),
                item_id,
                category,
            )
            self.saved_id = self._services.ledger.add_transaction(self._person_id, form)
        except (PersonalBudgetError, ValueError) as problem:
            show_problem(self, _("The transaction was not added"), problem)
            return False
        self.accept()
        return True


class LinkDialog(QDialog):
    """Link the chosen transactions to an item of the plan (or unlink them)."""

    def __init__(self, choices: tuple[LinkChoice, ...], count: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Link to the plan"))
        self.link = link_combo(_("Plan item"), choices, none_label=_("Not linked (remove the link)"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped_label(
                ngettext("Link {n} transaction to:", "Link {n} transactions to:", count).format(n=count)
            )
        )
        layout.addWidget(self.link)
        layout.addWidget(buttons)
        name_unnamed_controls(self)

    def choice(self) -> tuple[int | None, str]:
        return self.link.currentData()


class StatementPeriodDialog(QDialog):
    """The period a budget statement covers."""

    def __init__(self, today: date, start: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Budget statement"))
        self.start = date_field(_("First day of the statement"), today, future=False)
        self.start.set_date(start)
        self.end = date_field(_("Last day of the statement"), today, future=False)
        self.end.set_date(today)
        form = QFormLayout()
        form.addRow(_("From:"), self.start)
        form.addRow(_("To:"), self.end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped_label(
                _(
                    "The statement shows the opening balance, payments in, spending by plan item, every transaction and the closing balance."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.period: tuple[date, date] | None = None
        name_unnamed_controls(self)

    def _check(self) -> None:
        try:
            start = read_date(self.start, _("From"))
            end = read_date(self.end, _("To"))
        except ValueError as problem:
            show_problem(self, _("Check the dates"), problem)
            return
        if start is None or end is None or end < start:
            show_problem(
                self, _("Check the dates"), ValueError(_("Enter both dates, the first before the last."))
            )
            return
        self.period = (start, end)
        self.accept()


class MoneySettingsDialog(QDialog):
    """Local rules for direct payments (shared by everyone using this caseload)."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.setWindowTitle(_("Local rules for direct payments"))
        current = services.settings.money()
        self.surplus = self._spin(_("Surplus limit in weeks of payments"), 1, 52, current.surplus_limit_weeks)
        self.recent = self._spin(
            _("Weeks of recent spending used for the forecast"), 2, 52, current.recent_weeks
        )
        self.reminder = self._spin(
            _("Days of notice before insurance or DBS checks run out"), 1, 365, current.reminder_days
        )
        self.dbs = self._spin(_("Years between DBS checks"), 1, 10, current.dbs_recheck_years)
        self.largest = self._spin(
            _("The most one transaction can be, in pounds"), 100, 10_000_000, current.max_transaction_pounds
        )
        self.largest.setPrefix("£")
        self.largest.setGroupSeparatorShown(True)
        form = QFormLayout()
        form.addRow(_("Surplus limit (weeks of payments):"), self.surplus)
        form.addRow(_("Forecast from the last (weeks):"), self.recent)
        form.addRow(_("Remind before expiry (days):"), self.reminder)
        form.addRow(_("Renew DBS checks every (years):"), self.dbs)
        form.addRow(_("Largest single transaction (imports refuse more):"), self.largest)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped_label(
                _(
                    "These are local rules, not law. A surplus is a reason for a conversation with the person, not a blanket reclaim."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(buttons)
        name_unnamed_controls(self)

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setAccessibleName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    def save(self) -> bool:
        try:
            self._services.settings.save_money(
                MoneySettings(
                    self.surplus.value(),
                    self.recent.value(),
                    self.reminder.value(),
                    self.dbs.value(),
                    self.largest.value(),
                )
            )
        except PersonalBudgetError as problem:
            show_problem(self, _("The rules were not saved"), problem)
            return False
        self.accept()
        return True


class SurplusDialog(QDialog):
    """A surplus beyond the limit: the conversation with the person, then keep, reduce or recover."""

    def __init__(self, view: SurplusView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("A surplus in the account"))
        explanation = wrapped_label(
            ngettext(
                "The balance of {balance} is {surplus} more than {weeks} week of payments ({limit}). "
                "Talk with the person first about why, then record what you agreed.",
                "The balance of {balance} is {surplus} more than {weeks} weeks of payments ({limit}). "
                "Talk with the person first about why, then record what you agreed.",
                view.weeks,
            ).format(
                balance=format_money(view.balance_pence),
                surplus=format_money(view.surplus_pence),
                weeks=view.weeks,
                limit=format_money(view.limit_pence or 0),
            )
        )
        self.conversation = QPlainTextEdit()
        self.conversation.setTabChangesFocus(True)
        self.conversation.setAccessibleName(_("The conversation with the person"))
        self.conversation.setPlaceholderText(_("Who you talked with, when, and what they said."))
        self.option = QComboBox()
        self.option.setAccessibleName(_("What was agreed"))
        self.option.addItem(_("Choose..."), "")
        for option in SurplusOption:
            self.option.addItem(option.label, option.value)
        self.amount = QLineEdit(f"{view.surplus_pence / 100:.2f}")
        self.amount.setAccessibleName(_("How much of the surplus, in pounds"))
        self.purchase = QLineEdit()
        self.purchase.setAccessibleName(_("What the money is kept for"))
        form = QFormLayout()
        form.addRow(explanation)
        form.addRow(_("Conversation:"), self.conversation)
        form.addRow(_("Agreed:"), self.option)
        form.addRow(_("Amount (£):"), self.amount)
        form.addRow(_("Kept for:"), self.purchase)
        form_with_save_cancel(self, form, self.save)
        name_unnamed_controls(self)

    def form(self) -> SurplusForm:
        return SurplusForm(
            self.option.currentData() or "",
            self.amount.text(),
            self.conversation.toPlainText(),
            self.purchase.text(),
        )

    def save(self) -> None:
        self.accept()


class ContributionPaymentDialog(QDialog):
    """A payment the person made towards their assessed contribution."""

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Record a contribution payment"))
        self.posted_on = date_field(_("Date paid"), today, future=False)
        self.posted_on.set_date(today)
        self.amount = QLineEdit()
        self.amount.setAccessibleName(_("Amount in pounds"))
        self.note = QLineEdit()
        self.note.setAccessibleName(_("Note, e.g. standing order"))
        form = QFormLayout()
        form.addRow(_("Date paid:"), self.posted_on)
        form.addRow(_("Amount (£):"), self.amount)
        form.addRow(_("Note:"), self.note)
        form_with_save_cancel(self, form, self.save)
        name_unnamed_controls(self)

    def paid_on(self) -> date | None:
        try:
            return read_date(self.posted_on, _("Date paid"))
        except ValueError:
            return None

    def save(self) -> None:
        self.accept()
