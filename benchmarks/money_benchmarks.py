"""The money side of the benchmark (steps 4-6), run by run_benchmarks.py.

  import_100k_csv_s  importing a 100,000-row CSV statement (read, checked, de-duplicated, saved)
  ledger_open_ms     the step 6 page opening on a ledger of 100,000 transactions (shown and painted)
  ledger_scroll_ms   one jump of the ledger's scroll bar, repainted (the lazy model at work)

A separate database is used, so the 100,000-row ledgers never grow the reused demo caseload.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from pathlib import Path

TARGETS = {"import_100k_csv_s": 5.0, "ledger_open_ms": 300, "ledger_scroll_ms": 50}
ROWS = 100_000
_PAYEES = (
    "WAGES {name}",
    "CWM CARS",
    "TIDY HOMES CIC",
    "EASTFIELD LEISURE CENTRE",
    "HARBOURSIDE CARE AGENCY",
    "CARD PAYMENT TESCO",
    "CARELINE ABERMORLAIS",
    "MILLBROOK PAYROLL SERVICES",
)


def statement_csv(rows: int, seed: int) -> bytes:
    """A realistic, deterministic bank export: UK dates, quoted thousands, payments in and out."""
    rng = random.Random(seed)
    names = ("SAM JONES", "ANN BELL", "OWAIN PRICE", "PRIYA SHAH")
    start = date(2023, 4, 1)
    lines = ["Date,Description,Amount"]
    for index in range(rows):
        day = start + timedelta(days=index * 1095 // rows)
        if index % 40 == 0:
            lines.append(
                f'{day:%d/%m/%Y},ABERMORLAIS COUNCIL DP REF {index},"1,{rng.randrange(100, 999)}.{rng.randrange(100):02d}"'
            )
            continue
        payee = rng.choice(_PAYEES).format(name=rng.choice(names))
        pence = rng.randrange(150, 60_000)
        lines.append(f"{day:%d/%m/%Y},{payee} {index:06d},-{pence // 100}.{pence % 100:02d}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _open(path: Path):  # type: ignore[no-untyped-def]
    from personalbudget.storage.database import open_database

    try:
        from personalbudget.cli import default_keys  # encrypted, as the app makes them
    except ImportError:
        return open_database(path)
    return open_database(path, default_keys())


def time_money(workdir: Path, repeats: int) -> dict[str, list[float]]:
    from PySide6.QtWidgets import QApplication

    from personalbudget.clock import SystemClock
    from personalbudget.domain.lifecycle import Step
    from personalbudget.domain.statement_parsing import ColumnMapping
    from personalbudget.services import build_services
    from personalbudget.services.demo_service import build_demo_caseload
    from ui.app import application
    from ui.app_signals import AppSignals
    from ui.steps.ledger_page import LedgerPage

    app = application()
    db = _open(workdir / "money-benchmark.db")
    services = build_services(db, SystemClock(), "benchmark")
    build_demo_caseload(services.context, people=60, seed=7)
    people = [
        r.person_id
        for r in services.people.list_caseload()
        if r.step == Step.LIVE_LIFE and services.management.get_management(r.person_id).pays_out
    ]
    runs = max(1, min(repeats, 3, len(people)))
    mapping = ColumnMapping(date_column="Date", description_column="Description", amount_column="Amount")
    results: dict[str, list[float]] = {"import_100k_csv_s": [], "ledger_open_ms": [], "ledger_scroll_ms": []}
    for run, person_id in enumerate(people[:runs]):
        data = statement_csv(ROWS, seed=run)
        started = time.perf_counter()
        report = services.statement_imports.import_statement(
            person_id, data, file_name="bank.csv", mapping=mapping
        )
        results["import_100k_csv_s"].append(time.perf_counter() - started)
        assert report.added == ROWS, report.lines()

    person_id = people[0]
    page = LedgerPage(services, AppSignals())
    page.resize(1000, 640)
    page.show()
    page.show_person(person_id)  # warm up (first use of fonts, Babel's data)
    app.processEvents()
    for _ in range(repeats):
        started = time.perf_counter()
        page.show_person(person_id)
        page.repaint()
        QApplication.processEvents()
        results["ledger_open_ms"].append((time.perf_counter() - started) * 1000)
        assert page.model.rowCount() >= ROWS
    bar = page.table.verticalScrollBar()
    rng = random.Random(1)
    for _ in range(repeats * 3):
        started = time.perf_counter()
        bar.setValue(rng.randrange(bar.maximum() + 1))
        page.table.viewport().repaint()
        QApplication.processEvents()
        results["ledger_scroll_ms"].append((time.perf_counter() - started) * 1000)
    page.close()
    db.close()
    return results
