"""The money side of a demo person (steps 4-6), built through the same services a broker uses.

How the budget is managed (mostly direct payments, some managed accounts,
individual service funds, council-managed budgets and mixes), a four-weekly or
monthly payment schedule, who delivers each plan item (agencies, a personal
assistant of their own, local groups), the PA employer checklist, rules, and up
to a year of transactions: payments in on the schedule and spending out linked
to plan items, with some people spending steadily, some under and some over.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

from personalbudget.clock import FixedClock
from personalbudget.domain.management import (
    AccountEntry,
    ManagementForm,
    ManagementOption,
    ScheduleEntry,
    ShareEntry,
    expected_payments,
    suggested_payment,
)
from personalbudget.domain.money import Frequency, round_half_up
from personalbudget.domain.support import ArrangementForm, EmployerForm, PaEntry, ProviderForm, ProviderKind
from personalbudget.services import Services
from personalbudget.services.demo_life import DemoPeople
from personalbudget.services.dto import ManagementView
from personalbudget.services.payee_rule_service import RuleForm
from personalbudget.services.support_service import SupportView

# Who delivers an item whose plan names no provider, by kind of support.
_DEFAULT_PROVIDERS = {
    "personal_care": ("Harbourside Care Agency", ProviderKind.AGENCY),
    "day_opportunities": ("Millbrook Community Hub", ProviderKind.VOLUNTARY),
    "short_breaks": ("Westgate Respite House", ProviderKind.AGENCY),
    "community_activities": ("Eastfield Leisure Centre", ProviderKind.UNIVERSAL),
    "transport": ("Cwm Cars", ProviderKind.MICRO_ENTERPRISE),
    "domestic": ("Tidy Homes CIC", ProviderKind.MICRO_ENTERPRISE),
    "equipment": ("Bryn Vale Mobility Shop", ProviderKind.UNIVERSAL),
    "assistive_technology": ("Careline Abermorlais", ProviderKind.AGENCY),
    "work_learning": ("Supported Employment Wales (fictional)", ProviderKind.VOLUNTARY),
    "health_support": ("Castle Quay Therapies", ProviderKind.MICRO_ENTERPRISE),
    "other": ("Abermorlais Community Shop", ProviderKind.UNIVERSAL),
}
_KIND_BY_NAME = {
    "Bryn Vale Home Care Ltd": ProviderKind.AGENCY,
    "Harbourside Care Agency": ProviderKind.AGENCY,
    "Castle Quay Arts Project": ProviderKind.VOLUNTARY,
    "Tidy Homes CIC": ProviderKind.MICRO_ENTERPRISE,
}
_REGISTERED = {ProviderKind.AGENCY}
_OPTIONS = (
    (ManagementOption.DIRECT_PAYMENT, 58),
    (ManagementOption.NOMINATED_PERSON, 8),
    (ManagementOption.MANAGED_ACCOUNT, 12),
    (ManagementOption.INDIVIDUAL_SERVICE_FUND, 6),
    (ManagementOption.COUNCIL_MANAGED, 5),
    (ManagementOption.TRUST, 2),
    (None, 9),  # a mix: part direct payment, part council-arranged
)
_BANKS = (
    "Prepaid card (Allpay)",
    "Prepaid card (Mastercard DP)",
    "Cymru Building Society",
    "High Street Bank",
)
_SHOPS = ("CARD PAYMENT TESCO", "CARD PAYMENT CO-OP", "AMAZON MARKETPLACE", "CASH WITHDRAWAL", "BOOTS")


class DemoMoney:
    def __init__(
        self, services: Services, clock: FixedClock, rng: random.Random, people: DemoPeople, today: date
    ):
        self.services = services
        self.clock = clock
        self.rng = rng
        self.people = people
        self.today = today
        self.council = services.budget.ras.council.replace(" (fictional)", "") or "Abermorlais County Council"
        self._providers: dict[str, int] | None = None

    # -- step 4 -------------------------------------------------------------------------------
    def manage(self, person_id: int, budget_annual: int, representative: str) -> ManagementView:
        rng = self.rng
        option = rng.choices([o for o, _w in _OPTIONS], weights=[w for _o, w in _OPTIONS])[0]
        if option is None:
            direct = budget_annual * rng.choice((40, 50, 60, 70)) // 100 // 100 * 100
            shares = [
                ShareEntry(ManagementOption.DIRECT_PAYMENT.value, _pounds(direct)),
                ShareEntry(ManagementOption.COUNCIL_COMMISSIONED.value, _pounds(budget_annual - direct)),
            ]
        else:
            holder = ""
            if option == ManagementOption.NOMINATED_PERSON:
                holder = representative or f"{self.people.adult(rng)} (nominated person)"
            elif option == ManagementOption.MANAGED_ACCOUNT:
                holder = rng.choice(
                    ("Millbrook Direct Payment Support Service", "Cwm Payroll and Accounts CIC")
                )
            elif option == ManagementOption.INDIVIDUAL_SERVICE_FUND:
                holder = rng.choice(("Bryn Vale Home Care Ltd", "Harbourside Care Agency"))
            elif option == ManagementOption.TRUST:
                holder = "Friends of the person (user-controlled trust)"
            shares = [ShareEntry(option.value, _pounds(budget_annual), holder)]
        pays_out = sum(
            int(Fraction(s.annual_amount) * 100) for s in shares if ManagementOption(s.option).pays_out
        )
        schedule = None
        account = AccountEntry()
        if pays_out:
            frequency = Frequency.FOUR_WEEKS if rng.random() < 0.85 else Frequency.MONTH
            schedule = ScheduleEntry(
                frequency.value,
                self.clock.today() + timedelta(days=rng.randrange(3, 12)),
                _pounds(suggested_payment(pays_out, frequency)),
                True,
            )
            bank = rng.choice(_BANKS)
            if bank.startswith("Prepaid"):
                account = AccountEntry("Direct payment account", bank, "", "", f"{rng.randrange(10_000):04d}")
            else:
                account = AccountEntry(
                    "Direct payment account",
                    bank,
                    f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
                    f"{rng.randrange(10_000):04d}",
                    "",
                )
        return self.services.management.record_management(
            person_id, ManagementForm(shares=shares, schedule=schedule, account=account)
        )

    # -- step 5 -------------------------------------------------------------------------------
    def arrange(self, person_id: int, management: ManagementView, *, complete: bool) -> SupportView:
        rng = self.rng
        view = self.services.support.get_support(person_id)
        options = [s.option for s in management.shares]
        forms = []
        pa_id = None
        has_pa = any(e.item.category == "personal_assistant" for e in view.items)
        for index, entry in enumerate(view.items):
            if not complete and index and rng.random() < 0.5:
                continue  # still being arranged
            item = entry.item
            if item.category == "personal_assistant" or item.provider == "Employed PA":
                if pa_id is None:
                    name = self.people.adult(rng)
                    pa_id = self._provider(name, ProviderKind.PERSONAL_ASSISTANT, unique=True)
                provider_id = pa_id
            elif item.provider:
                provider_id = self._provider(item.provider, _KIND_BY_NAME.get(item.provider))
            else:
                name, kind = _DEFAULT_PROVIDERS.get(item.category, _DEFAULT_PROVIDERS["other"])
                provider_id = self._provider(name, kind)
            rate = item.unit_cost_pence
            if rng.random() < 0.2:
                rate = rate * rng.choice((95, 98, 102, 105)) // 100
            funding = options[0]
            if len(options) > 1:  # a mix: the PA (or else the main support) from the direct payment
                direct = item.category == "personal_assistant" or (not has_pa and index == 0)
                funding = next((o for o in options if o.pays_out == direct), options[0])
            forms.append(
                ArrangementForm(
                    item.item_id,
                    provider_id,
                    self.clock.today() + timedelta(days=rng.randrange(0, 10)),
                    _pounds(rate),
                    funding.value,
                )
            )
        if forms:
            view = self.services.support.save_arrangements(person_id, forms)
        if pa_id is not None:
            self._employer(person_id, pa_id)
        return view

    def _employer(self, person_id: int, pa_id: int) -> None:
        rng = self.rng
        today = self.clock.today()
        self.services.support.save_employer(
            person_id,
            EmployerForm(
                insurer="Fictional Mutual Employers' Cover" if rng.random() < 0.92 else "",
                insurance_expires_on=self.today + timedelta(days=rng.randrange(-20, 340)),
                payroll="Millbrook Payroll Services" if rng.random() < 0.9 else "",
                pas=[
                    PaEntry(
                        pa_id,
                        dbs_checked_on=today - timedelta(days=rng.randrange(10, 1150)),
                        contract_signed_on=today if rng.random() < 0.9 else None,
                        holiday_days="28" if rng.random() < 0.85 else "",
                    )
                ],
            ),
        )

    def _provider(self, name: str, kind: ProviderKind | None, *, unique: bool = False) -> int:
        if self._providers is None:
            self._providers = {p.name: p.id for p in self.services.support.providers(include_inactive=True)}
        if not unique and name in self._providers:
            return self._providers[name]
        while unique and name in self._providers:  # the directory refuses a second entry by the same name
            name = f"{self.people.adult(self.rng).split()[0]} {name.split()[-1]}"
        kind = kind or ProviderKind.AGENCY
        rng = self.rng
        view = self.services.support.save_provider(
            ProviderForm(
                name=name,
                kind=kind.value,
                contact="" if kind == ProviderKind.PERSONAL_ASSISTANT else "Office manager",
                phone=f"07700 900{rng.randrange(1000):03d}",
                registration_number=f"1-{rng.randrange(10**9, 10**10)}" if kind in _REGISTERED else "",
            )
        )
        self._providers[name] = view.id
        return view.id

    # -- step 6 -------------------------------------------------------------------------------
    def live(self, person_id: int, management: ManagementView, support: SupportView) -> int:
        """Rules and up to a year of transactions for a person whose money is paid out to them."""
        rng = self.rng
        schedule = management.schedule
        if schedule is None:
            return 0
        start = max(schedule.first_payment, self.today - timedelta(days=364))
        if start > self.today:
            return 0
        # Spending habits: most steady, some under-spend (a surplus builds), some over-spend.
        habit = rng.random()
        factor = (
            Fraction(rng.randrange(55, 80), 100)
            if habit < 0.15
            else Fraction(rng.randrange(108, 130), 100)
            if habit > 0.87
            else Fraction(rng.randrange(95, 104), 100)
        )
        rows: list[tuple[date, int, str, int | None, str]] = []
        for day, amount in expected_payments(schedule, start, self.today):
            if rng.random() < 0.01:
                continue  # a payment held back (e.g. awaiting a financial assessment)
            rows.append((day, amount, f"{self.council.upper()} DIRECT PAYMENT", None, ""))
        paid_out = {o.value for o in (s.option for s in management.shares) if o.pays_out}
        rules = []
        for entry in support.items:
            item = entry.item
            arrangement = entry.arrangements[0] if entry.arrangements else None
            if arrangement is not None and arrangement.funding_option not in paid_out:
                continue  # paid by the council, not from this account
            payee = arrangement.provider_name if arrangement else item.description
            unit = arrangement.unit_rate_pence if arrangement else item.unit_cost_pence
            per_time = Fraction(unit) * Fraction(item.quantity)
            linked = rng.random() < 0.85
            if linked:
                rules.append(RuleForm(payee.split()[0], item.item_id))
            first = (arrangement.starts_on if arrangement else start) + timedelta(days=rng.randrange(0, 6))
            for day, cost in _spending_days(item.frequency, per_time, max(first, start), self.today, rng):
                amount = round_half_up(cost * factor * Fraction(rng.randrange(92, 109), 100))
                if amount <= 0:
                    continue
                description = (
                    f"WAGES {payee.upper()}"
                    if arrangement and arrangement.provider_kind.value == "personal_assistant"
                    else payee.upper()
                )
                rows.append((day, -amount, description, item.item_id if linked else None, ""))
        if rng.random() < 0.3:
            for _ in range(rng.randrange(1, 6)):
                day = start + timedelta(days=rng.randrange(max((self.today - start).days, 1)))
                rows.append((day, -rng.randrange(800, 6500), rng.choice(_SHOPS), None, ""))
        if rules and rng.random() < 0.6:
            self.services.payee_rules.save_rules(person_id, rules[:4])
        rows.sort(key=lambda r: r[0])
        return self.services.ledger.add_rows(person_id, rows, source="demo")


def _spending_days(
    frequency: Frequency, per_time: Fraction, start: date, end: date, rng: random.Random
) -> list[tuple[date, Fraction]]:
    """When a plan item is paid for, and how much each time (weekly support is invoiced four-weekly)."""
    out = []
    if frequency in (Frequency.WEEK, Frequency.FOUR_WEEKS):
        weeks = 4 if frequency == Frequency.WEEK else 1
        cost = per_time * weeks if frequency == Frequency.WEEK else per_time
        day = start + timedelta(days=27)  # paid four-weekly in arrears
        while day <= end:
            out.append((day, cost))
            day += timedelta(days=28)
    elif frequency == Frequency.MONTH:
        day = start
        while day <= end:
            out.append((day, per_time))
            day += timedelta(days=rng.choice((30, 31)))
    elif frequency == Frequency.YEAR:
        parts = rng.randrange(1, 4)
        span = max((end - start).days, 1)
        for _ in range(parts):
            out.append((start + timedelta(days=rng.randrange(span)), per_time / parts))
    else:  # one-off: bought soon after support starts
        day = start + timedelta(days=rng.randrange(3, 40))
        if day <= end:
            out.append((day, per_time))
    return out


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"
