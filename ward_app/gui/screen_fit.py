"""Windows and dialogs open at a size that fits the screen they appear on: on a 1280×800 screen
with a task bar, a dialog asked for 1200×860 would put its Save and Print buttons off-screen."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

#: What the window manager adds around a window: a title bar and borders.
FRAME = 40


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Size ``widget`` to ``width``×``height`` or the screen's free area (less task bars and the
    window frame), whichever is smaller, and centre it there. Call before showing it."""
    parent = widget.parentWidget()
    screen = (parent.screen() if parent is not None else None) or widget.screen() \
        or QApplication.primaryScreen()
    free = screen.availableGeometry() if screen is not None else None
    if free is None or free.width() <= 0:
        widget.resize(width, height)
        return
    w = min(width, free.width() - 8)
    h = min(height, free.height() - FRAME)
    widget.resize(w, h)
    widget.move(free.x() + (free.width() - w) // 2,
                free.y() + max(0, (free.height() - h - FRAME) // 2))
