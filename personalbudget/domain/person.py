"""Validation of a person's details, as typed into a form or read from a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from personalbudget.domain import nhs_number
from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS, REPRESENTATIVE_ROLES
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _

MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 200
OLDEST_AGE = 125


@dataclass
class RepresentativeForm:
    name: str
    role: str = "carer"
    relationship: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class PersonForm:
    """A person's details as entered; ``validate_person`` cleans and checks them."""

    name: str
    date_of_birth: date | None
    locality: str
    primary_support_reason: str = "Unknown"
    nhs_number: str = ""
    representatives: list[RepresentativeForm] = field(default_factory=list)


def age_on(date_of_birth: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


def validate_person(form: PersonForm, today: date) -> PersonForm:
    """Return a cleaned copy of ``form`` or raise ValidationError naming every problem."""
    errors: list[FieldError] = []
    name = " ".join(form.name.split())
    if not name:
        errors.append(FieldError("name", _("Enter the person's name.")))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(
            FieldError(
                "name",
                _("The name is too long: use at most {n} characters.").format(n=MAX_NAME_LENGTH),
            )
        )

    if form.date_of_birth is None:
        errors.append(FieldError("date_of_birth", _("Enter the date of birth.")))
    elif form.date_of_birth > today:
        errors.append(FieldError("date_of_birth", _("The date of birth is in the future: please check it.")))
    elif age_on(form.date_of_birth, today) > OLDEST_AGE:
        errors.append(
            FieldError(
                "date_of_birth",
                _("The date of birth is more than {n} years ago: please check it.").format(n=OLDEST_AGE),
            )
        )

    nhs = form.nhs_number.strip()
    if nhs:
        try:
            nhs = nhs_number.normalise(nhs)
        except nhs_number.InvalidNhsNumber as problem:
            errors.append(FieldError("nhs_number", str(problem)))

    locality = " ".join(form.locality.split())
    if not locality:
        errors.append(FieldError("locality", _("Choose the locality the person lives in.")))
    elif len(locality) > MAX_TEXT_LENGTH:
        errors.append(FieldError("locality", _("The locality name is too long.")))

    if form.primary_support_reason not in PRIMARY_SUPPORT_REASONS:
        errors.append(
            FieldError("primary_support_reason", _("Choose a primary support reason from the list."))
        )

    representatives = []
    for index, rep in enumerate(form.representatives, start=1):
        rep_name = " ".join(rep.name.split())
        if not rep_name:
            errors.append(
                FieldError("representatives", _("Carer or representative {n} has no name.").format(n=index))
            )
        if rep.role not in REPRESENTATIVE_ROLES:
            errors.append(
                FieldError("representatives", _("Carer or representative {n} has no role.").format(n=index))
            )
        for label, value in (
            ("relationship", rep.relationship),
            ("phone", rep.phone),
            ("email", rep.email),
        ):
            if len(value) > MAX_TEXT_LENGTH:
                errors.append(
                    FieldError(
                        "representatives",
                        _("Carer or representative {n}: the {field} is too long.").format(
                            n=index, field=label
                        ),
                    )
                )
        representatives.append(
            RepresentativeForm(
                rep_name, rep.role, rep.relationship.strip(), rep.phone.strip(), rep.email.strip()
            )
        )

    if errors:
        raise ValidationError(errors)
    return PersonForm(
        name=name,
        date_of_birth=form.date_of_birth,
        locality=locality,
        primary_support_reason=form.primary_support_reason,
        nhs_number=nhs,
        representatives=representatives,
    )
