"""File > Export anonymised aggregates: choose the period and folder, preview every table as it
will be published, and export on a worker thread (CSV, datapackage.json, an Excel workbook)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from personalbudget.errors import PersonalBudgetError
from personalbudget.export.tables import PublishedTable
from personalbudget.i18n import _, format_number, ngettext
from personalbudget.services import Services
from personalbudget.services.export_service import ExportPreview, ExportResult, financial_year
from ui.accessibility import name_unnamed_controls
from ui.widgets.money_widgets import (
    date_field,
    fill_table,
    read_date,
    read_only_table,
    show_problem,
    wrapped_label,
)
from ui.workers import BackgroundTask, show_progress


def rules_text(preview: ExportPreview) -> str:
    rules = preview.rules
    return _(
        "Rules applied: counts of 1 to {small} people are shown as *; other counts are rounded to the nearest "
        "{base} (halves up); totals and medians only where at least {n} people contribute and the two largest "
        "make up no more than {d}%; never a minimum or maximum; small groups that are all or none for an "
        "outcome are hidden; more cells are hidden where totals would give a hidden cell away; localities "
        "with fewer than {t} people are pooled. A release of a period overlapping one already published is "
        "refused if any group changed by fewer than {t} people, or if the rules differ."
    ).format(
        small=rules.threshold - 1,
        base=rules.base,
        n=rules.min_contributors,
        d=int(rules.dominance * 100),
        t=rules.threshold,
    )


def shown(value: int | str) -> str:
    """A published value as a person reads it (1,234; * stays *)."""
    return format_number(value) if isinstance(value, int) else value


class ExportDialog(QDialog):
    """Export anonymised aggregates, with a preview of every table and the rules applied."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Export anonymised aggregates"))
        self._exporter = services.export
        today = services.context.clock.today()
        first, last = financial_year(today)
        self.start = date_field(_("First day of the period"), today)
        self.start.set_date(first)
        self.end = date_field(_("Last day of the period"), today)
        self.end.set_date(last)
        self.folder = QLineEdit()
        self.folder.setAccessibleName(_("Folder to export to"))
        self.folder.setPlaceholderText(_("A new or empty folder"))
        self.choose_button = QPushButton(_("Choose…"))
        self.choose_button.setAccessibleName(_("Choose the folder to export to"))
        self.choose_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        self.preview_button = QPushButton(_("&Preview"))
        self.preview_button.setAccessibleName(_("Preview the tables for this period"))
        self.preview_button.clicked.connect(self.refresh_preview)
        form = QFormLayout()
        form.addRow(_("From:"), self.start)
        form.addRow(_("To:"), self.end)
        form.addRow(_("Folder:"), folder_row)

        notice = wrapped_label(
            _(
                "Published tables are anonymised: they hold counts, totals and medians for groups of people, "
                "never a name, NHS number, date of birth, address, postcode, note or any row about one person. "
                "They are safe to share with strategic commissioners. The preview below shows every table "
                "exactly as it will be published."
            )
        )
        notice.setAccessibleName(_("What the export holds"))
        self.rules_label = wrapped_label("")
        self.rules_label.setAccessibleName(_("Disclosure rules applied"))
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Preview of the published tables"))
        self.status = wrapped_label("")
        self.status.setAccessibleName(_("Export status"))

        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton(_("&Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setAccessibleName(_("Export the tables to the folder"))
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(_("Close"))
        buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.start_export)

        layout = QVBoxLayout(self)
        layout.addWidget(notice)
        layout.addLayout(form)
        layout.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.rules_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(960, 640)
        self.preview: ExportPreview | None = None
        self._previewed: tuple[date, date] | None = None
        self.export_result: ExportResult | None = None
        self.task: BackgroundTask | None = None
        self.refresh_preview()
        name_unnamed_controls(self)

    # -- the period and the preview ----------------------------------------------------------
    def _period(self) -> tuple[date, date] | None:
        try:
            start = read_date(self.start, _("From"))
            end = read_date(self.end, _("To"))
        except ValueError as problem:
            show_problem(self, _("Check the dates"), problem)
            return None
        if start is None or end is None or end < start:
            show_problem(
                self, _("Check the dates"), ValueError(_("Enter both dates, the first before the last."))
            )
            return None
        return start, end

    def refresh_preview(self) -> None:
        period = self._period()
        if period is None:
            return
        try:
            self.preview = self._exporter.preview(*period)
        except PersonalBudgetError as problem:
            show_problem(self, _("Could not preview the export"), problem)
            return
        self._previewed = period
        self.rules_label.setText(rules_text(self.preview))
        self.tabs.clear()
        for table in self.preview.tables:
            self.tabs.addTab(self._table_page(table), _(table.spec.title))
        name_unnamed_controls(self)

    def _table_page(self, table: PublishedTable) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        about = wrapped_label(
            _("Grain: {grain}").format(grain=_(table.spec.grain))
            + ("\n" + " ".join(table.notes) if table.notes else "")
        )
        about.setAccessibleName(_("How the table {title} is made").format(title=_(table.spec.title)))
        headers = [_(d.title) for d in table.spec.dimensions] + [_("Measure"), _("Value")]
        view = read_only_table(_(table.spec.title), headers, stretch=len(table.spec.dimensions) - 1)
        view.setAccessibleDescription(_("Each row is one published cell; * means suppressed."))
        titles = {m.name: _(m.title) for m in table.spec.measures}
        fill_table(
            view,
            [[*row.dims, titles.get(row.measure, row.measure), shown(row.value)] for row in table.rows],
            right=(len(headers) - 1,),
        )
        layout.addWidget(about)
        layout.addWidget(view, 1)
        return page

    # -- the export ----------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Folder to export to"), self.folder.text())
        if chosen:
            self.folder.setText(str(Path(chosen) / "anonymised-aggregates"))

    def start_export(self) -> BackgroundTask | None:
        period = self._period()
        if period is None:
            return None
        if period != self._previewed:  # the preview must show exactly what is published
            self.refresh_preview()
            self.status.setText(
                _("The preview now shows the period you chose. Check it, then press Export again.")
            )
            return None
        folder = self.folder.text().strip()
        if not folder:
            show_problem(self, _("Choose a folder"), ValueError(_("Choose the folder to export to.")))
            return None
        exporter, out = self._exporter, Path(folder)

        def job(progress):
            return exporter.export(period[0], period[1], out, progress=progress)

        task = BackgroundTask(job, self)
        task.succeeded.connect(self._on_exported)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(lambda: self.status.setText(_("Export cancelled; nothing was written.")))
        task.finished.connect(lambda: self.export_button.setEnabled(True))
        self.export_button.setEnabled(False)
        self.task = task
        show_progress(
            task, self, _("Exporting anonymised aggregates"), _("Building and checking the tables…")
        )
        task.start()
        return task

    def _on_exported(self, result: object) -> None:
        if not isinstance(result, ExportResult):  # cancelled just before it was written
            self.status.setText(_("Export cancelled; nothing was written."))
            return
        self.export_result = result
        self.status.setText(
            ngettext(
                "Exported {n} file to {folder}.", "Exported {n} files to {folder}.", len(result.files)
            ).format(n=len(result.files), folder=result.out_dir)
            + (
                " " + _("The tables are the same as an earlier release of this period.")
                if result.identical_to_earlier
                else ""
            )
        )

    def _on_failed(self, problem: object) -> None:
        if isinstance(problem, PersonalBudgetError | ValueError):
            self.status.setText(str(problem))
            show_problem(self, _("The export was not made"), problem)
        else:
            self.status.setText(
                _("The export failed ({kind}); nothing was written.").format(kind=type(problem).__name__)
            )
