"""The raw-SQL floor of the aggregate export (issue 18): the same figures as the published tables
(people counted and budgets, plans, spending and reviews summed by the same groups), straight from
SQL, with no disclosure control, no register and no files. What the export may cost is measured
against it (target: <= 3x), by ``growth_benchmarks.py`` and ``run_benchmarks.py`` alike.

The spending is read as the export reads it: from the kept ledger totals (``ledger_spend_total``,
kept by triggers as ledger rows are written) for the financial years wholly inside the period, and
from the ledger rows themselves for any days outside them (``dataset.whole_financial_years``).
"""

from __future__ import annotations

import math
import time
from datetime import date, timedelta
from typing import Any

_FLOOR_SQL = (
    # the newest budget agreed by the end of the period, per person, and its people by reason, age and place
    """WITH budget AS (
         SELECT c.person_id, b.id, b.budget_type, max(c.number) FROM agreed_budget b
         JOIN plan_cycle c ON c.id = b.cycle_id WHERE b.agreed_at < :end GROUP BY c.person_id)
       SELECT p.primary_support_reason, p.locality,
              (CAST(strftime('%Y', :stop) AS INTEGER) - CAST(strftime('%Y', p.date_of_birth) AS INTEGER)) / 10,
              count(*), sum(s.annual_pence), b.budget_type
       FROM budget b JOIN person p ON p.id = b.person_id JOIN budget_stream s ON s.agreed_budget_id = b.id
       GROUP BY 1, 2, 3, 6""",
    # funding streams
    """WITH budget AS (
         SELECT c.person_id, b.id, max(c.number) FROM agreed_budget b
         JOIN plan_cycle c ON c.id = b.cycle_id WHERE b.agreed_at < :end GROUP BY c.person_id)
       SELECT s.stream, count(*), sum(s.annual_pence) FROM budget b
       JOIN budget_stream s ON s.agreed_budget_id = b.id GROUP BY 1""",
    # delivery mechanisms, from the newest management per person
    """WITH managed AS (
         SELECT c.person_id, m.id, max(c.number) FROM budget_management m
         JOIN plan_cycle c ON c.id = m.cycle_id WHERE m.recorded_at < :end GROUP BY c.person_id)
       SELECT s.option, p.locality, count(*), sum(s.annual_pence) FROM managed m
       JOIN management_share s ON s.management_id = m.id JOIN person p ON p.id = m.person_id GROUP BY 1, 2""",
    # planned support by category, from the newest agreed plan per person
    """WITH plan AS (
         SELECT person_id, id, max(version) FROM support_plan WHERE status = 'agreed' GROUP BY person_id)
       SELECT i.category, i.frequency, count(DISTINCT plan.person_id), sum(i.unit_cost_pence * i.quantity)
       FROM plan JOIN plan_support_item i ON i.plan_id = plan.id GROUP BY 1, 2""",
    # outcomes and their ratings at reviews completed in the period, and review timeliness
    """SELECT o.outcome_code, o.rating, count(*) FROM review r JOIN review_outcome o ON o.review_id = r.id
       WHERE r.status = 'completed' AND r.completed_at >= :start AND r.completed_at < :end GROUP BY 1, 2""",
    """SELECT r.completed_at <= r.due_on, count(*) FROM review r
       WHERE r.status = 'completed' AND r.completed_at >= :start AND r.completed_at < :end GROUP BY 1""",
    """SELECT next_review_due < :stop, count(*) FROM plan_cycle WHERE status = 'open' GROUP BY 1""",
    """SELECT g.category, g.locality, count(*) FROM market_gap g JOIN review r ON r.id = g.review_id
       WHERE r.status = 'completed' AND r.completed_at >= :start AND r.completed_at < :end GROUP BY 1, 2""",
)


# Spending in whole financial years by category, from the kept totals, and in other days from the rows.
_SPENT_KEPT = """SELECT coalesce(i.category, nullif(k.category, '')), count(DISTINCT k.person_id), sum(k.spent_pence)
   FROM ledger_spend_total k LEFT JOIN plan_support_item i ON i.id = k.plan_item_id
   WHERE k.year_from >= :first_year AND k.year_from < :after_year GROUP BY 1"""
_SPENT_ROWS = """SELECT coalesce(i.category, nullif(t.category, '')), count(DISTINCT t.person_id), -sum(t.amount_pence)
   FROM ledger_transaction t LEFT JOIN plan_support_item i ON i.id = t.plan_item_id
   WHERE t.amount_pence < 0 AND t.posted_on >= :from AND t.posted_on <= :to GROUP BY 1"""


def _statements(start: date, end: date) -> list[tuple[str, dict[str, Any]]]:
    from personalbudget.export.dataset import whole_financial_years

    params = {
        "start": start.isoformat(),
        "stop": end.isoformat(),
        "end": (end + timedelta(days=1)).isoformat(),
    }
    statements = [(sql, params) for sql in _FLOOR_SQL]
    years, rest = whole_financial_years(start, end)
    if years:
        statements.append((_SPENT_KEPT, {"first_year": years.start, "after_year": years.stop}))
    statements += [(_SPENT_ROWS, {"from": a.isoformat(), "to": b.isoformat()}) for a, b in rest]
    return statements


def floor_seconds(db: Any, start: date, end: date, clock: Any = time.process_time) -> float:
    """Seconds (CPU by default; pass ``time.perf_counter`` for the wall clock) of the floor on the
    caseload ``db``, the best of three: it is short and the machine is shared."""
    from sqlalchemy import text

    best = math.inf
    with db.session() as session:
        connection = session.connection()
        for _run in range(3):
            began = clock()
            for sql, params in _statements(start, end):
                connection.execute(text(sql), params).all()
            best = min(best, clock() - began)
    return best


def floor_cpu_seconds(db: Any, start: date, end: date) -> float:
    return floor_seconds(db, start, end)
