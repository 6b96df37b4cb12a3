"""Encryption at rest: the file is unreadable without the key, keys are kept safely, recovery works."""

import sqlite3

import pytest

from personalbudget.errors import NotOurDatabaseError
from personalbudget.services import build_services
from personalbudget.storage.database import encrypt_database, open_database, recover_database
from personalbudget.storage.keys import (
    DatabaseKeys,
    KeyUnavailableError,
    MemorySecretStore,
    WrongKeyError,
    key_file_path,
    key_from_recovery,
)
from tests.core.helpers import person_form

SENTINEL = "Zebedee Quintessential-Sentinel"


def add_sentinel(db, clock):
    services = build_services(db, clock, "tester")
    services.people.add_person(person_form(name=SENTINEL, nhs_number="943 476 5919"))


def all_bytes(path):
    data = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_new_database_is_encrypted_and_unreadable_to_plain_sqlite(db_path, keys, clock):
    db = open_database(db_path, keys)
    assert db.encrypted and db.new_recovery_key
    add_sentinel(db, clock)
    # Before and after a checkpoint, neither the file nor its journal holds the text.
    assert SENTINEL.encode() not in all_bytes(db_path)
    assert b"9434765919" not in all_bytes(db_path)
    db.close()
    assert SENTINEL.encode() not in all_bytes(db_path)
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(db_path) as plain:
        plain.execute("SELECT * FROM person").fetchall()
    reopened = open_database(db_path, keys)
    assert reopened.new_recovery_key  # never acknowledged: shown again
    reopened.acknowledge_recovery_key()
    reopened.close()
    reopened = open_database(db_path, keys)
    assert reopened.new_recovery_key is None  # acknowledged: never shown again
    assert build_services(reopened, clock, "t").people.list_caseload()[0].name == SENTINEL


def test_the_key_lives_in_the_keyring_not_in_the_key_file(db_path, keys, secret_store):
    db = open_database(db_path, keys)
    db.close()
    [stored] = secret_store.values.values()
    assert bytes.fromhex(stored) == db.key
    assert stored not in key_file_path(db_path).read_text()


def test_without_a_keyring_a_passphrase_protects_the_key(db_path, clock):
    headless = MemorySecretStore(available=False)
    keys = DatabaseKeys(headless, passphrase=lambda _creating: "correct horse battery staple")
    db = open_database(db_path, keys)
    add_sentinel(db, clock)
    db.close()
    assert db.key.hex() not in key_file_path(db_path).read_text()
    wrong = DatabaseKeys(headless, passphrase=lambda _creating: "incorrect horse")
    before = db_path.read_bytes()
    with pytest.raises(WrongKeyError, match="passphrase does not open"):
        open_database(db_path, wrong)
    assert db_path.read_bytes() == before
    with pytest.raises(KeyUnavailableError, match="protected by a passphrase"):
        open_database(db_path, DatabaseKeys(headless, passphrase=lambda _creating: None))


def test_no_keyring_and_no_passphrase_is_a_clear_error_and_makes_no_file(db_path):
    keys = DatabaseKeys(MemorySecretStore(available=False), passphrase=lambda _creating: None)
    with pytest.raises(KeyUnavailableError, match="PERSONALBUDGET_PASSPHRASE"):
        open_database(db_path, keys)
    assert not db_path.exists() or db_path.stat().st_size == 0


def test_a_short_passphrase_is_refused(db_path):
    keys = DatabaseKeys(MemorySecretStore(available=False), passphrase=lambda _creating: "short")
    with pytest.raises(KeyUnavailableError, match="too short"):
        open_database(db_path, keys)


def test_lost_keyring_is_recovered_with_the_recovery_key(db_path, keys, secret_store, clock):
    db = open_database(db_path, keys)
    recovery = db.new_recovery_key
    add_sentinel(db, clock)
    db.close()
    secret_store.values.clear()  # a new laptop profile: the keyring entry is gone
    with pytest.raises(KeyUnavailableError, match="personalbudget recover"):
        open_database(db_path, keys)
    with pytest.raises(WrongKeyError, match="not a valid recovery key"):
        recover_database(db_path, recovery[:-1] + ("A" if recovery[-1] != "A" else "B"), keys)
    new_recovery = recover_database(db_path, recovery.lower(), keys)  # case and dashes do not matter
    assert new_recovery != recovery
    reopened = open_database(db_path, keys)
    assert build_services(reopened, clock, "t").people.list_caseload()[0].name == SENTINEL
    reopened.close()
    # The old recovery key no longer opens the re-keyed file.
    with pytest.raises(WrongKeyError):
        recover_database(db_path, recovery, keys)


def test_a_lost_key_file_is_recovered_too(db_path, keys, clock):
    db = open_database(db_path, keys)
    recovery = db.new_recovery_key
    add_sentinel(db, clock)
    db.close()
    key_file_path(db_path).unlink()
    with pytest.raises(NotOurDatabaseError, match="recover"):
        open_database(db_path, keys)
    recover_database(db_path, recovery, keys)
    assert open_database(db_path, keys).encrypted


def test_a_plain_database_can_be_encrypted_keeping_everything(db_path, keys, clock):
    plain = open_database(db_path)
    add_sentinel(plain, clock)
    plain.close()
    recovery = encrypt_database(db_path, keys)
    assert key_from_recovery(recovery)
    assert SENTINEL.encode() not in all_bytes(db_path)
    db = open_database(db_path, keys)
    assert db.encrypted
    assert build_services(db, clock, "t").people.list_caseload()[0].name == SENTINEL
    assert not list(db_path.parent.glob("*.encrypting*"))


def test_migration_backups_of_an_encrypted_database_stay_encrypted(db_path, keys, clock):
    old = open_database(db_path, keys, upgrade_to="0001")
    old.close()
    db = open_database(db_path, keys)
    [backup] = (db_path.parent / "backups").glob("*.db")
    assert key_file_path(backup).exists()
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(backup) as plain:
        plain.execute("SELECT * FROM person").fetchall()
    assert db.encrypted


def test_a_recovery_key_lost_to_a_crash_is_shown_again_and_still_recovers(db_path, keys, secret_store, clock):
    """The app was killed while the new caseload's recovery key was on screen."""
    db = open_database(db_path, keys)
    first = db.new_recovery_key
    db.close()  # no acknowledgement
    again = open_database(db_path, keys)
    assert again.new_recovery_key == first
    with again.session() as session:  # kept out of the audit trail
        summaries = session.connection().exec_driver_sql("SELECT summary FROM audit_event").all()
    assert not any(first in (summary or "") for (summary,) in summaries)
    again.acknowledge_recovery_key()
    again.close()
    # The key shown again is the real one: it opens the caseload without the keyring.
    key_file_path(db_path).unlink()
    new_recovery = recover_database(db_path, first, keys)
    assert new_recovery and new_recovery != first
    # Re-keyed: the old key is not offered again (recovery shows the new one itself).
    reopened = open_database(db_path, keys)
    assert reopened.new_recovery_key is None
    reopened.close()


def test_a_key_pending_before_recovery_is_not_offered_after_it(db_path, keys, clock):
    db = open_database(db_path, keys)
    first = db.new_recovery_key
    db.close()  # never acknowledged, then the key file is lost
    key_file_path(db_path).unlink()
    recover_database(db_path, first, keys)
    reopened = open_database(db_path, keys)
    assert reopened.new_recovery_key is None  # the stale key opens nothing now
    reopened.close()
