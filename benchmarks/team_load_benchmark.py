"""Load benchmark of a team caseload on PostgreSQL (issue 21, "Speed"), the server on loopback.

Targets (the issue's): on a 5,000-person team caseload, the caseload list in 300 ms and a person
opened in 150 ms (signed in as a practitioner, nothing else running); then 50 simulated users doing
a day's mix of reads and writes for 2 minutes with no errors, no lost updates and a p95 of 200 ms
per operation.

What it does, and why each step is the real code path:

1. Starts a throwaway PostgreSQL cluster with TLS (``tests/postgres_cluster.py``: initdb, pg_ctl,
   a throwaway CA, ``sslmode=verify-full``), stopped at the end.
2. Builds the caseload: the demo caseload of ``run_benchmarks.py`` (``--base`` people through the
   services, then copied at SQL level to ``--people``), cached in ``--cache`` so a rerun does not
   rebuild it; a copy of it goes to the server through ``personalbudget team setup`` and
   ``personalbudget team upload`` (the CLI itself, as a DBA runs it). The server's caseload is
   rebuilt each run: at 5,000 people the upload takes about 20 s and the allocations below about
   as long (2 cores).
3. Makes the accounts through ``UserService.create_user`` on the server (each a login role with a
   SCRAM password): ``--users - 2`` practitioners, an approver and a broker. The uploaded caseload
   already has its laptop account (``benchmark``, the first, a manager), so the DBA's session adds
   them on its behalf, as the Accounts dialog would. Each practitioner is given ``--caseload``
   people through ``AccessService.allocate``; the rest are the waiting list (allocated to no one:
   every practitioner sees them). The demo allocated everyone to ``benchmark``; ending those
   allocations for the waiting list is the DBA's SQL (no service ends one without a new worker).
4. Times, signed in as one practitioner (``TeamSignIn`` and ``build_services``, as the app does),
   the caseload list and a person opened: the service calls the person workspace makes
   (``ui/steps/person_workspace_widget.py`` ``show_person`` and the current step page's
   ``show_person``), not the Qt work.
5. Runs the users: each its own sign-in, services and connections, in ``--processes`` worker
   processes of threads (the client's Python work holds the GIL; a real user has a machine of
   their own). Each user, after a think time (``--think`` seconds on average), does one operation
   of a day's mix: mostly reads (the list, a person opened, the plan, the ledger, the review), some
   writes (a plan draft saved, a ledger transaction added, a person's details saved). A few people
   (``--hot``) on the waiting list are written by everyone, to make real conflicts.
6. Checks there was no lost update: every write leaves a token of its own (a plan's "what matters"
   gets one appended to the text the writer read; a transaction's description is one; a person's
   locality is set to one, with the version it was read at). At the end every successful write's
   token must be in the caseload, no refused one's, and each person's details must have gone
   through one version per successful save (each save based on the version just before it).
   Then the audit chain is verified on the server (``audit.verify``, what ``audit verify`` runs).

Prints JSON (and writes it to ``--out``): each figure with its target and ratio, the counts
(operations, errors, refused saves, lost updates, audit chain), the set-up times, the machine. Usage:

    .venv/bin/python benchmarks/team_load_benchmark.py [--people 5000] [--users 50] [--seconds 120]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import team_cluster  # (first: the import path, no demo prompt)
from team_cluster import server_cpu_s as _server_cpu_s

os.environ.setdefault("PERSONALBUDGET_PASSPHRASE", "benchmark passphrase (synthetic data only)")
os.environ.setdefault("PERSONALBUDGET_PASSWORD", "benchmark password")

PASSWORD = "load benchmark password"  # every account's (synthetic)
DATABASE = "pb_load"
TARGETS = {"caseload_list_ms": 300.0, "person_opened_ms": 150.0, "load_op_p95_ms": 200.0}
# A day's mix: (operation, weight). Writes are about a fifth of what a practitioner does.
PRACTITIONER_MIX = (
    ("list_caseload", 12),
    ("open_person", 30),
    ("read_plan", 10),
    ("read_ledger", 10),
    ("read_review", 6),
    ("save_plan_draft", 8),
    ("add_transaction", 8),
    ("save_hot_plan", 9),
    ("save_hot_person", 7),
)
APPROVER_MIX = (("list_caseload", 20), ("open_person", 50), ("read_plan", 30))
BROKER_MIX = (("list_caseload", 15), ("open_person", 35), ("read_ledger", 30), ("add_transaction", 20))
WRITES = {"save_plan_draft", "add_transaction", "save_hot_plan", "save_hot_person"}
MAX_WHAT_MATTERS = 3900  # under the plan's limit (domain/plan.py MAX_TEXT): a longer text is not written


# -- the server and the caseload ------------------------------------------------------------------
def _quiet_cli(argv: list[str]) -> tuple[int, str]:
    """Run the ``personalbudget`` command line (its output kept, not printed over the JSON)."""
    from personalbudget.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue() + err.getvalue()


def build_team_caseload(server: Any, laptop: Path, workdir: Path) -> dict[str, float]:
    """``team setup`` then ``team upload`` of a copy of ``laptop`` (the cached file stays as it is)."""
    from personalbudget.storage.keys import key_file_path

    copy = workdir / "laptop.db"
    shutil.copyfile(laptop, copy)
    shutil.copyfile(key_file_path(laptop), key_file_path(copy))
    with server.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    times: dict[str, float] = {}
    started = time.perf_counter()
    code, said = _quiet_cli(["team", "setup", "--db", server.url(DATABASE), "--yes"])
    if code != 0:
        raise SystemExit(f"team setup failed:\n{said}")
    times["team_setup_s"] = time.perf_counter() - started
    started = time.perf_counter()
    code, said = _quiet_cli(["team", "upload", "--db", str(copy), "--to", server.url(DATABASE), "--yes"])
    if code != 0:
        raise SystemExit(f"team upload failed:\n{said}")
    times["team_upload_s"] = time.perf_counter() - started
    with server.connect(DATABASE) as connection:
        connection.execute("ANALYZE")  # as autovacuum would soon after a bulk load
    return times


@dataclass
class Team:
    """The accounts made on the server and what the users will work on."""

    practitioners: list[str]
    approver: str
    broker: str
    allocated: dict[str, list[int]]
    waiting: list[int]
    hot_plans: list[int]  # on the waiting list, at step 2 with a draft plan: everyone writes these
    hot_people: list[int]  # on the waiting list: everyone saves their details
    setup_times: dict[str, float] = field(default_factory=dict)


def make_team(server: Any, users: int, caseload: int, hot: int, seed: int) -> Team:
    """The accounts (``UserService.create_user``), the allocations (``AccessService.allocate``) and
    a draft plan for each hot person (``PlanService.save_draft``), as the DBA."""
    from personalbudget.clock import SystemClock
    from personalbudget.domain.lifecycle import Step
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.user_service import SignedInUser, UserService
    from personalbudget.storage.server import open_server_database

    rng = random.Random(seed)
    clock = SystemClock()
    times: dict[str, float] = {}
    database = open_server_database(server.url(DATABASE))
    try:
        with database.engine.connect() as connection:
            manager = connection.exec_driver_sql(
                "SELECT username, display_name FROM app_user WHERE can_manage_users AND active ORDER BY id LIMIT 1"
            ).first()
            people = [
                (row[0], row[1])
                for row in connection.exec_driver_sql(
                    "SELECT p.id, c.current_step FROM person p JOIN plan_cycle c ON c.person_id = p.id "
                    "AND c.number = (SELECT max(number) FROM plan_cycle WHERE person_id = p.id) "
                    "WHERE c.status = 'open' ORDER BY p.id"
                )
            ]
            everyone = [row[0] for row in connection.exec_driver_sql("SELECT id FROM person ORDER BY id")]
        assert manager is not None, "the uploaded caseload has no account manager"
        by = SignedInUser(manager[0], manager[1], Role.PRACTITIONER, True)
        accounts = UserService(ActingDatabase(database, "dba"), clock)
        started = time.perf_counter()
        count = max(1, users - 2)
        practitioners = [f"prac{n:02d}" for n in range(1, count + 1)]
        for number, name in enumerate(practitioners, 1):
            accounts.create_user(
                name, f"Practitioner {number}", PASSWORD, Role.PRACTITIONER, by=by, team=f"Team {number % 4}"
            )
        accounts.create_user("approver01", "Approver One", PASSWORD, Role.APPROVER, by=by)
        times["accounts_s"] = time.perf_counter() - started

        # The hot people: waiting-list people at step 2 (plans) and any others (details).
        at_plan = [pid for pid, step in people if step == int(Step.PLAN_SUPPORT)]
        rng.shuffle(at_plan)
        hot_plans = sorted(at_plan[:hot])
        others = [pid for pid in everyone if pid not in set(hot_plans)]
        rng.shuffle(others)
        hot_people = sorted(others[:hot])
        rest = others[hot:]
        allocated: dict[str, list[int]] = {}
        for index, name in enumerate(practitioners):
            allocated[name] = sorted(rest[index * caseload : (index + 1) * caseload])
        taken = {pid for pids in allocated.values() for pid in pids}
        waiting = sorted(pid for pid in everyone if pid not in taken)
        system = build_services(database, clock, actor="dba", system=True)
        started = time.perf_counter()
        for name, pids in allocated.items():
            for pid in pids:
                system.access.allocate(pid, name, "Load benchmark: the team's caseload")
        times["allocations_s"] = time.perf_counter() - started
        with database.engine.begin() as connection:  # the waiting list: no current allocation
            connection.exec_driver_sql(
                "UPDATE allocation SET ended_at = now(), ended_by = 'dba' WHERE ended_at IS NULL "
                "AND person_id = ANY(%(ids)s)",
                {"ids": waiting},
            )
        # The broker manages the money of some practitioners' people (those with a ledger).
        linked = _ledger_people(database, [pid for pids in allocated.values() for pid in pids])[:20]
        accounts.create_user(
            "broker01", "Broker One", PASSWORD, Role.BROKER, by=by, people=tuple(linked) or (everyone[0],)
        )
        for pid in hot_plans:  # a draft to write on (the demo's may be none yet)
            plan = system.plans.get_plan(pid)
            if plan is None or not plan.editable:
                system.plans.save_draft(pid, plan.content if plan else system.plans.starting_draft(pid))
    finally:
        database.close()
    return Team(practitioners, "approver01", "broker01", allocated, waiting, hot_plans, hot_people, times)


def _ledger_people(database: Any, candidates: list[int]) -> list[int]:
    """Of ``candidates``, the people whose budget management is recorded (a ledger may be kept)."""
    with database.engine.connect() as connection:
        return [
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT DISTINCT c.person_id FROM budget_management m JOIN plan_cycle c ON c.id = m.cycle_id "
                "WHERE c.status = 'open' AND c.person_id = ANY(%(ids)s) ORDER BY 1",
                {"ids": candidates},
            )
        ]


# -- signing in and the person workspace ------------------------------------------------------------
def sign_in(address: str, username: str) -> Any:
    """The services of ``username`` signed in to the team caseload, as the app's sign-in does."""
    from personalbudget.clock import SystemClock
    from personalbudget.services import build_services
    from personalbudget.services.team_caseload import TeamSignIn

    signing = TeamSignIn(address, SystemClock())
    user = signing.sign_in(username, PASSWORD)
    assert signing.database is not None
    return build_services(signing.database, SystemClock(), user.username, role=user.role)


def open_person(services: Any, person_id: int) -> None:
    """The service calls the person workspace makes when a person is opened: the person, the cycle
    and its history (``PersonWorkspaceWidget.show_person``), then the current step's page, in one
    unit of work as the workspace makes them."""
    with services.context.unit_of_work():
        _open_person(services, person_id)


def _open_person(services: Any, person_id: int) -> None:
    from personalbudget.domain.lifecycle import Step

    services.people.get_person(person_id)
    cycle = services.lifecycle.get_cycle(person_id)
    services.lifecycle.history(person_id)
    step = cycle.current_step
    if step == Step.SET_BUDGET:  # BudgetPage.show_person
        view = services.budget.get_budget(person_id)
        if view.indicative is None:
            services.budget.preview(view.budget_type or "personal_budget", dict(view.answers))
        services.charging.get_contribution(person_id)
    elif step == Step.PLAN_SUPPORT:  # PlanPage.show_person
        services.lifecycle.get_cycle(person_id)
        plan = services.plans.get_plan(person_id)
        services.budget.get_budget(person_id)
        if plan is None:
            services.plans.starting_draft(person_id)
        services.charging.split(person_id)
    elif step == Step.AGREE_PLAN:  # AgreementPage.show_person
        services.lifecycle.get_cycle(person_id)
        services.plans.get_plan(person_id)
        services.plans.approval_summary(person_id)
        services.charging.split(person_id)
    elif step == Step.MANAGE_BUDGET:  # ManagementPage.show_person (and its totals)
        services.management.get_management(person_id)
        services.charging.split(person_id)
    elif step == Step.ORGANISE_SUPPORT:  # SupportPage.show_person
        services.support.get_support(person_id)
        services.support.get_employer(person_id)
        services.support.providers()
    elif step == Step.LIVE_LIFE:  # LedgerPage.show_person
        _ledger, monitoring = services.ledger.overview(person_id)
        if monitoring is not None:
            services.payee_rules.rules(person_id)
        services.charging.ledger(person_id)
        services.charging.surplus(person_id)
    else:  # ReviewPage.show_person
        services.lifecycle.get_cycle(person_id)
        services.reviews.current(person_id)
        services.reviews.history(person_id)


def _quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def time_single_user(
    address: str, username: str, list_runs: int, opens: int, seed: int
) -> dict[str, list[float]]:
    """The list and person opened, one practitioner alone on the server (the first two targets)."""
    services = sign_in(address, username)
    try:
        rows = services.people.list_caseload()  # warm: the first use of each statement
        lists = []
        for _ in range(list_runs):
            started = time.perf_counter()
            rows = services.people.list_caseload()
            lists.append((time.perf_counter() - started) * 1000)
        rng = random.Random(seed)
        chosen = rng.sample(rows, k=min(len(rows), opens))
        open_person(services, chosen[0].person_id)  # warm
        opened = []
        for row in chosen:
            started = time.perf_counter()
            open_person(services, row.person_id)
            opened.append((time.perf_counter() - started) * 1000)
        return {"caseload_list_ms": lists, "person_opened_ms": opened, "visible_people": [float(len(rows))]}
    finally:
        services.context.db.close()


# -- the simulated users ----------------------------------------------------------------------------
@dataclass
class UserResult:
    """What one simulated user did: (operation, milliseconds, outcome) and its writes."""

    username: str
    samples: list[tuple[str, float, str]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)
    failed: str = ""  # the user could not start at all (sign-in)
    benchmark_errors: list[str] = field(default_factory=list)  # this file's own faults, not the app's


class User:
    """One person at their desk: signed in once, then an operation after each think time."""

    def __init__(self, address: str, username: str, role: str, hot_plans: list[int], hot_people: list[int],
                 think: float, seed: int):  # fmt: skip
        self.address, self.username, self.role = address, username, role
        self.hot_plans, self.hot_people = hot_plans, hot_people
        self.think = think
        self.rng = random.Random(seed)
        self.result = UserResult(username)
        self.sequence = 0
        self.services: Any = None
        self.rows: list[Any] = []
        self.plan_people: list[int] = []
        self.ledger_people: list[int] = []

    def token(self) -> str:
        self.sequence += 1
        return f"{self.username}.{self.sequence}"

    def prepare(self) -> None:
        from personalbudget.domain.lifecycle import Step

        self.services = sign_in(self.address, self.username)
        self.rows = self.services.people.list_caseload()
        hot = set(self.hot_plans) | set(self.hot_people)
        mine = [row for row in self.rows if row.person_id not in hot and row.cycle_open]
        self.plan_people = [row.person_id for row in mine if row.step == Step.PLAN_SUPPORT]
        self.ledger_people = [
            row.person_id for row in mine if row.step is not None and row.step >= Step.LIVE_LIFE
        ]

    def mix(self) -> tuple[tuple[str, int], ...]:
        return {"approver": APPROVER_MIX, "broker": BROKER_MIX}.get(self.role, PRACTITIONER_MIX)

    def run(self, deadline: float) -> UserResult:
        try:
            self.prepare()
        except Exception as problem:  # said in the report, with what it was
            self.result.failed = f"{type(problem).__name__}: {problem}"
            return self.result
        names = [name for name, _weight in self.mix()]
        weights = [weight for _name, weight in self.mix()]
        try:
            while True:
                pause = self.rng.expovariate(1 / self.think) if self.think > 0 else 0.0
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
                operation = self.rng.choices(names, weights)[0]
                if not self.rows:  # no one to open (an approver with nothing waiting): the list again
                    operation = "list_caseload"
                try:
                    getattr(self, operation)()
                except Exception as problem:  # outside ``timed``: a fault of the benchmark, said apart
                    self.result.benchmark_errors.append(f"{operation}: {type(problem).__name__}: {problem}")
        finally:
            with contextlib.suppress(Exception):
                self.services.context.db.close()
        return self.result

    def timed(self, operation: str, action: Any) -> tuple[str, Any]:
        """Run ``action``, record how long it took and how it ended: ok, refused (the expected
        ConcurrentEditError) or the error's type and words (first line)."""
        from personalbudget.errors import ConcurrentEditError

        started = time.perf_counter()
        outcome, value = "ok", None
        try:
            value = action()
        except ConcurrentEditError:
            outcome = "refused"
        except Exception as problem:  # every other exception is counted as an error
            words = str(problem).splitlines()[0][:160] if str(problem) else ""
            outcome = f"error: {type(problem).__name__}: {words}"
            if os.environ.get("PB_LOAD_TRACEBACKS"):
                traceback.print_exc()
        self.result.samples.append((operation, (time.perf_counter() - started) * 1000, outcome))
        return outcome, value

    def _anyone(self) -> int:
        return int(self.rng.choice(self.rows).person_id)

    # -- reads
    def list_caseload(self) -> None:
        outcome, rows = self.timed("list_caseload", self.services.people.list_caseload)
        if outcome == "ok" and rows:
            self.rows = rows

    def open_person(self) -> None:
        person = self._anyone()
        self.timed("open_person", lambda: open_person(self.services, person))

    def read_plan(self) -> None:
        person = self._anyone()
        self.timed("read_plan", lambda: self.services.plans.get_plan(person))

    def read_ledger(self) -> None:
        pool = self.ledger_people or [self._anyone()]
        person = self.rng.choice(pool)
        self.timed("read_ledger", lambda: self.services.ledger.overview(person))

    def read_review(self) -> None:
        person = self._anyone()
        self.timed(
            "read_review",
            lambda: (self.services.reviews.current(person), self.services.reviews.history(person)),
        )

    # -- writes
    def _append_to_plan(self, operation: str, person: int, editing: float) -> None:
        """Read the plan (as its page does), write for ``editing`` seconds, save with the plan read
        as the base: the text written is the text read plus this save's token."""
        outcome, plan = self.timed("read_plan", lambda: self.services.plans.get_plan(person))
        if outcome != "ok":
            return
        if plan is not None and not plan.editable:
            return  # submitted meanwhile (not by this benchmark): nothing to write
        content = plan.content if plan is not None else self.services.plans.starting_draft(person)
        token = self.token()
        text = f"{content.what_matters} [{token}]".strip()
        if len(text) > MAX_WHAT_MATTERS:
            return
        time.sleep(editing)
        draft = replace(content, what_matters=text)
        outcome, _view = self.timed(
            operation,
            lambda: self.services.plans.save_draft(person, draft, base=plan, read_nothing=plan is None),
        )
        self.result.writes.append({"kind": "plan", "person": person, "token": token, "outcome": outcome})

    def save_plan_draft(self) -> None:
        if not self.plan_people:
            return self.open_person()
        self._append_to_plan("save_plan_draft", self.rng.choice(self.plan_people), self.rng.uniform(0.0, 0.3))
        return None

    def save_hot_plan(self) -> None:
        if not self.hot_plans:
            return self.open_person()
        self._append_to_plan("save_hot_plan", self.rng.choice(self.hot_plans), self.rng.uniform(0.1, 0.6))
        return None

    def add_transaction(self) -> None:
        from personalbudget.services.ledger_service import TransactionForm

        if not self.ledger_people:
            return self.read_plan()
        person = self.rng.choice(self.ledger_people)
        token = self.token()
        form = TransactionForm(
            posted_on=date.today(),
            amount=f"{self.rng.randint(1, 80)}.{self.rng.randint(0, 99):02d}",
            money_in=False,
            description=f"Load test {token}",
        )
        outcome, made = self.timed(
            "add_transaction", lambda: self.services.ledger.add_transaction(person, form)
        )
        self.result.writes.append(
            {"kind": "transaction", "person": person, "token": token, "outcome": outcome, "id": made}
        )
        return None

    def save_hot_person(self) -> None:
        from personalbudget.domain.person import PersonForm, RepresentativeForm

        if not self.hot_people:
            return self.open_person()
        person = self.rng.choice(self.hot_people)
        outcome, details = self.timed("read_person", lambda: self.services.people.get_person(person))
        if outcome != "ok":
            return None
        token = self.token()
        form = PersonForm(
            name=details.name,
            date_of_birth=details.date_of_birth,
            locality=f"Load {token}",
            primary_support_reason=details.primary_support_reason,
            nhs_number=details.nhs_number or "",
            representatives=[
                RepresentativeForm(r.name, r.role, r.relationship, r.phone, r.email)
                for r in details.representatives
            ],
        )
        time.sleep(self.rng.uniform(0.1, 0.6))
        outcome, saved = self.timed(
            "save_hot_person", lambda: self.services.people.update_person(person, form, base=details)
        )
        self.result.writes.append(
            {
                "kind": "person",
                "person": person,
                "token": token,
                "outcome": outcome,
                "base": details.row_version,
                "made": saved.row_version if saved is not None else None,
            }
        )
        return None


def run_users(job: dict[str, Any]) -> list[dict[str, Any]]:
    """One worker process: its users, each on a thread of its own, until the deadline (wall clock,
    shared by the processes)."""
    users = [
        User(job["address"][name], name, role, job["hot_plans"], job["hot_people"], job["think"], seed)
        for name, role, seed in job["users"]
    ]
    deadline = time.monotonic() + (job["start_at"] - time.time()) + job["seconds"]
    time.sleep(max(0.0, job["start_at"] - time.time() - 5))  # everyone signs in at about the same time
    results: list[UserResult] = []
    lock = threading.Lock()

    def work(user: User) -> None:
        done = user.run(deadline)
        with lock:
            results.append(done)

    threads = [threading.Thread(target=work, args=(user,), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [result.__dict__ for result in results]


def run_load(
    server: Any, team: Team, users: int, seconds: float, think: float, processes: int, seed: int
) -> list[dict[str, Any]]:
    roles = [(name, "practitioner") for name in team.practitioners]
    roles += [(team.approver, "approver"), (team.broker, "broker")]
    roles = roles[:users]
    addresses = {name: server.url(DATABASE, user=name, password="") for name, _role in roles}
    start_at = time.time() + 10  # signing in 50 users takes a few seconds before the clock starts
    jobs = [
        {
            "address": addresses,
            "users": [
                (name, role, seed * 1000 + index)
                for index, (name, role) in enumerate(roles)
                if index % processes == p
            ],
            "hot_plans": team.hot_plans,
            "hot_people": team.hot_people,
            "think": think,
            "seconds": seconds,
            "start_at": start_at,
        }
        for p in range(processes)
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        parts = pool.map(run_users, jobs)
    return [result for part in parts for result in part]


# -- the checks -------------------------------------------------------------------------------------
def check_writes(server: Any, results: list[dict[str, Any]], team: Team) -> dict[str, Any]:
    """No lost updates: every save that succeeded is in the caseload, no refused one is, and each
    person's details went through one version per successful save."""
    writes = [write for result in results for write in result["writes"]]
    lost: list[str] = []
    phantom: list[str] = []
    with server.connect(DATABASE) as connection:
        # Plans: the text of each person's latest plan holds every successful token, no other.
        plan_people = sorted({w["person"] for w in writes if w["kind"] == "plan"})
        texts = {
            row[0]: row[1]
            for row in connection.execute(
                "SELECT DISTINCT ON (person_id) person_id, what_matters FROM support_plan "
                "WHERE person_id = ANY(%s) ORDER BY person_id, version DESC",
                (plan_people,),
            )
        }
        for write in (w for w in writes if w["kind"] == "plan"):
            there = f"[{write['token']}]" in (texts.get(write["person"]) or "")
            if write["outcome"] == "ok" and not there:
                lost.append(f"plan of person {write['person']}: {write['token']}")
            if write["outcome"] != "ok" and there:
                phantom.append(f"plan of person {write['person']}: {write['token']} ({write['outcome']})")
        # Transactions: each one added is there, once, with its token; nothing else was added.
        found = {
            row[0]: row[1]
            for row in connection.execute(
                "SELECT id, description FROM ledger_transaction WHERE description LIKE 'Load test %'"
            )
        }
        added = {w["id"]: w for w in writes if w["kind"] == "transaction" and w["outcome"] == "ok"}
        for made, write in added.items():
            if found.get(made) != f"Load test {write['token']}":
                lost.append(f"transaction {made}: {write['token']}")
        phantom += [f"transaction {made}: {text}" for made, text in found.items() if made not in added]
        # People's details: versions in a chain, the last save's locality the one kept.
        details = [w for w in writes if w["kind"] == "person"]
        chains = defaultdict(list)
        for write in details:
            if write["outcome"] == "ok":
                chains[write["person"]].append(write)
        for person, saves in chains.items():
            version, locality = connection.execute(
                "SELECT row_version, locality FROM person WHERE id = %s", (person,)
            ).fetchone()
            made = sorted(w["made"] for w in saves)
            if any(w["made"] != w["base"] + 1 for w in saves):
                lost.append(f"person {person}: a save not based on the version just before it")
            if len(set(made)) != len(made):
                lost.append(f"person {person}: two saves made the same version")
            if made[-1] != version:
                lost.append(f"person {person}: at version {version}, the last save made {made[-1]}")
            last = max(saves, key=lambda w: w["made"])
            if locality != f"Load {last['token']}":
                lost.append(f"person {person}: locality is not the last save's")
        for write in details:
            if write["outcome"] != "ok":
                row = connection.execute(
                    "SELECT locality FROM person WHERE id = %s", (write["person"],)
                ).fetchone()
                if row and row[0] == f"Load {write['token']}":
                    phantom.append(f"person {write['person']}: {write['token']} ({write['outcome']})")
    outcomes = Counter(
        (w["kind"], "ok" if w["outcome"] == "ok" else w["outcome"].split(":")[0]) for w in writes
    )
    return {
        "writes": {f"{kind} {outcome}": n for (kind, outcome), n in sorted(outcomes.items())},
        "lost_updates": len(lost),
        "refused_writes_found_saved": len(phantom),
        "lost_examples": lost[:10],
        "phantom_examples": phantom[:10],
    }


def verify_audit(server: Any) -> dict[str, Any]:
    """``audit verify`` on the server (the chain from the laptop's first event to the last save)."""
    from personalbudget.storage import audit
    from personalbudget.storage.server import open_server_database

    database = open_server_database(server.url(DATABASE))
    started = time.perf_counter()
    try:
        connection = database.connect_raw(read_only=True)
        try:
            report = audit.verify(connection)
        finally:
            connection.close()
    finally:
        database.close()
    return {
        "audit_chain_ok": report.ok,
        "audit_events": report.events,
        "audit_problems": report.problems[:5],
        "audit_verify_s": round(time.perf_counter() - started, 1),
    }


# -- the report -------------------------------------------------------------------------------------
def _figure(values: list[float], target: float | None, statistic: str) -> dict[str, Any]:
    value = _quantile(values, 95) if statistic == "p95" else statistics.median(values)
    entry: dict[str, Any] = {
        "value": round(value, 1),
        "statistic": statistic,
        "median": round(statistics.median(values), 1),
        "p95": round(_quantile(values, 95), 1),
        "samples": len(values),
    }
    if target is not None:
        entry |= {"target": target, "ratio": round(value / target, 2), "within": value <= target}
    return entry


def summarise_load(results: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    samples = [sample for result in results for sample in result["samples"]]
    by_operation: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    refused = 0
    for operation, ms, outcome in samples:
        by_operation[operation].append(ms)
        if outcome == "refused":
            refused += 1
        elif outcome != "ok":
            errors[f"{operation}: {outcome}"] += 1
    every = [ms for _operation, ms, _outcome in samples]
    target = TARGETS["load_op_p95_ms"]
    return {
        "operations": len(samples),
        "operations_per_s": round(len(samples) / seconds, 1),
        "writes": sum(len(v) for k, v in by_operation.items() if k in WRITES),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
        "refused_saves": refused,
        "users_reported": len(results),
        "users_failed_to_start": [f"{r['username']}: {r['failed']}" for r in results if r["failed"]],
        "benchmark_errors": [e for r in results for e in r["benchmark_errors"]][:10],
        "load_op_p95_ms": _figure(every, target, "p95") if every else None,
        "per_operation": {
            name: _figure(values, target, "p95") for name, values in sorted(by_operation.items())
        },
    }


def _clients_cpu_s() -> float:
    """CPU seconds of the worker processes that have ended (the simulated users' Python)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _load_average() -> list[float]:
    with contextlib.suppress(OSError):
        return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50, help="simulated users (2 of them: approver, broker)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the users work")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between operations, s")
    parser.add_argument("--caseload", type=int, default=100, help="people allocated to each practitioner")
    parser.add_argument("--hot", type=int, default=3, help="waiting-list people everyone writes (each kind)")
    parser.add_argument("--processes", type=int, default=0, help="worker processes (0: one per 10 users)")
    parser.add_argument("--list-runs", type=int, default=15)
    parser.add_argument("--opens", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", type=int, default=1000, help="people the demo builds before copying")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "personalbudget-benchmark")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    from run_benchmarks import caseload

    report: dict[str, Any] = {
        "people": args.people,
        "users": args.users,
        "seconds": args.seconds,
        "think_s": args.think,
        "load_average_before": _load_average(),
    }
    laptop, made = caseload(args.cache, args.people, args.seed, args.base)
    report["caseload"] = {"file": str(laptop), **made}
    with team_cluster.cluster("pb-load-") as (server, workdir):
        report["setup"] = {k: round(v, 1) for k, v in build_team_caseload(server, laptop, workdir).items()}
        team = make_team(server, args.users, args.caseload, args.hot, args.seed)
        report["setup"] |= {k: round(v, 1) for k, v in team.setup_times.items()}
        report["team"] = {
            "practitioners": len(team.practitioners),
            "allocated_each": args.caseload,
            "waiting_list": len(team.waiting),
            "hot_plans": len(team.hot_plans),
            "hot_people": len(team.hot_people),
        }
        single = time_single_user(
            server.url(DATABASE, user=team.practitioners[0], password=""),
            team.practitioners[0],
            args.list_runs,
            args.opens,
            args.seed,
        )
        report["visible_to_one_practitioner"] = int(single.pop("visible_people")[0])
        report["figures"] = {
            name: _figure(values, TARGETS[name], "median") for name, values in single.items()
        }
        processes = args.processes or max(1, -(-args.users // 10))
        report["processes"] = processes
        started = time.perf_counter()
        server_cpu, clients_cpu = _server_cpu_s(server), _clients_cpu_s()
        results = run_load(server, team, args.users, args.seconds, args.think, processes, args.seed)
        report["load_wall_s"] = round(time.perf_counter() - started, 1)
        # Where the 2 cores went during the load (sign-ins included): the server or the clients.
        report["load_cpu_s"] = {
            "server": round(_server_cpu_s(server) - server_cpu, 1),
            "clients": round(_clients_cpu_s() - clients_cpu, 1),
            "cores": os.cpu_count(),
        }
        report["load_average_after"] = _load_average()
        report["load"] = summarise_load(results, args.seconds)
        report["load"] |= check_writes(server, results, team)
        report["load"] |= verify_audit(server)
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
