"""What the person is told at steps 5-7 (domain/person_view.py, SupportService.person_summary),
without Qt: who gives each kind of help, the money in and out, the check-in in their own words;
money to the pound, dates in words, no statutory code, the same in English and Welsh (issue 19)."""

from dataclasses import replace
from datetime import date

from personalbudget import i18n
from personalbudget.domain.lifecycle import ReviewDecision
from personalbudget.domain.person_view import (
    HelpArranged,
    money_summary,
    review_summary,
    support_summary,
)
from personalbudget.domain.results import ReviewForm
from personalbudget.domain.review import OutcomeRating
from personalbudget.domain.support import ArrangementForm, ProviderForm
from personalbudget.plain_language import about
from personalbudget.services.ledger_service import TransactionForm
from tests.core.money_helpers import agreed_person, direct_payment, item_ids, living_person
from tests.core.test_person_view import check_plain, statutory_texts


def said_in_both(summary_of) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    statutory = statutory_texts()
    said = {}
    for language in ("en_GB", "cy_GB"):
        i18n.set_language(language)
        try:
            sentences = summary_of().sentences()
        finally:
            i18n.set_language("en_GB")
        check_plain(sentences, statutory)
        said[language] = sentences
    assert len(said["cy_GB"]) == len(said["en_GB"])
    return said


def test_step_5_says_who_helps_from_when_and_what_is_not_arranged(services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    assert services.support.person_summary(pid).sentences()[-1] == "Some of your help is not arranged yet."
    ids = item_ids(services, pid)
    pa = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    gym = services.support.save_provider(ProviderForm("Eastfield Leisure", "universal"))
    services.support.save_arrangement(pid, ArrangementForm(ids["PA hours"], pa.id, date(2026, 4, 6), "15.00"))
    # The gym starts after today (the clock says 23 November 2026): the person is told when.
    services.support.save_arrangement(
        pid, ArrangementForm(ids["Gym membership"], gym.id, date(2027, 1, 4), "30.00")
    )
    said = said_in_both(lambda: services.support.person_summary(pid))
    english = said["en_GB"]
    assert english[0] == "The help in your plan and who gives it:"
    assert "PA hours: Sam Jones helps you. It costs £150 a week." in english
    assert "Gym membership: Eastfield Leisure helps you. It costs about £7 a week." in english
    assert "Eastfield Leisure starts on 4 January 2027." in english
    assert not any("Sam Jones starts" in s for s in english)  # started in April: nothing to say
    assert "Kitchen equipment: no one is arranged yet. It costs £300 once." in english
    assert english[-1] == "Some of your help is not arranged yet."
    assert any("Sam Jones" in s for s in said["cy_GB"])  # names as written


def test_step_5_before_the_plan_is_agreed_and_when_all_is_arranged(services):
    assert support_summary(False, []).sentences() == ("Your help is arranged once your plan is agreed.",)
    pid = living_person(services)
    summary = services.support.person_summary(pid)
    assert summary.sentences()[-1] == "All your help is arranged."
    pictures = {t.picture for t in summary.told}
    assert {"personal_assistant", "community_activities", "equipment"} <= pictures  # one per kind of help
    line = HelpArranged("", "", 10_049)
    assert (
        support_summary(True, [line]).sentences()[1]
        == "Other help: no one is arranged yet. It costs about £100 a week."
    )


def test_step_6_says_the_balance_and_the_spending_to_the_pound(services):
    assert money_summary(False, 0).sentences() == ("Your money account is not set up yet.",)
    pid = living_person(services)
    pa = item_ids(services, pid)["PA hours"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 11, 2), "150.49", False, "Sam", pa))
    ledger, monitoring = services.ledger.overview(pid)
    assert monitoring is not None and monitoring.monitoring is not None
    said = said_in_both(lambda: money_summary(ledger.has_account, ledger.balance, monitoring.monitoring))
    english = said["en_GB"]
    assert ledger.balance < 0  # no payment in yet: the person is told so, to the pound
    assert english[0] == f"Your account is overdrawn by {about(-ledger.balance)}."
    assert "This year you have spent about £150 on your help." in english
    assert "That is less than your plan says for this time." in english  # one PA week in seven months
    overdrawn = money_summary(True, -12_345).sentences()
    assert overdrawn == ("Your account is overdrawn by about £123.", "Someone will talk with you about it.")


def test_step_7_says_the_check_in_in_the_persons_own_words(services):
    pid = living_person(services)
    due = services.lifecycle.get_cycle(pid).next_review_due
    assert review_summary(None, due).sentences() == (
        f"We will check how things are going by {i18n.format_date(due, fmt='long')}.",
    )
    pa = item_ids(services, pid)["PA hours"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 10, 5), "150.00", False, "Sam", pa))
    review = services.reviews.open_review(pid)
    form = replace(
        review.form,
        outcomes=[
            OutcomeRating(o.outcome_code, o.description, "Partially Met", "I cook twice a week now")
            for o in review.form.outcomes
        ],
        working_person="Sam is kind. I like the gym.",
        not_working_person="Sam comes late on Fridays.",
    )
    review = services.reviews.save_draft(review.review_id, form)
    said = said_in_both(lambda: review_summary(review, due))
    english = said["en_GB"]
    assert english[0] == f"Your check-in is due by {i18n.format_date(review.due_on, fmt='long')}."
    assert "Eating and drinking: Cook a hot meal every day" in english
    assert "This is going partly well." in english
    assert "You said: I cook twice a week now" in english
    assert "What is working for you: Sam is kind. I like the gym." in english
    assert "What is not working for you: Sam comes late on Fridays." in english
    assert f"Since {i18n.format_date(review.period_start, fmt='long')}, your help has cost £150." in english
    assert any("Sam comes late on Fridays." in s for s in said["cy_GB"])  # the person's words as written
    done = services.reviews.complete(
        review.review_id,
        ReviewForm(
            outcomes=[OutcomeRating(o.outcome_code, o.description, "Fully Met") for o in form.outcomes],
            method="Service user only",
            working_person=form.working_person,
            decision=ReviewDecision.CONTINUE,
        ),
    )
    next_due = services.lifecycle.get_cycle(pid).next_review_due
    english = review_summary(done, next_due).sentences()
    assert english[0].startswith("Your check-in was done on ")
    assert "Your plan carries on as it is." in english
    if next_due is not None:
        assert english[-1] == f"Your next check-in is by {i18n.format_date(next_due, fmt='long')}."


def test_before_any_answer_the_person_is_told_what_the_questions_are_for(services):
    from personalbudget.domain.person_view import budget_summary
    from tests.core.helpers import person_form

    pid = services.people.add_person(person_form(name="Ann Jones")).id
    summary = budget_summary(services.budget.get_budget(pid), show_amount=False)
    assert summary.sentences() == ("Answer the questions to find out how much money you could have.",)
