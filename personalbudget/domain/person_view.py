"""What the person is told at each step, in plain words, as data (issue 19).

Co-production mode and the easy read plan say the same things to the person: the budget's amount,
the plan's cost against it, whether the plan is agreed and on what conditions, how the money is
looked after. Each is a ``Told``: the sentence (marked for translation, not yet translated), with
its amounts and dates as values and the person's own words as written. ``PlainSummary.sentences``
says them in the current language, with money to the pound ("about £173 a week") and the plain
names of the Care Act outcomes and support categories (``vocabularies``), never the statutory
wording, so the page's own staff wording and layout can change without changing what the person is
told. Pure: no Qt, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from personalbudget.domain.charging import BudgetSplit
from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.management import ManagementOption
from personalbudget.domain.money import WEEKS_PER_YEAR, round_half_up
from personalbudget.domain.monitoring import LineResult, Monitoring, Status
from personalbudget.domain.plan import BudgetFit, Decision, PlanStatus
from personalbudget.domain.results import BudgetView, ManagementView, PlanView, ReviewView
from personalbudget.domain.vocabularies import plain_category, plain_outcome
from personalbudget.i18n import N_, _, format_date
from personalbudget.plain_language import about, about_a_week

STEP_TITLES = {
    Step.SET_BUDGET: N_("How much money you can have"),
    Step.PLAN_SUPPORT: N_("Your plan: what matters to you and the help you want"),
    Step.AGREE_PLAN: N_("Agreeing your plan"),
    Step.MANAGE_BUDGET: N_("How your money is looked after"),
    Step.ORGANISE_SUPPORT: N_("Getting your help in place"),
    Step.LIVE_LIFE: N_("Living your life: your money in and out"),
    Step.REVIEW: N_("Checking how things are going"),
}

# How the money is looked after, said to the person. {who} holds it.
MANAGED = {
    ManagementOption.DIRECT_PAYMENT: N_("The money is paid to you, and you choose your help and pay for it."),
    ManagementOption.NOMINATED_PERSON: N_("The money is paid to {who}, who looks after it for you."),
    ManagementOption.MANAGED_ACCOUNT: N_("{who} looks after the money for you and pays for your help."),
    ManagementOption.TRUST: N_("The money is paid to your trust, which looks after it for you."),
    ManagementOption.INDIVIDUAL_SERVICE_FUND: N_("{who} looks after the money and spends it on your help."),
    ManagementOption.COUNCIL_MANAGED: N_("The council looks after the money and pays for your help."),
    ManagementOption.COUNCIL_COMMISSIONED: N_("The council arranges your help and pays for it."),
}


def weekly_of_annual(annual_pence: int | Fraction) -> int:
    return round_half_up(Fraction(annual_pence) / WEEKS_PER_YEAR)


@dataclass(frozen=True)
class Told:
    """One thing the person is told.

    ``message`` is the sentence, untranslated, with ``{money}`` (``weekly_pence`` said "about £x a
    week", or ``pence`` said "about £x"), ``{date}`` (``on``), ``{what}`` (a plain name from the
    vocabulary, translated when said) and ``{words}`` / ``{who}`` (the person's own words or a
    name, said as written). ``picture`` names an easy read picture (``resources/easy_read``)."""

    message: str
    weekly_pence: int | None = None
    pence: int | None = None
    on: date | None = None
    what: str = ""
    words: str = ""
    who: str = ""
    picture: str = ""
    heading: bool = False

    def sentence(self) -> str:
        money = ""
        if self.weekly_pence is not None:
            money = about_a_week(self.weekly_pence)
        elif self.pence is not None:
            money = about(self.pence)
        return _(self.message).format(
            money=money,
            date=format_date(self.on, fmt="long") if self.on else "",
            what=_(self.what) if self.what else "",
            words=self.words,
            who=self.who,
        )


@dataclass(frozen=True)
class PlainSummary:
    """What the person is told at one step, in order."""

    step: Step
    told: tuple[Told, ...]

    @property
    def title(self) -> str:
        return _(STEP_TITLES[self.step])

    def sentences(self) -> tuple[str, ...]:
        return tuple(t.sentence() for t in self.told)


# -- step 1 -----------------------------------------------------------------------------------------


def budget_summary(
    budget: BudgetView, split: BudgetSplit | None = None, *, show_amount: bool = True
) -> PlainSummary:
    """The money the answers give (when ``show_amount``: the amount can wait for the last answer),
    the agreed budget, and the person's part of it."""
    told: list[Told] = []
    indicative = budget.indicative
    if indicative is not None and indicative.questions:
        told.append(
            Told(
                N_("You have answered {words} of the questions."),
                words=f"{indicative.answered} / {indicative.questions}",
            )
        )
    if indicative is not None and show_amount:
        told.append(
            Told(N_("Your answers give {money}."), weekly_pence=indicative.weekly_pence, picture="my_money")
        )
    elif indicative is not None:
        told.append(Told(N_("The money your answers give is shown after the last question.")))
    elif budget.agreed is None:  # no answer yet
        told.append(Told(N_("Answer the questions to find out how much money you could have.")))
    if budget.agreed is not None:
        weekly = weekly_of_annual(budget.agreed.annual_pence)
        told.append(Told(N_("Your agreed budget is {money}."), weekly_pence=weekly, picture="my_money"))
    if split is not None and split.person_annual_pence:
        told.append(Told(N_("The council pays {money}."), weekly_pence=split.council_weekly_pence))
        told.append(Told(N_("You pay {money} towards it."), weekly_pence=split.person_weekly_pence))
    return PlainSummary(Step.SET_BUDGET, tuple(told))


# -- steps 2 and 3 ----------------------------------------------------------------------------------


def _money_against_budget(plan: PlanView) -> list[Told]:
    costing = plan.costing
    told = [Told(N_("Your plan costs {money}."), weekly_pence=costing.weekly_pence, picture="my_money")]
    if costing.budget_annual_pence is not None:
        budget_weekly = weekly_of_annual(costing.budget_annual_pence)
        told.append(Told(N_("Your budget is {money}."), weekly_pence=budget_weekly))
        difference = weekly_of_annual(costing.difference_pence)
        if costing.fit == BudgetFit.UNDER and difference > 0:
            told.append(Told(N_("You still have {money} to plan."), weekly_pence=difference))
        elif costing.fit == BudgetFit.OVER:
            told.append(Told(N_("That is {money} more than your budget."), weekly_pence=-difference))
    return told


def _help(plan: PlanView) -> list[Told]:
    told = []
    for item in plan.costing.items:
        picture = item.category or "other"
        if item.description.strip():
            told.append(
                Told(
                    N_("{words} ({what}): {money}"),
                    words=item.description.strip(),
                    what=plain_category(item.category),
                    weekly_pence=item.weekly_pence,
                    picture=picture,
                )
            )
        else:
            told.append(
                Told(
                    N_("{what}: {money}"),
                    what=plain_category(item.category),
                    weekly_pence=item.weekly_pence,
                    picture=picture,
                )
            )
    return told


def plan_summary(plan: PlanView | None) -> PlainSummary:
    """The plan so far: what the person wants to achieve (by the plain name of each part of their
    life), the help and what each costs a week, and the cost against the budget."""
    if plan is None:
        return PlainSummary(Step.PLAN_SUPPORT, (Told(N_("Your plan has not been written yet.")),))
    told: list[Told] = []
    for outcome in plan.content.outcomes:
        name = plain_outcome(outcome.outcome_code)
        if name and outcome.description.strip():
            told.append(
                Told(
                    N_("{what}: {words}"),
                    what=name,
                    words=outcome.description.strip(),
                    picture="what_matters",
                )
            )
        elif outcome.description.strip():
            told.append(Told(N_("{words}"), words=outcome.description.strip(), picture="what_matters"))
    told += _help(plan)
    told += _money_against_budget(plan)
    return PlainSummary(Step.PLAN_SUPPORT, tuple(told))


STATUS = {
    PlanStatus.DRAFT: N_("Your plan is still being written."),
    PlanStatus.SUBMITTED: N_("Your plan has been sent to be agreed. We are waiting for the answer."),
    PlanStatus.AGREED: N_("Your plan has been agreed."),
    PlanStatus.RETURNED: N_("Your plan was sent back to be changed."),
}


def agreement_summary(plan: PlanView | None, first_review: date | None = None) -> PlainSummary:
    """Whether the plan is agreed, what the council said (its conditions), the money, the help,
    and when the first check-in is."""
    if plan is None:
        return PlainSummary(Step.AGREE_PLAN, (Told(N_("Your plan has not been written yet.")),))
    told = [Told(STATUS[plan.status], heading=True)]
    last = plan.decisions[-1] if plan.decisions else None
    if last is not None and last.text.strip():
        said = {
            Decision.APPROVE_WITH_CONDITIONS: N_("It was agreed on these conditions: {words}"),
            Decision.RETURN: N_("What needs to change: {words}"),
        }.get(last.decision, N_("What the council said: {words}"))
        told.append(Told(said, words=last.text.strip()))
    told += _money_against_budget(plan)
    if plan.costing.items:
        told.append(Told(N_("The help in your plan:"), heading=True, picture="help_i_get"))
        told += _help(plan)
    if first_review is not None:
        told.append(Told(N_("We will check how it is going by {date}."), on=first_review, picture="review"))
    return PlainSummary(Step.AGREE_PLAN, tuple(told))


# -- step 4 -----------------------------------------------------------------------------------------


def management_summary(view: ManagementView) -> PlainSummary:
    told: list[Told] = []
    if view.budget_annual_pence is not None:
        told.append(
            Told(
                N_("Your budget is {money}."),
                weekly_pence=weekly_of_annual(view.budget_annual_pence),
                picture="my_money",
            )
        )
    if not view.recorded_for_this_cycle:
        told.append(Told(N_("How your money is looked after has not been chosen yet.")))
        return PlainSummary(Step.MANAGE_BUDGET, tuple(told))
    for share in view.shares:
        who = share.held_by or _("someone you trust")
        told.append(Told(MANAGED[share.option], who=who, picture="people_who_help"))
        if len(view.shares) > 1:
            told.append(Told(N_("That part is {money}."), weekly_pence=weekly_of_annual(share.annual_pence)))
    if view.schedule is not None:
        told.append(
            Told(
                N_("Each payment is {money}, from {date}."),
                pence=view.schedule.amount_pence,
                on=view.schedule.first_payment,
            )
        )
    return PlainSummary(Step.MANAGE_BUDGET, tuple(told))


# -- step 5 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpArranged:
    """One kind of help in the agreed plan and who gives it (step 5), as the person is told it.

    ``who``: the names of whoever gives it now ("" when no one is arranged yet); ``starts_on``: the
    day the first of them starts, when that is still to come."""

    category: str
    description: str
    weekly_pence: int
    who: str = ""
    starts_on: date | None = None
    one_off_pence: int | None = None  # a one-off cost (said as "about £x"), not a cost a week


# (someone arranged, the plan's own words for it, a one-off cost): what the person is told.
HELP_ARRANGED = {
    (True, True, False): N_("{words}: {who} helps you. It costs {money}."),
    (True, False, False): N_("{what}: {who} helps you. It costs {money}."),
    (False, True, False): N_("{words}: no one is arranged yet. It costs {money}."),
    (False, False, False): N_("{what}: no one is arranged yet. It costs {money}."),
    (True, True, True): N_("{words}: from {who}. It costs {money} once."),
    (True, False, True): N_("{what}: from {who}. It costs {money} once."),
    (False, True, True): N_("{words}: no one is arranged yet. It costs {money} once."),
    (False, False, True): N_("{what}: no one is arranged yet. It costs {money} once."),
}


def support_summary(
    plan_agreed: bool, help_lines: tuple[HelpArranged, ...] | list[HelpArranged]
) -> PlainSummary:
    """Who gives each kind of help in the agreed plan, from when, and what is not arranged yet."""
    if not plan_agreed:
        return PlainSummary(
            Step.ORGANISE_SUPPORT, (Told(N_("Your help is arranged once your plan is agreed.")),)
        )
    if not help_lines:
        return PlainSummary(Step.ORGANISE_SUPPORT, (Told(N_("There is no help in your plan to arrange.")),))
    told = [Told(N_("The help in your plan and who gives it:"), heading=True, picture="help_i_get")]
    for line in help_lines:
        words = line.description.strip()
        what = plain_category(line.category)
        one_off = line.one_off_pence is not None
        message = HELP_ARRANGED[(bool(line.who), bool(words), one_off)]
        told.append(
            Told(
                message,
                weekly_pence=None if one_off else line.weekly_pence,
                pence=line.one_off_pence,
                words=words,
                what=what,
                who=line.who,
                picture=line.category or "other",
            )
        )
        if line.who and line.starts_on is not None:
            told.append(Told(N_("{who} starts on {date}."), who=line.who, on=line.starts_on))
    if all(line.who for line in help_lines):
        told.append(Told(N_("All your help is arranged."), heading=True, picture="people_who_help"))
    else:
        told.append(
            Told(N_("Some of your help is not arranged yet."), heading=True, picture="people_who_help")
        )
    return PlainSummary(Step.ORGANISE_SUPPORT, tuple(told))


# -- step 6 -----------------------------------------------------------------------------------------

SPENDING = {
    Status.OVER: N_("That is more than your plan says for this time."),
    Status.ON_TRACK: N_("That is about what your plan says."),
    Status.UNDER: N_("That is less than your plan says for this time."),
}


def _spending(total: LineResult | None, message: str, since: date | None = None) -> list[Told]:
    if total is None or (not total.spent_pence and not total.planned_so_far_pence):
        return []
    told = [Told(message, pence=total.spent_pence, on=since, picture="my_money")]
    if total.status in SPENDING and total.planned_so_far_pence:
        told.append(Told(SPENDING[total.status]))
    return told


def money_summary(
    has_account: bool, balance_pence: int, monitoring: Monitoring | None = None
) -> PlainSummary:
    """The money in the person's account, what was paid in and spent this year against the plan."""
    if not has_account:
        return PlainSummary(Step.LIVE_LIFE, (Told(N_("Your money account is not set up yet.")),))
    if balance_pence < 0:
        told = [Told(N_("Your account is overdrawn by {money}."), pence=-balance_pence, picture="my_money")]
        told.append(Told(N_("Someone will talk with you about it.")))
    else:
        told = [Told(N_("You have {money} in your account."), pence=balance_pence, picture="my_money")]
    if monitoring is not None:
        if monitoring.payments_in_pence > 0:
            told.append(Told(N_("This year {money} has been paid in."), pence=monitoring.payments_in_pence))
        told += _spending(monitoring.total, N_("This year you have spent {money} on your help."))
    return PlainSummary(Step.LIVE_LIFE, tuple(told))


# -- step 7 -----------------------------------------------------------------------------------------

HOW_IT_IS_GOING = {
    "Fully Met": N_("This is going well."),
    "Partially Met": N_("This is going partly well."),
    "Not Met": N_("This is not going well yet."),
}
WHAT_HAPPENS_NEXT = {
    ReviewDecision.CONTINUE: N_("Your plan carries on as it is."),
    ReviewDecision.CHANGE_PLAN: N_("Your plan will be changed."),
    ReviewDecision.REASSESS: N_("Your budget will be worked out again."),
    ReviewDecision.END: N_("Your personal budget is ending."),
}


def review_summary(review: ReviewView | None, next_review_due: date | None = None) -> PlainSummary:
    """The check-in (step 7): when it is, how each thing the person wanted is going, what they said
    in their own words, the money spent, and what happens next."""
    told: list[Told] = []
    if review is None:
        if next_review_due is not None:
            told.append(
                Told(
                    N_("We will check how things are going by {date}."), on=next_review_due, picture="review"
                )
            )
        else:
            told.append(Told(N_("No check-in is planned yet."), picture="review"))
        return PlainSummary(Step.REVIEW, tuple(told))
    if review.completed and review.completed_at is not None:
        told.append(
            Told(N_("Your check-in was done on {date}."), on=review.completed_at.date(), picture="review")
        )
    else:
        told.append(Told(N_("Your check-in is due by {date}."), on=review.due_on, picture="review"))
    form = review.form
    for outcome in form.outcomes:
        name = plain_outcome(outcome.outcome_code)
        words = outcome.description.strip()
        if name and words:
            told.append(Told(N_("{what}: {words}"), what=name, words=words, picture="what_matters"))
        elif words:
            told.append(Told(N_("{words}"), words=words, picture="what_matters"))
        elif name:
            told.append(Told(N_("{what}"), what=name, picture="what_matters"))
        if outcome.rating in HOW_IT_IS_GOING:
            told.append(Told(HOW_IT_IS_GOING[outcome.rating]))
        if outcome.person_says.strip():
            told.append(Told(N_("You said: {words}"), words=outcome.person_says.strip()))
    if form.working_person.strip():
        told.append(Told(N_("What is working for you: {words}"), words=form.working_person.strip()))
    if form.not_working_person.strip():
        told.append(Told(N_("What is not working for you: {words}"), words=form.not_working_person.strip()))
    told += _spending(
        review.spend_total, N_("Since {date}, your help has cost {money}."), review.period_start
    )
    if review.completed and form.decision is not None:
        told.append(Told(WHAT_HAPPENS_NEXT[form.decision], heading=True))
    if review.completed and next_review_due is not None:
        told.append(Told(N_("Your next check-in is by {date}."), on=next_review_due, picture="review"))
    return PlainSummary(Step.REVIEW, tuple(told))
