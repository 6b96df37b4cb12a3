"""A realistic synthetic caseload for training, demos and benchmarks.

Deterministic for a seed. No real person's data: names are random combinations
of common name parts, NHS numbers come from the 999 test range (never issued),
and localities belong to a fictional council.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from personalbudget.domain.lifecycle import Step, fresh_steps, move
from personalbudget.domain.nhs_number import check_digit
from personalbudget.domain.person import PersonForm, RepresentativeForm, validate_person
from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _
from personalbudget.paths import resources_dir
from personalbudget.services.context import ServiceContext
from personalbudget.storage.models import (
    CycleStep,
    Person,
    PlanCycle,
    Representative,
    StepTransition,
)

MAX_DEMO_PEOPLE = 100_000
# How often each primary support reason appears (roughly as in adult social care returns).
_PSR_WEIGHTS = (8, 34, 3, 2, 1, 14, 14, 10, 2, 1, 6, 3, 2)
_STEP_WEIGHTS = (8, 8, 6, 5, 5, 50, 18)  # most people are living with an agreed plan
_MILESTONES = {
    Step.SET_BUDGET: "budget_agreed_at",
    Step.PLAN_SUPPORT: "plan_submitted_at",
    Step.AGREE_PLAN: "plan_agreed_at",
    Step.MANAGE_BUDGET: "management_recorded_at",
    Step.ORGANISE_SUPPORT: "support_arranged_at",
}
_RELATIONSHIPS = (
    "daughter",
    "son",
    "husband",
    "wife",
    "partner",
    "mother",
    "father",
    "sister",
    "friend",
)

Progress = Callable[[int, int], bool]  # (done, total) -> carry on?


def _names() -> dict[str, list[str]]:
    with (resources_dir() / "demo_names.toml").open("rb") as handle:
        return tomllib.load(handle)


def demo_nhs_number(rng: random.Random) -> str:
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = check_digit(first_nine)
        if digit is not None:
            return first_nine + str(digit)


def build_demo_caseload(
    context: ServiceContext, *, people: int, seed: int, progress: Progress | None = None
) -> int:
    """Add ``people`` synthetic people to the caseload in one transaction; returns how many.

    Returns 0 and adds nothing if ``progress`` asks to stop.
    """
    if not 1 <= people <= MAX_DEMO_PEOPLE:
        raise ValidationError(
            FieldError("people", _("Choose between 1 and {n} demo people.").format(n=MAX_DEMO_PEOPLE))
        )
    rng = random.Random(seed)
    names = _names()
    today = context.clock.today()
    now = context.clock.now()
    used_nhs: set[str] = set()

    with context.db.session() as session:
        used_nhs.update(n for n in session.exec(select(Person.nhs_number)) if n)
        for index in range(people):
            if progress and index % 250 == 0 and not progress(index, people):
                session.rollback()
                return 0
            form = _person_form(rng, names, today, used_nhs)
            clean = validate_person(form, today)
            created = now - timedelta(days=rng.randrange(30, 900))
            person = Person(
                name=clean.name,
                date_of_birth=clean.date_of_birth,  # type: ignore[arg-type]
                nhs_number=clean.nhs_number or None,
                locality=clean.locality,
                primary_support_reason=clean.primary_support_reason,
                created_at=created,
                updated_at=created,
            )
            session.add(person)
            session.flush()
            assert person.id is not None
            for position, rep in enumerate(clean.representatives):
                session.add(
                    Representative(
                        person_id=person.id,
                        position=position,
                        name=rep.name,
                        role=rep.role,
                        relationship=rep.relationship,
                        phone=rep.phone,
                        email=rep.email,
                    )
                )
            _add_cycle(session, rng, person.id, created, today, context.actor)
        if progress:
            progress(people, people)
    return people


def _person_form(
    rng: random.Random, names: dict[str, list[str]], today: date, used_nhs: set[str]
) -> PersonForm:
    age = min(100, 18 + int(rng.betavariate(2.2, 1.6) * 83))
    dob = today - timedelta(days=age * 365 + age // 4 + rng.randrange(1, 360))
    nhs = ""
    if rng.random() < 0.92:
        nhs = demo_nhs_number(rng)
        while nhs in used_nhs:
            nhs = demo_nhs_number(rng)
        used_nhs.add(nhs)
    family = rng.choice(names["family"])
    reps = []
    if rng.random() < 0.45:
        relationship = rng.choice(_RELATIONSHIPS)
        reps.append(
            RepresentativeForm(
                name=f"{rng.choice(names['given'])} {family if rng.random() < 0.7 else rng.choice(names['family'])}",
                role=rng.choice(("carer", "carer", "carer", "representative", "nominated", "attorney")),
                relationship=relationship,
                phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama and fiction
            )
        )
    return PersonForm(
        name=f"{rng.choice(names['given'])} {family}",
        date_of_birth=dob,
        locality=rng.choice(names["localities"]),
        primary_support_reason=rng.choices(PRIMARY_SUPPORT_REASONS, weights=_PSR_WEIGHTS)[0],
        nhs_number=nhs,
        representatives=reps,
    )


def _add_cycle(
    session: Session, rng: random.Random, person_id: int, created: datetime, today: date, actor: str
) -> None:
    """A first cycle walked step by step to a random current step, with consistent milestones."""
    step = Step(rng.choices(list(Step), weights=_STEP_WEIGHTS)[0])
    at = created
    records = fresh_steps(Step.SET_BUDGET, at)
    cycle = PlanCycle(person_id=person_id, number=1, current_step=int(step), opened_at=at, opened_by=actor)
    moves = []
    for source in Step:
        if source >= step:
            break
        at = at + timedelta(days=rng.randrange(3, 21))
        if source in _MILESTONES:
            setattr(cycle, _MILESTONES[source], at)
        records = move(records, source, Step(source + 1), at)
        moves.append((source, at))
    if cycle.plan_agreed_at is not None:
        due = cycle.plan_agreed_at.date() + timedelta(weeks=8)  # first, light-touch review
        slack = timedelta(days=rng.randrange(0, 21))
        while due < today - slack:
            due = _next_year(due)  # then at least every 12 months
        if rng.random() < 0.12:  # some reviews have slipped
            due = today - timedelta(days=rng.randrange(1, 90))
        cycle.next_review_due = due
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    for record in records.values():
        session.add(
            CycleStep(
                cycle_id=cycle.id,
                step=int(record.step),
                status=record.status.value,
                started_at=record.started_at,
                completed_at=record.completed_at,
            )
        )
    session.add(StepTransition(cycle_id=cycle.id, kind="start", to_step=1, at=created, actor=actor))
    for source, moved_at in moves:
        session.add(
            StepTransition(
                cycle_id=cycle.id,
                kind="advance",
                from_step=int(source),
                to_step=int(source) + 1,
                at=moved_at,
                actor=actor,
            )
        )


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
