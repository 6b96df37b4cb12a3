"""The predefined published tables (docs/security.md, rule 1), computed only from ``PersonRecord``s.

``build_tables(records, rules, period)`` returns every table as it will be published: counts
protected by ``disclosure`` (0, ``*`` or rounded), statistics only where enough people
contribute and no two dominate, class disclosure suppressed, and secondary protection wherever
a table (or another table of the same release) publishes totals the cells add up to. Totals are
worked out from the unrounded values and then protected like any other cell.

Values are published in tidy (long) form: one row per cell, with the table's dimensions, the
measure and the value. Money is in whole pounds (rounded half up); ``*`` means suppressed.

Labels that come from text typed into the app (localities) are published only when at least
``threshold`` people share them and they look like a place name (no digits, so no postcode or
address; not too long; nothing a spreadsheet could read as a formula); the rest are pooled as
"Other localities", so a mistyped or unusual locality never appears.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import TypeVar

from personalbudget.domain.charging import ContributionStatus
from personalbudget.domain.management import DeliveryMechanism, SaltCategory, salt_category
from personalbudget.domain.money import round_half_up
from personalbudget.domain.monitoring import Status, judge
from personalbudget.domain.ras import STREAMS
from personalbudget.domain.review import OUTCOME_RATINGS
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, PRIMARY_SUPPORT_REASONS, SUPPORT_CATEGORIES
from personalbudget.export.dataset import (
    AGE_BANDS,
    CONTRIBUTION_UNKNOWN,
    REVIEW_TIMELINESS,
    UNDER_18,
    PersonRecord,
)
from personalbudget.export.disclosure import (
    SUPPRESSED,
    DisclosureError,
    DisclosureRules,
    class_disclosive,
    exact_median,
    protect_count,
    protect_table,
    statistics_allowed,
)
from personalbudget.i18n import N_, _, ngettext

TABLES_SCHEMA_VERSION = 1
ALL = "All"
OTHER_LOCALITIES = "Other localities"
NOT_RECORDED = "Not yet recorded"
Value = int | str  # a published value: a whole number, or SUPPRESSED


@dataclass(frozen=True)
class Period:
    """The period an export covers, first and last day included."""

    start: date
    end: date
    data_until: date | None = None  # the data's date when the period has not ended yet (default: end)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_so_far(self) -> int:
        """Days of the period up to the data's date (planned spend is pro-rated over these)."""
        last = min(self.end, self.data_until or self.end)
        return max((last - self.start).days + 1, 0)

    def describe(self) -> dict[str, str]:
        described = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.data_until is not None and self.data_until < self.end:
            described["data_until"] = self.data_until.isoformat()
        return described


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    description: str
    type: str = "string"  # Frictionless field type


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    title: str
    description: str
    unit: str  # people | pounds


@dataclass(frozen=True)
class TableSpec:
    """A predefined table: its id (the CSV and sheet name), title and documented grain."""

    id: str
    title: str
    grain: str
    dimensions: tuple[FieldSpec, ...]
    measures: tuple[MeasureSpec, ...]


@dataclass(frozen=True)
class PublishedRow:
    dims: tuple[str, ...]
    measure: str
    value: Value


@dataclass(frozen=True)
class PublishedTable:
    """One table as published: the spec, its rows (tidy) and the rules that changed cells."""

    spec: TableSpec
    rows: tuple[PublishedRow, ...]
    notes: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*tuple(d.name for d in self.spec.dimensions), "measure", "value")

    def value(self, *dims: str, measure: str) -> Value:
        for row in self.rows:
            if row.dims == dims and row.measure == measure:
                return row.value
        raise KeyError((dims, measure))

    @property
    def suppressed(self) -> int:
        return sum(1 for r in self.rows if r.value == SUPPRESSED)


# -- dimensions and measures ---------------------------------------------------------------------

_AGE = FieldSpec("age_band", N_("Age band"), N_("Age at the end of the period; 'All' is the total."))
_PSR = FieldSpec(
    "primary_support_reason",
    N_("Primary support reason"),
    N_("Client Level Data primary support reason; 'All' is the total."),
)
_LOCALITY = FieldSpec(
    "locality",
    N_("Locality"),
    N_("Council-defined locality; localities with few people are pooled as 'Other localities'."),
)
_SALT = FieldSpec(
    "delivery_mechanism",
    N_("Delivery mechanism"),
    N_("How the budget is delivered (SALT-style from the Client Level Data mechanisms of each person)."),
)
_STREAM = FieldSpec("funding_stream", N_("Funding stream"), N_("social_care or health."))
_CATEGORY = FieldSpec("support_category", N_("Support category"), N_("What the support is for."))
_OUTCOME = FieldSpec(
    "outcome",
    N_("Care Act outcome"),
    N_(
        "Eligibility outcome code, Care and Support (Eligibility Criteria) Regulations 2015 reg. 2(2): "
        "a nutrition; b personal hygiene; c toilet needs; d being appropriately clothed; e using the home "
        "safely; f a habitable home; g family and other relationships; h work, training, education or "
        "volunteering; i facilities and services in the community; j caring for a child."
    ),
)
_RATING = FieldSpec(
    "rating", N_("Rating at review"), N_("Fully Met, Partially Met or Not Met; 'All' is the total.")
)
_FUNDING = FieldSpec(
    "funding_streams",
    N_("Funding streams"),
    N_(
        "Where the agreed budget's money comes from: social_care only, health only, joint (both), or "
        "'Not yet recorded' (no money from either); 'All' is the total."
    ),
)
_TIMELINESS = FieldSpec("review_status", N_("Review status"), N_("Whether reviews happen on time."))

_PEOPLE = MeasureSpec(
    "people", N_("People"), N_("Number of people (0, * for 1-7, else rounded to 5)."), "people"
)


def _pounds_measure(name: str, title: str, description: str) -> MeasureSpec:
    return MeasureSpec(name, title, description, "pounds")


JOINT_FUNDING = "joint"
FUNDING_COLUMNS: tuple[str, ...] = (*STREAMS, JOINT_FUNDING, NOT_RECORDED)


def funding_of(record: PersonRecord) -> str:
    """The funding column of a person: the one stream their budget draws on, joint, or none."""
    streams = [s for s, p in record.budget_streams if p > 0 and s in STREAMS]
    if len(streams) == 1:
        return streams[0]
    return JOINT_FUNDING if streams else NOT_RECORDED


SALT_ROWS: tuple[str, ...] = (*tuple(s.value for s in SaltCategory), NOT_RECORDED)
_LEDGER_SALT = (SaltCategory.DIRECT_PAYMENT_ONLY.value, SaltCategory.PART_DIRECT_PAYMENT.value)

SPECS: dict[str, TableSpec] = {
    s.id: s
    for s in (
        TableSpec(
            "people_by_age_and_reason",
            N_("People with a budget by age band and primary support reason"),
            N_(
                "One count per age band x primary support reason; each person counted once, in the "
                "cell of their age at the end of the period. Row and column totals ('All')."
            ),
            (_AGE, _PSR),
            (_PEOPLE,),
        ),
        TableSpec(
            "people_by_locality_mechanism",
            N_("People with a budget by locality and delivery mechanism"),
            N_(
                "One count per locality x delivery mechanism; each person counted once. Row and "
                "column totals ('All')."
            ),
            (_LOCALITY, _SALT),
            (_PEOPLE,),
        ),
        TableSpec(
            "budget_by_reason",
            N_("Agreed budgets by primary support reason"),
            N_(
                "One row per primary support reason: people, the total and the median of their agreed "
                "annual budgets (all funding streams). 'All' is the total."
            ),
            (_PSR,),
            (
                _PEOPLE,
                _pounds_measure(
                    "total_annual_budget_gbp",
                    N_("Total annual budget (GBP)"),
                    N_("Sum of agreed annual budgets, whole pounds."),
                ),
                _pounds_measure(
                    "median_annual_budget_gbp",
                    N_("Median annual budget (GBP)"),
                    N_("Median agreed annual budget, whole pounds."),
                ),
            ),
        ),
        TableSpec(
            "budget_by_funding_stream",
            N_("Agreed budgets by funding stream"),
            N_(
                "One row per funding stream: people with money from the stream, the total and the "
                "median of the annual amounts from it."
            ),
            (_STREAM,),
            (
                _PEOPLE,
                _pounds_measure(
                    "total_annual_budget_gbp",
                    N_("Total annual budget (GBP)"),
                    N_("Sum of annual amounts from the stream, whole pounds."),
                ),
                _pounds_measure(
                    "median_annual_budget_gbp",
                    N_("Median annual budget (GBP)"),
                    N_("Median annual amount from the stream, whole pounds."),
                ),
            ),
        ),
        TableSpec(
            "planned_spend_by_category",
            N_("Planned spend by support category"),
            N_(
                "One row per support category: people whose agreed plan includes it, the total and the "
                "median planned annual cost. 'All' is the total over categories."
            ),
            (_CATEGORY,),
            (
                _PEOPLE,
                _pounds_measure(
                    "total_planned_annual_gbp",
                    N_("Total planned annual spend (GBP)"),
                    N_("Sum of planned annual costs, whole pounds."),
                ),
                _pounds_measure(
                    "median_planned_annual_gbp",
                    N_("Median planned annual spend (GBP)"),
                    N_("Median planned annual cost per person, whole pounds."),
                ),
            ),
        ),
        TableSpec(
            "spend_against_plan_by_mechanism",
            N_("Actual against planned spend by delivery mechanism"),
            N_(
                "One row per delivery mechanism that pays money out (spending recorded in a ledger): "
                "people, the direct payment share of their budgets pro-rated to the period, what they "
                "spent in the period, the difference (spent minus planned; negative is underspend) and "
                "the people who overspent."
            ),
            (_SALT,),
            (
                _PEOPLE,
                _pounds_measure(
                    "planned_in_period_gbp",
                    N_("Planned in the period (GBP)"),
                    N_("Direct payment annual amounts x days of the period so far / 365, whole pounds."),
                ),
                _pounds_measure(
                    "spent_in_period_gbp",
                    N_("Spent in the period (GBP)"),
                    N_("Money out of the budget accounts in the period, whole pounds."),
                ),
                _pounds_measure(
                    "difference_gbp",
                    N_("Spent minus planned (GBP)"),
                    N_("Positive: overspend; negative: underspend."),
                ),
                MeasureSpec(
                    "people_overspent",
                    N_("People overspent"),
                    N_(
                        "People over plan by the rule step 6 uses: spending ahead of the plan by more than "
                        "four weeks of payments, 5% of the plan and £25."
                    ),
                    "people",
                ),
            ),
        ),
        TableSpec(
            "outcomes_at_review",
            N_("Care Act outcomes at review"),
            N_(
                "One count per outcome x rating: people whose newest review completed in the period "
                "rated that outcome so. 'All' is the people rated on the outcome."
            ),
            (_OUTCOME, _RATING),
            (_PEOPLE,),
        ),
        TableSpec(
            "market_gaps_at_review",
            N_("Market gaps reported at review"),
            N_(
                "One count per support category x locality of the gap: people with a review completed in "
                "the period that reported support wanted but not found. No totals (a person can report "
                "several gaps)."
            ),
            (_CATEGORY, _LOCALITY),
            (_PEOPLE,),
        ),
        TableSpec(
            "reviews_on_time",
            N_("Reviews on time and overdue"),
            N_(
                "One count per review status: a review completed in the period on or before its due "
                "date, or late; else the next review overdue at the end of the period, or not yet due. "
                "Each person counted once. 'All' is the total."
            ),
            (_TIMELINESS,),
            (_PEOPLE,),
        ),
        TableSpec(
            "contributions_by_reason_and_stream",
            N_("The person's contribution by primary support reason and funding stream"),
            N_(
                "One count per primary support reason x funding stream: people with a budget, each counted "
                "once, in the column of the streams their budget draws on; row and column totals ('All'). "
                "In each cell (not the totals), the total and the median of the assessed weekly "
                "contribution of the people whose contribution is known (assessed, or nil counted as 0; "
                "awaiting assessment or not recorded are left out), in whole pence."
            ),
            (_PSR, _FUNDING),
            (
                _PEOPLE,
                MeasureSpec(
                    "total_weekly_contribution_pence",
                    N_("Total weekly contribution (pence)"),
                    N_("Sum of the assessed weekly contributions, whole pence."),
                    "pence",
                ),
                MeasureSpec(
                    "median_weekly_contribution_pence",
                    N_("Median weekly contribution (pence)"),
                    N_("Median assessed weekly contribution (nil counted as 0), whole pence."),
                    "pence",
                ),
            ),
        ),
    )
}


# -- protection helpers ----------------------------------------------------------------------------


def _pounds(pence: int | Fraction) -> int:
    return round_half_up(Fraction(pence) / 100)


_Item = TypeVar("_Item")


def _grid(
    records: Iterable[_Item],
    rows: Sequence[str],
    columns: Sequence[str],
    cell_of: Callable[[_Item], Iterable[tuple[str, str]]],
) -> list[list[int]]:
    index_r = {v: i for i, v in enumerate(rows)}
    index_c = {v: i for i, v in enumerate(columns)}
    cells = [[0] * len(columns) for _ in rows]
    for record in records:
        for r, c in cell_of(record):
            cells[index_r[r]][index_c[c]] += 1
    return cells


def _count_line(counts: list[int], rules: DisclosureRules) -> list[Value]:
    """A one-way distribution of people whose total is published: protected counts, with secondary
    suppression so no suppressed count follows from the total. Deterministic in the counts, so a
    total published in two tables is published the same in both."""
    primary = [[0 < n < rules.threshold] for n in counts]
    grand = sum(counts)
    try:
        hidden = protect_table(
            [[n] for n in counts],
            primary,
            rules,
            column_totals=[not 0 < grand < rules.threshold],
        )
    except DisclosureError:
        hidden = [[n > 0] for n in counts]
    return [SUPPRESSED if hidden[i][0] else protect_count(n, rules) for i, n in enumerate(counts)]


def _two_way(
    cells: list[list[int]],
    rows: Sequence[str],
    columns: Sequence[str],
    rules: DisclosureRules,
    notes: list[str],
    *,
    row_margin: bool = True,
    column_margin: bool = True,
    class_rows: Sequence[bool] = (),
) -> list[PublishedRow]:
    primary = [[0 < v < rules.threshold for v in row] for row in cells]
    for r, flag in enumerate(class_rows):
        if flag:
            primary[r] = [True] * len(columns)
    row_totals = [sum(row) for row in cells]
    column_totals = [sum(cells[r][c] for r in range(len(rows))) for c in range(len(columns))]
    # A group of 1 to threshold - 1 people: its zeros would say where none of them are (class
    # disclosure, e.g. "all Not Met"), so the whole row or column is suppressed, zeros included
    # (except a zero the other margin already publishes as a 0 total).
    small_rows = [row_margin and 0 < n < rules.threshold for n in row_totals]
    small_columns = [column_margin and 0 < n < rules.threshold for n in column_totals]
    for r, row in enumerate(primary):
        for c in range(len(columns)):
            row[c] = (
                row[c]
                or (small_rows[r] and not (column_margin and column_totals[c] == 0))
                or (small_columns[c] and not (row_margin and row_totals[r] == 0))
            )
    row_published = _count_line(row_totals, rules) if row_margin else []
    column_published = _count_line(column_totals, rules) if column_margin else []
    grand_published: Value = protect_count(sum(row_totals), rules)
    unprotectable = False
    try:
        hidden = protect_table(
            cells,
            primary,
            rules,
            row_totals=[v != SUPPRESSED for v in row_published] if row_margin else None,
            column_totals=[v != SUPPRESSED for v in column_published] if column_margin else None,
            grand_total=not 0 < sum(row_totals) < rules.threshold if row_margin and column_margin else None,
        )
    except DisclosureError:  # no pattern of suppressed cells is safe with these totals: hide it all
        # ...except the zeros of an empty row or column: other tables publish that group's 0, which
        # would pin them anyway, and linked tables must agree (issue 15).
        empty_rows = [row_margin and n == 0 for n in row_totals]
        empty_columns = [column_margin and n == 0 for n in column_totals]
        hidden = [
            [not (empty_rows[r] or empty_columns[c]) for c in range(len(columns))] for r in range(len(rows))
        ]
        row_published = [0 if empty_rows[r] else SUPPRESSED for r in range(len(rows))] if row_margin else []
        column_published = (
            [0 if empty_columns[c] else SUPPRESSED for c in range(len(columns))] if column_margin else []
        )
        grand_published = SUPPRESSED
        unprotectable = True
    small = sum(0 < v < rules.threshold for row in cells for v in row)
    extra = sum(h for row in hidden for h in row) - sum(p for row in primary for p in row)
    if small:
        notes.append(
            ngettext(
                "{n} cell of 1 to {t} people suppressed.", "{n} cells of 1 to {t} people suppressed.", small
            ).format(n=small, t=rules.threshold - 1)
        )
    if any(primary[r][c] and cells[r][c] == 0 for r in range(len(rows)) for c in range(len(columns))):
        notes.append(
            _("Zeros in a row or column of 1 to {t} people are suppressed too.").format(t=rules.threshold - 1)
        )
    if any(class_rows):
        notes.append(
            ngettext(
                "{n} row suppressed for class disclosure (all or none in a small group).",
                "{n} rows suppressed for class disclosure (all or none in a small group).",
                sum(class_rows),
            ).format(n=sum(class_rows))
        )
    if unprotectable:
        notes.append(_("Every cell and total suppressed: no smaller suppression was safe."))
    elif extra:
        notes.append(
            ngettext(
                "{n} more cell suppressed so that no suppressed cell can be worked out from totals.",
                "{n} more cells suppressed so that no suppressed cell can be worked out from totals.",
                extra,
            ).format(n=extra)
        )
    out: list[PublishedRow] = []
    for r, row_name in enumerate(rows):
        for c, column_name in enumerate(columns):
            value = SUPPRESSED if hidden[r][c] else protect_count(cells[r][c], rules)
            out.append(PublishedRow((row_name, column_name), "people", value))
        if row_margin:
            out.append(PublishedRow((row_name, ALL), "people", row_published[r]))
    if column_margin:
        for c, column_name in enumerate(columns):
            out.append(PublishedRow((ALL, column_name), "people", column_published[c]))
    if row_margin and column_margin:
        out.append(PublishedRow((ALL, ALL), "people", grand_published))
    return out


def _statistic_line(
    groups: Sequence[Sequence[int]], rules: DisclosureRules, people: Sequence[Value]
) -> tuple[list[tuple[Value, Value]], bool]:
    """(sum, median) per group in whole pounds, each only where the statistic rules allow and the
    group's count (``people``, as published) is not suppressed. The total over the groups is
    published elsewhere, so a second group's sum is suppressed when only one is hidden (any group
    with people will do, whatever its sum: its sum is not known to be 0). Also returns True when a
    single hidden sum has no partner: the total must then be suppressed too."""
    allowed = [statistics_allowed(g, rules) and n != SUPPRESSED for g, n in zip(groups, people, strict=True)]
    sums = [sum(g) for g in groups]
    hidden = [not a and len(g) > 0 for a, g in zip(allowed, groups, strict=True)]
    total_exposed = False
    if sum(hidden) == 1:
        partners = [(s, i) for i, (s, g) in enumerate(zip(sums, groups, strict=True)) if not hidden[i] and g]
        if partners:
            hidden[min(partners)[1]] = True
        else:
            total_exposed = True
    line = [
        (
            SUPPRESSED if hidden[i] else _pounds(sums[i]),
            _pounds(exact_median(g)) if allowed[i] else SUPPRESSED,
        )
        for i, g in enumerate(groups)
    ]
    return line, total_exposed


def _total_statistics(
    values: Sequence[int], rules: DisclosureRules, *, total_exposed: bool = False
) -> tuple[Value, Value]:
    if not statistics_allowed(values, rules) or protect_count(len(values), rules) == SUPPRESSED:
        return SUPPRESSED if values else 0, SUPPRESSED
    return SUPPRESSED if total_exposed else _pounds(sum(values)), _pounds(exact_median(values))


# -- the tables ------------------------------------------------------------------------------------


LOCALITY_MAX_LENGTH = 40
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@")


def locality_name_publishable(name: str) -> bool:
    """Could this typed locality be a place name, not an address, postcode or spreadsheet formula?"""
    text = name.strip()
    return bool(
        text
        and len(text) <= LOCALITY_MAX_LENGTH
        and not any(ch.isdigit() for ch in text)
        and not _UK_POSTCODE.search(text)
        and not text.startswith(_FORMULA_START)
        and not any(ch in text for ch in "\t\r\n")
        and text.isprintable()
    )


def published_localities(records: Sequence[PersonRecord], rules: DisclosureRules) -> list[str]:
    """Localities with at least ``threshold`` people and a name that can be published
    (``locality_name_publishable``): the only locality names that are published."""
    counts = Counter(r.locality for r in records)
    return sorted(
        name
        for name, n in counts.items()
        if n >= rules.threshold and name not in (ALL, OTHER_LOCALITIES) and locality_name_publishable(name)
    )


def delivery_salt(record: PersonRecord) -> str:
    """The SALT-style delivery mechanism row a person is counted in (``SALT_ROWS``)."""
    return _salt_of(record.delivery_mechanisms)


_salt = delivery_salt


@lru_cache(maxsize=4096)  # a handful of combinations, asked about for every person in several tables
def _salt_of(delivery_mechanisms: tuple[tuple[str, int], ...]) -> str:
    mechanisms = {DeliveryMechanism(m) for m, _p in delivery_mechanisms}
    category = salt_category(mechanisms)
    return category.value if category else NOT_RECORDED


def build_tables(
    records: Sequence[PersonRecord], rules: DisclosureRules, period: Period
) -> list[PublishedTable]:
    """Every predefined table, as published, from the records alone (see the module docstring).

    ``records`` must hold one record per person (the hub de-duplicates first). The result is
    deterministic: the same records, rules and period give the same tables, in ``SPECS`` order.
    """
    tables: list[PublishedTable] = []
    places = published_localities(records, rules)
    salts = [_salt(r) for r in records]  # each person's delivery mechanism, worked out once
    place_of = set(places)

    def locality(name: str) -> str:
        return name if name in place_of else OTHER_LOCALITIES

    locality_rows = [*places, OTHER_LOCALITIES]

    def finish(spec_id: str, rows: list[PublishedRow], notes: list[str]) -> None:
        tables.append(PublishedTable(SPECS[spec_id], tuple(rows), tuple(notes)))

    # 1. age band x primary support reason
    ages = [UNDER_18, *AGE_BANDS]  # always every band: a row that appears only sometimes says something
    notes: list[str] = []
    cells = _grid(records, ages, PRIMARY_SUPPORT_REASONS, lambda r: [(r.age_band, r.primary_support_reason)])
    finish("people_by_age_and_reason", _two_way(cells, ages, PRIMARY_SUPPORT_REASONS, rules, notes), notes)

    # 2. locality x delivery mechanism
    notes = []
    if len(place_of) < len({r.locality for r in records}):
        notes.append(
            _("Localities with fewer than {t} people are pooled as 'Other localities'.").format(
                t=rules.threshold
            )
        )
    locality_counts = Counter(r.locality for r in records)
    if any(n >= rules.threshold and not locality_name_publishable(n_) for n_, n in locality_counts.items()):
        notes.append(_("Localities named with digits or symbols are pooled too."))
    cells = _grid(
        range(len(records)), locality_rows, SALT_ROWS, lambda i: [(locality(records[i].locality), salts[i])]
    )
    finish("people_by_locality_mechanism", _two_way(cells, locality_rows, SALT_ROWS, rules, notes), notes)

    # 3. budgets by primary support reason
    notes = []
    by_reason: dict[str, list[int]] = {p: [] for p in PRIMARY_SUPPORT_REASONS}
    every: list[int] = []
    for r in records:  # one pass, in the records' order
        every.append(r.budget_annual_pence)
        if r.primary_support_reason in by_reason:
            by_reason[r.primary_support_reason].append(every[-1])
    groups = [by_reason[p] for p in PRIMARY_SUPPORT_REASONS]
    people = _count_line([len(g) for g in groups], rules)
    stats, exposed = _statistic_line(groups, rules, people)
    # table 4's streams add up to the same total: a lone hidden stream would follow from it too
    by_stream: dict[str, list[int]] = {stream: [] for stream in STREAMS}
    for r in records:
        for stream_name, pence in r.budget_streams:
            if pence > 0 and stream_name in by_stream:
                by_stream[stream_name].append(pence)
    stream_groups = [by_stream[stream] for stream in STREAMS]
    stream_people = [protect_count(len(g), rules) for g in stream_groups]
    stream_stats, stream_exposed = _statistic_line(stream_groups, rules, stream_people)
    rows = []
    for p, n, (total, middle) in zip(PRIMARY_SUPPORT_REASONS, people, stats, strict=True):
        rows += [
            PublishedRow((p,), "people", n),
            PublishedRow((p,), "total_annual_budget_gbp", total),
            PublishedRow((p,), "median_annual_budget_gbp", middle),
        ]
    total, middle = _total_statistics(every, rules, total_exposed=exposed or stream_exposed)
    rows += [
        PublishedRow((ALL,), "people", protect_count(len(every), rules)),
        PublishedRow((ALL,), "total_annual_budget_gbp", total),
        PublishedRow((ALL,), "median_annual_budget_gbp", middle),
    ]
    _note_statistics(notes, rules)
    finish("budget_by_reason", rows, notes)

    # 4. budgets by funding stream (their sum is the 'All' total of table 3)
    notes = []
    rows = []
    for stream, n, (total, middle) in zip(STREAMS, stream_people, stream_stats, strict=True):
        rows += [
            PublishedRow((stream,), "people", n),
            PublishedRow((stream,), "total_annual_budget_gbp", total),
            PublishedRow((stream,), "median_annual_budget_gbp", middle),
        ]
    _note_statistics(notes, rules)
    finish("budget_by_funding_stream", rows, notes)

    # 5. planned spend by support category
    notes = []
    categories = list(SUPPORT_CATEGORIES)
    by_category: dict[str, list[int]] = {category: [] for category in categories}
    for r in records:  # one pass, in the records' order (each category once a record)
        for category_code, category_pence in r.planned_by_category:
            if category_pence > 0 and category_code in by_category:
                by_category[category_code].append(category_pence)
    groups = [by_category[category] for category in categories]
    category_people = [protect_count(len(g), rules) for g in groups]
    stats, exposed = _statistic_line(groups, rules, category_people)
    rows = []
    for category, n, (total, middle) in zip(categories, category_people, stats, strict=True):
        rows += [
            PublishedRow((category,), "people", n),
            PublishedRow((category,), "total_planned_annual_gbp", total),
            PublishedRow((category,), "median_planned_annual_gbp", middle),
        ]
    planners = [r.planned_annual_pence for r in records if r.planned_annual_pence > 0]
    total, middle = _total_statistics(planners, rules, total_exposed=exposed)
    rows += [
        PublishedRow((ALL,), "people", protect_count(len(planners), rules)),
        PublishedRow((ALL,), "total_planned_annual_gbp", total),
        PublishedRow((ALL,), "median_planned_annual_gbp", middle),
    ]
    _note_statistics(notes, rules)
    finish("planned_spend_by_category", rows, notes)

    # 6. actual against planned spend, for budgets paid out (no 'All' row: see the grain)
    notes = []
    rows = []
    # The people counts are the delivery mechanism totals of table 2: protected the same way, or
    # one published here but hidden there would give away another through table 2's grand total.
    salt_counts = Counter(salts)
    salt_people = dict(zip(SALT_ROWS, _count_line([salt_counts[m] for m in SALT_ROWS], rules), strict=True))
    days_so_far = period.days_so_far
    for mechanism in _LEDGER_SALT:
        group = [r for r, salt in zip(records, salts, strict=True) if salt == mechanism]  # a ledger is kept
        annual = [dict(r.delivery_mechanisms).get(DeliveryMechanism.DIRECT_PAYMENT.value, 0) for r in group]
        planned = [round_half_up(Fraction(a * days_so_far, 365)) for a in annual]
        spent = [r.actual_pence for r in group]
        # Overspent by the rule step 6 and the budget statement use (with its allowance), not by a penny.
        over = sum(1 for p, s, a in zip(planned, spent, annual, strict=True) if judge(p, s, a) == Status.OVER)
        planned_ok, spent_ok = statistics_allowed(planned, rules), statistics_allowed(spent, rules)
        planned_value = _pounds(sum(planned)) if planned_ok else (0 if not group else SUPPRESSED)
        spent_value = _pounds(sum(spent)) if spent_ok else (0 if not group else SUPPRESSED)
        difference: Value = (
            _pounds(sum(spent) - sum(planned))
            if planned_ok and spent_ok
            else (0 if not group else SUPPRESSED)
        )
        over_value: Value
        if salt_people[mechanism] == SUPPRESSED:  # a suppressed group: nothing about it is published
            planned_value = spent_value = difference = over_value = SUPPRESSED
        elif class_disclosive(over, len(group), rules) and len(group) >= rules.threshold:
            over_value = SUPPRESSED
            notes.append(
                _("People overspent suppressed where a small group is all or none (class disclosure).")
            )
        else:
            over_value = protect_count(over, rules)
        rows += [
            PublishedRow((mechanism,), "people", salt_people[mechanism]),
            PublishedRow((mechanism,), "planned_in_period_gbp", planned_value),
            PublishedRow((mechanism,), "spent_in_period_gbp", spent_value),
            PublishedRow((mechanism,), "difference_gbp", difference),
            PublishedRow((mechanism,), "people_overspent", over_value),
        ]
    _note_statistics(notes, rules)
    finish("spend_against_plan_by_mechanism", rows, notes)

    # 7. outcomes at review (row totals only: a person is rated on several outcomes)
    notes = []
    outcomes = list(CARE_ACT_OUTCOMES)
    cells = _grid(records, outcomes, OUTCOME_RATINGS, lambda r: r.outcomes_at_review)
    not_met = OUTCOME_RATINGS.index("Not Met")
    class_rows = [
        class_disclosive(row[not_met], sum(row), rules) and sum(row) >= rules.threshold for row in cells
    ]
    finish(
        "outcomes_at_review",
        _two_way(cells, outcomes, OUTCOME_RATINGS, rules, notes, column_margin=False, class_rows=class_rows),
        notes,
    )

    # 8. market gaps (no totals)
    notes = []
    gap_places = locality_rows
    cells = _grid(
        records, categories, gap_places, lambda r: {(c, locality(place)) for c, place in r.market_gaps}
    )
    finish(
        "market_gaps_at_review",
        _two_way(cells, categories, gap_places, rules, notes, row_margin=False, column_margin=False),
        notes,
    )

    # 9. reviews on time
    notes = []
    timeliness = Counter(r.review_timeliness for r in records)
    counts = [timeliness[t] for t in REVIEW_TIMELINESS]
    published = _count_line(counts, rules)
    rows = [PublishedRow((t,), "people", v) for t, v in zip(REVIEW_TIMELINESS, published, strict=True)]
    rows.append(PublishedRow((ALL,), "people", protect_count(sum(counts), rules)))
    if any(0 < n < rules.threshold for n in counts):
        notes.append(_("Counts of 1 to {t} people suppressed.").format(t=rules.threshold - 1))
    finish("reviews_on_time", rows, notes)

    # 10. the person's contribution by primary support reason x funding stream (after table 9, so the
    # earlier tables keep their order in every release)
    finish("contributions_by_reason_and_stream", *_contribution_rows(records, rules))
    return tables


def _contribution_rows(
    records: Sequence[PersonRecord], rules: DisclosureRules
) -> tuple[list[PublishedRow], list[str]]:
    """Table 10: people as a two-way table with margins (the reason totals are table 3's people,
    protected by the same rule), and the weekly contribution's total and median in each cell only.

    No money margin is published, so no hidden cell's sum follows from a total. A cell's statistics
    are published only where its count is, at least ``min_contributors`` people's contributions are
    known and no two dominate, and not in a small group where none pays (class disclosure: a total
    of 0 would say that every one of them pays nothing, a sign of their means). A small group who all
    pay is published: that they pay says nothing the amounts do not."""
    notes: list[str] = []
    reasons = list(PRIMARY_SUPPORT_REASONS)
    columns = list(FUNDING_COLUMNS)
    cells = _grid(records, reasons, columns, lambda r: [(r.primary_support_reason, funding_of(r))])
    people_rows = _two_way(cells, reasons, columns, rules, notes)
    published = {row.dims: row.value for row in people_rows}
    known: dict[tuple[str, str], list[int]] = {}
    for record in records:
        if record.contribution_known:
            known.setdefault((record.primary_support_reason, funding_of(record)), []).append(
                record.weekly_contribution_pence
            )
    rows: list[PublishedRow] = []
    class_hidden = False
    for row in people_rows:
        rows.append(row)
        if ALL in row.dims:
            continue
        values = known.get((row.dims[0], row.dims[1]), [])
        paying = sum(1 for v in values if v > 0)
        total: Value = 0 if published[row.dims] == 0 else SUPPRESSED
        middle: Value = SUPPRESSED
        if published[row.dims] != SUPPRESSED and values:
            if (
                paying == 0
                and class_disclosive(paying, len(values), rules)
                and len(values) >= rules.threshold
            ):
                class_hidden = True
                total = SUPPRESSED
            elif statistics_allowed(values, rules):
                total, middle = sum(values), round_half_up(exact_median(values))
        rows += [
            PublishedRow(row.dims, "total_weekly_contribution_pence", total),
            PublishedRow(row.dims, "median_weekly_contribution_pence", middle),
        ]
    if class_hidden:
        notes.append(_("Contributions suppressed where no one in a small group pays (class disclosure)."))
    if any(r.contribution_status == CONTRIBUTION_UNKNOWN for r in records):
        notes.append(
            _(
                "Some contributions came from an older PersonalBudget that did not record the person's "
                "contribution: those people are counted, their contributions are unknown and left out."
            )
        )
    notes.append(
        _("Contributions only where known: {assessed} or {nil}; awaiting assessment is left out.").format(
            assessed=ContributionStatus.ASSESSED.value, nil=ContributionStatus.NIL.value
        )
    )
    _note_statistics(notes, rules)
    return rows, notes


def _note_statistics(notes: list[str], rules: DisclosureRules) -> None:
    notes.append(
        _(
            "Totals and medians only where at least {n} people contribute and the two largest are no "
            "more than {d}% of the total; never minimum or maximum."
        ).format(n=rules.min_contributors, d=round_half_up(rules.dominance * 100))
    )
