"""The release register reads earlier releases' people only when it must compare them (issue 18):
re-publishing tables already published is decided on the releases' content hashes, so its time does
not grow with the number (and size) of the earlier releases."""

from __future__ import annotations

from datetime import date

from personalbudget.export.dataset import extract_records
from personalbudget.export.release_register import DatabaseRegisterStore, ReleaseRegister
from tests.core.money_helpers import agreed_person

PERIOD = (date(2026, 4, 1), date(2027, 3, 31))


class CountingStore(DatabaseRegisterStore):
    """The caseload's store, counting the reads of every release with its people."""

    reads = 0

    def entries(self):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().entries()


def test_re_publishing_the_same_tables_reads_no_earlier_releases_people(services, tmp_path):
    agreed_person(services)
    agreed_person(services, nhs="9990000026", name="One More")
    for n in range(3):
        services.export.export(*PERIOD, tmp_path / f"release-{n}")
    rules = services.export.rules()
    records = extract_records(services.context.db, *PERIOD, today=services.context.clock.today())
    digest = services.export.preview(*PERIOD).content_hash  # the tables as published
    store = CountingStore(services.context.db)
    register = ReleaseRegister(store, rules.threshold)
    people = register.hash_people(records, rules)
    decision = register.check(*PERIOD, people, digest, rules)
    assert decision.allowed and decision.identical_to_earlier
    assert store.reads == 0
    # Other tables: compared with the earlier releases' people, read once.
    other = ReleaseRegister(store, rules.threshold)
    assert not other.check(*PERIOD, people, "0" * 64, rules).identical_to_earlier
    assert store.reads == 1
