"""Accounts: who can sign in to this caseload, for account managers: add a colleague (or a person or
carer account linked to the people it is for), disable and enable, change role, reset a password
(a new one is chosen at the next sign-in), with each account's state and last sign-in.

Also the dialog a user sees at sign-in when their password was reset.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import _, format_date, format_time
from personalbudget.services.user_service import LINKED_ROLES, AccountView, SignedInUser, UserService

COLUMNS = (
    lambda: _("User name"),
    lambda: _("Name"),
    lambda: _("Role"),
    lambda: _("Team"),
    lambda: _("State"),
    lambda: _("Last sign-in"),
    lambda: _("People"),
)


def account_state(account: AccountView) -> str:
    if not account.active:
        return _("Disabled")
    if account.locked_until is not None and account.locked_until > SystemClock().now():
        return _("Locked until {time}").format(time=format_time(account.locked_until))
    if account.must_change_password:
        return _("New password at next sign-in")
    return _("Active")


def last_sign_in(account: AccountView) -> str:
    if account.last_sign_in_at is None:
        return _("Never")
    return (
        f"{format_date(account.last_sign_in_at.astimezone().date())} {format_time(account.last_sign_in_at)}"
    )


class AccountsDialog(QDialog):
    def __init__(self, users: UserService, manager: SignedInUser, parent: QWidget | None = None):
        super().__init__(parent)
        self._users = users
        self._manager = manager
        self.accounts: list[AccountView] = []
        self.setWindowTitle(_("Accounts"))
        self.setMinimumWidth(760)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName(_("Accounts on this caseload"))
        self.table.setHorizontalHeaderLabels([c() for c in COLUMNS])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.disable_button = QPushButton(_("&Disable"))
        self.disable_button.setAccessibleName(_("Disable or enable the chosen account"))
        self.disable_button.clicked.connect(self.toggle_active)
        self.role_button = QPushButton(_("Change &role…"))
        self.role_button.setAccessibleName(_("Change the chosen account's role"))
        self.role_button.clicked.connect(self.change_role)
        self.reset_button = QPushButton(_("Reset &password…"))
        self.reset_button.setAccessibleName(_("Reset the chosen account's password"))
        self.reset_button.clicked.connect(self.reset_password)
        actions = QHBoxLayout()
        for button in (self.disable_button, self.role_button, self.reset_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.team_check = QCheckBox(_("Practitioners see the people of others in their team"))
        self.team_check.setAccessibleName(self.team_check.text())
        self.team_check.setChecked(users.team_visibility())
        self.team_check.toggled.connect(self.set_team_visibility)
        actions.addWidget(self.team_check)

        box = QGroupBox(_("Add an account"))
        self.username = QLineEdit()
        self.username.setAccessibleName(_("New user name"))
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName(_("Their name"))
        self.role = QComboBox()
        self.role.setAccessibleName(_("Their role"))
        for role in Role:
            self.role.addItem(role.label, role)
        self.role.currentIndexChanged.connect(self._update_people_field)
        self.people = QLineEdit()
        self.people.setAccessibleName(_("The ids of the people the account is for"))
        self.people.setPlaceholderText(
            _("Person ids, e.g. 12 or 12, 40 (a carer may represent more than one)")
        )
        self.team = QLineEdit()
        self.team.setAccessibleName(_("Their team"))
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
        self.message.setAccessibleName(_("Accounts message"))
        form = QFormLayout(box)
        form.addRow(_("User name:"), self.username)
        form.addRow(_("Name:"), self.display_name)
        form.addRow(_("Role:"), self.role)
        form.addRow(_("For people (ids):"), self.people)
        form.addRow(_("Team:"), self.team)
        form.addRow(_("First password:"), self.password)
        form.addRow(self.manages)
        form.addRow(self.add_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(box)
        layout.addWidget(buttons)
        self._update_people_field()
        self.refresh()

    def refresh(self) -> None:
        self.accounts = self._users.accounts(self._manager)
        self.table.setRowCount(0)
        for account in self.accounts:
            row = self.table.rowCount()
            self.table.insertRow(row)
            role = account.role.label + (" · " + _("manages accounts") if account.can_manage_users else "")
            texts = (
                account.username,
                account.display_name,
                role,
                account.team,
                account_state(account),
                last_sign_in(account),
                ", ".join(str(p) for p in account.people),
            )
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def chosen(self) -> AccountView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()] if rows else None

    def choose(self, username: str) -> None:
        for row, account in enumerate(self.accounts):
            if account.username == username:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        account = self.chosen()
        for button in (self.disable_button, self.role_button, self.reset_button):
            button.setEnabled(account is not None)
        self.disable_button.setText(
            _("&Enable") if account is not None and not account.active else _("&Disable")
        )

    def _update_people_field(self) -> None:
        self.people.setEnabled(self.role.currentData() in LINKED_ROLES)

    def _done(self, text: str) -> None:
        chosen = self.chosen()
        self.refresh()
        if chosen is not None:
            self.choose(chosen.username)
        self.message.setText(text)

    def _show(self, problem: PersonalBudgetError) -> None:
        if isinstance(problem, ValidationError):
            self.message.setText("\n".join(e.message for e in problem.errors))
        else:
            self.message.setText(str(problem))

    def set_team_visibility(self, on: bool) -> bool:
        try:
            self._users.set_team_visibility(on, self._manager)
        except PersonalBudgetError as problem:
            self._show(problem)
            return False
        self.message.setText(
            _("Practitioners now see their team's people.")
            if on
            else _("Practitioners now see only their own people (and anyone not yet allocated).")
        )
        return True

    def toggle_active(self) -> bool:
        account = self.chosen()
        if account is None:
            return False
        try:
            self._users.set_active(account.username, not account.active, self._manager)
        except PersonalBudgetError as problem:
            self._show(problem)
            return False
        self._done(
            _("Enabled {name}.").format(name=account.username)
            if not account.active
            else _("Disabled {name}: it can no longer sign in.").format(name=account.username)
        )
        return True

    def change_role(self, role: Role | None = None, manages: bool | None = None) -> bool:
        account = self.chosen()
        if account is None:
            return False
        if role is None:
            labels = [r.label for r in Role]
            label, ok = QInputDialog.getItem(
                self, _("Change role"), _("Role for {name}:").format(name=account.username), labels,
                list(Role).index(account.role), False,
            )  # fmt: skip
            if not ok:
                return False
            role = list(Role)[labels.index(label)]
        try:
            self._users.set_role(account.username, role, self._manager, can_manage_users=manages)
        except PersonalBudgetError as problem:
            self._show(problem)
            return False
        self._done(_("{name} is now {role}.").format(name=account.username, role=role.label))
        return True

    def reset_password(self, password: str | None = None) -> bool:
        account = self.chosen()
        if account is None:
            return False
        if password is None:
            password, ok = QInputDialog.getText(
                self,
                _("Reset password"),
                _("A one-time password for {name} (they choose their own at the next sign-in):").format(
                    name=account.username
                ),
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return False
        try:
            self._users.reset_password(account.username, password, self._manager)
        except PersonalBudgetError as problem:
            self._show(problem)
            return False
        self._done(
            _("Reset the password of {name}: they choose a new one when they next sign in.").format(
                name=account.username
            )
        )
        return True

    def add(self) -> bool:
        try:
            people = (
                tuple(int(p) for p in self.people.text().replace(",", " ").split())
                if self.people.isEnabled()
                else ()
            )
        except ValueError:
            self.message.setText(_("Give the people as their ids (numbers), separated by commas."))
            return False
        try:
            account = self._users.create_user(
                self.username.text(),
                self.display_name.text(),
                self.password.text(),
                Role(self.role.currentData()),
                can_manage_users=self.manages.isChecked(),
                by=self._manager,
                people=people,
                team=self.team.text(),
            )
        except PersonalBudgetError as problem:
            self._show(problem)
            return False
        self.message.setText(
            _("Added {name}. Give them their first password in person; they sign in with it.").format(
                name=account.display_name
            )
        )
        for field in (self.username, self.display_name, self.password, self.people, self.team):
            field.clear()
        self.refresh()
        return True


class ChangePasswordDialog(QDialog):
    """After a password reset: the user chooses their own before going on."""

    def __init__(self, users: UserService, user: SignedInUser, parent: QWidget | None = None):
        super().__init__(parent)
        self._users = users
        self._user = user
        self.signed_in: SignedInUser | None = None
        self.setWindowTitle(_("Choose a new password"))
        explain = QLabel(
            _("Your password was reset. Choose your own password now; the one-time password stops working.")
        )
        explain.setWordWrap(True)
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.again = QLineEdit()
        for field, name in (
            (self.old, _("One-time password")),
            (self.new, _("New password")),
            (self.again, _("New password again")),
        ):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(name)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Problem"))
        form = QFormLayout()
        form.addRow(_("One-time password:"), self.old)
        form.addRow(_("New password:"), self.new)
        form.addRow(_("Again:"), self.again)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def change(self) -> bool:
        if self.new.text() != self.again.text():
            self.message.setText(_("The two new passwords are not the same."))
            return False
        try:
            self.signed_in = self._users.change_password(
                self._user.username, self.old.text(), self.new.text()
            )
        except PersonalBudgetError as problem:
            self.message.setText(
                "\n".join(e.message for e in problem.errors)
                if isinstance(problem, ValidationError)
                else str(problem)
            )
            return False
        self.accept()
        return True
