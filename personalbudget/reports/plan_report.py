"""The care and support plan as a PDF the person can keep (Care Act s25 contents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import round_half_up
from personalbudget.domain.nhs_number import display as display_nhs
from personalbudget.domain.plan import BudgetFit, PlanStatus
from personalbudget.domain.ras import STREAM_LABELS, explain
from personalbudget.domain.results import BudgetView, PersonDetails, PlanView
from personalbudget.domain.vocabularies import (
    CARE_ACT_OUTCOMES,
    REPRESENTATIVE_ROLES,
    SUPPORT_CATEGORIES,
    relationship_label,
)
from personalbudget.i18n import _, format_date, format_money, format_number
from personalbudget.reports.pdf_common import key_values, para, signature_blocks, styles, table, write_pdf


@dataclass(frozen=True)
class PlanReportData:
    person: PersonDetails
    plan: PlanView
    budget: BudgetView
    budget_type_label: str
    council: str
    generated_at: datetime
    names: dict[str, str] = field(default_factory=dict)  # user name -> the name records show
    # The budget as the council's part + the person's contribution, in words (empty: none recorded).
    contribution_lines: tuple[str, ...] = ()

    def who(self, username: str) -> str:
        """A person named as records name them ("Sam Worker"), not by their user name ("sworker")."""
        return self.names.get(username, username)


def money(value: int | Fraction) -> str:
    return format_money(value if isinstance(value, int) else round_half_up(value))


def write_plan_pdf(data: PlanReportData, out: Path) -> Path:
    st = styles()
    person, plan = data.person, data.plan

    def build(width: float) -> list[Flowable]:
        story: list[Flowable] = [para(_("Care and support plan"), st["title"])]
        status = plan.status.label
        story.append(
            para(
                _("{name} · plan version {version} · {status} · printed {date}").format(
                    name=person.name,
                    version=plan.version,
                    status=status,
                    date=format_date(data.generated_at.date(), fmt="long"),
                ),
                st["body"],
            )
        )
        if plan.status != PlanStatus.AGREED:
            story.append(
                para(_("This plan has not been agreed yet. It is not a final record."), st["cell_bold"])
            )

        story.append(para(_("About me"), st["h2"]))
        details = [
            (_("Name"), person.name),
            (_("Date of birth"), format_date(person.date_of_birth, fmt="long")),
            (_("NHS number"), display_nhs(person.nhs_number) if person.nhs_number else _("Not recorded")),
            (_("Locality"), person.locality),
            (_("Primary support reason"), person.primary_support_reason),
        ]
        for rep in person.representatives:
            role = _(REPRESENTATIVE_ROLES.get(rep.role, rep.role))
            details.append(
                (role, ", ".join(x for x in (rep.name, relationship_label(rep.relationship), rep.phone) if x))
            )
        story.append(key_values(details, st, width))

        content = plan.content
        story.append(para(_("What matters to me"), st["h2"]))
        story.append(para(content.what_matters or _("Not written yet."), st["body"]))

        story.append(para(_("My outcomes"), st["h2"]))
        if content.outcomes:
            rows = [
                [
                    para(_("What I want to achieve"), st["cell_bold"]),
                    para(_("Care Act outcome"), st["cell_bold"]),
                ]
            ]
            rows += [
                [
                    para(o.description, st["cell"]),
                    para(f"{o.outcome_code}) {_(CARE_ACT_OUTCOMES[o.outcome_code])}", st["cell"]),
                ]
                for o in content.outcomes
            ]
            story.append(table(rows, [width * 0.55, width * 0.45]))
        else:
            story.append(para(_("None recorded yet."), st["body"]))

        story.append(para(_("My support and what it costs"), st["h2"]))
        story += _support_table(data, st, width)

        story.append(para(_("Help from family, friends and my community"), st["h2"]))
        if content.informal_support:
            rows = [[para(_("Who"), st["cell_bold"]), para(_("What they do"), st["cell_bold"])]]
            rows += [
                [para(s.who, st["cell"]), para(s.description, st["cell"])] for s in content.informal_support
            ]
            story.append(table(rows, [width * 0.3, width * 0.7]))
        else:
            story.append(para(_("None recorded."), st["body"]))

        story.append(para(_("Risks and how they are managed"), st["h2"]))
        if content.risks:
            rows = [[para(_("Risk"), st["cell_bold"]), para(_("How it is managed"), st["cell_bold"])]]
            rows += [[para(r.risk, st["cell"]), para(r.how_managed, st["cell"])] for r in content.risks]
            story.append(table(rows, [width * 0.4, width * 0.6]))
        else:
            story.append(para(_("None recorded."), st["body"]))

        story.append(para(_("If things go wrong (contingency plan)"), st["h2"]))
        story.append(para(content.contingency or _("Not written yet."), st["body"]))

        story += _budget_section(data, st, width)
        story += _agreement_section(data, st, width)

        story.append(para(_("Signatures"), st["h2"]))
        story.append(
            para(
                _(
                    "By signing, we agree this plan describes the support and how the personal budget will be used."
                ),
                st["body"],
            )
        )
        story.append(
            signature_blocks(
                [_("The person (or their representative)"), _("Practitioner"), _("Approver")], st, width
            )
        )
        return story

    footer = _("Care and support plan · {name} · version {version}").format(
        name=person.name, version=plan.version
    )
    return write_pdf(out, _("Care and support plan"), footer, build)


def _support_table(data: PlanReportData, st: dict, width: float) -> list[Flowable]:
    costing = data.plan.costing
    if not costing.items:
        return [para(_("No support items yet."), st["body"])]
    header = [
        para(_("Support"), st["cell_bold"]),
        para(_("Who provides it"), st["cell_bold"]),
        para(_("Cost"), st["cell_right_bold"]),
        para(_("Per week"), st["cell_right_bold"]),
        para(_("Per year"), st["cell_right_bold"]),
    ]
    rows = [header]
    for item in costing.items:
        what = f"{_(SUPPORT_CATEGORIES[item.category])}: {item.description}"
        cost = _("{unit} × {quantity} {frequency}").format(
            unit=format_money(item.unit_cost_pence),
            quantity=format_number(item.quantity),
            frequency=item.frequency.label,
        )
        rows.append(
            [
                para(what, st["cell"]),
                para(item.provider or _("To be arranged"), st["cell"]),
                para(cost, st["cell_right"]),
                para(money(item.weekly_pence), st["cell_right"]),
                para(money(item.annual_pence), st["cell_right"]),
            ]
        )
    rows.append(
        [
            para(_("Total"), st["cell_bold"]),
            "",
            "",
            para(money(costing.weekly_pence), st["cell_right_bold"]),
            para(money(costing.annual_pence), st["cell_right_bold"]),
        ]
    )
    flow: list[Flowable] = [
        table(rows, [width * 0.33, width * 0.2, width * 0.19, width * 0.13, width * 0.15], total_row=True),
        Spacer(1, 2 * mm),
        para(
            _(
                "Yearly figures use a 52-week year: weekly costs × 52, four-weekly × 13, monthly × 12; "
                "one-off costs count once. Weekly figures are the yearly cost ÷ 52. The total is worked out "
                "exactly and rounded once, so it can differ by a penny from adding the rounded lines."
            ),
            st["small"],
        ),
    ]
    if costing.budget_annual_pence is not None:
        if costing.fit == BudgetFit.UNDER:
            text = _("The plan costs {diff} a year less than the agreed budget of {budget}.")
        elif costing.fit == BudgetFit.OVER:
            text = _("The plan costs {diff} a year more than the agreed budget of {budget}.")
        else:
            text = _("The plan costs exactly the agreed budget of {budget} a year.")
        flow.append(
            para(
                text.format(
                    diff=money(abs(costing.difference_pence)), budget=money(costing.budget_annual_pence)
                ),
                st["cell_bold"],
            )
        )
        if data.plan.over_budget_justification:
            flow.append(para(_("Why: {text}").format(text=data.plan.over_budget_justification), st["body"]))
    return flow


def _budget_section(data: PlanReportData, st: dict, width: float) -> list[Flowable]:
    flow: list[Flowable] = [para(_("My personal budget"), st["h2"])]
    budget = data.budget
    agreed = budget.agreed
    indicative = budget.indicative
    if agreed is None or indicative is None:
        return [*flow, para(_("The budget has not been agreed yet."), st["body"])]
    flow.append(
        key_values(
            [
                (_("Type of budget"), data.budget_type_label),
                (
                    _("Agreed budget"),
                    _("{year} a year ({week} a week)").format(
                        year=money(agreed.annual_pence), week=money(agreed.weekly_pence)
                    ),
                ),
                *[
                    (_(STREAM_LABELS[s.stream]), _("{amount} a year").format(amount=money(s.annual_pence)))
                    for s in agreed.streams
                ],
                (
                    _("Agreed by"),
                    _("{who} on {date}").format(
                        who=data.who(agreed.agreed_by), date=format_date(agreed.agreed_at.date(), fmt="long")
                    ),
                ),
            ],
            st,
            width,
        )
    )
    if data.contribution_lines:
        flow.append(para(_("The council's part and my contribution"), st["cell_bold"]))
        flow += [para(line, st["body"]) for line in data.contribution_lines]
    if agreed.annual_pence != agreed.indicative_annual_pence:
        flow.append(
            para(
                _(
                    "The agreed budget differs from the indicative budget of {amount} a year. Reason: {reason}"
                ).format(amount=money(agreed.indicative_annual_pence), reason=agreed.reason),
                st["body"],
            )
        )
    flow.append(para(_("How the indicative budget was worked out"), st["cell_bold"]))
    rows = [[para(_("Area of life"), st["cell_bold"]), para(_("Points"), st["cell_right_bold"])]]
    rows += [
        [para(_(d.title), st["cell"]), para(str(d.points), st["cell_right"])]
        for d in indicative.domains
        if d.stream
    ]
    rows.append(
        [para(_("Total points"), st["cell_bold"]), para(str(indicative.total_points), st["cell_right_bold"])]
    )
    flow.append(table(rows, [width * 0.75, width * 0.25], total_row=True))
    lines = explain(indicative)
    lines.append(
        _("Worked out with {ras}, version {version}{council}.").format(
            ras=_(indicative.ras_name),
            version=indicative.ras_version,
            council=f", {data.council}" if data.council else "",
        )
    )
    flow += [para(text, st["body"]) for text in lines]
    return flow


def _agreement_section(data: PlanReportData, st: dict, width: float) -> list[Flowable]:
    plan = data.plan
    flow: list[Flowable] = [para(_("Agreement record"), st["h2"])]
    pairs = [
        (
            _("Written by"),
            _("{who} on {date}").format(
                who=data.who(plan.created_by), date=format_date(plan.created_at.date(), fmt="long")
            ),
        )
    ]
    if plan.submitted_at:
        pairs.append(
            (
                _("Submitted for agreement"),
                _("{who} on {date}").format(
                    who=data.who(plan.submitted_by), date=format_date(plan.submitted_at.date(), fmt="long")
                ),
            )
        )
    for decision in plan.decisions:
        text = _("{decision} by {who} ({role}) on {date}").format(
            decision=decision.decision.label,
            who=data.who(decision.decided_by),
            role=decision.role,
            date=format_date(decision.decided_at.date(), fmt="long"),
        )
        if decision.text:
            text += "\n" + decision.text
        pairs.append((_("Decision"), text))
    if plan.status == PlanStatus.AGREED:
        pairs.append(
            (
                _("Next step"),
                _("Step {n}: {title}").format(n=int(Step.MANAGE_BUDGET), title=Step.MANAGE_BUDGET.title),
            )
        )
    flow.append(KeepTogether([key_values(pairs, st, width)]))
    return flow
