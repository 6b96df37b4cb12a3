"""Step 3: what the approver sees before deciding (the RAS figure, the agreed budget, outcomes, risks)."""

from dataclasses import replace
from datetime import date

import pytest

from personalbudget.domain.plan import (
    BudgetFit,
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    PlanStatus,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.errors import PermissionDeniedError, ValidationError
from personalbudget.services.plan_service import check_decision, summarise_for_approval
from tests.core.helpers import person_form

NEEDS = {"nutrition.meals": "some_help", "hygiene.washing": "some_help", "family_support.carer": "some"}
INDICATIVE = 6400 * 52  # these answers give £64 a week


def answers(services):
    return {q.id: q.answers[0].id for q in services.budget.ras.questions.values()} | NEEDS


def plan(cost="60.00", risks=True):
    return PlanDraft(
        what_matters="Staying at home and going to choir",
        outcomes=[OutcomeEntry("i", "Get to choir on Tuesdays"), OutcomeEntry("a", "Cook my own tea")],
        support_items=[SupportItemEntry("personal_assistant", "PA hours", cost, "1", "week", "")],
        informal_support=[InformalSupportEntry("Daughter", "Shopping on Saturdays")],
        risks=[RiskEntry("Falls at night", "Pendant alarm and grab rails")] if risks else [],
        contingency="Daughter covers if the PA is off sick",
    )


@pytest.fixture
def pid(services):
    person = services.people.add_person(person_form())
    services.budget.save_answers(person.id, "personal_budget", answers(services))
    return person.id


def test_no_plan_no_summary(services, pid):
    assert services.plans.approval_summary(pid) is None


def test_summary_sets_the_ras_figure_beside_the_agreed_budget_with_the_reason(services, approver, pid):
    services.budget.agree_budget(pid, {"social_care": 400000}, reason="Night support agreed at panel")
    services.plans.save_draft(pid, plan("70.00"))
    services.plans.submit(pid)
    summary = approver.plans.approval_summary(pid)
    assert summary.person_name == "Gwen Price" and summary.plan_version == 1
    assert summary.status == PlanStatus.SUBMITTED
    assert summary.indicative_annual_pence == INDICATIVE
    assert summary.agreed_annual_pence == 400000
    assert summary.budget_change_pence == 400000 - INDICATIVE
    assert summary.budget_reason == "Night support agreed at panel"
    assert [(s.stream, s.indicative_annual_pence, s.annual_pence) for s in summary.streams] == [
        ("social_care", INDICATIVE, 400000)
    ]
    # The plan's total against the agreed budget: £70 x 52 = £3,640.
    assert (summary.plan_annual_pence, summary.plan_weekly_pence) == (364000, 7000)
    assert summary.fit == BudgetFit.UNDER and summary.plan_difference_pence == 400000 - 364000
    # The Care Act outcomes the plan addresses, in the regulation's words and the person's.
    assert [(o.code, o.description) for o in summary.outcomes] == [
        ("i", "Get to choir on Tuesdays"),
        ("a", "Cook my own tea"),
    ]
    assert summary.outcomes[1].area == "Managing and maintaining nutrition"
    assert summary.outcomes[0].area.startswith("Making use of necessary facilities")
    assert summary.risks == (RiskEntry("Falls at night", "Pendant alarm and grab rails"),)
    assert summary.contingency == "Daughter covers if the PA is off sick"
    # Agreed today (23 Nov 2026), the first light-touch review falls 8 weeks later.
    assert summary.first_review_due == date(2027, 1, 18)
    assert summary.concerns == ()


def test_the_indicative_budget_agreed_unchanged_shows_no_difference(services, pid):
    services.budget.agree_budget(pid)
    services.plans.save_draft(pid, plan("64.00"))
    summary = services.plans.approval_summary(pid)  # the practitioner sees it too
    assert summary.indicative_annual_pence == summary.agreed_annual_pence == INDICATIVE
    assert summary.budget_change_pence == 0 and summary.budget_reason == ""
    assert summary.fit == BudgetFit.EXACT and summary.status == PlanStatus.DRAFT


def test_over_budget_and_missing_risks_are_named_for_the_approver(services, approver, pid):
    services.budget.agree_budget(pid)
    services.plans.save_draft(pid, plan("80.00", risks=False))
    services.plans.submit(pid, "Extra help after hospital")
    summary = approver.plans.approval_summary(pid)
    assert summary.fit == BudgetFit.OVER and summary.plan_difference_pence == -(1600 * 52)
    assert summary.over_budget_justification == "Extra help after hospital"
    assert summary.concerns == (
        "The plan costs £832.00 a year more than the agreed budget (the reason is below).",
        "No risks are recorded: check that none were found, or return the plan.",
    )


def test_a_changed_budget_without_a_recorded_reason_is_a_concern(services, pid):
    """Budgets agreed before reasons were required, or copied from an earlier cycle, may have none."""
    services.budget.agree_budget(pid, {"social_care": 400000}, reason="Panel")
    view = services.plans.save_draft(pid, plan("90.00"))
    view = replace(view, budget=replace(view.budget, reason=""))
    summary = summarise_for_approval(view, "Gwen Price", date(2027, 1, 18))
    assert summary.concerns[0] == (
        "The agreed budget differs from the indicative (RAS) budget and no reason was recorded."
    )
    over = replace(view, over_budget_justification="")
    over = replace(over, costing=replace(view.costing, fit=BudgetFit.OVER, difference_pence=-500))
    assert (
        "£5.00 a year more than the agreed budget and no reason was given."
        in (summarise_for_approval(over, "Gwen Price", date(2027, 1, 18)).concerns[1])
    )


def test_the_summary_follows_the_newest_version_after_a_return(services, approver, pid):
    services.budget.agree_budget(pid)
    services.plans.save_draft(pid, plan("60.00"))
    services.plans.submit(pid)
    approver.plans.decide(pid, Decision.RETURN, "Add quotes", "Funding panel")
    draft = plan("62.00")
    draft.outcomes.append(OutcomeEntry("g", "See my grandson"))
    services.plans.save_draft(pid, draft)
    summary = approver.plans.approval_summary(pid)
    assert summary.plan_version == 2 and summary.plan_annual_pence == 6200 * 52
    assert [o.code for o in summary.outcomes] == ["i", "a", "g"]


def test_the_summary_needs_permission_to_see_people(services, pid):
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services

    analyst = build_services(services.context.db, services.context.clock, "analyst", role=Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        analyst.plans.approval_summary(pid)


def test_check_decision_names_what_is_missing_before_anything_is_recorded():
    assert check_decision(Decision.APPROVE, "  ", " Team manager ") == ("", "Team manager")
    with pytest.raises(ValidationError, match="conditions"):
        check_decision(Decision.APPROVE_WITH_CONDITIONS, "", "Team manager")
    with pytest.raises(ValidationError, match="reasons"):
        check_decision(Decision.RETURN, "", "Team manager")
    with pytest.raises(ValidationError, match="role"):
        check_decision(Decision.APPROVE, "", "")
