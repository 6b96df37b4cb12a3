"""What a PA really costs, worked by hand to the penny from the shipped 2026-27 rates file, and a
rate below the National Living Wage refused with the figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from personalbudget.domain.pa_costs import cost_pa, load_pa_rates, pa_costs_dir, rates_file_for
from personalbudget.domain.plan import SupportItemEntry, cost_items, cost_plan
from personalbudget.errors import DefinitionError, ValidationError


@pytest.fixture(scope="module")
def rates():
    return load_pa_rates(rates_file_for(date(2026, 4, 6)))


def test_the_rates_file_names_its_source_and_year(rates):
    assert rates.year == "2026-27" and rates.file_name == "2026-27.toml"
    assert "GOV.UK" in rates.source
    assert rates.describe().startswith(
        "Rates: Employer's costs of a personal assistant 2026-27 (2026-27.toml)"
    )
    assert rates.minimum_wage(30, date(2026, 4, 1)).hourly_pence == 1271
    assert rates.minimum_wage(30, date(2026, 3, 31)).hourly_pence == 1221
    assert rates.minimum_wage(19, date(2026, 6, 1)).hourly_pence == 1085
    assert rates.minimum_wage(17, date(2026, 6, 1)).hourly_pence == 800


def test_a_pa_at_thirteen_pounds_for_twenty_hours_by_hand(rates):
    costing = cost_pa(1300, Decimal("20"), 30, date(2026, 4, 6), rates)
    lines = {line.key: line for line in costing.lines}
    # £13.00 x 20 hours x 52 weeks = £13,520.00.
    assert lines["wages"].annual_pence == 1_352_000
    # Holiday cover: £13.00 x 20 hours x 5.6 weeks = £1,456.00 (112 hours at £13.00).
    assert lines["holiday"].annual_pence == 145_600
    assert lines["holiday"].quantity == Decimal("112")
    # NI: (£260.00 - £96.00) x 15% x 52 = £1,279.20, all covered by the £10,500 Employment Allowance.
    assert lines["ni"].annual_pence == 0
    assert (
        "= £1,279.20 a year, less the Employment Allowance of up to £10,500.00 = £0.00" in lines["ni"].basis
    )
    # Pension: (£260.00 - £120.00) x 3% x 52 = £218.40 (£13,520 a year is above the £10,000 trigger).
    assert lines["pension"].annual_pence == 21_840
    assert lines["insurance"].annual_pence == 15_000 and lines["payroll"].annual_pence == 18_000
    # £13,520.00 + £1,456.00 + £0.00 + £218.40 + £150.00 + £180.00 = £15,524.40 a year.
    assert costing.annual_pence == 1_552_440
    assert costing.weekly_pence == 29_855  # £15,524.40 / 52 = £298.546...
    assert costing.true_hourly_pence == 1493  # £15,524.40 / 1,040 hours = £14.927...
    assert costing.summary() == (
        "20 hours a week at £13.00 an hour really costs £15,524.40 a year (£298.55 a week, £14.93 an hour)."
    )


def test_without_the_employment_allowance_ni_is_its_own_line(rates):
    costing = cost_pa(
        1300, Decimal("20"), 30, date(2026, 4, 6), replace(rates, employment_allowance_annual_pence=0)
    )
    assert {line.key: line.annual_pence for line in costing.lines}["ni"] == 127_920
    assert costing.annual_pence == 1_552_440 + 127_920


def test_a_small_job_is_below_the_pension_trigger(rates):
    # £13.00 x 10 hours x 52 = £6,760 a year: not above £10,000, so no automatic enrolment.
    costing = cost_pa(1300, Decimal("10"), 30, date(2026, 4, 6), rates)
    pension = next(line for line in costing.lines if line.key == "pension")
    assert pension.annual_pence == 0 and "not above the £10,000.00 trigger" in pension.basis


def test_the_plan_lines_add_up_to_the_costing_exactly(rates):
    # £12.85 x 17.5 hours = £224.875 a week: fractions of a penny. Pension (£224.875 - £120) x 3% x 52
    # = £163.605 -> £163.61 a year.
    costing = cost_pa(1285, Decimal("17.5"), 30, date(2026, 4, 6), rates)
    assert {line.key: line.annual_pence for line in costing.lines}["pension"] == 16_361
    entries = [
        SupportItemEntry(category, label, f"{unit / 100:.2f}", str(quantity), frequency.value, "")
        for category, label, unit, quantity, frequency in costing.plan_lines()
    ]
    plan = cost_plan(cost_items(entries), None)
    assert plan.annual_pence == costing.annual_pence
    assert len(entries) == 5  # wages, holiday cover, pension, insurance, payroll (NI is £0: left out)


def test_a_rate_below_the_national_living_wage_is_refused_with_the_figure(rates):
    with pytest.raises(ValidationError) as problem:
        cost_pa(1250, Decimal("20"), 30, date(2026, 4, 6), rates)
    assert str(problem.value) == (
        "£12.50 an hour is below the National Living Wage of £12.71 an hour for a PA aged 30 on 6 Apr 2026: "
        "the rate must be at least £12.71."
    )
    # A plan starting in January 2026 at £12.50 is legal then, but not from 1 April 2026 in its year.
    with pytest.raises(ValidationError) as later:
        cost_pa(1250, Decimal("20"), 30, date(2026, 1, 5), rates)
    assert "of £12.71 an hour for a PA aged 30 on 1 Apr 2026" in str(later.value)
    cost_pa(1100, Decimal("20"), 19, date(2026, 4, 6), rates)  # 18 to 20: £10.85 is the minimum


def test_a_broken_rates_file_names_every_mistake(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[rates]\nname = "x"\nyear = "2026-27"\n[holiday]\nweeks = "lots"\n', encoding="utf-8")
    with pytest.raises(DefinitionError) as problem:
        load_pa_rates(bad)
    text = str(problem.value)
    assert "rates.source" in text and "rates.valid_from" in text and "holiday.weeks" in text
    assert "minimum_wage" in text
    assert pa_costs_dir().name == "pa_costs"


def test_a_rules_file_that_is_not_text_is_named_not_a_crash(tmp_path: Path):
    """A binary or wrongly encoded rates or charging file: a DefinitionError naming the file, as for
    the RAS file (it used to escape as an unexpected UnicodeDecodeError)."""
    from personalbudget.domain.financial_assessment import load_charging_rules

    odd = tmp_path / "rules.toml"
    odd.write_bytes(b'name = "\xff\xfe caf\xe9"\n')
    for load in (load_pa_rates, load_charging_rules):
        with pytest.raises(DefinitionError) as problem:
            load(odd)
        assert "rules.toml" in str(problem.value) and "TOML" in str(problem.value)
