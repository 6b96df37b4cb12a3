"""A sync killed at random moments (SIGKILL, issue 22): a subprocess syncs a laptop caseload with
changes for several people and is killed part-way, again and again; then sync runs to the end.
Every change arrives exactly once, and the audit chains verify on the laptop and on the server.

The number of kills is ``PERSONALBUDGET_SIGKILL_RUNS`` (default 10, for CI; the issue asks for 50).
The laptop caseload is a plain file here, so the child process opens it without the test's
in-memory keyring (the encryption is not what is tested)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC
from pathlib import Path

import pytest

from personalbudget.storage.database import open_database
from tests.core.helpers import verify_trail
from tests.core.offline_helpers import (  # noqa: F401  (fixtures)
    PASSWORD,
    Office,
    laptop_services,
    move_person,
    office_fixture,
    office_template_fixture,
    sync_as,
    take_as,
)

RUNS = int(os.environ.get("PERSONALBUDGET_SIGKILL_RUNS", "10"))
ROOT = Path(__file__).resolve().parents[2]

# The child: the real sync, with short random pauses at its seams (inside a person's server
# transaction, between the server's commit and the laptop's) so kills land in each of them.
CHILD = textwrap.dedent(
    """
    import random, sys, time
    from personalbudget.services import offline_service
    from personalbudget.storage import offline_copy
    from personalbudget.storage.database import open_database
    from personalbudget.storage.server import open_server_database

    laptop_file, address = sys.argv[1], sys.argv[2]
    forget = offline_copy.forget_person

    def slow_forget(*args, **kwargs):
        print("server-committed", flush=True)
        time.sleep(random.uniform(0, 0.15))
        return forget(*args, **kwargs)

    offline_service.offline_copy.forget_person = slow_forget
    laptop = open_database(laptop_file)
    server = open_server_database(address)
    print("started", flush=True)

    def before_commit(person_id):
        print("applying", person_id, flush=True)
        time.sleep(random.uniform(0, 0.15))

    report = offline_service.sync(laptop, server, _before_commit=before_commit)
    print("done", [p.status for p in report.people], flush=True)
    """
)


def _cycle(office: Office, tmp_path: Path, cycle: int, rng: random.Random) -> tuple[int, list[str]]:
    """Take three people offline, change them, sync in a child killed at a random moment (and
    again until a sync finishes), then check every change arrived exactly once."""
    p = office.people[:3]
    path = tmp_path / f"laptop-{cycle}.db"
    take_as(office, "nia", path, None, p, name=f"laptop-{cycle}")
    laptop = open_database(path)
    try:
        services = laptop_services(laptop, office.names["nia"])
        for number, person in enumerate(p):
            move_person(services, person, f"Street {cycle}-{number}", carer=f"Carer {cycle}-{number}")
    finally:
        laptop.close()
    with office.admin() as connection:
        first_event = connection.execute("SELECT max(id) FROM audit_event").fetchone()[0]
    address = office.pg.url(user=office.names["nia"], password=PASSWORD)
    kills = 0
    seen: list[str] = []
    for _attempt in range(2):  # killed once (or twice) part-way
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), address],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started", child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0, 0.6))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
        last = out.strip().splitlines()[-1] if out.strip() else "started"
        if child.returncode == -signal.SIGKILL and not last.startswith("done"):
            kills += 1  # (a kill after the sync had finished is not counted)
            seen.append(last)
        else:
            assert child.returncode in (0, -signal.SIGKILL), err
            seen.append("finished")
    laptop = open_database(path)
    try:
        report = sync_as(office, "nia", laptop)
        assert all(s.status in ("applied", "already_applied") for s in report.people), report
        laptop_trail = verify_trail(laptop)
        assert laptop_trail.ok, laptop_trail.problems
    finally:
        laptop.close()
    with office.admin() as connection:
        for number, person in enumerate(p):
            assert connection.execute("SELECT locality FROM person WHERE id = %s", (person,)).fetchone()[
                0
            ] == (f"Street {cycle}-{number}")
            carers = [
                r[0]
                for r in connection.execute("SELECT name FROM representative WHERE person_id = %s", (person,))
            ]
            assert carers == [f"Carer {cycle}-{number}"]  # added once, the old one removed once
            on_server = [
                (r[0].astimezone(UTC).isoformat(timespec="microseconds"), r[1], r[2], r[3])
                for r in connection.execute(
                    "SELECT at, actor, action, table_name FROM audit_event WHERE person_id = %s AND id > %s "
                    "AND table_name <> 'offline_sync' AND NOT (table_name = 'offline_hold' AND action = 'update') "
                    "ORDER BY id",
                    (person, first_event),
                )
            ]
            assert sorted(on_server) == sorted(_about(path, person)), (cycle, person)
            assert (
                connection.execute(
                    "SELECT count(*) FROM offline_sync WHERE person_id = %s AND laptop_id <> ''", (person,)
                ).fetchone()[0]
                == cycle + 1
            )
        assert (
            connection.execute("SELECT count(*) FROM offline_hold WHERE released_at IS NULL").fetchone()[0]
            == 0
        )
    return kills, seen


def _about(path: Path, person: int) -> list[tuple[str, str, str, str]]:
    """The laptop's events about the person (their rows' and their take-offline): what the server
    must have, each once."""
    from sqlalchemy import text

    laptop = open_database(path)
    try:
        with laptop.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT at, actor, action, table_name, row_id, summary FROM audit_event ORDER BY id")
            ).fetchall()
    finally:
        laptop.close()
    out = []
    for at, actor, action, table, row_id, summary in rows:
        fields = json.loads(summary)
        if action == "synced":
            continue
        if table == "offline_hold":
            if row_id == str(person):
                out.append((str(at), str(actor), str(action), str(table)))
            continue
        if table == "person" and row_id == str(person):
            out.append((str(at), str(actor), str(action), str(table)))
        elif table == "representative":
            named = fields.get("person_id")
            value = (
                named[1]
                if isinstance(named, list) and named[1] is not None
                else (named[0] if isinstance(named, list) else named)
            )
            if value == person:
                out.append((str(at), str(actor), str(action), str(table)))
    return out


@pytest.mark.slow  # (about 8 seconds a kill: the fast lane leaves it out; the full run kills 10 times)
def test_a_sync_killed_at_random_moments_applies_every_change_exactly_once(office: Office, tmp_path) -> None:
    rng = random.Random(22)
    kills = 0
    where: list[str] = []
    cycle = 0
    while kills < RUNS:
        killed, seen = _cycle(office, tmp_path, cycle, rng)
        kills += killed
        where += seen
        cycle += 1
        assert cycle < RUNS * 3, "the child finished before every kill: the kills are not landing"
    server = office.open_as_dba()
    try:
        trail = verify_trail(server)
        assert trail.ok, trail.problems
    finally:
        server.close()
    print(f"\n{kills} kills in {cycle} cycles, at: " + ", ".join(sorted(set(where))))
