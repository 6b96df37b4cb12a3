"""Moving a person's plan cycle through the seven steps.

The rules are in ``domain.lifecycle``; this service reads the facts from the
database, applies the rules, and records every move with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from personalbudget.domain.lifecycle import (
    CycleFacts,
    ReviewDecision,
    Step,
    StepRecord,
    StepStatus,
    check_go_back,
    effect_of,
    fresh_steps,
    move,
    next_step,
    unmet_condition,
)
from personalbudget.domain.review import next_review_due
from personalbudget.domain.roles import Permission
from personalbudget.errors import FieldError, LifecycleError, NotFoundError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.budget_queries import carry_budget_over
from personalbudget.services.context import ServiceContext, remembered, use_case
from personalbudget.services.dto import CycleView, StepView, TransitionView
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import CycleStep, Person, PlanCycle, StepTransition


def open_cycle(
    session: Session,
    person_id: int,
    *,
    start_at: Step,
    now: datetime,
    actor: str,
    reason: str,
) -> PlanCycle:
    """Open a new cycle for a person (the first, or one started by a review)."""
    last = session.exec(
        select(PlanCycle).where(PlanCycle.person_id == person_id).order_by(col(PlanCycle.number).desc())
    ).first()
    cycle = PlanCycle(
        person_id=person_id,
        number=(last.number + 1) if last else 1,
        current_step=int(start_at),
        opened_at=now,
        opened_by=actor,
        opened_reason=reason,
    )
    if last is not None and start_at > Step.SET_BUDGET:
        # Changing only the plan: the agreed budget carries over from the last cycle.
        cycle.budget_agreed_at = last.budget_agreed_at
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    if last is not None and start_at > Step.SET_BUDGET:
        carry_budget_over(session, last, cycle)
    for record in fresh_steps(start_at, now).values():
        session.add(
            CycleStep(
                cycle_id=cycle.id,
                step=int(record.step),
                status=record.status.value,
                started_at=record.started_at,
                completed_at=record.completed_at,
            )
        )
    session.add(
        StepTransition(
            cycle_id=cycle.id, kind="start", to_step=int(start_at), at=now, actor=actor, note=reason
        )
    )
    return cycle


def facts_of(cycle: PlanCycle) -> CycleFacts:
    return CycleFacts(
        budget_agreed=cycle.budget_agreed_at is not None,
        plan_submitted=cycle.plan_submitted_at is not None,
        plan_agreed=cycle.plan_agreed_at is not None,
        management_recorded=cycle.management_recorded_at is not None,
        support_arranged=cycle.support_arranged_at is not None,
    )


def latest_cycle(session: Session, person_id: int) -> PlanCycle:
    return remembered(session, ("latest_cycle", person_id), lambda: _latest_cycle(session, person_id))


def _latest_cycle(session: Session, person_id: int) -> PlanCycle:
    if session.get(Person, person_id) is None:
        raise NotFoundError(_("There is no person with id {id} in this caseload.").format(id=person_id))
    cycle = session.exec(
        select(PlanCycle).where(PlanCycle.person_id == person_id).order_by(col(PlanCycle.number).desc())
    ).first()
    if cycle is None:
        raise NotFoundError(_("This person has no plan cycle yet."))
    return cycle


def open_cycle_of(session: Session, person_id: int) -> PlanCycle:
    cycle = latest_cycle(session, person_id)
    if cycle.status != "open":
        raise LifecycleError(
            _("This person's budget has ended ({reason}). Start a new assessment to plan again.").format(
                reason=cycle.closed_reason or _("closed")
            )
        )
    return cycle


def is_overdue(next_review_due: date | None, is_open: bool, today: date) -> bool:
    return is_open and next_review_due is not None and next_review_due < today


def step_records(session: Session, cycle: PlanCycle) -> dict[Step, StepRecord]:
    rows = session.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id)).all()
    return {
        Step(r.step): StepRecord(Step(r.step), StepStatus(r.status), r.started_at, r.completed_at)
        for r in rows
    }


def move_cycle(
    session: Session, cycle: PlanCycle, target: Step, *, kind: str, note: str, now: datetime, actor: str
) -> None:
    """Move a cycle to ``target`` (rules already checked), updating step statuses and recording who and when.

    Used by the lifecycle service and by the step services whose action completes a step
    (agreeing a budget, submitting or deciding on a plan).
    """
    source = Step(cycle.current_step)
    rows = {Step(r.step): r for r in session.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id))}
    current = {s: StepRecord(s, StepStatus(r.status), r.started_at, r.completed_at) for s, r in rows.items()}
    for step, record in move(current, source, target, now).items():
        if record != current[step]:
            row = rows[step]
            row.status, row.started_at, row.completed_at = (
                record.status.value,
                record.started_at,
                record.completed_at,
            )
            session.add(row)
    cycle.current_step = int(target)
    session.add(cycle)
    session.add(
        StepTransition(
            cycle_id=cycle.id,  # type: ignore[arg-type]
            kind=kind,
            from_step=int(source),
            to_step=int(target),
            at=now,
            actor=actor,
            note=note,
        )
    )
    session.flush()


def require_step(cycle: PlanCycle, step: Step, action: str) -> None:
    """Refuse an action that belongs to another step, naming where the cycle is."""
    if cycle.current_step != step:
        raise LifecycleError(
            _(
                "You can only {action} at step {n} ({title}); this person is at step {current} ({current_title})."
            ).format(
                action=action,
                n=int(step),
                title=step.title,
                current=cycle.current_step,
                current_title=Step(cycle.current_step).title,
            )
        )


def set_step_status(
    session: Session, cycle: PlanCycle, step: Step, status: StepStatus, now: datetime
) -> None:
    row = session.exec(
        select(CycleStep).where(CycleStep.cycle_id == cycle.id, CycleStep.step == int(step))
    ).one()
    row.status = status.value
    if status == StepStatus.DONE:
        row.completed_at = now
    else:
        row.started_at, row.completed_at = now, None
    session.add(row)


def apply_review_decision(
    session: Session,
    cycle: PlanCycle,
    decision: ReviewDecision,
    note: str,
    *,
    now: datetime,
    actor: str,
    interval_months: int,
) -> PlanCycle:
    """Apply a review decision inside the caller's transaction; returns the cycle that carries on.

    Continue: back to step 6 with the next review ``interval_months`` on. Change the plan or
    re-assess: this cycle closes and a new one opens at step 2 or 1. End: the cycle closes.
    """
    if cycle.current_step != Step.REVIEW:
        raise LifecycleError(
            _("A review decision can only be recorded at step 7 (review); this cycle is at step {n}.").format(
                n=cycle.current_step
            )
        )
    effect = effect_of(decision)
    session.add(
        StepTransition(
            cycle_id=cycle.id,  # type: ignore[arg-type]
            kind="review_decision",
            from_step=int(Step.REVIEW),
            to_step=int(effect.continue_at or effect.new_cycle_step or Step.REVIEW),
            at=now,
            actor=actor,
            note=f"{decision.value}: {note}".strip(": "),
        )
    )
    set_step_status(session, cycle, Step.REVIEW, StepStatus.DONE, now)
    if effect.continue_at is not None:
        set_step_status(session, cycle, Step.LIVE_LIFE, StepStatus.IN_PROGRESS, now)
        cycle.current_step = int(effect.continue_at)
        cycle.next_review_due = next_review_due(now.date(), interval_months=interval_months)
        session.add(cycle)
        session.flush()
        return cycle
    cycle.status = "closed"
    cycle.closed_at = now
    cycle.closed_reason = decision.label
    cycle.next_review_due = None
    session.add(cycle)
    session.flush()
    if effect.new_cycle_step is None:
        return cycle
    new_cycle = open_cycle(
        session, cycle.person_id, start_at=effect.new_cycle_step, now=now, actor=actor, reason=decision.label
    )
    # The support carries on while the plan is remade, so the next review is due by the same rule as
    # after "continue"; agreeing the new plan brings it forward to the first light-touch review.
    new_cycle.next_review_due = next_review_due(now.date(), interval_months=interval_months)
    session.add(new_cycle)
    session.flush()
    return new_cycle


@dataclass(frozen=True)
class HistoryEntry:
    """One move between steps, with the cycle it was in (a person's history spans every cycle)."""

    cycle_number: int
    transition: TransitionView


def _transition_view(t: StepTransition) -> TransitionView:
    return TransitionView(
        t.kind,
        Step(t.from_step) if t.from_step else None,
        Step(t.to_step) if t.to_step else None,
        t.at,
        t.actor,
        t.note,
    )


class LifecycleService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    @use_case
    def history(self, person_id: int) -> list[HistoryEntry]:
        """Every move of every cycle the person has had, newest first (a review's loop-back keeps the past)."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            found = session.exec(
                select(StepTransition, PlanCycle.number)
                .join(PlanCycle, col(PlanCycle.id) == StepTransition.cycle_id)
                .where(PlanCycle.person_id == person_id)
                .order_by(col(StepTransition.at).desc(), col(StepTransition.id).desc())
            ).all()
            return [HistoryEntry(number, _transition_view(t)) for t, number in found]

    @use_case
    def get_cycle(self, person_id: int) -> CycleView:
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            return self._view(session, latest_cycle(session, person_id))

    def advance(self, person_id: int, note: str = "") -> CycleView:
        """Move on to the next step, if what the current step needs is done."""
        self._ctx.require(Permission.MOVE_STEPS, person_id)
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            source = Step(cycle.current_step)
            target = next_step(source, facts_of(cycle))
            self._move(session, cycle, source, target, "advance", note)
            return self._view(session, cycle)

    def go_back(self, person_id: int, to_step: Step, reason: str) -> CycleView:
        """Return to an earlier step in the same cycle (only before the plan is agreed)."""
        self._ctx.require(Permission.MOVE_STEPS, person_id)
        if not reason.strip():
            raise ValidationError(FieldError("reason", _("Say why you are going back a step.")))
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            source = Step(cycle.current_step)
            check_go_back(source, to_step)
            if to_step < Step.AGREE_PLAN:
                cycle.plan_submitted_at = None
            if to_step < Step.PLAN_SUPPORT:
                cycle.budget_agreed_at = None
            self._move(session, cycle, source, to_step, "back", reason.strip())
            return self._view(session, cycle)

    def record_review_decision(self, person_id: int, decision: ReviewDecision, note: str = "") -> CycleView:
        """Apply what a review decided: carry on, a new cycle from step 2 or 1, or end the budget."""
        self._ctx.require(Permission.MOVE_STEPS, person_id)
        interval = self._settings.review().review_interval_months
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            result = apply_review_decision(
                session,
                cycle,
                decision,
                note,
                now=self._ctx.clock.now(),
                actor=self._ctx.actor,
                interval_months=interval,
            )
            return self._view(session, result)

    # -- helpers -------------------------------------------------------------------------
    def _move(
        self, session: Session, cycle: PlanCycle, source: Step, target: Step, kind: str, note: str
    ) -> None:
        move_cycle(
            session, cycle, target, kind=kind, note=note, now=self._ctx.clock.now(), actor=self._ctx.actor
        )

    def _records(self, session: Session, cycle: PlanCycle) -> dict[Step, StepRecord]:
        rows = session.exec(select(CycleStep).where(CycleStep.cycle_id == cycle.id)).all()
        return {
            Step(r.step): StepRecord(Step(r.step), StepStatus(r.status), r.started_at, r.completed_at)
            for r in rows
        }

    def _view(self, session: Session, cycle: PlanCycle) -> CycleView:
        records = self._records(session, cycle)
        transitions = session.exec(
            select(StepTransition).where(StepTransition.cycle_id == cycle.id).order_by(col(StepTransition.id))
        ).all()
        current = Step(cycle.current_step)
        is_open = cycle.status == "open"
        blocker = None
        if is_open and current != Step.REVIEW:
            blocker = unmet_condition(current, facts_of(cycle))
        return CycleView(
            cycle_id=cycle.id,  # type: ignore[arg-type]
            person_id=cycle.person_id,
            number=cycle.number,
            current_step=current,
            is_open=is_open,
            closed_reason=cycle.closed_reason,
            next_review_due=cycle.next_review_due,
            review_overdue=is_overdue(cycle.next_review_due, is_open, self._ctx.clock.today()),
            steps=tuple(
                StepView(s, records[s].status, records[s].started_at, records[s].completed_at) for s in Step
            ),
            transitions=tuple(_transition_view(t) for t in transitions),
            blocker=blocker,
            can_go_back=is_open and Step.SET_BUDGET < current <= Step.AGREE_PLAN,
        )
