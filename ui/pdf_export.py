"""Saving a PDF from the UI, the one way every page does it: a file chooser (unless the file is
given), then the writing on a worker thread with a progress dialog, and a word on how it went."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from ui.workers import BackgroundTask, show_progress


def choose_pdf_file(parent: QWidget, caption: str, suggested_name: str) -> Path | None:
    """Ask where to save a PDF, starting in the documents folder; None if the person cancels."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, caption, str(Path(folder) / suggested_name), _("PDF documents (*.pdf)")
    )
    if not chosen:
        return None
    out = Path(chosen)
    return out if out.suffix.lower() == ".pdf" else out.with_suffix(".pdf")


def save_pdf(
    parent: QWidget,
    write: Callable[[Path], object],
    *,
    out: Path | None,
    caption: str,
    suggested_name: Callable[[], str],
    progress_title: str,
    saved: str,
    not_printed: str,
    status: Callable[[str], object],
) -> BackgroundTask | None:
    """Write a PDF with ``write(path)`` on a worker thread, asking where first unless ``out`` is given.

    ``saved`` is the status message once written (with ``{file}``); ``not_printed`` the title of the
    warning if it fails. Returns the started task, or None if the person cancelled the file chooser.
    """
    if out is None:
        out = choose_pdf_file(parent, caption, suggested_name())
        if out is None:
            return None
    target = out
    task = BackgroundTask(lambda _progress: write(target), parent)
    show_progress(task, parent, progress_title, _("Writing {file}…").format(file=target.name))

    def succeeded(path: object) -> None:
        status(saved.format(file=path))

    def failed(problem: object) -> None:
        message = (
            str(problem)
            if isinstance(problem, PersonalBudgetError | OSError)
            else _("The PDF could not be written.")
        )
        QMessageBox.warning(parent, not_printed, message)

    task.succeeded.connect(succeeded)
    task.failed.connect(failed)
    task.start()
    return task
