"""Accounts: who can sign in to this caseload, and adding a colleague (for account managers)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.roles import Role
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.user_service import SignedInUser, UserService


class AccountsDialog(QDialog):
    def __init__(self, users: UserService, manager: SignedInUser, parent: QWidget | None = None):
        super().__init__(parent)
        self._users = users
        self._manager = manager
        self.setWindowTitle(_("Accounts"))
        self.setMinimumWidth(560)
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName(_("Accounts on this caseload"))
        self.table.setHorizontalHeaderLabels([_("User name"), _("Name"), _("Role")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        box = QGroupBox(_("Add a colleague"))
        self.username = QLineEdit()
        self.username.setAccessibleName(_("New user name"))
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName(_("Their name"))
        self.role = QComboBox()
        self.role.setAccessibleName(_("Their role"))
        for role in Role:
            self.role.addItem(role.label, role)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("A first password for them"))
        self.manages = QCheckBox(_("Can manage accounts"))
        self.manages.setAccessibleName(self.manages.text())
        self.add_button = QPushButton(_("Add account"))
        self.add_button.setAccessibleName(_("Add the account"))
        self.add_button.clicked.connect(self.add)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(box)
        form.addRow(_("User name:"), self.username)
        form.addRow(_("Name:"), self.display_name)
        form.addRow(_("Role:"), self.role)
        form.addRow(_("First password:"), self.password)
        form.addRow(self.manages)
        form.addRow(self.add_button)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(box)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        accounts = self._users.list_users(self._manager)
        self.table.setRowCount(0)
        for account in accounts:
            row = self.table.rowCount()
            self.table.insertRow(row)
            role = account.role.label + (" · " + _("manages accounts") if account.can_manage_users else "")
            for column, text in enumerate((account.username, account.display_name, role)):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def add(self) -> bool:
        try:
            account = self._users.create_user(
                self.username.text(),
                self.display_name.text(),
                self.password.text(),
                Role(self.role.currentData()),
                can_manage_users=self.manages.isChecked(),
                by=self._manager,
            )
        except ValidationError as problem:
            self.message.setText("\n".join(e.message for e in problem.errors))
            return False
        except PersonalBudgetError as problem:
            self.message.setText(str(problem))
            return False
        self.message.setText(
            _("Added {name}. Give them their first password in person; they sign in with it.").format(
                name=account.display_name
            )
        )
        for field in (self.username, self.display_name, self.password):
            field.clear()
        self.refresh()
        return True
