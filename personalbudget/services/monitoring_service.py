"""Step 6: monitoring spending against the plan (the budget year, the forecast and alerts), spend
for a review period, and the figures of a budget statement (the PDF the council's audit asks for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from personalbudget.domain.budget_statement import BudgetStatementData, BudgetStatementLine
from personalbudget.domain.management import PaymentSchedule
from personalbudget.domain.monitoring import (
    Monitoring,
    Movement,
    PlannedLine,
    budget_year,
    is_spending,
    monitor,
)
from personalbudget.domain.review import add_months
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.charging_service import contribution_into_account
from personalbudget.services.ledger_common import LedgerServiceBase, _driver, _iso
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import (
    ManagementInForce,
    PlanItemInfo,
    all_agreed_items,
    management_in_force,
    plan_in_force,
)
from personalbudget.services.settings_service import MoneySettings
from personalbudget.services.statement_import_service import import_summary
from personalbudget.storage.money_models import (
    StatementImport,
    SupportArrangement,
)

LedgerRow = tuple[int, str, str, int, int | None, str | None, int]  # as ``LedgerService`` reads it


@dataclass(frozen=True)
class MonitoringView:
    person_id: int
    monitoring: Monitoring | None
    years: tuple[date, ...]  # budget years (their 1 April) that can be shown
    settings: MoneySettings
    schedule: PaymentSchedule | None
    has_plan: bool


class MonitoringService(LedgerServiceBase):
    def monitoring(self, person_id: int, year_start: date | None = None) -> MonitoringView:
        """Spending against the plan for a budget year (the current one by default), the forecast and alerts."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            return self.monitoring_in(session, person_id, year_start, None)

    def monitoring_in(
        self,
        session: Session,
        person_id: int,
        year_start: date | None,
        rows: list[LedgerRow] | None,
        as_of: date | None = None,
    ) -> MonitoringView:
        settings = self._settings.money()
        today = min(as_of, self._ctx.clock.today()) if as_of else self._ctx.clock.today()
        management = management_in_force(session, person_id)
        current = plan_in_force(session, person_id)
        movements = self._movements(session, person_id, current[1] if current else [], rows)
        agreed_on = current[0].submitted_at.date() if current and current[0].submitted_at else None
        lines = self._planned_lines(session, current[1] if current else [], management, agreed_on)
        schedule = management.schedule if management else None
        this_year = budget_year(today)[0]
        first = min((m.posted_on for m in movements), default=today)
        years = []
        year = this_year
        while year >= budget_year(first)[0]:
            years.append(year)
            year = date(year.year - 1, 4, 1)
        start = year_start or this_year
        period = budget_year(start)
        result = monitor(
            movements,
            lines,
            period=period,
            today=today,
            schedule=schedule,
            surplus_limit_weeks=settings.surplus_limit_weeks,
            recent_weeks=settings.recent_weeks,
            contribution=contribution_into_account(session, person_id),  # a net DP: paid in by the person
        )
        return MonitoringView(person_id, result, tuple(years), settings, schedule, current is not None)

    def spend_for_period(self, session: Session, person_id: int, start: date, end: date) -> Monitoring:
        """Spend against the plan in force from ``start`` to ``end`` (inclusive), per item and in total.

        For reviews: the same arithmetic as the monitoring, over a year that begins at ``start`` and
        looked at as of ``end``, so "planned so far" is what the plan expects for the review period.
        """
        settings = self._settings.money()
        management = management_in_force(session, person_id)
        current = plan_in_force(session, person_id)
        items = current[1] if current else []
        movements = self._movements(session, person_id, items)
        agreed_on = current[0].submitted_at.date() if current and current[0].submitted_at else None
        lines = self._planned_lines(session, items, management, agreed_on)
        year_end = add_months(start, 12) - timedelta(days=1)
        return monitor(
            movements,
            lines,
            period=(start, year_end),
            today=max(start, min(end, year_end)),
            schedule=management.schedule if management else None,
            surplus_limit_weeks=settings.surplus_limit_weeks,
            recent_weeks=settings.recent_weeks,
        )

    def budget_statement(self, person_id: int, start: date, end: date) -> BudgetStatementData:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        if end < start:
            raise ValidationError(FieldError("end", _("The end of the period is before its start.")))
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            management = management_in_force(session, person_id)
            opening = (
                _driver(session)
                .execute(
                    "SELECT coalesce(sum(amount_pence), 0) FROM ledger_transaction WHERE person_id = ? AND posted_on < ?",
                    (person_id, _iso(start)),
                )
                .fetchone()[0]
            )
            rows = (
                _driver(session)  # plain tuples: a ledger of 100,000 rows reads in half the time
                .execute(
                    "SELECT posted_on, description, amount_pence, plan_item_id, category FROM ledger_transaction "
                    "WHERE person_id = ? AND posted_on >= ? AND posted_on <= ? ORDER BY posted_on, id",
                    (person_id, _iso(start), _iso(end)),
                )
                .fetchall()
            )
            items = all_agreed_items(session, person_id)
            imports = session.exec(
                select(StatementImport)
                .where(
                    StatementImport.person_id == person_id,
                    col(StatementImport.last_date) >= start,
                    col(StatementImport.first_date) <= end,
                )
                .order_by(col(StatementImport.first_date))
            ).all()
            import_summaries = tuple(import_summary(r) for r in imports)
            as_of = min(end, self._ctx.clock.today())
            against_plan = self.monitoring_in(
                session, person_id, budget_year(as_of)[0], None, as_of
            ).monitoring
        lines = []
        balance = int(opening)
        payments_in = spending = money_in = money_out = 0
        by_link: dict[str, int] = {}
        links: dict[tuple[int | None, str], str] = {}
        days: dict[str, date] = {}
        not_linked = _("Not linked to the plan")
        for posted, description, amount, item_id, category in rows:
            balance += amount
            link = links.get((item_id, category))
            if link is None:
                if item_id is not None and item_id in items:
                    link = items[item_id].label
                elif category:
                    link = _(SUPPORT_CATEGORIES.get(category, category))
                else:
                    link = ""
                links[(item_id, category)] = link
            if amount > 0:
                money_in += amount
            else:
                money_out -= amount
            if is_spending(Movement(date.min, amount, link)):
                spending -= amount
                key = link or not_linked
                by_link[key] = by_link.get(key, 0) - amount
            else:
                payments_in += amount
            day = days.get(posted)
            if day is None:
                day = days[posted] = date.fromisoformat(posted)
            lines.append(BudgetStatementLine(day, description, link, amount, balance))
        closing = int(opening) + payments_in - spending
        assert closing == balance, "the statement's totals must add up"
        return BudgetStatementData(
            person_id=person_id,
            start=start,
            end=end,
            opening_balance_pence=int(opening),
            payments_in_pence=payments_in,
            spending_pence=spending,
            closing_balance_pence=closing,
            lines=tuple(lines),
            by_link=tuple(sorted(by_link.items(), key=lambda kv: (-kv[1], kv[0]))),
            account_description=self._account_text(management),
            schedule=management.schedule if management else None,
            imports=import_summaries,
            against_plan=against_plan,
            today=self._ctx.clock.today(),
            money_in_pence=money_in,
            money_out_pence=money_out,
        )

    def _movements(
        self,
        session: Session,
        person_id: int,
        current: list[PlanItemInfo],
        rows: list[LedgerRow] | None = None,
    ) -> list[Movement]:
        """The ledger as the monitoring needs it, links pointed at the plan in force where they match.

        Summed per day, link and direction: the arithmetic only needs those sums, and a long ledger
        collapses to a few thousand lines. From ``rows`` when the ledger has just been read, else by SQL.
        """
        items = all_agreed_items(session, person_id)
        current_ids = {i.item_id for i in current}
        by_text = {(i.category, i.description): i.item_id for i in current}
        first_of_category: dict[str, int] = {}
        for info in current:
            first_of_category.setdefault(info.category, info.item_id)
        key_of: dict[tuple[int | None, str], str] = {}
        days: dict[str, date] = {}
        out = []
        if rows is None:
            sums = _driver(session).execute(
                "SELECT posted_on, plan_item_id, category, sum(amount_pence) FROM ledger_transaction "
                "WHERE person_id = ? GROUP BY posted_on, plan_item_id, category, amount_pence > 0",
                (person_id,),
            )
        else:
            totals: dict[tuple[str, int | None, str, bool], int] = {}
            for _id, posted, _description, amount, item_id, category, _manual in rows:
                group = (posted, item_id, category or "", amount > 0)
                totals[group] = totals.get(group, 0) + amount
            sums = [(day, item, kind, amount) for (day, item, kind, _in), amount in totals.items()]
        for posted, item_id, category, amount in sums:
            key = key_of.get((item_id, category))
            if key is None:
                if item_id is not None and item_id in current_ids:
                    key = str(item_id)
                elif item_id is not None and item_id in items:
                    old = items[item_id]
                    match = by_text.get((old.category, old.description))
                    key = str(match) if match else f"item:{item_id}"
                elif category:
                    match = first_of_category.get(category)
                    key = str(match) if match else f"category:{category}"
                else:
                    key = ""
                key_of[(item_id, category)] = key
            day = days.get(posted)
            if day is None:
                day = days[posted] = date.fromisoformat(posted)
            out.append(Movement(day, amount, key))
        return out

    def _planned_lines(
        self,
        session: Session,
        items: list[PlanItemInfo],
        management: ManagementInForce | None,
        agreed_on: date | None,
    ) -> list[PlannedLine]:
        if not items:
            return []
        pays_out = {s.option.value for s in management.shares if s.option.pays_out} if management else set()
        funded: dict[int, set[str]] = {}
        started: dict[int, date] = {}
        for item_id, option, starts_on in session.exec(
            select(
                col(SupportArrangement.plan_item_id),
                col(SupportArrangement.funding_option),
                col(SupportArrangement.starts_on),
            ).where(col(SupportArrangement.plan_item_id).in_([i.item_id for i in items]))
        ).all():
            funded.setdefault(item_id, set()).add(option)
            started[item_id] = min(starts_on, started.get(item_id, starts_on))
        # Before anything is arranged, the plan runs from the first payment (or from when it was agreed).
        default_start = management.schedule.first_payment if management and management.schedule else agreed_on
        # The pot that pays for an item not paid from this account, named as step 4 names it.
        shares = management.shares if management else ()
        pots = {s.option.value: s.option.label + (f" ({s.held_by})" if s.held_by else "") for s in shares}
        lines = []
        for info in items:
            options = funded.get(info.item_id, set()) - {""}
            from_account = bool(pays_out) and (not options or bool(options & pays_out))
            pot = "" if from_account else "; ".join(filter(None, (pots.get(o) for o in sorted(options))))
            lines.append(
                PlannedLine(
                    str(info.item_id),
                    info.label,
                    info.annual,
                    info.frequency,
                    from_account,
                    started.get(info.item_id, default_start),
                    pot,
                )
            )
        return lines


def default_budget_statement_period(today: date) -> tuple[date, date]:
    """The budget year so far, for a statement asked for without dates."""
    start, _end = budget_year(today)
    return start, today
