"""Step 6: the ledger of a person's budget account, statement imports, categorisation rules,
monitoring against the plan, and the figures for a budget statement.

Imports are all or nothing: the file is read completely first (any problem is
reported with its row and column), then every new row is added in one
transaction, which a cancel or an error rolls back. Rows already imported
(same fingerprint) are skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import PaymentSchedule
from personalbudget.domain.money import parse_pounds
from personalbudget.domain.monitoring import (
    Monitoring,
    Movement,
    PlannedLine,
    budget_year,
    is_spending,
    monitor,
    running_balances,
)
from personalbudget.domain.review import add_months
from personalbudget.domain.roles import Permission
from personalbudget.domain.statement_parsing import (
    ColumnMapping,
    CsvPreview,
    ImportCancelled,
    Progress,
    RowProblem,
    SkippedRow,
    StatementError,
    StatementRow,
    fingerprints,
    header_signature,
    normalise_description,
    parse_statement,
    preview_csv,
    sniff_format,
)
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import FieldError, LifecycleError, NotFoundError, ValidationError
from personalbudget.i18n import _, format_date, format_money, format_number, ngettext
from personalbudget.services.charging_service import contribution_into_account
from personalbudget.services.context import ServiceContext
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.money_queries import (
    ManagementInForce,
    PlanItemInfo,
    all_agreed_items,
    management_in_force,
    plan_in_force,
)
from personalbudget.services.settings_service import MoneySettings, SettingsService
from personalbudget.storage.audit import record_event
from personalbudget.storage.money_models import (
    CategorisationRule,
    LedgerTransaction,
    StatementImport,
    StatementMapping,
    SupportArrangement,
)

INSERT_CHUNK = 10_000
IMPOSSIBLE_BALANCE_PENCE = 1_000_000_000_00  # £1 billion: no budget account ever holds or owes this
MAX_DESCRIPTION = 500
MAX_RULES = 200

# id, ISO date, description, pence, plan item, category (None when none), entered by hand (1) or not (0).
# Small values (None, 0, 1) rather than repeated strings: a 100,000-row ledger reads in half the time.
LedgerRow = tuple[int, str, str, int, int | None, str | None, int]
_LEDGER_SQL = (
    "SELECT id, posted_on, description, amount_pence, plan_item_id, nullif(category, ''), source = 'manual' "
    "FROM ledger_transaction WHERE person_id = ? ORDER BY posted_on, id"
)


@dataclass(frozen=True)
class LinkChoice:
    """Something a transaction can be linked to: an item of the plan in force, or a kind of support."""

    plan_item_id: int | None
    category: str
    label: str


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


@dataclass(frozen=True)
class SavedMapping:
    name: str
    mapping: ColumnMapping
    header_signature: str


NEAR_DUPLICATE_DAYS = 3  # same amount and payee this close to one already held: ask (GnuCash, HomeBank)


@dataclass(frozen=True)
class NearDuplicate:
    """A row of the file that may be a transaction already in the ledger: the person decides."""

    row: int  # the row of the file (as a spreadsheet numbers it)
    posted_on: date
    amount_pence: int
    description: str
    held_on: date  # the transaction already in the ledger that it resembles
    held_description: str

    def describe(self) -> str:
        return _("Row {row}: {date} {amount} {description}, like the one already held on {held}.").format(
            row=self.row,
            date=format_date(self.posted_on),
            amount=format_money(self.amount_pence),
            description=self.description,
            held=format_date(self.held_on),
        )


class NearDuplicatesFound(StatementError):
    """Some rows resemble transactions already held; nothing is imported until the person decides."""

    def __init__(self, near: list[NearDuplicate]):
        self.near = near
        super().__init__(
            ngettext(
                "{n} row has the same amount and payee as a transaction already in the ledger, a few days "
                "apart. Say whether to import it (it may be a second payment) or skip it. Nothing was imported.",
                "{n} rows have the same amount and payee as transactions already in the ledger, a few days "
                "apart. Say whether to import them (they may be second payments) or skip them. Nothing was imported.",
                len(near),
            ).format(n=format_number(len(near))),
            [RowProblem(n.row, None, n.describe()) for n in near[:20]],
            len(near),
        )


@dataclass(frozen=True)
class ImportCheck:
    """What importing a file would do, before anything is saved."""

    file_format: str
    rows: int
    new: int
    duplicates: int
    near_duplicates: tuple[NearDuplicate, ...]
    skipped: tuple[SkippedRow, ...]


@dataclass(frozen=True)
class ImportReport:
    import_id: int | None
    file_name: str
    file_format: str
    added: int
    duplicates: int
    skipped: tuple[SkippedRow, ...]
    categorised: int
    first_date: date | None
    last_date: date | None
    mapping_name: str = ""
    account: str = ""
    near_duplicates_kept: int = 0
    near_duplicates_skipped: int = 0

    def lines(self) -> list[str]:
        out = [
            ngettext(
                "Added {n} transaction from {file}.", "Added {n} transactions from {file}.", self.added
            ).format(n=format_number(self.added), file=self.file_name)
        ]
        if self.first_date and self.last_date:
            out.append(
                _("The statement runs from {start} to {end}.").format(
                    start=format_date(self.first_date), end=format_date(self.last_date)
                )
            )
        if self.categorised:
            out.append(
                ngettext(
                    "{n} of them was linked to the plan by your rules.",
                    "{n} of them were linked to the plan by your rules.",
                    self.categorised,
                ).format(n=format_number(self.categorised))
            )
        if self.duplicates:
            out.append(
                ngettext(
                    "Skipped {n} row already in the ledger (imported before).",
                    "Skipped {n} rows already in the ledger (imported before).",
                    self.duplicates,
                ).format(n=format_number(self.duplicates))
            )
        if self.near_duplicates_kept:
            out.append(
                ngettext(
                    "Imported {n} row that looked like one already held, as you chose.",
                    "Imported {n} rows that looked like ones already held, as you chose.",
                    self.near_duplicates_kept,
                ).format(n=format_number(self.near_duplicates_kept))
            )
        if self.near_duplicates_skipped:
            out.append(
                ngettext(
                    "Skipped {n} row that looked like one already held, as you chose.",
                    "Skipped {n} rows that looked like ones already held, as you chose.",
                    self.near_duplicates_skipped,
                ).format(n=format_number(self.near_duplicates_skipped))
            )
        reasons: dict[str, list[int]] = {}
        for skipped in self.skipped:
            reasons.setdefault(skipped.reason, []).append(skipped.row)
        for reason, rows in reasons.items():
            shown = ", ".join(str(r) for r in rows[:10]) + ("…" if len(rows) > 10 else "")
            out.append(
                ngettext(
                    "Skipped {n} row: {reason} (row {rows}).",
                    "Skipped {n} rows: {reason} (rows {rows}).",
                    len(rows),
                ).format(n=format_number(len(rows)), reason=reason, rows=shown)
            )
        return out


@dataclass(frozen=True)
class ImportSummary:
    import_id: int
    imported_at: datetime
    imported_by: str
    file_name: str
    file_format: str
    rows_added: int
    rows_skipped: int
    first_date: date | None
    last_date: date | None


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
class MonitoringView:
    person_id: int
    monitoring: Monitoring | None
    years: tuple[date, ...]  # budget years (their 1 April) that can be shown
    settings: MoneySettings
    schedule: PaymentSchedule | None
    has_plan: bool


@dataclass(frozen=True)
class StatementLine:
    posted_on: date
    description: str
    link: str
    amount_pence: int
    balance_pence: int


@dataclass(frozen=True)
class StatementData:
    """Everything a budget statement for a period shows; the totals add up by construction."""

    person_id: int
    start: date
    end: date
    opening_balance_pence: int
    payments_in_pence: int
    spending_pence: int  # money out less refunds, as a positive number
    closing_balance_pence: int
    lines: tuple[StatementLine, ...]
    by_link: tuple[tuple[str, int], ...]  # (plan item or category, spent)
    account_description: str
    schedule: PaymentSchedule | None
    imports: tuple[ImportSummary, ...] = field(default_factory=tuple)
    against_plan: Monitoring | None = None  # the step 6 figures for the budget year, as of the end
    today: date = date.max  # when it was made
    money_in_pence: int = 0  # every payment in (refunds included)
    money_out_pence: int = 0  # every payment out, as a positive number

    @property
    def balance_on(self) -> date:
        """The day the closing balance is for: the end, or today for a period not over yet (unless a
        transaction is dated later, e.g. a card payment shown ahead)."""
        if self.end <= self.today:
            return self.end
        return max([self.today, *(line.posted_on for line in self.lines[-1:])])


def _iso(day: date) -> str:
    return day.isoformat()


def _driver(session: Session) -> Any:
    """The DB-API connection under the session's transaction (plain tuples, no result-row overhead)."""
    return session.connection().connection.driver_connection


FUTURE_GRACE_DAYS = 7  # banks show pending card payments a few days ahead; beyond that it is a mistake


def check_not_in_future(rows: Iterable[StatementRow], today: date) -> None:
    """Refuse a statement with transactions dated well after today (a mistyped year, a wrong date format)."""
    limit = today + timedelta(days=FUTURE_GRACE_DAYS)
    late = [
        RowProblem(
            row.row,
            None,
            _("the date {date} is in the future; check the year and the date format").format(
                date=format_date(row.posted_on)
            ),
        )
        for row in rows
        if row.posted_on > limit
    ]
    if late:
        raise StatementError(
            _("Some transactions are dated after {date}, so nothing was imported.").format(
                date=format_date(limit)
            ),
            late,
        )


class LedgerService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    # -- the ledger ------------------------------------------------------------------------------
    def ledger(self, person_id: int) -> LedgerData:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            return self._ledger_data(session, person_id)

    def overview(
        self, person_id: int, year_start: date | None = None
    ) -> tuple[LedgerData, MonitoringView | None]:
        """The ledger and, when accounts are kept, spending against the plan: read once, for the step 6 page."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            data = self._ledger_data(session, person_id)
            if not data.has_account:
                return data, None
            return data, self._monitoring(session, person_id, year_start, data.rows)

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
                    .values(plan_item_id=item_id, category=category)
                )
                changed += result.rowcount
            self._audit(
                session,
                "bulk_update",
                str(person_id),
                {"person_id": person_id, "linked": changed, "plan_item_id": item_id, "category": category},
            )
            return changed

    def delete_transaction(self, person_id: int, transaction_id: int) -> None:
        """Remove a transaction entered by hand (imported ones go with their import)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            row = session.get(LedgerTransaction, transaction_id)
            if row is None or row.person_id != person_id:
                raise NotFoundError(_("There is no such transaction in this ledger."))
            if row.source != "manual":
                raise ValidationError(
                    FieldError(
                        "transaction",
                        _("Only transactions entered by hand can be deleted. Undo the whole import instead."),
                    )
                )
            session.delete(row)

    # -- imports ---------------------------------------------------------------------------------
    def preview(
        self, data: bytes, mapping: ColumnMapping | None = None
    ) -> tuple[CsvPreview, SavedMapping | None]:
        """The first rows of a CSV file, and the saved mapping for its source if one matches its columns."""
        self._ctx.require(Permission.VIEW_MONEY)
        shown = preview_csv(data, mapping)
        saved = None
        if mapping is None:
            saved = self.mapping_for_columns(shown.columns)
            if saved is not None:
                shown = preview_csv(data, saved.mapping)
        return shown, saved

    def _parse(self, person_id: int, data: bytes, mapping: ColumnMapping | None, progress: Progress | None):  # type: ignore[no-untyped-def]
        kind = sniff_format(data) if data.strip() else "csv"
        limit = self._settings.money().max_transaction_pounds * 100
        parsed = parse_statement(data, mapping if kind == "csv" else None, progress, limit)
        check_not_in_future(parsed.rows, self._ctx.clock.today())
        return kind, parsed

    def _sort_rows(
        self, session: Session, person_id: int, rows: tuple[StatementRow, ...]
    ) -> tuple[list[tuple[StatementRow, str]], int, dict[int, NearDuplicate]]:
        """The rows not yet held (with their fingerprints), how many are held already (same bank id
        or fingerprint), and the new rows that resemble a held one (same amount and payee, a few days apart)."""
        keys = fingerprints(rows)
        if not rows:
            return [], 0, {}
        first = min(r.posted_on for r in rows) - timedelta(days=NEAR_DUPLICATE_DAYS)
        last = max(r.posted_on for r in rows) + timedelta(days=NEAR_DUPLICATE_DAYS)
        driver = _driver(session)
        held_keys = {
            k
            for (k,) in driver.execute(
                "SELECT fingerprint FROM ledger_transaction WHERE person_id = ? AND fingerprint IS NOT NULL",
                (person_id,),
            )
        }
        held_ids = {
            k
            for (k,) in driver.execute(
                "SELECT bank_id FROM ledger_transaction WHERE person_id = ? AND bank_id IS NOT NULL",
                (person_id,),
            )
        }
        new: list[tuple[StatementRow, str]] = []
        matched_keys: set[str] = set()
        matched_ids: set[str] = set()
        seen_ids: set[str] = set()
        duplicates = 0
        for row, key in zip(rows, keys, strict=True):
            if (row.bank_id and (row.bank_id in held_ids or row.bank_id in seen_ids)) or key in held_keys:
                duplicates += 1
                matched_keys.add(key)
                if row.bank_id:
                    matched_ids.add(row.bank_id)
                continue
            if row.bank_id:
                seen_ids.add(row.bank_id)
            new.append((row, key))
        # Held transactions near the file's dates, less those this file has just matched exactly.
        near_held: dict[tuple[int, str], list[tuple[date, str, str]]] = {}
        amounts = sorted({row.amount_pence for row, _key in new})
        held_near = (
            driver.execute(
                "SELECT posted_on, amount_pence, description, fingerprint, bank_id FROM ledger_transaction "
                "WHERE person_id = ? AND posted_on >= ? AND posted_on <= ? AND amount_pence IN "
                "(SELECT value FROM json_each(?))",  # only held rows that could match: the same amounts
                (person_id, _iso(first), _iso(last), json.dumps(amounts)),
            )
            if amounts
            else ()
        )
        for posted, amount, description, key, bank_id in held_near:
            if (key is not None and key in matched_keys) or (bank_id is not None and bank_id in matched_ids):
                continue
            near_held.setdefault((amount, normalise_description(description)), []).append(
                (date.fromisoformat(posted), description, bank_id or "")
            )
        near: dict[int, NearDuplicate] = {}
        for row, _key in new:
            candidates = near_held.get((row.amount_pence, normalise_description(row.description)), [])
            close = [
                (abs((held_on - row.posted_on).days), held_on, text)
                for held_on, text, held_bank_id in candidates
                if abs((held_on - row.posted_on).days) <= NEAR_DUPLICATE_DAYS
                and not (row.bank_id and held_bank_id and row.bank_id != held_bank_id)
            ]
            if close:
                _days, held_on, text = min(close)
                near[row.row] = NearDuplicate(
                    row.row, row.posted_on, row.amount_pence, row.description, held_on, text
                )
        return new, duplicates, near

    def check_import(self, person_id: int, data: bytes, mapping: ColumnMapping | None = None) -> ImportCheck:
        """What importing ``data`` would add, skip as already held, and ask about (near-duplicates)."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)  # refused before the file is read
        _kind, parsed = self._parse(person_id, data, mapping, None)
        with self._ctx.db.session() as session:
            new, duplicates, near = self._sort_rows(session, person_id, parsed.rows)
        return ImportCheck(
            parsed.file_format,
            len(parsed.rows),
            len(new),
            duplicates,
            tuple(near[r] for r in sorted(near)),
            parsed.skipped,
        )

    def import_statement(
        self,
        person_id: int,
        data: bytes,
        *,
        file_name: str,
        mapping: ColumnMapping | None = None,
        mapping_name: str = "",
        remember_mapping: bool = False,
        progress: Progress | None = None,
        keep_near_duplicates: Collection[int] | bool | None = None,
    ) -> ImportReport:
        """Import every new row of a statement, or nothing. ``progress`` may cancel (rolled back).

        A row with the same amount and payee as a transaction already held, a few days apart, is
        imported only if the person says so: ``keep_near_duplicates`` is the rows to import (True:
        all of them; False or empty: none). Left as None while there are such rows, nothing is
        imported and ``NearDuplicatesFound`` lists them.
        """
        self._ctx.require(Permission.MANAGE_MONEY, person_id)

        def first_half(done: int, total: int) -> bool:
            return progress is None or progress(done, 2 * max(total, 1))

        kind, parsed = self._parse(person_id, data, mapping, first_half if progress else None)
        is_csv = kind == "csv"
        total = len(parsed.rows)
        with self._ctx.db.session() as session:
            self._ledger_person(session, person_id)
            if remember_mapping and is_csv and mapping is not None:
                if not mapping_name.strip():
                    raise ValidationError(
                        FieldError("mapping_name", _("Give the mapping a name, e.g. the bank."))
                    )
                self._save_mapping(session, mapping_name, mapping, data)
            fresh, duplicates, near = self._sort_rows(session, person_id, parsed.rows)
            if near and keep_near_duplicates is None:
                raise NearDuplicatesFound([near[r] for r in sorted(near)])
            if keep_near_duplicates is True:
                keep: Collection[int] = set(near)
            elif keep_near_duplicates in (None, False):
                keep = set()
            else:
                keep = set(keep_near_duplicates)  # type: ignore[arg-type]
            kept = sum(1 for r in near if r in keep)
            rules = self._rule_targets(session, person_id)
            now = self._ctx.clock.now()
            record = StatementImport(
                person_id=person_id,
                imported_at=now,
                imported_by=self._ctx.actor,
                file_name=file_name,
                file_format=parsed.file_format,
                mapping_name=mapping_name.strip() if is_csv else "",
                rows_added=0,
                rows_skipped=0,
                first_date=parsed.first_date,
                last_date=parsed.last_date,
            )
            session.add(record)
            session.flush()
            new: list[dict] = []
            categorised = 0
            for row, key in fresh:
                if row.row in near and row.row not in keep:
                    continue
                item_id, category = None, ""
                if rules:
                    lowered = row.description.casefold()
                    for needle, target_item, target_category in rules:
                        if needle in lowered:
                            item_id, category = target_item, target_category
                            categorised += 1
                            break
                new.append(
                    {
                        "person_id": person_id,
                        "posted_on": row.posted_on,
                        "amount_pence": row.amount_pence,
                        "description": row.description[:MAX_DESCRIPTION],
                        "plan_item_id": item_id,
                        "category": category,
                        "source": "import",
                        "import_id": record.id,
                        "fingerprint": key,
                        "bank_id": row.bank_id or None,
                        "recorded_at": now,
                        "recorded_by": self._ctx.actor,
                    }
                )
            if progress is not None and not progress(total, 2 * max(total, 1)):
                raise ImportCancelled
            self._insert(session, new, total, progress)
            record.rows_added = len(new)
            record.rows_skipped = duplicates + len(parsed.skipped) + len(near) - kept
            if not new:
                session.delete(record)
            else:
                session.add(record)
            session.flush()
            if new:
                self._audit(
                    session,
                    "bulk_insert",
                    str(record.id),
                    {
                        "person_id": person_id,
                        "import_id": record.id,
                        "rows_added": len(new),
                        "categorised": categorised,
                    },
                )
            return ImportReport(
                import_id=record.id if new else None,
                file_name=file_name,
                file_format=parsed.file_format,
                added=len(new),
                duplicates=duplicates,
                skipped=parsed.skipped,
                categorised=categorised,
                first_date=parsed.first_date,
                last_date=parsed.last_date,
                mapping_name=record.mapping_name,
                account=parsed.account,
                near_duplicates_kept=kept,
                near_duplicates_skipped=len(near) - kept,
            )

    def import_file(
        self,
        person_id: int,
        path: Path,
        mapping_name: str | None = None,
        progress: Progress | None = None,
        keep_near_duplicates: bool | None = None,
    ) -> ImportReport:
        """Import a statement file as the command line does: OFX as it is; CSV with the named saved mapping,
        else the saved mapping whose columns match, else the columns' names if they make it plain."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        try:
            data = Path(path).read_bytes()
        except OSError as problem:
            raise StatementError(
                _("Cannot read {file}: {problem}").format(file=path, problem=problem.strerror or problem)
            ) from None
        mapping = None
        used_name = ""
        if data.strip() and sniff_format(data) == "csv":
            if mapping_name:
                saved = self.get_mapping(mapping_name)
                mapping, used_name = saved.mapping, saved.name
            else:
                shown, saved = self.preview(data)
                if saved is not None:
                    mapping, used_name = saved.mapping, saved.name
                else:
                    mapping = shown.suggested
                    if mapping.problems():
                        raise StatementError(
                            _(
                                "Cannot tell which columns hold the date, the description and the amount "
                                "(the columns are: {columns}). Import it once in the app to save a mapping, then "
                                "give its name with --mapping."
                            ).format(columns=", ".join(shown.columns))
                        )
        return self.import_statement(
            person_id,
            data,
            file_name=Path(path).name,
            mapping=mapping,
            mapping_name=used_name,
            progress=progress,
            keep_near_duplicates=keep_near_duplicates,
        )

    def imports(self, person_id: int) -> list[ImportSummary]:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            rows = session.exec(
                select(StatementImport)
                .where(StatementImport.person_id == person_id)
                .order_by(col(StatementImport.imported_at).desc(), col(StatementImport.id).desc())
            ).all()
            return [self._summary(r) for r in rows]

    def undo_import(self, person_id: int, import_id: int) -> int:
        """Remove every transaction an import added (e.g. the wrong person's statement); returns how many."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            record = session.get(StatementImport, import_id)
            if record is None or record.person_id != person_id:
                raise NotFoundError(_("There is no such import for this person."))
            result = session.connection().execute(
                delete(LedgerTransaction.__table__).where(  # type: ignore[arg-type]
                    col(LedgerTransaction.import_id) == import_id
                )
            )
            session.delete(record)
            self._audit(
                session,
                "bulk_delete",
                str(import_id),
                {"person_id": person_id, "import_id": import_id, "rows_removed": result.rowcount},
            )
            return result.rowcount

    # -- mappings ----------------------------------------------------------------------------------
    def mappings(self) -> list[SavedMapping]:
        self._ctx.require(Permission.VIEW_MONEY)
        with self._ctx.db.session() as session:
            rows = session.exec(select(StatementMapping).order_by(col(StatementMapping.name))).all()
            return [self._saved(r) for r in rows]

    def get_mapping(self, name: str) -> SavedMapping:
        self._ctx.require(Permission.VIEW_MONEY)
        with self._ctx.db.session() as session:
            row = session.exec(select(StatementMapping).where(StatementMapping.name == name.strip())).first()
            if row is None:
                names = ", ".join(m.name for m in self.mappings()) or _("none yet")
                raise NotFoundError(
                    _("There is no saved column mapping called '{name}'. Saved mappings: {names}.").format(
                        name=name, names=names
                    )
                )
            return self._saved(row)

    def mapping_for_columns(self, columns: tuple[str, ...]) -> SavedMapping | None:
        self._ctx.require(Permission.VIEW_MONEY)
        signature = header_signature(columns)
        with self._ctx.db.session() as session:
            row = session.exec(
                select(StatementMapping)
                .where(StatementMapping.header_signature == signature)
                .order_by(col(StatementMapping.updated_at).desc())
            ).first()
            return self._saved(row) if row else None

    def save_mapping(self, name: str, mapping: ColumnMapping, sample: bytes) -> SavedMapping:
        self._ctx.require(Permission.MANAGE_MONEY)
        problems = mapping.problems()
        if problems:
            raise StatementError(_("The column mapping is not finished."), problems)
        with self._ctx.db.session() as session:
            return self._saved(self._save_mapping(session, name, mapping, sample))

    # -- rules -----------------------------------------------------------------------------------------
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
            rules = self._rule_targets(session, person_id)
            if not rules:
                return 0
            rows = (
                session.connection()
                .exec_driver_sql(
                    "SELECT id, description FROM ledger_transaction "
                    "WHERE person_id = ? AND plan_item_id IS NULL AND category = ''",
                    (person_id,),
                )
                .fetchall()
            )
            updates: dict[tuple[int | None, str], list[int]] = {}
            for transaction_id, description in rows:
                lowered = description.casefold()
                for needle, item_id, category in rules:
                    if needle in lowered:
                        updates.setdefault((item_id, category), []).append(transaction_id)
                        break
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

    # -- monitoring and statements -----------------------------------------------------------------------
    def monitoring(self, person_id: int, year_start: date | None = None) -> MonitoringView:
        """Spending against the plan for a budget year (the current one by default), the forecast and alerts."""
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            return self._monitoring(session, person_id, year_start, None)

    def _monitoring(
        self,
        session: Session,
        person_id: int,
        year_start: date | None,
        rows: list[LedgerRow] | None,
        as_of: date | None = None,
    ) -> MonitoringView:
        settings = self._settings.money()
        today = min(as_of, self._ctx.clock.today()) if as_of else self._ctx.clock.today()
        management = management_in_force(session, person_id)
        current = plan_in_force(session, person_id)
        movements = self._movements(session, person_id, current[1] if current else [], rows)
        agreed_on = current[0].submitted_at.date() if current and current[0].submitted_at else None
        lines = self._planned_lines(session, current[1] if current else [], management, agreed_on)
        schedule = management.schedule if management else None
        this_year = budget_year(today)[0]
        first = min((m.posted_on for m in movements), default=today)
        years = []
        year = this_year
        while year >= budget_year(first)[0]:
            years.append(year)
            year = date(year.year - 1, 4, 1)
        start = year_start or this_year
        period = budget_year(start)
        result = monitor(
            movements,
            lines,
            period=period,
            today=today,
            schedule=schedule,
            surplus_limit_weeks=settings.surplus_limit_weeks,
            recent_weeks=settings.recent_weeks,
            contribution=contribution_into_account(session, person_id),  # a net DP: paid in by the person
        )
        return MonitoringView(person_id, result, tuple(years), settings, schedule, current is not None)

    def spend_for_period(self, session: Session, person_id: int, start: date, end: date) -> Monitoring:
        """Spend against the plan in force from ``start`` to ``end`` (inclusive), per item and in total.

        For reviews: the same arithmetic as the monitoring, over a year that begins at ``start`` and
        looked at as of ``end``, so "planned so far" is what the plan expects for the review period.
        """
        settings = self._settings.money()
        management = management_in_force(session, person_id)
        current = plan_in_force(session, person_id)
        items = current[1] if current else []
        movements = self._movements(session, person_id, items)
        agreed_on = current[0].submitted_at.date() if current and current[0].submitted_at else None
        lines = self._planned_lines(session, items, management, agreed_on)
        year_end = add_months(start, 12) - timedelta(days=1)
        return monitor(
            movements,
            lines,
            period=(start, year_end),
            today=max(start, min(end, year_end)),
            schedule=management.schedule if management else None,
            surplus_limit_weeks=settings.surplus_limit_weeks,
            recent_weeks=settings.recent_weeks,
        )

    def statement(self, person_id: int, start: date, end: date) -> StatementData:
        self._ctx.require(Permission.VIEW_MONEY, person_id)
        if end < start:
            raise ValidationError(FieldError("end", _("The end of the period is before its start.")))
        with self._ctx.db.session() as session:
            latest_cycle(session, person_id)
            management = management_in_force(session, person_id)
            connection = session.connection()
            opening = connection.exec_driver_sql(
                "SELECT coalesce(sum(amount_pence), 0) FROM ledger_transaction WHERE person_id = ? AND posted_on < ?",
                (person_id, _iso(start)),
            ).scalar_one()
            rows = connection.exec_driver_sql(
                "SELECT posted_on, description, amount_pence, plan_item_id, category FROM ledger_transaction "
                "WHERE person_id = ? AND posted_on >= ? AND posted_on <= ? ORDER BY posted_on, id",
                (person_id, _iso(start), _iso(end)),
            ).fetchall()
            items = all_agreed_items(session, person_id)
            imports = session.exec(
                select(StatementImport)
                .where(
                    StatementImport.person_id == person_id,
                    col(StatementImport.last_date) >= start,
                    col(StatementImport.first_date) <= end,
                )
                .order_by(col(StatementImport.first_date))
            ).all()
            import_summaries = tuple(self._summary(r) for r in imports)
            as_of = min(end, self._ctx.clock.today())
            against_plan = self._monitoring(session, person_id, budget_year(as_of)[0], None, as_of).monitoring
        lines = []
        balance = int(opening)
        payments_in = spending = money_in = money_out = 0
        by_link: dict[str, int] = {}
        links: dict[tuple[int | None, str], str] = {}
        days: dict[str, date] = {}
        not_linked = _("Not linked to the plan")
        for posted, description, amount, item_id, category in rows:
            balance += amount
            link = links.get((item_id, category))
            if link is None:
                if item_id is not None and item_id in items:
                    link = items[item_id].label
                elif category:
                    link = _(SUPPORT_CATEGORIES.get(category, category))
                else:
                    link = ""
                links[(item_id, category)] = link
            if amount > 0:
                money_in += amount
            else:
                money_out -= amount
            if is_spending(Movement(date.min, amount, link)):
                spending -= amount
                key = link or not_linked
                by_link[key] = by_link.get(key, 0) - amount
            else:
                payments_in += amount
            day = days.get(posted)
            if day is None:
                day = days[posted] = date.fromisoformat(posted)
            lines.append(StatementLine(day, description, link, amount, balance))
        closing = int(opening) + payments_in - spending
        assert closing == balance, "the statement's totals must add up"
        return StatementData(
            person_id=person_id,
            start=start,
            end=end,
            opening_balance_pence=int(opening),
            payments_in_pence=payments_in,
            spending_pence=spending,
            closing_balance_pence=closing,
            lines=tuple(lines),
            by_link=tuple(sorted(by_link.items(), key=lambda kv: (-kv[1], kv[0]))),
            account_description=self._account_text(management),
            schedule=management.schedule if management else None,
            imports=import_summaries,
            against_plan=against_plan,
            today=self._ctx.clock.today(),
            money_in_pence=money_in,
            money_out_pence=money_out,
        )

    # -- checks ------------------------------------------------------------------------------------------
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

    # -- bulk rows (also used by the demo) --------------------------------------------------------------
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

    # -- helpers -----------------------------------------------------------------------------------------
    def _audit(self, session: Session, action: str, row_id: str, summary: dict) -> None:
        """Changes made many rows at a time (not through the ORM) go into the audit trail as one event,
        with counts and ids only (never descriptions). A bulk load such as the demo records its own."""
        if not session.info.get("audited") or session.info.get("audit_bulk"):
            return
        record_event(
            session,
            actor=self._ctx.actor,
            action=action,
            table="ledger_transaction",
            row_id=row_id,
            summary=summary,
        )

    def _insert(self, session: Session, rows: list[dict], total: int, progress: Progress | None) -> None:
        connection = session.connection()
        statement = insert(LedgerTransaction.__table__)  # type: ignore[arg-type]
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(statement, rows[start : start + INSERT_CHUNK])
            done = total + min(start + INSERT_CHUNK, len(rows)) * total // max(len(rows), 1)
            if progress is not None and not progress(done, 2 * max(total, 1)):
                raise ImportCancelled
        if progress is not None and not progress(2 * max(total, 1), 2 * max(total, 1)):
            raise ImportCancelled

    def _ledger_person(self, session: Session, person_id: int) -> ManagementInForce:
        latest_cycle(session, person_id)
        management = management_in_force(session, person_id)
        if management is None:
            raise LifecycleError(
                _(
                    "How the budget is managed has not been recorded yet. Record it in step {n} ({title}) "
                    "before keeping the accounts."
                ).format(n=int(Step.MANAGE_BUDGET), title=Step.MANAGE_BUDGET.title)
            )
        return management

    def _choices(self, items: list[PlanItemInfo]) -> tuple[LinkChoice, ...]:
        choices = [LinkChoice(i.item_id, i.category, i.label) for i in items]
        planned = {i.category for i in items}
        choices += [
            LinkChoice(None, code, _("Other {kind}").format(kind=_(label).lower()))
            for code, label in SUPPORT_CATEGORIES.items()
            if code not in planned
        ]
        return tuple(choices)

    def _checked_link(
        self,
        session: Session,
        person_id: int,
        plan_item_id: int | None,
        category: str,
        items: dict[int, PlanItemInfo] | None = None,
    ) -> tuple[int | None, str]:
        if plan_item_id is not None:
            items = items if items is not None else all_agreed_items(session, person_id)
            if plan_item_id not in items:
                raise ValidationError(
                    FieldError("plan_item_id", _("Choose an item of this person's agreed plan."))
                )
            return plan_item_id, items[plan_item_id].category
        if category and category not in SUPPORT_CATEGORIES:
            raise ValidationError(FieldError("category", _("Choose a kind of support.")))
        return None, category

    def _rule_targets(self, session: Session, person_id: int) -> list[tuple[str, int | None, str]]:
        """Each rule as (lower-case text, plan item, category), pointed at the plan in force where it can be."""
        rules = session.exec(
            select(CategorisationRule)
            .where(CategorisationRule.person_id == person_id)
            .order_by(col(CategorisationRule.position))
        ).all()
        if not rules:
            return []
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
        return out

    def _movements(
        self,
        session: Session,
        person_id: int,
        current: list[PlanItemInfo],
        rows: list[LedgerRow] | None = None,
    ) -> list[Movement]:
        """The ledger as the monitoring needs it, links pointed at the plan in force where they match.

        Summed per day, link and direction: the arithmetic only needs those sums, and a long ledger
        collapses to a few thousand lines. From ``rows`` when the ledger has just been read, else by SQL.
        """
        items = all_agreed_items(session, person_id)
        current_ids = {i.item_id for i in current}
        by_text = {(i.category, i.description): i.item_id for i in current}
        first_of_category: dict[str, int] = {}
        for info in current:
            first_of_category.setdefault(info.category, info.item_id)
        key_of: dict[tuple[int | None, str], str] = {}
        days: dict[str, date] = {}
        out = []
        if rows is None:
            sums = _driver(session).execute(
                "SELECT posted_on, plan_item_id, category, sum(amount_pence) FROM ledger_transaction "
                "WHERE person_id = ? GROUP BY posted_on, plan_item_id, category, amount_pence > 0",
                (person_id,),
            )
        else:
            totals: dict[tuple[str, int | None, str, bool], int] = {}
            for _id, posted, _description, amount, item_id, category, _manual in rows:
                group = (posted, item_id, category or "", amount > 0)
                totals[group] = totals.get(group, 0) + amount
            sums = [(day, item, kind, amount) for (day, item, kind, _in), amount in totals.items()]
        for posted, item_id, category, amount in sums:
            key = key_of.get((item_id, category))
            if key is None:
                if item_id is not None and item_id in current_ids:
                    key = str(item_id)
                elif item_id is not None and item_id in items:
                    old = items[item_id]
                    match = by_text.get((old.category, old.description))
                    key = str(match) if match else f"item:{item_id}"
                elif category:
                    match = first_of_category.get(category)
                    key = str(match) if match else f"category:{category}"
                else:
                    key = ""
                key_of[(item_id, category)] = key
            day = days.get(posted)
            if day is None:
                day = days[posted] = date.fromisoformat(posted)
            out.append(Movement(day, amount, key))
        return out

    def _planned_lines(
        self,
        session: Session,
        items: list[PlanItemInfo],
        management: ManagementInForce | None,
        agreed_on: date | None,
    ) -> list[PlannedLine]:
        if not items:
            return []
        pays_out = {s.option.value for s in management.shares if s.option.pays_out} if management else set()
        funded: dict[int, set[str]] = {}
        started: dict[int, date] = {}
        for item_id, option, starts_on in session.exec(
            select(
                SupportArrangement.plan_item_id,
                SupportArrangement.funding_option,
                SupportArrangement.starts_on,
            ).where(col(SupportArrangement.plan_item_id).in_([i.item_id for i in items]))
        ).all():
            funded.setdefault(item_id, set()).add(option)
            started[item_id] = min(starts_on, started.get(item_id, starts_on))
        # Before anything is arranged, the plan runs from the first payment (or from when it was agreed).
        default_start = management.schedule.first_payment if management and management.schedule else agreed_on
        # The pot that pays for an item not paid from this account, named as step 4 names it.
        shares = management.shares if management else ()
        pots = {s.option.value: s.option.label + (f" ({s.held_by})" if s.held_by else "") for s in shares}
        lines = []
        for info in items:
            options = funded.get(info.item_id, set()) - {""}
            from_account = bool(pays_out) and (not options or bool(options & pays_out))
            pot = "" if from_account else "; ".join(filter(None, (pots.get(o) for o in sorted(options))))
            lines.append(
                PlannedLine(
                    str(info.item_id),
                    info.label,
                    info.annual,
                    info.frequency,
                    from_account,
                    started.get(info.item_id, default_start),
                    pot,
                )
            )
        return lines

    def _account_text(self, management: ManagementInForce | None) -> str:
        if management is None:
            return ""
        parts = [s.option.label + (f" ({s.held_by})" if s.held_by else "") for s in management.shares]
        if management.account is not None:
            parts.append(management.account.describe())
        return "; ".join(parts)

    def _save_mapping(
        self, session: Session, name: str, mapping: ColumnMapping, data: bytes
    ) -> StatementMapping:
        from personalbudget.domain.statement_parsing import read_header

        name = " ".join(name.split())
        if not name:
            raise ValidationError(FieldError("mapping_name", _("Give the mapping a name, e.g. the bank.")))
        columns = read_header(data, mapping)
        row = session.exec(select(StatementMapping).where(StatementMapping.name == name)).first()
        row = row or StatementMapping(
            name=name, date_column="", description_column="", updated_at=self._ctx.clock.now()
        )
        row.header_signature = header_signature(columns) if mapping.has_header else ""
        for attribute in (
            "delimiter",
            "encoding",
            "has_header",
            "date_column",
            "date_format",
            "description_column",
            "amount_column",
            "debit_column",
            "credit_column",
            "spending_positive",
        ):
            setattr(row, attribute, getattr(mapping, attribute))
        row.updated_at = self._ctx.clock.now()
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _saved(row: StatementMapping) -> SavedMapping:
        return SavedMapping(
            row.name,
            ColumnMapping(
                date_column=row.date_column,
                description_column=row.description_column,
                amount_column=row.amount_column,
                debit_column=row.debit_column,
                credit_column=row.credit_column,
                delimiter=row.delimiter,
                encoding=row.encoding,
                has_header=row.has_header,
                date_format=row.date_format,
                spending_positive=row.spending_positive,
            ),
            row.header_signature,
        )

    @staticmethod
    def _summary(row: StatementImport) -> ImportSummary:
        return ImportSummary(
            row.id,  # type: ignore[arg-type]
            row.imported_at,
            row.imported_by,
            row.file_name,
            row.file_format,
            row.rows_added,
            row.rows_skipped,
            row.first_date,
            row.last_date,
        )


def default_statement_period(today: date) -> tuple[date, date]:
    """The budget year so far, for a statement asked for without dates."""
    start, _end = budget_year(today)
    return start, today
