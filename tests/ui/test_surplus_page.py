"""Step 6: a surplus beyond the limit is recorded with the conversation and the option, and the
person's words are shown and kept."""

from __future__ import annotations

from datetime import date

from personalbudget.domain.surplus import SurplusForm
from personalbudget.services.ledger_service import TransactionForm
from tests.core.money_helpers import agreed_person, direct_payment
from ui.steps.ledger_page import LedgerPage


def test_the_surplus_button_records_the_conversation_and_tells_the_person(
    qtbot, services, signals, message_boxes
):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert not page.surplus_button.isEnabled()  # £0.00: no surplus
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 4, 6), "2000.00", True, "Council DP"))
    page.refresh()
    assert page.surplus_button.isEnabled()
    assert "£698.46 over the limit" in page.surplus_button.toolTip()
    assert not page.record_surplus_decision(SurplusForm("recover", "698.46", ""))
    assert page.record_surplus_decision(
        SurplusForm("keep_for_purchase", "500.00", "Visit on 20 Nov", "a riser chair")
    )
    told = message_boxes.texts("information")[-1]
    assert "We agreed you keep £500.00 for a riser chair. Nothing is taken back." in told
    assert "Keep it for a planned purchase" in page.surplus_label.text()
