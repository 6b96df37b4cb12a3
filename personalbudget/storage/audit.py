"""The audit trail: every change to the caseload, append-only, chained by hashes.

A listener on every session records, in the same transaction as the change
itself, who changed which record and which fields. Values are copied only for
fields that carry no personal details (steps, statuses, amounts, dates); for
names, notes and the like the trail says only that they changed. Each event's
hash covers the one before it, and the newest event's number and hash are kept
as the trail's head, so ``verify`` finds edited, removed and cut-off events. The
head goes into every export, so tampering is detectable from outside too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from personalbudget.i18n import _, ngettext

HEAD_KEY = "audit.head"
# On a team caseload the server appends the app's own events (storage/postgres_security.py).
SERVER_RECORD_EVENT = "SELECT pb_security.record_event(:action, :table, :row_id, :summary, :person)"
GENESIS = "0" * 64
# ledger_spend_total: kept totals of the ledger (storage/ledger_totals.py), whose rows are audited.
NOT_AUDITED = {"audit_event", "alembic_version", "ledger_spend_total"}
# Fields whose values are safe to copy into the trail; any other field is reported as changed only.
SAFE_FIELDS = {
    "id", "step", "current_step", "status", "number", "version", "budget_type", "stream", "quantity",
    "frequency", "category", "decision", "outcome_code", "kind", "from_step", "to_step", "position",
    "next_review_due", "active", "can_manage_users", "role", "mode", "option", "mechanism", "row_version",
}  # fmt: skip
SAFE_SUFFIXES = ("_id", "_pence", "_at", "_on", "_date", "_count", "_weeks")


def _safe(name: str) -> bool:
    return name in SAFE_FIELDS or name.endswith(SAFE_SUFFIXES)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "(binary)"
    return value


def _describe(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    fields: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        history = state.attrs[name].history
        if action == "update" and not history.has_changes():
            continue
        if action == "delete":
            before, after = state.attrs[name].value, None
        elif action == "insert":
            before, after = None, state.attrs[name].value
        else:
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        if action == "insert" and after is None:
            continue
        if _safe(name):
            fields[name] = [_plain(before), _plain(after)]
        elif action == "update":
            fields[name] = "changed"
        elif (before if action == "delete" else after) not in (None, ""):
            fields[name] = "set"
    return fields


def event_hash(
    prev_hash: str, number: int, at: str, actor: str, action: str, table: str, row_id: str, summary: str
) -> str:
    payload = json.dumps([prev_hash, number, at, actor, action, table, row_id, summary], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_event(
    session: Session, *, actor: str, action: str, table: str, row_id: str, summary: dict[str, Any]
) -> None:
    """Append one event to the trail, in the session's transaction.

    On a team caseload the server appends it (``storage/postgres_security.py``): the actor is the
    signed-in role, and the number, time and chain are the server's."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        person = summary.get("person_id")
        connection.execute(
            text(SERVER_RECORD_EVENT),
            {
                "action": action,
                "table": table,
                "row_id": row_id,
                "summary": json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str),
                "person": person if isinstance(person, int) else None,
            },
        )
        return
    last = connection.execute(text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")).first()
    number, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    summary_text = json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str)
    digest = event_hash(prev_hash, number, at, actor, action, table, row_id, summary_text)
    connection.execute(
        text(
            "INSERT INTO audit_event (id, at, actor, action, table_name, row_id, summary, prev_hash, hash) "
            "VALUES (:id, :at, :actor, :action, :table, :row_id, :summary, :prev, :hash)"
        ),
        {
            "id": number,
            "at": at,
            "actor": actor,
            "action": action,
            "table": table,
            "row_id": row_id,
            "summary": summary_text,
            "prev": prev_hash,
            "hash": digest,
        },
    )
    connection.execute(
        text(
            "INSERT INTO setting (key, value) VALUES (:key, :value) ON CONFLICT(key) DO UPDATE SET value = :value"
        ),
        {"key": HEAD_KEY, "value": f"{number}:{digest}"},
    )


def _after_flush(session: Session, flush_context: Any) -> None:
    if not session.info.get("audited") or session.info.get("audit_bulk"):
        return  # an old schema without the trail, or a bulk load (the demo) that records one summary event
    if session.get_bind().dialect.name == "postgresql":
        return  # a team caseload: the server's trigger writes each change's event (no double events)
    actor = session.info.get("actor", "system")
    changes = (
        [("insert", o) for o in session.new]
        + [("update", o) for o in session.dirty]
        + [("delete", o) for o in session.deleted]
    )
    for action, obj in changes:
        table = getattr(obj, "__tablename__", None)
        if table is None or table in NOT_AUDITED:
            continue
        if action == "update" and not session.is_modified(obj, include_collections=False):
            continue
        summary = _describe(obj, action)
        if action == "update" and not summary:
            continue
        key = inspect(obj).mapper.primary_key_from_instance(obj)
        row_id = ",".join(str(part) for part in key)
        record_event(session, actor=actor, action=action, table=table, row_id=row_id, summary=summary)


def install() -> None:
    """Audit every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# -- verification --------------------------------------------------------------------------------


@dataclass
class AuditReport:
    events: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _server_trail_length(connection: Any) -> int | None:
    """On a team caseload's server, how many events the whole trail has (None on a laptop)."""
    try:
        known = connection.execute(
            "SELECT to_regprocedure('pb_security.trail_length()') IS NOT NULL"
        ).fetchone()
    except Exception:  # SQLite has no such function: a laptop's caseload
        return None
    if not known or not known[0]:
        return None
    return int(connection.execute("SELECT pb_security.trail_length()").fetchone()[0])


def verify(connection: Any) -> AuditReport:
    """Check the whole chain on a DB-API connection: edits, removals and a cut-off end are all found."""
    report = AuditReport()
    whole = _server_trail_length(connection)
    rows = connection.execute(
        "SELECT id, at, actor, action, table_name, row_id, summary, prev_hash, hash FROM audit_event ORDER BY id"
    ).fetchall()
    expected_prev = GENESIS
    for index, (number, at, actor, action, table, row_id, summary, prev_hash, digest) in enumerate(
        rows, start=1
    ):
        if isinstance(at, datetime):  # a server gives a moment, a laptop the text that was hashed
            at = (
                (at if at.tzinfo else at.replace(tzinfo=UTC))
                .astimezone(UTC)
                .isoformat(timespec="microseconds")
            )
        if number != index:
            report.problems.append(
                _("Event {n} is missing (the trail jumps to {m}).").format(n=index, m=number)
            )
            break
        if prev_hash != expected_prev:
            report.problems.append(
                _("Event {n} does not follow on from the event before it.").format(n=number)
            )
        if event_hash(prev_hash, number, at, actor, action, table, row_id, summary) != digest:
            report.problems.append(_("Event {n} has been changed since it was written.").format(n=number))
        expected_prev = digest
    report.events = len(rows)
    report.head = expected_prev
    if whole is not None and whole > len(rows):  # row-level security shows this role part of it
        report.problems.insert(
            0,
            ngettext(
                "This account can read {n} of the trail's {total} event, so the whole trail cannot be "
                "checked: the database administrator gives the checking role the pb_auditor group.",
                "This account can read {n} of the trail's {total} events, so the whole trail cannot be "
                "checked: the database administrator gives the checking role the pb_auditor group.",
                whole,
            ).format(n=len(rows), total=whole),
        )
        return report
    head = connection.execute(
        f"SELECT value FROM setting WHERE key = '{HEAD_KEY}'"
    ).fetchone()  # (a constant)
    recorded = head[0] if head else None
    actual = f"{report.events}:{report.head}" if rows else None
    if recorded != actual:
        report.problems.append(
            _(
                "The trail ends at event {n}, but its recorded end is {head}: events have been removed."
            ).format(n=report.events, head=(recorded or "none").split(":")[0])
        )
    return report
