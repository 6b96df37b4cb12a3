"""Step 7: when reviews fall due, the review vocabularies, and what a complete review needs.

Pure logic, tested without a database. Dates move by whole months the way people
count them: 31 January plus one month is the last day of February, and 29 February
plus twelve months is 28 February.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.monitoring import budget_year
from personalbudget.errors import FieldError, LifecycleError, ValidationError
from personalbudget.i18n import N_, _

# Client Level Data review reasons, methods and outcome ratings (exact spellings, stored as written;
# shown translated).
REVIEW_REASONS: tuple[str, ...] = (
    N_("Planned"),
    N_("Unplanned - Hospital"),
    N_("Unplanned - Carer related"),
    N_("Unplanned - Safeguarding concern"),
    N_("Unplanned - Other Reason"),
    N_("Unplanned - Provider Failure"),
    N_("Unplanned - Change in Commissioning arrangements"),
)
REVIEW_METHODS: tuple[str, ...] = (N_("Service user only"), N_("Carer only"), N_("Service user and carer"))
OUTCOME_RATINGS: tuple[str, ...] = (N_("Fully Met"), N_("Partially Met"), N_("Not Met"))

# Steps from which a review can be requested: once the plan is agreed and support is being managed.
REQUESTABLE_FROM = (Step.MANAGE_BUDGET, Step.ORGANISE_SUPPORT, Step.LIVE_LIFE)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept to the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_review_due(
    agreed_on: date, *, first_weeks: int, direct_payment: bool = False, direct_payment_months: int = 6
) -> date:
    """The first light-touch review after a plan is agreed (the earlier date for a direct payment)."""
    due = agreed_on + timedelta(weeks=first_weeks)
    if direct_payment:
        due = min(due, add_months(agreed_on, direct_payment_months))
    return due


def next_review_due(completed_on: date, *, interval_months: int) -> date:
    """The next planned review after one completed on ``completed_on``."""
    return add_months(completed_on, interval_months)


def review_period_start(
    *,
    today: date,
    last_review_on: date | None = None,
    agreed_on: date | None = None,
    support_from: date | None = None,
    first_spending_on: date | None = None,
) -> date:
    """Where the period a review looks back over begins: the last review, or else when the plan began.

    The plan begins at its agreement, or earlier when the support and the spending on it were already
    running (support recorded as starting before, or statements imported for the months before the
    plan was recorded here): step 6 counts that spending against the plan, so the review does too.
    It never reaches back before the budget year (1 April) the plan was agreed in, which is the year
    step 6 shows, and never after ``today``.
    """
    if last_review_on is not None:
        return min(last_review_on, today)
    earliest = [day for day in (agreed_on, support_from, first_spending_on) if day is not None]
    if not earliest:
        return today
    start = min(earliest)
    if agreed_on is not None:
        start = max(start, budget_year(agreed_on)[0])
    return min(start, today)


def is_overdue(due: date | None, today: date, *, is_open: bool = True) -> bool:
    return is_open and due is not None and due < today


def check_request(current: Step, reason: str) -> None:
    """A review can be requested from steps 4-6 with one of the review reasons."""
    if reason not in REVIEW_REASONS:
        raise ValidationError(FieldError("reason", _("Choose a review reason from the list.")))
    if current == Step.REVIEW:
        raise LifecycleError(_("A review is already under way for this person (step 7)."))
    if current not in REQUESTABLE_FROM:
        raise LifecycleError(
            _(
                "A review can be requested once the plan is agreed and support is being arranged "
                "(steps 4 to 6); this person is at step {n}."
            ).format(n=int(current))
        )


@dataclass(frozen=True)
class OutcomeRating:
    outcome_code: str
    description: str
    rating: str = ""  # one of OUTCOME_RATINGS, "" until rated
    person_says: str = ""


@dataclass(frozen=True)
class MarketGap:
    category: str  # a SUPPORT_CATEGORIES key
    locality: str
    why: str


NEED_RATING = N_('Rate how far the outcome "{outcome}" is met.')


def check_complete(
    outcomes: list[OutcomeRating],
    method: str,
    decision: ReviewDecision | None,
    gaps: list[MarketGap],
    categories: dict[str, str],
) -> None:
    """Every outcome rated, a method and a decision chosen, and each market gap named."""
    errors = []
    for index, outcome in enumerate(outcomes):
        if outcome.rating not in OUTCOME_RATINGS:
            errors.append(
                FieldError(
                    f"outcomes[{index}]", _(NEED_RATING).format(outcome=outcome.description or index + 1)
                )
            )
    if method not in REVIEW_METHODS:
        errors.append(FieldError("method", _("Say who took part in the review.")))
    if decision is None:
        errors.append(FieldError("decision", _("Choose what the review decides.")))
    errors.extend(check_gaps(gaps, categories))
    if errors:
        raise ValidationError(errors)


def check_gaps(gaps: list[MarketGap], categories: dict[str, str]) -> list[FieldError]:
    errors = []
    for index, gap in enumerate(gaps):
        if gap.category not in categories:
            errors.append(
                FieldError(f"gaps[{index}]", _("Choose the kind of support that could not be found."))
            )
        elif not gap.why.strip():
            errors.append(FieldError(f"gaps[{index}]", _("Say why the support could not be found.")))
    return errors
