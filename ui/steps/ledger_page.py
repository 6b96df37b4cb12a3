"""Step 6, live life: the ledger with its running balance, statement imports, spending against
the plan with the forecast and alerts (in words), a chart of planned against actual spending,
the categorisation rules, and the budget statement PDF."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.monitoring import (
    ALLOWANCE_WEEKS,
    OVERSPEND_MIN_PENCE,
    OVERSPEND_TOLERANCE,
    AlertKind,
    Monitoring,
    Status,
    budget_year,
)
from personalbudget.domain.roles import Permission
from personalbudget.domain.surplus import SurplusForm
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import N_, _, format_date, format_money, format_number, ngettext
from personalbudget.services import Services
from personalbudget.services.charging_service import ContributionLedger
from personalbudget.services.ledger_service import LedgerData
from personalbudget.services.monitoring_service import MonitoringView
from personalbudget.services.payee_rule_service import RuleForm
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.dialogs.ledger_dialogs import (
    ContributionPaymentDialog,
    LinkDialog,
    MoneySettingsDialog,
    StatementPeriodDialog,
    SurplusDialog,
    TransactionDialog,
)
from ui.dialogs.statement_import_dialog import StatementImportDialog
from ui.models.ledger_table_model import Column, LedgerTableModel
from ui.pdf_export import save_pdf
from ui.steps.plan_table_widget import Column as RuleColumn
from ui.steps.plan_table_widget import PlanTableWidget
from ui.steps.spend_chart_widget import SpendChartWidget
from ui.steps.step_page import PersonView
from ui.theme import MUTED_TEXT, OVERDUE
from ui.theme import colour as theme_colour
from ui.widgets.money_widgets import fill_table, read_only_table, show_problem, wrapped_label
from ui.workers import BackgroundTask

ALERT_WORDS = {
    AlertKind.OVERDRAWN: N_("Overdrawn"),
    AlertKind.OVERSPEND: N_("Overspend"),
    AlertKind.RUNNING_OUT: N_("Running out"),
    AlertKind.SURPLUS: N_("Surplus"),
    AlertKind.PAYMENTS_MISSING: N_("Payments missing"),
    AlertKind.OTHER_POT: N_("Another pot's item"),
}
FILTER_DELAY_MS = 150  # typing in the search box filters once the typing pauses


def _link_value(plan_item_id: int | None, category: str) -> str:
    return f"item:{plan_item_id}" if plan_item_id is not None else f"category:{category}" if category else ""


def _parse_link(value: str) -> tuple[int | None, str]:
    kind, _sep, rest = value.partition(":")
    if kind == "item":
        return int(rest), ""
    if kind == "category":
        return None, rest
    return None, ""


class _FittingPage(QWidget):
    """Holds the page's content and fills the space there is (the ledger table scrolls itself); the
    page only scrolls as a whole when the space is smaller than the content's minimum.

    The content sits in a child rather than a layout here: a scroll area sizes a layout that has
    wrapped labels to its preferred height, which would scroll the table out of view."""

    def __init__(self, inner: QWidget):
        super().__init__()
        self.inner = inner
        inner.setParent(self)

    def minimumSizeHint(self) -> QSize:
        return self.inner.minimumSizeHint()

    def sizeHint(self) -> QSize:
        return self.inner.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.inner.setGeometry(self.rect())
        super().resizeEvent(event)


class LedgerPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._ledger: LedgerData | None = None
        self._monitoring: MonitoringView | None = None
        self._forecast_text = ""
        self.task: BackgroundTask | None = None

        # Where the money stands, always in view.
        self.balance_label = QLabel()
        self.balance_label.setObjectName("ledgerBalance")
        font = self.balance_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.balance_label.setFont(font)
        self.balance_label.setAccessibleName(_("Balance"))
        self.forecast_label = wrapped_label(rich=True)
        self.forecast_label.setAccessibleName(_("Forecast balance at the end of the budget year"))
        self.alerts_label = wrapped_label(rich=True)
        self.alerts_label.setAccessibleName(_("Alerts"))
        self.import_button = QPushButton(_("Import statement…"))
        self.import_button.setAccessibleName(_("Import a bank or card statement"))
        self.import_button.clicked.connect(self.ask_import)
        self.add_button = QPushButton(_("Add…"))
        self.add_button.setAccessibleName(_("Add a transaction by hand"))
        self.add_button.setToolTip(_("Add a transaction by hand (cash, or one not on a statement)"))
        self.add_button.clicked.connect(self.ask_add)
        self.statement_button = QPushButton(_("Statement PDF…"))
        self.statement_button.setAccessibleName(_("Print a budget statement for a period as a PDF"))
        self.statement_button.setToolTip(_("Print a budget statement for a period (for audit)"))
        self.statement_button.clicked.connect(lambda: self.print_statement())
        summary = QFrame()
        summary.setObjectName("ledgerSummary")
        summary.setFrameShape(QFrame.Shape.StyledPanel)
        summary_layout = QVBoxLayout(summary)
        summary_layout.setContentsMargins(8, 4, 8, 4)
        summary_layout.setSpacing(2)
        figures = QHBoxLayout()
        figures.addWidget(self.balance_label)
        figures.addSpacing(12)
        figures.addWidget(self.forecast_label, 1)
        summary_layout.addLayout(figures)
        summary_layout.addWidget(self.alerts_label)
        # The person's contribution in words when they fall behind (its own tab has the detail).
        self.contribution_alert_label = wrapped_label(rich=True)
        self.contribution_alert_label.setAccessibleName(_("The person's contribution"))
        self.contribution_alert_label.setVisible(False)
        summary_layout.addWidget(self.contribution_alert_label)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("The budget account"))
        self._ledger_tab, self._plan_tab = self._build_ledger_tab(), self._build_plan_tab()
        self.tabs.addTab(self._ledger_tab, _("Ledger"))
        self.tabs.addTab(self._plan_tab, _("Against the plan"))
        self._chart_tab = self._build_chart_tab()
        self.tabs.addTab(self._chart_tab, _("Chart"))
        self.tabs.addTab(self._build_rules_tab(), _("Rules"))
        self._contribution_tab = self._build_contribution_tab()
        self.tabs.addTab(self._contribution_tab, _("Contribution"))
        # Let every tab shrink with the window (the tab widget takes its tallest page's minimum).
        for view in (self.table, self.rules.table, self.chart_table):
            view.setMinimumHeight(64)
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 2)
        corner_layout.addWidget(self.import_button)
        corner_layout.addWidget(self.statement_button)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        # Tab goes from the tabs to the buttons beside them, then into the page (reading order).
        QWidget.setTabOrder(self.tabs.tabBar(), self.import_button)
        QWidget.setTabOrder(self.import_button, self.statement_button)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(summary)
        content_layout.addWidget(self.tabs, 1)
        self.no_account_label = wrapped_label()
        self.no_account_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.no_account_label.setAccessibleName(_("No accounts kept yet"))
        self.stack = QStackedWidget()
        self.stack.addWidget(content)
        self.stack.addWidget(self.no_account_label)

        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack, 1)
        self.setWidget(_FittingPage(inner))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)

    # -- building ------------------------------------------------------------------------------
    def _build_ledger_tab(self) -> QWidget:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(_("Search descriptions and plan items"))
        self.filter_edit.setAccessibleName(_("Search the ledger"))
        self.filter_edit.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._filter_changed)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.unlinked_check = QCheckBox(_("Not linked only"))
        self.unlinked_check.setAccessibleName(_("Show only transactions not linked to the plan"))
        self.unlinked_check.toggled.connect(self._filter_changed)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(f"color: {MUTED_TEXT};")

        self.model = LedgerTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("ledgerTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName(
            _("Ledger: payments in and spending out, newest first, with the balance")
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        metrics = self.fontMetrics()
        widths = {
            Column.DATE: metrics.horizontalAdvance("30 Sept 2026") + 16,
            Column.LINK: metrics.horizontalAdvance("Personal assistant: PA") + 16,
            Column.MONEY_IN: metrics.horizontalAdvance("£10,000.00") + 16,
            Column.MONEY_OUT: metrics.horizontalAdvance("£10,000.00") + 16,
            Column.BALANCE: metrics.horizontalAdvance("-£10,000.00") + 16,
        }
        for column in Column:
            if column == Column.DESCRIPTION:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(column, widths[column])
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.activated.connect(lambda _i: self.ask_link())  # double-click or Enter

        self.link_button = QPushButton(_("Link to plan…"))
        self.link_button.setAccessibleName(_("Link the selected transactions to a plan item"))
        self.link_button.setToolTip(
            _("Link the selected transactions to an item of the plan (or double-click one)")
        )
        self.link_button.clicked.connect(self.ask_link)
        self.more_button = QToolButton()
        self.more_button.setText(_("More"))
        self.more_button.setAccessibleName(_("More ledger actions"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more = QMenu(self.more_button)
        self.delete_action = more.addAction(_("Delete the selected transaction entered by hand…"))
        self.delete_action.triggered.connect(self.ask_delete)
        self.undo_action = more.addAction(_("Undo the last statement import…"))
        self.undo_action.triggered.connect(self.ask_undo_import)
        self.more_button.setMenu(more)
        # Everything for the ledger on one row above it, so the table keeps the height.
        tools = QHBoxLayout()
        tools.addWidget(self.filter_edit, 1)
        tools.addWidget(self.unlinked_check)
        tools.addWidget(self.add_button)
        tools.addWidget(self.link_button)
        tools.addWidget(self.more_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        return tab

    def _build_plan_tab(self) -> QWidget:
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName(_("Budget year"))
        self.year_combo.currentIndexChanged.connect(self._year_changed)
        self.settings_button = QPushButton(_("Local rules…"))
        self.settings_button.setAccessibleName(_("Local rules for surplus and reminders"))
        self.settings_button.clicked.connect(self.ask_settings)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Budget year:")))
        top.addWidget(self.year_combo)
        top.addStretch(1)
        self.surplus_button = QPushButton(_("Surplus…"))
        self.surplus_button.setAccessibleName(
            _("Record the conversation about a surplus and what was agreed")
        )
        self.surplus_button.clicked.connect(self.ask_surplus)
        top.addWidget(self.surplus_button)
        top.addWidget(self.settings_button)
        self.plan_table = read_only_table(
            _("Spending against the plan, item by item"),
            [_("Plan item"), _("This year"), _("So far"), _("Spent"), _("Difference"), _("Status")],
            stretch=0,
        )
        self.plan_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.alerts_detail = wrapped_label(rich=True)
        self.alerts_detail.setAccessibleName(_("Alerts"))
        self.method_label = wrapped_label()
        self.method_label.setAccessibleName(_("How the figures are worked out"))
        self.method_label.setStyleSheet(f"color: {MUTED_TEXT};")
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(4, 4, 4, 4)
        body_layout.addLayout(top)
        body_layout.addWidget(self.plan_table)
        body_layout.addWidget(self.alerts_detail)
        self.surplus_label = wrapped_label(rich=True)
        self.surplus_label.setAccessibleName(_("What was agreed about a surplus"))
        body_layout.addWidget(self.surplus_label)
        body_layout.addWidget(self.method_label)
        body_layout.addStretch(1)
        scroll = (
            QScrollArea()
        )  # the table at its full height, then the alerts and the method, scrolled together
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        return scroll

    def _build_chart_tab(self) -> QWidget:
        self.chart = SpendChartWidget()
        self.chart_table = read_only_table(
            _("Planned and actual spending by month (the chart as a table)"),
            [_("Month"), _("Planned"), _("Actual")],
        )
        self.chart_words = wrapped_label()
        self.chart_words.setAccessibleName(_("The chart in words"))
        self.chart_words.setVisible(
            False
        )  # the same words are the chart's tooltip and accessible description
        self.chart_table.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("Sept 2026 £10,000.00 £10,000.00 by 30 Sept") + 60
        )
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.chart_table)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.chart_words)
        layout.addWidget(splitter, 1)
        return tab

    def _build_rules_tab(self) -> QWidget:
        self.rules = PlanTableWidget(
            _("Categorisation rules"),
            [RuleColumn(_("Payee or description contains"), stretch=True), RuleColumn(_("Link to"), ())],
            _("Add rule"),
        )
        self.save_rules_button = QPushButton(_("Save rules"))
        self.save_rules_button.setAccessibleName(_("Save the categorisation rules"))
        self.save_rules_button.clicked.connect(self.save_rules)
        self.apply_rules_button = QPushButton(_("Apply to unlinked"))
        self.apply_rules_button.setAccessibleName(_("Apply the rules to transactions not yet linked"))
        self.apply_rules_button.clicked.connect(self.apply_rules)
        explanation = wrapped_label(
            _(
                "Imported transactions are linked to the plan by these rules, first match wins: when the "
                "payee or description contains the text (capitals do not matter)."
            )
        )
        top = QHBoxLayout()
        top.addWidget(explanation, 1)
        top.addWidget(self.save_rules_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.apply_rules_button, 0, Qt.AlignmentFlag.AlignTop)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.rules, 1)
        return tab

    def _build_contribution_tab(self) -> QWidget:
        self.contribution_label = wrapped_label(rich=True)
        self.contribution_label.setAccessibleName(_("The person's contribution: due, paid and arrears"))
        self.contribution_table = read_only_table(
            _("The person's payments towards their contribution"),
            [_("Date"), _("Amount"), _("Paid into"), _("Note")],
            stretch=3,
        )
        self.contribution_pay_button = QPushButton(_("Record a payment…"))
        self.contribution_pay_button.setAccessibleName(
            _("Record a payment the person made towards their contribution")
        )
        self.contribution_pay_button.clicked.connect(self.ask_contribution_payment)
        self.contribution_delete_button = QPushButton(_("Delete payment"))
        self.contribution_delete_button.setAccessibleName(_("Delete the chosen contribution payment"))
        self.contribution_delete_button.clicked.connect(self.ask_delete_contribution_payment)
        self.contribution_title = wrapped_label(rich=True)
        tools = QHBoxLayout()
        tools.addWidget(self.contribution_title, 1)
        tools.addWidget(self.contribution_pay_button, 0, Qt.AlignmentFlag.AlignTop)
        tools.addWidget(self.contribution_delete_button, 0, Qt.AlignmentFlag.AlignTop)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(tools)
        layout.addWidget(self.contribution_label)
        layout.addWidget(self.contribution_table, 1)
        self._contribution: ContributionLedger | None = None
        return tab

    # -- public ---------------------------------------------------------------------------------
    def contribution(self) -> ContributionLedger | None:
        """The person's contribution account shown (None when no contribution is charged)."""
        return self._contribution

    def record_contribution_payment(self, paid_on: date | None, amount: str, note: str = "") -> bool:
        try:
            self._services.charging.record_payment(self._person_id, paid_on, amount, note)
        except PersonalBudgetError as problem:
            show_problem(self, _("The payment was not recorded"), problem)
            return False
        self.refresh()
        self._signals.status_message.emit(_("Contribution payment recorded"))
        return True

    def ask_contribution_payment(self) -> None:
        dialog = ContributionPaymentDialog(self._services.context.clock.today(), self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if self.record_contribution_payment(dialog.paid_on(), dialog.amount.text(), dialog.note.text()):
                return

    def ask_delete_contribution_payment(self) -> None:
        if self._contribution is None:
            return
        rows = self.contribution_table.selectionModel().selectedRows()
        if not rows:
            return
        payment = self._contribution.payments[rows[0].row()]
        answer = QMessageBox.question(
            self,
            _("Delete the payment?"),
            _("Delete the payment of {amount} on {date}?").format(
                amount=format_money(payment.amount_pence), date=format_date(payment.paid_on)
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self._services.charging.delete_payment(self._person_id, payment.payment_id)
        except PersonalBudgetError as problem:
            show_problem(self, _("The payment was not deleted"), problem)
            return
        self.refresh()

    def record_surplus_decision(self, form: SurplusForm) -> bool:
        """Record the conversation and option about a surplus; the person's words are shown to read out."""
        try:
            decision = self._services.charging.record_surplus_decision(self._person_id, form)
        except PersonalBudgetError as problem:
            show_problem(self, _("The surplus decision was not recorded"), problem)
            return False
        QMessageBox.information(self, _("What the person is told"), decision.told_in_words)
        self._show_surplus()
        return True

    def ask_surplus(self) -> None:
        try:
            view = self._services.charging.surplus(self._person_id)
        except PersonalBudgetError as problem:
            show_problem(self, _("Cannot work out the surplus"), problem)
            return
        dialog = SurplusDialog(view, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if self.record_surplus_decision(dialog.form()):
                return

    def person_view(self) -> PersonView:
        """The balance said in the person's words in place of the figures; the rules and the
        actions on the account are for whoever manages the money."""
        view = PersonView(anchor=self.alerts_label)
        view.staff(self.balance_label, self.forecast_label, self.alerts_label)  # the staff's checks, in pence
        rules_tab = self.rules.parentWidget()
        assert rules_tab is not None  # the rules' tab, built with the page
        view.staff_tabs.append(rules_tab)
        view.staff(
            self.import_button,
            self.add_button,
            self.link_button,
            self.more_button,
            self.settings_button,
            self.save_rules_button,
            self.apply_rules_button,
            permission=Permission.MANAGE_MONEY,
        )
        view.staff(self.statement_button, permission=Permission.PRINT)
        view.tab_words += [
            (self._ledger_tab, N_("Money in and out")),
            (self._plan_tab, N_("My spending and my plan")),
        ]
        view.say(self.statement_button, N_("Print a statement"))
        # The money in and out to the pound; spending against the plan (in pence, by the plan's
        # lines) is said in the plain summary instead.
        view.staff_tabs += [self._plan_tab, self._chart_tab, self._contribution_tab]  # their figures in pence
        view.on_switch.append(self.model.set_to_the_pound)
        return view

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            ledger, monitoring = self._services.ledger.overview(person_id)
        except PersonalBudgetError as problem:
            show_problem(self, _("Cannot show the ledger"), problem)
            return
        self._show_ledger(ledger)
        if monitoring is not None:
            self._show_monitoring(monitoring)
            self._load_rules()
        self._show_contribution()
        self._show_surplus()
        name_unnamed_controls(self)

    def refresh(self) -> None:
        if self._person_id:
            self.show_person(self._person_id)

    def ledger(self) -> LedgerData | None:
        """The ledger shown (for the balance in words in co-production mode)."""
        return self._ledger

    def monitoring(self) -> MonitoringView | None:
        """Spending against the plan as shown (for the person's plain summary in co-production mode)."""
        return self._monitoring

    def refresh_monitoring(self, year_start: date | None = None) -> None:
        try:
            view = self._services.monitoring.monitoring(self._person_id, year_start)
        except PersonalBudgetError as problem:
            show_problem(self, _("Cannot work out spending against the plan"), problem)
            return
        self._show_monitoring(view)

    def import_dialog(self, path: Path | None = None) -> StatementImportDialog:
        dialog = StatementImportDialog(self._services, self._signals, self._person_id, path, self)
        dialog.imported.connect(lambda _report: self.refresh())
        return dialog

    def ask_import(self) -> None:
        """Choose the statement file, then say how to read it (the mapping) and import it."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a statement to import"),
            folder,
            _("Statements (*.csv *.txt *.ofx *.qfx);;All files (*)"),
        )
        if chosen:
            self.import_dialog(Path(chosen)).open()

    def ask_add(self) -> None:
        if self._ledger is None:
            return
        dialog = TransactionDialog(self._services, self._person_id, self._ledger.choices, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self._signals.status_message.emit(_("Transaction added"))

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.transaction_id(row) for row in rows]

    def ask_link(self) -> None:
        ids = self.selected_ids()
        if not ids or self._ledger is None:
            return
        dialog = LinkDialog(self._ledger.choices, len(ids), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.link(ids, *dialog.choice())

    def link(self, ids: list[int], plan_item_id: int | None, category: str = "") -> bool:
        try:
            changed = self._services.ledger.link_transactions(self._person_id, ids, plan_item_id, category)
        except PersonalBudgetError as problem:
            show_problem(self, _("The transactions were not linked"), problem)
            return False
        self.refresh()
        self._signals.status_message.emit(
            ngettext("Linked {n} transaction", "Linked {n} transactions", changed).format(n=changed)
        )
        return True

    def ask_delete(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        answer = QMessageBox.question(
            self, _("Delete transaction"), _("Delete this transaction entered by hand?")
        )
        if answer == QMessageBox.StandardButton.Yes:
            try:
                self._services.ledger.delete_transaction(self._person_id, ids[0])
            except PersonalBudgetError as problem:
                show_problem(self, _("The transaction was not deleted"), problem)
                return
            self.refresh()

    def ask_undo_import(self) -> None:
        imports = self._services.statement_imports.imports(self._person_id)
        if not imports:
            return
        last = imports[0]
        answer = QMessageBox.question(
            self,
            _("Undo import"),
            ngettext(
                "Remove the {n} transaction imported from {file} on {date}?",
                "Remove the {n} transactions imported from {file} on {date}?",
                last.rows_added,
            ).format(n=last.rows_added, file=last.file_name, date=format_date(last.imported_at.date())),
        )
        if answer == QMessageBox.StandardButton.Yes:
            removed = self._services.statement_imports.undo_import(self._person_id, last.import_id)
            self.refresh()
            self._signals.status_message.emit(
                ngettext(
                    "Removed {n} imported transaction", "Removed {n} imported transactions", removed
                ).format(n=removed)
            )

    def ask_settings(self) -> None:
        if MoneySettingsDialog(self._services, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh_monitoring(self.year_combo.currentData())

    def rule_forms(self) -> list[RuleForm]:
        out = []
        for contains, target in self.rules.rows():
            item_id, category = _parse_link(target)
            out.append(RuleForm(contains, item_id, category))
        return out

    def save_rules(self) -> bool:
        try:
            self._services.payee_rules.save_rules(self._person_id, self.rule_forms())
        except PersonalBudgetError as problem:
            show_problem(self, _("The rules were not saved"), problem)
            return False
        self._signals.status_message.emit(_("Rules saved"))
        self._load_rules()
        return True

    def apply_rules(self) -> int:
        if not self.save_rules():
            return 0
        changed = self._services.payee_rules.apply_rules(self._person_id)
        self.refresh()
        QMessageBox.information(
            self,
            _("Rules applied"),
            ngettext(
                "{n} transaction was linked to the plan.",
                "{n} transactions were linked to the plan.",
                changed,
            ).format(n=format_number(changed)),
        )
        return changed

    def print_statement(
        self, period: tuple[date, date] | None = None, out: Path | None = None
    ) -> BackgroundTask | None:
        today = self._services.context.clock.today()
        if period is None:
            dialog = StatementPeriodDialog(today, budget_year(today)[0], self)
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.period is None:
                return None
            period = dialog.period
        start, end = period
        person_id, reports = self._person_id, self._services.reports

        def suggested_name() -> str:
            person = self._services.people.get_person(person_id)
            safe = re.sub(r"[^\w\- ]+", "", person.name).strip().replace(" ", "-") or "statement"
            return f"budget-statement-{safe}-{start.isoformat()}-to-{end.isoformat()}.pdf"

        task = save_pdf(
            self,
            lambda path: reports.write_statement(person_id, start, end, path),
            out=out,
            caption=_("Save the budget statement as PDF"),
            suggested_name=suggested_name,
            progress_title=_("Printing the budget statement"),
            saved=_("Saved the budget statement to {file}"),
            not_printed=_("The statement was not printed"),
            status=self._signals.status_message.emit,
        )
        if task is not None:
            self.task = task
        return task

    # -- showing ----------------------------------------------------------------------------------
    def _show_ledger(self, ledger: LedgerData) -> None:
        self._ledger = ledger
        if not ledger.has_account:
            self.no_account_label.setText(
                _(
                    "No accounts are kept for this budget yet. Record how the budget is managed in step 4; "
                    "for a direct payment the ledger, statements and monitoring appear here."
                )
            )
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        self.model.set_ledger(ledger)
        self.balance_label.setText(_("Balance: {amount}").format(amount=format_money(ledger.balance)))
        self.balance_label.setStyleSheet(f"color: {OVERDUE};" if ledger.balance < 0 else "")
        self.balance_label.setToolTip(ledger.account_description)
        self._update_count()
        self._update_buttons()

    def _show_monitoring(self, view: MonitoringView) -> None:
        self._monitoring = view
        result = view.monitoring
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for start in view.years:
            self.year_combo.addItem(
                _("{start} to {end}").format(
                    start=format_date(start), end=format_date(budget_year(start)[1])
                ),
                start,
            )
        if result is not None:
            self.year_combo.setCurrentIndex(max(self.year_combo.findData(result.period_start), 0))
        self.year_combo.blockSignals(False)
        if result is None:
            return
        forecast = result.forecast
        if forecast is not None:
            self._forecast_text = _("Forecast for {date}: {amount} at the recent rate of spending.").format(
                date=format_date(forecast.year_end), amount=format_money(forecast.end_balance_pence)
            )
        else:
            self._forecast_text = _("Not enough spending yet to forecast the end of the budget year.")
        self.forecast_label.setText(escape(self._forecast_text))
        self._show_alerts(result)
        rows = [list(row) for row in result.rows()]  # the same rule and words as the statement PDF
        fill_table(self.plan_table, rows, right=(1, 2, 3, 4))
        height = self.plan_table.horizontalHeader().height() + 4
        height += sum(self.plan_table.rowHeight(r) for r in range(self.plan_table.rowCount()))
        self.plan_table.setFixedHeight(height)
        for row, line in enumerate((*result.lines, result.total)):
            colour = {Status.OVER: "overdue", Status.ON_TRACK: "done", Status.OTHER_POT: "warning"}.get(
                line.status
            )
            # The status is in words in the same cell; the colour follows the theme.
            cell = self.plan_table.item(row, 5)
            if colour and cell is not None:
                cell.setForeground(theme_colour(colour))
        last = len(rows) - 1
        for column in range(self.plan_table.columnCount()):
            item = self.plan_table.item(last, column)
            if item is None:
                continue
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        method = [
            _(
                "Planned so far: each weekly, four-weekly or monthly item's yearly cost × days since 1 April "
                "(or since the support started) ÷ days in the year; yearly and one-off items count in full."
            ),
            _(
                "An item is over plan when spending is ahead by more than {weeks} weeks of its cost, {share}% of "
                "the plan so far and {minimum}."
            ).format(
                weeks=ALLOWANCE_WEEKS,
                share=int(OVERSPEND_TOLERANCE * 100),
                minimum=format_money(OVERSPEND_MIN_PENCE),
            ),
            ngettext(
                "Forecast: the balance today, plus the scheduled payments still to come, less the average daily "
                "spending over the last {weeks} week × the days left in the budget year.",
                "Forecast: the balance today, plus the scheduled payments still to come, less the average daily "
                "spending over the last {weeks} weeks × the days left in the budget year.",
                view.settings.recent_weeks,
            ).format(weeks=view.settings.recent_weeks),
        ]
        if forecast is not None:
            method.append(" ".join(forecast.explanation()))
        if result.surplus_limit_pence is not None:
            method.append(
                ngettext(
                    "Surplus limit: {weeks} week of payments, {amount}.",
                    "Surplus limit: {weeks} weeks of payments, {amount}.",
                    view.settings.surplus_limit_weeks,
                ).format(
                    weeks=view.settings.surplus_limit_weeks, amount=format_money(result.surplus_limit_pence)
                )
            )
        self.method_label.setText("\n".join(method))
        self.chart.set_series(result.series)
        self.chart_words.setText(self.chart.describe())
        self.chart.setToolTip(self.chart.describe())
        fill_table(
            self.chart_table,
            [
                [
                    format_date(p.month, fmt="MMM yyyy"),
                    format_money(p.planned_pence),
                    p.actual_words,
                ]
                for p in result.months
            ],
            right=(1, 2),
        )

    def _show_alerts(self, result: Monitoring) -> None:
        if not result.alerts:
            calm = result.no_alerts_words
            self.alerts_label.setVisible(True)
            done = theme_colour("done").name()
            self.alerts_label.setText(f"<span style='color:{done}'>{escape(calm)}</span>")
            self.alerts_detail.setText(escape(calm))
            return
        # The strip: the forecast line already says when the money runs out, so show the next alert.
        shown = [a for a in result.alerts if a.kind != AlertKind.RUNNING_OUT] or list(result.alerts)
        first = shown[0]
        more = len(result.alerts) - 1
        text = f"<b style='color:{theme_colour('warning').name()}'>{escape(_(ALERT_WORDS[first.kind]))}:</b> {escape(first.message)}"
        if more:
            text += " " + escape(_("(and {n} more under Against the plan)").format(n=more))
        if first.kind == AlertKind.RUNNING_OUT or len(shown) < len(result.alerts):
            self.forecast_label.setText(
                f"<b style='color:{theme_colour('warning').name()}'>{escape(_(ALERT_WORDS[AlertKind.RUNNING_OUT]))}:</b> "
                + escape(self._forecast_text)
            )
        if first.kind == AlertKind.RUNNING_OUT:
            self.alerts_label.setText(
                escape(_("Spending is checked against the plan under Against the plan."))
            )
            self.alerts_label.setVisible(False)
        else:
            self.alerts_label.setVisible(True)
            self.alerts_label.setText(text)
        self.alerts_detail.setText(
            "<b>"
            + escape(_("Alerts"))
            + "</b><ul style='margin-left:-20px'>"
            + "".join(
                f"<li><b>{escape(_(ALERT_WORDS[a.kind]))}:</b> {escape(a.message)}</li>"
                for a in result.alerts
            )
            + "</ul>"
        )

    def _show_contribution(self) -> None:
        try:
            found = self._services.charging.ledger(self._person_id)
        except PersonalBudgetError as problem:
            self.contribution_label.setText(escape(str(problem)))
            return
        self._contribution = found
        self.contribution_pay_button.setEnabled(found is not None)
        self.contribution_delete_button.setEnabled(found is not None and bool(found.payments))
        if found is None:
            self.contribution_title.setText("")
            self.contribution_label.setText(
                escape(
                    _(
                        "No contribution is charged: none is recorded, it is nil, or the financial assessment "
                        "is awaited. Record it in step 1."
                    )
                )
            )
            fill_table(self.contribution_table, [])
            self.contribution_alert_label.setVisible(False)
            return
        where = (
            _("The person pays their contribution into this account (the council pays its part net of it).")
            if found.into_account
            else _("The person pays their contribution to the council (the direct payment is paid gross).")
        )
        self.contribution_title.setText(f"<b>{escape(found.contribution.describe())}</b>")
        self.contribution_label.setText(
            "<br>".join(escape(line) for line in (where, *found.account.explanation()))
        )
        fill_table(
            self.contribution_table,
            [
                [
                    format_date(p.paid_on),
                    format_money(p.amount_pence),
                    _("This account") if p.in_account else _("The council"),
                    p.note,
                ]
                for p in found.payments
            ],
            right=(1,),
        )
        alert = found.alert
        if self._ledger is not None and not self._ledger.has_account:
            # No account kept here (e.g. a council-arranged budget): the contribution is still said.
            words = [found.contribution.describe(), *found.account.explanation(), *([alert] if alert else [])]
            self.no_account_label.setText(
                self.no_account_label.text().split("\n\n")[0]
                + "\n\n"
                + _("The person's contribution:")
                + "\n"
                + "\n".join(words)
            )
        self.contribution_alert_label.setVisible(alert is not None)
        if alert is not None:
            warning = theme_colour("warning").name()
            self.contribution_alert_label.setText(
                f"<b style='color:{warning}'>{escape(_('Contribution behind'))}:</b> {escape(alert)}"
            )

    def _show_surplus(self) -> None:
        try:
            view = self._services.charging.surplus(self._person_id)
        except PersonalBudgetError:
            self.surplus_button.setEnabled(False)
            return
        self.surplus_button.setEnabled(view.surplus_pence > 0)
        self.surplus_button.setToolTip(
            _("The balance is {surplus} over the limit.").format(surplus=format_money(view.surplus_pence))
            if view.surplus_pence
            else _("There is no surplus beyond the limit.")
        )
        if view.decisions:
            last = view.decisions[0]
            self.surplus_label.setText(
                "<b>"
                + escape(
                    _("Surplus decided on {date}: {option}.").format(
                        date=format_date(last.decided_on), option=last.option.label
                    )
                )
                + "</b><br>"
                + escape(last.told_in_words)
            )
        else:
            self.surplus_label.setText("")

    def _load_rules(self) -> None:
        if self._ledger is None:
            return
        choices = tuple((_link_value(c.plan_item_id, c.category), c.label) for c in self._ledger.choices)
        self.rules.set_column(1, RuleColumn(_("Link to"), choices))  # the plan's items, as choices
        rules = self._services.payee_rules.rules(self._person_id)
        self.rules.set_rows([[r.contains, _link_value(r.plan_item_id, r.category)] for r in rules])

    def _filter_changed(self) -> None:
        self.model.set_filter(self.filter_edit.text(), self.unlinked_check.isChecked())
        self._update_count()

    def _update_count(self) -> None:
        total = len(self._ledger.rows) if self._ledger else 0
        shown = self.model.rowCount()
        if shown == total:
            self.count_label.setText(
                ngettext("{n} transaction", "{n} transactions", total).format(n=format_number(total))
            )
        else:
            self.count_label.setText(
                _("{shown} of {n}").format(shown=format_number(shown), n=format_number(total))
            )

    def _update_buttons(self) -> None:
        ids = self.selected_ids() if self.table.selectionModel() else []
        self.link_button.setEnabled(bool(ids))
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        self.delete_action.setEnabled(len(rows) == 1 and self.model.entered_by_hand(next(iter(rows))))

    def _year_changed(self) -> None:
        start = self.year_combo.currentData()
        if start is not None:
            self.refresh_monitoring(start)
