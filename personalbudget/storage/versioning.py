"""Optimistic concurrency: a version number on each row people edit, checked at every update.

Each editable table has a ``row_version`` column that SQLAlchemy's ``version_id_col`` raises by one
at every UPDATE, whose WHERE clause names the version the session read: a save racing with another
window's (or machine's) on the same row matches no row and fails as a whole (``StaleDataError``,
turned into ``ConcurrentEditError`` by the services). The services also compare the version the
person's screen was built from with the row's before they change anything (``services/edit_check``).

Who changed a record, and when, comes from the audit trail: the record's newest events (the
version itself is not a field of the trail's updates, on a laptop as on a server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Integer, text
from sqlalchemy.orm import declared_attr

ROW_VERSION = "row_version"
# The tables whose rows carry a version (migration r0011 adds the column to each).
VERSIONED_TABLES = (
    "person", "representative", "budget_assessment", "agreed_budget", "support_plan", "plan_support_item",
    "budget_management", "support_arrangement", "ledger_transaction", "review", "person_contribution",
)  # fmt: skip


def version_column() -> Column[int]:
    return Column(ROW_VERSION, Integer, nullable=False, server_default="1", default=1)


def _mapper_args(cls: Any) -> dict[str, Any]:
    return {"version_id_col": cls.__table__.c[ROW_VERSION]}


# Given to each versioned table as ``__mapper_args__``.
versioned: Any = declared_attr(_mapper_args)  # type: ignore[arg-type]  # (declared_attr types only columns)


@dataclass(frozen=True)
class RowChange:
    """One audited change of a row: who (the account name), when (ISO text) and the version it made."""

    actor: str
    at: str
    version: int | None
    fields: tuple[str, ...]


def changes_since(connection: Any, table: str, row_id: str, version: int, limit: int = 50) -> list[RowChange]:
    """The audited changes of one row since it was at ``version``, oldest first (where the trail
    does not say which version an event made, its newest events: the last is the latest change).

    An indexed read (``ix_audit_event_row``) of the row's newest events only."""
    rows = connection.execute(
        text(
            "SELECT actor, at, action, summary FROM audit_event WHERE table_name = :t AND row_id = :r "
            "ORDER BY id DESC LIMIT :n"
        ),
        {"t": table, "r": row_id, "n": limit},
    ).fetchall()
    found: list[RowChange] = []
    for actor, at, action, summary in rows:
        try:
            fields = json.loads(summary) if summary else {}
        except ValueError:
            fields = {}
        made = fields.get(ROW_VERSION) if isinstance(fields, dict) else None
        made_version = made[1] if isinstance(made, list) and len(made) == 2 else None
        if action == "insert" and made_version is None:
            made_version = 1
        if made_version is not None and isinstance(made_version, int) and made_version <= version:
            break
        if action in ("insert", "update"):
            names = tuple(k for k in fields if k != ROW_VERSION) if isinstance(fields, dict) else ()
            found.append(RowChange(str(actor), str(at), made_version, names))
    return list(reversed(found))


def display_name(connection: Any, username: str) -> str:
    """The account's name as people know it (the username when there are no accounts)."""
    row = connection.execute(
        text("SELECT display_name FROM app_user WHERE username = :u"), {"u": username}
    ).first()
    return str(row[0]) if row and row[0] else username
