"""A reportlab canvas that numbers its pages 'x of y' and dates the PDF at a fixed moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFStream, PDFZCompress
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
    """Holds its pages to the end, so that each page's ``frame(number, total)`` (header, footer)
    can say 'Page x of y'. Subclasses set ``stamp`` (``pdf_date``: the PDF's date is the moment
    the sheet describes, not when it was rendered) and draw ``frame``; ``deflate_only`` leaves the
    page streams deflated without reportlab's ASCII85 on top (pure Python, a few % of a long
    sheet's time)."""

    stamp = ""
    deflate_only = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.setDateFormatter(lambda *_ymdhms: self.stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.frame(number, total)
            super().showPage()
            if self.deflate_only:
                page = self._doc.Pages.pages[-1]
                page.Contents = PDFStream(content=page.stream, filters=[PDFZCompress])
        super().save()

    def frame(self, number: int, total: int) -> None:
        raise NotImplementedError
