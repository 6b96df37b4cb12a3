"""The budget statement for a period: the kind a council's direct payment audit asks for.

Opening balance + payments in - spending = closing balance, with spending by
plan item and every transaction with its running balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from personalbudget.domain.budget_statement import BudgetStatementData
from personalbudget.domain.nhs_number import display as display_nhs
from personalbudget.domain.results import PersonDetails
from personalbudget.i18n import _, format_date, format_money, format_number, ngettext
from personalbudget.reports.pdf_common import (
    FastFormats,
    RowTable,
    key_values,
    para,
    signature_blocks,
    styles,
    table,
    write_pdf,
)


@dataclass(frozen=True)
class StatementReportData:
    person: PersonDetails
    statement: BudgetStatementData
    council: str
    generated_at: datetime
    generated_by: str  # the signed-in person's name as records show it, not their user name
    names: dict[str, str] = field(default_factory=dict)  # user name -> display name, for the imports
    # The budget as the council's part + the person's, and the person's contribution paid and owed.
    contribution_lines: tuple[str, ...] = ()


def _closing_label(s: BudgetStatementData) -> str:
    """'Closing balance on 31 Mar 2026', or 'Balance today (1 Dec 2026)' for a period not over yet."""
    if s.balance_on < s.end and s.balance_on == s.today:
        return _("Balance today ({date})").format(date=format_date(s.balance_on))
    return _("Closing balance on {date}").format(date=format_date(s.balance_on))


def _transactions_table(s: BudgetStatementData, width: float) -> RowTable:
    """Every transaction with its running balance: drawn as plain rows, so 100,000 of them print in seconds."""
    fast = FastFormats()
    money = fast.money
    rows: list[tuple[str, ...]] = [("", _("Opening balance"), "", "", "", money(s.opening_balance_pence))]
    for line in s.lines:
        amount = line.amount_pence
        rows.append(
            (
                fast.date(line.posted_on),
                line.description,
                line.link,
                money(amount) if amount > 0 else "",
                money(-amount) if amount < 0 else "",
                money(line.balance_pence),
            )
        )
    rows.append(
        (
            "",
            _("Totals"),
            "",
            money(s.money_in_pence),
            money(s.money_out_pence),
            money(s.closing_balance_pence),
        )
    )
    # The money columns are wide enough for £99,999.99 in bold without wrapping.
    fractions = (0.13, 0.25, 0.19, 0.143, 0.143, 0.144)
    aligns = ("left", "left", "left", "right", "right", "right")
    return RowTable(
        (_("Date"), _("Description"), _("Plan item"), _("In"), _("Out"), _("Balance")),
        rows,
        [(width * f, a, a == "left") for f, a in zip(fractions, aligns, strict=True)],
        bold=frozenset({0, len(rows) - 1}),
        total_row=True,
    )


def write_statement_pdf(data: StatementReportData, out: Path) -> Path:
    st = styles()
    person, s = data.person, data.statement

    def build(width: float) -> list[Flowable]:
        period = _("{start} to {end}").format(
            start=format_date(s.start, fmt="long"), end=format_date(s.end, fmt="long")
        )
        story: list[Flowable] = [para(_("Personal budget statement"), st["title"])]
        story.append(
            para(
                _("{name} · {period} · printed {date} by {who}").format(
                    name=person.name,
                    period=period,
                    date=format_date(data.generated_at.date(), fmt="long"),
                    who=data.generated_by,
                ),
                st["body"],
            )
        )
        details = [
            (_("Name"), person.name),
            (_("NHS number"), display_nhs(person.nhs_number) if person.nhs_number else _("Not recorded")),
            (_("Period"), period),
            (_("How the budget is managed"), s.account_description or _("Not recorded")),
        ]
        if s.schedule is not None:
            details.append((_("Payment schedule"), s.schedule.describe()))
        if data.council:
            details.append((_("Council"), data.council))
        story.append(key_values(details, st, width))
        if data.contribution_lines:
            story.append(para(_("The person's contribution"), st["h2"]))
            story += [para(line, st["body"]) for line in data.contribution_lines]

        story.append(para(_("Summary"), st["h2"]))
        rows = [
            [
                para(_("Opening balance on {date}").format(date=format_date(s.start)), st["cell"]),
                para(format_money(s.opening_balance_pence), st["cell_right"]),
            ],
            [para(_("Payments in"), st["cell"]), para(format_money(s.payments_in_pence), st["cell_right"])],
            [
                para(_("Spending out (less refunds)"), st["cell"]),
                para(format_money(-s.spending_pence), st["cell_right"]),
            ],
            [
                para(_closing_label(s), st["cell_bold"]),
                para(format_money(s.closing_balance_pence), st["cell_right_bold"]),
            ],
        ]
        story.append(table(rows, [width * 0.7, width * 0.3], header=False, total_row=True))
        story.append(Spacer(1, 2 * mm))
        story.append(
            para(
                ngettext(
                    "Opening balance + payments in − spending = closing balance. {n} transaction in the period.",
                    "Opening balance + payments in − spending = closing balance. {n} transactions in the period.",
                    len(s.lines),
                ).format(n=format_number(len(s.lines))),
                st["small"],
            )
        )

        story.append(para(_("Spending by plan item"), st["h2"]))
        if s.by_link:
            rows = [
                [
                    para(_("Plan item or kind of support"), st["cell_bold"]),
                    para(_("Spent"), st["cell_right_bold"]),
                ]
            ]
            rows += [
                [para(label, st["cell"]), para(format_money(amount), st["cell_right"])]
                for label, amount in s.by_link
            ]
            rows.append(
                [
                    para(_("Total spending"), st["cell_bold"]),
                    para(format_money(s.spending_pence), st["cell_right_bold"]),
                ]
            )
            story.append(table(rows, [width * 0.7, width * 0.3], total_row=True))
        else:
            story.append(para(_("No spending in this period."), st["body"]))

        plan = s.against_plan  # the same rows, rule and alerts as step 6 shows on screen
        if plan is not None and plan.lines:
            story.append(
                para(
                    _("Against the plan, {start} to {end}").format(
                        start=format_date(plan.period_start), end=format_date(plan.as_of)
                    ),
                    st["h2"],
                )
            )
            heads = [_("Plan item"), _("This year"), _("So far"), _("Spent"), _("Difference"), _("Status")]
            rows = [
                [
                    para(h, st["cell_bold"] if i in (0, 5) else st["cell_right_bold"])
                    for i, h in enumerate(heads)
                ]
            ]
            rows += [
                [para(c, st["cell"] if i in (0, 5) else st["cell_right"]) for i, c in enumerate(r)]
                for r in plan.rows()
            ]
            widths = [width * f for f in (0.3, 0.12, 0.12, 0.12, 0.18, 0.16)]
            story.append(table(rows, widths, total_row=True))
            messages = [alert.message for alert in plan.alerts] or [plan.no_alerts_words]
            story.extend(para(message, st["body"]) for message in messages)

        story.append(para(_("Transactions"), st["h2"]))
        if s.lines:
            story.append(_transactions_table(s, width))
        else:
            story.append(para(_("No transactions in this period."), st["body"]))

        if s.imports:
            story.append(para(_("Statements imported for this period"), st["h2"]))
            rows = [
                [
                    para(_("File"), st["cell_bold"]),
                    para(_("Covers"), st["cell_bold"]),
                    para(_("Imported"), st["cell_bold"]),
                ]
            ]
            for imp in s.imports:
                covers = (
                    _("{start} to {end}").format(
                        start=format_date(imp.first_date), end=format_date(imp.last_date)
                    )
                    if imp.first_date and imp.last_date
                    else ""
                )
                rows.append(
                    [
                        para(imp.file_name, st["cell"]),
                        para(covers, st["cell"]),
                        para(
                            ngettext(
                                "{date} by {who} ({n} row)", "{date} by {who} ({n} rows)", imp.rows_added
                            ).format(
                                date=format_date(imp.imported_at.date()),
                                who=data.names.get(imp.imported_by, imp.imported_by),
                                n=imp.rows_added,
                            ),
                            st["cell"],
                        ),
                    ]
                )
            story.append(table(rows, [width * 0.4, width * 0.3, width * 0.3]))

        story.append(
            KeepTogether(  # the heading stays with what it heads
                [
                    para(_("Declaration"), st["h2"]),
                    para(
                        _(
                            "I confirm this statement is a true record of the personal budget account for the period, "
                            "and that the money was spent on the support agreed in the plan."
                        ),
                        st["body"],
                    ),
                    signature_blocks([_("Account holder"), _("Checked by (council)")], st, width),
                ]
            )
        )
        return story

    footer = _("Personal budget statement · {name} · {start} to {end}").format(
        name=person.name, start=format_date(s.start), end=format_date(s.end)
    )
    return write_pdf(out, _("Personal budget statement"), footer, build)
