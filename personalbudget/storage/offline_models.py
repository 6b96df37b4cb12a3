"""Offline visits with a team caseload (issue 22): the tables of holds, the laptop's originals and
the server's receipts of syncs. The same migration (r0014) builds them on a laptop and on a server.

* ``offline_hold``: who holds which person offline, on which laptop, since when. On the server it
  is what makes the person's rows read-only to everyone but the holder's sync
  (``storage/postgres_security.py``); on the laptop it says which people the laptop holds, from
  which server, and the sync id of each hold.
* ``offline_original`` (laptop only): each row taken offline as the server had it (its values,
  ``row_version`` included), so a sync tells what changed on each side; a row made on the laptop
  has no original. ``confirmed`` marks a row whose conflict was resolved against a revoked hold.
* ``offline_server_event`` (laptop only): the server's audit events about the held people, copied
  for the person's history (the laptop's own trail is a chain of its own).
* ``offline_sync`` (server only): one row per sync applied, by its sync id, written in the sync's
  transaction: a sync run again after an interruption applies nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class OfflineHold(SQLModel, table=True):
    __tablename__ = "offline_hold"
    __table_args__ = (
        Index(
            "ix_offline_hold_active",
            "person_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND released_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL AND released_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(index=True)  # (no foreign key: the laptop removes its copy after a sync)
    held_by: str  # the practitioner's account name (the server's login role)
    laptop_id: str  # the laptop caseload's own id (a random token kept in its settings)
    laptop_name: str  # what people call the laptop (its host name), for messages
    held_since: datetime
    sync_id: str  # one per hold: the server records it when the hold's changes are applied
    server: str = ""  # on the laptop: the team caseload's address (host/dbname) it was taken from
    revoked_at: datetime | None = None  # a manager revoked the hold (a lost or stolen laptop)
    revoked_by: str = ""
    released_at: datetime | None = None  # synced back


class OfflineOriginal(SQLModel, table=True):
    __tablename__ = "offline_original"

    table_name: str = Field(primary_key=True)
    row_id: int = Field(primary_key=True)
    person_id: int = Field(index=True)
    snapshot: str | None = None  # JSON of the row as the server had it; None: made on the laptop
    confirmed: bool = False  # a conflict on this row was resolved (a revoked hold applies it then)


class OfflineServerEvent(SQLModel, table=True):
    __tablename__ = "offline_server_event"

    id: int = Field(primary_key=True)  # the event's number on the server
    person_id: int = Field(index=True)
    at: datetime
    actor: str
    action: str
    table_name: str
    row_id: str
    summary: str


class OfflineSync(SQLModel, table=True):
    __tablename__ = "offline_sync"

    sync_id: str = Field(primary_key=True)
    person_id: int = Field(index=True)
    laptop_id: str
    synced_by: str
    synced_at: datetime
    rows_applied: int
    events_appended: int


__all__ = ["OfflineHold", "OfflineOriginal", "OfflineServerEvent", "OfflineSync"]
