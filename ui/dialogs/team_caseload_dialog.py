"""File > Open team caseload…: the address of the team's caseload on the council's server, and the
CA file that checks the server's certificate. Both are remembered for this user (the window
settings), so the next time the dialog opens with them filled in. The password is not asked here:
the sign-in that follows asks for it, and it goes to the server only."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.services.team_caseload import CA_FILE_ENV, check_team_address

ADDRESS_KEY = "team/address"
CA_FILE_KEY = "team/ca_file"


def remembered_ca_file(settings: QSettings) -> str:
    return str(settings.value(CA_FILE_KEY, "") or "")


class TeamCaseloadDialog(QDialog):
    """Asks for a team caseload's address (postgresql://host/dbname) and its CA file."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle(_("Open team caseload"))
        self.setMinimumWidth(560)
        intro = QLabel(
            _(
                "A team caseload is kept on the council's PostgreSQL server and shared by the team. Type its "
                "address (your IT team or database administrator gives it), and the CA file that proves the "
                "server is the council's. You sign in as yourself next."
            )
        )
        intro.setWordWrap(True)
        self.address = QLineEdit(str(settings.value(ADDRESS_KEY, "") or ""))
        self.address.setObjectName("teamAddress")
        self.address.setPlaceholderText("postgresql://db.council.example/caseload")
        self.address.setAccessibleName(_("Team caseload address"))
        self.ca_file = QLineEdit(remembered_ca_file(settings))
        self.ca_file.setObjectName("teamCaFile")
        self.ca_file.setAccessibleName(_("CA file"))
        self.ca_file.setToolTip(
            _(
                "The certificate authority's file (PEM). Left empty: {env}, else PostgreSQL's own default."
            ).format(env=CA_FILE_ENV)
        )
        browse = QPushButton(_("&Browse…"))
        browse.setAccessibleName(_("Choose the CA file"))
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(_("&Address:"), self.address)
        ca_label = QLabel(_("&CA file:"))
        ca_label.setBuddy(self.ca_file)  # a row of two widgets gets no buddy of its own: "&" was shown
        form.addRow(ca_label, ca_row)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("errorLabel")
        self.error.setAccessibleName(_("Problem"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton(_("&Open"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the CA file"),
            self.ca_file.text(),
            _("Certificates (*.crt *.pem *.cer);;All files (*)"),
            options=QFileDialog.Option.DontUseNativeDialog,
        )
        if chosen:
            self.ca_file.setText(chosen)

    def submit(self) -> None:
        try:
            address = check_team_address(self.address.text())
        except PersonalBudgetError as problem:
            self.error.setText(str(problem))
            self.address.setFocus()
            return
        self._settings.setValue(ADDRESS_KEY, address)
        self._settings.setValue(CA_FILE_KEY, self.ca_file.text().strip())
        self._settings.sync()
        self.accept()

    @property
    def chosen(self) -> tuple[str, str]:
        """The address and the CA file ("" for none)."""
        return self.address.text().strip(), self.ca_file.text().strip()
