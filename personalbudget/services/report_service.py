"""Gathering what a printed document needs, and writing it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from personalbudget.errors import NotFoundError
from personalbudget.i18n import _
from personalbudget.reports.plan_report import PlanReportData, write_plan_pdf
from personalbudget.services.budget_service import BudgetService
from personalbudget.services.context import ServiceContext
from personalbudget.services.people_service import PeopleService
from personalbudget.services.plan_service import PlanService
from personalbudget.storage.models import SupportPlan


class ReportService:
    def __init__(
        self, context: ServiceContext, people: PeopleService, budget: BudgetService, plans: PlanService
    ):
        self._ctx = context
        self._people = people
        self._budget = budget
        self._plans = plans

    def plan_report(self, person_id: int, version: int | None = None) -> PlanReportData:
        person = self._people.get_person(person_id)
        with self._ctx.db.session() as session:
            query = select(SupportPlan.id).where(SupportPlan.person_id == person_id)
            if version is not None:
                query = query.where(SupportPlan.version == version)
            plan_id = session.exec(query.order_by(col(SupportPlan.version).desc())).first()
        if plan_id is None:
            if version is None:
                raise NotFoundError(
                    _("{name} has no support plan yet. Write the plan in step 2 first.").format(
                        name=person.name
                    )
                )
            raise NotFoundError(_("{name} has no plan version {n}.").format(name=person.name, n=version))
        plan = self._plans.get_version(plan_id)
        budget = self._budget.get_budget_for_cycle(plan.cycle_id)
        budget_type = self._budget.ras.budget_types.get(budget.budget_type or "")
        return PlanReportData(
            person=person,
            plan=plan,
            budget=budget,
            budget_type_label=_(budget_type.label) if budget_type else "",
            council=self._budget.ras.council,
            generated_at=self._ctx.clock.now(),
        )

    def write_plan(self, person_id: int, out: Path, version: int | None = None) -> Path:
        return write_plan_pdf(self.plan_report(person_id, version), out)
