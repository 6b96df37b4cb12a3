"""The anonymised aggregate export (issue #6, part 1): records, tables, disclosure, ledger, outputs."""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import text

from personalbudget.cli import run
from personalbudget.domain import nhs_number
from personalbudget.domain.management import DeliveryMechanism, salt_category
from personalbudget.domain.roles import Role
from personalbudget.errors import PermissionDeniedError, PersonalBudgetError
from personalbudget.export.dataset import PersonRecord, extract_records
from personalbudget.export.disclosure import SUPPRESSED, DisclosureRules, solvable
from personalbudget.export.hub import LedgerHeadStore
from personalbudget.export.outputs import DATAPACKAGE, WORKBOOK, ReleaseMetadata, content_hash, write_release
from personalbudget.export.release_register import (
    PUBLISHED,
    REFUSED,
    DifferencingRefusedError,
    JsonRegisterStore,
    ReleaseEntry,
    ReleaseRegister,
)
from personalbudget.export.tables import (
    ALL,
    NOT_RECORDED,
    OTHER_LOCALITIES,
    SPECS,
    Period,
    build_tables,
    published_localities,
)
from personalbudget.services import build_services
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.export_service import ExportService
from personalbudget.services.settings_service import DisclosureSettings
from personalbudget.storage.keys import MemorySecretStore
from tests.core.money_helpers import agreed_person, living_person

RULES = DisclosureRules()
YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
PC = "Physical Support: Personal care support"
MC = "Support with Memory & Cognition"
LD = "Learning Disability Support"
AT = datetime(2026, 6, 1, tzinfo=UTC)


def rec(key: str, **overrides) -> PersonRecord:
    values = dict(
        key=key,
        age_band="65-74",
        locality="Millbrook",
        primary_support_reason=PC,
        budget_type="personal_budget",
        budget_streams=(("social_care", 1_040_000),),
        plan_version_at=AT,
    )
    values.update(overrides)
    return PersonRecord(**values)


def by_id(tables):
    return {t.spec.id: t for t in tables}


# -- the records -----------------------------------------------------------------------------------


def test_a_record_round_trips_as_json_and_refuses_anything_else():
    record = rec(
        "k1",
        delivery_mechanisms=(("Direct Payment", 1_040_000),),
        planned_by_category=(("personal_assistant", 936_000),),
        ledger_kept=True,
        actual_by_category=(("personal_assistant", 400_000), ("unlinked", 1_000)),
        outcomes_at_review=(("a", "Fully Met"),),
        market_gaps=(("transport", "Millbrook"),),
        review_timeliness="Completed on time",
    )
    data = json.loads(json.dumps(record.to_dict()))
    assert PersonRecord.from_dict(data) == record
    with pytest.raises(ValueError, match="fields differ"):
        PersonRecord.from_dict({**data, "name": "Gwen Price"})
    with pytest.raises(ValueError, match="schema version"):
        PersonRecord.from_dict({**data, "schema_version": 99})
    with pytest.raises(ValueError, match="primary support reason"):
        PersonRecord.from_dict({**data, "primary_support_reason": "Free text about Gwen"})
    with pytest.raises(ValueError, match="whole pence"):
        PersonRecord.from_dict({**data, "budget_streams": {"social_care": 10.5}})


def test_records_come_from_the_caseload_without_identifiers(services):
    pid = living_person(services)  # Gwen Price, born 14 March 1948, direct payment of the whole budget
    with services.context.db.session() as session:
        item = session.execute(
            text("SELECT id FROM plan_support_item WHERE description = 'PA hours' ORDER BY id DESC")
        ).scalar()
        session.execute(
            text(
                "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, plan_item_id, "
                "category, source, recorded_at, recorded_by) VALUES "
                "(:p, '2026-05-01', -15000, 'Sam Jones wages', :i, '', 'manual', :at, 'x'), "
                "(:p, '2026-05-02', -2500, 'Corner shop', NULL, '', 'manual', :at, 'x'), "
                "(:p, '2025-05-02', -9900, 'Before the period', NULL, '', 'manual', :at, 'x')"
            ),
            {"p": pid, "i": item, "at": datetime(2026, 5, 1, tzinfo=UTC)},
        )
    [record] = extract_records(services.context.db, date(2026, 4, 1), date(2027, 3, 31))
    assert record.key == f"local-{pid}"
    assert record.age_band == "75-84"  # 79 on 31 March 2027
    assert (record.locality, record.primary_support_reason, record.budget_type) == (
        "Millbrook",
        PC,
        "personal_budget",
    )
    assert record.budget_streams == (("social_care", 846_000),)
    assert record.delivery_mechanisms == (("Direct Payment", 846_000),)
    assert dict(record.planned_by_category) == {
        "personal_assistant": 780_000,  # £15 x 10 a week x 52
        "community_activities": 36_000,  # £30 a month
        "equipment": 30_000,  # £300 once
    }
    assert record.ledger_kept
    assert dict(record.actual_by_category) == {"personal_assistant": 15_000, "unlinked": 2_500}
    text_of_record = json.dumps(record.to_dict())
    for identifier in ("Gwen", "Price", "943", "4765919", "1948", "Sam Jones", "Corner shop", "swimming"):
        assert identifier not in text_of_record
    # A key function (the hub's HMAC) sees the NHS number; the record holds only what it returns.
    [keyed] = extract_records(
        services.context.db,
        date(2026, 4, 1),
        date(2027, 3, 31),
        key_fn=lambda who: f"h-{len(who.nhs_number)}",
    )
    assert keyed.key == "h-10"


def test_only_roles_that_may_export_aggregates_can_read_records(db, clock, services):
    agreed_person(services)
    # The service checks the role before anything is read; the export functions take the database.
    for role in (Role.INDIVIDUAL, Role.BROKER, Role.APPROVER):
        refused = build_services(db, clock, "someone", role=role)
        with pytest.raises(PermissionDeniedError):
            refused.export.preview(date(2026, 4, 1), date(2027, 3, 31))
    analyst = build_services(db, clock, "analyst", role=Role.ANALYST)
    preview = analyst.export.preview(date(2026, 4, 1), date(2027, 3, 31))
    assert by_id(preview.tables)["reviews_on_time"].value(ALL, measure="people") == SUPPRESSED  # one person


# -- every table for a small caseload, worked out by hand ---------------------------------------------


def small_caseload() -> list[PersonRecord]:
    """22 people: 10 in Millbrook (65-74, personal care, direct payment), 9 in Westgate (85+, memory,
    council-managed, with health funding), 3 in Harbourside (18-24, learning disability, direct payment)."""
    group_a = [
        rec(
            f"a{i}",
            delivery_mechanisms=(("Direct Payment", 1_040_000),),
            planned_by_category=(("personal_assistant", 936_000),),
            ledger_kept=True,
            actual_by_category=(("personal_assistant", 400_000 + 200_000 * (i == 0)),),
            outcomes_at_review=(("a", "Fully Met"), ("b", "Not Met" if i < 5 else "Partially Met")),
            market_gaps=(("transport", "Millbrook"),),
            review_timeliness="Completed on time",
        )
        for i in range(10)
    ]
    group_b = [
        rec(
            f"b{i}",
            age_band="85+",
            locality="Westgate",
            primary_support_reason=MC,
            budget_streams=(("health", 520_000), ("social_care", 2_080_000)),
            delivery_mechanisms=(("CASSR Managed Personal Budget", 2_600_000),),
            planned_by_category=(("personal_care", 2_600_000),),
            outcomes_at_review=(("a", "Partially Met"),),
            review_timeliness="Overdue",
        )
        for i in range(9)
    ]
    group_c = [
        rec(
            f"c{i}",
            age_band="18-24",
            locality="Harbourside",
            primary_support_reason=LD,
            budget_streams=(("social_care", 520_000),),
            delivery_mechanisms=(("Direct Payment", 520_000),),
            planned_by_category=(("day_opportunities", 520_000),),
            ledger_kept=True,
            actual_by_category=(("day_opportunities", 100_000),),
            outcomes_at_review=(("a", "Fully Met"),),
            review_timeliness="Not yet due",
        )
        for i in range(3)
    ]
    return group_a + group_b + group_c


def test_every_table_for_a_small_caseload_worked_out_by_hand():
    tables = by_id(build_tables(small_caseload(), RULES, YEAR))
    assert list(tables) == list(SPECS)

    t = tables["people_by_age_and_reason"]
    # 18-24 (3 people, all learning disability) is a group of 1-7: its zeros are hidden too, and
    # 65-74 x PC goes with the zero under it, or that zero would be column total minus 10 (review 6).
    assert t.value("65-74", PC, measure="people") == SUPPRESSED  # 10
    assert t.value("85+", MC, measure="people") == 10  # 9
    assert t.value("18-24", LD, measure="people") == SUPPRESSED  # 3
    assert t.value("45-64", PC, measure="people") == 0
    assert t.value("18-24", ALL, measure="people") == SUPPRESSED  # 3
    assert t.value("85+", ALL, measure="people") == SUPPRESSED  # 9, else 18-24 = 22 - 10 - 9
    assert t.value("65-74", ALL, measure="people") == 10
    assert t.value(ALL, PC, measure="people") == 10
    assert t.value(ALL, MC, measure="people") == SUPPRESSED
    assert t.value(ALL, LD, measure="people") == SUPPRESSED
    assert t.value(ALL, ALL, measure="people") == 20  # 22 rounded to 5

    t = tables["people_by_locality_mechanism"]
    assert "Harbourside" not in {r.dims[0] for r in t.rows}  # 3 people: pooled
    assert t.value("Millbrook", "Direct Payment only", measure="people") == 10
    # Other localities (3) is a group of 1-7: its 0 under CASSR is hidden, so Westgate x CASSR (9) goes
    # with it, or that 0 would be the column total minus 9 (review 6).
    assert t.value("Westgate", "CASSR Managed Personal Budget", measure="people") == SUPPRESSED  # 9
    assert t.value(OTHER_LOCALITIES, "Direct Payment only", measure="people") == SUPPRESSED  # 3
    assert t.value("Westgate", ALL, measure="people") == SUPPRESSED  # 9, else Other = 22 - 10 - 9
    # With Westgate's row total hidden, Westgate x CASSR (9) would still give it away, and Other
    # (3) with it; a published 0 in the Direct Payment column is hidden instead (the cheapest fix).
    assert t.value("Westgate", "Direct Payment only", measure="people") == SUPPRESSED  # 0
    assert t.value(ALL, "Direct Payment only", measure="people") == 15  # 13
    assert t.value(ALL, ALL, measure="people") == 20

    t = tables["budget_by_reason"]
    assert t.value(PC, measure="people") == 10
    # Learning disability (3 people) is hidden and the 'All' total is published. Memory (9 people)
    # has its count hidden (secondary), so none of its statistics are published either (review 6):
    # two hidden sums, so no other has to go with them.
    assert t.value(PC, measure="total_annual_budget_gbp") == 104_000
    assert t.value(PC, measure="median_annual_budget_gbp") == 10_400
    assert t.value(MC, measure="people") == SUPPRESSED  # 9
    assert t.value(MC, measure="total_annual_budget_gbp") == SUPPRESSED  # 9 x £26,000
    assert t.value(MC, measure="median_annual_budget_gbp") == SUPPRESSED
    assert t.value(LD, measure="total_annual_budget_gbp") == SUPPRESSED  # 3 people
    assert t.value(LD, measure="median_annual_budget_gbp") == SUPPRESSED
    assert t.value(ALL, measure="total_annual_budget_gbp") == 353_600  # 104,000 + 234,000 + 15,600
    assert t.value(ALL, measure="median_annual_budget_gbp") == 10_400

    t = tables["budget_by_funding_stream"]
    assert t.value("social_care", measure="people") == 20  # 22
    assert t.value("social_care", measure="total_annual_budget_gbp") == 306_800  # 104,000 + 187,200 + 15,600
    assert t.value("social_care", measure="median_annual_budget_gbp") == 10_400
    assert t.value("health", measure="people") == 10  # 9
    assert t.value("health", measure="total_annual_budget_gbp") == 46_800
    assert t.value("health", measure="median_annual_budget_gbp") == 5_200

    t = tables["planned_spend_by_category"]
    assert t.value("day_opportunities", measure="people") == SUPPRESSED
    assert t.value("day_opportunities", measure="total_planned_annual_gbp") == SUPPRESSED
    assert t.value("personal_assistant", measure="people") == 10
    assert t.value("personal_assistant", measure="total_planned_annual_gbp") == SUPPRESSED  # its partner
    assert t.value("personal_assistant", measure="median_planned_annual_gbp") == 9_360
    assert t.value("personal_care", measure="total_planned_annual_gbp") == 234_000
    assert t.value(ALL, measure="total_planned_annual_gbp") == 343_200  # 93,600 + 234,000 + 15,600

    t = tables["spend_against_plan_by_mechanism"]
    assert t.value("Direct Payment only", measure="people") == 15  # 13
    assert (
        t.value("Direct Payment only", measure="planned_in_period_gbp") == 119_600
    )  # 10 x 10,400 + 3 x 5,200
    assert (
        t.value("Direct Payment only", measure="spent_in_period_gbp") == 45_000
    )  # 10 x 4,000 + 2,000 + 3 x 1,000
    assert t.value("Direct Payment only", measure="difference_gbp") == -74_600
    assert t.value("Direct Payment only", measure="people_overspent") == SUPPRESSED  # none of 13 (class)
    assert t.value("Part Direct Payment", measure="people") == 0

    t = tables["outcomes_at_review"]
    assert t.value("a", "Fully Met", measure="people") == 15  # 13
    assert t.value("a", "Partially Met", measure="people") == 10  # 9
    assert t.value("a", "Not Met", measure="people") == 0
    assert t.value("a", ALL, measure="people") == 20  # 22
    assert t.value("b", "Not Met", measure="people") == SUPPRESSED  # 5
    assert t.value("b", "Partially Met", measure="people") == SUPPRESSED  # 5
    assert t.value("c", ALL, measure="people") == 0

    t = tables["market_gaps_at_review"]
    assert t.value("transport", "Millbrook", measure="people") == 10
    assert t.value("transport", "Westgate", measure="people") == 0
    assert {r.dims for r in t.rows if r.dims[0] == ALL or r.dims[1] == ALL} == set()  # no totals

    t = tables["reviews_on_time"]
    assert t.value("Completed on time", measure="people") == 10
    assert t.value("Overdue", measure="people") == SUPPRESSED  # 9, else 'Not yet due' = 22 - 10 - 9
    assert t.value("Not yet due", measure="people") == SUPPRESSED  # 3
    assert t.value("Completed late", measure="people") == 0
    assert t.value(ALL, measure="people") == 20
    # Notes say which rules changed cells.
    assert any("pooled" in n for n in tables["people_by_locality_mechanism"].notes)


# -- rule boundaries, in the tables ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "published"), [(0, 0), (1, "*"), (7, "*"), (8, 10), (12, 10), (13, 15), (22, 20), (23, 25)]
)
def test_counts_at_each_boundary_in_the_tables(n, published):
    records = [rec(f"p{i}") for i in range(n)]
    tables = by_id(build_tables(records, RULES, YEAR))
    assert tables["people_by_age_and_reason"].value("65-74", PC, measure="people") == published
    assert tables["people_by_age_and_reason"].value(ALL, ALL, measure="people") == published
    assert tables["reviews_on_time"].value(ALL, measure="people") == published
    assert tables["budget_by_reason"].value(PC, measure="people") == published


@pytest.mark.parametrize(("n", "allowed"), [(7, False), (8, True)])
def test_totals_and_medians_need_eight_people(n, allowed):
    tables = by_id(build_tables([rec(f"p{i}") for i in range(n)], RULES, YEAR))
    t = tables["budget_by_reason"]
    expected_total, expected_median = (n * 10_400, 10_400) if allowed else (SUPPRESSED, SUPPRESSED)
    assert t.value(PC, measure="total_annual_budget_gbp") == expected_total
    assert t.value(PC, measure="median_annual_budget_gbp") == expected_median
    assert all(r.measure not in ("min", "max", "minimum", "maximum") for r in t.rows)


@pytest.mark.parametrize(
    ("pounds", "allowed"),
    [((450, 450, 20, 20, 20, 20, 10, 10), True), ((451, 450, 20, 20, 20, 20, 10, 9), False)],
)
def test_dominance_at_ninety_percent(pounds, allowed):
    records = [rec(f"p{i}", budget_streams=(("social_care", p * 100),)) for i, p in enumerate(pounds)]
    t = by_id(build_tables(records, RULES, YEAR))["budget_by_reason"]
    assert t.value(PC, measure="total_annual_budget_gbp") == (1000 if allowed else SUPPRESSED)


@pytest.mark.parametrize(
    ("not_met", "others", "suppressed"), [(10, 0, True), (12, 0, True), (16, 0, False), (10, 10, False)]
)
def test_class_disclosure_of_outcomes_not_met(not_met, others, suppressed):
    records = [rec(f"n{i}", outcomes_at_review=(("b", "Not Met"),)) for i in range(not_met)]
    records += [rec(f"f{i}", outcomes_at_review=(("b", "Fully Met"),)) for i in range(others)]
    t = by_id(build_tables(records, RULES, YEAR))["outcomes_at_review"]
    cells = [t.value("b", rating, measure="people") for rating in ("Fully Met", "Partially Met", "Not Met")]
    assert (cells == [SUPPRESSED] * 3) is suppressed
    assert t.value("b", ALL, measure="people") != SUPPRESSED


def test_thresholds_are_settings(services):
    settings = services.settings.save_disclosure(DisclosureSettings(threshold=10, base=10))
    assert services.settings.disclosure() == settings
    exporter = ExportService(services.context, services.settings)
    assert exporter.rules() == DisclosureRules(threshold=10, base=10)
    with pytest.raises(PersonalBudgetError):
        services.settings.save_disclosure(DisclosureSettings(threshold=5))  # never weaker than PRIVACY.md
    records = [rec(f"p{i}") for i in range(9)]
    assert (
        by_id(build_tables(records, exporter.rules(), YEAR))["reviews_on_time"].value(ALL, measure="people")
        == "*"
    )


# -- the intruder: no suppressed cell can be recovered from what is published ------------------------


def _published_range(value, rules: DisclosureRules, total: int) -> tuple[int, int]:
    """What a published count says about the true count: * is any count, 0 is exact, and a
    rounded count n came from [n - base/2, n + base/2) (halves up), and at least the threshold."""
    if value == SUPPRESSED:
        return 0, total  # a zero can be hidden too (class disclosure)
    if value == 0:
        return 0, 0
    low = math.ceil(Fraction(value) - Fraction(rules.base, 2))
    high = math.ceil(Fraction(value) + Fraction(rules.base, 2)) - 1
    return max(low, rules.threshold), high


def attack_two_way(table, rules: DisclosureRules, true_total: int):
    """Each suppressed entry of a two-way table with totals, and whether an intruder can pin it.

    Built only from the published rows: every cell and total is an unknown limited to what its
    published value allows (a rounded count, a *, an exact 0); rows and columns add up."""
    row_names = list(dict.fromkeys(r.dims[0] for r in table.rows))
    column_names = list(dict.fromkeys(r.dims[1] for r in table.rows))
    published = {r.dims: r.value for r in table.rows}
    domains = {}
    for dims, value in published.items():
        domains[("cell", row_names.index(dims[0]), column_names.index(dims[1]))] = _published_range(
            value, rules, true_total
        )
    constraints = []
    inner_rows = [r for r in row_names if r != ALL]
    inner_columns = [c for c in column_names if c != ALL]

    def var(row, column):
        return ("cell", row_names.index(row), column_names.index(column))

    for row in row_names:
        if (row, ALL) in published:
            constraints.append(([(1, var(row, c)) for c in inner_columns] + [(-1, var(row, ALL))], 0, 0))
    for column in column_names:
        if (ALL, column) in published:
            constraints.append(([(1, var(r, column)) for r in inner_rows] + [(-1, var(ALL, column))], 0, 0))
    return domains, constraints, published, var


def pinned(domains, constraints, x, truth) -> bool:
    """True if ``truth`` is the only value of ``x`` that fits (or nothing else could be found)."""
    lo, hi = domains[x]
    for near in (truth - 1, truth + 1):  # the usual case: a neighbouring value fits
        if lo <= near <= hi and solvable({**domains, x: (near, near)}, constraints, 200_000):
            return False
    below = truth - 1 >= lo and solvable({**domains, x: (lo, truth - 1)}, constraints, 200_000)
    above = truth + 1 <= hi and solvable({**domains, x: (truth + 1, hi)}, constraints, 200_000)
    return not (below or above)


def true_counts(records, table_id, rules):
    """The true count behind each published cell (the test knows the records; the intruder does not)."""
    if table_id == "people_by_age_and_reason":
        return lambda row, column: sum(
            1 for r in records if row in (ALL, r.age_band) and column in (ALL, r.primary_support_reason)
        )
    if table_id == "people_by_locality_mechanism":
        places = set(published_localities(records, rules))

        def place(r):
            return r.locality if r.locality in places else OTHER_LOCALITIES

        def mechanism(r):
            found = salt_category({DeliveryMechanism(m) for m, _p in r.delivery_mechanisms})
            return found.value if found else NOT_RECORDED

        return lambda row, column: sum(
            1 for r in records if row in (ALL, place(r)) and column in (ALL, mechanism(r))
        )
    if table_id == "outcomes_at_review":
        return lambda row, column: sum(
            1
            for r in records
            for code, rating in r.outcomes_at_review
            if code == row and column in (ALL, rating)
        )
    raise AssertionError(table_id)


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
@pytest.mark.parametrize("base", [5, 1])
def test_no_suppressed_cell_can_be_recovered_from_the_published_margins(base, services):
    rules = DisclosureRules(base=base)  # base 1: no rounding, the intruder's best case
    build_demo_caseload(services.context, people=40, seed=3)
    caseloads = {
        "hand-built": small_caseload(),
        "demo": extract_records(services.context.db, date(2026, 4, 1), date(2027, 3, 31)),
    }
    checked = 0
    for name, records in caseloads.items():
        tables = by_id(build_tables(records, rules, YEAR))
        for table_id in ("people_by_age_and_reason", "people_by_locality_mechanism", "outcomes_at_review"):
            table = tables[table_id]
            truth_of = true_counts(records, table_id, rules)
            domains, constraints, published, var = attack_two_way(table, rules, len(records) * 10)
            assert solvable(domains, constraints, 200_000), "the truth must fit what is published"
            for dims in [dims for dims, value in published.items() if value == SUPPRESSED]:
                truth = truth_of(*dims)
                # The intruder also knows a small count was hidden for being small: 1 to 7.
                small = dict(domains)
                if 0 < truth < rules.threshold:
                    small[var(*dims)] = (1, rules.threshold - 1)
                elif truth == 0:
                    small[var(*dims)] = (0, rules.threshold - 1)
                assert not pinned(small, constraints, var(*dims), truth), (name, table_id, dims, truth)
                checked += 1
    assert checked > 20


def test_one_way_totals_do_not_give_away_a_single_suppressed_count():
    records = small_caseload()
    t = by_id(build_tables(records, DisclosureRules(base=1), YEAR))["reviews_on_time"]
    hidden = [r.dims for r in t.rows if r.value == SUPPRESSED]
    assert len(hidden) != 1  # one hidden count would be the total minus the others


# -- outputs ---------------------------------------------------------------------------------------


def export_demo(services, out: Path, **kwargs):
    return ExportService(services.context, services.settings).export(
        date(2026, 4, 1), date(2027, 3, 31), out, **kwargs
    )


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_the_datapackage_is_valid_and_carries_its_metadata(services, tmp_path):
    import frictionless

    build_demo_caseload(services.context, people=20, seed=2)
    result = export_demo(services, tmp_path / "out")
    assert result is not None
    names = {p.name for p in result.files}
    assert names == {DATAPACKAGE, WORKBOOK} | {f"{t}.csv" for t in SPECS}
    report = frictionless.validate(str(tmp_path / "out" / DATAPACKAGE))
    assert report.valid, report.flatten(["type", "message"])
    package = json.loads((tmp_path / "out" / DATAPACKAGE).read_text())
    meta = package["personalbudget"]
    assert meta["period"]["from"] == "2026-04-01" and meta["period"]["to"] == "2027-03-31"
    assert meta["thresholds"] == {"threshold": 8, "base": 5, "min_contributors": 8, "dominance": "9/10"}
    assert meta["rules"]["minimum_and_maximum"] == "never published"
    assert meta["content_hash"] == result.content_hash
    assert meta["app_version"] and meta["dataset_schema_version"] == 1 and meta["generated_at"]
    with services.context.db.session() as session:
        number, digest = session.execute(
            text("SELECT id, hash FROM audit_event WHERE table_name != 'export_release' ORDER BY id DESC")
        ).first()
    assert meta["audit_head"] == f"{number}:{digest}"  # the chain as it stood when the tables were made
    assert [r["name"] for r in package["resources"]] == list(SPECS)
    assert all(r["description"] and r["schema"]["fields"] for r in package["resources"])
    # The tidy CSV: dimensions, measure, value.
    first = (tmp_path / "out" / "reviews_on_time.csv").read_text().splitlines()
    assert first[0] == "review_status,measure,value"
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "out" / WORKBOOK)
    assert book.sheetnames[0] == "README" and len(book.sheetnames) == 1 + len(SPECS)


def test_a_failed_export_leaves_nothing_behind(tmp_path):
    tables = build_tables(small_caseload(), RULES, YEAR)
    meta = ReleaseMetadata(YEAR, RULES, AT, content_hash(tables), "")

    def fail():
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_release(tmp_path / "out", tables, meta, before_commit=fail)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep")
    with pytest.raises(PersonalBudgetError, match="other files"):
        write_release(tmp_path / "busy", tables, meta)


SENTINELS = {
    "name": "Zebedee Quixote-Sentinel",
    "nhs": "999 000 0018",
    "postcode": "ZZ99 3QQ",
    "free text": "Xylophone-sentinel wishes",
}


def _valid_nhs(n: int) -> str:
    for first in range(999_000_000 + n * 10, 999_100_000):
        digits = f"{first:09d}"
        check = nhs_number.check_digit(digits)
        if check is not None:
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}{check}"
    raise AssertionError


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_no_identifier_or_free_text_reaches_any_exported_byte(services, tmp_path):
    build_demo_caseload(services.context, people=15, seed=5)
    nhs = _valid_nhs(7)
    pid = living_person(services, nhs=nhs, name=SENTINELS["name"])
    dob = date(1931, 7, 19)
    with services.context.db.session() as session:
        session.execute(
            text("UPDATE person SET date_of_birth = :d, locality = :l WHERE id = :p"),
            {"d": dob, "l": f"{SENTINELS['postcode']} Sentinel Close", "p": pid},
        )
        session.execute(text("UPDATE support_plan SET what_matters = :t"), {"t": SENTINELS["free text"]})
        session.execute(text("UPDATE plan_support_item SET description = :t"), {"t": SENTINELS["free text"]})
        session.execute(text("UPDATE market_gap SET why = :t"), {"t": SENTINELS["free text"]})
        session.execute(
            text("UPDATE review SET risks = :t, decision_note = :t"), {"t": SENTINELS["free text"]}
        )
    result = export_demo(services, tmp_path / "out")
    assert result is not None
    needles = [
        SENTINELS["name"],
        "Zebedee",
        "Quixote",
        nhs,
        nhs.replace(" ", ""),
        SENTINELS["postcode"],
        SENTINELS["postcode"].replace(" ", ""),
        "Sentinel Close",
        "Xylophone",
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
        "1931",
    ]
    with services.context.db.session() as session:
        names = [n for (n,) in session.execute(text("SELECT name FROM person")).all()]
        numbers = [n for (n,) in session.execute(text("SELECT nhs_number FROM person")).all() if n]
    needles += names + numbers
    blobs = {}
    for path in (tmp_path / "out").iterdir():
        blobs[path.name] = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    blobs[f"{path.name}:{member}"] = book.read(member)
    assert any(name.startswith("aggregates.xlsx:xl/worksheets") for name in blobs)
    for where, blob in blobs.items():
        lowered = blob.lower()
        for needle in needles:
            assert needle.lower().encode() not in lowered, (needle, where)


# -- the release ledger ----------------------------------------------------------------------------


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_re_export_after_adding_one_person_is_refused_and_both_attempts_are_recorded(services, tmp_path):
    build_demo_caseload(services.context, people=20, seed=6)
    exporter = ExportService(services.context, services.settings)
    first = export_demo(services, tmp_path / "first")
    assert first is not None and not first.identical_to_earlier
    again = export_demo(services, tmp_path / "again")  # nothing changed: the same tables again
    assert again.content_hash == first.content_hash and again.identical_to_earlier

    agreed_person(services, nhs=_valid_nhs(1), name="One More")
    with pytest.raises(DifferencingRefusedError, match="rule 6") as refused:
        export_demo(services, tmp_path / "second")
    assert "differencing" in str(refused.value)
    assert not (tmp_path / "second").exists()
    entries = exporter.releases()
    assert [e.status for e in entries] == [PUBLISHED, PUBLISHED, REFUSED]
    assert entries[2].content_hash != first.content_hash and entries[2].table_ids == tuple(SPECS)
    assert all(e.period_from == date(2026, 4, 1) for e in entries)
    # People are in the ledger only as salted hashes.
    assert all(":" in h and "local-" not in h for e in entries for h in e.people_hashes)

    for n in range(2, 9):  # eight people added, all alike...
        agreed_person(services, nhs=_valid_nhs(n), name=f"More {n}")
    # ...but Millbrook now has enough people to be published, so one earlier person leaves 'Other
    # localities' for it: one person changed in those groups, still refused (the rule is group by
    # group, not 8 people overall). A different, overlapping period is compared too.
    for start, end, out in (
        (date(2026, 4, 1), date(2027, 3, 31), "third"),
        (date(2026, 4, 1), date(2026, 9, 30), "half"),
    ):
        with pytest.raises(DifferencingRefusedError, match="published groups") as refused:
            exporter.export(start, end, tmp_path / out)
        assert "Millbrook" not in str(refused.value) and not (tmp_path / out).exists()
    entries = exporter.releases()
    assert [e.status for e in entries] == [PUBLISHED, PUBLISHED, REFUSED, REFUSED, REFUSED]
    # The disclosure rules of every attempt are recorded (releases may not mix roundings).
    assert {e.rules for e in entries} == {"threshold=8,base=5,min_contributors=8,dominance=9/10"}


_HEADS = MemorySecretStore()


def _json_store(tmp_path) -> JsonRegisterStore:
    """A hub ledger under a fixed hub secret, its head kept in an in-memory keyring."""
    return JsonRegisterStore(tmp_path / "ledger.json", b"s" * 32, LedgerHeadStore(str(tmp_path), _HEADS))


def test_json_ledger_for_the_hub(tmp_path):
    ledger = ReleaseRegister(_json_store(tmp_path), threshold=8)
    people = small_caseload()
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "hash1", AT)
    with pytest.raises(DifferencingRefusedError):
        ledger.release(YEAR.start, YEAR.end, people[:-1], ["t"], "hash2", AT)
    ledger.release(YEAR.start, YEAR.end, people[:-1], ["t"], "hash1", AT)  # identical tables: allowed
    reopened = ReleaseRegister(_json_store(tmp_path), threshold=8)
    assert [e.status for e in reopened.store.entries()] == [PUBLISHED, REFUSED, PUBLISHED]
    stored = (tmp_path / "ledger.json").read_text()
    assert '"a0"' not in stored and "Millbrook" not in stored  # keys and records only as salted hashes


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_a_cancelled_export_writes_and_records_nothing(services, tmp_path):
    build_demo_caseload(services.context, people=10, seed=1)
    assert export_demo(services, tmp_path / "out", progress=lambda done, total: done < 4) is None
    assert not (tmp_path / "out").exists()
    assert ExportService(services.context, services.settings).releases() == []


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def _cli_keys(keys, monkeypatch):
    monkeypatch.setattr("personalbudget.cli.default_keys", lambda: keys)


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
@pytest.mark.usefixtures("_cli_keys")
def test_cli_export_aggregates(tmp_path, capsys):
    db_path = tmp_path / "demo.db"
    assert run(["demo", "--db", str(db_path), "--people", "30", "--seed", "1"]) == 0
    out = tmp_path / "aggregates"
    argv = [
        "export",
        "aggregates",
        "--db",
        str(db_path),
        "--out",
        str(out),
        "--from",
        "2026-04-01",
        "--to",
        "2027-03-31",
    ]
    assert run(argv) == 0
    assert "anonymised aggregates" in capsys.readouterr().out
    assert (out / DATAPACKAGE).exists() and (out / WORKBOOK).exists()
    assert run(["export", "aggregates", "--db", str(tmp_path / "missing.db"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "There is no caseload" in err and len(err.strip().splitlines()) == 1
    assert run([*argv[:-4], "--from", "2027-03-31", "--to", "2026-04-01"]) == 1
    assert "ends before it starts" in capsys.readouterr().err
    assert run([*argv[:-4], "--from", "not a date"]) == 1


def test_statistics_round_to_pounds_half_up():
    # Four people with £2.00 and four with £3.00: the median is £2.50, published as £3 (round() gives 2).
    records = [rec(f"p{i}", budget_streams=(("social_care", 200 if i < 4 else 300),)) for i in range(8)]
    t = by_id(build_tables(records, RULES, YEAR))["budget_by_reason"]
    assert t.value(PC, measure="median_annual_budget_gbp") == 3
    assert t.value(PC, measure="total_annual_budget_gbp") == 20


@pytest.mark.usefixtures("_cli_keys")
def test_cli_settings_for_the_export(tmp_path, capsys):
    db_path = tmp_path / "demo.db"
    assert run(["demo", "--db", str(db_path), "--people", "2", "--seed", "1"]) == 0
    assert run(["settings", "--db", str(db_path), "--export-threshold", "10", "--export-rounding", "10"]) == 0
    assert "counts of 1 to 9 people suppressed, others rounded to 10" in capsys.readouterr().out
    assert run(["settings", "--db", str(db_path), "--export-threshold", "3"]) == 1


# -- the release ledger against differencing across periods, groups and rules (review 6) ------------


def _ledger(tmp_path) -> ReleaseRegister:
    return ReleaseRegister(_json_store(tmp_path), threshold=8)


def _statuses(ledger: ReleaseRegister) -> list[str]:
    return [e.status for e in ledger.store.entries()]


def test_a_period_one_day_longer_with_one_more_person_is_refused(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    newcomer = rec("n1", primary_support_reason=MC, budget_streams=(("social_care", 1_234_567),))
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    longer = date(2027, 4, 1)
    with pytest.raises(DifferencingRefusedError, match="rule 6") as refused:
        ledger.release(YEAR.start, longer, [*people, newcomer], ["t"], "h2", AT, RULES)
    assert "published groups" in str(refused.value)
    # Nor a period that overlaps it only in part.
    with pytest.raises(DifferencingRefusedError):
        ledger.release(date(2027, 3, 31), longer, [*people, newcomer], ["t"], "h3", AT, RULES)
    assert _statuses(ledger) == [PUBLISHED, REFUSED, REFUSED]
    stored = (tmp_path / "ledger.json").read_text()
    assert '"n1"' not in stored and MC not in stored and "primary_support_reason" not in stored


def test_eight_people_added_seven_in_one_group_and_one_in_another_is_refused(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    seven = [rec(f"s{i}", budget_streams=(("social_care", 900_000),)) for i in range(7)]
    one = rec("m1", age_band="85+", locality="Westgate", primary_support_reason=MC)
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    hashed = ledger.hash_people(people), ledger.hash_people([*people, *seven, one])
    assert ReleaseRegister.people_changed(*hashed) == 8  # eight people overall
    with pytest.raises(DifferencingRefusedError, match="published groups") as refused:
        ledger.release(YEAR.start, YEAR.end, [*people, *seven, one], ["t"], "h2", AT, RULES)
    assert MC not in str(refused.value) and "Westgate" not in str(refused.value)
    # One person's spending changing is a change to their delivery mechanism's group: refused too.
    spent_more = [*people[1:], replace(people[0], actual_by_category=(("personal_assistant", 700_000),))]
    with pytest.raises(DifferencingRefusedError):
        ledger.release(YEAR.start, YEAR.end, spent_more, ["t"], "h3", AT, RULES)
    # Eight alike, all in the same groups: allowed.
    eight = [rec(f"e{i}", budget_streams=(("social_care", 900_000),)) for i in range(8)]
    ledger.release(YEAR.start, YEAR.end, [*people, *eight], ["t"], "h4", AT, RULES)
    assert _statuses(ledger) == [PUBLISHED, REFUSED, REFUSED, PUBLISHED]


def test_changing_the_disclosure_rules_for_the_same_or_an_overlapping_period_is_refused(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    other = DisclosureRules(threshold=9, base=6)
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    with pytest.raises(DifferencingRefusedError, match="same rules as the release of 2026-04-01 to 2027"):
        ledger.release(YEAR.start, YEAR.end, people, ["t"], "h2", AT, other)
    with pytest.raises(DifferencingRefusedError, match="does not overlap"):
        ledger.release(date(2026, 10, 1), date(2027, 9, 30), people, ["t"], "h3", AT, other)
    # The same rules, or a period that does not overlap, with nobody changed: allowed.
    ledger.release(date(2026, 10, 1), date(2027, 3, 31), people, ["t"], "h4", AT, RULES)
    ledger.release(date(2027, 4, 1), date(2028, 3, 31), people, ["t"], "h5", AT, other)
    entries = ledger.store.entries()
    assert [e.status for e in entries] == [PUBLISHED, REFUSED, REFUSED, PUBLISHED, PUBLISHED]
    assert entries[1].rules == "threshold=9,base=6,min_contributors=8,dominance=9/10" != entries[0].rules


def test_a_later_period_that_does_not_overlap_is_allowed_after_a_large_change(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    next_year = (date(2027, 4, 1), date(2028, 3, 31))
    # Every group changes by 0 or by 8 or more people.
    moved = [replace(p, age_band="75-84", locality="Eastfield") for p in people[:10]] + people[10:]
    newcomers = [rec(f"x{i}", primary_support_reason=LD, locality="Eastfield") for i in range(8)]
    entry = ledger.release(*next_year, [*moved, *newcomers], ["t"], "h2", AT, RULES)
    assert entry.status == PUBLISHED and _statuses(ledger) == [PUBLISHED, PUBLISHED]


def test_re_exporting_identical_tables_is_always_allowed(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    again = ledger.release(YEAR.start, YEAR.end, [*people, rec("n1")], ["t"], "h1", AT, RULES)
    longer = ledger.release(YEAR.start, date(2027, 4, 1), [*people, rec("n1")], ["t"], "h1", AT, RULES)
    assert again.status == longer.status == PUBLISHED
    assert ledger.check(YEAR.start, YEAR.end, (), "h1", DisclosureRules(base=10)).identical_to_earlier


def test_older_ledger_entries_without_groups_or_rules_are_still_compared(tmp_path):
    ledger = _ledger(tmp_path)
    people = small_caseload()
    old = [h.rsplit(":", 1)[0] for h in ledger.hash_people(people)]  # "key:record", as before groups
    ledger.store.append(
        ReleaseEntry(AT, YEAR.start, YEAR.end, PUBLISHED, ("t",), "h0", tuple(old))  # and no rules
    )
    with pytest.raises(DifferencingRefusedError):
        ledger.release(YEAR.start, YEAR.end, people[:-1], ["t"], "h1", AT, RULES)
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h2", AT, DisclosureRules(base=10))  # nobody changed


def test_next_years_release_is_refused_when_a_few_people_change_a_sum_of_money(tmp_path):
    """Issue 15: periods that do not overlap are held to the group rule for sums and medians of
    money (a newcomer's whole budget was the difference between two quarters' totals); count-only
    groups changing by a few people do not stop it."""
    ledger = _ledger(tmp_path)
    people = small_caseload()
    ledger.release(YEAR.start, YEAR.end, people, ["t"], "h1", AT, RULES)
    next_year = (date(2027, 4, 1), date(2028, 3, 31))
    newcomer = rec("n1", primary_support_reason=MC)
    with pytest.raises(DifferencingRefusedError, match="published group"):
        ledger.release(*next_year, [*people, newcomer], ["t"], "h2", AT, RULES)
    older = [replace(people[0], age_band="75-84"), *people[1:]]  # a count group only
    assert ledger.release(*next_year, older, ["t"], "h3", AT, RULES).status == PUBLISHED
    assert _statuses(ledger) == [PUBLISHED, REFUSED, PUBLISHED]
