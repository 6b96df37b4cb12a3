"""An uplift as one recorded change: the people affected and every amount listed first, then applied
only as shown, with each amount before and after kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from personalbudget.domain.uplift import UpliftForm, uplifted
from personalbudget.errors import ValidationError
from tests.core.helpers import person_form
from tests.core.money_helpers import agreed_person

APRIL = UpliftForm("3.2", date(2026, 4, 6), "April 2026 rate rise agreed by the council")


def test_uplifted_rounds_half_up_once():
    assert uplifted(846_000, Decimal("3.2")) == 873_072  # £8,460.00 x 1.032 = £8,730.72
    assert uplifted(1_500, Decimal("3.2")) == 1_548  # £15.00 -> £15.48
    assert uplifted(1_005, Decimal("2.5")) == 1_030  # £10.30125 -> £10.30
    assert uplifted(1_010, Decimal("2.5")) == 1_035  # £10.3525 -> £10.35
    assert uplifted(2_050, Decimal("-10")) == 1_845


def test_the_people_affected_are_listed_then_the_uplift_is_applied_as_shown(services):
    pid = agreed_person(services)
    services.people.add_person(person_form(nhs_number="401 023 2137", name="Aled Rees"))  # no budget yet
    preview = services.uplifts.preview(APRIL)
    assert preview.people == [(pid, "Gwen Price", 846_000, 873_072)]
    changes = {c.label: (c.before_pence, c.after_pence) for c in preview.changes}
    assert changes["Social care budget a year"] == (846_000, 873_072)
    assert changes["Personal assistant: PA hours"] == (1_500, 1_548)
    assert changes["Community and leisure activities: Gym membership"] == (3_000, 3_096)
    assert changes["Equipment and adaptations: Kitchen equipment"] == (30_000, 30_960)
    assert preview.summary() == (
        "3.2% from 6 Apr 2026: 1 person's budget rises from £8,460.00 to £8,730.72 a year (3 plan lines)."
    )
    nothing_yet = services.budget.get_budget(pid).agreed
    assert nothing_yet.annual_pence == 846_000
    record = services.uplifts.apply(APRIL, preview)
    agreed = services.budget.get_budget(pid).agreed
    assert agreed.annual_pence == 873_072
    assert "Uplift of 3.2% from 2026-04-06" in agreed.reason
    # The plan still fits the budget: £15.48 x 10 x 52 + £30.96 x 12 + £309.60 = £8,730.72.
    plan = services.plans.get_plan(pid)
    assert plan.costing.annual_pence == 873_072
    assert record.preview.changes == preview.changes
    # The same preview cannot be applied twice: the amounts it showed are no longer there.
    with pytest.raises(ValidationError) as stale:
        services.uplifts.apply(APRIL, preview)
    assert "look at the people affected again" in str(stale.value)


def test_an_uplift_says_what_is_missing(services):
    with pytest.raises(ValidationError) as problem:
        services.uplifts.preview(UpliftForm("0", None, " ", ()))
    assert {e.field for e in problem.value.errors} == {"percent", "applies_from", "reason", "streams"}
