"""Step 6: payee rules: "a payee containing this text is linked to that plan item", kept per
person in order, applied as statements are imported and on demand to what is not linked yet.
``PayeeRules`` is the one place a description is matched against them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.ledger_common import LedgerServiceBase, _driver
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import (
    all_agreed_items,
    plan_in_force,
)
from personalbudget.storage.money_models import (
    CategorisationRule,
    LedgerTransaction,
)

MAX_RULES = 200


@dataclass
class RuleForm:
    contains: str
    plan_item_id: int | None = None
    category: str = ""


@dataclass(frozen=True)
class RuleView:
    contains: str
    plan_item_id: int | None
    category: str
    label: str


@dataclass(frozen=True)
class PayeeRules:
    """A person's rules, pointed at the plan in force where they can be, in order: the first whose
    text the description contains (case folded) links the transaction."""

    targets: tuple[tuple[str, int | None, str], ...] = ()  # (case-folded text, plan item, category)

    def __bool__(self) -> bool:
        return bool(self.targets)

    def match(self, description: str) -> tuple[int | None, str] | None:
        """(plan item, category) of the first rule the description matches, or None."""
        lowered = description.casefold()
        for needle, item_id, category in self.targets:
            if needle in lowered:
                return item_id, category
        return None


class PayeeRuleService(LedgerServiceBase):
    def rules(self, person_id: int) -> list[RuleView]:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            items = all_agreed_items(session, person_id)
            rows = session.exec(
                select(CategorisationRule)
                .where(CategorisationRule.person_id == person_id)
                .order_by(col(CategorisationRule.position))
            ).all()
            return [
                RuleView(
                    r.contains,
                    r.plan_item_id,
                    r.category,
                    items[r.plan_item_id].label
                    if r.plan_item_id in items
                    else _(SUPPORT_CATEGORIES.get(r.category, r.category)),
                )
                for r in rows
            ]

    def save_rules(self, person_id: int, rules: list[RuleForm]) -> list[RuleView]:
        """Replace the person's rules (applied in this order; the first that matches wins)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        errors = []
        if len(rules) > MAX_RULES:
            errors.append(FieldError("rules", _("Keep to at most {n} rules.").format(n=MAX_RULES)))
        for index, rule in enumerate(rules, start=1):
            if not rule.contains.strip():
                errors.append(
                    FieldError(
                        f"rules[{index - 1}].contains",
                        _("Rule {n}: say what the payee contains.").format(n=index),
                    )
                )
            if rule.plan_item_id is None and not rule.category:
                errors.append(
                    FieldError(
                        f"rules[{index - 1}].target",
                        _("Rule {n}: choose the plan item it links to.").format(n=index),
                    )
                )
        if errors:
            raise ValidationError(errors)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            items = all_agreed_items(session, person_id)
            checked = [
                (
                    r.contains.strip(),
                    *self._checked_link(session, person_id, r.plan_item_id, r.category, items),
                )
                for r in rules
            ]
            for old in session.exec(
                select(CategorisationRule).where(CategorisationRule.person_id == person_id)
            ):
                session.delete(old)
            session.flush()
            for position, (contains, item_id, category) in enumerate(checked):
                session.add(
                    CategorisationRule(
                        person_id=person_id,
                        position=position,
                        contains=contains,
                        plan_item_id=item_id,
                        category=category,
                    )
                )
            return [
                RuleView(
                    contains,
                    item_id,
                    category,
                    items[item_id].label
                    if item_id in items
                    else _(SUPPORT_CATEGORIES.get(category, category)),
                )
                for contains, item_id, category in checked
            ]

    def apply_rules(self, person_id: int) -> int:
        """Link every transaction not yet linked whose description matches a rule; returns how many."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)
            rules = self.for_person(session, person_id)
            if not rules:
                return 0
            rows = (
                _driver(session)
                .execute(
                    "SELECT id, description FROM ledger_transaction "
                    "WHERE person_id = ? AND plan_item_id IS NULL AND category = ''",
                    (person_id,),
                )
                .fetchall()
            )
            updates: dict[tuple[int | None, str], list[int]] = {}
            for transaction_id, description in rows:
                matched = rules.match(description)
                if matched is not None:
                    updates.setdefault(matched, []).append(transaction_id)
            changed = 0
            for (item_id, category), ids in updates.items():
                for start in range(0, len(ids), 500):
                    result = session.connection().execute(
                        LedgerTransaction.__table__.update()  # type: ignore[attr-defined]
                        .where(col(LedgerTransaction.id).in_(ids[start : start + 500]))
                        .values(plan_item_id=item_id, category=category)
                    )
                    changed += result.rowcount
            self._audit(
                session, "bulk_update", str(person_id), {"person_id": person_id, "linked_by_rules": changed}
            )
            return changed

    def for_person(self, session: Session, person_id: int) -> PayeeRules:
        """The person's rules, pointed at the plan in force where they can be (in ``session``)."""
        rules = session.exec(
            select(CategorisationRule)
            .where(CategorisationRule.person_id == person_id)
            .order_by(col(CategorisationRule.position))
        ).all()
        if not rules:
            return PayeeRules()
        items = all_agreed_items(session, person_id)
        current = plan_in_force(session, person_id)
        current_items = current[1] if current else []
        by_text = {(i.category, i.description): i.item_id for i in current_items}
        current_ids = {i.item_id for i in current_items}
        out = []
        for rule in rules:
            item_id, category = rule.plan_item_id, rule.category
            if item_id is not None and item_id not in current_ids and item_id in items:
                old = items[item_id]
                item_id = by_text.get((old.category, old.description))
                category = old.category
            out.append((rule.contains.casefold(), item_id, category))
        return PayeeRules(tuple(out))
