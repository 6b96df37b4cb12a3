"""``personalbudget team setup`` and ``team upload``, and commands on a team caseload, against the
session's throwaway PostgreSQL server."""

from __future__ import annotations

import shutil
import sqlite3

import psycopg
import pytest
from sqlalchemy import text

from personalbudget.cli import run
from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.team_caseload import TeamSignIn
from personalbudget.storage.database import head_revision, open_database
from personalbudget.storage.engine import raw_connect
from personalbudget.storage.server import open_server_database
from personalbudget.storage.upload import UploadRefusedError, upload_caseload
from tests.core.helpers import verify_trail
from tests.postgres_cluster import PostgresDatabase


@pytest.fixture(autouse=True)
def _keys_for_cli(keys, monkeypatch):
    """The CLI keeps keys in the OS keyring; tests use the in-memory one."""
    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)


def _tables(connection) -> list[str]:
    return [
        row[0]
        for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]


def test_setup_says_what_it_will_do_and_builds_the_schema_on_an_empty_database(
    pg_empty_database: PostgresDatabase, capsys
) -> None:
    assert run(["team", "setup", "--db", pg_empty_database.superuser_url, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "create the caseload's tables" in out and "row-level security" in out
    assert "is set up as a team caseload" in out
    with pg_empty_database.connect() as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        assert {"person", "audit_event", "ledger_transaction", "app_user"} <= set(_tables(connection))


def test_setup_without_yes_and_no_terminal_does_nothing(pg_empty_database: PostgresDatabase, capsys) -> None:
    assert run(["team", "setup", "--db", pg_empty_database.superuser_url]) == 1
    assert "Nothing was done" in capsys.readouterr().err
    with pg_empty_database.connect() as connection:
        assert _tables(connection) == []


def test_setup_refuses_a_database_that_is_not_empty(pg_database: PostgresDatabase, capsys) -> None:
    assert run(["team", "setup", "--db", pg_database.superuser_url, "--yes"]) == 1
    assert "is not empty" in capsys.readouterr().err


def test_setup_refuses_an_address_without_tls(pg_empty_database: PostgresDatabase, capsys) -> None:
    url = pg_empty_database.url(sslmode="disable")
    assert run(["team", "setup", "--db", url, "--yes"]) == 1
    assert "only opened over TLS" in capsys.readouterr().err
    with pg_empty_database.connect() as connection:
        assert _tables(connection) == []


@pytest.fixture(scope="module")
def laptop_caseload(tmp_path_factory: pytest.TempPathFactory):
    """A demo caseload on a laptop (a plain file: the upload reads any caseload it can open)."""
    path = tmp_path_factory.mktemp("laptop") / "laptop.db"
    database = open_database(path)
    services = build_services(database, SystemClock(), "laptop.practitioner")
    from personalbudget.services.demo_service import build_demo_caseload

    build_demo_caseload(services.context, people=6, seed=3)
    database.close()
    return path


def _laptop_counts(path) -> dict[str, int]:
    connection = raw_connect(path, None, read_only=True)
    try:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'alembic_version'"
            )
        ]
        return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        connection.close()


def test_upload_copies_every_table_and_the_audit_chain_verifies_on_the_server(
    laptop_caseload, pg_empty_database: PostgresDatabase, capsys
) -> None:
    expected = _laptop_counts(laptop_caseload)
    assert expected["person"] == 6 and expected["audit_event"] > 0 and expected["ledger_transaction"] > 0
    code = run(
        ["team", "upload", "--db", str(laptop_caseload), "--to", pg_empty_database.superuser_url, "--yes"]
    )
    assert code == 0, capsys.readouterr().err
    assert "Uploaded" in capsys.readouterr().out
    with pg_empty_database.connect() as connection:
        on_server = {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in _tables(connection)
            if t != "alembic_version"
        }
    assert {t: n for t, n in on_server.items() if t in expected} == expected
    server = open_server_database(pg_empty_database.superuser_url)
    try:
        report = verify_trail(server)
        assert report.ok, report.problems
        assert report.events == expected["audit_event"]
        laptop = sqlite3.connect(laptop_caseload)
        try:
            assert laptop.execute("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()[0] == (
                report.head
            )
        finally:
            laptop.close()
        services = build_services(server, SystemClock(), "team.practitioner")
        assert len(services.people.list_caseload()) == 6
    finally:
        server.close()
    with pg_empty_database.connect() as connection:  # new rows go on after the copied ids
        assert connection.execute("SELECT nextval(pg_get_serial_sequence('person', 'id'))").fetchone()[0] == 7
    assert run(["audit", "verify", "--db", pg_empty_database.superuser_url]) == 0
    assert "Audit trail OK" in capsys.readouterr().out


def test_upload_refuses_a_team_caseload_that_holds_records(
    laptop_caseload, pg_empty_database: PostgresDatabase
) -> None:
    source = open_database(laptop_caseload)
    try:
        upload_caseload(source, _url(pg_empty_database))
        with pytest.raises(UploadRefusedError, match="already holds records"):
            upload_caseload(source, _url(pg_empty_database))
    finally:
        source.close()
    with pg_empty_database.connect() as connection:  # the first upload is there once, whole
        assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == 6


def test_an_upload_that_fails_leaves_nothing_behind(
    laptop_caseload, pg_empty_database: PostgresDatabase, monkeypatch
) -> None:
    import personalbudget.storage.upload as upload_module

    def broken(table_name: str, copied: int) -> None:
        if table_name == "ledger_transaction":
            raise OSError("the network went away")

    source = open_database(laptop_caseload)
    try:
        with pytest.raises(OSError):
            upload_module.upload_caseload(source, _url(pg_empty_database), progress=broken)
    finally:
        source.close()
    with pg_empty_database.connect() as connection:
        assert _tables(connection) == []  # not even the schema: one transaction


def _url(database: PostgresDatabase):
    from personalbudget.storage.server import server_url

    return server_url(database.superuser_url)


def test_people_sign_in_to_a_team_caseload_as_their_own_login_role(pg_database: PostgresDatabase) -> None:
    with pg_database.connect() as connection:
        connection.execute("CREATE ROLE \"alex.approver\" LOGIN PASSWORD 'a long password 1'")
        # An account's groups (what UserService's sync_account gives a login role on a team caseload).
        connection.execute('GRANT pb_account, pb_approver TO "alex.approver"')
    try:
        server = open_server_database(pg_database.superuser_url)
        with server.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO app_user (username, display_name, role, password_hash, can_manage_users, active, "
                    "created_at, team, must_change_password, failed_sign_ins) VALUES ('alex.approver', 'Alex', "
                    ":role, '', false, true, now(), '', false, 0)"
                ),
                {"role": Role.APPROVER.value},
            )
        server.close()
        address = pg_database.url(user="alex.approver", password="")  # no password in the address
        sign_in = TeamSignIn(address, SystemClock())
        with pytest.raises(Exception, match="did not accept the user name or password"):
            sign_in.sign_in("alex.approver", "wrong password")
        user = sign_in.sign_in("alex.approver", "a long password 1")
        assert user.role is Role.APPROVER and user.username == "alex.approver"
        assert sign_in.database is not None
        with sign_in.database.engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == "alex.approver"
        assert sign_in.database.url.password == "a long password 1"  # in memory for libpq, nowhere else
        sign_in.database.close()
    finally:
        with pg_database.connect() as connection:
            connection.execute('DROP OWNED BY "alex.approver"')
            connection.execute('DROP ROLE "alex.approver"')


def test_a_team_caseload_is_refused_for_file_only_commands(pg_database: PostgresDatabase, capsys) -> None:
    assert run(["backup", "--db", pg_database.superuser_url]) == 1
    assert "pg_dump" in capsys.readouterr().err


def test_the_cli_opens_a_team_caseload_by_its_address(
    pg_database: PostgresDatabase, capsys, monkeypatch
) -> None:
    with psycopg.connect(pg_database.superuser_url) as connection:
        connection.execute(
            "INSERT INTO app_user (username, display_name, role, password_hash, can_manage_users, active, "
            "created_at, team, must_change_password, failed_sign_ins) VALUES ('postgres', 'The DBA', "
            "'practitioner', '', true, true, now(), '', false, 0)"
        )
    monkeypatch.setenv("PERSONALBUDGET_USER", "postgres")
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", pg_database.server.password)
    address = pg_database.url(password="")
    assert run(["people", "--db", address, "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_accounts_added_on_a_team_caseload_sign_in_as_their_own_login_role(
    pg_empty_database: PostgresDatabase, capsys, monkeypatch
) -> None:
    """The DBA sets up the caseload and adds the first account; that person then signs in to the
    server with their own password (the server checks it) and adds a colleague the same way."""
    assert run(["team", "setup", "--db", pg_empty_database.superuser_url, "--yes"]) == 0
    monkeypatch.setenv("PERSONALBUDGET_USER", "postgres")
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", pg_empty_database.server.password)
    monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "morwenna's own password")
    address = pg_empty_database.url(password="")
    roles = ("morwenna.manager", "tomos.approver")
    try:
        code = run(
            [
                "accounts",
                "add",
                "morwenna.manager",
                "--name",
                "Morwenna",
                "--role",
                "practitioner",
                "--db",
                address,
            ]
        )
        assert code == 0, capsys.readouterr().err
        monkeypatch.setenv("PERSONALBUDGET_USER", "morwenna.manager")
        monkeypatch.setenv("PERSONALBUDGET_PASSWORD", "morwenna's own password")
        monkeypatch.setenv("PERSONALBUDGET_NEW_PASSWORD", "tomos's own password")
        code = run(
            ["accounts", "add", "tomos.approver", "--name", "Tomos", "--role", "approver", "--db", address]
        )
        assert code == 0, capsys.readouterr().err
        sign_in = TeamSignIn(address, SystemClock())
        user = sign_in.sign_in("tomos.approver", "tomos's own password")
        assert user.role is Role.APPROVER
        assert sign_in.database is not None
        with sign_in.database.engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar() == "tomos.approver"
        sign_in.database.close()
        with pytest.raises(Exception, match="did not accept"):
            TeamSignIn(address, SystemClock()).sign_in("tomos.approver", "morwenna's own password")
    finally:
        with pg_empty_database.connect() as connection:
            for role in roles:
                if connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    connection.execute(f'DROP OWNED BY "{role}"')
                connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_only_a_lost_connection_becomes_the_unreachable_message_not_a_refused_statement():
    """A statement the server refused (a serialisation failure, a lock wait cancelled) must reach the
    services as it is (they retry or report a conflict); only the connection going is 'cannot be
    reached' (tests/acceptance/test_server_goes_away.py shows it in the window)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from personalbudget.storage.server import connection_lost

    def wrapped(cause: Exception) -> OperationalError:
        return OperationalError("SELECT 1", {}, cause)

    assert connection_lost(wrapped(psycopg.OperationalError("connection failed: Connection refused")))
    assert connection_lost(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert not connection_lost(wrapped(psycopg.errors.SerializationFailure("could not serialize")))
    assert not connection_lost(wrapped(psycopg.errors.LockNotAvailable("lock timeout")))
    assert not connection_lost(wrapped(psycopg.errors.QueryCanceled("statement timeout")))


def test_every_way_a_service_reaches_the_server_says_it_cannot_be_reached_and_recovers(tmp_path):
    """Not only sessions: the caseload list and the change poll read on a connection of their own,
    and a refresh with the server gone must say so in words too, not raise the driver's error into
    the window. When the server is back, the first use works (the pool drops the dead connections)."""
    from personalbudget.storage.server import ServerConnectionError
    from tests.postgres_cluster import find_bin_dir, migrate_database, start_server

    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (scripts/ensure-venv.sh test installs it)")
    server = start_server()  # its own: stopping the session's server would cut every other test
    try:
        with server.connect() as connection:
            connection.execute('CREATE DATABASE "caseload"')
        migrate_database(server.url("caseload"))
        database = open_server_database(server.url("caseload"))
        try:
            services = build_services(database, SystemClock(), actor="dba", system=True)
            assert services.people.list_caseload() == []
            mark = services.changes.mark()
            server.go_away()
            for use in (
                services.people.list_caseload,  # its own connection
                lambda: services.changes.poll(mark),  # its own connection, from a worker thread
                lambda: services.settings.security(),  # a session
            ):
                with pytest.raises(ServerConnectionError, match="cannot be reached just now"):
                    use()
            server.come_back()
            assert services.people.list_caseload() == []
            assert services.changes.poll(mark).head == mark.head
        finally:
            database.close()
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


def test_a_server_that_restarted_while_the_window_sat_unused_is_reached_at_the_first_use(monkeypatch):
    """Nothing used the caseload while its server restarted (overnight, say), so every pooled
    connection is dead and nothing has noticed. The first press after must still work: a connection
    that sat unused is checked before it is handed out, and a dead one replaced (one used a moment
    ago is not: a round trip saved on every press)."""
    from personalbudget.storage import server as server_module
    from tests.postgres_cluster import find_bin_dir, migrate_database, start_server

    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (scripts/ensure-venv.sh test installs it)")
    server = start_server()  # its own: stopping the session's server would cut every other test
    try:
        with server.connect() as connection:
            connection.execute('CREATE DATABASE "caseload"')
        migrate_database(server.url("caseload"))
        database = open_server_database(server.url("caseload"))
        try:
            services = build_services(database, SystemClock(), actor="dba", system=True)
            assert services.settings.security().lock_minutes > 0  # a session: its connection pooled
            assert services.people.list_caseload() == []
            server.go_away()
            server.come_back()
            monkeypatch.setattr(server_module, "IDLE_BEFORE_PING", 0.0)  # (as if a night had passed)
            assert services.settings.security().lock_minutes > 0  # the first press after: it works
            assert services.people.list_caseload() == []
        finally:
            database.close()
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
