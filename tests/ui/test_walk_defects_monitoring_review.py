"""Issue 13, on screen: "Against the plan" never says "over" beside "On track", the chart's table has
one row a month, and after a review loops back the next review date and the earlier cycle stay in view."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.review import OutcomeRating
from personalbudget.services.dto import ReviewForm
from personalbudget.services.ledger_service import TransactionForm
from tests.core.money_helpers import (
    agreed_person,
    arrange_everything,
    direct_payment,
    item_ids,
    living_person,
)
from ui.steps.ledger_page import LedgerPage
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.steps.review_page import ReviewPage

SHOTS = os.environ.get("PB_SCREENSHOTS", "")  # a folder to save screenshots into, when looking


def _shot(widget, name: str) -> None:
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


def _cells(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_against_the_plan_agrees_with_itself_and_the_chart_table_has_one_row_a_month(
    qtbot, services, signals, clock
):
    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))
    pid = living_person(services)
    pa = item_ids(services, pid)["PA hours"]
    so_far = {line.key: line for line in services.monitoring.monitoring(pid).monitoring.lines}[str(pa)]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 4, 6), "8000.00", True, "Council DP"))
    services.ledger.add_transaction(
        pid,
        TransactionForm(
            date(2026, 8, 3), f"{(so_far.planned_so_far_pence + 16_161) / 100:.2f}", False, "Sam", pa
        ),
    )
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.show_person(pid)
    rows = {page.plan_table.item(r, 0).text(): r for r in range(page.plan_table.rowCount())}
    row = rows["Personal assistant: PA hours"]
    assert page.plan_table.item(row, 4).text() == "£161.61 ahead, within the allowance"
    assert page.plan_table.item(row, 5).text() == "On track"
    for r in range(page.plan_table.rowCount()):  # "over" only ever beside "Over plan"
        if "over" in page.plan_table.item(r, 4).text():
            assert page.plan_table.item(r, 5).text() == "Over plan"
    monitoring = services.monitoring.monitoring(pid).monitoring
    assert [
        tuple(page.plan_table.item(r, c).text() for c in range(6)) for r in range(page.plan_table.rowCount())
    ] == monitoring.rows()
    if not monitoring.alerts:
        assert page.alerts_detail.text() == monitoring.no_alerts_words
    page.tabs.setCurrentIndex(1)
    _shot(page, "against-the-plan.png")

    months = _cells(page.chart_table, 0)
    assert len(months) == len(set(months)) == 12  # December once, on 1 December
    december = months.index("Dec 2026")
    assert page.chart_table.item(december, 2).text().endswith("by 1 Dec")
    page.tabs.setCurrentIndex(2)
    _shot(page, "chart.png")


def _complete(services, pid, decision):
    review = services.reviews.open_review(pid)
    form = ReviewForm(
        outcomes=[OutcomeRating(o.outcome_code, o.description, "Fully Met") for o in review.form.outcomes],
        method="Service user only",
        decision=decision,
    )
    return services.reviews.complete(review.review_id, form)


def test_after_a_loop_back_the_next_review_and_the_earlier_cycle_stay_in_view(
    qtbot, services, signals, clock
):
    clock.set(datetime(2026, 4, 1, 10, tzinfo=UTC))
    pid = living_person(services)
    clock.set(datetime(2026, 6, 10, 10, tzinfo=UTC))
    _complete(services, pid, ReviewDecision.CHANGE_PLAN)
    workspace = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    assert workspace.show_person(pid)
    assert workspace.cycle_label.text() == "Cycle 2, step 2 of 7: Plan support"
    assert workspace.review_label.isVisibleTo(workspace)
    assert workspace.review_label.text() == "Next review: 10 Jun 2027"
    whats = [workspace.history.topLevelItem(i).text(2) for i in range(workspace.history.topLevelItemCount())]
    assert whats[0].startswith("Cycle 2:")
    assert any(w.startswith("Cycle 1:") for w in whats)
    assert sum(w.startswith("Cycle 1:") for w in whats) >= 5  # the first cycle's moves, not only the last
    _shot(workspace, "after-loop-back.png")


def test_the_review_period_runs_from_when_the_plan_began(qtbot, services, signals, clock):
    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))
    pid = agreed_person(services)  # agreed on 1 December, with statements already kept since October
    services.management.record_management(pid, direct_payment(first=date(2026, 12, 8)))
    arrange_everything(services, pid)
    services.support.confirm_support_arranged(pid)
    pa = item_ids(services, pid)["PA hours"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 10, 5), "150.00", False, "Sam", pa))
    page = ReviewPage(services, signals)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.show_person(pid)
    assert page.start_review("Planned")
    assert services.lifecycle.get_cycle(pid).current_step == Step.REVIEW
    assert "Period reviewed 6 Apr 2026 to 1 Dec 2026" in page.summary.text()
    spent = {page.spend.item(r, 0).text(): page.spend.item(r, 2).text() for r in range(page.spend.rowCount())}
    assert spent["Personal assistant: PA hours"] == "£150.00"
    _shot(page, "review.png")
