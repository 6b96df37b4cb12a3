"""Plan costing at every frequency, against the budget, and bad numbers."""

from decimal import Decimal

import pytest

from personalbudget.domain.money import Frequency
from personalbudget.domain.plan import (
    BudgetFit,
    PlanDraft,
    SupportItemEntry,
    check_complete,
    check_draft,
    cost_items,
    cost_plan,
)
from personalbudget.errors import ValidationError


def item(cost="10.00", quantity="1", frequency="week", category="personal_assistant", description="PA hours"):
    return SupportItemEntry(category, description, cost, quantity, frequency)


@pytest.mark.parametrize(
    ("frequency", "annual", "weekly"),
    [
        ("week", 52000, 1000),  # £10 x 52
        ("four_weeks", 13000, 250),  # £10 x 13 = £130; / 52 = £2.50
        ("month", 12000, 231),  # £120 / 52 = £2.3077 -> £2.31
        ("year", 1000, 19),  # £10 / 52 = £0.1923 -> £0.19
        ("one_off", 1000, 19),
    ],
)
def test_each_frequency_costs_exactly(frequency, annual, weekly):
    [costed] = cost_items([item(frequency=frequency)])
    assert costed.frequency == Frequency(frequency)
    assert (costed.annual_pence, costed.weekly_pence) == (annual, weekly)


def test_totals_are_exact_and_rounded_once():
    # Three items of £0.01 a month: each is 12p a year, 0.23p a week; the weekly total is
    # 36/52 = 0.69p -> 1p, not 0 + 0 + 0 from adding rounded lines.
    items = cost_items([item("0.01", "1", "month")] * 3)
    costing = cost_plan(items, budget_annual_pence=None)
    assert costing.annual_pence == 36
    assert costing.weekly_pence == 1
    assert costing.fit is None


def test_fractional_quantities():
    [costed] = cost_items([item("17.35", "7.5", "week")])
    assert costed.quantity == Decimal("7.5")
    assert costed.annual_pence == 676650  # 1735 x 7.5 x 52


@pytest.mark.parametrize(
    ("budget", "fit", "difference"),
    [(52001, BudgetFit.UNDER, 1), (52000, BudgetFit.EXACT, 0), (51999, BudgetFit.OVER, -1)],
)
def test_plan_against_budget(budget, fit, difference):
    costing = cost_plan(cost_items([item()]), budget)
    assert (costing.fit, costing.difference_pence) == (fit, difference)
    assert costing.over_budget == (fit == BudgetFit.OVER)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        (item(cost="-5"), "unit_cost", "cannot be negative"),
        (item(cost="five pounds"), "unit_cost", "not an amount of money"),
        (item(quantity="-1"), "quantity", "more than zero"),
        (item(quantity="lots"), "quantity", "not a number"),
        (item(frequency=None), "frequency", "how often"),
        (item(frequency="fortnightly"), "frequency", "how often"),
        (item(category="holiday"), "category", "choose a category"),
        (item(description="  "), "description", "say what the support is"),
    ],
)
def test_bad_support_items_are_named(entry, field, words):
    with pytest.raises(ValidationError) as problem:
        cost_items([item(), entry])
    [error] = problem.value.errors
    assert error.field == f"support_items[1].{field}"
    assert words in error.message and "Support item 2" in error.message


def test_a_draft_may_be_incomplete_but_submission_needs_every_section():
    draft = PlanDraft(support_items=[item()])
    check_draft(draft)
    with pytest.raises(ValidationError) as problem:
        check_complete(draft)
    assert {e.field for e in problem.value.errors} == {"what_matters", "outcomes", "contingency"}
