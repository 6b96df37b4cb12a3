"""Colours, the application stylesheet, the visible keyboard focus, and the high-contrast theme.

Colours are chosen for at least 4.5:1 contrast on white (7:1 in the high-contrast
theme, black, white and yellow), and never carry meaning alone: every status also
has a word or a mark.

* ``apply_theme(app, high_contrast)`` sets the palette and the stylesheet for the whole
  application, so dialogs follow too. Custom-painted widgets and table models ask
  ``colour(name)`` when they paint, so they follow the theme as it changes.
* ``tint(widget, tone)`` colours a label's text by meaning ("overdue", "muted", ...)
  and re-colours it when the theme changes.
* Every control shows a thick focus outline (``FOCUS_WIDTH`` pixels) in both themes.
* Font sizes in the stylesheet are relative to the application font (the system's,
  or the one the person chose), never fixed.
* ``high_contrast_wanted(settings)`` is the person's choice (View > High contrast),
  or, until they choose, the system's contrast preference where Qt knows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ui.widgets.column_fit import install_column_fitter

# -- the normal theme (names kept: modules import them) -------------------------------------
OVERDUE = "#b3261e"
WARNING_TEXT = "#7a4b00"
DONE = "#2e7d32"
CURRENT = "#1a5fb4"
NOT_STARTED = "#6b7280"
MUTED_TEXT = "#4b5563"
PANEL_BACKGROUND = "#f5f7fa"
PANEL_BORDER = "#d8dde4"
SELECTED_STEP_BACKGROUND = "#e8f0fb"
FOCUS = "#0b4fb3"  # 3:1 or more against white, the panels and the selected step
CONNECTOR = "#c4c8cf"

FOCUS_WIDTH = 3  # pixels: thick enough to see at a glance (WCAG 2.4.13 asks for at least 2)

HIGH_CONTRAST_SETTING = "view/highContrast"  # "" (follow the system), "true" or "false"

# Each named colour in the normal and the high-contrast theme.
_COLOURS: dict[str, tuple[str, str]] = {
    "overdue": (OVERDUE, "#ffff00"),
    "warning": (WARNING_TEXT, "#ffff00"),
    "done": (DONE, "#7fff7f"),
    "current": (CURRENT, "#00ffff"),
    "not_started": (NOT_STARTED, "#ffffff"),
    "muted": (MUTED_TEXT, "#ffffff"),
    "text": ("#000000", "#ffffff"),
    "background": ("#ffffff", "#000000"),
    "panel_background": (PANEL_BACKGROUND, "#000000"),
    "panel_border": (PANEL_BORDER, "#ffffff"),
    "selected_step_background": (SELECTED_STEP_BACKGROUND, "#00007f"),
    "focus": (FOCUS, "#ffff00"),
    "connector": (CONNECTOR, "#ffffff"),
    "on_status": ("#ffffff", "#000000"),  # the mark inside a filled status circle
    "error": (OVERDUE, "#ffff00"),
}
TONES = ("overdue", "warning", "done", "current", "muted", "error")

# The high-contrast palette: white text on black, black on yellow when selected.
HIGH_CONTRAST_PALETTE: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#000000",
    QPalette.ColorRole.WindowText: "#ffffff",
    QPalette.ColorRole.Base: "#000000",
    QPalette.ColorRole.AlternateBase: "#1c1c1c",
    QPalette.ColorRole.Text: "#ffffff",
    QPalette.ColorRole.Button: "#000000",
    QPalette.ColorRole.ButtonText: "#ffffff",
    QPalette.ColorRole.BrightText: "#ffff00",
    QPalette.ColorRole.Highlight: "#ffff00",
    QPalette.ColorRole.HighlightedText: "#000000",
    QPalette.ColorRole.Link: "#ffff00",
    QPalette.ColorRole.LinkVisited: "#ffbfff",
    QPalette.ColorRole.ToolTipBase: "#000000",
    QPalette.ColorRole.ToolTipText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#d0d0d0",
    QPalette.ColorRole.Light: "#ffffff",
    QPalette.ColorRole.Midlight: "#ffffff",
    QPalette.ColorRole.Mid: "#ffffff",
    QPalette.ColorRole.Dark: "#ffffff",
    QPalette.ColorRole.Shadow: "#ffffff",
}
HIGH_CONTRAST_DISABLED_TEXT = "#b0b0b0"  # 9:1 on black: greyed, yet still readable
# Text and background pairs that must reach WCAG AAA (7:1) in the high-contrast theme.
HIGH_CONTRAST_PAIRS = (
    (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
    (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    (QPalette.ColorRole.Text, QPalette.ColorRole.AlternateBase),
    (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
    (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
    (QPalette.ColorRole.Link, QPalette.ColorRole.Base),
    (QPalette.ColorRole.PlaceholderText, QPalette.ColorRole.Base),
)

_high_contrast = False


# -- contrast -------------------------------------------------------------------------------
def relative_luminance(colour: QColor | str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    c = QColor(colour)

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# -- which theme ----------------------------------------------------------------------------
def is_high_contrast() -> bool:
    return _high_contrast


def colour(name: str) -> QColor:
    """A named colour ("overdue", "done", "focus", ...) in the theme in use now."""
    normal, high = _COLOURS[name]
    return QColor(high if _high_contrast else normal)


def system_prefers_high_contrast() -> bool:
    """The system's contrast setting where Qt knows it (Qt 6.10+: QStyleHints.accessibility())."""
    hints = QGuiApplication.styleHints()
    accessibility = getattr(hints, "accessibility", None)
    if accessibility is None:
        return False
    preference = getattr(Qt, "ContrastPreference", None)
    try:
        return preference is not None and accessibility().contrastPreference() == preference.HighContrast
    except (AttributeError, RuntimeError):
        return False


def high_contrast_wanted(settings: QSettings) -> bool:
    """The person's choice if they made one, otherwise the system's."""
    value = settings.value(HIGH_CONTRAST_SETTING, "")
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    return system_prefers_high_contrast()


def remember_high_contrast(settings: QSettings, on: bool) -> None:
    settings.setValue(HIGH_CONTRAST_SETTING, "true" if on else "false")


def high_contrast_palette() -> QPalette:
    palette = QPalette()
    for role, value in HIGH_CONTRAST_PALETTE.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(HIGH_CONTRAST_DISABLED_TEXT))
    return palette


# -- the stylesheet -------------------------------------------------------------------------
def _points(font: QFont) -> float:
    size = font.pointSizeF()
    return size if size > 0 else 10.0


def stylesheet(base_font: QFont | None = None, high_contrast: bool | None = None) -> str:
    """The application's stylesheet for a theme, with sizes relative to ``base_font``."""
    hc = _high_contrast if high_contrast is None else high_contrast

    def c(name: str) -> str:
        normal, high = _COLOURS[name]
        return high if hc else normal

    base = _points(base_font if base_font is not None else QFont())
    focus, width = c("focus"), FOCUS_WIDTH
    # Borders keep the same width when focused (the padding gives way), so nothing jumps.
    edge = c("panel_border") if hc else "#8a9099"
    tones = "\n".join(f'*[pbTone="{tone}"] {{ color: {c(tone)}; }}' for tone in TONES)
    return f"""
QFrame#personHeader {{
    background: {c("panel_background")};
    border: 1px solid {c("panel_border")};
    border-radius: 8px;
}}
QFrame#cyclePanel {{
    border: 1px solid {c("panel_border")};
    border-radius: 8px;
}}
QLabel#personDetails, QLabel#personRepresentatives, QLabel#placeholderNote, QLabel#stepPurpose {{
    color: {c("muted")};
}}
QLabel#stepPurpose {{
    font-style: italic;
}}
QLabel#emptyWorkspaceLabel {{
    color: {c("muted")};
    font-size: {base * 1.1:.1f}pt;
}}
QPushButton#advanceButton {{
    font-weight: bold;
}}
QTableView#caseloadTable {{
    selection-background-color: {c("current") if not hc else "#ffff00"};
    selection-color: {"white" if not hc else "black"};
}}
{tones}

/* The keyboard focus: a thick outline on every kind of control, in both themes. */
QPushButton, QToolButton {{
    border: 1px solid {edge};
    border-radius: 4px;
    padding: {width + 1}px {width + 7}px;
    background: {c("background") if hc else "#f4f5f7"};
    color: {c("text")};
}}
QPushButton:hover, QToolButton:hover {{
    background: {"#333333" if hc else "#e6e9ee"};
}}
QPushButton:pressed, QToolButton:pressed, QPushButton:checked, QToolButton:checked {{
    background: {"#333333" if hc else "#d9dee6"};
}}
QPushButton:default {{
    border: 2px solid {c("current")};
    padding: {width}px {width + 6}px;
}}
QPushButton:disabled, QToolButton:disabled {{
    color: {HIGH_CONTRAST_DISABLED_TEXT if hc else "#8a9099"};
    border-style: dashed;
}}
QToolButton[popupMode="2"] {{
    padding-right: {width + 16}px;
}}
QPushButton:focus, QToolButton:focus {{
    border: {width + 1}px solid {focus};
    padding: 1px {width + 4}px;
}}
QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit {{
    border: 1px solid {edge};
    border-radius: 3px;
    padding: {width - 1}px;
    background: {c("background")};
    color: {c("text")};
    selection-background-color: {c("current") if not hc else "#ffff00"};
    selection-color: {"white" if not hc else "black"};
}}
QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: {width}px solid {focus};
    padding: 0px;
}}
QComboBox QAbstractItemView {{
    border: 1px solid {edge};
    background: {c("background")};
    color: {c("text")};
    selection-background-color: {c("current") if not hc else "#ffff00"};
    selection-color: {"white" if not hc else "black"};
}}
QAbstractItemView {{
    border: {width}px solid transparent;
    outline: 0;
}}
QAbstractItemView:focus {{
    border: {width}px solid {focus};
}}
QHeaderView, QHeaderView:focus {{
    border: none;  /* a header is an item view too: the focus frame belongs to its table */
}}
QCheckBox, QRadioButton {{
    border: {width}px solid transparent;
    border-radius: 4px;
    padding: 1px 4px;
}}
QCheckBox:focus, QRadioButton:focus {{
    border: {width}px solid {focus};
}}
{_high_contrast_indicators() if hc else ""}
QTabBar::tab:focus {{
    border: {width}px solid {focus};
}}
QGroupBox:focus {{
    border: {width}px solid {focus};
}}
"""


def _high_contrast_indicators() -> str:
    """Tick boxes and option buttons drawn plainly: an empty white square or circle, filled yellow
    when chosen (a filled shape, not only a colour)."""
    return """
QCheckBox::indicator, QRadioButton::indicator {
    width: 0.9em; height: 0.9em;
    border: 2px solid #ffffff;
    background: #000000;
}
QRadioButton::indicator { border-radius: 0.55em; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked {
    background: #ffff00;
    border: 2px solid #ffffff;
}
QCheckBox::indicator:indeterminate { background: #808080; }
"""


STYLESHEET = stylesheet(high_contrast=False)  # the normal theme at the default font (kept for callers)


# -- applying -------------------------------------------------------------------------------
def apply_theme(app: QApplication | None = None, high_contrast: bool | None = None) -> None:
    """Put a theme on the whole application (palette, stylesheet) and repaint what is on screen."""
    global _high_contrast, _sheet_when_built
    application = app or QApplication.instance()
    if not isinstance(application, QApplication):
        return
    wanted = _high_contrast if high_contrast is None else high_contrast
    changed = wanted != _high_contrast or application.property("pbThemeApplied") is None
    _high_contrast = wanted
    if changed:
        application.setPalette(high_contrast_palette() if wanted else application.style().standardPalette())
    sheet = stylesheet(application.font(), wanted)
    if _building:
        _sheet_when_built = sheet  # put on once the window being built is whole (styled_once_built)
    elif application.styleSheet() != sheet:
        application.setStyleSheet(sheet)
    application.setProperty("pbThemeApplied", True)
    if application.property("pbThemeFollower") is None:
        application.setProperty("pbThemeFollower", True)
        application.installEventFilter(ThemeFollower(application))
    install_column_fitter(application)  # every table's columns share out the width it has
    for widget in application.allWidgets():
        tone = widget.property("pbTone")
        if tone is not None:
            _retint(widget)
        elif changed:
            if widget.styleSheet() or widget.property(_ORIGINAL_SHEET) is not None:
                follow_theme(widget)
            widget.update()


_building = 0  # how many styled_once_built blocks are open
_sheet_when_built = ""


@contextmanager
def styled_once_built(app: QApplication | None = None) -> Iterator[None]:
    """Build a big window inside this block: the application stylesheet is taken off while it is built
    and put back once, when the block ends.

    Under an application stylesheet Qt restyles every widget below one that is put into another
    (unpolished, polished again and sent a StyleChange event, which every application event filter
    sees), so a window built part by part, bottom up as Qt code is, paid for its whole content once
    per level of nesting: 2-3 s of CPU for the main window. Built without it, it is styled in one pass.
    Nothing is measured against the stylesheet while building (sizes are worked out when shown).
    """
    global _building, _sheet_when_built
    application = app or QApplication.instance()
    if not isinstance(application, QApplication):
        yield
        return
    if _building == 0:
        _sheet_when_built = application.styleSheet()
        if _sheet_when_built:
            application.setStyleSheet("")
    _building += 1
    try:
        yield
    finally:
        _building -= 1
        if _building == 0 and _sheet_when_built and application.styleSheet() != _sheet_when_built:
            application.setStyleSheet(_sheet_when_built)


_ORIGINAL_SHEET = "pbNormalStyleSheet"


def _high_contrast_sheet(sheet: str) -> str:
    """A widget's own stylesheet with the normal theme's colours swapped for the high-contrast ones."""
    result = sheet
    for normal, high in _COLOURS.values():
        if normal.startswith("#") and normal.lower() not in ("#ffffff", "#000000"):
            result = result.replace(normal, high).replace(normal.upper(), high)
    return result


def follow_theme(widget: QWidget) -> None:
    """Make a widget's own stylesheet (``label.setStyleSheet(f"color: {OVERDUE};")``) follow the theme:
    in high contrast its colours are swapped for the high-contrast ones, and put back after."""
    sheet = widget.styleSheet()
    original = widget.property(_ORIGINAL_SHEET)
    if _high_contrast:
        if original is not None and sheet == _high_contrast_sheet(str(original)):
            return  # already swapped
        swapped = _high_contrast_sheet(sheet)
        if swapped != sheet:
            widget.setProperty(_ORIGINAL_SHEET, sheet)
            widget.setStyleSheet(swapped)
    elif original is not None:
        widget.setProperty(_ORIGINAL_SHEET, None)
        if sheet == _high_contrast_sheet(str(original)):
            widget.setStyleSheet(str(original))


class ThemeFollower(QObject):
    """Installed on the application: a stylesheet a widget sets itself later follows the theme too
    (when it is set on a widget on screen, or when a widget is first shown)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            _high_contrast
            and event.type() in (QEvent.Type.StyleChange, QEvent.Type.Polish)
            and isinstance(watched, QWidget)
            and watched.styleSheet()
        ):
            follow_theme(watched)
        return False


def tint(widget: QWidget, tone: str | None, *, bold: bool = False) -> None:
    """Colour a widget's text by what it means (one of ``TONES``; None for the normal text colour).
    The colour follows the theme; say what it means in words too."""
    widget.setProperty("pbTone", tone or "")
    widget.setProperty("pbToneBold", bold)
    _retint(widget)


def _retint(widget: QWidget) -> None:
    tone = str(widget.property("pbTone") or "")
    bold = bool(widget.property("pbToneBold"))
    rules = []
    if tone:
        rules.append(f"color: {colour(tone).name()};")
    if bold:
        rules.append("font-weight: bold;")
    widget.setStyleSheet(" ".join(rules))
