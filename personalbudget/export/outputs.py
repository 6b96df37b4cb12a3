"""Writing a release: tidy CSV per table, ``datapackage.json`` and ``aggregates.xlsx``, atomically.

The folder is built in a temporary folder beside the destination and renamed into place only
when every file is written, so there is never a half export. Each release carries its metadata
(docs/security.md, rule 7): period, grain of every table, rules and thresholds, schema and app
versions, generation time, the content hash of the tables and the audit chain's latest hash.

The content hash covers the published tables only (the CSV bytes, in table order), not the
generation time, so re-publishing the same figures gives the same hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from personalbudget import APP_NAME, __version__
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.dataset import DATASET_SCHEMA_VERSION
from personalbudget.export.disclosure import SUPPRESSED, DisclosureRules
from personalbudget.export.tables import TABLES_SCHEMA_VERSION, Period, PublishedTable
from personalbudget.i18n import N_, _

DATAPACKAGE = "datapackage.json"
WORKBOOK = "aggregates.xlsx"
_NOTICE = N_(
    "These tables are anonymised aggregates: no row describes a person. Counts of 1-{small} are shown "
    "as *, other counts are rounded to the nearest {base}, and totals and medians appear only where at "
    "least {least} people contribute. Do not try to re-identify anyone from them."
)


def anonymised_notice(rules: DisclosureRules, translate: bool = True) -> str:
    """The notice every release carries, stating the rules actually used."""
    text = _(_NOTICE) if translate else _NOTICE
    return text.format(small=rules.threshold - 1, base=rules.base, least=rules.min_contributors)


# The notice for the default rules (kept for callers that print it without a release to hand).
ANONYMISED_NOTICE = anonymised_notice(DisclosureRules(), translate=False)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: int | str) -> int | str:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_csv(table: PublishedTable) -> bytes:
    """The table in tidy (long) form: its dimensions, then measure and value; '*' is suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([spreadsheet_safe(v) for v in (*row.dims, row.measure, row.value)])
    return out.getvalue().encode("utf-8")


def content_hash(tables: Sequence[PublishedTable]) -> str:
    """sha256 over every table's id and CSV bytes, in order: the same figures give the same hash."""
    digest = hashlib.sha256()
    for table in tables:
        body = table_csv(table)
        digest.update(f"{table.spec.id}\n{len(body)}\n".encode())
        digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class ReleaseMetadata:
    """What every release says about itself."""

    period: Period
    rules: DisclosureRules
    generated_at: datetime
    content_hash: str
    audit_head: str  # the audit chain's latest hash ("events:hash"), or "" where there is none (hub)
    source: str = "caseload"  # caseload | hub
    extra: tuple[tuple[str, str], ...] = ()  # e.g. the hub's contribution count
    audit: dict[str, Any] | None = None  # the independent disclosure audit's result (``export.audit``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.describe(),
            "rules": self.rules.describe(),
            "thresholds": {
                "threshold": self.rules.threshold,
                "base": self.rules.base,
                "min_contributors": self.rules.min_contributors,
                "dominance": f"{self.rules.dominance.numerator}/{self.rules.dominance.denominator}",
            },
            "app": APP_NAME,
            "app_version": __version__,
            "dataset_schema_version": DATASET_SCHEMA_VERSION,
            "tables_schema_version": TABLES_SCHEMA_VERSION,
            "generated_at": self.generated_at.astimezone(UTC).isoformat(),
            "content_hash": self.content_hash,
            "audit_head": self.audit_head,
            "source": self.source,
            "notice": anonymised_notice(self.rules),
            **({"disclosure_audit": self.audit} if self.audit is not None else {}),
            **dict(self.extra),
        }


def _field(name: str, title: str, description: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "title": title, "description": description, "type": kind, **extra}


def datapackage(tables: Sequence[PublishedTable], metadata: ReleaseMetadata) -> dict[str, Any]:
    """The Frictionless Data Package descriptor for the release."""
    resources = []
    for table in tables:
        spec = table.spec
        fields = [
            _field(
                d.name,
                d.title,
                d.description,
                "string",
                constraints={
                    "required": True,
                    "enum": sorted({str(spreadsheet_safe(r.dims[i])) for r in table.rows}),
                },
            )
            for i, d in enumerate(spec.dimensions)
        ]
        fields.append(
            _field(
                "measure",
                "Measure",
                "; ".join(f"{m.name}: {m.description} ({m.unit})" for m in spec.measures),
                "string",
                constraints={"required": True, "enum": [m.name for m in spec.measures]},
            )
        )
        fields.append(
            _field("value", "Value", "The published value; * where suppressed (read as missing).", "integer")
        )
        resources.append(
            {
                "name": spec.id,
                "path": f"{spec.id}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "title": spec.title,
                "description": spec.grain,
                "hash": "sha256:" + hashlib.sha256(table_csv(table)).hexdigest(),
                "bytes": len(table_csv(table)),
                "schema": {"fields": fields, "missingValues": [SUPPRESSED]},
                "notes": list(table.notes),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "personalbudget-anonymised-aggregates",
        "title": "PersonalBudget anonymised aggregates",
        "description": anonymised_notice(metadata.rules),
        "version": f"{metadata.period.start.isoformat()}_{metadata.period.end.isoformat()}",
        "created": metadata.generated_at.astimezone(UTC).isoformat(),
        "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
        "personalbudget": metadata.to_dict(),
        "resources": resources,
    }


def _workbook(tables: Sequence[PublishedTable], metadata: ReleaseMetadata, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    readme = book.active
    readme.title = "README"
    bold = Font(bold=True)
    readme.append(["PersonalBudget anonymised aggregates"])
    readme["A1"].font = bold
    readme.append([anonymised_notice(metadata.rules)])
    readme.append([])

    def flatten(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                flatten(f"{prefix}.{key}" if prefix else key, inner)
        else:
            readme.append([prefix, str(value)])

    flatten("", metadata.to_dict())
    readme.append([])
    readme.append(["Table (sheet)", "Title", "Grain", "Rules applied"])
    for cell in readme[readme.max_row]:
        cell.font = bold
    for table in tables:
        readme.append([table.spec.id, table.spec.title, table.spec.grain, " ".join(table.notes)])
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 60
    for table in tables:
        sheet = book.create_sheet(table.spec.id[:31])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([*row.dims, row.measure, row.value])
        for index in range(len(table.columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 28
        sheet.freeze_panes = "A2"
    for sheet in book.worksheets:  # text is text: nothing typed into the app becomes a formula
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    book.save(path)


def check_destination(out_dir: Path) -> None:
    """Refuse a destination a release may not be written to: a file, or a folder holding other files
    (an earlier release, with its ``datapackage.json``, may be replaced). Callers check this first,
    before anything is read, recorded or changed."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise PersonalBudgetError(_("{path} is a file, not a folder.").format(path=out_dir))
        contents = list(out_dir.iterdir())
        if contents and not (out_dir / DATAPACKAGE).exists():
            raise PersonalBudgetError(
                _("{path} already holds other files; choose a new or empty folder for the export.").format(
                    path=out_dir
                )
            )


def write_release(
    out_dir: Path,
    tables: Sequence[PublishedTable],
    metadata: ReleaseMetadata,
    *,
    before_commit: Callable[[], None] | None = None,
) -> list[Path]:
    """Write the release into ``out_dir`` atomically and return the files written.

    ``out_dir`` must be new, empty, or an earlier release (it is then replaced whole). The files
    are written to a temporary folder beside it; ``before_commit`` (e.g. recording the release in
    the ledger) runs once they are all written, and only then is the folder renamed into place.
    Any failure leaves ``out_dir`` as it was.
    """
    out_dir = Path(out_dir)
    check_destination(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for table in tables:
            (temp / f"{table.spec.id}.csv").write_bytes(table_csv(table))
        (temp / DATAPACKAGE).write_text(
            json.dumps(datapackage(tables, metadata), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _workbook(tables, metadata, temp / WORKBOOK)
        if before_commit is not None:
            before_commit()
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}")
            out_dir.rename(old)
        temp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return sorted(out_dir.iterdir())
