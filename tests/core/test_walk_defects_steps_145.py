"""Issue 13, defects found in the acceptance walk at steps 1, 4 and 5 (core, no Qt)."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import (
    ManagementForm,
    ManagementOption,
    PotLine,
    ShareEntry,
    pot_fits,
    pot_shortfalls,
)
from personalbudget.domain.money import Frequency
from personalbudget.domain.ras import calculate, default_ras_path, explain, load_ras, parse_ras
from personalbudget.domain.support import ArrangementForm, EmployerForm, ProviderForm, rate_over_plan
from personalbudget.errors import LifecycleError, ValidationError
from tests.core.helpers import person_form
from tests.core.money_helpers import agreed_person, arrange_everything, direct_payment, item_ids

RAS = load_ras()


def all_first_answers() -> dict[str, str]:
    return {q.id: q.answers[0].id for q in RAS.questions.values()}


# -- step 1: answers the budget type does not fund, and the carer reduction's percentage ----------------


def health_in_a_social_care_budget() -> dict[str, str]:
    # 6 + 7 = 13 social care points; 14 health points (clinical tasks every day); some carer help.
    return all_first_answers() | {
        "nutrition.meals": "some_help",
        "hygiene.washing": "some_help",
        "health.clinical": "daily",
        "family_support.carer": "some",
    }


def test_health_points_in_a_social_care_budget_are_named_not_dropped():
    budget = calculate(RAS, "personal_budget", health_in_a_social_care_budget())
    assert budget.total_points == 13 and budget.weekly_pence == 6400  # the figure is unchanged
    [health] = budget.unfunded_domains
    assert (health.domain_id, health.points, health.funding) == ("health", 14, "health")
    assert budget.unfunded_points == 14
    # What the person could do: the budget types in this RAS that fund health needs.
    assert health.funded_by == ("Personal health budget (NHS)", "Joint budget (social care and NHS)")
    text = "\n".join(explain(budget))
    assert (
        "Health needs: 14 points are not counted, because this type of budget does not fund health needs."
        in text
    )
    assert "Personal health budget (NHS) or Joint budget (social care and NHS)" in text
    assert "referral to the NHS for a personal health budget" in text


def test_a_joint_budget_funds_the_same_answers_and_says_nothing_is_left_out():
    budget = calculate(RAS, "joint_budget", health_in_a_social_care_budget())
    assert budget.unfunded_domains == () and budget.unfunded_points == 0
    assert "not counted" not in "\n".join(explain(budget))
    assert {s.stream: s.points for s in budget.streams} == {"social_care": 13, "health": 14}


def test_one_unfunded_point_is_said_in_the_singular():
    with default_ras_path().open("rb") as handle:
        data = tomllib.load(handle)
    health = next(d for d in data["domains"] if d["id"] == "health")
    health["questions"][0]["answers"][1]["points"] = 1  # "prompting" with medicines: 1 point
    ras = parse_ras(data)
    answers = {q.id: q.answers[0].id for q in ras.questions.values()} | {"health.medicines": "prompting"}
    text = "\n".join(explain(calculate(ras, "personal_budget", answers)))
    assert "Health needs: 1 point is not counted" in text


def test_the_carer_reduction_says_its_percentage():
    budget = calculate(RAS, "personal_budget", health_in_a_social_care_budget())
    carer = budget.adjustments[0]
    assert carer.percent == 10 and (carer.before_pence, carer.after_pence) == (Fraction(7150), Fraction(6435))
    line = next(text for text in explain(budget) if text.startswith("Taking account of help a family carer"))
    assert "reduced by 10%" in line and "£71.50 → £64.35" in line
    # Rounding, the floor and the ceiling are not percentages and say none.
    assert budget.adjustments[1].percent is None
    assert "%" not in next(text for text in explain(budget) if text.startswith("Rounding"))


def test_the_saved_breakdown_keeps_the_unfunded_areas_and_the_percentage(services):
    pid = services.people.add_person(person_form()).id
    view = services.budget.save_answers(pid, "personal_budget", health_in_a_social_care_budget())
    again = services.budget.get_budget(pid).indicative
    assert again == view.indicative
    assert [d.domain_id for d in again.unfunded_domains] == ["health"]
    assert again.adjustments[0].percent == 10
    text = "\n".join(explain(again))
    assert "14 points are not counted" in text and "reduced by 10%" in text


# -- step 5: the employer's insurance, rates above the plan, duplicate providers ---------------------------


def test_support_is_not_in_place_while_a_pa_has_no_employers_liability_insurance(services, clock):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)  # Sam Jones, a PA, delivers the PA hours
    view = services.support.get_support(pid)
    assert not view.gaps and not view.in_place
    assert "Employer's liability insurance is not recorded" in view.employer_problem
    assert view.support_arranged_at is None
    with pytest.raises(LifecycleError, match="Support is not in place yet"):
        services.lifecycle.advance(pid)
    # Expired insurance is no better.
    services.support.save_employer(pid, EmployerForm("Fictional Mutual", clock.today() - timedelta(days=1)))
    assert "expired on" in services.support.get_support(pid).employer_problem
    assert services.support.get_support(pid).support_arranged_at is None
    # Recording the policy is what support was waiting for: the step is done.
    services.support.save_employer(pid, EmployerForm("Fictional Mutual", clock.today() + timedelta(days=200)))
    view = services.support.get_support(pid)
    assert view.employer_problem is None and view.in_place and view.support_arranged_at is not None
    assert services.lifecycle.advance(pid).current_step == Step.LIVE_LIFE


def test_confirming_without_the_insurance_keeps_that_in_the_record(services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)
    services.support.confirm_support_arranged(pid, "Policy bought today; certificate to follow.")
    note = services.lifecycle.get_cycle(pid).transitions[-1].note
    assert "Not yet in place when confirmed: Employer's liability insurance is not recorded" in note


def test_no_pa_means_no_insurance_is_needed(services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    agency = services.support.save_provider(ProviderForm("Bryn Vale Home Care", "agency"))
    for entry in services.support.get_support(pid).items:
        view = services.support.save_arrangement(
            pid, ArrangementForm(entry.item.item_id, agency.id, date(2026, 4, 6), "1.00")
        )
    assert view.employer_problem is None and view.support_arranged_at is not None


def test_a_rate_above_the_plan_says_how_much_over_a_unit_and_a_year(services):
    pid = agreed_person(services)  # the plan: PA hours £15.00 x 10 a week
    services.management.record_management(pid, direct_payment())
    ids = item_ids(services, pid)
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    view = services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], sam.id, date(2026, 4, 6), "15.50")
    )
    [entry] = [i for i in view.items if i.item.item_id == ids["PA hours"]]
    [over] = entry.over_plan
    assert (over.per_unit_pence, over.per_year_pence) == (50, 50 * 10 * 52)  # £0.50 an hour, £260 a year
    assert view.rate_warnings == (
        "Personal assistant: PA hours: Sam Jones's rate of £15.50 is £0.50 a unit more than the plan's "
        "£15.00 (£260.00 a year more than planned).",
    )
    # At or below the plan's unit cost: nothing to say.
    assert rate_over_plan("Sam Jones", 1500, 1500, Decimal(10), Frequency.WEEK) is None
    assert rate_over_plan("Sam Jones", 1500, 1450, Decimal(10), Frequency.WEEK) is None
    # The walk's figures: £15 against £14.50 for 4 hours a week is £0.50 an hour, £104 a year.
    walk = rate_over_plan("A PA", 1450, 1500, Decimal(4), Frequency.WEEK)
    assert walk is not None and (walk.per_unit_pence, walk.per_year_pence) == (50, 10_400)


def test_the_same_provider_cannot_be_added_twice(services):
    first = services.support.save_provider(ProviderForm("Bryn Vale Home Care", "agency"))
    with pytest.raises(ValidationError, match=r"Bryn Vale Home Care \(Agency\) is already in the directory"):
        services.support.save_provider(ProviderForm("  bryn vale   HOME care ", "agency"))
    # The same name as another type is a different entry (a PA who also runs a micro-enterprise).
    services.support.save_provider(ProviderForm("Bryn Vale Home Care", "micro_enterprise"))
    # Renaming another entry onto an existing one is refused too; changing an entry itself is not.
    other = services.support.save_provider(ProviderForm("Eastfield Care", "agency"))
    with pytest.raises(ValidationError, match="already in the directory"):
        services.support.save_provider(ProviderForm("Bryn Vale Home Care", "agency"), other.id)
    services.support.save_provider(
        ProviderForm("Bryn Vale Home Care", "agency", phone="01632 960001"), first.id
    )
    # An entry marked as no longer used is still there, and the message says so.
    services.support.set_provider_active(other.id, False)
    with pytest.raises(ValidationError, match="marked as no longer used"):
        services.support.save_provider(ProviderForm("EASTFIELD CARE", "agency"))
    assert [p.name for p in services.support.providers(include_inactive=True)].count(
        "Bryn Vale Home Care"
    ) == 2


# -- step 4: do the plan lines a pot pays for fit in it? ---------------------------------------------------


def test_a_line_bigger_than_its_pot_is_named_with_the_shortfall():
    pa = PotLine("Personal assistant: PA hours", Fraction(312_000))  # £15 x 4 hours x 52 weeks
    fits = pot_fits(
        [(ManagementOption.DIRECT_PAYMENT, 200_000), (ManagementOption.COUNCIL_COMMISSIONED, 646_000)],
        {ManagementOption.DIRECT_PAYMENT: [pa]},
    )
    direct, council = fits
    assert (direct.lines_pence, direct.short_pence) == (312_000, 112_000)
    assert council.short_pence == 0 and council.lines == ()
    assert pot_shortfalls(fits) == [
        "Direct payment to the person is £1,120.00 short: it has £2,000.00 a year, but the plan lines it pays "
        "for cost £3,120.00 a year (Personal assistant: PA hours £3,120.00 a year)."
    ]
    # The same line in a pot big enough: nothing to say.
    assert (
        pot_shortfalls(
            pot_fits([(ManagementOption.DIRECT_PAYMENT, 312_000)], {ManagementOption.DIRECT_PAYMENT: [pa]})
        )
        == []
    )


def test_one_pot_pays_for_every_line_not_yet_arranged_a_mix_waits_for_step_5():
    lines = [PotLine("Gym", Fraction(36_000)), PotLine("Kitchen", Fraction(30_000))]
    [single] = pot_fits([(ManagementOption.DIRECT_PAYMENT, 50_000)], {}, lines)
    assert (single.lines_pence, single.short_pence) == (66_000, 16_000)
    mix = pot_fits(
        [(ManagementOption.DIRECT_PAYMENT, 50_000), (ManagementOption.COUNCIL_MANAGED, 16_000)], {}, lines
    )
    assert [f.short_pence for f in mix] == [0, 0]


def test_lines_paid_from_a_pot_no_longer_in_the_mix_are_named():
    fits = pot_fits(
        [(ManagementOption.COUNCIL_MANAGED, 846_000)],
        {ManagementOption.DIRECT_PAYMENT: [PotLine("PA hours", Fraction(780_000))]},
    )
    assert fits[-1].in_mix is False and fits[-1].short_pence == 780_000
    [text] = pot_shortfalls(fits)
    assert text.startswith("Direct payment to the person is no longer a way of managing this budget")
    assert "£7,800.00 a year" in text


def mix(dp: str, council: str) -> ManagementForm:
    form = direct_payment()
    form.shares = [ShareEntry("direct_payment", dp), ShareEntry("council_commissioned", council)]
    return form


def test_step4_checks_each_pot_against_the_lines_arranged_from_it(services):
    pid = agreed_person(services)  # £8,460: PA hours £7,800, gym £360, kitchen equipment £300
    view = services.management.record_management(pid, mix("2,000.00", "6,460.00"))
    assert [f.short_pence for f in view.pots] == [0, 0]  # nothing is paid from either yet
    assert len(view.not_yet_paid_from) == 3
    ids = item_ids(services, pid)
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], sam.id, date(2026, 4, 6), "15.00", "direct_payment")
    )
    view = services.management.get_management(pid)
    direct = view.pots[0]
    assert direct.option == ManagementOption.DIRECT_PAYMENT
    assert (direct.annual_pence, direct.lines_pence, direct.short_pence) == (200_000, 780_000, 580_000)
    assert "Direct payment to the person is £5,800.00 short" in pot_shortfalls(view.pots)[0]
    # The arranged rate is what the pot pays: £15.50 an hour is £8,060 a year.
    services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], sam.id, date(2026, 4, 7), "15.50", "direct_payment")
    )
    assert services.management.get_management(pid).pots[0].lines_pence == 806_000
    # Moving the money between the pots puts it right, and the record says nothing is short.
    view = services.management.record_management(pid, mix("8,060.00", "400.00"))
    assert pot_shortfalls(view.pots) == []


def test_step5_says_when_arranging_a_line_overfills_its_pot(services):
    pid = agreed_person(services)
    services.management.record_management(pid, mix("2,000.00", "6,460.00"))
    ids = item_ids(services, pid)
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    gym = services.support.save_provider(ProviderForm("Eastfield Leisure", "universal"))
    view = services.support.save_arrangement(
        pid, ArrangementForm(ids["Gym membership"], gym.id, date(2026, 4, 6), "30.00", "council_commissioned")
    )
    assert view.pot_shortfalls == ()  # £360 a year in the council's £6,460
    view = services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], sam.id, date(2026, 4, 6), "15.00", "direct_payment")
    )
    [text] = view.pot_shortfalls
    assert text.startswith("Direct payment to the person is £5,800.00 short: it has £2,000.00 a year")
