"""Step 4: how a personal budget is managed, and the payments that follow from it.

Each way of managing the money maps to a Client Level Data delivery mechanism
(Direct Payment; CASSR Managed Personal Budget; CASSR Commissioned Support),
and a person's mix gives the SALT-style category (Direct Payment only; Part
Direct Payment; CASSR Managed Personal Budget; CASSR Commissioned Support
only). Account details are kept to what identifies the account: the last
digits only, never a full card or account number.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from personalbudget.domain.money import WEEKS_PER_YEAR, Frequency, parse_pounds, round_half_up
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money

MAX_NAME = 200


class DeliveryMechanism(StrEnum):
    """Client Level Data delivery mechanism (exact CLD wording as the value)."""

    DIRECT_PAYMENT = "Direct Payment"
    CASSR_MANAGED = "CASSR Managed Personal Budget"
    CASSR_COMMISSIONED = "CASSR Commissioned Support"


class SaltCategory(StrEnum):
    """SALT-style derivation per person from the mechanisms used."""

    DIRECT_PAYMENT_ONLY = "Direct Payment only"
    PART_DIRECT_PAYMENT = "Part Direct Payment"
    CASSR_MANAGED = "CASSR Managed Personal Budget"
    CASSR_COMMISSIONED_ONLY = "CASSR Commissioned Support only"


class ManagementOption(StrEnum):
    DIRECT_PAYMENT = "direct_payment"
    NOMINATED_PERSON = "nominated_person"
    MANAGED_ACCOUNT = "managed_account"
    TRUST = "trust"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund"
    COUNCIL_MANAGED = "council_managed"
    COUNCIL_COMMISSIONED = "council_commissioned"

    @property
    def label(self) -> str:
        return _(OPTION_LABELS[self])

    @property
    def explanation(self) -> str:
        return _(OPTION_EXPLANATIONS[self])

    @property
    def mechanism(self) -> DeliveryMechanism:
        return OPTION_MECHANISMS[self]

    @property
    def pays_out(self) -> bool:
        """Money is paid out of the council into an account that someone keeps (a ledger is kept)."""
        return self.mechanism == DeliveryMechanism.DIRECT_PAYMENT

    @property
    def needs_holder(self) -> bool:
        """Someone other than the person holds the money, and must be named."""
        return self in HOLDER_OPTIONS


OPTION_LABELS = {
    ManagementOption.DIRECT_PAYMENT: N_("Direct payment to the person"),
    ManagementOption.NOMINATED_PERSON: N_("Direct payment to a nominated or suitable person"),
    ManagementOption.MANAGED_ACCOUNT: N_("Managed account (broker or third party)"),
    ManagementOption.TRUST: N_("Trust (user-controlled)"),
    ManagementOption.INDIVIDUAL_SERVICE_FUND: N_("Individual service fund held by a provider"),
    ManagementOption.COUNCIL_MANAGED: N_("Council-managed budget (the person chooses)"),
    ManagementOption.COUNCIL_COMMISSIONED: N_("Council-arranged services"),
}
OPTION_EXPLANATIONS = {
    ManagementOption.DIRECT_PAYMENT: N_(
        "The money is paid to the person, who arranges and pays for support."
    ),
    ManagementOption.NOMINATED_PERSON: N_(
        "The money is paid to a family member or friend who manages it for the person."
    ),
    ManagementOption.MANAGED_ACCOUNT: N_(
        "The direct payment goes into an account that a broker or payroll service manages for the person."
    ),
    ManagementOption.TRUST: N_("The direct payment is paid to a trust set up around the person."),
    ManagementOption.INDIVIDUAL_SERVICE_FUND: N_(
        "A provider holds the money and spends it on the support the person chooses."
    ),
    ManagementOption.COUNCIL_MANAGED: N_(
        "The council holds the money and buys the support the person has chosen."
    ),
    ManagementOption.COUNCIL_COMMISSIONED: N_("The council arranges services from its own contracts."),
}
OPTION_MECHANISMS = {
    ManagementOption.DIRECT_PAYMENT: DeliveryMechanism.DIRECT_PAYMENT,
    ManagementOption.NOMINATED_PERSON: DeliveryMechanism.DIRECT_PAYMENT,
    ManagementOption.MANAGED_ACCOUNT: DeliveryMechanism.DIRECT_PAYMENT,
    ManagementOption.TRUST: DeliveryMechanism.DIRECT_PAYMENT,
    ManagementOption.INDIVIDUAL_SERVICE_FUND: DeliveryMechanism.CASSR_MANAGED,
    ManagementOption.COUNCIL_MANAGED: DeliveryMechanism.CASSR_MANAGED,
    ManagementOption.COUNCIL_COMMISSIONED: DeliveryMechanism.CASSR_COMMISSIONED,
}
HOLDER_OPTIONS = frozenset(
    {
        ManagementOption.NOMINATED_PERSON,
        ManagementOption.MANAGED_ACCOUNT,
        ManagementOption.TRUST,
        ManagementOption.INDIVIDUAL_SERVICE_FUND,
    }
)


def salt_category(mechanisms: set[DeliveryMechanism] | frozenset[DeliveryMechanism]) -> SaltCategory | None:
    """The per-person SALT category from the delivery mechanisms a person's budget uses."""
    if not mechanisms:
        return None
    if DeliveryMechanism.DIRECT_PAYMENT in mechanisms:
        if mechanisms == {DeliveryMechanism.DIRECT_PAYMENT}:
            return SaltCategory.DIRECT_PAYMENT_ONLY
        return SaltCategory.PART_DIRECT_PAYMENT
    if DeliveryMechanism.CASSR_MANAGED in mechanisms:
        return SaltCategory.CASSR_MANAGED
    return SaltCategory.CASSR_COMMISSIONED_ONLY


# -- the management record ---------------------------------------------------------------------


@dataclass
class ShareEntry:
    """One way of managing part of the budget, as typed (amount is text until checked)."""

    option: str
    annual_amount: str
    held_by: str = ""


@dataclass(frozen=True)
class Share:
    option: ManagementOption
    annual_pence: int
    held_by: str


@dataclass
class AccountEntry:
    """Where the money is paid, as typed. Only what identifies the account is kept."""

    account_name: str = ""
    provider: str = ""  # bank or prepaid card scheme
    sort_code: str = ""
    account_number_last4: str = ""
    card_last4: str = ""


@dataclass(frozen=True)
class AccountDetails:
    account_name: str
    provider: str
    sort_code_masked: str  # e.g. "••-••-56"
    account_last4: str
    card_last4: str

    def describe(self) -> str:
        parts = [p for p in (self.account_name, self.provider) if p]
        if self.sort_code_masked:
            parts.append(_("sort code {code}").format(code=self.sort_code_masked))
        if self.account_last4:
            parts.append(_("account ending {digits}").format(digits=self.account_last4))
        if self.card_last4:
            parts.append(_("card ending {digits}").format(digits=self.card_last4))
        return ", ".join(parts) or _("No account recorded")


SCHEDULE_FREQUENCIES = (Frequency.FOUR_WEEKS, Frequency.WEEK, Frequency.MONTH)


@dataclass
class ScheduleEntry:
    frequency: str = Frequency.FOUR_WEEKS.value
    first_payment: date | None = None
    amount: str = ""
    in_advance: bool = True


@dataclass(frozen=True)
class PaymentSchedule:
    frequency: Frequency
    first_payment: date
    amount_pence: int
    in_advance: bool

    @property
    def weekly(self) -> Fraction:
        """The average payment per week (52-week year)."""
        return Fraction(self.amount_pence * self.frequency.times_per_year, WEEKS_PER_YEAR)

    @property
    def annual_pence(self) -> int:
        return self.amount_pence * self.frequency.times_per_year

    def describe(self) -> str:
        timing = _("in advance") if self.in_advance else _("in arrears")
        return _("{amount} {frequency} {timing}, from {date}").format(
            amount=format_money(self.amount_pence),
            frequency=self.frequency.label,
            timing=timing,
            date=format_date(self.first_payment),
        )


@dataclass
class ManagementForm:
    shares: list[ShareEntry] = field(default_factory=list)
    schedule: ScheduleEntry | None = None
    account: AccountEntry = field(default_factory=AccountEntry)
    note: str = ""


@dataclass(frozen=True)
class CheckedManagement:
    shares: tuple[Share, ...]
    schedule: PaymentSchedule | None
    account: AccountDetails
    note: str

    @property
    def mechanisms(self) -> frozenset[DeliveryMechanism]:
        return frozenset(s.option.mechanism for s in self.shares)

    @property
    def salt(self) -> SaltCategory | None:
        return salt_category(self.mechanisms)

    @property
    def paid_out_annual_pence(self) -> int:
        return sum(s.annual_pence for s in self.shares if s.option.pays_out)


# A run of 12-19 digits, optionally split by spaces or dashes: the shape of a payment card number.
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    """True if ``text`` holds what looks like a full payment card number (12-19 digits passing Luhn)."""
    for match in _CARD_LIKE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 12 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


_NEVER_A_CARD = N_(
    "This looks like a full card number. Never record a full card number: enter only its last 4 digits."
)


def check_account(entry: AccountEntry) -> AccountDetails:
    """Keep only what identifies the account; refuse full card or account numbers."""
    errors: list[FieldError] = []
    for name, value in (("account_name", entry.account_name), ("provider", entry.provider)):
        if contains_card_number(value):
            errors.append(FieldError(f"account.{name}", _(_NEVER_A_CARD)))
        elif len(value.strip()) > MAX_NAME:
            errors.append(FieldError(f"account.{name}", _("This is too long.")))
    card = re.sub(r"[\s-]", "", entry.card_last4)
    if card and not card.isdigit():
        errors.append(FieldError("account.card_last4", _("Enter the last 4 digits of the card, e.g. 4821.")))
    elif len(card) > 4:
        errors.append(FieldError("account.card_last4", _(_NEVER_A_CARD)))
    elif card and len(card) != 4:
        errors.append(FieldError("account.card_last4", _("Enter exactly the last 4 digits of the card.")))
    account = re.sub(r"[\s-]", "", entry.account_number_last4)
    if account and not account.isdigit():
        errors.append(
            FieldError("account.account_number_last4", _("Enter the last 4 digits of the account number."))
        )
    elif len(account) > 4:
        message = (
            _(_NEVER_A_CARD)
            if contains_card_number(account)
            else _("Enter only the last 4 digits of the account number; the full number is not kept.")
        )
        errors.append(FieldError("account.account_number_last4", message))
    elif account and len(account) != 4:
        errors.append(
            FieldError(
                "account.account_number_last4", _("Enter exactly the last 4 digits of the account number.")
            )
        )
    sort_code = re.sub(r"[\s-]", "", entry.sort_code).replace("•", "").replace("*", "")
    masked = ""
    if sort_code:
        if not sort_code.isdigit() or len(sort_code) not in (2, 6):
            errors.append(FieldError("account.sort_code", _("A sort code has 6 digits, e.g. 12-34-56.")))
        else:
            masked = f"••-••-{sort_code[-2:]}"
    if errors:
        raise ValidationError(errors)
    return AccountDetails(
        account_name=" ".join(entry.account_name.split()),
        provider=" ".join(entry.provider.split()),
        sort_code_masked=masked,
        account_last4=account,
        card_last4=card,
    )


def check_schedule(entry: ScheduleEntry) -> PaymentSchedule:
    errors: list[FieldError] = []
    frequency = Frequency(entry.frequency) if entry.frequency in {f.value for f in Frequency} else None
    if frequency not in SCHEDULE_FREQUENCIES:
        errors.append(
            FieldError(
                "schedule.frequency", _("Choose how often the money is paid: weekly, four-weekly or monthly.")
            )
        )
    if entry.first_payment is None:
        errors.append(FieldError("schedule.first_payment", _("Enter the date of the first payment.")))
    amount = None
    try:
        amount = parse_pounds(entry.amount)
        if amount == 0:
            errors.append(FieldError("schedule.amount", _("Each payment must be more than £0.")))
    except ValueError as problem:
        errors.append(FieldError("schedule.amount", _("Payment amount: {problem}").format(problem=problem)))
    if errors:
        raise ValidationError(errors)
    assert frequency is not None and entry.first_payment is not None and amount is not None
    return PaymentSchedule(frequency, entry.first_payment, amount, entry.in_advance)


def check_management(form: ManagementForm, budget_annual_pence: int) -> CheckedManagement:
    """Check a management record against the agreed budget: every penny under exactly one way of managing it."""
    errors: list[FieldError] = []
    shares: list[Share] = []
    seen: set[ManagementOption] = set()
    if not form.shares:
        errors.append(FieldError("shares", _("Choose at least one way of managing the budget.")))
    for index, entry in enumerate(form.shares):
        where = f"shares[{index}]"
        try:
            option = ManagementOption(entry.option)
        except ValueError:
            errors.append(FieldError(f"{where}.option", _("Choose how this part of the budget is managed.")))
            continue
        if option in seen:
            errors.append(
                FieldError(f"{where}.option", _("{option} is listed twice.").format(option=option.label))
            )
        seen.add(option)
        try:
            amount = parse_pounds(entry.annual_amount)
        except ValueError as problem:
            errors.append(
                FieldError(
                    f"{where}.annual_amount",
                    _("{option}: amount: {problem}").format(option=option.label, problem=problem),
                )
            )
            continue
        if amount <= 0:
            errors.append(
                FieldError(
                    f"{where}.annual_amount",
                    _("{option}: the amount must be more than £0.").format(option=option.label),
                )
            )
        held_by = " ".join(entry.held_by.split())
        if option.needs_holder and not held_by:
            errors.append(
                FieldError(
                    f"{where}.held_by",
                    _("{option}: say who holds the money.").format(option=option.label),
                )
            )
        if contains_card_number(held_by):
            errors.append(FieldError(f"{where}.held_by", _(_NEVER_A_CARD)))
        shares.append(Share(option, amount, held_by))
    total = sum(s.annual_pence for s in shares)
    if shares and not errors and total != budget_annual_pence:
        errors.append(
            FieldError(
                "shares",
                _(
                    "The amounts add up to {total} a year but the agreed budget is {budget}: "
                    "every penny must be under one way of managing it ({diff} {which})."
                ).format(
                    total=format_money(total),
                    budget=format_money(budget_annual_pence),
                    diff=format_money(abs(budget_annual_pence - total)),
                    which=_("left to allocate") if total < budget_annual_pence else _("too much"),
                ),
            )
        )
    pays_out = any(s.option.pays_out for s in shares)
    schedule = None
    account = AccountDetails("", "", "", "", "")
    if pays_out:
        if form.schedule is None:
            errors.append(
                FieldError(
                    "schedule.first_payment",
                    _("A direct payment needs a payment schedule: how often, from when and how much."),
                )
            )
        else:
            try:
                schedule = check_schedule(form.schedule)
            except ValidationError as problem:
                errors.extend(problem.errors)
        try:
            account = check_account(form.account)
        except ValidationError as problem:
            errors.extend(problem.errors)
    note = form.note.strip()
    if contains_card_number(note):
        errors.append(FieldError("note", _(_NEVER_A_CARD)))
    if errors:
        raise ValidationError(errors)
    return CheckedManagement(tuple(shares), schedule, account, note)


# -- do the plan lines a pot pays for fit in it? -------------------------------------------------


@dataclass(frozen=True)
class PotLine:
    """A line of the agreed plan paid from one way of managing the budget (a "pot"), a year."""

    label: str
    annual: Fraction  # exact pence


@dataclass(frozen=True)
class PotFit:
    """One pot: its yearly amount against the plan lines it pays for."""

    option: ManagementOption
    annual_pence: int  # 0: the pot is not in the mix, yet lines are paid from it
    lines: tuple[PotLine, ...]
    in_mix: bool = True

    @property
    def lines_pence(self) -> int:
        return round_half_up(sum((line.annual for line in self.lines), Fraction(0)))

    @property
    def short_pence(self) -> int:
        """How much more the lines cost than the pot holds (0 when they fit)."""
        return max(0, self.lines_pence - self.annual_pence)

    def describe(self) -> str:
        """The shortfall in words, with each line and its cost so the figure can be checked."""
        lines = "; ".join(
            _("{line} {amount} a year").format(
                line=line.label, amount=format_money(round_half_up(line.annual))
            )
            for line in self.lines
        )
        if not self.in_mix:
            return _(
                "{option} is no longer a way of managing this budget, but plan lines costing {cost} a year are "
                "paid from it ({lines}). Choose another part of the budget for them in step 5."
            ).format(option=self.option.label, cost=format_money(self.lines_pence), lines=lines)
        return _(
            "{option} is {short} short: it has {amount} a year, but the plan lines it pays for cost {cost} a "
            "year ({lines})."
        ).format(
            option=self.option.label,
            short=format_money(self.short_pence),
            amount=format_money(self.annual_pence),
            cost=format_money(self.lines_pence),
            lines=lines,
        )


def pot_fits(
    shares: Sequence[tuple[ManagementOption, int]],
    paid_from: Mapping[ManagementOption, Sequence[PotLine]],
    not_yet_paid_from: Sequence[PotLine] = (),
) -> tuple[PotFit, ...]:
    """Each pot against the plan lines paid from it (``paid_from``, from the arrangements made in
    step 5). With a single way of managing the budget, every line not yet arranged is paid from it
    too; in a mix the pot of such a line is chosen when it is arranged."""
    single = len(shares) == 1
    fits = [
        PotFit(
            option,
            amount,
            tuple(paid_from.get(option, ())) + (tuple(not_yet_paid_from) if single else ()),
        )
        for option, amount in shares
    ]
    chosen = {option for option, _amount in shares}
    fits += [
        PotFit(option, 0, tuple(lines), in_mix=False)
        for option, lines in paid_from.items()
        if option not in chosen and lines
    ]
    return tuple(fits)


def pot_shortfalls(fits: Sequence[PotFit]) -> list[str]:
    """What is wrong, one sentence a pot; empty when every pot covers its lines."""
    return [fit.describe() for fit in fits if fit.short_pence > 0]


def suggested_payment(paid_out_annual_pence: int, frequency: Frequency) -> int:
    """One payment's amount for a yearly direct payment (52-week year, rounded half up)."""
    return round_half_up(Fraction(paid_out_annual_pence, frequency.times_per_year))


# -- expected payments ---------------------------------------------------------------------------


def _add_months(day: date, months: int, anchor_day: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def expected_payments(schedule: PaymentSchedule, start: date, end: date) -> list[tuple[date, int]]:
    """The payments the schedule makes on days from ``start`` to ``end`` inclusive."""
    if end < start:
        return []
    out: list[tuple[date, int]] = []
    if schedule.frequency == Frequency.MONTH:
        day, months = schedule.first_payment, 0
        while day <= end:
            if day >= start:
                out.append((day, schedule.amount_pence))
            months += 1
            day = _add_months(schedule.first_payment, months, schedule.first_payment.day)
        return out
    step = 7 if schedule.frequency == Frequency.WEEK else 28
    first = schedule.first_payment
    if start > first:
        skipped = (start - first).days // step
        first = first + timedelta(days=skipped * step)
        if first < start:
            first += timedelta(days=step)
    day = first
    while day <= end:
        out.append((day, schedule.amount_pence))
        day += timedelta(days=step)
    return out
