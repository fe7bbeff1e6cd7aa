"""A reportlab canvas that numbers its pages 'x of y' and dates the PDF at a fixed moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
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


#: The ward sheets' ink, rule and grey (handover, pump calendar).
INK, GREY, RULE = HexColor("#1F2933"), HexColor("#5F6B7A"), HexColor("#9AA5B1")
CONFIDENTIAL = "Confidential — patient information"


def ward_sheet_canvas(*, title: str, moment: str, printed: str, stamp: str, drill: bool,
                      font: str, bold: str, top_line: str | None = None) -> type:
    """The landscape ward sheets' page frame (handover, pump calendar): the ward and title left
    and the moment right over a rule, ``top_line`` under it on every page (e.g. when the data is
    from), a confidential footer, who printed it and when, and 'Page x of y'; DRILL on every page
    of a drill ward's sheet."""
    heading = f"DRILL · {title} · DRILL" if drill else title
    confidential = f"DRILL · {CONFIDENTIAL}" if drill else CONFIDENTIAL

    class WardSheetCanvas(PagedCanvas):
        def frame(self, number: int) -> None:
            width, height = self.page_size
            left, right = 12 * mm, width - 12 * mm
            self.saveState()
            self.setFillColor(INK)
            self.setFont(bold, fit(heading, bold, 12, width * 0.55))
            self.drawString(left, height - 10 * mm, heading)
            self.setFont(font, fit(moment, font, 10, width * 0.35))
            self.drawRightString(right, height - 10 * mm, moment)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(left, height - 12 * mm, right, height - 12 * mm)
            self.line(left, 10 * mm, right, 10 * mm)
            if top_line:
                self.setFont(font, fit(top_line, font, 7.5, right - left))
                self.drawString(left, height - 15.5 * mm, top_line)
            self.setFont(bold, 7.5)
            self.drawString(left, 6.5 * mm, confidential)
            self.place_numbered()
            self.setFillColor(GREY)
            self.setFont(font, fit(printed, font, 7.5, width - 2 * 70 * mm))
            self.drawCentredString(width / 2, 6.5 * mm, printed)
            self.restoreState()

        def numbered(self, number: int, total: int) -> None:
            self.setFillColor(INK)
            self.setFont(bold, 7.5)
            self.drawRightString(self.page_size[0] - 12 * mm, 6.5 * mm, f"Page {number} of {total}")

    WardSheetCanvas.stamp = stamp
    return WardSheetCanvas
