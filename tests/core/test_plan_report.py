"""The support plan PDF, read back as text."""

import pytest
from pypdf import PdfReader

from personalbudget.cli import run
from personalbudget.domain.plan import Decision, SupportItemEntry
from personalbudget.errors import NotFoundError, PersonalBudgetError
from tests.core.helpers import person_form
from tests.core.test_budget_and_plan_services import answers, good_plan


def pdf_text(path) -> str:
    """All the text, with line breaks and wrapping folded into single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@pytest.fixture
def agreed_person(services, approver):
    pid = services.people.add_person(person_form(name="Gwenllïan Ŵyn-Price", nhs_number="943 476 5919")).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid, {"social_care": 520000}, reason="Panel added night support")
    plan = good_plan("55.00")
    plan.support_items.append(
        SupportItemEntry("short_breaks", "Respite nights", "130.15", "17", "year", "Westgate")
    )
    plan.support_items.append(SupportItemEntry("equipment", "Kettle tipper", "35.99", "1", "one_off", ""))
    services.plans.save_draft(pid, plan)
    services.plans.submit(pid)
    approver.plans.decide(
        pid, Decision.APPROVE_WITH_CONDITIONS, "Check respite use at review", "Team manager"
    )
    return pid


def test_plan_pdf_carries_what_the_person_needs(services, agreed_person, tmp_path):
    out = services.reports.write_plan(agreed_person, tmp_path / "plan.pdf")
    text = pdf_text(out)
    assert "Gwenllïan Ŵyn-Price" in text  # Welsh letters print, not boxes
    assert "943 476 5919" in text
    assert "£5,200.00 a year" in text  # the agreed budget
    assert "£2,860.00" in text  # PA: £55 x 52
    assert "£2,212.55" in text  # respite: £130.15 x 17
    assert "£35.99" in text  # one-off
    assert "£5,108.54" in text  # total per year
    assert "Panel added night support" in text
    assert "Approved with conditions" in text and "Team manager" in text
    assert "Check respite use at review" in text
    assert "Staying at home and going to choir" in text
    assert "Pendant alarm" in text and "Daughter covers" in text
    assert "13 points × £5.50" in text
    for role in ("The person (or their representative)", "Practitioner", "Approver"):
        assert role in text
    pages = len(PdfReader(out).pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_cli_writes_the_plan(db_path, keys, services, agreed_person, tmp_path, capsys):
    out = tmp_path / "from-cli.pdf"
    argv = ["report", "plan", "--db", str(db_path), "--person", str(agreed_person), "--out", str(out)]
    assert run(argv, keys=keys) == 0
    assert "Gwenllïan" in pdf_text(out)


def test_no_plan_and_bad_paths_are_clear_errors_and_leave_no_file(services, keys, tmp_path, db_path, capsys):
    pid = services.people.add_person(person_form(nhs_number="")).id
    with pytest.raises(NotFoundError, match="has no support plan yet"):
        services.reports.write_plan(pid, tmp_path / "x.pdf")
    argv = ["report", "plan", "--db", str(db_path), "--person", "999", "--out", str(tmp_path / "y.pdf")]
    assert run(argv, keys=keys) == 1
    assert "no person with id 999" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.pdf"))


def test_unwritable_destination_is_named(services, agreed_person, tmp_path):
    with pytest.raises(PersonalBudgetError, match="does not exist"):
        services.reports.write_plan(agreed_person, tmp_path / "missing" / "plan.pdf")
    with pytest.raises(PersonalBudgetError, match="is a folder"):
        services.reports.write_plan(agreed_person, tmp_path)


def test_a_failed_write_keeps_the_old_file(services, agreed_person, tmp_path, monkeypatch):
    out = tmp_path / "plan.pdf"
    out.write_bytes(b"previous copy")
    import personalbudget.reports.pdf_common as pdf_common

    def broken_build(self, flowables, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pdf_common.SimpleDocTemplate, "build", broken_build)
    with pytest.raises(OSError):
        services.reports.write_plan(agreed_person, out)
    assert out.read_bytes() == b"previous copy"
    assert list(tmp_path.glob("*.pdf")) == [out]  # no temporary file left behind
