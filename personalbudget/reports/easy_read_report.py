"""The support plan in easy read: a picture on the left, short sentences on the right.

It follows the usual easy read guidance (Mencap; Department of Health, "Making written
information easier to understand"): one idea on each line, large type (18 point, headings
bigger), plenty of white space, no capitals-only text, no italics, numbers as figures and
money in figures and in words. The pictures are in ``resources/easy_read`` (our own drawings,
CC0; ``scripts/make_easy_read_icons.py`` draws them).

The person's own words (what matters to them, their risks, their contingency plan) are
printed as they were written, one sentence a line: easy read wording there is for the people
who write the plan with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from personalbudget.domain.management import ManagementOption
from personalbudget.domain.money import HOW_OFTEN, Frequency
from personalbudget.domain.person_view import HelpArranged
from personalbudget.domain.plan import BudgetFit, CostedItem, Decision, PlanStatus
from personalbudget.domain.results import BudgetView, ManagementView, PersonDetails, PlanView
from personalbudget.domain.vocabularies import (
    REPRESENTATIVE_ROLES,
    SUPPORT_CATEGORIES,
    plain_category,
    plain_outcome,
)
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import N_, _, format_date, ngettext
from personalbudget.paths import resources_dir
from personalbudget.plain_language import about, money_in_words
from personalbudget.reports.pdf_common import FONT, FONT_BOLD, INK, numbered_canvas, write_pdf

BODY_SIZE = 18  # easy read asks for at least 14-16 point; 18 reads comfortably
HEADING_SIZE = 26
TITLE_SIZE = 34
PAGE_NUMBER_SIZE = 16
PICTURE = 32 * mm
PICTURE_COLUMN = 40 * mm
ACCENT = colors.HexColor("#2b6cb0")

# The picture for each support category; a category without its own picture uses "other".
CATEGORY_PICTURES = {code: code for code in SUPPORT_CATEGORIES}
SECTION_PICTURES = (
    "about_me",
    "what_matters",
    "my_money",
    "help_i_get",
    "people_who_help",
    "keeping_safe",
    "if_things_go_wrong",
    "review",
    "signatures",
)

# How often a support item is paid for, said simply. (Not how many times it happens: the
# quantity may be hours, nights or visits, which the plan does not say.)
# How the money is looked after, in the first person. {who} is the person or organisation holding it.
MANAGED = {
    ManagementOption.DIRECT_PAYMENT: (N_("The money is paid to me."), N_("I choose my help and pay for it.")),
    ManagementOption.NOMINATED_PERSON: (
        N_("The money is paid to {who}."),
        N_("{who} looks after the money for me."),
    ),
    ManagementOption.MANAGED_ACCOUNT: (
        N_("{who} looks after the money for me."),
        N_("They pay for the help I choose."),
    ),
    ManagementOption.TRUST: (N_("The money is paid to my trust."), N_("My trust looks after it for me.")),
    ManagementOption.INDIVIDUAL_SERVICE_FUND: (
        N_("{who} looks after the money for me."),
        N_("They spend it on the help I choose."),
    ),
    ManagementOption.COUNCIL_MANAGED: (
        N_("The council looks after the money for me."),
        N_("The council pays for the help I choose."),
    ),
    ManagementOption.COUNCIL_COMMISSIONED: (
        N_("The council arranges my help for me."),
        N_("The council pays for it."),
    ),
}


@dataclass(frozen=True)
class EasyReadData:
    person: PersonDetails
    plan: PlanView
    budget: BudgetView
    management: ManagementView | None
    next_review_due: date | None
    first_review_weeks: int
    council: str
    generated_at: datetime
    # Who gives each item of the plan, as arranged at step 5 (in the plan's order), when printing
    # the plan in force; empty: the providers the plan names.
    arranged: tuple[HelpArranged, ...] = ()


def picture_path(name: str) -> Path:
    """The PNG of an easy read picture (a support category code or a section name)."""
    path = resources_dir() / "easy_read" / f"{name}.png"
    if not path.is_file():
        raise PersonalBudgetError(
            _("The easy read picture {file} is missing. Reinstall PersonalBudget.").format(file=path)
        )
    return path


def category_picture(category: str) -> Path:
    return picture_path(CATEGORY_PICTURES.get(category, "other"))


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


def sentences(text: str) -> list[str]:
    """Free text split into one sentence a line (line breaks the writer made are kept)."""
    lines = []
    for line in text.splitlines():
        lines += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    return lines


def day(value: date) -> str:
    """A date in words and figures ("23 November 2026") that is never split across two lines."""
    return format_date(value, fmt="long").replace(" ", "\u00a0")


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "er_body",
        fontName=FONT,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE * 1.4,
        textColor=INK,
        spaceAfter=1.5 * mm,
    )
    return {
        "title": ParagraphStyle(
            "er_title", fontName=FONT_BOLD, fontSize=TITLE_SIZE, leading=TITLE_SIZE * 1.25, textColor=INK
        ),
        "h2": ParagraphStyle(
            "er_h2",
            fontName=FONT_BOLD,
            fontSize=HEADING_SIZE,
            leading=HEADING_SIZE * 1.25,
            textColor=ACCENT,
            spaceBefore=6 * mm,
            spaceAfter=4 * mm,
            keepWithNext=True,
        ),
        "body": body,
        "bold": ParagraphStyle("er_bold", parent=body, fontName=FONT_BOLD),
        "sign": ParagraphStyle("er_sign", parent=body, spaceAfter=0),
    }


class _Row:
    """One picture and the lines beside it."""

    def __init__(self, picture: Path) -> None:
        self.picture = picture
        self.lines: list[tuple[str, str]] = []  # (style, text)

    def say(self, text: str, style: str = "body") -> _Row:
        if text:
            self.lines.append((style, text))
        return self


class _Story:
    def __init__(self, width: float) -> None:
        self.st = _styles()
        self.width = width
        self.flow: list[Flowable] = []

    def heading(self, text: str) -> None:
        # A heading never sits alone at the foot of a page.
        self.flow.append(CondPageBreak(PICTURE + 30 * mm))
        self.flow.append(Paragraph(escape(text), self.st["h2"]))

    def row(self, row: _Row) -> None:
        if not row.lines:
            return
        picture = Image(str(row.picture), width=PICTURE, height=PICTURE)
        words = [Paragraph(escape(text).replace("\n", "<br/>"), self.st[style]) for style, text in row.lines]
        table = Table([[picture, words]], colWidths=[PICTURE_COLUMN, self.width - PICTURE_COLUMN])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        self.flow.append(KeepTogether([table, Spacer(1, 7 * mm)]))


def _money_lines(row: _Row, pence: int, figures: str, words: str) -> _Row:
    """Money to the pound as a bold figure ("about £116"), then the same in words on its own line
    (easy read: no pence; the full plan has the exact amounts)."""
    row.say(figures.format(money=about(pence)), "bold")
    whole = (abs(pence) + 50) // 100 * 100 * (1 if pence >= 0 else -1)
    row.say(words.format(words=money_in_words(whole)))
    return row


def first_review(data: EasyReadData) -> date | None:
    """The date of the first check: the cycle's, or worked out from the day the plan was agreed."""
    if data.next_review_due is not None:
        return data.next_review_due
    agreed = data.plan.agreed if data.plan.status == PlanStatus.AGREED else None
    if agreed is None:
        return None
    return agreed.decided_at.date() + timedelta(weeks=data.first_review_weeks)


def write_easy_read_pdf(data: EasyReadData, out: Path) -> Path:
    person, plan = data.person, data.plan
    name = first_name(person.name)

    def build(width: float) -> list[Flowable]:
        s = _Story(width)
        _cover(s, data, name)
        _about_me(s, data, name)
        _my_money(s, data)
        _help_i_get(s, data)
        _people(s, data)
        _keeping_safe(s, data)
        _if_things_go_wrong(s, data)
        _review(s, data)
        _signatures(s)
        return s.flow

    title = _("My support plan: easy read")
    subject = _("The support plan of {name}, version {version}, in easy read").format(
        name=name, version=plan.version
    )
    return _write(out, title, subject, data.council or "PersonalBudget", build)


# -- the sections ------------------------------------------------------------------------------


def _cover(s: _Story, data: EasyReadData, name: str) -> None:
    s.flow.append(Paragraph(escape(_("My support plan")), s.st["title"]))
    s.flow.append(Spacer(1, 8 * mm))
    s.row(_Row(picture_path("about_me")).say(_("This plan is about {name}.").format(name=name), "bold"))
    s.row(
        _Row(picture_path("help_i_get"))
        .say(_("It says what help I get."))
        .say(_("It says how my money pays for my help."))
    )
    s.row(
        _Row(picture_path("people_who_help"))
        .say(_("This plan is in easy read."))
        .say(_("You can ask someone to help you read it."))
    )
    agreed = data.plan.agreed if data.plan.status == PlanStatus.AGREED else None
    status = _Row(picture_path("signatures"))
    if agreed is not None:
        status.say(
            _("This plan was agreed on {date}.").format(date=day(agreed.decided_at.date())),
            "bold",
        )
        if agreed.decision == Decision.APPROVE_WITH_CONDITIONS and agreed.text.strip():
            status.say(_("It was agreed on these conditions:"))
            for line in sentences(agreed.text):
                status.say(line, "bold")
    else:
        status.say(_("This plan is not agreed yet."), "bold")
        status.say(_("It may still change."))
    status.say(_("This copy was printed on {date}.").format(date=day(data.generated_at.date())))
    s.row(status)


def _about_me(s: _Story, data: EasyReadData, name: str) -> None:
    content = data.plan.content
    s.heading(_("About me"))
    s.row(_Row(picture_path("about_me")).say(_("My name is {name}.").format(name=name), "bold"))
    s.heading(_("What matters to me"))
    what = sentences(content.what_matters)
    row = _Row(picture_path("what_matters"))
    for line in what or [_("This is not written down yet.")]:
        row.say(line)
    s.row(row)
    if content.outcomes:
        goals = _Row(picture_path("what_matters")).say(_("What I want to do:"), "bold")
        for outcome in content.outcomes:
            name = plain_outcome(outcome.outcome_code)
            goals.say("•  " + (f"{_(name)}: {outcome.description}" if name else outcome.description))
        s.row(goals)


def _my_money(s: _Story, data: EasyReadData) -> None:
    s.heading(_("My money"))
    agreed = data.budget.agreed
    if agreed is None:
        s.row(_Row(picture_path("my_money")).say(_("My budget is not agreed yet.")))
        return
    row = _Row(picture_path("my_money")).say(_("This is my personal budget."))
    _money_lines(row, agreed.weekly_pence, _("{money} a week"), _("That is {words} a week."))
    s.row(row)
    s.row(
        _money_lines(
            _Row(picture_path("my_money")).say(_("For a whole year it is:")),
            agreed.annual_pence,
            _("{money} a year"),
            _("That is {words} a year."),
        )
    )
    management = data.management
    if management is None or not management.shares:
        s.row(
            _Row(picture_path("people_who_help")).say(_("We have not decided yet who looks after my money."))
        )
        return
    for share in management.shares:
        first, second = MANAGED[share.option]
        who = share.held_by or _("someone I trust")
        mine = share.option == ManagementOption.DIRECT_PAYMENT
        row = _Row(picture_path("about_me" if mine else "people_who_help"))
        row.say(_(first).format(who=who), "bold")
        row.say(_(second).format(who=who))
        if len(management.shares) > 1:
            _money_lines(row, share.annual_pence, _("{money} a year"), _("That is {words} a year."))
        s.row(row)


def _help_i_get(s: _Story, data: EasyReadData) -> None:
    costing = data.plan.costing
    s.heading(_("The help I get"))
    if not costing.items:
        s.row(_Row(picture_path("help_i_get")).say(_("No help is written down yet.")))
        return
    s.row(_Row(picture_path("help_i_get")).say(_("This is the help my money pays for.")))
    arranged = list(data.arranged) if len(data.arranged) == len(costing.items) else []
    for index, item in enumerate(costing.items):
        line = arranged[index] if arranged else None
        same = line is not None and (line.category, line.description) == (item.category, item.description)
        s.row(_item_row(item, line if same else None))
    total = _Row(picture_path("my_money"))
    _money_lines(
        total, costing.weekly_pence, _("All my help costs {money} a week."), _("That is {words} a week.")
    )
    agreed = data.budget.agreed
    if agreed is not None and costing.fit is not None:
        total.say(
            {
                BudgetFit.UNDER: _("This is less than my budget."),
                BudgetFit.EXACT: _("This is the same as my budget."),
                BudgetFit.OVER: _("This is more than my budget."),
            }[costing.fit]
        )
    s.row(total)


def _item_row(item: CostedItem, arranged: HelpArranged | None = None) -> _Row:
    row = _Row(category_picture(item.category))
    row.say(item.description, "bold")
    row.say(_("Type of help: {category}").format(category=_(plain_category(item.category))))
    who = (arranged.who if arranged is not None else "") or item.provider  # arranged, or as planned
    row.say(_("Who gives it: {who}").format(who=who or _("not chosen yet")))
    if arranged is not None and arranged.who and arranged.starts_on is not None:
        row.say(_("{who} starts on {date}.").format(who=arranged.who, date=day(arranged.starts_on)))
    row.say(_("How often it is paid: {when}").format(when=_(HOW_OFTEN[item.frequency])))
    if item.frequency == Frequency.ONE_OFF:
        return _money_lines(row, item.annual_pence, _("It costs {money} once."), _("That is {words}."))
    return _money_lines(row, item.weekly_pence, _("It costs {money} a week."), _("That is {words} a week."))


@dataclass
class _Helper:
    """One person who helps, once, with every part they play and everything they do."""

    name: str
    roles: list[str]
    doing: list[str]
    phones: list[str]


def helpers(data: EasyReadData) -> list[_Helper]:
    """Family, friends and representatives, each person once (the same name written twice, in
    another case or with spaces, is the same person): the plan's informal help first, in order."""
    people: dict[str, _Helper] = {}

    def helper(name: str) -> _Helper:
        key = " ".join(name.split()).casefold()
        if key not in people:
            people[key] = _Helper(" ".join(name.split()), [], [], [])
        return people[key]

    for help_entry in data.plan.content.informal_support:
        if help_entry.who.strip():
            helper(help_entry.who).doing += sentences(help_entry.description)
    for rep in data.person.representatives:
        if rep.name.strip():
            one = helper(rep.name)
            role = _(REPRESENTATIVE_ROLES.get(rep.role, rep.role))
            if role not in one.roles:
                one.roles.append(role)
            if rep.phone and rep.phone not in one.phones:
                one.phones.append(rep.phone)
    return list(people.values())


def _people(s: _Story, data: EasyReadData) -> None:
    s.heading(_("People who help me"))
    people = helpers(data)
    if not people:
        s.row(_Row(picture_path("people_who_help")).say(_("No one is written down yet.")))
        return
    for person in people:
        row = _Row(picture_path("people_who_help")).say(person.name, "bold")
        for role in person.roles:
            row.say(role)
        for line in person.doing:
            row.say(line)
        for phone in person.phones:
            row.say(_("Phone: {phone}").format(phone=phone))
        s.row(row)


def _keeping_safe(s: _Story, data: EasyReadData) -> None:
    s.heading(_("Keeping safe"))
    risks = data.plan.content.risks
    if not risks:
        s.row(_Row(picture_path("keeping_safe")).say(_("No risks are written down.")))
        return
    for risk in risks:
        row = _Row(picture_path("keeping_safe")).say(_("Something that could go wrong:"))
        row.say(risk.risk, "bold")
        row.say(_("What we do about it:"))
        for line in sentences(risk.how_managed):
            row.say(line, "bold")
        s.row(row)


def _if_things_go_wrong(s: _Story, data: EasyReadData) -> None:
    s.heading(_("If things go wrong"))
    row = _Row(picture_path("if_things_go_wrong")).say(_("If my help does not come:"))
    for line in sentences(data.plan.content.contingency) or [_("This is not written down yet.")]:
        row.say(line, "bold")
    s.row(row)


def _review(s: _Story, data: EasyReadData) -> None:
    s.heading(_("When we will check how it is going"))
    row = _Row(picture_path("review"))
    due = first_review(data)
    if due is not None:
        row.say(_("We will meet to check how my plan is going."))
        row.say(_("This will be by {date}.").format(date=day(due)), "bold")
    else:
        row.say(_("We will meet to check how my plan is going."))
        row.say(
            ngettext(
                "This will be {n} week after my plan is agreed.",
                "This will be {n} weeks after my plan is agreed.",
                data.first_review_weeks,
            ).format(n=data.first_review_weeks),
            "bold",
        )
    row.say(_("I can ask for a check sooner if things change."))
    s.row(row)


def _signatures(s: _Story) -> None:
    s.heading(_("Signatures"))
    s.row(_Row(picture_path("signatures")).say(_("We agree with this plan.")))
    for who in (_("Me"), _("The person who helped me write my plan"), _("The person who agreed my plan")):
        block = Table(
            [
                [Paragraph(escape(who), s.st["bold"]), ""],
                [Paragraph(escape(_("Signature")), s.st["sign"]), ""],
                [Paragraph(escape(_("Date")), s.st["sign"]), ""],
            ],
            colWidths=[s.width * 0.35, s.width * 0.65],
        )
        block.setStyle(
            TableStyle(
                [
                    ("SPAN", (0, 0), (-1, 0)),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (1, 1), (1, 2), 1.2, INK),
                    ("TOPPADDING", (0, 1), (-1, -1), 12 * mm),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        s.flow.append(KeepTogether([block, Spacer(1, 10 * mm)]))


# -- writing the file --------------------------------------------------------------------------


def _write(
    out: Path, title: str, subject: str, author: str, build: Callable[[float], list[Flowable]]
) -> Path:
    """Build the document and write it to ``out`` all or nothing, with easy-read margins and page numbers."""
    return write_pdf(
        out,
        title,
        "",
        build,
        canvasmaker=numbered_canvas("", PAGE_NUMBER_SIZE, centred=True),
        margins_mm=(20, 20, 18, 24),
        subject=subject,
        author=author,
    )
