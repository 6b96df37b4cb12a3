"""The hub's release: merged contributions -> the same published tables as a caseload export.

open and check every contribution (any problem: nothing written) -> de-duplicate people by
keyed hash (latest plan wins) -> ``build_tables`` once, with the hub's disclosure rules ->
the hub's JSON release ledger (rule against differencing) -> ``write_release`` atomically,
the release recorded in the ledger just before the folder is renamed into place.

The published tables are anonymised; the contributions are not (they stay at the hub).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from personalbudget.clock import Clock
from personalbudget.errors import PersonalBudgetError
from personalbudget.export.audit import audit_release, require_passed
from personalbudget.export.contribution import MergeResult, merge_contributions
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.hub import Hub
from personalbudget.export.outputs import ReleaseMetadata, check_destination, content_hash, write_release
from personalbudget.export.release_register import ReleaseEntry, ReleaseRegister
from personalbudget.export.tables import Period, PublishedTable, build_tables
from personalbudget.i18n import _, ngettext


@dataclass(frozen=True)
class HubRelease:
    out_dir: Path
    files: tuple[Path, ...]
    content_hash: str
    release: ReleaseEntry
    identical_to_earlier: bool
    merge: MergeResult
    tables: tuple[PublishedTable, ...]

    @property
    def lines(self) -> list[str]:
        lines = self.merge.report_lines()
        if self.identical_to_earlier:
            lines.append(_("The tables are identical to an earlier release of this period; re-published."))
        lines.append(
            ngettext(
                "Wrote {n} file to {folder} (content hash {hash}).",
                "Wrote {n} files to {folder} (content hash {hash}).",
                len(self.files),
            ).format(n=len(self.files), folder=self.out_dir, hash=self.content_hash[:16])
        )
        return lines


def check_rules(rules: DisclosureRules) -> DisclosureRules:
    """The hub's rules may be stricter than the defaults of docs/security.md, never looser (as for a caseload)."""
    floor = DisclosureRules()
    if (
        rules.threshold < floor.threshold
        or rules.base < floor.base
        or rules.min_contributors < floor.min_contributors
        or not 0 < rules.dominance <= floor.dominance
    ):
        raise PersonalBudgetError(
            _(
                "Disclosure rules can only be stricter than the defaults: threshold at least {t}, rounding "
                "base at least {b}, at least {m} contributors, dominance share at most {d}."
            ).format(t=floor.threshold, b=floor.base, m=floor.min_contributors, d=float(floor.dominance))
        )
    return rules


def merged_period(merge: MergeResult) -> Period:
    """The period of the merge; ``data_until`` as a caseload export sets it (only if before the end)."""
    until = merge.data_until if merge.data_until < merge.period_to else None
    return Period(merge.period_from, merge.period_to, until)


def publish_merge(
    paths: Sequence[Path],
    hub: Hub,
    out_dir: Path,
    rules: DisclosureRules,
    clock: Clock,
    period_from: date | None = None,
    period_to: date | None = None,
) -> HubRelease:
    """Merge the contributions and publish their tables into ``out_dir`` (all or nothing).

    Raises ``ContributionError`` (a bad file; nothing written, nothing recorded) or
    ``DifferencingRefusedError`` (recorded in the hub's ledger; nothing written).
    """
    check_rules(rules)
    check_destination(Path(out_dir))
    merge = merge_contributions(paths, hub, period_from, period_to)
    period = merged_period(merge)
    tables = tuple(build_tables(merge.records, rules, period))
    digest = content_hash(tables)
    audit = audit_release(tables, rules)  # the independent audit of every release (issue 15)
    require_passed(audit)  # a release it can break is not written, nor recorded
    ledger = ReleaseRegister(hub.ledger_store(), rules.threshold)
    records = merge.records
    table_ids = [t.spec.id for t in tables]
    now = clock.now()
    decision = ledger.check(period.start, period.end, ledger.hash_people(records, rules), digest, rules)
    if not decision.allowed:  # record the refusal (it raises)
        ledger.release(period.start, period.end, records, table_ids, digest, now, rules)
    heads = [c.audit_head or "" for c in merge.contributions]
    metadata = ReleaseMetadata(
        period,
        rules,
        now,
        digest,
        audit_head="",
        source="hub",
        audit=audit.metadata(),
        extra=(
            ("hub_id", hub.public.hub_id),
            ("contributions", str(len(merge.contributions))),
            ("contribution_audit_heads", " ".join(heads)),
        ),
    )
    recorded: list[ReleaseEntry] = []

    def commit() -> None:
        recorded.append(ledger.release(period.start, period.end, records, table_ids, digest, now, rules))

    files = write_release(Path(out_dir), tables, metadata, before_commit=commit)
    return HubRelease(
        Path(out_dir), tuple(files), digest, recorded[0], decision.identical_to_earlier, merge, tables
    )
