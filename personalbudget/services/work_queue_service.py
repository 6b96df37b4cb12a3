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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import Frequency
from personalbudget.domain.roles import Permission, allowed
from personalbudget.i18n import N_, _, format_date, format_money, ngettext
from personalbudget.services.access import AccessService
from personalbudget.services.context import ServiceContext
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.sql import driver as raw_driver

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


class Pence(int):
    """An amount of money among the words of an entry (formatted only when shown)."""


@dataclass(frozen=True, slots=True)  # a queue over a large caseload holds tens of thousands
class Words:
    """What an entry says, kept as the message and its values: formatting (Babel) waits until it is
    shown, so a queue of thousands of entries is read in a few milliseconds."""

    message: str
    values: tuple[tuple[str, object], ...] = ()
    plural: str = ""
    n: int = 0

    def __str__(self) -> str:
        text = ngettext(self.message, self.plural, self.n) if self.plural else _(self.message)
        shown = {k: _shown(v) for k, v in self.values}
        return text.format(n=self.n, **shown) if self.plural else text.format(**shown)


def _shown(value: object) -> str:
    if isinstance(value, Pence):
        return format_money(int(value))
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def _words(message: str, *, plural: str = "", n: int = 0, **values: object) -> Words:
    return Words(message, tuple(values.items()), plural, n)


_NO_STATEMENT = Words(N_("No statement imported yet"))  # one for every entry that says it


@dataclass(frozen=True, slots=True)
class WorkItem:
    kind: WorkKind
    person_id: int
    person_name: str
    words: Words
    due: date | None = None

    @property
    def detail(self) -> str:
        return str(self.words)

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


# Plain DB-API reads (tuples, ISO dates compared as text): thousands of rows without result-row overhead.
_PLANS = (
    "SELECT p.id, p.name, sp.submitted_at FROM support_plan sp JOIN person p ON p.id = sp.person_id "
    "WHERE sp.status = 'submitted' ORDER BY sp.submitted_at"
)
_REVIEWS = (
    "SELECT p.id, p.name, c.next_review_due FROM plan_cycle c JOIN person p ON p.id = c.person_id "
    "WHERE c.status = 'open' AND c.next_review_due IS NOT NULL AND c.next_review_due <= ? "
    "ORDER BY c.next_review_due"
)
_MONEY = """
    WITH latest AS (  -- the newest management recorded for each person (the money keeps flowing)
        SELECT c.person_id, MAX(c.number) AS number FROM plan_cycle c
        JOIN budget_management bm ON bm.cycle_id = c.id GROUP BY c.person_id
    ),
    balance AS (SELECT person_id, SUM(amount_pence) AS pence FROM ledger_transaction GROUP BY person_id),
    imported AS (SELECT person_id, MAX(imported_at) AS at FROM statement_import GROUP BY person_id)
    SELECT p.id, p.name, ps.frequency, ps.amount_pence, ps.first_payment_on,
           COALESCE(balance.pence, 0), imported.at
    FROM latest
    JOIN plan_cycle c ON c.person_id = latest.person_id AND c.number = latest.number
    JOIN budget_management bm ON bm.cycle_id = c.id
    JOIN payment_schedule ps ON ps.management_id = bm.id
    JOIN person p ON p.id = latest.person_id
    LEFT JOIN balance ON balance.person_id = p.id
    LEFT JOIN imported ON imported.person_id = p.id
"""
_INSURANCE = (
    "SELECT p.id, p.name, e.insurance_expires_on FROM employer_checklist e JOIN person p ON p.id = e.person_id "
    "WHERE e.insurance_expires_on IS NOT NULL AND e.insurance_expires_on <= ?"
)
_DBS = (
    "SELECT p.id, p.name, pr.name, pa.dbs_checked_on FROM pa_employment pa JOIN person p ON p.id = pa.person_id "
    "JOIN provider pr ON pr.id = pa.provider_id WHERE pa.dbs_checked_on IS NOT NULL AND pa.dbs_checked_on <= ?"
)
TIMES_A_YEAR = {f.value: f.times_per_year for f in Frequency}


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


class _Shared:
    """One copy of each name, date and wording a reading repeats: a person is in several kinds of
    work and the same dates (so the same words: "Due 3 Dec 2026") come up thousands of times, and a
    queue over 50,000 people holds about 80,000 entries (each driver row brings its own copies)."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._days: dict[str, date] = {}
        self._words: dict[Words, Words] = {}

    def item(
        self, kind: WorkKind, person_id: int, name: str, words: Words, due: date | None = None
    ) -> WorkItem:
        """An entry, with the copy of its name and of its words (the same message and values) that
        an earlier entry has, if one has."""
        return WorkItem(
            kind, person_id, self._names.setdefault(name, name), self._words.setdefault(words, words), due
        )

    def day(self, text: str) -> date:
        found = self._days.get(text)
        if found is None:
            found = self._days[text] = _day(text)
        return found


def _stored(moment: datetime) -> str:
    """A moment as SQLAlchemy keeps a DateTime in SQLite (UTC, no zone), for comparing as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if moment.tzinfo else str(moment)


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

    def my_work(self, progress: Callable[[int, int], bool] | None = None) -> WorkQueue:
        """The signed-in account's work, over the people it may see. ``progress(done, total)`` is
        told after each kind of work; when it returns False (cancelled: the app is closing) the
        reading stops there and returns nothing."""
        self._ctx.require(Permission.VIEW_PEOPLE)

        def going_on(done: int) -> bool:
            return progress is None or progress(done, 3)

        role = self._ctx.role
        today = self._ctx.clock.today()
        now = self._ctx.clock.now()
        items: list[WorkItem] = []
        shared = _Shared()
        with self._ctx.db.session() as session:  # one read: the settings, scope and notices join it
            connection = session.connection()
            driver = raw_driver(connection)  # SQLite's raw SQL on either backend (storage/sql.py)
            money = self._settings.money()
            scope = self._ctx.visible_people()
            people = None if scope.everyone else scope.people
            if allowed(role, Permission.DECIDE_PLAN):
                for pid, name, submitted in driver.execute(_PLANS):
                    if people is None or pid in people:
                        day = shared.day(submitted) if submitted else None
                        items.append(
                            shared.item(
                                WorkKind.PLAN_DECISION,
                                pid,
                                name,
                                Words(N_("Submitted {date}"), (("date", day or ""),)),
                                day,
                            )
                        )
            if not going_on(1):
                return WorkQueue(())
            if allowed(role, Permission.MOVE_STEPS):
                horizon = (today + timedelta(days=REVIEW_HORIZON_DAYS)).isoformat()
                for pid, name, due_text in driver.execute(_REVIEWS, (horizon,)):
                    if people is not None and pid not in people:
                        continue
                    due = shared.day(due_text)
                    if due < today:
                        late = (today - due).days
                        words = Words(
                            N_("Due {date}, {n} day ago"),
                            (("date", due),),
                            N_("Due {date}, {n} days ago"),
                            late,
                        )
                        items.append(shared.item(WorkKind.REVIEW_OVERDUE, pid, name, words, due))
                    else:
                        items.append(
                            shared.item(
                                WorkKind.REVIEW_DUE, pid, name, Words(N_("Due {date}"), (("date", due),)), due
                            )
                        )
            if not going_on(2):
                return WorkQueue(())
            if allowed(role, Permission.MANAGE_MONEY):
                items += self._money(driver, people, today, now, money.surplus_limit_weeks, shared)
                if not going_on(3):
                    return WorkQueue(())
                items += self._pa_checks(
                    driver, people, today, money.reminder_days, money.dbs_recheck_years, shared
                )
            if allowed(role, Permission.MOVE_STEPS) or allowed(role, Permission.DECIDE_PLAN):
                notices = self._access.break_glass_notices()
                names = self._names(connection, {n.person_id for n in notices})
                for notice in notices:
                    items.append(
                        shared.item(
                            WorkKind.BREAK_GLASS,
                            notice.person_id,
                            names.get(notice.person_id, ""),
                            _words(
                                N_("Opened by {user} on {date}: {reason}"),
                                user=notice.username,
                                date=notice.opened_at.date(),
                                reason=notice.reason,
                            ),
                            notice.opened_at.date(),
                        )
                    )
        return WorkQueue(tuple(items))

    @staticmethod
    def _names(connection: Connection, people: set[int]) -> dict[int, str]:
        if not people:
            return {}
        marks = ",".join("?" * len(people))
        driver = raw_driver(connection)
        return dict(driver.execute(f"SELECT id, name FROM person WHERE id IN ({marks})", tuple(people)))

    def _money(
        self,
        driver: Any,
        people: frozenset[int] | None,
        today: date,
        now: datetime,
        surplus_weeks: int,
        shared: _Shared,
    ) -> list[WorkItem]:
        """Balances against the payments (in whole pence a year: a balance is compared with ``weeks``
        weeks of payments as balance x 52 against payment x times a year x weeks, exactly)."""
        out: list[WorkItem] = []
        stale = _stored(now - timedelta(days=STATEMENT_STALE_DAYS))
        paid_since = (today - timedelta(days=STATEMENT_STALE_DAYS)).isoformat()
        for pid, name, frequency, amount, first_on, balance, last_import in driver.execute(_MONEY):
            if people is not None and pid not in people:
                continue
            yearly = amount * TIMES_A_YEAR[frequency]
            if balance < 0:
                out.append(
                    shared.item(
                        WorkKind.OVERDRAWN,
                        pid,
                        name,
                        Words(N_("Overdrawn by {amount}"), (("amount", Pence(-balance)),)),
                    )
                )
            elif balance * WEEKS_PER_YEAR < yearly:
                words = Words(
                    N_("Balance {amount}, less than a week of payments"), (("amount", Pence(balance)),)
                )
                out.append(shared.item(WorkKind.RUNNING_OUT, pid, name, words))
            elif balance * WEEKS_PER_YEAR > yearly * surplus_weeks:
                words = Words(
                    N_("Balance {amount}, over {n} week of payments"),
                    (("amount", Pence(balance)),),
                    N_("Balance {amount}, over {n} weeks of payments"),
                    surplus_weeks,
                )
                out.append(shared.item(WorkKind.SURPLUS, pid, name, words))
            if first_on is not None and first_on[:10] <= paid_since:
                if last_import is None:
                    out.append(shared.item(WorkKind.STATEMENT, pid, name, _NO_STATEMENT))
                elif last_import < stale:
                    day = shared.day(last_import)
                    out.append(
                        shared.item(
                            WorkKind.STATEMENT,
                            pid,
                            name,
                            Words(N_("Last imported {date}"), (("date", day),)),
                            day,
                        )
                    )
        return out

    def _pa_checks(
        self,
        driver: Any,
        people: frozenset[int] | None,
        today: date,
        days: int,
        dbs_years: int,
        shared: _Shared,
    ) -> list[WorkItem]:
        out: list[WorkItem] = []
        until = today + timedelta(days=days)
        for pid, name, expires_text in driver.execute(_INSURANCE, (until.isoformat(),)):
            if people is None or pid in people:
                expires = shared.day(expires_text)
                words = Words(N_("Employer's insurance runs out {date}"), (("date", expires),))
                out.append(shared.item(WorkKind.PA_CHECK, pid, name, words, expires))
        before = _years_later(until, -dbs_years).isoformat()
        for pid, name, pa_name, checked in driver.execute(_DBS, (before,)):
            if people is None or pid in people:
                due = _years_later(shared.day(checked), dbs_years)
                words = Words(
                    N_("DBS check for {pa} due for renewal {date}"), (("pa", pa_name), ("date", due))
                )
                out.append(shared.item(WorkKind.PA_CHECK, pid, name, words, due))
        return out
