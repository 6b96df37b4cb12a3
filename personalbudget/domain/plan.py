"""A support plan's content, its validation and its exact costing.

Costs are exact: each item's yearly cost is unit cost x quantity x times a
year on a 52-week year (one-off costs count once), kept as a fraction of a
penny and rounded half up once, for the total. The weekly figure is the
yearly figure / 52.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from personalbudget.domain.money import (
    WEEKS_PER_YEAR,
    Frequency,
    annual_cost,
    parse_pounds,
    parse_quantity,
    round_half_up,
)
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import N_, _

MAX_TEXT = 4000


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AGREED = "agreed"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _(PLAN_STATUS_LABELS[self])


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: N_("Draft"),
    PlanStatus.SUBMITTED: N_("Submitted for agreement"),
    PlanStatus.AGREED: N_("Agreed"),
    PlanStatus.RETURNED: N_("Returned"),
}


class Decision(StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    RETURN = "return"

    @property
    def label(self) -> str:
        return _(DECISION_LABELS[self])


DECISION_LABELS = {
    Decision.APPROVE: N_("Approved"),
    Decision.APPROVE_WITH_CONDITIONS: N_("Approved with conditions"),
    Decision.RETURN: N_("Returned with reasons"),
}


@dataclass
class OutcomeEntry:
    outcome_code: str
    description: str


@dataclass
class SupportItemEntry:
    """A costed support item as typed: cost and quantity are text until checked."""

    category: str
    description: str
    unit_cost: str
    quantity: str
    frequency: str | None
    provider: str = ""  # empty: to be arranged


@dataclass
class InformalSupportEntry:
    who: str
    description: str


@dataclass
class RiskEntry:
    risk: str
    how_managed: str


@dataclass
class PlanDraft:
    what_matters: str = ""
    outcomes: list[OutcomeEntry] = field(default_factory=list)
    support_items: list[SupportItemEntry] = field(default_factory=list)
    informal_support: list[InformalSupportEntry] = field(default_factory=list)
    risks: list[RiskEntry] = field(default_factory=list)
    contingency: str = ""


@dataclass(frozen=True)
class CostedItem:
    category: str
    description: str
    provider: str
    unit_cost_pence: int
    quantity: Decimal
    frequency: Frequency

    @property
    def annual_cost(self) -> Fraction:
        return annual_cost(self.unit_cost_pence, self.quantity, self.frequency)

    @property
    def annual_pence(self) -> int:
        return round_half_up(self.annual_cost)

    @property
    def weekly_pence(self) -> int:
        return round_half_up(self.annual_cost / WEEKS_PER_YEAR)


def _item_name(index: int, entry: SupportItemEntry) -> str:
    label = entry.description.strip() or SUPPORT_CATEGORIES.get(entry.category, "")
    return _("Support item {n}").format(n=index) + (f" ({label})" if label else "")


def cost_items(entries: list[SupportItemEntry]) -> list[CostedItem]:
    """Check and cost every support item; ValidationError names each bad one."""
    errors: list[FieldError] = []
    items = []
    for index, entry in enumerate(entries, start=1):
        name = _item_name(index, entry)
        where = f"support_items[{index - 1}]"
        unit = quantity = frequency = None
        if entry.category not in SUPPORT_CATEGORIES:
            errors.append(FieldError(f"{where}.category", _("{item}: choose a category.").format(item=name)))
        if not entry.description.strip():
            errors.append(
                FieldError(f"{where}.description", _("{item}: say what the support is.").format(item=name))
            )
        try:
            unit = parse_pounds(entry.unit_cost)
        except ValueError as problem:
            errors.append(
                FieldError(
                    f"{where}.unit_cost", _("{item}: unit cost: {problem}").format(item=name, problem=problem)
                )
            )
        try:
            quantity = parse_quantity(entry.quantity)
        except ValueError as problem:
            errors.append(
                FieldError(
                    f"{where}.quantity", _("{item}: quantity: {problem}").format(item=name, problem=problem)
                )
            )
        try:
            frequency = Frequency(entry.frequency) if entry.frequency else None
        except ValueError:
            frequency = None
        if frequency is None:
            errors.append(
                FieldError(
                    f"{where}.frequency",
                    _(
                        "{item}: choose how often it is paid (per week, four weeks, month, year or one-off)."
                    ).format(item=name),
                )
            )
        if unit is not None and quantity is not None and frequency is not None:
            items.append(
                CostedItem(
                    entry.category,
                    entry.description.strip(),
                    entry.provider.strip(),
                    unit,
                    quantity,
                    frequency,
                )
            )
    if errors:
        raise ValidationError(errors)
    return items


def check_draft(draft: PlanDraft) -> list[CostedItem]:
    """What every saved draft must satisfy (numbers and choices valid); it may be incomplete."""
    errors: list[FieldError] = []
    for index, outcome in enumerate(draft.outcomes, start=1):
        if outcome.outcome_code not in CARE_ACT_OUTCOMES:
            errors.append(
                FieldError(
                    f"outcomes[{index - 1}].outcome_code",
                    _("Outcome {n}: choose the Care Act outcome it meets.").format(n=index),
                )
            )
    for name, text in (("what_matters", draft.what_matters), ("contingency", draft.contingency)):
        if len(text) > MAX_TEXT:
            errors.append(
                FieldError(name, _("This text is too long: keep it under {n} characters.").format(n=MAX_TEXT))
            )
    try:
        items = cost_items(draft.support_items)
    except ValidationError as problem:
        errors.extend(problem.errors)
        items = []
    if errors:
        raise ValidationError(errors)
    return items


def check_complete(draft: PlanDraft) -> None:
    """What a plan must have before it is submitted for agreement."""
    check_draft(draft)
    errors: list[FieldError] = []
    if not draft.what_matters.strip():
        errors.append(FieldError("what_matters", _("Write down what matters to the person.")))
    if not draft.outcomes:
        errors.append(FieldError("outcomes", _("Add at least one outcome the person wants to achieve.")))
    for index, outcome in enumerate(draft.outcomes, start=1):
        if not outcome.description.strip():
            errors.append(
                FieldError(
                    f"outcomes[{index - 1}].description",
                    _("Outcome {n}: describe it in the person's words.").format(n=index),
                )
            )
    if not draft.support_items:
        errors.append(FieldError("support_items", _("Add at least one costed support item.")))
    for index, risk in enumerate(draft.risks, start=1):
        if not risk.risk.strip() or not risk.how_managed.strip():
            errors.append(
                FieldError(
                    f"risks[{index - 1}]",
                    _("Risk {n}: describe the risk and how it is managed.").format(n=index),
                )
            )
    if not draft.contingency.strip():
        errors.append(
            FieldError("contingency", _("Write the contingency plan: what happens if support fails."))
        )
    if errors:
        raise ValidationError(errors)


class BudgetFit(StrEnum):
    UNDER = "under"
    EXACT = "exact"
    OVER = "over"


@dataclass(frozen=True)
class PlanCosting:
    """Planned cost against the agreed budget, on a 52-week year."""

    items: tuple[CostedItem, ...]
    annual_pence: int
    weekly_pence: int
    budget_annual_pence: int | None
    fit: BudgetFit | None
    difference_pence: int  # budget - plan: positive when under, negative when over

    @property
    def over_budget(self) -> bool:
        return self.fit == BudgetFit.OVER


def cost_plan(items: list[CostedItem], budget_annual_pence: int | None) -> PlanCosting:
    exact = sum((item.annual_cost for item in items), Fraction(0))
    annual = round_half_up(exact)
    weekly = round_half_up(exact / WEEKS_PER_YEAR)
    fit = None
    difference = 0
    if budget_annual_pence is not None:
        difference = budget_annual_pence - annual
        fit = BudgetFit.UNDER if difference > 0 else BudgetFit.EXACT if difference == 0 else BudgetFit.OVER
    return PlanCosting(tuple(items), annual, weekly, budget_annual_pence, fit, difference)
