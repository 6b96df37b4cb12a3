"""Copying demo people at SQL level: every record of some people, again, under new ids.

The demo builder (``services/demo_service.py``) builds a few hundred people through the services,
then asks for copies of them here, in the same transaction, and gives each copy a new identity.
A copy is every row that belongs to one of the people (a chain of foreign keys leads from it to
``person``: cycles, steps, budgets, plans, money, ledgers, reviews), inserted with its ids moved
past the ones in use and its links to other copied rows moved with them; links to shared rows
(providers, accounts) are kept. The same statements run on a caseload file (SQLite) and a team
caseload (PostgreSQL, whose audit trigger records each copied row as it records any insert).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, text
from sqlalchemy import inspect as sa_inspect

from personalbudget.storage import ledger_totals
from personalbudget.storage.sql import driver


@dataclass(frozen=True)
class OwnedTable:
    name: str
    columns: tuple[str, ...]
    owned_links: dict[str, str]  # column -> the table of people's records it refers to


def _metadata_tables() -> list[Table]:
    from personalbudget.storage.upload import _metadata

    return list(_metadata().sorted_tables)


def owned_tables(connection: Connection) -> list[OwnedTable]:
    """The tables whose rows belong to people, each after the tables it refers to (``person`` first)."""
    on_file = set(sa_inspect(connection).get_table_names())
    owned: dict[str, OwnedTable] = {}
    for table in _metadata_tables():  # sorted: a table comes after those it refers to
        if table.name not in on_file or "id" not in table.c or table.name == ledger_totals.TABLE:
            continue  # (the kept ledger totals: the triggers add the copied ledger rows to them)
        links = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
        owned_links = {column: target for column, target in links.items() if target in owned}
        if table.name == "person" or owned_links:
            columns = tuple(c["name"] for c in sa_inspect(connection).get_columns(table.name))
            owned[table.name] = OwnedTable(table.name, columns, owned_links)
    return list(owned.values())


def highest_ids(connection: Connection, tables: Sequence[OwnedTable]) -> dict[str, int]:
    return {
        t.name: int(connection.execute(text(f'SELECT coalesce(max(id), 0) FROM "{t.name}"')).scalar_one())
        for t in tables
    }


@dataclass(frozen=True)
class CopySource:
    """The rows to copy: those with ids above ``low`` and up to ``high`` in each table, of the
    people with ids up to ``last_person`` (the first people of the batch, when not all are copied)."""

    tables: tuple[OwnedTable, ...]
    low: dict[str, int]
    high: dict[str, int]
    last_person: int

    def span(self, table: str) -> int:
        return self.high[table] - self.low[table]


def reserve_ids(connection: Connection, source: CopySource, copies: int) -> None:
    """On a team caseload, move each table's id sequence past the ids the copies will take, so that
    nothing added meanwhile (or afterwards) is given one of them."""
    if connection.dialect.name != "postgresql":
        return  # a caseload file has one writer, and SQLite continues from the highest id
    for table in source.tables:
        last = source.high[table.name] + copies * source.span(table.name)
        connection.execute(
            text(
                "SELECT setval(seq, greatest(:last, nextval(seq)) + 1, false) "
                "FROM pg_get_serial_sequence(:t, 'id') AS seq WHERE seq IS NOT NULL"
            ),
            {"last": last, "t": f'"{table.name}"'},
        )


def copy_people(connection: Connection, source: CopySource, copy: int) -> list[tuple[int, int]]:
    """Insert copy number ``copy`` (1, 2, ...) of the source's people; returns (original, copy)
    person ids. Copy ``n`` of a row has id ``id + n * span``: the copies' ids never meet."""
    for table in source.tables:
        shift = copy * source.span(table.name)
        values = []
        for column in table.columns:
            if column == "id":
                values.append(f'"id" + {shift}')
            elif (table.name, column) == ("person", "nhs_number"):
                values.append("NULL")  # unique: the copy is given its own (rename_people)
            elif column in table.owned_links:
                values.append(f'"{column}" + {copy * source.span(table.owned_links[column])}')
            else:
                values.append(f'"{column}"')
        where = [f'"id" > {source.low[table.name]}', f'"id" <= {source.high[table.name]}']
        if table.name == "person":
            where.append(f'"id" <= {source.last_person}')
        for column, target in table.owned_links.items():  # only rows whose people are copied
            moved = f'"{column}" + {copy * source.span(target)}'
            where.append(
                f'("{column}" IS NULL OR {moved} IN '
                f'(SELECT "id" FROM "{target}" WHERE "id" > {source.high[target]}))'
            )
        listed = ", ".join(f'"{c}"' for c in table.columns)
        connection.execute(
            text(
                f'INSERT INTO "{table.name}" ({listed}) SELECT {", ".join(values)} FROM "{table.name}" '
                f"WHERE {' AND '.join(where)}"
            )
        )
    shift = copy * source.span("person")
    rows = connection.execute(
        text(
            f'SELECT "id" FROM "person" WHERE "id" > {source.low["person"]} AND "id" <= {source.last_person}'
        )
    )
    return [(row[0], row[0] + shift) for row in rows]


def rename_people(
    connection: Connection,
    people: Sequence[tuple[str, str, str | None, int]],
    representatives: Sequence[tuple[str, str, int]],
    holders: Sequence[tuple[str, str, int]],
) -> None:
    """Give copied people their own identity: (name, date of birth as ISO text, NHS number or None,
    person id); their representatives (name, phone, representative id); and the nominated person
    who holds their money under a representative's name (new name, old name, person id)."""
    raw = driver(connection)
    raw.executemany("UPDATE person SET name = ?, date_of_birth = ?, nhs_number = ? WHERE id = ?", people)
    raw.executemany("UPDATE representative SET name = ?, phone = ? WHERE id = ?", representatives)
    raw.executemany(
        "UPDATE management_share SET held_by = ? WHERE held_by = ? AND management_id IN "
        "(SELECT m.id FROM budget_management m JOIN plan_cycle c ON c.id = m.cycle_id WHERE c.person_id = ?)",
        holders,
    )


def people_representatives(
    connection: Connection, low: int, high: int
) -> list[tuple[int, int, str, str, str]]:
    """The representatives of the people with ids above ``low`` and up to ``high``:
    (person id, representative id, name, role, relationship), in order."""
    rows = connection.execute(
        text(
            "SELECT person_id, id, name, role, relationship FROM representative "
            "WHERE person_id > :low AND person_id <= :high ORDER BY person_id, position, id"
        ),
        {"low": low, "high": high},
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
