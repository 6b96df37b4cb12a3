"""Moving a laptop's caseload to a team caseload on a server (``personalbudget team upload``).

Every table is copied row for row, ids kept, history and audit trail included (the audit chain is
copied as it is, so ``audit verify`` on the server checks the laptop's trail), in ONE transaction
on the server: the upload is whole or nothing. A target that already holds records is refused;
an empty database is given the schema first (the migrations), in the same transaction. A laptop
caseload that holds people taken offline from a team caseload (issue 22) is refused before the
server is reached: they are that team caseload's people, and uploading them would put them on a
second one (or twice on the same one); they are synced back first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import URL, Connection, MetaData, Table, select, text
from sqlalchemy import inspect as sa_inspect

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, ngettext
from personalbudget.storage.database import Database, head_revision, migrate_connection
from personalbudget.storage.server import (
    apply_server_security,
    check_reachable,
    describe,
    make_server_engine,
)

BATCH = 5_000
# The server's own: the migrations write alembic_version; the server's triggers keep ledger_spend_total
# from the ledger rows copied (copying it as well would count them twice).
SKIPPED = {"alembic_version", "ledger_spend_total"}
SETTINGS = {"setting"}  # may hold the set-up's defaults: not records


class UploadRefusedError(PersonalBudgetError):
    """The target is not an empty team caseload, or the laptop's caseload is not up to date."""


@dataclass(frozen=True)
class UploadReport:
    target: str
    rows: dict[str, int]  # table -> rows copied (every table, 0 included)
    schema_created: bool

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _metadata() -> MetaData:
    from sqlmodel import SQLModel

    import personalbudget.storage.access_models
    import personalbudget.storage.charging_models
    import personalbudget.storage.export_models
    import personalbudget.storage.models
    import personalbudget.storage.money_models
    import personalbudget.storage.offline_models
    import personalbudget.storage.review_models  # noqa: F401

    return SQLModel.metadata


def _tables(source: Connection) -> list[Table]:
    """The caseload's tables in an order that puts each after those it refers to."""
    on_file = set(sa_inspect(source).get_table_names()) - SKIPPED
    tables = [t for t in _metadata().sorted_tables if t.name in on_file]
    unknown = on_file - {t.name for t in tables}
    if unknown:
        raise UploadRefusedError(
            _("The caseload has tables this version does not know ({tables}). Nothing was uploaded.").format(
                tables=", ".join(sorted(unknown))
            )
        )
    return tables


def upload_caseload(
    source: Database, target: URL, *, progress: Callable[[str, int], None] | None = None
) -> UploadReport:
    """Copy ``source`` (an open laptop caseload, at the current schema) into the team caseload at
    ``target`` (an empty database, or one set up by ``team setup`` with no records)."""
    with source.engine.connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != head_revision():
        raise UploadRefusedError(
            _("Open the caseload with this version first (it brings it up to date); nothing was uploaded.")
        )
    _refuse_people_held_offline(source)
    engine = make_server_engine(target)
    check_reachable(engine, target)
    counts: dict[str, int] = {}
    try:
        with source.engine.connect() as reading, engine.begin() as writing:
            tables = _tables(reading)
            created = "alembic_version" not in sa_inspect(writing).get_table_names()
            if created:
                migrate_connection(writing)
                apply_server_security(writing)
            else:
                version = writing.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if version != current:
                    raise UploadRefusedError(
                        _(
                            "The team caseload {server} has schema {theirs} and the laptop's caseload {ours}. "
                            "Nothing was uploaded. Use the same version of PersonalBudget for both."
                        ).format(server=describe(target), theirs=version, ours=current)
                    )
            # Settings (the migrations' and the set-up's defaults) may be there already; records may not.
            full = [
                t.name
                for t in tables
                if t.name not in SETTINGS
                and writing.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{t.name}")')).scalar_one()
            ]
            if full:
                raise UploadRefusedError(
                    _(
                        "The team caseload {server} already holds records ({tables}). Nothing was uploaded: "
                        "upload only into a new, empty team caseload."
                    ).format(server=describe(target), tables=", ".join(full))
                )
            # The laptop's trail is copied as it is: the server's audit trigger must not add to it.
            writing.execute(text("SELECT set_config('pb.audit_bulk', 'on', true)"))
            for table in tables:
                copied = 0
                rows = reading.execute(select(table)).mappings()
                while batch := rows.fetchmany(BATCH):
                    if table.name in SETTINGS:  # the laptop's own value of a setting wins
                        key = table.c.key
                        writing.execute(table.delete().where(key.in_([row["key"] for row in batch])))
                    writing.execute(table.insert(), [dict(row) for row in batch])
                    copied += len(batch)
                    if progress is not None:
                        progress(table.name, copied)
                counts[table.name] = copied
                _continue_ids(writing, table)
            # Each copied event is given the person it is about, for the trail's row-level security.
            from personalbudget.storage import postgres_security

            postgres_security.fill_event_people(writing)
    finally:
        engine.dispose()
    return UploadReport(describe(target), counts, created)


def _refuse_people_held_offline(source: Database) -> None:
    """Refused, before anything is sent, while ``source`` holds people taken offline (its
    ``offline_hold`` rows not yet released by a sync, revoked ones included)."""
    # (what offline_copy.laptop_holds reads, and its SERVER_KEY setting: offline_copy imports this
    # module, so the two queries are written here)
    with source.engine.connect() as connection:
        held = int(
            connection.execute(
                text("SELECT count(*) FROM offline_hold WHERE released_at IS NULL")
            ).scalar_one()
        )
        server = connection.execute(text("SELECT value FROM setting WHERE key = 'offline.server'")).scalar()
    if not held:
        return
    raise UploadRefusedError(
        ngettext(
            "{file} holds {n} person taken offline from the team caseload {server}. Nothing was uploaded: "
            "they are on that team caseload already, and uploading them would put them on a server twice. "
            "Sync them back first (File > Sync offline people… in the app, or personalbudget team sync "
            "--db {file} --to postgresql://{server}), then upload.",
            "{file} holds {n} people taken offline from the team caseload {server}. Nothing was uploaded: "
            "they are on that team caseload already, and uploading them would put them on a server twice. "
            "Sync them back first (File > Sync offline people… in the app, or personalbudget team sync "
            "--db {file} --to postgresql://{server}), then upload.",
            held,
        ).format(file=source.path, n=held, server=server or "?")
    )


def _continue_ids(connection: Connection, table: Table) -> None:
    """New rows on the server get ids after the copied ones (the ids were copied as they are)."""
    if "id" not in table.c:
        return
    connection.execute(
        text(
            f'SELECT setval(seq, coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false) '
            f"FROM pg_get_serial_sequence(:t, 'id') AS seq WHERE seq IS NOT NULL"
        ),
        {"t": f'"{table.name}"'},
    )
