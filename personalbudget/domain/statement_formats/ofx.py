"""OFX 1 (SGML) and OFX 2 (XML) bank and card statements.

ofxtools reads the file into elements; the values are taken from the elements here, so the
date is the date written on the statement (``20260401000000[+1:BST]`` is 1 April, whatever the
time zone), the bank's own transaction id (FITID) is kept, and a problem is reported in one line
without the library's internals.
"""

from __future__ import annotations

import codecs
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from personalbudget.domain.dates_and_amounts import check_amount_size
from personalbudget.domain.statement_rows import (
    MAX_BYTES,
    PROGRESS_EVERY,
    ImportCancelled,
    ParsedStatement,
    Progress,
    RowProblem,
    StatementError,
    StatementRow,
    decode,
)
from personalbudget.i18n import _

_V1_HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:UNICODE\r\n"
    "CHARSET:NONE\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
_V2_HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
)
_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})")


def utf16_text(data: bytes) -> str | None:
    """The text of a UTF-16 file (with or without a byte-order mark), else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    head = data[:200]
    if len(head) >= 8 and head.count(b"\x00") >= len(head) // 3:
        codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            return None
    return None


def looks_like_ofx(text: str) -> bool:
    upper = text[:600].lstrip("\ufeff \r\n\t").upper()
    return upper.startswith("OFXHEADER") or "<OFX>" in upper or (upper.startswith("<?XML") and "OFX" in upper)


def _normalised(data: bytes) -> bytes:
    """The file as ofxtools reads it: UTF-16 made UTF-8, and a header added where a bank left it out."""
    text = utf16_text(data)
    if text is not None:
        text = text.lstrip("\ufeff")
        text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-8"', text, count=1)
        text = re.sub(r"ENCODING:\s*\S+", "ENCODING:UNICODE", text, count=1)
        text = re.sub(r"CHARSET:\s*\S+", "CHARSET:NONE", text, count=1)
        data = text.encode("utf-8")
    stripped = data.lstrip(codecs.BOM_UTF8).lstrip()
    upper = stripped[:200].upper()
    if upper.startswith(b"<OFX>"):  # no header at all
        closed = re.search(rb"<(\w+)>[^<\r\n]+</\1>", stripped[:4000]) is not None
        stripped = (_V2_HEADER if closed else _V1_HEADER).encode("ascii") + stripped
    return stripped


def _text(element, tag: str) -> str:  # type: ignore[no-untyped-def]
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None and found.text else ""


def statement_date(text: str) -> date:
    """The date of an OFX date-time, as written: the time and time zone are not applied."""
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


def parse_ofx(data: bytes, progress: Progress | None = None, max_pence: int | None = None) -> ParsedStatement:
    """Every transaction of an OFX statement (bank or card), or StatementError in one line."""
    from ofxtools.Parser import OFXTree  # imported here: only OFX imports pay for it

    if len(data) > MAX_BYTES:
        decode(data)  # raises the size error
    tree = OFXTree()
    try:
        normalised = _normalised(data)
        if b"</OFX>" not in normalised[-4096:].upper():  # cut off part-way (a broken download)
            raise ValueError("incomplete")
        tree.parse(io.BytesIO(normalised))
        root = tree.getroot()
        if root is None:
            raise ValueError("empty")
    except Exception:  # ofxtools raises many kinds; none of their words help the person
        raise StatementError(
            _(
                "The OFX file is incomplete or damaged, so nothing was imported. "
                "Download the statement from the bank again (as OFX, 'Money' or 'Quicken')."
            )
        ) from None
    statements = [*root.iter("STMTRS"), *root.iter("CCSTMTRS")]
    if not statements:
        raise StatementError(_("The OFX file holds no bank or card statement, so nothing was imported."))
    rows: list[StatementRow] = []
    problems: list[RowProblem] = []
    account = ""
    number = 0
    for statement in statements:
        currency = _text(statement, "CURDEF")
        if currency and currency.upper() != "GBP":
            raise StatementError(
                _(
                    "The statement is in {currency}, not pounds (GBP). Only statements in pounds can be imported."
                ).format(currency=currency)
            )
        acct_id = _text(statement, "BANKACCTFROM/ACCTID") or _text(statement, "CCACCTFROM/ACCTID")
        if acct_id and not account:
            account = _("account ending {digits}").format(digits=acct_id.replace(" ", "")[-4:])
        for transaction in statement.iter("STMTTRN"):
            number += 1
            if progress is not None and number % PROGRESS_EVERY == 0 and not progress(number, number + 1):
                raise ImportCancelled
            posted_text = _text(transaction, "DTPOSTED")
            amount_text = _text(transaction, "TRNAMT")
            try:
                posted = statement_date(posted_text)
            except ValueError:
                problems.append(
                    RowProblem(
                        number,
                        "DTPOSTED",
                        _("'{text}' is not a date (OFX dates are written 20260401).").format(text=posted_text)
                        if posted_text
                        else _("the transaction has no date."),
                    )
                )
                continue
            try:
                value = Decimal(amount_text.replace(",", "."))
                if not value.is_finite():
                    raise InvalidOperation
                pence_value = value * 100
                if pence_value != pence_value.to_integral_value():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(
                    RowProblem(
                        number,
                        "TRNAMT",
                        _("'{text}' is not an amount in pounds and pence.").format(text=amount_text[:40]),
                    )
                )
                continue
            size = check_amount_size(pence_value, amount_text, max_pence)
            if size is not None:
                problems.append(RowProblem(number, "TRNAMT", size))
                continue
            pence = int(pence_value)
            if pence == 0:
                continue
            name = _text(transaction, "NAME") or _text(transaction, "PAYEE/NAME")
            description = name or _text(transaction, "MEMO")
            rows.append(StatementRow(number, posted, pence, description, _text(transaction, "FITID")))
    if problems:
        raise StatementError(
            _("Some transactions in the OFX file cannot be read, so nothing was imported."),
            problems[:20],
            len(problems),
        )
    if progress is not None and not progress(number, number):
        raise ImportCancelled
    return ParsedStatement("ofx", "ofx", tuple(rows), (), account)
