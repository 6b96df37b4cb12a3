"""Shared parts of every PDF: fonts that cover Welsh and other scripts, styles,
page numbers, signature blocks, and writing the file all-or-nothing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, current_locale
from personalbudget.paths import resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
INK = colors.HexColor("#1d2433")
RULE = colors.HexColor("#9aa5b8")
SHADE = colors.HexColor("#eef2f7")


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def styles(scale: float = 1.0) -> dict[str, ParagraphStyle]:
    """Paragraph styles; ``scale`` enlarges everything (large print)."""
    body = 10.5 * scale
    return {
        "title": ParagraphStyle(
            "title",
            fontName=FONT_BOLD,
            fontSize=20 * scale,
            leading=25 * scale,
            textColor=INK,
            spaceAfter=4 * mm,
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName=FONT_BOLD,
            fontSize=14 * scale,
            leading=18 * scale,
            textColor=INK,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
            keepWithNext=1,  # a heading never ends a page without what it heads
        ),
        "body": ParagraphStyle(
            "body", fontName=FONT, fontSize=body, leading=body * 1.35, textColor=INK, spaceAfter=1.5 * mm
        ),
        "small": ParagraphStyle(
            "small", fontName=FONT, fontSize=8.5 * scale, leading=11 * scale, textColor=INK
        ),
        "cell": ParagraphStyle(
            "cell", fontName=FONT, fontSize=9 * scale, leading=11.5 * scale, textColor=INK
        ),
        "cell_bold": ParagraphStyle(
            "cell_bold", fontName=FONT_BOLD, fontSize=9 * scale, leading=11.5 * scale, textColor=INK
        ),
        "cell_right": ParagraphStyle(
            "cell_right", fontName=FONT, fontSize=9 * scale, leading=11.5 * scale, alignment=TA_RIGHT
        ),
        "cell_right_bold": ParagraphStyle(
            "cell_right_bold",
            fontName=FONT_BOLD,
            fontSize=9 * scale,
            leading=11.5 * scale,
            alignment=TA_RIGHT,
        ),
    }


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped, line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def table(
    rows: list[list[Flowable | str]], widths: list[float], *, header: bool = True, total_row: bool = False
) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    if total_row:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 1.0, INK))
    t.setStyle(TableStyle(commands))
    return t


def key_values(pairs: list[tuple[str, str]], st: dict[str, ParagraphStyle], width: float) -> Table:
    rows = [[para(k, st["cell_bold"]), para(v, st["cell"])] for k, v in pairs]
    return table(rows, [width * 0.32, width * 0.68], header=False)  # type: ignore[arg-type]


def signature_blocks(roles: list[str], st: dict[str, ParagraphStyle], width: float) -> Flowable:
    rows: list[list[Flowable | str]] = []
    for role in roles:
        rows.append([para(role, st["cell_bold"]), "", ""])
        rows.append(
            [para(_("Name"), st["cell"]), para(_("Signature"), st["cell"]), para(_("Date"), st["cell"])]
        )
        rows.append(["", "", ""])
    t = Table(rows, colWidths=[width * 0.4, width * 0.4, width * 0.2], rowHeights=None)
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP")]
    for index in range(len(roles)):
        line_row = index * 3 + 2
        commands += [
            ("LINEBELOW", (0, line_row), (-1, line_row), 0.6, INK),
            ("TOPPADDING", (0, line_row), (-1, line_row), 10 * mm),
        ]
    t.setStyle(TableStyle(commands))
    return KeepTogether([t])


def numbered_canvas(footer: str, size: float = 8, centred: bool = False) -> type[Canvas]:
    """A canvas that writes ``footer`` and 'Page X of Y' on every page once the total is known:
    small at the right for documents, or large and centred (``centred``) for easy read."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, size)
                self.setFillColor(INK)
                page = _("Page {page} of {total}").format(page=self._pageNumber, total=total)
                if footer:
                    self.drawString(18 * mm, 10 * mm, footer)
                if centred:
                    self.drawCentredString(A4[0] / 2, 10 * mm, page)
                else:
                    self.drawRightString(A4[0] - 18 * mm, 10 * mm, page)
                super().showPage()
            super().save()

    return NumberedCanvas


def pdf_language(locale: str) -> str:
    """A PDF /Lang value (BCP 47): en_GB -> en-GB."""
    return locale.replace("_", "-")


def write_pdf(
    out: Path,
    title: str,
    footer: str,
    build: Callable[[float], list[Flowable]],
    *,
    canvasmaker: type[Canvas] | None = None,
    margins_mm: tuple[float, float, float, float] = (18, 18, 16, 18),
    subject: str = "",
    author: str = "PersonalBudget",
) -> Path:
    """Build a document and write it to ``out`` all-or-nothing (a temporary file, then renamed).

    ``build`` gets the usable page width and returns the flowables. The page footer shows
    ``footer`` and "Page X of Y" unless another ``canvasmaker`` is given. The PDF's language
    is the app's current language, so screen readers read it with the right voice.
    """
    register_fonts()
    out = Path(out)
    if out.is_dir():
        raise PersonalBudgetError(_("{path} is a folder: give a file name ending in .pdf.").format(path=out))
    if not out.parent.exists():
        raise PersonalBudgetError(_("The folder {path} does not exist.").format(path=out.parent))
    handle, temp_name = tempfile.mkstemp(prefix=".pb-", suffix=".pdf", dir=out.parent)
    os.close(handle)
    try:
        doc = SimpleDocTemplate(
            temp_name,
            pagesize=A4,
            leftMargin=margins_mm[0] * mm,
            rightMargin=margins_mm[1] * mm,
            topMargin=margins_mm[2] * mm,
            bottomMargin=margins_mm[3] * mm,
            title=title,
            subject=subject,
            author=author,
            creator="PersonalBudget",
            lang=pdf_language(current_locale()),
            displayDocTitle=True,
        )
        doc.build(build(doc.width), canvasmaker=canvasmaker or numbered_canvas(footer))
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return out


__all__ = ["Spacer", "key_values", "para", "signature_blocks", "styles", "table", "write_pdf"]
