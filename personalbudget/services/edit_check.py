"""Optimistic concurrency in the services: a save names the version of the record it was read at,
and is refused, with who, when and what, if someone else saved the record since.

Every save that takes ``base`` (the result the screen was built from, carrying ``row_version``)
compares it with the row before changing anything; ``version_id_col`` (storage/versioning.py)
catches the rarer race between that check and the write. Nothing is written when either refuses.
A save made on purpose over someone else's (``resolution``) is recorded in the audit trail in the
same transaction, as is "keep theirs" (``record_kept_theirs``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, SQLModel

from personalbudget.errors import ConcurrentEditError, FieldChange
from personalbudget.i18n import _, format_date, format_money, format_time
from personalbudget.storage.audit import record_event
from personalbudget.storage.versioning import changes_since, display_name

# How a conflict was settled, as the audit trail records it.
KEPT_THEIRS = "kept_theirs"
SAVED_MINE = "saved_mine"  # the whole of mine saved over theirs
MERGED = "merged"  # field by field: some theirs, some mine
RESOLUTIONS = (KEPT_THEIRS, SAVED_MINE, MERGED)


@dataclass(frozen=True)
class Resolution:
    """A save made knowing it goes over someone else's change (after a ``ConcurrentEditError``)."""

    outcome: str  # SAVED_MINE or MERGED
    over_version: int  # the version saved over (the error's current_version)
    fields: tuple[str, ...] = ()  # the fields where mine replaced theirs

    def __post_init__(self) -> None:
        if self.outcome not in (SAVED_MINE, MERGED):
            raise ValueError(f"not a resolution: {self.outcome!r}")


def shown(value: Any, key: str = "") -> str:
    """A value as a person reads it in the conflict dialog."""
    if value is None or value == "" or value == () or value == []:
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) and key.endswith("_pence"):
        return format_money(value)
    if isinstance(value, datetime):
        return _("{date} at {time}").format(date=format_date(value.date()), time=format_time(value))
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Enum):
        label = getattr(value, "label", None)  # the vocabularies' words, where the value has them
        return str(label) if isinstance(label, str) else str(value.value)
    if isinstance(value, tuple | list):
        return "; ".join(shown(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        parts = [(f.name, getattr(value, f.name)) for f in fields(value)]
        return ", ".join(shown(part, name) for name, part in parts if part not in (None, ""))
    return str(value)


def when_text(at: str) -> str:
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return shown(moment)


def check_unchanged(
    session: Session,
    row: SQLModel,
    base_version: int | None,
    *,
    record: str,
    labels: Mapping[str, str],
    base: Mapping[str, Any],
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    current: Callable[[], object],
    actor: str,
    resolution: Resolution | None = None,
) -> None:
    """Refuse the save if ``row`` is no longer at ``base_version`` (None: the caller read nothing
    to compare, e.g. a new record). Otherwise, record a ``resolution`` in the audit trail.

    ``labels`` names the fields a person can see, in order; ``base``, ``theirs`` and ``mine`` give
    their values as read, as saved now and as being saved; ``current`` builds the record as it is now
    (returned on the error so the screen can reload it or save over it)."""
    version = int(getattr(row, "row_version"))  # noqa: B009 (every versioned table has it)
    table = str(getattr(row, "__tablename__"))  # noqa: B009
    row_id = str(getattr(row, "id"))  # noqa: B009
    if base_version is None or version == base_version:
        if resolution is not None:
            record_event(
                session,
                actor=actor,
                action="resolve",
                table=table,
                row_id=row_id,
                summary={
                    "outcome": resolution.outcome,
                    "over_version": resolution.over_version,
                    "fields": list(resolution.fields),
                },
            )
        return
    connection = session.connection()
    changes = changes_since(connection, table, row_id, base_version)
    last = changes[-1] if changes else None
    who = display_name(connection, last.actor) if last else _("Someone else")
    changed = tuple(
        FieldChange(
            field=key,
            label=_(label),
            base=shown(base.get(key), key),
            theirs=shown(theirs.get(key), key),
            mine=shown(mine.get(key), key),
        )
        for key, label in labels.items()
        if base.get(key) != theirs.get(key)
    )
    raise ConcurrentEditError(
        record=record,
        changed_by=who,
        changed_at=when_text(last.at) if last else _("a moment ago"),
        fields=changed,
        current=current(),
        table=table,
        row_id=row_id,
        current_version=version,
    )


def record_kept_theirs(session: Session, conflict: ConcurrentEditError, actor: str) -> None:
    """Record in the audit trail that a refused save was dropped for the other person's version."""
    record_event(
        session,
        actor=actor,
        action="resolve",
        table=conflict.table,
        row_id=conflict.row_id,
        summary={
            "outcome": KEPT_THEIRS,
            "over_version": conflict.current_version,
            "fields": [f.field for f in conflict.fields],
        },
    )


def values_of(
    obj: object, keys: Mapping[str, str], normalise: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """The fields ``keys`` of ``obj`` (a result or a form), each normalised to compare like with like."""
    out: dict[str, Any] = {}
    for key in keys:
        value = getattr(obj, key, None)
        out[key] = normalise[key](value) if key in normalise else value
    return out


def touch(session: Session, row: SQLModel, attribute: str) -> None:
    """Make the save a new version of ``row`` even when none of its own columns changed (only the
    rows that come with it, e.g. a person's carers or a plan's lines)."""
    if row in session and not session.is_modified(row, include_collections=False):
        flag_modified(row, attribute)
