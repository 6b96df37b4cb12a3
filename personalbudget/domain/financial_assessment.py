"""The non-residential financial assessment: how much a person pays a week towards their care.

Driven by a council-replaceable rules file (``resources/charging/default.toml``) that names its
source, its year and its nation (England: capital limits with tariff income; Wales: a weekly maximum
charge). Every pound of the result is explained in words, the way the RAS figure is:

  capital above the upper limit    -> the full weekly cost of the care (or the weekly maximum);
  tariff income                    = £1 a week for every £250 (or part of £250) above the lower limit;
  assessable income                = counted income (after disregards) + tariff income;
  available income                 = assessable income - MIG (with premiums) - DRE - housing costs;
  contribution                     = available income x the council's share, never below £0, never
                                     more than the weekly maximum charge or the weekly cost of care.

All arithmetic is in whole pence (the share is an exact fraction, rounded half up once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from personalbudget.domain.money import round_half_up
from personalbudget.domain.rules_file import read_rules_file, validity_dates
from personalbudget.domain.rules_file import section as rules_section
from personalbudget.errors import DefinitionError, FieldError, ValidationError
from personalbudget.i18n import _, format_money


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    weekly_pence: int


@dataclass(frozen=True)
class IncomeKind:
    id: str
    label: str
    disregarded: bool


@dataclass(frozen=True)
class ChargingRules:
    name: str
    year: str
    nation: str
    source: str
    file_name: str
    valid_from: date
    valid_to: date
    upper_limit_pence: int
    lower_limit_pence: int
    tariff_step_pence: int
    tariff_weekly_pence: int
    weekly_maximum_pence: int  # 0: no weekly maximum
    share: Fraction
    dre_standard_weekly_pence: int
    mig: dict[str, Band]
    premiums: dict[str, Band]
    incomes: dict[str, IncomeKind]

    def describe(self) -> str:
        return _("Rules: {name} {year} ({file}); source: {source}.").format(
            name=self.name, year=self.year, file=self.file_name, source=self.source
        )


def default_rules_path() -> Path:
    from personalbudget.paths import resources_dir

    return resources_dir() / "charging" / "default.toml"


def load_charging_rules(path: Path | None = None) -> ChargingRules:
    """Read and check a charging rules file, naming every mistake."""
    path = path or default_rules_path()
    data = read_rules_file(path)
    problems: list[str] = []

    def section(name: str) -> dict[str, Any]:
        return rules_section(data, name, problems)

    def pence(table: dict[str, Any], key: str, where: str) -> int:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(_("{where}.{key}: whole pence, 0 or more").format(where=where, key=key))
            return 0
        return value

    def text(table: dict[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(_("{where}.{key}: give it as text").format(where=where, key=key))
            return ""
        return value

    head, capital, charge, dre = section("rules"), section("capital"), section("charge"), section("dre")
    dates = validity_dates(head, "rules", problems)
    nation = head.get("nation")
    if nation not in ("england", "wales"):
        problems.append(_("rules.nation: 'england' or 'wales'"))
    try:
        share = Fraction(Decimal(str(charge.get("share_percent", "")))) / 100
        if not 0 <= share <= 1:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(_('charge.share_percent: a percentage from 0 to 100, e.g. "100"'))
        share = Fraction(1)

    def bands(name: str) -> dict[str, Band]:
        out: dict[str, Band] = {}
        for index, row in enumerate(data.get(name, [])):
            where = f"{name}[{index}]"
            if not isinstance(row, dict):
                problems.append(_("{where}: a table").format(where=where))
                continue
            band = Band(text(row, "id", where), text(row, "label", where), pence(row, "weekly_pence", where))
            if band.id in out:
                problems.append(_("{where}.id: '{id}' is used twice").format(where=where, id=band.id))
            out[band.id] = band
        return out

    mig, premiums = bands("mig"), bands("premium")
    if not mig:
        problems.append(_("there is no [[mig]] band"))
    incomes: dict[str, IncomeKind] = {}
    for index, row in enumerate(data.get("income", [])):
        where = f"income[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("disregarded"), bool):
            problems.append(_("{where}.disregarded: true or false").format(where=where))
            continue
        kind = IncomeKind(text(row, "id", where), text(row, "label", where), row["disregarded"])
        incomes[kind.id] = kind
    rules = ChargingRules(
        name=text(head, "name", "rules"),
        year=text(head, "year", "rules"),
        nation=str(nation),
        source=text(head, "source", "rules"),
        file_name=path.name,
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        upper_limit_pence=pence(capital, "upper_limit_pence", "capital"),
        lower_limit_pence=pence(capital, "lower_limit_pence", "capital"),
        tariff_step_pence=pence(capital, "tariff_step_pence", "capital"),
        tariff_weekly_pence=pence(capital, "tariff_weekly_pence", "capital"),
        weekly_maximum_pence=pence(charge, "weekly_maximum_pence", "charge"),
        share=share,
        dre_standard_weekly_pence=pence(dre, "standard_weekly_pence", "dre"),
        mig=mig,
        premiums=premiums,
        incomes=incomes,
    )
    if rules.lower_limit_pence > rules.upper_limit_pence:
        problems.append(_("capital.lower_limit_pence is more than capital.upper_limit_pence"))
    if rules.lower_limit_pence < rules.upper_limit_pence and rules.tariff_step_pence == 0:
        problems.append(_("capital.tariff_step_pence: more than 0 when there is tariff income"))
    if problems:
        raise DefinitionError(str(path), problems)
    return rules


# -- the assessment --------------------------------------------------------------------------------------


@dataclass
class AssessmentForm:
    """What the financial assessment is worked out from (weekly amounts in pence)."""

    capital_pence: int
    incomes: dict[str, int]  # income kind id -> weekly pence
    mig_band: str
    premiums: tuple[str, ...] = ()
    dre_weekly_pence: int = 0  # the actual disability-related expenditure shown
    housing_weekly_pence: int = 0  # rent, mortgage interest, council tax (after any reductions)
    care_weekly_pence: int = 0  # the weekly cost of the care (the contribution is never more)


@dataclass(frozen=True)
class AssessmentStep:
    label: str
    pence: int  # + adds to what can be charged, - takes away
    words: str


@dataclass(frozen=True)
class Assessment:
    rules: ChargingRules
    steps: tuple[AssessmentStep, ...]
    weekly_pence: int
    reason: str  # one line for the contribution record, e.g. "Financial assessment: £42.50 a week"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def explanation(self) -> list[str]:
        return [*(s.words for s in self.steps), *self.notes, self.rules.describe()]


def assess(form: AssessmentForm, rules: ChargingRules) -> Assessment:
    """The weekly contribution, with every pound explained (see the module's docstring)."""
    errors = []
    if form.mig_band not in rules.mig:
        errors.append(
            FieldError("mig_band", _("Choose the person's age group for the minimum income guarantee."))
        )
    for kind in form.incomes:
        if kind not in rules.incomes:
            errors.append(
                FieldError("incomes", _("'{kind}' is not a kind of income in the rules.").format(kind=kind))
            )
    for premium in form.premiums:
        if premium not in rules.premiums:
            errors.append(FieldError("premiums", _("'{p}' is not a premium in the rules.").format(p=premium)))
    for name, value in (
        ("capital", form.capital_pence),
        ("dre", form.dre_weekly_pence),
        ("housing", form.housing_weekly_pence),
        ("care", form.care_weekly_pence),
        *((f"incomes.{k}", v) for k, v in form.incomes.items()),
    ):
        if value < 0:
            errors.append(FieldError(name, _("An amount cannot be negative.")))
    if errors:
        raise ValidationError(errors)
    money = format_money
    cap = [c for c in (rules.weekly_maximum_pence, form.care_weekly_pence) if c > 0]
    ceiling = min(cap) if cap else None
    steps: list[AssessmentStep] = []
    notes: list[str] = []
    if form.capital_pence > rules.upper_limit_pence:
        weekly = ceiling if ceiling is not None else 0
        words = _(
            "Capital of {capital} is more than the upper limit of {limit}: the person pays the full weekly "
            "charge, {weekly}."
        ).format(
            capital=money(form.capital_pence), limit=money(rules.upper_limit_pence), weekly=money(weekly)
        )
        steps.append(AssessmentStep(_("Capital above the upper limit"), weekly, words))
        return Assessment(
            rules, tuple(steps), weekly, _("Financial assessment: capital above the upper limit"), ()
        )
    tariff = 0
    if form.capital_pence > rules.lower_limit_pence and rules.tariff_step_pence:
        above = form.capital_pence - rules.lower_limit_pence
        steps_count = -(-above // rules.tariff_step_pence)  # every £250 or part of £250
        tariff = steps_count * rules.tariff_weekly_pence
        steps.append(
            AssessmentStep(
                _("Tariff income"),
                tariff,
                _(
                    "Tariff income: capital of {capital} is {above} above the lower limit of {limit}; "
                    "{tariff_unit} a week for each {step} or part of it ({n}) = {tariff} a week."
                ).format(
                    capital=money(form.capital_pence),
                    above=money(above),
                    limit=money(rules.lower_limit_pence),
                    tariff_unit=money(rules.tariff_weekly_pence),
                    step=money(rules.tariff_step_pence),
                    n=steps_count,
                    tariff=money(tariff),
                ),
            )
        )
    else:
        notes.append(
            _("Capital of {capital} is not above {limit}: no tariff income.").format(
                capital=money(form.capital_pence), limit=money(rules.lower_limit_pence)
            )
        )
    counted = 0
    for kind_id, weekly in form.incomes.items():
        if weekly == 0:
            continue
        income_kind = rules.incomes[kind_id]
        if income_kind.disregarded:
            notes.append(
                _("{income} of {amount} a week is disregarded (not counted).").format(
                    income=income_kind.label, amount=money(weekly)
                )
            )
            continue
        counted += weekly
        steps.append(
            AssessmentStep(
                income_kind.label,
                weekly,
                _("{income}: {amount} a week counted.").format(
                    income=income_kind.label, amount=money(weekly)
                ),
            )
        )
    assessable = counted + tariff
    band = rules.mig[form.mig_band]
    mig = band.weekly_pence + sum(rules.premiums[p].weekly_pence for p in form.premiums)
    premium_words = "".join(
        " + "
        + _("{premium} {amount}").format(
            premium=rules.premiums[p].label, amount=money(rules.premiums[p].weekly_pence)
        )
        for p in form.premiums
    )
    steps.append(
        AssessmentStep(
            _("Minimum income guarantee"),
            -mig,
            _(
                "Minimum income guarantee ({band}): {base}{premiums} = {mig} a week kept by the person."
            ).format(band=band.label, base=money(band.weekly_pence), premiums=premium_words, mig=money(mig)),
        )
    )
    dre = max(form.dre_weekly_pence, rules.dre_standard_weekly_pence)
    steps.append(
        AssessmentStep(
            _("Disability-related expenditure"),
            -dre,
            _(
                "Disability-related expenditure: {dre} a week (the larger of {actual} shown and the standard "
                "{standard})."
            ).format(
                dre=money(dre),
                actual=money(form.dre_weekly_pence),
                standard=money(rules.dre_standard_weekly_pence),
            ),
        )
    )
    if form.housing_weekly_pence:
        steps.append(
            AssessmentStep(
                _("Housing costs"),
                -form.housing_weekly_pence,
                _("Housing costs: {amount} a week.").format(amount=money(form.housing_weekly_pence)),
            )
        )
    available = assessable - mig - dre - form.housing_weekly_pence
    charged = round_half_up(max(available, 0) * rules.share)
    words = _(
        "Income counted {assessable} - MIG {mig} - DRE {dre} - housing {housing} = {available} a week available"
    ).format(
        assessable=money(assessable),
        mig=money(mig),
        dre=money(dre),
        housing=money(form.housing_weekly_pence),
        available=money(available),
    )
    if rules.share != 1:
        words += _("; x {share}% = {charged}").format(
            share=format(Decimal(rules.share.numerator * 100) / Decimal(rules.share.denominator), "f")
            .rstrip("0")
            .rstrip("."),
            charged=money(charged),
        )
    steps.append(AssessmentStep(_("Available income"), charged, words + "."))
    weekly = charged
    if ceiling is not None and weekly > ceiling:
        which = (
            _("the weekly maximum charge of {max}").format(max=money(rules.weekly_maximum_pence))
            if ceiling == rules.weekly_maximum_pence
            else _("the weekly cost of the care, {cost}").format(cost=money(form.care_weekly_pence))
        )
        steps.append(
            AssessmentStep(
                _("Capped"),
                ceiling - weekly,
                _("{charged} is more than {which}: the contribution is {ceiling}.").format(
                    charged=money(charged), which=which, ceiling=money(ceiling)
                ),
            )
        )
        weekly = ceiling
    steps.append(
        AssessmentStep(
            _("Weekly contribution"),
            weekly,
            _("The person's contribution: {weekly} a week.").format(weekly=money(weekly)),
        )
    )
    return Assessment(
        rules,
        tuple(steps),
        weekly,
        _("Financial assessment ({file}): {weekly} a week").format(
            file=rules.file_name, weekly=money(weekly)
        ),
        tuple(notes),
    )
