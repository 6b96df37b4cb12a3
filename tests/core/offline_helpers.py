"""A team caseload for the offline tests (issue 22): a demo caseload on the session's throwaway
PostgreSQL server with a manager, two practitioners (each with a laptop), an approver and a broker
(linked to people 0 and 3), built once per module and copied for each test (``CREATE DATABASE ...
TEMPLATE``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from personalbudget.clock import SystemClock
from personalbudget.domain.person import PersonForm, RepresentativeForm
from personalbudget.domain.roles import Role
from personalbudget.services import Services, build_services, offline_service
from personalbudget.services.context import ActingDatabase
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.user_service import UserService
from personalbudget.storage import postgres_security
from personalbudget.storage.database import Database
from personalbudget.storage.server import ServerDatabase, open_server_database
from tests.postgres_cluster import PostgresDatabase, PostgresServer

PASSWORD = "a long password"
PEOPLE = 6


@dataclass
class Office:
    """The team caseload of one test: who is who, whose people are whose."""

    pg: PostgresDatabase
    names: dict[str, str]  # manager, nia, ned, ann, bob -> account names
    people: list[int]  # 0-2 allocated to nia, 3 to ned, 4-5 on the waiting list

    def open(self, who: str) -> ServerDatabase:
        return open_server_database(self.pg.url(user=self.names[who], password=PASSWORD))

    def admin(self):  # type: ignore[no-untyped-def]
        return self.pg.connect()

    def raw(self, who: str) -> psycopg.Connection[Any]:
        """A connection of the account's own, not through the app (psql, or a modified client)."""
        return psycopg.connect(self.pg.url(user=self.names[who], password=PASSWORD), autocommit=True)

    def one(self, sql: str, *args: object) -> Any:
        """The first row of a query, as the DBA."""
        with self.admin() as connection:
            return connection.execute(sql, args).fetchone()

    def count(self, sql: str, *args: object) -> int:
        return int(self.one(sql, *args)[0])

    def open_as_dba(self) -> ServerDatabase:
        return open_server_database(self.pg.superuser_url)


def build_office_template(server: PostgresServer, template: str) -> tuple[str, dict[str, str], list[int]]:
    name = f"pb_offline_{secrets.token_hex(6)}"
    with server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    pg = PostgresDatabase(server, name)
    database = open_server_database(pg.superuser_url)
    try:
        with database.engine.begin() as connection:
            postgres_security.apply(connection)
        clock = SystemClock()
        system = build_services(database, clock, actor="dba", system=True)
        build_demo_caseload(system.context, people=PEOPLE, seed=11)
        with database.engine.connect() as connection:
            people = [r[0] for r in connection.exec_driver_sql("SELECT id FROM person ORDER BY id")]
        suffix = secrets.token_hex(3)
        names = {key: f"{key}.{suffix}" for key in ("manager", "nia", "ned", "ann", "bob")}
        users = UserService(ActingDatabase(database, "dba"), clock)
        manager = users.create_user(
            names["manager"], "Meg Manager", PASSWORD, Role.PRACTITIONER, team="North"
        )
        users.create_user(names["nia"], "Nia North", PASSWORD, Role.PRACTITIONER, by=manager, team="North")
        users.create_user(names["ned"], "Ned North", PASSWORD, Role.PRACTITIONER, by=manager, team="North")
        users.create_user(names["ann"], "Ann Approver", PASSWORD, Role.APPROVER, by=manager)
        users.create_user(
            names["bob"], "Bob Broker", PASSWORD, Role.BROKER, by=manager, people=(people[0], people[3])
        )
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE allocation SET ended_at = now(), ended_by = 'dba' WHERE ended_at IS NULL"
            )
            for person, worker in (
                (people[0], "nia"),
                (people[1], "nia"),
                (people[2], "nia"),
                (people[3], "ned"),
            ):
                connection.exec_driver_sql(
                    "INSERT INTO allocation (person_id, worker, started_at, started_by, reason, ended_by) "
                    "VALUES (%(p)s, %(w)s, now(), 'dba', 'test', '')",
                    {"p": person, "w": names[worker]},
                )
    finally:
        database.close()
    return name, names, people


@pytest.fixture(scope="module", name="office_template")
def office_template_fixture(
    pg_server: PostgresServer, pg_template: str
) -> Iterator[tuple[str, dict[str, str], list[int]]]:
    built = build_office_template(pg_server, pg_template)
    yield built
    with pg_server.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{built[0]}" WITH (FORCE)')
        for name in built[1].values():
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture(name="office")
def office_fixture(pg_server: PostgresServer, office_template) -> Iterator[Office]:  # type: ignore[no-untyped-def]
    template, names, people = office_template
    name = f"pb_office_{secrets.token_hex(6)}"
    with pg_server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield Office(PostgresDatabase(pg_server, name), names, people)
    with pg_server.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def take_as(office: Office, who: str, path: Path, keys, people, name: str = "laptop-a", **kwargs):  # type: ignore[no-untyped-def]
    """``who`` takes ``people`` offline to the laptop caseload at ``path`` (named ``name``)."""
    server = office.open(who)
    try:
        return offline_service.take_offline(server, path, keys, people, laptop_name=name, **kwargs)
    finally:
        server.close()


def sync_as(office: Office, who: str, laptop: Database, **kwargs):  # type: ignore[no-untyped-def]
    """The laptop's sync, signed in to the server as ``who``."""
    server = office.open(who)
    try:
        return offline_service.sync(laptop, server, **kwargs)
    finally:
        server.close()


def submit_on_server(office: Office, person_id: int) -> None:
    """Nia writes and submits the person's plan on the server, before the visit."""
    nia = office.open("nia")
    try:
        services = build_services(nia, SystemClock(), office.names["nia"])
        draft = services.plans.starting_draft(person_id)
        services.plans.save_draft(person_id, draft, base=services.plans.get_plan(person_id))
        services.plans.submit(person_id, "Agreed at the office")
    finally:
        nia.close()


def laptop_services(laptop: Database, actor: str) -> Services:
    return build_services(laptop, SystemClock(), actor=actor)


def move_person(services: Services, person_id: int, locality: str, carer: str | None = None) -> None:
    """Change a person's details as the person's page does (their locality; their carer's name,
    which replaces their representatives' rows)."""
    details = services.people.get_person(person_id)
    reps = [
        RepresentativeForm(r.name, r.role, r.relationship, r.phone, r.email) for r in details.representatives
    ]
    if carer is not None:
        reps = [RepresentativeForm(carer, "carer", "friend", "07700 900456")]
    form = PersonForm(
        name=details.name,
        date_of_birth=details.date_of_birth,
        locality=locality,
        primary_support_reason=details.primary_support_reason,
        nhs_number=details.nhs_number or "",
        representatives=reps,
    )
    services.people.update_person(person_id, form, base=details)


def laptop_path(tmp_path: Path, name: str = "laptop-a") -> Path:
    return tmp_path / f"{name}.db"
