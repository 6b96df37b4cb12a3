"""Demo people read as real lives: what is said about them fits their age, their plan and their reviews.

Three demo caseloads (three seeds, 300 people) are read back from the database and checked
against rules of their own here (not the generator's tables): grandchildren, children at
school, a job, retirement and parents fit the person's age; names fit age and sex;
"my PA", "the day centre", "the taxi" and "short breaks" are only mentioned where the plan
has them; a review never rates an outcome Fully Met beside "I would like more help"; the
support and outcomes fit the primary support reason.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from sqlmodel import select

from personalbudget.clock import FixedClock
from personalbudget.paths import resources_dir
from personalbudget.services import build_services
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore
from personalbudget.storage.models import (
    AgreedBudget,
    PlanCycle,
    PlanDecision,
    PlanInformalSupport,
    PlanOutcome,
    PlanRisk,
    PlanSupportItem,
    Representative,
    SupportPlan,
)
from personalbudget.storage.review_models import MarketGapRow, Review, ReviewOutcome
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.slow  # builds demo caseloads for several seeds: not in the fast lane

SEEDS = (1, 2, 3)
PEOPLE = 100


@dataclass
class Plan:
    texts: list[str] = field(default_factory=list)  # what matters, contingency, outcomes, help, risks
    lines: list[str] = field(default_factory=list)  # what each costed support item is
    categories: set[str] = field(default_factory=set)
    outcomes: list[str] = field(default_factory=list)


@dataclass
class Life:
    name: str
    age: int
    reason: str
    representatives: list[tuple[str, str]] = field(default_factory=list)  # (name, relationship)
    plans: dict[int, Plan] = field(default_factory=dict)
    decisions: list[tuple[int, str]] = field(default_factory=list)  # (plan id, text)
    reviews: list[dict] = field(default_factory=list)
    budget_changes: list[tuple[int, int, str]] = field(default_factory=list)  # indicative, agreed, reason


def read_lives(services) -> list[Life]:
    people = {r.person_id: r for r in services.people.list_caseload()}
    lives = {pid: Life(r.name, r.age, r.primary_support_reason) for pid, r in people.items()}
    with services.context.db.session() as session:
        for rep in session.exec(select(Representative)):
            lives[rep.person_id].representatives.append((rep.name, rep.relationship))
        plan_owner = {}
        for plan in session.exec(select(SupportPlan)):
            plan_owner[plan.id] = plan.person_id
            lives[plan.person_id].plans[plan.id] = Plan(texts=[plan.what_matters, plan.contingency])
        for item in session.exec(select(PlanSupportItem)):
            plan = lives[plan_owner[item.plan_id]].plans[item.plan_id]
            plan.categories.add(item.category)
            plan.lines.append(item.description)
        for outcome in session.exec(select(PlanOutcome)):
            plan = lives[plan_owner[outcome.plan_id]].plans[outcome.plan_id]
            plan.outcomes.append(outcome.outcome_code)
            plan.texts.append(outcome.description)
        for row in session.exec(select(PlanInformalSupport)):
            lives[plan_owner[row.plan_id]].plans[row.plan_id].texts.append(f"{row.who}: {row.description}")
        for row in session.exec(select(PlanRisk)):
            lives[plan_owner[row.plan_id]].plans[row.plan_id].texts.append(f"{row.risk}: {row.how_managed}")
        for decision in session.exec(select(PlanDecision)):
            lives[plan_owner[decision.plan_id]].decisions.append((decision.plan_id, decision.text))
        owner_of_cycle = {c.id: c.person_id for c in session.exec(select(PlanCycle))}
        for budget in session.exec(select(AgreedBudget)):
            lives[owner_of_cycle[budget.cycle_id]].budget_changes.append(
                (budget.indicative_annual_pence, budget.annual_pence, budget.reason)
            )
        reviews = {}
        for review in session.exec(select(Review).where(Review.status == "completed")):
            reviews[review.id] = record = {
                "plan": review.plan_id,
                "working": review.working_person,
                "not_working": review.not_working_person,
                "practitioner": review.working_practitioner,
                "ratings": [],
                "gaps": [],
            }
            lives[owner_of_cycle[review.cycle_id]].reviews.append(record)
        for outcome in session.exec(select(ReviewOutcome)):
            if outcome.review_id in reviews:
                reviews[outcome.review_id]["ratings"].append((outcome.rating, outcome.person_says))
        for gap in session.exec(select(MarketGapRow)):
            if gap.review_id in reviews:
                reviews[gap.review_id]["gaps"].append(gap.why)
    return list(lives.values())


@pytest.fixture(scope="module")
def lives(tmp_path_factory) -> list[Life]:
    found = []
    for seed in SEEDS:
        path = tmp_path_factory.mktemp(f"demo{seed}") / "demo.db"
        db = open_database(path, DatabaseKeys(MemorySecretStore(), passphrase=lambda _creating: None))
        services = build_services(db, FixedClock(FIXED_NOW), "tester")
        build_demo_caseload(services.context, people=PEOPLE, seed=seed)
        found.extend(read_lives(services))
        db.close()
    assert len(found) == PEOPLE * len(SEEDS)
    return found


def all_texts(life: Life) -> list[str]:
    texts = [t for plan in life.plans.values() for t in plan.texts + plan.lines]
    texts += [text for _plan, text in life.decisions]
    for review in life.reviews:
        texts += [review["working"], review["not_working"], *(says for _r, says in review["ratings"])]
    return [t for t in texts if t]


# (what a text says, the youngest and oldest a person saying it can reasonably be)
AGE_RULES = (
    (r"grandchild|grandson|granddaughter", 50, 200),
    (r"\bchildren\b|school", 20, 60),
    (r"\bjob\b|before work|paid work|job coach", 18, 70),
    (r"college", 18, 85),
    (r"retire", 60, 200),
    (r"care home", 50, 200),
    (r"own age|flat of my own", 18, 55),
    (r"\bmy (mum|dad|mother|father|parents)\b|mum or dad", 18, 50),
    (r"\bmy (daughter|son)\b", 36, 200),
)


def test_what_is_said_about_each_person_fits_their_age(lives):
    wrong = [
        (life.age, text)
        for life in lives
        for text in all_texts(life)
        for pattern, youngest, oldest in AGE_RULES
        if re.search(pattern, text, re.IGNORECASE) and not youngest <= life.age <= oldest
    ]
    assert wrong == []
    # The rules are met by real variety, not by leaving the phrases out.
    said = " ".join(t for life in lives for t in all_texts(life)).lower()
    assert all(
        word in said for word in ("grandchildren", "children to school", "job", "retirement", "my mum")
    )


def test_family_fits_the_persons_age(lives):
    children = {"daughter", "son"}
    parents = {"mother", "father"}
    wrong = [
        (life.age, relationship)
        for life in lives
        for _name, relationship in life.representatives
        if (relationship in children and life.age < 36) or (relationship in parents and life.age > 65)
    ]
    assert wrong == []
    relationships = {r for life in lives for _n, r in life.representatives}
    assert {"daughter", "son", "mother", "wife", "friend"} <= relationships


def given_names_by_sex() -> dict[str, set[str]]:
    with (resources_dir() / "demo_names.toml").open("rb") as handle:
        names = tomllib.load(handle)
    by_sex: dict[str, set[str]] = defaultdict(set)
    for group in names["heritage"]:
        for sex in ("female", "male"):
            for band in group[sex].values():
                by_sex[sex].update(band)
    return by_sex


OLD_FASHIONED = {
    "Harold",
    "Stanley",
    "Maureen",
    "Brenda",
    "Doreen",
    "Edna",
    "Cyril",
    "Dilys",
    "Glenys",
    "Kenneth",
}
RECENT = {"Alfie", "Maisie", "Tegan", "Osian", "Aaliyah", "Zayn", "Kacper", "Defne", "Jasmine", "Chloe"}


def test_names_fit_age_and_sex(lives):
    by_sex = given_names_by_sex()
    women = {"daughter", "mother", "wife", "sister"}
    men = {"son", "father", "husband", "brother"}
    wrong_sex = [
        (name, relationship)
        for life in lives
        for name, relationship in life.representatives
        if (relationship in women and name.split()[0] not in by_sex["female"])
        or (relationship in men and name.split()[0] not in by_sex["male"])
        or (relationship in women and name.endswith("ski"))
        or (relationship in men and name.endswith("ska"))
    ]
    assert wrong_sex == []
    wrong_age = [
        (life.age, life.name)
        for life in lives
        if (life.name.split()[0] in OLD_FASHIONED and life.age < 45)
        or (life.name.split()[0] in RECENT and life.age > 50)
    ]
    assert wrong_age == []


# (what a text mentions, the support the plan must have for it to make sense)
SUPPORT_RULES = (
    (r"\bPA\b|personal assistant", {"personal_assistant"}),
    (r"day centre", {"day_opportunities"}),
    (r"taxi", {"transport"}),
    (r"short.break", {"short_breaks"}),
    (r"home care visit|agency's hourly rate", {"personal_care"}),
)


def mentions_without_support(text: str, plan: Plan) -> bool:
    return any(
        re.search(p, text, re.IGNORECASE) and not needs & plan.categories for p, needs in SUPPORT_RULES
    )


def test_plans_decisions_and_reviews_only_mention_support_the_plan_has(lives):
    wrong = []
    for life in lives:
        for plan in life.plans.values():
            wrong += [t for t in plan.texts if mentions_without_support(t, plan)]
        for plan_id, text in life.decisions:
            wrong += [text] if mentions_without_support(text, life.plans[plan_id]) else []
        for review in life.reviews:
            plan = life.plans[review["plan"]]
            wrong += [
                t for t in (review["working"], review["not_working"]) if mentions_without_support(t, plan)
            ]
    assert wrong == []
    decided = [text for life in lives for _p, text in life.decisions if text]
    assert any("taxi" in t for t in decided) and any("hours" in t for t in decided)


def test_review_comments_agree_with_the_rating(lives):
    contradictions = {
        "Fully Met": r"more help|not started|not yet|nobody comes",
        "Partially Met": r"not started",
        "Not Met": r"going well|is working|look forward",
    }
    ratings = [rating for life in lives for review in life.reviews for rating in review["ratings"]]
    assert len(ratings) > 100 and {r for r, _s in ratings} == {"Fully Met", "Partially Met", "Not Met"}
    wrong = [
        (rating, says) for rating, says in ratings if re.search(contradictions[rating], says, re.IGNORECASE)
    ]
    assert wrong == []
    for life in lives:
        for review in life.reviews:
            rated = {r for r, _s in review["ratings"]}
            if "Not Met" in rated or "Partially Met" in rated:
                assert "used as planned" not in review["practitioner"], review
            if rated == {"Fully Met"}:
                assert "followed up" not in review["practitioner"], review
            for why in review["gaps"]:
                assert "under 65" not in why or life.age < 65, (life.age, why)


def test_support_and_outcomes_fit_the_primary_support_reason(lives):
    def plans_of(reason):
        return [(life, p) for life in lives if life.reason == reason for p in life.plans.values()]

    personal_care = plans_of("Physical Support: Personal care support")
    assert personal_care and all(set(p.outcomes) & set("abcde") for _life, p in personal_care)
    assert all(p.categories & {"personal_care", "personal_assistant"} for _life, p in personal_care)
    memory = [life for life in lives if life.reason == "Support with Memory & Cognition"]
    assert memory and all(life.age >= 50 for life in memory)
    carers = plans_of("Social Support: Support to Carer")
    assert all(not set(p.outcomes) & set("cd") for _life, p in carers)  # toileting, dressing
    assert all(
        "work_learning" not in p.categories for life in lives if life.age >= 65 for p in life.plans.values()
    )
    learning = [life for life in lives if life.reason == "Learning Disability Support"]
    assert learning and sum(life.age < 50 for life in learning) > len(learning) / 2  # mostly younger adults


def test_a_changed_budget_gives_a_reason_that_matches_the_change(lives):
    changes = [c for life in lives for c in life.budget_changes if c[0] != c[1]]
    assert changes
    for indicative, agreed, reason in changes:
        assert reason
        if "added" in reason or "night-time" in reason:
            assert agreed > indicative, reason
        if "reduced" in reason:
            assert agreed < indicative, reason
