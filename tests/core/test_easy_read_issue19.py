"""The easy read plan PDF read back with pypdf against issue 19's list: the real date of the first
review, the conditions of the approval, each person listed once, money to the pound, and the
person's own words as they wrote them."""

import re
from dataclasses import replace
from datetime import date

from personalbudget.domain.management import ShareEntry
from personalbudget.domain.person import RepresentativeForm
from personalbudget.domain.plan import (
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.domain.support import ArrangementForm, ProviderForm
from tests.core.helpers import person_form
from tests.core.money_helpers import as_approver, direct_payment
from tests.core.test_budget_and_plan_services import answers
from tests.core.test_easy_read_report import pdf_text

WHAT_MATTERS = "I’d like to keep my cat, Smwt – and sing with Côr Meibion on Fridays! Mam’s café is my place."
CONTINGENCY = "If Sam can’t come, ring Mair (she lives next door)."


def section(text: str, heading: str, next_heading: str) -> str:
    start = text.index(heading)
    return text[start : text.index(next_heading, start)]


def agreed_with_conditions(services):  # type: ignore[no-untyped-def]
    pid = services.people.add_person(
        person_form(
            name="Gwen Price",
            representatives=[
                RepresentativeForm("Rhys Price", "carer", "son", "07700 900123"),
                RepresentativeForm("Mair Jones", "representative", "", "07700 900456"),
                RepresentativeForm("rhys price ", "nominated", "son", ""),  # the same Rhys again
            ],
        )
    ).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid, {"social_care": 520000}, reason="Agreed")
    services.plans.save_draft(
        pid,
        PlanDraft(
            what_matters=WHAT_MATTERS,
            outcomes=[OutcomeEntry("i", "Sing at the eisteddfod in May")],
            support_items=[
                SupportItemEntry("personal_assistant", "PA hours", "15.37", "6", "week", ""),
                SupportItemEntry("equipment", "Kettle tipper", "35.99", "1", "one_off", ""),
            ],
            informal_support=[
                InformalSupportEntry("Mair Jones", "Shopping on Saturdays."),
                InformalSupportEntry("Rhys Price", "Visits on Sundays."),
                InformalSupportEntry(" mair jones", "A lift to chapel."),  # Mair again, another job
            ],
            risks=[RiskEntry("Falls on the stairs", "A pendant alarm, worn day and night")],
            contingency=CONTINGENCY,
        ),
    )
    services.plans.submit(pid)
    as_approver(services).plans.decide(
        pid, Decision.APPROVE_WITH_CONDITIONS, "Check the PA hours in March.", "Team manager"
    )
    return pid


def test_the_easy_read_plan_says_what_the_issue_lists(services, tmp_path):
    pid = agreed_with_conditions(services)
    text = pdf_text(services.reports.write_easy_read_plan(pid, tmp_path / "easy.pdf"))
    # The real date of the first review (8 weeks after the approval on 23 November 2026).
    assert "This will be by 18 January 2027." in text
    assert "weeks after my plan is agreed" not in text
    # The conditions of the approval.
    assert "It was agreed on these conditions:" in text and "Check the PA hours in March." in text
    # Each person listed once, with everything they do and every part they play.
    people = section(text, "People who help me", "Keeping safe")
    assert people.lower().count("mair jones") == 1, people
    assert people.lower().count("rhys price") == 1, people
    assert "Shopping on Saturdays." in people and "A lift to chapel." in people
    assert (
        "Visits on Sundays." in people
        and "Family carer" in people
        and "Nominated person (direct payments)" in people
    )
    assert "07700 900123" in people and "07700 900456" in people
    # Money to the pound, never a figure in pence.
    assert "It costs about £92 a week." in text  # £15.37 x 6 = £92.22
    assert "It costs about £36 once." in text
    assert not re.search(r"\d\.\d\d\b", text), re.findall(r".{30}\d\.\d\d.{10}", text)
    assert "pence" not in text
    # The person's own words, as written (the PDF's text folds line breaks into spaces).
    for words in (WHAT_MATTERS, CONTINGENCY, "Sing at the eisteddfod in May", "Falls on the stairs"):
        for sentence in re.split(r"(?<=[.!?])\s+", words):
            assert sentence in text, sentence
    assert "A pendant alarm, worn day and night" in text


def test_who_gives_each_kind_of_help_is_who_was_arranged_at_step_5(services, tmp_path):
    pid = agreed_with_conditions(services)
    services.management.record_management(
        pid, replace(direct_payment(), shares=[ShareEntry("direct_payment", "5,200.00")])
    )
    items = {i.item.description: i.item.item_id for i in services.support.get_support(pid).items}
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    services.support.save_arrangement(
        pid, ArrangementForm(items["PA hours"], sam.id, date(2027, 1, 4), "15.37")
    )
    text = pdf_text(services.reports.write_easy_read_plan(pid, tmp_path / "arranged.pdf"))
    help_section = section(text, "The help I get", "People who help me")
    assert "Who gives it: Sam Jones" in help_section
    assert "Sam Jones starts on 4 January 2027." in help_section
    assert "Who gives it: not chosen yet" in help_section  # the kettle tipper: no one yet
