"""Arranging one item of the agreed plan: who delivers it, from when, at what rate, paid from which part."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from personalbudget.domain.management import ManagementOption
from personalbudget.domain.money import parse_pounds
from personalbudget.domain.support import ArrangementForm, rate_over_plan
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_money, format_number
from personalbudget.services import Services
from personalbudget.services.support_service import ItemArrangements, SupportView
from ui.accessibility import name_unnamed_controls
from ui.dialogs.provider_dialog import ProviderDialog
from ui.theme import colour as theme_colour
from ui.widgets.money_widgets import date_field, form_with_save_cancel, read_date, show_problem, wrapped_label


class ArrangementDialog(QDialog):
    def __init__(
        self,
        services: Services,
        person_id: int,
        entry: ItemArrangements,
        funding: tuple[ManagementOption, ...],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._services = services
        self._person_id = person_id
        self._entry = entry
        self.result_view: SupportView | None = None
        self._provider_names: dict[int, str] = {}
        item = entry.item
        self.setWindowTitle(_("Arrange: {item}").format(item=item.label))
        planned = _("Planned: {unit} × {quantity} {frequency}{provider}.").format(
            unit=format_money(item.unit_cost_pence),
            quantity=format_number(item.quantity),
            frequency=item.frequency.label,
            provider=_(" with {name}").format(name=item.provider) if item.provider else "",
        )
        self.provider = QComboBox()
        self.provider.setAccessibleName(_("Who delivers it"))
        self.new_provider_button = QPushButton(_("New…"))
        self.new_provider_button.setAccessibleName(_("Add a new provider or personal assistant"))
        self.new_provider_button.clicked.connect(self.add_provider)
        provider_row = QHBoxLayout()
        provider_row.addWidget(self.provider, 1)
        provider_row.addWidget(self.new_provider_button)
        self.starts_on = date_field(_("Start date"), services.context.clock.today())
        self.starts_on.set_date(services.context.clock.today())
        self.rate = QLineEdit(f"{item.unit_cost_pence / 100:.2f}")
        self.rate.setAccessibleName(_("Rate per unit in pounds"))
        # A rate above the plan's unit cost is said as it is typed: how much a unit and a year.
        self.rate_note = wrapped_label()
        self.rate_note.setAccessibleName(_("Rate against the plan"))
        self.rate_note.setStyleSheet(f"color: {theme_colour('warning').name()};")
        self.rate.textChanged.connect(self._update_rate_note)
        self.provider.currentIndexChanged.connect(self._update_rate_note)
        self.funding = QComboBox()
        self.funding.setAccessibleName(_("Paid for from"))
        for option in funding:
            self.funding.addItem(option.label, option.value)
        self.note = QLineEdit()
        self.note.setAccessibleName(_("Note about the arrangement"))
        form = QFormLayout()
        form.addRow(wrapped_label(planned))
        form.addRow(_("Delivered by:"), provider_row)
        form.addRow(_("From:"), self.starts_on)
        form.addRow(_("Rate per unit (£):"), self.rate)
        form.addRow("", self.rate_note)
        if funding:
            form.addRow(_("Paid for from:"), self.funding)
        form.addRow(_("Note:"), self.note)
        form_with_save_cancel(self, form, self.save)
        self._fill_providers()
        self._update_rate_note()
        name_unnamed_controls(self)

    def _update_rate_note(self) -> None:
        item = self._entry.item
        try:
            rate = parse_pounds(self.rate.text())
        except ValueError:
            self.rate_note.setText("")
            self.rate_note.setVisible(False)
            return
        provider = self._provider_names.get(self.provider.currentData(), "")
        over = rate_over_plan(provider, item.unit_cost_pence, rate, item.quantity, item.frequency)
        self.rate_note.setText(over.describe(item.label) if over else "")
        self.rate_note.setVisible(over is not None)

    def _fill_providers(self, select: int | None = None) -> None:
        self.provider.clear()
        self.provider.addItem(_("Choose…"), None)
        providers = self._services.support.providers()
        self._provider_names = {p.id: p.name for p in providers}
        for provider in providers:
            self.provider.addItem(f"{provider.name} ({provider.kind_label})", provider.id)
        if select is not None:
            self.provider.setCurrentIndex(self.provider.findData(select))
        elif self._entry.item.provider:
            index = self.provider.findText(self._entry.item.provider, flags=Qt.MatchFlag.MatchStartsWith)
            if index > 0:
                self.provider.setCurrentIndex(index)

    def choose_provider(self, provider_id: int) -> None:
        self.provider.setCurrentIndex(self.provider.findData(provider_id))

    def add_provider(self) -> None:
        dialog = ProviderDialog(self._services, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self._fill_providers(dialog.saved.id)

    def form(self, starts_on: date | None) -> ArrangementForm:
        return ArrangementForm(
            plan_item_id=self._entry.item.item_id,
            provider_id=self.provider.currentData(),
            starts_on=starts_on,
            unit_rate=self.rate.text(),
            funding_option=self.funding.currentData() or "",
            note=self.note.text(),
        )

    def save(self) -> bool:
        try:
            starts_on = read_date(self.starts_on, _("Start date"))
            self.result_view = self._services.support.save_arrangement(self._person_id, self.form(starts_on))
        except (PersonalBudgetError, ValueError) as problem:
            show_problem(self, _("The arrangement was not saved"), problem)
            return False
        self.accept()
        return True
