"""The independent audit of a release: can an intruder work out any hidden cell from what is published?

docs/security.md rule 5, checked by a maintained engine rather than by our own suppression code
(issue 15). The audit reads only the tables *as published* and builds one integer programme over
every linked table of the release, solved with HiGHS (``highspy``, the HiGHS project's own
binding; the same solver pytauargus uses, see docs/disclosure-engines.md):

- one whole-number variable per published count (cells and totals of every table);
- what the intruder knows of each: a published 0 is exactly 0; a count published rounded to a
  base ``b`` lies within ``b // 2`` of it (rounding to the nearest, halves up); a ``*`` is
  anything from 0 to the largest total published plus the rounding;
- every equation between them: rows and columns adding to their totals, and the same group
  published in two tables being the same number (age band x reason margins = people by reason,
  locality x mechanism margins = people by mechanism in the spend table, the grand total = every
  "All" count, the outcome ratings adding to the people rated);
- and likewise for money: one continuous variable per published sum (within 50p of the
  published whole pounds, or unknown and not negative when hidden), with the sums by reason
  adding to the total, and the funding streams adding to the same total.

For each hidden value the audit finds, by solving, the smallest and largest values that fit
everything published (its feasibility interval). A hidden count whose interval is a single value,
or a hidden sum whose interval is narrower than ``MONEY_SLACK_PENCE``, is *recovered*: the audit
fails and the release is not written. The intervals are summarised in the release metadata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from personalbudget.errors import PersonalBudgetError
from personalbudget.export.disclosure import SUPPRESSED, DisclosureRules
from personalbudget.export.tables import ALL, PublishedTable
from personalbudget.i18n import _, ngettext

ENGINE = "HiGHS"
MONEY_SLACK_PENCE = 5_000  # a hidden sum known to within £50 counts as recovered


class AuditFailedError(PersonalBudgetError):
    """A release in which the independent audit could work out a hidden value: it is not written."""


@dataclass(frozen=True)
class AuditResult:
    engine: str
    engine_version: str
    hidden_counts: int
    hidden_sums: int
    recovered: tuple[str, ...]  # "table: dims measure" of every hidden value worked out
    narrowest_count_interval: int | None  # the narrowest feasibility interval of a hidden count
    seconds: float
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        return not self.recovered

    def metadata(self) -> dict[str, Any]:
        return {
            "engine": f"{self.engine} {self.engine_version} (highspy), exact integer programme over all linked tables",
            "result": "passed" if self.passed else "failed",
            "hidden_counts_checked": self.hidden_counts,
            "hidden_sums_checked": self.hidden_sums,
            "recovered": len(self.recovered),
            "narrowest_count_interval": self.narrowest_count_interval,
            "seconds": round(self.seconds, 3),
        }


Key = tuple[str, tuple[str, ...], str]  # (table id, dims, measure)


class _Model:
    def __init__(self) -> None:
        import highspy

        self.highspy = highspy
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[tuple[list[int], list[float], float, float]] = []
        self.index: dict[Key, int] = {}

    def var(self, key: Key, low: float, high: float, integer: bool) -> int:
        self.index[key] = len(self.lower)
        self.lower.append(low)
        self.upper.append(high)
        self.integer.append(integer)
        return self.index[key]

    def equal(self, plus: Sequence[int], minus: Sequence[int]) -> None:
        if not plus and not minus:
            return
        self.rows.append(([*plus, *minus], [1.0] * len(plus) + [-1.0] * len(minus), 0.0, 0.0))

    def solver(self, integer: bool = True) -> Any:
        import numpy

        h = self.highspy.Highs()
        h.setOptionValue("output_flag", False)
        n = len(self.lower)
        h.addVars(n, numpy.array(self.lower, dtype=float), numpy.array(self.upper, dtype=float))
        ints = [i for i in range(n) if self.integer[i]] if integer else []
        if ints:
            h.changeColsIntegrality(
                len(ints), numpy.array(ints), numpy.array([self.highspy.HighsVarType.kInteger] * len(ints))
            )
        for cols, coefs, low, high in self.rows:
            h.addRow(low, high, len(cols), numpy.array(cols), numpy.array(coefs))
        return h

    def extreme(self, h: Any, column: int, maximise: bool) -> float | None:
        n = len(self.lower)
        for i in range(n):
            h.changeColCost(i, 0.0)
        h.changeColCost(column, 1.0)
        sense = self.highspy.ObjSense.kMaximize if maximise else self.highspy.ObjSense.kMinimize
        h.changeObjectiveSense(sense)
        h.run()
        status = h.getModelStatus()
        if status == self.highspy.HighsModelStatus.kOptimal:
            return float(h.getInfo().objective_function_value)
        if status == self.highspy.HighsModelStatus.kUnbounded:
            return None
        raise PersonalBudgetError(
            _("The disclosure audit could not be solved ({status}).").format(status=status)
        )


def _count_bounds(value: int | str, rules: DisclosureRules, big: int) -> tuple[int, int]:
    if value == SUPPRESSED:
        return 0, big
    number = int(value)
    if number == 0:
        return 0, 0
    slack = rules.base // 2 if rules.base > 1 else 0
    return max(number - slack, 0), number + slack


def audit_release(tables: Sequence[PublishedTable], rules: DisclosureRules) -> AuditResult:
    """Audit the published tables of one release together (see the module docstring)."""
    import time

    import highspy

    started = time.perf_counter()
    by_id = {t.spec.id: t for t in tables}
    model = _Model()
    counts = [
        (t.spec.id, row) for t in tables for row in t.rows if row.measure in ("people", "people_overspent")
    ]
    biggest = max((int(r.value) for _t, r in counts if r.value != SUPPRESSED), default=0)
    big = biggest + rules.base + rules.threshold
    hidden: list[Key] = []
    for table_id, row in counts:
        low, high = _count_bounds(row.value, rules, big)
        key = (table_id, row.dims, row.measure)
        model.var(key, low, high, True)
        if row.value == SUPPRESSED:
            hidden.append(key)
    money_hidden: list[Key] = []
    for t in tables:
        for row in t.rows:
            if row.measure.startswith("total_") and row.measure.endswith("_gbp"):
                key = (t.spec.id, row.dims, row.measure)
                if row.value == SUPPRESSED:
                    model.var(key, 0.0, highspy.kHighsInf, False)
                    money_hidden.append(key)
                else:
                    pence = int(row.value) * 100
                    model.var(key, pence - 50.0, pence + 50.0, False)

    ix = model.index

    def people(table_id: str, *dims: str, measure: str = "people") -> int | None:
        return ix.get((table_id, tuple(dims), measure))

    # Additivity within each two-way table with margins.
    for t in tables:
        if len(t.spec.dimensions) != 2:
            continue
        cells = [r for r in t.rows if r.measure == "people" and ALL not in r.dims]
        rows_ = sorted({r.dims[0] for r in cells})
        cols = sorted({r.dims[1] for r in cells})
        for a in rows_:
            total = people(t.spec.id, a, ALL)
            if total is not None:
                model.equal(
                    [ix[(t.spec.id, (a, b), "people")] for b in cols if (t.spec.id, (a, b), "people") in ix],
                    [total],
                )
        for b in cols:
            total = people(t.spec.id, ALL, b)
            if total is not None:
                model.equal(
                    [ix[(t.spec.id, (a, b), "people")] for a in rows_ if (t.spec.id, (a, b), "people") in ix],
                    [total],
                )
        grand = people(t.spec.id, ALL, ALL)
        if grand is not None:
            model.equal([v for a in rows_ if (v := people(t.spec.id, a, ALL)) is not None], [grand])
    # One-way lines whose 'All' is the total of their groups (each person in one group).
    for table_id in ("budget_by_reason", "reviews_on_time"):
        one_way = by_id.get(table_id)
        if one_way is None:
            continue
        groups = [
            ix[(table_id, r.dims, "people")]
            for r in one_way.rows
            if r.measure == "people" and r.dims != (ALL,)
        ]
        total = people(table_id, ALL)
        if total is not None:
            model.equal(groups, [total])
    # The same groups published in several tables.
    links: list[tuple[int | None, int | None]] = []
    if "people_by_age_and_reason" in by_id and "budget_by_reason" in by_id:
        for r in by_id["budget_by_reason"].rows:
            if r.measure == "people":
                reason = r.dims[0]
                links.append(
                    (people("budget_by_reason", reason), people("people_by_age_and_reason", ALL, reason))
                )
    if "contributions_by_reason_and_stream" in by_id and "budget_by_reason" in by_id:
        for r in by_id["budget_by_reason"].rows:  # each person in one funding column: the same reasons
            if r.measure == "people" and r.dims != (ALL,):
                links.append(
                    (
                        people("budget_by_reason", r.dims[0]),
                        people("contributions_by_reason_and_stream", r.dims[0], ALL),
                    )
                )
    grand_keys = [
        people("people_by_age_and_reason", ALL, ALL),
        people("people_by_locality_mechanism", ALL, ALL),
        people("reviews_on_time", ALL),
        people("contributions_by_reason_and_stream", ALL, ALL),
    ]
    links += [(grand_keys[0], g) for g in grand_keys[1:]]
    if "spend_against_plan_by_mechanism" in by_id:
        for r in by_id["spend_against_plan_by_mechanism"].rows:
            if r.measure == "people":
                mechanism = r.dims[0]
                spent = people("spend_against_plan_by_mechanism", mechanism)
                links.append((spent, people("people_by_locality_mechanism", ALL, mechanism)))
                over = people("spend_against_plan_by_mechanism", mechanism, measure="people_overspent")
                if spent is not None and over is not None:  # the overspent are some of the people
                    model.rows.append(([over, spent], [1.0, -1.0], -highspy.kHighsInf, 0.0))
    for one, other in links:
        if one is not None and other is not None:
            model.equal([one], [other])
    # Money: sums by reason add to the total, and so do the funding streams.
    money_total = ix.get(("budget_by_reason", (ALL,), "total_annual_budget_gbp"))
    if money_total is not None:
        for table_id in ("budget_by_reason", "budget_by_funding_stream"):
            by_part = by_id.get(table_id)
            if by_part is not None:
                parts = [
                    ix[(table_id, r.dims, r.measure)]
                    for r in by_part.rows
                    if r.measure == "total_annual_budget_gbp" and r.dims != (ALL,)
                ]
                model.equal(parts, [money_total])
    category_total = ix.get(("planned_spend_by_category", (ALL,), "total_planned_annual_gbp"))
    del category_total  # a person's plan spans several categories: the categories need not add up

    # The linear relaxation first (fast, and exact for a single two-way table, whose equations are
    # totally unimodular); whole-number solves confirm every count it leaves within two values.
    relaxed = model.solver(integer=False)
    whole: Any = None
    recovered: list[str] = []
    intervals: dict[str, tuple[float, float]] = {}
    narrowest: int | None = None

    def label(key: Key) -> str:
        return f"{key[0]}: {' / '.join(key[1])} {key[2]}"

    for key in hidden:
        column = ix[key]
        low_x, high_x = model.extreme(relaxed, column, False), model.extreme(relaxed, column, True)
        assert low_x is not None and high_x is not None  # counts are bounded
        low, high = math.ceil(low_x - 1e-6), math.floor(high_x + 1e-6)
        if high - low <= 1:
            whole = whole or model.solver(integer=True)
            low_i, high_i = model.extreme(whole, column, False), model.extreme(whole, column, True)
            assert low_i is not None and high_i is not None
            low, high = round(low_i), round(high_i)
        intervals[label(key)] = (low, high)
        width = high - low
        narrowest = width if narrowest is None else min(narrowest, width)
        if width == 0:
            recovered.append(label(key))
    for key in money_hidden:
        column = ix[key]
        low_m, high_m = model.extreme(relaxed, column, False), model.extreme(relaxed, column, True)
        intervals[label(key)] = (low_m or 0.0, float("inf") if high_m is None else high_m)
        if high_m is not None and low_m is not None and high_m - low_m < MONEY_SLACK_PENCE:
            recovered.append(label(key))
    return AuditResult(
        ENGINE,
        highspy.Highs().version(),
        len(hidden),
        len(money_hidden),
        tuple(recovered),
        narrowest,
        time.perf_counter() - started,
        intervals,
    )


def require_passed(result: AuditResult) -> None:
    """Raise ``AuditFailedError`` (naming how many, never the values) when the audit failed."""
    if result.passed:
        return
    raise AuditFailedError(
        ngettext(
            "Not published: the independent disclosure audit ({engine}) could work out {n} hidden value from "
            "the published tables together. Nothing was written. Try a longer period or a stricter threshold, "
            "and report this to the PersonalBudget developers.",
            "Not published: the independent disclosure audit ({engine}) could work out {n} hidden values from "
            "the published tables together. Nothing was written. Try a longer period or a stricter threshold, "
            "and report this to the PersonalBudget developers.",
            len(result.recovered),
        ).format(engine=result.engine, n=len(result.recovered))
    )
