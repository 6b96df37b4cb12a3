"""Steps 4 and 5 through the services: management options, payment schedules, account details,
arrangements, gaps, the employer checklist, and the lifecycle moves they make."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import (
    AccountEntry,
    DeliveryMechanism,
    ManagementForm,
    ManagementOption,
    PaymentSchedule,
    SaltCategory,
    ScheduleEntry,
    ShareEntry,
    check_account,
    contains_card_number,
    expected_payments,
    salt_category,
    suggested_payment,
)
from personalbudget.domain.money import Frequency
from personalbudget.domain.support import (
    ArrangementForm,
    EmployerForm,
    PaEntry,
    PaFacts,
    ProviderForm,
    ReminderLevel,
    employer_reminders,
)
from personalbudget.errors import LifecycleError, ValidationError
from tests.core.money_helpers import (
    BUDGET,
    agreed_person,
    arrange_everything,
    direct_payment,
    item_ids,
)

CARD = "4111 1111 1111 1111"  # a test card number that passes the Luhn check


@pytest.mark.parametrize(
    ("option", "mechanism"),
    [
        (ManagementOption.DIRECT_PAYMENT, DeliveryMechanism.DIRECT_PAYMENT),
        (ManagementOption.NOMINATED_PERSON, DeliveryMechanism.DIRECT_PAYMENT),
        (ManagementOption.MANAGED_ACCOUNT, DeliveryMechanism.DIRECT_PAYMENT),
        (ManagementOption.TRUST, DeliveryMechanism.DIRECT_PAYMENT),
        (ManagementOption.INDIVIDUAL_SERVICE_FUND, DeliveryMechanism.CASSR_MANAGED),
        (ManagementOption.COUNCIL_MANAGED, DeliveryMechanism.CASSR_MANAGED),
        (ManagementOption.COUNCIL_COMMISSIONED, DeliveryMechanism.CASSR_COMMISSIONED),
    ],
)
def test_each_option_maps_to_its_client_level_data_delivery_mechanism(option, mechanism):
    assert option.mechanism == mechanism
    assert option.pays_out == (mechanism == DeliveryMechanism.DIRECT_PAYMENT)


def test_client_level_data_wording_is_exact():
    assert [m.value for m in DeliveryMechanism] == [
        "Direct Payment",
        "CASSR Managed Personal Budget",
        "CASSR Commissioned Support",
    ]


@pytest.mark.parametrize(
    ("mechanisms", "expected"),
    [
        ({DeliveryMechanism.DIRECT_PAYMENT}, SaltCategory.DIRECT_PAYMENT_ONLY),
        (
            {DeliveryMechanism.DIRECT_PAYMENT, DeliveryMechanism.CASSR_COMMISSIONED},
            SaltCategory.PART_DIRECT_PAYMENT,
        ),
        (
            {DeliveryMechanism.DIRECT_PAYMENT, DeliveryMechanism.CASSR_MANAGED},
            SaltCategory.PART_DIRECT_PAYMENT,
        ),
        ({DeliveryMechanism.CASSR_MANAGED}, SaltCategory.CASSR_MANAGED),
        ({DeliveryMechanism.CASSR_MANAGED, DeliveryMechanism.CASSR_COMMISSIONED}, SaltCategory.CASSR_MANAGED),
        ({DeliveryMechanism.CASSR_COMMISSIONED}, SaltCategory.CASSR_COMMISSIONED_ONLY),
        (set(), None),
    ],
)
def test_salt_category_is_derived_per_person_from_the_mix(mechanisms, expected):
    assert salt_category(mechanisms) == expected


def test_full_card_numbers_are_recognised():
    assert contains_card_number(CARD)
    assert contains_card_number("card 4111-1111-1111-1111 expires")
    assert not contains_card_number("4111 1111 1111 1112")  # fails the Luhn check: not a card
    assert not contains_card_number("4821")
    assert not contains_card_number("07700 900123")


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (AccountEntry(card_last4=CARD), "account.card_last4"),
        (AccountEntry(card_last4="41111111"), "account.card_last4"),
        (AccountEntry(account_number_last4="12345678"), "account.account_number_last4"),
        (AccountEntry(account_number_last4=CARD), "account.account_number_last4"),
        (AccountEntry(account_name=f"Card {CARD}"), "account.account_name"),
        (AccountEntry(sort_code="12-34"), "account.sort_code"),
    ],
)
def test_full_numbers_are_refused(entry, field):
    with pytest.raises(ValidationError) as problem:
        check_account(entry)
    assert problem.value.for_field(field)


def test_only_what_identifies_the_account_is_kept():
    kept = check_account(AccountEntry("J Smith DP", "Cymru Building Society", "12-34-56", "9876", ""))
    assert (kept.sort_code_masked, kept.account_last4, kept.card_last4) == ("••-••-56", "9876", "")
    assert "12-34" not in kept.describe() and "56" in kept.describe()


def test_a_full_card_number_is_never_stored(services):
    pid = agreed_person(services)
    form = direct_payment(card=CARD)
    with pytest.raises(ValidationError, match="Never record a full card number"):
        services.management.record_management(pid, form)
    form.note = f"Card is {CARD}"
    form.account.card_last4 = "1111"
    with pytest.raises(ValidationError, match="full card number"):
        services.management.record_management(pid, form)
    form.note = ""
    services.management.record_management(pid, form)
    assert services.management.get_management(pid).account.card_last4 == "1111"
    # Nothing anywhere in the database holds the card number.
    assert "4111111111111111" not in every_value(services).replace(" ", "").replace("-", "")


def every_value(services) -> str:
    """Every value in every table, as text."""
    values = []
    with services.context.db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()  # (a caseload file or a team caseload)
        for table in tables:
            for row in connection.exec_driver_sql(f'SELECT * FROM "{table}"'):
                values.extend(str(v) for v in row)
    return "\n".join(values)


def test_recording_management_completes_step_four_and_moves_on(services, clock):
    pid = agreed_person(services)
    view = services.management.record_management(pid, direct_payment())
    assert view.recorded_for_this_cycle and view.recorded_by == "test.practitioner"
    assert view.salt == SaltCategory.DIRECT_PAYMENT_ONLY and view.mechanisms == (
        DeliveryMechanism.DIRECT_PAYMENT,
    )
    assert view.schedule == PaymentSchedule(Frequency.FOUR_WEEKS, date(2026, 4, 6), 65077, True)
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.current_step == Step.ORGANISE_SUPPORT
    move = cycle.transitions[-1]
    assert (move.kind, move.from_step, move.to_step) == ("advance", Step.MANAGE_BUDGET, Step.ORGANISE_SUPPORT)
    assert "Direct payment to the person £8,460.00" in move.note
    # Recording again later (a new card) keeps the cycle where it is.
    services.management.record_management(pid, direct_payment(card="9999"))
    assert services.lifecycle.get_cycle(pid).current_step == Step.ORGANISE_SUPPORT
    assert services.management.get_management(pid).account.card_last4 == "9999"


def test_a_mix_records_the_amount_under_each_and_must_cover_the_budget(services):
    pid = agreed_person(services)
    form = ManagementForm(
        shares=[
            ShareEntry("direct_payment", "5,000.00"),
            ShareEntry("individual_service_fund", "3,000.00", "Bryn Vale Home Care Ltd"),
        ],
        schedule=ScheduleEntry("four_weeks", date(2026, 4, 6), "384.62"),
    )
    with pytest.raises(ValidationError, match=r"add up to £8,000.00 .*\(£460.00 left to allocate\)"):
        services.management.record_management(pid, form)
    assert services.lifecycle.get_cycle(pid).current_step == Step.MANAGE_BUDGET
    form.shares[1].annual_amount = "3,460.00"
    form.shares[1].held_by = ""
    with pytest.raises(ValidationError, match="say who holds the money"):
        services.management.record_management(pid, form)
    form.shares[1].held_by = "Bryn Vale Home Care Ltd"
    view = services.management.record_management(pid, form)
    assert [(s.option, s.annual_pence) for s in view.shares] == [
        (ManagementOption.DIRECT_PAYMENT, 500_000),
        (ManagementOption.INDIVIDUAL_SERVICE_FUND, 346_000),
    ]
    assert view.salt == SaltCategory.PART_DIRECT_PAYMENT
    assert view.paid_out_annual_pence == 500_000


def test_direct_payments_need_a_schedule_council_managed_does_not(services):
    pid = agreed_person(services)
    form = ManagementForm(shares=[ShareEntry("direct_payment", "8460.00")])
    with pytest.raises(ValidationError, match="needs a payment schedule"):
        services.management.record_management(pid, form)
    view = services.management.record_management(
        pid, ManagementForm(shares=[ShareEntry("council_managed", "8460.00")])
    )
    assert view.schedule is None and view.salt == SaltCategory.CASSR_MANAGED


def test_management_is_recorded_only_once_the_plan_is_agreed(services):
    from tests.core.helpers import person_form

    pid = services.people.add_person(person_form(nhs_number="")).id
    with pytest.raises(LifecycleError, match="once the plan is agreed"):
        services.management.record_management(pid, direct_payment())


def test_the_schedule_generates_expected_payments():
    four_weekly = PaymentSchedule(Frequency.FOUR_WEEKS, date(2026, 4, 6), 65077, True)
    payments = expected_payments(four_weekly, date(2026, 4, 1), date(2027, 3, 31))
    assert len(payments) == 13 and payments[0] == (date(2026, 4, 6), 65077)
    assert payments[1][0] == date(2026, 5, 4) and payments[-1][0] == date(2027, 3, 8)
    # A window starting mid-cycle picks up the next payment on the schedule.
    assert expected_payments(four_weekly, date(2026, 5, 5), date(2026, 6, 1)) == [(date(2026, 6, 1), 65077)]
    monthly = PaymentSchedule(Frequency.MONTH, date(2026, 1, 31), 70500, True)
    days = [d for d, _a in expected_payments(monthly, date(2026, 1, 1), date(2026, 5, 31))]
    assert days == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    weekly = PaymentSchedule(Frequency.WEEK, date(2026, 4, 6), 16269, False)
    assert len(expected_payments(weekly, date(2026, 4, 6), date(2026, 4, 30))) == 4
    assert suggested_payment(BUDGET, Frequency.FOUR_WEEKS) == 65077  # £8,460 / 13, rounded half up
    assert four_weekly.weekly * 52 == 65077 * 13


def test_arrangements_show_gaps_and_confirming_with_gaps_needs_a_reason(services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    ids = item_ids(services, pid)
    pa = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    view = services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], pa.id, date(2026, 4, 6), "15.50")
    )
    assert [g.item.description for g in view.gaps] == ["Gym membership", "Kitchen equipment"]
    arranged = next(i for i in view.items if i.arranged)
    assert arranged.arrangements[0].unit_rate_pence == 1550
    assert arranged.arrangements[0].funding_option == "direct_payment"  # the only option: chosen for you
    assert view.support_arranged_at is None
    with pytest.raises(ValidationError, match="Gym membership; Equipment and adaptations: Kitchen equipment"):
        services.support.confirm_support_arranged(pid)
    assert services.lifecycle.get_cycle(pid).current_step == Step.ORGANISE_SUPPORT
    services.support.confirm_support_arranged(pid, "The gym starts in May; equipment bought by the family.")
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.current_step == Step.LIVE_LIFE
    assert "2 items not yet arranged" in cycle.transitions[-1].note
    assert "The gym starts in May" in cycle.transitions[-1].note


def test_arranging_every_item_records_the_milestone(services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    with pytest.raises(LifecycleError, match="Support is not in place yet"):
        services.lifecycle.advance(pid)
    # A PA is arranged: the employer's liability insurance is part of support being in place.
    services.support.save_employer(pid, EmployerForm("Fictional Mutual", date(2027, 6, 1)))
    arrange_everything(services, pid)
    view = services.support.get_support(pid)
    assert not view.gaps and view.support_arranged_at is not None
    assert services.lifecycle.advance(pid).current_step == Step.LIVE_LIFE


def test_arrangements_are_checked(services):
    pid = agreed_person(services)
    with pytest.raises(LifecycleError, match="from step 5"):
        services.support.save_arrangement(pid, ArrangementForm(1, 1, date(2026, 4, 6), "1.00"))
    services.management.record_management(pid, direct_payment())
    ids = item_ids(services, pid)
    shop = services.support.save_provider(ProviderForm("Kitchen World", "micro_enterprise"))
    with pytest.raises(ValidationError) as problem:
        services.support.save_arrangement(
            pid, ArrangementForm(ids["Kitchen equipment"], None, None, "abc", ends_on=date(2026, 1, 1))
        )
    fields = {e.field for e in problem.value.errors}
    assert fields == {"provider_id", "starts_on", "unit_rate"}
    with pytest.raises(ValidationError, match="end date is before"):
        services.support.save_arrangement(
            pid,
            ArrangementForm(
                ids["Kitchen equipment"], shop.id, date(2026, 4, 6), "1", ends_on=date(2026, 4, 1)
            ),
        )
    with pytest.raises(ValidationError, match="agreed plan"):
        services.support.save_arrangement(pid, ArrangementForm(99999, shop.id, date(2026, 4, 6), "1"))


def test_ended_arrangements_leave_a_gap(services, clock):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)
    view = services.support.get_support(pid)
    pa_arrangement = view.items[0].arrangements[0]
    view = services.support.end_arrangement(pid, pa_arrangement.id, clock.today() - timedelta(days=1))
    assert [g.item.description for g in view.gaps] == ["PA hours"]


def test_providers_are_checked_and_listed(services):
    with pytest.raises(ValidationError) as problem:
        services.support.save_provider(ProviderForm("", "shop", email="not-an-email"))
    assert {e.field for e in problem.value.errors} == {"name", "kind", "email"}
    agency = services.support.save_provider(
        ProviderForm("Bryn Vale Home Care", "agency", registration_number="1-123456789")
    )
    services.support.save_provider(ProviderForm("alice pa", "personal_assistant"))
    assert [p.name for p in services.support.providers()] == ["alice pa", "Bryn Vale Home Care"]
    services.support.set_provider_active(agency.id, False)
    assert [p.name for p in services.support.providers()] == ["alice pa"]
    assert agency.kind_label == "Agency"


def test_employer_reminders_come_before_expiry():
    today = date(2026, 11, 23)
    reminders = employer_reminders(
        "Fictional Mutual",
        date(2026, 12, 13),  # 20 days away
        "Millbrook Payroll",
        [
            PaFacts(
                "Sam Jones", date(2023, 11, 1), date(2024, 1, 1), "28"
            ),  # DBS renewal due 1 Nov 2026: overdue
            PaFacts(
                "Ann Bell", date(2023, 12, 10), None, ""
            ),  # due 10 Dec 2026: soon; no contract; no holiday
        ],
        today=today,
        remind_days=30,
        dbs_recheck_years=3,
    )
    levels = [(r.level, r.due) for r in reminders]
    assert levels == [
        (ReminderLevel.OVERDUE, date(2026, 11, 1)),
        (ReminderLevel.DUE_SOON, date(2026, 12, 10)),
        (ReminderLevel.DUE_SOON, date(2026, 12, 13)),
        (ReminderLevel.MISSING, None),
        (ReminderLevel.MISSING, None),
    ]
    texts = [r.message for r in reminders]
    assert "Sam Jones: the DBS check from 1 Nov 2023 was due to be renewed on 1 Nov 2026." in texts
    assert "expires on 13 Dec 2026 (in 20 days)" in texts[2]
    assert any("Ann Bell: no signed contract" in t for t in texts)
    assert any("Ann Bell: holiday entitlement is not recorded (at least 5.6 weeks" in t for t in texts)
    later = employer_reminders(
        "Fictional Mutual", date(2027, 6, 1), "Payroll", [], today=today, remind_days=30, dbs_recheck_years=3
    )
    assert later == []


def test_employer_checklist_lists_the_persons_pas_with_reminders(services, clock):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    assert not services.support.get_employer(pid).employs_pas
    arrange_everything(services, pid)
    view = services.support.get_employer(pid)
    assert view.employs_pas and [p.name for p in view.pas] == ["Sam Jones"]
    assert any("Employer's liability insurance is not recorded" in r.message for r in view.reminders)
    pa_id = view.pas[0].provider_id
    view = services.support.save_employer(
        pid,
        EmployerForm(
            "Fictional Mutual",
            clock.today() + timedelta(days=10),
            "Millbrook Payroll",
            [PaEntry(pa_id, clock.today() - timedelta(days=100), clock.today() - timedelta(days=90), "28")],
        ),
    )
    assert [r.level for r in view.reminders] == [ReminderLevel.DUE_SOON]
    assert "in 10 days" in view.reminders[0].message
    with pytest.raises(ValidationError, match="not a number of days"):
        services.support.save_employer(pid, EmployerForm(pas=[PaEntry(pa_id, holiday_days="lots")]))
