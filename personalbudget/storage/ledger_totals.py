"""The kept ledger totals (``ledger_spend_total``): the triggers that keep them, on SQLite and PostgreSQL.

The aggregate export publishes what each person spent in the period, per support category. Worked
out from the ledger, that is a scan of every ledger row of the caseload (about a million at 50,000
people: most of the export's time, issue 18). So the money out is also kept, per financial year,
person, linked plan item and the row's own category, by triggers on ``ledger_transaction``: every
insert, edit and delete of a ledger row changes the kept total in the same statement, so in the
same transaction, whatever writes it (the services, a statement import, the demo's SQL copies, a
team upload, an ON DELETE of a person or a plan item). Nothing in the app writes the table itself.

The key holds only what the ledger row holds (the item's id, not its category), so editing a plan
item, or deleting it (its rows' ``plan_item_id`` is set to NULL, an UPDATE the triggers see), never
leaves a kept total wrong: the export joins the item's category when it reads them, as it does for
the ledger rows. ``disagreements`` compares the kept totals with the ledger (``personalbudget
check``); ``rebuild`` works them out again from the ledger (the migration's backfill).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

TABLE = "ledger_spend_total"
KEY = ("year_from", "person_id", "plan_item_id", "category")
_WATCHED = "person_id, posted_on, amount_pence, plan_item_id, category"


def year_from_sql(dialect: str, date_column: str) -> str:
    """SQL for the financial year (1 April to 31 March) a date falls in, as the year it starts in."""
    if dialect == "postgresql":  # a DATE: three months back, the year is the financial year's first
        return f"CAST(EXTRACT(YEAR FROM ({date_column} - INTERVAL '3 months')) AS INTEGER)"
    # A caseload file holds dates as ISO text (YYYY-MM-DD): January to March belong to the year before.
    return f"(CAST(substr({date_column}, 1, 4) AS INTEGER) - (substr({date_column}, 6, 2) < '04'))"


def _key_values(dialect: str, row: str) -> list[str]:
    """The kept key of a ledger row (``NEW`` or ``OLD`` in a trigger, or a table's alias), in KEY's order."""
    return [
        year_from_sql(dialect, f"{row}.posted_on"),
        f"{row}.person_id",
        f"coalesce({row}.plan_item_id, 0)",
        f"coalesce({row}.category, '')",
    ]


def _matches(dialect: str, row: str) -> str:
    values = _key_values(dialect, row)
    return " AND ".join(f"{column} = {value}" for column, value in zip(KEY, values, strict=True))


def _add(dialect: str, row: str) -> str:
    """Add a ledger row's money out to its kept total (a new key starts at it)."""
    return (
        f"INSERT INTO {TABLE} ({', '.join(KEY)}, spent_pence) "
        f"SELECT {', '.join(_key_values(dialect, row))}, -{row}.amount_pence WHERE {row}.amount_pence < 0 "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET spent_pence = {TABLE}.spent_pence + excluded.spent_pence"
    )


def _take_away(dialect: str, row: str) -> list[str]:
    """Take a ledger row's money out from its kept total, removing a total that comes back to 0."""
    where = f"{row}.amount_pence < 0 AND {_matches(dialect, row)}"
    return [
        f"UPDATE {TABLE} SET spent_pence = spent_pence + {row}.amount_pence WHERE {where}",
        f"DELETE FROM {TABLE} WHERE {where} AND spent_pence = 0",
    ]


def trigger_sql(dialect: str) -> list[str]:
    """The statements that (re)create the triggers keeping ``ledger_spend_total``, for ``dialect``."""
    if dialect == "postgresql":
        take_away = ";\n    ".join(_take_away(dialect, "OLD"))
        return [
            "CREATE OR REPLACE FUNCTION public.pb_keep_ledger_spend() RETURNS trigger "
            "LANGUAGE plpgsql SET search_path = public, pg_temp AS $$\n"
            "BEGIN\n"
            "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
            f"    {take_away};\n"
            "  END IF;\n"
            "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
            f"    {_add(dialect, 'NEW')};\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$",
            "DROP TRIGGER IF EXISTS pb_keep_ledger_spend ON ledger_transaction",
            "CREATE TRIGGER pb_keep_ledger_spend AFTER INSERT OR DELETE OR UPDATE OF "
            f"{_WATCHED} ON ledger_transaction FOR EACH ROW EXECUTE FUNCTION public.pb_keep_ledger_spend()",
        ]
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]
    statements += [
        "CREATE TRIGGER ledger_spend_insert AFTER INSERT ON ledger_transaction FOR EACH ROW "
        f"WHEN NEW.amount_pence < 0 BEGIN {_add(dialect, 'NEW')}; END",
        "CREATE TRIGGER ledger_spend_delete AFTER DELETE ON ledger_transaction FOR EACH ROW "
        f"WHEN OLD.amount_pence < 0 BEGIN {'; '.join(_take_away(dialect, 'OLD'))}; END",
        f"CREATE TRIGGER ledger_spend_update AFTER UPDATE OF {_WATCHED} ON ledger_transaction FOR EACH ROW "
        f"WHEN OLD.amount_pence < 0 OR NEW.amount_pence < 0 BEGIN "
        f"{'; '.join(_take_away(dialect, 'OLD'))}; {_add(dialect, 'NEW')}; END",
    ]
    return statements


_SQLITE_TRIGGERS = ("ledger_spend_insert", "ledger_spend_delete", "ledger_spend_update")


def drop_sql(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS pb_keep_ledger_spend ON ledger_transaction",
            "DROP FUNCTION IF EXISTS public.pb_keep_ledger_spend()",
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]


def _from_ledger(dialect: str) -> str:
    """The kept totals worked out from the ledger rows: (year_from, person, item or 0, category, pence)."""
    named = ", ".join(
        f"{value} AS {column}" for value, column in zip(_key_values(dialect, "t"), KEY, strict=True)
    )
    return (
        f"SELECT {named}, -sum(t.amount_pence) AS spent_pence FROM ledger_transaction t "
        "WHERE t.amount_pence < 0 GROUP BY 1, 2, 3, 4"
    )


def install(connection: Connection) -> None:
    """Create the triggers (again) on this caseload."""
    for statement in trigger_sql(connection.dialect.name):
        connection.execute(text(statement))


def rebuild(connection: Connection) -> None:
    """Work every kept total out again from the ledger (in the caller's transaction)."""
    connection.execute(text(f"DELETE FROM {TABLE}"))
    connection.execute(
        text(f"INSERT INTO {TABLE} ({', '.join(KEY)}, spent_pence) {_from_ledger(connection.dialect.name)}")
    )


def disagreements(connection: Connection) -> int:
    """How many kept totals disagree with the ledger (missing, extra or different), counted by
    key: 0 when all agree. One pass over the ledger rows."""
    kept = f"SELECT {', '.join(KEY)}, spent_pence FROM {TABLE}"
    ledger = _from_ledger(connection.dialect.name)
    key = ", ".join(KEY)
    return int(
        connection.execute(
            text(
                f"WITH kept AS ({kept}), ledger AS ({ledger}) SELECT count(*) FROM ("
                f"SELECT {key} FROM (SELECT * FROM kept EXCEPT SELECT * FROM ledger) AS extra UNION "
                f"SELECT {key} FROM (SELECT * FROM ledger EXCEPT SELECT * FROM kept) AS missing) AS differing"
            )
        ).scalar_one()
    )
