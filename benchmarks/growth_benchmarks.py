"""How each report and export that grows with the data grows: measured at its usual size, and at
10 and 100 times it, with the time per unit at each size, the growth factor from 10x to 100x and
a verdict (linear, or worse than linear).

  statement_pdf    a budget statement PDF; usual: a year of 1,000 transactions (100x: 100,000)
  ledger_view      the step 6 ledger page opened on that ledger (shown and painted)
  plan_pdf         a care and support plan PDF; usual: 10 support items and 5 outcomes
  review_pdf       a review PDF; usual: 5 outcomes rated
  export           every anonymised aggregate table, written and recorded in the release register;
                   usual: a team's caseload of 500 people (100x: 50,000), beside a raw-SQL floor
                   for the same figures measured in the same process (target: <= 3x the floor)
  export_small     the same at the small caseloads where disclosure control searches hardest
                   (20, 100 and 200 people)
  export_releases  the export of 5,000 people after 0, 5 and 20 earlier releases of other periods
                   (target: the time does not grow with the releases)

The caseloads for ``export`` are a 500-person demo caseload, built once, copied 10 and 100 times
over by SQL (new ids, no NHS numbers) and cached in ``$PB_GROWTH_CACHE`` (default
/tmp/pb-growth-cache): later runs reuse them.

Targets (issues 16 and 18): the statement of 100,000 transactions in <= 10 s and <= 400 MB, of
5,000 in <= 2 s; the export of 50,000 people in <= 3 s and <= 3x its floor. Times are CPU seconds
of the measuring process (the machine is shared; the wall clock is printed beside them). Each
measurement runs in its own process, so the peak memory is that size's own. Usage:

    .venv/bin/python benchmarks/growth_benchmarks.py [--only statement_pdf] [--only export]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
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
sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = {
    "statement_pdf": (1_000, 5_000, 10_000, 100_000),  # 5,000: the busy year the issue names
    "ledger_view": (1_000, 10_000, 100_000),
    "plan_pdf": (10, 100, 1_000),
    "review_pdf": (5, 50, 500),
    "export": (500, 5_000, 50_000),
    "export_small": (20, 100, 200),
    "export_releases": (0, 5, 20),
}
UNITS = {
    "statement_pdf": "transactions",
    "ledger_view": "transactions",
    "plan_pdf": "support items",
    "review_pdf": "outcomes",
    "export": "people",
    "export_small": "people",
    "export_releases": "earlier releases",
}
TARGETS = {  # (kind, size) -> (CPU seconds, peak MB, times the floor)
    ("statement_pdf", 100_000): (10.0, 400, None),
    ("statement_pdf", 5_000): (2.0, None, None),
    ("export", 50_000): (3.0, None, 3.0),
}
CACHE = Path(os.environ.get("PB_GROWTH_CACHE", "/tmp/pb-growth-cache"))
BASE_PEOPLE = 500
RELEASES_PEOPLE = 5_000


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

    if kind in ("export", "export_small", "export_releases"):
        return _measure_export(kind, n, workdir)  # on a copy of a cached caseload
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
        from ui.steps.ledger_page import LedgerPage

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
    raise SystemExit(f"unknown measurement {kind}")


# -- caseloads for the export ---------------------------------------------------------------------

# Tables copied when a caseload is multiplied: everything that hangs off a person. The audit trail,
# users, settings, providers, saved mappings and earlier releases are the caseload's own, not copied.
_NOT_COPIED = {
    "audit_event",
    "ledger_spend_total",  # kept by the triggers on ledger_transaction as its rows are copied
    "app_user",
    "export_release",
    "setting",
    "statement_mapping",
    "provider",
    "alembic_version",
}


def _demo_caseload(people: int) -> Path:
    """A demo caseload of ``people``, built once and cached (the demo takes tens of ms a person)."""
    folder = CACHE / f"demo-{people}"
    if (folder / "done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    from personalbudget.services.demo_service import build_demo_caseload

    services = _services(folder)
    build_demo_caseload(services.context, people=people, seed=1)
    services.context.db.close()
    (folder / "done").write_text("built\n")
    return folder


def _multiplied_caseload(people: int) -> Path:
    """A caseload of ``people``: the 500-person demo caseload copied over by SQL, each copy with new
    ids (and no NHS number), built once and cached."""
    if people <= BASE_PEOPLE:
        return _demo_caseload(people)
    if people % BASE_PEOPLE:
        raise SystemExit(f"caseloads above {BASE_PEOPLE} are multiples of it, not {people}")
    folder = CACHE / f"caseload-{people}"
    if (folder / "done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    base = _demo_caseload(BASE_PEOPLE)
    shutil.copytree(base, folder, ignore=shutil.ignore_patterns("done", "*.lock", "*.owner"))
    from sqlmodel import SQLModel

    import personalbudget.storage.export_models
    import personalbudget.storage.models
    import personalbudget.storage.money_models
    import personalbudget.storage.review_models  # noqa: F401  (the tables' metadata)

    services = _services(folder)
    copies = people // BASE_PEOPLE
    with services.context.db.session() as session:
        connection = session.connection()
        present = {
            name
            for (name,) in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        tables = [
            t for t in SQLModel.metadata.sorted_tables if t.name in present and t.name not in _NOT_COPIED
        ]
        offsets = {
            t.name: connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {t.name}").scalar_one()
            for t in tables
        }
        for table in tables:  # parents before children
            columns, values = [], []
            for column in table.columns:
                columns.append(column.name)
                targets = [fk.column.table.name for fk in column.foreign_keys]
                if column.name == "id":
                    values.append(f"id + copy.n * {offsets[table.name]}")
                elif targets and targets[0] in offsets:
                    values.append(f"{column.name} + copy.n * {offsets[targets[0]]}")
                elif table.name == "person" and column.name == "nhs_number":
                    values.append("NULL")
                else:
                    values.append(column.name)
            connection.exec_driver_sql(
                f"WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < {copies - 1}) "
                f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"FROM {table.name}, copy WHERE {table.name}.id <= {offsets[table.name]}"
            )
    services.context.db.close()
    (folder / "done").write_text("built\n")
    return folder


def _copy_caseload(source: Path, workdir: Path) -> None:
    for file in source.glob("growth.db*"):
        if file.suffix not in (".lock", ".owner"):
            shutil.copy2(file, workdir / file.name)


def _measure_export(kind: str, n: int, workdir: Path) -> float:
    from personalbudget.export.release_register import DatabaseRegisterStore, ReleaseEntry, ReleaseRegister
    from personalbudget.services.export_service import financial_year

    people = RELEASES_PEOPLE if kind == "export_releases" else n
    _copy_caseload(_multiplied_caseload(people) if kind != "export_small" else _demo_caseload(n), workdir)
    services = _services(workdir)
    exporter = services.export
    start, end = financial_year(services.context.clock.today())
    if kind == "export_releases":
        # Earlier releases of earlier years, each drawing on that year's records, recorded as the
        # register records a release (not timed).
        from personalbudget.export.dataset import extract_records

        rules = exporter.rules()
        store = DatabaseRegisterStore(services.context.db)
        for back in range(1, n + 1):
            first, last = date(start.year - back, 4, 1), date(start.year - back + 1, 3, 31)
            records = extract_records(services.context.db, first, last)
            store.append(
                ReleaseEntry(
                    at=services.context.clock.now(),
                    period_from=first,
                    period_to=last,
                    status="published",
                    table_ids=("people_by_reason",),
                    content_hash=f"earlier-{back}",
                    people_hashes=ReleaseRegister(store, rules.threshold).hash_people(records, rules),
                    rules="",
                )
            )
    if kind == "export":
        from export_floor import floor_cpu_seconds

        _EXTRA["floor_cpu_seconds"] = round(floor_cpu_seconds(services.context.db, start, end), 3)
    started = _start()
    exporter.export(start, end, workdir / "aggregates")
    return _stop(started)


_EXTRA: dict[str, float] = {}


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


def _verdict(kind: str, results: list[dict]) -> str:
    """How the CPU time grows from the 10x size to the 100x one: n^b, and linear when b <= 1.15 (a
    fixed cost makes small sizes cost more a unit, so the first size is not used)."""
    timed = [r for r in results if "cpu_seconds" in r and r["size"] > 0]
    if kind == "export_releases":
        none, most = results[0], results[-1]
        if "cpu_seconds" not in none or "cpu_seconds" not in most:
            return "not measured"
        extra = most["cpu_seconds"] - none["cpu_seconds"]
        each = 1000 * extra / max(most["size"], 1)
        flat = most["cpu_seconds"] <= none["cpu_seconds"] * 1.25
        return f"{each:+.0f} ms CPU an earlier release: " + (
            "independent of the releases (within 25%)" if flat else "grows with the releases"
        )
    if len(timed) < 2:
        return "not measured"
    small, large = timed[-2], timed[-1]
    if small["cpu_seconds"] <= 0:
        return "too fast to tell"
    size_ratio = large["size"] / small["size"]
    time_ratio = large["cpu_seconds"] / small["cpu_seconds"]
    exponent = math.log(max(time_ratio, 1e-9)) / math.log(size_ratio)
    growth = f"{time_ratio:.1f}x the time for {size_ratio:.0f}x the size (n^{exponent:.2f})"
    return growth + (": linear" if exponent <= 1.15 else ": WORSE THAN LINEAR")


def main() -> int:
    parser = argparse.ArgumentParser(description="PersonalBudget growth benchmark")
    parser.add_argument("--only", choices=sorted(SIZES), action="append")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child and args.child[0] == "caseload":
        _multiplied_caseload(int(args.child[1]))
        return 0
    if args.child:
        kind, n, folder = args.child[0], int(args.child[1]), Path(args.child[2])
        seconds = _measure(kind, n, folder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        cpu = round(_CPU.get("seconds", 0.0), 3)
        print(
            json.dumps(
                {"size": n, "seconds": round(seconds, 3), "cpu_seconds": cpu, "peak_mb": peak, **_EXTRA}
            )
        )
        return 0
    report: dict[str, dict] = {}
    for kind in args.only or list(SIZES):
        if kind.startswith("export"):  # build (or find) the cached caseloads first, outside the timing
            for size in (
                SIZES["export"]
                if kind == "export"
                else (RELEASES_PEOPLE,)
                if kind == "export_releases"
                else ()
            ):
                subprocess.run(
                    [sys.executable, __file__, "--child", "caseload", str(size), "-"],
                    check=True,
                    env=dict(os.environ, PERSONALBUDGET_HOME=str(CACHE / "home")),
                )
        results = [_one(kind, n) for n in SIZES[kind]]
        base = results[0]
        for result in results:
            per_unit = kind != "export_releases"  # there the size is the releases, not what is exported
            if (
                per_unit
                and "seconds" in result
                and "seconds" in base
                and base["cpu_seconds"] > 0
                and result["size"] > 0
            ):
                result["ms_per_unit"] = round(1000 * result["cpu_seconds"] / result["size"], 4)
                if base["size"] > 0:
                    result["x_time_for_x_size"] = (
                        f"{result['cpu_seconds'] / base['cpu_seconds']:.1f}x for {result['size'] / base['size']:.0f}x"
                    )
            if "floor_cpu_seconds" in result and result["floor_cpu_seconds"] > 0:
                result["x_floor"] = round(result["cpu_seconds"] / result["floor_cpu_seconds"], 1)
            target = TARGETS.get((kind, result["size"]))
            if target and "seconds" in result:
                seconds, megabytes, floors = target
                result["target"] = (
                    f"<= {seconds} s"
                    + (f", <= {megabytes} MB" if megabytes else "")
                    + (f", <= {floors}x the floor" if floors else "")
                )
                result["within_target"] = (
                    result["cpu_seconds"] <= seconds
                    and (megabytes is None or result["peak_mb"] <= megabytes)
                    and (floors is None or result.get("x_floor", math.inf) <= floors)
                )
        verdict = _verdict(kind, results)
        report[kind] = {"unit": UNITS[kind], "results": results, "verdict": verdict}
        print(f"{kind} ({UNITS[kind]}):", flush=True)
        for r in results:
            if "seconds" not in r:
                print(f"  {r['size']:>7,}: {r['error']}", flush=True)
                continue
            extra = ""
            if "x_floor" in r:
                extra += f", floor {r['floor_cpu_seconds']} s CPU ({r['x_floor']}x)"
            if "target" in r:
                extra += f", target {r['target']}: {'met' if r['within_target'] else 'NOT MET'}"
            per_unit = f", {r['ms_per_unit']} ms each" if "ms_per_unit" in r else ""
            print(
                f"  {r['size']:>7,}: {r['cpu_seconds']} s CPU ({r['seconds']} s wall), {r['peak_mb']} MB"
                f"{per_unit}{extra}",
                flush=True,
            )
        print(f"  growth: {verdict}", flush=True)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
