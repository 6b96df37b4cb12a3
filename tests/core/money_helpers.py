"""Builders for the step 4-6 tests: a person walked to step 4 through the real services."""

from __future__ import annotations

from datetime import date

from personalbudget.domain.management import AccountEntry, ManagementForm, ScheduleEntry, ShareEntry
from personalbudget.domain.plan import (
    Decision,
    OutcomeEntry,
    PlanDraft,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.domain.support import ArrangementForm, ProviderForm
from personalbudget.services import Services
from tests.core.helpers import person_form

BUDGET = 846_000  # £8,460.00 a year: exactly the plan below
PA_WEEKLY = 15_000  # £150 a week: £7,800 a year
GYM_MONTHLY = 3_000  # £360 a year
EQUIPMENT = 30_000  # £300 once


def as_approver(services: Services) -> Services:
    """The same caseload, signed in as an approver (only they agree plans)."""
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services

    ctx = services.context
    return build_services(
        ctx.db.database, ctx.clock, "test.approver", services.budget.ras, role=Role.APPROVER
    )


def money_plan() -> PlanDraft:
    return PlanDraft(
        what_matters="Cooking my own meals and swimming",
        outcomes=[OutcomeEntry("a", "Cook a hot meal every day")],
        support_items=[
            SupportItemEntry("personal_assistant", "PA hours", "15.00", "10", "week", "Employed PA"),
            SupportItemEntry(
                "community_activities", "Gym membership", "30.00", "1", "month", "Eastfield Leisure"
            ),
            SupportItemEntry("equipment", "Kitchen equipment", "300.00", "1", "one_off", ""),
        ],
        risks=[RiskEntry("Falls", "Pendant alarm")],
        contingency="Sister covers",
    )


def agreed_person(services: Services, *, nhs: str = "943 476 5919", name: str = "Gwen Price") -> int:
    """A person at step 4 with an agreed budget of £8,460 and the plan above, agreed."""
    pid = services.people.add_person(person_form(nhs_number=nhs, name=name)).id
    answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    answers |= {"nutrition.meals": "some_help", "hygiene.washing": "some_help"}
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": BUDGET}, reason="Panel agreed the full plan")
    services.plans.save_draft(pid, money_plan())
    services.plans.submit(pid)
    as_approver(services).plans.decide(pid, Decision.APPROVE, "", "Team manager")
    return pid


def direct_payment(
    first: date = date(2026, 4, 6), amount: str = "650.77", card: str = "4821", frequency: str = "four_weeks"
) -> ManagementForm:
    return ManagementForm(
        shares=[ShareEntry("direct_payment", f"{BUDGET / 100:.2f}")],
        schedule=ScheduleEntry(frequency, first, amount, True),
        account=AccountEntry("G Price DP account", "Prepaid card (Allpay)", "", "", card),
    )


def living_person(services: Services, **kwargs) -> int:
    """A person at step 6: direct payment recorded, every item arranged, support confirmed."""
    pid = agreed_person(services, **kwargs)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)
    services.support.confirm_support_arranged(pid)
    return pid


def directory_entry(services: Services, form: ProviderForm):  # type: ignore[no-untyped-def]
    """The directory's entry for this provider: one provider serves many people, and the directory
    refuses the same provider twice."""
    for provider in services.support.providers():
        if provider.name == form.name and provider.kind.value == form.kind:
            return provider
    return services.support.save_provider(form)


def arrange_everything(services: Services, pid: int) -> None:
    view = services.support.get_support(pid)
    pa = directory_entry(services, ProviderForm("Sam Jones", "personal_assistant", phone="07700 900111"))
    gym = directory_entry(services, ProviderForm("Eastfield Leisure", "universal"))
    shop = directory_entry(services, ProviderForm("Kitchen World", "micro_enterprise"))
    for entry, provider, rate in zip(view.items, (pa, gym, shop), ("15.00", "30.00", "300.00"), strict=True):
        services.support.save_arrangement(
            pid, ArrangementForm(entry.item.item_id, provider.id, date(2026, 4, 6), rate)
        )


def item_ids(services: Services, pid: int) -> dict[str, int]:
    return {i.item.description: i.item.item_id for i in services.support.get_support(pid).items}
