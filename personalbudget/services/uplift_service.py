"""An uplift applied to budgets and plan lines as one recorded change, the people affected listed first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from personalbudget.domain.roles import Permission
from personalbudget.domain.uplift import (
    CheckedUplift,
    UpliftChange,
    UpliftForm,
    UpliftPreview,
    check_uplift,
    uplifted,
)
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _, format_percent
from personalbudget.services.context import ServiceContext
from personalbudget.services.money_queries import item_label, plan_in_force
from personalbudget.storage.charging_models import BudgetUplift, BudgetUpliftChange
from personalbudget.storage.models import AgreedBudget, BudgetStream, Person, PlanCycle, PlanSupportItem

STREAM_WORDS = {"social_care": "Social care", "health": "Health"}


@dataclass(frozen=True)
class UpliftRecord:
    uplift_id: int
    preview: UpliftPreview
    recorded_at: datetime
    recorded_by: str


class UpliftService:
    def __init__(self, context: ServiceContext):
        self._ctx = context

    def preview(self, form: UpliftForm) -> UpliftPreview:
        """Every budget and plan line the uplift would change, person by person (nothing is changed)."""
        self._ctx.require(Permission.AGREE_BUDGET)
        uplift = check_uplift(form)
        with self._ctx.db.session() as session:
            return UpliftPreview(uplift, tuple(self._changes(session, uplift)))

    def apply(self, form: UpliftForm, seen: UpliftPreview) -> UpliftRecord:
        """Apply the uplift shown in ``seen``; refused if the people or amounts have changed since."""
        self._ctx.require(Permission.AGREE_BUDGET)
        uplift = check_uplift(form)
        with self._ctx.db.session() as session:
            changes = tuple(self._changes(session, uplift))
            if uplift != seen.uplift or changes != seen.changes:
                raise ValidationError(
                    FieldError(
                        "preview",
                        _(
                            "The budgets have changed since the list was shown: look at the people affected again."
                        ),
                    )
                )
            if not changes:
                raise ValidationError(FieldError("preview", _("No budget or plan line would change.")))
            now = self._ctx.clock.now()
            record = BudgetUplift(
                percent=format(uplift.percent, "f"),
                applies_from=uplift.applies_from,
                reason=uplift.reason,
                streams=",".join(uplift.streams),
                categories=",".join(uplift.categories),
                recorded_at=now,
                recorded_by=self._ctx.actor,
            )
            session.add(record)
            session.flush()
            touched: set[int] = set()
            for change in changes:
                session.add(
                    BudgetUpliftChange(
                        uplift_id=record.id,  # type: ignore[arg-type]
                        person_id=change.person_id,
                        kind=change.kind,
                        target_id=change.target_id,
                        label=change.label,
                        before_pence=change.before_pence,
                        after_pence=change.after_pence,
                    )
                )
                if change.kind == "budget":
                    stream = session.get(BudgetStream, change.target_id)
                    assert stream is not None
                    stream.annual_pence = change.after_pence
                    session.add(stream)
                    touched.add(stream.agreed_budget_id)
                else:
                    item = session.get(PlanSupportItem, change.target_id)
                    assert item is not None
                    item.unit_cost_pence = change.after_pence
                    session.add(item)
            session.flush()
            for agreed_id in touched:
                agreed = session.get(AgreedBudget, agreed_id)
                assert agreed is not None
                agreed.annual_pence = sum(
                    s.annual_pence
                    for s in session.exec(
                        select(BudgetStream).where(BudgetStream.agreed_budget_id == agreed_id)
                    )
                )
                agreed.reason = (agreed.reason + "; " if agreed.reason else "") + _(
                    "Uplift of {percent} from {date}: {reason}"
                ).format(
                    percent=format_percent(Decimal(record.percent)),
                    date=uplift.applies_from.isoformat(),
                    reason=uplift.reason,
                )
                session.add(agreed)
            session.flush()
            return UpliftRecord(record.id, UpliftPreview(uplift, changes), now, self._ctx.actor)  # type: ignore[arg-type]

    def _changes(self, session: Session, uplift: CheckedUplift) -> list[UpliftChange]:
        """Each open cycle's agreed budget streams in scope, and the lines of the plan in force."""
        out: list[UpliftChange] = []
        people = session.exec(select(Person).order_by(col(Person.name), col(Person.id))).all()
        scope = self._ctx.visible_people()  # only the people this account may see (services.access)
        for person in people:
            if person.id not in scope:
                continue
            cycle = session.exec(
                select(PlanCycle)
                .where(PlanCycle.person_id == person.id)
                .order_by(col(PlanCycle.number).desc())
            ).first()
            if cycle is None or cycle.status != "open":
                continue
            agreed = session.exec(select(AgreedBudget).where(AgreedBudget.cycle_id == cycle.id)).first()
            if agreed is None:
                continue
            streams = session.exec(
                select(BudgetStream)
                .where(BudgetStream.agreed_budget_id == agreed.id)
                .order_by(col(BudgetStream.stream))
            ).all()
            for stream in streams:
                if stream.stream in uplift.streams and stream.annual_pence > 0:
                    out.append(
                        UpliftChange(
                            person.id,  # type: ignore[arg-type]
                            person.name,
                            "budget",
                            stream.id,  # type: ignore[arg-type]
                            _("{stream} budget a year").format(
                                stream=_(STREAM_WORDS.get(stream.stream, stream.stream))
                            ),
                            stream.annual_pence,
                            uplifted(stream.annual_pence, uplift.percent),
                        )
                    )
            found = plan_in_force(session, person.id)  # type: ignore[arg-type]
            if found is None:
                continue
            for item in found[1]:
                if uplift.categories and item.category not in uplift.categories:
                    continue
                if item.unit_cost_pence > 0:
                    out.append(
                        UpliftChange(
                            person.id,  # type: ignore[arg-type]
                            person.name,
                            "plan_line",
                            item.item_id,
                            item_label(item.category, item.description),
                            item.unit_cost_pence,
                            uplifted(item.unit_cost_pence, uplift.percent),
                        )
                    )
        return out
