"""Who may see whom: every public service method, as every role, against a person the account is not
linked to. The table (method x role) is generated from the services themselves, so a new method
cannot be forgotten: it is either person-scoped (and must refuse) or listed below as caseload-wide."""

from __future__ import annotations

import inspect
import shutil

import pytest

from personalbudget.clock import FixedClock
from personalbudget.domain.plan import Decision
from personalbudget.domain.roles import Role
from personalbudget.errors import PermissionDeniedError, ValidationError
from personalbudget.services import Services, build_services
from personalbudget.services.access import BREAK_GLASS_ROLES, NotYourPersonError
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore
from tests.conftest import FIXED_NOW
from tests.core.helpers import person_form
from tests.core.test_budget_and_plan_services import answers, good_plan

PASSWORD = "a long password"
ID_PARAMS = ("person_id", "review_id", "plan_id", "cycle_id")

# Public methods that name no person, and what keeps them from showing one.
CASELOAD_WIDE = {
    "people.add_person": "a new person: the adding practitioner is allocated them",
    "people.list_caseload": "filtered to the people the account may see (tested below)",
    "people.localities": "place names only",
    "budget.preview": "a RAS calculation on answers given, no record read",
    "reports.display_names": "the names of accounts, not of people",
    "settings.*": "caseload settings, no person",
    "statement_imports.mappings": "statement column mappings, no person",
    "statement_imports.get_mapping": "statement column mappings, no person",
    "statement_imports.mapping_for_columns": "statement column mappings, no person",
    "statement_imports.save_mapping": "statement column mappings, no person",
    "ledger.impossible_figures": "the integrity check: person ids and amounts only, no names or payees",
    "ledger.kept_totals_disagreeing": "the integrity check: a count of kept totals, no person",
    "ledger.rebuild_kept_totals": "the export's kept totals worked out again: needs the export's permission",
    "statement_imports.preview": "a statement file read before choosing whose it is; nothing saved",
    "support.providers": "the directory of providers, no person",
    "support.get_provider": "the directory of providers, no person",
    "support.save_provider": "the directory of providers, no person",
    "support.set_provider_active": "the directory of providers, no person",
    "access.break_glass_notices": "only the account's own allocated people",
    "access.find_by_nhs_number": "an id only, for break-glass (practitioners and approvers)",
    "access.team_visibility": "a setting",
    "access.practitioners": "practitioners' accounts to allocate to: staff, not people",
    "access.set_team_visibility": "a setting, for account managers",
    "work.my_work": "filtered to the people the account may see (tested in test_access_work_queue)",
    "pa_costs.*": "what a PA costs from rates typed in and the national rates file: no record read",
    "charging.assess": "a financial assessment worked out from the form given: no record read",
    "charging.charging_rules": "the council's rules file",
    "uplifts.*": "filtered to the people the account may see (services.access), like the caseload list",
    "changes.mark": "the audit trail's newest event number: a count, no person or record",
    "changes.poll": "how many events others wrote since a number: counts only, no person or record",
    "changes.record_kept_theirs": "writes one audit row (table, row id, field names) saying the account "
    "dropped its own refused save; reads nothing, and the save it gave up was checked by its service",
    "export.*": "anonymised, disclosure-controlled aggregates: never a person",
    "export.contribution": "every person's pseudonymised record, encrypted to the hub so the laptop cannot "
    "read it back; EXPORT_CONTRIBUTION (practitioners only) is checked before anything is read",
}
# Methods that take a session are helpers for other services, called only inside them (a session
# cannot be had from outside the services).


def _public_methods(services: Services):
    for field in services.__dataclass_fields__:
        if field == "context":
            continue
        service = getattr(services, field)
        for name, member in inspect.getmembers(type(service), inspect.isfunction):
            if not name.startswith("_"):
                yield field, name, inspect.signature(member)


def _listed(key: str) -> bool:
    return key in CASELOAD_WIDE or key.split(".")[0] + ".*" in CASELOAD_WIDE


@pytest.fixture(scope="module")
def _caseload_file(tmp_path_factory: pytest.TempPathFactory):
    """The caseload below, built once for the module (seven accounts' passwords take seconds to
    hash) in a file of its own; each test gets a copy of the file, so what one test changes no other
    sees."""
    folder = tmp_path_factory.mktemp("access-caseload")
    store = MemorySecretStore()
    path = folder / "caseload.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSONALBUDGET_HOME", str(folder / "pb-home"))
        db = open_database(path, DatabaseKeys(store, passphrase=lambda _creating: None))
        try:
            built = _build_caseload(db, FixedClock(FIXED_NOW))
            key = db.key
        finally:
            db.close()
    assert key is not None and not path.with_name(path.name + "-wal").exists()
    return path, key, built


@pytest.fixture
def caseload(db_path, keys, clock, _caseload_file):
    path, key, built = _caseload_file
    shutil.copyfile(path, db_path)
    keys.store(db_path, key)  # this test's own keyring entry and key file
    db = open_database(db_path, keys)
    yield {**built, "db": db, "clock": clock}
    db.close()


def _build_caseload(db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    manager = users.create_user("pat", "Pat Worker", PASSWORD, Role.PRACTITIONER)
    users.create_user("sam", "Sam Other", PASSWORD, Role.PRACTITIONER, by=manager)
    pat = build_services(db, clock, "pat")
    sam = build_services(db, clock, "sam")
    mine = pat.people.add_person(person_form(name="Gwen Price", nhs_number="9434765919")).id
    stranger = sam.people.add_person(person_form(name="Owen Stranger", nhs_number="")).id
    for services, pid in ((pat, mine), (sam, stranger)):
        services.budget.save_answers(pid, "personal_budget", answers(services))
        services.budget.agree_budget(pid)
        services.plans.save_draft(pid, good_plan())
    pat.plans.submit(mine)  # the approver sees Gwen (plan waiting) but not Owen
    sam.plans.submit(stranger)
    users.create_user("panel", "Funding Panel", PASSWORD, Role.APPROVER, by=manager)
    build_services(db, clock, "panel", role=Role.APPROVER).plans.decide(
        stranger, Decision.APPROVE, "", "Panel"
    )
    review = sam.reviews.request_review(stranger, "Unplanned - Other Reason")
    for role in (Role.APPROVER, Role.BROKER, Role.INDIVIDUAL, Role.ANALYST):
        users.create_user(
            f"the.{role.value}",
            role.label,
            PASSWORD,
            role,
            by=manager,
            people=(mine,) if role in (Role.BROKER, Role.INDIVIDUAL) else (),
        )
    stranger_plan = sam.plans.get_plan(stranger)
    ids = {
        "person_id": stranger,
        "review_id": review.review_id,
        "plan_id": stranger_plan.plan_id,
        "cycle_id": sam.lifecycle.get_cycle(stranger).cycle_id,
    }
    return {"mine": mine, "stranger": stranger, "ids": ids}


def as_account(caseload, role: Role) -> Services:
    name = "pat" if role is Role.PRACTITIONER else f"the.{role.value}"
    return build_services(caseload["db"], caseload["clock"], name, role=role)


def _arguments(services: Services, signature: inspect.Signature, ids: dict[str, int]) -> dict[str, object]:
    arguments: dict[str, object] = {}
    for name, parameter in list(signature.parameters.items())[1:]:
        if name in ids:
            arguments[name] = ids[name]
        elif name == "reviews":
            arguments[name] = services.reviews
        elif parameter.default is inspect.Parameter.empty:
            arguments[name] = None  # the guard comes first: nothing else is looked at
    return arguments


def _table(db, clock):
    rows, unlisted = [], []
    for field, name, signature in _public_methods(build_services(db, clock, "x")):
        key = f"{field}.{name}"
        if "session" in signature.parameters:
            continue
        if any(p in signature.parameters for p in ID_PARAMS):
            rows.append(key)
        elif not _listed(key):
            unlisted.append(key)
    assert not unlisted, (
        f"{unlisted} name no person and are not listed as caseload-wide: give each a person check "
        "(self._ctx.require(permission, person_id)) or list it in CASELOAD_WIDE with why it is safe"
    )
    return rows


def test_every_public_method_is_either_person_scoped_or_listed(db, clock):
    rows = _table(db, clock)
    assert (
        "people.get_person" in rows and "reports.write_plan" in rows and "monitoring.budget_statement" in rows
    )
    assert len(rows) > 60


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_person_method_refuses_a_person_the_account_is_not_linked_to(caseload, role):
    services = as_account(caseload, role)
    refused = {}
    for key in _table(caseload["db"], caseload["clock"]):
        field, name = key.split(".")
        method = getattr(getattr(services, field), name)
        signature = inspect.signature(method.__func__)
        if key == "access.break_glass" and role in BREAK_GLASS_ROLES:  # the way in: only with a reason
            with pytest.raises(ValidationError, match="reason"):
                method(**_arguments(services, signature, caseload["ids"]))
            continue
        with pytest.raises(PermissionDeniedError) as refusal:
            method(**_arguments(services, signature, caseload["ids"]))
        message = str(refusal.value)
        assert "you cannot" in message, (key, message)  # names what is not allowed
        assert "Owen" not in message and "Stranger" not in message  # and never whose record it is
        if isinstance(refusal.value, NotYourPersonError):
            assert f"for person {caseload['stranger']}" in message
        refused[key] = message
    assert len(refused) > 60


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.BROKER, Role.INDIVIDUAL], ids=lambda r: r.value)
def test_the_same_account_reaches_its_own_person(caseload, role):
    services = as_account(caseload, role)
    assert services.people.get_person(caseload["mine"]).name == "Gwen Price"
    assert services.ledger.ledger(caseload["mine"]) is not None


def test_the_caseload_list_shows_only_the_people_an_account_may_see(caseload):
    seen = {
        role: {r.name for r in as_account(caseload, role).people.list_caseload()}
        for role in Role
        if role is not Role.ANALYST
    }
    assert seen[Role.INDIVIDUAL] == {"Gwen Price"}
    assert seen[Role.BROKER] == {"Gwen Price"}
    assert seen[Role.APPROVER] == {"Gwen Price"}  # her plan waits for a decision; Owen's is a draft
    assert seen[Role.PRACTITIONER] == {"Gwen Price"}  # Owen is Sam's
    with pytest.raises(PermissionDeniedError, match="Strategic analyst"):
        as_account(caseload, Role.ANALYST).people.list_caseload()
