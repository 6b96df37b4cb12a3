"""PDFs name people as records do, a statement for a period not over yet closes on today, and
a long ledger prints every row (linearly: see benchmarks/growth_benchmarks.py for the timings)."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from personalbudget.domain.roles import Role
from personalbudget.domain.statement_parsing import ColumnMapping
from personalbudget.i18n import format_date, format_money
from personalbudget.reports.pdf_common import FastFormats, RowTable, write_pdf
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from tests.core.money_helpers import living_person

PASSWORD = "a long enough password 1"


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@pytest.fixture
def named_accounts(services):
    users = UserService(ActingDatabase(services.context.db.database, "setup"), services.context.clock)
    first = users.create_user("test.practitioner", "Tess Jenkins", PASSWORD, Role.PRACTITIONER)
    users.create_user("test.approver", "Aled Morgan", PASSWORD, Role.APPROVER, by=first)
    return services


@pytest.fixture
def person(named_accounts):
    pid = living_person(named_accounts)
    named_accounts.statement_imports.import_statement(
        pid,
        b"Date,Description,Amount\n06/04/2026,ABERMORLAIS COUNCIL DP,650.77\n30/04/2026,WAGES SAM JONES,-600.00\n",
        file_name="april.csv",
        mapping=ColumnMapping("Date", "Description", "Amount"),
    )
    return pid


def test_a_statement_for_a_year_not_over_yet_shows_the_balance_today(named_accounts, person, tmp_path):
    # The fixed clock says 23 November 2026; the budget year runs to 31 March 2027.
    out = named_accounts.reports.write_statement(
        person, date(2026, 4, 1), date(2027, 3, 31), tmp_path / "s.pdf"
    )
    text = pdf_text(out)
    assert "Balance today (23 Nov 2026) £50.77" in text
    assert "Closing balance on 31 Mar 2027" not in text
    over = named_accounts.reports.write_statement(
        person, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "o.pdf"
    )
    assert "Closing balance on 30 Apr 2026 £50.77" in pdf_text(over)


def test_the_statement_is_printed_by_the_signed_in_persons_name(named_accounts, person, tmp_path):
    text = pdf_text(
        named_accounts.reports.write_statement(
            person, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "s.pdf"
        )
    )
    assert "by Tess Jenkins" in text
    assert "test.practitioner" not in text  # neither as printer nor as importer


def test_the_plan_names_people_by_their_display_names(named_accounts, person, tmp_path):
    text = pdf_text(named_accounts.reports.write_plan(person, tmp_path / "plan.pdf"))
    assert "Tess Jenkins on" in text  # written by, submitted by
    assert "Aled Morgan" in text  # the approver's decision and the budget agreed
    assert "test.practitioner" not in text and "test.approver" not in text


def test_fast_money_is_exactly_what_babel_writes():
    fast = FastFormats()
    for pence in (0, 1, -1, 99, 100, -12345, 100_000_00, -9_999_999_999, 10**15):
        assert fast.money(pence) == format_money(pence)
    assert fast.date(date(2026, 4, 1)) == format_date(date(2026, 4, 1), fmt="short")


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_a_long_row_table_prints_every_row_once_with_its_header_on_each_page(tmp_path):
    rows = [
        (f"{n:05d}", "A payee whose name is long enough to wrap over two lines " * (n % 3), f"£{n}.00")
        for n in range(3000)
    ]
    table = RowTable(
        ("Number", "Payee", "Amount"), rows, [(80, "left", False), (250, "left", True), (100, "right", False)]
    )
    out = write_pdf(tmp_path / "t.pdf", "T", "footer", lambda width: [table])
    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    numbers = [
        line.split()[0]
        for page in pages
        for line in page.splitlines()
        if line[:5].isdigit() and len(line.split()[0]) == 5
    ]
    assert numbers == [f"{n:05d}" for n in range(3000)]
    assert all(page.lstrip().startswith("Number Payee Amount") for page in pages)
    assert len(pages) > 40


def test_row_table_lines_break_exactly_where_reportlab_breaks_them():
    """The RowTable's own measuring must agree with ReportLab's to the last line (widths added up the
    same way), or a long statement would print differently from a short one."""
    import random

    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from personalbudget.reports.pdf_common import FONT, FONT_BOLD, _Metrics, register_fonts

    register_fonts()
    rng = random.Random(16)
    words = [
        "CARD",
        "PAYMENT",
        "TESCO",
        "STORES",
        "2231",
        "Llanelli",
        "Ŵyn",
        "café",
        "—",
        "WWWWWWWWWWWWWWWWWWWW",
    ]
    for font in (FONT, FONT_BOLD):
        metrics = _Metrics(font, 9)
        for _ in range(2000):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
            if rng.random() < 0.1:
                text = text.replace(" ", "\n", 1)
            room = rng.uniform(20, 200)
            assert metrics.split(text, room) == simpleSplit(text, font, 9, room), (text, room)
            assert metrics.width(text) == stringWidth(text, font, 9)
