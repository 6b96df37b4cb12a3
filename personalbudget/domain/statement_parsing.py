"""Reading bank and prepaid-card statements: CSV (with a column mapping), and which format a file
is in (OFX, QIF and Santander's text download are read by ``statement_formats``).

Pure and Qt-free. A statement is read completely before anything is saved: any
problem is reported with its row and column and nothing is imported. UK
formats are understood: dates day-first (31/03/2026, 1/3/26, 2026-03-31,
"1 Mar 2026"), amounts such as "1,234.50", "(12.00)", "-5.00", "12.00 DR",
one signed amount column or separate money-out / money-in columns.

Each row gets a fingerprint (date, amount, description and how many identical
rows came before it in the same file), so importing an overlapping statement
again skips what is already there while two identical coffees on one day are
both kept.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

# The dates and amounts, and what reading any statement gives, have their own modules (below the bank
# formats as well as this CSV reader); the ``X as X`` imports re-export them for this module's callers.
from personalbudget.domain.dates_and_amounts import (
    DATE_EXAMPLES as DATE_EXAMPLES,
)
from personalbudget.domain.dates_and_amounts import (
    DATE_FORMATS as DATE_FORMATS,
)
from personalbudget.domain.dates_and_amounts import (
    DEFAULT_MAX_TRANSACTION_PENCE as DEFAULT_MAX_TRANSACTION_PENCE,
)
from personalbudget.domain.dates_and_amounts import (
    AmountProblem as AmountProblem,
)
from personalbudget.domain.dates_and_amounts import (
    DateProblem as DateProblem,
)
from personalbudget.domain.dates_and_amounts import (
    check_amount_size as check_amount_size,
)
from personalbudget.domain.dates_and_amounts import (
    parse_amount as parse_amount,
)
from personalbudget.domain.dates_and_amounts import (
    parse_date as parse_date,
)
from personalbudget.domain.statement_formats.ofx import looks_like_ofx, utf16_text
from personalbudget.domain.statement_formats.ofx import parse_ofx as read_ofx
from personalbudget.domain.statement_formats.qif import looks_like_qif, parse_qif
from personalbudget.domain.statement_formats.santander import looks_like_santander, parse_santander
from personalbudget.domain.statement_rows import ENCODINGS as ENCODINGS
from personalbudget.domain.statement_rows import MAX_BYTES as MAX_BYTES
from personalbudget.domain.statement_rows import MAX_ROWS as MAX_ROWS
from personalbudget.domain.statement_rows import PROGRESS_EVERY as PROGRESS_EVERY
from personalbudget.domain.statement_rows import ImportCancelled as ImportCancelled
from personalbudget.domain.statement_rows import ParsedStatement as ParsedStatement
from personalbudget.domain.statement_rows import Progress as Progress
from personalbudget.domain.statement_rows import RowProblem as RowProblem
from personalbudget.domain.statement_rows import SkippedRow as SkippedRow
from personalbudget.domain.statement_rows import StatementError as StatementError
from personalbudget.domain.statement_rows import StatementRow as StatementRow
from personalbudget.domain.statement_rows import decode as decode
from personalbudget.i18n import N_, _, format_number, ngettext

MAX_REPORTED = 20  # problems listed one by one; the rest are counted

DELIMITERS: dict[str, str] = {
    ",": N_("Comma (,)"),
    ";": N_("Semicolon (;)"),
    "\t": N_("Tab"),
    "|": N_("Vertical bar (|)"),
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a CSV statement hold what, and how to read them.

    Columns are named by their header text, or "Column 1", "Column 2"… when the
    file has no header row. Use ``amount_column`` for one signed amount, or
    ``debit_column`` (money out) and/or ``credit_column`` (money in).
    """

    date_column: str = ""
    description_column: str = ""
    amount_column: str = ""
    debit_column: str = ""
    credit_column: str = ""
    delimiter: str = ","
    encoding: str = "auto"
    has_header: bool = True
    date_format: str = "auto"
    spending_positive: bool = False  # some card exports show money spent as a positive amount

    def problems(self) -> list[RowProblem]:
        out = []
        if not self.date_column:
            out.append(RowProblem(None, None, _("Choose the column that holds the date.")))
        if not self.description_column:
            out.append(RowProblem(None, None, _("Choose the column that holds the description or payee.")))
        if not (self.amount_column or self.debit_column or self.credit_column):
            out.append(
                RowProblem(
                    None,
                    None,
                    _("Choose the amount column, or the money-out and money-in columns."),
                )
            )
        if self.delimiter not in DELIMITERS:
            out.append(RowProblem(None, None, _("Choose what separates the columns.")))
        if self.encoding not in ENCODINGS:
            out.append(RowProblem(None, None, _("Choose the file's text encoding.")))
        if self.date_format not in DATE_FORMATS:
            out.append(RowProblem(None, None, _("Choose the date format.")))
        return out


@dataclass(frozen=True)
class CsvPreview:
    """The start of a CSV file as the mapping dialog shows it."""

    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    suggested: ColumnMapping
    total_rows: int
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- bytes to text -------------------------------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """'ofx', 'qif', 'santander' (its text download) or 'csv', or StatementError for files that are
    none of them (spreadsheets, PDFs...). OFX in UTF-16 is recognised as OFX."""
    head = data[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise StatementError(
            _(
                "This is a spreadsheet workbook (Excel), not a CSV or OFX statement. Open it in your "
                "spreadsheet program and save it as CSV, then import the CSV file."
            )
        )
    if head.startswith(b"%PDF"):
        raise StatementError(
            _(
                "This is a PDF. Download the statement from the bank as CSV or OFX (sometimes called 'Money' or 'Quicken') instead."
            )
        )
    text = utf16_text(data[:4096])
    if text is None:
        text = head.decode("cp1252", errors="replace")
    if looks_like_ofx(text):
        return "ofx"
    if looks_like_qif(text):
        return "qif"
    if looks_like_santander(text):
        return "santander"
    return "csv"


# -- CSV -------------------------------------------------------------------------------------------

_DATE_NAMES = (
    "date",
    "transaction date",
    "posting date",
    "posted date",
    "date posted",
    "value date",
    "txn date",
)
_DESCRIPTION_NAMES = (
    "counter party",  # Starling: the payee ("Reference" is what the payment says, e.g. "CARD PAYMENT")
    "counterparty",
    "description",
    "transaction description",
    "details",
    "narrative",
    "payee",
    "merchant",
    "name",
    "memo",
    "reference",
    "transaction details",
)
_AMOUNT_NAMES = (
    "amount",
    "amount (gbp)",
    "amount(gbp)",
    "amount (£)",
    "amount(£)",
    "value",
    "transaction amount",
)
_DEBIT_NAMES = (
    "debit",
    "debit amount",
    "debits",
    "paid out",
    "money out",
    "withdrawals",
    "withdrawal",
    "out",
    "spent",
)
_CREDIT_NAMES = (
    "credit",
    "credit amount",
    "credits",
    "paid in",
    "money in",
    "deposits",
    "deposit",
    "in",
    "received",
)


_ID_NAMES = ("transaction id", "fitid", "unique id", "transaction reference number")
MAX_PREAMBLE = 30  # lines of account details a bank may put above the column headings


def _names(record: list[str]) -> set[str]:
    return {" ".join(cell.lower().split()) for cell in record}


def find_header(records: list[list[str]], mapping: ColumnMapping | None = None) -> int:
    """Which record holds the column headings: the first (of the first 30) that names the mapping's
    date and description columns, or else one that names a date column beside a description or
    amount column. Nationwide, for one, puts the account's details above it."""
    if mapping is not None and mapping.date_column and mapping.description_column:
        wanted = {
            " ".join(mapping.date_column.lower().split()),
            " ".join(mapping.description_column.lower().split()),
        }
        for index, record in enumerate(records[:MAX_PREAMBLE]):
            if wanted <= _names(record):
                return index
    known_money = set(_AMOUNT_NAMES) | set(_DEBIT_NAMES) | set(_CREDIT_NAMES)
    for index, record in enumerate(records[:MAX_PREAMBLE]):
        names = _names(record)
        if names & set(_DATE_NAMES) and (names & known_money or names & set(_DESCRIPTION_NAMES)):
            return index
    return 0


def column_names(header: list[str] | None, width: int) -> tuple[str, ...]:
    if header is not None:
        names = []
        for index, cell in enumerate(header):
            name = cell.strip() or _("Column {n}").format(n=index + 1)
            while name in names:
                name += "*"
            names.append(name)
        return tuple(names)
    return tuple(_("Column {n}").format(n=index + 1) for index in range(width))


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines into the same, largest number of columns."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_width = ",", 1
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        consistent = widths.count(common) >= max(1, len(widths) * 0.8)
        if consistent and common > best_width:
            best, best_width = candidate, common
    return best


def _looks_like_data(cells: list[str]) -> bool:
    for cell in cells:
        try:
            parse_date(cell)
            return True
        except DateProblem:
            continue
    return False


def suggest_mapping(columns: tuple[str, ...], sample: list[list[str]], base: ColumnMapping) -> ColumnMapping:
    """A first guess at the mapping from the column names, or from what the columns hold."""
    lowered = {name.strip().lower(): name for name in columns}

    def find(names: tuple[str, ...]) -> str:
        for name in names:
            if name in lowered:
                return lowered[name]
        return ""

    date_column = find(_DATE_NAMES)
    description = find(_DESCRIPTION_NAMES)
    if {"transaction id", "name", "emoji", "description"} <= set(lowered):
        description = lowered["name"]  # Monzo: "Name" is the payee, "Description" the card terminal's text
    amount = find(_AMOUNT_NAMES)
    debit = find(_DEBIT_NAMES)
    credit = find(_CREDIT_NAMES)
    if not date_column or not (amount or debit or credit) or not description:
        # Guess from the contents: a column of dates, a column of amounts, the longest text.
        def share(index: int, check: Callable[[str], object]) -> float:
            good = 0
            values = [row[index] for row in sample if index < len(row) and row[index].strip()]
            for value in values:
                try:
                    check(value)
                    good += 1
                except ValueError:
                    pass
            return good / len(values) if values else 0.0

        for index, name in enumerate(columns):
            if not date_column and share(index, parse_date) > 0.8:
                date_column = name
        for index, name in enumerate(columns):
            if not (amount or debit or credit) and name != date_column and share(index, parse_amount) > 0.8:
                amount = name
        if not description:
            texts = [
                (sum(len(row[i]) for row in sample if i < len(row)), name)
                for i, name in enumerate(columns)
                if name not in (date_column, amount, debit, credit)
            ]
            description = max(texts)[1] if texts else ""
    if amount:
        debit = credit = ""
    return replace(
        base,
        date_column=date_column,
        description_column=description,
        amount_column=amount,
        debit_column=debit,
        credit_column=credit,
    )


def _records(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as problem:  # e.g. a field larger than the csv module allows
        raise StatementError(
            _("The file is not a CSV statement that can be read ({problem}).").format(problem=problem)
        ) from None


def preview_csv(data: bytes, mapping: ColumnMapping | None = None, rows: int = 30) -> CsvPreview:
    """The columns and first rows of a CSV file, with a suggested mapping."""
    if sniff_format(data) != "csv":
        raise StatementError(_("This is an OFX file: it needs no column mapping."))
    base = mapping or ColumnMapping()
    text, used = decode(data, base.encoding)
    notes = []
    delimiter = base.delimiter
    sniffed = sniff_delimiter(text)
    if mapping is None:
        delimiter = sniffed
    elif sniffed != delimiter:
        notes.append(
            _("The file seems to use {found} between columns, not {chosen}.").format(
                found=_(DELIMITERS[sniffed]), chosen=_(DELIMITERS.get(delimiter, delimiter))
            )
        )
    head = "\n".join(text.split("\n", rows + 100)[: rows + 100])  # the start is enough for a preview
    records = [r for r in _records(head, delimiter) if any(cell.strip() for cell in r)]
    has_header = base.has_header
    above = find_header(records, mapping) if records and (has_header or mapping is None) else 0
    if mapping is None and records:
        has_header = above > 0 or not _looks_like_data(records[0])
    if has_header and above:
        notes.append(
            ngettext(
                "The first line (account details) is above the column headings; it is not imported.",
                "The first {n} lines (account details) are above the column headings; they are not imported.",
                above,
            ).format(n=above)
        )
        records = records[above:]
    width = max((len(r) for r in records[:50]), default=0)
    columns = column_names(records[0] if has_header and records else None, width)
    body = records[1:] if has_header else records
    suggested = replace(base, delimiter=delimiter, has_header=has_header, encoding=base.encoding)
    if mapping is None or not any((base.date_column, base.description_column)):
        suggested = suggest_mapping(columns, body[:50], suggested)
    return CsvPreview(
        encoding=used,
        delimiter=delimiter,
        columns=columns,
        rows=tuple(tuple(r) for r in body[:rows]),
        suggested=suggested,
        total_rows=max(text.rstrip("\r\n").count("\n") + 1 - (1 + above if has_header else 0), len(body)),
        notes=tuple(notes),
    )


def header_signature(columns: Iterable[str]) -> str:
    """A stable key for a statement source: its column names, normalised."""
    return "|".join(" ".join(c.lower().split()) for c in columns)


def read_header(data: bytes, mapping: ColumnMapping) -> tuple[str, ...]:
    """The column names of a CSV file, read with ``mapping``'s encoding and separator."""
    text, _used = decode(data, mapping.encoding)
    records = [
        r
        for r in csv.reader(io.StringIO(text[:65536], newline=""), delimiter=mapping.delimiter)
        if any(cell.strip() for cell in r)
    ]
    first = records[find_header(records, mapping)] if records and mapping.has_header else (records or [[]])[0]
    return column_names(first if mapping.has_header else None, len(first))


def parse_csv(
    data: bytes, mapping: ColumnMapping, progress: Progress | None = None, max_pence: int | None = None
) -> ParsedStatement:
    """Every row of a CSV statement, or StatementError listing what is wrong (row and column)."""
    setup = mapping.problems()
    if setup:
        raise StatementError(_("The column mapping is not finished."), setup)
    text, used = decode(data, mapping.encoding)
    records = _records(text, mapping.delimiter)
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        raise StatementError(_("The file is empty: there are no rows to import."))
    above = find_header(records, mapping) if mapping.has_header else 0
    skipped: list[SkippedRow] = [
        SkippedRow(index + 1, _("Account details above the column headings"))
        for index in range(above)
        if any(cell.strip() for cell in records[index])
    ]
    header = records[above] if mapping.has_header else None
    width = max(len(r) for r in records[above : above + 50])
    columns = column_names(header, width)
    start_row = above + 2 if mapping.has_header else 1
    body = records[above + 1 :] if mapping.has_header else records
    if len(body) > MAX_ROWS:
        raise StatementError(
            _(
                "The file has {n} rows; one statement can have at most {limit}. Nothing was imported. "
                "Export shorter periods (e.g. a year at a time) and import each file."
            ).format(n=format_number(len(body)), limit=format_number(MAX_ROWS))
        )

    wanted = {
        "date": mapping.date_column,
        "description": mapping.description_column,
        "amount": mapping.amount_column,
        "debit": mapping.debit_column,
        "credit": mapping.credit_column,
    }
    index: dict[str, int] = {}
    missing = []
    for role, name in wanted.items():
        if not name:
            continue
        if name in columns:
            index[role] = columns.index(name)
        else:
            missing.append(name)
    if missing:
        sniffed = sniff_delimiter(text)
        problems: list[RowProblem] = [
            RowProblem(
                1,
                name,
                _("there is no column called '{name}'. The columns are: {columns}.").format(
                    name=name, columns=", ".join(columns)
                ),
            )
            for name in missing
        ]
        if sniffed != mapping.delimiter:
            summary = _(
                "The columns could not be found because the file uses {found} between columns, not {chosen}. "
                "Choose {found} as the separator and try again."
            ).format(
                found=_(DELIMITERS[sniffed]), chosen=_(DELIMITERS.get(mapping.delimiter, mapping.delimiter))
            )
        else:
            summary = _("The file does not have the columns the mapping expects. Nothing was imported.")
        raise StatementError(summary, problems)

    lowered_columns = [" ".join(c.lower().split()) for c in columns]
    id_at = (
        next((lowered_columns.index(n) for n in _ID_NAMES if n in lowered_columns), None) if header else None
    )
    date_at = index["date"]
    description_at = index["description"]
    amount_at = index.get("amount")
    debit_at = index.get("debit")
    credit_at = index.get("credit")
    needed = max(index.values()) + 1
    fmt = mapping.date_format
    flip = -1 if mapping.spending_positive else 1
    dates: dict[str, date] = {}
    amounts: dict[str, int] = {}
    rows: list[StatementRow] = []
    problems = []
    count = 0
    total = len(body)

    def footer_like(record: list[str]) -> bool:
        if not any(cell.strip() for cell in record):
            return True
        # A line whose date cell holds no digits ("Closing balance", "End of statement"); a row cut
        # short that starts with a date is a damaged transaction, reported as a problem.
        return len(record) <= date_at or not any(ch.isdigit() for ch in record[date_at])

    # Lines after the transactions ("Closing balance", "End of statement") are not transactions.
    footer_from = len(body)
    while footer_from > 0 and footer_like(body[footer_from - 1]):
        footer_from -= 1
    if footer_from == 0:  # nothing looks like a transaction: report every row rather than skip them all
        footer_from = len(body)

    def problem(row: int, column: str | None, message: str) -> None:
        nonlocal count
        count += 1
        if len(problems) < MAX_REPORTED:
            problems.append(RowProblem(row, column, message))

    def amount_of(cell: str) -> int:
        value = amounts.get(cell)
        if value is None:
            value = amounts[cell] = parse_amount(cell)
        return value

    for offset, record in enumerate(body):
        row = start_row + offset
        if progress is not None and offset % PROGRESS_EVERY == 0 and not progress(offset, total):
            raise ImportCancelled
        if len(record) < needed:
            if not any(cell.strip() for cell in record):
                skipped.append(SkippedRow(row, _("Blank row")))
                continue
            if offset >= footer_from:
                skipped.append(SkippedRow(row, _("A line after the transactions (not a transaction)")))
                continue
            problem(
                row,
                None,
                ngettext(
                    "it has {n} column but the mapping needs at least {needed}: is the row cut short?",
                    "it has {n} columns but the mapping needs at least {needed}: is the row cut short?",
                    len(record),
                ).format(n=len(record), needed=needed),
            )
            continue
        date_text = record[date_at]
        money_cells: tuple[str, ...]
        if amount_at is not None:
            money_cells = (record[amount_at],)
        else:
            money_cells = tuple(record[i] for i in (debit_at, credit_at) if i is not None)
        if not date_text.strip() and not any(cell.strip() for cell in money_cells):
            reason = (
                _("Blank row")
                if not any(c.strip() for c in record)
                else _("No date or amount (not a transaction)")
            )
            skipped.append(SkippedRow(row, reason))
            continue
        if offset >= footer_from:
            skipped.append(SkippedRow(row, _("A line after the transactions (not a transaction)")))
            continue
        posted = dates.get(date_text)
        if posted is None:
            try:
                posted = dates[date_text] = parse_date(date_text, fmt)
            except DateProblem as bad:
                problem(row, columns[date_at], str(bad))
        amount = 0
        try:
            if amount_at is not None:
                amount = amount_of(record[amount_at]) * flip
            else:
                out_text = record[debit_at].strip() if debit_at is not None else ""
                in_text = record[credit_at].strip() if credit_at is not None else ""
                if not out_text and not in_text:
                    raise AmountProblem(
                        _("there is no amount in either the money-out or the money-in column.")
                    )
                if out_text:
                    amount -= abs(amount_of(out_text))
                if in_text:
                    amount += abs(amount_of(in_text))
        except AmountProblem as bad:
            where = (
                columns[amount_at]
                if amount_at is not None
                else "/".join(columns[i] for i in (debit_at, credit_at) if i is not None)
            )
            problem(row, where, str(bad))
            continue
        if posted is None:
            continue
        if amount == 0:
            skipped.append(SkippedRow(row, _("The amount is £0.00: nothing moved")))
            continue
        size = check_amount_size(amount, str(amount), max_pence)
        if size is not None:
            problem(
                row,
                columns[amount_at] if amount_at is not None else None,
                size,
            )
            continue
        bank_id = record[id_at].strip() if id_at is not None and id_at < len(record) else ""
        # A leading apostrophe is a spreadsheet's "this is text" mark (NatWest writes one), not the payee's.
        description = " ".join(record[description_at].split()).removeprefix("'")
        rows.append(StatementRow(row, posted, amount, description, bank_id))
    if count:
        raise StatementError(
            _(
                "{n} problems were found in the file, so nothing was imported. Put them right (or change the mapping) and import again."
            ).format(n=format_number(count))
            if count > 1
            else _(
                "A problem was found in the file, so nothing was imported. Put it right (or change the mapping) and import again."
            ),
            problems,
            count,
        )
    if progress is not None and not progress(total, total):
        raise ImportCancelled
    return ParsedStatement("csv", used, tuple(rows), tuple(skipped))


# -- OFX -------------------------------------------------------------------------------------------


def parse_ofx(data: bytes, progress: Progress | None = None, max_pence: int | None = None) -> ParsedStatement:
    """Every transaction of an OFX statement (bank or card): see ``statement_formats.ofx``."""
    return read_ofx(data, progress, max_pence)


def parse_statement(
    data: bytes,
    mapping: ColumnMapping | None,
    progress: Progress | None = None,
    max_pence: int | None = None,
) -> ParsedStatement:
    """Read a statement file: OFX, QIF and Santander's text download as they are, CSV with
    ``mapping`` (required for CSV). An amount beyond ``max_pence`` (the most one transaction can
    be) is a problem naming its row."""
    if not data.strip():
        raise StatementError(_("The file is empty: there are no rows to import."))
    kind = sniff_format(data)
    if kind == "ofx":
        return parse_ofx(data, progress, max_pence)
    if kind in ("qif", "santander"):
        text, used = decode(data)
        if kind == "qif":
            return parse_qif(text, used, max_pence)
        return parse_santander(text, used, max_pence)
    if mapping is None:
        raise StatementError(_("Say which columns hold the date, description and amount (a column mapping)."))
    return parse_csv(data, mapping, progress, max_pence)


# -- duplicates --------------------------------------------------------------------------------------


def normalise_description(text: str) -> str:
    return " ".join(text.casefold().split())


def fingerprints(rows: Iterable[StatementRow]) -> list[str]:
    """A stable key per row: date, amount, description, and which repeat of that triple it is in the file."""
    seen: dict[tuple[date, int, str], int] = {}
    out = []
    for row in rows:
        description = normalise_description(row.description)
        key = (row.posted_on, row.amount_pence, description)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        text = f"{row.posted_on.isoformat()}|{row.amount_pence}|{description}|{occurrence}"
        out.append(hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest())
    return out
