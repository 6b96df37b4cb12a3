"""The person's contribution (charging): record it in step 1, split the budget into the council's
part and the person's part, and keep the person's payments and any arrears for step 6."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, func, select

from personalbudget.domain.charging import (
    CHARGEABLE_STREAM,
    NHS_ONLY_BUDGET_TYPES,
    BudgetSplit,
    Contribution,
    ContributionAccount,
    ContributionForm,
    ContributionStatus,
    PaymentBasis,
    check_contribution,
    contribution_account,
    net_payment,
    split_budget,
)
from personalbudget.domain.charging import (
    ContributionPayment as Payment,
)
from personalbudget.domain.financial_assessment import (
    Assessment,
    AssessmentForm,
    ChargingRules,
    assess,
    load_charging_rules,
)
from personalbudget.domain.money import Frequency, parse_pounds, round_half_up
from personalbudget.domain.roles import Permission
from personalbudget.domain.surplus import (
    SurplusDecisionView,
    SurplusForm,
    SurplusOption,
    check_surplus_decision,
)
from personalbudget.errors import FieldError, NotFoundError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money
from personalbudget.services.budget_queries import agreed_budget_of
from personalbudget.services.budget_service import breakdown_from_json
from personalbudget.services.context import ServiceContext, remembered
from personalbudget.services.edit_check import Resolution, check_unchanged
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import management_in_force
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.charging_models import ContributionPayment, PersonContribution, SurplusDecision
from personalbudget.storage.models import BudgetAssessment
from personalbudget.storage.money_models import LedgerTransaction

MAX_NOTE = 500
SURPLUS_WEEKS_DEFAULT = 8  # the setting's default, when no settings service is given
CONTRIBUTION_DESCRIPTION = "Person's contribution"


@dataclass(frozen=True)
class ContributionRecord:
    contribution: Contribution
    recorded_at: datetime
    recorded_by: str
    rules_file: str = ""  # the financial assessment rules file used, when the calculator worked it out
    record_id: int = 0  # which record (the newest is in force): a save names the one it was read at


@dataclass(frozen=True)
class ContributionView:
    """What step 1 shows about the person's contribution, and the budget split it makes."""

    person_id: int
    budget_type: str | None
    nhs_only: bool  # a personal health budget: NHS funding carries no contribution
    current: ContributionRecord | None
    history: tuple[ContributionRecord, ...]  # newest first
    split: BudgetSplit | None  # None until there is a budget (indicative or agreed)
    budget_agreed: bool


@dataclass(frozen=True)
class PaymentLine:
    payment_id: int
    paid_on: date
    amount_pence: int
    note: str
    in_account: bool  # also a payment into the direct payment account (net direct payment)


@dataclass(frozen=True)
class ContributionLedger:
    """What step 6 shows: the person's payments in, the arrears and the alert in words."""

    person_id: int
    contribution: Contribution
    account: ContributionAccount
    payments: tuple[PaymentLine, ...]
    into_account: bool  # net direct payment: the person pays into the direct payment account

    @property
    def alert(self) -> str | None:
        return self.account.alert()


@dataclass(frozen=True)
class SurplusView:
    """Step 6: the balance against the surplus limit, and the decisions recorded about a surplus."""

    person_id: int
    balance_pence: int
    limit_pence: int | None  # None without a payment schedule
    weeks: int
    decisions: tuple[SurplusDecisionView, ...]  # newest first

    @property
    def surplus_pence(self) -> int:
        return 0 if self.limit_pence is None else max(self.balance_pence - self.limit_pence, 0)


class ChargingService:
    def __init__(
        self, context: ServiceContext, settings: SettingsService | None = None, rules_path: Path | None = None
    ):
        self._ctx = context
        self._settings = settings
        self._rules_path = rules_path  # None: resources/charging/default.toml

    # -- step 1 --------------------------------------------------------------------------------------
    def get_contribution(self, person_id: int) -> ContributionView:
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            return self._view(session, person_id)

    def record_contribution(
        self,
        person_id: int,
        form: ContributionForm,
        *,
        base: ContributionView | None = None,
        resolution: Resolution | None = None,
    ) -> ContributionView:
        """Record the person's assessed contribution (or that it is awaited, or nil); the newest is in force.

        ``base`` (the contribution as read for the form) refuses the save, with who, when and what,
        if someone else recorded one since (``services/edit_check``)."""
        self._ctx.require(Permission.ASSESS, person_id)
        with self._ctx.db.session() as session:
            cycle = latest_cycle(session, person_id)
            budget_type = self._budget_type(session, cycle.id)  # type: ignore[arg-type]
            contribution = check_contribution(form, budget_type)
            newest = session.exec(
                select(PersonContribution)
                .where(PersonContribution.person_id == person_id)
                .order_by(col(PersonContribution.id).desc())
            ).first()
            if newest is not None and base is not None:
                read = base.current.record_id if base.current else 0
                theirs = self._view(session, person_id)
                check_unchanged(
                    session,
                    newest,
                    newest.row_version if newest.id == read else 0,
                    record=_("the person's contribution"),
                    labels=CONTRIBUTION_FIELDS,
                    base=_contribution_values(base.current),
                    theirs=_contribution_values(theirs.current),
                    mine=_contribution_values(contribution),
                    current=lambda: theirs,
                    actor=self._ctx.actor,
                    resolution=resolution,
                )
            session.add(
                PersonContribution(
                    person_id=person_id,
                    status=contribution.status.value,
                    weekly_pence=contribution.weekly_pence,
                    starts_on=contribution.starts_on,
                    reason=contribution.reason,
                    basis=contribution.basis.value,
                    rules_file=form.rules_file[:200],
                    recorded_at=self._ctx.clock.now(),
                    recorded_by=self._ctx.actor,
                )
            )
            session.flush()
            return self._view(session, person_id)

    def charging_rules(self) -> ChargingRules:
        """The financial assessment rules file in use (the council can replace it), checked."""
        return load_charging_rules(self._rules_path)

    def assess(self, form: AssessmentForm) -> Assessment:
        """Work out the weekly contribution from the financial assessment, every pound explained."""
        self._ctx.require(Permission.ASSESS)
        return assess(form, self.charging_rules())

    def split(self, person_id: int) -> BudgetSplit | None:
        """The agreed (or indicative) budget as the council's part + the person's part."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            return self._view(session, person_id).split

    def split_of_cycle(self, session: Session, person_id: int, cycle_id: int) -> BudgetSplit | None:
        return split_of_cycle(session, person_id, cycle_id)

    def council_payment(self, person_id: int, paid_out_annual_pence: int, frequency: Frequency) -> int:
        """One direct payment's amount: the council's part when the contribution is paid net."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            split = self._view(session, person_id).split
        return net_payment(paid_out_annual_pence, split, frequency)

    # -- step 6 --------------------------------------------------------------------------------------
    def ledger(self, person_id: int) -> ContributionLedger | None:
        """The person's payments towards an assessed contribution, and any arrears (None if none is charged)."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            record = _current(session, person_id)
            if record is None or not record.contribution.charged:
                return None
            rows = session.exec(
                select(ContributionPayment)
                .where(ContributionPayment.person_id == person_id)
                .order_by(col(ContributionPayment.paid_on), col(ContributionPayment.id))
            ).all()
            lines = tuple(
                PaymentLine(r.id, r.paid_on, r.amount_pence, r.note, r.ledger_transaction_id is not None)  # type: ignore[arg-type]
                for r in rows
            )
            account = contribution_account(
                record.contribution,
                [Payment(p.paid_on, p.amount_pence, p.note) for p in lines],
                self._ctx.clock.today(),
            )
            return ContributionLedger(
                person_id, record.contribution, account, lines, self._into_account(session, person_id, record)
            )

    def record_payment(self, person_id: int, paid_on: date | None, amount: str, note: str = "") -> int:
        """Record a payment the person made towards their contribution.

        For a direct payment paid net, the person pays into the direct payment account: the payment is
        also added to the account's ledger as money in, so the balance is right.
        """
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        errors: list[FieldError] = []
        today = self._ctx.clock.today()
        if paid_on is None:
            errors.append(FieldError("paid_on", _("Enter the date the person paid.")))
        elif paid_on > today:
            errors.append(FieldError("paid_on", _("The date is in the future.")))
        pence = 0
        try:
            pence = parse_pounds(amount)
            if pence == 0:
                errors.append(FieldError("amount", _("Enter an amount more than £0.")))
        except ValueError as problem:
            errors.append(FieldError("amount", str(problem)))
        note = " ".join(note.split())
        if len(note) > MAX_NOTE:
            errors.append(FieldError("note", _("The note is too long.")))
        if errors:
            raise ValidationError(errors)
        assert paid_on is not None
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            record = _current(session, person_id)
            if record is None or not record.contribution.charged:
                raise ValidationError(
                    FieldError(
                        "amount",
                        _("No contribution is charged: record the assessed contribution in step 1 first."),
                    )
                )
            now = self._ctx.clock.now()
            ledger_id = None
            if self._into_account(session, person_id, record):
                row = LedgerTransaction(
                    person_id=person_id,
                    posted_on=paid_on,
                    amount_pence=pence,
                    description=_(CONTRIBUTION_DESCRIPTION),
                    source="manual",
                    recorded_at=now,
                    recorded_by=self._ctx.actor,
                )
                session.add(row)
                session.flush()
                ledger_id = row.id
            payment = ContributionPayment(
                person_id=person_id,
                paid_on=paid_on,
                amount_pence=pence,
                note=note,
                ledger_transaction_id=ledger_id,
                recorded_at=now,
                recorded_by=self._ctx.actor,
            )
            session.add(payment)
            session.flush()
            return payment.id  # type: ignore[return-value]

    def delete_payment(self, person_id: int, payment_id: int) -> None:
        """Remove a payment recorded in error (and its line in the account, if it made one)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            row = session.get(ContributionPayment, payment_id)
            if row is None or row.person_id != person_id:
                raise NotFoundError(_("There is no such contribution payment for this person."))
            if row.ledger_transaction_id is not None:
                ledger = session.get(LedgerTransaction, row.ledger_transaction_id)
                if ledger is not None:
                    session.delete(ledger)
            session.delete(row)

    # -- a surplus beyond the limit -------------------------------------------------------------------
    def surplus(self, person_id: int) -> SurplusView:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            return self._surplus(session, person_id)

    def record_surplus_decision(self, person_id: int, form: SurplusForm) -> SurplusDecisionView:
        """Record the conversation and the option before any surplus is recovered; returns the words
        the person is told (kept with the decision)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            view = self._surplus(session, person_id)
            if view.limit_pence is None:
                raise ValidationError(
                    FieldError("option", _("There is no payment schedule, so there is no surplus limit."))
                )
            decision = check_surplus_decision(
                form,
                balance_pence=view.balance_pence,
                limit_pence=view.limit_pence,
                weeks=view.weeks,
                today=self._ctx.clock.today(),
            )
            session.add(
                SurplusDecision(
                    person_id=person_id,
                    decided_on=decision.decided_on,
                    balance_pence=decision.balance_pence,
                    limit_pence=decision.limit_pence,
                    option=decision.option.value,
                    amount_pence=decision.amount_pence,
                    purchase=decision.purchase,
                    conversation=decision.conversation,
                    told_in_words=decision.told_in_words,
                    recorded_at=self._ctx.clock.now(),
                    recorded_by=self._ctx.actor,
                )
            )
            return decision

    def _surplus(self, session: Session, person_id: int) -> SurplusView:
        today = self._ctx.clock.today()
        balance = session.exec(
            select(func.coalesce(func.sum(LedgerTransaction.amount_pence), 0)).where(
                LedgerTransaction.person_id == person_id, col(LedgerTransaction.posted_on) <= today
            )
        ).one()
        weeks = self._settings.money().surplus_limit_weeks if self._settings else SURPLUS_WEEKS_DEFAULT
        management = management_in_force(session, person_id)
        schedule = management.schedule if management else None
        limit = round_half_up(schedule.weekly * weeks) if schedule else None
        rows = session.exec(
            select(SurplusDecision)
            .where(SurplusDecision.person_id == person_id)
            .order_by(col(SurplusDecision.id).desc())
        ).all()
        decisions = tuple(
            SurplusDecisionView(
                r.decided_on,
                r.balance_pence,
                r.limit_pence,
                SurplusOption(r.option),
                r.amount_pence,
                r.purchase,
                r.conversation,
                r.told_in_words,
            )
            for r in rows
        )
        return SurplusView(person_id, int(balance), limit, weeks, decisions)

    # -- helpers -------------------------------------------------------------------------------------
    def _into_account(self, session: Session, person_id: int, record: ContributionRecord) -> bool:
        if record.contribution.basis != PaymentBasis.NET:
            return False
        management = management_in_force(session, person_id)
        return management is not None and management.pays_out

    @staticmethod
    def _budget_type(session: Session, cycle_id: int) -> str | None:
        agreed = agreed_budget_of(session, cycle_id)
        if agreed is not None:
            return agreed.budget_type
        row = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == cycle_id)).first()
        return row.budget_type if row else None

    def _view(self, session: Session, person_id: int) -> ContributionView:
        cycle = latest_cycle(session, person_id)
        history = _history(session, person_id)
        current = history[0] if history else None
        agreed = agreed_budget_of(session, cycle.id)  # type: ignore[arg-type]
        split = None
        budget_type = None
        if agreed is not None:
            budget_type = agreed.budget_type
            split = self.split_of_cycle(session, person_id, cycle.id)  # type: ignore[arg-type]
        else:
            row = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == cycle.id)).first()
            if row is not None:
                budget_type = row.budget_type
                indicative = breakdown_from_json(row.breakdown_json)
                chargeable = sum(s.annual_pence for s in indicative.streams if s.stream == CHARGEABLE_STREAM)
                if budget_type in NHS_ONLY_BUDGET_TYPES:
                    chargeable = 0
                split = split_budget(
                    indicative.annual_pence, chargeable, current.contribution if current else None
                )
        return ContributionView(
            person_id=person_id,
            budget_type=budget_type,
            nhs_only=budget_type in NHS_ONLY_BUDGET_TYPES,
            current=current,
            history=history,
            split=split,
            budget_agreed=agreed is not None,
        )


def _record(row: PersonContribution) -> ContributionRecord:
    return ContributionRecord(
        Contribution(
            ContributionStatus(row.status),
            row.weekly_pence,
            row.starts_on,
            row.reason,
            PaymentBasis(row.basis),
        ),
        row.recorded_at,
        row.recorded_by,
        row.rules_file,
        row.id or 0,
    )


# What a new contribution record checks against one someone else recorded meanwhile.
CONTRIBUTION_FIELDS = {
    "status": N_("Contribution"),
    "weekly_pence": N_("Weekly contribution"),
    "starts_on": N_("From"),
    "reason": N_("Reason"),
    "basis": N_("How it is paid"),
}


def _contribution_values(record: ContributionRecord | Contribution | None) -> dict[str, object]:
    found = record.contribution if isinstance(record, ContributionRecord) else record
    return {key: getattr(found, key) if found else None for key in CONTRIBUTION_FIELDS}


def _history(session: Session, person_id: int) -> tuple[ContributionRecord, ...]:
    """The person's contributions, newest first; read once per session (the ledger page's contribution
    and surplus both ask), as they are frozen records."""
    return remembered(session, ("contributions", person_id), lambda: _read_history(session, person_id))


def _read_history(session: Session, person_id: int) -> tuple[ContributionRecord, ...]:
    rows = session.exec(
        select(PersonContribution)
        .where(PersonContribution.person_id == person_id)
        .order_by(col(PersonContribution.id).desc())
    ).all()
    return tuple(_record(r) for r in rows)


def _current(session: Session, person_id: int) -> ContributionRecord | None:
    history = _history(session, person_id)
    return history[0] if history else None


def split_words(split: BudgetSplit | None) -> str:
    """The split in one line for pages and PDFs ('' when there is no budget yet)."""
    if split is None:
        return ""
    if split.person_annual_pence == 0:
        return _("{total} a year; the person pays no contribution").format(
            total=format_money(split.total_annual_pence)
        )
    return split.summary()


def split_sentence(split: BudgetSplit | None) -> str:
    """A sentence for the plan, the agreement and the PDFs; '' when the person pays nothing."""
    if split is None or split.person_annual_pence == 0:
        return ""
    return _(
        "Of the {total} a year, the council pays {council} and the person's contribution is {person} "
        "({weekly} a week)."
    ).format(
        total=format_money(split.total_annual_pence),
        council=format_money(split.council_annual_pence),
        person=format_money(split.person_annual_pence),
        weekly=format_money(split.person_weekly_pence),
    )


def split_of_cycle(session: Session, person_id: int, cycle_id: int) -> BudgetSplit | None:
    """For reports that already hold a session: the split of one cycle's agreed budget."""
    agreed = agreed_budget_of(session, cycle_id)
    if agreed is None:
        return None
    chargeable = sum(s.annual_pence for s in agreed.streams if s.stream == CHARGEABLE_STREAM)
    if agreed.budget_type in NHS_ONLY_BUDGET_TYPES:
        chargeable = 0
    record = _current(session, person_id)
    return split_budget(agreed.annual_pence, chargeable, record.contribution if record else None)


def statement_words(session: Session, person_id: int, start: date, end: date, today: date) -> list[str]:
    """The person's contribution for a budget statement: the split, what was paid in the period, and
    what was due and any arrears on the period's last day (or today, for a period not over yet)."""
    record = _current(session, person_id)
    if record is None:
        return []
    contribution = record.contribution
    lines = [_("The person's contribution: {what}.").format(what=contribution.describe())]
    cycle = latest_cycle(session, person_id)
    split = split_of_cycle(session, person_id, cycle.id)  # type: ignore[arg-type]
    if split is not None:
        lines.append(split.summary() + ".")
    if not contribution.charged:
        return lines
    rows = session.exec(select(ContributionPayment).where(ContributionPayment.person_id == person_id)).all()
    payments = [Payment(r.paid_on, r.amount_pence, r.note) for r in rows]
    in_period = [p for p in payments if start <= p.paid_on <= end]
    lines.append(
        _("Paid by the person from {start} to {end}: {amount}.").format(
            start=format_date(start),
            end=format_date(end),
            amount=format_money(sum(p.amount_pence for p in in_period)),
        )
    )
    account = contribution_account(contribution, payments, min(end, today))
    lines += account.explanation()
    alert = account.alert()
    if alert:
        lines.append(alert)
    return lines


def contribution_into_account(session: Session, person_id: int) -> tuple[date, int] | None:
    """(from, weekly pence) of a contribution the person pays into the direct payment account (paid
    net), for the forecast of the balance; None when none is paid in."""
    record = _current(session, person_id)
    if record is None or not record.contribution.charged or record.contribution.basis != PaymentBasis.NET:
        return None
    management = management_in_force(session, person_id)
    if management is None or not management.pays_out:
        return None
    return record.contribution.starts_on, record.contribution.weekly_pence
