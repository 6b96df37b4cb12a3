"""How long My work takes to load for a 5,000-person caseload (target: under 300 ms, the median).

Uses the benchmark caseload of ``run_benchmarks.py`` (built on first use into ``--cache``: the demo's
people through the services, then copied to the size asked for), and times
``services.work.my_work()`` as a practitioner who may see everyone (the widest queue) and as an
approver and a broker (who see fewer people, so the access rules do more of the filtering):

    PERSONALBUDGET_PASSPHRASE=... PERSONALBUDGET_PASSWORD=... \\
        .venv/bin/python benchmarks/work_queue_benchmark.py [--people 5000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", type=int, default=1000, help="people the demo builds before copying")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "personalbudget-benchmark")
    args = parser.parse_args()
    os.environ.setdefault("PERSONALBUDGET_PASSWORD", "benchmark password")
    os.environ.setdefault("PERSONALBUDGET_PASSPHRASE", "benchmark passphrase")

    from run_benchmarks import _keys, caseload

    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.user_service import UserService
    from personalbudget.storage.database import open_database

    path, made = caseload(args.cache, args.people, args.seed, args.base)
    db = open_database(path, _keys())
    try:
        clock = SystemClock()
        users = UserService(ActingDatabase(db, "benchmark"), clock)
        manager = users.sign_in("benchmark", os.environ["PERSONALBUDGET_PASSWORD"])
        names = {a.username for a in users.accounts(manager)}
        people = [r.person_id for r in build_services(db, clock, "benchmark").people.list_caseload()]
        if "bench.approver" not in names:
            users.create_user(
                "bench.approver", "Bench Approver", "benchmark password", Role.APPROVER, by=manager
            )
        if "bench.broker" not in names:
            users.create_user(
                "bench.broker", "Bench Broker", "benchmark password", Role.BROKER, by=manager,
                people=tuple(people[::100]),
            )  # fmt: skip
        print(f"caseload: {len(people)} people at {path} {made}")
        worst = 0.0
        for name, role in (("benchmark", Role.PRACTITIONER), ("bench.approver", Role.APPROVER),
                           ("bench.broker", Role.BROKER)):  # fmt: skip
            services = build_services(db, clock, name, role=role)
            services.work.my_work()  # warm the page cache, as the app has by the time it is shown
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                queue = services.work.my_work()
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            worst = max(worst, median)
            counts = {k.value: n for k, n in queue.counts().items() if n}
            print(f"my_work_ms[{role.value}]: median {median:.1f} (max {max(times):.1f}) entries {counts}")
        verdict = "ok" if worst < TARGET_MS else "TOO SLOW"
        print(f"my_work_ms median (slowest role): {worst:.1f} target < {TARGET_MS:.0f}: {verdict}")
        return 0 if worst < TARGET_MS else 1
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
