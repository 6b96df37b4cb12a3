"""The person's contribution towards a council-funded personal budget (charging).

Most people with a social care personal budget pay an assessed weekly contribution towards it
(Care Act 2014 s14 and s17; the Care and Support (Charging and Assessment of Resources)
Regulations 2014; in Wales the Social Services and Well-being (Wales) Act 2014 with its weekly
maximum charge). The personal budget is then the council's part plus the person's part:

  person's part a year  = weekly contribution x 52 (the same 52-week year as every budget figure),
                          never more than the social care part of the budget (NHS funding is free
                          at the point of use: a personal health budget carries no contribution);
  council's part a year = the budget - the person's part.

A direct payment is paid *net* (the council pays its part; the person pays theirs into the direct
payment account) or *gross* (the council pays the whole budget and collects the contribution
separately). Either way the contribution is owed week by week from the date it applies:

  due by a day = weekly contribution x the number of whole weeks from the start date to that day;
  arrears      = due - paid (never below zero: paying ahead is a credit, not arrears).

The person is "behind" when the arrears reach ``ARREARS_ALERT_WEEKS`` weeks of the contribution (a
payment in the post is not arrears). Pure arithmetic, exact to the penny.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from personalbudget.domain.money import WEEKS_PER_YEAR, Frequency, parse_pounds, round_half_up
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money, ngettext

MAX_REASON = 2000
ARREARS_ALERT_WEEKS = 2
# Budget types paid for by the NHS alone: no contribution is charged (NHS care is free to the person).
NHS_ONLY_BUDGET_TYPES = frozenset({"personal_health_budget"})
# The funding stream a contribution is charged against (social care); health funding never is.
CHARGEABLE_STREAM = "social_care"


class ContributionStatus(StrEnum):
    ASSESSED = "assessed"
    AWAITING = "awaiting"
    NIL = "nil"

    @property
    def label(self) -> str:
        return _(STATUS_LABELS[self])


STATUS_LABELS = {
    ContributionStatus.ASSESSED: N_("Assessed: the person pays a weekly contribution"),
    ContributionStatus.AWAITING: N_("Awaiting financial assessment"),
    ContributionStatus.NIL: N_("Nil: the person pays nothing"),
}


class PaymentBasis(StrEnum):
    NET = "net"
    GROSS = "gross"

    @property
    def label(self) -> str:
        return _(BASIS_LABELS[self])


BASIS_LABELS = {
    PaymentBasis.NET: N_("Net: the council pays its part, the person pays theirs into the account"),
    PaymentBasis.GROSS: N_("Gross: the council pays the whole budget and invoices the person"),
}


@dataclass
class ContributionForm:
    """The contribution as typed in step 1 (the amount is text until checked)."""

    status: str = ContributionStatus.AWAITING.value
    weekly_amount: str = ""
    starts_on: date | None = None
    reason: str = ""
    basis: str = PaymentBasis.NET.value
    rules_file: str = ""  # the financial assessment rules file the amount was worked out with, if any


@dataclass(frozen=True)
class Contribution:
    status: ContributionStatus
    weekly_pence: int  # 0 unless assessed
    starts_on: date
    reason: str
    basis: PaymentBasis

    @property
    def charged(self) -> bool:
        return self.status == ContributionStatus.ASSESSED and self.weekly_pence > 0

    @property
    def annual_pence(self) -> int:
        return self.weekly_pence * WEEKS_PER_YEAR

    def describe(self) -> str:
        if self.status == ContributionStatus.ASSESSED:
            return _("{amount} a week from {date} ({basis})").format(
                amount=format_money(self.weekly_pence),
                date=format_date(self.starts_on),
                basis=_("paid net") if self.basis == PaymentBasis.NET else _("paid gross"),
            )
        if self.status == ContributionStatus.AWAITING:
            return _("Awaiting financial assessment (from {date})").format(date=format_date(self.starts_on))
        return _("Nil from {date}").format(date=format_date(self.starts_on))


def check_contribution(form: ContributionForm, budget_type: str | None) -> Contribution:
    """Check a contribution as typed; NHS-only budgets carry none."""
    errors: list[FieldError] = []
    try:
        status = ContributionStatus(form.status)
    except ValueError:
        status = None
        errors.append(FieldError("status", _("Choose whether the contribution is assessed, awaited or nil.")))
    try:
        basis = PaymentBasis(form.basis)
    except ValueError:
        basis = None
        errors.append(FieldError("basis", _("Choose whether the direct payment is paid net or gross.")))
    weekly = 0
    if status == ContributionStatus.ASSESSED:
        try:
            weekly = parse_pounds(form.weekly_amount)
        except ValueError as problem:
            errors.append(
                FieldError("weekly_amount", _("Weekly contribution: {problem}").format(problem=problem))
            )
        else:
            if weekly == 0:
                errors.append(
                    FieldError(
                        "weekly_amount",
                        _("An assessed contribution of £0 is a nil contribution: choose 'Nil' instead."),
                    )
                )
    if status is not None and status != ContributionStatus.NIL and budget_type in NHS_ONLY_BUDGET_TYPES:
        errors.append(
            FieldError(
                "status",
                _(
                    "A personal health budget is NHS funding, which is free to the person: "
                    "there is no contribution to charge. Record it as nil."
                ),
            )
        )
    if form.starts_on is None:
        errors.append(FieldError("starts_on", _("Enter the date the contribution applies from.")))
    reason = " ".join(form.reason.split())
    if not reason:
        errors.append(
            FieldError(
                "reason",
                _("Say why, e.g. 'Financial assessment of 3 March 2026' or 'Capital over the limit'."),
            )
        )
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("reason", _("The reason is too long.")))
    if errors:
        raise ValidationError(errors)
    assert status is not None and basis is not None and form.starts_on is not None
    return Contribution(status, weekly, form.starts_on, reason, basis)


# -- the budget split into the council's part and the person's part -----------------------------------


@dataclass(frozen=True)
class BudgetSplit:
    """The personal budget as the council's part plus the person's part (a 52-week year)."""

    total_annual_pence: int
    person_annual_pence: int
    chargeable_annual_pence: int  # the social care part a contribution can be charged against
    contribution: Contribution | None

    @property
    def council_annual_pence(self) -> int:
        return self.total_annual_pence - self.person_annual_pence

    @property
    def capped(self) -> bool:
        """The assessed contribution is more than the chargeable budget, so only that much is paid."""
        return self.contribution is not None and self.contribution.annual_pence > self.person_annual_pence

    @property
    def person_weekly_pence(self) -> int:
        return round_half_up(Fraction(self.person_annual_pence, WEEKS_PER_YEAR))

    @property
    def council_weekly_pence(self) -> int:
        return round_half_up(Fraction(self.council_annual_pence, WEEKS_PER_YEAR))

    def summary(self) -> str:
        """One line: '£8,460.00 a year = council £6,250.00 + the person £2,210.00'."""
        return _("{total} a year = the council's part {council} + the person's part {person}").format(
            total=format_money(self.total_annual_pence),
            council=format_money(self.council_annual_pence),
            person=format_money(self.person_annual_pence),
        )

    def explanation(self) -> list[str]:
        """Every pound of the split, in words, so it can be checked with the person."""
        c = self.contribution
        lines = [_("Personal budget: {total} a year.").format(total=format_money(self.total_annual_pence))]
        if c is None:
            lines.append(
                _("No contribution has been recorded yet: the whole budget is shown as the council's.")
            )
        elif c.status == ContributionStatus.AWAITING:
            lines.append(
                _(
                    "The financial assessment is awaited: until it is done the whole budget is shown as the "
                    "council's, and a contribution may be charged from {date}."
                ).format(date=format_date(c.starts_on))
            )
        elif c.status == ContributionStatus.NIL:
            lines.append(_("The person's contribution is nil ({reason}).").format(reason=c.reason))
        else:
            lines.append(
                _(
                    "The person's contribution: {weekly} a week x 52 weeks = {annual} a year ({reason})."
                ).format(
                    weekly=format_money(c.weekly_pence), annual=format_money(c.annual_pence), reason=c.reason
                )
            )
            if self.capped:
                lines.append(
                    _(
                        "That is more than the social care part of the budget ({chargeable}), so the person pays "
                        "{person} a year and the council nothing towards social care."
                    ).format(
                        chargeable=format_money(self.chargeable_annual_pence),
                        person=format_money(self.person_annual_pence),
                    )
                )
            if self.chargeable_annual_pence < self.total_annual_pence:
                lines.append(
                    _("NHS funding of {amount} a year carries no contribution.").format(
                        amount=format_money(self.total_annual_pence - self.chargeable_annual_pence)
                    )
                )
        lines.append(
            _("The council's part: {total} - {person} = {council} a year.").format(
                total=format_money(self.total_annual_pence),
                person=format_money(self.person_annual_pence),
                council=format_money(self.council_annual_pence),
            )
        )
        return lines


def split_budget(
    total_annual_pence: int, chargeable_annual_pence: int, contribution: Contribution | None
) -> BudgetSplit:
    person = 0
    if contribution is not None and contribution.charged:
        person = min(contribution.annual_pence, max(chargeable_annual_pence, 0))
    return BudgetSplit(total_annual_pence, person, chargeable_annual_pence, contribution)


def net_payment(paid_out_annual_pence: int, split: BudgetSplit | None, frequency: Frequency) -> int:
    """One payment of a direct payment: the council's part of what is paid out when paid net.

    The person's part is taken off the direct payment (never below £0), then divided over the year's
    payments (52-week year, rounded half up once), e.g. (£8,460.00 - £2,210.00) / 13 = £480.77.
    """
    person = 0
    if split is not None and split.contribution is not None and split.contribution.basis == PaymentBasis.NET:
        person = min(split.person_annual_pence, paid_out_annual_pence)
    return round_half_up(Fraction(paid_out_annual_pence - person, frequency.times_per_year))


# -- what the person has paid, and any arrears ---------------------------------------------------------


@dataclass(frozen=True)
class ContributionPayment:
    paid_on: date
    amount_pence: int
    note: str = ""


@dataclass(frozen=True)
class ContributionAccount:
    contribution: Contribution
    as_of: date
    weeks_due: int
    due_pence: int
    paid_pence: int
    payments: tuple[ContributionPayment, ...]

    @property
    def arrears_pence(self) -> int:
        return max(self.due_pence - self.paid_pence, 0)

    @property
    def credit_pence(self) -> int:
        return max(self.paid_pence - self.due_pence, 0)

    @property
    def behind(self) -> bool:
        weekly = self.contribution.weekly_pence
        return weekly > 0 and self.arrears_pence >= weekly * ARREARS_ALERT_WEEKS

    def explanation(self) -> list[str]:
        c = self.contribution
        return [
            ngettext(
                "Due: {weekly} a week for {weeks} whole week from {start} to {end} = {due}.",
                "Due: {weekly} a week for {weeks} whole weeks from {start} to {end} = {due}.",
                self.weeks_due,
            ).format(
                weekly=format_money(c.weekly_pence),
                weeks=self.weeks_due,
                start=format_date(c.starts_on),
                end=format_date(self.as_of),
                due=format_money(self.due_pence),
            ),
            ngettext(
                "Paid: {paid} in {n} payment.", "Paid: {paid} in {n} payments.", len(self.payments)
            ).format(paid=format_money(self.paid_pence), n=len(self.payments)),
            _("Arrears: {arrears}.").format(arrears=format_money(self.arrears_pence))
            if self.arrears_pence
            else _("No arrears (in credit by {credit}).").format(credit=format_money(self.credit_pence))
            if self.credit_pence
            else _("No arrears."),
        ]

    def alert(self) -> str | None:
        """The alert in words when the person has fallen behind, else None."""
        if not self.behind:
            return None
        weeks = Fraction(self.arrears_pence, self.contribution.weekly_pence)
        whole = int(weeks)
        return ngettext(
            "The person's contribution is {arrears} behind (about {weeks} week): {paid} paid of {due} due "
            "since {start}. Talk with the person about it; if it is hard to pay, they can ask for the "
            "financial assessment to be looked at again.",
            "The person's contribution is {arrears} behind (about {weeks} weeks): {paid} paid of {due} due "
            "since {start}. Talk with the person about it; if it is hard to pay, they can ask for the "
            "financial assessment to be looked at again.",
            whole,
        ).format(
            arrears=format_money(self.arrears_pence),
            weeks=whole,
            paid=format_money(self.paid_pence),
            due=format_money(self.due_pence),
            start=format_date(self.contribution.starts_on),
        )


def weeks_due(starts_on: date, as_of: date) -> int:
    """Whole weeks from ``starts_on`` to ``as_of`` inclusive (the first week is due on its 7th day)."""
    if as_of < starts_on:
        return 0
    return ((as_of - starts_on).days + 1) // 7


def contribution_account(
    contribution: Contribution, payments: Iterable[ContributionPayment], as_of: date
) -> ContributionAccount:
    weeks = weeks_due(contribution.starts_on, as_of) if contribution.charged else 0
    counted: Sequence[ContributionPayment] = tuple(
        sorted((p for p in payments if p.paid_on <= as_of), key=lambda p: p.paid_on)
    )
    return ContributionAccount(
        contribution,
        as_of,
        weeks,
        contribution.weekly_pence * weeks,
        sum(p.amount_pence for p in counted),
        tuple(counted),
    )
