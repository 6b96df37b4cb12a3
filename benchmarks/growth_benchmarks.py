"""How each report and export that grows with the data grows: measured at its usual size, and at
10 and 100 times it, with the time per unit at each size (flat = linear growth).

  statement_pdf  a budget statement PDF; usual: a year of 1,000 transactions (100x: 100,000)
  ledger_view    the step 6 ledger page opened on that ledger (shown and painted)
  plan_pdf       a care and support plan PDF; usual: 10 support items and 5 outcomes
  review_pdf     a review PDF; usual: 5 outcomes rated
  export         every anonymised aggregate table; usual: a caseload of 20 people

Targets (issue 16): the statement of 100,000 transactions in <= 10 s and <= 400 MB, of 5,000 in
<= 2 s. Each measurement runs in its own process, so the peak memory is that size's own. Usage:

    .venv/bin/python benchmarks/growth_benchmarks.py [--only statement_pdf] [--export-base 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"
os.environ.setdefault("PERSONALBUDGET_PASSPHRASE", "benchmark passphrase (synthetic data only)")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USUAL = {"statement_pdf": 1_000, "ledger_view": 1_000, "plan_pdf": 10, "review_pdf": 5, "export": 20}
UNITS = {
    "statement_pdf": "transactions",
    "ledger_view": "transactions",
    "plan_pdf": "support items",
    "review_pdf": "outcomes",
    "export": "people",
}
TARGETS = {("statement_pdf", 100_000): (10.0, 400), ("statement_pdf", 5_000): (2.0, None)}


def _services(workdir: Path):  # type: ignore[no-untyped-def]
    from personalbudget.cli import default_keys
    from personalbudget.clock import SystemClock
    from personalbudget.services import build_services
    from personalbudget.storage.database import open_database

    db = open_database(workdir / "growth.db", default_keys())
    return build_services(db, SystemClock(), "benchmark")


def _ledger_rows(n: int) -> list[tuple[date, int, str, int | None, str]]:
    today = date.today()
    payees = ("WAGES SAM JONES", "CARD PAYMENT TESCO STORES 2231", "EASTFIELD LEISURE CENTRE", "CWM CARS")
    rows: list[tuple[date, int, str, int | None, str]] = []
    for index in range(n):
        day = today - timedelta(days=(n - index) * 2555 // max(n, 1))  # up to seven years of records
        if index % 40 == 0:
            rows.append((day, 65_077, f"ABERMORLAIS COUNCIL DP {index}", None, ""))
        else:
            rows.append((day, -(150 + index * 37 % 20_000), f"{payees[index % 4]} {index:06d}", None, ""))
    return rows


_CPU: dict[str, float] = {}


def _start() -> float:
    _CPU["start"] = time.process_time()
    return time.perf_counter()


def _stop(started: float) -> float:
    """Wall-clock seconds since ``started``; the CPU seconds of this process are kept beside them
    (on a shared machine the wall clock also counts other people's work)."""
    _CPU["seconds"] = time.process_time() - _CPU["start"]
    return time.perf_counter() - started


def _measure(kind: str, n: int, workdir: Path) -> float:
    """Seconds for one ``kind`` at size ``n`` (the data is built first and not timed)."""
    from tests.core.money_helpers import living_person

    services = _services(workdir)
    if kind in ("statement_pdf", "ledger_view"):
        pid = living_person(services)
        rows = _ledger_rows(n)
        services.ledger.add_rows(pid, rows, "import")
        if kind == "statement_pdf":
            started = _start()
            services.reports.write_statement(pid, rows[0][0], date.today(), workdir / "statement.pdf")
            return _stop(started)
        from PySide6.QtWidgets import QApplication

        from ui.app import application
        from ui.app_signals import AppSignals
        from ui.ledger_page import LedgerPage

        application()
        page = LedgerPage(services, AppSignals())
        page.resize(1000, 640)
        page.show()
        started = _start()
        page.show_person(pid)
        page.repaint()
        QApplication.processEvents()
        return _stop(started)
    if kind in ("plan_pdf", "review_pdf"):
        from personalbudget.domain.plan import OutcomeEntry, PlanDraft, RiskEntry, SupportItemEntry
        from tests.core.helpers import person_form

        pid = services.people.add_person(person_form(nhs_number="", name="Gwen Price")).id
        answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
        services.budget.save_answers(pid, "personal_budget", answers)
        services.budget.agree_budget(pid, {"social_care": 10_000_000}, reason="Benchmark")
        items = n if kind == "plan_pdf" else 3
        outcomes = n if kind == "review_pdf" else max(1, n // 2)
        draft = PlanDraft(
            what_matters="Cooking my own meals and swimming",
            outcomes=[
                OutcomeEntry("abcdefghij"[i % 10], f"Outcome {i}: cook a hot meal") for i in range(outcomes)
            ],
            support_items=[
                SupportItemEntry("personal_assistant", f"PA hours {i}", "0.50", "1", "month", "Employed PA")
                for i in range(items)
            ],
            risks=[RiskEntry("Falls", "Pendant alarm")],
            contingency="Sister covers",
        )
        services.plans.save_draft(pid, draft)
        if kind == "plan_pdf":
            started = _start()
            services.reports.write_plan(pid, workdir / "plan.pdf")
            return _stop(started)
        from personalbudget.domain.lifecycle import ReviewDecision
        from personalbudget.domain.plan import Decision
        from personalbudget.domain.review import OutcomeRating
        from personalbudget.services.review_service import ReviewForm
        from tests.core.money_helpers import as_approver

        services.plans.submit(pid)
        as_approver(services).plans.decide(pid, Decision.APPROVE, "", "Team manager")
        view = services.reviews.request_review(pid, "Planned")
        form = ReviewForm(
            outcomes=[
                OutcomeRating(o.outcome_code, o.description, "Partially Met", "Getting there")
                for o in view.form.outcomes
            ],
            method="Service user and carer",
            working_person="My PA",
            decision=ReviewDecision.CONTINUE,
        )
        services.reviews.complete(view.review_id, form)
        started = _start()
        services.reports.write_review(pid, workdir / "review.pdf")
        return _stop(started)
    if kind == "export":
        from personalbudget.services.demo_service import build_demo_caseload
        from personalbudget.services.export_service import financial_year

        build_demo_caseload(services.context, people=n, seed=1)
        exporter = services.export
        start, end = financial_year(services.context.clock.today())
        started = _start()
        exporter.export(start, end, workdir / "aggregates")
        return _stop(started)
    raise SystemExit(f"unknown measurement {kind}")


def _one(kind: str, n: int) -> dict:
    """Run one measurement in a fresh process: its own database, its own peak memory."""
    with tempfile.TemporaryDirectory(prefix="pb-growth-") as folder:
        env = dict(os.environ, PERSONALBUDGET_HOME=str(Path(folder) / "home"))
        done = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(n), folder],
            capture_output=True,
            text=True,
            env=env,
            timeout=3600,
        )
    if done.returncode != 0:
        return {"size": n, "error": (done.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description="PersonalBudget growth benchmark")
    parser.add_argument("--only", choices=sorted(USUAL), action="append")
    parser.add_argument("--export-base", type=int, default=USUAL["export"])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        kind, n, folder = args.child[0], int(args.child[1]), Path(args.child[2])
        seconds = _measure(kind, n, folder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        cpu = round(_CPU.get("seconds", 0.0), 3)
        print(json.dumps({"size": n, "seconds": round(seconds, 3), "cpu_seconds": cpu, "peak_mb": peak}))
        return 0
    usual = dict(USUAL, export=args.export_base)
    report: dict[str, dict] = {}
    for kind in args.only or list(USUAL):
        sizes = [usual[kind], usual[kind] * 10, usual[kind] * 100]
        if kind == "statement_pdf":
            sizes.insert(2, 5_000)  # the busy year the issue names
        results = [_one(kind, n) for n in sizes]
        base = results[0]
        for result in results:
            if "seconds" in result and "seconds" in base and base["seconds"] > 0:
                result["ms_per_unit"] = round(1000 * result["seconds"] / result["size"], 4)
                result["x_time_for_x_size"] = (
                    f"{result['seconds'] / base['seconds']:.1f}x for {result['size'] // base['size']}x"
                )
            target = TARGETS.get((kind, result["size"]))
            if target and "seconds" in result:
                result["within_target"] = result["cpu_seconds"] <= target[0] and (
                    target[1] is None or result["peak_mb"] <= target[1]
                )
        report[kind] = {"unit": UNITS[kind], "results": results}
        print(
            f"{kind}: "
            + "; ".join(
                f"{r['size']:,} {UNITS[kind]}: "
                + (
                    f"{r['seconds']} s ({r['cpu_seconds']} s CPU), {r['peak_mb']} MB, {r.get('ms_per_unit')} ms each"
                    if "seconds" in r
                    else r["error"]
                )
                for r in results
            ),
            flush=True,
        )
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
