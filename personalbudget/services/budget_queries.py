"""Reads and copies of a cycle's agreed budget, shared by the step 1-4 services and the lifecycle.

Kept apart from ``budget_service`` so that the lifecycle (which carries a budget over to a
new cycle) and the plan and management services need not import the budget service.
"""

from __future__ import annotations

from sqlmodel import Session, select

from personalbudget.services.dto import AgreedBudgetView, StreamBudget
from personalbudget.storage.models import AgreedBudget, BudgetAssessment, BudgetStream, PlanCycle


def agreed_budget_of(session: Session, cycle_id: int) -> AgreedBudgetView | None:
    agreed = session.exec(select(AgreedBudget).where(AgreedBudget.cycle_id == cycle_id)).first()
    if agreed is None:
        return None
    streams = session.exec(select(BudgetStream).where(BudgetStream.agreed_budget_id == agreed.id)).all()
    return AgreedBudgetView(
        budget_type=agreed.budget_type,
        annual_pence=agreed.annual_pence,
        indicative_annual_pence=agreed.indicative_annual_pence,
        streams=tuple(StreamBudget(s.stream, s.indicative_annual_pence, s.annual_pence) for s in streams),
        reason=agreed.reason,
        ras_version=agreed.ras_version,
        agreed_at=agreed.agreed_at,
        agreed_by=agreed.agreed_by,
    )


def carry_budget_over(session: Session, source: PlanCycle, target: PlanCycle) -> None:
    """A new cycle that starts at step 2 keeps the previous cycle's assessment and agreed budget."""
    assert target.id is not None  # flushed by the caller
    assessment = session.exec(select(BudgetAssessment).where(BudgetAssessment.cycle_id == source.id)).first()
    if assessment is not None:
        data = assessment.model_dump(exclude={"id", "cycle_id"})
        session.add(BudgetAssessment(cycle_id=target.id, **data))
    agreed = session.exec(select(AgreedBudget).where(AgreedBudget.cycle_id == source.id)).first()
    if agreed is not None:
        data = agreed.model_dump(exclude={"id", "cycle_id"})
        copy = AgreedBudget(cycle_id=target.id, **data)
        session.add(copy)
        session.flush()
        assert copy.id is not None
        for stream in session.exec(
            select(BudgetStream).where(BudgetStream.agreed_budget_id == agreed.id)
        ).all():
            session.add(
                BudgetStream(
                    agreed_budget_id=copy.id,
                    stream=stream.stream,
                    indicative_annual_pence=stream.indicative_annual_pence,
                    annual_pence=stream.annual_pence,
                )
            )
