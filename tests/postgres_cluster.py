"""A throwaway PostgreSQL cluster for the test session (a pytest plugin, loaded by tests/conftest.py).

One cluster per session, made with the server's own tools (Debian's ``postgresql`` package:
``initdb`` and ``pg_ctl``), in a temporary folder, listening on a unix socket in that folder and
on a free loopback port with TLS (a throwaway CA and a certificate for ``localhost``, so
``sslmode=verify-full`` is tested for real). TCP connections must use TLS and a password
(scram-sha-256); the socket trusts local users (the tests' superuser and ``psql``).

initdb refuses to run as root: as root the server runs as the ``postgres`` user (Debian's package
makes it), else as a dedicated user made for this (``pbtest``).

Fixtures:

* ``pg_server`` (session): the :class:`PostgresServer` (host, port, socket folder, the superuser and
  its password, the CA file, ``superuser_url``, ``url(...)`` for any role and database);
* ``pg_template`` (session): the name of a database migrated to head once per session;
* ``pg_database`` (per test): a migrated database holding only what the migrations put there, as a
  :class:`PostgresDatabase` (its name and URLs): one database emptied between tests (fast);
* ``pg_fresh_database`` (per test): a database of its own copied from the template (``CREATE
  DATABASE ... TEMPLATE``, about a second), dropped afterwards;
* ``pg_empty_database`` (per test): a fresh empty database (no schema), for set-up and upload.

With no PostgreSQL installed the fixtures skip, saying why, unless PERSONALBUDGET_REQUIRE_POSTGRES
is set (CI sets it), when they fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

REQUIRE_ENV = "PERSONALBUDGET_REQUIRE_POSTGRES"
SERVER_USER = "postgres"  # Debian's package makes it
FALLBACK_USER = "pbtest"
SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest under /usr/lib/postgresql, else PATH."""
    root = Path("/usr/lib/postgresql")
    candidates = sorted(
        (p / "bin" for p in root.glob("*") if (p / "bin" / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return candidates[0]
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> str | None:
    """The account the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in (SERVER_USER, FALLBACK_USER):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
        capture_output=True,
    )
    return FALLBACK_USER


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs, for localhost and 127.0.0.1.

    Returns (ca.crt, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PersonalBudget test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


@dataclass
class PostgresServer:
    """A running cluster: how to reach it."""

    folder: Path
    bin_dir: Path
    port: int
    password: str  # the superuser's
    ca_file: Path
    host: str = "localhost"
    superuser: str = SUPERUSER
    run_as: str | None = None
    _pg_ctl_log: Path = field(init=False)

    def __post_init__(self) -> None:
        self._pg_ctl_log = self.folder / "server.log"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def url(
        self,
        database: str = "postgres",
        *,
        user: str | None = None,
        password: str | None = None,
        sslmode: str | None = "verify-full",
        driver: str = "postgresql",
    ) -> str:
        """A URL over TLS on the loopback port (``user``/``password`` default to the superuser's;
        ``password=""`` leaves it out); ``sslmode=None`` leaves the TLS parameters out too."""
        user = user or self.superuser
        if password is None:
            password = self.password if user == self.superuser else ""
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        query = f"?sslmode={sslmode}&sslrootcert={quote(str(self.ca_file))}" if sslmode else ""
        return f"{driver}://{auth}@{self.host}:{self.port}/{database}{query}"

    @property
    def superuser_url(self) -> str:
        return self.url()

    def socket_url(self, database: str = "postgres", *, user: str | None = None) -> str:
        """A URL over the unix socket (trusted: no password, no TLS) for the tests' own set-up."""
        user = quote(user or self.superuser, safe="")
        return f"postgresql://{user}@/{database}?host={quote(str(self.socket_dir))}&port={self.port}"

    def connect(self, database: str = "postgres", **kwargs: object):  # type: ignore[no-untyped-def]
        """A psycopg connection as the superuser over the socket, autocommit."""
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.superuser,
            dbname=database,
            autocommit=True,
            **kwargs,  # type: ignore[arg-type]
        )

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self._pg_ctl_log.read_text(errors="replace")[-4000:]
        return ""

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*(["runuser", "-u", self.run_as, "--"] if self.run_as else []), *args]
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        ca, cert, key = make_certificates(self.folder)
        self.ca_file = ca
        password_file = self.folder / "pwfile"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.folder, cert, key, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.folder.chmod(0o755)  # the server's user reaches its folder; the socket sits in it
        done = self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}\n{done.stderr}")
        password_file.unlink()
        # TCP only with TLS (and a password); the socket trusts local users.
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostssl all all ::1/128 scram-sha-256\n"
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "ssl": "on",
            "ssl_cert_file": f"'{cert}'",
            "ssl_key_file": f"'{key}'",
            "fsync": "off",  # a throwaway cluster: speed over durability
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
            "log_min_messages": "warning",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/postgres_cluster.py\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        done = self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self._pg_ctl_log),
            "-w",
            "-t",
            "60",
            "start",
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}\n{done.stderr}\n{self.log()}")

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def go_away(self) -> None:
        """The server goes away as a lost network looks to the app: every connection is cut. (A fast
        shutdown, not an immediate one: this throwaway cluster runs with synchronous_commit off, so
        a crash would lose the last commits, which no lost network does.)"""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def come_back(self) -> None:
        """The same cluster running again on the same port (its data kept)."""
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self._pg_ctl_log)]
        done = self._run(*command, "-w", "-t", "60", "start")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}\n{done.stderr}\n{self.log()}")


@dataclass(frozen=True)
class PostgresDatabase:
    """One database on the test server."""

    server: PostgresServer
    name: str

    def url(self, **kwargs: object) -> str:
        return self.server.url(self.name, **kwargs)  # type: ignore[arg-type]

    @property
    def superuser_url(self) -> str:
        return self.server.url(self.name)

    def connect(self):  # type: ignore[no-untyped-def]
        return self.server.connect(self.name)


def start_server() -> PostgresServer:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl were not found")
    run_as = _server_user()
    last: Exception | None = None
    for _attempt in range(3):  # a free port can be taken between the probe and the start
        folder = Path(tempfile.mkdtemp(prefix="pb-postgres-"))
        server = PostgresServer(
            folder=folder,
            bin_dir=bin_dir,
            port=_free_port(),
            password=secrets.token_urlsafe(18),
            ca_file=folder / "ca.crt",
            run_as=run_as,
        )
        try:
            server.start()
            return server
        except RuntimeError as problem:
            last = problem
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"could not start a test PostgreSQL cluster: {last}")


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}, and {REQUIRE_ENV} is set (CI needs PostgreSQL)", pytrace=False)
    pytest.skip(f"{reason} (install Debian's postgresql package, or set {REQUIRE_ENV}=1 to make this fail)")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the whole test session."""
    if find_bin_dir() is None:
        _unavailable("PostgreSQL is not installed (no initdb/pg_ctl)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


def _new_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def migrate_database(url: str) -> None:
    """Build the caseload schema in an empty database with the app's own migrations."""
    from personalbudget.storage.server import create_schema

    create_schema(url)


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    """A database migrated to head once per session, copied for each test's ``pg_database``."""
    name = _new_name("pb_template")
    with pg_server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    migrate_database(pg_server.url(name))
    with pg_server.connect() as connection:  # no one may stay connected to a template
        connection.execute(f"UPDATE pg_database SET datistemplate = true WHERE datname = '{name}'")
    return name


def _drop(server: PostgresServer, name: str) -> None:
    with server.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Reusable:
    """One migrated database handed to test after test, emptied in between (creating a database
    costs over a second; emptying one a few hundredths): what the migrations put in (the seed rows)
    is put back, ids start again at 1, and anyone still connected is let go first."""

    def __init__(self, server: PostgresServer, template: str):
        self.server = server
        self.name = _new_name("pb_test")
        with server.connect() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        with server.connect(self.name) as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ]
            self.seed: dict[str, bytes] = {}
            for table in tables:
                if connection.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
                    with connection.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                        self.seed[table] = b"".join(bytes(chunk) for chunk in copy)
        self.tables = tables
        self.sequences: list[str] | None = None
        self.dirty = False

    def reset(self) -> None:
        with self.server.connect(self.name) as connection:
            if self.sequences is None:
                self.sequences = [
                    row[0]
                    for row in connection.execute(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                    )
                ]
            # Connections left idle (the tests' pool) may stay: they hold no locks. One still inside a
            # transaction (a test that did not finish its own) is let go.
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            # One round trip: DELETE, not TRUNCATE (which makes new files for every table and index:
            # seconds for the whole schema), past the audit trail's guard (replica: no triggers).
            statements = ["SET LOCAL session_replication_role = replica"]
            statements += [f'DELETE FROM "{table}"' for table in self.tables]
            statements += [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in self.sequences]
            with connection.transaction():
                connection.execute("; ".join(statements))
                for table, data in self.seed.items():
                    with connection.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                        copy.write(data)
                    connection.execute(  # serial ids go on after the seed rows, as after the migrations
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false) '
                        f"WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL"
                    )


@pytest.fixture(scope="session")
def _pg_reusable(pg_server: PostgresServer, pg_template: str) -> _Reusable:
    return _Reusable(pg_server, pg_template)


@pytest.fixture
def pg_database(_pg_reusable: _Reusable) -> Iterator[PostgresDatabase]:
    """A caseload database migrated to head with nothing in it but what the migrations put there.

    (One database emptied between tests: fast. A test that changes the schema or the database's
    own settings wants ``pg_fresh_database``.)"""
    if _pg_reusable.dirty:
        _pg_reusable.reset()
    _pg_reusable.dirty = True
    yield PostgresDatabase(_pg_reusable.server, _pg_reusable.name)


@pytest.fixture
def pg_fresh_database(pg_server: PostgresServer, pg_template: str) -> Iterator[PostgresDatabase]:
    """A database of its own, copied from the migrated template (about a second), dropped afterwards."""
    name = _new_name("pb_fresh")
    with pg_server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield PostgresDatabase(pg_server, name)
    _drop(pg_server, name)


@pytest.fixture
def pg_empty_database(pg_server: PostgresServer) -> Iterator[PostgresDatabase]:
    """A fresh database with no schema (for ``team setup`` and ``team upload``)."""
    name = _new_name("pb_empty")
    with pg_server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield PostgresDatabase(pg_server, name)
    _drop(pg_server, name)
