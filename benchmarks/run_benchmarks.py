"""Speed benchmark for the things a practitioner waits for, at 5,000 and at 50,000 people.

Each caseload is built once and kept in a cache folder (``--cache``, default
``~/.cache/personalbudget-benchmark``), so later runs reuse it. The demo builds ``--base`` people
(1,000) through the services, as the app does; a bigger caseload is that demo caseload copied
whole at SQL level (every person's records: cycles, budgets, plans, money, ledgers, reviews), each
copy with new NHS numbers (test range) and new surnames, so that 50,000 people have the same
records per person as the demo gives.

Figures (medians unless named otherwise), each printed with its target and the ratio to it:
  window_shown_s        process start (``main.py --db``) to the main window shown with the caseload
                        list filled; separate processes, interleaved with a bare PySide6 window
  window_vs_bare        that time over the bare PySide6 window's, pair by pair (the same run)
  close_s               Quit to the process ended (the backup on closing must not keep it waiting)
  caseload_loaded_ms    the caseload list read from the database and shown again
  search_keystroke_ms   p99 of one keystroke in the search box, filtered and repainted
  caseload_filter_ms    p99 of a change of the step filter or the overdue tick
  person_opened_ms      p95 of a person's workspace opened (any person, any history)
  rss_person_open_mb    resident memory of the app with the caseload and a person open
  export_aggregates_s   every anonymised aggregate table of the caseload exported
  export_floor_s        the raw-SQL floor for the same figures (benchmarks/export_floor.py), best of 3
  export_vs_floor       the export over the floor measured just before it, run by run
  demo_ms_per_person    the demo builder's time per person (and demo_5000_projected_s)
  import_100k_csv_s, ledger_open_ms, ledger_scroll_ms  (benchmarks/money_benchmarks.py, size-free)
Then the growth factors 5k -> 50k of every figure measured at both sizes. Usage:

    .venv/bin/python benchmarks/run_benchmarks.py [--sizes 5000,50000] [--out FILE] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
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

from export_floor import floor_seconds  # noqa: E402
from money_benchmarks import TARGETS as MONEY_TARGETS  # noqa: E402
from money_benchmarks import time_money  # noqa: E402

BASE_PEOPLE = 1000
LARGE = 50_000
# Targets at 5,000 people; where the target at 50,000 differs it is in TARGETS_LARGE.
TARGETS: dict[str, float] = {
    "window_shown_s": 0.5,
    "window_vs_bare": 3.0,
    "close_s": 0.5,
    "caseload_loaded_ms": 300,
    "search_keystroke_ms": 50,
    "caseload_filter_ms": 50,
    "person_opened_ms": 150,
    "rss_person_open_mb": 250,
    "export_aggregates_s": 3.0,
    "export_vs_floor": 3.0,  # the export over its raw-SQL floor measured beside it (export_floor.py)
    "demo_ms_per_person": 12.0,  # 5,000 people in 60 s
}
TARGETS_LARGE = {"window_shown_s": 0.7}
TARGETS |= MONEY_TARGETS


# -- the caseloads ----------------------------------------------------------------------------------
def _keys():  # type: ignore[no-untyped-def]
    from personalbudget.cli import default_keys

    return default_keys()


def build_demo(path: Path, people: int, seed: int) -> float | None:
    """Build the demo caseload unless ``path`` already holds one; returns seconds taken or None."""
    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.demo_service import build_demo_caseload
    from personalbudget.services.user_service import UserService
    from personalbudget.storage.database import open_database

    db = open_database(path, _keys())
    try:
        if db.new_recovery_key:  # synthetic data: no one needs to write this key down
            db.acknowledge_recovery_key()
        users = UserService(ActingDatabase(db, "benchmark"), SystemClock())
        if not users.has_users():
            users.create_user(
                "benchmark", "Benchmark", os.environ["PERSONALBUDGET_PASSWORD"], Role.PRACTITIONER
            )
        services = build_services(db, SystemClock(), "benchmark")
        existing = len(services.people.list_caseload())
        if existing >= people:
            return None
        started = time.perf_counter()
        build_demo_caseload(services.context, people=people - existing, seed=seed)
        return time.perf_counter() - started
    finally:
        db.close()


def _person_tables(connection) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    """The tables whose rows belong to people (a foreign key leads to ``person``), and every table's
    foreign keys as (column, table)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    keys = {
        name: [(row[3], row[2]) for row in connection.execute(f'PRAGMA foreign_key_list("{name}")')]
        for name in names
    }
    owned = {"person"}
    kept = {"ledger_spend_total"}  # kept by the triggers as the ledger rows are copied: never copied itself
    while True:
        more = {
            name
            for name in names
            if name not in owned and name not in kept and any(target in owned for _c, target in keys[name])
        }
        if not more:
            break
        owned |= more
    return [name for name in names if name in owned], keys


def scale_caseload(base: Path, target: Path, people: int, seed: int) -> float:
    """Copy the demo caseload at ``base`` to ``target`` and multiply its people to ``people``."""
    from personalbudget.domain.nhs_number import check_digit
    from personalbudget.storage.database import PENDING_RECOVERY_KEY
    from personalbudget.storage.engine import raw_connect
    from personalbudget.storage.keys import key_file_path

    started = time.perf_counter()
    partial = target.with_name(target.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, partial)
    shutil.copyfile(key_file_path(base), key_file_path(partial))
    key = _keys().unlock(partial)
    connection = raw_connect(partial, key)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        tables, foreign = _person_tables(connection)
        size = {
            t: connection.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0] for t in tables
        }
        base_people = connection.execute("SELECT count(*) FROM person").fetchone()[0]
        copies = -(-people // base_people)
        connection.execute("BEGIN")
        for copy in range(1, copies):
            for table in tables:
                columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
                targets = dict(foreign[table])
                values = []
                for column in columns:
                    if column == "id":
                        values.append(f'"id" + {copy * size[table]}')
                    elif (table, column) == ("person", "nhs_number"):
                        values.append("NULL")  # a new one is given below
                    elif targets.get(column) in size:
                        values.append(f'"{column}" + {copy * size[targets[column]]}')
                    else:
                        values.append(f'"{column}"')
                listed = ", ".join(f'"{c}"' for c in columns)
                connection.execute(
                    f'INSERT INTO "{table}" ({listed}) SELECT {", ".join(values)} FROM "{table}" '
                    f"WHERE id <= {size[table]}"
                )
        # New NHS numbers (the 999 test range, valid check digits) and surnames for the copies.
        rng = random.Random(seed)
        originals = connection.execute(
            "SELECT id, name FROM person WHERE id <= ?", (size["person"],)
        ).fetchall()
        surnames = [name.rsplit(" ", 1)[-1] for _id, name in originals]
        used = {
            row[0] for row in connection.execute("SELECT nhs_number FROM person WHERE nhs_number IS NOT NULL")
        }
        changes = []
        for person_id, name in connection.execute(
            "SELECT id, name FROM person WHERE id > ?", (size["person"],)
        ):
            given = name.rsplit(" ", 1)[0] if " " in name else name
            while True:
                first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
                digit = check_digit(first_nine)
                number = first_nine + str(digit) if digit is not None else None
                if number and number not in used:
                    used.add(number)
                    break
            changes.append((f"{given} {rng.choice(surnames)}", number, person_id))
        connection.executemany("UPDATE person SET name = ?, nhs_number = ? WHERE id = ?", changes)
        extra = connection.execute("SELECT count(*) FROM person").fetchone()[0] - people
        if extra > 0:  # the last copy went past the size asked for
            connection.execute(
                "DELETE FROM person WHERE id IN (SELECT id FROM person ORDER BY id DESC LIMIT ?)", (extra,)
            )
        connection.execute("DELETE FROM setting WHERE key = ?", (PENDING_RECOVERY_KEY,))
        connection.execute("COMMIT")
        connection.execute("PRAGMA foreign_keys=ON")
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if extra > 0 and broken:  # rows of the people removed: remove them too (no cascade with FKs off)
            connection.execute("BEGIN")
            for table in reversed(tables):
                for column, parent in foreign[table]:
                    connection.execute(
                        f'DELETE FROM "{table}" WHERE "{column}" IS NOT NULL AND "{column}" NOT IN '
                        f'(SELECT id FROM "{parent}")'
                    )
            connection.execute("COMMIT")
            broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SystemExit(f"the scaled caseload has {len(broken)} broken links")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    os.replace(key_file_path(partial), key_file_path(target))
    os.replace(partial, target)
    return time.perf_counter() - started


def caseload(cache: Path, people: int, seed: int, base_people: int) -> tuple[Path, dict[str, object]]:
    """The cached caseload of ``people`` (built on first use); returns its path and how it was made."""
    cache.mkdir(parents=True, exist_ok=True)
    base = cache / f"demo-{base_people}-{seed}.db"
    made: dict[str, object] = {}
    if people <= base_people:
        base = cache / f"demo-{people}-{seed}.db"
        seconds = build_demo(base, people, seed)
        made["demo_build_s"] = round(seconds, 1) if seconds is not None else "cached"
        return base, made
    seconds = build_demo(base, base_people, seed)
    made["demo_build_s"] = round(seconds, 1) if seconds is not None else "cached"
    target = cache / f"caseload-{people}-{seed}.db"
    if target.exists():
        made["scale_s"] = "cached"
    else:
        made["scale_s"] = round(scale_caseload(base, target, people, seed), 1)
    return target, made


# -- start-up and closing: separate processes ---------------------------------------------------------
def _probe(kind: str, path: Path | None) -> tuple[float, float]:
    probe = Path(__file__).with_name("startup_probe.py")
    command = [sys.executable, str(probe), kind] + ([str(path)] if path else [])
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None
    line = process.stdout.readline()
    shown = time.perf_counter() - started
    closing = process.stdout.readline().split()
    process.wait(timeout=300)
    ended = time.time()
    if line.strip() != "shown" or len(closing) != 2:
        raise SystemExit(f"the start-up probe ({kind}) did not show its window: {line!r}")
    return shown, ended - float(closing[1])


def time_startup(path: Path, runs: int) -> dict[str, list[float]]:
    """The app and a bare PySide6 window in turn (A B A B ...), after one of each to warm the caches."""
    _probe("bare", None)
    _probe("app", path)
    results: dict[str, list[float]] = {
        "window_shown_s": [],
        "bare_window_s": [],
        "window_vs_bare": [],
        "close_s": [],
    }
    for _ in range(runs):
        bare, _closing = _probe("bare", None)
        shown, closing = _probe("app", path)
        results["bare_window_s"].append(bare)
        results["window_shown_s"].append(shown)
        results["window_vs_bare"].append(shown / bare)
        results["close_s"].append(closing)
    return results


# -- in the app's process (run in a child process of its own, so its memory is the app's) --------------
def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (
        1024 if sys.platform != "darwin" else 1024 * 1024
    )


def time_in_process(path: Path, repeats: int, seed: int) -> dict[str, list[float]]:
    from PySide6.QtWidgets import QApplication

    from personalbudget.clock import SystemClock
    from personalbudget.domain.lifecycle import Step
    from personalbudget.services import build_services
    from personalbudget.storage.database import open_database
    from ui.app import application, create_main_window
    from ui.app_signals import AppSignals

    app = application()
    db = open_database(path, _keys())
    services = build_services(db, SystemClock(), "benchmark")
    window = create_main_window(services, AppSignals())
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    window.workspace.build_all_pages()  # what the idle time after start-up does
    app.processEvents()
    work = getattr(window, "work_page", None)
    while work is not None and work.reading():  # My work, read off the UI thread after the first show
        app.processEvents()
        time.sleep(0.005)

    def timed(action) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        action()
        QApplication.processEvents()
        return (time.perf_counter() - started) * 1000

    results: dict[str, list[float]] = {
        "caseload_loaded_ms": [],
        "search_keystroke_ms": [],
        "caseload_filter_ms": [],
        "person_opened_ms": [],
        "rss_person_open_mb": [],
    }
    for _ in range(repeats):
        results["caseload_loaded_ms"].append(timed(window.caseload.refresh))

    rows = services.people.list_caseload()
    rng = random.Random(seed)
    window.open_person(rng.choice(rows).person_id)  # a person open while the list is searched
    search = window.caseload.search_edit
    words = [
        rng.choice(rows).name.split()[0][:4],
        rng.choice(rows).name.split()[-1][:5],
        rng.choice(rows).locality[:5],
        (rng.choice(rows).nhs_number or "999")[:5],
    ]
    for word in words * max(1, repeats // 2):
        for end in range(1, len(word) + 1):
            results["search_keystroke_ms"].append(timed(lambda w=word[:end]: search.setText(w)))
        results["search_keystroke_ms"].append(timed(search.clear))

    steps = window.caseload.step_combo
    overdue = window.caseload.overdue_check
    for _ in range(repeats):
        for index in range(1, steps.count()):
            results["caseload_filter_ms"].append(timed(lambda i=index: steps.setCurrentIndex(i)))
        results["caseload_filter_ms"].append(timed(lambda: steps.setCurrentIndex(0)))
        results["caseload_filter_ms"].append(timed(lambda: overdue.setChecked(True)))
        results["caseload_filter_ms"].append(timed(lambda: overdue.setChecked(False)))

    people = [row.person_id for row in rng.sample(rows, k=min(len(rows), repeats * 6))]
    del rows  # the benchmark's own copy of the list (24 MB at 50,000 people) is not the app's memory
    gc.collect()
    for person_id in people:
        results["person_opened_ms"].append(timed(lambda pid=person_id: window.open_person(pid)))
    # Every step page of the last person shown once (as a person's worker would), then the memory.
    for step in Step:
        window.workspace.show_step(step)
        app.processEvents()
    results["rss_person_open_mb"].append(_rss_mb())
    window.close()
    db.close()
    return results


def time_export(path: Path, workdir: Path, repeats: int) -> dict[str, list[float]]:
    """Export every aggregate table of the caseload for its financial year, ``repeats`` times."""
    from personalbudget.clock import SystemClock
    from personalbudget.services import build_services
    from personalbudget.services.export_service import financial_year
    from personalbudget.storage.database import open_database

    db = open_database(path, _keys())
    try:
        services = build_services(db, SystemClock(), "benchmark")
        exporter = services.export
        start, end = financial_year(services.context.clock.today())
        times, floors = [], []
        for run in range(repeats):
            # The raw-SQL floor for the same figures (benchmarks/export_floor.py), beside each export.
            floors.append(floor_seconds(services.context.db, start, end, clock=time.perf_counter))
            started = time.perf_counter()
            exporter.export(start, end, workdir / f"aggregates-{run}")  # the same tables: re-published
            times.append(time.perf_counter() - started)
        return {
            "export_aggregates_s": times,
            "export_floor_s": floors,
            "export_vs_floor": [t / f for t, f in zip(times, floors, strict=True)],
        }
    finally:
        db.close()


def time_demo(workdir: Path, people: int, seed: int) -> dict[str, list[float]]:
    """The demo builder on a new caseload: milliseconds per person."""
    seconds = build_demo(workdir / f"demo-timing-{people}.db", people, seed)
    assert seconds is not None
    return {"demo_ms_per_person": [seconds * 1000 / people]}


def _child(args: argparse.Namespace) -> int:
    """``--child KIND PATH``: one group of measurements in a fresh process; prints its samples as JSON."""
    kind, path = args.child
    workdir = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    if kind == "ui":
        samples = time_in_process(Path(path), args.repeats, args.seed)
    elif kind == "export":
        samples = time_export(Path(path), workdir, max(1, args.repeats // 2))
    elif kind == "money":
        samples = time_money(workdir, args.repeats)
    else:
        samples = time_demo(workdir, int(path), args.seed)
    print(json.dumps(samples))
    return 0


def _in_child(kind: str, path: str, args: argparse.Namespace) -> dict[str, list[float]]:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        path,
        "--repeats",
        str(args.repeats),
        "--seed",
        str(args.seed),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=dict(os.environ))
    if done.returncode != 0:
        raise SystemExit(f"the {kind} measurements failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- summary -------------------------------------------------------------------------------------------------
PERCENTILES = {"search_keystroke_ms": 99, "caseload_filter_ms": 99, "person_opened_ms": 95}


def summarise(values: list[float], name: str) -> float:
    if name in PERCENTILES and len(values) >= 2:
        return statistics.quantiles(values, n=100, method="inclusive")[PERCENTILES[name] - 1]
    return statistics.median(values)


def figures(samples: dict[str, list[float]], people: int) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for name, values in samples.items():
        value = summarise(values, name)
        entry: dict[str, object] = {
            "value": round(value, 3 if value < 10 else 1),
            "statistic": f"p{PERCENTILES[name]}" if name in PERCENTILES else "median",
            "samples": len(values),
        }
        if name in PERCENTILES:
            entry["median"] = round(statistics.median(values), 2)
        target = (TARGETS_LARGE if people >= LARGE else {}).get(name, TARGETS.get(name))
        if target is not None:
            entry |= {"target": target, "ratio": round(value / target, 2), "within": value <= target}
        out[name] = entry
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="PersonalBudget speed benchmark")
    parser.add_argument("--sizes", default=f"5000,{LARGE}", help="caseload sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", type=int, default=BASE_PEOPLE, help="people built by the demo itself")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "personalbudget-benchmark")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--startup-runs", type=int, default=8)
    # 5,000 by default: beyond DEMO_LIVES people the demo copies lives at SQL level, so a small demo's
    # time a person says nothing about a big one's.
    parser.add_argument("--demo-people", type=int, default=5000, help="people for the demo timing (0: skip)")
    parser.add_argument("--skip", default="", help="comma-separated: export, money, demo, ui, startup")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)

    skip = set(filter(None, args.skip.split(",")))
    workdir = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    # Every process measured runs from compiled bytecode, as the installed app does (the installer ships
    # it): kept with the cached caseloads, outside the source tree, and written by the warm-up runs even
    # where PYTHONDONTWRITEBYTECODE is set (otherwise every start compiles ~200 modules from source).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(args.cache / "pycache"))
    os.environ.setdefault("PERSONALBUDGET_HOME", str(workdir / "home"))
    sizes = [int(size) for size in args.sizes.split(",")]
    report: dict[str, object] = {"seed": args.seed, "sizes": {}}
    by_size: dict[int, dict[str, dict[str, object]]] = {}
    for people in sizes:
        path, made = caseload(args.cache, people, args.seed, args.base)
        samples: dict[str, list[float]] = {}
        if "startup" not in skip:
            samples |= time_startup(path, args.startup_runs)
        if "ui" not in skip:
            samples |= _in_child("ui", str(path), args)
        if "export" not in skip:
            samples |= _in_child("export", str(path), args)
        by_size[people] = figures(samples, people)
        report["sizes"][str(people)] = {"database": str(path), **made, "figures": by_size[people]}  # type: ignore[index]
    shared: dict[str, list[float]] = {}
    if "money" not in skip:
        shared |= _in_child("money", "-", args)
    if "demo" not in skip and args.demo_people:
        shared |= _in_child("demo", str(args.demo_people), args)
    report["size_free"] = figures(shared, 0)
    if "demo_ms_per_person" in shared:
        report["demo_5000_projected_s"] = round(statistics.median(shared["demo_ms_per_person"]) * 5, 1)
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        report[f"growth_{small}_to_{large}"] = {
            name: round(float(by_size[large][name]["value"]) / float(entry["value"]), 2)  # type: ignore[arg-type]
            for name, entry in by_size[small].items()
            if name in by_size[large] and float(entry["value"])  # type: ignore[arg-type]
        }
    report["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
