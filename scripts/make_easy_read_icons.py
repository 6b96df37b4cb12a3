# ruff: noqa: TID251  (a developer tool, not the core: it renders the drawings with Qt)
"""Draw the easy read pictures: one per support category and one per easy read section.

    .venv/bin/python scripts/make_easy_read_icons.py

writes resources/easy_read/NAME.svg (the source drawing) and NAME.png (256 x 256 pixels,
transparent, what the easy read PDF embeds) for every picture in ICONS. The outputs are
committed; run this again only when a drawing changes.

Every picture is drawn the same way, so they read as one set: a pale round tile, a bold dark
outline (#1d2433, 10 pixels) and one or two strong colours, no words or letters (they would not
translate), and few details, none thinner than 4 pixels, so they stay clear when printed small. They are our
own work, dedicated to the public domain (CC0-1.0): see resources/easy_read/LICENCE.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "easy_read"
SIZE = 256

INK = "#1d2433"
TILE = "#e6edf6"
WHITE = "#ffffff"
BLUE = "#2b6cb0"
SKY = "#90cdf4"
GREEN = "#2f855a"
ORANGE = "#dd6b20"
RED = "#c53030"
YELLOW = "#f6c026"
PURPLE = "#6b46c1"
TEAL = "#2c7a7b"
BROWN = "#8c5a2b"
STROKE = 10


def _svg(body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 256 256">\n'
        f'<circle cx="128" cy="128" r="124" fill="{TILE}"/>\n'
        f'<g stroke="{INK}" stroke-width="{STROKE}" stroke-linejoin="round" stroke-linecap="round">\n'
        f"{body}\n</g>\n</svg>\n"
    )


def _person(cx: float, top: float, scale: float, colour: str) -> str:
    """A person from the waist up: a round head over rounded shoulders."""
    r = 25 * scale
    head = f'<circle cx="{cx}" cy="{top + r}" r="{r}" fill="{colour}"/>'
    t = top + 2 * r + 8 * scale
    b = t + 62 * scale
    left, right, c = cx - 42 * scale, cx + 42 * scale, 30 * scale
    body = (
        f'<path d="M {left} {b} L {left} {t + c} Q {left} {t} {left + c} {t} L {right - c} {t} '
        f'Q {right} {t} {right} {t + c} L {right} {b} Z" fill="{colour}"/>'
    )
    return head + "\n" + body


def _heart(cx: float, cy: float, size: float, colour: str) -> str:
    s = size / 100
    return (
        f'<path d="M {cx} {cy + 38 * s} C {cx - 60 * s} {cy} {cx - 52 * s} {cy - 48 * s} {cx} {cy - 26 * s} '
        f'C {cx + 52 * s} {cy - 48 * s} {cx + 60 * s} {cy} {cx} {cy + 38 * s} Z" fill="{colour}"/>'
    )


def _drop(x: float, y: float) -> str:
    return (
        f'<path d="M {x} {y - 22} C {x + 15} {y - 3} {x + 15} {y + 16} {x} {y + 16} '
        f'C {x - 15} {y + 16} {x - 15} {y - 3} {x} {y - 22} Z" fill="{SKY}" stroke-width="7"/>'
    )


def _tick(points: str, width: int = 18, colour: str = WHITE) -> str:
    return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"/>'


def _wave(cx: float, cy: float, r: float) -> str:
    """A quarter circle opening to the bottom left (a signal)."""
    return f'<path d="M {cx} {cy - r} A {r} {r} 0 0 1 {cx + r} {cy}" fill="none"/>'


# -- the support categories (personalbudget.domain.vocabularies.SUPPORT_CATEGORIES) ----------------


def personal_care() -> str:  # a shower with water falling
    return "\n".join(
        [
            '<path d="M 62 214 L 62 86 Q 62 50 98 50 L 150 50 L 150 72" fill="none" stroke-width="14"/>',
            f'<path d="M 106 112 Q 106 72 150 72 Q 194 72 194 112 Z" fill="{BLUE}"/>',
            _drop(118, 148),
            _drop(150, 160),
            _drop(182, 148),
            _drop(132, 200),
            _drop(168, 204),
        ]
    )


def personal_assistant() -> str:  # a worker wearing an ID card on a lanyard
    return "\n".join(
        [
            _person(128, 34, 1.45, TEAL),
            '<polyline points="98,124 128,168 158,124" fill="none" stroke-width="7"/>',
            f'<rect x="104" y="160" width="48" height="44" rx="6" fill="{WHITE}" stroke-width="7"/>',
            f'<circle cx="128" cy="176" r="7" fill="{INK}" stroke-width="0"/>',
            '<line x1="116" y1="194" x2="140" y2="194" stroke-width="6"/>',
        ]
    )


def day_opportunities() -> str:  # the sun over a day centre
    rays = "\n".join(
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke-width="9"/>'
        for x1, y1, x2, y2 in (
            (76, 26, 76, 40),
            (76, 112, 76, 126),
            (26, 76, 40, 76),
            (112, 76, 126, 76),
            (41, 41, 51, 51),
            (101, 101, 111, 111),
            (41, 111, 51, 101),
            (101, 51, 111, 41),
        )
    )
    return "\n".join(
        [
            rays,
            f'<circle cx="76" cy="76" r="24" fill="{YELLOW}"/>',
            f'<path d="M 104 212 L 104 128 L 160 96 L 216 128 L 216 212 Z" fill="{ORANGE}"/>',
            f'<rect x="142" y="160" width="36" height="52" fill="{WHITE}"/>',
            f'<rect x="118" y="132" width="22" height="20" fill="{SKY}" stroke-width="6"/>',
            f'<rect x="180" y="132" width="22" height="20" fill="{SKY}" stroke-width="6"/>',
            '<line x1="40" y1="214" x2="228" y2="214"/>',
        ]
    )


def short_breaks() -> str:  # a bed under the moon: a night away
    return "\n".join(
        [
            f'<path d="M 188 40 A 34 34 0 1 0 214 96 A 28 28 0 1 1 188 40 Z" fill="{YELLOW}"/>',
            f'<path d="M 110 54 l 5 11 12 2 -9 8 2 12 -10 -6 -10 6 2 -12 -9 -8 12 -2 Z" fill="{YELLOW}" stroke-width="5"/>',
            '<line x1="40" y1="108" x2="40" y2="206" stroke-width="14"/>',
            '<line x1="216" y1="160" x2="216" y2="206" stroke-width="14"/>',
            f'<rect x="40" y="156" width="176" height="26" fill="{PURPLE}"/>',
            f'<rect x="54" y="126" width="48" height="28" rx="12" fill="{WHITE}"/>',
            f'<path d="M 106 156 L 106 134 Q 106 124 116 124 L 204 124 Q 216 124 216 136 L 216 156 Z" fill="{SKY}"/>',
        ]
    )


def community_activities() -> str:  # music and a ball: things to do with other people
    return "\n".join(
        [
            '<path d="M 60 140 L 60 58 L 124 44 L 124 124" fill="none" stroke-width="12"/>',
            f'<path d="M 60 58 L 124 44 L 124 64 L 60 78 Z" fill="{INK}"/>',
            f'<ellipse cx="46" cy="142" rx="18" ry="14" fill="{PURPLE}"/>',
            f'<ellipse cx="110" cy="128" rx="18" ry="14" fill="{PURPLE}"/>',
            f'<circle cx="166" cy="170" r="48" fill="{WHITE}"/>',
            f'<path d="M 166 150 L 185 164 L 178 186 L 154 186 L 147 164 Z" fill="{INK}" stroke-width="4"/>',
            '<line x1="166" y1="150" x2="166" y2="124" stroke-width="6"/>',
            '<line x1="185" y1="164" x2="211" y2="156" stroke-width="6"/>',
            '<line x1="178" y1="186" x2="192" y2="208" stroke-width="6"/>',
            '<line x1="154" y1="186" x2="140" y2="208" stroke-width="6"/>',
            '<line x1="147" y1="164" x2="121" y2="156" stroke-width="6"/>',
        ]
    )


def transport() -> str:  # a bus from the front
    return "\n".join(
        [
            f'<rect x="72" y="194" width="26" height="30" rx="6" fill="{INK}"/>',
            f'<rect x="158" y="194" width="26" height="30" rx="6" fill="{INK}"/>',
            f'<rect x="58" y="40" width="140" height="166" rx="22" fill="{ORANGE}"/>',
            f'<rect x="74" y="74" width="108" height="62" rx="6" fill="{SKY}"/>',
            f'<rect x="92" y="50" width="72" height="14" rx="4" fill="{WHITE}" stroke-width="6"/>',
            f'<circle cx="88" cy="170" r="12" fill="{YELLOW}"/>',
            f'<circle cx="168" cy="170" r="12" fill="{YELLOW}"/>',
            '<line x1="112" y1="172" x2="144" y2="172"/>',
            '<line x1="58" y1="90" x2="44" y2="90"/>',
            '<line x1="198" y1="90" x2="212" y2="90"/>',
        ]
    )


def domestic() -> str:  # a home and a broom: help with jobs in the house
    return "\n".join(
        [
            f'<path d="M 48 212 L 48 118 L 112 62 L 176 118 L 176 212 Z" fill="{BLUE}"/>',
            f'<rect x="92" y="150" width="40" height="62" fill="{WHITE}"/>',
            '<line x1="30" y1="130" x2="112" y2="56"/>',
            '<line x1="112" y1="56" x2="194" y2="130"/>',
            '<line x1="214" y1="64" x2="190" y2="176" stroke-width="12"/>',
            f'<path d="M 172 170 L 210 178 L 214 216 L 160 206 Z" fill="{YELLOW}"/>',
            '<line x1="178" y1="184" x2="170" y2="206" stroke-width="5"/>',
            '<line x1="194" y1="188" x2="190" y2="210" stroke-width="5"/>',
            '<line x1="30" y1="214" x2="226" y2="214"/>',
        ]
    )


def equipment() -> str:  # a wheelchair: equipment that helps me
    return "\n".join(
        [
            f'<circle cx="104" cy="56" r="18" fill="{BLUE}"/>',
            f'<path d="M 96 84 L 96 142 L 150 142 L 170 196 L 194 190" fill="none" stroke="{BLUE}" stroke-width="22"/>',
            f'<line x1="96" y1="106" x2="138" y2="106" stroke="{BLUE}" stroke-width="16"/>',
            '<path d="M 72 120 A 56 56 0 1 0 162 182" fill="none" stroke-width="14"/>',
        ]
    )


def assistive_technology() -> str:  # a tablet sending a signal
    return "\n".join(
        [
            f'<rect x="44" y="76" width="112" height="148" rx="16" fill="{INK}"/>',
            f'<rect x="58" y="94" width="84" height="104" rx="4" fill="{SKY}" stroke-width="0"/>',
            f'<circle cx="100" cy="211" r="6" fill="{WHITE}" stroke-width="0"/>',
            f'<circle cx="100" cy="146" r="18" fill="{RED}" stroke="{WHITE}" stroke-width="6"/>',
            _wave(164, 92, 22),
            _wave(164, 92, 46),
            _wave(164, 92, 70),
        ]
    )


def work_learning() -> str:  # a work bag and an open book
    return "\n".join(
        [
            '<path d="M 96 66 L 96 50 Q 96 40 106 40 L 150 40 Q 160 40 160 50 L 160 66" fill="none"/>',
            f'<rect x="50" y="66" width="156" height="92" rx="12" fill="{BROWN}"/>',
            f'<rect x="116" y="96" width="24" height="18" rx="3" fill="{YELLOW}" stroke-width="6"/>',
            f'<path d="M 128 150 Q 96 132 48 140 L 48 214 Q 96 206 128 222 Z" fill="{WHITE}"/>',
            f'<path d="M 128 150 Q 160 132 208 140 L 208 214 Q 160 206 128 222 Z" fill="{WHITE}"/>',
            '<line x1="66" y1="164" x2="108" y2="162" stroke-width="5"/>',
            '<line x1="66" y1="182" x2="108" y2="182" stroke-width="5"/>',
            '<line x1="148" y1="162" x2="190" y2="164" stroke-width="5"/>',
            '<line x1="148" y1="182" x2="190" y2="182" stroke-width="5"/>',
        ]
    )


def health_support() -> str:  # a heart with a health cross
    return "\n".join(
        [
            _heart(128, 132, 170, RED),
            f'<rect x="112" y="92" width="32" height="84" rx="4" fill="{WHITE}" stroke-width="0"/>',
            f'<rect x="86" y="118" width="84" height="32" rx="4" fill="{WHITE}" stroke-width="0"/>',
        ]
    )


def other() -> str:  # three dots: something else
    return "\n".join(
        [
            f'<rect x="36" y="84" width="184" height="88" rx="44" fill="{WHITE}"/>',
            f'<circle cx="84" cy="128" r="16" fill="{INK}"/>',
            f'<circle cx="128" cy="128" r="16" fill="{INK}"/>',
            f'<circle cx="172" cy="128" r="16" fill="{INK}"/>',
        ]
    )


# -- the easy read sections --------------------------------------------------------------------


def about_me() -> str:  # one person: me
    return _person(128, 30, 1.7, BLUE)


def what_matters() -> str:  # a thought bubble with a heart in it
    return "\n".join(
        [
            f'<path d="M 70 150 Q 30 150 34 114 Q 38 84 70 84 Q 76 44 120 44 Q 160 40 172 72 '
            f'Q 222 70 222 112 Q 222 152 180 152 Q 168 176 130 170 Q 100 180 70 150 Z" fill="{WHITE}"/>',
            f'<circle cx="66" cy="184" r="14" fill="{WHITE}"/>',
            f'<circle cx="40" cy="214" r="9" fill="{WHITE}" stroke-width="7"/>',
            _heart(128, 112, 104, RED),
        ]
    )


def _pound(cx: float, cy: float) -> str:
    """A pound sign drawn with lines (no font needed)."""
    return (
        f'<path d="M {cx + 22} {cy - 30} Q {cx + 10} {cy - 44} {cx - 6} {cy - 36} Q {cx - 18} {cy - 28} '
        f"{cx - 12} {cy - 6} Q {cx - 6} {cy + 20} {cx - 26} {cy + 34} L {cx + 26} {cy + 34} "
        f'M {cx - 26} {cy} L {cx + 14} {cy}" fill="none" stroke-width="11"/>'
    )


def my_money() -> str:  # a bank note and a pound coin
    return "\n".join(
        [
            f'<rect x="30" y="56" width="150" height="88" rx="10" fill="{GREEN}"/>',
            f'<circle cx="105" cy="100" r="24" fill="none" stroke="{WHITE}" stroke-width="8"/>',
            f'<circle cx="160" cy="160" r="62" fill="{YELLOW}"/>',
            _pound(160, 160),
        ]
    )


def help_i_get() -> str:  # a hand holding a heart up
    return "\n".join(
        [
            _heart(134, 86, 120, RED),
            f'<path d="M 30 178 L 74 150 Q 88 142 104 148 L 150 164 Q 166 170 160 184 Q 154 196 138 192 '
            f"L 114 186 L 150 190 L 196 156 Q 210 146 220 156 Q 228 166 218 176 L 168 222 Q 160 228 150 228 "
            f'L 88 228 L 56 222 Z" fill="{SKY}"/>',
        ]
    )


def people_who_help() -> str:  # three people together
    return "\n".join(
        [
            _person(70, 58, 0.95, GREEN),
            _person(186, 58, 0.95, PURPLE),
            _person(128, 84, 1.2, ORANGE),
        ]
    )


def keeping_safe() -> str:  # a shield with a tick
    return "\n".join(
        [
            f'<path d="M 128 28 L 206 58 L 206 118 Q 206 190 128 228 Q 50 190 50 118 L 50 58 Z" fill="{BLUE}"/>',
            _tick("90,128 118,158 168,100", 20),
        ]
    )


def if_things_go_wrong() -> str:  # a phone to call, and a warning mark
    return "\n".join(
        [
            f'<path d="M 52 66 Q 62 56 76 60 L 94 66 Q 104 70 102 82 L 96 112 Q 94 120 86 122 L 74 126 '
            f"Q 92 170 130 188 L 136 176 Q 140 168 148 168 L 178 164 Q 190 164 194 174 L 198 194 "
            f'Q 200 208 188 216 Q 160 232 118 214 Q 58 186 40 118 Q 34 84 52 66 Z" fill="{RED}"/>',
            f'<circle cx="184" cy="78" r="48" fill="{YELLOW}"/>',
            '<line x1="184" y1="50" x2="184" y2="86" stroke-width="14"/>',
            f'<circle cx="184" cy="108" r="8" fill="{INK}" stroke-width="0"/>',
        ]
    )


def review() -> str:  # a calendar with a tick: the day we check how it is going
    return "\n".join(
        [
            f'<rect x="44" y="56" width="168" height="160" rx="14" fill="{WHITE}"/>',
            f'<path d="M 44 100 L 44 70 Q 44 56 58 56 L 198 56 Q 212 56 212 70 L 212 100 Z" fill="{RED}"/>',
            '<line x1="88" y1="38" x2="88" y2="72" stroke-width="14"/>',
            '<line x1="168" y1="38" x2="168" y2="72" stroke-width="14"/>',
            _tick("86,156 116,186 172,126", 20, GREEN),
        ]
    )


def signatures() -> str:  # a pen signing on a line
    return "\n".join(
        [
            '<path d="M 36 188 Q 52 150 66 176 Q 78 200 92 168 Q 102 148 112 178 Q 118 192 132 176" fill="none" stroke-width="8"/>',
            '<line x1="30" y1="214" x2="226" y2="214"/>',
            f'<path d="M 196 34 L 222 60 L 130 152 L 98 162 L 108 130 Z" fill="{BLUE}"/>',
            '<line x1="108" y1="130" x2="130" y2="152" stroke-width="8"/>',
            f'<path d="M 98 162 L 103 146 L 114 157 Z" fill="{INK}" stroke-width="4"/>',
        ]
    )


# name -> (drawing, what it means)
ICONS = {
    "personal_care": (personal_care, "Personal care: washing, dressing, going to the toilet"),
    "personal_assistant": (personal_assistant, "Personal assistant: a worker I employ"),
    "day_opportunities": (day_opportunities, "Day opportunities: places to go in the day"),
    "short_breaks": (short_breaks, "Short breaks and respite: a night or a few days away"),
    "community_activities": (community_activities, "Community and leisure activities: music, sport, clubs"),
    "transport": (transport, "Transport: getting about"),
    "domestic": (domestic, "Help at home: cleaning and jobs in the house"),
    "equipment": (equipment, "Equipment and adaptations: a wheelchair, changes to my home"),
    "assistive_technology": (assistive_technology, "Assistive technology: alarms, tablets, gadgets"),
    "work_learning": (work_learning, "Work, learning and volunteering"),
    "health_support": (health_support, "Health support"),
    "other": (other, "Other help"),
    "about_me": (about_me, "Section: about me"),
    "what_matters": (what_matters, "Section: what matters to me"),
    "my_money": (my_money, "Section: my money"),
    "help_i_get": (help_i_get, "Section: the help I get"),
    "people_who_help": (people_who_help, "Section: people who help me"),
    "keeping_safe": (keeping_safe, "Section: keeping safe (risks)"),
    "if_things_go_wrong": (if_things_go_wrong, "Section: if things go wrong (contingency plan)"),
    "review": (review, "Section: when we will check how it is going (review)"),
    "signatures": (signatures, "Section: signatures"),
}


def render_png(svg: str) -> bytes:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError("the drawing is not valid SVG")
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, SIZE, SIZE))
    painter.end()
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    raw = bytes(image.constBits())
    # A palette of 64 colours keeps each file to a few kilobytes and is indistinguishable here.
    pil = Image.frombytes("RGBA", (SIZE, SIZE), raw).quantize(64, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    pil.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (draw, _meaning) in ICONS.items():
        svg = _svg(draw())
        (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
        (OUT / f"{name}.png").write_bytes(render_png(svg))
    print(f"Wrote {len(ICONS)} pictures to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
