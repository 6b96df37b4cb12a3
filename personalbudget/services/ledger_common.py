"""What the step 6 services share: the person whose accounts are kept, links to the plan, bulk
inserts and their audit events, and the driver's own cursor for long ledgers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.statement_parsing import (
    ImportCancelled,
    Progress,
)
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, LifecycleError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.context import ServiceContext
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import (
    ManagementInForce,
    PlanItemInfo,
    all_agreed_items,
    management_in_force,
)
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.audit import record_event
from personalbudget.storage.money_models import (
    LedgerTransaction,
)
from personalbudget.storage.sql import driver

INSERT_CHUNK = 10_000
MAX_DESCRIPTION = 500


def _iso(day: date) -> str:
    return day.isoformat()


def _driver(session: Session) -> Any:
    """The DB-API connection under the session's transaction (plain tuples, no result-row overhead),
    speaking SQLite's raw SQL on a team caseload's server too (storage/sql.py)."""
    return driver(session)


@dataclass(frozen=True)
class LinkChoice:
    """Something a transaction can be linked to: an item of the plan in force, or a kind of support."""

    plan_item_id: int | None
    category: str
    label: str


class LedgerServiceBase:
    """The context and settings of a step 6 service, and the helpers the services share."""

    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    def _audit(self, session: Session, action: str, row_id: str, summary: dict[str, object]) -> None:
        """Changes made many rows at a time (not through the ORM) go into the audit trail as one event,
        with counts and ids only (never descriptions). A bulk load such as the demo records its own."""
        if not session.info.get("audited") or session.info.get("audit_bulk"):
            return
        record_event(
            session,
            actor=self._ctx.actor,
            action=action,
            table="ledger_transaction",
            row_id=row_id,
            summary=summary,
        )

    def _insert(
        self, session: Session, rows: list[dict[str, object]], total: int, progress: Progress | None
    ) -> None:
        connection = session.connection()
        statement = insert(LedgerTransaction.__table__)  # type: ignore[attr-defined]
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(statement, rows[start : start + INSERT_CHUNK])
            done = total + min(start + INSERT_CHUNK, len(rows)) * total // max(len(rows), 1)
            if progress is not None and not progress(done, 2 * max(total, 1)):
                raise ImportCancelled
        if progress is not None and not progress(2 * max(total, 1), 2 * max(total, 1)):
            raise ImportCancelled

    def _ledger_person(self, session: Session, person_id: int) -> ManagementInForce:
        latest_cycle(session, person_id)
        management = management_in_force(session, person_id)
        if management is None:
            raise LifecycleError(
                _(
                    "How the budget is managed has not been recorded yet. Record it in step {n} ({title}) "
                    "before keeping the accounts."
                ).format(n=int(Step.MANAGE_BUDGET), title=Step.MANAGE_BUDGET.title)
            )
        return management

    def _choices(self, items: list[PlanItemInfo]) -> tuple[LinkChoice, ...]:
        choices = [LinkChoice(i.item_id, i.category, i.label) for i in items]
        planned = {i.category for i in items}
        choices += [
            LinkChoice(None, code, _("Other {kind}").format(kind=_(label).lower()))
            for code, label in SUPPORT_CATEGORIES.items()
            if code not in planned
        ]
        return tuple(choices)

    def _checked_link(
        self,
        session: Session,
        person_id: int,
        plan_item_id: int | None,
        category: str,
        items: dict[int, PlanItemInfo] | None = None,
    ) -> tuple[int | None, str]:
        if plan_item_id is not None:
            items = items if items is not None else all_agreed_items(session, person_id)
            if plan_item_id not in items:
                raise ValidationError(
                    FieldError("plan_item_id", _("Choose an item of this person's agreed plan."))
                )
            return plan_item_id, items[plan_item_id].category
        if category and category not in SUPPORT_CATEGORIES:
            raise ValidationError(FieldError("category", _("Choose a kind of support.")))
        return None, category

    def _account_text(self, management: ManagementInForce | None) -> str:
        if management is None:
            return ""
        parts = [s.option.label + (f" ({s.held_by})" if s.held_by else "") for s in management.shares]
        if management.account is not None:
            parts.append(management.account.describe())
        return "; ".join(parts)
