"""Offline visits (issue 22) and the laptop caseload's edges: a laptop caseload holding people taken
offline is never uploaded to a team caseload (``team upload``: they would be on a server twice), and
a take-offline that is cancelled or refused leaves no key in the keyring for a laptop caseload it
made (and never removes the key of one that was there before). A real PostgreSQL server; the
in-memory keyring."""

from __future__ import annotations

import pytest

from personalbudget.services import offline_service
from personalbudget.services.offline_service import OfflineRefusedError
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import key_file_path
from personalbudget.storage.offline_copy import Cancelled
from personalbudget.storage.server import server_url
from personalbudget.storage.upload import UploadRefusedError, upload_caseload
from tests.core.offline_helpers import (  # noqa: F401  (fixtures)
    PASSWORD,
    Office,
    laptop_path,
    office_fixture,
    office_template_fixture,
)
from tests.postgres_cluster import PostgresDatabase


def _take(office: Office, who: str, path, keys, people, **kwargs):  # type: ignore[no-untyped-def]
    server = office.open(who)
    try:
        return offline_service.take_offline(server, path, keys, people, laptop_name="laptop-a", **kwargs)
    finally:
        server.close()


def _sync(office: Office, who: str, path, keys):  # type: ignore[no-untyped-def]
    server, laptop = office.open(who), open_database(path, keys)
    try:
        return offline_service.sync(laptop, server)
    finally:
        laptop.close()
        server.close()


def _public_tables(database: PostgresDatabase) -> list[str]:
    with database.connect() as connection:
        return [
            r[0] for r in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]


# -- team upload of a laptop caseload holding people taken offline --------------------------------------


def test_upload_refuses_a_laptop_caseload_holding_people_taken_offline_and_writes_nothing(
    office: Office, tmp_path, keys, pg_empty_database: PostgresDatabase
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    _take(office, "nia", path, keys, [p[0], p[1]])
    laptop = open_database(path, keys)
    try:
        with pytest.raises(UploadRefusedError) as refused:
            upload_caseload(laptop, server_url(pg_empty_database.superuser_url))
    finally:
        laptop.close()
    message = str(refused.value)
    assert "holds 2 people taken offline from the team caseload" in message
    assert "Nothing was uploaded" in message and "Sync them back first" in message
    assert "File > Sync offline people…" in message and f"team sync --db {path}" in message
    assert _public_tables(pg_empty_database) == []  # not even the schema
    with office.admin() as connection:  # and the team caseload still holds them, as before
        assert (
            connection.execute("SELECT count(*) FROM offline_hold WHERE released_at IS NULL").fetchone()[0]
            == 2
        )


def test_once_synced_back_the_laptop_caseload_is_no_longer_refused_for_that(
    office: Office, tmp_path, keys, pg_empty_database: PostgresDatabase
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    _take(office, "nia", path, keys, [p[0]])
    assert _sync(office, "nia", path, keys).applied == [p[0]]
    laptop = open_database(path, keys)
    try:
        report = upload_caseload(laptop, server_url(pg_empty_database.superuser_url))
    finally:
        laptop.close()
    assert report.rows["person"] == 0  # the person went back to their own team caseload, not here
    with pg_empty_database.connect() as connection:
        assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == 0


def test_the_upload_command_says_why_and_what_to_do_and_uploads_nothing(
    office: Office, tmp_path, keys, pg_empty_database: PostgresDatabase, monkeypatch, capsys
) -> None:
    from personalbudget.cli import run

    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)
    path = laptop_path(tmp_path)
    _take(office, "nia", path, keys, [office.people[2]])
    code = run(["team", "upload", "--db", str(path), "--to", pg_empty_database.superuser_url, "--yes"])
    err = capsys.readouterr().err
    assert code == 1
    assert "holds 1 person taken offline from the team caseload" in err and "Nothing was uploaded" in err
    assert "personalbudget team sync --db" in err
    assert _public_tables(pg_empty_database) == []


# -- a cancelled or refused take-offline and the keyring ------------------------------------------------


def test_a_cancelled_take_offline_leaves_no_key_in_the_keyring_for_the_laptop_caseload_it_made(
    office: Office, tmp_path, keys, secret_store
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    steps: list[str] = []
    with pytest.raises(Cancelled):
        _take(
            office,
            "nia",
            path,
            keys,
            [p[0], p[1]],
            progress=lambda what, done, of: steps.append(what),
            cancelled=lambda: "plan_cycle" in steps,
        )
    assert steps  # (it was cancelled part-way, after the laptop caseload and its key were made)
    assert not path.exists() and not key_file_path(path).exists()
    assert secret_store.values == {}


def test_a_refused_take_offline_leaves_no_key_in_the_keyring_either(
    office: Office, tmp_path, keys, secret_store
) -> None:
    path = laptop_path(tmp_path)
    with pytest.raises(OfflineRefusedError, match="not one of the people you can work with"):
        _take(office, "nia", path, keys, [office.people[0], 999_999])
    assert not path.exists() and secret_store.values == {}


def test_a_cancelled_take_offline_to_an_existing_laptop_caseload_keeps_it_and_its_key(
    office: Office, tmp_path, keys, secret_store
) -> None:
    p = office.people
    path = laptop_path(tmp_path)
    _take(office, "nia", path, keys, [p[0]])
    kept = dict(secret_store.values)
    assert len(kept) == 1
    with pytest.raises(Cancelled):
        _take(office, "nia", path, keys, [p[1]], cancelled=lambda: True)
    with pytest.raises(OfflineRefusedError):
        _take(office, "nia", path, keys, [999_999])
    assert secret_store.values == kept and key_file_path(path).exists()
    laptop = open_database(path, keys)  # still opens, with the person taken before
    try:
        assert [h.person_id for h in offline_service.laptop_caseload(laptop).holds] == [p[0]]
    finally:
        laptop.close()
