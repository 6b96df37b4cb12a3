"""Small builders shared by the core tests."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from personalbudget.domain.person import PersonForm, RepresentativeForm
from personalbudget.services import Services
from personalbudget.storage import audit
from personalbudget.storage.models import PlanCycle


def person_form(**overrides) -> PersonForm:
    values = dict(
        name="Gwen Price",
        date_of_birth=date(1948, 3, 14),
        locality="Millbrook",
        primary_support_reason="Physical Support: Personal care support",
        nhs_number="943 476 5919",
        representatives=[RepresentativeForm("Rhys Price", "carer", "son", "07700 900123")],
    )
    values.update(overrides)
    return PersonForm(**values)


def set_milestones(services: Services, person_id: int, *names: str) -> None:
    """Record milestones the way the step services will (budget agreed, plan submitted...)."""
    with services.context.db.session() as session:
        cycle = session.exec(
            select(PlanCycle).where(PlanCycle.person_id == person_id, PlanCycle.status == "open")
        ).one()
        for name in names:
            setattr(cycle, f"{name}_at", services.context.clock.now())
        session.add(cycle)


def verify_trail(db) -> audit.AuditReport:
    """The audit trail of ``db`` (a laptop caseload or a server's) checked as `audit verify` does,
    on a read-only connection of its own."""
    connection = db.connect_raw(read_only=True)
    try:
        return audit.verify(connection)
    finally:
        connection.close()
