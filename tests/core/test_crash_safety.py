"""Crash safety: a process killed (SIGKILL) at random points while saving never leaves
a damaged database or a half-written change.

Each iteration forks a writer that imports statements (40 rows each) and saves
people (each save: a person, two carers, a cycle with its seven steps and the
audit events, all in one transaction) and plans as fast as it can; it is killed at a random moment (every other writer only after
its first whole person, so progress does not depend on the machine's speed); the database is then
reopened, integrity-checked, its audit trail verified, and every person checked
to be whole. PERSONALBUDGET_CRASH_ITERATIONS sets the count (default 200).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time

import pytest

from personalbudget.domain.person import RepresentativeForm
from personalbudget.services import build_services
from personalbudget.storage import audit
from personalbudget.storage.database import open_database
from tests.core.helpers import person_form
from tests.core.money_helpers import living_person
from tests.core.test_budget_and_plan_services import answers, good_plan
from tests.core.test_statement_import import MAPPING

pytestmark = pytest.mark.slow  # kills a writing process 200 times: not in the fast lane

ITERATIONS = int(os.environ.get("PERSONALBUDGET_CRASH_ITERATIONS", "200"))


ROWS_PER_IMPORT = 40


def _statement(tag: str) -> bytes:
    lines = ["Date,Description,Amount"]
    lines += [f"0{1 + i % 9}/05/2026,SHOP {tag} {i},-{i + 1}.25" for i in range(ROWS_PER_IMPORT)]
    return ("\n".join(lines) + "\n").encode()


def _writer(db_path, keys, clock, ready_fd: int, living: int) -> None:  # runs in the forked child
    try:
        db = open_database(db_path, keys)
        services = build_services(db, clock, "writer")
        os.write(ready_fd, b"r")
        n = 0
        while True:
            n += 1
            services.statement_imports.import_statement(
                living, _statement(f"{os.getpid()}-{n}"), file_name=f"s{n}.csv", mapping=MAPPING
            )
            person = services.people.add_person(
                person_form(
                    name=f"Writer {os.getpid()} {n}",
                    nhs_number="",
                    representatives=[
                        RepresentativeForm("Carer One", "carer"),
                        RepresentativeForm("Carer Two", "carer"),
                    ],
                )
            )
            services.budget.save_answers(person.id, "personal_budget", answers(services))
            services.budget.agree_budget(person.id)
            services.plans.save_draft(person.id, good_plan())
            os.write(ready_fd, b"p")
    finally:
        os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")
def test_killing_a_writer_never_leaves_damage(db_path, keys, clock):
    setup = open_database(db_path, keys)
    living = living_person(build_services(setup, clock, "setup"), nhs="")
    setup.close()
    rng = random.Random(7)
    killed_mid_run = 0
    for iteration in range(ITERATIONS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _writer(db_path, keys, clock, write_end, living)
        os.close(write_end)
        assert os.read(read_end, 1) == b"r", f"iteration {iteration}: the writer did not start"
        if iteration % 2:
            # Every other writer is first let finish one whole person, so the run makes progress
            # however slow the machine is; the kill then still lands at a random point after it.
            assert os.read(read_end, 1) == b"p", f"iteration {iteration}: the writer saved no one"
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        killed_mid_run += os.WIFSIGNALED(status)

        db = open_database(db_path, keys)
        try:
            connection = db.connect_raw(read_only=True)
            try:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok", iteration
                assert connection.execute("PRAGMA foreign_key_check").fetchall() == [], iteration
                report = audit.verify(connection)
                assert report.ok, (iteration, report.problems)
                broken = connection.execute(
                    """
                    SELECT p.id FROM person p
                    WHERE p.id != ? AND ((SELECT count(*) FROM representative r WHERE r.person_id = p.id) != 2
                       OR (SELECT count(*) FROM plan_cycle c WHERE c.person_id = p.id) != 1
                       OR (SELECT count(*) FROM cycle_step s JOIN plan_cycle c ON s.cycle_id = c.id
                           WHERE c.person_id = p.id) != 7)
                    """,
                    (living,),
                ).fetchall()
                assert broken == [], f"iteration {iteration}: half-saved people {broken}"
                half_plans = connection.execute(
                    "SELECT sp.id FROM support_plan sp WHERE sp.person_id != ? AND (SELECT count(*) FROM "
                    "plan_support_item i WHERE i.plan_id = sp.id) != 1",
                    (living,),
                ).fetchall()
                assert half_plans == [], f"iteration {iteration}: half-saved plans {half_plans}"
                half_imports = connection.execute(
                    "SELECT si.id FROM statement_import si WHERE si.rows_added != "
                    "(SELECT count(*) FROM ledger_transaction t WHERE t.import_id = si.id) "
                    f"OR si.rows_added != {ROWS_PER_IMPORT}"
                ).fetchall()
                assert half_imports == [], f"iteration {iteration}: half-imported statements {half_imports}"
            finally:
                connection.close()
        finally:
            db.close()
    assert killed_mid_run == ITERATIONS
    final = open_database(db_path, keys)
    people = build_services(final, clock, "checker").people.list_caseload()
    connection = final.connect_raw(read_only=True)
    imports = connection.execute("SELECT count(*) FROM statement_import").fetchone()[0]
    connection.close()
    final.close()
    assert imports > ITERATIONS // 5, "the writers should have imported a good number of statements"
    assert len(people) > ITERATIONS // 5, "the writers should have saved a good number of people"
    print(f"{ITERATIONS} kills, {len(people)} people and {imports} imports saved whole", file=sys.stderr)
