"""Statement imports: UK formats, every kind of bad file rejected cleanly, all-or-nothing,
de-duplication, remembered mappings, rules, and the command line."""

from __future__ import annotations

from datetime import date

import pytest

from personalbudget.cli import run
from personalbudget.domain.statement_parsing import (
    MAX_ROWS,
    AmountProblem,
    ColumnMapping,
    DateProblem,
    ImportCancelled,
    StatementError,
    fingerprints,
    parse_amount,
    parse_csv,
    parse_date,
    parse_ofx,
    preview_csv,
)
from personalbudget.errors import LifecycleError
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.services.payee_rule_service import RuleForm
from tests.core.money_helpers import agreed_person, item_ids, living_person

MAPPING = ColumnMapping(date_column="Date", description_column="Description", amount_column="Amount")

GOOD_CSV = (
    "Date,Description,Amount\n"
    "01/05/2026,ABERMORLAIS COUNCIL DP,650.77\n"
    "03/05/2026,Wages Sam Jones,-600.00\n"
    "03/05/2026,COSTA COFFEE,-3.20\n"
    "03/05/2026,COSTA COFFEE,-3.20\n"
    "2026-05-10,Eastfield Leisure,(30.00)\n"
    '12 May 2026,Kitchen World,"-1,234.50"\n'
)


@pytest.fixture
def living(services):
    return living_person(services)


def count(services, pid) -> int:
    return len(services.ledger.ledger(pid).rows)


def imports(services, pid) -> int:
    return len(services.statement_imports.imports(pid))


# -- formats --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2026", date(2026, 3, 31)),
        ("1/3/26", date(2026, 3, 1)),
        ("01.03.2026", date(2026, 3, 1)),
        ("2026-03-31", date(2026, 3, 31)),
        ("2026-03-31T10:15:00Z", date(2026, 3, 31)),
        ("1 Mar 2026", date(2026, 3, 1)),
        ("01-Mar-2026", date(2026, 3, 1)),
        ("1 March 2026", date(2026, 3, 1)),
        ("3rd September 26", date(2026, 9, 3)),
        ("20260331", date(2026, 3, 31)),
    ],
)
def test_uk_dates_are_read_day_first(text, expected):
    assert parse_date(text) == expected


def test_us_dates_only_when_chosen():
    assert parse_date("03/31/2026", "mdy") == date(2026, 3, 31)
    with pytest.raises(DateProblem, match="not a real date"):
        parse_date("03/31/2026")
    with pytest.raises(DateProblem, match="does not match the date format chosen"):
        parse_date("2026-03-31", "dmy")
    with pytest.raises(DateProblem, match="not a date in a format we know"):
        parse_date("March the 1st")


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1,234.50", 123450),
        ("(12.00)", -1200),
        ("-5.00", -500),
        ("+5", 500),
        ("£5.5", 550),
        ("-£1,000", -100000),
        ("£-7.10", -710),
        ("12.00 DR", -1200),
        ("3.10CR", 310),
        ("7.25-", -725),
        ("\u22124.00", -400),
        (".99", 99),
    ],
)
def test_uk_amounts(text, pence):
    assert parse_amount(text) == pence


@pytest.mark.parametrize("text", ["", "12.345", "1.234,50", "twelve", "12..0", "£"])
def test_bad_amounts(text):
    with pytest.raises(AmountProblem):
        parse_amount(text)


def test_a_good_statement_imports_with_running_balance(services, living):
    report = services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    assert (report.added, report.duplicates, report.file_format) == (6, 0, "csv")
    assert (report.first_date, report.last_date) == (date(2026, 5, 1), date(2026, 5, 12))
    ledger = services.ledger.ledger(living)
    assert [r[3] for r in ledger.rows] == [65077, -60000, -320, -320, -3000, -123450]
    assert ledger.balances == [65077, 5077, 4757, 4437, 1437, -122013]
    assert ledger.balance == -122013


def test_separate_money_out_and_money_in_columns(services, living):
    data = (
        b"Date,Details,Paid out,Paid in\n"
        b"01/05/2026,Council,,650.77\n"
        b"02/05/2026,Shop,12.00,\n"
        b"03/05/2026,Refund,-2.00,\n"  # a sign in the money-out column is ignored: it is money out
    )
    mapping = ColumnMapping(
        date_column="Date", description_column="Details", debit_column="Paid out", credit_column="Paid in"
    )
    services.statement_imports.import_statement(living, data, file_name="s.csv", mapping=mapping)
    assert [r[3] for r in services.ledger.ledger(living).rows] == [65077, -1200, -200]


def test_card_exports_that_show_spending_as_positive(services, living):
    data = b"Date,Merchant,Amount\n02/05/2026,Shop,12.00\n03/05/2026,Top up,-100.00\n"
    mapping = ColumnMapping("Date", "Merchant", "Amount", spending_positive=True)
    services.statement_imports.import_statement(living, data, file_name="card.csv", mapping=mapping)
    assert [r[3] for r in services.ledger.ledger(living).rows] == [-1200, 10000]


def test_encodings_are_worked_out(services, living):
    cp1252 = "Date;Description;Amount\n02/05/2026;Café £5 voucher;-5,00\n".replace("-5,00", "-5.00")
    preview = preview_csv(cp1252.encode("cp1252"))
    assert preview.encoding == "cp1252" and preview.delimiter == ";"
    assert preview.rows[0][1] == "Café £5 voucher"
    with_bom = "\ufeffDate,Description,Amount\n02/05/2026,Caf\u00e9,-5.00\n".encode()
    preview = preview_csv(with_bom)
    assert preview.columns == ("Date", "Description", "Amount") and preview.encoding == "utf-8"
    utf16 = "Date,Description,Amount\n02/05/2026,Shop,-5.00\n".encode("utf-16")
    assert preview_csv(utf16).rows[0][1] == "Shop"


def test_preview_suggests_a_mapping_from_the_header(services):
    preview = preview_csv(b"Transaction Date,Narrative,Money Out,Money In\n01/05/2026,Shop,12.00,\n")
    assert preview.suggested.date_column == "Transaction Date"
    assert preview.suggested.description_column == "Narrative"
    assert (preview.suggested.debit_column, preview.suggested.credit_column) == ("Money Out", "Money In")
    headless = preview_csv(b"01/05/2026,Shop,-12.00\n02/05/2026,Council,650.77\n")
    assert not headless.suggested.has_header
    assert (headless.suggested.date_column, headless.suggested.amount_column) == ("Column 1", "Column 3")
    assert headless.suggested.description_column == "Column 2"


# -- bad files: each a clear report, nothing imported ---------------------------------------------------


def rejected(services, pid, data: bytes, mapping=MAPPING) -> StatementError:
    before = count(services, pid)
    with pytest.raises(StatementError) as problem:
        services.statement_imports.import_statement(pid, data, file_name="bad.csv", mapping=mapping)
    assert count(services, pid) == before and imports(services, pid) == 0
    return problem.value


def test_wrong_delimiter(services, living):
    data = GOOD_CSV.replace(",", ";").replace('"-1;234.50"', "-1234.50").encode()
    error = rejected(services, living, data)
    assert "uses Semicolon (;) between columns, not Comma (,)" in error.summary
    assert error.problems[0].row == 1 and error.problems[0].column == "Date"


def test_missing_column(services, living):
    error = rejected(services, living, b"Date,Details,Amount\n01/05/2026,Shop,-1.00\n")
    assert error.problems[0].describe() == (
        "Row 1, column 'Description': there is no column called 'Description'. "
        "The columns are: Date, Details, Amount."
    )


def test_unknown_date_format(services, living):
    data = GOOD_CSV.replace(
        "03/05/2026,COSTA COFFEE,-3.20\n", "May 3rd 2026,COSTA COFFEE,-3.20\n", 1
    ).encode()
    error = rejected(services, living, data)
    [problem] = error.problems
    assert (problem.row, problem.column) == (4, "Date")
    assert "'May 3rd 2026' is not a date in a format we know" in problem.message
    assert "nothing was imported" in error.summary


def test_bad_amounts_are_reported_with_row_and_column(services, living):
    data = GOOD_CSV.replace("-3.20\n", '"-3,20"\n').encode()  # two rows with a decimal comma
    error = rejected(services, living, data)
    assert [(p.row, p.column) for p in error.problems] == [(4, "Amount"), (5, "Amount")]
    assert error.total_problems == 2 and "2 problems were found" in error.summary


def test_a_row_cut_short(services, living):
    error = rejected(services, living, b"Date,Description,Amount\n01/05/2026,Shop,-1.00\n02/05/2026,Shop\n")
    assert error.problems[0].row == 3 and "cut short" in error.problems[0].message


def test_truncated_ofx(services, living):
    whole = ofx_statement(3)
    rejected_ofx = whole[: len(whole) // 2]
    error = rejected(services, living, rejected_ofx, mapping=None)
    assert "The OFX file is incomplete or damaged, so nothing was imported" in str(error)


def test_file_in_the_wrong_encoding(services, living):
    data = "Date,Description,Amount\n02/05/2026,Café,-5.00\n".encode("cp1252")
    error = rejected(
        services, living, data, mapping=ColumnMapping("Date", "Description", "Amount", encoding="utf-8")
    )
    assert "not in the UTF-8 encoding chosen (row 2 cannot be read)" in error.summary
    # UTF-16 without a byte-order mark is full of zero bytes: refused, not read as nonsense.
    utf16 = "Date,Description,Amount\n02/05/2026,Shop,-5.00\n".encode("utf-16-le")
    assert "cannot be read as text" in rejected(services, living, utf16).summary
    # Bytes that are neither UTF-8 nor Windows-1252.
    garbage = b"Date,Description,Amount\n02/05/2026,Shop \x81\x8d,-5.00\n"
    assert "neither UTF-8 nor Windows-1252" in rejected(services, living, garbage).summary


def test_spreadsheets_and_pdfs_are_named(services, living):
    assert "spreadsheet workbook" in rejected(services, living, b"PK\x03\x04rest-of-zip").summary
    assert "This is a PDF" in rejected(services, living, b"%PDF-1.7 ...").summary


def test_a_200000_row_file_is_refused_whole(services, living):
    rows = "".join(f"{1 + i % 28:02d}/05/2026,Shop {i},-1.00\n" for i in range(200_000))
    error = rejected(services, living, ("Date,Description,Amount\n" + rows).encode())
    assert "has 200,000 rows; one statement can have at most 100,000" in error.summary
    assert MAX_ROWS == 100_000


def test_an_empty_file(services, living):
    assert "empty" in rejected(services, living, b"").summary
    assert "empty" in rejected(services, living, b"\n\n").summary


# -- all or nothing, duplicates ------------------------------------------------------------------------


def test_one_bad_row_among_many_imports_nothing(services, living):
    good = "".join(f"{1 + i % 28:02d}/05/2026,Shop {i},-1.00\n" for i in range(5000))
    error = rejected(
        services, living, ("Date,Description,Amount\n" + good + "31/02/2026,Bad,-1.00\n").encode()
    )
    assert error.problems[0].row == 5002 and "not a real date" in error.problems[0].message


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_cancelling_while_saving_rolls_everything_back(services, living):
    rows = "".join(f"{1 + i % 28:02d}/05/2026,Shop {i},-1.00\n" for i in range(25_000))
    data = ("Date,Description,Amount\n" + rows).encode()
    seen = []

    def progress(done, total):
        seen.append(done)
        return done < total * 3 // 4  # cancel once more than half is saved

    with pytest.raises(ImportCancelled, match="Nothing was imported"):
        services.statement_imports.import_statement(
            living, data, file_name="s.csv", mapping=MAPPING, progress=progress
        )
    assert max(seen) > len(rows.splitlines())  # saving had started when it was cancelled
    assert count(services, living) == 0 and imports(services, living) == 0


def test_importing_again_skips_what_is_already_there(services, living):
    services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    again = services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    assert (again.added, again.duplicates, again.import_id) == (0, 6, None)
    assert "Skipped 6 rows already in the ledger" in " ".join(again.lines())
    # An overlapping statement: the same two coffees, a third coffee the same day, and a new row.
    overlap = (
        "Date,Description,Amount\n"
        "03/05/2026,COSTA COFFEE,-3.20\n"
        "03/05/2026,Costa  Coffee,-3.20\n"  # case and spacing do not make a row new
        "03/05/2026,COSTA COFFEE,-3.20\n"
        "20/05/2026,Bus,-2.00\n"
    )
    report = services.statement_imports.import_statement(
        living, overlap.encode(), file_name="june.csv", mapping=MAPPING
    )
    assert (report.added, report.duplicates) == (2, 2)
    coffees = [r for r in services.ledger.ledger(living).rows if "costa" in r[2].casefold()]
    assert len(coffees) == 3
    assert imports(services, living) == 2


def test_two_identical_rows_in_one_file_both_import():
    parsed = parse_csv(b"Date,Description,Amount\n03/05/2026,COSTA,-3.20\n03/05/2026,COSTA,-3.20\n", MAPPING)
    keys = fingerprints(parsed.rows)
    assert len(parsed.rows) == 2 and keys[0] != keys[1]
    assert keys == fingerprints(parsed.rows)  # stable


def test_blank_and_zero_rows_are_skipped_with_reasons(services, living):
    data = b"Date,Description,Amount\n01/05/2026,Shop,-1.00\n,,\n02/05/2026,Card check,0.00\n,Balance carried forward,\n"
    report = services.statement_imports.import_statement(living, data, file_name="s.csv", mapping=MAPPING)
    assert report.added == 1
    reasons = {s.reason for s in report.skipped}
    assert reasons == {
        "Blank row",
        "The amount is £0.00: nothing moved",
        "No date or amount (not a transaction)",
    }


def test_undoing_an_import_removes_its_rows_only(services, living):
    services.ledger.add_transaction(
        living, TransactionForm(date(2026, 5, 2), "10.00", False, "Cash for taxi")
    )
    report = services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    assert services.statement_imports.undo_import(living, report.import_id) == 6
    assert [r[2] for r in services.ledger.ledger(living).rows] == ["Cash for taxi"]


def test_the_ledger_needs_management_recorded(services):
    pid = agreed_person(services)
    with pytest.raises(LifecycleError, match="Record it in step 4"):
        services.statement_imports.import_statement(
            pid, GOOD_CSV.encode(), file_name="s.csv", mapping=MAPPING
        )


# -- OFX -----------------------------------------------------------------------------------------------


def ofx_statement(n: int, currency: str = "GBP") -> bytes:
    transactions = "".join(
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202605{i + 1:02d}<TRNAMT>-{i + 1}.50<FITID>T{i}<NAME>SHOP {i}</STMTTRN>\n"
        for i in range(n)
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX>\n"
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260601<LANGUAGE>ENG</SONRS>"
        "</SIGNONMSGSRSV1>\n<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
        f"<STMTRS><CURDEF>{currency}<BANKACCTFROM><BANKID>401234<ACCTID>12345678<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        "<BANKTRANLIST><DTSTART>20260501<DTEND>20260601\n"
        "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260501<TRNAMT>650.77<FITID>P1<NAME>ABERMORLAIS DP</STMTTRN>\n"
        f"{transactions}</BANKTRANLIST>\n<LEDGERBAL><BALAMT>100.00<DTASOF>20260601</LEDGERBAL>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    ).encode("ascii")


def test_ofx_statements_import(services, living):
    parsed = parse_ofx(ofx_statement(3))
    assert parsed.account == "account ending 5678"
    assert [(r.posted_on, r.amount_pence, r.description) for r in parsed.rows] == [
        (date(2026, 5, 1), 65077, "ABERMORLAIS DP"),
        (date(2026, 5, 1), -150, "SHOP 0"),
        (date(2026, 5, 2), -250, "SHOP 1"),
        (date(2026, 5, 3), -350, "SHOP 2"),
    ]
    report = services.statement_imports.import_statement(living, ofx_statement(3), file_name="may.ofx")
    assert (report.added, report.file_format) == (4, "ofx")
    again = services.statement_imports.import_statement(living, ofx_statement(4), file_name="may2.ofx")
    assert (again.added, again.duplicates) == (1, 4)


def test_ofx_in_another_currency_is_refused(services, living):
    error = rejected(services, living, ofx_statement(1, "EUR"), mapping=None)
    assert "in EUR, not pounds" in error.summary


# -- mappings and rules ----------------------------------------------------------------------------------


def test_the_mapping_is_remembered_per_source(services, living):
    bank = b"Posted,Payee,Out,In\n01/05/2026,Council,,650.77\n02/05/2026,Shop,1.00,\n"
    mapping = ColumnMapping(
        date_column="Posted", description_column="Payee", debit_column="Out", credit_column="In"
    )
    services.statement_imports.import_statement(
        living, bank, file_name="a.csv", mapping=mapping, mapping_name="Cymru BS", remember_mapping=True
    )
    next_month = b"Posted,Payee,Out,In\n01/06/2026,Council,,650.77\n"
    preview, saved = services.statement_imports.preview(next_month)
    assert saved is not None and saved.name == "Cymru BS" and saved.mapping == mapping
    assert preview.suggested.debit_column == "Out"
    assert [m.name for m in services.statement_imports.mappings()] == ["Cymru BS"]


def test_rules_link_imported_rows_to_the_plan(services, living):
    ids = item_ids(services, living)
    services.payee_rules.save_rules(
        living,
        [RuleForm("sam jones", ids["PA hours"]), RuleForm("eastfield", ids["Gym membership"])],
    )
    report = services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    assert report.categorised == 2
    ledger = services.ledger.ledger(living)
    links = {r[2]: ledger.link_label(r[4], r[5]) for r in ledger.rows}
    assert links["Wages Sam Jones"] == "Personal assistant: PA hours"
    assert links["Eastfield Leisure"] == "Community and leisure activities: Gym membership"
    assert links["COSTA COFFEE"] == ""
    # A new rule can be applied to what is already in the ledger.
    services.payee_rules.save_rules(living, [RuleForm("costa", None, "other")])
    assert services.payee_rules.apply_rules(living) == 2
    assert services.payee_rules.rules(living)[0].label == "Other"


def test_rules_are_checked(services, living):
    from personalbudget.errors import ValidationError

    with pytest.raises(ValidationError, match="Rule 1: say what the payee contains"):
        services.payee_rules.save_rules(living, [RuleForm(" ", None, "other")])
    with pytest.raises(ValidationError, match="Rule 1: choose the plan item"):
        services.payee_rules.save_rules(living, [RuleForm("shop")])


# -- the command line ----------------------------------------------------------------------------------


def test_cli_imports_a_statement(services, living, db_path, keys, tmp_path, capsys):
    statement = tmp_path / "may.csv"
    statement.write_bytes(GOOD_CSV.encode())
    argv = ["import-statement", "--db", str(db_path), "--person", str(living), str(statement)]
    assert run(argv, keys=keys) == 0
    out = capsys.readouterr().out
    assert "Added 6 transactions from may.csv." in out
    assert run(argv, keys=keys) == 0
    assert "Skipped 6 rows already in the ledger" in capsys.readouterr().out
    assert count(services, living) == 6


def test_cli_uses_a_named_mapping_and_reports_errors_on_one_line(
    services, living, db_path, keys, tmp_path, capsys
):
    bank = b"Posted,Payee,Out,In\n01/05/2026,Council,,650.77\n"
    mapping = ColumnMapping(
        date_column="Posted", description_column="Payee", debit_column="Out", credit_column="In"
    )
    services.statement_imports.save_mapping("Cymru BS", mapping, bank)
    statement = tmp_path / "s.csv"
    statement.write_bytes(b"Posted,Payee,Out,In\n02/05/2026,Shop,1.00,\n03/05/2026,Shop,x,\n")
    argv = [
        "import-statement",
        "--db",
        str(db_path),
        "--person",
        str(living),
        "--mapping",
        "Cymru BS",
        str(statement),
    ]
    assert run(argv, keys=keys) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Row 3, column 'Out/In': 'x' is not an amount" in err
    assert run([*argv[:-3], "--mapping", "Nope", str(statement)], keys=keys) == 1
    assert "no saved column mapping called 'Nope'" in capsys.readouterr().err
    assert count(services, living) == 0
    unknown = tmp_path / "odd.csv"
    unknown.write_bytes(b"a,b,c\nx,y,z\n")
    assert run([*argv[:-3], str(unknown)], keys=keys) == 1
    assert "Cannot tell which columns" in capsys.readouterr().err
    assert run([*argv[:-3], str(tmp_path / "missing.csv")], keys=keys) == 1
    assert "Cannot read" in capsys.readouterr().err


def test_bulk_changes_are_in_the_audit_trail_without_descriptions(services, living):
    from personalbudget.storage.audit import verify

    report = services.statement_imports.import_statement(
        living, GOOD_CSV.encode(), file_name="may.csv", mapping=MAPPING
    )
    ids = [r[0] for r in services.ledger.ledger(living).rows]
    services.ledger.link_transactions(living, ids[:2], item_ids(services, living)["PA hours"])
    services.statement_imports.undo_import(living, report.import_id)
    with services.context.db.engine.connect() as connection:
        events = connection.exec_driver_sql(
            "SELECT action, summary FROM audit_event WHERE table_name = 'ledger_transaction' ORDER BY id"
        ).all()
        assert verify(connection.connection.driver_connection).ok
    actions = [action for action, _summary in events]
    bulk = [(action, summary) for action, summary in events if action.startswith("bulk_")]
    assert [action for action, _summary in bulk] == ["bulk_insert", "bulk_update", "bulk_delete"]
    assert '"rows_added": 6' in bulk[0][1] and '"rows_removed": 6' in bulk[2][1]
    if services.context.db.is_server:
        # The server's trigger also writes one event per row, naming the fields it set but never
        # their values (storage/postgres_security.py).
        rows = [(action, summary) for action, summary in events if not action.startswith("bulk_")]
        assert [action for action, _summary in rows] == ["insert"] * 6 + ["update"] * 2 + ["delete"] * 6
        assert all('"description": "set"' in summary for _action, summary in rows[:6])
    else:
        assert actions == ["bulk_insert", "bulk_update", "bulk_delete"]
    assert "COSTA" not in " ".join(summary for _action, summary in events)


def test_only_roles_that_manage_money_can_change_the_ledger(services, living):
    from personalbudget.domain.roles import Role
    from personalbudget.errors import PermissionDeniedError
    from personalbudget.services import build_services

    approver = build_services(services.context.db, services.context.clock, "panel", role=Role.APPROVER)
    with pytest.raises(PermissionDeniedError, match="manage payments and statements"):
        approver.statement_imports.import_statement(
            living, GOOD_CSV.encode(), file_name="s.csv", mapping=MAPPING
        )
    assert approver.ledger.ledger(living).rows == []  # but may look
    broker = build_services(services.context.db, services.context.clock, "broker", role=Role.BROKER)
    assert (
        broker.statement_imports.import_statement(
            living, GOOD_CSV.encode(), file_name="s.csv", mapping=MAPPING
        ).added
        == 6
    )


def test_a_transaction_dated_in_the_future_is_refused(services, living):
    """A mistyped year (2030) would sit at the top of the ledger and upset the balance and forecast."""
    data = b"Date,Description,Amount\n01/11/2026,SHOP,-5.00\n01/12/2030,TYPO YEAR,-9.99\n"
    with pytest.raises(StatementError) as problem:
        services.statement_imports.import_statement(living, data, file_name="typo.csv", mapping=MAPPING)
    assert "Row 3" in str(problem.value) and "in the future" in str(problem.value)
    assert services.statement_imports.imports(living) == []
