"""The non-residential financial assessment from the shipped rules files, worked by hand: tariff
income, disregards, the minimum income guarantee, DRE, and Wales's weekly maximum charge."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalbudget.domain.financial_assessment import (
    AssessmentForm,
    assess,
    default_rules_path,
    load_charging_rules,
)
from personalbudget.errors import DefinitionError, ValidationError

ENGLAND = default_rules_path().parent / "england-example.toml"


@pytest.fixture(scope="module")
def wales():
    return load_charging_rules()


@pytest.fixture(scope="module")
def england():
    return load_charging_rules(ENGLAND)


def test_the_rules_files_name_their_source_year_and_nation(wales, england):
    assert (wales.nation, wales.year, wales.file_name) == ("wales", "2026-27", "default.toml")
    assert wales.weekly_maximum_pence == 10_000 and wales.upper_limit_pence == 2_400_000
    assert "Charging) (Wales) Regulations 2015" in wales.source
    assert england.nation == "england" and england.lower_limit_pence == 1_425_000
    assert wales.describe().startswith(
        "Rules: Abermorlais non-residential charging rules 2026-27 (default.toml)"
    )


def test_england_tariff_income_disregards_mig_and_dre_by_hand(england):
    form = AssessmentForm(
        capital_pence=1_600_000,  # £16,000
        incomes={
            "state_pension": 23_025,
            "occupational_pension": 4_000,
            "pip_daily_living": 11_040,
            "pip_mobility": 2_870,
        },
        mig_band="pension_age",
        premiums=("disability",),
        dre_weekly_pence=1_000,
        care_weekly_pence=25_000,
    )
    result = assess(form, england)
    # Tariff: £16,000 - £14,250 = £1,750 = 7 x £250 -> £7.00 a week.
    # Counted: £230.25 + £40.00 + £110.40 = £380.65 (+ £7.00 tariff = £387.65); PIP mobility disregarded.
    # MIG £189.00 + disability premium £43.00 = £232.00; DRE the standard £15.00 (more than £10.00 shown).
    # £387.65 - £232.00 - £15.00 = £140.65 a week, less than the £250.00 the care costs.
    assert result.weekly_pence == 14_065
    words = result.explanation()
    assert (
        "Tariff income: capital of £16,000.00 is £1,750.00 above the lower limit of £14,250.00; £1.00 a week for each £250.00 or part of it (7) = £7.00 a week."
        in words
    )
    assert "PIP mobility component of £28.70 a week is disregarded (not counted)." in words
    assert (
        "Minimum income guarantee (Pension age): £189.00 + Disability premium £43.00 = £232.00 a week kept by the person."
        in words
    )
    assert (
        "Income counted £387.65 - MIG £232.00 - DRE £15.00 - housing £0.00 = £140.65 a week available."
        in words
    )
    assert words[-1].startswith(
        "Rules: Example English non-residential charging rules 2026-27 (england-example.toml)"
    )
    assert result.reason == "Financial assessment (england-example.toml): £140.65 a week"


def test_part_of_two_hundred_and_fifty_pounds_counts_as_a_pound(england):
    form = AssessmentForm(1_425_100, {}, "adult_25_plus")  # £1 over the lower limit
    steps = {s.label: s.pence for s in assess(form, england).steps}
    assert steps["Tariff income"] == 100


def test_wales_by_hand_and_the_weekly_maximum_charge(wales):
    # Aged 25+, ESA £140.55 + PIP daily living £110.40 counted (PIP mobility disregarded);
    # MIG £119.60 + disability premium £52.35 = £171.95; DRE standard £20.00.
    # £250.95 - £171.95 - £20.00 = £59.00 a week.
    form = AssessmentForm(
        500_000,
        {"esa": 14_055, "pip_daily_living": 11_040, "pip_mobility": 7_705},
        "adult_25_plus",
        ("disability",),
        care_weekly_pence=30_000,
    )
    assert assess(form, wales).weekly_pence == 5_900
    # Pension age with a good pension: £530.25 - £292.35 - £20.00 = £217.90, capped at Wales's £100 maximum.
    rich = AssessmentForm(
        500_000,
        {"state_pension": 23_025, "occupational_pension": 30_000},
        "pension_age",
        care_weekly_pence=30_000,
    )
    result = assess(rich, wales)
    assert result.weekly_pence == 10_000
    assert (
        "£217.90 is more than the weekly maximum charge of £100.00: the contribution is £100.00."
        in result.explanation()
    )
    # Capital over £24,000: the full charge, here the £100 maximum (the care costs £300).
    over = AssessmentForm(2_400_001, {"state_pension": 23_025}, "pension_age", care_weekly_pence=30_000)
    assert assess(over, wales).weekly_pence == 10_000


def test_the_contribution_is_never_more_than_the_care_costs(england):
    form = AssessmentForm(0, {"occupational_pension": 100_000}, "adult_25_plus", care_weekly_pence=12_000)
    assert assess(form, england).weekly_pence == 12_000


def test_mistakes_in_the_form_and_in_the_rules_file_are_named(england, tmp_path: Path):
    with pytest.raises(ValidationError) as problem:
        assess(AssessmentForm(-1, {"lottery": 100}, "toddler"), england)
    assert {e.field for e in problem.value.errors} == {"mig_band", "incomes", "capital"}
    bad = tmp_path / "rules.toml"
    bad.write_text(
        '[rules]\nname = "x"\nnation = "scotland"\n[capital]\nupper_limit_pence = -1\n', encoding="utf-8"
    )
    with pytest.raises(DefinitionError) as broken:
        load_charging_rules(bad)
    text = str(broken.value)
    assert (
        "rules.nation" in text
        and "capital.upper_limit_pence" in text
        and "[charge]" in text
        and "[[mig]]" in text
    )
