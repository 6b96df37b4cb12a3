"""Issue 13, defects found in the acceptance walk at steps 1, 4 and 5 (core, no Qt)."""

from __future__ import annotations

import tomllib
from fractions import Fraction

from personalbudget.domain.ras import calculate, default_ras_path, explain, load_ras, parse_ras
from tests.core.helpers import person_form

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
    assert "10% less" in line and "£71.50 → £64.35" in line
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
    assert "14 points are not counted" in text and "10% less" in text
