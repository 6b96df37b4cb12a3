"""The easy read plan PDF: pictures, short sentences, large type, money in figures and words."""

from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from personalbudget import i18n
from personalbudget.cli import run
from personalbudget.domain.management import ManagementForm, ScheduleEntry, ShareEntry
from personalbudget.domain.plan import Decision, InformalSupportEntry, SupportItemEntry
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import NotFoundError, PersonalBudgetError
from personalbudget.paths import resources_dir
from personalbudget.plain_language import money_in_words
from personalbudget.reports.easy_read_report import (
    BODY_SIZE,
    SECTION_PICTURES,
    category_picture,
    first_name,
    picture_path,
    sentences,
)
from tests.core.helpers import person_form
from tests.core.test_budget_and_plan_services import answers, good_plan

HEADINGS = (
    "My support plan",
    "About me",
    "What matters to me",
    "My money",
    "The help I get",
    "People who help me",
    "Keeping safe",
    "If things go wrong",
    "When we will check how it is going",
    "Signatures",
)


def pdf_text(path) -> str:
    """All the text, with line breaks and wrapping folded into single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def font_sizes(path) -> set[float]:
    """The size every piece of text is drawn at (the font size scaled by the text matrix)."""
    sizes: set[float] = set()

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.add(round(font_size * tm[3] * cm[3], 1))

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def easy_read_argv(db_path, person, out) -> list[str]:
    return ["report", "plan", "--db", str(db_path), "--person", str(person), "--easy-read", "--out", str(out)]


def rgba_pixels(image: Image.Image) -> bytes:
    return image.convert("RGBA").tobytes()


@pytest.fixture
def easy_person(services, approver):
    pid = services.people.add_person(person_form(name="Gwenllïan Ŵyn-Price")).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid, {"social_care": 520000}, reason="Panel added night support")
    plan = good_plan("55.00")
    plan.support_items.append(
        SupportItemEntry("short_breaks", "Respite nights", "130.15", "17", "year", "Westgate")
    )
    plan.support_items.append(SupportItemEntry("equipment", "Kettle tipper", "35.99", "1", "one_off", ""))
    plan.informal_support.append(InformalSupportEntry("Choir friends", "A lift home on Tuesdays"))
    services.plans.save_draft(pid, plan)
    services.plans.submit(pid)
    approver.plans.decide(pid, Decision.APPROVE, "", "Team manager")
    services.management.record_management(
        pid,
        ManagementForm(
            shares=[
                ShareEntry("direct_payment", "3,200.00"),
                ShareEntry("individual_service_fund", "2,000.00", "Bryn Vale Home Care Ltd"),
            ],
            schedule=ScheduleEntry("four_weeks", date(2026, 12, 7), "246.15"),
        ),
    )
    return pid


@pytest.fixture
def easy_pdf(services, easy_person, tmp_path):
    return services.reports.write_easy_read_plan(easy_person, tmp_path / "easy.pdf")


def test_the_easy_read_plan_has_every_section_and_the_plan_in_it(easy_pdf):
    text = pdf_text(easy_pdf)
    for heading in HEADINGS:
        assert heading in text
    assert "This plan is about Gwenllïan." in text and "Ŵyn-Price" not in text  # first name only
    assert "This plan was agreed on 23 November 2026." in text
    assert "Staying at home and going to choir" in text and "Get to choir on Tuesdays" in text
    # The items: what, who, how often and what they cost a week, to the pound in figures and words,
    # each kind of help by its plain name.
    assert "PA hours" in text and "A personal assistant" in text and "Who gives it: not chosen yet" in text
    assert "It costs £55 a week." in text and "That is fifty-five pounds a week." in text
    assert "Respite nights" in text and "Who gives it: Westgate" in text
    assert "How often it is paid: every year" in text
    assert "It costs about £43 a week." in text  # £130.15 x 17 a year / 52 = £42.55
    assert "That is forty-three pounds a week." in text
    assert "It costs about £36 once." in text and "thirty-six pounds" in text
    assert "All my help costs about £98 a week." in text and "This is less than my budget." in text
    assert "pence" not in text and "£98.24" not in text
    # My money: the agreed budget a week and a year, and who looks after it, in plain words.
    assert "£100 a week" in text and "That is one hundred pounds a week." in text
    assert "£5,200 a year" in text and "five thousand, two hundred pounds a year" in text
    assert "The money is paid to me." in text
    assert "Bryn Vale Home Care Ltd looks after the money for me." in text
    # People, keeping safe, if things go wrong, the review, signatures.
    assert "Daughter" in text and "Shopping on Saturdays" in text and "A lift home on Tuesdays" in text
    assert "Rhys Price" in text and "Family carer" in text and "07700 900123" in text
    assert "Falls" in text and "Pendant alarm" in text
    assert "Daughter covers if the PA is off sick" in text
    assert "This will be by 18 January 2027." in text  # 8 weeks after agreement
    for who in ("Me", "The person who helped me write my plan", "The person who agreed my plan"):
        assert who in text
    pages = len(PdfReader(easy_pdf).pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_the_conditions_the_plain_outcomes_and_each_person_once(services, approver, tmp_path):
    from personalbudget.domain.plan import OutcomeEntry

    pid = services.people.add_person(person_form(name="Ann Jones")).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid, {"social_care": 520000}, reason="Agreed")
    plan = good_plan("55.00")
    plan.outcomes.append(OutcomeEntry("i", "Go to the pub quiz"))
    services.plans.save_draft(pid, plan)
    services.plans.submit(pid)
    approver.plans.decide(
        pid, Decision.APPROVE_WITH_CONDITIONS, "Check the PA hours in March.", "Team manager"
    )
    text = pdf_text(services.reports.write_easy_read_plan(pid, tmp_path / "conditions.pdf"))
    assert "It was agreed on these conditions: Check the PA hours in March." in text
    assert "Getting out and about: Go to the pub quiz" in text
    assert "Making use of necessary facilities" not in text and " i) " not in text
    assert "This will be by" in text  # a real date, not "8 weeks after"


def test_every_line_is_large_type(easy_pdf):
    sizes = font_sizes(easy_pdf)
    assert min(sizes) >= 16, sizes  # page numbers too
    assert BODY_SIZE in sizes and max(sizes) >= 26  # headings bigger than the body


def test_the_pdf_embeds_the_picture_of_every_category_used_and_every_section(easy_pdf):
    embedded = {rgba_pixels(image.image) for page in PdfReader(easy_pdf).pages for image in page.images}
    for category in ("personal_assistant", "short_breaks", "equipment"):
        assert rgba_pixels(Image.open(category_picture(category))) in embedded, category
    for section in SECTION_PICTURES:
        assert rgba_pixels(Image.open(picture_path(section))) in embedded, section
    unused = rgba_pixels(Image.open(category_picture("transport")))
    assert unused not in embedded
    sizes = {
        (image.image.width, image.image.height) for page in PdfReader(easy_pdf).pages for image in page.images
    }
    assert sizes == {(256, 256)}


def test_the_pdf_says_what_it_is_and_its_language(easy_pdf):
    reader = PdfReader(easy_pdf)
    assert reader.metadata.title == "My support plan: easy read"
    assert reader.metadata.author
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_every_category_and_section_has_its_picture_and_licence():
    folder = resources_dir() / "easy_read"
    for name in [*SUPPORT_CATEGORIES, *SECTION_PICTURES]:
        png = folder / f"{name}.png"
        assert (folder / f"{name}.svg").is_file(), name
        with Image.open(png) as image:
            assert image.size == (256, 256)
        assert png.stat().st_size < 20_000, name  # kept small
        assert name in (folder / "README.md").read_text(encoding="utf-8")
    assert "CC0" in (folder / "LICENCE").read_text(encoding="utf-8")
    assert category_picture("no_such_category") == picture_path("other")


def test_the_agreed_plan_is_printed_even_when_a_newer_draft_exists(services, easy_person, tmp_path):
    data = services.reports.easy_read_report(easy_person)
    assert data.plan.version == 1 and data.plan.status.value == "agreed"
    assert services.reports.easy_read_report(easy_person, version=1).plan.version == 1


def test_a_plan_not_yet_agreed_says_so(services, tmp_path):
    pid = services.people.add_person(person_form()).id
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid)
    services.plans.save_draft(pid, good_plan())
    text = pdf_text(services.reports.write_easy_read_plan(pid, tmp_path / "draft.pdf"))
    assert "This plan is not agreed yet." in text and "It may still change." in text
    assert "This will be 8 weeks after my plan is agreed." in text
    assert "We have not decided yet who looks after my money." in text


def test_the_cli_writes_the_easy_read_plan(db_path, keys, services, easy_person, tmp_path, capsys):
    out = tmp_path / "from-cli.pdf"
    assert run(easy_read_argv(db_path, easy_person, out), keys=keys) == 0
    assert "Wrote" in capsys.readouterr().out
    text = pdf_text(out)
    assert "The help I get" in text and "Gwenllïan" in text


def test_bad_input_is_a_clear_error_and_leaves_no_file(services, keys, tmp_path, db_path, capsys):
    pid = services.people.add_person(person_form(nhs_number="")).id
    with pytest.raises(NotFoundError, match="has no support plan yet"):
        services.reports.write_easy_read_plan(pid, tmp_path / "x.pdf")
    assert run(easy_read_argv(db_path, 999, tmp_path / "y.pdf"), keys=keys) == 1
    assert "no person with id 999" in capsys.readouterr().err
    assert run(easy_read_argv(db_path, pid, tmp_path / "z.pdf"), keys=keys) == 1
    assert "has no support plan yet" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.pdf"))


def test_a_bad_destination_is_named(services, easy_person, tmp_path):
    with pytest.raises(PersonalBudgetError, match="does not exist"):
        services.reports.write_easy_read_plan(easy_person, tmp_path / "missing" / "plan.pdf")
    with pytest.raises(PersonalBudgetError, match="is a folder"):
        services.reports.write_easy_read_plan(easy_person, tmp_path)


def test_free_text_is_one_sentence_a_line_and_names_are_first_names():
    assert sentences("I like choir. I go on Tuesdays!\nMy cat is Mog") == [
        "I like choir.",
        "I go on Tuesdays!",
        "My cat is Mog",
    ]
    assert sentences("  ") == []
    assert first_name("Gwenllïan Ŵyn-Price") == "Gwenllïan" and first_name("") == ""


def test_in_welsh_the_pdf_says_so_and_money_words_are_welsh(services, easy_person, tmp_path):
    i18n.set_language("cy_GB")
    try:
        out = services.reports.write_easy_read_plan(easy_person, tmp_path / "cymraeg.pdf")
    finally:
        i18n.set_language("en_GB")
    assert PdfReader(out).trailer["/Root"]["/Lang"] == "cy-GB"
    assert money_in_words(5500, "cy_GB") in pdf_text(out)  # £55.00 a week, in Welsh words
