"""Reads shared by the step 4-6 services: the plan in force, the management in force, item labels."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session, col, select

from personalbudget.domain.management import (
    AccountDetails,
    ManagementOption,
    PaymentSchedule,
    Share,
)
from personalbudget.domain.money import Frequency, annual_cost
from personalbudget.domain.plan import PlanStatus
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.i18n import _
from personalbudget.services.context import remembered
from personalbudget.storage.models import PlanCycle, PlanSupportItem, SupportPlan
from personalbudget.storage.money_models import BudgetManagement, ManagementShare, PaymentScheduleRow


@dataclass(frozen=True)
class PlanItemInfo:
    """One costed item of an agreed plan."""

    item_id: int
    plan_id: int
    position: int
    category: str
    description: str
    provider: str  # as written in the plan ("" = to be arranged)
    unit_cost_pence: int
    quantity: Decimal
    frequency: Frequency

    @property
    def annual(self) -> Fraction:
        return annual_cost(self.unit_cost_pence, self.quantity, self.frequency)

    @property
    def label(self) -> str:
        return item_label(self.category, self.description)


def item_label(category: str, description: str) -> str:
    kind = SUPPORT_CATEGORIES.get(category)
    return f"{_(kind)}: {description}" if kind else description


def _info(row: PlanSupportItem) -> PlanItemInfo:
    return PlanItemInfo(
        row.id,  # type: ignore[arg-type]
        row.plan_id,
        row.position,
        row.category,
        row.description,
        row.provider,
        row.unit_cost_pence,
        Decimal(row.quantity),
        Frequency(row.frequency),
    )


def _plan_in_force(session: Session, person_id: int) -> tuple[SupportPlan, list[PlanItemInfo]] | None:
    """The person's newest agreed plan and its items (the plan support is arranged and money spent against)."""
    plan = session.exec(
        select(SupportPlan)
        .where(SupportPlan.person_id == person_id, SupportPlan.status == PlanStatus.AGREED.value)
        .order_by(col(SupportPlan.version).desc())
    ).first()
    if plan is None:
        return None
    rows = session.exec(
        select(PlanSupportItem)
        .where(PlanSupportItem.plan_id == plan.id)
        .order_by(col(PlanSupportItem.position))
    ).all()
    return plan, [_info(r) for r in rows]


def _all_agreed_items(session: Session, person_id: int) -> dict[int, PlanItemInfo]:
    """Every item of every agreed plan the person has had, by id (for labels of older links)."""
    rows = session.exec(
        select(PlanSupportItem)
        .join(SupportPlan, col(SupportPlan.id) == PlanSupportItem.plan_id)
        .where(SupportPlan.person_id == person_id, SupportPlan.status == PlanStatus.AGREED.value)
    ).all()
    return {r.id: _info(r) for r in rows}  # type: ignore[misc]


@dataclass(frozen=True)
class ManagementInForce:
    management_id: int
    cycle_id: int
    cycle_number: int
    shares: tuple[Share, ...]
    schedule: PaymentSchedule | None
    account: AccountDetails | None

    @property
    def pays_out(self) -> bool:
        return any(s.option.pays_out for s in self.shares)


def management_of_cycle(
    session: Session, management: BudgetManagement, cycle_number: int
) -> ManagementInForce:
    shares = session.exec(
        select(ManagementShare)
        .where(ManagementShare.management_id == management.id)
        .order_by(col(ManagementShare.position))
    ).all()
    row = session.exec(
        select(PaymentScheduleRow).where(PaymentScheduleRow.management_id == management.id)
    ).first()
    schedule = account = None
    if row is not None:
        schedule = PaymentSchedule(
            Frequency(row.frequency), row.first_payment_on, row.amount_pence, row.in_advance
        )
        account = AccountDetails(
            row.account_name, row.account_provider, row.sort_code_masked, row.account_last4, row.card_last4
        )
    return ManagementInForce(
        management.id,  # type: ignore[arg-type]
        management.cycle_id,
        cycle_number,
        tuple(Share(ManagementOption(s.option), s.annual_pence, s.held_by) for s in shares),
        schedule,
        account,
    )


def _management_in_force(session: Session, person_id: int) -> ManagementInForce | None:
    """The newest management recorded for the person, in any cycle (the money keeps flowing while re-planning)."""
    found = session.exec(
        select(BudgetManagement, PlanCycle.number)
        .join(PlanCycle, col(PlanCycle.id) == BudgetManagement.cycle_id)
        .where(PlanCycle.person_id == person_id)
        .order_by(col(PlanCycle.number).desc())
    ).first()
    if found is None:
        return None
    management, number = found
    return management_of_cycle(session, management, number)


# Each read once per session (services/context.py ``remembered``): opening a person asks for these
# from several services. Copies of the lists and maps are handed out, so no caller changes another's.
def plan_in_force(session: Session, person_id: int) -> tuple[SupportPlan, list[PlanItemInfo]] | None:
    """The person's newest agreed plan and its items (the plan support is arranged and money spent against)."""
    found = remembered(session, ("plan_in_force", person_id), lambda: _plan_in_force(session, person_id))
    return None if found is None else (found[0], list(found[1]))


def all_agreed_items(session: Session, person_id: int) -> dict[int, PlanItemInfo]:
    """Every item of every agreed plan the person has had, by id (for labels of older links)."""
    return dict(
        remembered(session, ("all_agreed_items", person_id), lambda: _all_agreed_items(session, person_id))
    )


def management_in_force(session: Session, person_id: int) -> ManagementInForce | None:
    """The newest management recorded for the person, in any cycle (the money keeps flowing while re-planning)."""
    return remembered(
        session, ("management_in_force", person_id), lambda: _management_in_force(session, person_id)
    )
