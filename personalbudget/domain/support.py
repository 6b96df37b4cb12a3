"""Step 5: the provider directory, arrangements for each plan item, and the PA employer checklist.

Pure checks and reminder rules; the support service stores and reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from personalbudget.domain.management import contains_card_number
from personalbudget.domain.money import Frequency, annual_cost, parse_pounds, round_half_up
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money, ngettext

MAX_TEXT = 500
STATUTORY_HOLIDAY_WEEKS = Decimal("5.6")


class ProviderKind(StrEnum):
    AGENCY = "agency"
    PERSONAL_ASSISTANT = "personal_assistant"
    MICRO_ENTERPRISE = "micro_enterprise"
    VOLUNTARY = "voluntary"
    UNIVERSAL = "universal"

    @property
    def label(self) -> str:
        return _(PROVIDER_KIND_LABELS[self])


PROVIDER_KIND_LABELS = {
    ProviderKind.AGENCY: N_("Agency"),
    ProviderKind.PERSONAL_ASSISTANT: N_("Personal assistant (PA)"),
    ProviderKind.MICRO_ENTERPRISE: N_("Micro-enterprise"),
    ProviderKind.VOLUNTARY: N_("Voluntary or community group"),
    ProviderKind.UNIVERSAL: N_("Universal service (open to everyone)"),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ProviderForm:
    name: str
    kind: str
    contact: str = ""
    phone: str = ""
    email: str = ""
    registration_number: str = ""
    notes: str = ""


def check_provider(form: ProviderForm) -> ProviderForm:
    errors: list[FieldError] = []
    clean = ProviderForm(
        name=" ".join(form.name.split()),
        kind=form.kind,
        contact=" ".join(form.contact.split()),
        phone=form.phone.strip(),
        email=form.email.strip(),
        registration_number=form.registration_number.strip().upper(),
        notes=form.notes.strip(),
    )
    if not clean.name:
        errors.append(FieldError("name", _("Enter the provider's or personal assistant's name.")))
    try:
        ProviderKind(clean.kind)
    except ValueError:
        errors.append(
            FieldError("kind", _("Choose the type: agency, PA, micro-enterprise, voluntary or universal."))
        )
    if clean.email and not _EMAIL.match(clean.email):
        errors.append(FieldError("email", _("'{text}' is not an email address.").format(text=clean.email)))
    for name in ("name", "contact", "phone", "email", "registration_number", "notes"):
        value = getattr(clean, name)
        if len(value) > MAX_TEXT:
            errors.append(
                FieldError(name, _("This is too long: use at most {n} characters.").format(n=MAX_TEXT))
            )
        if contains_card_number(value):
            errors.append(FieldError(name, _("Do not record card numbers here.")))
    if errors:
        raise ValidationError(errors)
    return clean


def provider_key(name: str, kind: str) -> tuple[str, str]:
    """What makes two directory entries the same: the name (ignoring case and spacing) and the type."""
    return " ".join(name.split()).casefold(), kind


@dataclass(frozen=True)
class DirectoryEntry:
    id: int
    name: str
    kind: str
    active: bool = True


def check_not_a_duplicate(
    clean: ProviderForm, existing: list[DirectoryEntry], own_id: int | None = None
) -> None:
    """Refuse a second entry with the same name and type (``clean`` as check_provider returns it),
    naming the entry that is already there."""
    key = provider_key(clean.name, clean.kind)
    for entry in existing:
        if entry.id != own_id and provider_key(entry.name, entry.kind) == key:
            kind = ProviderKind(entry.kind).label
            message = (
                _(
                    "{name} ({kind}) is already in the directory. Use that entry, or tell the two apart by name."
                )
                if entry.active
                else _(
                    "{name} ({kind}) is already in the directory, marked as no longer used. "
                    "Use that entry, or tell the two apart by name."
                )
            )
            raise ValidationError(FieldError("name", message.format(name=entry.name, kind=kind)))


@dataclass(frozen=True)
class RateOverPlan:
    """An arranged rate above the plan's unit cost: how much more a unit, and over a year."""

    provider_name: str
    plan_unit_pence: int
    rate_pence: int
    per_year: Fraction  # exact pence

    @property
    def per_unit_pence(self) -> int:
        return self.rate_pence - self.plan_unit_pence

    @property
    def per_year_pence(self) -> int:
        return round_half_up(self.per_year)

    def describe(self, item_label: str) -> str:
        text = (
            _(
                "{item}: {provider}'s rate of {rate} is {over} a unit more than the plan's {unit} "
                "({year} a year more than planned)."
            )
            if self.provider_name
            else _(
                "{item}: a rate of {rate} is {over} a unit more than the plan's {unit} "
                "({year} a year more than planned)."
            )
        )
        return text.format(
            item=item_label,
            provider=self.provider_name,
            rate=format_money(self.rate_pence),
            over=format_money(self.per_unit_pence),
            unit=format_money(self.plan_unit_pence),
            year=format_money(self.per_year_pence),
        )


def rate_over_plan(
    provider_name: str, plan_unit_pence: int, rate_pence: int, quantity: Decimal, frequency: Frequency
) -> RateOverPlan | None:
    """The excess when a provider's rate is above the plan line's unit cost, or None."""
    if rate_pence <= plan_unit_pence:
        return None
    per_year = annual_cost(rate_pence - plan_unit_pence, quantity, frequency)
    return RateOverPlan(provider_name, plan_unit_pence, rate_pence, per_year)


@dataclass
class ArrangementForm:
    plan_item_id: int
    provider_id: int | None
    starts_on: date | None
    unit_rate: str
    funding_option: str = ""
    note: str = ""
    ends_on: date | None = None


def check_arrangement(form: ArrangementForm, funding_options: set[str]) -> int:
    """Check an arrangement; returns the rate in pence."""
    errors: list[FieldError] = []
    if form.provider_id is None:
        errors.append(
            FieldError("provider_id", _("Choose who delivers this support (or add them to the directory)."))
        )
    if form.starts_on is None:
        errors.append(FieldError("starts_on", _("Enter the date the support starts.")))
    if form.ends_on is not None and form.starts_on is not None and form.ends_on < form.starts_on:
        errors.append(FieldError("ends_on", _("The end date is before the start date.")))
    rate = 0
    try:
        rate = parse_pounds(form.unit_rate)
    except ValueError as problem:
        errors.append(FieldError("unit_rate", _("Rate: {problem}").format(problem=problem)))
    if funding_options and form.funding_option not in funding_options:
        errors.append(FieldError("funding_option", _("Choose which part of the budget pays for it.")))
    if len(form.note) > MAX_TEXT:
        errors.append(FieldError("note", _("The note is too long.")))
    if errors:
        raise ValidationError(errors)
    return rate


# -- the PA employer checklist ----------------------------------------------------------------------


@dataclass
class PaEntry:
    provider_id: int
    dbs_checked_on: date | None = None
    contract_signed_on: date | None = None
    holiday_days: str = ""


@dataclass
class EmployerForm:
    insurer: str = ""
    insurance_expires_on: date | None = None
    payroll: str = ""
    pas: list[PaEntry] = field(default_factory=list)


def check_employer(form: EmployerForm, today: date) -> EmployerForm:
    errors: list[FieldError] = []
    for index, pa in enumerate(form.pas):
        if pa.holiday_days.strip():
            try:
                days = Decimal(pa.holiday_days.strip())
                if not days.is_finite() or days < 0 or days > 366:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(
                    FieldError(
                        f"pas[{index}].holiday_days",
                        _("Holiday entitlement: '{text}' is not a number of days, e.g. 28.").format(
                            text=pa.holiday_days
                        ),
                    )
                )
        for name in ("dbs_checked_on", "contract_signed_on"):
            value = getattr(pa, name)
            if value is not None and value > today:
                errors.append(FieldError(f"pas[{index}].{name}", _("This date is in the future.")))
    if contains_card_number(form.insurer) or contains_card_number(form.payroll):
        errors.append(FieldError("insurer", _("Do not record card numbers here.")))
    if errors:
        raise ValidationError(errors)
    return EmployerForm(
        insurer=" ".join(form.insurer.split()),
        insurance_expires_on=form.insurance_expires_on,
        payroll=" ".join(form.payroll.split()),
        pas=[
            PaEntry(p.provider_id, p.dbs_checked_on, p.contract_signed_on, p.holiday_days.strip())
            for p in form.pas
        ],
    )


def insurance_problem(insurer: str, insurance_expires_on: date | None, today: date) -> str | None:
    """Why a person who employs personal assistants cannot yet have support in place, or None:
    employer's liability insurance must be recorded and in date before a PA starts work."""
    if not insurer or insurance_expires_on is None:
        return _(
            "Employer's liability insurance is not recorded. An employer must have it before a PA starts "
            "work: record the insurer and the expiry date in the Employer checklist."
        )
    if insurance_expires_on < today:
        return _(
            "Employer's liability insurance with {insurer} expired on {date}. Record the renewed policy in "
            "the Employer checklist."
        ).format(insurer=insurer, date=format_date(insurance_expires_on))
    return None


class ReminderLevel(StrEnum):
    MISSING = "missing"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            ReminderLevel.MISSING: _("Not recorded"),
            ReminderLevel.DUE_SOON: _("Due soon"),
            ReminderLevel.OVERDUE: _("Overdue"),
        }[self]


@dataclass(frozen=True)
class Reminder:
    level: ReminderLevel
    due: date | None
    message: str


@dataclass(frozen=True)
class PaFacts:
    name: str
    dbs_checked_on: date | None
    contract_signed_on: date | None
    holiday_days: str


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def employer_reminders(
    insurer: str,
    insurance_expires_on: date | None,
    payroll: str,
    pas: list[PaFacts],
    *,
    today: date,
    remind_days: int,
    dbs_recheck_years: int,
) -> list[Reminder]:
    """What a person employing PAs needs to do, soonest first; empty when all is in order."""
    soon = today + timedelta(days=remind_days)
    out: list[Reminder] = []
    if insurance_expires_on is None or not insurer:
        out.append(
            Reminder(
                ReminderLevel.MISSING,
                None,
                _(
                    "Employer's liability insurance is not recorded. An employer must have it before a PA starts work."
                ),
            )
        )
    elif insurance_expires_on < today:
        out.append(
            Reminder(
                ReminderLevel.OVERDUE,
                insurance_expires_on,
                _("Employer's liability insurance with {insurer} expired on {date}. Renew it now.").format(
                    insurer=insurer, date=format_date(insurance_expires_on)
                ),
            )
        )
    elif insurance_expires_on <= soon:
        out.append(
            Reminder(
                ReminderLevel.DUE_SOON,
                insurance_expires_on,
                ngettext(
                    "Employer's liability insurance with {insurer} expires on {date} (in {days} day). Renew it.",
                    "Employer's liability insurance with {insurer} expires on {date} (in {days} days). Renew it.",
                    (insurance_expires_on - today).days,
                ).format(
                    insurer=insurer,
                    date=format_date(insurance_expires_on),
                    days=(insurance_expires_on - today).days,
                ),
            )
        )
    if not payroll:
        out.append(
            Reminder(
                ReminderLevel.MISSING,
                None,
                _("No payroll arrangement is recorded (tax, National Insurance, pension and payslips)."),
            )
        )
    for pa in pas:
        if pa.dbs_checked_on is None:
            out.append(
                Reminder(
                    ReminderLevel.MISSING, None, _("{name}: no DBS check is recorded.").format(name=pa.name)
                )
            )
        else:
            due = _add_years(pa.dbs_checked_on, dbs_recheck_years)
            if due < today:
                out.append(
                    Reminder(
                        ReminderLevel.OVERDUE,
                        due,
                        _("{name}: the DBS check from {checked} was due to be renewed on {due}.").format(
                            name=pa.name, checked=format_date(pa.dbs_checked_on), due=format_date(due)
                        ),
                    )
                )
            elif due <= soon:
                out.append(
                    Reminder(
                        ReminderLevel.DUE_SOON,
                        due,
                        ngettext(
                            "{name}: the DBS check is due to be renewed on {due} (in {days} day).",
                            "{name}: the DBS check is due to be renewed on {due} (in {days} days).",
                            (due - today).days,
                        ).format(name=pa.name, due=format_date(due), days=(due - today).days),
                    )
                )
        if pa.contract_signed_on is None:
            out.append(
                Reminder(
                    ReminderLevel.MISSING,
                    None,
                    _(
                        "{name}: no signed contract is recorded (a written statement of terms is due from day one)."
                    ).format(name=pa.name),
                )
            )
        if not pa.holiday_days:
            out.append(
                Reminder(
                    ReminderLevel.MISSING,
                    None,
                    _("{name}: holiday entitlement is not recorded (at least {weeks} weeks a year).").format(
                        name=pa.name, weeks=STATUTORY_HOLIDAY_WEEKS
                    ),
                )
            )
    order = {ReminderLevel.OVERDUE: 0, ReminderLevel.DUE_SOON: 1, ReminderLevel.MISSING: 2}
    return sorted(out, key=lambda r: (order[r.level], r.due or date.max))
