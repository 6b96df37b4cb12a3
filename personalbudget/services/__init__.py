"""Use cases shared by the Qt UI and the CLI. Services own sessions, return DTOs and raise typed errors."""

from __future__ import annotations

from dataclasses import dataclass

from personalbudget.clock import Clock
from personalbudget.domain.ras import RasDefinition, load_ras
from personalbudget.domain.roles import Role
from personalbudget.services.access import AccessService
from personalbudget.services.budget_service import BudgetService
from personalbudget.services.changes_service import ChangesService
from personalbudget.services.charging_service import ChargingService
from personalbudget.services.context import ActingDatabase, ServiceContext
from personalbudget.services.export_service import ExportService
from personalbudget.services.ledger_service import LedgerService
from personalbudget.services.lifecycle_service import LifecycleService
from personalbudget.services.management_service import ManagementService
from personalbudget.services.monitoring_service import MonitoringService
from personalbudget.services.pa_costs_service import PaCostService
from personalbudget.services.payee_rule_service import PayeeRuleService
from personalbudget.services.people_service import PeopleService
from personalbudget.services.plan_service import PlanService
from personalbudget.services.report_service import ReportService
from personalbudget.services.review_service import ReviewService
from personalbudget.services.settings_service import SettingsService
from personalbudget.services.statement_import_service import StatementImportService
from personalbudget.services.support_service import SupportService
from personalbudget.services.uplift_service import UpliftService
from personalbudget.services.work_queue_service import WorkQueueService
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
    settings: SettingsService
    management: ManagementService
    support: SupportService
    ledger: LedgerService
    statement_imports: StatementImportService
    payee_rules: PayeeRuleService
    monitoring: MonitoringService
    reviews: ReviewService
    export: ExportService
    charging: ChargingService
    pa_costs: PaCostService
    uplifts: UpliftService
    access: AccessService
    work: WorkQueueService
    changes: ChangesService


def build_services(
    db: Database | ActingDatabase,
    clock: Clock,
    actor: str,
    ras: RasDefinition | None = None,
    role: Role = Role.PRACTITIONER,
    *,
    system: bool = False,
) -> Services:
    """All services for one database and signed-in user (``actor``, with ``role``).

    ``ras`` defaults to the shipped RAS definition.
    """
    context = ServiceContext(db=ActingDatabase(db, actor), clock=clock, actor=actor, role=role, system=system)
    # The one place services are built: each gets the services it uses here, so no caller
    # passes one service into another and none builds its own.
    settings = SettingsService(context)
    access = AccessService(context)
    people = PeopleService(context)
    budget = BudgetService(context, ras or load_ras())
    plans = PlanService(context, settings)
    payee_rules = PayeeRuleService(context, settings)
    monitoring = MonitoringService(context, settings)
    management = ManagementService(context, settings)
    reviews = ReviewService(context, settings, monitoring, plans)
    reports = ReportService(
        context,
        people=people,
        budget=budget,
        plans=plans,
        monitoring=monitoring,
        management=management,
        reviews=reviews,
        settings=settings,
    )
    return Services(
        context=context,
        people=people,
        lifecycle=LifecycleService(context, settings),
        budget=budget,
        plans=plans,
        reports=reports,
        settings=settings,
        management=management,
        support=SupportService(context, settings),
        ledger=LedgerService(context, settings, monitoring),
        statement_imports=StatementImportService(context, settings, payee_rules),
        payee_rules=payee_rules,
        monitoring=monitoring,
        reviews=reviews,
        export=ExportService(context, settings),
        charging=ChargingService(context, settings),
        pa_costs=PaCostService(context),
        uplifts=UpliftService(context),
        access=access,
        work=WorkQueueService(context, settings, access),
        changes=ChangesService(context),
    )
