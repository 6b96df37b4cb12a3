"""Steps 2 and 3: versioned support plans, submission, and the funder's decision.

Only a draft is ever changed in place. Editing a plan that has been submitted,
returned or agreed makes a new draft version that copies it; the earlier
version stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from personalbudget.domain import review as review_rules
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import Frequency
from personalbudget.domain.pa_costs import PA_CATEGORY, load_pa_rates, rates_file_for, typed_rate_warnings
from personalbudget.domain.plan import (
    BudgetFit,
    CostedItem,
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    PlanStatus,
    RiskEntry,
    SupportItemEntry,
    check_complete,
    check_draft,
    cost_plan,
)
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES
from personalbudget.errors import (
    ConcurrentEditError,
    DefinitionError,
    FieldError,
    LifecycleError,
    NotFoundError,
    ValidationError,
)
from personalbudget.i18n import N_, _, format_money
from personalbudget.services.budget_queries import agreed_budget_of
from personalbudget.services.context import ServiceContext, use_case
from personalbudget.services.dto import AgreedBudgetView, DecisionView, PlanView, StreamBudget
from personalbudget.services.edit_check import Resolution, check_unchanged, shown, touch
from personalbudget.services.lifecycle_service import latest_cycle, move_cycle, open_cycle_of, require_step
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.models import (
    Person,
    PlanCycle,
    PlanDecision,
    PlanInformalSupport,
    PlanOutcome,
    PlanRisk,
    PlanSupportItem,
    SupportPlan,
)
from personalbudget.storage.versioning import display_name

_PlanPart = TypeVar("_PlanPart", PlanOutcome, PlanSupportItem, PlanInformalSupport, PlanRisk)
_PART_MODELS: tuple[type[SQLModel], ...] = (PlanOutcome, PlanSupportItem, PlanInformalSupport, PlanRisk)
_Parts = dict[type[SQLModel], list[SQLModel]]  # a plan's lines of each kind, in order
_NO_PARTS: _Parts = {model: [] for model in _PART_MODELS}  # a version just made (never changed)


class _Unread:
    """Not read yet (the agreed budget may be None: no budget)."""


_UNREAD = _Unread()
FIRST_REVIEW_WEEKS = 8  # light-touch review 6-8 weeks after agreement (Care Act guidance)
MAX_DECISION_TEXT = 4000

# The parts of a plan a save checks against someone else's (each support line on its own).
_PLAN_PARTS = {
    "what_matters": N_("What matters to the person"),
    "outcomes": N_("Outcomes"),
    "informal_support": N_("Support from family and friends"),
    "risks": N_("Risks"),
    "contingency": N_("If things go wrong"),
}
_LINE = "support_items:"


def plan_fields(*contents: PlanDraft) -> dict[str, str]:
    """The parts of the plan and one field per support line (as many as the longest of ``contents``)."""
    lines = max((len(c.support_items) for c in contents), default=0)
    return dict(_PLAN_PARTS) | {f"{_LINE}{i}": _("Support line {n}").format(n=i + 1) for i in range(lines)}


def plan_values(content: PlanDraft, labels: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key in labels:
        if key.startswith(_LINE):
            index = int(key[len(_LINE) :])
            values[key] = content.support_items[index] if index < len(content.support_items) else None
        else:
            value = getattr(content, key)
            values[key] = tuple(value) if isinstance(value, list) else value.strip()
    return values


@dataclass(frozen=True)
class ApprovalOutcome:
    """One outcome the plan addresses: the Care Act eligibility outcome and the person's own words."""

    code: str
    area: str  # the Care Act outcome, in the reader's language
    description: str


@dataclass(frozen=True)
class ApprovalSummary:
    """What the approver weighs before deciding on a plan (step 3).

    The indicative (RAS) budget against the agreed one and why they differ, the plan's
    cost against the agreed budget, the Care Act outcomes it addresses, its risks and
    contingency plan, and what deserves a closer look.
    """

    person_name: str
    plan_version: int
    status: PlanStatus
    budget_type: str | None
    ras_version: str
    indicative_annual_pence: int | None  # the RAS figure when the budget was agreed
    agreed_annual_pence: int | None
    streams: tuple[StreamBudget, ...]
    budget_reason: str  # why the agreed budget differs from the indicative one
    plan_annual_pence: int
    plan_weekly_pence: int
    fit: BudgetFit | None
    plan_difference_pence: int  # agreed budget - plan: positive when under, negative when over
    over_budget_justification: str
    outcomes: tuple[ApprovalOutcome, ...]
    risks: tuple[RiskEntry, ...]
    contingency: str
    first_review_due: date  # when the first review would fall due if the plan were agreed today
    concerns: tuple[str, ...]  # what deserves a closer look before deciding, in words

    @property
    def budget_change_pence(self) -> int | None:
        """Agreed minus indicative: positive when more was agreed than the RAS gave."""
        if self.indicative_annual_pence is None or self.agreed_annual_pence is None:
            return None
        return self.agreed_annual_pence - self.indicative_annual_pence


def summarise_for_approval(plan: PlanView, person_name: str, first_review_on: date) -> ApprovalSummary:
    """The approver's summary of one plan version (no database: everything is in ``plan``)."""
    budget, costing, content = plan.budget, plan.costing, plan.content
    concerns: list[str] = []
    if budget is not None and budget.annual_pence != budget.indicative_annual_pence and not budget.reason:
        concerns.append(
            _("The agreed budget differs from the indicative (RAS) budget and no reason was recorded.")
        )
    if costing.over_budget:
        over = format_money(-costing.difference_pence)
        if plan.over_budget_justification:
            concerns.append(
                _("The plan costs {over} a year more than the agreed budget (the reason is below).").format(
                    over=over
                )
            )
        else:
            concerns.append(
                _("The plan costs {over} a year more than the agreed budget and no reason was given.").format(
                    over=over
                )
            )
    if budget is None:
        concerns.append(_("No budget has been agreed for this plan."))
    if not content.risks:
        concerns.append(_("No risks are recorded: check that none were found, or return the plan."))
    return ApprovalSummary(
        person_name=person_name,
        plan_version=plan.version,
        status=plan.status,
        budget_type=budget.budget_type if budget else None,
        ras_version=budget.ras_version if budget else "",
        indicative_annual_pence=budget.indicative_annual_pence if budget else None,
        agreed_annual_pence=budget.annual_pence if budget else None,
        streams=budget.streams if budget else (),
        budget_reason=budget.reason if budget else "",
        plan_annual_pence=costing.annual_pence,
        plan_weekly_pence=costing.weekly_pence,
        fit=costing.fit,
        plan_difference_pence=costing.difference_pence,
        over_budget_justification=plan.over_budget_justification,
        outcomes=tuple(
            ApprovalOutcome(o.outcome_code, _(CARE_ACT_OUTCOMES.get(o.outcome_code, "")), o.description)
            for o in content.outcomes
        ),
        risks=tuple(content.risks),
        contingency=content.contingency,
        first_review_due=first_review_on,
        concerns=tuple(concerns),
    )


@dataclass(frozen=True)
class PlanVersionSummary:
    plan_id: int
    version: int
    cycle_number: int
    status: PlanStatus
    created_at: datetime
    annual_pence: int


class PlanService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    # -- reading -----------------------------------------------------------------------------
    @use_case
    def get_plan(self, person_id: int) -> PlanView | None:
        """The newest plan version in the person's latest cycle, if there is one."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            cycle = latest_cycle(session, person_id)
            plan = self._latest_in_cycle(session, cycle)
            return self._view(session, plan, cycle) if plan else None

    @use_case
    def approval_summary(self, person_id: int) -> ApprovalSummary | None:
        """What the approver sees before deciding on the person's newest plan, if there is one."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        first_weeks = self._settings.review().first_review_weeks
        with self._ctx.db.session() as session:
            cycle = latest_cycle(session, person_id)
            plan = self._latest_in_cycle(session, cycle)
            if plan is None:
                return None
            person = session.get(Person, person_id)
            view = self._view(session, plan, cycle)
        today = self._ctx.clock.today()
        return summarise_for_approval(
            view, person.name if person else "", first_review_due(today, first_weeks)
        )

    def get_version(self, plan_id: int) -> PlanView:
        self._ctx.require(Permission.VIEW_PEOPLE, plan_id=plan_id)
        with self._ctx.db.session() as session:
            plan = session.get(SupportPlan, plan_id)
            if plan is None:
                raise NotFoundError(_("There is no plan with id {id}.").format(id=plan_id))
            return self._view(session, plan, session.get(PlanCycle, plan.cycle_id))  # type: ignore[arg-type]

    def history(self, person_id: int) -> list[PlanVersionSummary]:
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            rows = session.exec(
                select(SupportPlan, PlanCycle.number)
                .join(PlanCycle, col(PlanCycle.id) == SupportPlan.cycle_id)
                .where(SupportPlan.person_id == person_id)
                .order_by(col(SupportPlan.version).desc())
            ).all()
            return [
                PlanVersionSummary(
                    plan.id,  # type: ignore[arg-type]
                    plan.version,
                    number,
                    PlanStatus(plan.status),
                    plan.created_at,
                    cost_plan(check_draft(self._content(session, plan)), None).annual_pence,
                )
                for plan, number in rows
            ]

    @use_case
    def starting_draft(self, person_id: int) -> PlanDraft:
        """What a new plan starts from: the newest earlier version's content, or an empty plan."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            previous = session.exec(
                select(SupportPlan)
                .where(SupportPlan.person_id == person_id)
                .order_by(col(SupportPlan.version).desc())
            ).first()
            return self._content(session, previous) if previous else PlanDraft()

    # -- changing ----------------------------------------------------------------------------
    @use_case
    def save_draft(
        self,
        person_id: int,
        draft: PlanDraft,
        *,
        base: PlanView | None = None,
        read_nothing: bool = False,
        resolution: Resolution | None = None,
    ) -> PlanView:
        """Save the plan being written. Numbers and choices must be valid; the plan may be incomplete.

        ``base`` (the plan as read for the page) refuses the save, with who, when and what (each
        section and support line), if someone else saved the plan since (``services/edit_check``).
        ``read_nothing``: the page read no plan in this cycle (a first draft being written); if
        someone else saved one meanwhile, the save is refused the same way, from an empty plan,
        instead of replacing theirs."""
        self._ctx.require(Permission.EDIT_PLAN, person_id)
        check_draft(draft)
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            require_step(cycle, Step.PLAN_SUPPORT, _("change the support plan"))
            plan = self._latest_in_cycle(session, cycle)
            # The plan's lines and what else its view shows, each read once: the check below, the
            # rows the save replaces and the view it returns share them (read before the first
            # write, so not while the server's audit trail is held for this transaction).
            parts: _Parts | None = None
            theirs: PlanView | None = None
            if plan is not None and (base is not None or read_nothing):
                parts = self._parts(session, plan)
                theirs = self._view(session, plan, cycle, parts=parts)
                started = base.content if base is not None else PlanDraft()  # (nothing read: empty)
                labels = plan_fields(started, theirs.content, draft)
                check_unchanged(
                    session,
                    plan,
                    base.row_version if base is not None and base.plan_id == plan.id else 0,
                    record=_("the support plan (version {n})").format(n=plan.version),
                    labels=labels,
                    base=plan_values(started, labels),
                    theirs=plan_values(theirs.content, labels),
                    mine=plan_values(draft, labels),
                    current=lambda: theirs,
                    actor=self._ctx.actor,
                    resolution=resolution,
                )
            now = self._ctx.clock.now()
            if plan is None or plan.status != PlanStatus.DRAFT:
                plan = self._new_version_or_refused(session, cycle, plan, now)
                parts, theirs = _NO_PARTS, None  # a version just made: no lines, no decisions yet
            plan.what_matters = draft.what_matters.strip()
            plan.contingency = draft.contingency.strip()
            plan.updated_at = now
            touch(session, plan, "updated_at")  # a new version even when only its lines changed
            session.add(plan)
            written = self._replace_content(session, plan, draft, old=parts)
            session.flush()
            if theirs is None and parts is _NO_PARTS:
                return self._view(session, plan, cycle, parts=written, decisions=())
            if theirs is None:
                return self._view(session, plan, cycle, parts=written)
            return self._view(
                session, plan, cycle, parts=written, budget=theirs.budget, decisions=theirs.decisions
            )

    def submit(self, person_id: int, over_budget_justification: str = "") -> PlanView:
        """Submit the draft for agreement: it must be complete, and over budget only with a justification."""
        self._ctx.require(Permission.SUBMIT_PLAN, person_id)
        justification = over_budget_justification.strip()
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            require_step(cycle, Step.PLAN_SUPPORT, _("submit the plan"))
            plan = self._latest_in_cycle(session, cycle)
            if plan is None or plan.status != PlanStatus.DRAFT:
                raise ValidationError(
                    FieldError("plan", _("There is no draft plan to submit. Write the plan first."))
                )
            budget = agreed_budget_of(session, cycle.id)  # type: ignore[arg-type]
            if budget is None:
                raise LifecycleError(
                    _(
                        "The budget has not been agreed yet. Agree the budget in step 1 before planning support."
                    )
                )
            content = self._content(session, plan)
            check_complete(content)
            costing = cost_plan(check_draft(content), budget.annual_pence)
            if costing.over_budget and not justification:
                raise ValidationError(
                    FieldError(
                        "over_budget_justification",
                        _(
                            "The plan costs {over} a year more than the agreed budget. Record why before submitting, "
                            "or change the plan."
                        ).format(over=format_money(-costing.difference_pence)),
                    )
                )
            now = self._ctx.clock.now()
            plan.status = PlanStatus.SUBMITTED
            plan.over_budget_justification = justification if costing.over_budget else ""
            plan.submitted_at, plan.submitted_by = now, self._ctx.actor
            session.add(plan)
            cycle.plan_submitted_at = now
            move_cycle(
                session,
                cycle,
                Step.AGREE_PLAN,
                kind="advance",
                note=_("Plan version {n} submitted for agreement").format(n=plan.version),
                now=now,
                actor=self._ctx.actor,
            )
            return self._view(session, plan, cycle)

    def decide(self, person_id: int, decision: Decision, text: str, role: str) -> PlanView:
        """The funder's decision: approve, approve with conditions, or return with reasons."""
        self._ctx.require(Permission.DECIDE_PLAN, person_id)
        text, role = check_decision(decision, text, role)
        first_weeks = self._settings.review().first_review_weeks
        with self._ctx.db.session() as session:
            cycle = open_cycle_of(session, person_id)
            require_step(cycle, Step.AGREE_PLAN, _("decide on the plan"))
            plan = self._latest_in_cycle(session, cycle)
            if plan is None or plan.status != PlanStatus.SUBMITTED:
                raise LifecycleError(_("There is no submitted plan waiting for a decision."))
            now = self._ctx.clock.now()
            session.add(
                PlanDecision(
                    plan_id=plan.id,  # type: ignore[arg-type]
                    decision=decision.value,
                    text=text,
                    role=role,
                    decided_at=now,
                    decided_by=self._ctx.actor,
                )
            )
            if decision == Decision.RETURN:
                plan.status = PlanStatus.RETURNED
                cycle.plan_submitted_at = None
                move_cycle(
                    session, cycle, Step.PLAN_SUPPORT, kind="back", note=text, now=now, actor=self._ctx.actor
                )
            else:
                plan.status = PlanStatus.AGREED
                cycle.plan_agreed_at = now
                cycle.next_review_due = first_review_due(now.date(), first_weeks)
                move_cycle(
                    session,
                    cycle,
                    Step.MANAGE_BUDGET,
                    kind="advance",
                    note=_("Plan version {n}: {decision}").format(n=plan.version, decision=decision.label),
                    now=now,
                    actor=self._ctx.actor,
                )
            session.add(plan)
            session.flush()
            return self._view(session, plan, cycle)

    def carry_plan_into(self, session: Session, cycle: PlanCycle, now: datetime) -> SupportPlan | None:
        """A new draft in ``cycle`` copying the person's newest plan (which stays as it was).

        Used when a review decides to change the plan, inside the review's transaction.
        """
        previous = self._latest_of_person(session, cycle.person_id)
        if previous is None:
            return None
        content = self._content(session, previous)
        plan = self._new_version(session, cycle, previous, now)
        plan.what_matters, plan.contingency = previous.what_matters, previous.contingency
        session.add(plan)
        self._replace_content(session, plan, content)
        return plan

    # -- helpers -----------------------------------------------------------------------------
    def _latest_in_cycle(self, session: Session, cycle: PlanCycle) -> SupportPlan | None:
        return session.exec(
            select(SupportPlan)
            .where(SupportPlan.cycle_id == cycle.id)
            .order_by(col(SupportPlan.version).desc())
        ).first()

    def _latest_of_person(self, session: Session, person_id: int) -> SupportPlan | None:
        return session.exec(
            select(SupportPlan)
            .where(SupportPlan.person_id == person_id)
            .order_by(col(SupportPlan.version).desc())
        ).first()

    def _new_version(
        self, session: Session, cycle: PlanCycle, based_on: SupportPlan | None, now: datetime
    ) -> SupportPlan:
        last = self._latest_of_person(session, cycle.person_id)
        plan = SupportPlan(
            person_id=cycle.person_id,
            cycle_id=cycle.id,  # type: ignore[arg-type]
            version=(last.version + 1) if last else 1,
            status=PlanStatus.DRAFT.value,
            based_on_plan_id=based_on.id if based_on else None,
            created_at=now,
            created_by=self._ctx.actor,
            updated_at=now,
        )
        session.add(plan)
        session.flush()
        return plan

    def _new_version_or_refused(
        self, session: Session, cycle: PlanCycle, plan: SupportPlan | None, now: datetime
    ) -> SupportPlan:
        """A new version of the plan, or ConcurrentEditError (nothing written) when someone else made
        that version meanwhile: on a team caseload two people's saves can both read "no plan yet"
        (or the same agreed plan) before either commits, and the second one's version number is then
        taken. Without this it failed on the unique (person, version) as an error, not a conflict."""
        try:
            with session.begin_nested():  # a savepoint: the transaction goes on to read theirs
                return self._new_version(
                    session, cycle, based_on=plan or self._latest_of_person(session, cycle.person_id), now=now
                )
        except IntegrityError as problem:
            if "version" not in str(problem.orig):
                raise
        theirs = self._latest_in_cycle(session, cycle)
        raise ConcurrentEditError(
            record=_("the support plan"),
            changed_by=display_name(session.connection(), theirs.created_by) if theirs else _("Someone else"),
            changed_at=shown(theirs.updated_at) if theirs else _("a moment ago"),
            fields=(),
            current=self._view(session, theirs, cycle) if theirs else None,
            table="support_plan",
            row_id=str(theirs.id) if theirs else "",
            current_version=theirs.row_version if theirs else 0,
        )

    def _replace_content(
        self, session: Session, plan: SupportPlan, draft: PlanDraft, old: _Parts | None = None
    ) -> _Parts:
        """The plan's lines replaced by the draft's; returns the new rows, in order (``old``: the
        plan's rows as read already in this transaction, so they are not read again)."""
        # The old rows are read before the plan's own change is written: on a team caseload the
        # first write takes the audit trail's lock until COMMIT, and every other writer waits.
        if old is None:
            with session.no_autoflush:
                old = self._parts(session, plan)
        for rows in old.values():
            for row in rows:
                session.delete(row)
        session.flush()
        pid = plan.id
        assert pid is not None  # flushed
        new: dict[type[SQLModel], list[SQLModel]] = {model: [] for model in _PART_MODELS}
        for i, o in enumerate(draft.outcomes):
            new[PlanOutcome].append(
                PlanOutcome(
                    plan_id=pid, position=i, outcome_code=o.outcome_code, description=o.description.strip()
                )
            )
        for i, item in enumerate(check_draft(draft)):
            new[PlanSupportItem].append(
                PlanSupportItem(
                    plan_id=pid,
                    position=i,
                    category=item.category,
                    description=item.description,
                    provider=item.provider,
                    unit_cost_pence=item.unit_cost_pence,
                    quantity=str(item.quantity),
                    frequency=item.frequency.value,
                )
            )
        for i, s in enumerate(draft.informal_support):
            new[PlanInformalSupport].append(
                PlanInformalSupport(
                    plan_id=pid, position=i, who=s.who.strip(), description=s.description.strip()
                )
            )
        for i, r in enumerate(draft.risks):
            new[PlanRisk].append(
                PlanRisk(plan_id=pid, position=i, risk=r.risk.strip(), how_managed=r.how_managed.strip())
            )
        for rows in new.values():
            session.add_all(rows)
        return new

    @staticmethod
    def _parts(session: Session, plan: SupportPlan) -> _Parts:
        """The plan's lines of each kind, in their order."""
        return {
            model: list(
                session.exec(
                    select(model).where(model.plan_id == plan.id).order_by(col(model.position))  # type: ignore[attr-defined]
                ).all()
            )
            for model in _PART_MODELS
        }

    def _content(self, session: Session, plan: SupportPlan, parts: _Parts | None = None) -> PlanDraft:
        read = parts if parts is not None else self._parts(session, plan)

        def rows(model: type[_PlanPart]) -> Sequence[_PlanPart]:
            return read[model]  # type: ignore[return-value]

        return PlanDraft(
            what_matters=plan.what_matters,
            outcomes=[OutcomeEntry(o.outcome_code, o.description) for o in rows(PlanOutcome)],
            support_items=[
                SupportItemEntry(
                    category=i.category,
                    description=i.description,
                    unit_cost=f"{Decimal(i.unit_cost_pence) / 100:.2f}",
                    quantity=i.quantity,
                    frequency=i.frequency,
                    provider=i.provider,
                )
                for i in rows(PlanSupportItem)
            ],
            informal_support=[InformalSupportEntry(s.who, s.description) for s in rows(PlanInformalSupport)],
            risks=[RiskEntry(r.risk, r.how_managed) for r in rows(PlanRisk)],
            contingency=plan.contingency,
        )

    def _view(
        self,
        session: Session,
        plan: SupportPlan,
        cycle: PlanCycle,
        *,
        parts: _Parts | None = None,
        budget: AgreedBudgetView | _Unread | None = _UNREAD,
        decisions: tuple[DecisionView, ...] | None = None,
    ) -> PlanView:
        """The plan as its page shows it. ``parts``, ``budget`` and ``decisions``: what this
        transaction has read (or written) of them already, not read again."""
        content = self._content(session, plan, parts)
        if isinstance(budget, _Unread):
            budget = agreed_budget_of(session, plan.cycle_id)
        if decisions is None:
            decisions = tuple(
                DecisionView(Decision(d.decision), d.text, d.role, d.decided_at, d.decided_by)
                for d in session.exec(
                    select(PlanDecision).where(PlanDecision.plan_id == plan.id).order_by(col(PlanDecision.id))
                ).all()
            )
        items = check_draft(content)
        return PlanView(
            plan_id=plan.id,  # type: ignore[arg-type]
            person_id=plan.person_id,
            cycle_id=plan.cycle_id,
            version=plan.version,
            status=PlanStatus(plan.status),
            content=content,
            costing=cost_plan(items, budget.annual_pence if budget else None),
            budget=budget,
            over_budget_justification=plan.over_budget_justification,
            created_at=plan.created_at,
            created_by=plan.created_by,
            submitted_at=plan.submitted_at,
            submitted_by=plan.submitted_by,
            decisions=decisions,
            editable=(
                plan.status == PlanStatus.DRAFT
                and cycle.status == "open"
                and cycle.current_step == Step.PLAN_SUPPORT
            ),
            warnings=tuple(self._rate_warnings(items)),
            row_version=plan.row_version,
        )

    def _rate_warnings(self, items: Sequence[CostedItem]) -> list[str]:
        """A PA line typed by hand below the National Living Wage today: a warning naming the figures
        (``pa_costs.typed_rate_warnings``). The rates file is read only for a plan with such a line."""
        lines = [(i.category, i.unit_cost_pence, i.frequency) for i in items]
        if not any(c == PA_CATEGORY and f == Frequency.WEEK and u > 0 for c, u, f in lines):
            return []
        today = self._ctx.clock.today()
        try:
            rates = load_pa_rates(rates_file_for(today))
        except DefinitionError:  # no usable rates file: "Cost a PA..." says so when it is used
            return []
        return typed_rate_warnings(lines, rates, today)


def check_decision(decision: Decision, text: str, role: str) -> tuple[str, str]:
    """The decision's text and role, stripped; raises ValidationError naming what is missing.

    Conditions and reasons are required; so is the role the approver decides in.
    """
    text, role = text.strip(), role.strip()
    errors = []
    if decision in (Decision.APPROVE_WITH_CONDITIONS, Decision.RETURN) and not text:
        field_text = (
            _("Write the conditions of the approval.")
            if decision == Decision.APPROVE_WITH_CONDITIONS
            else _("Write the reasons for returning the plan, so it can be put right.")
        )
        errors.append(FieldError("text", field_text))
    if not role:
        errors.append(
            FieldError("role", _("Say in what role you are deciding (e.g. team manager, funding panel)."))
        )
    if len(text) > MAX_DECISION_TEXT:
        errors.append(FieldError("text", _("The decision text is too long.")))
    if errors:
        raise ValidationError(errors)
    return text, role


def first_review_due(agreed_on: date, weeks: int = FIRST_REVIEW_WEEKS) -> date:
    return review_rules.first_review_due(agreed_on, first_weeks=weeks)
