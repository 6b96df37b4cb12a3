"""Step 6: the ledger of a person's budget account (the money ledger): reading it, transactions
entered by hand, links to the plan, bulk rows, and the checks for impossible figures.

The other step 6 use cases have services of their own, each in ``Services``: importing bank
statements (``statement_import_service``, ``services.statement_imports``), payee rules
(``payee_rule_service``, ``services.payee_rules``), and monitoring against the plan with the budget
statement's figures (``monitoring_service``, ``services.monitoring``). The ledger uses the last only
to show spending against the plan beside the ledger (``overview``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from sqlmodel import Session, col

from personalbudget.domain.money import parse_pounds
from personalbudget.domain.monitoring import running_balances
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, NotFoundError, ValidationError
from personalbudget.i18n import _, format_date, format_money, format_number, ngettext
from personalbudget.services.context import ServiceContext, use_case
from personalbudget.services.edit_check import check_unchanged
from personalbudget.services.ledger_common import MAX_DESCRIPTION, LedgerServiceBase, LinkChoice, _driver
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import (
    all_agreed_items,
    management_in_force,
    plan_in_force,
)
from personalbudget.services.monitoring_service import MonitoringService, MonitoringView
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage import ledger_totals
from personalbudget.storage.money_models import (
    LedgerTransaction,
)

IMPOSSIBLE_BALANCE_PENCE = 1_000_000_000_00  # £1 billion: no budget account ever holds or owes this

# id, ISO date, description, pence, plan item, category (None when none), entered by hand (1) or not (0).
# Small values (None, 0, 1) rather than repeated strings: a 100,000-row ledger reads in half the time.
LedgerRow = tuple[int, str, str, int, int | None, str | None, int]
_LEDGER_SQL = (
    "SELECT id, posted_on, description, amount_pence, plan_item_id, nullif(category, ''), source = 'manual' "
    "FROM ledger_transaction WHERE person_id = ? ORDER BY posted_on, id"
)


@dataclass(frozen=True)
class LedgerData:
    """A person's whole ledger, oldest first, as light tuples (fast for 100,000 rows)."""

    person_id: int
    rows: list[LedgerRow]
    balances: list[int]  # the balance after each row
    item_labels: dict[int, str]
    choices: tuple[LinkChoice, ...]
    has_account: bool
    account_description: str

    @property
    def balance(self) -> int:
        return self.balances[-1] if self.balances else 0

    def link_label(self, plan_item_id: int | None, category: str | None) -> str:
        if plan_item_id is not None:
            return self.item_labels.get(plan_item_id, _("Earlier plan item"))
        if category:
            return _(SUPPORT_CATEGORIES.get(category, category))
        return ""


@dataclass
class TransactionForm:
    posted_on: date | None
    amount: str
    money_in: bool
    description: str
    plan_item_id: int | None = None
    category: str = ""


class LedgerService(LedgerServiceBase):
    def __init__(self, context: ServiceContext, settings: SettingsService, monitoring: MonitoringService):
        super().__init__(context, settings)
        self._monitoring = monitoring

    def ledger(self, person_id: int) -> LedgerData:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            return self._ledger_data(session, person_id)

    @use_case
    def overview(
        self, person_id: int, year_start: date | None = None
    ) -> tuple[LedgerData, MonitoringView | None]:
        """The ledger and, when accounts are kept, spending against the plan: read once, for the step 6 page."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            data = self._ledger_data(session, person_id)
            if not data.has_account:
                return data, None
            return data, self._monitoring.monitoring_in(session, person_id, year_start, data.rows)

    def _ledger_data(self, session: Session, person_id: int) -> LedgerData:
        latest_cycle(session, person_id)
        management = management_in_force(session, person_id)
        # The driver's own cursor: plain tuples, twice as fast as result rows for a long ledger.
        rows: list[LedgerRow] = _driver(session).execute(_LEDGER_SQL, (person_id,)).fetchall()
        items = all_agreed_items(session, person_id)
        current = plan_in_force(session, person_id)
        current_ids = {i.item_id for i in current[1]} if current else set()
        labels = {
            item_id: info.label
            if item_id in current_ids
            else _("{item} (earlier plan)").format(item=info.label)
            for item_id, info in items.items()
        }
        return LedgerData(
            person_id=person_id,
            rows=rows,
            balances=running_balances(map(itemgetter(3), rows)),
            item_labels=labels,
            choices=self._choices(current[1] if current else []),
            has_account=management is not None,
            account_description=self._account_text(management),
        )

    def link_choices(self, person_id: int) -> list[LinkChoice]:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            current = plan_in_force(session, person_id)
        return list(self._choices(current[1] if current else []))

    @use_case
    def add_transaction(self, person_id: int, form: TransactionForm) -> int:
        """Add a transaction by hand (cash spending, a payment not on a statement)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        errors = []
        today = self._ctx.clock.today()
        if form.posted_on is None:
            errors.append(FieldError("posted_on", _("Enter the date of the payment.")))
        elif form.posted_on > today:
            errors.append(FieldError("posted_on", _("The date is in the future.")))
        amount = 0
        try:
            amount = parse_pounds(form.amount)
            limit = self._settings.money().max_transaction_pounds * 100
            if amount == 0:
                errors.append(FieldError("amount", _("Enter an amount more than £0.")))
            elif abs(amount) > limit:
                errors.append(
                    FieldError(
                        "amount",
                        _(
                            "{amount} is more than {limit}, the most one transaction can be (a setting)."
                        ).format(amount=format_money(abs(amount)), limit=format_money(limit)),
                    )
                )
        except ValueError as problem:
            errors.append(FieldError("amount", str(problem)))
        description = " ".join(form.description.split())
        if not description:
            errors.append(FieldError("description", _("Say what the payment was, e.g. the payee.")))
        elif len(description) > MAX_DESCRIPTION:
            errors.append(FieldError("description", _("The description is too long.")))
        if errors:
            raise ValidationError(errors)
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)
            item_id, category = self._checked_link(session, person_id, form.plan_item_id, form.category)
            row = LedgerTransaction(
                person_id=person_id,
                posted_on=form.posted_on,  # type: ignore[arg-type]
                amount_pence=amount if form.money_in else -amount,
                description=description,
                plan_item_id=item_id,
                category=category,
                source="manual",
                recorded_at=self._ctx.clock.now(),
                recorded_by=self._ctx.actor,
            )
            session.add(row)
            session.flush()
            return row.id  # type: ignore[return-value]

    def link_transactions(
        self, person_id: int, transaction_ids: list[int], plan_item_id: int | None, category: str = ""
    ) -> int:
        """Link transactions to a plan item or kind of support (or unlink them); returns how many changed."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)
            item_id, category = self._checked_link(session, person_id, plan_item_id, category)
            changed = 0
            for start in range(0, len(transaction_ids), 500):
                chunk = transaction_ids[start : start + 500]
                result = session.connection().execute(
                    LedgerTransaction.__table__.update()  # type: ignore[attr-defined]
                    .where(
                        col(LedgerTransaction.person_id) == person_id,
                        col(LedgerTransaction.id).in_(chunk),
                    )
                    # A new version of each row, as an edit through the ORM makes (storage/versioning.py).
                    .values(
                        plan_item_id=item_id,
                        category=category,
                        row_version=col(LedgerTransaction.row_version) + 1,
                    )
                )
                changed += result.rowcount
            self._audit(
                session,
                "bulk_update",
                str(person_id),
                {"person_id": person_id, "linked": changed, "plan_item_id": item_id, "category": category},
            )
            return changed

    def delete_transaction(
        self, person_id: int, transaction_id: int, *, base_version: int | None = None
    ) -> None:
        """Remove a transaction entered by hand (imported ones go with their import). With
        ``base_version`` (the version shown), one someone else changed since is not removed: the
        refusal says who, when and what (``services/edit_check``)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            row = session.get(LedgerTransaction, transaction_id)
            if row is None or row.person_id != person_id:
                raise NotFoundError(_("There is no such transaction in this ledger."))
            if base_version is not None:  # (the ledger's rows carry their version, not each field)
                check_unchanged(
                    session,
                    row,
                    base_version,
                    record=_("the transaction of {date}").format(date=format_date(row.posted_on)),
                    labels={},
                    base={},
                    theirs={},
                    mine={},
                    current=lambda: None,
                    actor=self._ctx.actor,
                )
            if row.source != "manual":
                raise ValidationError(
                    FieldError(
                        "transaction",
                        _("Only transactions entered by hand can be deleted. Undo the whole import instead."),
                    )
                )
            session.delete(row)

    def impossible_figures(self) -> list[str]:
        """Ledgers holding what no personal budget account can: a transaction beyond the caseload's
        limit for one, or a balance beyond what SQLite's integers (or any budget) could hold.
        Named by the person's id and the amounts only (no payees)."""
        limit = self._settings.money().max_transaction_pounds * 100
        out: list[str] = []
        with self._ctx.db.session() as session:
            rows = _driver(session).execute(
                "SELECT person_id, amount_pence FROM ledger_transaction ORDER BY person_id"
            )
            people: dict[int, tuple[int, int, int]] = {}  # person -> (balance, rows beyond, largest)
            for person_id, amount in rows:
                balance, beyond, largest = people.get(person_id, (0, 0, 0))
                if abs(amount) > limit:
                    beyond += 1
                    largest = max(largest, abs(amount))
                people[person_id] = (balance + amount, beyond, largest)
        for person_id, (balance, beyond, largest) in people.items():
            if beyond:
                out.append(
                    ngettext(
                        "Person {id}: {n} transaction is beyond {limit}, the most one can be (the largest is "
                        "{largest}). Check it, and undo the import that brought it in.",
                        "Person {id}: {n} transactions are beyond {limit}, the most one can be (the largest is "
                        "{largest}). Check them, and undo the import that brought them in.",
                        beyond,
                    ).format(
                        id=person_id,
                        n=format_number(beyond),
                        limit=format_money(limit),
                        largest=format_money(largest),
                    )
                )
            if abs(balance) > IMPOSSIBLE_BALANCE_PENCE:
                out.append(
                    _(
                        "Person {id}: the ledger's balance, {balance}, is impossible for a personal budget account."
                    ).format(id=person_id, balance=format_money(balance))
                )
        return out

    def kept_totals_disagreeing(self) -> list[str]:
        """The integrity check of the ledger totals kept for the anonymised export (issue 18): a
        problem when any disagrees with the ledger rows (``storage/ledger_totals.py``). One query."""
        with self._ctx.db.session() as session:
            count = ledger_totals.disagreements(session.connection())
        if not count:
            return []
        return [
            ngettext(
                "{n} of the ledger totals kept for the anonymised export disagrees with the ledger. Run "
                "'personalbudget check --rebuild-totals' to work them out again from the ledger.",
                "{n} of the ledger totals kept for the anonymised export disagree with the ledger. Run "
                "'personalbudget check --rebuild-totals' to work them out again from the ledger.",
                count,
            ).format(n=format_number(count))
        ]

    def rebuild_kept_totals(self) -> None:
        """Work the ledger totals kept for the export out again from every ledger row (as the
        migration that made them did). Only a role that exports them may."""
        self._ctx.require(Permission.EXPORT_AGGREGATES)
        with self._ctx.db.session() as session:
            ledger_totals.rebuild(session.connection())

    def add_rows(
        self, person_id: int, rows: list[tuple[date, int, str, int | None, str]], source: str
    ) -> int:
        """Add many transactions at once (date, pence, description, plan item, category), unfingerprinted."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        now = self._ctx.clock.now()
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)
            self._insert(
                session,
                [
                    {
                        "person_id": person_id,
                        "posted_on": posted,
                        "amount_pence": amount,
                        "description": description,
                        "plan_item_id": item_id,
                        "category": category,
                        "source": source,
                        "import_id": None,
                        "fingerprint": None,
                        "recorded_at": now,
                        "recorded_by": self._ctx.actor,
                    }
                    for posted, amount, description, item_id, category in rows
                ],
                len(rows),
                None,
            )
            self._audit(
                session,
                "bulk_insert",
                str(person_id),
                {"person_id": person_id, "rows": len(rows), "source": source},
            )
        return len(rows)


__all__ = [
    "IMPOSSIBLE_BALANCE_PENCE",
    "LedgerData",
    "LedgerRow",
    "LedgerService",
    "LinkChoice",
    "TransactionForm",
]
