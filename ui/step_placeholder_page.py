"""What a step's page will hold, shown until that step's real page is written."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from personalbudget.domain.lifecycle import Step
from personalbudget.i18n import N_, _

PLANNED_CONTENTS: dict[Step, tuple[str, ...]] = {
    Step.SET_BUDGET: (
        N_("The supported self-assessment questionnaire, answered together with the person"),
        N_("Points for each answer and the price per point for this RAS version"),
        N_("The indicative budget, with how each answer contributed to it"),
        N_("Adjustments (carer support, ceilings and floors, health contribution) and their reasons"),
        N_("Funding streams and each one's contribution"),
        N_("Agreeing the budget, with who agreed it and when"),
    ),
    Step.PLAN_SUPPORT: (
        N_("What matters to the person, in their own words"),
        N_("Outcomes, linked to the Care Act eligibility outcomes"),
        N_("Costed support: unit cost × quantity × frequency, with weekly and yearly totals"),
        N_("Informal and community support that costs nothing"),
        N_("Risks and the contingency plan"),
        N_("Submitting the plan for agreement"),
    ),
    Step.AGREE_PLAN: (
        N_("The plan and budget as submitted, side by side"),
        N_("The funder's decision: approve, approve with conditions, or return with reasons"),
        N_("Conditions and reasons, recorded for the person to see"),
        N_("The agreed plan kept as a fixed record (changes make a new version)"),
        N_("The date of the first, light-touch review (6 to 8 weeks after agreement)"),
    ),
    Step.MANAGE_BUDGET: (
        N_(
            "How the budget is managed: direct payment, managed account, individual service fund, "
            "trust, council-managed, or a mix"
        ),
        N_("The nominated or suitable person, or the broker or provider holding the money"),
        N_("The direct payment agreement: amount, frequency (e.g. four-weekly in advance) and contingency"),
        N_("The local rules that apply, such as the surplus limit and categories not allowed"),
    ),
    Step.ORGANISE_SUPPORT: (
        N_("Agencies, personal assistants, micro-enterprises and community services arranged"),
        N_("For personal assistants: contracts, payroll, employer's liability insurance and DBS checks"),
        N_("Start dates, with reminders before insurance and DBS checks expire"),
        N_("Each arrangement linked back to the line of the plan it pays for"),
    ),
    Step.LIVE_LIFE: (
        N_("Payments in, spending out and the running balance"),
        N_("Statements kept for audit, checked against the plan"),
        N_("Surplus above the local limit, flagged for a conversation rather than a blanket reclaim"),
        N_("Notes of changes the person has made to how they use their support"),
    ),
    Step.REVIEW: (
        N_("The review: reason (planned or unplanned), method and who took part"),
        N_("Each outcome marked Fully met, Partially met or Not met"),
        N_("What is working and what is not, in the person's words"),
        N_("The decision: continue, change the plan, re-assess the budget, or end it"),
        N_("The next review date (at least every 12 months; direct payments within the first 6 months)"),
    ),
}


class StepPlaceholderPage(QScrollArea):
    """A step's title, its purpose and what its page will hold."""

    def __init__(self, step: Step, parent: QWidget | None = None):
        super().__init__(parent)
        self.step = step
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        title = QLabel(_("Step {n}: {title}").format(n=int(step), title=step.title))
        title.setObjectName("stepPageTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)

        purpose = QLabel(step.purpose)
        purpose.setWordWrap(True)
        purpose.setObjectName("stepPurpose")

        heading = QLabel(_("This page will hold:"))
        heading_font = heading.font()
        heading_font.setBold(True)
        heading.setFont(heading_font)

        self.planned_items = [_(item) for item in PLANNED_CONTENTS[step]]
        bullets = QLabel(
            "<ul style='margin-left:-20px'>"
            + "".join(f"<li style='margin-bottom:4px'>{_html(item)}</li>" for item in self.planned_items)
            + "</ul>"
        )
        bullets.setTextFormat(Qt.TextFormat.RichText)
        bullets.setWordWrap(True)
        bullets.setObjectName("stepPlannedContents")

        note = QLabel(_("This page is still being built."))
        note.setWordWrap(True)
        note.setObjectName("placeholderNote")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(purpose)
        layout.addSpacing(4)
        layout.addWidget(heading)
        layout.addWidget(bullets)
        layout.addWidget(note)
        layout.addStretch(1)
        self.setWidget(body)
        self.setAccessibleName(_("Step {n} page").format(n=int(step)))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
