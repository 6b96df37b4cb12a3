"""A surplus beyond the local limit: a conversation and a recorded choice, never a blanket rule.

The limit is a number of weeks of direct payments (a local setting, commonly 8):
  limit   = the schedule's average weekly payment x the weeks (rounded half up once);
  surplus = the balance - the limit (nothing is surplus up to the limit).
Before any of the surplus is recovered the worker records the conversation with the person and one
of three options: keep it for a planned purchase (named), reduce the coming payments, or recover
it. The person is told the outcome in plain words, which are kept with the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from personalbudget.domain.money import parse_pounds
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money, ngettext

MAX_TEXT = 4000


class SurplusOption(StrEnum):
    KEEP_FOR_PURCHASE = "keep_for_purchase"
    REDUCE_PAYMENTS = "reduce_payments"
    RECOVER = "recover"

    @property
    def label(self) -> str:
        return _(OPTION_LABELS[self])


OPTION_LABELS = {
    SurplusOption.KEEP_FOR_PURCHASE: N_("Keep it for a planned purchase"),
    SurplusOption.REDUCE_PAYMENTS: N_("Reduce the coming payments"),
    SurplusOption.RECOVER: N_("Recover it (the council takes it back)"),
}


@dataclass
class SurplusForm:
    option: str = ""
    amount: str = ""  # how much of the surplus the option is for
    conversation: str = ""  # what was said, with whom and when
    purchase: str = ""  # what the money is kept for (keep for a planned purchase)


@dataclass(frozen=True)
class SurplusDecisionView:
    decided_on: date
    balance_pence: int
    limit_pence: int
    option: SurplusOption
    amount_pence: int
    purchase: str
    conversation: str
    told_in_words: str

    @property
    def surplus_pence(self) -> int:
        return max(self.balance_pence - self.limit_pence, 0)


def check_surplus_decision(
    form: SurplusForm, *, balance_pence: int, limit_pence: int, weeks: int, today: date
) -> SurplusDecisionView:
    """Check the decision and write the words the person is told."""
    surplus = balance_pence - limit_pence
    if surplus <= 0:
        raise ValidationError(
            FieldError(
                "amount",
                _(
                    "The balance of {balance} is not more than the limit of {limit}: there is no surplus."
                ).format(balance=format_money(balance_pence), limit=format_money(limit_pence)),
            )
        )
    errors: list[FieldError] = []
    try:
        option = SurplusOption(form.option)
    except ValueError:
        option = None
        errors.append(
            FieldError(
                "option", _("Choose an option: keep it for a purchase, reduce payments, or recover it.")
            )
        )
    conversation = " ".join(form.conversation.split())
    if not conversation:
        errors.append(
            FieldError(
                "conversation",
                _("Record the conversation with the person first: nothing is recovered without one."),
            )
        )
    elif len(conversation) > MAX_TEXT:
        errors.append(FieldError("conversation", _("This is too long.")))
    purchase = " ".join(form.purchase.split())
    if option == SurplusOption.KEEP_FOR_PURCHASE and not purchase:
        errors.append(
            FieldError("purchase", _("Say what the money is kept for, e.g. a new wheelchair cushion."))
        )
    amount = 0
    try:
        amount = parse_pounds(form.amount)
    except ValueError as problem:
        errors.append(FieldError("amount", str(problem)))
    else:
        if amount <= 0:
            errors.append(FieldError("amount", _("Enter how much of the surplus, more than £0.")))
        elif amount > surplus:
            errors.append(
                FieldError(
                    "amount",
                    _("{amount} is more than the surplus of {surplus}.").format(
                        amount=format_money(amount), surplus=format_money(surplus)
                    ),
                )
            )
    if errors:
        raise ValidationError(errors)
    assert option is not None
    opening = ngettext(
        "On {date} your account had {balance}. That is {surplus} more than {weeks} week of payments "
        "({limit}), which is the most the council usually expects to be left in it.",
        "On {date} your account had {balance}. That is {surplus} more than {weeks} weeks of payments "
        "({limit}), which is the most the council usually expects to be left in it.",
        weeks,
    ).format(
        date=format_date(today),
        balance=format_money(balance_pence),
        surplus=format_money(surplus),
        weeks=weeks,
        limit=format_money(limit_pence),
    )
    if option == SurplusOption.KEEP_FOR_PURCHASE:
        outcome = _("We agreed you keep {amount} for {purchase}. Nothing is taken back.").format(
            amount=format_money(amount), purchase=purchase
        )
    elif option == SurplusOption.REDUCE_PAYMENTS:
        outcome = _(
            "We agreed the council pays {amount} less over the coming payments, so the money in the account "
            "is used first. Nothing is taken out of the account."
        ).format(amount=format_money(amount))
    else:
        outcome = _(
            "We agreed the council takes back {amount}. You keep {kept} in the account for your support."
        ).format(amount=format_money(amount), kept=format_money(balance_pence - amount))
    words = " ".join(
        (
            opening,
            _("We talked about it: {conversation}").format(conversation=conversation.rstrip(".") + "."),
            outcome,
            _("If you think this is wrong, tell us and we will look at it again."),
        )
    )
    return SurplusDecisionView(
        today, balance_pence, limit_pence, option, amount, purchase, conversation, words
    )
