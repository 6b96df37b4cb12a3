"""Offline visits with a team caseload (issue 22): take people offline to a laptop, hold them on the
server (read-only to everyone else: tests/attacks/test_held_offline_guard.py attacks that), sync back field by field with
conflicts, resolve them, revoke a lost laptop's holds. Two laptops and one real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from personalbudget.errors import HeldOfflineError
from personalbudget.services import offline_service
from personalbudget.services.offline_service import KEEP_MINE, KEEP_THEIRS, OfflineRefusedError
from personalbudget.storage.database import open_database
from personalbudget.storage.offline_copy import Cancelled
from tests.core.helpers import verify_trail
from tests.core.offline_helpers import (  # noqa: F401  (fixtures)
    PASSWORD,
    Office,
    laptop_path,
    laptop_services,
    move_person,
    office_fixture,
    office_template_fixture,
    sync_as,
    take_as,
)


def test_taking_people_offline_copies_their_records_and_holds_them(office: Office, tmp_path, keys) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    report = take_as(office, "nia", path, keys, [p[0], p[1]])
    assert report.people == (p[0], p[1]) and report.rows["person"] == 2 and report.events > 0
    laptop = open_database(path, keys)
    try:
        assert laptop.encrypted
        with laptop.engine.connect() as connection:
            on_laptop = {
                r[0]: r[1] for r in connection.execute(text("SELECT id, row_version FROM person ORDER BY id"))
            }
            holds = connection.execute(text("SELECT person_id, held_by FROM offline_hold")).fetchall()
            originals = connection.execute(text("SELECT count(*) FROM offline_original")).scalar()
        with office.admin() as connection:
            on_server = dict(
                connection.execute(
                    "SELECT id, row_version FROM person WHERE id IN (%s, %s)", (p[0], p[1])
                ).fetchall()
            )
            plans = connection.execute(
                "SELECT count(*) FROM support_plan WHERE person_id IN (%s, %s)", (p[0], p[1])
            ).fetchone()[0]
        assert on_laptop == on_server  # ids and row versions kept
        assert sorted(holds) == [(p[0], office.names["nia"]), (p[1], office.names["nia"])]
        assert originals > plans > 0
        report_trail = verify_trail(laptop)
        assert report_trail.ok, report_trail.problems
        services = laptop_services(laptop, office.names["nia"])
        assert {row.person_id for row in services.people.list_caseload()} == {p[0], p[1]}
    finally:
        laptop.close()
    # Others see who holds them and since when, and can still read them.
    ned = office.open("ned")
    try:
        seen = offline_service.holds(ned)
        assert seen == []  # ned does not reach nia's people, nor their holds
    finally:
        ned.close()
    manager = office.open("manager")
    try:
        seen = offline_service.holds(manager)
        assert {(h.person_id, h.holder, h.laptop) for h in seen} == {
            (p[0], "Nia North", "laptop-a"),
            (p[1], "Nia North", "laptop-a"),
        }
    finally:
        manager.close()


def test_a_held_person_is_read_only_on_the_server_and_others_see_who_holds_them(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    take_as(office, "nia", laptop_path(tmp_path), keys, [p[4]])  # the waiting list: ned reaches them too
    ned = office.open("ned")
    try:
        services = laptop_services(ned, office.names["ned"])  # (the same services, on the server)
        assert services.people.get_person(p[4]).id == p[4]  # still read
        assert [(h.person_id, h.holder, h.laptop) for h in offline_service.holds(ned)] == [
            (p[4], "Nia North", "laptop-a")
        ]  # and who holds them, since when
        one = offline_service.hold_of(ned, p[4])  # (the workspace's line asks for that person only)
        assert one is not None and (one.person_id, one.holder, one.laptop) == (p[4], "Nia North", "laptop-a")
        assert offline_service.hold_of(ned, p[3]) is None  # (not held)
        with pytest.raises(HeldOfflineError, match=r"held offline by Nia North on laptop-a since"):
            move_person(services, p[4], "Elsewhere")
    finally:
        ned.close()
    # A second laptop cannot take them.
    with pytest.raises(OfflineRefusedError, match="held offline by Nia North on laptop-a"):
        take_as(office, "ned", laptop_path(tmp_path, "laptop-b"), keys, [p[4]], name="laptop-b")
    assert not laptop_path(tmp_path, "laptop-b").exists()  # (nothing left of the attempt)


def test_a_cancelled_take_offline_leaves_neither_side_changed(office: Office, tmp_path, keys) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    before = office.count("SELECT count(*) FROM audit_event")
    steps: list[str] = []

    def progress(what: str, done: int, of: int) -> None:
        steps.append(what)

    with pytest.raises(Cancelled):
        take_as(
            office,
            "nia",
            path,
            keys,
            [p[0], p[1]],
            progress=progress,
            cancelled=lambda: "plan_cycle" in steps,
        )
    assert office.count("SELECT count(*) FROM offline_hold") == 0
    assert office.count("SELECT count(*) FROM audit_event") == before
    assert not path.exists()


def test_sync_applies_the_laptops_changes_with_its_events_and_releases_the_hold(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0], p[1]])
    laptop = open_database(path, keys)
    try:
        services = laptop_services(laptop, office.names["nia"])
        move_person(
            services, p[0], "Harbour Row", carer="Owen Jones"
        )  # a carer replaced: rows removed and added
        move_person(
            laptop_services(laptop, "visit.carer"), p[1], "Upper Mill"
        )  # the person's carer, at the visit
        with laptop.engine.begin() as connection:  # a shared record changed on the laptop: not sent, but said
            connection.execute(
                text(
                    "UPDATE provider SET name = name || ' (laptop)' WHERE id = (SELECT min(id) FROM provider)"
                )
            )
        before = office.count("SELECT max(id) FROM audit_event")
        first = sync_as(office, "nia", laptop)
        assert [(s.person_id, s.status) for s in first.people] == [(p[0], "applied"), (p[1], "applied")]
        assert first.unsent == {"provider": 1}
        again = sync_as(office, "nia", laptop)  # nothing held any more: nothing sent twice
        assert again.people == []
        assert verify_trail(laptop).ok
        with laptop.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM person")).scalar() == 0  # the copy went
    finally:
        laptop.close()
    with office.admin() as connection:
        rows = dict(connection.execute("SELECT id, locality FROM person WHERE id IN (%s, %s)", (p[0], p[1])))
        carers = [
            r[0] for r in connection.execute("SELECT name FROM representative WHERE person_id = %s", (p[0],))
        ]
        synced = connection.execute("SELECT count(*) FROM offline_sync").fetchone()[0]
        holds = connection.execute("SELECT count(*) FROM offline_hold WHERE released_at IS NULL").fetchone()[
            0
        ]
        events = connection.execute(
            "SELECT actor, action, table_name FROM audit_event WHERE person_id = %s AND id > %s "
            "AND table_name IN ('person', 'representative') ORDER BY id",
            (p[0], before),
        ).fetchall()
    assert rows == {p[0]: "Harbour Row", p[1]: "Upper Mill"}
    assert carers == ["Owen Jones"]
    assert synced == 2 and holds == 0
    # The laptop's own events, by the practitioner, once each (the server's trigger adds none for the sync).
    assert {e[0] for e in events} == {office.names["nia"]}
    with office.admin() as connection:  # who it was on the laptop, when not the holder, is kept
        authors = connection.execute(
            "SELECT summary::jsonb ->> 'offline_author', actor FROM audit_event WHERE person_id = %s AND id > %s "
            "AND table_name = 'person' AND action = 'update'",
            (p[1], before),
        ).fetchall()
    assert authors == [("visit.carer", office.names["nia"])]
    assert sorted(e[1:] for e in events).count(("update", "person")) == 1
    server = office.open_as_dba()
    try:
        trail = verify_trail(server)
        assert trail.ok, trail.problems
    finally:
        server.close()
    # And the person can be changed on the server again.
    nia = office.open("nia")
    try:
        move_person(laptop_services(nia, office.names["nia"]), p[1], "Back Lane")
    finally:
        nia.close()


def test_a_change_on_the_server_meanwhile_is_a_conflict_field_by_field_and_nothing_is_applied(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0], p[2]])
    with (
        office.admin() as connection
    ):  # the DBA's import (not bound by the hold), as a payment import would be
        connection.execute(
            "UPDATE person SET locality = 'Server Street', row_version = row_version + 1 WHERE id = %s",
            (p[0],),
        )
    laptop = open_database(path, keys)
    try:
        services = laptop_services(laptop, office.names["nia"])
        move_person(services, p[0], "Laptop Lane", carer="Owen Jones")
        move_person(services, p[2], "Quiet Close")
        report = sync_as(office, "nia", laptop)
        statuses = {s.person_id: s.status for s in report.people}
        assert statuses == {p[0]: "conflicts", p[2]: "applied"}  # one transaction per person
        person_sync = report.with_conflicts[0]
        views = report.conflicts_of(p[0])
        person_conflict = next(v for v in views if v.table == "person")
        locality = next(f for f in person_conflict.fields if f.field == "locality")
        assert (locality.label, locality.mine, locality.theirs) == (
            "Locality",
            "Laptop Lane",
            "Server Street",
        )
        assert locality.original not in ("Laptop Lane", "Server Street")
        assert (
            office.count(
                "SELECT count(*) FROM representative WHERE person_id = %s AND name = 'Owen Jones'",
                p[0],
            )
            == 0
        )
        with pytest.raises(OfflineRefusedError, match="Choose"):
            offline_service.resolve(laptop, person_sync, {})
        choices = {(c.table, c.row_id): {f.field: KEEP_MINE for f in c.fields} for c in person_sync.conflicts}
        choices[("person", p[0])] = (
            {
                f.field: (KEEP_THEIRS if f.field == "locality" else KEEP_MINE)
                for f in person_sync.conflicts[0].fields
            }
            if person_sync.conflicts[0].table == "person"
            else choices[("person", p[0])]
        )
        offline_service.resolve(laptop, person_sync, choices)
        second = sync_as(office, "nia", laptop)
        assert [(s.person_id, s.status) for s in second.people] == [(p[0], "applied")]
    finally:
        laptop.close()
    with office.admin() as connection:
        assert (
            connection.execute("SELECT locality FROM person WHERE id = %s", (p[0],)).fetchone()[0]
            == "Server Street"
        )
        assert [
            r[0] for r in connection.execute("SELECT name FROM representative WHERE person_id = %s", (p[0],))
        ] == ["Owen Jones"]
        assert (
            connection.execute("SELECT locality FROM person WHERE id = %s", (p[2],)).fetchone()[0]
            == "Quiet Close"
        )


def test_a_revoked_hold_makes_every_change_a_conflict_never_applied_or_dropped_silently(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[1]])
    nia = office.open("nia")
    try:
        with pytest.raises(OfflineRefusedError, match="manager"):
            offline_service.revoke_laptop_holds(nia, "laptop-a")
    finally:
        nia.close()
    manager = office.open("manager")
    try:
        assert offline_service.hold_of(manager, p[1]) is not None
        assert offline_service.revoke_laptop_holds(manager, "laptop-a") == 1
        assert offline_service.hold_of(manager, p[1]) is None  # (changeable on the server again)
    finally:
        manager.close()
    with office.admin() as connection:
        revoked = connection.execute(
            "SELECT actor FROM audit_event WHERE table_name = 'offline_hold' AND action = 'update' ORDER BY id DESC"
        ).fetchone()[0]
    assert revoked == office.names["manager"]
    laptop = open_database(path, keys)
    try:
        move_person(laptop_services(laptop, office.names["nia"]), p[1], "Lost Laptop Lane")
        report = sync_as(office, "nia", laptop)
        assert report.people[0].status == "conflicts" and report.people[0].revoked
        assert {c.reason for c in report.people[0].conflicts} == {"hold_revoked"}
        assert office.count("SELECT count(*) FROM person WHERE locality = 'Lost Laptop Lane'") == 0
        sync = report.people[0]
        offline_service.resolve(laptop, sync, {(c.table, c.row_id): {"*": KEEP_MINE} for c in sync.conflicts})
        assert sync_as(office, "nia", laptop).people[0].status == "applied"
    finally:
        laptop.close()
    assert office.count("SELECT count(*) FROM person WHERE locality = 'Lost Laptop Lane'") == 1


def test_two_laptops_and_one_server(office: Office, tmp_path, keys) -> None:
    p = office.people
    a, b = laptop_path(tmp_path, "laptop-a"), laptop_path(tmp_path, "laptop-b")
    take_as(office, "nia", a, keys, [p[0]], name="laptop-a")
    take_as(office, "ned", b, keys, [p[3]], name="laptop-b")
    for who, path, person, place in (("nia", a, p[0], "Alpha Road"), ("ned", b, p[3], "Beta Road")):
        laptop = open_database(path, keys)
        try:
            move_person(laptop_services(laptop, office.names[who]), person, place)
            with pytest.raises(OfflineRefusedError, match="held by"):  # each laptop syncs as its holder
                sync_as(office, "ned" if who == "nia" else "nia", laptop)
            assert sync_as(office, who, laptop).people[0].status == "applied"
            assert verify_trail(laptop).ok
        finally:
            laptop.close()
    assert office.count("SELECT count(*) FROM person WHERE locality IN ('Alpha Road', 'Beta Road')") == 2
    server = office.open_as_dba()
    try:
        assert verify_trail(server).ok
    finally:
        server.close()


def test_the_command_line_takes_offline_syncs_settles_conflicts_and_revokes(
    office: Office, tmp_path, keys, monkeypatch, capsys
) -> None:
    from personalbudget.cli import run

    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)
    p = office.people
    path = laptop_path(tmp_path)
    address = office.pg.url(user=office.names["nia"], password="")
    monkeypatch.setenv("PERSONALBUDGET_USER", office.names["nia"])
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    assert run(["team", "take-offline", "--db", address, "--to", str(path), str(p[0]), str(p[1])]) == 0
    assert "Took 2 people offline" in capsys.readouterr().out
    assert run(["team", "holds", "--db", address]) == 0
    assert "held by Nia North on" in capsys.readouterr().out
    laptop = open_database(path, keys)
    try:
        move_person(laptop_services(laptop, office.names["nia"]), p[0], "Mine Street")
    finally:
        laptop.close()
    with office.admin() as connection:
        connection.execute("UPDATE person SET locality = 'Theirs Street' WHERE id = %s", (p[0],))
    assert run(["team", "sync", "--db", str(path), "--to", address]) == 1
    out = capsys.readouterr().out
    assert "Synced 1 person." in out and "locality: yours Mine Street; the server's Theirs Street" in out
    assert run(["team", "sync", "--db", str(path), "--to", address, "--keep", "mine"]) == 0
    assert "Synced 1 person." in capsys.readouterr().out
    assert office.count("SELECT count(*) FROM person WHERE locality = 'Mine Street'") == 1
    # A manager revokes a laptop's holds.
    assert run(["team", "take-offline", "--db", address, "--to", str(path), str(p[2])]) == 0
    monkeypatch.setenv("PERSONALBUDGET_USER", office.names["manager"])
    host = __import__("socket").gethostname()
    assert run(["team", "revoke", "--db", address, "--laptop", host]) == 0
    assert "Revoked 1 hold" in capsys.readouterr().out


def test_done_when_five_people_go_offline_the_server_goes_away_and_the_approver_sees_the_plan(
    office: Office, tmp_path, keys, pg_server
) -> None:
    """The issue's "done when": five people taken offline, the server gone while they are assessed
    and planned, back for the sync; the approver then sees the submitted plan."""
    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.team_caseload import ServerConnectionError

    p = office.people
    five = [p[0], p[1], p[2], p[4], p[5]]
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, five)
    server = office.open("nia")
    pg_server.go_away()
    try:
        laptop = open_database(path, keys)
        try:
            services = laptop_services(laptop, office.names["nia"])
            move_person(services, p[0], "Visited Close")
            draft = services.plans.starting_draft(p[4])
            services.plans.save_draft(p[4], draft, base=services.plans.get_plan(p[4]))
            services.plans.submit(p[4], "Agreed at the visit")
            with pytest.raises(ServerConnectionError):
                offline_service.sync(laptop, server)
        finally:
            laptop.close()
    finally:
        pg_server.come_back()
    laptop = open_database(path, keys)
    try:
        report = offline_service.sync(laptop, server)
        assert sorted(report.applied) == sorted(five)
    finally:
        laptop.close()
        server.close()
    ann = office.open("ann")
    try:
        approver = build_services(ann, SystemClock(), office.names["ann"], role=Role.APPROVER)
        plan = approver.plans.get_plan(p[4])
        assert plan is not None and plan.status == "submitted"
    finally:
        ann.close()
    assert office.count("SELECT count(*) FROM person WHERE locality = 'Visited Close'") == 1


def test_keeping_theirs_after_a_revoke_puts_the_laptop_back_as_the_server_has_it(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[2]])
    with office.admin() as connection:
        before = (
            connection.execute("SELECT locality, row_version FROM person WHERE id = %s", (p[2],)).fetchone(),
            sorted(
                r[0]
                for r in connection.execute("SELECT name FROM representative WHERE person_id = %s", (p[2],))
            ),
        )
    manager = office.open("manager")
    try:
        offline_service.revoke_laptop_holds(manager, "laptop-a")
    finally:
        manager.close()
    laptop = open_database(path, keys)
    try:
        move_person(laptop_services(laptop, office.names["nia"]), p[2], "Gone Away", carer="New Carer")
        report = sync_as(office, "nia", laptop)
        sync = report.people[0]
        kinds = sorted((c.table, c.reason) for c in sync.conflicts)
        assert ("person", "hold_revoked") in kinds and ("representative", "hold_revoked") in kinds
        added = [c for c in sync.conflicts if c.table == "representative" and c.server_row is None]
        assert added and added[0].fields  # a row made on the laptop: every field of it, against none
        offline_service.resolve(
            laptop, sync, {(c.table, c.row_id): {"*": KEEP_THEIRS} for c in sync.conflicts}
        )
        again = sync_as(office, "nia", laptop)
        assert again.people[0].status == "applied" and again.people[0].rows_applied == 0
        assert verify_trail(laptop).ok
    finally:
        laptop.close()
    with office.admin() as connection:
        after = (
            connection.execute("SELECT locality, row_version FROM person WHERE id = %s", (p[2],)).fetchone(),
            sorted(
                r[0]
                for r in connection.execute("SELECT name FROM representative WHERE person_id = %s", (p[2],))
            ),
        )
    assert after == before


def test_a_cancelled_sync_stops_between_people_and_the_rest_stay_held(office: Office, tmp_path, keys) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0], p[1]])
    laptop = open_database(path, keys)
    try:
        status = offline_service.laptop_caseload(laptop)
        assert status.holder == office.names["nia"] and [h.person_id for h in status.holds] == [p[0], p[1]]
        assert status.server is not None and status.server.endswith(office.pg.name)
        services = laptop_services(laptop, office.names["nia"])
        move_person(services, p[0], "First Road")
        move_person(services, p[1], "Second Road")
        done: list[int] = []
        report = sync_as(
            office, "nia", laptop, progress=lambda what, n, of: done.append(n), cancelled=lambda: bool(done)
        )
        assert [s.person_id for s in report.people] == [p[0]] and done == [1]
        assert [h.person_id for h in offline_service.laptop_caseload(laptop).holds] == [p[1]]
        assert office.count("SELECT count(*) FROM offline_hold WHERE released_at IS NULL") == 1
        assert office.count("SELECT count(*) FROM person WHERE locality = 'Second Road'") == 0
        assert [s.person_id for s in sync_as(office, "nia", laptop).people] == [p[1]]
    finally:
        laptop.close()
    assert office.count("SELECT count(*) FROM person WHERE locality IN ('First Road', 'Second Road')") == 2


def test_more_people_can_be_taken_to_the_same_laptop_but_not_from_another_team_caseload(
    office: Office, tmp_path, keys
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    take_as(office, "nia", path, keys, [p[0]])
    take_as(office, "nia", path, keys, [p[1]])
    with pytest.raises(OfflineRefusedError, match="on this laptop already"):
        take_as(office, "nia", path, keys, [p[1]])
    laptop = open_database(path, keys)
    try:
        assert [h.person_id for h in offline_service.laptop_caseload(laptop).holds] == [p[0], p[1]]
        with laptop.engine.begin() as connection:  # as if it came from another team caseload
            connection.execute(
                text("UPDATE setting SET value = 'elsewhere/caseload' WHERE key = 'offline.server'")
            )
    finally:
        laptop.close()
    with pytest.raises(OfflineRefusedError, match="another team caseload"):
        take_as(office, "nia", path, keys, [p[2]])
    assert path.exists()  # (a laptop caseload that was there before stays)
    assert office.count("SELECT count(*) FROM offline_hold WHERE person_id = %s", p[2]) == 0
