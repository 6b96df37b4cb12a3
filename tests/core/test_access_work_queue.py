"""My work, allocation history and break-glass: what each worker starts the day with, counting only
the people the account may see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.roles import Role
from personalbudget.errors import PermissionDeniedError, ValidationError
from personalbudget.services import build_services
from personalbudget.services.access import NotYourPersonError
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.services.work_queue_service import WorkKind
from tests.core.helpers import person_form, verify_trail
from tests.core.money_helpers import agreed_person, direct_payment
from tests.core.test_budget_and_plan_services import answers, good_plan

PASSWORD = "a long password"


def test_the_queue_lists_each_kind_of_work_and_opens_the_right_step(services, clock):
    waiting = services.people.add_person(person_form(name="Wyn Waiting", nhs_number="")).id
    services.budget.save_answers(waiting, "personal_budget", answers(services))
    services.budget.agree_budget(waiting)
    services.plans.save_draft(waiting, good_plan())
    services.plans.submit(waiting)
    money = agreed_person(services)
    services.management.record_management(money, direct_payment(first=clock.today() - timedelta(days=60)))
    services.ledger.add_rows(money, [(clock.today(), -500_000, "Agency", None, "")], "manual")  # overdrawn
    work = services.work.my_work()
    assert [i.person_name for i in work.of(WorkKind.OVERDRAWN)] == ["Gwen Price"]
    assert work.of(WorkKind.OVERDRAWN)[0].step is Step.LIVE_LIFE
    assert [i.person_id for i in work.of(WorkKind.STATEMENT)] == [money]  # paid for 2 months, never imported
    assert work.of(WorkKind.PLAN_DECISION) == []  # a practitioner decides no plan
    approver = build_services(services.context.db.database, clock, "test.approver", role=Role.APPROVER)
    decisions = approver.work.my_work().of(WorkKind.PLAN_DECISION)
    assert [(i.person_name, i.step) for i in decisions] == [("Wyn Waiting", Step.AGREE_PLAN)]

    # The approval scheduled the first review some weeks ahead: due within 4 weeks, then overdue.
    due = services.lifecycle.get_cycle(money).next_review_due
    assert due is not None
    clock.set(clock.now() + (due - clock.today()) - timedelta(days=27))
    assert [i.person_id for i in services.work.my_work().of(WorkKind.REVIEW_DUE)] == [money]
    clock.set(clock.now() + timedelta(days=30))
    overdue = services.work.my_work().of(WorkKind.REVIEW_OVERDUE)
    assert [(i.person_id, i.step) for i in overdue] == [(money, Step.REVIEW)]
    assert "3 days ago" in overdue[0].detail

    # Told after each kind of work; cancelled (the app closing), it stops and returns nothing.
    told: list[tuple[int, int]] = []
    assert services.work.my_work(lambda done, total: told.append((done, total)) or True).items
    assert told == [(1, 3), (2, 3), (3, 3)]
    assert services.work.my_work(lambda _done, _total: False).items == ()


@pytest.fixture
def team(db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER, team="North")
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=meg, team="North")
    users.create_user("ola", "Ola Outside", PASSWORD, Role.PRACTITIONER, by=meg, team="South")
    as_ = {name: build_services(db, clock, name) for name in ("meg", "sam", "ola")}
    pid = as_["sam"].people.add_person(person_form(name="Gwen Price")).id
    return as_, pid


def test_allocation_is_kept_in_the_history_with_who_when_and_why(team, clock):
    as_, pid = team
    with pytest.raises(ValidationError, match="why"):
        as_["sam"].access.allocate(pid, "meg", "  ")
    as_["sam"].access.allocate(pid, "meg", "Sam is going on leave")
    history = as_["meg"].access.allocations(pid)
    assert [(a.worker, a.started_by, a.reason, a.ended_at is None) for a in history] == [
        ("meg", "sam", "Sam is going on leave", True),
        ("sam", "sam", "Added the person to the caseload", False),
    ]
    assert history[1].ended_by == "sam" and history[1].ended_at == clock.now()
    with pytest.raises(NotYourPersonError):  # reallocated away from Sam
        as_["sam"].people.get_person(pid)


def test_team_visibility_is_a_setting(team):
    as_, pid = team
    with pytest.raises(NotYourPersonError):
        as_["meg"].people.get_person(pid)
    with pytest.raises(PermissionDeniedError, match="manages accounts"):
        as_["sam"].access.set_team_visibility(True)
    as_["meg"].access.set_team_visibility(True)
    assert as_["meg"].people.get_person(pid).name == "Gwen Price"  # same team
    with pytest.raises(NotYourPersonError):
        as_["ola"].people.get_person(pid)  # another team


def test_break_glass_asks_a_reason_records_it_and_tells_the_allocated_worker(team, db, clock):
    as_, pid = team
    with pytest.raises(NotYourPersonError) as refusal:
        as_["ola"].plans.get_plan(pid)
    assert refusal.value.can_break_glass and "reason" in str(refusal.value)
    with pytest.raises(ValidationError, match="reason"):
        as_["ola"].access.break_glass(pid, "need")
    as_["ola"].access.break_glass(pid, "Duty call: Gwen rang, Sam is away")
    assert as_["ola"].people.get_person(pid).name == "Gwen Price"
    notice = as_["sam"].work.my_work().of(WorkKind.BREAK_GLASS)
    assert [(n.person_id, "ola" in n.detail, "Duty call" in n.detail) for n in notice] == [(pid, True, True)]
    assert as_["ola"].work.my_work().of(WorkKind.BREAK_GLASS) == []  # only the allocated worker is told
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT actor, summary FROM audit_event WHERE action = 'break-glass'")
        ).one()
    assert row[0] == "ola" and "Duty call" in row[1]
    assert verify_trail(db).ok  # the break-glass event is part of the chain
    clock.set(clock.now() + timedelta(hours=13))  # the opening lasts the working day
    with pytest.raises(NotYourPersonError):
        as_["ola"].people.get_person(pid)


def test_a_carer_account_sees_its_people_and_no_one_else(db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)
    practitioner = build_services(db, clock, "meg")
    mum = practitioner.people.add_person(person_form(name="Gwen Price", nhs_number="9434765919")).id
    dad = practitioner.people.add_person(person_form(name="Huw Price", nhs_number="")).id
    other = practitioner.people.add_person(person_form(name="Owen Stranger", nhs_number="")).id
    users.create_user("carys", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=meg, people=(mum,))
    users.link_people("carys", (dad,), meg)  # a carer may represent more than one
    carer = build_services(db, clock, "carys", role=Role.INDIVIDUAL)
    assert {r.name for r in carer.people.list_caseload()} == {"Gwen Price", "Huw Price"}
    for reach in (
        lambda: carer.people.get_person(other),
        lambda: carer.plans.get_plan(other),
        lambda: carer.reports.write_plan(other, db.path.parent / "x.pdf"),
        lambda: carer.monitoring.budget_statement(other, date(2026, 4, 1), date(2027, 3, 31)),
    ):
        with pytest.raises(NotYourPersonError, match="only for the person") as refusal:
            reach()
        assert not refusal.value.can_break_glass and "Owen" not in str(refusal.value)
    with pytest.raises(PermissionDeniedError):
        carer.access.break_glass(other, "I would like to look")
    with pytest.raises(PermissionDeniedError):
        carer.export.export(date(2026, 4, 1), date(2027, 3, 31), db.path.parent)  # not for this role
