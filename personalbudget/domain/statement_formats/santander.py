"""Santander UK's text download: one field per line ("Date:", "Description:", "Amount:",
"Balance:"), a blank line between transactions, below a "From: … to …" and "Account:" heading.
The separators are no-break spaces and the file is Windows-1252."""

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
    StatementError,
    StatementRow,
)
from personalbudget.i18n import _


def _field(line: str) -> tuple[str, str]:
    name, _sep, value = line.replace("\xa0", " ").partition(":")
    return name.strip().lower(), " ".join(value.split())


def looks_like_santander(text: str) -> bool:
    names = [_field(line)[0] for line in text[:2000].splitlines() if line.strip()]
    return bool(names) and names[0] == "from" and "date" in names and "amount" in names


def parse_santander(text: str, encoding: str, max_pence: int | None = None) -> ParsedStatement:
    rows: list[StatementRow] = []
    problems: list[RowProblem] = []
    account = ""
    current: dict[str, str] = {}
    start = 0

    def finish() -> None:
        if "date" not in current:
            return
        try:
            posted = parse_date(current["date"])
        except DateProblem as bad:
            problems.append(RowProblem(start, "Date", str(bad)))
            return
        amount_text = current.get("amount", "").upper().removesuffix("GBP").strip()
        try:
            pence = parse_amount(amount_text)
        except AmountProblem as bad:
            problems.append(RowProblem(start, "Amount", str(bad)))
            return
        size = check_amount_size(abs(pence), amount_text, max_pence)
        if size is not None:
            problems.append(RowProblem(start, "Amount", size))
            return
        if pence:
            rows.append(StatementRow(start, posted, pence, current.get("description", "")))

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, value = _field(line)
        if name == "account" and not account:
            digits = "".join(ch for ch in value if ch.isdigit())
            account = _("account ending {digits}").format(digits=digits[-4:]) if digits else ""
        elif name == "date":
            finish()
            current, start = {"date": value}, number
        elif name in ("description", "amount", "balance") and current:
            current[name] = value
    finish()
    if problems:
        raise StatementError(
            _("Some transactions in the Santander file cannot be read, so nothing was imported."),
            problems[:20],
            len(problems),
        )
    return ParsedStatement("santander", encoding, tuple(rows), (), account)
