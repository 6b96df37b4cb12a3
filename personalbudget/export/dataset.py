"""The pseudonymised minimum dataset behind the published tables: one ``PersonRecord`` a person.

Every published table (``tables.build_tables``) is computed only from these records, so the
caseload export and the strategic hub (which merges records from many laptops, latest plan
wins) publish exactly the same tables for the same people.

A record holds no name, NHS number, date of birth, postcode, address or free text: only
bands and coded categories (Client Level Data and Care Act vocabularies), whole pence and
the key the caller's ``key_fn`` makes. Records are still pseudonymised personal data, not
anonymous: they never leave the laptop except inside an encrypted contribution, and only
the disclosure-controlled tables are published.

Which people: everyone with a budget agreed on or before the end of the period (their newest
such budget). What each field means is on ``PersonRecord``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from sqlalchemy import Date, Select, String, func, literal_column, select, type_coerce

from personalbudget.domain.charging import ContributionStatus
from personalbudget.domain.management import OPTION_MECHANISMS, DeliveryMechanism, ManagementOption
from personalbudget.domain.money import Frequency, annual_cost, round_half_up
from personalbudget.domain.ras import STREAMS
from personalbudget.domain.review import OUTCOME_RATINGS
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, PRIMARY_SUPPORT_REASONS, SUPPORT_CATEGORIES
from personalbudget.storage.charging_models import PersonContribution
from personalbudget.storage.models import (
    AgreedBudget,
    BudgetStream,
    Person,
    PlanCycle,
    PlanDecision,
    PlanSupportItem,
    SupportPlan,
)
from personalbudget.storage.money_models import (
    BudgetManagement,
    LedgerSpendTotal,
    LedgerTransaction,
    ManagementShare,
)
from personalbudget.storage.review_models import MarketGapRow, Review, ReviewOutcome
from personalbudget.storage.sql import run_compiled

DATASET_SCHEMA_VERSION = 1
# '' written into the SQL, not bound: PostgreSQL matches a grouped expression to the selected one
# only when both are the same text (two bound parameters are two different expressions to it).
_EMPTY = literal_column("''", String)

# Age at the end of the period. Client Level Data style bands; no date of birth leaves the laptop.
AGE_BANDS: tuple[str, ...] = ("18-24", "25-44", "45-64", "65-74", "75-84", "85+")
UNDER_18 = "Under 18"

# Reviews (as at the end of the period, or today if earlier).
COMPLETED_ON_TIME = "Completed on time"
COMPLETED_LATE = "Completed late"
OVERDUE = "Overdue"
NOT_YET_DUE = "Not yet due"
REVIEW_TIMELINESS: tuple[str, ...] = (COMPLETED_ON_TIME, COMPLETED_LATE, OVERDUE, NOT_YET_DUE)

# Spending that is not linked to a plan item or a support category.
UNLINKED = "unlinked"
DELIVERY_MECHANISMS: tuple[str, ...] = tuple(m.value for m in DeliveryMechanism)

# The person's assessed contribution (charging) in force at the end of the period. "" when none
# is recorded; UNKNOWN when the record came from a contribution file of an older release, which
# did not carry it. Only the three recorded statuses are written out (see ``PersonRecord.to_dict``).
CONTRIBUTION_RECORDED: tuple[str, ...] = tuple(s.value for s in ContributionStatus)
CONTRIBUTION_NONE = ""
CONTRIBUTION_UNKNOWN = "unknown"
CONTRIBUTION_STATUSES: tuple[str, ...] = (*CONTRIBUTION_RECORDED, CONTRIBUTION_NONE, CONTRIBUTION_UNKNOWN)

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # budget type ids from the RAS file


@dataclass(frozen=True)
class PersonIdentity:
    """What a ``key_fn`` may use to make a record's key. Never stored in a record."""

    person_id: int
    nhs_number: str | None  # digits only, or None


def local_key(identity: PersonIdentity) -> str:
    """The default key: the person's id in this caseload database (not comparable across laptops)."""
    return f"local-{identity.person_id}"


Pairs = tuple[tuple[str, int], ...]


def _pairs(values: Mapping[str, int] | Iterable[tuple[str, int]]) -> Pairs:
    if type(values) is tuple and _canonical(values):
        return values  # already sorted and merged (as the extraction gives them): kept as it is
    items = values.items() if isinstance(values, Mapping) else values
    merged: dict[str, int] = defaultdict(int)
    for name, pence in items:
        merged[str(name)] += int(pence)
    return tuple(sorted(merged.items()))


def _canonical(values: tuple[Any, ...]) -> bool:
    """Whether ``values`` is already in ``_pairs``' form: (text, whole number) pairs, names in order, once each."""
    previous = None
    for item in values:
        if type(item) is not tuple or len(item) != 2 or type(item[0]) is not str or type(item[1]) is not int:
            return False
        if previous is not None and item[0] <= previous:
            return False
        previous = item[0]
    return True


@dataclass(frozen=True)
class PersonRecord:
    """The pseudonymised minimum dataset for one person with a budget, for one period.

    - ``key``: from the caller's key function (a local id, or an HMAC for the hub).
    - ``age_band``: age at the end of the period (``AGE_BANDS`` or ``UNDER_18``).
    - ``locality``: the council-defined locality the person lives in.
    - ``primary_support_reason``: Client Level Data spelling (``PRIMARY_SUPPORT_REASONS``).
    - ``budget_type``: the RAS budget type id of the agreed budget (e.g. ``personal_budget``).
    - ``budget_streams``: agreed annual pence per funding stream (``social_care``, ``health``).
    - ``delivery_mechanisms``: annual pence managed under each CLD delivery mechanism (empty until
      step 4 is recorded).
    - ``planned_by_category``: annual pence of the agreed plan in force per support category.
    - ``ledger_kept``: the budget is (partly) paid out, so spending is recorded in a ledger.
    - ``actual_by_category``: pence spent from the ledger within the period, per support category
      (``UNLINKED`` for spending not yet linked to the plan).
    - ``outcomes_at_review``: Care Act outcome code (a-j) -> rating (``OUTCOME_RATINGS``) at the
      newest review completed within the period.
    - ``market_gaps``: (support category, locality) gaps reported at reviews completed within the
      period, each once.
    - ``review_timeliness``: one of ``REVIEW_TIMELINESS``.
    - ``contribution_status``: the person's contribution in force at the end of the period
      (``assessed``, ``awaiting`` or ``nil``; ``""`` none recorded; ``unknown`` from an older
      release's contribution file, which did not say).
    - ``weekly_contribution_pence``: the assessed weekly contribution (0 unless ``assessed``).
    - ``plan_version_at``: when the newest of the agreed budget, agreed plan, management or review
      behind this record was made (UTC); the hub keeps the latest record per key.
    """

    key: str
    age_band: str
    locality: str
    primary_support_reason: str
    budget_type: str
    budget_streams: Pairs
    delivery_mechanisms: Pairs = ()
    planned_by_category: Pairs = ()
    ledger_kept: bool = False
    actual_by_category: Pairs = ()
    outcomes_at_review: tuple[tuple[str, str], ...] = ()
    market_gaps: tuple[tuple[str, str], ...] = ()
    review_timeliness: str = NOT_YET_DUE
    plan_version_at: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    contribution_status: str = CONTRIBUTION_NONE
    weekly_contribution_pence: int = 0

    def __post_init__(self) -> None:
        # Canonical form (sorted, merged), so equal content is an equal record with an equal hash.
        for name in ("budget_streams", "delivery_mechanisms", "planned_by_category", "actual_by_category"):
            object.__setattr__(self, name, _pairs(getattr(self, name)))
        object.__setattr__(self, "outcomes_at_review", tuple(sorted(dict(self.outcomes_at_review).items())))
        object.__setattr__(self, "market_gaps", tuple(sorted(set(self.market_gaps))))
        _validate(self)

    # Worked out once a record (the tables and the ledger ask for them again and again).
    @cached_property
    def budget_annual_pence(self) -> int:
        return sum(p for _s, p in self.budget_streams)

    @cached_property
    def planned_annual_pence(self) -> int:
        return sum(p for _c, p in self.planned_by_category)

    @cached_property
    def actual_pence(self) -> int:
        return sum(p for _c, p in self.actual_by_category)

    @property
    def contribution_known(self) -> bool:
        """Whether the weekly contribution is known (assessed, or nil: nothing to pay)."""
        return self.contribution_status in (ContributionStatus.ASSESSED.value, ContributionStatus.NIL.value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (integers, strings, lists, dicts) with the schema version.

        The contribution fields are written only when a contribution is recorded, so the record of
        someone without one is exactly what earlier releases wrote (and hashed in their ledgers).
        """
        data = {
            "schema_version": DATASET_SCHEMA_VERSION,
            "key": self.key,
            "age_band": self.age_band,
            "locality": self.locality,
            "primary_support_reason": self.primary_support_reason,
            "budget_type": self.budget_type,
            "budget_streams": dict(self.budget_streams),
            "delivery_mechanisms": dict(self.delivery_mechanisms),
            "planned_by_category": dict(self.planned_by_category),
            "ledger_kept": self.ledger_kept,
            "actual_by_category": dict(self.actual_by_category),
            "outcomes_at_review": dict(self.outcomes_at_review),
            "market_gaps": [list(g) for g in self.market_gaps],
            "review_timeliness": self.review_timeliness,
            "plan_version_at": self.plan_version_at.astimezone(UTC).isoformat(),
        }
        if self.contribution_status in CONTRIBUTION_RECORDED:
            data["contribution_status"] = self.contribution_status
            data["weekly_contribution_pence"] = self.weekly_contribution_pence
        return data

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, without_contribution: str = CONTRIBUTION_NONE
    ) -> PersonRecord:
        """Read ``to_dict`` output back, refusing anything malformed (raises ``ValueError``).

        A record without the contribution fields gets ``without_contribution`` as its status: ``""``
        (none recorded) from a file that carries them, ``CONTRIBUTION_UNKNOWN`` from an older one.
        """
        if not isinstance(data, Mapping):
            raise ValueError("a person record must be an object")
        if data.get("schema_version") != DATASET_SCHEMA_VERSION:
            raise ValueError(f"unsupported person record schema version {data.get('schema_version')!r}")
        expected = {
            "schema_version", "key", "age_band", "locality", "primary_support_reason", "budget_type",
            "budget_streams", "delivery_mechanisms", "planned_by_category", "ledger_kept",
            "actual_by_category", "outcomes_at_review", "market_gaps", "review_timeliness", "plan_version_at",
        }  # fmt: skip
        contribution_fields = {"contribution_status", "weekly_contribution_pence"}
        if contribution_fields <= set(data):
            expected |= contribution_fields
        if set(data) != expected:
            raise ValueError(f"person record fields differ: {sorted(set(data) ^ expected)}")
        status, weekly = without_contribution, 0
        if "contribution_status" in data:
            status, weekly = data["contribution_status"], data["weekly_contribution_pence"]
            if status not in CONTRIBUTION_RECORDED:
                raise ValueError("contribution_status must be assessed, awaiting or nil")
            if type(weekly) is not int:
                raise ValueError("weekly_contribution_pence must be whole pence")

        def money(name: str) -> Pairs:
            value = data[name]
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and type(v) is int for k, v in value.items()
            ):
                raise ValueError(f"{name} must map names to whole pence")
            return _pairs(value)

        outcomes = data["outcomes_at_review"]
        gaps = data["market_gaps"]
        if not isinstance(outcomes, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in outcomes.items()
        ):
            raise ValueError("outcomes_at_review must map outcome codes to ratings")
        if not isinstance(gaps, list) or not all(
            isinstance(g, list) and len(g) == 2 and all(isinstance(x, str) for x in g) for g in gaps
        ):
            raise ValueError("market_gaps must be a list of [category, locality] pairs")
        if type(data["ledger_kept"]) is not bool:
            raise ValueError("ledger_kept must be true or false")
        for name in (
            "key",
            "age_band",
            "locality",
            "primary_support_reason",
            "budget_type",
            "review_timeliness",
        ):
            if not isinstance(data[name], str):
                raise ValueError(f"{name} must be text")
        try:
            at = datetime.fromisoformat(str(data["plan_version_at"]))
        except ValueError as error:
            raise ValueError("plan_version_at must be an ISO date and time") from error
        return cls(
            key=data["key"],
            age_band=data["age_band"],
            locality=data["locality"],
            primary_support_reason=data["primary_support_reason"],
            budget_type=data["budget_type"],
            budget_streams=money("budget_streams"),
            delivery_mechanisms=money("delivery_mechanisms"),
            planned_by_category=money("planned_by_category"),
            ledger_kept=data["ledger_kept"],
            actual_by_category=money("actual_by_category"),
            outcomes_at_review=tuple(sorted(outcomes.items())),
            market_gaps=tuple(sorted({(g[0], g[1]) for g in gaps})),
            review_timeliness=data["review_timeliness"],
            plan_version_at=at if at.tzinfo else at.replace(tzinfo=UTC),
            contribution_status=status,
            weekly_contribution_pence=weekly,
        )


def _validate(record: PersonRecord) -> None:
    problems = []
    if not record.key or len(record.key) > 200:
        problems.append("key must be 1 to 200 characters")
    if record.age_band not in AGE_BANDS and record.age_band != UNDER_18:
        problems.append(f"unknown age band {record.age_band!r}")
    if not record.locality or len(record.locality) > 200:
        problems.append("locality must be 1 to 200 characters")
    if record.primary_support_reason not in PRIMARY_SUPPORT_REASONS:
        problems.append(f"unknown primary support reason {record.primary_support_reason!r}")
    if not _CODE.match(record.budget_type):
        problems.append(f"budget type must be a code, not {record.budget_type!r}")
    for stream, pence in record.budget_streams:
        if stream not in STREAMS or pence < 0:
            problems.append(f"bad funding stream {stream!r} ({pence})")
    for mechanism, pence in record.delivery_mechanisms:
        if mechanism not in DELIVERY_MECHANISMS or pence < 0:
            problems.append(f"bad delivery mechanism {mechanism!r} ({pence})")
    for category, pence in record.planned_by_category:
        if category not in SUPPORT_CATEGORIES or pence < 0:
            problems.append(f"bad planned category {category!r} ({pence})")
    for category, pence in record.actual_by_category:
        if (category not in SUPPORT_CATEGORIES and category != UNLINKED) or pence < 0:
            problems.append(f"bad spending category {category!r} ({pence})")
    for code, rating in record.outcomes_at_review:
        if code not in CARE_ACT_OUTCOMES or rating not in OUTCOME_RATINGS:
            problems.append(f"bad outcome {code!r}: {rating!r}")
    for category, locality in record.market_gaps:
        if category not in SUPPORT_CATEGORIES or not locality or len(locality) > 200:
            problems.append(f"bad market gap {category!r} in {locality!r}")
    if record.review_timeliness not in REVIEW_TIMELINESS:
        problems.append(f"unknown review timeliness {record.review_timeliness!r}")
    if record.plan_version_at.tzinfo is None:
        problems.append("plan_version_at must be timezone-aware")
    if record.contribution_status not in CONTRIBUTION_STATUSES:
        problems.append(f"unknown contribution status {record.contribution_status!r}")
    weekly = record.weekly_contribution_pence
    if record.contribution_status == ContributionStatus.ASSESSED.value:
        if weekly < 0 or weekly > 10_000_000:
            problems.append(f"bad weekly contribution ({weekly})")
    elif weekly != 0:
        problems.append("a weekly contribution is only for an assessed contribution")
    if problems:
        raise ValueError("invalid person record: " + "; ".join(problems))


def age_band(date_of_birth: date, on: date) -> str:
    """The age band of someone born on ``date_of_birth``, on the day ``on``."""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age < 18:
        return UNDER_18
    for low, high, band in _BAND_LIMITS:
        if low <= age <= high:
            return band
    return AGE_BANDS[-1]


_BAND_LIMITS: tuple[tuple[int, int, str], ...] = tuple(
    (int(band.split("-")[0]), int(band.split("-")[1]), band) for band in AGE_BANDS[:-1]
)


# -- extraction ---------------------------------------------------------------------------------


def _rounded(numerator: int, denominator: int) -> int:
    """``round_half_up(Fraction(numerator, denominator))`` for a positive denominator, in whole numbers."""
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -whole if numerator < 0 else whole


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _t(model: Any) -> Any:
    """A model's table (its columns as ``.c``)."""
    return model.__table__


person_t, cycle_t, budget_t, stream_t = _t(Person), _t(PlanCycle), _t(AgreedBudget), _t(BudgetStream)
plan_t, decision_t, item_t = _t(SupportPlan), _t(PlanDecision), _t(PlanSupportItem)
contribution_t = _t(PersonContribution)
management_t, share_t, transaction_t = _t(BudgetManagement), _t(ManagementShare), _t(LedgerTransaction)
spend_total_t = _t(LedgerSpendTotal)
review_t, outcome_t, gap_t = _t(Review), _t(ReviewOutcome), _t(MarketGapRow)


def whole_financial_years(period_from: date, period_to: date) -> tuple[range, list[tuple[date, date]]]:
    """The financial years (1 April to 31 March, by the year they start in) wholly inside the period,
    and the parts of the period outside them (first and last day each): the spending of the first is
    read from the kept ledger totals, of the second from the ledger rows themselves."""
    first = period_from.year if period_from <= date(period_from.year, 4, 1) else period_from.year + 1
    last = period_to.year - 1 if period_to >= date(period_to.year, 3, 31) else period_to.year - 2
    if last < first:
        return range(0), [(period_from, period_to)]
    rest = []
    if period_from < date(first, 4, 1):
        rest.append((period_from, date(first, 4, 1) - timedelta(days=1)))
    if period_to > date(last + 1, 3, 31):
        rest.append((date(last + 1, 4, 1), period_to))
    return range(first, last + 1), rest


def _spent_from_ledger(period_from: date, period_to: date) -> Select[Any]:
    """Money out within the days given, per person and category, from the ledger rows."""
    t, i = transaction_t.c, item_t.c
    category = func.coalesce(i.category, func.nullif(t.category, _EMPTY))
    return (
        select(t.person_id, category, -func.sum(t.amount_pence))
        .join_from(transaction_t, item_t, i.id == t.plan_item_id, isouter=True)
        .where(
            t.amount_pence < 0,
            # ISO text as SQLite holds dates; typed as a date, so the server compares dates with dates.
            t.posted_on >= type_coerce(period_from.isoformat(), Date),
            t.posted_on <= type_coerce(period_to.isoformat(), Date),
        )
        .group_by(t.person_id, category)
    )


def _spent_from_kept(years: range) -> Select[Any]:
    """Money out within whole financial years, per person and category, from the kept ledger totals
    (storage/ledger_totals.py): the same figures as ``_spent_from_ledger`` over those years."""
    k, i = spend_total_t.c, item_t.c
    category = func.coalesce(i.category, func.nullif(k.category, _EMPTY))
    return (
        select(k.person_id, category, func.sum(k.spent_pence))
        .join_from(spend_total_t, item_t, i.id == k.plan_item_id, isouter=True)
        .where(k.year_from >= years.start, k.year_from < years.stop)
        .group_by(k.person_id, category)
    )


def _queries(period_from: date, period_to: date) -> dict[str, Select[Any]]:
    """The queries behind the records, from the storage models' tables (no schema written twice)."""
    c = cycle_t.c
    decided = (
        select(func.max(decision_t.c.decided_at))
        .where(decision_t.c.plan_id == plan_t.c.id, decision_t.c.decision != "return")
        .scalar_subquery()
    )
    i = item_t.c
    years, rest = whole_financial_years(period_from, period_to)
    spent = {f"spent_{n}": _spent_from_ledger(first, last) for n, (first, last) in enumerate(rest)}
    if years:
        spent["spent_kept"] = _spent_from_kept(years)
    return spent | {
        "people": select(
            person_t.c.id,
            person_t.c.date_of_birth,
            person_t.c.locality,
            person_t.c.primary_support_reason,
            person_t.c.nhs_number,
        ),
        "budgets": select(
            c.person_id, c.number, budget_t.c.id, budget_t.c.budget_type, budget_t.c.agreed_at
        ).join_from(budget_t, cycle_t, c.id == budget_t.c.cycle_id),
        "streams": select(stream_t.c.agreed_budget_id, stream_t.c.stream, stream_t.c.annual_pence),
        "plans": select(plan_t.c.person_id, plan_t.c.id, plan_t.c.version, decided).where(
            plan_t.c.status == "agreed"
        ),
        "items": select(i.plan_id, i.category, i.unit_cost_pence, i.quantity, i.frequency),
        "managements": select(c.person_id, c.number, management_t.c.id, management_t.c.recorded_at).join_from(
            management_t, cycle_t, c.id == management_t.c.cycle_id
        ),
        "shares": select(share_t.c.management_id, share_t.c.option, share_t.c.annual_pence),
        "reviews": select(c.person_id, review_t.c.id, review_t.c.completed_at, review_t.c.due_on)
        .join_from(review_t, cycle_t, c.id == review_t.c.cycle_id)
        .where(review_t.c.status == "completed"),
        "outcomes": select(outcome_t.c.review_id, outcome_t.c.outcome_code, outcome_t.c.rating).order_by(
            outcome_t.c.review_id, outcome_t.c.position
        ),
        "gaps": select(gap_t.c.review_id, gap_t.c.category, gap_t.c.locality),
        "next_due": select(c.person_id, c.next_review_due).where(c.status == "open"),
        "contributions": select(
            contribution_t.c.person_id,
            contribution_t.c.id,
            contribution_t.c.status,
            contribution_t.c.weekly_pence,
            contribution_t.c.recorded_at,
        ),
    }


def extract_records(
    database: Any,
    period_from: date,
    period_to: date,
    key_fn: Callable[[PersonIdentity], str] = local_key,
    *,
    today: date | None = None,
) -> list[PersonRecord]:
    """The ``PersonRecord`` of every person with a budget agreed by ``period_to``, ordered by key.

    ``database`` is the caseload (anything with ``session()``). It reads every person's records:
    the caller checks the permission first (``services/export_service.py``). ``key_fn`` turns a
    ``PersonIdentity`` into the record's key (default: the local id; the hub's contribution passes
    a transit identifier). ``today`` (default: ``period_to``) caps the date reviews are judged
    overdue on. Reads the whole caseload in a handful of queries, whatever its size.
    """
    if period_to < period_from:
        raise ValueError("the period ends before it starts")
    as_of = min(period_to, today or period_to)
    end = datetime.combine(period_to + timedelta(days=1), datetime.min.time(), UTC)  # exclusive

    queries = _queries(period_from, period_to)
    with database.session() as session:
        conn = session.connection()

        def rows(name: str) -> list[Any]:  # plain tuples: a caseload of 50,000 reads in a third of the time
            return run_compiled(conn, queries[name])

        people = {r[0]: r for r in rows("people")}
        # The newest budget agreed by the end of the period, per person.
        budgets: dict[int, tuple[int, int, str, datetime]] = {}  # person -> (cycle no, budget id, type, at)
        for person_id, number, budget_id, budget_type, agreed_at in rows("budgets"):
            at = _as_datetime(agreed_at)
            assert at is not None
            if at >= end:
                continue
            if person_id not in budgets or number > budgets[person_id][0]:
                budgets[person_id] = (number, budget_id, budget_type, at)
        budget_ids = {b[1]: p for p, b in budgets.items()}
        streams: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for budget_id, stream, pence in rows("streams"):
            if budget_id in budget_ids:
                streams[budget_ids[budget_id]].append((stream, pence))

        # The newest plan agreed by the end of the period, per person, and its costed items.
        plans: dict[int, tuple[int, int, datetime]] = {}  # person -> (version, plan id, agreed at)
        for person_id, plan_id, version, decided_at in rows("plans"):
            at = _as_datetime(decided_at)
            if at is None or at >= end:
                continue
            if person_id not in plans or version > plans[person_id][0]:
                plans[person_id] = (version, plan_id, at)
        plan_owner = {p[1]: person for person, p in plans.items()}
        # Exact sums without a Fraction addition an item: numerators added up by denominator (whole
        # numbers), then one Fraction a person, category and denominator.
        parts: dict[tuple[int, str, int], int] = defaultdict(int)
        costs: dict[tuple[int, str, str], tuple[int, int]] = {}  # rates and hours repeat from plan to plan
        for plan_id, category, unit, quantity, frequency in rows("items"):
            if plan_id in plan_owner:
                category = category if category in SUPPORT_CATEGORIES else "other"
                cost = costs.get((unit, quantity, frequency))
                if cost is None:
                    exact = annual_cost(unit, Decimal(quantity), Frequency(frequency))
                    cost = costs[(unit, quantity, frequency)] = (exact.numerator, exact.denominator)
                parts[(plan_owner[plan_id], category, cost[1])] += cost[0]
        pending: dict[tuple[int, str], tuple[int, int] | Fraction] = {}
        for (owner, category, denominator), numerator in parts.items():
            earlier = pending.get((owner, category))
            if earlier is None:
                pending[(owner, category)] = (numerator, denominator)
            else:
                whole = earlier if isinstance(earlier, Fraction) else Fraction(*earlier)
                pending[(owner, category)] = whole + Fraction(numerator, denominator)
        planned: dict[int, dict[str, int]] = defaultdict(dict)  # annual pence, rounded half up
        for (owner, category), exact_sum in pending.items():
            planned[owner][category] = (
                round_half_up(exact_sum) if isinstance(exact_sum, Fraction) else _rounded(*exact_sum)
            )

        # The newest management recorded by the end of the period, per person.
        managements: dict[int, tuple[int, int, datetime]] = {}  # person -> (cycle no, management id, at)
        for person_id, number, management_id, recorded_at in rows("managements"):
            at = _as_datetime(recorded_at)
            assert at is not None
            if at >= end:
                continue
            if person_id not in managements or number > managements[person_id][0]:
                managements[person_id] = (number, management_id, at)
        management_owner = {m[1]: person for person, m in managements.items()}
        mechanisms: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for management_id, option, pence in rows("shares"):
            if management_id in management_owner:
                mechanism = OPTION_MECHANISMS[ManagementOption(option)].value
                mechanisms[management_owner[management_id]][mechanism] += pence

        # Spending (money out) within the period, by the category of the linked item or the link itself.
        spent: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for name in (n for n in queries if n.startswith("spent_")):  # kept totals, and days outside them
            for person_id, category, pence in rows(name):
                if category is None:
                    category = UNLINKED
                elif category not in SUPPORT_CATEGORIES:
                    category = "other"
                spent[person_id][category] += int(pence)

        # Reviews completed within the period: the newest per person gives outcomes and timeliness.
        reviews: dict[int, tuple[datetime, int, date]] = {}  # person -> (completed at, review id, due on)
        reviews_in_period: dict[int, list[int]] = defaultdict(list)
        for person_id, review_id, completed_at, due_on in rows("reviews"):
            at = _as_datetime(completed_at)
            if at is None or at >= end or at.date() < period_from:
                continue
            reviews_in_period[person_id].append(review_id)
            due = _as_date(due_on)
            assert due is not None
            if person_id not in reviews or (at, review_id) > reviews[person_id][:2]:
                reviews[person_id] = (at, review_id, due)
        newest_review = {r[1]: person for person, r in reviews.items()}
        review_owner = {rid: person for person, ids in reviews_in_period.items() for rid in ids}
        outcomes: dict[int, dict[str, str]] = defaultdict(dict)
        for review_id, code, rating in rows("outcomes"):
            if review_id in newest_review and code in CARE_ACT_OUTCOMES and rating in OUTCOME_RATINGS:
                outcomes[newest_review[review_id]][code] = rating
        gaps: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for review_id, category, locality in rows("gaps"):
            if review_id in review_owner:
                locality = " ".join(str(locality).split())[:200]
                if category in SUPPORT_CATEGORIES and locality:
                    gaps[review_owner[review_id]].add((category, locality))

        # The next review due on each person's open cycle.
        next_due: dict[int, date | None] = {}
        for person_id, due in rows("next_due"):
            next_due[person_id] = _as_date(due)

        # The contribution in force at the end of the period: the newest recorded by then.
        contributions: dict[int, tuple[int, str, int]] = {}  # person -> (id, status, weekly pence)
        for person_id, contribution_id, status, weekly, recorded_at in rows("contributions"):
            at = _as_datetime(recorded_at)
            if at is None or at >= end or status not in CONTRIBUTION_RECORDED:
                continue
            if person_id not in contributions or contribution_id > contributions[person_id][0]:
                assessed = status == ContributionStatus.ASSESSED.value
                contributions[person_id] = (contribution_id, status, int(weekly or 0) if assessed else 0)

    records = []  # each record puts its pairs in canonical form itself (__post_init__)
    for person_id, (_number, _budget_id, budget_type, budget_at) in budgets.items():
        _pid, dob, locality, reason, nhs_number = people[person_id]
        born = _as_date(dob)
        assert born is not None
        if person_id in reviews:
            completed, _rid, due = reviews[person_id]
            timeliness = COMPLETED_ON_TIME if completed.date() <= due else COMPLETED_LATE
        else:
            due_next = next_due.get(person_id)
            timeliness = OVERDUE if due_next is not None and due_next < as_of else NOT_YET_DUE
        mechanism_pence = dict(mechanisms.get(person_id, {}))
        times = [budget_at]
        times += [plans[person_id][2]] if person_id in plans else []
        times += [managements[person_id][2]] if person_id in managements else []
        times += [reviews[person_id][0]] if person_id in reviews else []
        records.append(
            PersonRecord(
                key=key_fn(PersonIdentity(person_id, nhs_number)),
                age_band=age_band(born, period_to),
                locality=" ".join(str(locality).split())[:200],
                primary_support_reason=reason if reason in PRIMARY_SUPPORT_REASONS else "Unknown",
                budget_type=budget_type if _CODE.match(budget_type or "") else "other",
                budget_streams=tuple(sorted((s, p) for s, p in streams.get(person_id, []) if s in STREAMS)),
                delivery_mechanisms=tuple(sorted(mechanism_pence.items())),
                planned_by_category=tuple(sorted(planned.get(person_id, {}).items())),
                ledger_kept=DeliveryMechanism.DIRECT_PAYMENT.value in mechanism_pence,
                actual_by_category=tuple(sorted(spent.get(person_id, {}).items())),
                outcomes_at_review=tuple(sorted(outcomes.get(person_id, {}).items())),
                market_gaps=tuple(sorted(gaps.get(person_id, set()))),
                review_timeliness=timeliness,
                plan_version_at=max(times),
                contribution_status=contributions[person_id][1] if person_id in contributions else "",
                weekly_contribution_pence=contributions[person_id][2] if person_id in contributions else 0,
            )
        )
    records.sort(key=lambda r: r.key)
    return records
