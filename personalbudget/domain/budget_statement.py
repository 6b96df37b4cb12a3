"""What a budget statement shows (the PDF a council's direct payment audit asks for): built by the
monitoring service, rendered by ``reports/budget_statement_report.py``. A result like those of
``domain/results.py``: it lives below both, so the report needs no service.

("Statement" alone means a bank's statement, the file that is imported; this is the budget statement.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from personalbudget.domain.management import PaymentSchedule
from personalbudget.domain.monitoring import Monitoring


@dataclass(frozen=True)
class ImportSummary:
    import_id: int
    imported_at: datetime
    imported_by: str
    file_name: str
    file_format: str
    rows_added: int
    rows_skipped: int
    first_date: date | None
    last_date: date | None


@dataclass(frozen=True)
class BudgetStatementLine:
    posted_on: date
    description: str
    link: str
    amount_pence: int
    balance_pence: int


@dataclass(frozen=True)
class BudgetStatementData:
    """Everything a budget statement for a period shows; the totals add up by construction."""

    person_id: int
    start: date
    end: date
    opening_balance_pence: int
    payments_in_pence: int
    spending_pence: int  # money out less refunds, as a positive number
    closing_balance_pence: int
    lines: tuple[BudgetStatementLine, ...]
    by_link: tuple[tuple[str, int], ...]  # (plan item or category, spent)
    account_description: str
    schedule: PaymentSchedule | None
    imports: tuple[ImportSummary, ...] = field(default_factory=tuple)
    against_plan: Monitoring | None = None  # the step 6 figures for the budget year, as of the end
    today: date = date.max  # when it was made
    money_in_pence: int = 0  # every payment in (refunds included)
    money_out_pence: int = 0  # every payment out, as a positive number

    @property
    def balance_on(self) -> date:
        """The day the closing balance is for: the end, or today for a period not over yet (unless a
        transaction is dated later, e.g. a card payment shown ahead)."""
        if self.end <= self.today:
            return self.end
        return max([self.today, *(line.posted_on for line in self.lines[-1:])])
