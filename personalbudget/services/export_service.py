"""The anonymised aggregate export of the caseload (docs/security.md, rules 1-7): preview, export, the ledger.

extract the pseudonymised records -> build the published tables (disclosure control applied
once) -> check the release ledger (rule against differencing) -> write the folder atomically,
recording the release just before it is renamed into place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from personalbudget.domain.roles import Permission
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.audit import audit_release, require_passed
from personalbudget.export.contribution import ContributionSummary, write_contribution
from personalbudget.export.dataset import PersonRecord, extract_records
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import HubPublicKey
from personalbudget.export.outputs import ReleaseMetadata, check_destination, content_hash, write_release
from personalbudget.export.release_register import (
    DatabaseRegisterStore,
    ReleaseEntry,
    ReleaseRegister,
)
from personalbudget.export.tables import Period, PublishedTable, build_tables
from personalbudget.i18n import _
from personalbudget.services.context import ServiceContext
from personalbudget.services.settings_service import DisclosureSettings, SettingsService
from personalbudget.storage import postgres_security
from personalbudget.storage.audit import HEAD_KEY
from personalbudget.storage.models import Setting

Progress = Callable[[int, int], bool]  # (done, total) -> carry on?


def rules_from(settings: DisclosureSettings) -> DisclosureRules:
    return DisclosureRules(
        threshold=settings.threshold,
        base=settings.base,
        min_contributors=settings.min_contributors,
        dominance=Fraction(settings.dominance_percent, 100),
    )


@dataclass(frozen=True)
class ExportPreview:
    """The tables exactly as they would be published, and the rules applied."""

    period: Period
    rules: DisclosureRules
    tables: tuple[PublishedTable, ...]
    content_hash: str


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    files: tuple[Path, ...]
    content_hash: str
    release: ReleaseEntry
    identical_to_earlier: bool


class ExportService:
    def __init__(self, context: ServiceContext, settings: SettingsService):
        self._ctx = context
        self._settings = settings

    def rules(self) -> DisclosureRules:
        return rules_from(self._settings.disclosure())

    def _period(self, period_from: date, period_to: date) -> Period:
        if period_to < period_from:
            raise PersonalBudgetError(_("The period ends before it starts."))
        today = self._ctx.clock.today()
        return Period(period_from, period_to, today if today < period_to else None)

    def preview(self, period_from: date, period_to: date) -> ExportPreview:
        """Build every table for the period as it would be published (nothing is written)."""
        self._ctx.require(Permission.EXPORT_AGGREGATES)
        period = self._period(period_from, period_to)
        rules = self.rules()
        records = self._records(period)
        tables = tuple(build_tables(records, rules, period))
        return ExportPreview(period, rules, tables, content_hash(tables))

    def _require_whole_caseload(self) -> None:
        """An export covers every person: on a team caseload the account must read them all (the
        server's pb_reporting group), or the figures would be of its own people, saying nothing."""
        with self._ctx.db.session() as session:
            readable = postgres_security.whole_caseload_readable(session.connection())
        if not readable:
            raise PersonalBudgetError(
                _(
                    "Exports and contributions cover everyone on the team caseload, and your account "
                    "does not read everyone's records. Ask the database administrator to give your "
                    "account whole-caseload reading (the pb_reporting group; see docs/team.md), then "
                    "try again."
                )
            )

    def _records(self, period: Period) -> list[PersonRecord]:
        """Every person's pseudonymised record (the caller has checked the permission)."""
        self._require_whole_caseload()
        return extract_records(self._ctx.db, period.start, period.end, today=self._ctx.clock.today())

    def contribution(
        self, out: Path, hub: HubPublicKey, period_from: date, period_to: date
    ) -> ContributionSummary:
        """Write this caseload's contribution for the strategic hub to ``out``: every person's
        pseudonymised record, encrypted to the hub (docs/security.md, "Contributions and the strategic
        hub"). Only roles that may see people's records may send one (``EXPORT_CONTRIBUTION``), checked
        before anything is read; the audit trail records who sent how many records to which hub."""
        self._ctx.require(Permission.EXPORT_CONTRIBUTION)
        self._require_whole_caseload()
        return write_contribution(
            self._ctx.db, out, hub, period_from, period_to, self._ctx.clock.now(), actor=self._ctx.actor
        )

    def releases(self) -> list[ReleaseEntry]:
        """Every export attempt so far (the release ledger), oldest first."""
        self._ctx.require(Permission.EXPORT_AGGREGATES)
        return DatabaseRegisterStore(self._ctx.db).entries()

    def audit_head(self) -> str:
        with self._ctx.db.session() as session:
            row = session.get(Setting, HEAD_KEY)
            return row.value if row is not None else ""

    def export(
        self, period_from: date, period_to: date, out_dir: Path, progress: Progress | None = None
    ) -> ExportResult | None:
        """Export the period's published tables into ``out_dir`` (CSV, datapackage.json, XLSX).

        Raises ``DifferencingRefusedError`` (recorded in the ledger) when the release ledger's rule
        refuses it. Returns None, having written and recorded nothing, when ``progress`` asks to stop.
        """
        self._ctx.require(Permission.EXPORT_AGGREGATES)
        check_destination(Path(out_dir))  # before anything is read, recorded or changed
        report = progress or (lambda _done, _total: True)
        steps = 5
        if not report(0, steps):
            return None
        period = self._period(period_from, period_to)
        rules = self.rules()
        records = self._records(period)
        if not report(1, steps):
            return None
        tables = tuple(build_tables(records, rules, period))
        digest = content_hash(tables)
        audit = audit_release(tables, rules)  # the independent audit of every release (issue 15)
        require_passed(audit)  # a release it can break is not written
        if not report(2, steps):
            return None
        ledger = ReleaseRegister(DatabaseRegisterStore(self._ctx.db), rules.threshold)
        table_ids = [t.spec.id for t in tables]
        now = self._ctx.clock.now()
        people = ledger.hash_people(records, rules)
        decision = ledger.check(period.start, period.end, people, digest, rules)
        if not decision.allowed:  # record the refusal (it raises)
            ledger.release(period.start, period.end, records, table_ids, digest, now, rules)
        metadata = ReleaseMetadata(period, rules, now, digest, self.audit_head(), audit=audit.metadata())
        recorded: list[ReleaseEntry] = []

        def commit() -> None:
            if not report(4, steps):
                raise _Stop
            recorded.append(ledger.release(period.start, period.end, records, table_ids, digest, now, rules))

        if not report(3, steps):
            return None
        try:
            files = write_release(Path(out_dir), tables, metadata, before_commit=commit)
        except _Stop:
            return None
        report(steps, steps)
        return ExportResult(Path(out_dir), tuple(files), digest, recorded[0], decision.identical_to_earlier)


class _Stop(Exception):
    """Cancelled just before the release was committed: nothing written, nothing recorded."""


def financial_year(today: date) -> tuple[date, date]:
    """The UK financial year (1 April to 31 March) that ``today`` falls in."""
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)
