"""Step 6: importing a bank statement file (CSV, OFX, QIF) into the ledger, saved column
mappings, near-duplicates, and undoing an import.

Imports are all or nothing: the file is read completely first (any problem is
reported with its row and column), then every new row is added in one
transaction, which a cancel or an error rolls back. Rows already imported
(same fingerprint or bank id) are skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, col, select

from personalbudget.domain.budget_statement import ImportSummary
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
from personalbudget.errors import FieldError, NotFoundError, ValidationError
from personalbudget.i18n import _, format_date, format_money, format_number, ngettext
from personalbudget.services.context import ServiceContext
from personalbudget.services.ledger_common import MAX_DESCRIPTION, LedgerServiceBase, _driver, _iso
from personalbudget.services.lifecycle_service import latest_cycle
from personalbudget.services.payee_rule_service import PayeeRuleService
from personalbudget.services.settings_service import SettingsService
from personalbudget.storage.money_models import (
    LedgerTransaction,
    StatementImport,
    StatementMapping,
)


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


class StatementImportService(LedgerServiceBase):
    def __init__(self, context: ServiceContext, settings: SettingsService, payee_rules: PayeeRuleService):
        super().__init__(context, settings)
        self._payee_rules = payee_rules

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
            rules = self._payee_rules.for_person(session, person_id)
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
            new: list[dict[str, object]] = []
            categorised = 0
            for row, key in fresh:
                if row.row in near and row.row not in keep:
                    continue
                item_id, category = None, ""
                matched = rules.match(row.description) if rules else None
                if matched is not None:
                    item_id, category = matched
                    categorised += 1
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
                shown, matching = self.preview(data)
                if matching is not None:
                    mapping, used_name = matching.mapping, matching.name
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
            return [import_summary(r) for r in rows]

    def undo_import(self, person_id: int, import_id: int) -> int:
        """Remove every transaction an import added (e.g. the wrong person's statement); returns how many."""
        self._ctx.require(Permission.MANAGE_MONEY, person_id)
        with self._ctx.db.session() as session:
            record = session.get(StatementImport, import_id)
            if record is None or record.person_id != person_id:
                raise NotFoundError(_("There is no such import for this person."))
            result = session.connection().execute(
                delete(LedgerTransaction.__table__).where(  # type: ignore[attr-defined]
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


def import_summary(row: StatementImport) -> ImportSummary:
    """An import as the step 6 page and the budget statement list it."""
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
