"""Speed benchmark for the things a practitioner waits for.

Builds (or reuses) a demo caseload and prints JSON with median times:
  window_shown_s      process start to the main window shown (separate processes)
  caseload_loaded_ms  the caseload list read and shown
  search_keystroke_ms one keystroke in the search box, filtered
  person_opened_ms    a person's workspace opened
  import_100k_csv_s   a 100,000-row CSV statement imported (benchmarks/money_benchmarks.py)
  ledger_open_ms      the step 6 page opened on a ledger of 100,000 transactions
  ledger_scroll_ms    one jump of that ledger's scroll bar, repainted
  export_aggregates_s every anonymised aggregate table of the caseload (with its year of demo
                      transactions) exported: CSV, datapackage.json and the XLSX workbook

Targets on a 2-core machine: window < 1.5 s, caseload < 300 ms, search < 50 ms,
person < 150 ms, import < 5 s, ledger < 300 ms, scroll < 50 ms, export < 3 s. Usage:

    .venv/bin/python benchmarks/run_benchmarks.py [--people 5000] [--seed 1] [--db PATH] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"
# The synthetic caseload is encrypted like any other; headless there is no keyring, so a passphrase,
# and the start-up probe signs in as the benchmark user.
os.environ.setdefault("PERSONALBUDGET_PASSPHRASE", "benchmark passphrase (synthetic data only)")
os.environ.setdefault("PERSONALBUDGET_USER", "benchmark")
os.environ.setdefault("PERSONALBUDGET_PASSWORD", "benchmark password")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from money_benchmarks import TARGETS as MONEY_TARGETS  # noqa: E402
from money_benchmarks import time_money  # noqa: E402

TARGETS = {
    "window_shown_s": 1.5,
    "caseload_loaded_ms": 300,
    "search_keystroke_ms": 50,
    "person_opened_ms": 150,
    "export_aggregates_s": 3.0,
}
TARGETS |= MONEY_TARGETS


def build_caseload(path: Path, people: int, seed: int) -> float | None:
    """Build the demo caseload unless ``path`` already holds one; returns seconds taken or None."""
    from personalbudget.cli import default_keys
    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.demo_service import build_demo_caseload
    from personalbudget.services.user_service import UserService
    from personalbudget.storage.database import open_database

    db = open_database(path, default_keys())
    try:
        users = UserService(ActingDatabase(db, "benchmark"), SystemClock())
        if not users.has_users():
            users.create_user("benchmark", "Benchmark", os.environ["PERSONALBUDGET_PASSWORD"], Role.PRACTITIONER)
        services = build_services(db, SystemClock(), "benchmark")
        existing = len(services.people.list_caseload())
        if existing >= people:
            return None
        started = time.perf_counter()
        build_demo_caseload(services.context, people=people - existing, seed=seed)
        return time.perf_counter() - started
    finally:
        db.close()


def time_startup(path: Path, runs: int) -> list[float]:
    probe = Path(__file__).with_name("startup_probe.py")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(probe), str(path)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        process.wait(timeout=60)
        if line.strip() != "shown":
            raise SystemExit(f"the start-up probe did not show the window: {line!r}")
        times.append(elapsed)
    return times


def time_in_process(path: Path, repeats: int, seed: int) -> dict[str, list[float]]:
    from PySide6.QtWidgets import QApplication

    from personalbudget.clock import SystemClock
    from personalbudget.services import build_services
    from personalbudget.storage.database import open_database
    from ui.app import application, create_main_window
    from ui.app_signals import AppSignals

    app = application()
    from personalbudget.cli import default_keys

    db = open_database(path, default_keys())
    services = build_services(db, SystemClock(), "benchmark")
    window = create_main_window(services, AppSignals())
    window.show()
    app.processEvents()

    def timed(action) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        action()
        QApplication.processEvents()
        return (time.perf_counter() - started) * 1000

    results: dict[str, list[float]] = {
        "caseload_loaded_ms": [],
        "search_keystroke_ms": [],
        "person_opened_ms": [],
    }
    for _ in range(repeats):
        results["caseload_loaded_ms"].append(timed(window.caseload.refresh))

    rows = services.people.list_caseload()
    rng = random.Random(seed)
    search = window.caseload.search_edit
    words = [
        rng.choice(rows).name.split()[0][:4],
        rng.choice(rows).locality[:5],
        (rng.choice(rows).nhs_number or "999")[:5],
    ]
    for word in words * max(1, repeats // 3):
        for end in range(1, len(word) + 1):
            results["search_keystroke_ms"].append(timed(lambda w=word[:end]: search.setText(w)))
        results["search_keystroke_ms"].append(timed(search.clear))

    for person in rng.sample(rows, k=min(len(rows), repeats * 3)):
        results["person_opened_ms"].append(timed(lambda pid=person.person_id: window.open_person(pid)))
    window.close()
    db.close()
    return results


def time_export(path: Path, workdir: Path, repeats: int) -> dict[str, list[float]]:
    """Export every aggregate table of the caseload for its financial year, ``repeats`` times."""
    from personalbudget.cli import default_keys
    from personalbudget.clock import SystemClock
    from personalbudget.services import build_services
    from personalbudget.services.export_service import financial_year
    from personalbudget.storage.database import open_database

    db = open_database(path, default_keys())
    try:
        services = build_services(db, SystemClock(), "benchmark")
        exporter = services.export
        start, end = financial_year(services.context.clock.today())
        times = []
        for run in range(repeats):
            started = time.perf_counter()
            exporter.export(start, end, workdir / f"aggregates-{run}")  # the same tables: re-published
            times.append(time.perf_counter() - started)
        return {"export_aggregates_s": times}
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="PersonalBudget speed benchmark")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="reuse (or build) the caseload here")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    os.environ.setdefault("PERSONALBUDGET_HOME", str(workdir / "home"))
    path = args.db or workdir / f"demo-{args.people}-{args.seed}.db"
    build_seconds = build_caseload(path, args.people, args.seed)
    startup = time_startup(path, args.startup_runs)
    measured = time_in_process(path, args.repeats, args.seed)
    measured |= time_money(workdir, args.repeats)
    measured |= time_export(path, workdir, args.repeats)

    medians = {"window_shown_s": round(statistics.median(startup), 3)}
    medians |= {name: round(statistics.median(values), 2) for name, values in measured.items()}
    report = {
        "people": args.people,
        "seed": args.seed,
        "database": str(path),
        "demo_build_s": round(build_seconds, 1) if build_seconds is not None else "reused",
        "medians": medians,
        "samples": {"window_shown_s": len(startup)}
        | {name: len(values) for name, values in measured.items()},
        "targets": TARGETS,
        "within_target": {name: medians[name] < limit for name, limit in TARGETS.items()},
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
