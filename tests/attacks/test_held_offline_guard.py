"""A person held offline is read-only on the server (issue 22): attacked by accounts that connect
directly (psql, or a modified client), as a motivated intruder with a real login would.

Nia holds two people on her laptop: one of her own (whose broker is Bob) and one from the team's
waiting list (whom Ned, the manager and Ann the approver reach too), whose plan waits for Ann's
decision. Each intruder tries to change their rows: every person-scoped table, by UPDATE, DELETE
and INSERT; the hold itself (release it, steal it, move it to another laptop, undo a revoke); a
receipt of a sync or a laptop's own table forged; the guard switched off (its trigger, the
replication role, row-level security, another role, its functions called by hand); the holder's
sync pretended (the setting it trusts, set by someone else or for another person). And the two
narrow ways through a hold: an approver's decision that changes anything else with it, a broker
writing outside their money work. Each must be refused by the server and leave every held row
byte-for-byte as it was (a snapshot of every table, read as the DBA, before and after).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from personalbudget.services import offline_service
from personalbudget.storage.postgres_security import (
    _PERSON_OF,
    BROKER_HELD_TABLES,
    HELD_OFFLINE,
    KEPT,
    OFFLINE_SYNC,
    SCHEMA,
    SCOPES,
)
from tests.core.offline_helpers import (  # noqa: F401  (fixtures)
    Office,
    laptop_path,
    office_fixture,
    office_template_fixture,
    submit_on_server,
    take_as,
)

TABLES: dict[str, tuple[str, str]] = {**SCOPES, **KEPT}  # every table of a person's rows
SNAPSHOT = (*TABLES, "offline_hold", "offline_sync", "offline_server_event")
NO_PRIVILEGE = "42501"
# Who attacks whom: each intruder's held person is one they reach (so row-level security alone
# does not stop them, and the refusal is the guard's).
INTRUDERS = {
    "ned": "waiting",  # a practitioner of the same team, not the holder
    "manager": "waiting",  # a practitioner who manages the team's accounts
    "nia": "own",  # the holder, outside a sync (her copy is on the laptop)
    "ann": "waiting",  # the approver
    "bob": "own",  # the person's broker
}


@dataclass
class Held:
    """The team caseload with two people held offline by Nia on laptop-a."""

    office: Office
    own: int  # one of Nia's people, Bob's too
    waiting: int  # from the waiting list, their plan submitted for a decision
    admin: psycopg.Connection[Any]
    before: dict[str, str]

    def person(self, who: str) -> int:
        return self.own if INTRUDERS[who] == "own" else self.waiting

    def snapshot(self) -> dict[str, str]:
        return snapshot(self.admin)

    def unchanged(self) -> None:
        after = self.snapshot()
        changed = [t for t in SNAPSHOT if after[t] != self.before[t]]
        assert not changed, f"the attack changed {changed}"


def snapshot(admin: psycopg.Connection[Any]) -> dict[str, str]:
    """Every row of every person's table, the holds, the receipts and the laptop-only tables, as text."""
    sql = " UNION ALL ".join(
        f"SELECT '{t}', coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') FROM {t} x"
        for t in SNAPSHOT
    )
    return {t: rows for t, rows in admin.execute(sql).fetchall()}


@pytest.fixture(name="held")
def held_fixture(office: Office, tmp_path, keys) -> Iterator[Held]:  # type: ignore[no-untyped-def]
    own, waiting = office.people[0], office.people[4]
    submit_on_server(office, waiting)
    with (
        office.admin() as admin
    ):  # the waiting person's money too (spent: a kept total) and their past worker
        admin.execute(
            "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, category, source, "
            "recorded_at, recorded_by) VALUES (%s, '2026-10-02', -1875, 'Eastfield Leisure', '', 'manual', now(), "
            "'dba')",
            (waiting,),
        )
        admin.execute(
            "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_at, ended_by) "
            "VALUES (%s, %s, now(), 'dba', 'moved', now(), 'dba')",
            (waiting, office.names["ned"]),
        )
    take_as(office, "nia", laptop_path(tmp_path), keys, [own, waiting])
    with office.admin() as admin:
        admin.autocommit = True
        yield Held(office, own, waiting, admin, snapshot(admin))


def _refused(held: Held, who: str, statements: list[str], params: dict[str, object], *codes: str) -> str:
    """Run the statements as ``who`` in one transaction: the server must refuse them (with one of
    ``codes``: held offline unless said), and nothing of any held person may change."""
    try:
        with held.office.raw(who) as raw, raw.transaction():
            for statement in statements:
                raw.execute(statement, params)
    except psycopg.Error as refused:
        assert refused.sqlstate in (codes or (HELD_OFFLINE,)), (
            who,
            statements,
            refused.sqlstate,
            str(refused),
        )
        held.unchanged()
        return str(refused)
    after = held.snapshot()
    changed = [t for t in SNAPSHOT if after[t] != held.before[t]]
    pytest.fail(f"the server let {who} do {statements[-1]!r} (changed: {changed})")


def _achieves_nothing(held: Held, who: str, statements: list[str], params: dict[str, object]) -> str | None:
    """Run the statements as ``who``: refused (the SQLSTATE), or let run and changing nothing (None:
    they reached no row)."""
    try:
        with held.office.raw(who) as raw, raw.transaction():
            for statement in statements:
                raw.execute(statement, params)
    except psycopg.Error as refused:
        held.unchanged()
        return refused.sqlstate
    after = held.snapshot()
    changed = [t for t in SNAPSHOT if after[t] != held.before[t]]
    assert not changed, f"the server let {who} do {statements[-1]!r} (changed: {changed})"
    return None


def _of_person(table: str) -> str:
    """An SQL condition that row ``x`` of the table is person ``%(p)s``'s (through its parents)."""
    kind, column = TABLES[table]
    if kind == "self":
        return "x.id = %(p)s"
    if kind == "person":
        return f"x.{column} = %(p)s"
    return "(" + _PERSON_OF[kind].replace("$1", f"x.{column}") + ") = %(p)s"


def _changes(table: str) -> dict[str, str]:
    """A real change of each kind to the person's rows of the table: renumber them, remove them,
    add a copy (a new row of the same person)."""
    where = _of_person(table)
    if table in KEPT:
        update = f"UPDATE {table} x SET spent_pence = spent_pence + 1 WHERE {where}"
        fresh = "jsonb_build_object('year_from', x.year_from + 100)"
    else:
        update = f"UPDATE {table} x SET id = nextval(pg_get_serial_sequence('{table}', 'id')) WHERE {where}"
        fresh = f"jsonb_build_object('id', nextval(pg_get_serial_sequence('{table}', 'id')))"
    changes = {
        "UPDATE": update,
        "DELETE": f"DELETE FROM {table} x WHERE {where}",
        "INSERT": f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(x) || {fresh})).* "
        f"FROM {table} x WHERE {where} LIMIT 1",
    }
    if TABLES[table][0] == "self":
        del changes["INSERT"]  # (a new person is no held person's row)
    return changes


@pytest.mark.parametrize("who", list(INTRUDERS))
def test_no_account_changes_any_row_of_a_held_person(held: Held, who: str) -> None:
    person = held.person(who)
    allowed = set(BROKER_HELD_TABLES) if who == "bob" else set()  # (the broker's money work goes on)
    attacked: list[str] = []
    with held.office.raw(who) as raw:
        visible = {
            t: raw.execute(f"SELECT count(*) FROM {t} x WHERE {_of_person(t)}", {"p": person}).fetchone()[0]
            for t in TABLES
        }
    for table in sorted(t for t, n in visible.items() if n and t not in allowed):
        for op, statement in _changes(table).items():
            outcome = _achieves_nothing(held, who, [statement], {"p": person})
            attacked.append(f"{op} {table} {outcome}")
    # Most of the person's tables have rows, each was attacked three ways, and nearly every attack
    # reached the rows and was refused by the guard (the rest reached no row: the account may not
    # write that table at all, as allocations are not removed).
    assert len({a.split()[1] for a in attacked}) >= 14, attacked
    others = [a for a in attacked if not a.endswith(f" {HELD_OFFLINE}")]
    assert len(others) <= 6 and all(a.endswith((" None", f" {NO_PRIVILEGE}")) for a in others), others


@pytest.mark.parametrize(
    ("who", "statement"),
    [
        ("ned", "UPDATE person SET locality = 'Moved Away', nhs_number = NULL WHERE id = %(p)s"),
        ("nia", "UPDATE person SET name = 'Someone Else' WHERE id = %(p)s"),
        (
            "manager",
            "UPDATE allocation SET ended_at = now(), ended_by = session_user WHERE person_id = %(p)s",
        ),
        (
            "manager",
            "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_by) "
            "VALUES (%(p)s, session_user, now(), session_user, 'mine now', '')",
        ),
        ("ned", "UPDATE support_plan SET what_matters = 'Nothing' WHERE person_id = %(p)s"),
        (
            "ned",
            "UPDATE plan_support_item SET unit_cost_pence = unit_cost_pence * 10 "
            "WHERE plan_id IN (SELECT id FROM support_plan WHERE person_id = %(p)s)",
        ),
        (
            "ann",
            "UPDATE agreed_budget SET annual_pence = annual_pence * 2 "
            "WHERE cycle_id IN (SELECT id FROM plan_cycle WHERE person_id = %(p)s)",
        ),
        (
            "nia",
            "UPDATE support_arrangement SET unit_rate_pence = unit_rate_pence * 3 "
            "WHERE cycle_id IN (SELECT id FROM plan_cycle WHERE person_id = %(p)s)",
        ),
        ("nia", "UPDATE ledger_transaction SET amount_pence = amount_pence - 100000 WHERE person_id = %(p)s"),
        (
            "nia",
            "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, category, source, "
            "recorded_at, recorded_by) VALUES (%(p)s, '2026-11-02', -99999, 'Cash', '', 'manual', now(), session_user)",
        ),
        ("ned", "UPDATE ledger_spend_total SET spent_pence = 0 WHERE person_id = %(p)s"),
        ("ned", "DELETE FROM ledger_spend_total WHERE person_id = %(p)s"),
        ("bob", "UPDATE person SET locality = 'Broker Street' WHERE id = %(p)s"),
        ("bob", "UPDATE plan_cycle SET status = 'closed' WHERE person_id = %(p)s"),
        ("bob", "DELETE FROM representative WHERE person_id = %(p)s"),
        ("bob", "UPDATE categorisation_rule SET category = 'other' WHERE person_id = %(p)s"),
        (
            "bob",
            "INSERT INTO contribution_payment (person_id, paid_on, amount_pence, note, recorded_at, recorded_by) "
            "VALUES (%(p)s, '2026-11-02', 100, '', now(), session_user)",
        ),
        (
            "bob",
            "UPDATE payment_schedule SET amount_pence = 0 WHERE management_id IN (SELECT m.id FROM "
            "budget_management m JOIN plan_cycle c ON c.id = m.cycle_id WHERE c.person_id = %(p)s)",
        ),
    ],
)
def test_a_held_persons_records_stay_as_they_are(held: Held, who: str, statement: str) -> None:
    person = held.person(who)
    table = statement.replace("DELETE FROM", "UPDATE").replace("INSERT INTO", "UPDATE").split()[1]
    with held.office.raw(
        who
    ) as raw:  # (the intruder reaches the rows they aim at: RLS alone would not stop them)
        assert raw.execute(
            f"SELECT count(*) FROM {table} x WHERE {_of_person(table)}", {"p": person}
        ).fetchone()[0] or statement.startswith("INSERT")
    _refused(held, who, [statement], {"p": person})


def test_the_broker_may_do_their_money_work_and_nothing_more(held: Held) -> None:
    """(The control: what the broker may do goes through, so the refusals above are the guard's.)"""
    with held.office.raw("bob") as raw, raw.transaction():
        added = raw.execute(
            "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, category, source, "
            "recorded_at, recorded_by) VALUES (%s, '2026-11-02', -1234, 'Bus pass', '', 'manual', now(), "
            "session_user) RETURNING id",
            (held.own,),
        ).fetchone()[0]
        raw.execute("UPDATE ledger_transaction SET description = 'Bus fare' WHERE id = %s", (added,))
        raw.execute("DELETE FROM ledger_transaction WHERE id = %s", (added,))
        raw.execute(
            "UPDATE ledger_transaction SET description = description || '.' WHERE person_id = %s", (held.own,)
        )
        raise psycopg.Rollback()
    held.unchanged()


# -- the hold itself ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "statement", "codes"),
    [
        ("nia", "UPDATE offline_hold SET released_at = now() WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        ("nia", "UPDATE offline_hold SET revoked_at = now() WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        ("nia", "DELETE FROM offline_hold WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        ("ned", "DELETE FROM offline_hold WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        ("manager", "DELETE FROM offline_hold WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        ("manager", "UPDATE offline_hold SET released_at = now() WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        # Taking a held person again (a second hold, for oneself or for the holder, on another laptop)
        (
            "ned",
            "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id) "
            "VALUES (%(p)s, session_user, 'ned-laptop', 'laptop-b', now(), 'ned-sync')",
            ("23505",),
        ),
        (  # ... pretending it is released or revoked already, to pass the index of active holds
            "ned",
            "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id, "
            "released_at, revoked_at) VALUES (%(p)s, session_user, 'ned-laptop', 'laptop-b', now(), 'ned-sync', "
            "now(), now())",
            ("23505",),
        ),
        (
            "ned",
            "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id) "
            "SELECT %(p)s, h.held_by, 'ned-laptop', 'laptop-b', now(), 'ned-sync' FROM offline_hold h "
            "WHERE h.person_id = %(p)s",
            (NO_PRIVILEGE,),
        ),
        (
            "ann",
            "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id) "
            "VALUES (%(p)s, session_user, 'x', 'x', now(), 'x')",
            (NO_PRIVILEGE, "23505"),
        ),
        (
            "bob",
            "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id) "
            "VALUES (%(p)s, session_user, 'x', 'x', now(), 'x')",
            (NO_PRIVILEGE, "23505"),
        ),
        # A receipt of a sync that never was (so the laptop's real one would be "already applied")
        (
            "nia",
            "INSERT INTO offline_sync (sync_id, person_id, laptop_id, synced_by, synced_at, rows_applied, "
            "events_appended) SELECT h.sync_id, h.person_id, h.laptop_id, session_user, now(), 0, 0 "
            "FROM offline_hold h WHERE h.person_id = %(p)s",
            (NO_PRIVILEGE,),
        ),
        (
            "ned",
            "INSERT INTO offline_sync (sync_id, person_id, laptop_id, synced_by, synced_at, rows_applied, "
            "events_appended) VALUES ('forged', %(p)s, 'x', session_user, now(), 0, 0)",
            (NO_PRIVILEGE,),
        ),
        ("ned", "UPDATE offline_sync SET rows_applied = 0 WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
        # The laptop's own tables: nobody's on a server
        (
            "nia",
            "INSERT INTO offline_server_event (id, person_id, at, actor, action, table_name, row_id, summary) "
            "VALUES (1, %(p)s, now(), session_user, 'update', 'person', '1', '{}')",
            (NO_PRIVILEGE,),
        ),
        ("ned", "SELECT * FROM offline_original WHERE person_id = %(p)s", (NO_PRIVILEGE,)),
    ],
)
def test_a_hold_is_not_released_stolen_or_forged(held: Held, who: str, statement: str, codes) -> None:  # type: ignore[no-untyped-def]
    _refused(held, who, [statement], {"p": held.waiting}, *codes)


@pytest.mark.parametrize("who", ["nia", "ned", "manager", "ann", "bob"])
def test_what_a_hold_says_cannot_be_rewritten(held: Held, who: str) -> None:
    """Whoever may write a hold (its holder, a manager) changes nothing of who, where or since when:
    the server keeps those as they were; the others do not reach the row at all."""
    with held.office.raw(who) as raw:
        for change in (
            "held_by = 'someone.else'",
            "laptop_id = 'stolen-laptop', laptop_name = 'laptop-z'",
            "held_since = now() - interval '1 year', sync_id = 'another'",
            "person_id = person_id + 1",
            "server = 'elsewhere'",
        ):
            try:
                raw.execute(f"UPDATE offline_hold SET {change} WHERE person_id = %s", (held.waiting,))
            except psycopg.Error as refused:
                assert refused.sqlstate == NO_PRIVILEGE, str(refused)
    held.unchanged()


def test_a_revoked_hold_is_not_revoked_again_nor_undone(held: Held, tmp_path) -> None:  # type: ignore[no-untyped-def]
    manager = held.office.open("manager")
    try:
        assert offline_service.revoke_laptop_holds(manager, "laptop-a") == 2
    finally:
        manager.close()
    held.before = held.snapshot()
    for who in ("manager", "nia"):
        with held.office.raw(who) as raw:
            for change in (
                "revoked_at = NULL, revoked_by = ''",
                "revoked_at = now() + interval '1 day', revoked_by = 'someone.else'",
                "revoked_at = NULL, released_at = NULL",
            ):
                raw.execute(f"UPDATE offline_hold SET {change} WHERE person_id = %s", (held.waiting,))
    held.unchanged()


# -- switching the guard off ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "statements"),
    [
        ("nia", ["ALTER TABLE person DISABLE TRIGGER pb_offline_guard"]),
        ("nia", ["ALTER TABLE person DISABLE TRIGGER ALL"]),
        ("manager", ["DROP TRIGGER pb_offline_guard ON person"]),
        ("ned", ["ALTER TABLE person NO FORCE ROW LEVEL SECURITY"]),
        ("ned", ["SET session_replication_role = replica"]),
        ("ned", ["SET LOCAL session_replication_role = replica"]),
        ("ned", ["SELECT set_config('session_replication_role', 'replica', true)"]),
        ("nia", ["DELETE FROM offline_hold"]),
        ("ned", ["SET SESSION AUTHORIZATION postgres"]),
        (
            "ned",
            [
                f"CREATE OR REPLACE FUNCTION {SCHEMA}.hold_of(pid integer) RETURNS public.offline_hold "
                "LANGUAGE sql AS $$ SELECT NULL::public.offline_hold $$"
            ],
        ),
        (
            "ned",
            [
                f"CREATE OR REPLACE FUNCTION {SCHEMA}.offline_guard() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            ],
        ),
        (
            "ned",
            ["CREATE FUNCTION public.hold_of(pid integer) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$"],
        ),
        ("ned", ["CREATE TEMP TABLE offline_hold (id int, person_id int)"]),  # (shadowing the holds)
        ("ned", [f"SELECT {SCHEMA}.offline_guard()"]),
        ("nia", [f"SELECT {SCHEMA}.offline_hold_rules()"]),
        (
            "nia",
            [
                f"SELECT {SCHEMA}.append_event_at(session_user::text, 'update', 'person', %(p)s::text, '{{}}', "
                "%(p)s, now()::text)"
            ],
        ),
    ],
)
def test_the_guard_cannot_be_switched_off(held: Held, who: str, statements: list[str]) -> None:
    statements = [*statements, "UPDATE person SET locality = 'Unguarded' WHERE id = %(p)s"]
    _refused(
        held, who, statements, {"p": held.waiting}, NO_PRIVILEGE, "42P01", "0A000", "42883", HELD_OFFLINE
    )


@pytest.mark.parametrize("who", ["ned", "nia", "ann"])
def test_no_other_role_is_taken_on(held: Held, who: str) -> None:
    """SET ROLE to the holder, to the DBA, to a group: refused (the guard and the rules follow the
    session's own login either way)."""
    names = held.office.names
    for role in (names["nia"] if who != "nia" else names["manager"], "postgres", "pb_manager", "pb_broker"):
        _refused(
            held,
            who,
            [f'SET ROLE "{role}"', "UPDATE person SET locality = 'Another Role' WHERE id = %(p)s"],
            {"p": held.waiting},
            NO_PRIVILEGE,
            HELD_OFFLINE,
        )
    # The groups they are members of give them no more (as a group, no account: no row is theirs).
    for role in ("pb_account", "pb_practitioner" if who != "ann" else "pb_approver"):
        statements = [f"SET ROLE {role}", "UPDATE person SET locality = 'A Group' WHERE id = %(p)s"]
        assert _achieves_nothing(held, who, statements, {"p": held.waiting}) in (None, NO_PRIVILEGE, "42P01")


def test_an_approver_does_not_make_themselves_a_broker(held: Held) -> None:
    _refused(
        held,
        "ann",
        [
            "UPDATE app_user SET role = 'broker' WHERE username = session_user",
            "UPDATE ledger_transaction SET amount_pence = 0 WHERE person_id = %(p)s",
        ],
        {"p": held.waiting},
        NO_PRIVILEGE,
    )


# -- pretending to be the holder's sync -----------------------------------------------------------


def _marker(held: Held, person: int) -> str:
    """The setting the holder's sync sets (``<laptop id>:<person id>``), read as the DBA: an
    intruder who learns the laptop's id as well as they can."""
    laptop_id = held.admin.execute(
        "SELECT laptop_id FROM offline_hold WHERE person_id = %s", (person,)
    ).fetchone()[0]
    return f"{laptop_id}:{person}"


@pytest.mark.parametrize("who", ["ned", "manager", "ann", "bob"])
def test_another_account_setting_the_holders_sync_marker_changes_nothing(held: Held, who: str) -> None:
    person = held.person(who)
    with held.office.raw(who) as raw:  # (what hold_of tells anyone: who, on which laptop)
        assert raw.execute(f"SELECT (h).laptop_id FROM {SCHEMA}.hold_of(%s) h", (person,)).fetchone()[0]
    for local in ("true", "false"):
        _refused(
            held,
            who,
            [
                f"SELECT set_config({OFFLINE_SYNC!r}, %(m)s, {local})",
                "UPDATE person SET locality = 'Synced By Someone Else' WHERE id = %(p)s",
            ],
            {"p": person, "m": _marker(held, person)},
        )
    _refused(  # nor does it let them append events as the laptop's, or release the hold
        held,
        who,
        [
            f"SELECT set_config({OFFLINE_SYNC!r}, %(m)s, true)",
            f"SELECT {SCHEMA}.append_offline_event(now()::text, 'update', 'person', %(p)s::text, '{{}}', %(p)s)",
        ],
        {"p": person, "m": _marker(held, person)},
        NO_PRIVILEGE,
    )
    _refused(
        held,
        who,
        [
            f"SELECT set_config({OFFLINE_SYNC!r}, %(m)s, true)",
            "UPDATE offline_hold SET released_at = now() WHERE person_id = %(p)s",
            "SELECT 1/(SELECT count(*) FROM offline_hold WHERE person_id = %(p)s AND released_at IS NOT NULL)",
        ],
        {"p": person, "m": _marker(held, person)},
        NO_PRIVILEGE,
        "22012",  # (nothing released: the check divides by zero)
    )


def test_the_holders_marker_for_one_person_opens_no_other(held: Held) -> None:
    """The holder outside a sync, with the marker of one person they hold, writes another's rows."""
    _refused(
        held,
        "nia",
        [
            f"SELECT set_config({OFFLINE_SYNC!r}, %(m)s, true)",
            "UPDATE person SET locality = 'Wrong Person' WHERE id = %(p)s",
        ],
        {"p": held.waiting, "m": _marker(held, held.own)},
    )
    _refused(  # a marker of the laptop's id with a list, a pattern or spaces in it
        held,
        "nia",
        [
            f"SELECT set_config({OFFLINE_SYNC!r}, %(m)s, true)",
            "UPDATE person SET locality = 'Wrong Person' WHERE id = %(p)s",
        ],
        {"p": held.waiting, "m": _marker(held, held.own) + f",{held.waiting}"},
    )


def test_the_guards_own_answer_cannot_be_given_by_hand(held: Held) -> None:
    """``held_write`` answers true for a decision it is shown; shown one, the guard still judges
    the row that is really written."""
    with held.office.raw("ned") as raw:
        assert raw.execute(
            f"SELECT {SCHEMA}.held_write('support_plan', 'UPDATE', "
            """'{"status": "submitted"}'::jsonb, '{"status": "agreed"}'::jsonb)"""
        ).fetchone() == (False,)  # (and to anyone but an approver, not even that)
    with held.office.raw("ann") as raw:
        assert raw.execute(
            f"SELECT {SCHEMA}.held_write('support_plan', 'UPDATE', "
            """'{"status": "submitted"}'::jsonb, '{"status": "agreed"}'::jsonb)"""
        ).fetchone() == (True,)
    _refused(
        held,
        "ann",
        [
            f"SELECT {SCHEMA}.held_write('support_plan', 'UPDATE', "
            """'{"status": "submitted"}'::jsonb, '{"status": "agreed"}'::jsonb)""",
            "UPDATE support_plan SET what_matters = 'Approved by hand' WHERE person_id = %(p)s",
        ],
        {"p": held.waiting},
    )


# -- the narrow ways through: an approver's decision ---------------------------------------------


def _decision(held: Held) -> tuple[list[str], dict[str, object]]:
    """The approver's decision on the waiting person's submitted plan, as the server's services
    write it (agree: the plan, its record, the cycle on to step 4, its steps, the transition)."""
    plan, cycle = held.admin.execute(
        "SELECT id, cycle_id FROM support_plan WHERE person_id = %s AND status = 'submitted'", (held.waiting,)
    ).fetchone()
    statements = [
        "UPDATE plan_cycle SET current_step = 4, plan_agreed_at = now(), next_review_due = '2027-02-01' "
        "WHERE id = %(c)s",
        "UPDATE support_plan SET status = 'agreed', row_version = row_version + 1 WHERE id = %(plan)s",
        "UPDATE cycle_step SET status = 'done', completed_at = now() WHERE cycle_id = %(c)s AND step = 3",
        "UPDATE cycle_step SET status = 'in_progress', started_at = now() WHERE cycle_id = %(c)s AND step = 4",
        "INSERT INTO step_transition (cycle_id, kind, from_step, to_step, at, actor, note) "
        "VALUES (%(c)s, 'advance', 3, 4, now(), session_user, '')",
        "INSERT INTO plan_decision (plan_id, decision, text, role, decided_at, decided_by) "
        "VALUES (%(plan)s, 'approve', '', 'Team manager', now(), session_user)",
    ]
    (other,) = held.admin.execute(
        "SELECT max(id) FROM support_plan WHERE person_id = %s", (held.own,)
    ).fetchone()
    return statements, {"plan": plan, "c": cycle, "p": held.waiting, "other_plan": other}


def test_the_approvers_decision_goes_through(held: Held) -> None:
    """(The control: the decision alone is let through, so the refusals below are of what came with it.)"""
    statements, params = _decision(held)
    with held.office.raw("ann") as raw, raw.transaction():
        for statement in statements:
            raw.execute(statement, params)
        assert raw.execute("SELECT status FROM support_plan WHERE id = %(plan)s", params).fetchone() == (
            "agreed",
        )
        raise psycopg.Rollback()
    held.unchanged()


@pytest.mark.parametrize(
    "extra",
    [
        "UPDATE support_plan SET what_matters = 'Agreed, and rewritten' WHERE id = %(plan)s",
        "UPDATE support_plan SET over_budget_justification = 'None needed' WHERE id = %(plan)s",
        "UPDATE plan_support_item SET unit_cost_pence = unit_cost_pence * 10 WHERE plan_id = %(plan)s",
        "DELETE FROM plan_support_item WHERE plan_id = %(plan)s",
        "INSERT INTO plan_support_item (plan_id, position, category, description, provider, unit_cost_pence, "
        "quantity, frequency) VALUES (%(plan)s, 99, 'other', 'A holiday', '', 500000, 1, 'once')",
        "DELETE FROM plan_risk WHERE plan_id = %(plan)s",
        "UPDATE agreed_budget SET annual_pence = annual_pence * 2 WHERE cycle_id = %(c)s",
        "UPDATE plan_cycle SET status = 'closed', closed_at = now() WHERE id = %(c)s",
        "UPDATE plan_cycle SET current_step = 7 WHERE id = %(c)s",
        "UPDATE person SET locality = 'Approved Away' WHERE id = %(p)s",
        "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_by) "
        "VALUES (%(p)s, session_user, now(), session_user, 'mine now', '')",
        # The cycle's other steps, and its history, written as the decision never does
        "UPDATE cycle_step SET status = 'not_started', started_at = NULL, completed_at = NULL "
        "WHERE cycle_id = %(c)s AND step = 1",
        "UPDATE cycle_step SET status = 'done', completed_at = now() WHERE cycle_id = %(c)s AND step = 7",
        "UPDATE cycle_step SET step = 6 WHERE cycle_id = %(c)s AND step = 4",
        "INSERT INTO step_transition (cycle_id, kind, from_step, to_step, at, actor, note) "
        "VALUES (%(c)s, 'advance', 3, 7, now(), session_user, 'straight to review')",
        # A decision's record on a plan that waits for none (the holder's other person)
        "INSERT INTO plan_decision (plan_id, decision, text, role, decided_at, decided_by) "
        "VALUES (%(other_plan)s, 'approve', '', 'Team manager', now(), session_user)",
        # The plan decided twice over: agreed, then back to submitted (to be decided again) or draft
        "UPDATE support_plan SET status = 'submitted' WHERE id = %(plan)s",
        "UPDATE support_plan SET status = 'draft' WHERE id = %(plan)s",
    ],
)
def test_an_approvers_decision_carries_nothing_else_with_it(held: Held, extra: str) -> None:
    statements, params = _decision(held)
    _refused(held, "ann", [*statements, extra], params)


def test_a_decision_on_a_plan_not_waiting_for_one_is_refused(held: Held) -> None:
    statements, params = _decision(held)
    with held.office.raw("ann") as raw, raw.transaction():  # the plan decided, as the services would
        for statement in statements:
            raw.execute(statement, params)
    held.before = held.snapshot()
    _refused(held, "ann", statements, params)  # the same decision again, on the plan agreed now
    _refused(  # or the other decision, on top
        held,
        "ann",
        [
            "UPDATE support_plan SET status = 'returned' WHERE id = %(plan)s",
            "INSERT INTO plan_decision (plan_id, decision, text, role, decided_at, decided_by) "
            "VALUES (%(plan)s, 'return', 'No', 'Team manager', now(), session_user)",
        ],
        params,
    )
