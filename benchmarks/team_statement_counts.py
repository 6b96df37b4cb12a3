"""Statements, round trips and CPU per operation of the team load benchmark, counted exactly.

The load benchmark's wall-clock figures depend on what else the machine is doing; these do not.
On a throwaway PostgreSQL cluster (``tests/postgres_cluster.py``, TLS, as the benchmark), a small
demo caseload built on the server, a practitioner signed in as the app does
(``team_load_benchmark.sign_in``), each operation of the benchmark's mix (its own functions: the
person workspace's ``open_person`` and the users' reads and writes) is run on several people while
SQLAlchemy's events count, on that practitioner's engine:

- statements: ``before_cursor_execute`` (every SQL statement the client sends);
- transactions: each BEGIN (psycopg sends it as a round trip of its own) and its COMMIT/ROLLBACK;
- checkouts: connections taken from the pool (each one a ``SELECT 1`` round trip when the engine
  pre-pings);
- the client's CPU (this process's) and the server's (the postmaster and its backends, /proc);
- after_first_write: statements from a transaction's first INSERT/UPDATE/DELETE to its COMMIT
  (the write included): the server's audit trigger holds the trail's advisory lock that long, so
  every other writer waits for them.

Round trips = statements + 2 x transactions + pre-pings. Prints JSON. Usage:

    .venv/bin/python benchmarks/team_statement_counts.py [--people 24] [--runs 12]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import team_cluster  # (first: the import path, no demo prompt)

DATABASE = "pb_counts"


class Counter:
    """The counts on one engine since the last ``take``."""

    def __init__(self, engine: Any):
        from sqlalchemy import event

        self.counts: dict[str, int] = defaultdict(int)
        self.pre_ping = bool(getattr(engine.pool, "_pre_ping", False))
        self.writing = False
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", lambda _c: self._add("transactions"))
        event.listen(engine, "commit", self._ended)
        event.listen(engine, "rollback", self._ended)
        event.listen(engine.pool, "checkout", lambda *_a: self._add("checkouts"))

    def _add(self, name: str) -> None:
        self.counts[name] += 1

    def _statement(self, _connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self._add("statements")
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writing = True  # the server's audit trigger takes the trail's lock (till COMMIT)
        if self.writing:
            self._add("after_first_write")

    def _ended(self, _connection: Any) -> None:
        self.writing = False

    def take(self) -> dict[str, int]:
        taken = dict(self.counts)
        self.counts.clear()
        taken.setdefault("statements", 0)
        taken.setdefault("transactions", 0)
        taken.setdefault("checkouts", 0)
        taken.setdefault("after_first_write", 0)
        taken["pre_pings"] = taken["checkouts"] if self.pre_ping else 0
        taken["round_trips"] = taken["statements"] + 2 * taken["transactions"] + taken["pre_pings"]
        return taken


def build(server: Any, people: int) -> tuple[str, list[int]]:
    """A demo caseload on the server, a practitioner ``prac01`` allocated a third of the people,
    another (``prac02``) a third (not ``prac01``'s to see), the rest on the waiting list."""
    from team_load_benchmark import PASSWORD

    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.demo_service import build_demo_caseload
    from personalbudget.services.user_service import UserService
    from personalbudget.storage.server import create_schema, open_server_database

    with server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    create_schema(server.url(DATABASE))
    database = open_server_database(server.url(DATABASE))
    try:
        clock = SystemClock()
        system = build_services(database, clock, actor="dba", system=True)
        build_demo_caseload(system.context, people=people, seed=7)
        with database.engine.connect() as connection:
            everyone = [r[0] for r in connection.exec_driver_sql("SELECT id FROM person ORDER BY id")]
        users = UserService(ActingDatabase(database, "dba"), clock)
        manager = users.create_user("manager01", "Meg Manager", PASSWORD, Role.PRACTITIONER, team="Team 1")
        for name in ("prac01", "prac02"):
            users.create_user(name, name.title(), PASSWORD, Role.PRACTITIONER, by=manager, team=name)
        third = len(everyone) // 3
        for pid in everyone[:third]:
            system.access.allocate(pid, "prac01", "Statement counts")
        for pid in everyone[third : 2 * third]:
            system.access.allocate(pid, "prac02", "Statement counts")
        with database.engine.begin() as connection:  # the demo allocated no one else
            connection.exec_driver_sql("ANALYZE")
    finally:
        database.close()
    return server.url(DATABASE, user="prac01", password=""), everyone[:third] + everyone[2 * third :]


def measure(address: str, reachable: list[int], runs: int, server: Any) -> dict[str, Any]:
    from team_cluster import server_cpu_s
    from team_load_benchmark import User, open_person, sign_in

    services = sign_in(address, "prac01")
    counter = Counter(services.context.db.engine)
    user = User(address, "prac01", "practitioner", [], reachable[:2], 0.0, 1)
    user.services = services
    user.rows = [row for row in services.people.list_caseload() if row.person_id in set(reachable)]
    user.prepare = lambda: None  # type: ignore[method-assign]
    people = [row.person_id for row in user.rows]
    user.plan_people = [row.person_id for row in user.rows if row.step is not None and int(row.step) == 2]
    user.ledger_people = [
        row.person_id for row in user.rows if row.step is not None and int(row.step) >= 6
    ] or people
    operations: dict[str, Any] = {
        "open_person": lambda i: open_person(services, people[i % len(people)]),
        "list_caseload": lambda _i: services.people.list_caseload(),
        "read_plan": lambda i: services.plans.get_plan(people[i % len(people)]),
        "read_ledger": lambda i: services.ledger.overview(user.ledger_people[i % len(user.ledger_people)]),
        "read_review": lambda i: (
            services.reviews.current(people[i % len(people)]),
            services.reviews.history(people[i % len(people)]),
        ),
        "save_plan_draft": lambda _i: user.save_plan_draft(),  # (the plan read, then saved)
        "save_hot_person": lambda _i: user.save_hot_person(),
        "add_transaction": lambda _i: user.add_transaction(),
    }
    report: dict[str, Any] = {}
    try:
        for name, operation in operations.items():
            operation(0)  # warm: the first use of each statement, the first connection
            counter.take()
            totals: dict[str, float] = defaultdict(float)
            client, server_cpu = time.process_time(), server_cpu_s(server)
            for index in range(runs):
                operation(index)
                for key, value in counter.take().items():
                    totals[key] += value
            totals["client_cpu_ms"] = (time.process_time() - client) * 1000
            totals["server_cpu_ms"] = (server_cpu_s(server) - server_cpu) * 1000
            report[name] = {key: round(value / runs, 1) for key, value in sorted(totals.items())}
        errors = [s for s in user.result.samples if s[2] not in ("ok", "refused")]
        report["errors"] = [f"{op}: {outcome}" for op, _ms, outcome in errors]
    finally:
        services.context.db.close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=24, help="people in the demo caseload")
    parser.add_argument(
        "--runs", type=int, default=12, help="times each operation is run (after one warm-up)"
    )
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with team_cluster.cluster("pb-counts-") as (server, _workdir):
        address, reachable = build(server, args.people)
        report = {
            "people": args.people,
            "runs": args.runs,
            "per_operation": measure(address, reachable, args.runs, server),
        }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
