"""QIF (Quicken Interchange Format), still offered by UK banks as 'Quicken' or 'Money' download.

A record is a few lines, each a one-letter code and a value (D date, T or U amount, P payee,
M memo, N number), ended by '^'. UK banks write the date day first (01/04/2026, 1/04'26).
Only bank, card and cash accounts are read; investment records are refused.
"""

from __future__ import annotations

from personalbudget.domain.dates_and_amounts import (
    AmountProblem,
    DateProblem,
    check_amount_size,
    parse_amount,
    parse_date,
)
from personalbudget.domain.statement_rows import (
    ParsedStatement,
    RowProblem,
    SkippedRow,
    StatementError,
    StatementRow,
)
from personalbudget.i18n import _

ACCOUNT_TYPES = ("bank", "ccard", "cash", "oth a", "oth l")


def looks_like_qif(text: str) -> bool:
    head = text.lstrip("\ufeff \r\n\t")[:40].lower()
    return head.startswith("!type:") or head.startswith("!account") or head.startswith("!option:")


def parse_qif(text: str, encoding: str, max_pence: int | None = None) -> ParsedStatement:
    rows: list[StatementRow] = []
    skipped: list[SkippedRow] = []
    problems: list[RowProblem] = []
    kind = ""
    record: dict[str, str] = {}
    start = 0
    in_account_block = False

    def finish(line_number: int) -> None:
        if not record:
            return
        date_text, amount_text = record.get("D", ""), record.get("T", record.get("U", ""))
        if not date_text and not amount_text:
            return
        try:
            posted = parse_date(date_text.replace("'", "/").replace(" ", ""))
        except DateProblem as bad:
            problems.append(RowProblem(start, "D", str(bad)))
            return
        try:
            pence = parse_amount(amount_text)
        except AmountProblem as bad:
            problems.append(RowProblem(start, "T", str(bad)))
            return
        size = check_amount_size(abs(pence), amount_text, max_pence)
        if size is not None:
            problems.append(RowProblem(start, "T", size))
            return
        if pence == 0:
            skipped.append(SkippedRow(start, _("The amount is £0.00: nothing moved")))
            return
        description = " ".join((record.get("P") or record.get("M") or "").split())
        rows.append(StatementRow(start, posted, pence, description))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("!"):
            directive = line[1:].lower()
            if directive.startswith("type:"):
                kind = directive[5:].strip()
                in_account_block = False
                if kind == "invst":
                    raise StatementError(
                        _(
                            "This QIF file holds an investment account, not a bank or card account. "
                            "Nothing was imported."
                        )
                    )
            elif directive.startswith("account"):
                in_account_block = True
            continue
        if line == "^":
            if in_account_block:
                in_account_block = False
            else:
                finish(number)
            record = {}
            continue
        if in_account_block or (kind and kind not in ACCOUNT_TYPES):
            continue
        if not record:
            start = number
        code, value = line[0].upper(), line[1:].strip()
        if code in "DTUPMN" and code not in record:
            record[code] = value
    finish(0)
    if problems:
        raise StatementError(
            _("Some transactions in the QIF file cannot be read, so nothing was imported."),
            problems[:20],
            len(problems),
        )
    if not rows and not skipped:
        raise StatementError(_("The QIF file holds no transactions, so nothing was imported."))
    return ParsedStatement("qif", encoding, tuple(rows), tuple(skipped))
