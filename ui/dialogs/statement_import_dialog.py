"""Importing a bank or prepaid-card statement: choose the file, say which columns hold what
(remembered per source), check the first rows, then import on a worker thread with a progress
bar and a cancel button. Nothing is saved unless every row can be read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.statement_parsing import (
    DATE_FORMATS,
    DELIMITERS,
    ENCODINGS,
    MAX_ROWS,
    ColumnMapping,
    CsvPreview,
    ImportCancelled,
    StatementError,
    decode,
    parse_csv,
    sniff_format,
    suggest_mapping,
)
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_date, format_money, format_number, ngettext
from personalbudget.services import Services
from personalbudget.services.statement_import_service import ImportReport, NearDuplicate, NearDuplicatesFound
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.theme import DONE, MUTED_TEXT, OVERDUE
from ui.widgets.money_widgets import wrapped_label
from ui.workers import BackgroundTask, ProgressCallback, show_progress

PREVIEW_ROWS = 12
CHECK_ROWS = 200
NEW_SOURCE = ""


class StatementImportDialog(QDialog):
    imported = Signal(object)  # ImportReport

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        person_id: int,
        path: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = person_id
        self._data = b""
        self._path: Path | None = None
        self._format = ""
        self._keep_near: set[int] | None = None  # the near-duplicates the person chose to import
        self._columns: tuple[str, ...] = ()
        self._loading = False
        self._pending: ColumnMapping | None = None
        self.task: BackgroundTask | None = None
        self.report: ImportReport | None = None
        self.last_error: PersonalBudgetError | None = None
        self.setWindowTitle(_("Import a statement"))
        self.resize(860, 620)

        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setAccessibleName(_("Statement file"))
        self.choose_button = QPushButton(_("Choose file…"))
        self.choose_button.setAccessibleName(_("Choose the statement file"))
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(_("File:")))
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        self.info_label = wrapped_label()
        self.info_label.setAccessibleName(_("About the file"))

        # How to read it.
        self.mapping_box = QGroupBox(_("How to read the columns"))
        self.saved = QComboBox()
        self.saved.setAccessibleName(_("Saved column mapping for this source"))
        self.saved.currentIndexChanged.connect(self._saved_chosen)
        self.delimiter = QComboBox()
        self.delimiter.setAccessibleName(_("What separates the columns"))
        for value, label in DELIMITERS.items():
            self.delimiter.addItem(_(label), value)
        self.encoding = QComboBox()
        self.encoding.setAccessibleName(_("Text encoding"))
        for value, label in ENCODINGS.items():
            self.encoding.addItem(_(label), value)
        self.has_header = QCheckBox(_("The first row holds the column names"))
        self.has_header.setAccessibleName(_("The first row holds the column names"))
        self.date_format = QComboBox()
        self.date_format.setAccessibleName(_("Date format"))
        for value, label in DATE_FORMATS.items():
            self.date_format.addItem(_(label), value)
        self.date_column = self._column_combo(_("Column with the date"))
        self.description_column = self._column_combo(_("Column with the description or payee"))
        self.one_column = QRadioButton(_("One amount column (money out is negative)"))
        self.one_column.setAccessibleName(_("One amount column"))
        self.two_columns = QRadioButton(_("Separate money out and money in columns"))
        self.two_columns.setAccessibleName(_("Separate money out and money in columns"))
        self.amount_mode = QButtonGroup(self)
        self.amount_mode.addButton(self.one_column)
        self.amount_mode.addButton(self.two_columns)
        self.one_column.setChecked(True)
        self.amount_column = self._column_combo(_("Column with the amount"))
        self.debit_column = self._column_combo(_("Column with money out"))
        self.credit_column = self._column_combo(_("Column with money in"))
        self.spending_positive = QCheckBox(_("Money spent shows as a positive amount (some card exports)"))
        self.spending_positive.setAccessibleName(_("Money spent shows as a positive amount"))
        self.remember = QCheckBox(_("Remember this mapping for this source as:"))
        self.remember.setAccessibleName(_("Remember this mapping"))
        self.remember.setChecked(True)
        self.mapping_name = QLineEdit()
        self.mapping_name.setAccessibleName(_("Name of the source, e.g. the bank"))
        self.mapping_name.setPlaceholderText(_("e.g. Cymru Building Society current account"))
        for widget in (self.delimiter, self.encoding, self.date_format):
            widget.currentIndexChanged.connect(self._reread)
        self.has_header.toggled.connect(self._reread)
        for widget in (
            self.date_column,
            self.description_column,
            self.amount_column,
            self.debit_column,
            self.credit_column,
        ):
            widget.currentIndexChanged.connect(self._check)
        self.one_column.toggled.connect(self._mode_changed)
        self.spending_positive.toggled.connect(self._check)

        grid = QGridLayout(self.mapping_box)
        left = QFormLayout()
        left.addRow(_("Source:"), self.saved)
        left.addRow(_("Separator:"), self.delimiter)
        left.addRow(_("Encoding:"), self.encoding)
        left.addRow("", self.has_header)
        left.addRow(_("Dates:"), self.date_format)
        right = QFormLayout()
        right.addRow(_("Date:"), self.date_column)
        right.addRow(_("Description:"), self.description_column)
        right.addRow(self.one_column)
        right.addRow(_("Amount:"), self.amount_column)
        right.addRow(self.two_columns)
        right.addRow(_("Money out:"), self.debit_column)
        right.addRow(_("Money in:"), self.credit_column)
        right.addRow(self.spending_positive)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        remember_row = QHBoxLayout()
        remember_row.addWidget(self.remember)
        remember_row.addWidget(self.mapping_name, 1)
        grid.addLayout(remember_row, 1, 0, 1, 2)

        self.preview = QTableWidget(0, 0)
        self.preview.setAccessibleName(_("The first rows of the file"))
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setTabKeyNavigation(False)
        self.preview.verticalHeader().setVisible(False)
        self.check_label = wrapped_label()
        self.check_label.setAccessibleName(_("Check of the first rows"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = QPushButton(_("Import"))
        self.import_button.setAccessibleName(_("Import the statement"))
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addWidget(self.info_label)
        layout.addWidget(self.mapping_box)
        layout.addWidget(QLabel(_("The first rows of the file:")))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.check_label)
        layout.addWidget(self.buttons)
        self._fill_saved()
        self._mode_changed()
        self.import_button.setEnabled(False)
        if path is not None:
            self.load_file(path)
        name_unnamed_controls(self)

    # -- choosing and reading the file --------------------------------------------------------------
    def choose_file(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a statement"),
            folder,
            _("Statements (*.csv *.txt *.ofx *.qfx *.qif);;All files (*)"),
        )
        if chosen:
            self.load_file(Path(chosen))

    def load_file(self, path: Path) -> bool:
        try:
            data = Path(path).read_bytes()
        except OSError as problem:
            QMessageBox.warning(self, _("Cannot read the file"), f"{path}: {problem.strerror or problem}")
            return False
        self._data, self._path = data, Path(path)
        self._keep_near = None
        self.file_edit.setText(str(path))
        try:
            self._format = sniff_format(data) if data.strip() else "csv"
        except StatementError as problem:
            self._show_error(problem)
            self._format = ""
            self.import_button.setEnabled(False)
            return False
        self.import_button.setEnabled(True)
        if self._format != "csv":
            self.mapping_box.setEnabled(False)
            self.info_label.setText(
                {
                    "ofx": _(
                        "An OFX statement: the bank says which column is which, so no mapping is needed."
                    ),
                    "qif": _("A QIF statement ('Quicken' or 'Money'): no mapping is needed."),
                    "santander": _("A Santander text statement: no mapping is needed."),
                }[self._format]
            )
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.check_label.setText("")
            return True
        self.mapping_box.setEnabled(True)
        try:
            preview, saved = self._services.statement_imports.preview(data)
        except StatementError as problem:
            self._show_error(problem)
            return True
        self._loading = True
        self.saved.setCurrentIndex(max(self.saved.findData(saved.name if saved else NEW_SOURCE), 0))
        self._set_mapping(preview.suggested)
        if saved is not None:
            self.mapping_name.setText(saved.name)
        self._loading = False
        self._show_preview(preview)
        return True

    # -- the mapping --------------------------------------------------------------------------------
    def mapping(self) -> ColumnMapping:
        one = self.one_column.isChecked()
        return ColumnMapping(
            date_column=self.date_column.currentData() or "",
            description_column=self.description_column.currentData() or "",
            amount_column=(self.amount_column.currentData() or "") if one else "",
            debit_column="" if one else (self.debit_column.currentData() or ""),
            credit_column="" if one else (self.credit_column.currentData() or ""),
            delimiter=self.delimiter.currentData(),
            encoding=self.encoding.currentData(),
            has_header=self.has_header.isChecked(),
            date_format=self.date_format.currentData(),
            spending_positive=self.spending_positive.isChecked(),
        )

    def set_columns(self, **roles: str) -> None:
        """Choose columns by name: date=, description=, amount=, debit=, credit= (as a person would)."""
        combos = {
            "date": self.date_column,
            "description": self.description_column,
            "amount": self.amount_column,
            "debit": self.debit_column,
            "credit": self.credit_column,
        }
        for role, name in roles.items():
            combos[role].setCurrentIndex(max(combos[role].findData(name), 0))
        if "debit" in roles or "credit" in roles:
            self.two_columns.setChecked(True)
        if "amount" in roles:
            self.one_column.setChecked(True)
        self._check()

    def _set_mapping(self, mapping: ColumnMapping) -> None:
        was = self._loading
        self._loading = True
        self.delimiter.setCurrentIndex(max(self.delimiter.findData(mapping.delimiter), 0))
        self.encoding.setCurrentIndex(max(self.encoding.findData(mapping.encoding), 0))
        self.has_header.setChecked(mapping.has_header)
        self.date_format.setCurrentIndex(max(self.date_format.findData(mapping.date_format), 0))
        self.spending_positive.setChecked(mapping.spending_positive)
        self._pending = mapping
        self._loading = was

    def _column_combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setMinimumWidth(160)
        return combo

    def _fill_columns(self, columns: tuple[str, ...], mapping: ColumnMapping) -> None:
        self._columns = columns
        self._loading = True
        for combo, chosen in (
            (self.date_column, mapping.date_column),
            (self.description_column, mapping.description_column),
            (self.amount_column, mapping.amount_column),
            (self.debit_column, mapping.debit_column),
            (self.credit_column, mapping.credit_column),
        ):
            current = chosen or combo.currentData() or ""
            combo.clear()
            combo.addItem(_("(none)"), "")
            for name in columns:
                combo.addItem(name, name)
            combo.setCurrentIndex(max(combo.findData(current), 0))
        if mapping.amount_column:
            self.one_column.setChecked(True)
        elif mapping.debit_column or mapping.credit_column:
            self.two_columns.setChecked(True)
        self._loading = False
        self._mode_changed()

    def _mode_changed(self) -> None:
        one = self.one_column.isChecked()
        self.amount_column.setEnabled(one)
        self.debit_column.setEnabled(not one)
        self.credit_column.setEnabled(not one)
        self._check()

    def _fill_saved(self) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem(_("A new source"), NEW_SOURCE)
        for saved in self._services.statement_imports.mappings():
            self.saved.addItem(saved.name, saved.name)
        self.saved.blockSignals(False)

    def _saved_chosen(self) -> None:
        if self._loading or not self._data or self._format != "csv":
            return
        name = self.saved.currentData()
        if not name:
            return
        saved = self._services.statement_imports.get_mapping(name)
        self.mapping_name.setText(saved.name)
        self._set_mapping(saved.mapping)
        self._reread()

    def _reread(self) -> None:
        """Read the start of the file again with the chosen separator, encoding and header setting."""
        if self._loading or not self._data or self._format != "csv":
            return
        current = self._pending or self.mapping()
        self._pending = None
        wanted = ColumnMapping(
            date_column=current.date_column,
            description_column=current.description_column,
            amount_column=current.amount_column,
            debit_column=current.debit_column,
            credit_column=current.credit_column,
            delimiter=self.delimiter.currentData(),
            encoding=self.encoding.currentData(),
            has_header=self.has_header.isChecked(),
            date_format=self.date_format.currentData(),
            spending_positive=self.spending_positive.isChecked(),
        )
        try:
            preview, _saved = self._services.statement_imports.preview(self._data, wanted)
        except StatementError as problem:
            self._show_error(problem)
            return
        if wanted.date_column not in preview.columns:  # new columns: guess again from their names
            self._pending = suggest_mapping(preview.columns, [list(r) for r in preview.rows], wanted)
        self._show_preview(preview)

    def _show_preview(self, preview: CsvPreview) -> None:
        mapping = self._pending or preview.suggested
        self._pending = None
        self._fill_columns(preview.columns, mapping)
        info = ngettext(
            "A CSV statement with {n} row, read as {encoding}.",
            "A CSV statement with {n} rows, read as {encoding}.",
            preview.total_rows,
        ).format(
            n=format_number(preview.total_rows), encoding=_(ENCODINGS.get(preview.encoding, preview.encoding))
        )
        notes = list(preview.notes)
        if preview.total_rows > MAX_ROWS:
            notes.append(
                _("That is more than one statement can have ({limit}): export a shorter period.").format(
                    limit=format_number(MAX_ROWS)
                )
            )
        if notes:
            info += " " + " ".join(notes)
        self.info_label.setText(info)
        self.info_label.setStyleSheet(f"color: {OVERDUE};" if notes else "")
        self.preview.clear()
        self.preview.setColumnCount(len(preview.columns))
        self.preview.setHorizontalHeaderLabels(list(preview.columns))
        shown = preview.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        for r, row in enumerate(shown):
            for c, value in enumerate(row[: len(preview.columns)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.preview.resizeColumnsToContents()
        self._check()

    def _check(self) -> None:
        """Read the first rows with the mapping as it stands and say how it went, in words."""
        if self._loading or self._format != "csv" or not self._data:
            return
        mapping = self.mapping()
        setup = mapping.problems()
        if setup:
            self.check_label.setText(setup[0].describe())
            self.check_label.setStyleSheet(f"color: {MUTED_TEXT};")
            return
        try:
            text, _used = decode(self._data, mapping.encoding)
            head = "\n".join(text.split("\n", CHECK_ROWS + 1)[: CHECK_ROWS + 1]).encode("utf-8")
            parsed = parse_csv(head, replace(mapping, encoding="utf-8"))
        except StatementError as problem:
            first = problem.problems[0].describe() if problem.problems else problem.summary
            self.check_label.setText(_("Problem: {problem}").format(problem=first))
            self.check_label.setStyleSheet(f"color: {OVERDUE};")
            return
        money_in = sum(r.amount_pence for r in parsed.rows if r.amount_pence > 0)
        money_out = -sum(r.amount_pence for r in parsed.rows if r.amount_pence < 0)
        first_row = parsed.rows[0] if parsed.rows else None
        text = ngettext(
            "The first {n} row reads correctly: {money_in} in, {money_out} out.",
            "The first {n} rows read correctly: {money_in} in, {money_out} out.",
            len(parsed.rows),
        ).format(n=len(parsed.rows), money_in=format_money(money_in), money_out=format_money(money_out))
        if first_row is not None:
            text += " " + _("First: {date}, {description}, {amount}.").format(
                date=format_date(first_row.posted_on),
                description=first_row.description,
                amount=format_money(first_row.amount_pence),
            )
        self.check_label.setText(text)
        self.check_label.setStyleSheet(f"color: {DONE};")

    # -- importing ----------------------------------------------------------------------------------
    def start_import(self) -> BackgroundTask | None:
        if not self._data and self._path is None:
            return None
        mapping = None if self._format != "csv" else self.mapping()
        keep = self._keep_near
        remember = (
            self._format == "csv" and self.remember.isChecked() and bool(self.mapping_name.text().strip())
        )
        name = self.mapping_name.text().strip() if self._format == "csv" else ""
        data, file_name, person_id = self._data, self._path.name if self._path else "", self._person_id
        imports = self._services.statement_imports

        def job(progress: ProgressCallback) -> object:
            return imports.import_statement(
                person_id,
                data,
                file_name=file_name,
                mapping=mapping,
                mapping_name=name,
                remember_mapping=remember,
                progress=progress,
                keep_near_duplicates=keep,
            )

        self.import_button.setEnabled(False)
        self.task = BackgroundTask(job, self)
        show_progress(
            self.task,
            self,
            _("Importing the statement"),
            _("Reading and saving {file}…").format(file=file_name),
        )
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.finished.connect(lambda: self.import_button.setEnabled(True))
        self.task.start()
        return self.task

    def _succeeded(self, report: object) -> None:
        assert isinstance(report, ImportReport)
        self.report = report
        self._signals.status_message.emit(
            ngettext(
                "Imported {n} transaction from {file}", "Imported {n} transactions from {file}", report.added
            ).format(n=format_number(report.added), file=report.file_name)
        )
        self.imported.emit(report)
        QMessageBox.information(self, _("Statement imported"), "\n".join(report.lines()))
        self.accept()

    def _failed(self, problem: object) -> None:
        if isinstance(problem, NearDuplicatesFound):
            self.last_error = problem
            chooser = NearDuplicatesDialog(problem.near, self)
            self.near_dialog = chooser
            if chooser.exec() == QDialog.DialogCode.Accepted:
                self._keep_near = chooser.chosen()
                self.start_import()
            return
        if isinstance(problem, ImportCancelled):
            self.last_error = problem
            self._signals.status_message.emit(str(problem))
            QMessageBox.information(self, _("Import cancelled"), str(problem))
            return
        if isinstance(problem, PersonalBudgetError):
            self._show_error(problem)
            return
        QMessageBox.warning(self, _("Nothing was imported"), _("The statement could not be imported."))

    def _show_error(self, problem: PersonalBudgetError) -> None:
        self.last_error = problem
        if isinstance(problem, StatementError):
            lines = [problem.summary, ""]
            lines += [f"• {p.describe()}" for p in problem.problems]
            if problem.total_problems > len(problem.problems):
                lines.append(
                    _("…and {n} more.").format(
                        n=format_number(problem.total_problems - len(problem.problems))
                    )
                )
            text = "\n".join(lines)
        else:
            text = str(problem)
        self.check_label.setText(text.split("\n")[0])
        self.check_label.setStyleSheet(f"color: {OVERDUE};")
        QMessageBox.warning(self, _("Nothing was imported"), text)


class NearDuplicatesDialog(QDialog):
    """Rows that look like transactions already held (same amount and payee, a few days apart):
    the person ticks the ones to import; the others are left out. Nothing is merged unseen."""

    def __init__(self, near: list[NearDuplicate], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Already in the ledger?"))
        self._near = near
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrapped_label(
                ngettext(
                    "This row has the same amount and payee as a transaction already in the ledger, a few days "
                    "apart. It may be the same payment, or a second one. Tick it to import it.",
                    "These {n} rows have the same amount and payee as transactions already in the ledger, a few "
                    "days apart. Each may be the same payment, or a second one. Tick the ones to import.",
                    len(near),
                ).format(n=format_number(len(near)))
            )
        )
        self.table = QTableWidget(len(near), 5)
        self.table.setHorizontalHeaderLabels(
            [_("Import"), _("Row"), _("In this file"), _("Amount"), _("Already held")]
        )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()  # the file's own row numbers are a column
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.boxes: list[QCheckBox] = []
        for index, item in enumerate(near):
            box = QCheckBox()
            box.setAccessibleName(_("Import row {row}").format(row=item.row))
            self.boxes.append(box)
            self.table.setCellWidget(index, 0, box)
            cells = [
                str(item.row),
                f"{format_date(item.posted_on)} {item.description}",
                format_money(item.amount_pence),
                f"{format_date(item.held_on)} {item.held_description}",
            ]
            for column, text in enumerate(cells, start=1):
                self.table.setItem(index, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton(
            _("Import the ticked rows"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 360)
        name_unnamed_controls(self)

    def chosen(self) -> set[int]:
        return {item.row for item, box in zip(self._near, self.boxes, strict=True) if box.isChecked()}
