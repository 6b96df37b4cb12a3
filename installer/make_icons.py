# ruff: noqa: TID251  (a build tool, not the core: it draws with Qt)
"""Draw the PersonalBudget app icon and write it in every size and format the platforms need.

    .venv/bin/python installer/make_icons.py

writes resources/icons/: personalbudget-N.png for N in SIZES, personalbudget.ico (Windows:
16-256, small sizes as bitmaps, 256 as PNG) and personalbudget.icns (macOS: 16-1024). The
outputs are committed; run this again only when the drawing changes.

The icon: a rounded square in teal fading to deep blue, a white purse with a gold clasp and a
handle, and a coral heart on the purse with "PB" under it (the letters are left out below 64
pixels, where they could not be read, and the heart is drawn larger instead). It is drawn with
QPainter off screen, so it needs nothing but PySide6; the .ico and .icns containers are written
here from the PNGs (both are simple formats).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
FONT_FILE = ROOT / "resources" / "fonts" / "DejaVuSans-Bold.ttf"
NAME = "personalbudget"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_PNG_FROM = 256  # sizes from here on are stored as PNG inside the .ico, smaller ones as bitmaps
# macOS icon types holding PNG data, and the pixel size of each (the @2x types are the larger ones).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
    (b"ic10", 1024),
)
TEXT_FROM = 64  # smallest size that shows "PB"

TEAL = QColor("#2a9d8f")
DEEP_BLUE = QColor("#1d4e73")
PURSE = QColor("#fbf8f3")
PURSE_SHADE = QColor("#e3ebef")
GOLD = QColor("#f2b134")
CORAL = QColor("#e4572e")
INK = QColor("#1d4e73")


def draw(size: int, family: str) -> QImage:
    """The icon at ``size`` pixels square, drawn on a 1024-unit grid."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 1024, size / 1024)
    small = size < TEXT_FROM
    # Thin lines vanish at small sizes: keep every stroke at least about 1.3 pixels wide.
    min_stroke = 1.3 * 1024 / size

    # The tile.
    tile = QRectF(48, 48, 928, 928)
    gradient = QLinearGradient(QPointF(512, 48), QPointF(512, 976))
    gradient.setColorAt(0.0, TEAL)
    gradient.setColorAt(1.0, DEEP_BLUE)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(tile, 210, 210)

    # The handle: an arch above the purse.
    handle = QPen(PURSE, max(64 if small else 52, min_stroke))
    handle.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(handle)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(352, 196, 320, 360), 0 * 16, 180 * 16)

    # The purse: a body a little wider at the bottom, with a shaded band under the clasp.
    body = QPainterPath()
    body.moveTo(262, 376)
    body.lineTo(762, 376)
    body.quadTo(842, 376, 850, 470)
    body.lineTo(872, 740)
    body.quadTo(880, 846, 772, 846)
    body.lineTo(252, 846)
    body.quadTo(144, 846, 152, 740)
    body.lineTo(174, 470)
    body.quadTo(182, 376, 262, 376)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PURSE)
    painter.drawPath(body)
    if not small:
        painter.save()
        painter.setClipPath(body)
        painter.setBrush(PURSE_SHADE)
        painter.drawRect(QRectF(140, 376, 744, 62))
        painter.restore()

    # The clasp: two gold beads where the handle meets the purse.
    painter.setBrush(GOLD)
    bead = 46 if small else 36
    for x in (458, 566):
        painter.drawEllipse(QPointF(x, 384), bead, bead)

    # The heart, and "PB" under it when there is room to read it.
    heart_box = QRectF(332, 452, 360, 340) if small else QRectF(392, 458, 240, 220)
    painter.setBrush(CORAL)
    painter.drawPath(heart(heart_box))
    if not small:
        font = QFont(family)
        font.setPixelSize(150)
        font.setWeight(QFont.Weight.Bold)
        letters = QPainterPath()
        letters.addText(0, 0, font, "PB")
        bounds = letters.boundingRect()
        letters.translate(512 - bounds.center().x(), 755 - bounds.center().y())
        painter.setBrush(INK)
        painter.drawPath(letters)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def heart(box: QRectF) -> QPainterPath:
    """A heart filling ``box`` (the classic two-lobed curve)."""

    def at(x: float, y: float) -> QPointF:
        return QPointF(box.left() + x * box.width(), box.top() + y * box.height())

    path = QPainterPath(at(0.5, 0.2))
    path.cubicTo(at(0.5, 0.16), at(0.44, 0.0), at(0.25, 0.0))
    path.cubicTo(at(0.0, 0.0), at(0.0, 0.3), at(0.0, 0.3))
    path.cubicTo(at(0.0, 0.5), at(0.12, 0.76), at(0.5, 1.0))
    path.cubicTo(at(0.88, 0.76), at(1.0, 0.5), at(1.0, 0.3))
    path.cubicTo(at(1.0, 0.3), at(1.0, 0.0), at(0.75, 0.0))
    path.cubicTo(at(0.56, 0.0), at(0.5, 0.16), at(0.5, 0.2))
    path.closeSubpath()
    return path


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    return bytes(data.data())


def bmp_icon_bytes(image: QImage) -> bytes:
    """An icon entry as a Windows bitmap: BITMAPINFOHEADER, 32-bit BGRA rows bottom-up, an empty AND mask."""
    width, height = image.width(), image.height()
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    stride = rgba.bytesPerLine()
    raw = bytes(rgba.constBits())[: stride * height]
    rows = []
    for y in range(height - 1, -1, -1):
        row = bytearray(raw[y * stride : y * stride + width * 4])
        row[0::4], row[2::4] = row[2::4], row[0::4]  # RGBA -> BGRA
        rows.append(bytes(row))
    pixels = b"".join(rows)
    mask = bytes(((width + 31) // 32) * 4 * height)  # alpha decides transparency; the mask stays clear
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0)
    return header + pixels + mask


def ico_bytes(images: dict[int, QImage]) -> bytes:
    entries = []
    for size in ICO_SIZES:
        image = images[size]
        data = png_bytes(image) if size >= ICO_PNG_FROM else bmp_icon_bytes(image)
        entries.append((size, data))
    offset = 6 + 16 * len(entries)
    directory = struct.pack("<HHH", 0, 1, len(entries))
    blobs = b""
    for size, data in entries:
        side = 0 if size >= 256 else size  # 0 means 256
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return directory + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    if font_id < 0:
        raise SystemExit(f"cannot load {FONT_FILE}")
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size, family) for size in SIZES}
    pngs = {size: png_bytes(image) for size, image in images.items()}
    for size, data in pngs.items():
        (OUT / f"{NAME}-{size}.png").write_bytes(data)
    (OUT / f"{NAME}.ico").write_bytes(ico_bytes(images))
    (OUT / f"{NAME}.icns").write_bytes(icns_bytes(pngs))
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
