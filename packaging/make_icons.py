"""Render the app icon from resources/icons/ward-app.svg into the raster files installers need.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

writes resources/icons/ward-app-256.png (Linux desktop entry, AppStream) and
resources/icons/ward-app.ico (Windows executable and installer: 16, 24, 32, 48, 64, 128 and 256
pixels, each rendered from the SVG, stored as PNG inside the ICO container as Windows Vista and
later read it). Run it again after changing the SVG, and commit the results.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "ward-app.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    saved = image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; str works
    if not saved:
        raise RuntimeError(f"could not encode the {size} px icon as PNG")
    buffer.close()
    return bytes(data.data())


def ico_container(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding PNG images (ICONDIR, one ICONDIRENTRY per image, then the data)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs it
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    pngs = {size: render_png(renderer, size) for size in ICO_SIZES}
    (ICONS / "ward-app-256.png").write_bytes(pngs[256])
    (ICONS / "ward-app.ico").write_bytes(ico_container(sorted(pngs.items())))
    sizes = ", ".join(map(str, ICO_SIZES))
    print(f"wrote {ICONS / 'ward-app-256.png'} and {ICONS / 'ward-app.ico'} ({sizes} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
