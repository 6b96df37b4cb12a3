"""Use cases shared by the Qt UI and the CLI. Services own sessions, return DTOs and raise typed errors."""

from __future__ import annotations

from dataclasses import dataclass

from personalbudget.clock import Clock
from personalbudget.domain.ras import RasDefinition, load_ras
from personalbudget.services.budget_service import BudgetService
from personalbudget.services.context import ActingDatabase, ServiceContext
from personalbudget.services.lifecycle_service import LifecycleService
from personalbudget.services.people_service import PeopleService
from personalbudget.services.plan_service import PlanService
from personalbudget.services.report_service import ReportService
from personalbudget.storage.database import Database


@dataclass(frozen=True)
class Services:
    """The services for one open database and one signed-in user."""

    context: ServiceContext
    people: PeopleService
    lifecycle: LifecycleService
    budget: BudgetService
    plans: PlanService
    reports: ReportService


def build_services(db: Database, clock: Clock, actor: str, ras: RasDefinition | None = None) -> Services:
    """All services for one database and user. ``ras`` defaults to the shipped RAS definition."""
    context = ServiceContext(db=ActingDatabase(db, actor), clock=clock, actor=actor)
    people = PeopleService(context)
    budget = BudgetService(context, ras or load_ras())
    plans = PlanService(context)
    return Services(
        context=context,
        people=people,
        lifecycle=LifecycleService(context),
        budget=budget,
        plans=plans,
        reports=ReportService(context, people, budget, plans),
    )
