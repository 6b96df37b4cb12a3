"""Switching the rule against differencing off by moving, deleting, editing or rolling back the ledger.

Before issue 15, moving ``release-ledger.json`` aside let a merge with four more people be
published (a new, empty ledger was made on the spot). Now the hub's ledger is authenticated under
the hub secret and its latest head is kept with the hub's keys (keyring, or the hub computer's
data folder under a passphrase), and the caseload's ledger is checked against its audit trail:
each of these stops publication, and nothing is written.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from sqlalchemy import text

from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import create_hub, open_hub
from personalbudget.export.release_register import RegisterTamperedError, ReleaseRegister
from personalbudget.services.export_service import ExportService
from personalbudget.storage.keys import MemorySecretStore
from tests.attacks.caseloads import AT, SEEDS, YEAR, caseload
from tests.core.money_helpers import agreed_person

RULES = DisclosureRules()
PASSPHRASE = "correct horse battery staple"


def hubs(tmp_path):
    """A hub with a keyring, and one under a passphrase (no keyring)."""
    keyring = MemorySecretStore()
    yield (
        create_hub(tmp_path / "keyring-hub", keyring, lambda _c: None, AT),
        lambda: open_hub(tmp_path / "keyring-hub", keyring, lambda _c: None),
    )
    headless = MemorySecretStore(available=False)
    yield (
        create_hub(tmp_path / "passphrase-hub", headless, lambda _c: PASSPHRASE, AT),
        lambda: open_hub(tmp_path / "passphrase-hub", headless, lambda _c: PASSPHRASE),
    )


def publish(hub, records, name):
    ReleaseRegister(hub.ledger_store(), RULES.threshold).release(*YEAR, records, ["t"], name, AT, RULES)


@pytest.mark.parametrize(
    "tamper",
    [
        "moved aside",
        "deleted",
        "rolled back",
        "a release removed",
        "a release edited",
        "replaced by a new one",
    ],
)
def test_a_tampered_hub_ledger_stops_publication(tamper, tmp_path):
    for hub, reopen in hubs(tmp_path):
        people, _numbers = caseload(SEEDS[0], hub)
        publish(hub, people, "first")
        older = tmp_path / "older.json"
        shutil.copy(hub.ledger_path, older)
        publish(hub, people, "first")  # re-published: identical tables
        data = json.loads(hub.ledger_path.read_text())
        if tamper == "moved aside":
            hub.ledger_path.rename(hub.folder / "aside.json")
        elif tamper == "deleted":
            hub.ledger_path.unlink()
        elif tamper == "rolled back":
            shutil.copy(older, hub.ledger_path)
        elif tamper == "a release removed":
            data["releases"].pop()
            hub.ledger_path.write_text(json.dumps(data))
        elif tamper == "a release edited":
            data["releases"][0]["period_to"] = "2026-04-02"
            hub.ledger_path.write_text(json.dumps(data))
        else:  # a fresh, valid-looking ledger made by another hub
            other = create_hub(tmp_path / "other", MemorySecretStore(), lambda _c: None, AT)
            shutil.copy(other.ledger_path, hub.ledger_path)
            shutil.rmtree(tmp_path / "other")
        four_more = [*people, *caseload(SEEDS[1], hub)[0][:4]]
        with pytest.raises(RegisterTamperedError, match="Nothing was published"):
            publish(reopen(), four_more, "second")


def test_a_hub_ledger_copied_elsewhere_reveals_no_people(tmp_path):
    for hub, _reopen in hubs(tmp_path):
        people, numbers = caseload(SEEDS[2], hub)
        publish(hub, people, "first")
        stored = hub.ledger_path.read_text()
        assert "people_hashes" not in stored and "salt" not in stored
        assert not any(p.key in stored or p.key[2:34] in stored for p in people)
        assert not any(n in stored for n in numbers)


def test_a_release_deleted_from_the_caseload_ledger_stops_its_export(services, tmp_path):
    agreed_person(services)
    exporter = ExportService(services.context, services.settings)
    exporter.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "first")
    with services.context.db.session() as session:  # behind the app's back
        session.connection().execute(text("DELETE FROM export_release"))
    agreed_person(services, nhs="9990000026", name="One More")
    with pytest.raises(RegisterTamperedError, match="audit trail"):
        exporter.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "second")
    assert not (tmp_path / "second").exists()


def test_a_release_deleted_from_the_caseload_ledger_stops_even_a_re_export_of_the_same_tables(
    services, tmp_path
):
    # A re-export of tables already published is allowed on the releases' content hashes alone
    # (issue 18: without reading every earlier release's people); the trail is still checked.
    agreed_person(services)
    exporter = ExportService(services.context, services.settings)
    exporter.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "first")
    again = exporter.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "again")
    assert again is not None and again.identical_to_earlier
    with services.context.db.session() as session:  # behind the app's back
        session.connection().execute(
            text("DELETE FROM export_release WHERE id = (SELECT min(id) FROM export_release)")
        )
    with pytest.raises(RegisterTamperedError, match="audit trail"):
        exporter.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "third")
    assert not (tmp_path / "third").exists()
