"""The demo caseload's money side: built through the step 4-6 services, realistic and repeatable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.monitoring import Status
from personalbudget.services import build_services
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.storage.database import open_database
from personalbudget.storage.models import PlanCycle, StepTransition

pytestmark = pytest.mark.slow  # builds a 160-person demo caseload: not in the fast lane


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from personalbudget.clock import FixedClock
    from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore
    from tests.conftest import FIXED_NOW

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path, DatabaseKeys(MemorySecretStore(), passphrase=lambda _creating: None))
    services = build_services(db, FixedClock(FIXED_NOW), "tester")
    build_demo_caseload(services.context, people=160, seed=5)
    yield services
    db.close()


def ledger_key(services):
    return [
        (r.name, len(services.ledger.ledger(r.person_id).rows), services.ledger.ledger(r.person_id).balance)
        for r in services.people.list_caseload()
    ]


def test_steps_four_and_five_are_recorded_by_their_services(demo):
    with demo.context.db.session() as session:
        cycles = session.exec(select(PlanCycle)).all()
        notes = {
            (t.cycle_id, t.from_step): t.note
            for t in session.exec(select(StepTransition).where(StepTransition.kind == "advance"))
        }
    later = [c for c in cycles if c.current_step >= Step.ORGANISE_SUPPORT]
    assert later and all(c.management_recorded_at is not None for c in later)
    assert all(notes[(c.id, Step.MANAGE_BUDGET)].startswith("Budget management recorded") for c in later)
    living = [c for c in cycles if c.current_step >= Step.LIVE_LIFE]
    assert living and all(c.support_arranged_at is not None for c in living)
    assert all("Support" in notes[(c.id, Step.ORGANISE_SUPPORT)] for c in living)
    at_five = [c for c in cycles if c.current_step == Step.ORGANISE_SUPPORT]
    assert all(c.support_arranged_at is None or c.management_recorded_at for c in at_five)


def test_people_living_with_a_direct_payment_have_up_to_a_year_of_transactions(demo):
    today = demo.context.clock.today()
    living = [r for r in demo.people.list_caseload() if r.step and r.step >= Step.LIVE_LIFE]
    with_money = linked_rows = spending_rows = 0
    statuses = set()
    for row in living:
        management = demo.management.get_management(row.person_id)
        ledger = demo.ledger.ledger(row.person_id)
        if not management.pays_out:
            assert ledger.rows == []
            continue
        with_money += 1
        assert ledger.rows, row.name
        first = min(r[1] for r in ledger.rows)
        assert first >= (today - timedelta(days=365)).isoformat()
        assert any(r[3] > 0 for r in ledger.rows) and any(r[3] < 0 for r in ledger.rows)
        spending = [r for r in ledger.rows if r[3] < 0]
        linked = [r for r in spending if r[4] is not None]
        assert all(ledger.link_label(r[4], r[5]) for r in linked)
        linked_rows += len(linked)
        spending_rows += len(spending)
        statuses.add(demo.monitoring.monitoring(row.person_id).monitoring.total.status)
    assert with_money >= 0.6 * len(living)
    # Most spending is linked to the plan; some is left for the broker to sort out.
    assert 0.6 * spending_rows < linked_rows < spending_rows
    # Some spend as planned, some under, some over.
    assert {Status.ON_TRACK, Status.UNDER, Status.OVER} <= statuses


def test_the_directory_and_arrangements_are_filled(demo):
    providers = demo.support.providers()
    kinds = {p.kind.value for p in providers}
    assert {"agency", "personal_assistant", "micro_enterprise"} <= kinds
    living = [r for r in demo.people.list_caseload() if r.step == Step.LIVE_LIFE]
    arranged = [demo.support.get_support(r.person_id) for r in living]
    assert all(view.items and all(i.arranged for i in view.items) for view in arranged)


def test_the_money_side_is_deterministic_for_a_seed(tmp_path, keys, clock):
    keys_for = []
    for name in ("a.db", "b.db"):
        db = open_database(tmp_path / name, keys)
        services = build_services(db, clock, "tester")
        build_demo_caseload(services.context, people=30, seed=11)
        keys_for.append(ledger_key(services))
        db.close()
    assert keys_for[0] == keys_for[1]
    assert sum(n for _name, n, _balance in keys_for[0]) > 100
