"""Printing a support plan to PDF from the UI: a save dialog, then the work off the main thread."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.services import Services
from ui.app_signals import AppSignals
from ui.workers import BackgroundTask, show_progress


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
    if out is None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = suggested_file_name(person.name, plan.version if plan else None, easy_read=easy_read)
        caption = _("Save the easy read plan as PDF") if easy_read else _("Save the support plan as PDF")
        chosen, _filter = QFileDialog.getSaveFileName(
            parent, caption, str(Path(folder) / name), _("PDF documents (*.pdf)")
        )
        if not chosen:
            return None
        out = Path(chosen)
        if out.suffix.lower() != ".pdf":
            out = out.with_suffix(".pdf")
    write = services.reports.write_easy_read_plan if easy_read else services.reports.write_plan
    task = BackgroundTask(lambda _progress: write(person_id, out), parent)
    title = _("Printing the easy read plan") if easy_read else _("Printing the support plan")
    show_progress(task, parent, title, _("Writing {file}…").format(file=out.name))

    def succeeded(path: object) -> None:
        saved = _("Saved the support plan to {file}")
        if easy_read:
            saved = _("Saved the easy read plan to {file}")
        signals.status_message.emit(saved.format(file=path))

    def failed(problem: object) -> None:
        message = (
            str(problem)
            if isinstance(problem, PersonalBudgetError | OSError)
            else _("The PDF could not be written.")
        )
        QMessageBox.warning(parent, _("The plan was not printed"), message)

    task.succeeded.connect(succeeded)
    task.failed.connect(failed)
    task.start()
    return task
