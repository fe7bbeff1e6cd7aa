"""A reportlab canvas that numbers its pages 'x of y' and dates the PDF at a fixed moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas


def pdf_date(at: datetime) -> str:
    """``at`` as a PDF date string (D:YYYYMMDDHHmmSS+HH'mm')."""
    offset = at.strftime("%z") or "+0000"
    return f"D:{at:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:5]}'"


def fit(text: str, face: str, size: float, room: float) -> float:
    """The font size, at most ``size``, at which ``text`` fits in ``room``: a long name shrinks
    rather than running into the next text or off the page."""
    while size > 5 and stringWidth(text, face, size) > room:
        size -= 0.25
    return size


class PagedCanvas(Canvas):
    """Draws each page's header and footer (``frame(number)``) as the page ends, and lets them say
    'Page x of y' before y is known: what needs the total is drawn by ``numbered(number, total)``
    into a form (a PDF XObject) that ``frame`` places with ``place_numbered()`` and ``save``
    fills in at the end; reportlab lets a page use a form defined later (``Canvas.doForm``).
    Subclasses set ``stamp`` (``pdf_date``: the PDF's date is the moment the sheet describes, not
    when it was rendered). Only reportlab's public canvas API: no pages held, no private state."""

    stamp = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_size: tuple[float, ...] = tuple(kwargs.get("pagesize") or rl_config.defaultPageSize)
        self.pages_done = 0
        self.setDateFormatter(lambda *_ymdhms: self.stamp)

    def showPage(self) -> None:
        self.pages_done += 1
        self.frame(self.pages_done)
        super().showPage()

    def place_numbered(self) -> None:
        """Here on this page: what ``numbered`` draws for it once the total is known."""
        self.doForm(f"numbered{self.pages_done}")

    def save(self) -> None:
        for number in range(1, self.pages_done + 1):
            self.beginForm(f"numbered{number}")
            self.numbered(number, self.pages_done)
            self.endForm()
        super().save()

    def frame(self, number: int) -> None:
        raise NotImplementedError

    def numbered(self, number: int, total: int) -> None:
        raise NotImplementedError
