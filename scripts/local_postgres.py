"""A local PostgreSQL server for trying a team caseload (``scripts/local-postgres``).

Made once in the PersonalBudget data folder (``postgres/``): Debian's initdb, a throwaway CA and a
certificate for localhost (so the app's default ``sslmode=verify-full`` works), TCP on localhost
only with TLS and a password (scram-sha-256), a database ``personalbudget``. Each run starts it (if
it is not running) and prints the exact ``--db`` address and the next command. ``--stop`` stops it.
Not for real people's data: a council's server is set up by its database administrator
(docs/team.md).
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from personalbudget.paths import data_dir  # noqa: E402
from tests.postgres_cluster import _server_user, find_bin_dir, make_certificates  # noqa: E402

PORT = 54329
DATABASE = "personalbudget"
SUPERUSER = "postgres"


def _run(run_as: str | None, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [*(["runuser", "-u", run_as, "--"] if run_as else []), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        sys.exit(f"local-postgres: {' '.join(args[:1])} failed:\n{done.stdout}{done.stderr}")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stop", action="store_true", help="stop the local server")
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit(
            "local-postgres: PostgreSQL is not installed. On Debian or Ubuntu: sudo apt-get install postgresql"
        )
    folder = data_dir() / "postgres"
    data, password_file, ca = folder / "data", folder / "password", folder / "ca.crt"
    run_as = _server_user()
    pg_ctl = str(bin_dir / "pg_ctl")
    if args.stop:
        _run(run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop", check=False)
        print("The local PostgreSQL server is stopped.")
        return 0
    if not (data / "PG_VERSION").exists():
        folder.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        _ca, cert, key = make_certificates(folder)
        initial = folder / "initial-password"
        initial.write_text(password + "\n")
        if run_as:
            entry = pwd.getpwnam(run_as)
            for path in (folder, cert, key, initial):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            folder.chmod(0o755)
        _run(
            run_as,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={initial}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        initial.unlink()
        # The socket: only the server's own account (peer) when it runs as postgres for root; else
        # only this user can reach the socket's folder (0700). TCP: TLS and a password only.
        local = "local all all peer\n" if run_as else "local all all trust\n"
        if not run_as:
            folder.chmod(0o700)
        (data / "pg_hba.conf").write_text(
            local + "hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n"
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# scripts/local-postgres\n"
                f"listen_addresses = 'localhost'\nport = {args.port}\nunix_socket_directories = '{folder}'\n"
                f"ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\n"
            )
    running = _run(run_as, pg_ctl, "-D", str(data), "status", check=False).returncode == 0
    if not running:
        _run(run_as, pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "start")
    port = next(
        (
            line.split("=")[1].strip()
            for line in (data / "postgresql.conf").read_text().splitlines()
            if line.startswith("port = ")
        ),
        str(args.port),
    )
    exists = _run(
        run_as,
        str(bin_dir / "psql"),
        "-h",
        str(folder),
        "-p",
        port,
        "-U",
        SUPERUSER,
        "-d",
        "postgres",
        "-tAc",
        f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
    ).stdout.strip()
    if not exists:
        _run(run_as, str(bin_dir / "createdb"), "-h", str(folder), "-p", port, "-U", SUPERUSER, DATABASE)
    address = f"postgresql://{SUPERUSER}@localhost:{port}/{DATABASE}?sslrootcert={ca}"
    print(f"A local PostgreSQL server is running (data in {folder}).")
    print(f"Its {SUPERUSER} password is in {password_file}.")
    print()
    print(f"  --db {address}")
    print()
    print("Next, set up the team caseload (once), then open it:")
    print(f'  PGPASSWORD="$(cat {password_file})" .venv/bin/personalbudget team setup --db "{address}" --yes')
    print(f'  ./run-app --db "{address}"')
    print("Stop the server with: scripts/local-postgres --stop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
