"""Printing a support plan to PDF from the UI (through ui/pdf_export.py)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.services import Services
from ui.app_signals import AppSignals
from ui.pdf_export import save_pdf
from ui.workers import BackgroundTask


def suggested_file_name(person_name: str, version: int | None, *, easy_read: bool = False) -> str:
    safe = re.sub(r"[^\w\- ]+", "", person_name).strip().replace(" ", "-") or "plan"
    kind = "easy-read-plan" if easy_read else "support-plan"
    return f"{kind}-{safe}" + (f"-v{version}" if version else "") + ".pdf"


def export_plan_pdf(
    parent: QWidget,
    services: Services,
    signals: AppSignals,
    person_id: int,
    *,
    out: Path | None = None,
    easy_read: bool = False,
) -> BackgroundTask | None:
    """Ask where to save (unless ``out`` is given) and write the plan PDF on a worker thread.

    ``easy_read``: the easy read plan (pictures, short sentences, large type) instead.
    """
    try:
        person = services.people.get_person(person_id)
        plan = services.plans.get_plan(person_id)
    except PersonalBudgetError as problem:
        QMessageBox.warning(parent, _("Cannot print the plan"), str(problem))
        return None
    write = services.reports.write_easy_read_plan if easy_read else services.reports.write_plan
    return save_pdf(
        parent,
        lambda path: write(person_id, path),
        out=out,
        caption=_("Save the easy read plan as PDF") if easy_read else _("Save the support plan as PDF"),
        suggested_name=lambda: suggested_file_name(
            person.name, plan.version if plan else None, easy_read=easy_read
        ),
        progress_title=_("Printing the easy read plan") if easy_read else _("Printing the support plan"),
        saved=_("Saved the easy read plan to {file}") if easy_read else _("Saved the support plan to {file}"),
        not_printed=_("The plan was not printed"),
        status=signals.status_message.emit,
    )
