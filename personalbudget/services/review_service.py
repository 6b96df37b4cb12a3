"""Step 7: requesting, recording and completing reviews, and applying what they decide.

A review is a draft until completed. Completing one needs every outcome of the agreed
plan rated, who took part and a decision; the decision then moves the lifecycle in the
same transaction (see ``lifecycle_service.apply_review_decision``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, or_, select

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.monitoring import Monitoring
from personalbudget.domain.review import (
    REVIEW_REASONS,
    MarketGap,
    OutcomeRating,
    check_complete,
    check_gaps,
    check_request,
    review_period_start,
)
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, LifecycleError, NotFoundError, ValidationError
from personalbudget.i18n import N_, _
from personalbudget.services.context import ServiceContext, use_case
from personalbudget.services.dto import ReviewForm, ReviewView
from personalbudget.services.edit_check import Resolution, check_unchanged, touch
from personalbudget.services.lifecycle_service import (
    apply_review_decision,
    latest_cycle,
    move_cycle,
    open_cycle_of,
)
from personalbudget.services.monitoring_service import MonitoringService
from personalbudget.services.plan_service import PlanService
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import Person, PlanCycle, PlanOutcome, PlanSupportItem, SupportPlan
from personalbudget.storage.money_models import LedgerTransaction, SupportArrangement
from personalbudget.storage.review_models import MarketGapRow, Review, ReviewOutcome


@dataclass(frozen=True)
class ReviewSummary:
    review_id: int
    number: int
    reason: str
    due_on: date
    completed_at: datetime | None
    decision: ReviewDecision | None
    not_met: int
    gaps: int


# What a save of a review checks against someone else's, as the page names it.
REVIEW_FIELDS = {
    "completed": N_("Completed"),
    "outcomes": N_("Outcomes"),
    "method": N_("How the review was done"),
    "working_person": N_("What is working (the person)"),
    "not_working_person": N_("What is not working (the person)"),
    "working_practitioner": N_("What is working (practitioner)"),
    "not_working_practitioner": N_("What is not working (practitioner)"),
    "market_gaps": N_("Support that could not be found"),
    "risks": N_("Risks"),
    "decision": N_("Decision"),
    "decision_note": N_("About the decision"),
}


def _review_values(form: ReviewForm) -> dict[str, object]:
    values: dict[str, object] = {"completed": False}
    for key in REVIEW_FIELDS:
        if key == "completed":
            continue
        value = getattr(form, key)
        values[key] = (
            tuple(value) if isinstance(value, list) else value.strip() if isinstance(value, str) else value
        )
    return values


class ReviewService:
    def __init__(
        self,
        context: ServiceContext,
        settings: SettingsService,
        monitoring: MonitoringService,
        plans: PlanService,
    ):
        self._ctx = context
        self._settings = settings
        self._monitoring = monitoring
        self._plans = plans

    # -- reading -----------------------------------------------------------------------------
    @use_case
    def current(self, person_id: int) -> ReviewView | None:
        """The review under way in the person's open cycle (at step 7), if any."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            cycle = latest_cycle(session, person_id)
            row = self._draft_of(session, cycle)
            return self._view(session, row) if row else None

    def get(self, review_id: int) -> ReviewView:
        self._ctx.require(Permission.VIEW_PEOPLE, review_id=review_id)
        with self._ctx.db.session() as session:
            return self._view(session, self._row(session, review_id))

    @use_case
    def history(self, person_id: int) -> list[ReviewSummary]:
        """Every review of the person, newest first."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            rows = session.exec(
                select(Review)
                .join(PlanCycle, col(PlanCycle.id) == Review.cycle_id)
                .where(PlanCycle.person_id == person_id)
                .order_by(col(Review.requested_at), col(Review.id))
            ).all()
            # The counts of every review at once (two statements, not two for each review).
            ids = [row.id for row in rows]
            not_met: dict[int, int] = {}
            gaps: dict[int, int] = {}
            if ids:
                not_met = dict(
                    session.exec(
                        select(ReviewOutcome.review_id, func.count())
                        .where(col(ReviewOutcome.review_id).in_(ids), ReviewOutcome.rating == "Not Met")
                        .group_by(col(ReviewOutcome.review_id))
                    ).all()
                )
                gaps = dict(
                    session.exec(
                        select(MarketGapRow.review_id, func.count())
                        .where(col(MarketGapRow.review_id).in_(ids))
                        .group_by(col(MarketGapRow.review_id))
                    ).all()
                )
            summaries = [
                ReviewSummary(
                    row.id,  # type: ignore[arg-type]
                    number,
                    row.reason,
                    row.due_on,
                    row.completed_at,
                    ReviewDecision(row.decision) if row.decision else None,
                    not_met.get(row.id, 0),  # type: ignore[arg-type]
                    gaps.get(row.id, 0),  # type: ignore[arg-type]
                )
                for number, row in enumerate(rows, start=1)
            ]
            return summaries[::-1]

    def review_by_number(self, person_id: int, number: int | None) -> ReviewView:
        """Review ``number`` (1 = first) of a person, or the newest when None."""
        summaries = self.history(person_id)
        if not summaries:
            raise NotFoundError(_("This person has no reviews yet."))
        if number is None:
            return self.get(summaries[0].review_id)
        for summary in summaries:
            if summary.number == number:
                return self.get(summary.review_id)
        raise NotFoundError(_("This person has no review number {n}.").format(n=number))

    # -- changing ----------------------------------------------------------------------------
    def request_review(self, person_id: int, reason: str, note: str = "") -> ReviewView:
        """Start a review now (planned or unplanned): the cycle moves to step 7 and the review is due today."""
        self._ctx.require(Permission.MOVE_STEPS, person_id)
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            check_request(Step(cycle.current_step), reason)
            now = self._ctx.clock.now()
            move_cycle(
                session,
                cycle,
                Step.REVIEW,
                kind="review_requested",
                note=f"{reason}: {note.strip()}".strip(": "),
                now=now,
                actor=self._ctx.actor,
            )
            due = now.date()
            if reason == "Planned" and cycle.next_review_due is not None:
                due = cycle.next_review_due
            cycle.next_review_due = min(due, now.date())
            session.add(cycle)
            row = self._new_review(session, cycle, reason, note.strip(), now, due)
            return self._view(session, row)

    def open_review(self, person_id: int, reason: str = "Planned", note: str = "") -> ReviewView:
        """The review under way, starting one if needed: a planned review from steps 4-6, or at step 7."""
        self._ctx.require(Permission.MOVE_STEPS, person_id)
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            row = self._draft_of(session, cycle)
            if row is not None:
                return self._view(session, row)
            if cycle.current_step == Step.REVIEW:
                now = self._ctx.clock.now()
                row = self._new_review(
                    session, cycle, "Planned", "", now, cycle.next_review_due or now.date()
                )
                return self._view(session, row)
        return self.request_review(person_id, reason, note)

    def save_draft(
        self,
        review_id: int,
        form: ReviewForm,
        *,
        base: ReviewView | None = None,
        resolution: Resolution | None = None,
    ) -> ReviewView:
        """Save the review as a draft; ``base`` (the review as read for the page) refuses the save,
        with who, when and what, if someone else saved it since (``services/edit_check``)."""
        self._ctx.require(Permission.MOVE_STEPS, review_id=review_id)
        errors = check_gaps(form.market_gaps, SUPPORT_CATEGORIES)
        if errors:
            raise ValidationError(errors)
        with self._ctx.db.session() as session:
            row = self._row(session, review_id)
            self._check(session, row, form, base, resolution)
            row = self._editable(session, review_id)
            self._store(session, row, form, draft=True)
            return self._view(session, row)

    def complete(
        self,
        review_id: int,
        form: ReviewForm,
        *,
        base: ReviewView | None = None,
        resolution: Resolution | None = None,
    ) -> ReviewView:
        """Complete the review and apply its decision to the lifecycle, all in one transaction.
        ``base`` as for ``save_draft``: a review someone else saved meanwhile is not completed."""
        self._ctx.require(Permission.MOVE_STEPS, review_id=review_id)
        check_complete(form.outcomes, form.method, form.decision, form.market_gaps, SUPPORT_CATEGORIES)
        assert form.decision is not None
        interval = self._settings.review().review_interval_months
        with self._ctx.db.session() as session:
            self._check(session, self._row(session, review_id), form, base, resolution)
            row = self._editable(session, review_id)
            if len(form.outcomes) != len(self._outcomes(session, row)):
                raise ValidationError(FieldError("outcomes", _("Rate each outcome of the agreed plan.")))
            cycle = session.get(PlanCycle, row.cycle_id)
            assert cycle is not None
            now = self._ctx.clock.now()
            self._store(session, row, form)
            plan = session.get(SupportPlan, row.plan_id) if row.plan_id else None
            row.period_start = self._period_start(session, cycle, plan, now.date())
            row.status = "completed"
            row.period_end = now.date()
            row.completed_at = now
            row.completed_by = self._ctx.actor
            session.add(row)
            carried_on = apply_review_decision(
                session,
                cycle,
                form.decision,
                form.decision_note.strip(),
                now=now,
                actor=self._ctx.actor,
                interval_months=interval,
            )
            if form.decision == ReviewDecision.CHANGE_PLAN and carried_on.id != cycle.id:
                self._plans.carry_plan_into(session, carried_on, now)
            session.flush()
            return self._view(session, row)

    # -- helpers -----------------------------------------------------------------------------
    def _new_review(
        self, session: Session, cycle: PlanCycle, reason: str, note: str, now: datetime, due: date
    ) -> Review:
        if reason not in REVIEW_REASONS:
            raise ValidationError(FieldError("reason", _("Choose a review reason from the list.")))
        plan = self._agreed_plan(session, cycle)
        start = self._period_start(session, cycle, plan, now.date())
        row = Review(
            cycle_id=cycle.id,  # type: ignore[arg-type]
            plan_id=plan.id if plan else None,
            reason=reason,
            reason_note=note,
            requested_at=now,
            requested_by=self._ctx.actor,
            due_on=due,
            period_start=start,
        )
        session.add(row)
        session.flush()
        if plan is not None:
            outcomes = session.exec(
                select(PlanOutcome).where(PlanOutcome.plan_id == plan.id).order_by(col(PlanOutcome.position))
            ).all()
            for position, outcome in enumerate(outcomes):
                session.add(
                    ReviewOutcome(
                        review_id=row.id,  # type: ignore[arg-type]
                        position=position,
                        outcome_code=outcome.outcome_code,
                        description=outcome.description,
                    )
                )
            session.flush()
        return row

    def _period_start(
        self, session: Session, cycle: PlanCycle, plan: SupportPlan | None, today: date
    ) -> date:
        """From the last review, or from when the plan began (see ``review_period_start``)."""
        previous = session.exec(
            select(Review)
            .join(PlanCycle, col(PlanCycle.id) == Review.cycle_id)
            .where(PlanCycle.person_id == cycle.person_id, Review.status == "completed")
            .order_by(col(Review.completed_at).desc())
        ).first()
        support_from = first_spending_on = None
        if plan is not None:
            items = session.exec(select(PlanSupportItem).where(PlanSupportItem.plan_id == plan.id)).all()
            ids = [i.id for i in items]
            support_from = session.exec(
                select(func.min(SupportArrangement.starts_on)).where(
                    col(SupportArrangement.plan_item_id).in_(ids)
                )
            ).one()
            first_spending_on = session.exec(
                select(func.min(LedgerTransaction.posted_on)).where(
                    LedgerTransaction.person_id == cycle.person_id,
                    col(LedgerTransaction.amount_pence) < 0,
                    or_(
                        col(LedgerTransaction.plan_item_id).in_(ids),
                        col(LedgerTransaction.category).in_(sorted({i.category for i in items})),
                    ),
                )
            ).one()
        return review_period_start(
            today=today,
            last_review_on=previous.period_end if previous is not None else None,
            agreed_on=cycle.plan_agreed_at.date() if cycle.plan_agreed_at else None,
            support_from=support_from,
            first_spending_on=first_spending_on,
        )

    def _agreed_plan(self, session: Session, cycle: PlanCycle) -> SupportPlan | None:
        return session.exec(
            select(SupportPlan)
            .where(SupportPlan.cycle_id == cycle.id, SupportPlan.status == "agreed")
            .order_by(col(SupportPlan.version).desc())
        ).first()

    def _draft_of(self, session: Session, cycle: PlanCycle) -> Review | None:
        if cycle.status != "open" or cycle.current_step != Step.REVIEW:
            return None
        return session.exec(
            select(Review)
            .where(Review.cycle_id == cycle.id, Review.status == "draft")
            .order_by(col(Review.id).desc())
        ).first()

    def _row(self, session: Session, review_id: int) -> Review:
        row = session.get(Review, review_id)
        if row is None:
            raise NotFoundError(_("There is no review with id {id}.").format(id=review_id))
        return row

    def _check(
        self,
        session: Session,
        row: Review,
        form: ReviewForm,
        base: ReviewView | None,
        resolution: Resolution | None,
    ) -> None:
        if base is None:
            return
        theirs = self._view(session, row)
        check_unchanged(
            session,
            row,
            base.row_version,
            record=_("the review of {name}").format(name=theirs.person_name),
            labels=REVIEW_FIELDS,
            base=_review_values(base.form) | {"completed": base.completed},
            theirs=_review_values(theirs.form) | {"completed": theirs.completed},
            mine=_review_values(form),
            current=lambda: theirs,
            actor=self._ctx.actor,
            resolution=resolution,
        )

    def _editable(self, session: Session, review_id: int) -> Review:
        row = self._row(session, review_id)
        if row.status != "draft":
            raise LifecycleError(_("This review has been completed; it is a fixed record."))
        cycle = session.get(PlanCycle, row.cycle_id)
        if cycle is None or cycle.status != "open" or cycle.current_step != Step.REVIEW:
            raise LifecycleError(_("This review can no longer be changed: the cycle is not at step 7."))
        return row

    def _store(self, session: Session, row: Review, form: ReviewForm, *, draft: bool = False) -> None:
        row.method = form.method
        row.working_person = form.working_person.strip()
        row.not_working_person = form.not_working_person.strip()
        row.working_practitioner = form.working_practitioner.strip()
        row.not_working_practitioner = form.not_working_practitioner.strip()
        row.risks = form.risks.strip()
        row.decision = form.decision.value if form.decision else ""
        row.decision_note = form.decision_note.strip()
        if draft:  # a new version even when only its outcomes or gaps changed (completing changes it)
            touch(session, row, "method")
        session.add(row)
        stored = self._outcomes(session, row)
        for stored_row, entry in zip(stored, form.outcomes, strict=False):
            stored_row.rating = entry.rating
            stored_row.person_says = entry.person_says.strip()
            session.add(stored_row)
        for old_gap in self._gaps(session, row):
            session.delete(old_gap)
        session.flush()
        for position, gap in enumerate(form.market_gaps):
            session.add(
                MarketGapRow(
                    review_id=row.id,  # type: ignore[arg-type]
                    position=position,
                    category=gap.category,
                    locality=gap.locality.strip(),
                    why=gap.why.strip(),
                )
            )
        session.flush()

    def _outcomes(self, session: Session, row: Review) -> list[ReviewOutcome]:
        return list(
            session.exec(
                select(ReviewOutcome)
                .where(ReviewOutcome.review_id == row.id)
                .order_by(col(ReviewOutcome.position))
            ).all()
        )

    def _gaps(self, session: Session, row: Review) -> list[MarketGapRow]:
        return list(
            session.exec(
                select(MarketGapRow)
                .where(MarketGapRow.review_id == row.id)
                .order_by(col(MarketGapRow.position))
            ).all()
        )

    def _view(self, session: Session, row: Review) -> ReviewView:
        cycle = session.get(PlanCycle, row.cycle_id)
        assert cycle is not None
        person = session.get(Person, cycle.person_id)
        plan = session.get(SupportPlan, row.plan_id) if row.plan_id else None
        end = row.period_end or self._ctx.clock.today()
        start = row.period_start
        if row.status == "draft":  # statements imported while the review is a draft count too
            start = self._period_start(session, cycle, plan, end)
        spend: Monitoring | None = None
        if plan is not None:
            spend = self._monitoring.spend_for_period(session, cycle.person_id, start, end)
        form = ReviewForm(
            outcomes=[
                OutcomeRating(o.outcome_code, o.description, o.rating, o.person_says)
                for o in self._outcomes(session, row)
            ],
            method=row.method,
            working_person=row.working_person,
            not_working_person=row.not_working_person,
            working_practitioner=row.working_practitioner,
            not_working_practitioner=row.not_working_practitioner,
            market_gaps=[MarketGap(g.category, g.locality, g.why) for g in self._gaps(session, row)],
            risks=row.risks,
            decision=ReviewDecision(row.decision) if row.decision else None,
            decision_note=row.decision_note,
        )
        return ReviewView(
            review_id=row.id,  # type: ignore[arg-type]
            person_id=cycle.person_id,
            person_name=person.name if person else "",
            cycle_number=cycle.number,
            plan_version=plan.version if plan else None,
            reason=row.reason,
            reason_note=row.reason_note,
            requested_at=row.requested_at,
            requested_by=row.requested_by,
            due_on=row.due_on,
            period_start=start,
            period_end=end,
            completed=row.status == "completed",
            completed_at=row.completed_at,
            completed_by=row.completed_by,
            form=form,
            spend=spend.lines if spend else (),
            spend_total=spend.total if spend else None,
            row_version=row.row_version,
        )
