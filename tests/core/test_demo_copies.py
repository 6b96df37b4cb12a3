"""A big demo caseload: a few lives built through the services, the rest copies of them with
identities of their own (storage/demo_copy.py). What a user relies on still holds."""

from __future__ import annotations

from sqlalchemy import text

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.nhs_number import check_digit
from personalbudget.services.demo_service import build_demo_caseload
from tests.core.helpers import verify_trail

PEOPLE, LIVES = 70, 12  # six copies of the first people built, as 5,000 people are of 250 lives


def _rows(db, sql):  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return connection.execute(text(sql)).all()


def test_copied_demo_people_are_whole_people_of_their_own(db, services):
    assert build_demo_caseload(services.context, people=PEOPLE, seed=3, lives=LIVES) == PEOPLE
    people = services.people.list_caseload()
    assert len(people) == PEOPLE
    numbers = [n for (n,) in _rows(db, "SELECT nhs_number FROM person") if n]
    assert len(numbers) > PEOPLE * 0.8 and len(set(numbers)) == len(numbers)
    assert all(n.startswith("999") and check_digit(n[:9]) == int(n[9]) for n in numbers)
    assert len({p.name for p in people}) > PEOPLE * 0.8  # names of their own, not the originals'
    # Every copy has its cycle, its steps and (at step 6) its money, as the life it copies.
    people.sort(key=lambda p: p.person_id)
    steps = {p.step for p in people}
    assert Step.LIVE_LIFE in steps and len(steps) >= 4
    copies = people[LIVES:]
    for person in copies[-5:]:
        assert services.lifecycle.get_cycle(person.person_id).current_step == person.step
    living = [p for p in copies if p.step == Step.LIVE_LIFE]
    assert living and services.ledger.ledger(living[0].person_id).rows
    # The trail is whole (on a laptop one bulk event; on a server each row by its trigger).
    report = verify_trail(db)
    assert report.ok, report.problems


def test_a_cancelled_copy_adds_nothing(db, services):
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return done < LIVES + 5  # stops while the copies are made

    assert build_demo_caseload(services.context, people=PEOPLE, seed=3, lives=LIVES, progress=progress) == 0
    assert max(calls) >= LIVES  # it was copying when it stopped
    assert services.people.list_caseload() == []
    assert _rows(db, "SELECT count(*) FROM ledger_transaction") == [(0,)]
