"""My work: what a practitioner, approver or broker starts the day with.

Plans waiting for a decision; reviews due in the next four weeks or overdue; balances overdrawn,
running out or in surplus beyond the limit; PA checks (DBS, employer's insurance) running out within
the reminder period; statements not imported for more than a month; and, for the allocated worker,
anyone else who opened one of their people with break-glass. Only the people the account may see
are counted (``services.access``). Each entry names the step the person should be opened at.

Every list is one query over the whole caseload (no per-person reads), so it stays fast for
thousands of people: see ``benchmarks/work_queue_benchmark.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import Connection, Date, DateTime, text

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import Frequency
from personalbudget.domain.roles import Permission, allowed
from personalbudget.i18n import N_, _, format_date, format_money, ngettext
from personalbudget.services.access import AccessService, Scope
from personalbudget.services.context import ServiceContext
from personalbudget.services.settings_service import SettingsService

REVIEW_HORIZON_DAYS = 28  # reviews due in the next 4 weeks
STATEMENT_STALE_DAYS = 31  # statements not imported for more than a month
WEEKS_PER_YEAR = 52


class WorkKind(StrEnum):
    PLAN_DECISION = "plan_decision"
    REVIEW_OVERDUE = "review_overdue"
    REVIEW_DUE = "review_due"
    OVERDRAWN = "overdrawn"
    RUNNING_OUT = "running_out"
    SURPLUS = "surplus"
    PA_CHECK = "pa_check"
    STATEMENT = "statement"
    BREAK_GLASS = "break_glass"

    @property
    def label(self) -> str:
        return _(WORK_KIND_LABELS[self])


WORK_KIND_LABELS = {
    WorkKind.PLAN_DECISION: N_("Plans waiting for my decision"),
    WorkKind.REVIEW_OVERDUE: N_("Reviews overdue"),
    WorkKind.REVIEW_DUE: N_("Reviews due in the next 4 weeks"),
    WorkKind.OVERDRAWN: N_("Balance overdrawn"),
    WorkKind.RUNNING_OUT: N_("Balance running out"),
    WorkKind.SURPLUS: N_("Surplus beyond the limit"),
    WorkKind.PA_CHECK: N_("PA checks running out (DBS, insurance)"),
    WorkKind.STATEMENT: N_("Statements not imported for over a month"),
    WorkKind.BREAK_GLASS: N_("My people opened by someone else (break-glass)"),
}

STEP_OF = {
    WorkKind.PLAN_DECISION: Step.AGREE_PLAN,
    WorkKind.REVIEW_OVERDUE: Step.REVIEW,
    WorkKind.REVIEW_DUE: Step.REVIEW,
    WorkKind.OVERDRAWN: Step.LIVE_LIFE,
    WorkKind.RUNNING_OUT: Step.LIVE_LIFE,
    WorkKind.SURPLUS: Step.LIVE_LIFE,
    WorkKind.PA_CHECK: Step.ORGANISE_SUPPORT,
    WorkKind.STATEMENT: Step.LIVE_LIFE,
    WorkKind.BREAK_GLASS: Step.SET_BUDGET,
}


@dataclass(frozen=True)
class WorkItem:
    kind: WorkKind
    person_id: int
    person_name: str
    detail: str
    due: date | None = None

    @property
    def step(self) -> Step:
        """The step to open the person at."""
        return STEP_OF[self.kind]


@dataclass(frozen=True)
class WorkQueue:
    items: tuple[WorkItem, ...]

    def of(self, kind: WorkKind) -> list[WorkItem]:
        return [i for i in self.items if i.kind is kind]

    def counts(self) -> dict[WorkKind, int]:
        return {kind: len(self.of(kind)) for kind in WorkKind}


_PLANS = text(
    "SELECT p.id, p.name, sp.submitted_at FROM support_plan sp JOIN person p ON p.id = sp.person_id "
    "WHERE sp.status = 'submitted' ORDER BY sp.submitted_at"
).columns(submitted_at=DateTime)
_REVIEWS = text(
    "SELECT p.id, p.name, c.next_review_due FROM plan_cycle c JOIN person p ON p.id = c.person_id "
    "WHERE c.status = 'open' AND c.next_review_due IS NOT NULL AND c.next_review_due <= :horizon "
    "ORDER BY c.next_review_due"
).columns(next_review_due=Date)
_MONEY = text(
    """
    SELECT p.id, p.name, ps.frequency, ps.amount_pence, ps.first_payment_on,
           (SELECT COALESCE(SUM(t.amount_pence), 0) FROM ledger_transaction t WHERE t.person_id = p.id),
           (SELECT MAX(si.imported_at) FROM statement_import si WHERE si.person_id = p.id) AS last_import
    FROM person p
    JOIN budget_management bm ON bm.id = (
        SELECT bm2.id FROM budget_management bm2 JOIN plan_cycle c2 ON c2.id = bm2.cycle_id
        WHERE c2.person_id = p.id ORDER BY c2.number DESC LIMIT 1
    )
    JOIN payment_schedule ps ON ps.management_id = bm.id
    """
).columns(first_payment_on=Date, last_import=DateTime)
_INSURANCE = text(
    "SELECT p.id, p.name, e.insurance_expires_on FROM employer_checklist e JOIN person p ON p.id = e.person_id "
    "WHERE e.insurance_expires_on IS NOT NULL AND e.insurance_expires_on <= :until"
).columns(insurance_expires_on=Date)
_DBS = text(
    "SELECT p.id, p.name, pr.name, pa.dbs_checked_on FROM pa_employment pa JOIN person p ON p.id = pa.person_id "
    "JOIN provider pr ON pr.id = pa.provider_id WHERE pa.dbs_checked_on IS NOT NULL AND pa.dbs_checked_on <= :before"
).columns(dbs_checked_on=Date)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class WorkQueueService:
    def __init__(self, context: ServiceContext, settings: SettingsService, access: AccessService):
        self._ctx = context
        self._settings = settings
        self._access = access

    def my_work(self) -> WorkQueue:
        """The signed-in account's work, over the people it may see."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        role = self._ctx.role
        today = self._ctx.clock.today()
        now = self._ctx.clock.now()
        money = self._settings.money()
        scope = self._ctx.visible_people()
        items: list[WorkItem] = []
        with self._ctx.db.session() as session:  # joins a use case already running
            connection = session.connection()
            if allowed(role, Permission.DECIDE_PLAN):
                for pid, name, submitted in connection.execute(_PLANS):
                    if pid in scope:
                        when = format_date(submitted.date()) if submitted else ""
                        items.append(
                            WorkItem(
                                WorkKind.PLAN_DECISION,
                                pid,
                                name,
                                _("Submitted {date}").format(date=when),
                                submitted.date() if submitted else None,
                            )
                        )
            if allowed(role, Permission.MOVE_STEPS):
                horizon = today + timedelta(days=REVIEW_HORIZON_DAYS)
                for pid, name, due in connection.execute(_REVIEWS, {"horizon": horizon}):
                    if pid not in scope:
                        continue
                    if due < today:
                        late = (today - due).days
                        detail = ngettext("Due {date}, {n} day ago", "Due {date}, {n} days ago", late)
                        items.append(
                            WorkItem(
                                WorkKind.REVIEW_OVERDUE,
                                pid,
                                name,
                                detail.format(date=format_date(due), n=late),
                                due,
                            )
                        )
                    else:
                        items.append(
                            WorkItem(
                                WorkKind.REVIEW_DUE,
                                pid,
                                name,
                                _("Due {date}").format(date=format_date(due)),
                                due,
                            )
                        )
            if allowed(role, Permission.MANAGE_MONEY):
                items += self._money(connection, scope, today, now, money.surplus_limit_weeks)
                items += self._pa_checks(
                    connection, scope, today, money.reminder_days, money.dbs_recheck_years
                )
        if allowed(role, Permission.MOVE_STEPS) or allowed(role, Permission.DECIDE_PLAN):
            for notice in self._access.break_glass_notices():
                items.append(
                    WorkItem(
                        WorkKind.BREAK_GLASS,
                        notice.person_id,
                        self._name(notice.person_id),
                        _("Opened by {user} on {date}: {reason}").format(
                            user=notice.username,
                            date=format_date(notice.opened_at.date()),
                            reason=notice.reason,
                        ),
                        notice.opened_at.date(),
                    )
                )
        return WorkQueue(tuple(items))

    def _name(self, person_id: int) -> str:
        with self._ctx.db.session() as session:  # joins a use case already running
            connection = session.connection()
            row = connection.execute(
                text("SELECT name FROM person WHERE id = :id"), {"id": person_id}
            ).first()
        return row[0] if row else ""

    def _money(
        self, connection: Connection, scope: Scope, today: date, now: datetime, surplus_weeks: int
    ) -> list[WorkItem]:
        out: list[WorkItem] = []
        stale = now - timedelta(days=STATEMENT_STALE_DAYS)
        for pid, name, frequency, amount, first_on, balance, last_import in connection.execute(_MONEY):
            if pid not in scope:
                continue
            weekly = Fraction(amount * Frequency(frequency).times_per_year, WEEKS_PER_YEAR)
            if balance < 0:
                out.append(
                    WorkItem(
                        WorkKind.OVERDRAWN,
                        pid,
                        name,
                        _("Balance {amount}").format(amount=format_money(balance)),
                    )
                )
            elif balance < weekly:
                out.append(
                    WorkItem(
                        WorkKind.RUNNING_OUT,
                        pid,
                        name,
                        _("Balance {amount}, less than a week of payments").format(
                            amount=format_money(balance)
                        ),
                    )
                )
            elif balance > weekly * surplus_weeks:
                out.append(
                    WorkItem(
                        WorkKind.SURPLUS,
                        pid,
                        name,
                        ngettext(
                            "Balance {amount}, over {n} week of payments",
                            "Balance {amount}, over {n} weeks of payments",
                            surplus_weeks,
                        ).format(amount=format_money(balance), n=surplus_weeks),
                    )
                )
            if first_on is not None and first_on <= today - timedelta(days=STATEMENT_STALE_DAYS):
                if last_import is None:
                    out.append(WorkItem(WorkKind.STATEMENT, pid, name, _("No statement imported yet")))
                elif last_import.replace(tzinfo=None) < stale.replace(tzinfo=None):
                    out.append(
                        WorkItem(
                            WorkKind.STATEMENT,
                            pid,
                            name,
                            _("Last imported {date}").format(date=format_date(last_import.date())),
                            last_import.date(),
                        )
                    )
        return out

    def _pa_checks(
        self, connection: Connection, scope: Scope, today: date, days: int, dbs_years: int
    ) -> list[WorkItem]:
        out: list[WorkItem] = []
        until = today + timedelta(days=days)
        for pid, name, expires in connection.execute(_INSURANCE, {"until": until}):
            if pid in scope:
                detail = _("Employer's insurance runs out {date}").format(date=format_date(expires))
                out.append(WorkItem(WorkKind.PA_CHECK, pid, name, detail, expires))
        before = _years_later(until, -dbs_years)
        for pid, name, pa_name, checked in connection.execute(_DBS, {"before": before}):
            if pid in scope:
                due = _years_later(checked, dbs_years)
                detail = _("DBS check for {pa} due for renewal {date}").format(
                    pa=pa_name, date=format_date(due)
                )
                out.append(WorkItem(WorkKind.PA_CHECK, pid, name, detail, due))
        return out
