"""What others have changed in the caseload: a cheap change counter for the windows to poll, and
the record of a save someone gave up for another person's version (issue 21).

The counter is the audit trail's newest event number (every change to the caseload writes one, in
the same transaction), read from the trail's head in the settings by its primary key: a single
indexed read on SQLite and PostgreSQL alike, however large the caseload.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from personalbudget.domain.roles import Permission
from personalbudget.errors import ConcurrentEditError
from personalbudget.services.context import ServiceContext
from personalbudget.services.edit_check import record_kept_theirs
from personalbudget.storage.audit import HEAD_KEY

# The trail's head ("number:hash"), kept beside it in the same transaction as each event (on a
# server by the server: storage/postgres_security.py); everyone signed in may read the settings,
# where a server's row-level security would make max(id) of the trail search for a row they may see.
_HEAD_SQL = text(f"SELECT value FROM setting WHERE key = '{HEAD_KEY}'")  # (a constant)
# The records people think of as one change each (a person's details, a plan, a payment...); the
# rows that come with them (a plan's lines, the cycle's steps, a person's carers) are not counted
# again. Any event by others still counts as a change when none of these is among them.
RECORD_TABLES = (
    "person", "budget_assessment", "agreed_budget", "support_plan", "plan_decision", "budget_management",
    "support_arrangement", "ledger_transaction", "review", "person_contribution", "contribution_payment",
    "provider",
)  # fmt: skip
_BY_OTHERS_SQL = text(
    "SELECT count(*), coalesce(sum(CASE WHEN table_name IN ("
    + ", ".join(f"'{t}'" for t in RECORD_TABLES)  # (constants)
    + ") AND action <> 'resolve' THEN 1 ELSE 0 END), 0) "
    "FROM audit_event WHERE id > :seen AND id <= :head AND actor <> :me"
)


@dataclass(frozen=True)
class ChangeMark:
    """How far the caseload's changes had got when it was read, and how many since the mark before
    were made by other people (other accounts, or other windows signed in as someone else)."""

    head: int
    by_others: int = 0


def _head(connection: Connection) -> int:
    value = connection.execute(_HEAD_SQL).scalar()
    number = str(value or "0").split(":", 1)[0]
    return int(number) if number.isdigit() else 0


class ChangesService:
    def __init__(self, context: ServiceContext):
        self._ctx = context

    def mark(self) -> ChangeMark:
        """Where the caseload's changes are now (what a window has on screen after loading it)."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.engine.connect() as connection:
            return ChangeMark(_head(connection))

    def poll(self, seen: ChangeMark) -> ChangeMark:
        """Changes since ``seen``: the new mark, and how many were others'. Safe to call from a
        worker thread (its own connection); raises the driver's error when the database cannot be
        reached, for the caller to retry."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.engine.connect() as connection:
            head = _head(connection)
            if head <= seen.head:
                return ChangeMark(head)
            row = connection.execute(
                _BY_OTHERS_SQL, {"seen": seen.head, "head": head, "me": self._ctx.actor}
            ).one()
            events, records = int(row[0] or 0), int(row[1] or 0)
            return ChangeMark(head, max(records, 1) if events else 0)

    def record_kept_theirs(self, conflict: ConcurrentEditError) -> None:
        """The person chose the other person's version over their refused save: recorded."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.session() as session:
            record_kept_theirs(session, conflict, self._ctx.actor)
