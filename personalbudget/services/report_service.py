"""Gathering what a printed document needs, and writing it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from personalbudget.domain.person_view import HelpArranged
from personalbudget.domain.plan import PlanStatus
from personalbudget.errors import NotFoundError, PermissionDeniedError
from personalbudget.i18n import _
from personalbudget.services.budget_service import BudgetService
from personalbudget.services.charging_service import split_of_cycle, statement_words
from personalbudget.services.context import ServiceContext
from personalbudget.services.management_service import ManagementService
from personalbudget.services.monitoring_service import MonitoringService
from personalbudget.services.people_service import PeopleService
from personalbudget.services.plan_service import PlanService
from personalbudget.services.review_service import ReviewService
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import AppUser, PlanCycle, SupportPlan

if TYPE_CHECKING:  # the report modules load ReportLab (most of a second): imported when a PDF is made
    from personalbudget.reports.budget_statement_report import StatementReportData
    from personalbudget.reports.easy_read_report import EasyReadData
    from personalbudget.reports.plan_report import PlanReportData
    from personalbudget.reports.review_report import ReviewReportData


class ReportService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        people: PeopleService,
        budget: BudgetService,
        plans: PlanService,
        monitoring: MonitoringService,
        management: ManagementService,
        reviews: ReviewService,
        settings: SettingsService,
    ):
        self._ctx = context
        self._people = people
        self._budget = budget
        self._plans = plans
        self._monitoring = monitoring
        self._management = management
        self._reviews = reviews
        self._settings = settings

    def display_names(self) -> dict[str, str]:
        """Each account's user name -> the name records show ("sworker" -> "Sam Worker")."""
        with self._ctx.db.session() as session:
            return dict(session.exec(select(AppUser.username, AppUser.display_name)).all())

    def _signed_in_name(self, names: dict[str, str]) -> str:
        return names.get(self._ctx.actor, self._ctx.actor)

    def plan_report(self, person_id: int, version: int | None = None) -> PlanReportData:
        from personalbudget.reports.plan_report import PlanReportData

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
            council=_(self._budget.ras.council),
            generated_at=self._ctx.clock.now(),
            names=self.display_names(),
            contribution_lines=self._split_lines(person_id, plan.cycle_id),
        )

    def _split_lines(self, person_id: int, cycle_id: int) -> tuple[str, ...]:
        """The agreed budget as the council's part + the person's contribution, for the plan PDF."""
        with self._ctx.db.session() as session:
            split = split_of_cycle(session, person_id, cycle_id)
        if split is None or split.contribution is None:
            return ()
        return tuple(split.explanation())

    def write_plan(self, person_id: int, out: Path, version: int | None = None) -> Path:
        from personalbudget.reports.plan_report import write_plan_pdf

        return write_plan_pdf(self.plan_report(person_id, version), out)

    def easy_read_report(self, person_id: int, version: int | None = None) -> EasyReadData:
        """The easy read plan: plan ``version``, or else the newest agreed plan, or else the newest."""
        from personalbudget.reports.easy_read_report import EasyReadData

        if version is None:
            with self._ctx.db.session() as session:
                version = session.exec(
                    select(SupportPlan.version)
                    .where(SupportPlan.person_id == person_id, SupportPlan.status == PlanStatus.AGREED.value)
                    .order_by(col(SupportPlan.version).desc())
                ).first()
        data = self.plan_report(person_id, version)
        with self._ctx.db.session() as session:
            cycle = session.get(PlanCycle, data.plan.cycle_id)
            next_review = cycle.next_review_due if cycle else None
        return EasyReadData(
            person=data.person,
            plan=data.plan,
            budget=data.budget,
            management=self._management.get_management(person_id),
            next_review_due=next_review,
            first_review_weeks=self._settings.review().first_review_weeks,
            council=data.council,
            generated_at=data.generated_at,
            arranged=self._arranged(person_id, data.plan.version),
        )

    def _arranged(self, person_id: int, version: int) -> tuple[HelpArranged, ...]:
        """Who gives each item of plan ``version`` as arranged at step 5, when it is the plan in
        force and the account may see the arrangements; else none (the plan's own providers)."""
        from personalbudget.services.support_service import SupportService

        try:
            in_force, lines = SupportService(self._ctx, self._settings).help_arranged(person_id)
        except PermissionDeniedError:
            return ()
        return tuple(lines) if in_force == version else ()

    def write_easy_read_plan(self, person_id: int, out: Path, version: int | None = None) -> Path:
        """The plan in easy read (pictures, short sentences, large type) as a PDF."""
        from personalbudget.reports.easy_read_report import write_easy_read_pdf

        return write_easy_read_pdf(self.easy_read_report(person_id, version), out)

    def review_report(self, person_id: int, number: int | None = None) -> ReviewReportData:
        """Review ``number`` of a person (1 = first), or the newest."""
        from personalbudget.reports.review_report import ReviewReportData

        view = self._reviews.review_by_number(person_id, number)
        position = next(s.number for s in self._reviews.history(person_id) if s.review_id == view.review_id)
        return ReviewReportData(
            view, position, _(self._budget.ras.council), self._ctx.clock.now(), self.display_names()
        )

    def write_review(self, person_id: int, out: Path, number: int | None = None) -> Path:
        from personalbudget.reports.review_report import write_review_pdf

        return write_review_pdf(self.review_report(person_id, number), out)

    def budget_statement_report(self, person_id: int, start: date, end: date) -> StatementReportData:
        from personalbudget.reports.budget_statement_report import StatementReportData

        person = self._people.get_person(person_id)
        names = self.display_names()
        return StatementReportData(
            person=person,
            statement=self._monitoring.budget_statement(person_id, start, end),
            council=_(self._budget.ras.council),
            generated_at=self._ctx.clock.now(),
            generated_by=self._signed_in_name(names),
            names=names,
            contribution_lines=self._contribution_lines(person_id, start, end),
        )

    def _contribution_lines(self, person_id: int, start: date, end: date) -> tuple[str, ...]:
        with self._ctx.db.session() as session:
            return tuple(statement_words(session, person_id, start, end, self._ctx.clock.today()))

    def write_statement(self, person_id: int, start: date, end: date, out: Path) -> Path:
        """The budget statement for a period as a PDF (opening balance, payments in, spending, closing)."""
        from personalbudget.reports.budget_statement_report import write_statement_pdf

        return write_statement_pdf(self.budget_statement_report(person_id, start, end), out)
