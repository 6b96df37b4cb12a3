"""The review record as a PDF: outcomes met, what is working, spend against plan, market gaps, the decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reportlab.platypus import Flowable

from personalbudget.domain.results import ReviewView
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, SUPPORT_CATEGORIES
from personalbudget.i18n import _, format_date, format_money
from personalbudget.reports.pdf_common import key_values, para, signature_blocks, styles, table, write_pdf


@dataclass(frozen=True)
class ReviewReportData:
    review: ReviewView
    number: int
    council: str
    generated_at: datetime
    names: dict[str, str] = field(default_factory=dict)  # user name -> the name records show


def difference_text(difference_pence: int) -> str:
    """Planned minus spent in words: under, over or on plan."""
    if difference_pence > 0:
        return _("{amount} under").format(amount=format_money(difference_pence))
    if difference_pence < 0:
        return _("{amount} over").format(amount=format_money(-difference_pence))
    return _("On plan")


def write_review_pdf(data: ReviewReportData, out: Path) -> Path:
    st = styles()
    review = data.review
    form = review.form

    def build(width: float) -> list[Flowable]:
        story: list[Flowable] = [para(_("Review of the care and support plan"), st["title"])]
        status = (
            _("Completed {date}").format(date=format_date(review.completed_at.date()))
            if (review.completed and review.completed_at)
            else _("Draft: not completed yet")
        )
        story.append(
            para(
                _("{name} · review {n} · {status} · printed {date}").format(
                    name=review.person_name,
                    n=data.number,
                    status=status,
                    date=format_date(data.generated_at.date(), fmt="long"),
                ),
                st["body"],
            )
        )
        story.append(
            key_values(
                [
                    (
                        _("Reason for the review"),
                        _(review.reason) + (f" ({review.reason_note})" if review.reason_note else ""),
                    ),
                    (_("Due"), format_date(review.due_on)),
                    (
                        _("Period reviewed"),
                        f"{format_date(review.period_start)} – {format_date(review.period_end)}",
                    ),
                    (
                        _("Plan reviewed"),
                        _("Version {v}").format(v=review.plan_version) if review.plan_version else "—",
                    ),
                    (_("Who took part"), _(form.method) if form.method else _("Not recorded")),
                    (_("Council"), data.council),
                ],
                st,
                width,
            )
        )
        story.append(para(_("Outcomes"), st["h2"]))
        rows: list[list[Flowable | str]] = [
            [
                para(_("Outcome"), st["cell_bold"]),
                para(_("How far met"), st["cell_bold"]),
                para(_("What the person says"), st["cell_bold"]),
            ]
        ]
        for outcome in form.outcomes:
            area = _(CARE_ACT_OUTCOMES.get(outcome.outcome_code, ""))  # N_-marked: in the reader's language
            rows.append(
                [
                    para(f"{outcome.description}\n({area})" if area else outcome.description, st["cell"]),
                    para(_(outcome.rating) if outcome.rating else _("Not rated"), st["cell_bold"]),
                    para(outcome.person_says, st["cell"]),
                ]
            )
        story.append(table(rows, [width * 0.4, width * 0.18, width * 0.42]))
        story.append(para(_("What is working and not working"), st["h2"]))
        story.append(
            key_values(
                [
                    (_("Working, for the person"), form.working_person or "—"),
                    (_("Not working, for the person"), form.not_working_person or "—"),
                    (_("Working, for the practitioner"), form.working_practitioner or "—"),
                    (_("Not working, for the practitioner"), form.not_working_practitioner or "—"),
                ],
                st,
                width,
            )
        )
        story.append(para(_("Spending against the plan for the period"), st["h2"]))
        if review.spend_total is None:
            story.append(para(_("There was no agreed plan to measure spending against."), st["body"]))
        else:
            spend_rows: list[list[Flowable | str]] = [
                [para(h, st["cell_bold"]) for h in (_("Item"), _("Planned"), _("Spent"), _("Difference"))]
            ]
            for line in (*review.spend, review.spend_total):
                spend_rows.append(
                    [
                        para(line.label, st["cell"]),
                        para(format_money(line.planned_so_far_pence), st["cell_right"]),
                        para(format_money(line.spent_pence), st["cell_right"]),
                        para(line.difference_words, st["cell_right"]),  # the step 6 rule and words
                    ]
                )
            story.append(
                table(spend_rows, [width * 0.46, width * 0.18, width * 0.18, width * 0.18], total_row=True)
            )
        story.append(para(_("Support wanted but not found (market gaps)"), st["h2"]))
        if form.market_gaps:
            gap_rows: list[list[Flowable | str]] = [
                [para(h, st["cell_bold"]) for h in (_("Support"), _("Where"), _("Why it could not be found"))]
            ]
            for gap in form.market_gaps:
                gap_rows.append(
                    [
                        para(_(SUPPORT_CATEGORIES.get(gap.category, gap.category)), st["cell"]),
                        para(gap.locality, st["cell"]),
                        para(gap.why, st["cell"]),
                    ]
                )
            story.append(table(gap_rows, [width * 0.3, width * 0.2, width * 0.5]))
        else:
            story.append(para(_("None recorded."), st["body"]))
        story.append(para(_("Risks revisited"), st["h2"]))
        story.append(para(form.risks or _("None recorded."), st["body"]))
        story.append(para(_("Decision"), st["h2"]))
        decision = form.decision.label if form.decision else _("Not decided yet")
        story.append(para(decision + (f"\n{form.decision_note}" if form.decision_note else ""), st["body"]))
        if review.completed:
            story.append(
                para(
                    _("Recorded by {who} on {date}.").format(
                        who=data.names.get(review.completed_by, review.completed_by),
                        date=format_date(review.completed_at.date()) if review.completed_at else "",
                    ),
                    st["small"],
                )
            )
        story.append(signature_blocks([_("The person"), _("Practitioner")], st, width))
        return story

    return write_pdf(
        out,
        _("Review of the care and support plan"),
        _("Review for {name}").format(name=review.person_name),
        build,
    )
