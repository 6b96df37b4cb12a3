"""What every service is given: the database, the clock and who is acting."""

from __future__ import annotations

from dataclasses import dataclass

from personalbudget.clock import Clock
from personalbudget.storage.database import Database


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    clock: Clock
    actor: str  # the signed-in user; every change is attributed to them
