"""A write to a person held offline, refused by the server's guard (``pb_security.offline_guard``,
storage/postgres_security.py), told in words: who holds them, on which laptop, since when.

``ServerDatabase`` listens with ``say_held_offline`` on its engine, so every service meets the
refusal as ``HeldOfflineError``, as a modified client meets the guard itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from personalbudget.errors import HeldOfflineError
from personalbudget.i18n import _, format_date, format_time
from personalbudget.storage.postgres_security import HELD_OFFLINE


def held_offline_error(problem: BaseException | None) -> HeldOfflineError | None:
    """The server's refusal of a write to a held person (``pb_security.offline_guard``), in words."""
    cause = getattr(problem, "orig", None)
    if getattr(cause, "sqlstate", None) != HELD_OFFLINE:
        return None
    try:
        detail = json.loads(cause.diag.message_detail or "{}")  # type: ignore[union-attr]
        since = datetime.fromisoformat(str(detail["since"]))
    except (ValueError, KeyError, AttributeError):
        return HeldOfflineError(holder="?", laptop="?", since="?")
    return HeldOfflineError(
        holder=str(detail.get("name") or detail.get("by")),
        laptop=str(detail.get("laptop")),
        since=moment_text(since),
    )


def moment_text(moment: datetime) -> str:
    return _("{date} at {time}").format(date=format_date(moment.date()), time=format_time(moment))


def say_held_offline(context: Any) -> None:
    """A ``handle_error`` listener on a team caseload's engine: a write refused because the person
    is held offline becomes ``HeldOfflineError`` (who holds them, on which laptop, since when)."""
    error = held_offline_error(context.sqlalchemy_exception)
    if error is not None:
        raise error from context.sqlalchemy_exception
