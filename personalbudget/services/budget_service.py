"""Step 1: the RAS questionnaire, the indicative budget and the agreed budget."""

from __future__ import annotations

import json
from dataclasses import asdict
from fractions import Fraction
from typing import Any

from sqlmodel import Session, select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.ras import (
    AdjustmentLine,
    DomainScore,
    IndicativeBudget,
    RasDefinition,
    StreamAmount,
    calculate,
)
from personalbudget.domain.roles import Permission
from personalbudget.errors import FieldError, NotFoundError, ValidationError
from personalbudget.i18n import N_, _, format_money
from personalbudget.services.budget_queries import agreed_budget_of
from personalbudget.services.context import ServiceContext
from personalbudget.services.dto import BudgetView
from personalbudget.services.edit_check import Resolution, check_unchanged, touch
from personalbudget.services.lifecycle_service import latest_cycle, move_cycle, open_cycle_of, require_step
from personalbudget.storage.models import AgreedBudget, BudgetAssessment, BudgetStream, PlanCycle

MAX_REASON = 2000

# What a save of step 1 checks against someone else's saves, as the page names it.
BUDGET_FIELDS = {
    "budget_type": N_("Kind of budget"),
    "answers": N_("Assessment answers"),
    "agreed_annual_pence": N_("Agreed budget (a year)"),
    "streams": N_("Agreed budget by funding stream"),
    "reason": N_("Reason for the change"),
}


def _budget_values(view: BudgetView) -> dict[str, Any]:
    agreed = view.agreed
    return {
        "budget_type": view.budget_type,
        "answers": tuple(f"{k}: {v}" for k, v in sorted(view.answers.items())),
        "agreed_annual_pence": agreed.annual_pence if agreed else None,
        "streams": tuple(f"{s.stream}: {format_money(s.annual_pence)}" for s in agreed.streams)
        if agreed
        else (),
        "reason": agreed.reason if agreed else "",
    }


def breakdown_to_json(budget: IndicativeBudget) -> str:
    def encode(value: Any) -> Any:
        if isinstance(value, Fraction):
            return f"{value.numerator}/{value.denominator}"
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        return value

    return json.dumps(encode(asdict(budget)), ensure_ascii=False)


def breakdown_from_json(text: str) -> IndicativeBudget:
    data = json.loads(text)
    return IndicativeBudget(
        ras_name=data["ras_name"],
        ras_version=data["ras_version"],
        budget_type=data["budget_type"],
        domains=tuple(
            DomainScore(**(d | {"funded_by": tuple(d.get("funded_by", ()))})) for d in data["domains"]
        ),
        streams=tuple(StreamAmount(**s) for s in data["streams"]),
        adjustments=tuple(
            AdjustmentLine(
                a["label"],
                a["stream"],
                Fraction(a["before_pence"]),
                Fraction(a["after_pence"]),
                a.get("percent"),  # None in a breakdown saved before percentages were kept
            )
            for a in data["adjustments"]
        ),
        answered=data["answered"],
        questions=data["questions"],
    )


class BudgetService:
    def __init__(self, context: ServiceContext, ras: RasDefinition):
        self._ctx = context
        self.ras = ras

    def get_budget(self, person_id: int) -> BudgetView:
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            cycle = latest_cycle(session, person_id)
            return self._view(session, cycle)

    def get_budget_for_cycle(self, cycle_id: int) -> BudgetView:
        self._ctx.require(Permission.VIEW_PEOPLE, cycle_id=cycle_id)
        with self._ctx.db.session() as session:
            cycle = session.get(PlanCycle, cycle_id)
            if cycle is None:
                raise NotFoundError(_("There is no plan cycle with id {id}.").format(id=cycle_id))
            return self._view(session, cycle)

    def preview(self, budget_type: str, answers: dict[str, str]) -> IndicativeBudget:
        """The indicative budget for answers not yet saved (the running figure in the questionnaire)."""
        return calculate(self.ras, budget_type, answers)

    def save_answers(
        self,
        person_id: int,
        budget_type: str,
        answers: dict[str, str],
        *,
        base: BudgetView | None = None,
        resolution: Resolution | None = None,
    ) -> BudgetView:
        """Save the answers; ``base`` (step 1 as read for the form) refuses the save, with who, when
        and what, if someone else saved step 1 since (see ``services/edit_check``)."""
        self._ctx.require(Permission.ASSESS, person_id)
        indicative = calculate(self.ras, budget_type, answers)  # checks type, questions and answers
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            row = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == cycle.id)).first()
            if row is not None and base is not None:  # (before the step: someone may have agreed it)
                mine = _budget_values(base) | {
                    "budget_type": budget_type,
                    "answers": tuple(f"{k}: {v}" for k, v in sorted(answers.items())),
                }
                self._check(session, cycle, row, base, mine, resolution)
            require_step(cycle, Step.SET_BUDGET, _("change the assessment answers"))
            row = row or BudgetAssessment(cycle_id=cycle.id)  # type: ignore[call-arg, arg-type]
            row.budget_type = budget_type
            row.answers_json = json.dumps(answers, sort_keys=True)
            row.ras_name, row.ras_version = self.ras.name, self.ras.version
            row.breakdown_json = breakdown_to_json(indicative)
            row.indicative_weekly_pence = indicative.weekly_pence
            row.updated_at, row.updated_by = self._ctx.clock.now(), self._ctx.actor
            if row.id is not None:
                touch(session, row, "updated_at")  # a new version even when the answers are the same
            session.add(row)
            session.flush()
            return self._view(session, cycle)

    def agree_budget(
        self,
        person_id: int,
        agreed_annual: dict[str, int] | None = None,
        reason: str = "",
        *,
        base: BudgetView | None = None,
        resolution: Resolution | None = None,
    ) -> BudgetView:
        """Agree the budget (the indicative one, or per-stream amounts with a reason) and move on to planning.

        ``base`` (step 1 as read for the form) refuses the agreement, with who, when and what, if
        someone else saved step 1 since (see ``services/edit_check``)."""
        self._ctx.require(Permission.AGREE_BUDGET, person_id)
        reason = reason.strip()
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            row = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == cycle.id)).first()
            if row is not None and base is not None:  # (before the step: someone may have agreed it)
                amounts_typed = dict(agreed_annual) if agreed_annual is not None else None
                if amounts_typed is None and base.indicative is not None:
                    amounts_typed = {s.stream: s.annual_pence for s in base.indicative.streams}
                mine = _budget_values(base) | {
                    "agreed_annual_pence": sum(amounts_typed.values()) if amounts_typed else None,
                    "streams": tuple(f"{k}: {format_money(v)}" for k, v in (amounts_typed or {}).items()),
                    "reason": reason,
                }
                self._check(session, cycle, row, base, mine, resolution)
            require_step(cycle, Step.SET_BUDGET, _("agree the budget"))
            if row is None:
                raise ValidationError(
                    FieldError("answers", _("Answer the assessment questions before agreeing a budget."))
                )
            indicative = calculate(self.ras, row.budget_type, json.loads(row.answers_json))
            if not indicative.complete:
                raise ValidationError(
                    FieldError(
                        "answers",
                        _(
                            "Answer every question before agreeing the budget: {done} of {total} answered."
                        ).format(done=indicative.answered, total=indicative.questions),
                    )
                )
            offered = {s.stream: s.annual_pence for s in indicative.streams}
            amounts = dict(offered) if agreed_annual is None else dict(agreed_annual)
            self._check_amounts(amounts, offered, reason)
            total = sum(amounts.values())
            existing = session.exec(select(AgreedBudget).where(AgreedBudget.cycle_id == cycle.id)).first()
            if existing is not None:
                session.delete(existing)
                session.flush()
            now = self._ctx.clock.now()
            agreed = AgreedBudget(
                cycle_id=cycle.id,  # type: ignore[arg-type]
                budget_type=row.budget_type,
                indicative_annual_pence=indicative.annual_pence,
                annual_pence=total,
                reason=reason,
                ras_version=self.ras.version,
                agreed_at=now,
                agreed_by=self._ctx.actor,
            )
            session.add(agreed)
            session.flush()
            for stream, amount in amounts.items():
                session.add(
                    BudgetStream(
                        agreed_budget_id=agreed.id,  # type: ignore[arg-type]
                        stream=stream,
                        indicative_annual_pence=offered[stream],
                        annual_pence=amount,
                    )
                )
            row.breakdown_json = breakdown_to_json(indicative)
            row.updated_at, row.updated_by = now, self._ctx.actor
            touch(session, row, "updated_at")  # agreeing is a new version of step 1 (storage/versioning)
            cycle.budget_agreed_at = now
            move_cycle(
                session,
                cycle,
                Step.PLAN_SUPPORT,
                kind="advance",
                note=_("Budget agreed: {amount} a year").format(amount=format_money(total)),
                now=now,
                actor=self._ctx.actor,
            )
            return self._view(session, cycle)

    def _check(
        self,
        session: Session,
        cycle: PlanCycle,
        row: BudgetAssessment,
        base: BudgetView,
        mine: dict[str, Any],
        resolution: Resolution | None,
    ) -> None:
        theirs = self._view(session, cycle)
        check_unchanged(
            session,
            row,
            base.row_version,
            record=_("the budget (step 1)"),
            labels=BUDGET_FIELDS,
            base=_budget_values(base),
            theirs=_budget_values(theirs),
            mine=mine,
            current=lambda: theirs,
            actor=self._ctx.actor,
            resolution=resolution,
        )

    def _check_amounts(self, amounts: dict[str, int], offered: dict[str, int], reason: str) -> None:
        errors = []
        if set(amounts) != set(offered):
            errors.append(
                FieldError(
                    "streams",
                    _("Give an amount for each funding stream: {streams}.").format(
                        streams=", ".join(offered)
                    ),
                )
            )
        for stream, amount in amounts.items():
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                errors.append(FieldError(stream, _("The agreed amount cannot be negative.")))
        if sum(v for v in amounts.values() if isinstance(v, int)) <= 0:
            errors.append(FieldError("streams", _("The agreed budget must be more than £0.")))
        if amounts != offered and not reason:
            errors.append(
                FieldError(
                    "reason",
                    _(
                        "The agreed budget differs from the indicative budget: record the reason for the change."
                    ),
                )
            )
        if len(reason) > MAX_REASON:
            errors.append(FieldError("reason", _("The reason is too long.")))
        if errors:
            raise ValidationError(errors)

    def _view(self, session: Session, cycle: PlanCycle) -> BudgetView:
        row = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == cycle.id)).first()
        return BudgetView(
            person_id=cycle.person_id,
            cycle_id=cycle.id,  # type: ignore[arg-type]
            budget_type=row.budget_type if row else None,
            answers=json.loads(row.answers_json) if row else {},
            indicative=breakdown_from_json(row.breakdown_json) if row else None,
            agreed=agreed_budget_of(session, cycle.id),  # type: ignore[arg-type]
            can_edit=cycle.status == "open" and cycle.current_step == Step.SET_BUDGET,
            row_version=row.row_version if row else 0,
        )
