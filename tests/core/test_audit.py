"""The audit trail: every change recorded with who and when, and tampering found."""

import json

import pytest

from personalbudget.cli import run
from personalbudget.storage import audit
from tests.core.helpers import person_form

SENTINEL = "Quillon Audit-Sentinel"


@pytest.fixture
def person_id(services):
    person = services.people.add_person(person_form(name=SENTINEL, nhs_number="943 476 5919"))
    services.people.update_person(person.id, person_form(name=SENTINEL, locality="Westgate"))
    return person.id


def events(db):
    connection = db.connect_raw()
    try:
        return connection.execute(
            "SELECT id, actor, action, table_name, row_id, summary FROM audit_event"
        ).fetchall()
    finally:
        connection.close()


def test_changes_are_recorded_with_who_without_personal_details(services, person_id):
    rows = events(services.context.db)
    person_rows = [r for r in rows if r[3] == "person"]
    assert [(r[1], r[2], r[4]) for r in person_rows] == [
        ("test.practitioner", "insert", str(person_id)),
        ("test.practitioner", "update", str(person_id)),
    ]
    assert json.loads(person_rows[1][5]) == {"locality": "changed"}
    everything = json.dumps(rows)
    assert SENTINEL not in everything and "9434765919" not in everything and "Westgate" not in everything
    # Safe values are kept: the step a cycle started at, for instance.
    assert any(r[3] == "plan_cycle" and json.loads(r[5])["current_step"] == [None, 1] for r in rows)


def test_a_clean_trail_verifies(services, person_id):
    connection = services.context.db.connect_raw()
    report = audit.verify(connection)
    assert report.ok and report.events == len(events(services.context.db)) > 5


def test_the_trail_is_append_only(services, person_id):
    connection = services.context.db.connect_raw()
    for statement in (
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event WHERE id = 2",
    ):
        with pytest.raises(Exception, match="append-only"):
            connection.execute(statement)
        connection.rollback()  # (a server's transaction ends at the refusal; a file's has none open)


def tamper(db, *statements):
    """Someone with the file (or the server's superuser) takes the guards off and edits the trail."""
    connection = db.connect_raw()
    on = " ON audit_event" if db.database.is_server else ""  # PostgreSQL names the table
    connection.execute(f"DROP TRIGGER audit_event_no_update{on}")
    connection.execute(f"DROP TRIGGER audit_event_no_delete{on}")
    for statement in statements:
        connection.execute(statement)
    return connection


def test_a_hand_edited_event_is_found(services, person_id):
    connection = tamper(services.context.db, "UPDATE audit_event SET actor = 'nobody' WHERE id = 3")
    report = audit.verify(connection)
    assert not report.ok and "Event 3 has been changed" in report.problems[0]


def test_a_removed_event_is_found(services, person_id):
    report = audit.verify(tamper(services.context.db, "DELETE FROM audit_event WHERE id = 2"))
    assert "Event 2 is missing" in report.problems[0]


def test_a_cut_off_end_is_found(services, person_id):
    report = audit.verify(
        tamper(services.context.db, "DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    )
    assert any("events have been removed" in p for p in report.problems)


def test_cli_verify(db_path, keys, services, person_id, capsys):
    assert run(["audit", "verify", "--db", str(db_path)], keys=keys) == 0
    assert "Audit trail OK" in capsys.readouterr().out
    tamper(services.context.db, "UPDATE audit_event SET summary = '{}' WHERE id = 1").close()
    assert run(["audit", "verify", "--db", str(db_path)], keys=keys) == 1
    assert "Event 1 has been changed" in capsys.readouterr().err


def test_a_failed_change_leaves_no_event(services, person_id):
    from personalbudget.storage.models import Person

    before = len(events(services.context.db))
    with pytest.raises(RuntimeError), services.context.db.session() as session:
        person = session.get(Person, person_id)
        person.locality = "Somewhere else"
        session.flush()  # the change and its audit event are written...
        raise RuntimeError("power cut")  # ...and rolled back together
    assert len(events(services.context.db)) == before
