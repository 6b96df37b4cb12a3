"""Two people saving the same record (issue 21): the second save is refused, says who changed it,
when and what (field by field: the value both started from, theirs, mine), writes nothing, and can
then knowingly go over theirs, which the audit trail records. Two composition roots on one caseload
stand for two windows (or machines)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from personalbudget.errors import ConcurrentEditError
from personalbudget.services import Services, build_services
from personalbudget.services.edit_check import MERGED, SAVED_MINE, Resolution
from tests.core.helpers import person_form


@pytest.fixture
def other(db, clock) -> Services:
    """A second window on the same caseload, signed in as someone else."""
    return build_services(db, clock, actor="other.practitioner")


def _resolutions(services: Services, table: str, row_id: int) -> list[dict]:
    with services.context.db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT actor, summary FROM audit_event WHERE action = 'resolve' AND table_name = :t "
                "AND row_id = :r ORDER BY id"
            ),
            {"t": table, "r": str(row_id)},
        ).fetchall()
    return [{"actor": actor, **json.loads(summary)} for actor, summary in rows]


# -- a person's details ---------------------------------------------------------------------------


def test_a_stale_save_of_a_person_is_refused_with_who_when_and_each_field(services, other):
    person = services.people.add_person(person_form())
    mine_read = services.people.get_person(person.id)
    theirs_read = other.people.get_person(person.id)
    other.people.update_person(person.id, person_form(locality="Eastbrook"), base=theirs_read)

    with pytest.raises(ConcurrentEditError) as refused:
        services.people.update_person(
            person.id, person_form(locality="Westbrook", name="Gwen Pryce"), base=mine_read
        )
    conflict = refused.value
    assert conflict.changed_by == "other.practitioner"
    assert conflict.changed_at  # when, from the audit trail
    assert [(f.field, f.base, f.theirs, f.mine) for f in conflict.fields] == [
        ("locality", "Millbrook", "Eastbrook", "Westbrook")
    ]
    assert "other.practitioner" in str(conflict) and "Locality" in str(conflict)
    # Nothing of the refused save was written, not even the field they did not touch.
    now = services.people.get_person(person.id)
    assert (now.name, now.locality) == ("Gwen Price", "Eastbrook")
    assert conflict.current == now and conflict.current_version == now.row_version


def test_saving_mine_over_theirs_is_recorded_and_a_third_change_is_still_caught(services, other):
    person = services.people.add_person(person_form())
    mine_read = services.people.get_person(person.id)
    other.people.update_person(person.id, person_form(locality="Eastbrook"), base=mine_read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.people.update_person(person.id, person_form(locality="Westbrook"), base=mine_read)
    conflict = refused.value
    assert isinstance(conflict.current, type(mine_read))

    saved = services.people.update_person(
        person.id,
        person_form(locality="Westbrook"),
        base=conflict.current,
        resolution=Resolution(SAVED_MINE, conflict.current_version, ("locality",)),
    )
    assert saved.locality == "Westbrook" and saved.row_version == conflict.current_version + 1
    assert _resolutions(services, "person", person.id) == [
        {
            "actor": "test.practitioner",
            "outcome": SAVED_MINE,
            "over_version": conflict.current_version,
            "fields": ["locality"],
        }
    ]
    # Their window still holds the version before mine: its next save is refused in turn.
    with pytest.raises(ConcurrentEditError):
        other.people.update_person(person.id, person_form(locality="Northbrook"), base=conflict.current)


def test_keeping_theirs_is_recorded(services, other):
    person = services.people.add_person(person_form())
    read = services.people.get_person(person.id)
    other.people.update_person(person.id, person_form(name="Gwen Jones"), base=read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.people.update_person(person.id, person_form(name="Gwen Evans"), base=read)
    services.changes.record_kept_theirs(refused.value)
    assert [r["outcome"] for r in _resolutions(services, "person", person.id)] == ["kept_theirs"]
    assert services.people.get_person(person.id).name == "Gwen Jones"


def test_a_save_from_the_version_just_read_goes_through_and_raises_the_version(services):
    person = services.people.add_person(person_form())
    read = services.people.get_person(person.id)
    saved = services.people.update_person(person.id, person_form(locality="Eastbrook"), base=read)
    assert saved.row_version == read.row_version + 1
    again = services.people.update_person(person.id, person_form(locality="Northbrook"), base=saved)
    assert again.row_version == saved.row_version + 1


def test_a_change_only_to_the_representatives_is_a_new_version_others_are_told_of(services, other):
    person = services.people.add_person(person_form())
    read = services.people.get_person(person.id)
    other.people.update_person(person.id, person_form(representatives=[]), base=read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.people.update_person(person.id, person_form(locality="Eastbrook"), base=read)
    assert [f.field for f in refused.value.fields] == ["representatives"]
    assert refused.value.fields[0].theirs == "(empty)"


def test_a_race_between_the_check_and_the_write_is_refused_whole(services, other, db):
    """The version in the UPDATE's WHERE clause: a row changed after this session read it."""
    from sqlmodel import Session

    from personalbudget.storage.models import Person

    person = services.people.add_person(person_form())
    with Session(db.engine, expire_on_commit=False) as first:
        row = first.get(Person, person.id)
        assert row is not None
        first.commit()  # (SQLite itself refuses a write after a read of an older snapshot: see below)
        other.people.update_person(person.id, person_form(locality="Eastbrook"))
        row.locality = "Westbrook"
        first.add(row)
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            first.commit()
    assert services.people.get_person(person.id).locality == "Eastbrook"


# -- the other records people edit ------------------------------------------------------------------


def _person_at_step_one(services: Services) -> tuple[int, dict[str, str]]:
    pid = services.people.add_person(person_form()).id
    answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    return pid, answers


def test_step_one_answers_and_the_agreed_amount_are_checked(services, other):
    pid, answers = _person_at_step_one(services)
    services.budget.save_answers(pid, "personal_budget", answers)
    mine_read = services.budget.get_budget(pid)
    theirs_read = other.budget.get_budget(pid)
    assert mine_read.row_version == 1
    other.budget.agree_budget(pid, {"social_care": 846_000}, reason="Panel", base=theirs_read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.budget.agree_budget(pid, {"social_care": 900_000}, reason="Mine", base=mine_read)
    by_field = {f.field: f for f in refused.value.fields}
    assert by_field["agreed_annual_pence"].base == "(empty)"
    assert (by_field["agreed_annual_pence"].theirs, by_field["agreed_annual_pence"].mine) == (
        "£8,460.00",
        "£9,000.00",
    )
    assert (by_field["reason"].theirs, by_field["reason"].mine) == ("Panel", "Mine")
    assert services.budget.get_budget(pid).agreed.reason == "Panel"  # nothing of mine saved


def test_step_one_answers_saved_twice_from_one_read(services, other):
    pid, answers = _person_at_step_one(services)
    services.budget.save_answers(pid, "personal_budget", answers)
    read = services.budget.get_budget(pid)
    other.budget.save_answers(pid, "personal_budget", answers, base=read)
    with pytest.raises(ConcurrentEditError):
        services.budget.save_answers(pid, "personal_budget", answers, base=read)


def test_a_plan_draft_names_the_support_line_the_other_person_changed(services, other):
    from dataclasses import replace

    from tests.core.money_helpers import money_plan

    pid, answers = _person_at_step_one(services)
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": 846_000}, reason="Panel")
    read = services.plans.save_draft(pid, money_plan())
    theirs = money_plan()
    theirs.support_items[1] = replace(theirs.support_items[1], unit_cost="35.00")
    other.plans.save_draft(pid, theirs, base=read)
    mine = money_plan()
    mine.contingency = "Brother covers"
    with pytest.raises(ConcurrentEditError) as refused:
        services.plans.save_draft(pid, mine, base=read)
    assert [f.field for f in refused.value.fields] == ["support_items:1"]
    assert "35.00" in refused.value.fields[0].theirs and "30.00" in refused.value.fields[0].base
    assert services.plans.get_plan(pid).content.contingency == "Sister covers"
    merged = services.plans.save_draft(
        pid, mine, base=refused.value.current, resolution=Resolution(MERGED, refused.value.current_version)
    )
    assert merged.content.contingency == "Brother covers"
    assert [r["outcome"] for r in _resolutions(services, "support_plan", merged.plan_id)] == [MERGED]


def test_how_the_budget_is_managed_is_checked(services, other):
    from tests.core.money_helpers import agreed_person, direct_payment

    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    read = services.management.get_management(pid)
    assert read.row_version == 1
    other.management.record_management(pid, direct_payment(amount="700.00"), base=read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.management.record_management(pid, direct_payment(amount="600.00"), base=read)
    assert [f.field for f in refused.value.fields] == ["schedule"]
    assert "£700.00" in refused.value.fields[0].theirs and "£600.00" in refused.value.fields[0].mine
    assert services.management.get_management(pid).schedule.amount_pence == 70_000


def test_a_contribution_recorded_meanwhile_is_not_silently_replaced(services, other):
    from personalbudget.domain.charging import ContributionForm
    from tests.core.money_helpers import agreed_person

    pid = agreed_person(services)
    read = services.charging.get_contribution(pid)
    other.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2026, 4, 6), "Assessment", "net"), base=read
    )
    with pytest.raises(ConcurrentEditError) as refused:
        services.charging.record_contribution(
            pid, ContributionForm("nil", "", date(2026, 4, 6), "No charge", "net"), base=read
        )
    by_field = {f.field: f for f in refused.value.fields}
    assert by_field["weekly_pence"].theirs == "£42.50" and by_field["weekly_pence"].base == "(empty)"
    assert len(services.charging.get_contribution(pid).history) == 1


def test_ending_an_arrangement_someone_else_changed_is_refused(services, other):
    from tests.core.money_helpers import agreed_person, arrange_everything, direct_payment

    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)
    arrangement = services.support.get_support(pid).items[0].arrangements[0]
    other.support.end_arrangement(pid, arrangement.id, date(2026, 9, 30), base=arrangement)
    with pytest.raises(ConcurrentEditError) as refused:
        services.support.end_arrangement(pid, arrangement.id, date(2026, 8, 31), base=arrangement)
    assert [f.field for f in refused.value.fields] == ["ends_on"]
    ended = services.support.get_support(pid).items[0].arrangements[0]
    assert ended.ends_on == date(2026, 9, 30)


def test_a_review_draft_saved_meanwhile_is_not_overwritten_nor_completed_over(services, other):
    from personalbudget.services.dto import ReviewForm
    from tests.core.money_helpers import living_person

    pid = living_person(services)
    read = services.reviews.request_review(pid, "Planned")
    other.reviews.save_draft(read.review_id, ReviewForm(method="Telephone", risks="Stairs"), base=read)
    with pytest.raises(ConcurrentEditError) as refused:
        services.reviews.save_draft(read.review_id, ReviewForm(method="Face to face"), base=read)
    by_field = {f.field: f for f in refused.value.fields}
    assert set(by_field) == {"method", "risks"}
    assert (by_field["method"].base, by_field["method"].theirs, by_field["method"].mine) == (
        "(empty)",
        "Telephone",
        "Face to face",
    )
    assert services.reviews.get(read.review_id).form.method == "Telephone"
    again = services.reviews.save_draft(
        read.review_id,
        ReviewForm(method="Face to face", risks="Stairs"),
        base=refused.value.current,
        resolution=Resolution(MERGED, refused.value.current_version, ("method",)),
    )
    assert again.form.method == "Face to face" and again.row_version == refused.value.current_version + 1


def test_a_transaction_relinked_meanwhile_is_not_deleted_from_the_version_shown(services, other, db):
    from personalbudget.services.ledger_service import TransactionForm
    from tests.core.money_helpers import item_ids, living_person

    pid = living_person(services)
    tid = services.ledger.add_transaction(pid, TransactionForm(date(2026, 4, 6), "12.00", False, "Taxi"))
    with db.engine.connect() as connection:
        shown = connection.execute(
            text("SELECT row_version FROM ledger_transaction WHERE id = :id"), {"id": tid}
        ).scalar()
    gym = item_ids(services, pid)["Gym membership"]
    assert other.ledger.link_transactions(pid, [tid], gym) == 1  # a new version of the row
    with pytest.raises(ConcurrentEditError) as refused:
        services.ledger.delete_transaction(pid, tid, base_version=shown)
    # A bulk relink is audited once for the person's ledger on a laptop (who is not named for the
    # row), row by row by a server's trigger.
    named = "other.practitioner" if db.engine.dialect.name == "postgresql" else "Someone else"
    assert refused.value.changed_by == named and refused.value.fields == ()
    with db.engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM ledger_transaction WHERE id = :id"), {"id": tid}
            ).scalar()
            == 1
        )
    services.ledger.delete_transaction(pid, tid, base_version=refused.value.current_version)
    with db.engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM ledger_transaction WHERE id = :id"), {"id": tid}
            ).scalar()
            == 0
        )


def test_two_first_drafts_of_one_plan_at_once_refuse_the_second_as_a_conflict(services, other, monkeypatch):
    """On a team caseload two people's first saves of a plan can both read "no plan yet" before
    either commits (READ COMMITTED); the second then takes the version number the first made. It
    was an IntegrityError (seen in benchmarks/team_load_benchmark.py); it is a conflict, with
    theirs to reload, and nothing of the second is written."""
    from tests.core.money_helpers import money_plan

    pid, answers = _person_at_step_one(services)
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": 846_000}, reason="Panel")
    assert services.plans.get_plan(pid) is None  # what both pages read
    theirs = other.plans.save_draft(pid, money_plan())
    # This save's reads happened before theirs committed: they found no plan.
    plans = type(services.plans)
    real = plans._latest_in_cycle
    reads = iter([None])  # the first read (the save's own) is stale; the next, after the refusal, is not
    monkeypatch.setattr(
        plans, "_latest_in_cycle", lambda self, session, cycle: next(reads, real(self, session, cycle))
    )
    monkeypatch.setattr(plans, "_latest_of_person", lambda self, session, person_id: None)
    mine = money_plan()
    mine.contingency = "Brother covers"
    with pytest.raises(ConcurrentEditError) as refused:
        services.plans.save_draft(pid, mine)
    monkeypatch.undo()
    assert refused.value.current.plan_id == theirs.plan_id  # theirs, to reload or to save over
    assert refused.value.table == "support_plan" and refused.value.current_version == theirs.row_version
    kept = services.plans.get_plan(pid)
    assert kept is not None and kept.plan_id == theirs.plan_id and kept.content.contingency == "Sister covers"
    assert [p.version for p in services.plans.history(pid)] == [1]


def test_a_first_draft_saved_meanwhile_is_not_replaced_by_a_page_that_read_no_plan(services, other):
    """My page read no plan yet (a first draft being written); someone else saved one meanwhile.
    My save is refused field by field from an empty plan, and theirs is kept."""
    from tests.core.money_helpers import money_plan

    pid, answers = _person_at_step_one(services)
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": 846_000}, reason="Panel")
    assert services.plans.get_plan(pid) is None  # what my page read
    theirs = other.plans.save_draft(pid, money_plan())
    mine = money_plan()
    mine.contingency = "Brother covers"
    with pytest.raises(ConcurrentEditError) as refused:
        services.plans.save_draft(pid, mine, base=None, read_nothing=True)
    changed = {f.label: (f.base, f.theirs, f.mine) for f in refused.value.fields}
    assert changed["If things go wrong"] == ("(empty)", "Sister covers", "Brother covers"), changed
    kept = services.plans.get_plan(pid)
    assert kept is not None and kept.plan_id == theirs.plan_id and kept.content.contingency == "Sister covers"
    # Saving mine over theirs is still possible, knowingly, from the plan the refusal carried.
    over = services.plans.save_draft(pid, mine, base=refused.value.current)
    assert over.content.contingency == "Brother covers"
