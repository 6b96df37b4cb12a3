"""What others have changed in the caseload: a cheap change counter for the windows to poll, and
the record of a save someone gave up for another person's version (issue 21).

The counter is the audit trail's newest event number (every change to the caseload writes one, in
the same transaction), read by its primary key: a single indexed read on SQLite and PostgreSQL
alike, however large the caseload.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from personalbudget.domain.roles import Permission
from personalbudget.errors import ConcurrentEditError
from personalbudget.services.context import ServiceContext
from personalbudget.services.edit_check import record_kept_theirs

_HEAD_SQL = text("SELECT max(id) FROM audit_event")
_BY_OTHERS_SQL = text("SELECT count(*) FROM audit_event WHERE id > :seen AND id <= :head AND actor <> :me")


@dataclass(frozen=True)
class ChangeMark:
    """How far the caseload's changes had got when it was read, and how many since the mark before
    were made by other people (other accounts, or other windows signed in as someone else)."""

    head: int
    by_others: int = 0


class ChangesService:
    def __init__(self, context: ServiceContext):
        self._ctx = context

    def mark(self) -> ChangeMark:
        """Where the caseload's changes are now (what a window has on screen after loading it)."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.engine.connect() as connection:
            return ChangeMark(int(connection.execute(_HEAD_SQL).scalar() or 0))

    def poll(self, seen: ChangeMark) -> ChangeMark:
        """Changes since ``seen``: the new mark, and how many were others'. Safe to call from a
        worker thread (its own connection); raises the driver's error when the database cannot be
        reached, for the caller to retry."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.engine.connect() as connection:
            head = int(connection.execute(_HEAD_SQL).scalar() or 0)
            if head <= seen.head:
                return ChangeMark(head)
            others = connection.execute(
                _BY_OTHERS_SQL, {"seen": seen.head, "head": head, "me": self._ctx.actor}
            ).scalar()
            return ChangeMark(head, int(others or 0))

    def record_kept_theirs(self, conflict: ConcurrentEditError) -> None:
        """The person chose the other person's version over their refused save: recorded."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        with self._ctx.db.session() as session:
            record_kept_theirs(session, conflict, self._ctx.actor)
