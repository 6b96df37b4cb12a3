"""Signing in (and setting up the first account), and locking the app after inactivity."""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.roles import Role
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.user_service import SignedInUser, UserService


class SignInDialog(QDialog):
    """User name and password; with ``first_account``, sets up the first (managing) practitioner account."""

    def __init__(
        self,
        users: UserService,
        *,
        first_account: bool = False,
        locked_user: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._users = users
        self._first = first_account
        self.user: SignedInUser | None = None
        self.setMinimumWidth(460)
        if first_account:
            self.setWindowTitle(_("Set up your account"))
            intro = _(
                "No one has an account on this caseload yet. Set up your own: you will sign in with it, and "
                "every change you make is recorded against your name. You can add colleagues' accounts later."
            )
        elif locked_user:
            self.setWindowTitle(_("PersonalBudget is locked"))
            intro = _("PersonalBudget was locked after a time with no use. Enter your password to carry on.")
        else:
            self.setWindowTitle(_("Sign in to PersonalBudget"))
            intro = _("Sign in with your PersonalBudget account.")
        label = QLabel(intro)
        label.setWordWrap(True)
        self.username = QLineEdit(locked_user)
        self.username.setAccessibleName(_("User name"))
        self.username.setReadOnly(bool(locked_user))
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName(_("Your name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName(_("Password again"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        form.addRow(_("User name:"), self.username)
        if first_account:
            form.addRow(_("Your name:"), self.display_name)
        form.addRow(_("Password:"), self.password)
        if first_account:
            form.addRow(_("Password again:"), self.repeat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            _("Set up") if first_account else _("Sign in")
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if locked_user else self.username).setFocus()

    def submit(self) -> bool:
        try:
            if self._first:
                if self.password.text() != self.repeat.text():
                    self.error.setText(_("The two passwords are different. Type them again."))
                    return False
                self.user = self._users.create_user(
                    self.username.text(), self.display_name.text(), self.password.text(), Role.PRACTITIONER
                )
            else:
                self.user = self._users.sign_in(self.username.text(), self.password.text())
        except ValidationError as problem:
            self.error.setText("\n".join(e.message for e in problem.errors))
            return False
        except PersonalBudgetError as problem:
            self.error.setText(str(problem))
            self.password.clear()
            return False
        self.accept()
        return True


def sign_in(users: UserService) -> SignedInUser | None:
    dialog = SignInDialog(users, first_account=not users.has_users())
    return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


class InactivityLock(QObject):
    """Calls ``on_lock`` after ``minutes`` without keyboard or mouse use."""

    INPUT_EVENTS = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        }
    )

    def __init__(self, minutes: float, on_lock: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._limit = minutes * 60
        self._on_lock = on_lock
        self._last_input = time.monotonic()
        self._locked = False
        self._timer = QTimer(self)
        self._timer.setInterval(15_000)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        if (app := QApplication.instance()) is not None:
            app.installEventFilter(self)

    def stop(self) -> None:
        """No more locking: the app is closing (a timer left running would lock a later window).
        Safe to call again, after the lock itself was deleted."""
        if not shiboken6.isValid(self):
            return
        self._timer.stop()
        if (app := QApplication.instance()) is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def idle_seconds(self) -> float:
        return time.monotonic() - self._last_input

    def check(self) -> None:
        if not self._locked and self.idle_seconds() >= self._limit:
            self._locked = True
            try:
                self._on_lock()
            finally:
                self._locked = False
                self._last_input = time.monotonic()
