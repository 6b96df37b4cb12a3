"""The release ledger of anonymised aggregate exports (docs/security.md, rule 6).

One row per export attempt, published or refused. People are never stored as they are: only
salted hashes of their record keys, records and the published groups they count in (the salt
is the ledger's own, kept in ``setting``), enough to tell by how many people each group of two
releases of overlapping periods differs.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class ExportRelease(SQLModel, table=True):
    __tablename__ = "export_release"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    period_from: date
    period_to: date
    status: str  # published | refused
    table_ids: str  # comma-separated ids of the tables in the release
    content_hash: str  # sha256 of the published tables
    people_hashes: str  # space-separated "HMAC(key):HMAC(record)" of the contributing people, sorted
    people_digest: str  # sha256 of people_hashes
    reason: str = ""  # why it was refused (the rule), "" when published
