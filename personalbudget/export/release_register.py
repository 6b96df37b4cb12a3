"""The release register: every aggregate export attempt, and the rule against differencing.

(Called the release ledger in the app's words and in older code; "ledger" alone is the money ledger.)

docs/security.md rule 6. Publishing tables twice, with a handful of people added or taken away or
changed in between, would let anyone subtract one release from the other and read off those
people. ``extract_records`` counts everyone with a budget agreed by the end of the period, so
releases of *different* periods (one a day longer, or the next year) share most of their people
and can be subtracted too. So, **the rules** (checked against every earlier published release
whose period overlaps the new one's):

1. **People, group by group.** Each person contributes to published groups: their primary
   support reason, age band, age band x reason cell, (pooled) locality, delivery mechanism,
   locality x mechanism cell, funding streams, planned support categories, outcomes and outcome
   x rating cells, market gap cells, review timeliness, and everyone ("all"). A release is refused
   when, in any group, at least 1 and fewer than ``threshold`` people (the count suppression
   threshold) have been added to it, removed from it or had what they contribute to it change
   (their budget in a reason's sums, their spending in a mechanism's...). A change of 8 people
   overall is not enough: 7 added under one reason and 1 under another would give away the one.
2. **Rules.** A release whose disclosure rules (threshold, rounding base, minimum contributors,
   dominance) differ from those of an earlier published release of an overlapping period is
   refused: two roundings of the same count to different bases can be combined.
3. **Identical tables** (the same content hash as an earlier published release) are always
   allowed: nothing new is revealed, the release is re-published.

**Periods that do not overlap** (this year after last year, one quarter after another) are held to
rule 1 for the groups with sums and medians of money only (issue 15: between two quarters a group's
published total rose by exactly one person's whole budget). Their counts are new figures, protected
by rounding and suppression as usual; holding every count group to rule 1 would refuse every later
release for good. A release in which 1 to ``threshold - 1`` people changed a money group since any
earlier published release (of any period) is refused with the reason; wait until more has changed,
or publish longer periods.

Every attempt, published or refused, is recorded with its period, table ids, content hash, rules
and time. People are recorded only as keyed hashes (HMAC-SHA256 under the ledger's key: a random salt in
the caseload's encrypted database, or a key derived from the hub secret at the hub): of their record key, of their whole record, and of each group they contribute to
(with what they contribute), never as keys, records or group names themselves. Entries written
before groups and rules were recorded are compared by the older rule (people changed overall).

Two stores: ``DatabaseRegisterStore`` (the caseload's own ``export_release`` table, salt in
``setting``; the rules are kept as a ``rules=...`` token in the ``people_hashes`` column) and
``JsonRegisterStore`` (a JSON file, for the strategic hub).
"""

from __future__ import annotations

import base64
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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text

from personalbudget.domain.management import DeliveryMechanism
from personalbudget.domain.vocabularies import PRIMARY_SUPPORT_REASONS
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.dataset import PersonRecord
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub_keys import derive_key
from personalbudget.export.tables import (
    FUNDING_COLUMNS,
    OTHER_LOCALITIES,
    delivery_salt,
    funding_of,
    published_localities,
)
from personalbudget.i18n import _, ngettext
from personalbudget.storage.export_models import ExportRelease
from personalbudget.storage.models import Setting

PUBLISHED = "published"
REFUSED = "refused"
LEDGER_FILE_VERSION = 2  # 1 kept its salt and people's hashes in the clear (issue 15)
SALT_SETTING = "export.ledger_salt"
_RULES_TOKEN = "rules="  # never the start of a person's hash (hex)


def rules_text(rules: DisclosureRules) -> str:
    """The disclosure rules as the ledger records them (no spaces)."""
    d = rules.dominance
    return (
        f"threshold={rules.threshold},base={rules.base},min_contributors={rules.min_contributors},"
        f"dominance={d.numerator}/{d.denominator}"
    )


def periods_overlap(a_from: date, a_to: date, b_from: date, b_to: date) -> bool:
    return a_from <= b_to and b_from <= a_to


def person_groups(record: PersonRecord, places: set[str]) -> dict[str, str]:
    """The published groups a person contributes to -> what they contribute to that group's cells.

    ``places`` are the published localities of the release (the others are pooled). Groups that
    are only counted contribute "" (membership); groups with sums and medians contribute the
    person's amounts in them. Derived from the record alone, exactly as ``tables.build_tables``
    groups people: the ledger compares releases group by group with these.
    """

    def place(name: str) -> str:
        return name if name in places else OTHER_LOCALITIES

    salt = delivery_salt(record)  # the SALT-style mechanism, as the tables group people
    direct = dict(record.delivery_mechanisms).get(DeliveryMechanism.DIRECT_PAYMENT.value, 0)
    groups = {
        "all": f"{record.budget_annual_pence}",
        f"age_band={record.age_band}": "",
        f"primary_support_reason={record.primary_support_reason}": f"{record.budget_annual_pence}",
        f"age_band|primary_support_reason={record.age_band}|{record.primary_support_reason}": "",
        f"locality={place(record.locality)}": "",
        # planned in the period comes from the direct payment amount, spent from the ledger
        f"delivery_mechanism={salt}": f"{direct},{record.actual_pence}",
        f"locality|delivery_mechanism={place(record.locality)}|{salt}": "",
        f"review_timeliness={record.review_timeliness}": "",
    }
    # table 10: the reason x funding cell, with the person's weekly contribution when it is known,
    # and the funding column. Releases before table 10 did not publish these groups: ``_check``
    # leaves them out of the comparison with such a release.
    funding = funding_of(record)
    cell = f"{CONTRIBUTION_CELL}={record.primary_support_reason}|{funding}"
    groups[cell] = f"{record.weekly_contribution_pence}" if record.contribution_known else ""
    groups[f"{CONTRIBUTION_FUNDING}={funding}"] = ""
    if record.planned_annual_pence > 0:
        groups["planned_all"] = f"{record.planned_annual_pence}"
    for stream, pence in record.budget_streams:
        if pence > 0:
            groups[f"funding_stream={stream}"] = f"{pence}"
    for support, pence in record.planned_by_category:
        if pence > 0:
            groups[f"support_category={support}"] = f"{pence}"
    for outcome, rating in record.outcomes_at_review:
        groups[f"outcome={outcome}"] = ""
        groups[f"outcome|rating={outcome}|{rating}"] = ""
    for support, where in record.market_gaps:
        groups[f"market_gap={support}|{place(where)}"] = ""
    return groups


CONTRIBUTION_TABLE = "contributions_by_reason_and_stream"
CONTRIBUTION_CELL = "primary_support_reason|funding_stream"
CONTRIBUTION_FUNDING = "funding_stream_combination"


def contribution_group_names() -> list[str]:
    """Every group of the contributions table (table 10), which releases before it did not publish."""
    return [f"{CONTRIBUTION_CELL}={p}|{f}" for p in PRIMARY_SUPPORT_REASONS for f in FUNDING_COLUMNS] + [
        f"{CONTRIBUTION_FUNDING}={f}" for f in FUNDING_COLUMNS
    ]


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
    people_hashes: tuple[str, ...]  # "HMAC(key):HMAC(record):group.group..." a person, sorted
    reason: str = ""
    rules: str = ""  # ``rules_text`` of the disclosure rules applied ("" in entries from before)

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
            rules=str(data.get("rules", "")),
        )


class RegisterStore(Protocol):
    """Where a ledger keeps its salt and entries."""

    def salt(self) -> bytes: ...

    def entries(self) -> list[ReleaseEntry]: ...

    def append(self, entry: ReleaseEntry) -> None: ...


class RegisterTamperedError(PersonalBudgetError):
    """A release ledger that is missing, altered or older than its last recorded head: nothing is
    published until it is put back."""


class HeadStore(Protocol):
    """Where the latest head of a ledger is kept, away from the ledger (``hub.LedgerHeadStore``)."""

    def get(self) -> str | None: ...

    def set(self, head: str) -> None: ...


class JsonRegisterStore:
    """The hub's ledger in one JSON file, written atomically (issue 15).

    Nothing in the file is useful to whoever copies it: the people of each release (their hashes)
    are encrypted with AES-256-GCM, and people are hashed, under keys derived from the hub secret,
    which is kept with the hub's private key and never in the hub folder. The file is authenticated
    (HMAC-SHA256 over every release, under another derived key) and its head, ``entries:mac``, is
    also kept in ``heads`` (beside the hub's secrets): a ledger that is missing, edited, cut short
    or replaced by an older copy is refused (``RegisterTamperedError``) and nothing is published.
    """

    def __init__(self, path: Path, secret: bytes, heads: HeadStore):
        self.path = Path(path)
        self._heads = heads
        self._people_key = derive_key(secret, "ledger-people")
        self._sealing = AESGCM(derive_key(secret, "ledger-sealing"))
        self._mac_key = derive_key(secret, "ledger-mac")

    def _mac(self, releases: list[dict[str, Any]]) -> str:
        canonical = json.dumps(releases, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return f"{len(releases)}:" + hmac.new(self._mac_key, canonical, hashlib.sha256).hexdigest()

    def _refuse(self, why: str) -> RegisterTamperedError:
        return RegisterTamperedError(
            _(
                "The hub's release ledger {file} {why}. Nothing was published: without the ledger, a new "
                "release could be subtracted from an earlier one. Put back the ledger this hub last wrote "
                "(from the hub's backup), or ask your information governance lead."
            ).format(file=self.path, why=why)
        )

    def create(self) -> None:
        """A new, empty ledger and its head (``hub init``)."""
        if self.path.exists() or self._heads.get() is not None:
            raise self._refuse(_("already exists"))
        self._save([])

    def _load(self) -> list[dict[str, Any]]:
        head = self._heads.get()
        if not self.path.exists():
            if head is None:  # a ledger never written (a hub made without one): start it
                return []
            raise self._refuse(_("is missing"))
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise self._refuse(_("cannot be read")) from error
        if not isinstance(data, dict) or data.get("version") != LEDGER_FILE_VERSION:
            raise self._refuse(_("is not a ledger this version can read"))
        releases = data.get("releases")
        if not isinstance(releases, list):
            raise self._refuse(_("is damaged"))
        mac = self._mac(releases)
        if not hmac.compare_digest(str(data.get("head", "")), mac):
            raise self._refuse(_("has been changed since the hub wrote it"))
        if head is None:
            raise self._refuse(_("has no head recorded with the hub's keys on this computer"))
        if mac not in head.split("|"):  # "new|old" only while a write is under way
            raise self._refuse(_("is not the one the hub last wrote (an older or other copy)"))
        return releases

    def _save(self, releases: list[dict[str, Any]]) -> None:
        old = self._heads.get()
        new = self._mac(releases)
        # The head accepts both while the file is replaced, so a crash in between stops nothing.
        self._heads.set(f"{new}|{old.split('|')[0]}" if old else new)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".ledger-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"version": LEDGER_FILE_VERSION, "releases": releases, "head": new}, out, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self._heads.set(new)

    def _seal(self, entry: ReleaseEntry, number: int) -> dict[str, Any]:
        data = entry.to_dict()
        people = json.dumps(data.pop("people_hashes")).encode("utf-8")
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._sealing.encrypt(nonce, people, f"release {number}".encode())
        data["people"] = base64.b64encode(sealed).decode("ascii")
        return data

    def _open(self, data: dict[str, Any], number: int) -> ReleaseEntry:
        sealed = base64.b64decode(data["people"])
        try:
            people = json.loads(self._sealing.decrypt(sealed[:12], sealed[12:], f"release {number}".encode()))
        except (InvalidTag, ValueError) as error:
            raise self._refuse(_("has been changed since the hub wrote it")) from error
        return ReleaseEntry.from_dict({**data, "people_hashes": people})

    def salt(self) -> bytes:
        return self._people_key

    def entries(self) -> list[ReleaseEntry]:
        return [self._open(e, n) for n, e in enumerate(self._load())]

    def append(self, entry: ReleaseEntry) -> None:
        releases = self._load()
        releases.append(self._seal(entry, len(releases)))
        self._save(releases)


class DatabaseRegisterStore:
    """The caseload's ledger: the ``export_release`` table, its salt in the ``setting`` table."""

    def __init__(self, db: Any):  # a Database or ActingDatabase (anything with session())
        self._db = db

    def salt(self) -> bytes:
        with self._db.session() as session:
            row = session.get(Setting, SALT_SETTING)
            if row is None:
                row = Setting(key=SALT_SETTING, value=secrets.token_hex(32))
                session.add(row)
            return bytes.fromhex(row.value)

    def entries(self) -> list[ReleaseEntry]:
        table = ExportRelease.__table__  # type: ignore[attr-defined]
        with self._db.session() as session:
            # The table's own columns, not ORM objects: a release of 50,000 people is 20 MB of hashes.
            rows = session.connection().execute(select(table).order_by(table.c.id)).all()
            self._check_against_trail(session, [r.id for r in rows])
            entries = []
            for r in rows:
                tokens = r.people_hashes.split()
                rules = [t[len(_RULES_TOKEN) :] for t in tokens[:1] if t.startswith(_RULES_TOKEN)]
                entries.append(
                    ReleaseEntry(
                        at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                        period_from=r.period_from,
                        period_to=r.period_to,
                        status=r.status,
                        table_ids=tuple(t for t in r.table_ids.split(",") if t),
                        content_hash=r.content_hash,
                        people_hashes=tuple(tokens[1:] if rules else tokens),
                        reason=r.reason,
                        rules=rules[0] if rules else "",
                    )
                )
            return entries

    def published_content_hashes(self) -> set[str]:
        """The content hashes of the published releases, checked against the trail as ``entries``
        checks them, without reading their people (megabytes a release): a re-export of tables
        already published is allowed on these alone, however many releases there are."""
        table = ExportRelease.__table__  # type: ignore[attr-defined]
        with self._db.session() as session:
            rows = (
                session.connection().execute(select(table.c.id, table.c.status, table.c.content_hash)).all()
            )
            self._check_against_trail(session, [r.id for r in rows])
            return {r.content_hash for r in rows if r.status == PUBLISHED}

    @staticmethod
    def _check_against_trail(session: Any, ids: list[int | None]) -> None:
        """Every release ever recorded is in the audit trail (append-only, hash-chained), in the same
        transaction: a release row deleted or changed behind the app's back is noticed, and nothing
        is published until the ledger is put back (restore the caseload from a backup)."""
        if not session.info.get("audited"):
            return  # an old schema without the trail
        events = (
            session.connection()
            .execute(text("SELECT action, row_id FROM audit_event WHERE table_name = 'export_release'"))
            .all()
        )
        recorded = {str(row_id) for action, row_id in events if action == "insert"}
        if any(action != "insert" for action, _row in events) or recorded != {str(i) for i in ids}:
            raise RegisterTamperedError(
                _(
                    "The caseload's release ledger does not match its audit trail: releases have been removed "
                    "or changed outside the app. Nothing was exported. Restore the caseload from a backup, "
                    "or ask your information governance lead."
                )
            )

    def append(self, entry: ReleaseEntry) -> None:
        with self._db.session() as session:
            session.add(
                ExportRelease(
                    at=entry.at,
                    period_from=entry.period_from,
                    period_to=entry.period_to,
                    status=entry.status,
                    table_ids=",".join(entry.table_ids),
                    content_hash=entry.content_hash,
                    # No column of its own for the rules (that would need a migration): a token.
                    people_hashes=" ".join(
                        [*([_RULES_TOKEN + entry.rules] if entry.rules else []), *entry.people_hashes]
                    ),
                    people_digest=entry.people_digest,
                    reason=entry.reason,
                )
            )


@dataclass(frozen=True)
class RegisterDecision:
    allowed: bool
    reason: str = ""
    identical_to_earlier: bool = False


class ReleaseRegister:
    """The rule against differencing over a ``RegisterStore`` (see the module docstring).

    One ledger is made for one release: the people are hashed once and the earlier releases read
    once, however many times ``hash_people``, ``check`` and ``release`` are called for it."""

    def __init__(self, store: RegisterStore, threshold: int):
        self.store = store
        self.threshold = threshold
        self._hashed: tuple[Sequence[PersonRecord], DisclosureRules | None, tuple[str, ...]] | None = None
        self._published: list[ReleaseEntry] | None = None
        self._decided: tuple[tuple[object, ...], RegisterDecision] | None = None

    def hash_people(
        self, records: Sequence[PersonRecord], rules: DisclosureRules | None = None
    ) -> tuple[str, ...]:
        """Each person as ``HMAC(key):HMAC(record):g.g.g`` with the ledger's salt, sorted, where each
        ``g`` is the salted hash of a group they contribute to and of what they contribute
        (``person_groups``): enough to count people added, removed or changed, group by group,
        between releases, and nothing more."""
        if self._hashed is not None and self._hashed[0] is records and self._hashed[1] == rules:
            return self._hashed[2]
        salt = self.store.salt()
        places = set(published_localities(records, rules or DisclosureRules(threshold=self.threshold)))

        def mac(kind: bytes, text: str, size: int) -> str:
            return hmac.digest(salt, kind + b"\0" + text.encode(), "sha256").hex()[:size]

        # Groups and what people contribute to them repeat from person to person: hashed once each.
        group_macs: dict[str, str] = {}
        value_macs: dict[tuple[str, str], str] = {}

        def group_mac(group: str, value: str) -> str:
            named = group_macs.get(group)
            if named is None:
                named = group_macs[group] = mac(b"group", group, 12)
            if not value:
                return named
            valued = value_macs.get((group, value))
            if valued is None:
                valued = mac(b"value", f"{group}\0{value}", 8)
                if len(value_macs) < 200_000:
                    value_macs[(group, value)] = valued
            return named + valued

        hashed = set()
        canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # json.dumps's, made once
        for record in records:
            content = canonical(record.to_dict())
            key = mac(b"key", record.key, 32)
            whole = mac(b"record", content, 32)
            groups = ".".join(
                sorted(group_mac(group, value) for group, value in person_groups(record, places).items())
            )
            hashed.add(f"{key}:{whole}:{groups}")
        people = tuple(sorted(hashed))
        self._hashed = (records, rules, people)
        return people

    @staticmethod
    def _people(
        hashes: Iterable[str], parsed: dict[str, tuple[str, str, dict[str, str] | None]] | None = None
    ) -> dict[str, tuple[str, dict[str, str] | None]]:
        """key hash -> (record hash, group hash -> contribution hash, or None in old entries).
        ``parsed`` keeps each hash once read (this release's people, compared with every earlier one)."""
        people: dict[str, tuple[str, dict[str, str] | None]] = {}
        for h in hashes:
            known = parsed.get(h) if parsed is not None else None
            if known is None:
                key, whole, *rest = h.split(":")
                known = (key, whole, {t[:12]: t[12:] for t in rest[0].split(".") if t} if rest else None)
                if parsed is not None:
                    parsed[h] = known
            people[known[0]] = (known[1], known[2])
        return people

    @staticmethod
    def _differing(earlier: Sequence[str], now: Sequence[str]) -> tuple[set[str], set[str]]:
        """The hashed people only in ``earlier`` and only in ``now``. A person hashed the same in both
        (same key, record and groups) adds nothing to any comparison, so only these are looked at."""
        before, after = set(earlier), set(now)
        return before - after, after - before

    @staticmethod
    def _without_groups(hashes: Iterable[str]) -> bool:
        return any(h.count(":") < 2 for h in hashes)  # an entry from before groups were recorded

    @staticmethod
    def people_changed(earlier: Sequence[str], now: Sequence[str]) -> int:
        """People added, removed, or whose record changed, between two hashed releases."""
        gone, new = ReleaseRegister._differing(earlier, now)
        before = {k: w for k, (w, _g) in ReleaseRegister._people(gone).items()}
        after = {k: w for k, (w, _g) in ReleaseRegister._people(new).items()}
        return len(before.keys() ^ after.keys()) + sum(
            1 for k in before.keys() & after.keys() if before[k] != after[k]
        )

    @staticmethod
    def groups_changed(earlier: Sequence[str], now: Sequence[str]) -> dict[str, int] | None:
        """Group hash -> people added to, removed from or changed within the group between two
        hashed releases; None when the earlier release does not record groups (an older entry)."""
        if ReleaseRegister._without_groups(earlier) or ReleaseRegister._without_groups(now):
            return None
        gone, new = ReleaseRegister._differing(earlier, now)
        return ReleaseRegister._groups_changed(gone, new)

    @staticmethod
    def _groups_changed(
        gone: Iterable[str],
        new: Iterable[str],
        parsed: dict[str, tuple[str, str, dict[str, str] | None]] | None = None,
    ) -> dict[str, int]:
        before, after = ReleaseRegister._people(gone), ReleaseRegister._people(new, parsed)
        changed: dict[str, int] = {}
        for key in before.keys() | after.keys():
            old = before[key][1] if key in before else {}
            fresh = after[key][1] if key in after else {}
            assert old is not None and fresh is not None
            for group in old.keys() | fresh.keys():
                if old.get(group) != fresh.get(group):  # joined, left, or contributes differently
                    changed[group] = changed.get(group, 0) + 1
        return changed

    @staticmethod
    def money_groups(hashes: Iterable[str]) -> set[str]:
        """The hashes of the groups with sums or medians of money (they record what people contribute)."""
        groups: set[str] = set()
        for h in hashes:
            parts = h.split(":")
            if len(parts) > 2:
                groups.update(t[:12] for t in parts[2].split(".") if len(t) > 12)
        return groups

    def _published_entries(self) -> list[ReleaseEntry]:
        if self._published is None:
            self._published = [e for e in self.store.entries() if e.status == PUBLISHED]
        return self._published

    def check(
        self,
        period_from: date,
        period_to: date,
        people_hashes: Sequence[str],
        content_hash: str,
        rules: DisclosureRules | None = None,
    ) -> RegisterDecision:
        """May a release of this period, drawing on these (hashed) people, with these rules, be
        published? Compared with every earlier published release (see the module docstring).

        The earlier releases are read once a ledger, and the same question asked again (as
        ``release`` does just after) is answered from the first answer."""
        asked = (period_from, period_to, content_hash, rules)
        if (
            self._decided is not None
            and self._decided[0][0] is people_hashes
            and self._decided[0][1:] == asked
        ):
            return self._decided[1]
        decision = self._check(period_from, period_to, people_hashes, content_hash, rules)
        self._decided = ((people_hashes, *asked), decision)
        return decision

    def _check(
        self,
        period_from: date,
        period_to: date,
        people_hashes: Sequence[str],
        content_hash: str,
        rules: DisclosureRules | None,
    ) -> RegisterDecision:
        quick = getattr(self.store, "published_content_hashes", None)  # (the caseload's store has it)
        if self._published is None and quick is not None and content_hash in quick():
            return RegisterDecision(True, identical_to_earlier=True)
        published = self._published_entries()
        if any(e.content_hash == content_hash for e in published):
            return RegisterDecision(True, identical_to_earlier=True)
        applied = rules_text(rules) if rules is not None else ""
        for entry in published:
            if (
                applied
                and entry.rules
                and entry.rules != applied
                and periods_overlap(entry.period_from, entry.period_to, period_from, period_to)
            ):
                return RegisterDecision(
                    False,
                    _(
                        "Refused by the rule against differencing (rule 6 of docs/security.md): "
                        "the period {start} to "
                        "{end} was published on {when} with different disclosure rules ({earlier}), and "
                        "combining two roundings of the same figures could reveal them. Use the same rules "
                        "as the release of {start} to {end}, or choose a period that does not overlap it."
                    ).format(
                        start=entry.period_from.isoformat(),
                        end=entry.period_to.isoformat(),
                        when=entry.at.date().isoformat(),
                        earlier=entry.rules.replace(",", ", "),
                    ),
                )
        now_without_groups = self._without_groups(people_hashes)
        salt = self.store.salt()
        # An earlier release without table 10 did not publish its groups: everyone "joining" them
        # is no difference anyone could subtract (otherwise the first release with the table would
        # be refused wherever a cell holds 1 to 7 people).
        table10 = {
            hmac.digest(salt, b"group\0" + name.encode(), "sha256").hex()[:12]
            for name in contribution_group_names()
        }
        money_now: set[str] | None = None
        parsed_now: dict[
            str, tuple[str, str, dict[str, str] | None]
        ] = {}  # read once for every earlier release
        for entry in published:
            overlapping = periods_overlap(entry.period_from, entry.period_to, period_from, period_to)
            if now_without_groups or self._without_groups(entry.people_hashes):
                # an entry from before groups were recorded: people overall
                by_group = {"all": self.people_changed(entry.people_hashes, people_hashes)}
            else:
                gone, new = self._differing(entry.people_hashes, people_hashes)
                by_group = self._groups_changed(gone, new, parsed_now)
                if not overlapping:
                    # Another period (the next quarter or year): its counts are new figures, protected
                    # by rounding and suppression, but a sum or median of money that a few people
                    # changed would give those people's amounts away by subtraction (issue 15): money
                    # groups only. The earlier release's people are those of this one (money_now)
                    # and those no longer in it (gone).
                    if money_now is None:
                        money_now = self.money_groups(people_hashes)
                    money = money_now | self.money_groups(gone)
                    by_group = {g: n for g, n in by_group.items() if g in money}
                if CONTRIBUTION_TABLE not in entry.table_ids:
                    by_group = {g: n for g, n in by_group.items() if g not in table10}
            small = sum(1 for n in by_group.values() if 0 < n < self.threshold)
            if small:
                return RegisterDecision(
                    False,
                    ngettext(
                        "Refused by the rule against differencing (rule 6 of docs/security.md): "
                        "compared with the "
                        "release of {start} to {end} published on {when}, {groups} published group has had "
                        "between 1 and {most} people added, removed or changed, so comparing the two "
                        "releases could reveal them. Wait until more has changed, or re-publish exactly "
                        "the earlier tables.",
                        "Refused by the rule against differencing (rule 6 of docs/security.md): "
                        "compared with the "
                        "release of {start} to {end} published on {when}, {groups} published groups have had "
                        "between 1 and {most} people added, removed or changed, so comparing the two "
                        "releases could reveal them. Wait until more has changed, or re-publish exactly "
                        "the earlier tables.",
                        small,
                    ).format(
                        start=entry.period_from.isoformat(),
                        end=entry.period_to.isoformat(),
                        when=entry.at.date().isoformat(),
                        groups=small,
                        most=self.threshold - 1,
                    ),
                )
        return RegisterDecision(True)

    def release(
        self,
        period_from: date,
        period_to: date,
        records: Sequence[PersonRecord],
        table_ids: Sequence[str],
        content_hash: str,
        at: datetime,
        rules: DisclosureRules | None = None,
    ) -> ReleaseEntry:
        """Check a release and record the attempt. Raises ``DifferencingRefusedError`` (after recording
        the refusal) when the rules forbid it; returns the published entry otherwise. ``rules``, the
        disclosure rules the tables were made with, should always be given (the release services
        do); without them the rules cannot be compared or recorded."""
        people = self.hash_people(records, rules)
        decision = self.check(period_from, period_to, people, content_hash, rules)
        entry = ReleaseEntry(
            at=at,
            period_from=period_from,
            period_to=period_to,
            status=PUBLISHED if decision.allowed else REFUSED,
            table_ids=tuple(table_ids),
            content_hash=content_hash,
            people_hashes=people,
            reason=decision.reason,
            rules=rules_text(rules) if rules is not None else "",
        )
        self.store.append(entry)
        self._published = self._decided = None  # the ledger has changed
        if not decision.allowed:
            raise DifferencingRefusedError(decision.reason)
        return entry
