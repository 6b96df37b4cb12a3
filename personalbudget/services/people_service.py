"""Adding, changing, finding and listing the people in a caseload."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import PersonForm, age_on, validate_person
from personalbudget.domain.roles import Permission
from personalbudget.errors import FieldError, NotFoundError, ValidationError
from personalbudget.i18n import N_, _
from personalbudget.services.access import allocate_new_person
from personalbudget.services.context import ServiceContext, use_case
from personalbudget.services.dto import CaseloadRow, PersonDetails, RepresentativeDetails
from personalbudget.services.edit_check import Resolution, check_unchanged, touch, values_of
from personalbudget.services.lifecycle_service import is_overdue, open_cycle
from personalbudget.storage import postgres_security
from personalbudget.storage.models import Person, Representative
from personalbudget.storage.sql import driver as raw_driver

_DUPLICATE_NHS = N_("Another person in this caseload already has this NHS number.")

# The fields of a person's details that a save checks against someone else's, as the form names them.
PERSON_FIELDS = {
    "name": N_("Name"),
    "date_of_birth": N_("Date of birth"),
    "nhs_number": N_("NHS number"),
    "locality": N_("Locality"),
    "primary_support_reason": N_("Primary support reason"),
    "representatives": N_("Family and representatives"),
}


def _representatives(value: object) -> tuple[tuple[str, ...], ...]:
    reps = value if isinstance(value, tuple | list) else ()
    return tuple(
        (r.name, r.role, r.relationship, r.phone, r.email)  # RepresentativeDetails or RepresentativeForm
        for r in reps
    )


_PERSON_NORMALISE = {"nhs_number": lambda v: v or "", "representatives": _representatives}

# One pass over each table (the last cycle of each person through the (person_id, number) index),
# read through the driver's own cursor; the rows are put in order in Python: SQLite's sort of every
# row by name COLLATE NOCASE cost 1.5 s of the 2 s at 50,000 people.
_CASELOAD_SQL = """
    SELECT p.id, p.name, p.nhs_number, p.date_of_birth, p.locality, p.primary_support_reason,
           c.current_step, c.status, c.next_review_due
    FROM person p
    LEFT JOIN (SELECT person_id, max(number) AS number FROM plan_cycle GROUP BY person_id) last
        ON last.person_id = p.id
    LEFT JOIN plan_cycle c ON c.person_id = last.person_id AND c.number = last.number
"""
_STEPS = {int(step): step for step in Step}


class PeopleService:
    def __init__(self, context: ServiceContext):
        self._ctx = context

    def add_person(self, form: PersonForm) -> PersonDetails:
        """Save a new person and open their first cycle at step 1 (set budget)."""
        self._ctx.require(Permission.EDIT_PEOPLE)
        clean = validate_person(form, self._ctx.clock.today())
        now = self._ctx.clock.now()
        with self._ctx.db.session() as session:
            self._check_unique_nhs(session, clean.nhs_number, None)
            person = Person(
                name=clean.name,
                date_of_birth=clean.date_of_birth,  # type: ignore[arg-type]
                nhs_number=clean.nhs_number or None,
                locality=clean.locality,
                primary_support_reason=clean.primary_support_reason,
                created_at=now,
                updated_at=now,
            )
            session.add(person)
            self._flush(session)
            assert person.id is not None
            self._replace_representatives(session, person.id, clean)
            allocate_new_person(session, person.id, self._ctx.actor, self._ctx.role, now)
            open_cycle(
                session,
                person.id,
                start_at=Step.SET_BUDGET,
                now=now,
                actor=self._ctx.actor,
                reason="",
            )
            return self._details(session, person)

    @use_case
    def update_person(
        self,
        person_id: int,
        form: PersonForm,
        *,
        base: PersonDetails | None = None,
        resolution: Resolution | None = None,
    ) -> PersonDetails:
        """Save changed details. ``base`` is the person as read for the form: if someone else has
        saved them since, ConcurrentEditError says who, when and what, and nothing is saved (unless
        ``resolution`` says this save knowingly goes over theirs, which the audit trail records)."""
        self._ctx.require(Permission.EDIT_PEOPLE, person_id)
        clean = validate_person(form, self._ctx.clock.today())
        with self._ctx.db.session() as session:
            person = self._get(session, person_id)
            if base is not None:
                theirs = self._details(session, person)
                check_unchanged(
                    session,
                    person,
                    base.row_version,
                    record=_("{name}'s details").format(name=theirs.name),
                    labels=PERSON_FIELDS,
                    base=values_of(base, PERSON_FIELDS, _PERSON_NORMALISE),
                    theirs=values_of(theirs, PERSON_FIELDS, _PERSON_NORMALISE),
                    mine=values_of(clean, PERSON_FIELDS, _PERSON_NORMALISE),
                    current=lambda: theirs,
                    actor=self._ctx.actor,
                    resolution=resolution,
                )
            self._check_unique_nhs(session, clean.nhs_number, person_id)
            person.name = clean.name
            person.date_of_birth = clean.date_of_birth  # type: ignore[assignment]
            person.nhs_number = clean.nhs_number or None
            person.locality = clean.locality
            person.primary_support_reason = clean.primary_support_reason
            person.updated_at = self._ctx.clock.now()
            touch(session, person, "updated_at")  # a new version even when only the representatives changed
            session.add(person)
            self._replace_representatives(session, person_id, clean)
            self._flush(session)
            return self._details(session, person)

    @use_case
    def get_person(self, person_id: int) -> PersonDetails:
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            return self._details(session, self._get(session, person_id))

    @use_case
    def list_caseload(self) -> list[CaseloadRow]:
        """Everyone in the caseload with their current step and review date, by name."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        today = self._ctx.clock.today()
        # One tight pass over the cursor (never every raw row at once), with what repeats worked out
        # once each: a 50,000-person list holds one copy of each locality, support reason and date,
        # and works out each birthday's age and each review date's lateness once.
        shared: dict[str, str] = {}
        ages: dict[str, int] = {}
        reviews: dict[tuple[str, bool], tuple[date, bool]] = {}
        steps = _STEPS
        new_row = CaseloadRow._make
        rows: list[CaseloadRow] = []
        add = rows.append
        with self._ctx.db.session() as session:  # (the use case's: the scope and the list in one transaction)
            connection = session.connection()
            with postgres_security.reading_many(connection):  # (the scope's statement and the list's)
                scope = self._ctx.visible_people()  # only the people this account may see (services.access)
                people = None if scope.everyone else scope.people
                cursor = raw_driver(connection).execute(_CASELOAD_SQL)
                for pid, name, nhs, dob, locality, psr, step, status, due in cursor:
                    if people is not None and pid not in people:
                        continue
                    age = ages.get(dob)
                    if age is None:
                        age = ages[dob] = age_on(date.fromisoformat(dob[:10]), today)
                    is_open = status == "open"
                    if due is None:
                        review, overdue = None, False
                    else:
                        known = reviews.get((due, is_open))
                        if known is None:
                            day = date.fromisoformat(due[:10])
                            known = reviews[(due, is_open)] = (day, is_overdue(day, is_open, today))
                        review, overdue = known
                    add(
                        new_row(
                            (
                                pid,
                                name,
                                nhs,
                                age,
                                shared.setdefault(locality, locality),
                                shared.setdefault(psr, psr),
                                steps[step] if step else None,
                                is_open,
                                review,
                                overdue,
                            )
                        )
                    )
        rows.sort(key=lambda row: (row.name.casefold(), row.person_id))
        return rows

    def localities(self) -> list[str]:
        """Localities already used in this caseload, for the person form's list."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.session() as session:
            return sorted(set(session.exec(select(Person.locality).distinct()).all()))

    # -- helpers -------------------------------------------------------------------------
    def _get(self, session: Session, person_id: int) -> Person:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFoundError(_("There is no person with id {id} in this caseload.").format(id=person_id))
        return person

    def _check_unique_nhs(self, session: Session, nhs_number: str, person_id: int | None) -> None:
        if not nhs_number:
            return
        other = session.exec(select(Person.id).where(Person.nhs_number == nhs_number)).first()
        if other is not None and other != person_id:
            raise ValidationError(FieldError("nhs_number", _(_DUPLICATE_NHS)))

    def _flush(self, session: Session) -> None:
        try:
            session.flush()
        except IntegrityError as problem:  # a race with another window on the same file
            if "nhs_number" in str(problem.orig):
                raise ValidationError(FieldError("nhs_number", _(_DUPLICATE_NHS))) from None
            raise

    def _replace_representatives(self, session: Session, person_id: int, form: PersonForm) -> None:
        # Read before the person's own change is written (on a team caseload the first write takes
        # the audit trail's lock until COMMIT, and every other writer waits), and so the change's
        # duplicate NHS number is met in _flush, where it is said in words.
        with session.no_autoflush:
            old = session.exec(select(Representative).where(Representative.person_id == person_id)).all()
        for row in old:
            session.delete(row)
        for position, rep in enumerate(form.representatives):
            session.add(
                Representative(
                    person_id=person_id,
                    position=position,
                    name=rep.name,
                    role=rep.role,
                    relationship=rep.relationship,
                    phone=rep.phone,
                    email=rep.email,
                )
            )

    def _details(self, session: Session, person: Person) -> PersonDetails:
        reps = session.exec(
            select(Representative)
            .where(Representative.person_id == person.id)
            .order_by(col(Representative.position))
        ).all()
        return PersonDetails(
            id=person.id,  # type: ignore[arg-type]
            name=person.name,
            date_of_birth=person.date_of_birth,
            age=age_on(person.date_of_birth, self._ctx.clock.today()),
            nhs_number=person.nhs_number,
            locality=person.locality,
            primary_support_reason=person.primary_support_reason,
            representatives=tuple(
                RepresentativeDetails(r.name, r.role, r.relationship, r.phone, r.email) for r in reps
            ),
            row_version=person.row_version,
        )
