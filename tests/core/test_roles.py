"""Each role sees and does only its own things, enforced in the services."""

import pytest

from personalbudget.domain.plan import Decision
from personalbudget.domain.roles import Role
from personalbudget.errors import PermissionDeniedError, ValidationError
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import SERVER_PASSWORD, SignInError, UserService
from tests.core.helpers import person_form
from tests.core.test_budget_and_plan_services import answers, good_plan


def as_role(db, clock, role):
    return build_services(db, clock, f"test.{role.value}", role=role)


@pytest.fixture
def submitted(services):
    pid = services.people.add_person(person_form()).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid)
    services.plans.save_draft(pid, good_plan())
    services.plans.submit(pid)
    return pid


def test_an_analyst_never_sees_a_name(db, clock, submitted):
    analyst = as_role(db, clock, Role.ANALYST)
    for look in (
        analyst.people.list_caseload,
        lambda: analyst.people.get_person(submitted),
        lambda: analyst.plans.get_plan(submitted),
        lambda: analyst.budget.get_budget(submitted),
        lambda: analyst.lifecycle.get_cycle(submitted),
    ):
        with pytest.raises(PermissionDeniedError, match="Strategic analyst"):
            look()


def test_only_an_approver_decides_and_an_approver_does_not_plan(db, clock, services, submitted):
    for role in (Role.PRACTITIONER, Role.BROKER, Role.INDIVIDUAL):
        with pytest.raises(PermissionDeniedError, match="approve or return a plan"):
            as_role(db, clock, role).plans.decide(submitted, Decision.APPROVE, "", "Team manager")
    approver = as_role(db, clock, Role.APPROVER)
    with pytest.raises(PermissionDeniedError):
        approver.people.add_person(person_form(name="New", nhs_number=""))
    with pytest.raises(PermissionDeniedError):
        approver.budget.agree_budget(submitted)
    assert approver.people.get_person(submitted).name == "Gwen Price"  # but may read the record
    approver.plans.decide(submitted, Decision.APPROVE, "", "Team manager")


def test_a_broker_handles_money_not_plans_or_people(db, clock, services):
    broker = as_role(db, clock, Role.BROKER)
    pid = services.people.add_person(person_form()).id
    with pytest.raises(PermissionDeniedError):
        broker.people.update_person(pid, person_form(name="Changed"))
    with pytest.raises(PermissionDeniedError):
        broker.budget.save_answers(pid, "personal_budget", answers(services))
    with pytest.raises(PermissionDeniedError):
        broker.lifecycle.advance(pid)
    assert broker.people.list_caseload()[0].person_id == pid


def test_the_person_can_answer_and_plan_but_not_agree(db, clock, services):
    person = as_role(db, clock, Role.INDIVIDUAL)
    pid = services.people.add_person(person_form()).id
    person.budget.save_answers(pid, "personal_budget", answers(services))  # supported self-assessment
    with pytest.raises(PermissionDeniedError, match="agree a budget"):
        person.budget.agree_budget(pid)
    services.budget.agree_budget(pid)
    person.plans.save_draft(pid, good_plan())
    with pytest.raises(PermissionDeniedError, match="submit a plan"):
        person.plans.submit(pid)


def test_accounts_and_sign_in(db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    assert not users.has_users()
    first = users.create_user("Sian.Morgan", "Sian Morgan", "a long password", Role.PRACTITIONER)
    assert first.can_manage_users and first.username == "sian.morgan"
    with pytest.raises(PermissionDeniedError):
        users.create_user("rhys", "Rhys", "another password", Role.APPROVER)
    manager = users.create_user("rhys", "Rhys Owen", "another password", Role.APPROVER, by=first)
    assert manager.role == Role.APPROVER and not manager.can_manage_users
    with pytest.raises(ValidationError, match="taken"):
        users.create_user("rhys", "Rhys Again", "another password", Role.APPROVER, by=first)
    with pytest.raises(ValidationError, match="at least 8"):
        users.create_user("short", "Short", "short", Role.APPROVER, by=first)
    assert users.sign_in("SIAN.MORGAN", "a long password").role == Role.PRACTITIONER
    with pytest.raises(SignInError) as wrong_password:
        users.sign_in("sian.morgan", "not it")
    with pytest.raises(SignInError) as no_such_user:
        users.sign_in("nobody", "not it")
    assert str(wrong_password.value) == str(no_such_user.value)  # which one was wrong is not said
    connection = db.connect_raw()
    stored = connection.execute(
        "SELECT password_hash FROM app_user WHERE username = 'sian.morgan'"
    ).fetchone()[0]
    trail = " ".join(r[0] for r in connection.execute("SELECT summary FROM audit_event"))
    assert "a long password" not in stored
    if db.is_server:  # the login role holds the password (a SCRAM verifier, made on the client)
        assert stored == SERVER_PASSWORD
    else:
        assert stored.startswith("scrypt$")
    assert stored not in trail and "a long password" not in trail


def test_only_a_practitioner_loads_a_demo_caseload(db, clock):
    from personalbudget.services.demo_service import build_demo_caseload

    for role in (Role.APPROVER, Role.BROKER, Role.INDIVIDUAL, Role.ANALYST):
        with pytest.raises(PermissionDeniedError, match="load a demo caseload"):
            build_demo_caseload(as_role(db, clock, role).context, people=3, seed=1)
    assert build_demo_caseload(as_role(db, clock, Role.PRACTITIONER).context, people=3, seed=1) == 3
