"""Shared parts of every PDF: fonts that cover Welsh and other scripts, styles,
page numbers, signature blocks, and writing the file all-or-nothing."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
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
from personalbudget.i18n import _, current_locale, format_date, format_money
from personalbudget.paths import resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
INK = colors.HexColor("#1d2433")
RULE = colors.HexColor("#9aa5b8")
SHADE = colors.HexColor("#eef2f7")


def register_fonts() -> None:
    # Compressed page streams are written as binary, not ASCII85 text: ReportLab's ASCII85 encoder
    # is pure Python and took most of the time of a long statement.
    rl_config.useA85 = 0
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
    return table(rows, [width * 0.32, width * 0.68], header=False)


def signature_blocks(roles: list[str], st: dict[str, ParagraphStyle], width: float) -> Flowable:
    rows: list[list[Flowable | str]] = []
    for role in roles:
        rows.append([para(role, st["cell_bold"]), "", ""])
        rows.append(
            [para(_("Name"), st["cell"]), para(_("Signature"), st["cell"]), para(_("Date"), st["cell"])]
        )
        rows.append(["", "", ""])
    t = Table(rows, colWidths=[width * 0.4, width * 0.4, width * 0.2], rowHeights=None)
    commands: list[tuple[object, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP")]
    for index in range(len(roles)):
        line_row = index * 3 + 2
        commands += [
            ("LINEBELOW", (0, line_row), (-1, line_row), 0.6, INK),
            ("TOPPADDING", (0, line_row), (-1, line_row), 10 * mm),
        ]
    t.setStyle(TableStyle(commands))
    return KeepTogether([t])


# -- long tables -----------------------------------------------------------------------------------
#
# ReportLab's Table measures every remaining row again each time it splits across a page, and
# a Paragraph per cell costs tens of microseconds: a ledger of 100,000 rows took tens of minutes.
# A RowTable measures its rows once (widths from the font's own glyph widths, added up exactly as
# ReportLab adds them, so lines break where ``simpleSplit`` breaks them), keeps each row's height
# and the lines of the cells that wrap, and writes its text straight into the page's content
# stream, so a statement grows linearly with its rows.


class _Metrics:
    """Text widths in one TrueType font at one size, exactly as ``pdfmetrics.stringWidth`` gives
    them (the same glyph widths summed in the same order), with the glyphs and words cached."""

    def __init__(self, font_name: str, size: float):
        self.font_name = font_name
        self.size = size
        face = pdfmetrics.getFont(font_name).face
        self._glyph = face.charWidths.get
        self._default = face.defaultWidth
        self._raw: dict[str, float] = {}
        self._words: dict[str, float] = {}

    def width(self, text: str) -> float:
        raw = self._raw
        try:
            total = sum(map(raw.__getitem__, text))
        except KeyError:
            for char in text:
                if char not in raw:
                    raw[char] = self._glyph(ord(char), self._default)
            total = sum(map(raw.__getitem__, text))
        return 0.001 * self.size * total

    def _word(self, word: str) -> float:
        width = self._words.get(word)
        if width is None:
            width = self.width(word)
            if len(self._words) < 50_000:  # payees' words repeat; references rarely do
                self._words[word] = width
        return width

    def split(self, text: str, room: float) -> list[str]:
        """``reportlab.lib.utils.simpleSplit(text, font, size, room)``, line for line."""
        out: list[str] = []
        space = self._word(" ")
        word = self._word
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = -space
            for part in paragraph.split():
                width = word(part)
                if used + space + width <= room or not line:
                    line.append(part)
                    used = used + space + width
                else:
                    out.append(" ".join(line))
                    line = [part]
                    used = width
            if line:
                out.append(" ".join(line))
        return out


class _TextWriter:
    """PDF text operators for one TrueType font on one document, with the encodings cached."""

    def __init__(self, canv: Canvas, metrics: _Metrics):
        self.font = pdfmetrics.getFont(metrics.font_name)
        self.doc = canv._doc
        self.size = metrics.size
        self.width = metrics.width
        self.ops: dict[str, str] = {}
        self.subset0 = ""
        self.table: dict[int, str] = {}  # characters already in the first subset -> their escaped code
        self.known: frozenset[str] = frozenset()
        self._assigned = -1

    def _learn(self) -> None:
        state = self.font.state.get(self.doc)
        if state is None or len(state.assignments) == self._assigned:
            return
        self._assigned = len(state.assignments)
        table = {}
        for code, n in state.assignments.items():
            if n < 256:
                table[code] = _escape(bytes((n,)))
        if 32 in table:
            table[0xA0] = table[32]  # a no-break space is shown as a space
        self.table = table
        self.known = frozenset(map(chr, table))

    def show(self, text: str) -> str:
        """'Tf … Tj' operators that show ``text`` at the current text position."""
        cached = self.ops.get(text)
        if cached is not None:
            return cached
        if self.subset0 and self.known.issuperset(text):
            out = f"{self.subset0} {self.size} Tf ({text.translate(self.table)}) Tj"
        else:
            parts = []
            for subset, data in self.font.splitString(text, self.doc):
                name = self.font.getSubsetInternalName(subset, self.doc)
                if subset == 0:
                    self.subset0 = name
                parts.append(f"{name} {self.size} Tf ({_escape(data)}) Tj")
            out = " ".join(parts)
            self._learn()
        if len(self.ops) < 50_000:  # dates, payees and plan items repeat; balances rarely do
            self.ops[text] = out
        return out


def _escape(data: bytes) -> str:
    return (
        data.replace(b"\\", b"\\\\")
        .replace(b"(", b"\\(")
        .replace(b")", b"\\)")
        .replace(b"\r", b"\\r")
        .replace(b"\n", b"\\n")
        .decode("latin-1")
    )


def _rgb(colour: colors.Color) -> str:
    return f"{colour.red:.3f} {colour.green:.3f} {colour.blue:.3f}"


class _Measured:
    """A RowTable's rows measured once: each row's height, and the lines of every cell that wraps
    (cells that fit on one line are drawn as they are, so only those are kept)."""

    def __init__(self, table: RowTable):
        self.plain = _Metrics(FONT, table.size)
        self.bold = _Metrics(FONT_BOLD, table.size)
        self.table = table
        self.header_lines = self.lines(table.header, True)
        self.header_height = self._height(self.header_lines)
        self.heights: list[float] = []
        self.wrapped: dict[int, dict[int, Sequence[str]]] = {}  # row -> column -> its lines
        wrapping = [i for i, (_w, _a, wraps) in enumerate(table.columns) if wraps]
        rooms = {i: table.columns[i][0] - 2 * table.PAD for i in wrapping}
        one_line = table.leading + 2 * table.PAD
        bold_rows = table.bold
        for index, cells in enumerate(table.rows):
            metrics = self.bold if index in bold_rows else self.plain
            most = 1
            extra: dict[int, Sequence[str]] | None = None
            for column in wrapping:
                if column >= len(cells):
                    break
                text = cells[column]
                if not text:
                    continue
                if "\n" not in text and metrics.width(text) <= rooms[column]:
                    continue
                lines = tuple(metrics.split(text, rooms[column])) or ("",)
                if extra is None:
                    extra = self.wrapped[index] = {}
                extra[column] = lines
                most = max(most, len(lines))
            self.heights.append(one_line if most == 1 else most * table.leading + 2 * table.PAD)

    def _height(self, lines: list[Sequence[str]]) -> float:
        return max((len(cell) for cell in lines), default=1) * self.table.leading + 2 * self.table.PAD

    def lines(self, cells: Sequence[str], bold: bool) -> list[Sequence[str]]:
        """Every cell of a row as its lines (used for the header)."""
        metrics = self.bold if bold else self.plain
        out: list[Sequence[str]] = []
        for text, (width, _align, wraps) in zip(cells, self.table.columns, strict=False):
            room = width - 2 * self.table.PAD
            if not wraps or not text or ("\n" not in text and metrics.width(text) <= room):
                out.append((text,))
            else:
                out.append(tuple(metrics.split(text, room)) or ("",))
        return out


class RowTable(Flowable):
    """A table of plain-text rows that may run to thousands of pages, in time linear in its rows.

    ``columns`` are (width, align, wrap): align "left" or "right"; a wrapping column breaks a long
    text over lines, the others are kept on one line. The header row is repeated on every page;
    rows whose index is in ``bold`` (e.g. an opening balance, the totals) are set in bold, and the
    last row is ruled above when ``total_row`` is set.
    """

    PAD = 3.0

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        columns: Sequence[tuple[float, str, bool]],
        *,
        size: float = 9,
        leading: float = 11.5,
        bold: frozenset[int] = frozenset(),
        total_row: bool = False,
        start: int = 0,
        end: int | None = None,
        shared: dict | None = None,
    ):
        super().__init__()
        self.header = tuple(header)
        self.rows = rows
        self.columns = tuple(columns)
        self.size = size
        self.leading = leading
        self.bold = bold
        self.total_row = total_row
        self.start = start
        self.end = len(rows) if end is None else end
        self.shared = shared if shared is not None else {}  # the measurements and writers, kept across pages
        self._fit = 0
        self._height = 0.0

    # measuring
    def _measured(self) -> _Measured:
        measured = self.shared.get("measured")
        if measured is None:
            measured = self.shared["measured"] = _Measured(self)
        return measured

    def _writer(self, bold: bool) -> _TextWriter:
        key = "bold" if bold else "plain"
        writer = self.shared.get(key)
        canv = getattr(self, "canv", None) or self.shared.get("canv")
        if writer is None or (canv is not None and writer.doc is not canv._doc):
            if canv is None:
                raise RuntimeError("a RowTable is drawn on its document's canvas")
            measured = self._measured()
            writer = self.shared[key] = _TextWriter(canv, measured.bold if bold else measured.plain)
        return writer

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = sum(c[0] for c in self.columns)
        measured = self._measured()
        height = measured.header_height if self.header else 0.0
        fit = 0
        heights = measured.heights
        for index in range(self.start, self.end):
            h = heights[index]
            if height + h > availHeight and fit:
                self._fit, self._height = fit, availHeight + 1  # more than there is room for: split
                return self.width, self._height
            height += h
            fit += 1
        self._fit, self._height = fit, height
        return self.width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        if self.start + self._fit >= self.end:
            return [self]
        if self._fit == 0 or (self._fit == 1 and self._height > availHeight and self.end - self.start > 1):
            return []  # not even one row fits here: start on the next page
        middle = self.start + self._fit
        return [
            RowTable(
                self.header,
                self.rows,
                self.columns,
                size=self.size,
                leading=self.leading,
                bold=self.bold,
                total_row=False,
                start=self.start,
                end=middle,
                shared=self.shared,
            ),
            RowTable(
                self.header,
                self.rows,
                self.columns,
                size=self.size,
                leading=self.leading,
                bold=self.bold,
                total_row=self.total_row,
                start=middle,
                end=self.end,
                shared=self.shared,
            ),
        ]

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        self.shared["canv"] = canvas
        super().drawOn(canvas, x, y, _sW)

    def wrapOn(self, canv: Canvas, aW: float, aH: float) -> tuple[float, float]:
        self.shared["canv"] = canv
        return super().wrapOn(canv, aW, aH)

    # drawing
    def draw(self) -> None:
        code = self.canv._code
        plain, bold = self._writer(False), self._writer(True)
        measured = self._measured()
        heights, wrapped = measured.heights, measured.wrapped
        pad, size, leading = self.PAD, self.size, self.leading
        width = self.width
        columns = []
        x = 0.0
        for col_width, align, _wraps in self.columns:
            columns.append((x + pad, x + col_width - pad, align == "right"))
            x += col_width
        rules: list[str] = []
        text: list[str] = []
        add = text.append
        y = self._height

        if self.header:
            h = measured.header_height
            code.append(f"q {_rgb(SHADE)} rg 0 {y - h:.2f} {width:.2f} {h:.2f} re f Q")
            base = y - pad - size
            for (left, right, is_right), cell_lines in zip(columns, measured.header_lines, strict=False):
                baseline = base
                for line in cell_lines:
                    if line:
                        at = right - bold.width(line) if is_right else left
                        add(f"1 0 0 1 {at:.2f} {baseline:.2f} Tm {bold.show(line)}")
                    baseline -= leading
            y -= h
            rules.append(f"0 {y:.2f} m {width:.2f} {y:.2f} l")
        last = self.start + self._fit - 1
        rows, bold_rows = self.rows, self.bold
        lefts = [f"1 0 0 1 {left:.2f} " for left, _right, _is_right in columns]
        for index in range(self.start, self.start + self._fit):
            writer = bold if index in bold_rows else plain
            show, measure = writer.show, writer.width
            if self.total_row and index == self.end - 1 == last:
                rules.append(f"S 1 w 0 {y:.2f} m {width:.2f} {y:.2f} l S 0.4 w")
            base = y - pad - size
            at_base = f" {base:.2f} Tm "
            extra = wrapped.get(index)
            for column, cell in enumerate(rows[index][: len(columns)]):
                if extra is not None and column in extra:
                    left, right, is_right = columns[column]
                    baseline = base
                    for line in extra[column]:
                        if line:
                            at = right - measure(line) if is_right else left
                            add(f"1 0 0 1 {at:.2f} {baseline:.2f} Tm {show(line)}")
                        baseline -= leading
                elif cell:
                    left, right, is_right = columns[column]
                    if is_right:
                        add(f"1 0 0 1 {right - measure(cell):.2f}" + at_base + show(cell))
                    else:
                        add(lefts[column] + f"{base:.2f} Tm " + show(cell))
            y -= heights[index]
            rules.append(f"0 {y:.2f} m {width:.2f} {y:.2f} l")
        code.append(f"q {_rgb(RULE)} RG 0.4 w " + " ".join(rules) + " S Q")
        code.append(f"BT {_rgb(INK)} rg " + "\n".join(text) + " ET")


class FastFormats:
    """Money and dates formatted as ``format_money``/``format_date`` do, fast enough for 100,000 rows.

    The money pattern is learnt from Babel for the current language and checked against it; where
    the two could differ, every amount goes through Babel."""

    def __init__(self) -> None:
        self._dates: dict[tuple[date, str], str] = {}
        sample = format_money(123456789)
        negative = format_money(-123456789)
        self._parts: tuple[str, str, str, str, str, str] | None = None
        try:
            head, rest = sample.split("1", 1)
            group = rest[0]  # "£1,234,567.89": the text after the first digit is ",234,567.89"
            decimal = rest[8]
            tail = rest[rest.index("89") + 2 :]
            n_head, n_rest = negative.split("1", 1)
            n_tail = n_rest[n_rest.index("89") + 2 :]
            self._parts = (head, tail, n_head, n_tail, group, decimal)
            if any(self._money(p) != format_money(p) for p in (0, 5, -5, 99, 100000, -123456, 10**14)):
                self._parts = None
        except (IndexError, ValueError):
            self._parts = None

    def _money(self, pence: int) -> str:
        head, tail, n_head, n_tail, group, decimal = self._parts  # type: ignore[misc]
        pounds, p = divmod(abs(pence), 100)
        digits = f"{pounds:,}".replace(",", group) + decimal + f"{p:02d}"
        return f"{n_head}{digits}{n_tail}" if pence < 0 else f"{head}{digits}{tail}"

    def money(self, pence: int) -> str:
        return self._money(pence) if self._parts is not None else format_money(pence)

    def date(self, day: date, fmt: str = "short") -> str:
        key = (day, fmt)
        text = self._dates.get(key)
        if text is None:
            text = self._dates[key] = format_date(day, fmt=fmt)
        return text


def numbered_canvas(footer: str, size: float = 8, centred: bool = False) -> type[Canvas]:
    """A canvas that writes ``footer`` and 'Page X of Y' on every page once the total is known:
    small at the right for documents, or large and centred (``centred``) for easy read."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: object, **kwargs: object) -> None:
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


@contextmanager
def _long_lived_objects_left_alone() -> Iterator[None]:
    """While a document is built, the objects that already exist (a statement's 100,000 lines, the
    app itself) are kept out of the garbage collector's full passes: each pass would go over all of
    them again and cost a quarter of a long statement's time. Cycles made meanwhile are still
    collected; the others are looked at again as usual afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
        with _long_lived_objects_left_alone():
            story = build(doc.width)
            gc.freeze()  # the story too
            doc.build(story, canvasmaker=canvasmaker or numbered_canvas(footer))
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return out


__all__ = [
    "FastFormats",
    "RowTable",
    "Spacer",
    "key_values",
    "para",
    "signature_blocks",
    "styles",
    "table",
    "write_pdf",
]
