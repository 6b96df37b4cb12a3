"""The team caseload's server: the test cluster itself, TLS, and the schema built by the migrations."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from personalbudget.storage.database import head_revision
from personalbudget.storage.server import (
    ServerConnectionError,
    check_reachable,
    make_server_engine,
    server_url,
)
from tests.postgres_cluster import PostgresDatabase, PostgresServer, make_certificates


def test_the_test_server_speaks_tls_with_a_certificate_for_localhost(pg_server: PostgresServer) -> None:
    with psycopg.connect(pg_server.superuser_url) as connection:
        assert connection.info.pgconn.ssl_in_use
        assert connection.execute("SHOW server_version").fetchone()[0].startswith("15")


def test_the_test_server_refuses_tcp_without_tls(pg_server: PostgresServer) -> None:
    with pytest.raises(psycopg.OperationalError, match=r"no encryption|pg_hba"):
        psycopg.connect(pg_server.url(sslmode="disable"))


def test_verify_full_refuses_a_certificate_from_another_ca(pg_server: PostgresServer, tmp_path) -> None:
    other_ca, _cert, _key = make_certificates(tmp_path)
    url = pg_server.url(sslmode=None) + f"?sslmode=verify-full&sslrootcert={other_ca}"
    with pytest.raises(psycopg.OperationalError, match=r"SSL error|certificate"):
        psycopg.connect(url)


def test_pg_database_is_migrated_to_head_and_fresh(pg_database: PostgresDatabase) -> None:
    with pg_database.connect() as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == 0
        connection.execute(
            "INSERT INTO audit_event (at, actor, action, table_name, row_id, summary, prev_hash, hash) "
            "VALUES (now(), 'a', 'insert', 't', '1', '', '', 'h')"
        )


def test_the_audit_trail_is_append_only_on_the_server(pg_database: PostgresDatabase) -> None:
    with pg_database.connect() as connection:
        connection.execute(
            "INSERT INTO audit_event (at, actor, action, table_name, row_id, summary, prev_hash, hash) "
            "VALUES (now(), 'a', 'insert', 't', '1', '', '', 'h')"
        )
        for statement in (
            "UPDATE audit_event SET actor = 'b'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                connection.execute(statement)
        assert connection.execute("SELECT actor FROM audit_event").fetchall() == [("a",)]


def test_only_one_open_cycle_per_person_on_the_server_too(pg_database: PostgresDatabase) -> None:
    with pg_database.connect() as connection:
        indexes = connection.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_plan_cycle_one_open'"
        ).fetchone()
        assert "WHERE" in indexes[0] and "open" in indexes[0]


def test_a_team_caseload_url_is_verify_full_by_default(pg_server: PostgresServer) -> None:
    url = server_url(f"postgresql://localhost:{pg_server.port}/postgres", ca_file=pg_server.ca_file)
    assert url.drivername == "postgresql+psycopg"
    assert url.query["sslmode"] == "verify-full"
    assert url.query["sslrootcert"] == str(pg_server.ca_file)
    engine = make_server_engine(
        server_url(url.render_as_string(False), password=pg_server.password, user="postgres")
    )
    try:
        with engine.connect() as connection:
            assert connection.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
def test_a_team_caseload_is_never_opened_without_tls(mode: str) -> None:
    with pytest.raises(ServerConnectionError, match="only opened over TLS"):
        server_url(f"postgresql://db.council.example/caseload?sslmode={mode}")


def test_a_wrong_password_is_said_in_words(pg_server: PostgresServer) -> None:
    url = server_url(pg_server.url(sslmode=None), password="not-the-password", ca_file=pg_server.ca_file)
    with pytest.raises(ServerConnectionError, match="did not accept the user name or password"):
        check_reachable(make_server_engine(url), url)
