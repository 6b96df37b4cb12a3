"""The release ledger: every aggregate export attempt, and the rule against differencing.

PRIVACY.md rule 6. Publishing the same period twice, with a handful of people added or taken
away or changed in between, would let anyone subtract one release from the other and read off
those people. So, **the rule**: a release of a period is refused when, compared with an earlier
*published* release of exactly the same period, at least 1 and fewer than ``threshold`` people
(the count suppression threshold) have been added, removed or had their record change (a new
review, a new plan, more spending...), unless the published tables are
byte-for-byte the same as that earlier release (then nothing new is revealed and it is
re-published). Differences of ``threshold`` or more people are allowed: the change is then
itself a group large enough to publish. Every attempt, published or refused, is recorded with
its period, table ids, content hash and time.

People are recorded only as salted hashes of their record keys and records (HMAC-SHA256 with a
random salt that belongs to the ledger), never as the keys or records themselves.

Two stores: ``DatabaseLedgerStore`` (the caseload's own ``export_release`` table, salt in
``setting``) and ``JsonLedgerStore`` (a JSON file, for the strategic hub).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from personalbudget.errors import PersonalBudgetError
from personalbudget.export.dataset import PersonRecord
from personalbudget.i18n import _

PUBLISHED = "published"
REFUSED = "refused"
LEDGER_FILE_VERSION = 1
SALT_SETTING = "export.ledger_salt"


class DifferencingRefusedError(PersonalBudgetError):
    """A release refused by the rule against differencing (it is recorded in the ledger)."""


@dataclass(frozen=True)
class ReleaseEntry:
    """One export attempt as the ledger keeps it."""

    at: datetime
    period_from: date
    period_to: date
    status: str  # PUBLISHED | REFUSED
    table_ids: tuple[str, ...]
    content_hash: str
    people_hashes: tuple[str, ...]  # salted hashes of the contributing keys, sorted
    reason: str = ""

    @property
    def people_digest(self) -> str:
        return hashlib.sha256(" ".join(self.people_hashes).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            at=self.at.astimezone(UTC).isoformat(),
            period_from=self.period_from.isoformat(),
            period_to=self.period_to.isoformat(),
            table_ids=list(self.table_ids),
            people_hashes=list(self.people_hashes),
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReleaseEntry:
        return cls(
            at=datetime.fromisoformat(data["at"]),
            period_from=date.fromisoformat(data["period_from"]),
            period_to=date.fromisoformat(data["period_to"]),
            status=str(data["status"]),
            table_ids=tuple(data["table_ids"]),
            content_hash=str(data["content_hash"]),
            people_hashes=tuple(data["people_hashes"]),
            reason=str(data.get("reason", "")),
        )


class LedgerStore(Protocol):
    """Where a ledger keeps its salt and entries."""

    def salt(self) -> bytes: ...

    def entries(self) -> list[ReleaseEntry]: ...

    def append(self, entry: ReleaseEntry) -> None: ...


class JsonLedgerStore:
    """A ledger in one JSON file (the hub's). Written atomically; made, with a new salt, on first use."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            data = {"version": LEDGER_FILE_VERSION, "salt": secrets.token_hex(32), "releases": []}
            self._save(data)
            return data
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise PersonalBudgetError(
                _("The release ledger {file} cannot be read.").format(file=self.path)
            ) from error
        if not isinstance(data, dict) or data.get("version") != LEDGER_FILE_VERSION or "salt" not in data:
            raise PersonalBudgetError(
                _("{file} is not a release ledger this version can read.").format(file=self.path)
            )
        return data

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".ledger-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def salt(self) -> bytes:
        return bytes.fromhex(self._load()["salt"])

    def entries(self) -> list[ReleaseEntry]:
        return [ReleaseEntry.from_dict(e) for e in self._load()["releases"]]

    def append(self, entry: ReleaseEntry) -> None:
        data = self._load()
        data["releases"].append(entry.to_dict())
        self._save(data)


class DatabaseLedgerStore:
    """The caseload's ledger: the ``export_release`` table, its salt in the ``setting`` table."""

    def __init__(self, db: Any):  # a Database or ActingDatabase (anything with session())
        self._db = db

    def salt(self) -> bytes:
        from personalbudget.storage.models import Setting

        with self._db.session() as session:
            row = session.get(Setting, SALT_SETTING)
            if row is None:
                row = Setting(key=SALT_SETTING, value=secrets.token_hex(32))
                session.add(row)
            return bytes.fromhex(row.value)

    def entries(self) -> list[ReleaseEntry]:
        from sqlmodel import col, select

        from personalbudget.storage.export_models import ExportRelease

        with self._db.session() as session:
            rows = session.exec(select(ExportRelease).order_by(col(ExportRelease.id))).all()
            return [
                ReleaseEntry(
                    at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                    period_from=r.period_from,
                    period_to=r.period_to,
                    status=r.status,
                    table_ids=tuple(t for t in r.table_ids.split(",") if t),
                    content_hash=r.content_hash,
                    people_hashes=tuple(r.people_hashes.split()),
                    reason=r.reason,
                )
                for r in rows
            ]

    def append(self, entry: ReleaseEntry) -> None:
        from personalbudget.storage.export_models import ExportRelease

        with self._db.session() as session:
            session.add(
                ExportRelease(
                    at=entry.at,
                    period_from=entry.period_from,
                    period_to=entry.period_to,
                    status=entry.status,
                    table_ids=",".join(entry.table_ids),
                    content_hash=entry.content_hash,
                    people_hashes=" ".join(entry.people_hashes),
                    people_digest=entry.people_digest,
                    reason=entry.reason,
                )
            )


@dataclass(frozen=True)
class LedgerDecision:
    allowed: bool
    reason: str = ""
    identical_to_earlier: bool = False


class ReleaseLedger:
    """The rule against differencing over a ``LedgerStore`` (see the module docstring)."""

    def __init__(self, store: LedgerStore, threshold: int):
        self.store = store
        self.threshold = threshold

    def hash_people(self, records: Iterable[PersonRecord]) -> tuple[str, ...]:
        """Each person as ``HMAC(key):HMAC(key and record)`` with the ledger's salt, sorted: enough to
        count people added, removed or changed between releases, and nothing more."""
        salt = self.store.salt()
        hashed = set()
        for record in records:
            content = json.dumps(record.to_dict(), sort_keys=True, separators=(",", ":"))
            key = hmac.new(salt, b"key\0" + record.key.encode(), hashlib.sha256).hexdigest()[:32]
            whole = hmac.new(salt, b"record\0" + content.encode(), hashlib.sha256).hexdigest()[:32]
            hashed.add(f"{key}:{whole}")
        return tuple(sorted(hashed))

    @staticmethod
    def people_changed(earlier: Sequence[str], now: Sequence[str]) -> int:
        """People added, removed, or whose record changed, between two hashed releases."""
        before = dict(h.split(":", 1) for h in earlier)
        after = dict(h.split(":", 1) for h in now)
        return len(before.keys() ^ after.keys()) + sum(
            1 for k in before.keys() & after.keys() if before[k] != after[k]
        )

    def check(
        self, period_from: date, period_to: date, people_hashes: Sequence[str], content_hash: str
    ) -> LedgerDecision:
        """May a release of this period, drawing on these (hashed) people, be published?"""
        for entry in self.store.entries():
            if entry.status != PUBLISHED or (entry.period_from, entry.period_to) != (period_from, period_to):
                continue
            if entry.content_hash == content_hash:
                return LedgerDecision(True, identical_to_earlier=True)
            difference = self.people_changed(entry.people_hashes, people_hashes)
            if 0 < difference < self.threshold:
                return LedgerDecision(
                    False,
                    _(
                        "Refused by the rule against differencing (PRIVACY.md rule 6): the period {start} to "
                        "{end} was published on {when}, and since then fewer than {n} people have been added, "
                        "removed or changed, so comparing the two releases could reveal them. Wait until more "
                        "has changed, or export a different period."
                    ).format(
                        start=period_from.isoformat(),
                        end=period_to.isoformat(),
                        when=entry.at.date().isoformat(),
                        n=self.threshold,
                    ),
                )
        return LedgerDecision(True)

    def release(
        self,
        period_from: date,
        period_to: date,
        records: Sequence[PersonRecord],
        table_ids: Sequence[str],
        content_hash: str,
        at: datetime,
    ) -> ReleaseEntry:
        """Check a release and record the attempt. Raises ``DifferencingRefusedError`` (after recording
        the refusal) when the rule forbids it; returns the published entry otherwise."""
        people = self.hash_people(records)
        decision = self.check(period_from, period_to, people, content_hash)
        entry = ReleaseEntry(
            at=at,
            period_from=period_from,
            period_to=period_to,
            status=PUBLISHED if decision.allowed else REFUSED,
            table_ids=tuple(table_ids),
            content_hash=content_hash,
            people_hashes=people,
            reason=decision.reason,
        )
        self.store.append(entry)
        if not decision.allowed:
            raise DifferencingRefusedError(decision.reason)
        return entry
