"""What the person is told at each step (domain/person_view.py), without Qt: plain names for every
statutory code, money to the pound, the same in English and Welsh (issue 19)."""

import re
from datetime import date

import pytest

from personalbudget import i18n
from personalbudget.domain.person_view import (
    agreement_summary,
    budget_summary,
    management_summary,
    plan_summary,
)
from personalbudget.domain.plan import Decision, OutcomeEntry
from personalbudget.domain.vocabularies import (
    CARE_ACT_OUTCOMES,
    CARE_ACT_OUTCOMES_PLAIN,
    SUPPORT_CATEGORIES,
    SUPPORT_CATEGORIES_PLAIN,
    plain_category,
    plain_outcome,
)
from personalbudget.plain_language import about, about_a_week, pounds
from tests.core.test_easy_read_report import easy_person  # noqa: F401  (the fixture)

PENCE = re.compile(r"\d[.,]\d\d\b|\bpence\b|\bpenny\b|\bceiniog\b")
CODE = re.compile(r"(^|\s|\()[a-j]\)")


def statutory_texts() -> list[str]:
    texts = []
    for language in ("en_GB", "cy_GB"):
        i18n.set_language(language)
        texts += [i18n._(t) for t in CARE_ACT_OUTCOMES.values()]
    i18n.set_language("en_GB")
    return [t for t in texts if t not in {i18n._(p) for p in CARE_ACT_OUTCOMES_PLAIN.values()}]


def check_plain(sentences, statutory) -> None:
    for sentence in sentences:
        assert not PENCE.search(sentence), sentence
        assert not CODE.search(sentence), sentence
        for official in statutory:
            assert official not in sentence, sentence


def test_every_code_has_a_plain_name_beside_the_official_one():
    assert CARE_ACT_OUTCOMES_PLAIN.keys() == CARE_ACT_OUTCOMES.keys()
    assert SUPPORT_CATEGORIES_PLAIN.keys() == SUPPORT_CATEGORIES.keys()
    assert plain_outcome("i") == "Getting out and about"
    assert plain_category("nonsense") == "Other help"
    for plain in [*CARE_ACT_OUTCOMES_PLAIN.values(), *SUPPORT_CATEGORIES_PLAIN.values()]:
        assert len(plain) <= 32 and not CODE.search(plain)


@pytest.mark.parametrize(
    ("pence", "english"),
    [
        (17308, "about £173 a week"),
        (17350, "about £174 a week"),
        (5000, "£50 a week"),
        (49, "about £0 a week"),
    ],
)
def test_money_to_the_pound(pence, english):
    i18n.set_language("en_GB")
    assert about_a_week(pence) == english
    assert pounds(123456) == "£1,235" and about(123456) == "about £1,235" and pounds(-250) == "-£3"


def test_each_step_tells_the_person_the_same_things_in_both_languages(services, easy_person):  # noqa: F811
    plan = services.plans.get_plan(easy_person)
    draft = plan.content
    draft.outcomes.append(OutcomeEntry("i", "Go to the pub quiz"))
    budget = services.budget.get_budget(easy_person)
    management = services.management.get_management(easy_person)
    statutory = statutory_texts()
    said = {}
    for language in ("en_GB", "cy_GB"):
        i18n.set_language(language)
        summaries = [
            budget_summary(budget, services.charging.split(easy_person)),
            plan_summary(plan),
            agreement_summary(plan, date(2027, 2, 15)),
            management_summary(management),
        ]
        said[language] = [s.sentences() for s in summaries]
        for summary in summaries:
            check_plain(summary.sentences(), statutory)
    i18n.set_language("en_GB")
    budget_s, plan_s, agreement_s, management_s = said["en_GB"]
    assert "Your agreed budget is £100 a week." in budget_s
    assert "Respite nights (Short breaks): about £43 a week" in plan_s
    assert "Your plan costs about £98 a week." in plan_s
    assert "Getting out and about: Go to the pub quiz" in plan_s
    assert agreement_s[0] == "Your plan has been agreed."
    assert "We will check how it is going by 15 February 2027." in agreement_s
    assert any("Bryn Vale Home Care Ltd" in s for s in management_s)
    assert "Each payment is about £246, from 7 December 2026." in management_s
    # The same things in Welsh: as many sentences, the person's own words kept as written.
    assert [len(s) for s in said["cy_GB"]] == [len(s) for s in said["en_GB"]]
    assert any("Go to the pub quiz" in s for s in said["cy_GB"][1])


def test_the_conditions_of_an_approval_are_told(services, approver):
    from personalbudget.domain.plan import PlanStatus
    from tests.core.helpers import person_form
    from tests.core.test_budget_and_plan_services import answers, good_plan

    pid = services.people.add_person(person_form(name="Ann Jones")).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid, {"social_care": 520000}, reason="Agreed")
    services.plans.save_draft(pid, good_plan("55.00"))
    services.plans.submit(pid)
    approver.plans.decide(
        pid, Decision.APPROVE_WITH_CONDITIONS, "Check the PA hours in March.", "Team manager"
    )
    plan = services.plans.get_plan(pid)
    assert plan.status == PlanStatus.AGREED
    sentences = agreement_summary(plan).sentences()
    assert "It was agreed on these conditions: Check the PA hours in March." in sentences
