"""File > Offline holds… (issue 22): who holds which people offline, on which laptop, since when;
and, for a manager of the team's accounts, revoking every hold of a lost or stolen laptop.

A revoke is asked for first, in words that say what it does: the people can be changed on the team
caseload again at once, and the laptop's copy stays encrypted; if it is ever synced, its changes
come as conflicts to settle, never applied or dropped silently (``offline_service``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, ngettext
from personalbudget.services.offline_service import HoldView
from ui.accessibility import name_unnamed_controls
from ui.dialogs.confirm_dialog import confirm_action


class OfflineHoldsDialog(QDialog):
    """The holds the account may see; with ``revoke``, a manager's button to revoke a laptop's."""

    def __init__(
        self,
        read_holds: Callable[[], Sequence[HoldView]],
        names: Mapping[int, str],
        parent: QWidget | None = None,
        *,
        revoke: Callable[[str], int] | None = None,
    ):
        super().__init__(parent)
        self._read = read_holds
        self._names = names
        self._revoke = revoke
        self.holds: list[HoldView] = []
        title = _("Offline holds")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        intro = QLabel(
            _(
                "People taken offline to a laptop are read-only on the team caseload until that laptop syncs "
                "them back."
            )
            + (
                " "
                + _(
                    "If a laptop is lost or stolen, choose one of its people and revoke the laptop's holds: its "
                    "people can be changed here again at once."
                )
                if revoke is not None
                else ""
            )
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("offlineHolds")
        self.table.setAccessibleName(_("People held offline"))
        self.table.setHorizontalHeaderLabels([_("Person"), _("Held by"), _("Laptop"), _("Since"), _("State")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # the state: the rest of the width
        self.empty = QLabel(_("Nobody is held offline."))
        self.empty.setObjectName("noHolds")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.revoke_button: QPushButton | None = None
        if revoke is not None:
            self.revoke_button = QPushButton(_("&Revoke this laptop's holds…"))
            self.revoke_button.setAccessibleName(_("Revoke every hold of the chosen person's laptop"))
            self.revoke_button.clicked.connect(self.revoke_chosen)
            self.buttons.addButton(self.revoke_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.table.itemSelectionChanged.connect(self._update_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.buttons)
        self.resize(760, 380)
        self.refresh()
        name_unnamed_controls(self)
        self.table.setFocus()

    def refresh(self) -> None:
        self.holds = list(self._read())
        self.table.setRowCount(len(self.holds))
        for row, hold in enumerate(self.holds):
            person = self._names.get(hold.person_id) or _("Person {id}").format(id=hold.person_id)
            state = _("Revoked: not yet synced") if hold.revoked else _("Held")
            for column, text in enumerate((person, hold.holder, hold.laptop, hold.since, state)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.empty.setVisible(not self.holds)
        self.table.setVisible(bool(self.holds))
        if self.holds:
            self.table.selectRow(0)
        self._update_button()

    def rows(self) -> list[tuple[str, ...]]:
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [
            tuple(text(r, c) for c in range(self.table.columnCount())) for r in range(self.table.rowCount())
        ]

    def chosen(self) -> HoldView | None:
        row = self.table.currentRow()
        return self.holds[row] if 0 <= row < len(self.holds) else None

    def _update_button(self) -> None:
        if self.revoke_button is not None:
            hold = self.chosen()
            self.revoke_button.setEnabled(hold is not None and not hold.revoked)

    def revoke_chosen(self) -> int:
        """Ask, then revoke every hold of the chosen person's laptop; how many were revoked."""
        hold = self.chosen()
        if hold is None or self._revoke is None:
            return 0
        count = sum(1 for h in self.holds if h.laptop == hold.laptop and not h.revoked)
        if not confirm_action(
            self,
            _("Revoke the holds of {laptop}?").format(laptop=hold.laptop),
            ngettext(
                "{n} person held on {laptop} by {holder} can then be changed on the team caseload again.",
                "{n} people held on {laptop} by {holder} can then be changed on the team caseload again.",
                count,
            ).format(n=count, laptop=hold.laptop, holder=hold.holder),
            _(
                "Do this for a lost or stolen laptop. Its copy stays encrypted; if it is ever synced, every "
                "change on it comes as a conflict for {holder} to settle, never applied or dropped silently. "
                "The revoke is recorded in the caseload's trail."
            ).format(holder=hold.holder),
            _("Revoke the holds"),
            _("Keep them"),
            name="revokeHoldsBox",
        ):
            return 0
        try:
            done = self._revoke(hold.laptop)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The holds were not revoked"), str(problem))
            return 0
        self.refresh()
        QMessageBox.information(
            self,
            _("Holds revoked"),
            ngettext("Revoked {n} hold of {laptop}.", "Revoked {n} holds of {laptop}.", done).format(
                n=done, laptop=hold.laptop
            ),
        )
        return done
