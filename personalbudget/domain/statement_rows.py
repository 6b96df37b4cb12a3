"""What reading a statement file gives, whatever its format: its rows, the rows skipped, the
problems found (each with its row and column), and the file's bytes turned into text.

Below both the CSV reader (``statement_parsing``) and the bank formats (``statement_formats``), so
each imports these and neither imports the other for them.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import N_, _, format_number, ngettext

MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024
PROGRESS_EVERY = 5_000

Progress = Callable[[int, int], bool]  # (done, total) -> carry on?


ENCODINGS: dict[str, str] = {
    "auto": N_("Work it out (UTF-8, else Windows-1252)"),
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8 with byte-order mark"),
    "cp1252": N_("Windows-1252 (older Excel and bank exports)"),
}


class ImportCancelled(PersonalBudgetError):
    """The person cancelled the import; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(_("The import was cancelled. Nothing was imported."))


@dataclass(frozen=True)
class RowProblem:
    """What is wrong, and where: ``row`` counts records as a spreadsheet shows them (the header is row 1)."""

    row: int | None
    column: str | None
    message: str

    def describe(self) -> str:
        if self.row is not None and self.column:
            return _("Row {row}, column '{column}': {message}").format(
                row=self.row, column=self.column, message=self.message
            )
        if self.row is not None:
            return _("Row {row}: {message}").format(row=self.row, message=self.message)
        return self.message


class StatementError(PersonalBudgetError):
    """A statement that cannot be imported. Nothing from it has been saved."""

    def __init__(self, summary: str, problems: Iterable[RowProblem] = (), total_problems: int | None = None):
        self.summary = summary
        self.problems = list(problems)
        self.total_problems = total_problems if total_problems is not None else len(self.problems)
        lines = [summary, *(p.describe() for p in self.problems[:5])]
        if self.total_problems > 5:
            more = self.total_problems - 5
            lines.append(
                ngettext("…and {n} more problem.", "…and {n} more problems.", more).format(
                    n=format_number(more)
                )
            )
        super().__init__("\n".join(lines))


class StatementRow(NamedTuple):
    row: int
    posted_on: date
    amount_pence: int  # + money in, - money out
    description: str
    bank_id: str = ""  # the bank's own id for the transaction (OFX FITID, Monzo's transaction id)


class SkippedRow(NamedTuple):
    row: int
    reason: str


@dataclass(frozen=True)
class ParsedStatement:
    file_format: str  # csv | ofx | qif | santander
    encoding: str
    rows: tuple[StatementRow, ...]
    skipped: tuple[SkippedRow, ...] = ()
    account: str = ""  # what the file says about the account (masked), if anything

    @property
    def first_date(self) -> date | None:
        return min((r.posted_on for r in self.rows), default=None)

    @property
    def last_date(self) -> date | None:
        return max((r.posted_on for r in self.rows), default=None)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The file's text and the encoding used, or StatementError saying what is wrong and where."""
    if len(data) > MAX_BYTES:
        raise StatementError(
            _(
                "The file is {size} MB; a statement can be at most {limit} MB. Split it into smaller files."
            ).format(size=format_number(len(data) // (1024 * 1024)), limit=MAX_BYTES // (1024 * 1024))
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, used = data.decode("utf-16"), "utf-16"
    elif encoding == "auto":
        try:
            text, used = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, used = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError as problem:
                raise StatementError(
                    _(
                        "The file cannot be read as text: it is neither UTF-8 nor Windows-1252 "
                        "(row {row} has the byte 0x{byte:02X}). It may not be a statement, or it may be "
                        "damaged. Export it from the bank again as CSV."
                    ).format(row=data[: problem.start].count(b"\n") + 1, byte=data[problem.start]),
                    [
                        RowProblem(
                            data[: problem.start].count(b"\n") + 1,
                            None,
                            _("unreadable byte 0x{byte:02X}").format(byte=data[problem.start]),
                        )
                    ],
                ) from None
    else:
        codec = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
        try:
            text, used = data.decode(codec), encoding
        except (UnicodeDecodeError, LookupError) as problem:
            start = getattr(problem, "start", 0)
            row = data[:start].count(b"\n") + 1
            raise StatementError(
                _(
                    "The file is not in the {encoding} encoding chosen (row {row} cannot be read). "
                    "Choose 'Work it out' or another encoding, e.g. Windows-1252, and try again."
                ).format(encoding=_(ENCODINGS.get(encoding, encoding)), row=row),
                [RowProblem(row, None, _("cannot be read as {encoding}").format(encoding=encoding))],
            ) from None
    if "\x00" in text[:65536]:
        raise StatementError(
            _(
                "The file cannot be read as text (it holds zero bytes, as UTF-16 files without a "
                "byte-order mark and binary files do). Save it from the bank or spreadsheet as CSV "
                "in UTF-8 and try again."
            )
        )
    return text, used
