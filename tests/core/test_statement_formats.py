"""Issue 16: the files UK banks and card platforms really produce, exact dates and amounts,
duplicates by the bank's own id, near-duplicates left to the person, impossible figures refused
or reported, and a truncated encrypted caseload called damaged, not a wrong passphrase."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from personalbudget.cli import run
from personalbudget.domain.statement_parsing import (
    AmountProblem,
    StatementError,
    parse_amount,
    parse_csv,
    parse_ofx,
    parse_statement,
    preview_csv,
    sniff_format,
)
from personalbudget.errors import CorruptDatabaseError
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.services.settings_service import MoneySettings
from personalbudget.services.statement_import_service import NearDuplicatesFound
from personalbudget.storage.database import open_database
from tests.core.money_helpers import living_person

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"
APRIL = [date(2026, 4, 6), date(2026, 4, 8), date(2026, 4, 10)]


@pytest.fixture
def living(services):
    return living_person(services)


def read(name: str):
    data = (FIXTURES / name).read_bytes()
    if sniff_format(data) == "csv":  # no hand-made mapping: the columns' names (or contents) suffice
        return parse_csv(data, preview_csv(data).suggested)
    return parse_statement(data, None)


@pytest.mark.parametrize(
    ("name", "payees", "first_in"),
    [
        ("nationwide.csv", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 65077),
        ("monzo.csv", ["Abermorlais Council", "Tesco", "Eastfield Leisure"], 65077),
        ("starling.csv", ["Abermorlais Council", "Tesco", "Eastfield Leisure"], 65077),
        (
            "barclays.csv",
            ["ABERMORLAIS COUNCIL DP BGC", "TESCO STORES 2231 ON 07 APR BCC", "EASTFIELD LEISURE DDR"],
            65077,
        ),
        ("lloyds.csv", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 65077),
        ("hsbc.csv", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 165077),
        ("natwest.csv", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 65077),
        ("co-operative.csv", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 65077),
        (
            "prepaid-card.csv",
            ["Card load - Abermorlais Council", "TESCO STORES 2231", "EASTFIELD LEISURE"],
            65077,
        ),
        ("santander.txt", None, 65077),
        ("bank.qif", ["ABERMORLAIS COUNCIL DP", "TESCO STORES 2231", "EASTFIELD LEISURE"], 65077),
    ],
)
def test_each_banks_published_layout_reads_without_a_hand_made_mapping(name, payees, first_in):
    parsed = read(name)
    rows = parsed.rows[:3]
    assert [r.posted_on for r in rows] == APRIL
    assert [r.amount_pence for r in rows] == [first_in, -3267, -3000]
    if payees is not None:
        assert [r.description for r in rows] == payees
    else:
        assert "TESCO STORES 2231" in rows[1].description


def test_nationwide_account_details_above_the_headings_are_skipped_not_refused(services, living):
    report = services.statement_imports.import_file(living, FIXTURES / "nationwide.csv")
    assert report.added == 4
    assert [s.row for s in report.skipped] == [1, 2, 3]
    assert {s.reason for s in report.skipped} == {"Account details above the column headings"}
    assert "account details" in " ".join(preview_csv((FIXTURES / "nationwide.csv").read_bytes()).notes)


def test_starlings_payee_is_the_counter_party_not_the_reference():
    assert [r.description for r in read("starling.csv").rows] == [
        "Abermorlais Council",
        "Tesco",
        "Eastfield Leisure",
    ]


def test_footer_lines_after_the_data_are_skipped_with_a_reason():
    parsed = read("prepaid-card.csv")
    assert len(parsed.rows) == 3
    assert [s.reason for s in parsed.skipped][-2:] == [
        "A line after the transactions (not a transaction)"
    ] * 2


def test_monzo_transaction_ids_are_the_banks_own_ids():
    assert read("monzo.csv").rows[0].bank_id == "tx_0000AbCdEf0000000000001"


# -- OFX -------------------------------------------------------------------------------------------


def test_public_ofx_1_file_is_read_with_dates_as_written_and_its_fitids():
    data = (FIXTURES / "ofxparse_bank_medium.ofx").read_bytes()
    with pytest.raises(StatementError, match="in CAD, not pounds"):
        parse_ofx(data)
    parsed = parse_ofx(data.replace(b"<CURDEF>CAD", b"<CURDEF>GBP"))
    assert [(r.posted_on, r.amount_pence) for r in parsed.rows] == [
        (date(2009, 4, 1), -660),
        (date(2009, 4, 2), -31667),
        (date(2009, 4, 3), -2200),
    ]
    assert parsed.rows[0].bank_id == "0000123456782009040100001"
    assert parsed.rows[0].description == "MCDONALD'S #112"


def test_public_ofx_2_body_without_a_header_is_read():
    data = (FIXTURES / "ofxtools_stmtrs.ofx").read_bytes().replace(b"<CURDEF>USD", b"<CURDEF>GBP")
    assert sniff_format(data) == "ofx"
    parsed = parse_ofx(data)
    assert [(r.posted_on, r.amount_pence, r.bank_id) for r in parsed.rows] == [
        (date(2005, 10, 4), -20000, "00002"),
        (date(2005, 10, 20), -30000, "00003"),
    ]


def ofx2(*transactions: tuple[str, str, str, str], encoding: str = "UTF-8") -> str:
    body = "".join(
        f"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>{when}</DTPOSTED><TRNAMT>{amount}</TRNAMT>"
        f"<FITID>{fitid}</FITID><NAME>{name}</NAME></STMTTRN>"
        for when, amount, fitid, name in transactions
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY>"
        "</STATUS><STMTRS><CURDEF>GBP</CURDEF><BANKACCTFROM><BANKID>1</BANKID><ACCTID>12345678</ACCTID>"
        "<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20260301</DTSTART>"
        f"<DTEND>20260402</DTEND>{body}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )


def test_ofx_dates_do_not_move_across_midnight():
    parsed = parse_ofx(
        ofx2(
            ("20260401000000[+1:BST]", "-5.00", "A1", "First of April"),
            ("20260331233000[-5:EST]", "-6.00", "A2", "Last of March"),
        ).encode()
    )
    assert [r.posted_on for r in parsed.rows] == [date(2026, 4, 1), date(2026, 3, 31)]


def test_utf16_ofx_is_recognised_as_ofx_and_read():
    data = ofx2(("20260401", "-5.00", "A1", "Caffi ŵy"), encoding="UTF-16").encode("utf-16")
    assert sniff_format(data) == "ofx"
    assert [r.description for r in parse_ofx(data).rows] == ["Caffi ŵy"]


@pytest.mark.parametrize(
    "data",
    [
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>",
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:999\nSECURITY:NONE\n\n<OFX>nonsense</OFX>",
    ],
)
def test_an_unreadable_ofx_is_one_clear_line_without_library_internals(data):
    with pytest.raises(StatementError) as problem:
        parse_statement(data, None)
    text = str(problem.value)
    assert "\n" not in text and "0x" not in text and "class" not in text and "<_io" not in text
    assert "Download the statement from the bank again" in text


@pytest.mark.parametrize(
    "amount", ["1E+30", "Infinity", "NaN", "92233720368547758.07", "-99999999999999999999.00"]
)
def test_absurd_ofx_amounts_are_problems_naming_the_row_not_crashes(amount):
    with pytest.raises(StatementError) as problem:
        parse_ofx(
            ofx2(("20260401", "-1.00", "A1", "Fine"), ("20260402", amount, "A2", "Bad")).encode(),
            max_pence=10_000_000,
        )
    assert problem.value.problems[0].row == 2


# -- amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1E+30", "Infinity", "12345678901234567890", "92233720368547758.07"])
def test_absurd_csv_amounts_are_refused(text):
    with pytest.raises(AmountProblem):
        parse_amount(text)


def test_an_amount_beyond_the_caseloads_limit_is_refused_naming_the_row(services, living):
    data = b"Date,Description,Amount\n01/05/2026,Shop,-1.00\n02/05/2026,Mistake,-150000.00\n"
    mapping = preview_csv(data).suggested
    with pytest.raises(StatementError) as problem:
        services.statement_imports.import_statement(living, data, file_name="s.csv", mapping=mapping)
    assert problem.value.problems[0].row == 3
    assert "£150,000.00 is more than £100,000.00" in str(problem.value)
    assert services.ledger.ledger(living).rows == []
    services.settings.save_money(MoneySettings(max_transaction_pounds=200_000))
    assert (
        services.statement_imports.import_statement(living, data, file_name="s.csv", mapping=mapping).added
        == 2
    )


def test_a_hand_entered_amount_beyond_the_limit_is_refused(services, living):
    with pytest.raises(Exception, match="the most one transaction can be"):
        services.ledger.add_transaction(living, TransactionForm(date(2026, 5, 1), "250000", False, "Typo"))


def test_check_reports_impossible_figures(services, living, db_path, keys, capsys):
    services.ledger.add_rows(
        living, [(date(2026, 5, 1), 9_223_372_036_854_775_807, "x", None, "")] * 2, "import"
    )
    assert run(["check", "--db", str(db_path)], keys=keys) == 1
    err = capsys.readouterr().err
    assert f"Person {living}: 2 transactions are beyond £100,000.00" in err
    assert "is impossible for a personal budget account" in err


# -- duplicates --------------------------------------------------------------------------------------


def test_the_banks_own_id_decides_duplicates_even_when_the_description_changed(services, living):
    first = ofx2(("20260501", "-5.00", "F1", "CARD 1234 TESCO"), ("20260502", "-6.00", "F2", "BUS"))
    services.statement_imports.import_statement(living, first.encode(), file_name="a.ofx")
    renamed = ofx2(("20260501", "-5.00", "F1", "TESCO STORES"), ("20260503", "-7.00", "F3", "TRAIN"))
    report = services.statement_imports.import_statement(living, renamed.encode(), file_name="b.ofx")
    assert (report.added, report.duplicates) == (1, 1)
    assert len(services.ledger.ledger(living).rows) == 3


def test_a_near_duplicate_is_shown_for_the_person_to_decide(services, living):
    services.ledger.add_transaction(
        living, TransactionForm(date(2026, 5, 1), "12.50", False, "Eastfield Leisure")
    )
    data = b"Date,Description,Amount\n03/05/2026,EASTFIELD LEISURE,-12.50\n04/05/2026,Bus,-2.00\n"
    mapping = preview_csv(data).suggested
    check = services.statement_imports.check_import(living, data, mapping)
    assert [(n.row, n.held_on) for n in check.near_duplicates] == [(2, date(2026, 5, 1))]
    with pytest.raises(NearDuplicatesFound) as problem:  # never silently merged or doubled
        services.statement_imports.import_statement(living, data, file_name="s.csv", mapping=mapping)
    assert problem.value.problems[0].row == 2
    assert len(services.ledger.ledger(living).rows) == 1
    skipped = services.statement_imports.import_statement(
        living, data, file_name="s.csv", mapping=mapping, keep_near_duplicates=False
    )
    assert (skipped.added, skipped.near_duplicates_skipped) == (1, 1)
    services.statement_imports.undo_import(living, skipped.import_id)
    kept = services.statement_imports.import_statement(
        living, data, file_name="s.csv", mapping=mapping, keep_near_duplicates={2}
    )
    assert (kept.added, kept.near_duplicates_kept) == (2, 1)


def test_the_command_line_lists_near_duplicates_and_takes_a_decision(
    services, living, db_path, keys, tmp_path, capsys
):
    services.ledger.add_transaction(
        living, TransactionForm(date(2026, 5, 1), "12.50", False, "Eastfield Leisure")
    )
    statement = tmp_path / "s.csv"
    statement.write_bytes(b"Date,Description,Amount\n02/05/2026,Eastfield Leisure,-12.50\n")
    argv = ["import-statement", "--db", str(db_path), "--person", str(living), str(statement)]
    assert run(argv, keys=keys) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--near-duplicates keep" in err and "Row 2" in err
    assert run([*argv[:-1], "--near-duplicates", "keep", str(statement)], keys=keys) == 0
    assert "as you chose" in capsys.readouterr().out


# -- a damaged caseload ----------------------------------------------------------------------------------


def test_a_truncated_encrypted_caseload_is_damaged_not_a_wrong_passphrase(db_path, keys, clock):
    from personalbudget.services import build_services
    from personalbudget.storage.backup import make_backup
    from tests.core.helpers import person_form

    database = open_database(db_path, keys)
    build_services(database, clock, "tester").people.add_person(person_form())
    backup = make_backup(database, "manual", None)
    database.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2 + 100])
    with pytest.raises(CorruptDatabaseError) as problem:
        open_database(db_path, keys)
    text = str(problem.value)
    assert "damaged" in text and "passphrase is right" in text
    assert backup.name in text and "personalbudget restore" in text
