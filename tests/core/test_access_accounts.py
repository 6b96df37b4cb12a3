"""Accounts a manager can run: disable, enable, role, password reset, lock-out, last sign-in,
the last manager kept; and people linked to person or carer accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from personalbudget.domain.roles import Role
from personalbudget.errors import PermissionDeniedError, ValidationError
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import SignInError, UserService
from tests.core.helpers import person_form

PASSWORD = "a long password"


@pytest.fixture
def users(db, clock):
    return UserService(ActingDatabase(db, "setup"), clock)


@pytest.fixture
def manager(users):
    return users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)


def test_disabled_accounts_cannot_sign_in_until_enabled(users, manager):
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=manager)
    users.set_active("sam", False, manager)
    with pytest.raises(SignInError, match="not right"):
        users.sign_in("sam", PASSWORD)
    users.set_active("sam", True, manager)
    assert users.sign_in("sam", PASSWORD).username == "sam"


def test_the_last_manager_cannot_be_disabled_or_demoted(users, manager):
    with pytest.raises(ValidationError, match="last account that can manage accounts"):
        users.set_active("meg", False, manager)
    with pytest.raises(ValidationError, match="last account that can manage accounts"):
        users.set_role("meg", Role.PRACTITIONER, manager, can_manage_users=False)
    other = users.create_user("ann", "Ann Other", PASSWORD, Role.APPROVER, can_manage_users=True, by=manager)
    users.set_role("meg", Role.PRACTITIONER, manager, can_manage_users=False)  # now there is another
    with pytest.raises(PermissionDeniedError):  # and meg no longer manages, even with her old sign-in
        users.set_active("ann", False, manager)
    assert other.can_manage_users


def test_a_reset_password_must_be_changed_at_the_next_sign_in(users, manager):
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=manager)
    users.reset_password("sam", "one time pass", manager)
    with pytest.raises(SignInError):
        users.sign_in("sam", PASSWORD)
    assert users.sign_in("sam", "one time pass").must_change_password
    with pytest.raises(ValidationError, match="different"):
        users.change_password("sam", "one time pass", "one time pass")
    assert not users.change_password("sam", "one time pass", "my own secret").must_change_password
    assert not users.sign_in("sam", "my own secret").must_change_password


@pytest.mark.slow  # eleven password checks (a deliberately slow hash): not in the fast lane
def test_ten_wrong_passwords_lock_the_account_for_fifteen_minutes(users, manager, clock):
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=manager)
    for _attempt in range(9):
        with pytest.raises(SignInError, match="not right"):
            users.sign_in("sam", "wrong")
    assert users.sign_in("sam", PASSWORD)  # nine, then the right one: the count starts again
    for _attempt in range(10):
        with pytest.raises(SignInError, match="not right"):
            users.sign_in("sam", "wrong")
    with pytest.raises(SignInError, match="locked"):
        users.sign_in("sam", PASSWORD)  # even the right password, while locked
    clock.set(clock.now() + timedelta(minutes=15, seconds=1))
    assert users.sign_in("sam", PASSWORD).username == "sam"


def test_lock_out_follows_the_settings(users, manager, clock):
    users.set_lockout(3, 1, manager)
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=manager)
    for _attempt in range(3):
        with pytest.raises(SignInError):
            users.sign_in("sam", "wrong")
    with pytest.raises(SignInError, match="locked"):
        users.sign_in("sam", PASSWORD)
    with pytest.raises(ValidationError):
        users.set_lockout(1, 0, manager)


def test_accounts_list_shows_last_sign_in_state_and_links(db, users, manager, clock):
    pid = build_services(db, clock, "meg").people.add_person(person_form()).id
    users.create_user("carer", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=manager, people=(pid,))
    users.sign_in("meg", PASSWORD)
    listed = {a.username: a for a in users.accounts(manager)}
    assert listed["meg"].last_sign_in_at == clock.now()
    assert listed["carer"].last_sign_in_at is None and listed["carer"].people == (pid,)
    with pytest.raises(PermissionDeniedError, match="manages accounts"):
        users.accounts(users.sign_in("carer", PASSWORD))


def test_a_person_or_carer_account_needs_the_person_it_is_for(users, manager):
    with pytest.raises(ValidationError, match="Link the account"):
        users.create_user("carer", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=manager)
    with pytest.raises(ValidationError, match="no person with id 99"):
        users.create_user("carer", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=manager, people=(99,))
