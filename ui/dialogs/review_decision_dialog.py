"""Step 7: record what the review decided."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import ReviewDecision
from personalbudget.i18n import N_, _
from ui.accessibility import name_unnamed_controls

DECISION_EXPLANATIONS = {
    ReviewDecision.CONTINUE: N_("The plan is working. Carry on living life with it (back to step 6)."),
    ReviewDecision.CHANGE_PLAN: N_("Keep the budget, make a new plan: a new cycle starts at step 2."),
    ReviewDecision.REASSESS: N_("Look at the budget again: a new cycle starts at step 1."),
    ReviewDecision.END: N_("The person no longer needs the budget. The cycle is closed."),
}


class ReviewDecisionDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Record review decision"))
        self.setAccessibleName(_("Record review decision"))

        intro = QLabel(_("What did the review decide, with the person?"))
        intro.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self._group = QButtonGroup(self)
        self.radios: dict[ReviewDecision, QRadioButton] = {}
        for position, decision in enumerate(ReviewDecision):
            radio = QRadioButton(decision.label)
            radio.setAccessibleName(decision.label)
            radio.setAccessibleDescription(_(DECISION_EXPLANATIONS[decision]))
            explanation = QLabel(_(DECISION_EXPLANATIONS[decision]))
            explanation.setWordWrap(True)
            explanation.setIndent(24)
            explanation.setBuddy(radio)
            self._group.addButton(radio, position)
            self.radios[decision] = radio
            layout.addWidget(radio)
            layout.addWidget(explanation)
        self.radios[ReviewDecision.CONTINUE].setChecked(True)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setAccessibleName(_("Note about the decision"))
        self.note_edit.setPlaceholderText(_("Optional: what was agreed and why."))
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(80)
        layout.addWidget(QLabel(_("Note:")))
        layout.addWidget(self.note_edit)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Record decision"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        name_unnamed_controls(self)
        self.resize(480, self.sizeHint().height())

    def decision(self) -> ReviewDecision:
        for decision, radio in self.radios.items():
            if radio.isChecked():
                return decision
        return ReviewDecision.CONTINUE

    def set_decision(self, decision: ReviewDecision) -> None:
        self.radios[decision].setChecked(True)

    def note(self) -> str:
        return self.note_edit.toPlainText().strip()
