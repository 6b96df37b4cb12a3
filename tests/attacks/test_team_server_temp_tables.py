"""Shadowing the server's tables with temporary ones: an account connected directly (psql, or a
modified client) makes a temporary ``account_person``, ``app_user`` or ``audit_event`` of its own.

PostgreSQL searches a session's temporary schema *before* the search_path unless pg_temp is named
in it, so a SECURITY DEFINER function whose search_path leaves pg_temp out reads the intruder's
table instead of the real one. Before this was fixed, a carer who made a temporary
``account_person`` linking them to every id saw every person on the caseload (6 of 6 here, not 1).

Two layers are attacked: accounts may not make temporary tables at all; and where a DBA has
granted that anyway (an old set-up granted TEMPORARY; a DBA may grant it to PUBLIC), the rules
still read only the real tables. Each attack must recover nothing.
"""

from __future__ import annotations

import pytest

from personalbudget.storage import postgres_security
from tests.core import test_postgres_security as rls

psycopg = pytest.importorskip("psycopg")
team = rls.team  # the same demo team caseload and accounts as the RLS tests (a copy for this module)


def _grant_temporary(team, granted: bool) -> None:  # type: ignore[no-untyped-def]
    verb = (
        "GRANT TEMPORARY ON DATABASE {db} TO pb_account"
        if granted
        else "REVOKE TEMPORARY ON DATABASE {db} FROM pb_account"
    )
    with team.admin() as connection:
        connection.execute(verb.format(db=f'"{team.pg.name}"'))


@pytest.fixture
def temporary_granted(team):  # type: ignore[no-untyped-def]
    """As a DBA might leave it: every account may make temporary tables."""
    _grant_temporary(team, True)
    yield team
    _grant_temporary(team, False)


def test_an_account_may_not_make_temporary_tables(team):
    with team.connect("carer") as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("CREATE TEMP TABLE account_person (id int, user_id int, person_id int)")


def test_a_carer_shadowing_their_links_still_sees_only_their_person(temporary_granted):
    team = temporary_granted
    mine = team.people[0]
    with team.connect("carer") as connection:
        me = connection.execute("SELECT id FROM app_user WHERE username = current_user").fetchone()[0]
        connection.execute("CREATE TEMP TABLE account_person (id int, user_id int, person_id int)")
        connection.execute(
            "INSERT INTO pg_temp.account_person SELECT g, %s, g FROM generate_series(1, 100000) g", (me,)
        )
        seen = {r[0] for r in connection.execute("SELECT id FROM public.person")}
        events = {r[0] for r in connection.execute("SELECT DISTINCT person_id FROM public.audit_event")}
    assert seen == {mine}
    assert events == {mine}


def test_a_carer_shadowing_the_accounts_gains_no_role(temporary_granted):
    team = temporary_granted
    with team.connect("carer") as connection:
        connection.execute(
            "CREATE TEMP TABLE app_user AS SELECT * FROM public.app_user WHERE username = current_user"
        )
        # as a practitioner of no team: would reach the whole waiting list; as a manager: everything
        connection.execute("UPDATE pg_temp.app_user SET role = 'practitioner', can_manage_users = true")
        seen = {r[0] for r in connection.execute("SELECT id FROM public.person")}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT pb_security.sync_account(%s)", (team.names["carer"],))
    assert seen <= {team.people[0]}  # no more than their own person (none, if the account no longer checks)


def test_a_practitioner_shadowing_the_trail_still_has_their_change_recorded(temporary_granted):
    team = temporary_granted
    with team.admin() as connection:
        before = connection.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    with team.connect("north1") as connection:
        connection.execute("CREATE TEMP TABLE audit_event AS SELECT * FROM public.audit_event WITH NO DATA")
        connection.execute("CREATE TEMP TABLE setting AS SELECT * FROM public.setting WITH NO DATA")
        connection.execute("UPDATE public.person SET locality = 'Shadowed' WHERE id = %s", (team.people[0],))
        hidden = connection.execute("SELECT count(*) FROM pg_temp.audit_event").fetchone()[0]
    with team.admin() as connection:
        after = connection.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        last = connection.execute(
            "SELECT actor, action, table_name, person_id FROM audit_event ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert hidden == 0
    assert after == before + 1
    assert last == (team.names["north1"], "update", "person", team.people[0])


def test_every_security_definer_function_names_pg_temp_last(team):
    with team.admin() as connection:
        rows = connection.execute(
            "SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.prosecdef AND n.nspname = %s",
            (postgres_security.SCHEMA,),
        ).fetchall()
    assert len(rows) >= 15
    for name, config in rows:
        paths = [c for c in config or () if c.startswith("search_path=")]
        assert paths, name
        assert paths[0].replace(" ", "").endswith(",pg_temp"), (name, paths[0])
