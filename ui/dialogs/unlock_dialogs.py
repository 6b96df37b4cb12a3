"""Unlocking an encrypted caseload: asking for a passphrase, and showing a new recovery key once
(to copy, or to print on paper: it is never saved or logged by the app)."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import personalbudget
from personalbudget.i18n import _, format_date
from personalbudget.services.caseload_file import MIN_PASSPHRASE


class PassphraseDialog(QDialog):
    """Asks for the caseload's passphrase; when creating one, asks twice and checks the length."""

    def __init__(self, creating: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self._creating = creating
        self.setMinimumWidth(460)
        self.setWindowTitle(_("Choose a passphrase") if creating else _("Unlock the caseload"))
        intro = QLabel(
            _(
                "This computer has no keyring to keep the caseload's key in, so it is protected by a passphrase. "
                "Choose one of at least {n} characters that you will remember; a recovery key is shown next."
            ).format(n=MIN_PASSPHRASE)
            if creating
            else _("The caseload is encrypted. Enter its passphrase to open it.")
        )
        intro.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(_("Passphrase"))
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName(_("Passphrase again"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        form = QFormLayout()
        form.addRow(_("Passphrase:"), self.passphrase)
        if creating:
            form.addRow(_("Again:"), self.repeat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        text = self.passphrase.text()
        if self._creating and len(text) < MIN_PASSPHRASE:
            self.error.setText(_("Use at least {n} characters.").format(n=MIN_PASSPHRASE))
            return
        if self._creating and text != self.repeat.text():
            self.error.setText(_("The two passphrases are different. Type them again."))
            return
        if not text:
            self.error.setText(_("Enter the passphrase."))
            return
        self.accept()

    def value(self) -> str:
        return self.passphrase.text()


def ask_passphrase(creating: bool) -> str | None:
    dialog = PassphraseDialog(creating)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class RecoveryKeyDialog(QDialog):
    """Shows a new recovery key once; OK is enabled only after the person says it is kept safe."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Your recovery key"))
        self.setMinimumWidth(460)
        intro = QLabel(
            _(
                "Your caseload is encrypted. This recovery key opens it if the keyring or passphrase is ever lost. "
                "It is shown only now: write it down or print it, and keep it somewhere safe away from this laptop."
            )
        )
        intro.setWordWrap(True)
        self.key_label = QLabel(recovery_key)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName(_("Recovery key"))
        self.key_label.setAccessibleDescription(recovery_key)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.key_label.setFont(font)
        copy = QPushButton(_("Copy"))
        copy.setAccessibleName(_("Copy the recovery key"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(recovery_key))
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setAccessibleName(_("Print the recovery key"))
        self.print_button.clicked.connect(self.ask_print)
        self._recovery_key = recovery_key
        self.kept = QCheckBox(_("I have written down or printed the recovery key and will keep it safe"))
        self.kept.setAccessibleName(self.kept.text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.kept.toggled.connect(self.ok_button.setEnabled)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.key_label)
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(copy)
        key_buttons.addWidget(self.print_button)
        key_buttons.addStretch(1)
        layout.addLayout(key_buttons)
        layout.addWidget(self.kept)
        layout.addWidget(buttons)
        # A check box cannot wrap: the dialog is at least as wide as its sentence, in any language.
        margins = layout.contentsMargins()
        self.setMinimumWidth(max(460, self.kept.sizeHint().width() + margins.left() + margins.right()))

    def ask_print(self) -> bool:
        """Choose a printer (the system's print dialog) and print the key on one page."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(_("Recovery key"))
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print the recovery key"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.print_to(printer)
        return True

    def print_to(self, printer: QPrinter) -> None:
        """The key on a page: what it is for and where to keep it."""
        document = QTextDocument()
        document.setHtml(
            "<h2>{title}</h2><p>{what}</p><p style='font-family: monospace; font-size: x-large; white-space: nowrap'>{key}</p>"
            "<p>{keep}</p><p>{when}</p>".format(
                title=escape(_("{app} recovery key").format(app=personalbudget.APP_NAME)),
                what=escape(
                    _("This key opens the encrypted caseload if the keyring or passphrase is ever lost.")
                ),
                key=escape(self._recovery_key),
                keep=escape(_("Keep this page somewhere safe, away from the laptop.")),
                when=escape(_("Printed on {date}").format(date=format_date(date.today()))),
            )
        )
        document.print_(printer)

    def reject(self) -> None:  # Escape must not skip past the key
        if self.kept.isChecked():
            super().reject()


def show_recovery_key(recovery_key: str) -> None:
    RecoveryKeyDialog(recovery_key).exec()
