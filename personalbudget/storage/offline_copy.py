"""Offline visits with a team caseload (issue 22): copying people to a laptop caseload and their
changes back, row by row, ids and row versions kept.

**Taking people offline** (``take_offline``) copies each person's rows (every person-scoped table
of ``postgres_security.SCOPES``: the person, cycles, steps and history, budget, plans, money,
reviews), the shared tables their rows refer to (providers, uplifts, statement mappings), the
settings and the server's audit events about them into a laptop caseload (an encrypted SQLite file),
and records the hold on the server, all in one server transaction. The laptop keeps, for every row,
the server's values as they were (``offline_original``), the hold (``offline_hold``: the server, the
laptop's id, the sync id) and its own trail, which starts there.

**Syncing** (``sync_person``) sends one person's changes in one server transaction: each row the
laptop changed, added or removed is applied only if the server's row is still exactly the one taken
offline; otherwise it is a conflict, described field by field (the laptop's value, the server's, the
original), and nothing of that person is applied. Rows added on the laptop get the server's next
ids (and the rows that refer to them follow). The laptop's audit events about the person, with their
real times and author, are appended to the server's chain (``pb_security.append_offline_event``;
the server's trigger writes no events of its own for the sync's rows), the sync's id is recorded
(``offline_sync``) and the hold released, in the same transaction: a sync run again after any
interruption finds its receipt and applies nothing twice. Then the laptop removes its copy of the
person. A hold a manager revoked makes every change a conflict until resolved (``resolve``).

Everything here is storage: the messages and the checks a person meets are in
``services/offline_service.py``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, literal_column, select, text
from sqlmodel import Session

from personalbudget.storage import audit
from personalbudget.storage.postgres_security import _PERSON_OF, OFFLINE_SYNC, SCHEMA, SCOPES
from personalbudget.storage.versioning import ROW_VERSION

# Tables that are not anyone's but that people's rows refer to: copied whole, never synced back.
REFERENCE_TABLES = ("provider", "statement_mapping", "budget_uplift")
# Settings the laptop keeps its own of (its trail's head, its keys, its offline identity).
OWN_SETTINGS = ("audit.%", "security.%", "offline.%")
LAPTOP_ID_KEY = "offline.laptop_id"
LAPTOP_NAME_KEY = "offline.laptop_name"
SERVER_KEY = "offline.server"
NOT_SYNCED = ("id",)
SHARED_ROWS = 0  # the "person" of the originals of the shared rows (no one's)
# The table of each kind of parent in postgres_security.SCOPES.
PARENT_TABLES = {
    "cycle": "plan_cycle",
    "plan": "support_plan",
    "agreed_budget": "agreed_budget",
    "management": "budget_management",
    "review": "review",
}  # (a row's id is its key; row_version is the server's to raise)

Progress = Callable[[str, int, int], None]  # (what, done, of)


class Cancelled(Exception):
    """The caller's cancel flag was set: nothing was changed on either side."""


def _tables() -> list[Table]:
    from personalbudget.storage.upload import _metadata

    return list(_metadata().sorted_tables)


def person_tables() -> list[Table]:
    """The person-scoped tables, each after the tables it refers to."""
    return [t for t in _tables() if t.name in SCOPES]


def table(name: str) -> Table:
    from personalbudget.storage.upload import _metadata

    return _metadata().tables[name]


def _person_expr(t: Table) -> str:
    """SQL for the person a row of ``t`` is about (a person-scoped table)."""
    kind, column = SCOPES[t.name]
    if kind in ("self", "person"):
        return f'"{t.name}".{column}'
    return "(" + _PERSON_OF[kind].replace("public.", "").replace("$1", f'"{t.name}".{column}') + ")"


def rows_of(connection: Connection, t: Table, people: Iterable[int]) -> list[tuple[int, dict[str, Any]]]:
    """The rows of ``t`` about these people, as (person, row) pairs, by id."""
    ids = sorted(set(people))
    if not ids:
        return []
    person: Any = literal_column(_person_expr(t))
    query = select(t, person.label("_pb_person")).where(person.in_(ids)).order_by(t.c.id)
    found = []
    for row in connection.execute(query).mappings():
        values = {c.name: row[c.name] for c in t.columns}
        found.append((int(row["_pb_person"]), values))
    return found


def plain(value: Any) -> Any:
    """A value as JSON keeps it, the same from SQLite and from PostgreSQL."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "value") and not isinstance(value, int | str | float | bool):  # an enum
        return value.value
    return value


def canonical(row: Mapping[str, Any]) -> str:
    return json.dumps({k: plain(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False)


def _set_many(connection: Connection, pairs: Mapping[str, str]) -> None:
    for key, value in pairs.items():
        connection.execute(
            text(
                "INSERT INTO setting (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = :v"
            ),
            {"k": key, "v": value},
        )


def setting(connection: Connection, key: str) -> str | None:
    value = connection.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": key}).scalar()
    return None if value is None else str(value)


def laptop_identity(connection: Connection, laptop_name: str) -> str:
    """The laptop caseload's id (made at its first take-offline, kept in its settings)."""
    laptop_id = setting(connection, LAPTOP_ID_KEY)
    if laptop_id is None:
        laptop_id = secrets.token_urlsafe(18)
        _set_many(connection, {LAPTOP_ID_KEY: laptop_id, LAPTOP_NAME_KEY: laptop_name})
    return laptop_id


def _record(
    connection: Connection, actor: str, action: str, table_name: str, row_id: str, summary: Any
) -> None:
    with Session(bind=connection) as session:
        audit.record_event(
            session, actor=actor, action=action, table=table_name, row_id=row_id, summary=summary
        )


# -- taking people offline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldRow:
    id: int
    person_id: int
    held_by: str
    laptop_id: str
    laptop_name: str
    held_since: datetime
    sync_id: str
    revoked_at: datetime | None = None
    revoked_by: str = ""
    released_at: datetime | None = None


def hold_of(server: Connection, person_id: int) -> HoldRow | None:
    """The person's hold on the server (not revoked, not released), read past row-level security."""
    row = (
        server.execute(
            text(
                f"SELECT id, person_id, held_by, laptop_id, laptop_name, held_since, sync_id FROM {SCHEMA}.hold_of(:p)"
            ),
            {"p": person_id},
        )
        .mappings()
        .first()
    )
    return HoldRow(**row) if row and row["id"] is not None else None


def server_hold(server: Connection, sync_id: str) -> HoldRow | None:
    """The hold with this sync id, as the session may see it (its holder always does)."""
    row = (
        server.execute(
            text(
                "SELECT id, person_id, held_by, laptop_id, laptop_name, held_since, sync_id, revoked_at, "
                "revoked_by, released_at FROM offline_hold WHERE sync_id = :s"
            ),
            {"s": sync_id},
        )
        .mappings()
        .first()
    )
    return HoldRow(**row) if row else None


def take_hold(server: Connection, person_id: int, holder: str, laptop_id: str, laptop_name: str) -> HoldRow:
    """Record the hold on the server (the server stamps its time), or find this laptop's own hold
    left by a take-offline whose laptop side did not finish."""
    existing = hold_of(server, person_id)
    if existing is not None and existing.laptop_id == laptop_id and existing.held_by == holder:
        return existing
    row = (
        server.execute(
            text(
                "INSERT INTO offline_hold (person_id, held_by, laptop_id, laptop_name, held_since, sync_id, "
                "server, revoked_by) VALUES (:p, :by, :lid, :lname, now(), :sid, '', '') "
                "RETURNING id, person_id, held_by, laptop_id, laptop_name, held_since, sync_id"
            ),
            {
                "p": person_id,
                "by": holder,
                "lid": laptop_id,
                "lname": laptop_name,
                "sid": secrets.token_urlsafe(18),
            },
        )
        .mappings()
        .one()
    )
    return HoldRow(**row)


@dataclass
class Copied:
    rows: dict[str, int] = field(default_factory=dict)
    events: int = 0


def copy_people(
    server: Connection,
    laptop: Connection,
    holds: list[HoldRow],
    *,
    server_name: str,
    holder: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Copied:
    """Copy the held people's rows, the shared rows they refer to, the settings and their server
    events into the laptop (both connections in their transactions; the caller commits)."""
    people = [h.person_id for h in holds]
    copied = Copied()
    tables = [t for t in _tables() if t.name in SCOPES or t.name in REFERENCE_TABLES]
    for number, t in enumerate(tables, start=1):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if t.name in REFERENCE_TABLES:  # (those the laptop has already stay as they are)
            there = {row[0] for row in laptop.execute(select(t.c.id))}
            rows = [dict(r) for r in server.execute(select(t)).mappings() if r["id"] not in there]
            if rows:
                laptop.execute(t.insert(), rows)
                laptop.execute(
                    table("offline_original").insert(),
                    [
                        {
                            "table_name": t.name,
                            "row_id": row["id"],
                            "person_id": SHARED_ROWS,
                            "snapshot": canonical(row),
                            "confirmed": False,
                        }
                        for row in rows
                    ],
                )
        else:
            pairs = rows_of(server, t, people)
            rows = [row for _person, row in pairs]
            if rows:
                laptop.execute(t.insert(), rows)
                originals = table("offline_original")
                laptop.execute(
                    originals.insert(),
                    [
                        {
                            "table_name": t.name,
                            "row_id": row["id"],
                            "person_id": person,
                            "snapshot": canonical(row),
                            "confirmed": False,
                        }
                        for person, row in pairs
                    ],
                )
        copied.rows[t.name] = len(rows)
        if progress is not None:
            progress(t.name, number, len(tables))
    # The settings the services read (money, access, reviews...), not the laptop's own.
    own = " AND ".join(f"key NOT LIKE '{k}'" for k in OWN_SETTINGS)  # (constants)
    settings = server.execute(text(f"SELECT key, value FROM setting WHERE {own}")).fetchall()
    _set_many(laptop, {str(k): str(v) for k, v in settings})
    _set_many(laptop, {SERVER_KEY: server_name})
    # The server's events about them (the laptop's own trail is a chain of its own).
    events = server.execute(
        text(
            "SELECT id, person_id, at, actor, action, table_name, row_id, summary FROM audit_event "
            "WHERE person_id IN :people ORDER BY id"
        ).bindparams(_expanding("people")),
        {"people": people},
    ).mappings()
    event_table = table("offline_server_event")
    batch = [dict(e) for e in events]
    if batch:
        laptop.execute(event_table.delete().where(event_table.c.id.in_([e["id"] for e in batch])))
        laptop.execute(event_table.insert(), batch)
    copied.events = len(batch)
    hold_table = table("offline_hold")
    for hold in holds:
        laptop.execute(
            hold_table.insert(),
            {
                "person_id": hold.person_id,
                "held_by": hold.held_by,
                "laptop_id": hold.laptop_id,
                "laptop_name": hold.laptop_name,
                "held_since": hold.held_since,
                "sync_id": hold.sync_id,
                "server": server_name,
                "revoked_by": "",
            },
        )
        _record(
            laptop,
            holder,
            "take_offline",
            "offline_hold",
            str(hold.person_id),
            {"person_id": hold.person_id, "server": server_name, "held_since": plain(hold.held_since)},
        )
    return copied


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def laptop_holds(laptop: Connection) -> list[HoldRow]:
    """The people this laptop caseload holds (not yet synced back)."""
    holds = table("offline_hold")
    names = ("id", "person_id", "held_by", "laptop_id", "laptop_name", "held_since", "sync_id", "revoked_at",
             "revoked_by", "released_at")  # fmt: skip
    query = (
        select(*(holds.c[n] for n in names)).where(holds.c.released_at.is_(None)).order_by(holds.c.person_id)
    )
    return [HoldRow(**r) for r in laptop.execute(query).mappings()]


# -- what changed on the laptop ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowChange:
    table: str
    row_id: int
    action: str  # insert | update | delete
    mine: dict[str, Any] | None  # the laptop's row (None: removed on the laptop)
    original: dict[str, Any] | None  # as taken offline (plain values; None: made on the laptop)
    confirmed: bool


def laptop_changes(laptop: Connection, person_id: int) -> list[RowChange]:
    """Every row of the person the laptop added, changed or removed since it was taken offline, in
    the order the tables refer to each other."""
    originals: dict[tuple[str, int], tuple[str | None, bool]] = {
        (str(r[0]), int(r[1])): (r[2], bool(r[3]))
        for r in laptop.execute(
            text("SELECT table_name, row_id, snapshot, confirmed FROM offline_original WHERE person_id = :p"),
            {"p": person_id},
        )
    }
    changes: list[RowChange] = []
    for t in person_tables():
        seen: set[int] = set()
        for _person, row in rows_of(laptop, t, [person_id]):
            seen.add(row["id"])
            snapshot, confirmed = originals.get((t.name, row["id"]), (None, False))
            if snapshot is None:
                changes.append(RowChange(t.name, row["id"], "insert", row, None, confirmed))
            elif canonical(row) != snapshot:
                changes.append(RowChange(t.name, row["id"], "update", row, json.loads(snapshot), confirmed))
        for (name, row_id), (snapshot, confirmed) in originals.items():
            if name == t.name and row_id not in seen and snapshot is not None:
                changes.append(RowChange(t.name, row_id, "delete", None, json.loads(snapshot), confirmed))
    return changes


def unsent_changes(laptop: Connection) -> dict[str, int]:
    """What a sync does not send, by table, so that it is said rather than dropped silently: the
    shared records (providers, uplifts, statement mappings) changed or added on the laptop, and
    people added on the laptop (only the people it holds are synced)."""
    unsent: dict[str, int] = {}
    originals = {
        (str(r[0]), int(r[1])): r[2]
        for r in laptop.execute(
            text("SELECT table_name, row_id, snapshot FROM offline_original WHERE person_id = :p"),
            {"p": SHARED_ROWS},
        )
    }
    for name in REFERENCE_TABLES:
        t = table(name)
        changed = sum(
            1
            for row in laptop.execute(select(t)).mappings()
            if originals.get((name, row["id"])) != canonical({c.name: row[c.name] for c in t.columns})
        )
        if changed:
            unsent[name] = changed
    held = {h.person_id for h in laptop_holds(laptop)}
    synced = {
        int(r[0])
        for r in laptop.execute(text("SELECT person_id FROM offline_hold WHERE released_at IS NOT NULL"))
    }
    added = [
        r[0] for r in laptop.execute(text("SELECT id FROM person")) if r[0] not in held and r[0] not in synced
    ]
    if added:
        unsent["person"] = len(added)
    return unsent


# -- conflicts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldConflict:
    field: str
    mine: Any  # the laptop's value (None where the laptop removed the row)
    theirs: Any  # the server's now (None where the server removed the row)
    original: Any  # as taken offline (None for a row made on the laptop)


@dataclass(frozen=True)
class RowConflict:
    """One row the laptop and the server (or a revoked hold) disagree on."""

    table: str
    row_id: int
    reason: str  # changed_on_both | removed_on_server | removed_on_laptop | hold_revoked
    fields: tuple[FieldConflict, ...]
    server_row: dict[str, Any] | None  # the server's row now (what "keep theirs" takes)


def _conflict(change: RowChange, server_row: dict[str, Any] | None, reason: str) -> RowConflict:
    mine = {k: plain(v) for k, v in (change.mine or {}).items()}
    theirs = {k: plain(v) for k, v in (server_row or {}).items()}
    original = change.original or {}
    names = [c.name for c in table(change.table).columns if c.name not in (ROW_VERSION, "id")]
    fields = tuple(
        FieldConflict(n, mine.get(n), theirs.get(n), original.get(n))
        for n in names
        if mine.get(n) != theirs.get(n)
    )
    return RowConflict(change.table, change.row_id, reason, fields, server_row)


# -- sync --------------------------------------------------------------------------------------------------


@dataclass
class PersonSync:
    person_id: int
    status: str  # applied | already_applied | conflicts
    rows_applied: int = 0
    events_appended: int = 0
    conflicts: list[RowConflict] = field(default_factory=list)
    revoked: bool = False


def _row(server: Connection, t: Table, row_id: int) -> dict[str, Any] | None:
    row = server.execute(select(t).where(t.c.id == row_id)).mappings().first()
    return {c.name: row[c.name] for c in t.columns} if row else None


def find_conflicts(server: Connection, changes: list[RowChange], revoked: bool) -> list[RowConflict]:
    conflicts = []
    for change in changes:
        t = table(change.table)
        current = _row(server, t, change.row_id) if change.action != "insert" else None
        if change.action == "insert":
            if revoked and not change.confirmed:
                conflicts.append(_conflict(change, None, "hold_revoked"))
            continue
        unchanged = current is not None and canonical(current) == json.dumps(
            change.original, sort_keys=True, ensure_ascii=False
        )
        if change.action == "delete" and current is None:
            continue  # removed on both sides
        if not unchanged:
            reason = (
                "removed_on_server"
                if current is None
                else ("removed_on_laptop" if change.mine is None else "changed_on_both")
            )
            conflicts.append(_conflict(change, current, reason))
        elif revoked and not change.confirmed:
            conflicts.append(_conflict(change, current, "hold_revoked"))
    return conflicts


def _remapped(t: Table, row: dict[str, Any], ids: dict[tuple[str, int], int]) -> dict[str, Any]:
    out = dict(row)
    for fk in t.foreign_keys:
        name = fk.parent.name
        value = out.get(name)
        if value is not None and (fk.column.table.name, value) in ids:
            out[name] = ids[(fk.column.table.name, value)]
    return out


def apply_changes(server: Connection, changes: list[RowChange]) -> dict[tuple[str, int], int]:
    """Write the laptop's rows on the server (inserts and updates in the tables' order, removals in
    reverse). Returns the ids the server gave the rows made on the laptop."""
    ids: dict[tuple[str, int], int] = {}
    for change in changes:
        if change.action == "delete" or change.mine is None:
            continue
        t = table(change.table)
        values = _remapped(t, change.mine, ids)
        if change.action == "insert":
            values = {k: v for k, v in values.items() if k != "id"}
            if ROW_VERSION in t.c:
                values[ROW_VERSION] = 1
            new_id = server.execute(t.insert().values(values).returning(t.c.id)).scalar_one()
            ids[(t.name, change.row_id)] = int(new_id)
        else:
            values = {k: v for k, v in values.items() if k not in NOT_SYNCED}
            if ROW_VERSION in t.c:
                values[ROW_VERSION] = t.c[ROW_VERSION] + 1
            server.execute(t.update().where(t.c.id == change.row_id).values(values))
    for change in reversed(changes):
        if change.action == "delete":
            t = table(change.table)
            server.execute(t.delete().where(t.c.id == change.row_id))
    return ids


@dataclass(frozen=True)
class LaptopEvent:
    id: int
    at: str
    actor: str
    action: str
    table_name: str
    row_id: str
    summary: str


def laptop_events(laptop: Connection, person_id: int, changes: list[RowChange]) -> list[LaptopEvent]:
    """The laptop's own events about the person since it was taken offline (its trail starts with
    the take-offline), in order."""
    start = laptop.execute(
        text(
            "SELECT min(id) FROM audit_event WHERE action = 'take_offline' AND table_name = 'offline_hold' "
            "AND row_id = :p"
        ),
        {"p": str(person_id)},
    ).scalar()
    if start is None:
        return []
    mine: set[tuple[str, str]] = {(c.table, str(c.row_id)) for c in changes} | {("person", str(person_id))}
    for t in person_tables():
        mine |= {(t.name, str(row["id"])) for _p, row in rows_of(laptop, t, [person_id])}
    for name, row_id in laptop.execute(
        text("SELECT table_name, row_id FROM offline_original WHERE person_id = :p"), {"p": person_id}
    ):
        mine.add((str(name), str(row_id)))
    found = []
    for row in laptop.execute(
        text(
            "SELECT id, at, actor, action, table_name, row_id, summary FROM audit_event WHERE id >= :s ORDER BY id"
        ),
        {"s": start},
    ):
        event = LaptopEvent(int(row[0]), str(row[1]), *(str(v) for v in row[2:]))
        about = (event.table_name, event.row_id) in mine
        if event.table_name == "offline_hold":
            about = event.row_id == str(person_id)
        elif not about and event.table_name in SCOPES:
            # A row made and removed again on the laptop: its events name the record it belonged
            # to (the person, or a cycle, plan... of theirs; the ids are among the values kept).
            kind, column = SCOPES[event.table_name]
            try:
                named = json.loads(event.summary).get("person_id" if kind == "self" else column)
            except (ValueError, AttributeError):
                named = None
            values = named if isinstance(named, list) else [named]
            parent = "person" if kind in ("self", "person") else PARENT_TABLES[kind]
            about = any(v is not None and (parent, str(v)) in mine for v in values) or (
                parent == "person" and person_id in values
            )
            if about:
                mine.add((event.table_name, event.row_id))
        if about:
            found.append(event)
    return found


OFFLINE_AUTHOR = "offline_author"


def _with_author(summary: str, actor: str) -> str:
    """An event's summary naming who made it on the laptop (the server's event names the holder:
    an account names no one else on the server)."""
    try:
        fields = json.loads(summary)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        fields = {"summary": summary}
    fields[OFFLINE_AUTHOR] = actor
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def sync_person(
    server: Connection, laptop: Connection, hold: HoldRow, *, before_commit: Callable[[], None] | None = None
) -> PersonSync:
    """One person's changes, in the server connection's transaction (the caller begins it and
    commits when this returns "applied"; anything else is rolled back by the caller)."""
    result = PersonSync(hold.person_id, "applied")
    server.execute(
        text("SELECT set_config(:k, :v, true)"),
        {"k": OFFLINE_SYNC, "v": f"{hold.laptop_id}:{hold.person_id}"},
    )
    done = server.execute(text("SELECT 1 FROM offline_sync WHERE sync_id = :s"), {"s": hold.sync_id}).first()
    if done is not None:
        result.status = "already_applied"
        return result
    on_server = server_hold(server, hold.sync_id)
    result.revoked = on_server is None or on_server.revoked_at is not None
    changes = laptop_changes(laptop, hold.person_id)
    result.conflicts = find_conflicts(server, changes, result.revoked)
    if result.conflicts:
        result.status = "conflicts"
        return result
    ids = apply_changes(server, changes)
    result.rows_applied = len(changes)
    for event in laptop_events(laptop, hold.person_id, changes):
        row_id = event.row_id
        if row_id.isdigit() and (event.table_name, int(row_id)) in ids:
            row_id = str(ids[(event.table_name, int(row_id))])
        summary = event.summary
        if event.actor != hold.held_by:  # the server names the holder; who it was on the laptop is kept
            summary = _with_author(summary, event.actor)
        server.execute(
            text(f"SELECT {SCHEMA}.append_offline_event(:at, :action, :t, :r, :s, :p)"),
            {
                "at": event.at,
                "action": event.action,
                "t": event.table_name,
                "r": row_id,
                "s": summary,
                "p": hold.person_id,
            },
        )
        result.events_appended += 1
    server.execute(
        text(
            "INSERT INTO offline_sync (sync_id, person_id, laptop_id, synced_by, synced_at, rows_applied, "
            "events_appended) VALUES (:s, :p, :l, session_user, now(), :n, :e)"
        ),
        {
            "s": hold.sync_id,
            "p": hold.person_id,
            "l": hold.laptop_id,
            "n": result.rows_applied,
            "e": result.events_appended,
        },
    )
    if on_server is not None:
        server.execute(
            text("UPDATE offline_hold SET released_at = now() WHERE sync_id = :s"), {"s": hold.sync_id}
        )
    if before_commit is not None:
        before_commit()
    return result


def forget_person(laptop: Connection, hold: HoldRow, actor: str, outcome: PersonSync | None) -> None:
    """After the server has the person's changes: the laptop's copy of the person goes (their
    rows, originals and copied events); its trail keeps what happened, and says it was synced."""
    for t in reversed(person_tables()):
        ids = [row["id"] for _p, row in rows_of(laptop, t, [hold.person_id])]
        if ids:
            laptop.execute(t.delete().where(t.c.id.in_(ids)))
    laptop.execute(text("DELETE FROM offline_original WHERE person_id = :p"), {"p": hold.person_id})
    laptop.execute(text("DELETE FROM offline_server_event WHERE person_id = :p"), {"p": hold.person_id})
    laptop.execute(
        text("UPDATE offline_hold SET released_at = :now WHERE sync_id = :s"),
        {"now": datetime.now(UTC), "s": hold.sync_id},
    )
    _record(
        laptop,
        actor,
        "synced",
        "offline_hold",
        str(hold.person_id),
        {
            "person_id": hold.person_id,
            "rows_applied": outcome.rows_applied if outcome else None,
            "events_appended": outcome.events_appended if outcome else None,
        },
    )


# -- resolving conflicts -------------------------------------------------------------------------------


KEEP_MINE = "mine"
KEEP_THEIRS = "theirs"


def resolve_row(
    laptop: Connection, person_id: int, conflict: RowConflict, choices: Mapping[str, str]
) -> None:
    """Settle one row's conflict on the laptop: each field keeps the laptop's value or takes the
    server's; the row's original becomes the server's row now, so the next sync applies the result
    if the server has not changed it again. A row removed on one side: "theirs" follows the server
    (removes it here, or puts the server's row back), "mine" keeps the laptop's (sent as new, or
    removed on the server)."""
    t = table(conflict.table)
    laptop_row = _row(laptop, t, conflict.row_id)
    theirs = conflict.server_row
    originals = table("offline_original")
    key = (originals.c.table_name == t.name) & (originals.c.row_id == conflict.row_id)
    whole = choices.get("*")
    picked = {choices.get(f.field) or whole for f in conflict.fields} or {whole}
    if theirs is None:  # removed on the server (or the row was made on the laptop under a revoked hold)
        if KEEP_THEIRS in picked:  # no row, as on the server
            laptop.execute(t.delete().where(t.c.id == conflict.row_id))
            laptop.execute(originals.delete().where(key))
            return
        laptop.execute(originals.delete().where(key))  # mine: sent as a new row
        laptop.execute(
            originals.insert(),
            {
                "table_name": t.name,
                "row_id": conflict.row_id,
                "person_id": person_id,
                "snapshot": None,
                "confirmed": True,
            },
        )
        return
    if laptop_row is None:  # removed on the laptop, changed on the server
        if KEEP_THEIRS in picked:
            laptop.execute(t.insert(), dict(theirs))
            laptop.execute(originals.delete().where(key))
            laptop.execute(
                originals.insert(),
                {
                    "table_name": t.name,
                    "row_id": conflict.row_id,
                    "person_id": person_id,
                    "snapshot": canonical(theirs),
                    "confirmed": True,
                },
            )
            return
    else:
        values = {
            f.field: theirs[f.field]
            for f in conflict.fields
            if (choices.get(f.field) or whole) == KEEP_THEIRS
        }
        if ROW_VERSION in t.c:
            values[ROW_VERSION] = theirs[ROW_VERSION]
        if values:
            laptop.execute(t.update().where(t.c.id == conflict.row_id).values(values))
    laptop.execute(originals.update().where(key).values(snapshot=canonical(theirs), confirmed=True))


def record_resolution(
    laptop: Connection, actor: str, person_id: int, conflict: RowConflict, choices: Mapping[str, str]
) -> None:
    """The laptop's trail records how a conflict was settled (synced to the server with the rest)."""
    whole = choices.get("*")
    _record(
        laptop,
        actor,
        "resolve",
        conflict.table,
        str(conflict.row_id),
        {
            "person_id": person_id,
            "outcome": "offline_" + conflict.reason,
            "kept_mine": sorted(
                f.field for f in conflict.fields if (choices.get(f.field) or whole) == KEEP_MINE
            ),
            "kept_theirs": sorted(
                f.field for f in conflict.fields if (choices.get(f.field) or whole) == KEEP_THEIRS
            ),
        },
    )
