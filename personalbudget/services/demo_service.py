"""A realistic synthetic caseload for training, demos and benchmarks.

Deterministic for a seed. No real person's data: names are random combinations
of common name parts, NHS numbers come from the 999 test range (never issued),
phone numbers from Ofcom's drama range, and localities and providers belong
to a fictional council.

People are built through the same services a practitioner uses (add the
person, answer the RAS, agree the budget, write, submit and agree the plan,
record how the money is managed, arrange the support, keep the accounts),
on a clock that moves forward, all in one transaction: the demo data obeys
every rule real data does, and a cancelled build adds nothing.

The services take about a tenth of a second a person, so a big demo builds
``lives`` people (a few hundred) that way and copies them at SQL level
(``storage/demo_copy.py``) in the same transaction, each copy with a name,
family, date of birth (the same age), NHS number and representatives of its
own: its records are those of a life the services built, so they obey the
same rules.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection
from sqlmodel import select

from personalbudget.clock import FixedClock
from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.money import Frequency, annual_cost
from personalbudget.domain.nhs_number import check_digit
from personalbudget.domain.person import PersonForm, RepresentativeForm
from personalbudget.domain.plan import (
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.domain.ras import RasDefinition
from personalbudget.domain.review import OUTCOME_RATINGS, REVIEW_METHODS, MarketGap, OutcomeRating
from personalbudget.domain.roles import Permission, Role
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _
from personalbudget.paths import resources_dir
from personalbudget.services import Services, build_services
from personalbudget.services.context import ServiceContext
from personalbudget.services.demo_life import DemoLife, DemoPeople
from personalbudget.services.demo_money import DemoMoney
from personalbudget.services.dto import ReviewForm
from personalbudget.storage import demo_copy
from personalbudget.storage.audit import record_event
from personalbudget.storage.models import Person, PlanCycle

MAX_DEMO_PEOPLE = 100_000
# Different lives built through the services; a bigger demo is copies of them (5,000 people in
# well under a minute, where the services alone take about eight).
DEMO_LIVES = 250
_STEP_WEIGHTS = (8, 8, 6, 5, 5, 50, 18)  # most people are living with an agreed plan
_BUDGET_TYPES = (("personal_budget", 80), ("joint_budget", 14), ("personal_health_budget", 6))
_APPROVER_ROLES = ("Team manager", "Funding panel", "Senior practitioner")

Progress = Callable[[int, int], bool]  # (done, total) -> carry on?


class _Cancelled(Exception):
    pass


def _load(name: str) -> dict[str, Any]:
    with (resources_dir() / name).open("rb") as handle:
        return tomllib.load(handle)


def demo_nhs_number(rng: random.Random) -> str:
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = check_digit(first_nine)
        if digit is not None:
            return first_nine + str(digit)


def build_demo_caseload(
    context: ServiceContext,
    *,
    people: int,
    seed: int,
    progress: Progress | None = None,
    ras: RasDefinition | None = None,
    lives: int = DEMO_LIVES,
) -> int:
    """Add ``people`` synthetic people to the caseload in one transaction; returns how many.

    Up to ``lives`` of them are built through the services; the rest are copies of those, each
    with an identity of its own. Returns 0 and adds nothing if ``progress`` asks to stop.
    """
    context.require(Permission.BUILD_DEMO)
    if not 1 <= people <= MAX_DEMO_PEOPLE:
        raise ValidationError(
            FieldError("people", _("Choose between 1 and {n} demo people.").format(n=MAX_DEMO_PEOPLE))
        )
    # Built through the services: ``built``; then ``rounds - 1`` copies of the first ``per_copy``.
    rounds = -(-people // max(1, lives))
    per_copy = people // rounds
    built = people - (rounds - 1) * per_copy
    rng = random.Random(seed)
    builder = _DemoBuilder(context, rng, ras)
    try:
        with context.db.session() as session:
            # Synthetic people are one bulk load in the audit trail, not thousands of events.
            session.info["audit_bulk"] = True
            builder.remember_existing_nhs_numbers()
            connection = session.connection()
            tables = demo_copy.owned_tables(connection) if rounds > 1 else []
            before = demo_copy.highest_ids(connection, tables)
            for index in range(built):
                if progress and index % 50 == 0 and not progress(index, people):
                    raise _Cancelled
                builder.add_person()
            session.flush()
            if rounds > 1:
                builder.copy_people(connection, tables, before, per_copy, rounds - 1, people, progress)
            record_event(
                session,
                actor=context.actor,
                action="bulk_insert",
                table="person",
                row_id="*",
                summary={"demo_people": people, "seed": seed},
            )
    except _Cancelled:
        return 0
    if progress:
        progress(people, people)
    return people


class _DemoBuilder:
    def __init__(self, context: ServiceContext, rng: random.Random, ras: RasDefinition | None):
        self.context = context
        self.rng = rng
        self.today = context.clock.today()
        self.now = context.clock.now()
        self.clock = FixedClock(self.now)
        # Fictional staff, so demo records never carry the name of whoever ran the demo.
        # The builder is the app's own job, started by an account allowed to build the demo: only roles apply.
        self.services: Services = build_services(
            context.db, self.clock, "demo.practitioner", ras, system=True
        )
        self.approver: Services = build_services(
            context.db, self.clock, "demo.approver", self.services.budget.ras, role=Role.APPROVER, system=True
        )
        self.names = _load("demo_names.toml")
        self.phrases = _load("demo_plans.toml")
        self.people = DemoPeople(self.names, self.phrases)
        self.life = DemoLife(50, "female", "Unknown")  # the person being built
        self.categories: frozenset[str] = frozenset()  # the kinds of support in their plan
        self.used_nhs: set[str] = set()
        self.lives: dict[int, DemoLife] = {}  # person id -> life, of the people built here
        self.with_nhs: set[int] = set()  # those of them who have an NHS number
        self.money = DemoMoney(self.services, self.clock, rng, self.people, self.today)

    def remember_existing_nhs_numbers(self) -> None:
        with self.context.db.session() as session:
            self.used_nhs.update(n for n in session.exec(select(Person.nhs_number)) if n)

    # -- one person ---------------------------------------------------------------------------
    def add_person(self) -> None:
        rng = self.rng
        target = Step(rng.choices(list(Step), weights=_STEP_WEIGHTS)[0])
        # People still setting up (steps 1-5) started recently; others have lived with their plan a while.
        days_ago = rng.randrange(160, 1000) if target >= Step.LIVE_LIFE else rng.randrange(20, 150)
        self.clock.set(self.now - timedelta(days=days_ago, minutes=rng.randrange(600)))
        person = self.services.people.add_person(self._person_form())
        self.lives[person.id] = self.life
        if person.nhs_number:
            self.with_nhs.add(person.id)
        need = rng.betavariate(2, 2.5)  # how much support this person needs, 0..1
        if target == Step.SET_BUDGET:
            if rng.random() < 0.5:
                self._answer(person.id, need, partial=True)
            return
        self._answer(person.id, need, partial=False)
        self._wait()
        budget = self._agree_budget(person.id)
        if target == Step.PLAN_SUPPORT:
            if rng.random() < 0.6:
                self._wait()
                self.services.plans.save_draft(person.id, self._plan(budget, complete=rng.random() < 0.5))
            return
        self._wait()
        self._submit(person.id, self._plan(budget, complete=True))
        if target == Step.AGREE_PLAN:
            return
        self._wait()
        if rng.random() < 0.1:  # returned once, then put right and agreed
            [reason] = self.people.pick(rng, "return_reasons", self.life.age, self.categories)
            self.approver.plans.decide(person.id, Decision.RETURN, reason["text"], "Funding panel")
            self._wait()
            self._submit(person.id, self.services.plans.starting_draft(person.id))
            self._wait()
        conditions = rng.random() < 0.2
        [condition] = self.people.pick(rng, "conditions", self.life.age, self.categories)
        self.approver.plans.decide(
            person.id,
            Decision.APPROVE_WITH_CONDITIONS if conditions else Decision.APPROVE,
            condition["text"] if conditions else "",
            rng.choice(_APPROVER_ROLES),
        )
        if target <= Step.MANAGE_BUDGET:
            return
        # Step 4: how the money is managed and paid; step 5: who delivers each item of the plan.
        self._wait()
        nominated = next((r.name for r in person.representatives if r.role in ("nominated", "suitable")), "")
        management = self.money.manage(person.id, budget, nominated)
        self._wait()
        support = self.money.arrange(person.id, management, complete=target > Step.ORGANISE_SUPPORT)
        if target == Step.ORGANISE_SUPPORT:
            return
        if support.gaps:
            self.services.support.confirm_support_arranged(
                person.id, "Starting while the last item is found."
            )
        else:
            self.services.support.confirm_support_arranged(person.id)
        # Step 6: up to a year of payments in and spending out.
        self.money.live(person.id, management, support)
        self._past_reviews(person.id)
        self._set_review_date(person.id)
        if target == Step.REVIEW:
            self.clock.set(self.now - timedelta(days=person.id % 20, minutes=person.id % 480))
            self.services.lifecycle.advance(person.id, note="Review due")
            self.services.reviews.open_review(person.id)

    # -- copies of them ------------------------------------------------------------------------
    def copy_people(
        self,
        connection: Connection,
        tables: list[demo_copy.OwnedTable],
        before: dict[str, int],
        per_copy: int,
        copies: int,
        people: int,
        progress: Progress | None,
    ) -> None:
        """``copies`` copies of the first ``per_copy`` people built, each given its own identity."""
        first = sorted(self.lives)[:per_copy]
        source = demo_copy.CopySource(
            tuple(tables), before, demo_copy.highest_ids(connection, tables), first[-1]
        )
        demo_copy.reserve_ids(connection, source, copies)
        representatives = demo_copy.people_representatives(connection, before["person"], first[-1])
        done = people - copies * per_copy
        for copy in range(1, copies + 1):
            if progress and not progress(done, people):
                raise _Cancelled
            pairs = demo_copy.copy_people(connection, source, copy)
            new_ids = dict(pairs)
            renamed, reps, holders = [], [], []
            lives: dict[int, DemoLife] = {}
            for original, person_id in pairs:
                life = lives[person_id] = self.people.family_of(self.rng, self.lives[original])
                dob = self.today - timedelta(days=life.age * 365 + life.age // 4 + self.rng.randrange(1, 360))
                nhs = self._new_nhs_number() if original in self.with_nhs else None
                renamed.append((self.people.full_name(self.rng, life), dob.isoformat(), nhs, person_id))
            shift = source.span("representative") * copy
            for original, rep_id, old_name, role, relationship in representatives:
                person_id = new_ids[original]
                name = self.people.relative(self.rng, lives[person_id], relationship)
                reps.append((name, f"07700 900{self.rng.randrange(1000):03d}", rep_id + shift))
                if role == "nominated":
                    holders.append((name, old_name, person_id))
            demo_copy.rename_people(connection, renamed, reps, holders)
            done += len(pairs)

    def _new_nhs_number(self) -> str:
        nhs = demo_nhs_number(self.rng)
        while nhs in self.used_nhs:
            nhs = demo_nhs_number(self.rng)
        self.used_nhs.add(nhs)
        return nhs

    def _wait(self) -> None:
        step = timedelta(days=self.rng.randrange(2, 18), minutes=self.rng.randrange(480))
        self.clock.set(min(self.clock.now() + step, self.now))

    def _person_form(self) -> PersonForm:
        rng, names = self.rng, self.names
        self.life = life = self.people.life(rng)
        age = life.age
        dob = self.today - timedelta(days=age * 365 + age // 4 + rng.randrange(1, 360))
        nhs = ""
        if rng.random() < 0.92:
            nhs = self._new_nhs_number()
        reps = []
        if rng.random() < 0.45:
            name, relationship = self.people.representative(rng, life)
            reps.append(
                RepresentativeForm(
                    name=name,
                    role=rng.choice(("carer", "carer", "carer", "representative", "nominated", "attorney")),
                    relationship=relationship,
                    phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama and fiction
                )
            )
        return PersonForm(
            name=self.people.full_name(rng, life),
            date_of_birth=dob,
            locality=rng.choice(names["localities"]),
            primary_support_reason=life.reason,
            nhs_number=nhs,
            representatives=reps,
        )

    def _answer(self, person_id: int, need: float, *, partial: bool) -> None:
        rng = self.rng
        answers = {}
        for question in self.services.budget.ras.questions.values():
            if partial and rng.random() < 0.5:
                continue
            level = need * (len(question.answers) - 1) + rng.gauss(0, 0.8)
            index = max(0, min(len(question.answers) - 1, round(level)))
            answers[question.id] = question.answers[index].id
        budget_type = rng.choices([t for t, _w in _BUDGET_TYPES], weights=[w for _t, w in _BUDGET_TYPES])[0]
        if not partial and self.services.budget.preview(budget_type, answers).weekly_pence == 0:
            # Everyone in the caseload has eligible needs: make sure the answers show some.
            ras = self.services.budget.ras
            counted = [
                q
                for d in ras.domains
                if d.funding == "social_care"
                for q in d.questions
                if q.answers[-1].points
            ]
            question = rng.choice(counted)
            answers[question.id] = question.answers[2].id
        self.services.budget.save_answers(person_id, budget_type, answers)

    def _agree_budget(self, person_id: int) -> int:
        view = self.services.budget.get_budget(person_id)
        assert view.indicative is not None
        if self.rng.random() < 0.15:
            change = self.rng.choice((-20, -10, 15, 25, 40))  # pounds a week
            streams = {
                s.stream: max(s.annual_pence + 52 * 100 * change, 5200) for s in view.indicative.streams
            }
            reason = (
                "Panel added to the amount after hearing about night-time needs."
                if change > 0
                else "Panel reduced the amount: the family will give the weekend support themselves."
            )
            view = self.services.budget.agree_budget(person_id, streams, reason=reason)
        else:
            view = self.services.budget.agree_budget(person_id)
        assert view.agreed is not None
        return view.agreed.annual_pence

    def _plan(self, budget_annual: int, *, complete: bool) -> PlanDraft:
        rng, people, age = self.rng, self.people, self.life.age
        main, extras = people.support(rng, self.life)
        templates = [main, *rng.sample(extras, k=min(len(extras), rng.randrange(1, 4)))]
        target = Fraction(budget_annual) * Fraction(rng.choice((82, 90, 95, 98, 100, 100, 104, 110)), 100)
        items: list[list[Any]] = []  # [template, unit pence, quantity]
        extras_cost = Fraction(0)
        for index, t in enumerate(templates):
            unit = rng.randrange(t["unit_pence"][0], t["unit_pence"][1] + 1, 5)
            quantity = Decimal(rng.randrange(t["quantity"][0], t["quantity"][1] + 1))
            cost = annual_cost(unit, quantity, Frequency(t["frequency"]))
            if index and extras_cost + cost > target * Fraction(6, 10):
                continue  # keep most of a small budget for the main support
            extras_cost += cost if index else 0
            items.append([t, unit, quantity])
        # Scale the first (main) item so the plan lands near its target cost.
        others = sum((annual_cost(u, q, Frequency(t["frequency"])) for t, u, q in items[1:]), Fraction(0))
        main_t, main_unit, _q = items[0]
        per_unit_year = annual_cost(main_unit, 1, Frequency(main_t["frequency"]))
        wanted = (target - others) / per_unit_year if per_unit_year else 1
        items[0][2] = max(Decimal(1), Decimal(round(wanted * 2)) / 2)
        support = [
            SupportItemEntry(
                t["category"],
                t["description"],
                f"{Decimal(u) / 100:.2f}",
                str(q),
                t["frequency"],
                rng.choice(t["providers"]),
            )
            for t, u, q in items
        ]
        self.categories = categories = frozenset(t["category"] for t, _u, _q in items)
        outcomes = [
            OutcomeEntry(o["code"], o["text"]) for o in people.outcomes(rng, self.life, rng.randrange(2, 4))
        ]
        risks: list[RiskEntry] = []
        for risk in people.pick(rng, "risks", age, categories, k=rng.randrange(1, 3)):
            if all(r.risk != risk["risk"] for r in risks):  # one way of managing each risk
                risks.append(RiskEntry(risk["risk"], risk["how"]))
        draft = PlanDraft(
            what_matters=people.pick(rng, "what_matters", age)[0]["text"],
            outcomes=outcomes,
            support_items=support,
            informal_support=[
                InformalSupportEntry(e["who"], e["what"])
                for e in people.pick(rng, "informal", age, k=rng.randrange(0, 3))
            ],
            risks=risks,
            contingency=people.pick(rng, "contingency", age, categories)[0]["text"],
        )
        if not complete:
            draft.contingency = ""
            draft.risks = []
        return draft

    def _submit(self, person_id: int, draft: PlanDraft) -> None:
        view = self.services.plans.save_draft(person_id, draft)
        justification = ""
        if view.costing.over_budget:
            justification = "Extra support for the first months after leaving hospital; to be looked at again at the first review."
        self.services.plans.submit(person_id, justification)

    def _past_reviews(self, person_id: int) -> None:
        """Reviews held when they fell due: outcomes partly or not met, and some support not found.

        Draws from its own generator, so the rest of the demo comes out as it did before reviews.
        """
        rng = random.Random(person_id)
        people, age, categories = self.people, self.life.age, self.categories
        back_then = self.clock.now()
        for _round in range(3):
            due = self.services.lifecycle.get_cycle(person_id).next_review_due
            if due is None or due > self.today - timedelta(days=45) or rng.random() < 0.15:
                break
            self.clock.set(datetime.combine(due, time(11), tzinfo=UTC) + timedelta(days=rng.randrange(0, 10)))
            view = self.services.reviews.request_review(person_id, "Planned")
            ratings = []
            for o in view.form.outcomes:
                rating = rng.choices(OUTCOME_RATINGS, weights=(5, 3, 1))[0]
                ratings.append(
                    OutcomeRating(o.outcome_code, o.description, rating, people.comment(rng, rating))
                )
            gaps = []
            if rng.random() < 0.3:
                [gap] = people.pick(rng, "market_gaps", age)
                gaps.append(
                    MarketGap(
                        gap["category"], self.services.people.get_person(person_id).locality, gap["why"]
                    )
                )
            met = {r.rating for r in ratings}
            form = ReviewForm(
                outcomes=ratings,
                method=rng.choices(REVIEW_METHODS, weights=(6, 1, 3))[0],
                working_person=people.pick(rng, "review_working", age, categories)[0]["text"],
                not_working_person=(
                    people.pick(rng, "review_not_working", age, categories)[0]["text"]
                    if rng.random() < 0.5 or met != {"Fully Met"}
                    else ""
                ),
                working_practitioner=_PRACTITIONER_SAYS[
                    next(r for r in reversed(OUTCOME_RATINGS) if r in met)
                ],
                not_working_practitioner=gaps[0].why if gaps else "",
                market_gaps=gaps,
                risks="Risks looked at again with the person; the back-up plan still stands.",
                decision=ReviewDecision.CONTINUE,
            )
            self.services.reviews.complete(view.review_id, form)
        self.clock.set(max(back_then, self.clock.now()))

    def _set_review_date(self, person_id: int) -> None:
        """Reviews roll on yearly after the first; some have slipped and are overdue."""
        with self.context.db.session() as session:
            cycle = session.exec(
                select(PlanCycle).where(PlanCycle.person_id == person_id, PlanCycle.status == "open")
            ).one()
            due = cycle.next_review_due or self.today
            slack = timedelta(days=self.rng.randrange(0, 21))
            while due < self.today - slack:
                due = _next_year(due)
            if self.rng.random() < 0.12:
                due = self.today - timedelta(days=self.rng.randrange(1, 90))
            cycle.next_review_due = due
            session.add(cycle)


# What the practitioner writes at a review, by the least-met outcome.
_PRACTITIONER_SAYS = {
    "Fully Met": "Support is in place and the budget is being used as planned.",
    "Partially Met": "Most support is in place; some outcomes are only partly met and are being followed up.",
    "Not Met": "Some support has not started or is not working yet; the plan is being followed up.",
}


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
