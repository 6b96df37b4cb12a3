"""Offline visits with a team caseload (issue 22): take people offline to a laptop caseload, sync
their changes back, settle conflicts field by field, and revoke a lost laptop's holds.

What the UI calls (each on a worker thread for the long ones; none emits Qt signals):

* ``take_offline(server, laptop_path, keys, people, ...)``: copies the people into the laptop's
  encrypted caseload and holds them on the server; ``progress(what, done, of)`` is called as it
  goes and ``cancelled()`` is asked between steps: a cancel (or any failure) leaves neither side
  changed. Returns a ``TakeOfflineReport``.
* ``sync(laptop, server, ...)``: one server transaction per person held; returns a ``SyncReport``
  whose ``people`` say, for each, "applied", "already_applied" (a sync interrupted after the
  server had it) or "conflicts" (with ``conflicts``: ``ConflictView`` rows, field by field, the
  laptop's value, the server's and the original, as a person reads them). Nothing of a person with
  a conflict is applied.
* ``resolve(laptop, person_sync, choices)``: "keep mine" or "keep theirs" per field (``choices``
  maps (table, row id) to {field: "mine" | "theirs"}, or {"*": ...} for the whole row); then
  ``sync`` again.
* ``holds(server)``: who holds whom, on which laptop, since when (what others see);
  ``revoke_laptop_holds(server, laptop_name)``: a manager's, for a lost or stolen laptop.

The server is a ``ServerDatabase`` opened as the signed-in practitioner (``team_caseload``); the
laptop is an open laptop caseload (``open_database``), whose services act as the holder
(``laptop_actor``).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import N_, _
from personalbudget.services.context import ActingDatabase
from personalbudget.services.edit_check import shown
from personalbudget.services.people_service import PERSON_FIELDS
from personalbudget.storage import offline_copy
from personalbudget.storage.database import Database, open_database
from personalbudget.storage.keys import DatabaseKeys, key_file_path
from personalbudget.storage.offline_copy import KEEP_MINE, KEEP_THEIRS, Cancelled, PersonSync, RowConflict
from personalbudget.storage.offline_guard import moment_text
from personalbudget.storage.versioning import display_name

__all__ = [
    "KEEP_MINE",
    "KEEP_THEIRS",
    "Cancelled",
    "ConflictView",
    "FieldConflictView",
    "HoldView",
    "OfflineRefusedError",
    "PersonSync",
    "SyncReport",
    "TakeOfflineReport",
    "holds",
    "laptop_actor",
    "laptop_caseload",
    "resolve",
    "revoke_laptop_holds",
    "sync",
    "take_offline",
]

Progress = Callable[[str, int, int], None]
# The tables people know by name, for the conflict dialog (any other: its own name).
RECORD_NAMES = {
    "person": N_("Person's details"),
    "plan_cycle": N_("Support cycle"),
    "budget_assessment": N_("Assessment"),
    "agreed_budget": N_("Agreed budget"),
    "support_plan": N_("Support plan"),
    "plan_support_item": N_("Support plan line"),
    "review": N_("Review"),
    "ledger_transaction": N_("Payment"),
}


class OfflineRefusedError(PersonalBudgetError):
    """Taking people offline or syncing them was refused, in words; nothing was changed."""


def _database(database: Database | ActingDatabase) -> Database:
    return database.database if isinstance(database, ActingDatabase) else database


def _session_user(server: Database) -> str:
    with server.engine.connect() as connection:
        return str(connection.execute(text("SELECT session_user")).scalar_one())


@dataclass(frozen=True)
class HoldView:
    person_id: int
    held_by: str  # the account name
    holder: str  # the holder's name as people know it
    laptop: str
    since: str  # as a person reads it
    held_since: datetime
    revoked: bool


@dataclass(frozen=True)
class TakeOfflineReport:
    laptop: Path
    people: tuple[int, ...]
    rows: dict[str, int]
    events: int


def _say_held(server_connection: Any, hold: offline_copy.HoldRow) -> str:
    return _("held offline by {holder} on {laptop} since {since}").format(
        holder=display_name(server_connection, hold.held_by),
        laptop=hold.laptop_name,
        since=moment_text(hold.held_since),
    )


def take_offline(
    server: Database | ActingDatabase,
    laptop_path: Path,
    keys: DatabaseKeys | None,
    people: Iterable[int],
    *,
    laptop_name: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> TakeOfflineReport:
    """Copy ``people`` from the team caseload into the laptop caseload at ``laptop_path`` (made,
    encrypted with ``keys``, if it does not exist; else one taken offline from the same server) and
    hold them on the server, in one server transaction. Refused, with nothing changed, for a person
    the signed-in practitioner does not reach or someone else holds; a cancel leaves nothing."""
    server_db = _database(server)
    if not server_db.is_server:
        raise OfflineRefusedError(_("People are taken offline from a team caseload on a server."))
    wanted = sorted(set(people))
    if not wanted:
        raise OfflineRefusedError(_("Choose the people to take offline."))
    name = laptop_name or socket.gethostname()
    path = Path(laptop_path)
    existed = path.exists()
    laptop = open_database(path, keys)
    server_name = str(server_db.path)
    try:
        with server_db.engine.connect() as server_connection, laptop.engine.connect() as laptop_connection:
            server_transaction = server_connection.begin()
            laptop_transaction = laptop_connection.begin()
            try:
                known = offline_copy.setting(laptop_connection, offline_copy.SERVER_KEY)
                if known is not None and known != server_name:
                    raise OfflineRefusedError(
                        _(
                            "People from another team caseload ({server}) are already in {file}. Use a "
                            "new laptop caseload for {this}."
                        ).format(file=path.name, server=known, this=server_name)
                    )
                holder = str(server_connection.execute(text("SELECT session_user")).scalar_one())
                laptop_id = offline_copy.laptop_identity(laptop_connection, name)
                on_laptop = {h.person_id for h in offline_copy.laptop_holds(laptop_connection)}
                holds = []
                for number, person_id in enumerate(wanted, start=1):
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if person_id in on_laptop:
                        raise OfflineRefusedError(
                            _("Person {id} is on this laptop already: sync them first.").format(id=person_id)
                        )
                    visible = server_connection.execute(
                        text("SELECT 1 FROM person WHERE id = :p"), {"p": person_id}
                    ).first()
                    if visible is None:
                        raise OfflineRefusedError(
                            _(
                                "Person {id} is not one of the people you can work with (or is not on the "
                                "caseload). Nobody was taken offline."
                            ).format(id=person_id)
                        )
                    existing = offline_copy.hold_of(server_connection, person_id)
                    if existing is not None and (
                        existing.laptop_id != laptop_id or existing.held_by != holder
                    ):
                        raise OfflineRefusedError(
                            _("Person {id} is {held}. Nobody was taken offline.").format(
                                id=person_id, held=_say_held(server_connection, existing)
                            )
                        )
                    holds.append(
                        offline_copy.take_hold(server_connection, person_id, holder, laptop_id, name)
                    )
                    if progress is not None:
                        progress("hold", number, len(wanted))
                copied = offline_copy.copy_people(
                    server_connection,
                    laptop_connection,
                    holds,
                    server_name=server_name,
                    holder=holder,
                    progress=progress,
                    cancelled=cancelled,
                )
                if cancelled is not None and cancelled():
                    raise Cancelled()
                # The laptop's copy is written, not yet committed; the server's hold commits first (a
                # laptop that fails after it finds its own hold again when taken offline once more).
                server_transaction.commit()
                laptop_transaction.commit()
            except BaseException:
                if server_transaction.is_active:
                    server_transaction.rollback()
                if laptop_transaction.is_active:
                    laptop_transaction.rollback()
                raise
    except BaseException:
        laptop.close()
        if not existed:  # a caseload made for this take-offline goes with it, and so does its key
            _remove_new_laptop_caseload(path, keys)
        raise
    laptop.close()
    return TakeOfflineReport(path, tuple(wanted), copied.rows, copied.events)


def _remove_new_laptop_caseload(path: Path, keys: DatabaseKeys | None) -> None:
    """A laptop caseload that this take-offline made (never one that was there before): its file,
    its journal and key files, and its key in the keyring (the key file says under which id, so it
    goes first). A key left in the keyring would open nothing, ever."""
    if keys is not None:
        with contextlib.suppress(PersonalBudgetError):  # a damaged key file: the original error counts
            keys.forget(path)
    for leftover in (path, *path.parent.glob(path.name + "*"), key_file_path(path)):
        leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class LaptopCaseload:
    """What a laptop caseload holds from a team caseload (for the window's title and its banner)."""

    server: str | None  # host/dbname it was taken from (None: never taken offline)
    holder: str | None  # the practitioner holding its people (its services act as them)
    holds: tuple[HoldView, ...]


def laptop_caseload(laptop: Database | ActingDatabase) -> LaptopCaseload:
    with _database(laptop).engine.connect() as connection:
        rows = offline_copy.laptop_holds(connection)
        server_name = offline_copy.setting(connection, offline_copy.SERVER_KEY)
    views = tuple(
        HoldView(
            h.person_id, h.held_by, h.held_by, h.laptop_name, moment_text(h.held_since), h.held_since, False
        )
        for h in rows
    )
    return LaptopCaseload(server_name, rows[0].held_by if rows else None, views)


def laptop_actor(laptop: Database | ActingDatabase) -> str | None:
    """Who works on this laptop caseload: the practitioner holding its people (its services act as
    them, so the events synced back name the holder); None for a laptop caseload of no holds."""
    with _database(laptop).engine.connect() as connection:
        holds = offline_copy.laptop_holds(connection)
    return holds[0].held_by if holds else None


# -- sync ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldConflictView:
    field: str
    label: str  # the field's name as the record's page shows it
    mine: str
    theirs: str
    original: str


@dataclass(frozen=True)
class ConflictView:
    table: str
    row_id: int
    record: str
    reason: str  # in words
    fields: tuple[FieldConflictView, ...]


REASONS = {
    "changed_on_both": N_("Changed on this laptop and on the server since it was taken offline."),
    "removed_on_server": N_("Changed on this laptop, and removed on the server."),
    "removed_on_laptop": N_("Removed on this laptop, and changed on the server."),
    "hold_revoked": N_(
        "A manager revoked this laptop's hold: choose whether your change goes to the server."
    ),
}


# The fields' names as the pages show them, where a service names them (any other: the column's
# name in words, untranslated).
FIELD_LABELS: dict[str, Mapping[str, str]] = {"person": PERSON_FIELDS}


def field_label(table: str, column: str) -> str:
    label = FIELD_LABELS.get(table, {}).get(column)
    return _(label) if label else column.replace("_", " ").capitalize()


def conflict_view(conflict: RowConflict) -> ConflictView:
    return ConflictView(
        table=conflict.table,
        row_id=conflict.row_id,
        record=_(RECORD_NAMES.get(conflict.table, conflict.table)),
        reason=_(REASONS[conflict.reason]),
        fields=tuple(
            FieldConflictView(
                f.field,
                field_label(conflict.table, f.field),
                shown(f.mine, f.field),
                shown(f.theirs, f.field),
                shown(f.original, f.field),
            )
            for f in conflict.fields
        ),
    )


@dataclass
class SyncReport:
    people: list[PersonSync] = field(default_factory=list)
    # What was not sent, by table (shared records changed on the laptop, people added on it):
    # said, never dropped silently; the laptop keeps them.
    unsent: dict[str, int] = field(default_factory=dict)

    @property
    def applied(self) -> list[int]:
        return [p.person_id for p in self.people if p.status in ("applied", "already_applied")]

    @property
    def with_conflicts(self) -> list[PersonSync]:
        return [p for p in self.people if p.status == "conflicts"]

    def conflicts_of(self, person_id: int) -> list[ConflictView]:
        return [conflict_view(c) for p in self.people if p.person_id == person_id for c in p.conflicts]


def sync(
    laptop: Database | ActingDatabase,
    server: Database | ActingDatabase,
    *,
    people: Iterable[int] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    _before_commit: Callable[[int], None] | None = None,
) -> SyncReport:
    """Send the laptop's changes to the server, one transaction per person (all of the laptop's
    people, or ``people``). A cancel stops between people: those already synced stay synced, the
    rest stay held, nothing is half-sent."""
    laptop_db, server_db = _database(laptop), _database(server)
    me = _session_user(server_db)
    with laptop_db.engine.connect() as connection:
        holds = offline_copy.laptop_holds(connection)
        server_name = offline_copy.setting(connection, offline_copy.SERVER_KEY)
    if server_name is not None and server_name != str(server_db.path):
        raise OfflineRefusedError(
            _("This laptop's people were taken from {server}: sync them there.").format(server=server_name)
        )
    if people is not None:
        chosen = set(people)
        holds = [h for h in holds if h.person_id in chosen]
    report = SyncReport()
    with laptop_db.engine.connect() as connection:
        report.unsent = offline_copy.unsent_changes(connection)
    for number, hold in enumerate(holds, start=1):
        if cancelled is not None and cancelled():
            break
        if hold.held_by != me:
            raise OfflineRefusedError(
                _("These people are held by {holder}: they sign in to sync them.").format(holder=hold.held_by)
            )
        with server_db.engine.connect() as server_connection, laptop_db.engine.connect() as laptop_connection:
            laptop_transaction = laptop_connection.begin()
            server_transaction = server_connection.begin()
            try:
                outcome = offline_copy.sync_person(
                    server_connection,
                    laptop_connection,
                    hold,
                    before_commit=_hook(_before_commit, hold.person_id),
                )
                if outcome.status == "applied":
                    server_transaction.commit()
                else:
                    server_transaction.rollback()
                # The server has the person's changes (now, or in a sync interrupted after its
                # commit): the laptop's copy goes. Interrupted here, the next sync finds the receipt.
                if outcome.status != "conflicts":
                    offline_copy.forget_person(laptop_connection, hold, me, outcome)
                laptop_transaction.commit()
            except BaseException as problem:
                for transaction in (server_transaction, laptop_transaction):
                    if transaction.is_active:
                        transaction.rollback()
                if isinstance(problem, IntegrityError):  # e.g. one statement imported on both sides
                    raise _clash(laptop_connection, hold.person_id) from None
                raise
        report.people.append(outcome)
        if progress is not None:
            progress("person", number, len(holds))
    return report


def _clash(laptop_connection: Any, person_id: int) -> OfflineRefusedError:
    """A change of the laptop's that the server's own records refuse (the same bank statement
    imported on both sides, a plan line removed that a payment imported meanwhile points to)."""
    name = laptop_connection.execute(text("SELECT name FROM person WHERE id = :p"), {"p": person_id}).scalar()
    return OfflineRefusedError(
        _(
            "The server already has a record that {name}'s changes clash with (for example the same bank "
            "statement imported on the laptop and on the server). Nothing of theirs was sent and the laptop "
            "keeps every change: remove the clashing record on the laptop (undo the import there), then "
            "sync again."
        ).format(name=name or person_id)
    )


def _hook(before_commit: Callable[[int], None] | None, person_id: int) -> Callable[[], None] | None:
    if before_commit is None:
        return None
    return lambda: before_commit(person_id)


def resolve(
    laptop: Database | ActingDatabase,
    person: PersonSync,
    choices: Mapping[tuple[str, int], Mapping[str, str]],
) -> None:
    """Settle a person's conflicts on the laptop, field by field ("mine" or "theirs"; "*" for the
    whole row), recorded in the laptop's trail; every conflict must have a choice for each of its
    fields. Then ``sync`` again (the server may have changed once more meanwhile)."""
    laptop_db = _database(laptop)
    for conflict in person.conflicts:
        chosen = choices.get((conflict.table, conflict.row_id), {})
        for f in conflict.fields:
            if (chosen.get(f.field) or chosen.get("*")) not in (KEEP_MINE, KEEP_THEIRS):
                raise OfflineRefusedError(
                    _("Choose yours or the server's for every field shown ({record}: {field}).").format(
                        record=_(RECORD_NAMES.get(conflict.table, conflict.table)), field=f.field
                    )
                )
        if not conflict.fields and chosen.get("*") not in (KEEP_MINE, KEEP_THEIRS):
            raise OfflineRefusedError(_("Choose yours or the server's for every record shown."))
    actor = laptop_actor(laptop_db) or "system"
    with laptop_db.engine.begin() as connection:
        for conflict in person.conflicts:
            chosen = dict(choices.get((conflict.table, conflict.row_id), {}))
            offline_copy.resolve_row(connection, person.person_id, conflict, chosen)
            offline_copy.record_resolution(connection, actor, person.person_id, conflict, chosen)


# -- what others see, and a lost laptop ------------------------------------------------------------------


_HOLD_COLUMNS = "SELECT person_id, held_by, laptop_name, held_since, revoked_at FROM offline_hold "


def _hold_view(connection: Any, row: Any) -> HoldView:
    return HoldView(
        int(row[0]),
        str(row[1]),
        display_name(connection, str(row[1])),
        str(row[2]),
        moment_text(row[3]),
        row[3],
        row[4] is not None,
    )


def holds(server: Database | ActingDatabase) -> list[HoldView]:
    """The holds the signed-in account may see (with the people they may see, their own, and all
    of them for a manager)."""
    with _database(server).engine.connect() as connection:
        rows = connection.execute(
            text(_HOLD_COLUMNS + "WHERE released_at IS NULL ORDER BY held_since, person_id")
        ).fetchall()
        return [_hold_view(connection, r) for r in rows]


def hold_of(server: Database | ActingDatabase, person_id: int) -> HoldView | None:
    """One person's hold still in force (not released, not revoked), or None. Read in the session
    already open when there is one (the workspace opening that person: one transaction, not two)."""
    with _database(server).session() as session:
        connection = session.connection()
        row = connection.execute(
            text(_HOLD_COLUMNS + "WHERE person_id = :p AND released_at IS NULL AND revoked_at IS NULL"),
            {"p": person_id},
        ).first()
        return None if row is None else _hold_view(connection, row)


def revoke_laptop_holds(server: Database | ActingDatabase, laptop_name: str) -> int:
    """A manager revokes every hold of a laptop (lost or stolen): its people can be changed on the
    server again at once; the laptop's copy stays encrypted and its changes, if it ever syncs, come
    as conflicts. Recorded in the server's trail (each hold's update, by the manager). Returns how
    many holds were revoked."""
    with _database(server).engine.begin() as connection:
        manages = connection.execute(text("SELECT pb_security.i_manage(session_user)")).scalar()
        if not manages:
            raise OfflineRefusedError(_("Only a manager of the team's accounts revokes a laptop's holds."))
        done = connection.execute(
            text(
                "UPDATE offline_hold SET revoked_at = now() WHERE laptop_name = :l AND revoked_at IS NULL "
                "AND released_at IS NULL"
            ),
            {"l": laptop_name},
        ).rowcount
    return int(done or 0)
