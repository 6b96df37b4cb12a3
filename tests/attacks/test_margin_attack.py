"""The margin attack: integer programming over every linked table of a release, from its CSVs.

The intruder reads the published CSV files only, knows each published count to within 2 (they are
rounded to 5, halves up), a 0 exactly and a ``*`` as anything up to the largest total, and writes
down every equation the tables satisfy: cells adding up to their row and column totals, and the
same group published in several tables (people by reason in the age x reason table and the budget
table; people by mechanism in the locality x mechanism table and the spend table; everyone in the
grand totals and the review table). Solving for the smallest and largest value of every hidden
count (HiGHS), a count whose range is one value is recovered.

Written independently of ``export.audit`` (from the CSV text, not from the tables in memory), so
the two check each other. Before issue 15 this attack pinned hidden counts in 2 of 40 seeds: seed 21 (22 people, 2 counts)
and seed 31 (12 people, 64 counts: the age x reason table hidden whole, the budget table's zeros
pinning its cells).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict

import highspy
import numpy
import pytest

from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.outputs import table_csv
from personalbudget.export.tables import Period, build_tables
from tests.attacks.caseloads import SEEDS, YEAR, caseload

RULES = DisclosureRules()
PEOPLE_TABLES = {  # tables whose "people" are people with a budget, each counted once
    "people_by_age_and_reason",
    "people_by_locality_mechanism",
    "budget_by_reason",
    "spend_against_plan_by_mechanism",
    "reviews_on_time",
    "contributions_by_reason_and_stream",  # each person in one funding column: rows are the reasons
}


def published(tables) -> dict[str, list[dict[str, str]]]:
    return {t.spec.id: list(csv.DictReader(io.StringIO(table_csv(t).decode()))) for t in tables}


def margin_attack(csvs: dict[str, list[dict[str, str]]]) -> dict[tuple, tuple[int, int]]:
    """Feasible range of every hidden count of the release, from its CSV rows."""
    keys: list[tuple] = []
    low: list[float] = []
    high: list[float] = []
    hidden: list[int] = []
    rows_of: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    biggest = max(
        int(r["value"])
        for rows in csvs.values()
        for r in rows
        if r["value"].isdigit() and "gbp" not in r["measure"] and "pence" not in r["measure"]
    )
    for table_id, rows in csvs.items():
        for row in rows:
            if row["measure"] not in ("people", "people_overspent"):
                continue
            i = len(keys)
            keys.append(
                (table_id, tuple(v for k, v in row.items() if k not in ("measure", "value")), row["measure"])
            )
            rows_of[table_id].append((i, row))
            if row["value"] == "*":
                low.append(0), high.append(biggest + 10), hidden.append(i)
            else:
                v = int(row["value"])
                low.append(max(v - 2, 0) if v else 0), high.append(v + 2 if v else 0)
    equations: list[list[tuple[int, float]]] = []
    # Additivity: a value with 'All' in one dimension is the sum over that dimension.
    for table_id, rows in rows_of.items():
        if table_id in ("market_gaps_at_review", "budget_by_funding_stream", "planned_spend_by_category"):
            continue  # no totals, or a person in several groups
        dims = [k for k in rows[0][1] if k not in ("measure", "value")]
        index = {(tuple(r[d] for d in dims), r["measure"]): i for i, r in rows}
        for (values, measure), total in index.items():
            if measure != "people":
                continue
            for d, value in enumerate(values):
                if value != "All":
                    continue
                parts = [
                    i
                    for (other, m), i in index.items()
                    if m == "people"
                    and other[d] != "All"
                    and all(other[e] == values[e] for e in range(len(dims)) if e != d)
                ]
                if parts:
                    equations.append([(i, 1.0) for i in parts] + [(total, -1.0)])
    # Links: the same group of people published in several tables.
    groups: dict[frozenset, list[int]] = defaultdict(list)
    for table_id in PEOPLE_TABLES & rows_of.keys():
        for i, row in rows_of[table_id]:
            if row["measure"] != "people":
                continue
            group = frozenset((k, v) for k, v in row.items() if k not in ("measure", "value") and v != "All")
            if table_id == "reviews_on_time" and group:
                continue  # review status is not published elsewhere
            groups[group].append(i)
    for members in groups.values():
        equations += [[(members[0], 1.0), (other, -1.0)] for other in members[1:]]

    def model(integer: bool):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.addVars(len(keys), numpy.array(low, dtype=float), numpy.array(high, dtype=float))
        if integer:
            kinds = numpy.array([highspy.HighsVarType.kInteger] * len(keys))
            h.changeColsIntegrality(len(keys), numpy.arange(len(keys)), kinds)
        for terms in equations:
            h.addRow(
                0.0, 0.0, len(terms), numpy.array([i for i, _a in terms]), numpy.array([a for _i, a in terms])
            )
        return h

    def extremes(h, i) -> tuple[float, float]:
        ends = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            costs = numpy.zeros(len(keys))
            costs[i] = 1.0
            h.changeColsCost(len(keys), numpy.arange(len(keys)), costs)
            h.changeObjectiveSense(sense)
            h.run()
            assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal  # the truth always fits
            ends.append(h.getInfo().objective_function_value)
        return ends[0], ends[1]

    # The linear relaxation bounds every range; the integer programme settles the narrow ones.
    relaxed, whole = model(False), None
    ranges = {}
    for i in hidden:
        lo, hi = extremes(relaxed, i)
        lo, hi = math.ceil(lo - 1e-6), math.floor(hi + 1e-6)
        if hi - lo <= 1:
            whole = whole or model(True)
            lo, hi = (round(v) for v in extremes(whole, i))
        ranges[keys[i]] = (lo, hi)
    return ranges


@pytest.mark.parametrize("seed", SEEDS)
def test_no_hidden_count_of_a_release_is_pinned_by_its_linked_tables(seed):
    records, _numbers = caseload(seed)
    tables = build_tables(records, RULES, Period(*YEAR))
    ranges = margin_attack(published(tables))
    pinned = {key: r for key, r in ranges.items() if r[0] == r[1]}
    assert ranges, "suppression bites in every one of these small caseloads"
    assert pinned == {}, f"{len(pinned)} hidden counts recovered, e.g. {next(iter(pinned))}"
