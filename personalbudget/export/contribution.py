"""Contributions: a laptop's unsuppressed, pseudonymised records, encrypted to the strategic hub.

Contributions are pseudonymised personal data for the strategic hub's eyes only; the
published tables, made at the hub after disclosure control, are anonymised (docs/security.md,
"Contributions and the strategic hub").

The file::

    b"PersonalBudget contribution\\n"      magic (28 bytes)
    version                                2 bytes, big-endian (1)
    header length                          4 bytes, big-endian
    header                                 JSON: format version, hub id, recipient key id, suite
    HPKE ciphertext                        enc (32 bytes) || AES-256-GCM ciphertext and tag

The payload is encrypted with HPKE (RFC 9180) in base mode, suite DHKEM(X25519,
HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from ``cryptography.hazmat.primitives.hpke``: a
fresh ephemeral key per file, so the laptop that wrote it cannot read it back, nor read
another laptop's. The magic, version and header are the HPKE ``info``, bound into the
key schedule, so changing any byte of the file makes it fail to open.

The payload (JSON) holds the ``PersonRecord`` of each person (``dataset``), keyed by a transit
identifier (``pseudonymise``) that the hub replaces by its own keyed hash when it opens the file,
and metadata: the period, app version, dataset
schema version, generation time, record count and the caseload's audit-trail head. It
holds no names, NHS numbers, dates of birth, postcodes or free text.

Base-mode HPKE does not say *who* made a file: anyone with the hub public key file can
make one. The hub should take contributions only from known laptops over a trusted
channel; the audit head in each lets the hub check a laptop's trail later.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from sqlalchemy import text

from personalbudget import __version__
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.dataset import (
    CONTRIBUTION_NONE,
    CONTRIBUTION_UNKNOWN,
    DATASET_SCHEMA_VERSION,
    PersonIdentity,
    PersonRecord,
    extract_records,
)
from personalbudget.export.hub import Hub, HubPublicKey
from personalbudget.export.pseudonymise import FALLBACK_PREFIX, NHS_PREFIX, is_fallback, transit_identifier
from personalbudget.i18n import N_, _, ngettext
from personalbudget.storage.audit import HEAD_KEY, record_event

MAGIC = b"PersonalBudget contribution\n"
FORMAT_VERSION = 2  # 1 keyed people under a key every laptop held (issue 15)
PAYLOAD_KIND = "personalbudget-contribution"
SUITE_NAME = "HPKE-base DHKEM(X25519,HKDF-SHA256) HKDF-SHA256 AES-256-GCM"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_MAX_HEADER = 4096
_KEY_PATTERN = re.compile(rf"^({re.escape(NHS_PREFIX)}|{re.escape(FALLBACK_PREFIX)})[0-9a-f]{{64}}$")
SUFFIX = ".pbcontrib"
# In the payload of contributions that carry the person's contribution (charging) in their records;
# a file from an older release does not, and its people's contributions are unknown at the hub.
CONTRIBUTION_FIELDS = "contribution_fields"

PSEUDONYMISED_NOTICE = N_(
    "Contributions are pseudonymised personal data for the strategic hub's eyes only; "
    "keep them secure and send them only to the hub."
)
ANONYMISED_NOTICE = N_("Published tables are anonymised.")


class ContributionError(PersonalBudgetError):
    """A contribution that cannot be made, opened or merged; says which file and what to do."""


# -- writing (on a laptop) ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionSummary:
    path: Path
    people: int
    fallback_keys: int  # people without an NHS number, matched on name and date of birth
    period_from: date
    period_to: date
    hub_id: str


def _people_identities(database: Any) -> dict[int, tuple[str, date]]:
    """Name and date of birth per person id, only to make fallback keys (never stored)."""
    with database.session() as session:
        rows = session.connection().execute(text("SELECT id, name, date_of_birth FROM person"))
        return {
            pid: (name, dob if isinstance(dob, date) else date.fromisoformat(str(dob)[:10]))
            for pid, name, dob in rows
        }


def hub_key_function(database: Any, hub: HubPublicKey) -> Callable[[PersonIdentity], str]:
    """The ``key_fn`` for ``extract_records``: the transit identifier from the NHS number, or the fallback.

    ``PersonIdentity`` carries only the id and NHS number, so the name and date of birth
    for the fallback are looked up here, once, and never leave this function.
    """
    identities = _people_identities(database)

    def key_fn(identity: PersonIdentity) -> str:
        name, born = identities[identity.person_id]
        return transit_identifier(identity.nhs_number, name, born, hub.hub_id)

    return key_fn


def _audit_head(database: Any) -> str | None:
    with database.session() as session:
        row = (
            session.connection()
            .execute(text("SELECT value FROM setting WHERE key = :key"), {"key": HEAD_KEY})
            .fetchone()
        )
    return row[0] if row else None


def _header(hub: HubPublicKey) -> bytes:
    header = {
        "format_version": FORMAT_VERSION,
        "hub_id": hub.hub_id,
        "recipient_key_id": hub.key_id,
        "suite": SUITE_NAME,
        "content": "pseudonymised personal data for the strategic hub only",
    }
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(payload: bytes, hub: HubPublicKey) -> bytes:
    """The contribution file's bytes for ``payload``, readable only with the hub's private key."""
    header = _header(hub)
    prefix = MAGIC + struct.pack(">HI", FORMAT_VERSION, len(header)) + header
    return prefix + _SUITE.encrypt(payload, hub.x25519(), info=prefix)


def build_payload(
    database: Any, hub: HubPublicKey, period_from: date, period_to: date, now: datetime
) -> tuple[bytes, list[PersonRecord]]:
    """The contribution's plaintext JSON and the records in it, as at ``now``.

    Reads every person's records: the caller checks the permission first
    (``ExportService.contribution``)."""
    key_fn = hub_key_function(database, hub)
    today = now.date()
    records = extract_records(database, period_from, period_to, key_fn=key_fn, today=today)
    payload = {
        "kind": PAYLOAD_KIND,
        "schema_version": DATASET_SCHEMA_VERSION,
        "format_version": FORMAT_VERSION,
        "hub_id": hub.hub_id,
        "app_version": __version__,
        "generated_at": now.isoformat(timespec="seconds"),
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        "data_until": min(today, period_to).isoformat(),  # the data's date (reviews overdue, pro-rating)
        "audit_head": _audit_head(database),
        "record_count": len(records),
        CONTRIBUTION_FIELDS: True,  # records without the contribution's fields have none recorded
        "records": [r.to_dict() for r in records],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), records


def _atomic_write(path: Path, data: bytes) -> None:
    if not path.parent.is_dir():
        raise ContributionError(
            _("The folder {folder} does not exist. Check the path, or make the folder first.").format(
                folder=path.parent
            )
        )
    handle, temp = tempfile.mkstemp(prefix=".pb-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_contribution(
    database: Any,
    out: Path,
    hub: HubPublicKey,
    period_from: date,
    period_to: date,
    now: datetime,
    *,
    actor: str,
) -> ContributionSummary:
    """Extract, pseudonymise, encrypt to the hub and write ``out`` (all or nothing).

    ``database`` is the caseload; the caller (``ExportService.contribution``) has checked that
    ``actor`` may send person-level records to the hub."""
    if period_to < period_from:
        raise ContributionError(_("The period ends before it starts: check --from and --to."))
    payload, records = build_payload(database, hub, period_from, period_to, now)
    # Person-level data leaves the laptop: the audit trail records who sent how many records
    # to which hub (counts only). The file is written inside the same transaction, so there is
    # never a contribution without its audit event.
    with database.session() as session:
        if session.info.get("audited"):
            record_event(
                session,
                actor=actor,
                action="export_contribution",
                table="contribution",
                row_id=hub.hub_id,
                summary={
                    "people": len(records),
                    "period_from": period_from.isoformat(),
                    "period_to": period_to.isoformat(),
                },
            )
        _atomic_write(out, seal(payload, hub))
    return ContributionSummary(
        path=out,
        people=len(records),
        fallback_keys=sum(1 for r in records if is_fallback(r.key)),
        period_from=period_from,
        period_to=period_to,
        hub_id=hub.hub_id,
    )


# -- opening (at the hub) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One opened, checked contribution."""

    path: Path
    period_from: date
    period_to: date
    data_until: date
    generated_at: datetime
    app_version: str
    audit_head: str | None
    records: tuple[PersonRecord, ...]
    carries_contribution: bool = True  # False: from an older release, the contributions are unknown


def _not_contribution(path: Path) -> ContributionError:
    return ContributionError(
        _(
            "{file} is not a PersonalBudget contribution. Nothing was merged. Check the file: contributions "
            "are made with 'personalbudget export contribution'."
        ).format(file=path)
    )


def _damaged(path: Path) -> ContributionError:
    return ContributionError(
        _(
            "{file} has been changed or damaged since it was made (it fails its integrity check), or was "
            "not made with this hub's key. Nothing was merged. Ask the laptop for a fresh contribution."
        ).format(file=path)
    )


def _malformed(path: Path, what: str) -> ContributionError:
    return ContributionError(
        _(
            "{file} opened, but its content is not a valid contribution ({what}). Nothing was merged. "
            "Ask the laptop to export it again with an up-to-date PersonalBudget."
        ).format(file=path, what=what)
    )


def _unsupported(path: Path, what: str, version: object) -> ContributionError:
    return ContributionError(
        _(
            "{file} uses {what} version {version}, which this version of PersonalBudget cannot read. "
            "Nothing was merged. Use the same PersonalBudget version on the laptops and the hub."
        ).format(file=path, what=what, version=version)
    )


def unseal(path: Path, hub: Hub) -> bytes:
    """The plaintext payload of a contribution file, or a ``ContributionError`` naming the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ContributionError(_("There is no file {file}. Nothing was merged.").format(file=path)) from None
    except OSError as problem:
        raise ContributionError(
            _("{file} cannot be read ({problem}). Nothing was merged.").format(
                file=path, problem=type(problem).__name__
            )
        ) from None
    if not data.startswith(MAGIC):
        raise _not_contribution(path)
    fixed = len(MAGIC) + 6
    if len(data) < fixed:
        raise _damaged(path)
    version, header_length = struct.unpack(">HI", data[len(MAGIC) : fixed])
    if version != FORMAT_VERSION:
        raise _unsupported(path, _("contribution format"), version)
    if header_length > _MAX_HEADER or len(data) < fixed + header_length:
        raise _damaged(path)
    prefix = data[: fixed + header_length]
    try:
        header = json.loads(prefix[fixed:].decode("utf-8"))
        hub_id, key_id = header["hub_id"], header["recipient_key_id"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise _damaged(path) from None
    if hub_id != hub.public.hub_id or key_id != hub.public.key_id:
        raise ContributionError(
            _(
                "{file} was encrypted for another hub (hub {other}), not this one (hub {ours}). Nothing was "
                "merged. Ask the laptop to export again with this hub's hub-public-key.json."
            ).format(file=path, other=str(hub_id)[:8], ours=hub.public.hub_id[:8])
        )
    try:
        return _SUITE.decrypt(data[len(prefix) :], hub.private_key, info=prefix)
    except (InvalidTag, ValueError):
        raise _damaged(path) from None


def _parse_day(value: object) -> date:
    return date.fromisoformat(str(value))


def open_contribution(path: Path, hub: Hub) -> Contribution:
    """Decrypt and check one contribution: format, hub, schema version, every record."""
    plaintext = unseal(path, hub)
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _malformed(path, _("not JSON")) from None
    if not isinstance(payload, dict) or payload.get("kind") != PAYLOAD_KIND:
        raise _malformed(path, _("not a contribution payload"))
    if payload.get("schema_version") != DATASET_SCHEMA_VERSION:
        raise _unsupported(path, _("dataset schema"), payload.get("schema_version"))
    if payload.get("hub_id") != hub.public.hub_id:
        raise _malformed(path, _("made for another hub"))
    try:
        period = payload["period"]
        period_from, period_to = _parse_day(period["from"]), _parse_day(period["to"])
        data_until = _parse_day(payload["data_until"])
        generated_at = datetime.fromisoformat(str(payload["generated_at"]))
        generated_at = generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=UTC)
        raw_records = payload["records"]
        count = payload["record_count"]
    except (KeyError, TypeError, ValueError):
        raise _malformed(path, _("period, generation time or records missing")) from None
    if not isinstance(raw_records, list) or type(count) is not int or count != len(raw_records):
        raise _malformed(path, _("the record count does not match the records"))
    records = []
    pseudonymiser = hub.pseudonymiser()
    carries_contribution = payload.get(CONTRIBUTION_FIELDS) is True
    without = CONTRIBUTION_NONE if carries_contribution else CONTRIBUTION_UNKNOWN
    for number, raw in enumerate(raw_records, start=1):
        try:
            record = PersonRecord.from_dict(raw, without_contribution=without)
        except (ValueError, TypeError, KeyError):
            # Only the record's number: the values may be personal data.
            raise _malformed(path, _("record {n} is not valid").format(n=number)) from None
        if not _KEY_PATTERN.match(record.key):
            raise _malformed(path, _("record {n} is not keyed with the hub's keyed hash").format(n=number))
        records.append(replace(record, key=pseudonymiser.person_key(record.key)))  # the hub's pseudonym
    head = payload.get("audit_head")
    return Contribution(
        path=path,
        period_from=period_from,
        period_to=period_to,
        data_until=data_until,
        generated_at=generated_at,
        app_version=str(payload.get("app_version", "")),
        audit_head=head if isinstance(head, str) else None,
        records=tuple(records),
        carries_contribution=carries_contribution,
    )


# -- merging (at the hub) -----------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    """The de-duplicated records of several contributions, and what merging them found."""

    records: tuple[PersonRecord, ...]
    period_from: date
    period_to: date
    data_until: date  # the newest contribution's data date
    contributions: tuple[Contribution, ...]
    duplicate_people: int  # people found in more than one contribution (each counted once)
    shared_by: tuple[tuple[tuple[str, ...], int], ...] = ()  # (file names, people they share)
    fallback_keys: int = 0  # people matched on name and date of birth (no NHS number)
    repeated_within: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def report_lines(self) -> list[str]:
        """What the merge found, in words, without any identifier."""
        lines = [
            ngettext(
                "Merged {n} contribution: {people} people.",
                "Merged {n} contributions: {people} people.",
                len(self.contributions),
            ).format(n=len(self.contributions), people=len(self.records))
        ]
        if self.duplicate_people:
            lines.append(
                ngettext(
                    "{n} person was in more than one contribution and is counted once (the latest plan wins):",
                    "{n} people were in more than one contribution and are counted once (the latest plan wins):",
                    self.duplicate_people,
                ).format(n=self.duplicate_people)
            )
            for files, people in self.shared_by:
                lines.append(
                    "  "
                    + ngettext("{n} person in {files}", "{n} people in {files}", people).format(
                        n=people, files=", ".join(files)
                    )
                )
        else:
            lines.append(_("No one was in more than one contribution."))
        if self.fallback_keys:
            lines.append(
                ngettext(
                    "{n} person has no NHS number and was matched on name and date of birth, which is less reliable.",
                    "{n} people have no NHS number and were matched on name and date of birth, which is less reliable.",
                    self.fallback_keys,
                ).format(n=self.fallback_keys)
            )
        older = [c for c in self.contributions if not c.carries_contribution]
        if older:
            unknown = sum(1 for r in self.records if r.contribution_status == CONTRIBUTION_UNKNOWN)
            lines.append(
                ngettext(
                    "{n} person's contribution is unknown ({files}: made by an older PersonalBudget, without "
                    "the person's contribution); it is left out of the contribution figures.",
                    "{n} people's contributions are unknown ({files}: made by an older PersonalBudget, without "
                    "the person's contribution); they are left out of the contribution figures.",
                    unknown,
                ).format(files=", ".join(c.path.name for c in older), n=unknown)
            )
        if len({c.data_until for c in self.contributions}) > 1:
            lines.append(
                _(
                    "The contributions hold data up to different days; the figures are as at {day}, the newest."
                ).format(day=self.data_until.isoformat())
            )
        for name, repeats in self.repeated_within:
            lines.append(
                ngettext(
                    "{file}: {n} record shares its name and date of birth with another person in the same "
                    "contribution; both are kept.",
                    "{file}: {n} records share their name and date of birth with another person in the same "
                    "contribution; all are kept.",
                    repeats,
                ).format(file=name, n=repeats)
            )
        return lines


def merge_contributions(
    paths: Sequence[Path],
    hub: Hub,
    period_from: date | None = None,
    period_to: date | None = None,
) -> MergeResult:
    """Open and check every file first (any problem stops the whole merge), then de-duplicate.

    A key found in several contributions is one person: the contribution whose record for
    it has the latest ``plan_version_at`` wins (ties: the later generated contribution, then
    the later file given). Records sharing a key *within* one contribution are different
    people the laptop could not tell apart by name and birth date; they are all kept.
    """
    if not paths:
        raise ContributionError(_("Give at least one contribution file to merge."))
    names = [p.name for p in paths]
    if len(set(map(os.path.abspath, paths))) != len(paths):
        raise ContributionError(_("The same contribution file was given more than once. Nothing was merged."))
    seen: dict[str, Path] = {}
    for path in map(Path, paths):  # a copy of a file, under another name, is the same contribution
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # open_contribution names the file and the problem
        if digest in seen:
            raise ContributionError(
                _(
                    "{first} and {second} are the same contribution (identical files). Nothing was merged."
                ).format(first=seen[digest], second=path)
            )
        seen[digest] = path
    contributions = [open_contribution(Path(p), hub) for p in paths]
    want_from, want_to = period_from, period_to
    for contribution in contributions:
        want_from = want_from or contribution.period_from
        want_to = want_to or contribution.period_to
        if (contribution.period_from, contribution.period_to) != (want_from, want_to):
            raise ContributionError(
                _(
                    "{file} covers {start} to {end}, but the merge is for {want_start} to {want_end}. Nothing "
                    "was merged. Ask the laptop to export that period, or merge its period separately."
                ).format(
                    file=contribution.path,
                    start=contribution.period_from.isoformat(),
                    end=contribution.period_to.isoformat(),
                    want_start=want_from.isoformat(),
                    want_end=want_to.isoformat(),
                )
            )
    assert want_from is not None and want_to is not None

    by_key: dict[str, dict[int, list[PersonRecord]]] = defaultdict(lambda: defaultdict(list))
    for index, contribution in enumerate(contributions):
        for record in contribution.records:
            by_key[record.key][index].append(record)

    merged: list[PersonRecord] = []
    shared: Counter[tuple[str, ...]] = Counter()
    repeated: Counter[int] = Counter()
    duplicates = 0
    for found in by_key.values():
        for index, records in found.items():
            if len(records) > 1:
                repeated[index] += len(records)
        if len(found) > 1:
            duplicates += 1
            shared[tuple(names[i] for i in sorted(found))] += 1

        def rank(index: int, found: dict[int, list[PersonRecord]] = found) -> tuple[datetime, datetime, int]:
            return (max(r.plan_version_at for r in found[index]), contributions[index].generated_at, index)

        merged.extend(found[max(found, key=rank)])
    merged.sort(key=lambda r: r.key)
    return MergeResult(
        records=tuple(merged),
        period_from=want_from,
        period_to=want_to,
        data_until=max(c.data_until for c in contributions),
        contributions=tuple(contributions),
        duplicate_people=duplicates,
        shared_by=tuple(sorted(shared.items())),
        fallback_keys=sum(1 for r in merged if is_fallback(r.key)),
        repeated_within=tuple((names[i], n) for i, n in sorted(repeated.items())),
    )
