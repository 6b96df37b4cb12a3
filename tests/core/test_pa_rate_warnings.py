"""Issue 20: a PA line typed by hand in step 2 (not through "Cost a PA...") whose hourly rate is below
the National Living Wage gets a warning naming the figures; the plan is still saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from personalbudget.domain.money import Frequency
from personalbudget.domain.pa_costs import cost_pa, load_pa_rates, rates_file_for, typed_rate_warnings
from personalbudget.domain.plan import SupportItemEntry
from tests.core.money_helpers import BUDGET, money_plan, person_form

ON = date(2026, 11, 23)  # National Living Wage £12.71, 18 to 20 £10.85 (resources/pa_costs/2026-27.toml)


def rates():
    return load_pa_rates(rates_file_for(ON))


def test_a_rate_below_every_adult_minimum_is_warned_with_the_figures():
    [warning] = typed_rate_warnings([("personal_assistant", 1_000, Frequency.WEEK)], rates(), ON)
    assert "£10.00 an hour" in warning
    assert "National Living Wage of £12.71" in warning
    assert "£10.85" in warning and "any adult age" in warning


def test_a_rate_legal_only_for_a_younger_pa_is_warned_too():
    [warning] = typed_rate_warnings([("personal_assistant", 1_270, Frequency.WEEK)], rates(), ON)
    assert "£12.70 an hour" in warning and "£12.71" in warning and "younger PA" in warning


def test_no_warning_at_the_national_living_wage_or_for_other_lines():
    lines = [
        ("personal_assistant", 1_271, Frequency.WEEK),  # exactly the National Living Wage
        ("personal_assistant", 500, Frequency.YEAR),  # an employer's cost a year, not an hourly rate
        ("transport", 900, Frequency.WEEK),  # not a PA
        ("personal_assistant", 0, Frequency.WEEK),
    ]
    assert typed_rate_warnings(lines, rates(), ON) == []
    # The lines "Cost a PA..." makes for a PA aged 30 at the National Living Wage: no warning.
    costing = cost_pa(1_271, Decimal(20), 30, ON, rates())
    made = [(category, unit, frequency) for category, _what, unit, _q, frequency in costing.plan_lines()]
    assert typed_rate_warnings(made, rates(), ON) == []


def test_the_plan_is_saved_with_the_warning(services):
    pid = services.people.add_person(person_form()).id
    answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": BUDGET}, reason="Panel agreed")
    draft = money_plan()
    assert services.plans.save_draft(pid, draft).warnings == ()  # £15.00 an hour
    low = replace(
        draft,
        support_items=[
            SupportItemEntry("personal_assistant", "PA hours", "9.50", "10", "week", ""),
            *draft.support_items[1:],
        ],
    )
    view = services.plans.save_draft(pid, low)
    [warning] = view.warnings
    assert "£9.50 an hour" in warning and "£12.71" in warning
    assert services.plans.get_plan(pid).content.support_items[0].unit_cost == "9.50"  # saved all the same
