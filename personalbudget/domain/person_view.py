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
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import ManagementOption
from personalbudget.domain.money import WEEKS_PER_YEAR, round_half_up
from personalbudget.domain.plan import BudgetFit, Decision, PlanStatus
from personalbudget.domain.results import BudgetView, ManagementView, PlanView
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
