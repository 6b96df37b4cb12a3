"""The Resource Allocation System: loading, checking and the arithmetic."""

import copy
import tomllib
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalbudget.domain.ras import calculate, default_ras_path, load_ras, parse_ras
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES
from personalbudget.errors import DefinitionError, ValidationError

RAS = load_ras()


def raw_default() -> dict:
    with default_ras_path().open("rb") as handle:
        return tomllib.load(handle)


def all_first_answers() -> dict[str, str]:
    return {q.id: q.answers[0].id for q in RAS.questions.values()}


def test_default_ras_covers_every_care_act_outcome():
    assert {d.outcome for d in RAS.domains if d.outcome} == set(CARE_ACT_OUTCOMES)
    assert RAS.version and RAS.name
    assert set(RAS.budget_types) == {"personal_budget", "personal_health_budget", "joint_budget"}


def test_hand_worked_personal_budget():
    # 6 (meals: some help) + 7 (washing: some help) = 13 points x £5.50 = £71.50 a week.
    # Family carer gives some help: -10% = £64.35. Rounded to the nearest pound: £64.00.
    answers = all_first_answers() | {
        "nutrition.meals": "some_help",
        "hygiene.washing": "some_help",
        "family_support.carer": "some",
    }
    budget = calculate(RAS, "personal_budget", answers)
    assert budget.complete
    assert budget.total_points == 13
    [social] = budget.streams
    assert (social.points, social.price_per_point_pence, social.base_weekly_pence) == (13, 550, 7150)
    assert [(a.before_pence, a.after_pence) for a in budget.adjustments] == [
        (Fraction(7150), Fraction(6435)),  # carer
        (Fraction(6435), Fraction(6400)),  # rounding
    ]
    assert budget.weekly_pence == 6400
    assert budget.annual_pence == 6400 * 52


def test_floor_lifts_a_small_budget_and_health_points_are_left_out_of_a_social_care_budget():
    answers = all_first_answers() | {"clothing.dressing": "prompting", "health.clinical": "daily"}
    budget = calculate(RAS, "personal_budget", answers)
    assert budget.total_points == 2  # the 14 health points are not funded by social care
    assert budget.weekly_pence == 3000  # 2 x £5.50 = £11 lifted to the £30 floor
    assert budget.adjustments[0].label.startswith("Smallest weekly budget")


def test_no_eligible_needs_gives_no_budget_not_the_floor():
    assert calculate(RAS, "personal_budget", all_first_answers()).weekly_pence == 0


def test_ceiling_caps_the_indicative_budget():
    data = raw_default()
    data["adjustments"][2]["weekly_pence"] = 10000  # £100 ceiling
    ras = parse_ras(data)
    answers = {q.id: q.answers[-1].id for q in ras.questions.values()}
    budget = calculate(ras, "personal_budget", answers)
    assert budget.weekly_pence == 10000
    assert any(a.after_pence == 10000 for a in budget.adjustments)


def test_joint_budget_keeps_each_stream_visible_and_sums_them():
    answers = all_first_answers() | {"hygiene.washing": "full_help", "health.medicines": "administering"}
    budget = calculate(RAS, "joint_budget", answers)
    streams = {s.stream: s for s in budget.streams}
    assert streams["social_care"].weekly_pence == 12 * 550 // 100 * 100  # £66 -> £66
    assert streams["health"].weekly_pence == 5 * 600  # £30
    assert budget.weekly_pence == 6600 + 3000


def test_personal_health_budget_is_all_nhs():
    answers = all_first_answers() | {"hygiene.washing": "full_help", "health.medicines": "administering"}
    budget = calculate(RAS, "personal_health_budget", answers)
    assert [s.stream for s in budget.streams] == ["health"]
    assert budget.weekly_pence == (12 + 5) * 600


def test_rounding_up_mode():
    data = raw_default()
    data["rounding"] = {"step_pence": 500, "mode": "up"}
    ras = parse_ras(data)
    answers = all_first_answers() | {"nutrition.meals": "some_help", "hygiene.washing": "some_help"}
    assert calculate(ras, "personal_budget", answers).weekly_pence == 7500  # £71.50 up to the next £5


def test_unknown_question_or_answer_is_refused():
    with pytest.raises(ValidationError, match=r"no question 'nutrition\.cake'"):
        calculate(RAS, "personal_budget", {"nutrition.cake": "yes"})
    with pytest.raises(ValidationError, match="not one of the answers"):
        calculate(RAS, "personal_budget", {"nutrition.meals": "sometimes"})
    with pytest.raises(ValidationError, match="type of budget"):
        calculate(RAS, "council_tax", {})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["adjustments"][0].update(question="family_support.nope"),
            "unknown question 'family_support.nope'",
        ),
        (
            lambda d: d["domains"][0]["questions"][0]["answers"][1].pop("points"),
            "answer 'prompting': missing points",
        ),
        (
            lambda d: d["pricing"].update(social_care_pence_per_point=-5),
            "price per point for social_care is negative",
        ),
        (
            lambda d: d["domains"][0]["questions"][0]["answers"][1].update(points=-2),
            "points cannot be negative",
        ),
        (lambda d: d["domains"][1]["questions"][0].update(id="nutrition.meals"), "the id is used twice"),
        (lambda d: d["domains"][0].update(outcome="z"), "unknown Care Act outcome 'z'"),
        (lambda d: d["rounding"].update(mode="banker"), "unknown mode 'banker'"),
        (lambda d: d["adjustments"][0]["percent"].pop("some"), "no percentage for answer 'some'"),
        (lambda d: d["adjustments"][0]["percent"].update(some=120), "must be 0 to 100"),
        (lambda d: d["adjustments"][2].update(weekly_pence=100), "ceiling is below the floor"),
        (lambda d: d.pop("pricing"), "'social_care_pence_per_point' is missing"),
        (lambda d: d["domains"][0]["questions"][0].update(answers=[]), "needs at least two answers"),
    ],
)
def test_mistakes_in_a_ras_file_are_named(change, message):
    data = copy.deepcopy(raw_default())
    change(data)
    with pytest.raises(DefinitionError) as problem:
        parse_ras(data, source="council.toml")
    assert any(message in p for p in problem.value.problems), problem.value.problems
    assert "council.toml" in str(problem.value)


def test_a_file_that_is_not_toml_or_missing_is_named(tmp_path):
    bad = tmp_path / "ras.toml"
    bad.write_text("[ras\nname = 'x'")
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_ras(bad)
    with pytest.raises(DefinitionError, match="does not exist"):
        load_ras(tmp_path / "missing.toml")


answer_choices = st.fixed_dictionaries(
    {q.id: st.sampled_from([a.id for a in q.answers]) for q in RAS.questions.values()}
)


@settings(max_examples=150, deadline=None)
@given(answer_choices, st.sampled_from(sorted(RAS.budget_types)))
def test_budget_always_adds_up(answers, budget_type):
    budget = calculate(RAS, budget_type, answers)
    assert budget.weekly_pence == sum(s.weekly_pence for s in budget.streams)
    assert budget.annual_pence == budget.weekly_pence * 52
    assert all(s.weekly_pence % 100 == 0 and s.weekly_pence >= 0 for s in budget.streams)
    assert all(s.weekly_pence <= 150000 for s in budget.streams if s.stream == "social_care")


@settings(max_examples=100, deadline=None)
@given(answer_choices, st.sampled_from(list(RAS.questions)))
def test_more_need_never_means_less_money(answers, question_id):
    question = RAS.questions[question_id]
    ids = [a.id for a in question.answers]
    current = ids.index(answers[question_id])
    if current + 1 == len(ids) or question.answers[current + 1].points < question.answers[current].points:
        return
    more = answers | {question_id: ids[current + 1]}
    for budget_type in RAS.budget_types:
        if question_id == "family_support.carer":
            continue
        assert (
            calculate(RAS, budget_type, more).weekly_pence
            >= calculate(RAS, budget_type, answers).weekly_pence
        )
