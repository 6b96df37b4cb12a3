"""Offline visits (issue 22): the writes that still reach a person held offline, and how sync brings
them back. An approver decides on a plan submitted before the visit, a broker imports statements and
records payments; no one else writes (the server's guard, on the session's own account, whatever
the client: tests/attacks/test_held_offline_guard.py attacks it); at sync a row changed on both sides is a conflict field by field, and the server's
other changes and its new rows stay as they are."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from personalbudget.clock import SystemClock
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import Decision, PlanStatus
from personalbudget.domain.roles import Role
from personalbudget.domain.statement_parsing import ColumnMapping
from personalbudget.errors import HeldOfflineError
from personalbudget.i18n import _
from personalbudget.services import build_services, offline_service
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.services.offline_service import KEEP_THEIRS, OfflineRefusedError
from personalbudget.storage import ledger_totals, offline_copy
from personalbudget.storage.database import open_database
from personalbudget.storage.postgres_security import HELD_WRITERS, KEPT
from tests.core.helpers import verify_trail
from tests.core.offline_helpers import (  # noqa: F401  (fixtures)
    Office,
    laptop_path,
    laptop_services,
    move_person,
    office_fixture,
    office_template_fixture,
    submit_on_server,
    sync_as,
    take_as,
)

MAPPING = ColumnMapping(date_column="Date", description_column="Description", amount_column="Amount")
STATEMENT = b"Date,Description,Amount\n02/11/2026,ABERMORLAIS COUNCIL DP,412.30\n04/11/2026,Eastfield Leisure,-18.75\n"


def test_every_table_allowed_through_a_hold_is_a_person_scoped_table_the_guard_covers() -> None:
    from personalbudget.storage.offline_copy import person_tables

    known = {t.name for t in person_tables()} | set(KEPT)
    named = {table for tables in HELD_WRITERS.values() for table in tables}
    assert named <= known and "ledger_spend_total" in named  # (the kept totals follow the payments)
    assert set(HELD_WRITERS) == {"approver", "broker"}


def test_an_approvers_decision_meanwhile_is_a_conflict_field_by_field_at_sync(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    submit_on_server(office, p[4])
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[4]])
    ann = office.open("ann")
    try:
        approver = build_services(ann, SystemClock(), office.names["ann"], role=Role.APPROVER)
        approver.plans.decide(p[4], Decision.APPROVE, "", "Team manager")  # the server's services
    finally:
        ann.close()
    plan_id, cycle_id, step = office.one(
        "SELECT sp.id, c.id, c.current_step FROM support_plan sp JOIN plan_cycle c ON c.id = sp.cycle_id "
        "WHERE sp.person_id = %s AND sp.status = 'agreed' ORDER BY sp.version DESC LIMIT 1",
        p[4],
    )
    assert step == int(Step.MANAGE_BUDGET)
    laptop = open_database(path, keys)
    try:
        services = laptop_services(laptop, office.names["nia"])
        # At the visit the plan is changed: back to planning, a new draft of it.
        services.lifecycle.go_back(p[4], Step.PLAN_SUPPORT, "Changed at the visit")
        draft = services.plans.starting_draft(p[4])
        draft.what_matters = "Swimming on Fridays"
        services.plans.save_draft(p[4], draft, base=services.plans.get_plan(p[4]))
        move_person(services, p[4], "Visit Lane")  # and something the server did not change
        report = sync_as(office, "nia", laptop)
        assert [s.status for s in report.people] == ["conflicts"]
        views = report.conflicts_of(p[4])
        cycle = next(v for v in views if v.table == "plan_cycle" and v.row_id == cycle_id)
        assert cycle.reason == _(offline_service.REASONS["changed_on_both"])
        current = next(f for f in cycle.fields if f.field == "current_step")
        assert (current.mine, current.theirs, current.original) == (
            str(int(Step.PLAN_SUPPORT)),
            str(int(Step.MANAGE_BUDGET)),
            str(int(Step.AGREE_PLAN)),
        )
        agreed = next(f for f in cycle.fields if f.field == "plan_agreed_at")
        assert agreed.mine == agreed.original != agreed.theirs
        assert {v.table for v in views} >= {"plan_cycle", "cycle_step"}
        assert "person" not in {v.table for v in views}  # changed on the laptop only: no conflict
        # Nothing of the person applied; the decision stands.
        assert office.one("SELECT locality = 'Visit Lane' FROM person WHERE id = %s", p[4]) == (False,)
        assert office.one(
            "SELECT count(*) FROM support_plan WHERE person_id = %s AND status = 'draft'", p[4]
        ) == (0,)
        # Keep the server's cycle: the decision stays, the laptop's other work goes.
        sync = report.with_conflicts[0]
        offline_service.resolve(
            laptop, sync, {(c.table, c.row_id): {"*": KEEP_THEIRS} for c in sync.conflicts}
        )
        again = sync_as(office, "nia", laptop)
        assert [s.status for s in again.people] == ["applied"]
        assert verify_trail(laptop).ok
    finally:
        laptop.close()
    assert office.one("SELECT status FROM support_plan WHERE id = %s", plan_id) == (PlanStatus.AGREED,)
    assert office.one("SELECT current_step FROM plan_cycle WHERE id = %s", cycle_id) == (
        int(Step.MANAGE_BUDGET),
    )
    assert office.one("SELECT count(*) FROM plan_decision WHERE plan_id = %s", plan_id) == (1,)
    assert office.one("SELECT locality FROM person WHERE id = %s", p[4]) == ("Visit Lane",)
    server = office.open_as_dba()
    try:
        trail = verify_trail(server)  # the decision's events and the laptop's, one chain
        assert trail.ok, trail.problems
    finally:
        server.close()


def test_a_brokers_import_meanwhile_covers_held_and_free_people_and_sync_keeps_it(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0]])
    before = {
        person: office.one("SELECT count(*), coalesce(sum(amount_pence), 0) FROM ledger_transaction "
                     "WHERE person_id = %s", person)
        for person in (p[0], p[3])
    }  # fmt: skip
    bob = office.open("bob")
    try:
        broker = build_services(bob, SystemClock(), office.names["bob"], role=Role.BROKER)
        for person in (p[0], p[3]):  # the held person and a free one, from the same statement run
            report = broker.statement_imports.import_statement(
                person, STATEMENT, file_name="november.csv", mapping=MAPPING
            )
            assert report.added == 2
        # And a payment recorded by hand for the held person.
        broker.ledger.add_transaction(p[0], TransactionForm(date(2026, 11, 5), "9.99", False, "Bus pass"))
    finally:
        bob.close()
    nia = office.open("nia")
    try:  # the holder's own work on the server is still refused while they hold the person
        with pytest.raises(HeldOfflineError):
            move_person(build_services(nia, SystemClock(), office.names["nia"]), p[0], "Server Side")
    finally:
        nia.close()
    laptop = open_database(path, keys)
    try:
        services = laptop_services(laptop, office.names["nia"])
        move_person(services, p[0], "Laptop Lane")  # unrelated to the money
        services.ledger.add_transaction(
            p[0], TransactionForm(date(2026, 11, 6), "4.50", False, "Paid at the visit")
        )
        report = sync_as(office, "nia", laptop)
        assert [(s.person_id, s.status, s.conflicts) for s in report.people] == [(p[0], "applied", [])]
        # The laptop's copy went with the sync: nothing of it is truth any more, nothing sent again.
        with laptop.engine.connect() as connection:
            for table in ("person", "ledger_transaction", "offline_original"):
                column = "id" if table == "person" else "person_id"
                held = text(f"SELECT count(*) FROM {table} WHERE {column} = :p")  # (names of ours)
                assert connection.execute(held, {"p": p[0]}).scalar() == 0
        assert sync_as(office, "nia", laptop).people == []
    finally:
        laptop.close()
    for person in (p[0], p[3]):
        count, total = office.one(
            "SELECT count(*), coalesce(sum(amount_pence), 0) FROM ledger_transaction WHERE person_id = %s",
            person,
        )
        expected = 2 + (2 if person == p[0] else 0)  # the import; the broker's and the laptop's by hand
        extra = (41230 - 1875) + ((-999 - 450) if person == p[0] else 0)
        assert (count, total) == (before[person][0] + expected, before[person][1] + extra)
    assert office.one("SELECT count(*) FROM statement_import WHERE file_name = 'november.csv'") == (2,)
    server = office.open_as_dba()
    try:  # the ledger's kept totals followed every payment, on both sides of the hold
        with server.engine.connect() as connection:
            assert ledger_totals.disagreements(connection) == 0
    finally:
        server.close()
    assert office.one("SELECT locality FROM person WHERE id = %s", p[0]) == ("Laptop Lane",)
    assert office.one(
        "SELECT count(*) FROM ledger_transaction WHERE person_id = %s AND source = 'import' "
        "AND recorded_by = %s AND description IN ('ABERMORLAIS COUNCIL DP', 'Eastfield Leisure')",
        p[0],
        office.names["bob"],
    ) == (2,)


def test_an_approver_may_return_a_held_persons_plan_too(office: Office, tmp_path, keys) -> None:
    p = office.people
    submit_on_server(office, p[4])
    take_as(office, "nia", laptop_path(tmp_path), keys, [p[4]])
    ann = office.open("ann")
    try:
        approver = build_services(ann, SystemClock(), office.names["ann"], role=Role.APPROVER)
        approver.plans.decide(p[4], Decision.RETURN, "Say who drives on Fridays.", "Funding panel")
    finally:
        ann.close()
    assert office.one(
        "SELECT sp.status, c.current_step FROM support_plan sp JOIN plan_cycle c ON c.id = sp.cycle_id "
        "WHERE sp.person_id = %s ORDER BY sp.version DESC LIMIT 1",
        p[4],
    ) == (PlanStatus.RETURNED, int(Step.PLAN_SUPPORT))


def test_the_same_statement_imported_on_both_sides_is_refused_in_words_and_nothing_is_lost(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0]])
    bob = office.open("bob")
    try:  # the broker imports the month's statement on the server while Nia is on her visit
        broker = build_services(bob, SystemClock(), office.names["bob"], role=Role.BROKER)
        broker.statement_imports.import_statement(p[0], STATEMENT, file_name="november.csv", mapping=MAPPING)
    finally:
        bob.close()
    before = office.one("SELECT count(*), coalesce(sum(amount_pence), 0) FROM ledger_transaction WHERE person_id = %s", p[0])  # fmt: skip
    laptop = open_database(path, keys)
    try:  # ... and Nia imports the same statement on the laptop
        services = laptop_services(laptop, office.names["nia"])
        move_person(services, p[0], "Laptop Lane")
        services.statement_imports.import_statement(
            p[0], STATEMENT, file_name="november.csv", mapping=MAPPING
        )
        with pytest.raises(OfflineRefusedError, match="already has") as refused:
            sync_as(office, "nia", laptop)
        assert "Nothing of theirs was sent" in str(refused.value)
        with laptop.engine.connect() as connection:  # the laptop keeps every change and the hold
            assert connection.execute(
                text("SELECT locality FROM person WHERE id = :p"), {"p": p[0]}
            ).scalar() == ("Laptop Lane")
            assert [h.person_id for h in offline_copy.laptop_holds(connection)] == [p[0]]
    finally:
        laptop.close()
    assert office.one("SELECT count(*), coalesce(sum(amount_pence), 0) FROM ledger_transaction WHERE person_id = %s", p[0]) == before  # fmt: skip
    assert office.one("SELECT locality FROM person WHERE id = %s", p[0]) != ("Laptop Lane",)
