"""Word-wrapping by hand, for texts Qt will not wrap itself (radio buttons, painted titles), and
the narrowest a text can wrap to."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics


def _fill(text: str, metrics: QFontMetrics, width: int, max_lines: int | None) -> list[str]:
    """Greedy filling: as many words on each line as fit; the last line takes whatever is left."""
    lines: list[str] = []
    words = text.split()
    while words and (max_lines is None or len(lines) < max_lines):
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines[-1] = f"{lines[-1]} {' '.join(words)}"
    return lines


def wrap_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """``text`` word-wrapped to ``width`` pixels in at most ``max_lines``; what does not fit ends
    in "…" (keep the whole text in a tooltip or the accessible name)."""
    return [
        line
        if metrics.horizontalAdvance(line) <= width
        else metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
        for line in _fill(text, metrics, width, max_lines)
    ]


def widest_word(text: str, metrics: QFontMetrics) -> int:
    """The width in pixels of the longest word of ``text``: the narrowest it can wrap to uncut."""
    return max((metrics.horizontalAdvance(word) for word in text.split()), default=0)


def wrap_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` with new lines where it should wrap at ``width`` pixels (nothing is cut)."""
    return "\n".join(_fill(text, metrics, width, None))
