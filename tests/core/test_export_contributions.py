"""Issue 20: the person's contribution in the pseudonymised records, the published table of
contributions by primary support reason x funding streams (table 10), the hub and the ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from personalbudget.domain.charging import ContributionForm
from personalbudget.export import contribution as contrib
from personalbudget.export.audit import audit_release
from personalbudget.export.dataset import CONTRIBUTION_UNKNOWN, PersonRecord, extract_records
from personalbudget.export.disclosure import SUPPRESSED, DisclosureRules
from personalbudget.export.hub import create_hub
from personalbudget.export.outputs import table_csv
from personalbudget.export.release_register import ReleaseRegister
from personalbudget.export.tables import ALL, JOINT_FUNDING, NOT_RECORDED, SPECS, Period, build_tables
from personalbudget.storage.keys import MemorySecretStore
from tests.core.money_helpers import agreed_person

RULES = DisclosureRules()
YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
PC = "Physical Support: Personal care support"
MC = "Support with Memory & Cognition"
LD = "Learning Disability Support"
AT = datetime(2026, 6, 1, tzinfo=UTC)
TABLE = "contributions_by_reason_and_stream"
TOTAL, MEDIAN = "total_weekly_contribution_pence", "median_weekly_contribution_pence"


def rec(key: str, status: str = "", weekly: int = 0, **overrides) -> PersonRecord:
    values = dict(
        key=key,
        age_band="65-74",
        locality="Millbrook",
        primary_support_reason=PC,
        budget_type="personal_budget",
        budget_streams=(("social_care", 1_040_000),),
        plan_version_at=AT,
        contribution_status=status,
        weekly_contribution_pence=weekly,
    )
    values.update(overrides)
    return PersonRecord(**values)


def table(records, rules=RULES):
    return {t.spec.id: t for t in build_tables(records, rules, YEAR)}[TABLE]


def assessed(prefix: str, weeklies, **overrides) -> list[PersonRecord]:
    return [rec(f"{prefix}{i}", "assessed", w, **overrides) for i, w in enumerate(weeklies)]


# -- the record ---------------------------------------------------------------------------------


def test_the_contribution_round_trips_and_a_record_without_one_is_written_as_before():
    record = rec("k1", "assessed", 4_250)
    data = json.loads(json.dumps(record.to_dict()))
    assert data["contribution_status"] == "assessed" and data["weekly_contribution_pence"] == 4_250
    assert PersonRecord.from_dict(data) == record
    # Someone without a contribution: the same dict (and ledger hash) as before issue 20.
    plain = rec("k2").to_dict()
    assert "contribution_status" not in plain and "weekly_contribution_pence" not in plain
    assert PersonRecord.from_dict(plain).contribution_status == ""
    assert PersonRecord.from_dict(plain, without_contribution=CONTRIBUTION_UNKNOWN).contribution_status == (
        "unknown"
    )
    with pytest.raises(ValueError, match="fields differ"):
        PersonRecord.from_dict({**plain, "contribution_status": "assessed"})  # one without the other
    with pytest.raises(ValueError, match="contribution_status"):
        PersonRecord.from_dict({**data, "contribution_status": "unknown"})  # never written
    with pytest.raises(ValueError, match="whole pence"):
        PersonRecord.from_dict({**data, "weekly_contribution_pence": 42.5})
    with pytest.raises(ValueError, match="only for an assessed"):
        rec("k3", "nil", 100)


def test_the_record_carries_the_contribution_in_force_at_the_end_of_the_period(services, clock):
    pid = agreed_person(services)
    [record] = extract_records(services.context.db, YEAR.start, YEAR.end)
    assert (record.contribution_status, record.weekly_contribution_pence) == ("", 0)
    services.charging.record_contribution(
        pid, ContributionForm("awaiting", "", date(2026, 4, 6), "Assessment booked", "net")
    )
    clock.set(datetime(2027, 1, 11, 9, tzinfo=UTC))
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2027, 1, 11), "Financial assessment", "net")
    )
    [record] = extract_records(services.context.db, date(2026, 4, 1), date(2027, 3, 31))
    assert (record.contribution_status, record.weekly_contribution_pence) == ("assessed", 4_250)
    # A period that ended before the assessment was recorded: the one in force then.
    [earlier] = extract_records(services.context.db, date(2026, 4, 1), date(2026, 12, 31))
    assert (earlier.contribution_status, earlier.weekly_contribution_pence) == ("awaiting", 0)


# -- table 10 at its boundaries -----------------------------------------------------------------------


def test_the_table_is_predefined_with_its_grain_and_its_people_are_table_3s():
    spec = SPECS[TABLE]
    assert [d.name for d in spec.dimensions] == ["primary_support_reason", "funding_streams"]
    assert [m.name for m in spec.measures] == ["people", TOTAL, MEDIAN]
    records = [
        *assessed("a", range(1_000, 1_800, 100)),  # 8 social care only
        *assessed("h", [0] * 9, budget_streams=(("health", 500_000),)),  # 9 health only...
    ]
    records = [*records[:8], *(replace(r, contribution_status="nil") for r in records[8:])]
    records += [rec(f"j{i}", budget_streams=(("social_care", 1), ("health", 1))) for i in range(8)]
    t = table(records)
    budget = {t.spec.id: t for t in build_tables(records, RULES, YEAR)}["budget_by_reason"]
    assert t.value(PC, ALL, measure="people") == budget.value(PC, measure="people") == 25
    assert t.value(ALL, ALL, measure="people") == 25
    assert t.value(PC, "social_care", measure="people") == 10  # 8
    assert t.value(PC, "health", measure="people") == 10  # 9
    assert t.value(PC, JOINT_FUNDING, measure="people") == 10  # 8, none with a known contribution
    assert t.value(PC, NOT_RECORDED, measure="people") == 0
    assert t.value(PC, "social_care", measure=TOTAL) == sum(range(1_000, 1_800, 100))  # 10,800 pence
    assert t.value(PC, "social_care", measure=MEDIAN) == 1_350
    assert t.value(PC, JOINT_FUNDING, measure=TOTAL) == SUPPRESSED  # no contribution known
    assert t.value(PC, NOT_RECORDED, measure=TOTAL) == 0  # nobody there
    # No money in the margins: no hidden cell's sum follows from a total.
    assert not [r for r in t.rows if ALL in r.dims and r.measure != "people"]


def test_statistics_need_8_known_contributions_awaiting_and_unrecorded_left_out():
    eight = assessed("a", range(1_000, 1_800, 100))
    assert table(eight).value(PC, "social_care", measure=TOTAL) == 10_800
    seven = [*eight[:7], replace(eight[7], contribution_status="awaiting", weekly_contribution_pence=0)]
    t = table(seven)
    assert t.value(PC, "social_care", measure="people") == 10  # 8 people...
    assert t.value(PC, "social_care", measure=TOTAL) == SUPPRESSED  # ...but 7 known contributions
    assert t.value(PC, "social_care", measure=MEDIAN) == SUPPRESSED
    unrecorded = [*eight[:7], replace(eight[7], contribution_status="", weekly_contribution_pence=0)]
    assert table(unrecorded).value(PC, "social_care", measure=TOTAL) == SUPPRESSED
    # A stricter setting: 9 contributors needed.
    strict = DisclosureRules(min_contributors=9)
    assert table(eight, strict).value(PC, "social_care", measure=TOTAL) == SUPPRESSED
    assert table([*eight, rec("a9", "assessed", 1_900)], strict).value(PC, "social_care", measure=TOTAL) == (
        12_700
    )


def test_a_cell_of_1_to_7_people_shows_nothing_about_them():
    records = [
        *assessed("a", range(1_000, 1_800, 100)),
        *assessed("m", [5_000] * 7, primary_support_reason=MC),
    ]
    t = table(records)
    assert t.value(MC, "social_care", measure="people") == SUPPRESSED
    assert t.value(MC, "social_care", measure=TOTAL) == SUPPRESSED
    assert t.value(MC, "social_care", measure=MEDIAN) == SUPPRESSED


def test_two_dominant_contributions_suppress_the_cell():
    # 8 people: the two largest are 90% of the sum exactly (allowed), then just over (suppressed).
    six_small = [100] * 6  # 600
    at_limit = assessed("a", [*six_small, 2_700, 2_700])  # 5,400 / 6,000 = 90%
    assert table(at_limit).value(PC, "social_care", measure=TOTAL) == 6_000
    over = assessed("a", [*six_small, 2_700, 2_701])
    assert table(over).value(PC, "social_care", measure=TOTAL) == SUPPRESSED
    assert table(over).value(PC, "social_care", measure=MEDIAN) == SUPPRESSED


def test_a_small_group_that_all_pay_nothing_is_class_disclosure():
    nil = [rec(f"n{i}", "nil") for i in range(15)]
    t = table(nil)  # 15 people, all nil: a total of 0 would say none of them pays
    assert t.value(PC, "social_care", measure=TOTAL) == SUPPRESSED
    assert any("class disclosure" in n for n in t_notes(nil))
    t = table([*nil, rec("n15", "nil")])  # 16: no longer a small group
    assert (t.value(PC, "social_care", measure=TOTAL), t.value(PC, "social_care", measure=MEDIAN)) == (0, 0)
    mixed = [*(rec(f"n{i}", "nil") for i in range(4)), *assessed("a", [1_000, 2_000, 3_000, 4_000])]
    t = table(mixed)  # nil counts as 0 in the median: (0 + 1,000) / 2
    assert (t.value(PC, "social_care", measure=TOTAL), t.value(PC, "social_care", measure=MEDIAN)) == (
        10_000,
        500,
    )


def t_notes(records) -> list[str]:
    return list(table(records).notes)


def test_a_seeded_weekly_contribution_is_never_published(services, tmp_path):
    """Sentinel: one person's assessed contribution (£987.65 a week) appears in no published
    value or file, in pence or in pounds, and the release passes the independent audit."""
    pid = agreed_person(services)
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "987.65", date(2026, 4, 6), "Sentinel Gwen assessment", "net")
    )
    preview = services.export.preview(date(2026, 4, 1), date(2027, 3, 31))
    values = {str(r.value) for t in preview.tables for r in t.rows}
    assert not values & {"98765", "988", "987", "51358", "513578"}  # a week, a year (52 weeks) in pence
    assert "contributions_by_reason_and_stream" in {t.spec.id for t in preview.tables}
    assert audit_release(preview.tables, preview.rules).passed
    result = services.export.export(date(2026, 4, 1), date(2027, 3, 31), tmp_path / "out")
    assert result is not None
    for path in result.files:
        if path.suffix in (".csv", ".json"):
            text = path.read_text(encoding="utf-8")
            for sentinel in ("98765", "987.65", "Sentinel", "Gwen", "943"):
                assert sentinel not in text, (path.name, sentinel)
    csv = (tmp_path / "out" / f"{TABLE}.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == "primary_support_reason,funding_streams,measure,value"


# -- the release ledger -----------------------------------------------------------------------------


def test_the_first_release_with_table_10_is_not_refused_for_its_new_groups(tmp_path):
    """A release from before table 10 did not publish its cells: people "joining" them is no difference."""
    store = create_hub(tmp_path / "hub", MemorySecretStore(), lambda _c: None, AT).ledger_store()
    ledger = ReleaseRegister(store, RULES.threshold)
    people = [
        *assessed("a", range(1_000, 1_800, 100)),
        *assessed("m", [1_000] * 3, primary_support_reason=MC),  # a cell of 3
        *(rec(f"p{i}") for i in range(10)),
    ]
    old_tables = [t for t in SPECS if t != TABLE]
    ledger.release(YEAR.start, YEAR.end, people, old_tables, "before", AT, RULES)
    ledger = ReleaseRegister(store, RULES.threshold)
    assert ledger.release(YEAR.start, YEAR.end, people, list(SPECS), "with table 10", AT, RULES)
    # Against a release with table 10, one person's contribution changing is refused.
    changed = [replace(people[0], weekly_contribution_pence=9_999), *people[1:]]
    decision = ReleaseRegister(store, RULES.threshold).check(
        YEAR.start,
        YEAR.end,
        ReleaseRegister(store, RULES.threshold).hash_people(changed, RULES),
        "changed",
        RULES,
    )
    assert not decision.allowed and "differencing" in decision.reason


# -- the hub ----------------------------------------------------------------------------------------


def _payload(hub, records: list[dict], *, with_flag: bool) -> bytes:
    payload = {
        "kind": contrib.PAYLOAD_KIND,
        "schema_version": 1,
        "format_version": contrib.FORMAT_VERSION,
        "hub_id": hub.public.hub_id,
        "app_version": "old",
        "generated_at": "2026-11-23T10:30:00+00:00",
        "period": {"from": "2026-04-01", "to": "2027-03-31"},
        "data_until": "2026-11-23",
        "audit_head": None,
        "record_count": len(records),
        "records": records,
    }
    if with_flag:
        payload[contrib.CONTRIBUTION_FIELDS] = True
    return contrib.seal(json.dumps(payload).encode(), hub.public)


def test_the_hub_merges_contributions_with_the_field_and_older_ones_without_it(tmp_path):
    hub = create_hub(tmp_path / "hub", MemorySecretStore(), lambda _c: None, AT)
    new = [rec(f"n:{i:064x}", "assessed", 2_000 + i) for i in range(8)]
    new.append(rec(f"n:{8:064x}"))  # none recorded
    old = [rec(f"n:{100 + i:064x}") for i in range(4)]
    old_dicts = [r.to_dict() for r in old]
    assert all("contribution_status" not in d for d in old_dicts)  # exactly what an older release wrote
    (tmp_path / "new.pbcontrib").write_bytes(_payload(hub, [r.to_dict() for r in new], with_flag=True))
    (tmp_path / "old.pbcontrib").write_bytes(_payload(hub, old_dicts, with_flag=False))
    merged = contrib.merge_contributions([tmp_path / "new.pbcontrib", tmp_path / "old.pbcontrib"], hub)
    statuses = sorted(r.contribution_status for r in merged.records)
    assert statuses == ["", *["assessed"] * 8, *[CONTRIBUTION_UNKNOWN] * 4]
    assert sum(r.weekly_contribution_pence for r in merged.records) == sum(2_000 + i for i in range(8))
    report = "\n".join(merged.report_lines())
    assert "4 people's contributions are unknown (old.pbcontrib: made by an older PersonalBudget" in report
    t = table(list(merged.records))
    assert t.value(PC, "social_care", measure="people") == 15  # 13 people, unknown ones counted
    assert t.value(PC, "social_care", measure=TOTAL) == sum(2_000 + i for i in range(8))  # 8 known
    assert any("older PersonalBudget" in note for note in t.notes)  # the published table says so too
    assert not any("older PersonalBudget" in note for note in table(new).notes)
    # Without an older file, nothing is said.
    only_new = contrib.merge_contributions([tmp_path / "new.pbcontrib"], hub)
    assert "unknown" not in "\n".join(only_new.report_lines())
    assert table_csv(t)  # publishable as CSV


def test_a_contribution_from_the_services_carries_the_assessed_contribution(services, tmp_path):
    hub = create_hub(tmp_path / "hub", MemorySecretStore(), lambda _c: None, AT)
    pid = agreed_person(services)
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment", "net")
    )
    out = tmp_path / "laptop.pbcontrib"
    summary = services.export.contribution(out, hub.public, date(2026, 4, 1), date(2027, 3, 31))
    assert summary.people == 1
    [record] = contrib.open_contribution(out, hub).records
    assert (record.contribution_status, record.weekly_contribution_pence) == ("assessed", 4_250)
