"""Asks which earlier step to go back to, and why (the reason is recorded)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.i18n import _
from ui.accessibility import name_unnamed_controls


class GoBackDialog(QDialog):
    def __init__(self, current: Step, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Go back a step"))
        self.setAccessibleName(_("Go back a step"))

        intro = QLabel(
            _(
                "Going back re-opens an earlier step in this cycle. Steps after it return to "
                "'Not started'. The reason is kept in the history."
            )
        )
        intro.setWordWrap(True)

        self.step_combo = QComboBox()
        self.step_combo.setAccessibleName(_("Step to go back to"))
        for step in reversed([s for s in Step if s < current]):
            self.step_combo.addItem(_("Step {n}: {title}").format(n=int(step), title=step.title), int(step))

        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName(_("Reason for going back"))
        self.reason_edit.setPlaceholderText(
            _("For example: the person's needs have changed since the assessment.")
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(90)

        form = QFormLayout()
        form.addRow(_("Go back to:"), self.step_combo)
        form.addRow(_("Reason:"), self.reason_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Go back"))
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(
            lambda: self.ok_button.setEnabled(bool(self.reason_edit.toPlainText().strip()))
        )

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        name_unnamed_controls(self)
        self.resize(460, self.sizeHint().height())

    def target_step(self) -> Step:
        return Step(int(self.step_combo.currentData()))

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()
