"""An uplift (e.g. the April rate rise) applied to budgets and plan lines as one recorded change.

  new amount = old amount x (100 + percent) / 100, rounded half up to the penny, line by line.

The people affected and every change are listed before it is applied; applying it needs the same
list (nothing changed in between), and the record keeps each amount before and after. The payment
schedule is not changed by an uplift: the new payment is recorded in step 4, from the date it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from personalbudget.domain.money import round_half_up
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _, format_date, format_money, format_percent, ngettext

MAX_REASON = 2000
STREAMS = ("social_care", "health")


def uplifted(pence: int, percent: Decimal) -> int:
    """``pence`` raised by ``percent`` (exact), rounded half up once: 15,000 x 1.032 -> 15,480."""
    return round_half_up(Fraction(pence) * (100 + Fraction(percent)) / 100)


@dataclass
class UpliftForm:
    percent: str = ""
    applies_from: date | None = None
    reason: str = ""
    streams: tuple[str, ...] = ("social_care",)  # the funding streams whose budgets rise
    categories: tuple[str, ...] = ()  # the support categories whose plan lines rise (empty: all)


@dataclass(frozen=True)
class CheckedUplift:
    percent: Decimal
    applies_from: date
    reason: str
    streams: tuple[str, ...]
    categories: tuple[str, ...]


def check_uplift(form: UpliftForm) -> CheckedUplift:
    errors: list[FieldError] = []
    percent = Decimal(0)
    try:
        percent = Decimal(form.percent.strip().rstrip("%"))
        if not percent.is_finite() or percent == 0 or not Decimal(-50) <= percent <= Decimal(100):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(FieldError("percent", _("Enter the uplift as a percentage, e.g. 3.2 (not 0).")))
    if form.applies_from is None:
        errors.append(FieldError("applies_from", _("Enter the date the uplift applies from.")))
    reason = " ".join(form.reason.split())
    if not reason:
        errors.append(FieldError("reason", _("Say why, e.g. 'April 2026 rate rise agreed by the council'.")))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("reason", _("The reason is too long.")))
    streams = tuple(s for s in form.streams if s in STREAMS)
    if not streams:
        errors.append(FieldError("streams", _("Choose the funding streams whose budgets rise.")))
    if errors:
        raise ValidationError(errors)
    assert form.applies_from is not None
    return CheckedUplift(percent, form.applies_from, reason, streams, tuple(form.categories))


@dataclass(frozen=True)
class UpliftChange:
    person_id: int
    person_name: str
    kind: str  # "budget" (a funding stream of the agreed budget) | "plan_line"
    target_id: int
    label: str
    before_pence: int
    after_pence: int


@dataclass(frozen=True)
class UpliftPreview:
    uplift: CheckedUplift
    changes: tuple[UpliftChange, ...]

    @property
    def people(self) -> list[tuple[int, str, int, int]]:
        """(person id, name, yearly budget before, after) for each person affected, by name."""
        out: dict[int, list[Any]] = {}
        for c in self.changes:
            row = out.setdefault(c.person_id, [c.person_id, c.person_name, 0, 0])
            if c.kind == "budget":
                row[2] += c.before_pence
                row[3] += c.after_pence
        return sorted((tuple(r) for r in out.values()), key=lambda r: (r[1].casefold(), r[0]))

    def summary(self) -> str:
        before = sum(c.before_pence for c in self.changes if c.kind == "budget")
        after = sum(c.after_pence for c in self.changes if c.kind == "budget")
        lines = sum(1 for c in self.changes if c.kind == "plan_line")
        return ngettext(
            "{percent} from {date}: {n} person's budget rises from {before} to {after} a year "
            "({lines} plan lines).",
            "{percent} from {date}: {n} people's budgets rise from {before} to {after} a year "
            "({lines} plan lines).",
            len(self.people),
        ).format(
            percent=format_percent(self.uplift.percent),
            date=format_date(self.uplift.applies_from),
            n=len(self.people),
            before=format_money(before),
            after=format_money(after),
            lines=lines,
        )
