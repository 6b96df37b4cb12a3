"""What a personal assistant (PA) really costs: the hourly rate plus the employer's costs.

A person who employs a PA pays more than the hourly rate. Each cost is its own line, from a dated
rates file in ``resources/pa_costs/`` that names its source and tax year (a council can replace it):

  wages            = hourly rate x hours a week x 52 weeks;
  holiday cover    = hourly rate x hours a week x 5.6 weeks (statutory holiday: the support is still
                     needed while the PA is away, so those weeks are paid for twice);
  employer's NI    = (weekly pay - the secondary threshold) x the employer's rate x 52, less the
                     Employment Allowance (never below £0);
  pension          = (weekly pay, up to the upper limit, - the lower limit) x the employer's rate x 52,
                     when the PA's pay is above the automatic enrolment trigger;
  liability insurance and the payroll service fee, a year.

The total is kept exact (``Fraction`` of a penny) and rounded half up once when shown. A rate below
the National Living Wage (or National Minimum Wage) for the PA's age on any day of the plan's year
is refused, naming the figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from personalbudget.domain.money import WEEKS_PER_YEAR, Frequency, round_half_up
from personalbudget.domain.rules_file import read_rules_file, validity_dates
from personalbudget.domain.rules_file import section as rules_section
from personalbudget.errors import DefinitionError, FieldError, ValidationError
from personalbudget.i18n import _, format_date, format_money

PA_CATEGORY = "personal_assistant"


@dataclass(frozen=True)
class MinimumWage:
    starts_on: date
    age_from: int
    hourly_pence: int
    label: str


@dataclass(frozen=True)
class PaRates:
    name: str
    year: str
    valid_from: date
    valid_to: date
    source: str
    file_name: str
    holiday_weeks: Fraction
    ni_rate: Fraction
    ni_threshold_weekly_pence: int
    employment_allowance_annual_pence: int
    pension_rate: Fraction
    pension_lower_weekly_pence: int
    pension_upper_weekly_pence: int
    pension_trigger_annual_pence: int
    insurance_annual_pence: int
    payroll_annual_pence: int
    minimum_wages: tuple[MinimumWage, ...]

    def describe(self) -> str:
        """Which file was used, for every costing: its name, year and source."""
        return _("Rates: {name} {year} ({file}); source: {source}.").format(
            name=self.name, year=self.year, file=self.file_name, source=self.source
        )

    def minimum_wage(self, age: int, on: date) -> MinimumWage | None:
        """The legal minimum hourly rate for a worker of ``age`` on ``on`` (None if the file has none)."""
        applying = [m for m in self.minimum_wages if m.starts_on <= on and m.age_from <= age]
        if not applying:
            return None
        latest = max(m.starts_on for m in applying)
        return max((m for m in applying if m.starts_on == latest), key=lambda m: m.age_from)


def pa_costs_dir() -> Path:
    from personalbudget.paths import resources_dir

    return resources_dir() / "pa_costs"


def rates_file_for(day: date, folder: Path | None = None) -> Path:
    """The rates file whose tax year covers ``day``, else the newest there is."""
    folder = folder or pa_costs_dir()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise DefinitionError(str(folder), [_("there is no rates file (*.toml) in this folder")])
    loaded = [(load_pa_rates(path), path) for path in files]
    for rates, path in loaded:
        if rates.valid_from <= day <= rates.valid_to:
            return path
    return max(loaded, key=lambda pair: pair[0].valid_from)[1]


def _percent(value: Any, where: str, problems: list[str]) -> Fraction:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append(_("{where}: '{value}' is not a percentage").format(where=where, value=value))
        return Fraction(0)
    if not number.is_finite() or number < 0 or number > 100:
        problems.append(_("{where}: a percentage from 0 to 100").format(where=where))
        return Fraction(0)
    return Fraction(number) / 100


def _pence(table: dict[str, Any], key: str, where: str, problems: list[str]) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.append(_("{where}.{key}: whole pence, 0 or more").format(where=where, key=key))
        return 0
    return value


def load_pa_rates(path: Path) -> PaRates:
    """Read and check a rates file, naming every mistake."""
    data = read_rules_file(path)
    problems: list[str] = []

    def section(name: str) -> dict[str, Any]:
        return rules_section(data, name, problems)

    head, holiday, ni, pension = (
        section("rates"),
        section("holiday"),
        section("national_insurance"),
        section("pension"),
    )
    insurance, payroll = section("insurance"), section("payroll")
    texts = {}
    for key in ("name", "year", "source"):
        value = head.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(_("rates.{key}: give it as text").format(key=key))
        texts[key] = str(value or "")
    dates = validity_dates(head, "rates", problems)
    if dates["valid_to"] < dates["valid_from"]:
        problems.append(_("rates.valid_to is before rates.valid_from"))
    wages = []
    for index, row in enumerate(data.get("minimum_wage", [])):
        where = f"minimum_wage[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("from"), date):
            problems.append(_("{where}.from: a date such as 2026-04-01").format(where=where))
            continue
        age = row.get("age_from")
        if not isinstance(age, int) or isinstance(age, bool) or not 13 <= age <= 100:
            problems.append(_("{where}.age_from: an age in years").format(where=where))
            continue
        wages.append(
            MinimumWage(
                row["from"], age, _pence(row, "hourly_pence", where, problems), str(row.get("label", ""))
            )
        )
    if not wages:
        problems.append(_("there is no [[minimum_wage]] rate"))
    rates = PaRates(
        name=texts["name"],
        year=texts["year"],
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        source=texts["source"],
        file_name=path.name,
        holiday_weeks=_percent(holiday.get("weeks", "x"), "holiday.weeks", problems) * 100,  # exact weeks
        ni_rate=_percent(ni.get("rate_percent", "x"), "national_insurance.rate_percent", problems),
        ni_threshold_weekly_pence=_pence(
            ni, "secondary_threshold_weekly_pence", "national_insurance", problems
        ),
        employment_allowance_annual_pence=_pence(
            ni, "employment_allowance_annual_pence", "national_insurance", problems
        ),
        pension_rate=_percent(pension.get("employer_percent", "x"), "pension.employer_percent", problems),
        pension_lower_weekly_pence=_pence(pension, "lower_limit_weekly_pence", "pension", problems),
        pension_upper_weekly_pence=_pence(pension, "upper_limit_weekly_pence", "pension", problems),
        pension_trigger_annual_pence=_pence(pension, "trigger_annual_pence", "pension", problems),
        insurance_annual_pence=_pence(insurance, "employers_liability_annual_pence", "insurance", problems),
        payroll_annual_pence=_pence(payroll, "service_fee_annual_pence", "payroll", problems),
        minimum_wages=tuple(wages),
    )
    if problems:
        raise DefinitionError(str(path), problems)
    return rates


# -- the costing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    """One cost of employing the PA, with its basis in words and how it goes into the plan."""

    key: str  # wages | holiday | ni | pension | insurance | payroll
    label: str
    annual: Fraction  # exact pence a year
    basis: str
    unit_pence: int  # the plan line: unit cost x quantity x frequency
    quantity: Decimal
    frequency: Frequency

    @property
    def annual_pence(self) -> int:
        return round_half_up(self.annual)


@dataclass(frozen=True)
class PaCosting:
    hourly_pence: int
    hours_per_week: Decimal
    age: int
    starts_on: date
    rates: PaRates
    lines: tuple[CostLine, ...]

    @property
    def annual(self) -> Fraction:
        return sum((line.annual for line in self.lines), Fraction(0))

    @property
    def annual_pence(self) -> int:
        return round_half_up(self.annual)

    @property
    def weekly_pence(self) -> int:
        return round_half_up(self.annual / WEEKS_PER_YEAR)

    @property
    def true_hourly_pence(self) -> int:
        """What each hour of support really costs: the total / (hours a week x 52)."""
        return round_half_up(self.annual / (Fraction(self.hours_per_week) * WEEKS_PER_YEAR))

    def summary(self) -> str:
        return _(
            "{hours} hours a week at {rate} an hour really costs {total} a year ({weekly} a week, {true} an hour)."
        ).format(
            hours=_number(self.hours_per_week),
            rate=format_money(self.hourly_pence),
            total=format_money(self.annual_pence),
            weekly=format_money(self.weekly_pence),
            true=format_money(self.true_hourly_pence),
        )

    def plan_lines(self) -> list[tuple[str, str, int, Decimal, Frequency]]:
        """Each cost as a plan line: (category, what it is, unit pence, quantity, frequency), £0 lines left out."""
        return [
            (PA_CATEGORY, line.label, line.unit_pence, line.quantity, line.frequency)
            for line in self.lines
            if line.unit_pence > 0
        ]


def _number(value: Decimal | Fraction) -> str:
    text = (
        f"{Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value:f}"
    )
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_minimum_wage(hourly_pence: int, age: int, starts_on: date, rates: PaRates) -> None:
    """Refuse a rate below the legal minimum for the PA's age on any day of the plan's year."""
    ends_on = date(starts_on.year + 1, starts_on.month, min(starts_on.day, 28)) - timedelta(days=1)
    days = sorted(
        {starts_on, *(m.starts_on for m in rates.minimum_wages if starts_on < m.starts_on <= ends_on)}
    )
    for day in days:
        minimum = rates.minimum_wage(age, day)
        if minimum is not None and hourly_pence < minimum.hourly_pence:
            raise ValidationError(
                FieldError(
                    "hourly_rate",
                    _(
                        "{rate} an hour is below the {label} of {minimum} an hour for a PA aged {age} on "
                        "{date}: the rate must be at least {minimum}."
                    ).format(
                        rate=format_money(hourly_pence),
                        label=minimum.label,
                        minimum=format_money(minimum.hourly_pence),
                        age=age,
                        date=format_date(max(day, minimum.starts_on)),
                    ),
                )
            )


ADULT_AGE = 18


def typed_rate_warnings(lines: Iterable[tuple[str, int, Frequency]], rates: PaRates, on: date) -> list[str]:
    """Warnings for PA plan lines typed by hand (``(category, unit pence, frequency)``): a personal
    assistant line costed by the week (an hourly rate x hours a week, as "Cost a PA..." makes them)
    whose hourly rate is below the National Living Wage on ``on``.

    A warning, not a refusal: a line typed by hand has no PA age, and a younger PA's minimum is
    lower. Each figure is named: the rate, the National Living Wage, and the lowest adult minimum
    when the rate is below that too (then it is below the minimum for a PA of any adult age)."""
    top = rates.minimum_wage(200, on)  # the National Living Wage: the oldest age band's minimum
    lowest_adult = rates.minimum_wage(ADULT_AGE, on)
    if top is None:
        return []
    warnings: list[str] = []
    for rate in sorted(
        {
            unit
            for category, unit, frequency in lines
            if category == PA_CATEGORY and frequency == Frequency.WEEK and 0 < unit < top.hourly_pence
        }
    ):
        if lowest_adult is not None and rate < lowest_adult.hourly_pence:
            warnings.append(
                _(
                    "A personal assistant line at {rate} an hour is below the {label} of {minimum} an hour "
                    "on {date}, and below {lowest} ({lowest_label}), the lowest legal rate for a PA of any "
                    "adult age. Check the rate, or cost the PA with 'Cost a PA...'."
                ).format(
                    rate=format_money(rate),
                    label=top.label,
                    minimum=format_money(top.hourly_pence),
                    date=format_date(on),
                    lowest=format_money(lowest_adult.hourly_pence),
                    lowest_label=lowest_adult.label,
                )
            )
        else:
            warnings.append(
                _(
                    "A personal assistant line at {rate} an hour is below the {label} of {minimum} an hour "
                    "on {date}: it is legal only for a younger PA. Check the rate, or cost the PA with "
                    "'Cost a PA...', which asks the PA's age."
                ).format(
                    rate=format_money(rate),
                    label=top.label,
                    minimum=format_money(top.hourly_pence),
                    date=format_date(on),
                )
            )
    return warnings


def cost_pa(
    hourly_pence: int, hours_per_week: Decimal, age: int, starts_on: date, rates: PaRates
) -> PaCosting:
    """The PA's wages and every employer's cost, each its own line (see the module's docstring)."""
    errors = []
    if hourly_pence <= 0:
        errors.append(FieldError("hourly_rate", _("Enter the PA's hourly rate, e.g. 13.00.")))
    if hours_per_week <= 0 or hours_per_week > 168:
        errors.append(FieldError("hours", _("Enter the hours a week, more than 0 and at most 168.")))
    if not 13 <= age <= 100:
        errors.append(FieldError("age", _("Enter the PA's age in years.")))
    if errors:
        raise ValidationError(errors)
    check_minimum_wage(hourly_pence, age, starts_on, rates)
    hours = Fraction(hours_per_week)
    weekly_pay = hourly_pence * hours
    money = format_money
    lines = [
        CostLine(
            "wages",
            _("PA wages: {hours} hours a week at {rate} an hour").format(
                hours=_number(hours_per_week), rate=money(hourly_pence)
            ),
            weekly_pay * WEEKS_PER_YEAR,
            _("{rate} an hour x {hours} hours a week x 52 weeks").format(
                rate=money(hourly_pence), hours=_number(hours_per_week)
            ),
            hourly_pence,
            hours_per_week,
            Frequency.WEEK,
        )
    ]
    holiday_hours = hours * rates.holiday_weeks
    lines.append(
        CostLine(
            "holiday",
            _("PA holiday cover: {weeks} weeks a year").format(weeks=_number(rates.holiday_weeks)),
            hourly_pence * holiday_hours,
            _("{rate} an hour x {hours} hours a week x {weeks} weeks' statutory holiday").format(
                rate=money(hourly_pence), hours=_number(hours_per_week), weeks=_number(rates.holiday_weeks)
            ),
            hourly_pence,
            Decimal(holiday_hours.numerator) / Decimal(holiday_hours.denominator),
            Frequency.YEAR,
        )
    )
    above = max(weekly_pay - rates.ni_threshold_weekly_pence, Fraction(0))
    ni_gross = above * rates.ni_rate * WEEKS_PER_YEAR
    # Each yearly employer's cost is rounded to the penny, as payroll does, so the plan's lines add up
    # to the costing's total exactly.
    ni = Fraction(round_half_up(max(ni_gross - rates.employment_allowance_annual_pence, Fraction(0))))
    lines.append(
        CostLine(
            "ni",
            _("Employer's National Insurance"),
            ni,
            _(
                "({pay} a week - {threshold} threshold) x {rate}% x 52 = {gross} a year, less the Employment "
                "Allowance of up to {allowance} = {net}"
            ).format(
                pay=money(round_half_up(weekly_pay)),
                threshold=money(rates.ni_threshold_weekly_pence),
                rate=_number(rates.ni_rate * 100),
                gross=money(round_half_up(ni_gross)),
                allowance=money(rates.employment_allowance_annual_pence),
                net=money(round_half_up(ni)),
            ),
            round_half_up(ni),
            Decimal(1),
            Frequency.YEAR,
        )
    )
    yearly_pay = weekly_pay * WEEKS_PER_YEAR
    if yearly_pay > rates.pension_trigger_annual_pence:
        upper = Fraction(rates.pension_upper_weekly_pence)
        capped = weekly_pay if weekly_pay < upper else upper  # min(), typed
        over = capped - rates.pension_lower_weekly_pence
        qualifying = over if over > 0 else Fraction(0)  # max(..., 0), typed
        pension = Fraction(round_half_up(Fraction(qualifying) * rates.pension_rate * WEEKS_PER_YEAR))
        basis = _("({pay} a week - {lower} lower limit) x {rate}% x 52 weeks").format(
            pay=money(round_half_up(capped)),
            lower=money(rates.pension_lower_weekly_pence),
            rate=_number(rates.pension_rate * 100),
        )
    else:
        pension = Fraction(0)
        basis = _(
            "Not enrolled automatically: {pay} a year is not above the {trigger} trigger (the PA may still ask to join)"
        ).format(pay=money(round_half_up(yearly_pay)), trigger=money(rates.pension_trigger_annual_pence))
    lines.append(
        CostLine(
            "pension",
            _("Employer's workplace pension"),
            pension,
            basis,
            round_half_up(pension),
            Decimal(1),
            Frequency.YEAR,
        )
    )
    lines.append(
        CostLine(
            "insurance",
            _("Employer's liability insurance"),
            Fraction(rates.insurance_annual_pence),
            _("{amount} a year").format(amount=money(rates.insurance_annual_pence)),
            rates.insurance_annual_pence,
            Decimal(1),
            Frequency.YEAR,
        )
    )
    lines.append(
        CostLine(
            "payroll",
            _("Payroll service fee"),
            Fraction(rates.payroll_annual_pence),
            _("{amount} a year").format(amount=money(rates.payroll_annual_pence)),
            rates.payroll_annual_pence,
            Decimal(1),
            Frequency.YEAR,
        )
    )
    return PaCosting(hourly_pence, hours_per_week, age, starts_on, rates, tuple(lines))
