"""Use cases shared by the Qt UI and the CLI. Services own sessions, return DTOs and raise typed errors."""

from __future__ import annotations

from dataclasses import dataclass

from personalbudget.clock import Clock
from personalbudget.services.context import ServiceContext
from personalbudget.services.lifecycle_service import LifecycleService
from personalbudget.services.people_service import PeopleService
from personalbudget.storage.database import Database


@dataclass(frozen=True)
class Services:
    """The services for one open database and one signed-in user."""

    context: ServiceContext
    people: PeopleService
    lifecycle: LifecycleService


def build_services(db: Database, clock: Clock, actor: str) -> Services:
    context = ServiceContext(db=db, clock=clock, actor=actor)
    return Services(context=context, people=PeopleService(context), lifecycle=LifecycleService(context))
