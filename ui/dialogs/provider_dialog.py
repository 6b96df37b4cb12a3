"""Adding or changing an entry in the directory of providers and personal assistants."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from personalbudget.domain.support import ProviderForm, ProviderKind
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.services import Services
from personalbudget.services.support_service import ProviderView
from ui.accessibility import name_unnamed_controls
from ui.widgets.money_widgets import form_with_save_cancel, show_problem


class ProviderDialog(QDialog):
    def __init__(
        self, services: Services, provider: ProviderView | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._services = services
        self._provider = provider
        self.saved: ProviderView | None = None
        self.setWindowTitle(_("Change provider") if provider else _("Add a provider or personal assistant"))
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Name"))
        self.kind = QComboBox()
        self.kind.setAccessibleName(_("Type of provider"))
        for kind in ProviderKind:
            self.kind.addItem(kind.label, kind.value)
        self.contact = QLineEdit()
        self.contact.setAccessibleName(_("Contact person"))
        self.phone = QLineEdit()
        self.phone.setAccessibleName(_("Phone"))
        self.email = QLineEdit()
        self.email.setAccessibleName(_("Email"))
        self.registration = QLineEdit()
        self.registration.setAccessibleName(_("Registration number"))
        self.registration.setPlaceholderText(_("e.g. CQC location ID, for a regulated agency"))
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName(_("Notes"))
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(70)
        form = QFormLayout()
        form.addRow(_("Name:"), self.name)
        form.addRow(_("Type:"), self.kind)
        form.addRow(_("Contact:"), self.contact)
        form.addRow(_("Phone:"), self.phone)
        form.addRow(_("Email:"), self.email)
        form.addRow(_("Registration number:"), self.registration)
        form.addRow(_("Notes:"), self.notes)
        form_with_save_cancel(self, form, self.save)
        if provider is not None:
            self.name.setText(provider.name)
            self.kind.setCurrentIndex(self.kind.findData(provider.kind.value))
            self.contact.setText(provider.contact)
            self.phone.setText(provider.phone)
            self.email.setText(provider.email)
            self.registration.setText(provider.registration_number)
            self.notes.setPlainText(provider.notes)
        name_unnamed_controls(self)

    def form(self) -> ProviderForm:
        return ProviderForm(
            name=self.name.text(),
            kind=self.kind.currentData(),
            contact=self.contact.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            registration_number=self.registration.text(),
            notes=self.notes.toPlainText(),
        )

    def save(self) -> bool:
        try:
            self.saved = self._services.support.save_provider(
                self.form(), self._provider.id if self._provider else None
            )
        except PersonalBudgetError as problem:
            show_problem(self, _("The provider was not saved"), problem)
            return False
        self.accept()
        return True
