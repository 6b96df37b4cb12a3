"""The server's own security on a team caseload (issue 21): each account a login role, row-level
security on current_user, and the audit trail written and chained by the server.

Each role connects *directly* with psycopg (as a modified client would, TLS and its password) or
with ``psql``, and tries to read and write what it may not. The caseload is a demo caseload built
on the server by its administrator (the superuser), with accounts made through ``UserService``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.user_service import SERVER_PASSWORD, SignedInUser, UserService
from personalbudget.storage import audit, postgres_security
from personalbudget.storage.server import ServerDatabase, open_server_database
from tests.core.helpers import verify_trail

psycopg = pytest.importorskip("psycopg")

PASSWORD = "a long password"
PEOPLE = 6

# The person of a row of each kind of table, written out again here (not taken from the module
# under test), so a wrong rule there is caught.
PERSON_OF_ROW = {
    "self": "t.id",
    "person": "t.person_id",
    "cycle": "(SELECT c.person_id FROM plan_cycle c WHERE c.id = t.cycle_id)",
    "plan": "(SELECT p.person_id FROM support_plan p WHERE p.id = t.plan_id)",
    "agreed_budget": "(SELECT c.person_id FROM agreed_budget b JOIN plan_cycle c ON c.id = b.cycle_id "
    "WHERE b.id = t.agreed_budget_id)",
    "management": "(SELECT c.person_id FROM budget_management m JOIN plan_cycle c ON c.id = m.cycle_id "
    "WHERE m.id = t.management_id)",
    "review": "(SELECT c.person_id FROM review r JOIN plan_cycle c ON c.id = r.cycle_id WHERE r.id = t.review_id)",
}


@dataclass
class TeamCaseload:
    database: ServerDatabase  # open as the administrator
    pg: object  # the PostgresDatabase fixture
    names: dict[str, str]  # what each account is for -> its user name (roles are the cluster's)
    people: list[int]
    manager: SignedInUser

    def url(self, who: str, password: str = PASSWORD) -> str:
        return self.pg.url(user=self.names[who], password=password)  # type: ignore[attr-defined]

    def connect(self, who: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return psycopg.connect(self.url(who, password), autocommit=True)

    def admin(self):  # type: ignore[no-untyped-def]
        return self.pg.connect()  # type: ignore[attr-defined]

    def rows_about(self, table: str, person_id: int) -> set[int]:
        kind, _column = postgres_security.SCOPES[table]
        with self.admin() as connection:
            rows = connection.execute(
                f"SELECT t.id FROM {table} t WHERE {PERSON_OF_ROW[kind]} = %s", (person_id,)
            )
            return {r[0] for r in rows}


@pytest.fixture(scope="module")
def team(pg_server, pg_template) -> Iterator[TeamCaseload]:  # type: ignore[no-untyped-def]
    """One caseload for the module (a demo caseload costs seconds): tests that change it put it back
    or use accounts of their own."""
    from tests.postgres_cluster import PostgresDatabase

    name = f"pb_rls_{secrets.token_hex(6)}"  # a database of its own: the security changes its schema
    with pg_server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    pg_database = PostgresDatabase(pg_server, name)
    database = open_server_database(pg_database.superuser_url)
    with database.engine.begin() as connection:
        postgres_security.apply(connection)  # as `team setup` does after the migrations
        postgres_security.apply(connection)  # and again: applying it twice changes nothing
    clock = SystemClock()
    system = build_services(database, clock, actor="dba", system=True)
    build_demo_caseload(system.context, people=PEOPLE, seed=7)
    with database.engine.connect() as connection:
        people = [r[0] for r in connection.exec_driver_sql("SELECT id FROM person ORDER BY id")]
    suffix = secrets.token_hex(3)
    names = {
        key: f"{key}.{suffix}"
        for key in (
            "manager",
            "north1",
            "north2",
            "south",
            "approver",
            "carer",
            "broker",
            "analyst",
            "duty",
            "spare",
        )
    }
    users = UserService(ActingDatabase(database, "dba"), clock)
    manager = users.create_user(names["manager"], "Meg Manager", PASSWORD, Role.PRACTITIONER, team="North")
    users.create_user(names["north1"], "Nia North", PASSWORD, Role.PRACTITIONER, by=manager, team="North")
    users.create_user(names["north2"], "Ned North", PASSWORD, Role.PRACTITIONER, by=manager, team="North")
    users.create_user(names["south"], "Sam South", PASSWORD, Role.PRACTITIONER, by=manager, team="South")
    users.create_user(names["approver"], "Ann Approver", PASSWORD, Role.APPROVER, by=manager)
    users.create_user(names["carer"], "Cai Carer", PASSWORD, Role.INDIVIDUAL, by=manager, people=(people[0],))
    users.create_user(names["broker"], "Bea Broker", PASSWORD, Role.BROKER, by=manager, people=(people[1],))
    users.create_user(names["analyst"], "Al Analyst", PASSWORD, Role.ANALYST, by=manager)
    users.create_user(names["duty"], "Dee Duty", PASSWORD, Role.PRACTITIONER, by=manager, team="East")
    users.create_user(names["spare"], "Sid Spare", PASSWORD, Role.PRACTITIONER, by=manager, team="East")
    with database.engine.begin() as connection:  # people 0-2 allocated; the rest on the waiting list
        for person, worker in ((people[0], "north1"), (people[1], "north2"), (people[2], "south")):
            connection.exec_driver_sql(
                "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_by) "
                "VALUES (%(p)s, %(w)s, now(), 'dba', 'test', '')",
                {"p": person, "w": names[worker]},
            )
    yield TeamCaseload(database, pg_database, names, people, manager)
    database.close()
    with pg_server.connect() as connection:  # roles belong to the cluster, not the database
        connection.execute(f'DROP DATABASE IF EXISTS "{pg_database.name}" WITH (FORCE)')
        for name in names.values():
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


def visible(team: TeamCaseload, who: str, table: str) -> set[int]:
    """The ids of the table's rows the account sees, asked both ways the server can work the rule
    out (row by row, and as a set when the app reads many: postgres_security.READING_MANY), which
    must agree."""
    with team.connect(who) as connection:
        by_row = {r[0] for r in connection.execute(f"SELECT id FROM {table}")}
        with connection.transaction():
            connection.execute("SELECT set_config(%s, 'on', true)", (postgres_security.READING_MANY,))
            as_set = {r[0] for r in connection.execute(f"SELECT id FROM {table}")}
    assert by_row == as_set, (who, table)
    return by_row


# -- login roles ----------------------------------------------------------------------------------


def test_each_account_is_a_login_role_in_its_groups_with_a_scram_password(team):
    with team.admin() as connection:
        row = connection.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolbypassrls, rolpassword FROM pg_authid WHERE rolname = %s",
            (team.names["carer"],),
        ).fetchone()
        groups = {
            r[0]
            for r in connection.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
                (team.names["manager"],),
            )
        }
        stored = {r[0] for r in connection.execute("SELECT DISTINCT password_hash FROM app_user")}
    can_login, superuser, createrole, bypassrls, password = row
    assert can_login and not superuser and not createrole and not bypassrls
    assert password.startswith("SCRAM-SHA-256$")  # made by libpq on the client: never the password
    assert groups == {"pb_account", "pb_practitioner", "pb_manager"}
    assert stored == {SERVER_PASSWORD}  # the app keeps no password (nor a hash of one)
    with team.connect("carer") as connection:
        assert connection.execute("SELECT current_user").fetchone()[0] == team.names["carer"]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        team.connect("carer", "not the password")


def test_disabling_changing_and_resetting_an_account_changes_its_login_role(team):
    users = UserService(ActingDatabase(team.database, team.names["manager"]), SystemClock())
    users.set_active(team.names["spare"], False, team.manager)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        team.connect("spare")
    users.set_active(team.names["spare"], True, team.manager)
    users.set_role(team.names["spare"], Role.APPROVER, team.manager)
    with team.connect("spare") as connection:
        assert connection.execute("SELECT pg_has_role('pb_approver', 'MEMBER')").fetchone()[0]
        assert not connection.execute("SELECT pg_has_role('pb_practitioner', 'MEMBER')").fetchone()[0]
    users.reset_password(team.names["spare"], "one time pass", team.manager)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        team.connect("spare")
    team.connect("spare", "one time pass").close()


def test_no_account_can_grant_itself_a_role_or_change_accounts(team):
    with team.connect("carer") as connection:
        for statement in (
            "GRANT pb_practitioner TO CURRENT_USER",
            "GRANT pb_manager TO CURRENT_USER",
            "ALTER ROLE CURRENT_USER CREATEROLE",
            "ALTER ROLE CURRENT_USER BYPASSRLS",
            "SET ROLE pb_practitioner",
            "UPDATE app_user SET role = 'practitioner', can_manage_users = true WHERE username = current_user",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an active account manager"):
            connection.execute("SELECT pb_security.sync_account(%s)", (team.names["carer"],))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an active account manager"):
            connection.execute(
                "SELECT pb_security.set_password(%s, %s)",
                (team.names["analyst"], "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"),
            )
        assert connection.execute("SELECT pb_security.my_role(current_user)").fetchone()[0] == "individual"
    with team.connect("manager") as connection:  # a plain password never reaches the server
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="SCRAM"):
            connection.execute("SELECT pb_security.set_password(%s, 'plain text')", (team.names["carer"],))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("GRANT pb_manager TO CURRENT_USER")


# -- row-level security ------------------------------------------------------------------------


def test_a_carer_sees_only_their_persons_rows_in_every_table(team):
    mine = team.people[0]
    tables_with_rows = 0
    for table in sorted(postgres_security.SCOPES):
        expected = team.rows_about(table, mine)
        assert visible(team, "carer", table) == expected, table
        tables_with_rows += bool(expected)
    assert tables_with_rows >= 15  # the demo person has records in most tables
    with team.connect("carer") as connection:
        events = connection.execute("SELECT DISTINCT person_id FROM audit_event").fetchall()
        accounts = connection.execute("SELECT username FROM app_user").fetchall()
        links = connection.execute("SELECT person_id FROM account_person").fetchall()
    assert events == [(mine,)]  # the trail about their person only
    assert accounts == [(team.names["carer"],)]  # not the names of other people's carers
    assert links == [(mine,)]


def test_a_carer_cannot_write_another_persons_rows(team):
    mine, other = team.people[0], team.people[3]
    with team.connect("carer") as connection:
        assert connection.execute("UPDATE person SET name = 'changed' WHERE id = %s", (other,)).rowcount == 0
        assert connection.execute("DELETE FROM plan_cycle WHERE person_id = %s", (other,)).rowcount == 0
        assert (
            connection.execute(
                "UPDATE support_plan SET what_matters = 'x' WHERE person_id <> %s", (mine,)
            ).rowcount
            == 0
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(  # moving their own person's cycle to another person
                "UPDATE plan_cycle SET person_id = %s WHERE person_id = %s", (other, mine)
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(
                "INSERT INTO representative (person_id, position, name, role, relationship, phone, email) "
                "VALUES (%s, 0, 'x', 'carer', '', '', '')",
                (other,),
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(  # a person is added only by a practitioner
                "INSERT INTO person (name, date_of_birth, locality, primary_support_reason, created_at, updated_at) "
                "VALUES ('x', '1950-01-01', 'x', 'x', now(), now())"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(  # nor linked to more people by themselves
                "INSERT INTO account_person (user_id, person_id, linked_at, linked_by) "
                "SELECT id, %s, now(), 'me' FROM app_user WHERE username = current_user",
                (other,),
            )
    with team.admin() as connection:
        assert connection.execute("SELECT count(*) FROM person WHERE name = 'changed'").fetchone()[0] == 0


def test_an_analyst_sees_no_ones_rows(team):
    for table in sorted(postgres_security.SCOPES):
        assert visible(team, "analyst", table) == set(), table
    with team.connect("analyst") as connection:
        assert connection.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM break_glass").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM account_person").fetchone()[0] == 0


def test_a_broker_sees_the_people_linked_to_them(team):
    assert visible(team, "broker", "person") == {team.people[1]}
    assert visible(team, "broker", "ledger_transaction") == team.rows_about(
        "ledger_transaction", team.people[1]
    )


def test_a_practitioner_sees_their_people_the_waiting_list_and_with_the_setting_their_team(team):
    waiting = set(team.people[3:])
    assert visible(team, "north1", "person") == {team.people[0], *waiting}
    users = UserService(ActingDatabase(team.database, team.names["manager"]), SystemClock())
    users.set_team_visibility(True, team.manager)
    try:
        # North sees North's people; never South's (allocated in another team), setting or not.
        assert visible(team, "north1", "person") == {team.people[0], team.people[1], *waiting}
        assert visible(team, "south", "person") == {team.people[2], *waiting}
        assert visible(team, "north1", "plan_cycle") == set().union(
            *(team.rows_about("plan_cycle", p) for p in (team.people[0], team.people[1], *waiting))
        )
        with team.connect("carer") as connection:  # settings are written by the roles that may
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                connection.execute("INSERT INTO setting (key, value) VALUES ('export.threshold', '1')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                connection.execute("INSERT INTO setting (key, value) VALUES ('security.lock_minutes', '240')")
        with team.connect("north1") as connection:  # (a practitioner saves the lock-out minutes)
            connection.execute("INSERT INTO setting (key, value) VALUES ('security.lock_minutes', '10')")
            connection.execute("DELETE FROM setting WHERE key = 'security.lock_minutes'")
        with team.connect("north1") as connection:  # the team setting is the managers'
            changed = connection.execute(
                "UPDATE setting SET value = '0' WHERE key = 'access.team_visibility'"
            )
            assert changed.rowcount == 0
    finally:
        users.set_team_visibility(False, team.manager)


def test_break_glass_opens_a_person_to_a_practitioner_for_the_day(team):
    other = team.people[2]  # South's
    with team.connect("duty") as connection:
        assert connection.execute("SELECT count(*) FROM person WHERE id = %s", (other,)).fetchone()[0] == 0
        connection.execute(
            "INSERT INTO break_glass (person_id, username, opened_at, reason, allocated_worker) "
            "VALUES (%s, current_user, now(), 'duty call at night', '')",
            (other,),
        )
        assert connection.execute("SELECT count(*) FROM person WHERE id = %s", (other,)).fetchone()[0] == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(  # not in someone else's name
                "INSERT INTO break_glass (person_id, username, opened_at, reason, allocated_worker) "
                "VALUES (%s, %s, now(), 'duty call at night', '')",
                (other, team.names["north1"]),
            )
    with team.connect("carer") as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(
            "INSERT INTO break_glass (person_id, username, opened_at, reason, allocated_worker) "
            "VALUES (%s, current_user, now(), 'I want to look', '')",
            (other,),
        )


def test_a_break_glass_opening_lasts_twelve_hours_by_the_server_s_clock_whatever_the_client_says(team):
    """A modified client that dates its opening in 2099 (or moves it on later) would have the person
    open for ever: the server stamps the opening with its own clock and keeps it."""
    other = team.people[1]  # North's, not Duty's
    with team.connect("duty") as connection:
        connection.execute(
            "INSERT INTO break_glass (person_id, username, opened_at, reason, allocated_worker) "
            "VALUES (%s, current_user, '2099-01-01T00:00:00+00', 'for ever', %s)",
            (other, team.names["north2"]),
        )
        opened, late = connection.execute(
            "SELECT opened_at, now() - opened_at FROM break_glass WHERE username = current_user AND person_id = %s",
            (other,),
        ).fetchone()
        assert opened.year != 2099 and abs(late.total_seconds()) < 60
    with team.connect("north2") as connection:  # the worker told of it cannot re-date it either
        connection.execute(
            "UPDATE break_glass SET opened_at = '2099-01-01T00:00:00+00', seen_at = '2000-01-01T00:00:00+00' "
            "WHERE person_id = %s AND username = %s",
            (other, team.names["duty"]),
        )
    with team.admin() as connection:
        row = connection.execute(
            "SELECT opened_at = %s, now() - seen_at FROM break_glass WHERE person_id = %s AND username = %s",
            (opened, other, team.names["duty"]),
        ).fetchone()
        assert row[0] is True and abs(row[1].total_seconds()) < 60  # seen now, by the server's clock
        # Twelve hours later (as the DBA moves the clock on for the test), the person is closed again.
        connection.execute("ALTER TABLE break_glass DISABLE TRIGGER pb_break_glass_clock")
        connection.execute(
            "UPDATE break_glass SET opened_at = now() - interval '12 hours 1 minute' WHERE username = %s",
            (team.names["duty"],),
        )
        connection.execute("ALTER TABLE break_glass ENABLE TRIGGER pb_break_glass_clock")
    assert other not in visible(team, "duty", "person")


def test_an_approver_sees_plans_waiting_for_them_and_can_decide_one(team):
    with team.admin() as connection:
        connection.execute("UPDATE support_plan SET status = 'draft' WHERE status = 'submitted'")
        connection.execute("DELETE FROM plan_decision")  # (the demo's decisions were the dba's anyway)
        waiting = connection.execute(  # someone on the waiting list with a plan
            "SELECT min(person_id) FROM support_plan WHERE person_id = ANY(%s)", (team.people[3:],)
        ).fetchone()[0]
        assert waiting is not None
        connection.execute(
            "UPDATE support_plan SET status = 'submitted' WHERE id = (SELECT max(id) FROM support_plan "
            "WHERE person_id = %s)",
            (waiting,),
        )
    assert visible(team, "approver", "person") == {waiting}
    with team.connect("approver") as connection:  # the decision, as the service writes it
        connection.execute("BEGIN")
        plan = connection.execute("SELECT id FROM support_plan WHERE status = 'submitted'").fetchone()[0]
        connection.execute("UPDATE support_plan SET status = 'agreed' WHERE id = %s", (plan,))
        connection.execute(  # written after the plan's new status: still theirs in this transaction
            "INSERT INTO plan_decision (plan_id, decision, text, role, decided_at, decided_by) "
            "VALUES (%s, 'approve', '', 'approver', now(), current_user) RETURNING id",
            (plan,),
        )
        connection.execute("COMMIT")
    assert visible(team, "approver", "person") == {waiting}  # the plans they decided


OTHER_TABLES = ("audit_event", "break_glass", "account_person", "allocation")


def test_every_account_sees_the_same_rows_worked_out_row_by_row_or_as_a_set(team):
    # A break-glass opening (one practitioner) and the team setting on and off: every account,
    # every table, both ways (visible() asserts they agree; an account gains nothing by the setting).
    with team.connect("duty") as connection:
        connection.execute(
            "INSERT INTO break_glass (person_id, username, opened_at, reason, allocated_worker) "
            "VALUES (%s, current_user, now(), 'both ways agree', '')",
            (team.people[1],),
        )
    users = UserService(ActingDatabase(team.database, team.names["manager"]), SystemClock())
    seen = {}
    try:
        for team_on in (False, True):
            users.set_team_visibility(team_on, team.manager)
            for who in sorted(set(team.names) - {"spare"}):  # (its password was reset above)
                for table in (*sorted(postgres_security.SCOPES), *OTHER_TABLES):
                    seen[team_on, who, table] = visible(team, who, table)
    finally:
        users.set_team_visibility(False, team.manager)
        with team.admin() as connection:
            connection.execute("DELETE FROM break_glass WHERE reason = 'both ways agree'")
    assert team.people[1] in seen[False, "duty", "person"]  # (the break-glass counts both ways)
    assert seen[False, "analyst", "person"] == set() and seen[True, "analyst", "plan_cycle"] == set()
    assert seen[True, "north1", "person"] > seen[False, "north1", "person"]  # (the setting counts)


def test_a_carer_connected_with_psql_sees_only_their_persons_rows(team, pg_server):
    psql = shutil.which("psql") or str(pg_server.bin_dir / "psql")
    if not os.path.exists(psql):
        pytest.skip("psql is not installed")
    url = team.pg.url(user=team.names["carer"], password="")
    environment = {**os.environ, "PGPASSWORD": PASSWORD}
    done = subprocess.run(
        [psql, url, "-X", "-At", "-c", "SELECT id FROM person ORDER BY id", "-c",
         "SELECT count(*) FROM ledger_transaction WHERE person_id <> " + str(team.people[0]),
         "-c", "SELECT count(DISTINCT person_id) FROM plan_cycle"],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(team.people[0]), "0", "1"]
    done = subprocess.run(
        [psql, url, "-X", "-At", "-c", "DELETE FROM audit_event"],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "permission denied" in done.stderr


# -- the audit trail -----------------------------------------------------------------------------


def _verify(team: TeamCaseload) -> audit.AuditReport:
    return verify_trail(team.database)


def test_the_server_writes_each_change_s_event_as_the_signed_in_role_and_verify_checks_the_chain(team):
    before = _verify(team)
    assert before.ok, before.problems
    assert before.events > PEOPLE * 10  # the demo's records, each by the trigger
    with team.connect("north1") as connection:
        connection.execute("UPDATE person SET name = 'Renamed' WHERE id = %s", (team.people[0],))
        connection.execute(  # the app's own events in words go through the server too
            "SELECT pb_security.record_event('break-glass', 'break_glass', '0', '{\"reason\": \"test\"}', %s)",
            (team.people[0],),
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # but never a change event of its own
            connection.execute("SELECT pb_security.record_event('update', 'person', '1', '{}', NULL)")
    with team.admin() as connection:
        rows = connection.execute(
            "SELECT actor, action, table_name, summary, person_id FROM audit_event ORDER BY id DESC LIMIT 2"
        ).fetchall()
    assert rows[1] == (team.names["north1"], "update", "person", '{"name": "changed"}', team.people[0])
    assert rows[0][:3] == (team.names["north1"], "break-glass", "break_glass")
    after = _verify(team)
    assert after.ok, after.problems
    assert after.events == before.events + 2


def test_nobody_can_change_or_remove_audit_events(team):
    for who in ("carer", "north1", "manager", "approver", "analyst"):
        with team.connect(who) as connection:
            for statement in (
                "UPDATE audit_event SET summary = '{}'",
                "DELETE FROM audit_event",
                "TRUNCATE audit_event",
                "INSERT INTO audit_event (id, at, actor, action, table_name, row_id, summary, prev_hash, hash) "
                "VALUES (100000, now(), 'x', 'insert', 'person', '1', '{}', 'x', 'x')",
                "UPDATE setting SET value = '1:x' WHERE key = 'audit.head'",
            ):
                try:
                    changed = connection.execute(statement).rowcount
                except psycopg.errors.InsufficientPrivilege:
                    continue
                assert changed == 0, (who, statement)
    with team.admin() as connection, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        connection.execute("UPDATE audit_event SET summary = '{}' WHERE id = 1")  # even the administrator
    assert _verify(team).ok


def test_tampering_with_an_event_as_the_administrator_makes_verify_name_it(team, capsys, monkeypatch):
    from personalbudget.cli import run

    assert _verify(team).ok
    with team.admin() as connection:  # whoever checks the trail is given the whole of it
        connection.execute(f'GRANT pb_auditor TO "{team.names["manager"]}"')
    monkeypatch.setenv("PERSONALBUDGET_USER", team.names["manager"])
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    command = ["audit", "verify", "--db", team.pg.url(user=team.names["manager"], password="")]
    assert run(command) == 0, capsys.readouterr().err
    assert "Audit trail OK" in capsys.readouterr().out
    with team.admin() as connection:  # a superuser can switch the triggers off; the chain still tells
        connection.execute("SET session_replication_role = replica")
        actor = connection.execute("SELECT actor FROM audit_event WHERE id = 5").fetchone()[0]
        connection.execute("UPDATE audit_event SET actor = 'someone else' WHERE id = 5")
        try:
            report = _verify(team)
            assert not report.ok
            assert report.problems == ["Event 5 has been changed since it was written."]
            assert run(command) == 1
            assert "Event 5 has been changed since it was written." in capsys.readouterr().err
        finally:  # put back, for the module's other tests
            connection.execute("UPDATE audit_event SET actor = %s WHERE id = 5", (actor,))
    assert _verify(team).ok


def test_events_of_people_saving_at_the_same_time_chain_in_commit_order(team):
    first, second = team.connect("north1"), team.connect("north2")
    try:
        first.execute("BEGIN")
        first.execute("UPDATE person SET name = 'One' WHERE id = %s", (team.people[0],))
        second.execute("BEGIN")
        second.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):  # waits for the first to commit
            second.execute("UPDATE person SET name = 'Two' WHERE id = %s", (team.people[1],))
        second.execute("ROLLBACK")
        first.execute("COMMIT")
        second.execute("UPDATE person SET name = 'Two' WHERE id = %s", (team.people[1],))
    finally:
        first.close()
        second.close()
    assert _verify(team).ok


def test_every_table_of_the_caseload_has_a_security_rule():
    """A new table must be given a rule (person-scoped, shared or special) before it reaches a server."""
    from sqlmodel import SQLModel

    import personalbudget.storage.database  # noqa: F401  (registers every table)

    tables = set(SQLModel.metadata.tables) | {"alembic_version"}
    postgres_security.security_sql(sorted(tables), {t: ["id"] for t in tables}, "dba")  # raises if not
    with pytest.raises(postgres_security.UnknownTableError, match="new_table"):
        postgres_security.security_sql(["new_table"], {"new_table": ["id"]}, "dba")


def test_the_server_hashes_events_exactly_as_the_laptop_does(team):
    with team.admin() as connection:
        number, at, actor, action, table, row_id, summary, prev, digest = connection.execute(
            "SELECT id, at, actor, action, table_name, row_id, summary, prev_hash, hash FROM audit_event "
            "WHERE id = 2"
        ).fetchone()
    text = at.astimezone(UTC).isoformat(timespec="microseconds")
    assert isinstance(at, datetime) and text.endswith("+00:00")
    assert audit.event_hash(prev, number, text, actor, action, table, row_id, summary) == digest


# -- the services, signed in as each role (what the app does on a team caseload) ----------------------


def services_as(team: TeamCaseload, who: str, role: Role):  # type: ignore[no-untyped-def]
    database = open_server_database(team.pg.url(user=team.names[who], password=PASSWORD))  # type: ignore[attr-defined]
    return build_services(database, SystemClock(), actor=team.names[who], role=role)


def test_through_the_services_a_carer_reaches_only_their_person_and_is_told_why(team):
    from personalbudget.services.access import NotYourPersonError

    services = services_as(team, "carer", Role.INDIVIDUAL)
    try:
        assert [row.person_id for row in services.people.list_caseload()] == [team.people[0]]
        assert services.people.get_person(team.people[0]).id == team.people[0]
        with pytest.raises(NotYourPersonError, match="only for the person"):  # not "no such person"
            services.people.get_person(team.people[3])
    finally:
        services.context.db.close()


def test_through_the_services_a_practitioner_adds_a_person_and_opens_another_with_a_reason(team):
    from tests.core.helpers import person_form

    services = services_as(team, "duty", Role.PRACTITIONER)
    try:
        added = services.people.add_person(person_form(name="Dai Duty", nhs_number="", representatives=[]))
        assert added.id in {row.person_id for row in services.people.list_caseload()}  # theirs now
        with team.admin() as connection:
            worker = connection.execute(
                "SELECT worker FROM allocation WHERE person_id = %s AND ended_at IS NULL", (added.id,)
            ).fetchone()
            nhs = connection.execute(
                "SELECT nhs_number FROM person WHERE id = %s", (team.people[1],)
            ).fetchone()[0]
        assert worker == (team.names["duty"],)
        other = team.people[1]  # North's
        if nhs:
            assert services.access.find_by_nhs_number(nhs) == other
        services.access.break_glass(other, "Duty call: the person rang at night")
        assert services.people.get_person(other).id == other
    finally:
        services.context.db.close()
    with team.admin() as connection:
        event = connection.execute(
            "SELECT actor, summary, person_id FROM audit_event WHERE action = 'break-glass' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert event[0] == team.names["duty"] and "Duty call" in event[1] and event[2] == other


def test_through_the_services_an_approver_agrees_a_plan_written_by_a_practitioner(team):
    from personalbudget.domain.plan import Decision

    with team.admin() as connection:  # a plan waiting at step 3 (the demo's own plan, submitted)
        person, plan, cycle = connection.execute(
            "SELECT p.person_id, p.id, p.cycle_id FROM support_plan p JOIN plan_cycle c ON c.id = p.cycle_id "
            "WHERE c.status = 'open' AND p.person_id <> ALL(%s) ORDER BY p.id DESC LIMIT 1",
            (team.people[:3],),
        ).fetchone()
        connection.execute("UPDATE support_plan SET status = 'submitted' WHERE id = %s", (plan,))
        connection.execute("UPDATE plan_cycle SET current_step = 3 WHERE id = %s", (cycle,))
    services = services_as(team, "approver", Role.APPROVER)
    try:
        assert person in {row.person_id for row in services.people.list_caseload()}
        view = services.plans.decide(person, Decision.APPROVE, "", "Team manager")
        assert view.status == "agreed"
    finally:
        services.context.db.close()
    with team.admin() as connection:
        # (the newest decision: a demo plan can carry an earlier one, e.g. returned and sent again)
        decision_id, *decided = connection.execute(
            "SELECT id, decided_by FROM plan_decision WHERE plan_id = %s ORDER BY id DESC LIMIT 1", (plan,)
        ).fetchone()
        decided = tuple(decided)
        actors = {
            r[0]
            for r in connection.execute(
                "SELECT DISTINCT actor FROM audit_event WHERE table_name = 'plan_decision' AND row_id = %s",
                (str(decision_id),),
            )
        }
    assert decided == (team.names["approver"],)
    assert actors == {team.names["approver"]}  # the server's event, by the signed-in role
    assert _verify(team).ok


def _opened(services, person: int) -> None:  # type: ignore[no-untyped-def]
    """What the person workspace reads when it opens a person (the person, the cycle, its history,
    a step page's plan and review), as it reads them: one unit of work."""
    with services.context.unit_of_work():
        services.people.get_person(person)
        services.lifecycle.get_cycle(person)
        services.lifecycle.history(person)
        services.plans.get_plan(person)
        services.reviews.current(person)


def test_a_person_opened_is_one_transaction_in_which_the_server_still_shows_only_what_rls_allows(team):
    from sqlalchemy import event, text

    from personalbudget.services.access import NotYourPersonError

    services = services_as(team, "north1", Role.PRACTITIONER)
    mine, souths = team.people[0], team.people[2]
    transactions: list[object] = []
    statements: list[str] = []
    engine = services.context.db.engine
    event.listen(engine, "begin", transactions.append)
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_rest: statements.append(sql))
    try:
        _opened(services, mine)
        assert len(transactions) == 1  # was one per read and one per access check: 10
        checks = [sql for sql in statements if "app_user" in sql]  # the account, whom it reaches
        assert len(checks) == 2, checks  # once each for the open, not three times for each of its reads
        transactions.clear()
        with services.context.unit_of_work():
            assert services.people.get_person(mine).id == mine
            with pytest.raises(NotYourPersonError, match="not one of your people"):
                services.people.get_person(souths)  # the services' own check, and its words
            with services.context.db.session() as session:  # the same transaction, asked directly
                for table, column in (
                    ("person", "id"),
                    ("plan_cycle", "person_id"),
                    ("support_plan", "person_id"),
                ):
                    sql = text(f"SELECT count(*) FROM {table} WHERE {column} = :p")
                    assert session.execute(sql, {"p": souths}).scalar() == 0, table  # the server's rule
                    assert session.execute(sql, {"p": mine}).scalar() > 0 or table == "support_plan"
        assert len(transactions) == 1
    finally:
        services.context.db.close()


def _reallocate(team: TeamCaseload, person: int, worker: str) -> None:
    with team.admin() as connection:
        connection.execute(
            "UPDATE allocation SET ended_at = now() WHERE person_id = %s AND ended_at IS NULL", (person,)
        )
        connection.execute(
            "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_by) "
            "VALUES (%s, %s, now(), 'dba', 'test', '')",
            (person, team.names[worker]),
        )


def test_a_person_allocated_away_between_two_opens_is_refused_at_the_next_open(team):
    from personalbudget.services.access import NotYourPersonError

    services = services_as(team, "north2", Role.PRACTITIONER)
    person = team.people[1]  # Ned's (north2's)
    try:
        _opened(services, person)
        _reallocate(team, person, "south")  # the team manager moves them to Sam, on another machine
        try:
            with pytest.raises(NotYourPersonError, match="not one of your people"):
                _opened(services, person)  # the same window, the same connection: asked afresh
            with pytest.raises(NotYourPersonError):
                services.plans.get_plan(person)
        finally:
            _reallocate(team, person, "north2")
        _opened(services, person)  # given back: theirs again at once
    finally:
        services.context.db.close()


def test_within_one_unit_of_work_a_change_of_who_reaches_whom_counts_at_once(team):
    from personalbudget.services.access import NotYourPersonError

    services = services_as(team, "duty", Role.PRACTITIONER)
    person = team.people[4]  # on the waiting list: every practitioner reaches them
    try:
        with services.context.unit_of_work():
            services.people.get_person(person)
            services.access.allocate(person, team.names["south"], "Sam takes them on")
            with pytest.raises(NotYourPersonError):  # not what the unit of work worked out before
                services.lifecycle.get_cycle(person)
    finally:
        services.context.db.close()
        with team.admin() as connection:  # (back on the waiting list for the other tests)
            ended = connection.execute(
                "UPDATE allocation SET ended_at = now() WHERE person_id = %s AND ended_at IS NULL RETURNING worker",
                (person,),
            ).fetchall()
    assert ended == [(team.names["south"],)]  # the allocation was saved with the unit of work


def test_signing_in_and_changing_a_password_are_checked_by_the_server(team):
    from personalbudget.services.user_service import SignInError

    carer = team.names["carer"]
    database = open_server_database(team.pg.url(user=carer, password=PASSWORD))  # type: ignore[attr-defined]
    users = UserService(ActingDatabase(database, carer), SystemClock())
    try:
        assert users.sign_in(carer, PASSWORD).role is Role.INDIVIDUAL
        with pytest.raises(SignInError, match="not right"):
            users.sign_in(carer, "not the password")
        users.change_password(carer, PASSWORD, "a new long password")
        team.connect("carer", "a new long password").close()
        users.change_password(carer, "a new long password", PASSWORD)  # (back, for the other tests)
    finally:
        database.close()
    with team.admin() as connection:
        assert connection.execute(
            "SELECT password_hash FROM app_user WHERE username = %s", (carer,)
        ).fetchone() == (SERVER_PASSWORD,)


def test_an_account_cannot_take_the_name_of_a_server_role(team):
    from personalbudget.errors import ValidationError

    users = UserService(ActingDatabase(team.database, team.names["manager"]), SystemClock())
    for name in ("postgres", "pb_manager", "pg_monitor"):
        with pytest.raises(ValidationError, match="already uses that name") as refused:
            users.create_user(name, "Not A Role", PASSWORD, Role.PRACTITIONER, by=team.manager)
        assert refused.value.errors[0].field == "username"
    with team.admin() as connection:
        assert (
            connection.execute("SELECT count(*) FROM app_user WHERE username = 'postgres'").fetchone()[0] == 0
        )
        assert connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'").fetchone()[0]


def test_a_dba_who_is_not_a_superuser_sets_up_a_team_caseload_bound_by_its_own_policy(pg_server):
    """On a managed server the DBA is no superuser: a role that may create roles and databases."""
    from personalbudget.storage.server import create_schema

    suffix = secrets.token_hex(3)
    dba, name, manager = f"dba_{suffix}", f"pb_dba_{suffix}", f"meg.{suffix}"
    with pg_server.connect() as connection:
        connection.execute(f"CREATE ROLE {dba} LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
        connection.execute(f'CREATE DATABASE "{name}" OWNER {dba}')
    try:
        create_schema(pg_server.url(name, user=dba, password=PASSWORD))
        database = open_server_database(pg_server.url(name, user=dba, password=PASSWORD))
        try:
            users = UserService(ActingDatabase(database, dba), SystemClock())
            users.create_user(manager, "Meg Manager", PASSWORD, Role.PRACTITIONER)
            with database.engine.begin() as connection:
                connection.exec_driver_sql(
                    "INSERT INTO person (name, date_of_birth, locality, primary_support_reason, created_at, "
                    "updated_at) VALUES ('Waiting', '1950-01-01', 'x', 'x', now(), now())"
                )
            with database.engine.connect() as connection:  # forced RLS, and the set-up role's own policy
                forced = connection.exec_driver_sql(
                    "SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN ('person', 'audit_event')"
                ).scalar()
                assert forced and connection.exec_driver_sql("SELECT count(*) FROM person").scalar() == 1
        finally:
            database.close()
        with psycopg.connect(pg_server.url(name, user=manager, password=PASSWORD)) as connection:
            assert connection.execute("SELECT name FROM person").fetchall() == [
                ("Waiting",)
            ]  # the waiting list
            actors = {r[0] for r in connection.execute("SELECT actor FROM audit_event")}
        assert actors == {dba}  # what the set-up did, by the set-up role (the manager sees it)
    finally:
        with pg_server.connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{manager}"')
            connection.execute(f"DROP ROLE IF EXISTS {dba}")


def test_verify_says_when_the_role_sees_only_part_of_the_trail(team):
    database = open_server_database(team.url("north1"))
    try:
        report = verify_trail(database)
    finally:
        database.close()
    assert not report.ok
    assert "of the trail's" in report.problems[0] and "pb_auditor" in report.problems[0]


def test_an_uploaded_trail_records_the_person_of_each_event_and_still_verifies(tmp_path, pg_empty_database):
    from personalbudget.storage.database import open_database
    from personalbudget.storage.server import server_url
    from personalbudget.storage.upload import upload_caseload
    from tests.core.helpers import person_form

    laptop = open_database(tmp_path / "laptop.db")  # a plain file: the upload reads any caseload it opens
    try:
        services = build_services(laptop, SystemClock(), "laptop.practitioner")
        person = services.people.add_person(person_form()).id
        upload_caseload(laptop, server_url(pg_empty_database.superuser_url))
    finally:
        laptop.close()
    with pg_empty_database.connect() as connection:
        events = connection.execute("SELECT table_name, person_id FROM audit_event ORDER BY id").fetchall()
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):  # only the upload may
            connection.execute("UPDATE audit_event SET person_id = NULL WHERE id = 1")
    about = {table: p for table, p in events if table in ("person", "representative", "plan_cycle")}
    assert about and set(about.values()) == {person}
    database = open_server_database(pg_empty_database.superuser_url)
    try:
        assert verify_trail(database).ok  # the person is not part of the hash
    finally:
        database.close()


def _grant_reporting(team: TeamCaseload, who: str, granted: bool) -> None:
    statement = "GRANT pb_reporting TO {r}" if granted else "REVOKE pb_reporting FROM {r}"
    with team.admin() as connection:
        connection.execute(statement.format(r=f'"{team.names[who]}"'))


def test_exports_cover_the_whole_team_caseload_and_only_pb_reporting_accounts_run_them(team, tmp_path):
    """An export from a team caseload must be of everyone on it, as from a laptop: an account that
    reaches only some people is refused in words (not given figures about its own few), and an
    account the DBA puts in pb_reporting exports exactly what the DBA's own session would."""
    from personalbudget.errors import PersonalBudgetError
    from personalbudget.export.hub import create_hub
    from personalbudget.services.export_service import financial_year
    from personalbudget.storage.keys import MemorySecretStore

    period = financial_year(SystemClock().today())
    system = build_services(team.database, SystemClock(), actor="dba", system=True)
    everyone = system.export.preview(*period)
    hub = create_hub(tmp_path / "hub", MemorySecretStore(), lambda _creating: None, datetime.now(UTC))
    whole = system.export.contribution(tmp_path / "dba.pbcontrib", hub.public, *period)
    assert whole.people >= 3  # most demo people have an agreed budget this year
    for who, role in (("analyst", Role.ANALYST), ("north1", Role.PRACTITIONER)):
        services = services_as(team, who, role)
        try:
            with pytest.raises(PersonalBudgetError, match="pb_reporting"):
                services.export.preview(*period)
            if role is Role.PRACTITIONER:
                with pytest.raises(PersonalBudgetError, match="pb_reporting"):
                    services.export.contribution(tmp_path / "refused.pbcontrib", hub.public, *period)
                assert not (tmp_path / "refused.pbcontrib").exists()
        finally:
            services.context.db.close()
    _grant_reporting(team, "analyst", True)
    _grant_reporting(team, "north1", True)
    try:
        services = services_as(team, "analyst", Role.ANALYST)
        try:
            assert services.export.preview(*period).content_hash == everyone.content_hash
        finally:
            services.context.db.close()
        services = services_as(team, "north1", Role.PRACTITIONER)
        try:
            sent = services.export.contribution(tmp_path / "team.pbcontrib", hub.public, *period)
            assert (sent.people, sent.fallback_keys) == (whole.people, whole.fallback_keys)
        finally:
            services.context.db.close()
        with team.admin() as connection:
            on_caseload = connection.execute("SELECT count(*) FROM person").fetchone()[0]
        with team.connect("analyst") as connection:  # reading, never writing
            assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == on_caseload
            assert connection.execute("UPDATE person SET locality = 'x'").rowcount == 0
            assert connection.execute("DELETE FROM ledger_transaction").rowcount == 0
    finally:
        _grant_reporting(team, "analyst", False)
        _grant_reporting(team, "north1", False)
    with team.connect("analyst") as connection:
        assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == 0


def test_the_ledger_totals_kept_for_the_export_follow_an_accounts_writes_under_its_row_rules(team):
    """The triggers keeping ledger_spend_total run as the account writing the ledger row, bound by the
    same row rules as the ledger (issue 18); what the account cannot see of it, it does not change."""
    from personalbudget.services.ledger_service import TransactionForm
    from personalbudget.storage import ledger_totals

    with team.connect("north1") as connection:
        mine = sorted({r[0] for r in connection.execute("SELECT DISTINCT person_id FROM ledger_transaction")})
        seen_totals = {r[0] for r in connection.execute("SELECT DISTINCT person_id FROM ledger_spend_total")}
    assert mine and seen_totals == set(mine)
    with team.admin() as connection:
        assert {
            r[0] for r in connection.execute("SELECT DISTINCT person_id FROM ledger_spend_total")
        } > seen_totals
    services = services_as(team, "north1", Role.PRACTITIONER)
    try:
        spent = services.ledger.add_transaction(
            mine[0], TransactionForm(date(2026, 4, 2), "12.34", False, "Bus", category="transport")
        )
        refund = services.ledger.add_transaction(
            mine[0], TransactionForm(date(2026, 4, 3), "2.00", True, "Back")
        )
        services.ledger.link_transactions(mine[0], [spent], None, "equipment")
        with team.database.engine.connect() as connection:
            assert ledger_totals.disagreements(connection) == 0
            kept = connection.exec_driver_sql(
                "SELECT spent_pence FROM ledger_spend_total WHERE year_from = 2026 AND person_id = %(p)s "
                "AND plan_item_id = 0 AND category = 'equipment'",
                {"p": mine[0]},
            ).scalar()
            assert kept is not None and kept >= 1234
        for transaction in (spent, refund):
            services.ledger.delete_transaction(mine[0], transaction)
        with team.database.engine.connect() as connection:
            assert ledger_totals.disagreements(connection) == 0
    finally:
        services.context.db.close()
