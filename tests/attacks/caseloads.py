"""Small random caseloads for the attack suite (12 to 60 people), where suppression bites.

Records are made directly (``PersonRecord``), as a laptop's extract or the hub's merge gives them,
so many caseloads can be attacked within the suite's time. Keys are made as the hub makes them
(a transit identifier of a valid NHS number, keyed by the hub's secret pseudonymiser) when a hub
is given, else local ones.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from personalbudget.domain.management import DeliveryMechanism
from personalbudget.domain.review import OUTCOME_RATINGS
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, PRIMARY_SUPPORT_REASONS, SUPPORT_CATEGORIES
from personalbudget.export.dataset import AGE_BANDS, REVIEW_TIMELINESS, UNDER_18, PersonRecord
from personalbudget.export.pseudonymise import transit_identifier

SEEDS = (1, 3, 8, 13, 21, 31)  # 21 and 31 were attacked successfully before issue 15
AT = datetime(2026, 4, 2, tzinfo=UTC)
YEAR = (date(2026, 4, 1), date(2027, 3, 31))
MECHANISMS = tuple(m.value for m in DeliveryMechanism)
LOCALITIES = ("Millbrook", "Eastfield", "Hartside", "Westgate")


def nhs_number(n: int) -> str | None:
    """The n-th number of the 999 test range if its check digit is valid (else None)."""
    first = f"999{n:06d}"
    total = sum(int(d) * w for d, w in zip(first, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else first + str(check)


def valid_numbers(count: int, rng: random.Random, space: int = 20_000) -> list[str]:
    numbers = [x for x in (nhs_number(n) for n in rng.sample(range(space), count * 2)) if x]
    return numbers[:count]


def record(rng: random.Random, key: str, reasons: int = 5) -> PersonRecord:
    budget = rng.randrange(300_000, 3_000_000)
    health = rng.choice((0, 0, 0, rng.randrange(50_000, 500_000)))
    mechanism = rng.choice(MECHANISMS)
    categories = rng.sample(sorted(SUPPORT_CATEGORIES), rng.randrange(1, 3))
    rated = rng.random() < 0.5
    return PersonRecord(
        key=key,
        age_band=rng.choice((UNDER_18, *AGE_BANDS)),
        locality=rng.choice(LOCALITIES),
        primary_support_reason=rng.choice(PRIMARY_SUPPORT_REASONS[:reasons]),
        budget_type="personal_budget",
        budget_streams=(("social_care", budget), ("health", health)),
        delivery_mechanisms=((mechanism, budget + health),),
        planned_by_category=tuple((c, (budget + health) // len(categories)) for c in categories),
        ledger_kept=mechanism == DeliveryMechanism.DIRECT_PAYMENT.value,
        actual_by_category=((categories[0], rng.randrange(0, budget // 2)),) if rng.random() < 0.6 else (),
        outcomes_at_review=tuple((o, rng.choice(OUTCOME_RATINGS)) for o in sorted(CARE_ACT_OUTCOMES)[:3])
        if rated
        else (),
        review_timeliness=rng.choice(REVIEW_TIMELINESS),
        plan_version_at=AT,
        **contribution(key),
    )


def contribution(key: str) -> dict[str, object]:
    """The person's contribution, from its own generator: the caseloads of each seed (and what the
    attacks found in them before table 10) stay as they were."""
    rng = random.Random(f"contribution-{key}")
    status = rng.choice(("assessed", "assessed", "nil", "awaiting", ""))
    weekly = rng.randrange(500, 15_000) if status == "assessed" else 0
    return {"contribution_status": status, "weekly_contribution_pence": weekly}


def caseload(seed: int, hub=None, people: int | None = None) -> tuple[list[PersonRecord], list[str]]:
    """(records, their NHS numbers) for one seed: 12 to 60 people."""
    rng = random.Random(seed)
    n = people if people is not None else rng.randrange(12, 61)
    numbers = valid_numbers(n, rng)
    records = []
    for i, nhs in enumerate(numbers):
        key = f"local-{seed}-{i}"
        if hub is not None:
            key = hub.pseudonymiser().person_key(
                transit_identifier(nhs, "", date(1950, 1, 1), hub.public.hub_id)
            )
        records.append(record(rng, key))
    return records, numbers
