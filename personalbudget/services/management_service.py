"""Step 4: recording how the budget is managed, the payment schedule and the account it goes to.

Recording the management at step 4 completes the step: the cycle moves on to
organising support. It can be recorded again later in the cycle (a new card, a
change of mix); the cycle then stays where it is.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import (
    CheckedManagement,
    ManagementForm,
    ManagementOption,
    PotLine,
    check_management,
    expected_payments,
)
from personalbudget.domain.money import annual_cost
from personalbudget.domain.review import add_months
from personalbudget.domain.roles import Permission
from personalbudget.errors import LifecycleError
from personalbudget.i18n import N_, _, format_money
from personalbudget.services.budget_queries import agreed_budget_of
from personalbudget.services.context import ServiceContext
from personalbudget.services.dto import ManagementView
from personalbudget.services.edit_check import Resolution, check_unchanged, touch
from personalbudget.services.lifecycle_service import latest_cycle, move_cycle, open_cycle_of
from personalbudget.services.money_queries import (
    ManagementInForce,
    management_in_force,
    management_of_cycle,
    plan_in_force,
)
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import PlanCycle
from personalbudget.storage.money_models import (
    BudgetManagement,
    ManagementShare,
    PaymentScheduleRow,
    SupportArrangement,
)

# What a save of step 4 checks against someone else's, as the page names it.
MANAGEMENT_FIELDS = {
    "shares": N_("How the budget is managed"),
    "schedule": N_("Payment schedule"),
    "account": N_("Account"),
    "note": N_("Note"),
}


class ManagementService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    def get_management(self, person_id: int) -> ManagementView:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            return self._view(session, latest_cycle(session, person_id))

    def record_management(
        self,
        person_id: int,
        form: ManagementForm,
        *,
        base: ManagementView | None = None,
        resolution: Resolution | None = None,
    ) -> ManagementView:
        """Record how the budget is managed; at step 4 this completes the step and moves on to step 5.

        ``base`` (step 4 as read for the page) refuses the save, with who, when and what, if someone
        else recorded it since (``services/edit_check``)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        dp_months = self._settings.review().direct_payment_first_months
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            if cycle.current_step < Step.MANAGE_BUDGET:
                raise LifecycleError(
                    _(
                        "How the budget is managed is recorded once the plan is agreed (step 4); "
                        "this person is at step {n} ({title})."
                    ).format(n=cycle.current_step, title=Step(cycle.current_step).title)
                )
            budget = agreed_budget_of(session, cycle.id)  # type: ignore[arg-type]
            if budget is None:
                raise LifecycleError(
                    _("The budget has not been agreed yet. Agree the budget in step 1 first.")
                )
            checked = check_management(form, budget.annual_pence)
            own = session.exec(select(BudgetManagement).where(BudgetManagement.cycle_id == cycle.id)).first()
            if own is not None and base is not None:
                theirs = self._view(session, cycle)
                check_unchanged(
                    session,
                    own,
                    base.row_version,
                    record=_("how the budget is managed (step 4)"),
                    labels=MANAGEMENT_FIELDS,
                    base=_management_values(base),
                    theirs=_management_values(theirs),
                    mine={
                        "shares": checked.shares,
                        "schedule": checked.schedule,
                        "account": checked.account if checked.schedule else None,
                        "note": checked.note,
                    },
                    current=lambda: theirs,
                    actor=self._ctx.actor,
                    resolution=resolution,
                )
            now = self._ctx.clock.now()
            stored = self._store(session, cycle, checked, now)
            cycle.management_recorded_at = now
            if (
                cycle.plan_agreed_at is not None
                and cycle.next_review_due is not None
                and any(s.option == ManagementOption.DIRECT_PAYMENT for s in checked.shares)
            ):
                # A direct payment is also reviewed within its first months (DP Regulations 2014, reg. 7).
                cycle.next_review_due = min(
                    cycle.next_review_due, add_months(cycle.plan_agreed_at.date(), dp_months)
                )
            session.add(cycle)
            if cycle.current_step == Step.MANAGE_BUDGET:
                how = "; ".join(f"{s.option.label} {format_money(s.annual_pence)}" for s in checked.shares)
                move_cycle(
                    session,
                    cycle,
                    Step.ORGANISE_SUPPORT,
                    kind="advance",
                    note=_("Budget management recorded: {how}").format(how=how),
                    now=now,
                    actor=self._ctx.actor,
                )
            session.flush()
            paid_from, not_yet = plan_lines_by_pot(session, cycle, self._ctx.clock.today())
            return ManagementView(
                person_id=person_id,
                cycle_id=cycle.id,  # type: ignore[arg-type]
                current_step=Step(cycle.current_step),
                budget_annual_pence=budget.annual_pence,
                recorded_for_this_cycle=True,
                recorded_at=now,
                recorded_by=self._ctx.actor,
                note=checked.note,
                shares=checked.shares,
                schedule=checked.schedule,
                account=checked.account if checked.schedule else None,
                can_record=True,
                paid_from=paid_from,
                not_yet_paid_from=not_yet,
                row_version=stored.row_version,
            )

    def expected_payments(self, person_id: int, start: date, end: date) -> list[tuple[date, int]]:
        """The payments the schedule in force makes between two dates (inclusive)."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            found = management_in_force(session, person_id)
        if found is None or found.schedule is None:
            return []
        return expected_payments(found.schedule, start, end)

    def in_force(self, person_id: int) -> ManagementInForce | None:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            return management_in_force(session, person_id)

    # -- helpers -----------------------------------------------------------------------------------
    def _store(
        self, session: Session, cycle: PlanCycle, checked: CheckedManagement, now: datetime
    ) -> BudgetManagement:
        management = session.exec(
            select(BudgetManagement).where(BudgetManagement.cycle_id == cycle.id)
        ).first()
        if management is not None:  # recorded again: the same record, a new version, new shares
            for child in [
                *session.exec(select(ManagementShare).where(ManagementShare.management_id == management.id)),
                *session.exec(
                    select(PaymentScheduleRow).where(PaymentScheduleRow.management_id == management.id)
                ),
            ]:
                session.delete(child)
            session.flush()
            management.recorded_at, management.recorded_by = now, self._ctx.actor
            management.note = checked.note
            touch(session, management, "recorded_at")
        else:
            management = BudgetManagement(
                cycle_id=cycle.id,  # type: ignore[arg-type]
                recorded_at=now,
                recorded_by=self._ctx.actor,
                note=checked.note,
            )
        session.add(management)
        session.flush()
        for position, share in enumerate(checked.shares):
            session.add(
                ManagementShare(
                    management_id=management.id,  # type: ignore[arg-type]
                    position=position,
                    option=share.option.value,
                    annual_pence=share.annual_pence,
                    held_by=share.held_by,
                )
            )
        if checked.schedule is not None:
            account = checked.account
            session.add(
                PaymentScheduleRow(
                    management_id=management.id,  # type: ignore[arg-type]
                    frequency=checked.schedule.frequency.value,
                    first_payment_on=checked.schedule.first_payment,
                    amount_pence=checked.schedule.amount_pence,
                    in_advance=checked.schedule.in_advance,
                    account_name=account.account_name,
                    account_provider=account.provider,
                    sort_code_masked=account.sort_code_masked,
                    account_last4=account.account_last4,
                    card_last4=account.card_last4,
                )
            )
        session.flush()
        return management

    def _view(self, session: Session, cycle: PlanCycle) -> ManagementView:
        budget = agreed_budget_of(session, cycle.id)  # type: ignore[arg-type]
        own = session.exec(select(BudgetManagement).where(BudgetManagement.cycle_id == cycle.id)).first()
        source = management_of_cycle(session, own, cycle.number) if own else None
        if source is None:
            source = management_in_force(session, cycle.person_id)
        paid_from, not_yet = plan_lines_by_pot(session, cycle, self._ctx.clock.today())
        return ManagementView(
            person_id=cycle.person_id,
            cycle_id=cycle.id,  # type: ignore[arg-type]
            current_step=Step(cycle.current_step),
            budget_annual_pence=budget.annual_pence if budget else None,
            recorded_for_this_cycle=own is not None,
            recorded_at=own.recorded_at if own else None,
            recorded_by=own.recorded_by if own else "",
            note=own.note if own else "",
            shares=source.shares if source else (),
            schedule=source.schedule if source else None,
            account=source.account if source else None,
            can_record=cycle.status == "open" and cycle.current_step >= Step.MANAGE_BUDGET,
            paid_from=paid_from,
            not_yet_paid_from=not_yet,
            row_version=own.row_version if own else 0,
        )


def option_choices() -> list[tuple[ManagementOption, str]]:
    return [(option, option.label) for option in ManagementOption]


def plan_lines_by_pot(
    session: Session, cycle: PlanCycle, today: date
) -> tuple[dict[ManagementOption, tuple[PotLine, ...]], tuple[PotLine, ...]]:
    """The lines of this cycle's agreed plan by the pot their current arrangement is paid from
    (at the arranged rate), and the lines not arranged yet (at the plan's unit cost)."""
    found = plan_in_force(session, cycle.person_id)
    if found is None or found[0].cycle_id != cycle.id:
        return {}, ()
    latest: dict[int, SupportArrangement] = {}
    for row in session.exec(
        select(SupportArrangement)
        .where(SupportArrangement.cycle_id == cycle.id)
        .order_by(col(SupportArrangement.starts_on), col(SupportArrangement.id))
    ).all():
        if row.ends_on is None or row.ends_on >= today:
            latest[row.plan_item_id] = row  # the newest current arrangement of each line
    options = {o.value: o for o in ManagementOption}
    paid_from: dict[ManagementOption, list[PotLine]] = {}
    not_yet: list[PotLine] = []
    for item in found[1]:
        arrangement = latest.get(item.item_id)
        option = options.get(arrangement.funding_option) if arrangement else None
        if arrangement is None or option is None:
            not_yet.append(PotLine(item.label, item.annual))
        else:
            annual = annual_cost(arrangement.unit_rate_pence, item.quantity, item.frequency)
            paid_from.setdefault(option, []).append(PotLine(item.label, annual))
    return {o: tuple(lines) for o, lines in paid_from.items()}, tuple(not_yet)


def _management_values(view: ManagementView) -> dict[str, object]:
    own = view.recorded_for_this_cycle
    return {
        "shares": view.shares if own else (),
        "schedule": view.schedule if own else None,
        "account": view.account if own else None,
        "note": view.note,
    }
