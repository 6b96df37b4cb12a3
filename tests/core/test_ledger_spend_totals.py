"""The kept ledger totals (issue 18): the export reads the money out of each ledger from
``ledger_spend_total``, kept by triggers; every figure it publishes must be what the ledger rows
themselves give, after every way a ledger row is written, edited or removed."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from personalbudget.domain.statement_parsing import ColumnMapping
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.export.dataset import UNLINKED, _spent_from_ledger, extract_records, whole_financial_years
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.tables import Period, build_tables
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.storage import ledger_totals
from personalbudget.storage.sql import run_compiled

MAPPING = ColumnMapping(date_column="Date", description_column="Description", amount_column="Amount")
PERIODS = (
    (date(2025, 4, 1), date(2026, 3, 31)),  # a whole financial year: kept totals only
    (date(2026, 4, 1), date(2027, 3, 31)),
    (date(2025, 4, 1), date(2027, 3, 31)),  # two
    (date(2025, 12, 15), date(2027, 3, 31)),  # kept totals and the ledger rows before them
    (date(2026, 4, 2), date(2026, 9, 30)),  # no whole year: the ledger rows only
)


def _from_ledger(db, period_from: date, period_to: date) -> dict[int, tuple[tuple[str, int], ...]]:
    """Each person's spending in the period from the ledger rows alone (the export's rules)."""
    spent: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with db.session() as session:
        for person_id, category, pence in run_compiled(session, _spent_from_ledger(period_from, period_to)):
            name = UNLINKED if category is None else category if category in SUPPORT_CATEGORIES else "other"
            spent[person_id][name] += int(pence)
    return {p: tuple(sorted(c.items())) for p, c in spent.items()}


def _agree(db) -> None:
    with db.session() as session:
        assert ledger_totals.disagreements(session.connection()) == 0


def _assert_export_is_the_ledgers(db) -> None:
    rules = DisclosureRules()
    for first, last in PERIODS:
        kept = extract_records(db, first, last)
        truth = _from_ledger(db, first, last)
        assert any(r.actual_by_category for r in kept)
        raw = [
            dataclasses.replace(r, actual_by_category=truth.get(int(r.key.removeprefix("local-")), ()))
            for r in kept
        ]
        assert kept == raw, (first, last)
        period = Period(first, last)
        assert build_tables(kept, rules, period) == build_tables(raw, rules, period)


def _ledger_person(db) -> tuple[int, int]:
    """A person with a ledger (a direct payment) and an item of their agreed plan."""
    with db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(
                text(
                    "SELECT t.person_id, min(t.plan_item_id) FROM ledger_transaction t "
                    "WHERE t.plan_item_id IS NOT NULL GROUP BY t.person_id ORDER BY t.person_id LIMIT 1"
                )
            ).one()
        )


def test_the_export_from_kept_totals_is_the_export_from_the_ledger_after_every_kind_of_write(services):
    db = services.context.db
    # Demo people: some built through the services, the rest copied at SQL level (demo_copy).
    build_demo_caseload(services.context, people=24, seed=18, lives=8)
    _agree(db)
    _assert_export_is_the_ledgers(db)
    pid, item = _ledger_person(db)

    # A statement imported (money in and out, across the turn of a financial year), then another undone.
    csv = (
        b"Date,Description,Amount\n"
        b"30/03/2026,Corner shop,-12.34\n"
        b"31/03/2026,Corner shop,-1.01\n"
        b"01/04/2026,Council payment,650.00\n"
        b"02/04/2026,Kitchen World,-99.99\n"
        b"02/04/2026,Kitchen World refund,99.99\n"  # a reversal: money back in
    )
    services.statement_imports.import_statement(pid, csv, file_name="s.csv", mapping=MAPPING)
    undone = services.statement_imports.import_statement(
        pid, b"Date,Description,Amount\n05/05/2026,Taxi,-20.00\n", file_name="t.csv", mapping=MAPPING
    )
    _agree(db)
    services.statement_imports.undo_import(pid, undone.import_id)
    _agree(db)

    # Entered by hand, linked (an edit of the link), deleted.
    manual = services.ledger.add_transaction(
        pid, TransactionForm(date(2026, 6, 1), "45.00", False, "Cash for a class", category="work_learning")
    )
    kept = services.ledger.add_transaction(
        pid, TransactionForm(date(2026, 1, 10), "7.50", False, "Bus fare", plan_item_id=item)
    )
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 6, 2), "45.00", True, "Class refunded"))
    services.ledger.link_transactions(pid, [manual, kept], None, "community_activities")
    services.ledger.link_transactions(pid, [kept], item)
    services.ledger.delete_transaction(pid, manual)
    _agree(db)

    # Edits straight in SQL: the amount, the date (into another financial year), out to in, the
    # person; a plan item removed (its rows' link set to NULL); a person removed (their rows go).
    with db.session() as session:
        rows = session.execute(
            text("SELECT id, person_id FROM ledger_transaction WHERE amount_pence < 0 ORDER BY id")
        ).all()
        others = sorted({p for _i, p in rows if p != pid})
        first, second, third, fourth = (r[0] for r in rows[:4])
        session.execute(
            text("UPDATE ledger_transaction SET amount_pence = amount_pence - 1 WHERE id = :i"), {"i": first}
        )
        session.execute(
            text("UPDATE ledger_transaction SET posted_on = '2025-04-01' WHERE id = :i"), {"i": second}
        )
        session.execute(text("UPDATE ledger_transaction SET amount_pence = 500 WHERE id = :i"), {"i": third})
        session.execute(
            text("UPDATE ledger_transaction SET person_id = :p WHERE id = :i"), {"p": pid, "i": fourth}
        )
        session.execute(
            text(
                "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, plan_item_id, "
                "category, source, recorded_at, recorded_by) VALUES (:p, '2026-03-31', -250, 'Late', NULL, "
                "'transport', 'manual', :at, 'x')"
            ),
            {"p": pid, "at": datetime(2026, 4, 1, tzinfo=UTC)},
        )
        session.execute(
            text("UPDATE plan_support_item SET category = 'equipment' WHERE id = :i"), {"i": item}
        )
    _agree(db)
    _assert_export_is_the_ledgers(db)
    with db.session() as session:
        linked = session.execute(
            text(
                "SELECT plan_item_id FROM ledger_transaction WHERE person_id = :p AND plan_item_id IS NOT NULL"
            ),
            {"p": others[0]},
        ).scalar()
        session.execute(text("DELETE FROM support_arrangement WHERE plan_item_id = :i"), {"i": linked})
        session.execute(text("DELETE FROM categorisation_rule WHERE plan_item_id = :i"), {"i": linked})
        session.execute(text("DELETE FROM plan_support_item WHERE id = :i"), {"i": linked})
        session.execute(text("DELETE FROM person WHERE id = :p"), {"p": others[1]})
        left = session.execute(
            text("SELECT count(*) FROM ledger_spend_total WHERE person_id = :p"), {"p": others[1]}
        ).scalar()
        assert left == 0
    _agree(db)
    _assert_export_is_the_ledgers(db)


def test_a_kept_total_that_disagrees_with_the_ledger_is_found_and_can_be_worked_out_again(services):
    db = services.context.db
    build_demo_caseload(services.context, people=6, seed=2)
    _agree(db)
    with db.session() as session:
        connection = session.connection()
        connection.execute(
            text(
                "UPDATE ledger_spend_total SET spent_pence = spent_pence + 1 WHERE rowid IN "
                "(SELECT rowid FROM ledger_spend_total LIMIT 1)"
            )
            if connection.dialect.name == "sqlite"
            else text(
                "UPDATE ledger_spend_total SET spent_pence = spent_pence + 1 WHERE ctid IN "
                "(SELECT ctid FROM ledger_spend_total LIMIT 1)"
            )
        )
        connection.execute(
            text(
                "DELETE FROM ledger_spend_total WHERE person_id = "
                "(SELECT max(person_id) FROM ledger_spend_total)"
            )
        )
        assert ledger_totals.disagreements(connection) >= 2
        ledger_totals.rebuild(connection)
        assert ledger_totals.disagreements(connection) == 0


def test_the_financial_years_wholly_inside_a_period_and_the_days_outside_them():
    assert whole_financial_years(date(2026, 4, 1), date(2027, 3, 31)) == (range(2026, 2027), [])
    assert whole_financial_years(date(2026, 4, 2), date(2027, 3, 31)) == (
        range(0),
        [(date(2026, 4, 2), date(2027, 3, 31))],
    )
    assert whole_financial_years(date(2026, 3, 31), date(2027, 4, 1)) == (
        range(2026, 2027),
        [(date(2026, 3, 31), date(2026, 3, 31)), (date(2027, 4, 1), date(2027, 4, 1))],
    )
    assert whole_financial_years(date(2025, 1, 1), date(2028, 3, 30)) == (
        range(2025, 2027),
        [(date(2025, 1, 1), date(2025, 3, 31)), (date(2027, 4, 1), date(2028, 3, 30))],
    )


def test_check_finds_kept_totals_that_disagree_and_rebuilds_them_when_asked(services, db_path, keys, capsys):
    from personalbudget.cli import run

    build_demo_caseload(services.context, people=4, seed=7)
    assert run(["check", "--db", str(db_path)], keys=keys) == 0
    with services.context.db.session() as session:
        session.execute(text("UPDATE ledger_spend_total SET spent_pence = spent_pence + 1"))
        changed = session.execute(text("SELECT count(*) FROM ledger_spend_total")).scalar()
    capsys.readouterr()
    assert run(["check", "--db", str(db_path)], keys=keys) == 1
    assert (
        f"{changed} of the ledger totals kept for the anonymised export disagree" in capsys.readouterr().err
    )
    assert run(["check", "--db", str(db_path), "--rebuild-totals"], keys=keys) == 0
    assert run(["check", "--db", str(db_path)], keys=keys) == 0


_PERSON = (
    "INSERT INTO person (id, name, date_of_birth, locality, primary_support_reason, created_at, updated_at) "
    "VALUES (1, 'Nia Rees', '1960-01-02', 'Bryn Vale', 'Unknown', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
_ROWS = (  # (posted on, pence, category): two financial years, money in and out
    ("2026-03-31", -1_000, "transport"),
    ("2026-04-01", -250, "transport"),
    ("2026-04-02", -250, "transport"),
    ("2026-04-03", 65_000, ""),
    ("2026-05-01", -99, ""),
)


def _older_caseload_with_a_ledger(connection) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text(_PERSON))
    for posted_on, pence, category in _ROWS:
        connection.execute(
            text(
                "INSERT INTO ledger_transaction (person_id, posted_on, amount_pence, description, category, "
                "source, recorded_at, recorded_by, row_version) VALUES (1, :d, :p, 'x', :c, 'manual', "
                "'2026-06-01 00:00:00', 'x', 1)"
            ),
            {"d": date.fromisoformat(posted_on), "p": pence, "c": category},
        )


_BACKFILLED = [(2025, 1, 0, "transport", 1_000), (2026, 1, 0, "", 99), (2026, 1, 0, "transport", 500)]


@pytest.mark.fresh_caseload
@pytest.mark.sqlite_only
def test_the_migration_fills_the_kept_totals_of_an_existing_caseload_file(db_path):
    from personalbudget.storage.database import open_database

    old = open_database(db_path, upgrade_to="0014")
    with old.engine.begin() as connection:
        _older_caseload_with_a_ledger(connection)
    old.close()
    upgraded = open_database(db_path)
    try:
        with upgraded.engine.begin() as connection:
            kept = connection.execute(text("SELECT * FROM ledger_spend_total ORDER BY 1, 4")).all()
            assert [tuple(r) for r in kept] == _BACKFILLED
            connection.execute(
                text("DELETE FROM ledger_transaction WHERE amount_pence = -99")
            )  # the triggers too
            assert ledger_totals.disagreements(connection) == 0
            assert connection.execute(text("SELECT count(*) FROM ledger_spend_total")).scalar() == 2
    finally:
        upgraded.close()


def test_the_migration_fills_and_secures_the_kept_totals_of_an_existing_team_caseload(pg_empty_database):
    from personalbudget.storage import postgres_security
    from personalbudget.storage.database import migrate_connection
    from personalbudget.storage.server import make_server_engine, server_url

    engine = make_server_engine(server_url(pg_empty_database.superuser_url))
    try:
        with engine.begin() as connection:
            migrate_connection(connection, "0014")
            postgres_security.apply(connection)  # a team caseload set up before
            _older_caseload_with_a_ledger(connection)
        with engine.begin() as connection:
            migrate_connection(connection)
            kept = connection.execute(text("SELECT * FROM ledger_spend_total ORDER BY 1, 4")).all()
            assert [tuple(r) for r in kept] == _BACKFILLED
            secured = connection.execute(
                text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'ledger_spend_total'"
                )
            ).one()
            assert tuple(secured) == (True, True)
            connection.execute(
                text("UPDATE ledger_transaction SET posted_on = '2026-03-01' WHERE amount_pence = -99")
            )
            assert ledger_totals.disagreements(connection) == 0
            assert (
                connection.execute(
                    text(
                        "SELECT spent_pence FROM ledger_spend_total WHERE year_from = 2025 AND category = ''"
                    )
                ).scalar()
                == 99
            )
    finally:
        engine.dispose()
